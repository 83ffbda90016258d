/* SPDX-License-Identifier: ISC */
/*
 * rand.c: see rand.h.
 *
 * Small requests are served from a per-thread buffer refilled 512 bytes
 * at a time: a request id per request was a getrandom(2) system call per
 * request, a measurable share of a KMS call. The bytes are ids, never
 * keys (kms/ draws those from libsodium). A child of fork() drops the
 * buffer it inherited, so parent and child never hand out the same
 * bytes.
 */
#include "base/rand.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/clock.h"
#include "base/str.h"

#define RAND_POOL	512
#define RAND_SMALL	64	/* larger requests go to the kernel */

static _Thread_local unsigned char pool[RAND_POOL];
static _Thread_local size_t pool_left;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void
kernel_bytes(unsigned char *q, size_t n)
{
	while (n > 0) {
		ssize_t got = getrandom(q, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			abort();
		q += got;
		n -= (size_t)got;
	}
}

static void
drop_pool(void)
{
	memset(pool, 0, sizeof(pool));
	pool_left = 0;
}

static void
atfork_init(void)
{
	(void)pthread_atfork(NULL, NULL, drop_pool);
}

void
rand_bytes(void *p, size_t n)
{
	if (n > RAND_SMALL) {
		kernel_bytes(p, n);
		return;
	}
	(void)pthread_once(&atfork_once, atfork_init);
	if (pool_left < n) {
		kernel_bytes(pool, sizeof(pool));
		pool_left = sizeof(pool);
	}
	/* Taken from the end and wiped, so no byte is handed out twice. */
	pool_left -= n;
	memcpy(p, pool + pool_left, n);
	memset(pool + pool_left, 0, n);
}

void
rand_request_id(char out[static 25])
{
	unsigned char id[12];
	uint32_t t = (uint32_t)(clock_wall_ms() / 1000);

	id[0] = (unsigned char)(t >> 24);
	id[1] = (unsigned char)(t >> 16);
	id[2] = (unsigned char)(t >> 8);
	id[3] = (unsigned char)t;
	rand_bytes(id + 4, 8);
	hex_encode_upper(out, id, sizeof(id));
}
