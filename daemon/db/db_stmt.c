/* SPDX-License-Identifier: ISC */
/*
 * db_stmt.c: the statement helpers every module's *_db.c shares, so each
 * has one meaning everywhere (db.h).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/db_pg.h"

static sqlite3_stmt *
lite(struct db_st *st)
{
	return st->lite;
}

void
db_bind_i64(struct db_st *st, int i, int64_t v)
{
	if (st->pg != NULL)
		pg_bind_i64(st, i, v);
	else
		sqlite3_bind_int64(lite(st), i, v);
}

void
db_bind_text(struct db_st *st, int i, const char *s)
{
	if (s == NULL)
		s = "";
	if (st->pg != NULL)
		pg_bind_text(st, i, s, strlen(s));
	else
		sqlite3_bind_text(lite(st), i, s, -1, SQLITE_STATIC);
}

void
db_bind_textn(struct db_st *st, int i, const char *s, size_t n)
{
	if (s == NULL)
		s = "";
	if (st->pg != NULL)
		pg_bind_text(st, i, s, n);
	else
		sqlite3_bind_text(lite(st), i, s, (int)n, SQLITE_STATIC);
}

void
db_bind_blob(struct db_st *st, int i, const void *p, size_t n)
{
	if (p == NULL)
		db_bind_null(st, i);
	else if (st->pg != NULL)
		pg_bind_blob(st, i, p, n);
	else
		sqlite3_bind_blob(lite(st), i, p, (int)n, SQLITE_STATIC);
}

void
db_bind_null(struct db_st *st, int i)
{
	if (st->pg != NULL)
		pg_bind_null(st, i);
	else
		sqlite3_bind_null(lite(st), i);
}

enum err
db_row(struct db_st *st)
{
	int rc;

	if (st->pg != NULL)
		return pg_row(st);
	rc = sqlite3_step(lite(st));

	if (rc == SQLITE_ROW)
		return ERR_OK;
	return rc == SQLITE_DONE ? ERR_NOT_FOUND : db_err(rc);
}

enum err
db_end(enum err step)
{
	return step == ERR_NOT_FOUND ? ERR_OK : step;
}

int64_t
db_col_i64(struct db_st *st, int i)
{
	if (st->pg != NULL)
		return pg_col_i64(st, i);
	return sqlite3_column_int64(lite(st), i);
}

const char *
db_col_text(struct db_st *st, int i)
{
	const unsigned char *s;

	if (st->pg != NULL)
		return pg_col_text(st, i);
	s = sqlite3_column_text(lite(st), i);

	return s != NULL ? (const char *)s : "";
}

const void *
db_col_blob(struct db_st *st, int i)
{
	if (st->pg != NULL)
		return pg_col_blob(st, i);
	return sqlite3_column_blob(lite(st), i);
}

size_t
db_col_len(struct db_st *st, int i)
{
	if (st->pg != NULL)
		return pg_col_len(st, i);
	return (size_t)sqlite3_column_bytes(lite(st), i);
}

bool
db_col_null(struct db_st *st, int i)
{
	if (st->pg != NULL)
		return pg_col_null(st, i);
	return sqlite3_column_type(lite(st), i) == SQLITE_NULL;
}

void
db_col_copy(struct db_st *st, int i, char *dst, size_t cap)
{
	str_copy(dst, cap, db_col_text(st, i));
}

enum err
db_step_done(struct db_st *st)
{
	enum err r = db_row(st);

	db_stmt_done(st);
	/* A row here is a statement that was not meant for this call. */
	if (r == ERR_OK)
		return ERR_INTERNAL;
	return r == ERR_NOT_FOUND ? ERR_OK : r;
}

enum err
db_one_i64(struct db_st *st, int64_t *ret)
{
	enum err r = db_row(st);

	if (r == ERR_OK)
		*ret = db_col_i64(st, 0);
	db_stmt_done(st);
	return r;
}

enum err
db_changed_one(struct db *db, enum err r)
{
	if (r != ERR_OK)
		return r;
	return db_changes(db) == 1 ? ERR_OK : ERR_CONFLICT;
}

enum err
db_query_i64(struct db *db, const char *sql, int64_t arg, int64_t *ret)
{
	struct db_st *st = db_stmt(db, sql);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, arg);
	return db_one_i64(st, ret);
}

enum err
db_step_i64(struct db *db, const char *sql, int64_t arg)
{
	struct db_st *st = db_stmt(db, sql);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, arg);
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
		struct db_st *st = db_stmt(db, select_sql);
		enum err rr = ERR_NOT_FOUND;

		n = 0;
		if (st == NULL) {
			r = ERR_IO;
			break;
		}
		db_bind_i64(st, 1, after);
		db_bind_i64(st, 2, RESEAL_BATCH);
		while (r == ERR_OK && (rr = db_row(st)) == ERR_OK) {
			struct db_sealed_row row = {
				.id = db_col_i64(st, 0),
				.sealed = db_col_blob(st, 1),
				.len = db_col_len(st, 1),
				.a = db_col_blob(st, 2),
				.alen = db_col_len(st, 2),
				.b = db_col_blob(st, 3),
				.blen = db_col_len(st, 3),
			};
			out[n].id = after = row.id;
			out[n].len = sizeof(out[n].bytes);
			r = fn(ctx, &row, out[n].bytes, &out[n].len);
			n++;
		}
		if (r == ERR_OK && rr != ERR_OK && rr != ERR_NOT_FOUND)
			r = rr;
		db_stmt_done(st);
		for (size_t i = 0; r == ERR_OK && i < n; i++) {
			st = db_stmt(db, update_sql);
			if (st == NULL) {
				r = ERR_IO;
				break;
			}
			db_bind_blob(st, 1, out[i].bytes, out[i].len);
			db_bind_i64(st, 2, out[i].id);
			r = db_changed_one(db, db_step_done(st));
		}
		if (r == ERR_OK)
			*count += n;
	} while (r == ERR_OK && n == RESEAL_BATCH);
	free(out);
	return r;
}
