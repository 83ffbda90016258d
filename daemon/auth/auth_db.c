/* SPDX-License-Identifier: ISC */
/*
 * auth_db.c: all SQL of the auth module (accounts and access keys).
 *
 * The only auth/ file that sees SQLite. Secrets are stored exactly as the
 * caller sealed them; this file never learns the root key or a plaintext
 * secret. Writes run in BEGIN IMMEDIATE transactions so that the checks
 * they make (name free, no buckets left) hold until commit.
 */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "db/db.h"

static const char SQL_ACCOUNT_INSERT[] =
    "INSERT INTO accounts (account_id, name, created_ms) VALUES (?, ?, ?)"
    " RETURNING id";
static const char SQL_KEY_INSERT[] =
    "INSERT INTO access_keys (access_key_id, account, secret_sealed, "
    "created_ms) VALUES (?, ?, ?, ?)";
static const char SQL_ACCOUNT_GET[] =
    "SELECT id, account_id, name, created_ms FROM accounts WHERE name = ?";
/* One access key per account for listings: the oldest. */
static const char SQL_ACCOUNT_LIST[] =
    "SELECT a.id, a.account_id, a.name, a.created_ms, "
    "(SELECT k.access_key_id FROM access_keys k WHERE k.account = a.id "
    "ORDER BY k.created_ms, k.access_key_id LIMIT 1) "
    "FROM accounts a ORDER BY a.name";
static const char SQL_ACCOUNT_BUCKETS[] =
    "SELECT EXISTS (SELECT 1 FROM buckets WHERE owner = ?)";
/* access_keys rows go with it (ON DELETE CASCADE). */
static const char SQL_ACCOUNT_DELETE[] = "DELETE FROM accounts WHERE id = ?";
static const char SQL_NONCE_PUT[] =
    "INSERT INTO kms_nonces (fp, expires_ms) VALUES (?1, ?2)"
    " ON CONFLICT DO NOTHING RETURNING fp";
static const char SQL_NONCE_PRUNE[] =
    "DELETE FROM kms_nonces WHERE expires_ms < ?1";
static const char SQL_KEY_LOOKUP[] =
    "SELECT a.id, a.account_id, a.name, a.created_ms, k.secret_sealed, "
    "k.status = 'Active' "
    "FROM access_keys k JOIN accounts a ON a.id = k.account "
    "WHERE k.access_key_id = ?";
static const char SQL_KEY_ACTIVE_COUNT[] =
    "SELECT count(*) FROM access_keys WHERE account = ? AND status = 'Active'";
static const char SQL_KEY_LIST[] =
    "SELECT access_key_id, status = 'Active', created_ms FROM access_keys "
    "WHERE account = ? ORDER BY created_ms, access_key_id";
static const char SQL_KEY_STATUS[] =
    "SELECT status = 'Active' FROM access_keys "
    "WHERE account = ? AND access_key_id = ?";
/* Compare-and-set on the state read in the same transaction. */
static const char SQL_KEY_SET_STATUS[] =
    "UPDATE access_keys SET status = ?3 "
    "WHERE account = ?1 AND access_key_id = ?2 AND status = ?4";
static const char SQL_KEY_DELETE[] =
    "DELETE FROM access_keys WHERE account = ? AND access_key_id = ?";
static const char SQL_ACCOUNT_COUNT[] = "SELECT count(*) FROM accounts";
/* The walk goes by SQLite's rowid; PostgreSQL's table has an id column
 * for it (schema/pg/). */
#define SECRETS(row) \
    "SELECT " row ", secret_sealed, access_key_id, NULL FROM access_keys" \
    " WHERE " row " > ?1 ORDER BY " row " LIMIT ?2"
#define SECRET_SET(row) \
    "UPDATE access_keys SET secret_sealed = ?1 WHERE " row " = ?2"
