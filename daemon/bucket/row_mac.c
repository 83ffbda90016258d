/* SPDX-License-Identifier: ISC */
/*
 * row_mac.c: the MACs of object and extent rows (bucket_int.h), computed
 * here and bound as a statement parameter, so the database stores and
 * returns them without ever holding the seal key. Every value is hashed
 * with the type its column holds (db/seal.h), which keeps each MAC equal
 * to the one coffer_mac computes over the stored row.
 */
#include <string.h>

#include "bucket/bucket.h"
#include "bucket/bucket_int.h"
#include "db/db.h"
#include "db/seal.h"

static struct seal_v
col_text(struct db_st *st, int i)
{
	/* The text before its length: the order SQLite needs. */
	const char *s = db_col_text(st, i);

	return SEAL_TN(s, db_col_len(st, i));
}

static bool
text_is(const struct seal_v *v, const char *s)
{
	return v->n == strlen(s) && memcmp(v->p, s, v->n) == 0;
}

/*
 * The values an object row's MAC covers, in order; returns how many of
 * them it covers. While the row has the defaults of the promises 0011
 * added (the null version, no retention, no hold) that is the first seven
 * only, so rows sealed before 0011 still verify; otherwise all eleven.
 */
static size_t
object_v(struct seal_v v[static 11], int64_t bucket, struct seal_v key,
    struct seal_v type, int64_t size, struct seal_v etag, int64_t crc64,
    int64_t mtime_ms, struct seal_v version_id, struct seal_v retain_mode,
    int64_t retain_until_ms, int64_t legal_hold)
{
	v[0] = SEAL_I(bucket);
	v[1] = key;
	v[2] = type;
	v[3] = SEAL_I(size);
	v[4] = etag;
	v[5] = SEAL_I(crc64);
	v[6] = SEAL_I(mtime_ms);
	v[7] = version_id;
	v[8] = retain_mode;
	v[9] = SEAL_I(retain_until_ms);
	v[10] = SEAL_I(legal_hold);
	return text_is(&version_id, "null") && retain_mode.n == 0 &&
	    retain_until_ms == 0 && legal_hold == 0 ? 7 : 11;
}

static size_t
object_v_of(struct seal_v v[static 11], const struct object *o)
{
	return object_v(v, o->bucket, SEAL_T(o->key), SEAL_T(o->type),
	    (int64_t)o->size, SEAL_T(o->etag), (int64_t)o->crc64, o->mtime_ms,
	    SEAL_T(o->version_id), SEAL_T(o->retain_mode),
	    o->retain_until_ms, o->legal_hold ? 1 : 0);
}

/* From the stored columns themselves, not object_from_row's copies. */
static size_t
object_v_row(struct seal_v v[static 11], struct db_st *st)
{
	return object_v(v, db_col_i64(st, 1), col_text(st, 2),
	    col_text(st, 3), db_col_i64(st, 4), col_text(st, 5),
	    db_col_i64(st, 6), db_col_i64(st, 8), col_text(st, 20),
	    col_text(st, 24), db_col_i64(st, 25), db_col_i64(st, 26));
}

enum err
bucket_object_mac(struct db *db, const struct object *o,
    uint8_t out[static DB_SEAL_MAC_BYTES])
{
	struct seal_v v[11];
	size_t n = object_v_of(v, o);

	return db_seal_mac(db, "object", v, n, out);
}

enum err
bucket_object_row_mac(struct db *db, struct db_st *st,
    uint8_t out[static DB_SEAL_MAC_BYTES])
{
	struct seal_v v[11];
	size_t n = object_v_row(v, st);

	return db_seal_mac(db, "object", v, n, out);
}

bool
bucket_object_row_mac_ok(struct db *db, struct db_st *st, int mac_col)
{
	struct seal_v v[11];
	size_t n = object_v_row(v, st);
	const void *mac = db_col_blob(st, mac_col);

	return db_seal_mac_ok(db, mac, db_col_len(st, mac_col), "object", v,
	    n);
}

/* The values an extent row's MAC covers, in order: where it belongs
 * (object or part, exactly one not NULL, and its place) and what it is. */
static void
extent_v(struct seal_v v[static 7], struct seal_v object, struct seal_v part,
    int64_t seq, struct seal_v uuid, int64_t plain_len, struct seal_v wrapped,
    struct seal_v wrap_key)
{
	v[0] = object;
	v[1] = part;
	v[2] = SEAL_I(seq);
	v[3] = uuid;
	v[4] = SEAL_I(plain_len);
	v[5] = wrapped;
	v[6] = wrap_key;
}

static struct seal_v
id_or_null(int64_t id)
{
	return id != 0 ? SEAL_I(id) : SEAL_NUL;
}

enum err
bucket_extent_mac(struct db *db, int64_t object, int64_t part, int64_t seq,
    const struct extent *e, uint8_t out[static DB_SEAL_MAC_BYTES])
{
	struct seal_v v[7];

	extent_v(v, id_or_null(object), id_or_null(part), seq,
	    SEAL_B(e->uuid, BUCKET_UUID_BYTES), (int64_t)e->plain_len,
	    SEAL_B(e->wrapped, e->wrapped_len), SEAL_T(e->wrap_key));
	return db_seal_mac(db, "extent", v, SEAL_N(v), out);
}

static struct seal_v
col_id(struct db_st *st, int i)
{
	return db_col_null(st, i) ? SEAL_NUL : SEAL_I(db_col_i64(st, i));
}

static struct seal_v
col_blob(struct db_st *st, int i)
{
	const void *p = db_col_blob(st, i);

	return SEAL_B(p, db_col_len(st, i));
}

static void
extent_v_row(struct seal_v v[static 7], struct db_st *st, int first)
{
	extent_v(v, col_id(st, first), col_id(st, first + 1),
	    db_col_i64(st, first + 2), col_blob(st, first + 3),
	    db_col_i64(st, first + 4), col_blob(st, first + 5),
	    col_text(st, first + 6));
}

enum err
bucket_extent_row_mac(struct db *db, struct db_st *st, int first,
    int64_t object, int64_t seq, uint8_t out[static DB_SEAL_MAC_BYTES])
{
	struct seal_v v[7];

	extent_v_row(v, st, first);
	if (object != 0) {
		v[0] = SEAL_I(object);
		v[1] = SEAL_NUL;
		v[2] = SEAL_I(seq);
	}
	return db_seal_mac(db, "extent", v, SEAL_N(v), out);
}

bool
bucket_extent_row_mac_ok(struct db *db, struct db_st *st, int first)
{
	struct seal_v v[7];
	const void *mac;

	extent_v_row(v, st, first);
	mac = db_col_blob(st, first + 7);
	return db_seal_mac_ok(db, mac, db_col_len(st, first + 7), "extent", v,
	    SEAL_N(v));
}
