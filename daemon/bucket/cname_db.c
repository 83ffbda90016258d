/* SPDX-License-Identifier: ISC */
/*
 * cname_db.c: custom domains of buckets (bucket.h "custom domains"). Every
 * change is one BEGIN IMMEDIATE transaction that re-reads what it decides
 * on, so two buckets racing for one domain cannot both win, and a token
 * proves ownership exactly once.
 */
#include <sqlite3.h>
#include <string.h>

#include "base/str.h"
#include "bucket/bucket.h"
#include "db/db.h"

static const char SQL_TOKEN_GET[] =
    "SELECT token, created_ms, expires_ms, used FROM cname_tokens"
    " WHERE bucket = ?1 AND domain = ?2";
static const char SQL_TOKEN_PUT[] =
    "INSERT INTO cname_tokens (bucket, domain, token, created_ms, expires_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (bucket, domain) DO UPDATE SET"
    " token = excluded.token, created_ms = excluded.created_ms,"
    " expires_ms = excluded.expires_ms, used = 0";
static const char SQL_TOKEN_USE[] =
    "UPDATE cname_tokens SET used = 1 WHERE bucket = ?1 AND domain = ?2"
    " AND token = ?3 AND used = 0";
static const char SQL_CNAME_GET[] =
    "SELECT c.domain, c.bucket, b.name, c.kind, c.modified_ms FROM cnames c"
    " JOIN buckets b ON b.id = c.bucket WHERE c.domain = ?1";
static const char SQL_CNAME_INSERT[] =
    "INSERT INTO cnames (domain, bucket, kind, modified_ms)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char SQL_CNAME_DELETE[] =
    "DELETE FROM cnames WHERE domain = ?1 AND bucket = ?2 AND kind = 'oss'";
static const char SQL_CNAME_LIST[] =
    "SELECT c.domain, c.bucket, b.name, c.kind, c.modified_ms FROM cnames c"
    " JOIN buckets b ON b.id = c.bucket"
    " WHERE (?1 = 0 OR c.bucket = ?1) ORDER BY c.domain";

static void
cname_from_row(sqlite3_stmt *st, struct cname *ret)
{
	memset(ret, 0, sizeof(*ret));
	db_col_copy(st, 0, ret->domain, sizeof(ret->domain));
	ret->bucket = sqlite3_column_int64(st, 1);
	db_col_copy(st, 2, ret->bucket_name, sizeof(ret->bucket_name));
	ret->img = strcmp(db_col_text(st, 3), "img") == 0;
	ret->modified_ms = sqlite3_column_int64(st, 4);
}

enum err
cname_lookup(struct db *db, const char *domain, struct cname *ret)
{
	sqlite3_stmt *st = db_stmt(db, SQL_CNAME_GET);
	enum err r;
	int rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, domain);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cname_from_row(st, ret);
		r = ERR_OK;
	} else
		r = rc == SQLITE_DONE ? ERR_NOT_FOUND : db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
cname_token_get(struct db *db, int64_t bucket, const char *domain,
    struct cname_token *ret)
{
	sqlite3_stmt *st = db_stmt(db, SQL_TOKEN_GET);
	enum err r;
	int rc;

	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, bucket);
	db_bind_text(st, 2, domain);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(ret, 0, sizeof(*ret));
		str_copy(ret->domain, sizeof(ret->domain), domain);
		db_col_copy(st, 0, ret->token, sizeof(ret->token));
		ret->created_ms = sqlite3_column_int64(st, 1);
		ret->expires_ms = sqlite3_column_int64(st, 2);
		ret->used = sqlite3_column_int(st, 3) != 0;
		r = ERR_OK;
	} else
		r = rc == SQLITE_DONE ? ERR_NO_SUCH_CNAME_TOKEN : db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
