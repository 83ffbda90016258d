/* SPDX-License-Identifier: ISC */
/*
 * lifecycle_db.c: all SQL of the lifecycle configurations and of the
 * runner's progress (schema/0012_lifecycle.sql).
 *
 * A Put replaces the document and restarts the schedule: the next run is
 * the day after (a changed rule suspends that day's pending work, §2.4),
 * and config_gen moves so a run of the old rules that is still going stops
 * at its next progress write instead of acting on rules nobody has any
 * more.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/crash.h"
#include "db/db.h"
#include "lifecycle/lifecycle.h"

static const char SQL_PUT[] =
    "INSERT INTO lifecycles (bucket, doc, updated_ms, last_day)"
    " VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (bucket) DO UPDATE SET doc = ?2, updated_ms = ?3,"
    " last_day = ?4, config_gen = config_gen + 1, run_day = 0, phase = 0,"
    " cursor = '', scanned = 0, expired = 0, transitioned = 0, skipped = 0,"
    " aborted = 0";
static const char SQL_GET[] =
    "SELECT doc FROM lifecycles WHERE bucket = ?";
static const char SQL_DELETE[] =
    "DELETE FROM lifecycles WHERE bucket = ?";
static const char SQL_PROGRESS[] =
    "SELECT config_gen, last_day, run_day, phase, cursor, scanned, expired,"
    " transitioned, skipped, aborted, progress_ms FROM lifecycles"
    " WHERE bucket = ?";
static const char SQL_SET_PROGRESS[] =
    "UPDATE lifecycles SET last_day = ?, run_day = ?, phase = ?, cursor = ?,"
    " scanned = ?, expired = ?, transitioned = ?, skipped = ?, aborted = ?,"
    " progress_ms = ? WHERE bucket = ? AND config_gen = ?";
static const char SQL_DUE[] =
    "SELECT l.bucket, b.name FROM lifecycles l JOIN buckets b"
    " ON b.id = l.bucket WHERE l.last_day < ? OR l.run_day != 0"
    " ORDER BY l.bucket LIMIT ?";

static void
target(char *out, size_t cap, const char *bucket_name, const char *key)
{
	snprintf(out, cap, "%s/%s", bucket_name != NULL ? bucket_name : "",
	    key != NULL ? key : "");
}

enum err
lifecycle_put(struct db *db, int64_t bucket_id, const char *doc,
    int64_t now_ms, const char *actor, const char *bucket_name)
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
	sqlite3_bind_int64(st, 4, now_ms / LIFECYCLE_DAY_MS);
	r = db_step_done(st);
	target(t, sizeof(t), bucket_name, NULL);
	if (r == ERR_OK)
		r = db_audit_append(db, now_ms, actor, "lifecycle.put", t, "ok",
		    "");
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

enum err
lifecycle_get(struct db *db, struct arena *a, int64_t bucket_id,
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
		r = ERR_NO_SUCH_LIFECYCLE;
	else
		r = db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
lifecycle_delete(struct db *db, int64_t bucket_id, int64_t now_ms,
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
	target(t, sizeof(t), bucket_name, NULL);
	/* Nothing to delete is success with nothing to record. */
	if (r == ERR_CONFLICT) {
		db_tx_rollback(db);
		return ERR_OK;
	}
	if (r == ERR_OK)
		r = db_audit_append(db, now_ms, actor, "lifecycle.delete", t,
		    "ok", "");
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

enum err
lifecycle_progress_get(struct db *db, int64_t bucket_id,
    struct lifecycle_progress *p)
{
	sqlite3_stmt *st = db_stmt(db, SQL_PROGRESS);
	enum err r = ERR_OK;
	int rc;

	if (st == NULL)
		return ERR_IO;
	memset(p, 0, sizeof(*p));
	p->bucket_id = bucket_id;
	sqlite3_bind_int64(st, 1, bucket_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->config_gen = sqlite3_column_int64(st, 0);
		p->last_day = sqlite3_column_int64(st, 1);
		p->run_day = sqlite3_column_int64(st, 2);
		p->phase = sqlite3_column_int(st, 3);
		db_col_copy(st, 4, p->cursor, sizeof(p->cursor));
		p->scanned = sqlite3_column_int64(st, 5);
		p->expired = sqlite3_column_int64(st, 6);
		p->transitioned = sqlite3_column_int64(st, 7);
		p->skipped = sqlite3_column_int64(st, 8);
		p->aborted = sqlite3_column_int64(st, 9);
		p->updated_ms = sqlite3_column_int64(st, 10);
	} else if (rc == SQLITE_DONE)
		r = ERR_NO_SUCH_LIFECYCLE;
	else
		r = db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
lifecycle_progress_put(struct db *db, const struct lifecycle_progress *p)
{
	sqlite3_stmt *st;
	enum err r;
	bool own;

	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_SET_PROGRESS);
	if (st == NULL)
		return db_tx_own_end(db, own, ERR_IO);
	sqlite3_bind_int64(st, 1, p->last_day);
	sqlite3_bind_int64(st, 2, p->run_day);
	sqlite3_bind_int(st, 3, p->phase);
	sqlite3_bind_text(st, 4, p->cursor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, p->scanned);
	sqlite3_bind_int64(st, 6, p->expired);
	sqlite3_bind_int64(st, 7, p->transitioned);
	sqlite3_bind_int64(st, 8, p->skipped);
	sqlite3_bind_int64(st, 9, p->aborted);
	sqlite3_bind_int64(st, 10, p->updated_ms);
	sqlite3_bind_int64(st, 11, p->bucket_id);
	sqlite3_bind_int64(st, 12, p->config_gen);
	r = db_changed_one(db, db_step_done(st));
	r = db_tx_own_end(db, own, r);
	if (r == ERR_OK)
		crash_point("lifecycle-progress");
	return r;
}

enum err
lifecycle_due(struct db *db, int64_t today, struct lifecycle_ref *out,
    size_t max, size_t *ret_n)
{
	sqlite3_stmt *st = db_stmt(db, SQL_DUE);
	int rc = SQLITE_DONE;

	*ret_n = 0;
	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, today);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	while (*ret_n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out[*ret_n].bucket_id = sqlite3_column_int64(st, 0);
		db_col_copy(st, 1, out[*ret_n].name, sizeof(out->name));
		(*ret_n)++;
	}
	db_stmt_done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? ERR_OK : db_err(rc);
}

enum err
lifecycle_audit(struct db *db, int64_t now_ms, const char *actor,
    const char *what, const char *bucket_name, const char *key,
    const char *result, const char *detail)
{
	char action[64], t[64 + LIFECYCLE_PREFIX_MAX + 2];

	snprintf(action, sizeof(action), "lifecycle.%s", what);
	target(t, sizeof(t), bucket_name, key);
	return db_audit_append(db, now_ms, actor, action, t, result, detail);
}
