/* SPDX-License-Identifier: ISC */
/*
 * access_log_db.c: all SQL of the access-log lines waiting for their
 * object (schema/0019_access_log.sql); see access_log.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "bucket/access_log.h"

static const char SQL_APPEND[] =
    "INSERT INTO access_log_lines (target, prefix, source, slot_ms, line)"
    " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS"
    " (SELECT 1 FROM buckets WHERE id = ?1)";
static const char SQL_ANY_ENDED[] =
    "SELECT 1 FROM access_log_lines WHERE file IS NULL AND slot_ms < ?1"
    " LIMIT 1";
static const char SQL_GROUPS[] =
    "SELECT DISTINCT target, prefix, source, slot_ms FROM access_log_lines"
    " WHERE file IS NULL AND slot_ms < ?1 ORDER BY slot_ms LIMIT ?2";
/* A line's length in bytes, as each engine says it. */
#define GROUP_LINES(bytes) \
    "SELECT id, " bytes " FROM access_log_lines" \
    " WHERE file IS NULL AND target = ?1 AND prefix = ?2 AND source = ?3" \
    " AND slot_ms = ?4 ORDER BY id"
static const char SQL_GROUP_LINES[] =
    GROUP_LINES("length(CAST(line AS BLOB))");
static const char PG_GROUP_LINES[] = GROUP_LINES("octet_length(line)");
static const char SQL_GROUP_CLAIM[] =
    "UPDATE access_log_lines SET file = ?5"
    " WHERE file IS NULL AND target = ?1 AND prefix = ?2 AND source = ?3"
    " AND slot_ms = ?4 AND id <= ?6";
static const char SQL_SEQ_GET[] =
    "SELECT seq FROM access_log_files WHERE target = ?1 AND name = ?2";
static const char SQL_SEQ_SET[] =
    "INSERT INTO access_log_files (target, name, seq, slot_ms)"
    " VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (target, name) DO UPDATE SET seq = ?3";
static const char SQL_SEQ_FORGET[] =
    "DELETE FROM access_log_files WHERE slot_ms < ?1";
static const char SQL_CLAIMED[] =
    "SELECT l.target, l.file, b.name FROM access_log_lines l"
    " JOIN buckets b ON b.id = l.target WHERE l.file IS NOT NULL"
    " GROUP BY l.target, l.file, b.name ORDER BY min(l.id) LIMIT ?1";
static const char SQL_READ[] =
    "SELECT line FROM access_log_lines WHERE file = ?1 AND target = ?2"
    " ORDER BY id";
static const char SQL_DONE[] =
    "DELETE FROM access_log_lines WHERE file = ?1 AND target = ?2";
static const char SQL_PENDING[] =
    "SELECT count(*) FROM access_log_lines WHERE ?1 = ?1";

/* Groups claimed per transaction; the caller claims again for more. */
#define GROUPS_MAX 64

struct group {
	int64_t	target;
	char	prefix[ACCESS_LOG_PREFIX_MAX + 1];
	char	source[BUCKET_NAME_MAX + 1];
	int64_t	slot_ms;
};

enum err
access_log_append(struct db *db, const struct access_log_line *l, size_t n)
{
	enum err r;

	r = db_tx_begin(db);
	for (size_t i = 0; i < n && r == ERR_OK; i++) {
		struct db_st *st = db_stmt(db, SQL_APPEND);

		if (st == NULL) {
			r = ERR_IO;
			break;
		}
		db_bind_i64(st, 1, l[i].target);
		db_bind_text(st, 2, l[i].prefix);
		db_bind_text(st, 3, l[i].source);
		db_bind_i64(st, 4, l[i].slot_ms);
		db_bind_text(st, 5, l[i].line);
		r = db_step_done(st);
	}
	if (r == ERR_OK)
		return db_tx_commit(db);
	db_tx_rollback(db);
	return r;
}

static enum err
groups(struct db *db, int64_t before_ms, struct group *g, size_t *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_GROUPS);
	size_t n = 0;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, before_ms);
	db_bind_i64(st, 2, GROUPS_MAX);
	while ((rc = db_row(st)) == ERR_OK) {
		g[n].target = db_col_i64(st, 0);
		db_col_copy(st, 1, g[n].prefix, sizeof(g[n].prefix));
		db_col_copy(st, 2, g[n].source, sizeof(g[n].source));
		g[n].slot_ms = db_col_i64(st, 3);
		n++;
	}
	db_stmt_done(st);
	*ret_n = n;
	return rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}

static void
bind_group(struct db_st *st, const struct group *g)
{
	db_bind_i64(st, 1, g->target);
	db_bind_text(st, 2, g->prefix);
	db_bind_text(st, 3, g->source);
	db_bind_i64(st, 4, g->slot_ms);
}

/* The id of the last pending line of g that fits in the next file
 * (at least one line); ERR_NOT_FOUND when g has none left. */