cname_token_issue(struct db *db, int64_t bucket, const char *domain,
    const char *fresh, int64_t now_ms, int64_t ttl_ms,
    struct cname_token *ret)
{
	sqlite3_stmt *st;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	/* OSS: asking again while a token is valid returns that token. */
	r = cname_token_get(db, bucket, domain, ret);
	if (r == ERR_OK && !ret->used && ret->expires_ms > now_ms)
		goto done;
	if (r != ERR_OK && r != ERR_NO_SUCH_CNAME_TOKEN)
		goto done;
	st = db_stmt(db, SQL_TOKEN_PUT);
	if (st == NULL) {
		r = ERR_IO;
		goto done;
	}
	sqlite3_bind_int64(st, 1, bucket);
	db_bind_text(st, 2, domain);
	db_bind_text(st, 3, fresh);
	sqlite3_bind_int64(st, 4, now_ms);
	sqlite3_bind_int64(st, 5, now_ms + ttl_ms);
	r = db_step_done(st);
	if (r == ERR_OK)
		r = cname_token_get(db, bucket, domain, ret);
done:
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

enum err
cname_check(struct db *db, int64_t bucket, const char *domain, bool *ret_img)
{
	struct cname held;
	enum err r;

	*ret_img = false;
	r = cname_lookup(db, domain, &held);
	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r != ERR_OK)
		return r;
	*ret_img = held.img;
	if (!held.img && held.bucket == bucket)
		return ERR_EXISTS;
	return ERR_CNAME_EXISTS;
}

enum err
cname_attach(struct db *db, int64_t bucket, const char *domain,
    const char *proven, int64_t now_ms, bool *ret_img)
{
	struct cname_token t;
	sqlite3_stmt *st;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = cname_check(db, bucket, domain, ret_img);
	if (r == ERR_EXISTS) {		/* attached already: nothing to do */
		r = ERR_OK;
		goto done;
	}
	if (r == ERR_OK)
		r = cname_token_get(db, bucket, domain, &t);
	if (r == ERR_NO_SUCH_CNAME_TOKEN)
		r = ERR_CNAME_NEED_VERIFY;
	if (r != ERR_OK)
		goto done;
	/* The token the caller found published must still be this bucket's,
	 * unused and unexpired now, inside the transaction that uses it. */
	if (strcmp(t.token, proven) != 0)
		r = ERR_CNAME_NEED_VERIFY;
	else if (t.used)
		r = ERR_CNAME_TOKEN_USED;
	else if (t.expires_ms <= now_ms)
		r = ERR_CNAME_TOKEN_EXPIRED;
	if (r != ERR_OK)
		goto done;
	st = db_stmt(db, SQL_TOKEN_USE);
	if (st == NULL) {
		r = ERR_IO;
		goto done;
	}
	sqlite3_bind_int64(st, 1, bucket);
	db_bind_text(st, 2, domain);
	db_bind_text(st, 3, proven);
	r = db_changed_one(db, db_step_done(st));
	if (r == ERR_CONFLICT)
		r = ERR_CNAME_TOKEN_USED;
	if (r == ERR_OK)
		r = cname_insert(db, bucket, domain, false, now_ms);
done:
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

enum err
cname_insert(struct db *db, int64_t bucket, const char *domain, bool img,
    int64_t now_ms)
{
	sqlite3_stmt *st = db_stmt(db, SQL_CNAME_INSERT);
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, bucket);
	db_bind_text(st, 3, img ? "img" : "oss");
	sqlite3_bind_int64(st, 4, now_ms);
	r = db_step_done(st);
	return r == ERR_EXISTS ? ERR_CNAME_EXISTS : r;
}

enum err
cname_detach(struct db *db, int64_t bucket, const char *domain)
{
	sqlite3_stmt *st;
	bool own;
	enum err r;

	/* Its own transaction: where an audited request's row is added. */
	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_CNAME_DELETE);
	if (st == NULL)
		return db_tx_own_end(db, own, ERR_IO);
	db_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, bucket);
	r = db_changed_one(db, db_step_done(st));
	r = db_tx_own_end(db, own, r);
	return r == ERR_CONFLICT ? ERR_NO_SUCH_CNAME : r;
}

enum err
cname_list(struct db *db, int64_t bucket,
    void (*fn)(void *ctx, const struct cname *c), void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, SQL_CNAME_LIST);
	struct cname c;
	int rc;

	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, bucket);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cname_from_row(st, &c);
		fn(ctx, &c);
	}
	db_stmt_done(st);
	return rc == SQLITE_DONE ? ERR_OK : db_err(rc);
}
