/* SPDX-License-Identifier: ISC */
/*
 * read_ahead.h: the chunks of one blob extent decrypted ahead of a
 * sequential reader on a helper thread (L4).
 *
 * While MHD sends what the reader returned, the helper reads and opens the
 * next chunks into a small ring; the reader then copies them out, and opens
 * the chunks it needs itself when the helper is behind, so both threads
 * decrypt when the sender is the faster side. At most READ_AHEAD_SLOTS
 * chunks are held; like a store reader's cached chunk, the ring is wiped
 * when it is freed.
 */
#ifndef COFFER_OBJECT_READ_AHEAD_H
#define COFFER_OBJECT_READ_AHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

#define READ_AHEAD_SLOTS	8

struct read_ahead;

/* Starts on the committed extent uuid (plain_len plaintext bytes), serving
 * extent offsets from chunk first up to end (exclusive). The cipher must
 * outlive the read_ahead. ERR_NOMEM, or the store's errors. */
enum err read_ahead_start(struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES], uint64_t plain_len,
    const struct store_cipher *cipher, uint64_t first, uint64_t end,
    struct read_ahead **ret);
/* The extent offset the next read must start at: it serves only reads
 * that continue where the last one stopped. */
uint64_t read_ahead_next(const struct read_ahead *ra);
/* Reads up to n bytes at read_ahead_next() into buf; sr is the caller's own
 * reader of the same extent, for the chunks it opens itself. A short
 * count only at a chunk boundary. ERR_CORRUPT etc. as store_reader_read. */
enum err read_ahead_read(struct read_ahead *ra, struct store_reader *sr,
    void *buf, size_t n, size_t *ret_n);
/* Stops the helper (it finishes at most the chunk it is opening), wipes
 * and frees. NULL-safe. */
void read_ahead_free(struct read_ahead *ra);

#endif
