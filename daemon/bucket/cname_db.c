/* SPDX-License-Identifier: ISC */
/*
 * cname_db.c: custom domains of buckets (bucket.h "custom domains"). Every
 * change is one BEGIN IMMEDIATE transaction that re-reads what it decides
 * on, so two buckets racing for one domain cannot both win, and a token
 * proves ownership exactly once.
 */
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
cname_from_row(struct db_st *st, struct cname *ret)
{
	memset(ret, 0, sizeof(*ret));
	db_col_copy(st, 0, ret->domain, sizeof(ret->domain));
	ret->bucket = db_col_i64(st, 1);
	db_col_copy(st, 2, ret->bucket_name, sizeof(ret->bucket_name));
	ret->img = strcmp(db_col_text(st, 3), "img") == 0;
	ret->modified_ms = db_col_i64(st, 4);
}

enum err
cname_lookup(struct db *db, const char *domain, struct cname *ret)
{
	struct db_st *st = db_stmt(db, SQL_CNAME_GET);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, domain);
	rc = db_row(st);
	if (rc == ERR_OK) {
		cname_from_row(st, ret);
		r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
cname_token_get(struct db *db, int64_t bucket, const char *domain,
    struct cname_token *ret)
{
	struct db_st *st = db_stmt(db, SQL_TOKEN_GET);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, domain);
	rc = db_row(st);
	if (rc == ERR_OK) {
		memset(ret, 0, sizeof(*ret));
		str_copy(ret->domain, sizeof(ret->domain), domain);
		db_col_copy(st, 0, ret->token, sizeof(ret->token));
		ret->created_ms = db_col_i64(st, 1);
		ret->expires_ms = db_col_i64(st, 2);
		ret->used = db_col_i64(st, 3) != 0;
		r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_NO_SUCH_CNAME_TOKEN : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
cname_token_issue(struct db *db, int64_t bucket, const char *domain,
    const char *fresh, int64_t now_ms, int64_t ttl_ms,
    struct cname_token *ret)
{
	struct db_st *st;
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
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, domain);
	db_bind_text(st, 3, fresh);
	db_bind_i64(st, 4, now_ms);
	db_bind_i64(st, 5, now_ms + ttl_ms);
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
	struct db_st *st;
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
	db_bind_i64(st, 1, bucket);
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
	struct db_st *st = db_stmt(db, SQL_CNAME_INSERT);
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, domain);
	db_bind_i64(st, 2, bucket);
	db_bind_text(st, 3, img ? "img" : "oss");
	db_bind_i64(st, 4, now_ms);
	r = db_step_done(st);
	return r == ERR_EXISTS ? ERR_CNAME_EXISTS : r;
}

enum err
cname_detach(struct db *db, int64_t bucket, const char *domain)
{
	struct db_st *st;
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
	db_bind_i64(st, 2, bucket);
	r = db_changed_one(db, db_step_done(st));
	r = db_tx_own_end(db, own, r);
	return r == ERR_CONFLICT ? ERR_NO_SUCH_CNAME : r;
}

enum err
cname_list(struct db *db, int64_t bucket,
    void (*fn)(void *ctx, const struct cname *c), void *ctx)
{
	struct db_st *st = db_stmt(db, SQL_CNAME_LIST);
	struct cname c;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	while ((rc = db_row(st)) == ERR_OK) {
		cname_from_row(st, &c);
		fn(ctx, &c);
	}
	db_stmt_done(st);
	return rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}
