/* SPDX-License-Identifier: ISC */
/*
 * backup_db.c: the SQL of `coffer backup`, `restore` and `verify`
 * (cli_backup.c): an online snapshot of meta.db through SQLite's backup
 * API, the seal sequence of a database file read without the root key,
 * the integrity check and the list of every extent with its owner.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/backup.h"
#include "db/db.h"

static const char SQL_SEAL_SEQ[] = "SELECT seq FROM seal WHERE id = 1";
static const char SQL_BLOB_UUIDS[] =
    "SELECT uuid FROM extents WHERE inline IS NULL";
/* The owner of an extent: the object's bucket's, or the upload's. */
static const char SQL_EXTENTS[] =
    "SELECT e.uuid, e.plain_len, e.wrapped_dek, e.wrap_key, e.inline,"
    " coalesce(b1.owner, b2.owner, 0)"
    " FROM extents e"
    " LEFT JOIN objects o ON o.id = e.object"
    " LEFT JOIN buckets b1 ON b1.id = o.bucket"
    " LEFT JOIN parts p ON p.id = e.part"
    " LEFT JOIN uploads u ON u.id = p.upload"
    " LEFT JOIN buckets b2 ON b2.id = u.bucket"
    " ORDER BY e.id";

static enum err
seq_of(sqlite3 *h, int64_t *ret)
{
	sqlite3_stmt *st;
	int rc;

	*ret = -1;
	if (sqlite3_prepare_v2(h, SQL_SEAL_SEQ, -1, &st, NULL) != SQLITE_OK)
		return ERR_CORRUPT;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ERR_OK : db_err(rc);
}

enum err
bk_snapshot(const char *src_path, const char *dst_path, int64_t *ret_seq,
    bool (*each_blob)(void *ctx, const uint8_t uuid[static 16]), void *ctx)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	sqlite3_stmt *st = NULL;
	enum err r = ERR_OK;
	int rc;

	if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		r = ERR_IO;
		goto out;
	}
	sqlite3_busy_timeout(src, 10000);
	/* One read transaction pins the snapshot: the pages copied and the
	 * blobs listed below are those of the same state. */
	rc = sqlite3_exec(src, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		r = seq_of(src, ret_seq);
	else
		r = db_err(rc);
	if (r != ERR_OK)
		goto out;
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		r = ERR_IO;
		goto out;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		r = db_err(rc);
		goto out;
	}
	/* One file, no WAL beside it: the copy is what the manifest hashes.
	 * cofferd sets WAL again when it opens the restored database. */
	rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = db_err(rc);
		goto out;
	}
	if (sqlite3_prepare_v2(src, SQL_BLOB_UUIDS, -1, &st, NULL) !=
	    SQLITE_OK) {
		r = ERR_CORRUPT;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 16)
			continue;
		if (!each_blob(ctx, sqlite3_column_blob(st, 0))) {
			r = ERR_SHUTTING_DOWN;
			break;
		}
	}
	if (r == ERR_OK && rc != SQLITE_DONE)
		r = db_err(rc);
out:
	sqlite3_finalize(st);
	if (src != NULL)
		sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(src);
	sqlite3_close(dst);
	return r;
}

enum err
bk_file_seq(const char *path, int64_t *ret_seq)
{
	sqlite3 *h = NULL;
	enum err r;

	*ret_seq = -1;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return ERR_IO;
	}
	sqlite3_busy_timeout(h, 10000);
	r = seq_of(h, ret_seq);
	sqlite3_close(h);
	return r;
}

enum err
bk_integrity(struct db *db, char *first, size_t cap)
{
	sqlite3 *h = db_conn(db);
	sqlite3_stmt *st;
	enum err r = ERR_OK;
	int rc;

	snprintf(first, cap, "ok");
	/* A server checks its own pages (data checksums, amcheck). */
	if (db_is_pg(db)) {
		snprintf(first, cap, "ok (checked by the PostgreSQL server)");
		return ERR_OK;
	}
	if (h == NULL || sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1,
	    &st, NULL) != SQLITE_OK)
		return ERR_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		if (t != NULL && strcmp(t, "ok") != 0 && r == ERR_OK) {
			snprintf(first, cap, "%s", t);
			r = ERR_CORRUPT;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(rc);
	return r;
}

void
bk_extents_free(struct bk_extent *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].inline_data);
	free(v);
}

enum err
bk_extents(struct db *db, struct bk_extent **ret, size_t *ret_n)
{
	struct bk_extent *v = NULL, *e;
	size_t n = 0, cap = 0;
	struct db_st *st;
	enum err r = ERR_OK;
	bool snap;
	enum err rc;

	*ret = NULL;
	*ret_n = 0;
	snap = db_read_begin(db);
	st = db_stmt(db, SQL_EXTENTS);
	if (st == NULL) {
		db_read_end(db, snap);
		return ERR_IO;
	}
	while ((rc = db_row(st)) == ERR_OK) {
		if (n == cap) {
			struct bk_extent *nv;

			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				r = ERR_NOMEM;
				break;
			}
			v = nv;
		}
		e = &v[n];
		memset(e, 0, sizeof(*e));
		if (db_col_len(st, 0) != 16 ||
		    db_col_len(st, 2) > sizeof(e->wrapped)) {
			e->malformed = true;
		} else {
			memcpy(e->uuid, db_col_blob(st, 0), 16);
			e->wrapped_len = db_col_len(st, 2);
			memcpy(e->wrapped, db_col_blob(st, 2),
			    e->wrapped_len);
		}
		e->plain_len = (uint64_t)db_col_i64(st, 1);
		db_col_copy(st, 3, e->wrap_key, sizeof(e->wrap_key));
		if (!db_col_null(st, 4)) {
			size_t l = db_col_len(st, 4);

			e->inline_data = malloc(l ? l : 1);
			if (e->inline_data == NULL) {
				r = ERR_NOMEM;
				break;
			}
			memcpy(e->inline_data, db_col_blob(st, 4), l);
			e->inline_len = l;
			e->is_inline = true;
		}
		e->account = db_col_i64(st, 5);
		n++;
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	db_read_end(db, snap);
	if (r != ERR_OK) {
		bk_extents_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return ERR_OK;
}
