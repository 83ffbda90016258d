/* SPDX-License-Identifier: ISC */
/* bucket_int.h: declarations shared by the bucket/ sources only. */
#ifndef COFFER_BUCKET_BUCKET_INT_H
#define COFFER_BUCKET_BUCKET_INT_H

#include "bucket/bucket.h"

struct db_st;

/*
 * Row seals (schema/0009_seal.sql, 0011_versions.sql; row_mac.c). Every
 * object and extent row carries a MAC over what a retention decision
 * reads. Writers compute it here and bind it; readers select the mac
 * column and check it here, so the database never needs the seal key.
 *
 * An object row's MAC covers where the version is, what it is, when it
 * was written and what retention it carries: bucket, key, type, size,
 * etag, crc64, mtime_ms, version_id, retain_mode, retain_until_ms,
 * legal_hold. While a row has the defaults of the promises 0011 added
 * (the null version, no retention, no hold) it covers the first seven
 * only, so rows sealed before 0011 still verify.
 */
/* The MAC of o as a row (its key, type, ... as stored). */
enum err bucket_object_mac(struct db *db, const struct object *o,
    uint8_t out[static DB_SEAL_MAC_BYTES]);
/* The MAC of the current row of st (OBJECT_COLS) as it stands. */
enum err bucket_object_row_mac(struct db *db, struct db_st *st,
    uint8_t out[static DB_SEAL_MAC_BYTES]);
/* Whether the current row of st (OBJECT_COLS, then its mac at column
 * mac_col) carries its MAC; false without the key. */
bool bucket_object_row_mac_ok(struct db *db, struct db_st *st, int mac_col);

/*
 * An extent row's MAC covers where it belongs (object or part, exactly one
 * of them not NULL, and its seq) and what it is: uuid, plain_len,
 * wrapped_dek, wrap_key. A query that checks or recomputes one selects
 * EXTENT_MAC_COLS from some column `first` on.
 */
#define EXTENT_MAC_COLS \
	"object, part, seq, uuid, plain_len, wrapped_dek, wrap_key, mac"
/* The MAC of e at its place: object or part is 0 for the one that is
 * NULL. */
enum err bucket_extent_mac(struct db *db, int64_t object, int64_t part,
    int64_t seq, const struct extent *e, uint8_t out[static DB_SEAL_MAC_BYTES]);
/* The MAC of the current row of st (EXTENT_MAC_COLS at first) as it
 * stands when object is 0, else as if moved to (object, seq) out of its
 * part. */
enum err bucket_extent_row_mac(struct db *db, struct db_st *st, int first,
    int64_t object, int64_t seq, uint8_t out[static DB_SEAL_MAC_BYTES]);
/* Whether that row carries its MAC; false without the key. */
bool bucket_extent_row_mac_ok(struct db *db, struct db_st *st, int first);

/* The object columns every object query selects, in object_from_row's
 * order; a query may add columns after them from OBJECT_NCOLS on. */
#define OBJECT_COLS \
	"id, bucket, key, type, size, etag, crc64, storage_class, mtime_ms," \
	" generation, acl, headers, tags, sse_algorithm, sse_key_id," \
	" sse_data_enc, restore_state, restore_done_ms, restore_expiry_ms," \
	" restore_tier, version_id, latest, vseq, noncurrent_ms, retain_mode," \
	" retain_until_ms, legal_hold"
#define OBJECT_NCOLS	27
void object_from_row(struct db_st *st, struct arena *a,
    struct object *o);
/* Steps st (OBJECT_COLS) row by row into fn until it returns false, then
 * releases it. */
enum err object_rows_each(struct db_st *st, struct arena *a,
    bool (*fn)(void *ctx, const struct object *o), void *ctx);
/* Steps st (OBJECT_COLS then mac) once into *ret, with ret->sealed, and
 * releases it; none when there is no row. */
enum err object_get_one(struct db *db, struct db_st *st, struct arena *a,
    struct object *ret, enum err none);

/* In a transaction: collects the uuids of an object's extents (arena) and
 * deletes their rows. */
enum err extents_release(struct db *db, struct arena *a, int64_t object_id,
    struct extent_ref **ret_dead, size_t *ret_ndead);

/* version_db.c: in a transaction, before a new current version of key is
 * written by a bucket in state v (not UNVERSIONED): Suspended removes the
 * null version (its extents into *ret_dead), then the current version
 * becomes non-current at now_ms. *ret_vseq: the new version's place;
 * ret_vid gets its id (BUCKET_VERSION_ID_MAX + 1 bytes). */
enum err version_make_room(struct db *db, struct arena *a, int64_t bucket,
    const char *key, enum bucket_versioning v, int64_t now_ms,
    int64_t *ret_vseq, char *ret_vid, struct extent_ref **ret_dead,
    size_t *ret_ndead);

/* The place (vseq) of version vid of key; ERR_NO_SUCH_VERSION. */
enum err object_version_seq(struct db *db, int64_t bucket, const char *key,
    const char *vid, int64_t *ret);
/* Versions of bucket in (key, newest first) order from (from, below_vseq):
 * the versions of key `from` older than below_vseq, then later keys. */
enum err object_version_scan(struct db *db, struct arena *a, int64_t bucket,
    const char *from, size_t from_len, int64_t below_vseq, unsigned limit,
    bool (*fn)(void *ctx, const struct object *o), void *ctx);

/* The smallest byte string greater than every string starting with
 * s[0..n): s with trailing 0xff bytes dropped and the last byte
 * incremented (arena). False when there is none (all bytes 0xff). */
bool bucket_key_successor(struct arena *a, const char *s, size_t n,
    char **ret, size_t *ret_n);

/* Statement helpers of this module (the generic ones are in db/db.h). */
/* Text column i copied into the arena (NULL when the arena is full). */
const char *bucket_col_arena(struct db_st *st, int i, struct arena *a);

/* Binds an extent's inline chunk (or NULL) to parameter i. */
void bucket_bind_inline(struct db_st *st, int i, const struct extent *e);

/* Object rows of bucket in key order from `from` (inclusive or not), at
 * most limit; fn returns false to stop early. */
enum err object_scan(struct db *db, struct arena *a, int64_t bucket,
    const char *from, size_t from_len, bool inclusive, unsigned limit,
    bool (*fn)(void *ctx, const struct object *o), void *ctx);

#endif
