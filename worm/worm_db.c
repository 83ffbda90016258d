/* SPDX-License-Identifier: ISC */
/*
 * worm_db.c: all SQL of the WORM policies (schema/0003_worm.sql) and the
 * audit rows worm/ writes. Writes are compare-and-set on every column that
 * carries a promise, so a lost race surfaces as ERR_CONFLICT instead of a
 * silent overwrite.
 */
#include <string.h>

#include "base/str.h"
#include "db/db.h"
#include "db/seal.h"
#include "worm/worm_int.h"

/* The MAC (schema/0009_seal.sql) covers every column but itself, in this
 * order: bucket, worm_id, state, days, created_ms, updated_ms. */
#define POLICY_MAC_OK \
    "coffer_mac_ok(mac, 'worm', bucket, worm_id, state, days, created_ms," \
    " updated_ms)"
static const char SQL_GET[] =
    "SELECT worm_id, state, days, created_ms, updated_ms, " POLICY_MAC_OK
    " FROM worm_policies WHERE bucket = ?";
static const char SQL_INSERT[] =
    "INSERT INTO worm_policies (bucket, worm_id, state, days, created_ms,"
    " updated_ms, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
    " coffer_mac('worm', ?1, ?2, ?3, ?4, ?5, ?6))";
static const char SQL_UPDATE[] =
    "UPDATE worm_policies SET state = ?2, days = ?3, updated_ms = ?4,"
    " mac = coffer_mac('worm', bucket, worm_id, ?2, ?3, created_ms, ?4)"
    " WHERE bucket = ?1 AND worm_id = ?6 AND state = ?7"
    " AND days = ?8 AND created_ms = ?9";
static const char SQL_TOTALS[] =
    "SELECT count(*), coffer_sum(mac), coalesce(sum(" POLICY_MAC_OK " = 0),"
    " 0) FROM worm_policies";
static const char SQL_SEAL_ALL[] =
    "UPDATE worm_policies SET mac = coffer_mac('worm', bucket, worm_id,"
    " state, days, created_ms, updated_ms)";
static const char SQL_DELETE[] =
    "DELETE FROM worm_policies WHERE bucket = ? AND worm_id = ?"
    " AND state = ? AND days = ? AND created_ms = ?";
static const char SQL_DELETE_BUCKET[] =
    "DELETE FROM worm_policies WHERE bucket = ?";
static const char SQL_NEWER_OBJECT[] =
    "SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = ? AND mtime_ms > ?)";
static const char *
state_text(enum worm_state s)
{
	return s == WORM_STATE_LOCKED ? "Locked" : "InProgress";
}

enum err
worm_db_get(struct db *db, int64_t bucket_id, struct worm_policy *ret,
    bool *ret_found)
{
	struct db_st *st = db_stmt(db, SQL_GET);
	struct worm_policy p;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket_id);
	rc = db_row(st);
	if (rc == ERR_OK) {
		const char *id = db_col_text(st, 0);
		const char *state = db_col_text(st, 1);
		int64_t days = db_col_i64(st, 2);

		memset(&p, 0, sizeof(p));
		p.bucket_id = bucket_id;
		str_copy(p.worm_id, sizeof(p.worm_id), id);
		/* The CHECK constraint allows only these two; anything else
		 * was written behind our back. */
		if (strcmp(state, "Locked") == 0)
			p.state = WORM_STATE_LOCKED;
		else if (strcmp(state, "InProgress") == 0)
			p.state = WORM_STATE_IN_PROGRESS;
		else
			r = ERR_CORRUPT;
		if (days < WORM_DAYS_MIN || days > WORM_DAYS_MAX)
			r = ERR_CORRUPT;
		p.days = (uint32_t)days;
		p.created_ms = db_col_i64(st, 3);
		p.updated_ms = db_col_i64(st, 4);
		p.sealed = db_col_i64(st, 5) == 1;
		if (r == ERR_OK) {
			*ret = p;
			*ret_found = true;
		}
	} else if (rc == ERR_NOT_FOUND)
		*ret_found = false;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
worm_db_insert(struct db *db, const struct worm_policy *p)
{
	struct db_st *st = db_stmt(db, SQL_INSERT);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, p->bucket_id);
	db_bind_text(st, 2, p->worm_id);
	db_bind_text(st, 3, state_text(p->state));
	db_bind_i64(st, 4, p->days);
	db_bind_i64(st, 5, p->created_ms);
	db_bind_i64(st, 6, p->updated_ms);
	return db_step_done(st);
}

enum err
worm_db_update(struct db *db, const struct worm_policy *old,
    const struct worm_policy *p)
{
	struct db_st *st = db_stmt(db, SQL_UPDATE);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, old->bucket_id);
	db_bind_text(st, 2, state_text(p->state));
	db_bind_i64(st, 3, p->days);
	db_bind_i64(st, 4, p->updated_ms);
	db_bind_text(st, 6, old->worm_id);
	db_bind_text(st, 7, state_text(old->state));
	db_bind_i64(st, 8, old->days);
	db_bind_i64(st, 9, old->created_ms);
	return db_changed_one(db, db_step_done(st));
}

enum err
worm_db_delete(struct db *db, const struct worm_policy *old)
{
	struct db_st *st = db_stmt(db, SQL_DELETE);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, old->bucket_id);
	db_bind_text(st, 2, old->worm_id);
	db_bind_text(st, 3, state_text(old->state));
	db_bind_i64(st, 4, old->days);
	db_bind_i64(st, 5, old->created_ms);
	return db_changed_one(db, db_step_done(st));
}

enum err
worm_db_delete_bucket(struct db *db, int64_t bucket_id)
{
	return db_step_i64(db, SQL_DELETE_BUCKET, bucket_id);
}

enum err
worm_db_newer_object(struct db *db, int64_t bucket_id, int64_t after_ms,
    bool *ret)
{
	struct db_st *st = db_stmt(db, SQL_NEWER_OBJECT);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket_id);
	db_bind_i64(st, 2, after_ms);
	rc = db_row(st);
	if (rc == ERR_OK) {
		*ret = db_col_i64(st, 0) != 0;
		r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_INTERNAL : db_end(rc);
	db_stmt_done(st);
	return r;
}


enum err
worm_seal_totals(struct db *db, struct db_seal_totals *ret)
{
	return db_seal_totals_query(db, SQL_TOTALS, ret);
}

enum err
worm_seal_all(struct db *db)
{
	struct db_st *st = db_stmt(db, SQL_SEAL_ALL);

	if (st == NULL)
		return ERR_IO;
	return db_step_done(st);
}
