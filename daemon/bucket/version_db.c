/* SPDX-License-Identifier: ISC */
/*
 * version_db.c: SQL of object versions and delete markers
 * (schema/0011_versions.sql, oss-api-2.md §1).
 *
 * A key's versions are rows ordered by vseq; exactly one is latest while
 * the key has any. Everything here runs inside the caller's transaction,
 * which also ran the retention guard on the version a change removes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/rand.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "bucket/bucket_int.h"
#include "db/db.h"

static const char SQL_VERSION_GET[] =
    "SELECT " OBJECT_COLS ", mac FROM objects"
    " WHERE bucket = ? AND key = ? AND version_id = ?";
static const char SQL_VERSION_NULL[] =
    "SELECT id FROM objects WHERE bucket = ? AND key = ?"
    " AND version_id = 'null'";
static const char SQL_VERSION_DELETE[] = "DELETE FROM objects WHERE id = ?";
static const char SQL_VERSION_DEMOTE[] =
    "UPDATE objects SET latest = 0, noncurrent_ms = ?3"
    " WHERE bucket = ?1 AND key = ?2 AND latest = 1";
static const char SQL_VERSION_NEXT[] =
    "SELECT coalesce(max(vseq), 0) + 1 FROM objects"
    " WHERE bucket = ? AND key = ?";
static const char SQL_VERSION_PROMOTE[] =
    "UPDATE objects SET latest = 1, noncurrent_ms = 0 WHERE id ="
    " (SELECT id FROM objects WHERE bucket = ?1 AND key = ?2"
    "  ORDER BY vseq DESC LIMIT 1)";
/* A delete marker: no data, no extents, sealed like every version. */
static const char SQL_MARKER_INSERT[] =
    "INSERT INTO objects (bucket, key, type, size, etag, crc64,"
    " storage_class, mtime_ms, version_id, latest, vseq, mac)"
    " VALUES (?1, ?2, 'DeleteMarker', 0, '', 0, 'Standard', ?3, ?4, 1, ?5,"
    " ?6) RETURNING id";
static const char SQL_VERSION_SCAN[] =
    "SELECT " OBJECT_COLS " FROM objects WHERE bucket = ?1"
    " AND (key > ?2 OR (key = ?2 AND vseq < ?3))"
    " ORDER BY key, vseq DESC LIMIT ?4";
static const char SQL_VERSION_COUNT[] =
    "SELECT count(*) FROM objects WHERE bucket = ? AND key = ?";
static const char SQL_VERSION_SEQ[] =
    "SELECT vseq FROM objects WHERE bucket = ? AND key = ?"
    " AND version_id = ?";

/* Opaque like OSS's ids (oss-api-2.md §1.2): "CAEQ" and 44 characters of
 * URL-safe base64 over 33 random bytes, so ids never repeat in practice;
 * the unique (bucket, key, version_id) index refuses one that would. */
static void
version_id_new(char out[static BUCKET_VERSION_ID_MAX + 1])
{
	uint8_t rnd[33];
	char b64[48];

	rand_bytes(rnd, sizeof(rnd));
	b64_encode(b64, sizeof(b64), rnd, sizeof(rnd));
	for (char *p = b64; *p != '\0'; p++)
		if (*p == '+')
			*p = '.';
		else if (*p == '/')
			*p = '_';
	snprintf(out, BUCKET_VERSION_ID_MAX + 1, "CAEQ%s", b64);
}

bool
bucket_version_id_valid(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 256)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-' || ch == '+' || ch == '/' || ch == '='))
			return false;
	}
	return true;
}

enum err
object_get_version(struct db *db, struct arena *a, int64_t bucket,
    const char *key, const char *vid, struct object *ret)
{
	struct db_st *st = db_stmt(db, SQL_VERSION_GET);

	ret->delete_marker = false;
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, key);
	db_bind_text(st, 3, vid);
	return object_get_one(db, st, a, ret, ERR_NO_SUCH_VERSION);
}

static enum err
key_step(struct db *db, const char *sql, int64_t bucket, const char *key,
    int64_t arg)
{
	struct db_st *st = db_stmt(db, sql);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, key);
	if (arg >= 0)
		db_bind_i64(st, 3, arg);
	return db_step_done(st);
}

/* The integer a one-row query over (bucket, key[, vid]) answers;
 * ERR_NOT_FOUND for no row. */
static enum err
key_query(struct db *db, const char *sql, int64_t bucket, const char *key,
    const char *vid, int64_t *ret)
{
	struct db_st *st = db_stmt(db, sql);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, key);
	if (vid != NULL)
		db_bind_text(st, 3, vid);
	rc = db_row(st);
	if (rc == ERR_OK)
		*ret = db_col_i64(st, 0);
	else
		r = rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : db_end(rc);
	db_stmt_done(st);
	return r;
}

