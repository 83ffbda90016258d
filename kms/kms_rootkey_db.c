/* SPDX-License-Identifier: ISC */
/*
 * kms_rootkey_db.c: the SQL of the root_key row (schema/0014_root_key.sql)
 * and of the kms/ columns a root-key rotation re-seals. Values pass through
 * as opaque bytes; kms_rotate.c decides.
 */
#include <string.h>

#include "base/str.h"
#include "db/db.h"
#include "kms/kms_int.h"

static const char SQL_READ[] =
    "SELECT gen, check_value, mac_sealed, prev_check, handover, req_check,"
    " req_sealed, req_error FROM root_key WHERE id = 1";
static const char SQL_INSERT[] =
    "INSERT INTO root_key (id, gen, check_value, mac_sealed) VALUES (1, 1, ?, ?)";
static const char SQL_GEN[] = "SELECT gen FROM root_key WHERE id = ?1";
static const char SQL_ROTATED[] =
    "UPDATE root_key SET gen = gen + 1, check_value = ?1, mac_sealed = ?2,"
    " prev_check = ?3, handover = ?4, rotated_ms = ?5, req_check = NULL,"
    " req_sealed = NULL, req_ms = NULL, req_error = NULL"
    " WHERE id = 1 AND gen = ?6";
static const char SQL_RETIRE[] =
    "UPDATE root_key SET prev_check = NULL, handover = NULL"
    " WHERE id = 1 AND gen = ?1 AND handover IS NOT NULL";
static const char SQL_REQUEST[] =
    "UPDATE root_key SET req_check = ?1, req_sealed = ?2, req_ms = ?3,"
    " req_error = NULL WHERE id = 1 AND gen = ?4";
static const char SQL_REQUEST_FAIL[] =
    "UPDATE root_key SET req_sealed = NULL, req_error = ?1 WHERE id = 1"
    " AND req_sealed IS NOT NULL";
static const char SQL_REQUEST_CLEAR[] =
    "UPDATE root_key SET req_check = NULL, req_sealed = NULL, req_ms = NULL,"
    " req_error = NULL WHERE id = 1";

/* The walks go by SQLite's rowid; PostgreSQL's tables have an id column
 * for it (schema/pg/). */
#define MATERIAL(row) \
    "SELECT v." row ", v.material, k.key_id, v.version_id" \
    " FROM kms_key_versions v JOIN kms_keys k ON k.id = v.key" \
    " WHERE v." row " > ?1 AND v.material IS NOT NULL" \
    " ORDER BY v." row " LIMIT ?2"
#define MATERIAL_SET(row) \
    "UPDATE kms_key_versions SET material = ?1 WHERE " row " = ?2"
/* An expired token's key is already wiped to length 0 (kms_db.c). */
#define TOKENS(row) \
    "SELECT " row ", private_key, token, NULL FROM kms_import_tokens" \
    " WHERE " row " > ?1 AND length(private_key) > 0" \
    " ORDER BY " row " LIMIT ?2"
#define TOKENS_SET(row) \
    "UPDATE kms_import_tokens SET private_key = ?1 WHERE " row " = ?2"
static const char SQL_MATERIAL[] = MATERIAL("rowid");
static const char PG_MATERIAL[] = MATERIAL("id");
static const char SQL_MATERIAL_SET[] = MATERIAL_SET("rowid");
static const char PG_MATERIAL_SET[] = MATERIAL_SET("id");
static const char SQL_TOKENS[] = TOKENS("rowid");
static const char PG_TOKENS[] = TOKENS("id");
static const char SQL_TOKENS_SET[] = TOKENS_SET("rowid");
static const char PG_TOKENS_SET[] = TOKENS_SET("id");

static bool
col_copy(struct db_st *st, int i, uint8_t *dst, size_t cap, size_t *len)
{
	size_t n = db_col_len(st, i);

	*len = 0;
	if (db_col_null(st, i) || n > cap)
		return false;
	memcpy(dst, db_col_blob(st, i), n);
	*len = n;
	return true;
}

