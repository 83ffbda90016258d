/* SPDX-License-Identifier: ISC */
/*
 * bucket_conf_db.c: all SQL of the stored bucket configurations
 * (schema/0018_bucket_configs.sql).
 *
 * The caller checks and canonicalises a document before it gets here; this
 * file only keeps it, one per bucket and kind, and records each change in
 * the audit chain in the same transaction. Rows go with their bucket
 * (ON DELETE CASCADE), so a recreated bucket starts unconfigured.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "db/db.h"
#include "bucket/bucket.h"

static const char SQL_PUT[] =
    "INSERT INTO bucket_configs (bucket, kind, doc, updated_ms)"
    " VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (bucket, kind) DO UPDATE SET doc = ?3, updated_ms = ?4";
static const char SQL_GET[] =
    "SELECT doc FROM bucket_configs WHERE bucket = ? AND kind = ?";
static const char SQL_ALL[] =
    "SELECT kind, doc FROM bucket_configs WHERE bucket = ?";
static const char SQL_DELETE[] =
    "DELETE FROM bucket_configs WHERE bucket = ? AND kind = ?";

enum err
bucket_conf_get(struct db *db, struct arena *a, int64_t bucket,
    const char *kind, const char **ret_doc)
{
	struct db_st *st = db_stmt(db, SQL_GET);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, kind);
	rc = db_row(st);
	if (rc == ERR_OK) {
		*ret_doc = arena_strdup(a, db_col_text(st, 0));
		if (*ret_doc == NULL)
			r = ERR_NOMEM;
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_NOT_FOUND;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
bucket_conf_all(struct db *db, struct arena *a, int64_t bucket,
    struct bucket_conf_doc *ret, size_t cap, size_t *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_ALL);
	enum err r = ERR_OK;
	size_t n = 0;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	while (r == ERR_OK && (rc = db_row(st)) == ERR_OK) {
		/* The CHECK of the kinds bounds the rows of a bucket. */
		if (n == cap) {
			r = ERR_CORRUPT;
			break;
		}
		ret[n].kind = arena_strdup(a, db_col_text(st, 0));
		ret[n].doc = arena_strdup(a, db_col_text(st, 1));
		if (ret[n].kind == NULL || ret[n].doc == NULL)
			r = ERR_NOMEM;
		n++;
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	*ret_n = n;
	return r;
}

static enum err
change(struct db *db, const struct bucket_conf_change *ch, const char *sql,
    const char *doc)
{
	struct db_st *st;
	char what[64], t[BUCKET_NAME_MAX + 2];
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, sql);
	if (st == NULL) {
		db_tx_rollback(db);
		return ERR_IO;
	}
	db_bind_i64(st, 1, ch->bucket);
	db_bind_text(st, 2, ch->kind);
	if (doc != NULL) {
		db_bind_text(st, 3, doc);
		db_bind_i64(st, 4, ch->now_ms);
		r = db_step_done(st);
	} else {
		r = db_changed_one(db, db_step_done(st));
		/* Nothing to delete is success with nothing to record. */
		if (r == ERR_CONFLICT) {
			db_tx_rollback(db);
			return ERR_OK;
		}
	}
	snprintf(what, sizeof(what), "bucket.%s.%s", ch->kind,
	    doc != NULL ? "put" : "delete");
	snprintf(t, sizeof(t), "%s/", ch->bucket_name);
	if (r == ERR_OK)
		r = db_audit_append(db, ch->now_ms, ch->actor, what, t, "ok",
		    "");
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

enum err
bucket_conf_put(struct db *db, const struct bucket_conf_change *ch,
    const char *doc)
{
	return change(db, ch, SQL_PUT, doc);
}

enum err
bucket_conf_delete(struct db *db, const struct bucket_conf_change *ch)
{
	return change(db, ch, SQL_DELETE, NULL);
}