static enum err
file_end(struct db *db, const struct group *g, int64_t *ret_last)
{
	struct db_st *st = db_stmt(db, db_sql(db, SQL_GROUP_LINES,
	    PG_GROUP_LINES));
	uint64_t bytes = 0;
	bool any = false;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	bind_group(st, g);
	while ((rc = db_row(st)) == ERR_OK) {
		int64_t len = db_col_i64(st, 1) + 1;

		if (any && bytes + (uint64_t)len > ACCESS_LOG_FILE_BYTES)
			break;
		bytes += (uint64_t)len;
		*ret_last = db_col_i64(st, 0);
		any = true;
	}
	db_stmt_done(st);
	if (rc != ERR_OK && rc != ERR_NOT_FOUND)
		return db_end(rc);
	return any ? ERR_OK : ERR_NOT_FOUND;
}

/* The next key of g's name: one more than the last sequence number. */
static enum err
next_key(struct db *db, const struct group *g, char *key, size_t cap)
{
	char name[ACCESS_LOG_PREFIX_MAX + BUCKET_NAME_MAX + 24], t[20];
	struct db_st *st;
	int64_t seq = 1;
	enum err r;
	enum err rc;

	time_fmt_dashed(t, g->slot_ms);
	snprintf(name, sizeof(name), "%s%s%s", g->prefix, g->source, t);
	st = db_stmt(db, SQL_SEQ_GET);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, g->target);
	db_bind_text(st, 2, name);
	rc = db_row(st);
	if (rc == ERR_OK)
		seq = db_col_i64(st, 0) + 1;
	db_stmt_done(st);
	if (rc != ERR_OK && rc != ERR_NOT_FOUND)
		return db_end(rc);
	st = db_stmt(db, SQL_SEQ_SET);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, g->target);
	db_bind_text(st, 2, name);
	db_bind_i64(st, 3, seq);
	db_bind_i64(st, 4, g->slot_ms);
	r = db_step_done(st);
	/* OSS numbers them from 0001; past 9999 the number grows wider. */
	if (r == ERR_OK)
		snprintf(key, cap, "%s-%04lld", name, (long long)seq);
	return r;
}

static enum err
claim_group(struct db *db, const struct group *g, unsigned *files)
{
	char key[BUCKET_KEY_MAX + 1];
	int64_t last = 0;
	enum err r;

	while ((r = file_end(db, g, &last)) == ERR_OK) {
		struct db_st *st;

		r = next_key(db, g, key, sizeof(key));
		if (r != ERR_OK)
			return r;
		st = db_stmt(db, SQL_GROUP_CLAIM);
		if (st == NULL)
			return ERR_IO;
		bind_group(st, g);
		db_bind_text(st, 5, key);
		db_bind_i64(st, 6, last);
		r = db_step_done(st);
		if (r != ERR_OK)
			return r;
		(*files)++;
	}
	return r == ERR_NOT_FOUND ? ERR_OK : r;
}

enum err
access_log_claim(struct db *db, int64_t before_ms, int64_t forget_ms,
    unsigned *ret_files)
{
	struct group *g;
	size_t n = 0;
	enum err r;

	*ret_files = 0;
	/* Called every second: no write transaction when nothing ended. */
	r = db_query_i64(db, SQL_ANY_ENDED, before_ms, &(int64_t){ 0 });
	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r != ERR_OK)
		return r;
	g = calloc(GROUPS_MAX, sizeof(*g));
	if (g == NULL)
		return ERR_NOMEM;
	r = db_tx_begin(db);
	if (r == ERR_OK)
		r = db_step_i64(db, SQL_SEQ_FORGET, forget_ms);
	if (r == ERR_OK)
		r = groups(db, before_ms, g, &n);
	for (size_t i = 0; i < n && r == ERR_OK; i++)
		r = claim_group(db, &g[i], ret_files);
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	free(g);
	return r;
}

enum err
access_log_claimed(struct db *db, struct access_log_file *ret, size_t cap,
    size_t *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_CLAIMED);
	size_t n = 0;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, (int64_t)cap);
	while ((rc = db_row(st)) == ERR_OK && n < cap) {
		ret[n].target = db_col_i64(st, 0);
		db_col_copy(st, 1, ret[n].key, sizeof(ret[n].key));
		db_col_copy(st, 2, ret[n].target_name,
		    sizeof(ret[n].target_name));
		n++;
	}
	db_stmt_done(st);
	*ret_n = n;
	return rc == ERR_NOT_FOUND || rc == ERR_OK ? ERR_OK : db_end(rc);
}

enum err
access_log_read(struct db *db, const struct access_log_file *f,
    struct buf *out)
{
	struct db_st *st = db_stmt(db, SQL_READ);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, f->key);
	db_bind_i64(st, 2, f->target);
	while ((rc = db_row(st)) == ERR_OK && r == ERR_OK) {
		r = buf_puts(out, db_col_text(st, 0));
		if (r == ERR_OK)
			r = buf_putc(out, '\n');
	}
	db_stmt_done(st);
	if (r == ERR_OK && rc != ERR_NOT_FOUND && rc != ERR_OK)
		r = db_end(rc);
	return r;
}

enum err
access_log_done(struct db *db, const struct access_log_file *f)
{
	struct db_st *st = db_stmt(db, SQL_DONE);

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, f->key);
	db_bind_i64(st, 2, f->target);
	return db_step_done(st);
}

enum err
access_log_pending(struct db *db, int64_t *ret)
{
	return db_query_i64(db, SQL_PENDING, 0, ret);
}