/* Removes a version row and its extents. */
static enum err
version_remove(struct db *db, struct arena *a, int64_t id,
    struct extent_ref **ret_dead, size_t *ret_ndead)
{
	struct db_st *st;
	enum err r;

	r = extents_release(db, a, id, ret_dead, ret_ndead);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_VERSION_DELETE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, id);
	return db_step_done(st);
}

enum err
version_make_room(struct db *db, struct arena *a, int64_t bucket,
    const char *key, enum bucket_versioning v, int64_t now_ms,
    int64_t *ret_vseq, char *ret_vid, struct extent_ref **ret_dead,
    size_t *ret_ndead)
{
	enum err r;

	*ret_dead = NULL;
	*ret_ndead = 0;
	if (v == BUCKET_VERSIONING_SUSPENDED) {
		int64_t id = 0;

		/* At most one null version per key: a new one replaces it
		 * wherever it stands among the versions. */
		r = key_query(db, SQL_VERSION_NULL, bucket, key, NULL, &id);
		if (r == ERR_OK)
			r = version_remove(db, a, id, ret_dead, ret_ndead);
		if (r != ERR_OK && r != ERR_NOT_FOUND)
			return r;
		str_copy(ret_vid, BUCKET_VERSION_ID_MAX + 1, "null");
	} else
		version_id_new(ret_vid);
	r = key_step(db, SQL_VERSION_DEMOTE, bucket, key, now_ms);
	if (r != ERR_OK)
		return r;
	return key_query(db, SQL_VERSION_NEXT, bucket, key, NULL, ret_vseq);
}

enum err
object_delete_marker(struct db *db, struct arena *a, int64_t bucket,
    const char *key, enum bucket_versioning v, int64_t now_ms,
    struct object *ret_marker, struct extent_ref **ret_dead,
    size_t *ret_ndead)
{
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct object *m = ret_marker;
	struct db_st *st;
	int64_t vseq;
	enum err r;

	memset(m, 0, sizeof(*m));
	r = version_make_room(db, a, bucket, key, v, now_ms, &vseq,
	    m->version_id, ret_dead, ret_ndead);
	if (r != ERR_OK)
		return r;
	m->bucket = bucket;
	m->key = key;
	m->latest = true;
	m->delete_marker = true;
	m->vseq = vseq;
	m->mtime_ms = now_ms;
	m->headers = m->tags = "";
	str_copy(m->type, sizeof(m->type), "DeleteMarker");
	str_copy(m->storage_class, sizeof(m->storage_class), "Standard");
	r = bucket_object_mac(db, m, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_MARKER_INSERT);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, key);
	db_bind_i64(st, 3, now_ms);
	db_bind_text(st, 4, m->version_id);
	db_bind_i64(st, 5, vseq);
	db_bind_blob(st, 6, mac, sizeof(mac));
	return db_one_i64(st, &m->id);
}

enum err
object_delete_version(struct db *db, struct arena *a, int64_t bucket,
    const char *key, const char *vid, struct object *ret_old,
    struct extent_ref **ret_dead, size_t *ret_ndead)
{
	enum err r;

	r = object_get_version(db, a, bucket, key, vid, ret_old);
	if (r != ERR_OK)
		return r;
	r = version_remove(db, a, ret_old->id, ret_dead, ret_ndead);
	if (r != ERR_OK || !ret_old->latest)
		return r;
	/* The next newest version, marker or not, becomes current. */
	return key_step(db, SQL_VERSION_PROMOTE, bucket, key, -1);
}

enum err
object_version_seq(struct db *db, int64_t bucket, const char *key,
    const char *vid, int64_t *ret)
{
	enum err r = key_query(db, SQL_VERSION_SEQ, bucket, key, vid, ret);

	return r == ERR_NOT_FOUND ? ERR_NO_SUCH_VERSION : r;
}

enum err
object_version_count(struct db *db, int64_t bucket, const char *key,
    int64_t *ret)
{
	return key_query(db, SQL_VERSION_COUNT, bucket, key, NULL, ret);
}

enum err
object_version_scan(struct db *db, struct arena *a, int64_t bucket,
    const char *from, size_t from_len, int64_t below_vseq, unsigned limit,
    bool (*fn)(void *ctx, const struct object *o), void *ctx)
{
	struct db_st *st = db_stmt(db, SQL_VERSION_SCAN);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_textn(st, 2, from, from_len);
	db_bind_i64(st, 3, below_vseq);
	db_bind_i64(st, 4, limit);
	return object_rows_each(st, a, fn, ctx);
}
