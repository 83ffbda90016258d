/* SPDX-License-Identifier: ISC */
/* rand.h: non-secret-critical randomness (ids) from getrandom(2),
 * buffered per thread (rand.c). */
#ifndef COFFER_BASE_RAND_H
#define COFFER_BASE_RAND_H

#include <stddef.h>

/* Fills p with n random bytes; aborts if the kernel refuses (it cannot,
 * once the pool is initialised, for n <= 256). */
void rand_bytes(void *p, size_t n);
/* An OSS request id: 24 upper-case hex digits, the first 8 the wall
 * clock's seconds, so that they sort like the ones OSS hands out. */
void rand_request_id(char out[static 25]);

#endif
