/* SPDX-License-Identifier: ISC */
/* bucket_int.h: declarations shared by the bucket/ sources only. */
#ifndef COFFER_BUCKET_BUCKET_INT_H
#define COFFER_BUCKET_BUCKET_INT_H

#include "bucket/bucket.h"

struct sqlite3_stmt;

/* Statement helpers shared by the *_db.c files of this module. */
/* Copies text column i into dst (cap bytes; "" for NULL). */
void bucket_col_copy(struct sqlite3_stmt *st, int i, char *dst, size_t cap);
/* Text column i copied into the arena (NULL when the arena is full). */
const char *bucket_col_arena(struct sqlite3_stmt *st, int i, struct arena *a);
/* Binds s (NULL as "") as static text. */
int bucket_bind_text(struct sqlite3_stmt *st, int i, const char *s);
/* Steps a statement that returns no row, then resets it. */
enum err bucket_step_done(struct sqlite3_stmt *st);
/* Column 0 of the first row of sql bound to arg; ERR_NOT_FOUND if none. */
enum err bucket_query_i64(struct db *db, const char *sql, int64_t arg,
    int64_t *ret);

/* Binds an extent's inline chunk (or NULL) to parameter i. */
void bucket_bind_inline(struct sqlite3_stmt *st, int i, const struct extent *e);

/* Object rows of bucket in key order from `from` (inclusive or not), at
 * most limit; fn returns false to stop early. */
enum err object_scan(struct db *db, struct arena *a, int64_t bucket,
    const char *from, size_t from_len, bool inclusive, unsigned limit,
    bool (*fn)(void *ctx, const struct object *o), void *ctx);

#endif
