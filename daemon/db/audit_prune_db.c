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
#include <sqlite3.h>
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
	sqlite3_stmt *st = db_stmt(db, SQL_CHECKPOINT);
	enum err r = ERR_OK;
	int rc;

	memset(ret, 0, sizeof(*ret));
	if (st == NULL)
		return ERR_IO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->last_id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) != DB_AUDIT_HASH_BYTES)
			r = ERR_CORRUPT;
		else
			memcpy(ret->last_hash, sqlite3_column_blob(st, 1),
			    DB_AUDIT_HASH_BYTES);
		ret->rekeyed_upto = sqlite3_column_int64(st, 2);
		ret->time_ms = sqlite3_column_int64(st, 3);
	} else
		r = rc == SQLITE_DONE ? ERR_CORRUPT : db_err(rc);
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
blob32(sqlite3_stmt *st, int col, uint8_t out[DB_AUDIT_HASH_BYTES])
{
	if (sqlite3_column_bytes(st, col) != DB_AUDIT_HASH_BYTES)
		return false;
	memcpy(out, sqlite3_column_blob(st, col), DB_AUDIT_HASH_BYTES);
	return true;
}

enum err
db_audit_old_rows(struct db *db, int64_t after_id, int64_t before_ms,
    unsigned limit, db_audit_row_fn *fn, void *ctx, unsigned *ret_n)
{
	sqlite3_stmt *st = db_stmt(db, SQL_OLD_ROWS);
	enum err r = ERR_OK;
	int rc;

	*ret_n = 0;
	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_audit_row row;

		row.id = sqlite3_column_int64(st, 0);
		row.time_ms = sqlite3_column_int64(st, 1);
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
	if (r == ERR_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
db_audit_row_hash(struct db *db, int64_t id, bool *ret_found,
    uint8_t ret_hash[DB_AUDIT_HASH_BYTES])
{
	sqlite3_stmt *st = db_stmt(db, SQL_ROW_HASH);
	enum err r = ERR_OK;
	int rc;

	*ret_found = false;
	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret_found = blob32(st, 0, ret_hash);
	else if (rc != SQLITE_DONE)
		r = db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
db_audit_prune(struct db *db, int64_t from_id, int64_t upto_id,
    int64_t now_ms, uint64_t *ret_deleted)
{
	sqlite3_stmt *st;
	enum err r;

	*ret_deleted = 0;
	if (upto_id <= from_id)
		return ERR_OK;
	st = db_stmt(db, SQL_MOVE);
	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, upto_id);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_int64(st, 3, from_id);
	r = db_changed_one(db, db_step_done(st));
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_DELETE);
	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, upto_id);
	r = db_step_done(st);
	if (r == ERR_OK)
		*ret_deleted = (uint64_t)sqlite3_changes(db_conn(db));
	return r;
}
