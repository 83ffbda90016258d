/* SPDX-License-Identifier: ISC */
/*
 * object_update_db.c: SQL of in-place object changes that keep the row:
 * appends, restore state, lifecycle transitions, a version's retention
 * and legal hold. All are compare-and-set on the generation, so of two
 * concurrent changes exactly one commits (OSS: PositionNotEqualToLength
 * or StaleFile for the other).
 */

#include "base/str.h"
#include "bucket/bucket.h"
#include "bucket/bucket_int.h"
#include "db/db.h"

/* Retention, legal hold and what an append changes are under the row's MAC
 * (bucket_int.h). Its other fields are the caller's copy of the row: the
 * generation compare-and-set only matches while the row is that copy. */
static const char SQL_APPEND_OBJECT[] =
    "UPDATE objects SET size = ?1, crc64 = ?2, etag = ?3, mtime_ms = ?4,"
    " generation = generation + 1, mac = ?7 WHERE id = ?5 AND generation = ?6"
    " AND type = 'Appendable' RETURNING generation";
static const char SQL_APPEND_SEQ[] =
    "SELECT coalesce(max(seq) + 1, 0) FROM extents WHERE object = ?";
static const char SQL_APPEND_EXTENT[] =
    "INSERT INTO extents (uuid, object, seq, plain_len, wrapped_dek, wrap_key,"
    " inline, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_RESTORE[] =
    "UPDATE objects SET restore_state = ?1, restore_done_ms = ?2,"
    " restore_expiry_ms = ?3, restore_tier = ?4, generation = generation + 1"
    " WHERE id = ?5 AND generation = ?6 RETURNING generation";

static const char SQL_RETENTION[] =
    "UPDATE objects SET retain_mode = ?1, retain_until_ms = ?2,"
    " generation = generation + 1, mac = ?5 WHERE id = ?3 AND generation = ?4"
    " AND type NOT IN ('Appendable', 'DeleteMarker') RETURNING generation";
static const char SQL_LEGAL_HOLD[] =
    "UPDATE objects SET legal_hold = ?1, generation = generation + 1,"
    " mac = ?5 WHERE id = ?3 AND generation = ?4"
    " AND type NOT IN ('Appendable', 'DeleteMarker') RETURNING generation";

/* Steps a compare-and-set UPDATE ... RETURNING generation. */
static enum err
cas_step(struct db_st *st, int64_t *ret_gen)
{
	enum err r = ERR_OK;
	enum err rc = db_row(st);

	if (rc == ERR_OK) {
		if (ret_gen != NULL)
			*ret_gen = db_col_i64(st, 0);
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_STALE_FILE;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
object_set_retention(struct db *db, const struct object *o, const char *mode,
    int64_t until_ms, int64_t *ret_gen)
{
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct object row = *o;
	struct db_st *st;
	enum err r;

	str_copy(row.retain_mode, sizeof(row.retain_mode), mode);
	row.retain_until_ms = until_ms;
	r = bucket_object_mac(db, &row, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_RETENTION);
	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, mode);
	db_bind_i64(st, 2, until_ms);
	db_bind_i64(st, 3, o->id);
	db_bind_i64(st, 4, o->generation);
	db_bind_blob(st, 5, mac, sizeof(mac));
	return cas_step(st, ret_gen);
}

enum err
object_set_legal_hold(struct db *db, const struct object *o, bool on,
    int64_t *ret_gen)
{
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct object row = *o;
	struct db_st *st;
	enum err r;

	row.legal_hold = on;
	r = bucket_object_mac(db, &row, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_LEGAL_HOLD);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, on ? 1 : 0);
	db_bind_i64(st, 3, o->id);
	db_bind_i64(st, 4, o->generation);
	db_bind_blob(st, 5, mac, sizeof(mac));
	return cas_step(st, ret_gen);
}
static const char SQL_STORAGE_CLASS[] =
    "UPDATE objects SET storage_class = ?1, restore_state = 0,"
    " restore_done_ms = 0, restore_expiry_ms = 0, restore_tier = '',"
    " generation = generation + 1"
    " WHERE id = ?2 AND generation = ?3 RETURNING generation";

enum err
object_append_extent(struct db *db, struct object *o, const struct extent *ext)
{
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct db_st *st;
	int64_t seq = 0;
	enum err r;
	enum err rc;

	r = bucket_object_mac(db, o, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_APPEND_OBJECT);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, (int64_t)o->size);
	db_bind_i64(st, 2, (int64_t)o->crc64);
	db_bind_text(st, 3, o->etag);
	db_bind_i64(st, 4, o->mtime_ms);
	db_bind_i64(st, 5, o->id);
	db_bind_i64(st, 6, o->generation);
	db_bind_blob(st, 7, mac, sizeof(mac));
	rc = db_row(st);
	if (rc == ERR_OK)
		o->generation = db_col_i64(st, 0);
	db_stmt_done(st);
	if (rc == ERR_NOT_FOUND)
		return ERR_STALE_FILE;
	if (rc != ERR_OK)
		return db_end(rc);
	st = db_stmt(db, SQL_APPEND_SEQ);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, o->id);
	rc = db_row(st);
	if (rc == ERR_OK)
		seq = db_col_i64(st, 0);
	db_stmt_done(st);
	if (rc != ERR_OK)
		return db_end(rc);
	r = bucket_extent_mac(db, o->id, 0, seq, ext, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_APPEND_EXTENT);
	if (st == NULL)
		return ERR_IO;
	db_bind_blob(st, 1, ext->uuid, BUCKET_UUID_BYTES);
	db_bind_i64(st, 2, o->id);
	db_bind_i64(st, 3, seq);
	db_bind_i64(st, 4, (int64_t)ext->plain_len);
	db_bind_blob(st, 5, ext->wrapped, ext->wrapped_len);
	db_bind_text(st, 6, ext->wrap_key);
	bucket_bind_inline(st, 7, ext);
	db_bind_blob(st, 8, mac, sizeof(mac));
	rc = db_row(st);
	db_stmt_done(st);
	r = rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
	return r;
}

enum err
object_set_restore(struct db *db, const struct object *o, int state,
    int64_t done_ms, int64_t expiry_ms, const char *tier, int64_t *ret_gen)
{
	struct db_st *st;
	enum err r;
	bool own;
	enum err rc;

	/* Its own transaction: where an audited request's row is added. */
	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_RESTORE);
	if (st == NULL)
		return db_tx_own_end(db, own, ERR_IO);
	db_bind_i64(st, 1, state);
	db_bind_i64(st, 2, done_ms);
	db_bind_i64(st, 3, expiry_ms);
	db_bind_text(st, 4, tier ? tier : "");
	db_bind_i64(st, 5, o->id);
	db_bind_i64(st, 6, o->generation);
	rc = db_row(st);
	if (rc == ERR_OK) {
		if (ret_gen != NULL)
			*ret_gen = db_col_i64(st, 0);
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_STALE_FILE;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return db_tx_own_end(db, own, r);
}

enum err
object_set_storage_class(struct db *db, const struct object *o,
    const char *storage_class, int64_t *ret_gen)
{
	struct db_st *st = db_stmt(db, SQL_STORAGE_CLASS);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, storage_class);
	db_bind_i64(st, 2, o->id);
	db_bind_i64(st, 3, o->generation);
	rc = db_row(st);
	if (rc == ERR_OK) {
		if (ret_gen != NULL)
			*ret_gen = db_col_i64(st, 0);
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_STALE_FILE;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}
