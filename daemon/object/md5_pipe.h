/* SPDX-License-Identifier: ISC */
/*
 * md5_pipe.h: MD5 of a large body on a helper thread, fed in batches (L4).
 *
 * MD5 costs about twice the AEAD per byte and cannot be split, so it gets a
 * thread of its own while the caller computes the CRC and seals and writes
 * the same bytes. The pipe owns a small ring of batch buffers: the caller
 * fills one, posts it, and goes on to the next, waiting only when every
 * buffer is still queued for hashing. Memory is bounded by the ring.
 */
#ifndef COFFER_OBJECT_MD5_PIPE_H
#define COFFER_OBJECT_MD5_PIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "hash/hash.h"

#define MD5_PIPE_BATCH	(256 * 1024)
#define MD5_PIPE_SLOTS	4

struct md5_pipe;

/* A pipe hashing into md5, which must not be touched again until
 * md5_pipe_free. ERR_NOMEM. */
enum err md5_pipe_new(struct hash_md5 *md5, struct md5_pipe **ret);
/* The buffer to fill next (MD5_PIPE_BATCH bytes), once the hasher is done
 * with it. */
uint8_t *md5_pipe_slot(struct md5_pipe *p);
/* Queues the first n bytes of the current slot. The caller may still read
 * them until its next md5_pipe_slot call. The hashing thread starts at the
 * first post that is not the last; a body that fits in one batch, or a
 * thread that cannot start, is hashed here. */
void md5_pipe_post(struct md5_pipe *p, size_t n, bool last);
/* Waits until every posted byte is hashed, stops the thread, wipes the
 * buffers and frees p. NULL-safe. */
void md5_pipe_free(struct md5_pipe *p);

#endif
