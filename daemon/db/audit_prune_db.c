/* SPDX-License-Identifier: ISC */
/*
 * audit_prune_db.c: the audit trail's retention (schema 0020): the
 * checkpoint the chain starts from, the rows old enough to go, and the
 * prefix deletion that moves the checkpoint over them.
 *
 * The export of those rows (jobs/audit_job.c) happens in the caller's
 * write transaction between reading and pruning, so what is written out
 * is exactly what is deleted, and the delete commits only after the
 * export is on disk. The triggers of 0020 allow no other deletion.
 */
#include <string.h>

#include "db/db.h"
#include "db/db_int.h"

static const char SQL_CHECKPOINT[] =
    "SELECT last_id, last_hash, rekeyed_upto, time_ms FROM audit_checkpoint"
    " WHERE id = 1";
static const char SQL_OLD_ROWS[] =
    "SELECT id, time_ms, actor, action, target, result, detail, prev, hash"
    " FROM audit WHERE id > ?1 AND id < (SELECT max(id) FROM audit)"
    " ORDER BY id LIMIT ?2";
static const char SQL_ROW_HASH[] = "SELECT hash FROM audit WHERE id = ?";
static const char SQL_MOVE[] =
    "UPDATE audit_checkpoint SET last_id = ?1,"
    " last_hash = (SELECT hash FROM audit WHERE id = ?1), time_ms = ?2"
    " WHERE id = 1 AND last_id = ?3";
static const char SQL_DELETE[] = "DELETE FROM audit WHERE id <= ?";

enum err
db_audit_checkpoint_get(struct db *db, struct db_audit_checkpoint *ret)
{
	struct db_st *st = db_stmt(db, SQL_CHECKPOINT);
	enum err r = ERR_OK;
	enum err rc;

	memset(ret, 0, sizeof(*ret));
	if (st == NULL)
		return ERR_IO;
	rc = db_row(st);
	if (rc == ERR_OK) {
		ret->last_id = db_col_i64(st, 0);
		if (db_col_len(st, 1) != DB_AUDIT_HASH_BYTES)
			r = ERR_CORRUPT;
		else
			memcpy(ret->last_hash, db_col_blob(st, 1),
			    DB_AUDIT_HASH_BYTES);
		ret->rekeyed_upto = db_col_i64(st, 2);
		ret->time_ms = db_col_i64(st, 3);
	} else
		r = rc == ERR_NOT_FOUND ? ERR_CORRUPT : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
db_audit_start(struct db *db, int64_t *ret_id,
    uint8_t ret_hash[DB_AUDIT_HASH_BYTES])
{
	struct db_audit_checkpoint cp;
	enum err r;

	r = db_audit_checkpoint_get(db, &cp);
	if (r != ERR_OK)
		return r;
	*ret_id = cp.last_id;
	memcpy(ret_hash, cp.last_hash, DB_AUDIT_HASH_BYTES);
	return ERR_OK;
}

static bool
blob32(struct db_st *st, int col, uint8_t out[DB_AUDIT_HASH_BYTES])
{
	if (db_col_len(st, col) != DB_AUDIT_HASH_BYTES)
		return false;
	memcpy(out, db_col_blob(st, col), DB_AUDIT_HASH_BYTES);
	return true;
}

enum err
db_audit_old_rows(struct db *db, int64_t after_id, int64_t before_ms,
    unsigned limit, db_audit_row_fn *fn, void *ctx, unsigned *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_OLD_ROWS);
	enum err r = ERR_OK;
	enum err rc;

	*ret_n = 0;
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, after_id);
	db_bind_i64(st, 2, limit);
	while ((rc = db_row(st)) == ERR_OK) {
		struct db_audit_row row;

		row.id = db_col_i64(st, 0);
		row.time_ms = db_col_i64(st, 1);
		/* A prefix only: the first row young enough ends it, even
		 * when a clock step put older times after it. */
		if (row.time_ms >= before_ms)
			break;
		row.actor = db_col_text(st, 2);
		row.action = db_col_text(st, 3);
		row.target = db_col_text(st, 4);
		row.result = db_col_text(st, 5);
		row.detail = db_col_text(st, 6);
		if (!blob32(st, 7, row.prev) || !blob32(st, 8, row.hash)) {
			r = ERR_CORRUPT;	/* never chained: not ours */
			break;
		}
		r = fn(ctx, &row);
		if (r != ERR_OK)
			break;
		(*ret_n)++;
	}
	if (r == ERR_OK && rc != ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
db_audit_row_hash(struct db *db, int64_t id, bool *ret_found,
    uint8_t ret_hash[DB_AUDIT_HASH_BYTES])
{
	struct db_st *st = db_stmt(db, SQL_ROW_HASH);
	enum err r = ERR_OK;
	enum err rc;

	*ret_found = false;
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, id);
	rc = db_row(st);
	if (rc == ERR_OK)
		*ret_found = blob32(st, 0, ret_hash);
	else if (rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
db_audit_prune(struct db *db, int64_t from_id, int64_t upto_id,
    int64_t now_ms, uint64_t *ret_deleted)
{
	struct db_st *st;
	enum err r;

	*ret_deleted = 0;
	if (upto_id <= from_id)
		return ERR_OK;
	st = db_stmt(db, SQL_MOVE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, upto_id);
	db_bind_i64(st, 2, now_ms);
	db_bind_i64(st, 3, from_id);
	r = db_changed_one(db, db_step_done(st));
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_DELETE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, upto_id);
	r = db_step_done(st);
	if (r == ERR_OK)
		*ret_deleted = (uint64_t)db_changes(db);
	return r;
}
