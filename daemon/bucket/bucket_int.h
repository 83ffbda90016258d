/* SPDX-License-Identifier: ISC */
/* bucket_int.h: declarations shared by the bucket/ sources only. */
#ifndef COFFER_BUCKET_BUCKET_INT_H
#define COFFER_BUCKET_BUCKET_INT_H

#include "bucket/bucket.h"

struct sqlite3_stmt;

/* An extent row's seal (schema/0009_seal.sql): where it belongs (object or
 * part, and its place) and what it is. Writers compute it with coffer_mac
 * over the same columns in this order. */
#define EXTENT_MAC_OK \
	"coffer_mac_ok(mac, 'extent', object, part, seq, uuid, plain_len," \
	" wrapped_dek, wrap_key)"

/* Statement helpers of this module (the generic ones are in db/db.h). */
/* Text column i copied into the arena (NULL when the arena is full). */
const char *bucket_col_arena(struct sqlite3_stmt *st, int i, struct arena *a);

/* Binds an extent's inline chunk (or NULL) to parameter i. */
void bucket_bind_inline(struct sqlite3_stmt *st, int i, const struct extent *e);

/* Object rows of bucket in key order from `from` (inclusive or not), at
 * most limit; fn returns false to stop early. */
enum err object_scan(struct db *db, struct arena *a, int64_t bucket,
    const char *from, size_t from_len, bool inclusive, unsigned limit,
    bool (*fn)(void *ctx, const struct object *o), void *ctx);

#endif