static const char SQL_SECRETS[] = SECRETS("rowid");
static const char PG_SECRETS[] = SECRETS("id");
static const char SQL_SECRET_SET[] = SECRET_SET("rowid");
static const char PG_SECRET_SET[] = SECRET_SET("id");

/* Columns 0..3 of the account queries above. */
static void
row_account(struct db_st *st, struct auth_account *a)
{
	memset(a, 0, sizeof(*a));
	a->id = db_col_i64(st, 0);
	str_copy(a->account_id, sizeof(a->account_id), db_col_text(st, 1));
	str_copy(a->name, sizeof(a->name), db_col_text(st, 2));
	a->created_ms = db_col_i64(st, 3);
}

/* Runs a statement that returns no row; ERR_EXISTS on a unique clash. */
enum err
auth_account_create(struct db *db, const char *name,
    const char *account_id, const char *access_key_id,
    const uint8_t *sealed, size_t sealed_len, int64_t now_ms,
    struct auth_account *ret)
{
	struct auth_account a;
	struct db_st *st = NULL;
	bool in_tx = false;
	enum err r = ERR_OK;

	if (!auth_account_name_valid(name) || account_id == NULL ||
	    strlen(account_id) != AUTH_ACCOUNT_ID_BYTES - 1 ||
	    access_key_id == NULL || access_key_id[0] == '\0' ||
	    strlen(access_key_id) >= AUTH_AK_MAX || sealed == NULL ||
	    sealed_len == 0 || sealed_len > INT32_MAX)
		return ERR_INVALID_ARGUMENT;
	r = db_tx_begin(db);
	if (r != ERR_OK)
		goto out;
	in_tx = true;

	st = db_stmt(db, SQL_ACCOUNT_INSERT);
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	db_bind_text(st, 1, account_id);
	db_bind_text(st, 2, name);
	db_bind_i64(st, 3, now_ms);
	memset(&a, 0, sizeof(a));
	r = db_one_i64(st, &a.id);
	st = NULL;
	if (r != ERR_OK)
		goto out;
	str_copy(a.account_id, sizeof(a.account_id), account_id);
	str_copy(a.name, sizeof(a.name), name);
	a.created_ms = now_ms;

	st = db_stmt(db, SQL_KEY_INSERT);
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	db_bind_text(st, 1, access_key_id);
	db_bind_i64(st, 2, a.id);
	db_bind_blob(st, 3, sealed, sealed_len);
	db_bind_i64(st, 4, now_ms);
	r = db_step_done(st);
	st = NULL;
	if (r != ERR_OK)
		goto out;

	r = db_tx_commit(db);
	in_tx = false;
	if (r != ERR_OK)
		goto out;
	if (ret != NULL)
		*ret = a;
out:
	db_stmt_done(st);
	if (in_tx)
		db_tx_rollback(db);
	return r;
}