enum err
kms_db_root_read(struct db *db, struct kms_root_row *ret)
{
	struct db_st *st = db_stmt(db, SQL_READ);
	size_t n;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	memset(ret, 0, sizeof(*ret));
	rc = db_row(st);
	if (rc == ERR_OK) {
		ret->present = true;
		ret->gen = db_col_i64(st, 0);
		if (!col_copy(st, 1, ret->check, sizeof(ret->check), &n) ||
		    n != sizeof(ret->check) ||
		    !col_copy(st, 2, ret->mac_sealed, sizeof(ret->mac_sealed),
		    &ret->mac_sealed_len))
			r = ERR_CORRUPT;
		ret->has_prev = col_copy(st, 3, ret->prev_check,
		    sizeof(ret->prev_check), &n) && n == sizeof(ret->prev_check);
		ret->has_handover = col_copy(st, 4, ret->handover,
		    sizeof(ret->handover), &ret->handover_len);
		ret->has_request = col_copy(st, 5, ret->req_check,
		    sizeof(ret->req_check), &n) && n == sizeof(ret->req_check) &&
		    col_copy(st, 6, ret->req_sealed, sizeof(ret->req_sealed),
		    &ret->req_sealed_len);
		db_col_copy(st, 7, ret->req_error, sizeof(ret->req_error));
	} else if (rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
kms_db_root_insert(struct db *db, const uint8_t check[static KMS_CHECK_BYTES],
    const uint8_t *mac_sealed, size_t len)
{
	struct db_st *st = db_stmt(db, SQL_INSERT);

	if (st == NULL)
		return ERR_IO;
	db_bind_blob(st, 1, check, KMS_CHECK_BYTES);
	db_bind_blob(st, 2, mac_sealed, len);
	return db_step_done(st);
}

enum err
kms_db_root_gen(struct db *db, int64_t *ret)
{
	return db_query_i64(db, SQL_GEN, 1, ret);
}

enum err
kms_db_root_rotated(struct db *db, int64_t from_gen,
    const struct kms_root_row *to, int64_t now_ms)
{
	struct db_st *st = db_stmt(db, SQL_ROTATED);

	if (st == NULL)
		return ERR_IO;
	db_bind_blob(st, 1, to->check, KMS_CHECK_BYTES);
	db_bind_blob(st, 2, to->mac_sealed, to->mac_sealed_len);
	db_bind_blob(st, 3, to->prev_check, KMS_CHECK_BYTES);
	db_bind_blob(st, 4, to->handover, to->handover_len);
	db_bind_i64(st, 5, now_ms);
	db_bind_i64(st, 6, from_gen);
	return db_changed_one(db, db_step_done(st));
}

enum err
kms_db_root_retire(struct db *db, int64_t gen)
{
	return db_changed_one(db, db_step_i64(db, SQL_RETIRE, gen));
}

enum err
kms_db_root_request(struct db *db, int64_t gen,
    const uint8_t check[static KMS_CHECK_BYTES], const uint8_t *sealed,
    size_t len, int64_t now_ms)
{
	struct db_st *st = db_stmt(db, SQL_REQUEST);

	if (st == NULL)
		return ERR_IO;
	db_bind_blob(st, 1, check, KMS_CHECK_BYTES);
	db_bind_blob(st, 2, sealed, len);
	db_bind_i64(st, 3, now_ms);
	db_bind_i64(st, 4, gen);
	return db_changed_one(db, db_step_done(st));
}

enum err
kms_db_root_request_fail(struct db *db, const char *why)
{
	struct db_st *st = db_stmt(db, SQL_REQUEST_FAIL);

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, why);
	return db_step_done(st);
}

enum err
kms_db_root_request_clear(struct db *db)
{
	struct db_st *st = db_stmt(db, SQL_REQUEST_CLEAR);

	if (st == NULL)
		return ERR_IO;
	return db_step_done(st);
}

enum err
kms_db_reseal_material(struct db *db, db_reseal_fn *fn, void *ctx,
    uint64_t *count)
{
	return db_reseal(db, db_sql(db, SQL_MATERIAL, PG_MATERIAL),
	    db_sql(db, SQL_MATERIAL_SET, PG_MATERIAL_SET), fn, ctx, count);
}

enum err
kms_db_reseal_tokens(struct db *db, db_reseal_fn *fn, void *ctx,
    uint64_t *count)
{
	return db_reseal(db, db_sql(db, SQL_TOKENS, PG_TOKENS),
	    db_sql(db, SQL_TOKENS_SET, PG_TOKENS_SET), fn, ctx, count);
}
