/* SPDX-License-Identifier: ISC */
/*
 * cors_db.c: all SQL of the bucket CORS configurations
 * (schema/0017_cors.sql). The row goes with its bucket (ON DELETE CASCADE).
 */
#include <sqlite3.h>
#include <stdio.h>

#include "bucket/cors.h"

static const char SQL_PUT[] =
    "INSERT INTO cors (bucket, doc, updated_ms) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (bucket) DO UPDATE SET doc = ?2, updated_ms = ?3";
static const char SQL_GET[] =
    "SELECT doc FROM cors WHERE bucket = ?";
static const char SQL_DELETE[] =
    "DELETE FROM cors WHERE bucket = ?";

enum err
cors_put(struct db *db, int64_t bucket_id, const char *doc, int64_t now_ms,
    const char *actor, const char *bucket_name)
{
	sqlite3_stmt *st;
	char t[128];
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_PUT);
	if (st == NULL) {
		db_tx_rollback(db);
		return ERR_IO;
	}
	sqlite3_bind_int64(st, 1, bucket_id);
	sqlite3_bind_text(st, 2, doc, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	r = db_step_done(st);
	snprintf(t, sizeof(t), "%s/", bucket_name);
	if (r == ERR_OK)
		r = db_audit_append(db, now_ms, actor, "cors.put", t, "ok", "");
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

enum err
cors_get(struct db *db, struct arena *a, int64_t bucket_id,
    const char **ret_doc)
{
	sqlite3_stmt *st = db_stmt(db, SQL_GET);
	enum err r = ERR_OK;
	int rc;

	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, bucket_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret_doc = arena_strdup(a, db_col_text(st, 0));
		if (*ret_doc == NULL)
			r = ERR_NOMEM;
	} else if (rc == SQLITE_DONE)
		r = ERR_NO_SUCH_CORS;
	else
		r = db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
cors_delete(struct db *db, int64_t bucket_id, int64_t now_ms,
    const char *actor, const char *bucket_name)
{
	sqlite3_stmt *st;
	char t[128];
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_DELETE);
	if (st == NULL) {
		db_tx_rollback(db);
		return ERR_IO;
	}
	sqlite3_bind_int64(st, 1, bucket_id);
	r = db_changed_one(db, db_step_done(st));
	/* Nothing to delete is success with nothing to record. */
	if (r == ERR_CONFLICT) {
		db_tx_rollback(db);
		return ERR_OK;
	}
	snprintf(t, sizeof(t), "%s/", bucket_name);
	if (r == ERR_OK)
		r = db_audit_append(db, now_ms, actor, "cors.delete", t, "ok",
		    "");
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}