enum err
auth_account_get(struct db *db, const char *name, struct auth_account *ret)
{
	struct db_st *st = db_stmt(db, SQL_ACCOUNT_GET);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, name);
	rc = db_row(st);
	if (rc == ERR_OK) {
		row_account(st, ret);
		r = ERR_OK;
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_NOT_FOUND;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
auth_account_list(struct db *db,
    void (*fn)(void *ctx, const struct auth_account *a,
    const char *access_key_id), void *ctx)
{
	struct db_st *st = db_stmt(db, SQL_ACCOUNT_LIST);
	struct auth_account a;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	for (;;) {
		rc = db_row(st);
		if (rc != ERR_OK)
			break;
		row_account(st, &a);
		fn(ctx, &a, db_col_text(st, 4));
	}
	if (rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
auth_account_delete(struct db *db, const char *name)
{
	struct auth_account a;
	struct db_st *st = NULL;
	bool in_tx = false;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		goto out;
	in_tx = true;
	r = auth_account_get(db, name, &a);
	if (r != ERR_OK)
		goto out;

	st = db_stmt(db, SQL_ACCOUNT_BUCKETS);
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	db_bind_i64(st, 1, a.id);
	if (db_row(st) != ERR_OK) {
		r = ERR_IO;
		goto out;
	}
	/* The buckets' owner column has no cascade on purpose: an account
	 * with data is not deleted behind the operator's back. */
	if (db_col_i64(st, 0) != 0) {
		r = ERR_CONFLICT;
		goto out;
	}
	db_stmt_done(st);
	st = NULL;

	st = db_stmt(db, SQL_ACCOUNT_DELETE);
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	db_bind_i64(st, 1, a.id);
	r = db_step_done(st);
	st = NULL;
	/* A foreign-key violation here means a bucket raced in. */
	if (r == ERR_EXISTS)
		r = ERR_CONFLICT;
	if (r != ERR_OK)
		goto out;

	r = db_tx_commit(db);
	in_tx = false;
out:
	db_stmt_done(st);
	if (in_tx)
		db_tx_rollback(db);
	return r;
}

enum err
auth_key_lookup(struct db *db, const char *access_key_id,
    struct auth_account *ret_account, uint8_t **ret_sealed,
    size_t *ret_sealed_len)
{
	struct db_st *st = db_stmt(db, SQL_KEY_LOOKUP);
	struct auth_account a;
	uint8_t *sealed = NULL;
	const void *blob;
	enum err r = ERR_OK;
	size_t n;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, access_key_id);
	rc = db_row(st);
	if (rc == ERR_NOT_FOUND) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if (rc != ERR_OK) {
		r = db_end(rc);
		goto out;
	}
	row_account(st, &a);
	if (db_col_i64(st, 5) == 0) {
		r = ERR_ACCESS_KEY_DISABLED;
		goto out;
	}
	blob = db_col_blob(st, 4);
	n = db_col_len(st, 4);
	/* n == 0 cannot be stored (create refuses it); malloc(1) keeps the
	 * "non-NULL on success" contract simple anyway. */
	sealed = malloc(n > 0 ? n : 1);
	if (sealed == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (n > 0)
		memcpy(sealed, blob, n);
	if (ret_account != NULL)
		*ret_account = a;
	*ret_sealed = sealed;
	*ret_sealed_len = n;
out:
	db_stmt_done(st);
	return r;
}

enum err
auth_account_count(struct db *db, int64_t *ret)
{
	struct db_st *st = db_stmt(db, SQL_ACCOUNT_COUNT);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	rc = db_row(st);
	if (rc == ERR_OK)
		*ret = db_col_i64(st, 0);
	else
		r = db_end(rc) == ERR_OK ? ERR_INTERNAL : db_end(rc);
	db_stmt_done(st);
	return r;
}

/* Active keys of the account, in the caller's transaction. */
static enum err
active_keys(struct db *db, int64_t account, int64_t *ret)
{
	return db_query_i64(db, SQL_KEY_ACTIVE_COUNT, account, ret);
}

enum err
auth_key_add(struct db *db, int64_t account, const char *access_key_id,
    const uint8_t *sealed, size_t sealed_len, int64_t now_ms)
{
	struct db_st *st;
	int64_t n = 0;
	enum err r;

	if (access_key_id == NULL || access_key_id[0] == '\0' ||
	    strlen(access_key_id) >= AUTH_AK_MAX || sealed == NULL ||
	    sealed_len == 0 || sealed_len > INT32_MAX)
		return ERR_INVALID_ARGUMENT;
	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = active_keys(db, account, &n);
	if (r == ERR_OK && n >= AUTH_ACTIVE_KEYS_MAX)
		r = ERR_CONFLICT;
	if (r == ERR_OK) {
		st = db_stmt(db, SQL_KEY_INSERT);
		if (st == NULL)
			r = ERR_IO;
		else {
			db_bind_text(st, 1, access_key_id);
			db_bind_i64(st, 2, account);
			db_bind_blob(st, 3, sealed, sealed_len);
			db_bind_i64(st, 4, now_ms);
			r = db_step_done(st);
		}
	}
	if (r == ERR_OK)
		return db_tx_commit(db);
	db_tx_rollback(db);
	return r;
}

enum err
auth_key_list(struct db *db, int64_t account,
    void (*fn)(void *ctx, const struct auth_key_info *k), void *ctx)
{
	struct db_st *st = db_stmt(db, SQL_KEY_LIST);
	struct auth_key_info k;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	while ((rc = db_row(st)) == ERR_OK) {
		memset(&k, 0, sizeof(k));
		db_col_copy(st, 0, k.access_key_id, sizeof(k.access_key_id));
		k.active = db_col_i64(st, 1) != 0;
		k.created_ms = db_col_i64(st, 2);
		fn(ctx, &k);
	}
	db_stmt_done(st);
	return db_end(rc);
}

/* The key's state in the caller's transaction; ERR_NOT_FOUND. */
static enum err
key_active(struct db *db, int64_t account, const char *ak, bool *ret)
{
	struct db_st *st = db_stmt(db, SQL_KEY_STATUS);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	db_bind_text(st, 2, ak);
	rc = db_row(st);
	if (rc == ERR_OK) {
		*ret = db_col_i64(st, 0) != 0;
		r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
auth_key_set_active(struct db *db, int64_t account, const char *access_key_id,
    bool active)
{
	struct db_st *st;
	bool now = false;
	int64_t n = 0;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = key_active(db, account, access_key_id, &now);
	if (r == ERR_OK && now == active) {
		db_tx_rollback(db);
		return ERR_OK;
	}
	if (r == ERR_OK && active) {
		r = active_keys(db, account, &n);
		if (r == ERR_OK && n >= AUTH_ACTIVE_KEYS_MAX)
			r = ERR_CONFLICT;
	}
	if (r == ERR_OK) {
		st = db_stmt(db, SQL_KEY_SET_STATUS);
		if (st == NULL)
			r = ERR_IO;
		else {
			db_bind_i64(st, 1, account);
			db_bind_text(st, 2, access_key_id);
			db_bind_text(st, 3, active ? "Active" : "Inactive");
			db_bind_text(st, 4, active ? "Inactive" : "Active");
			r = db_changed_one(db, db_step_done(st));
		}
	}
	if (r == ERR_OK)
		return db_tx_commit(db);
	db_tx_rollback(db);
	return r;
}

enum err
auth_key_delete(struct db *db, int64_t account, const char *access_key_id)
{
	struct db_st *st;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_KEY_DELETE);
	if (st == NULL)
		r = ERR_IO;
	else {
		db_bind_i64(st, 1, account);
		db_bind_text(st, 2, access_key_id);
		r = db_step_done(st);
		if (r == ERR_OK && db_changes(db) == 0)
			r = ERR_NOT_FOUND;
	}
	if (r == ERR_OK)
		return db_tx_commit(db);
	db_tx_rollback(db);
	return r;
}

enum err
auth_reseal_secrets(struct db *db, db_reseal_fn *fn, void *ctx,
    uint64_t *count)
{
	return db_reseal(db, db_sql(db, SQL_SECRETS, PG_SECRETS),
	    db_sql(db, SQL_SECRET_SET, PG_SECRET_SET), fn, ctx, count);
}

enum err
auth_nonce_put(struct db *db, int64_t fp, int64_t expires_ms)
{
	struct db_st *st = db_stmt(db, SQL_NONCE_PUT);
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, fp);
	db_bind_i64(st, 2, expires_ms);
	/* No row back: the insert met the pair already there. */
	r = db_row(st);
	db_stmt_done(st);
	return r == ERR_NOT_FOUND ? ERR_KMS_NONCE_USED : r;
}

enum err
auth_nonce_prune(struct db *db, int64_t before_ms, int64_t *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_NONCE_PRUNE);
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, before_ms);
	r = db_step_done(st);
	if (r == ERR_OK && ret_n != NULL)
		*ret_n = db_changes(db);
	return r;
}
