/* SPDX-License-Identifier: ISC */
/*
 * db_stmt.c: the statement helpers every module's *_db.c shares, so each
 * has one meaning everywhere (db.h).
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "base/str.h"
#include "db/db.h"

int
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC);
}

const char *
db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? (const char *)s : "";
}

void
db_col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	str_copy(dst, cap, db_col_text(st, i));
}

enum err
db_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	db_stmt_done(st);
	/* A row here is a statement that was not meant for this call. */
	if (rc == SQLITE_ROW)
		return ERR_INTERNAL;
	return db_err(rc);
}

enum err
db_changed_one(struct db *db, enum err r)
{
	if (r != ERR_OK)
		return r;
	return sqlite3_changes(db_conn(db)) == 1 ? ERR_OK : ERR_CONFLICT;
}

enum err
db_query_i64(struct db *db, const char *sql, int64_t arg, int64_t *ret)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	enum err r;
	int rc;

	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		r = ERR_OK;
	} else
		r = rc == SQLITE_DONE ? ERR_NOT_FOUND : db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
db_step_i64(struct db *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, arg);
	return db_step_done(st);
}

#define RESEAL_BATCH	64

struct resealed {
	int64_t	id;
	size_t	len;
	uint8_t	bytes[DB_SEALED_MAX];
};

/* In batches: a row is updated only after the statement reading it has
 * been reset, so the walk never meets its own writes. */
enum err
db_reseal(struct db *db, const char *select_sql, const char *update_sql,
    db_reseal_fn *fn, void *ctx, uint64_t *count)
{
	struct resealed *out;
	int64_t after = -1;
	enum err r = ERR_OK;
	size_t n;

	out = calloc(RESEAL_BATCH, sizeof(*out));
	if (out == NULL)
		return ERR_NOMEM;
	do {
		sqlite3_stmt *st = db_stmt(db, select_sql);
		int rc = SQLITE_DONE;

		n = 0;
		if (st == NULL) {
			r = ERR_IO;
			break;
		}
		sqlite3_bind_int64(st, 1, after);
		sqlite3_bind_int64(st, 2, RESEAL_BATCH);
		while (r == ERR_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct db_sealed_row row = {
				.id = sqlite3_column_int64(st, 0),
				.sealed = sqlite3_column_blob(st, 1),
				.len = (size_t)sqlite3_column_bytes(st, 1),
				.a = sqlite3_column_blob(st, 2),
				.alen = (size_t)sqlite3_column_bytes(st, 2),
				.b = sqlite3_column_blob(st, 3),
				.blen = (size_t)sqlite3_column_bytes(st, 3),
			};

			out[n].id = after = row.id;
			out[n].len = sizeof(out[n].bytes);
			r = fn(ctx, &row, out[n].bytes, &out[n].len);
			n++;
		}
		if (r == ERR_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = db_err(rc);
		db_stmt_done(st);
		for (size_t i = 0; r == ERR_OK && i < n; i++) {
			st = db_stmt(db, update_sql);
			if (st == NULL) {
				r = ERR_IO;
				break;
			}
			sqlite3_bind_blob(st, 1, out[i].bytes, (int)out[i].len,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, out[i].id);
			r = db_changed_one(db, db_step_done(st));
		}
		if (r == ERR_OK)
			*count += n;
	} while (r == ERR_OK && n == RESEAL_BATCH);
	free(out);
	return r;
}
