/* SPDX-License-Identifier: ISC */
/*
 * db_stmt.c: the statement helpers every module's *_db.c shares, so each
 * has one meaning everywhere (db.h).
 */
#include <sqlite3.h>

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
