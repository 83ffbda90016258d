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
    " last_day = ?4, config_gen = lifecycles.config_gen + 1, run_day = 0,"
    " phase = 0, cursor = '', scanned = 0, expired = 0, transitioned = 0,"
    " skipped = 0, aborted = 0";
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
	struct db_st *st;
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
	db_bind_i64(st, 1, bucket_id);
	db_bind_text(st, 2, doc);
	db_bind_i64(st, 3, now_ms);
	db_bind_i64(st, 4, now_ms / LIFECYCLE_DAY_MS);
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
	struct db_st *st = db_stmt(db, SQL_GET);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket_id);
	rc = db_row(st);
	if (rc == ERR_OK) {
		*ret_doc = arena_strdup(a, db_col_text(st, 0));
		if (*ret_doc == NULL)
			r = ERR_NOMEM;
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_NO_SUCH_LIFECYCLE;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
lifecycle_delete(struct db *db, int64_t bucket_id, int64_t now_ms,
    const char *actor, const char *bucket_name)
{
	struct db_st *st;
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
	db_bind_i64(st, 1, bucket_id);
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
	struct db_st *st = db_stmt(db, SQL_PROGRESS);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	memset(p, 0, sizeof(*p));
	p->bucket_id = bucket_id;
	db_bind_i64(st, 1, bucket_id);
	rc = db_row(st);
	if (rc == ERR_OK) {
		p->config_gen = db_col_i64(st, 0);
		p->last_day = db_col_i64(st, 1);
		p->run_day = db_col_i64(st, 2);
		p->phase = db_col_i64(st, 3);
		db_col_copy(st, 4, p->cursor, sizeof(p->cursor));
		p->scanned = db_col_i64(st, 5);
		p->expired = db_col_i64(st, 6);
		p->transitioned = db_col_i64(st, 7);
		p->skipped = db_col_i64(st, 8);
		p->aborted = db_col_i64(st, 9);
		p->updated_ms = db_col_i64(st, 10);
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_NO_SUCH_LIFECYCLE;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
lifecycle_progress_put(struct db *db, const struct lifecycle_progress *p)
{
	struct db_st *st;
	enum err r;
	bool own;

	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_SET_PROGRESS);
	if (st == NULL)
		return db_tx_own_end(db, own, ERR_IO);
	db_bind_i64(st, 1, p->last_day);
	db_bind_i64(st, 2, p->run_day);
	db_bind_i64(st, 3, p->phase);
	db_bind_text(st, 4, p->cursor);
	db_bind_i64(st, 5, p->scanned);
	db_bind_i64(st, 6, p->expired);
	db_bind_i64(st, 7, p->transitioned);
	db_bind_i64(st, 8, p->skipped);
	db_bind_i64(st, 9, p->aborted);
	db_bind_i64(st, 10, p->updated_ms);
	db_bind_i64(st, 11, p->bucket_id);
	db_bind_i64(st, 12, p->config_gen);
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
	struct db_st *st = db_stmt(db, SQL_DUE);
	enum err rc = ERR_NOT_FOUND;

	*ret_n = 0;
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, today);
	db_bind_i64(st, 2, (int64_t)max);
	while (*ret_n < max && (rc = db_row(st)) == ERR_OK) {
		out[*ret_n].bucket_id = db_col_i64(st, 0);
		db_col_copy(st, 1, out[*ret_n].name, sizeof(out->name));
		(*ret_n)++;
	}
	db_stmt_done(st);
	return rc == ERR_NOT_FOUND || rc == ERR_OK ? ERR_OK : db_end(rc);
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
