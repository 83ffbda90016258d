/* SPDX-License-Identifier: ISC */
/*
 * object_reader.h: plaintext of an object (a list of extents) as a stream
 * for http/, decrypting only the chunks a range needs (L3).
 *
 * The reader copies the extent list, so it outlives the request arena (MHD
 * may destroy a streamed response after the request is done). Data keys are
 * unwrapped lazily, one extent at a time, and wiped when the reader moves on.
 */
#ifndef COFFER_API_OBJECT_READER_H
#define COFFER_API_OBJECT_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "bucket/bucket.h"

struct api;
struct object_reader;

/* Serves plaintext bytes [start, start + len) of the object. account is
 * the accounts.id of the object's owner: SSE-KMS extents open only under
 * that account's CMKs. */
enum err object_reader_open(struct api *api, int64_t account,
    const struct extent *ext, size_t n, uint64_t start, uint64_t len,
    struct object_reader **ret);
/* Unwraps the data key of the first extent the range touches and opens its
 * first chunk, so key-state errors (KeyDisabled, ...) and a damaged first
 * chunk surface before a 200 is sent. */
enum err object_reader_prepare(struct object_reader *r);
/* http_stream callback: pos is relative to start. -1 on failure (logged). */
ssize_t object_reader_read(void *ctx, uint64_t pos, char *buf, size_t max);
/* Reads exactly n bytes at pos into buf (for copies); ERR_CORRUPT etc. */
enum err object_reader_read_all(struct object_reader *r, uint64_t pos,
    void *buf, size_t n);
void object_reader_free(void *ctx);

#endif
