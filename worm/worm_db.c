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

/* The MAC (schema/0009_seal.sql) covers every column but itself. It is
 * computed and checked here, never by the database, which then needs no
 * key (policy_v lists the columns, for writer and checker alike). */
#define POLICY_COLS \
    "bucket, worm_id, state, days, created_ms, updated_ms, mac"
static const char SQL_GET[] =
    "SELECT " POLICY_COLS " FROM worm_policies WHERE bucket = ?";
static const char SQL_INSERT[] =
    "INSERT INTO worm_policies (" POLICY_COLS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_UPDATE[] =
    "UPDATE worm_policies SET state = ?2, days = ?3, updated_ms = ?4,"
    " mac = ?5 WHERE bucket = ?1 AND worm_id = ?6 AND state = ?7"
    " AND days = ?8 AND created_ms = ?9";
static const char SQL_PAGE[] =
    "SELECT " POLICY_COLS " FROM worm_policies WHERE bucket > ?1"
    " ORDER BY bucket LIMIT ?2";
/* One row at a time, so a row is rewritten only after the statement that
 * read it is done (the walk never meets its own writes). */
static const char SQL_NEXT[] =
    "SELECT " POLICY_COLS " FROM worm_policies WHERE bucket > ?"
    " ORDER BY bucket LIMIT 1";
static const char SQL_SET_MAC[] =
    "UPDATE worm_policies SET mac = ?2 WHERE bucket = ?1";
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

/* A row as the table holds it, texts with their stored lengths, so the
 * MAC covers exactly the bytes coffer_mac would. */
struct policy_row {
	int64_t		 bucket;
	const char	*worm_id;
	size_t		 worm_id_len;
	const char	*state;
	size_t		 state_len;
	int64_t		 days;
	int64_t		 created_ms;
	int64_t		 updated_ms;
};
#define POLICY_V_N	6

static void
policy_v(const struct policy_row *w, struct seal_v v[static POLICY_V_N])
{
	v[0] = SEAL_I(w->bucket);
	v[1] = SEAL_TN(w->worm_id, w->worm_id_len);
	v[2] = SEAL_TN(w->state, w->state_len);
	v[3] = SEAL_I(w->days);
	v[4] = SEAL_I(w->created_ms);
	v[5] = SEAL_I(w->updated_ms);
}

static enum err
policy_mac(struct db *db, const struct policy_row *w,
    uint8_t out[static DB_SEAL_MAC_BYTES])
{
	struct seal_v v[POLICY_V_N];

	policy_v(w, v);
	return db_seal_mac(db, "worm", v, POLICY_V_N, out);
}

static bool
policy_mac_ok(struct db *db, const struct policy_row *w, const void *mac,
    size_t len)
{
	struct seal_v v[POLICY_V_N];

	policy_v(w, v);
	return db_seal_mac_ok(db, mac, len, "worm", v, POLICY_V_N);
}

/* What p is stored as. */
static struct policy_row
policy_row_of(const struct worm_policy *p)
{
	const char *state = state_text(p->state);

	return (struct policy_row){
		.bucket = p->bucket_id,
		.worm_id = p->worm_id, .worm_id_len = strlen(p->worm_id),
		.state = state, .state_len = strlen(state),
		.days = p->days,
		.created_ms = p->created_ms,
		.updated_ms = p->updated_ms,
	};
}

/* The current row of a POLICY_COLS statement; valid until its next step. */
static struct policy_row
policy_row_at(struct db_st *st)
{
	struct policy_row w = { .bucket = db_col_i64(st, 0) };

	w.worm_id = db_col_text(st, 1);
	w.worm_id_len = db_col_len(st, 1);
	w.state = db_col_text(st, 2);
	w.state_len = db_col_len(st, 2);
	w.days = db_col_i64(st, 3);
	w.created_ms = db_col_i64(st, 4);
	w.updated_ms = db_col_i64(st, 5);
	return w;
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
		struct policy_row w = policy_row_at(st);

		memset(&p, 0, sizeof(p));
		p.bucket_id = bucket_id;
		str_copy(p.worm_id, sizeof(p.worm_id), w.worm_id);
		/* The CHECK constraint allows only these two; anything else
		 * was written behind our back. */
		if (strcmp(w.state, "Locked") == 0)
			p.state = WORM_STATE_LOCKED;
		else if (strcmp(w.state, "InProgress") == 0)
			p.state = WORM_STATE_IN_PROGRESS;
		else
			r = ERR_CORRUPT;
		if (w.days < WORM_DAYS_MIN || w.days > WORM_DAYS_MAX)
			r = ERR_CORRUPT;
		p.days = (uint32_t)w.days;
		p.created_ms = w.created_ms;
		p.updated_ms = w.updated_ms;
		p.sealed = policy_mac_ok(db, &w, db_col_blob(st, 6),
		    db_col_len(st, 6));
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
	struct policy_row w = policy_row_of(p);
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct db_st *st;
	enum err r;

	r = policy_mac(db, &w, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_INSERT);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, w.bucket);
	db_bind_textn(st, 2, w.worm_id, w.worm_id_len);
	db_bind_textn(st, 3, w.state, w.state_len);
	db_bind_i64(st, 4, w.days);
	db_bind_i64(st, 5, w.created_ms);
	db_bind_i64(st, 6, w.updated_ms);
	db_bind_blob(st, 7, mac, sizeof(mac));
	return db_step_done(st);
}

enum err
worm_db_update(struct db *db, const struct worm_policy *old,
    const struct worm_policy *p)
{
	/* The row it changes has old's bucket, worm_id and created_ms (the
	 * WHERE compares them), so the MAC needs no read of the row. */
	struct worm_policy next = *old;
	struct policy_row w;
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct db_st *st;
	enum err r;

	next.state = p->state;
	next.days = p->days;
	next.updated_ms = p->updated_ms;
	w = policy_row_of(&next);
	r = policy_mac(db, &w, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_UPDATE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, old->bucket_id);
	db_bind_text(st, 2, state_text(p->state));
	db_bind_i64(st, 3, p->days);
	db_bind_i64(st, 4, p->updated_ms);
	db_bind_blob(st, 5, mac, sizeof(mac));
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


static bool
row_ok(struct db *db, struct db_st *st)
{
	struct policy_row w = policy_row_at(st);

	return policy_mac_ok(db, &w, db_col_blob(st, 6), db_col_len(st, 6));
}

enum err
worm_seal_totals(struct db *db, struct db_seal_totals *ret)
{
	return db_seal_totals_walk(db, SQL_PAGE, 0, 6, row_ok, ret);
}

enum err
worm_seal_all(struct db *db)
{
	int64_t after = -1;
	enum err r;

	for (;;) {
		struct db_st *st = db_stmt(db, SQL_NEXT);
		uint8_t mac[DB_SEAL_MAC_BYTES];
		struct policy_row w;

		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, after);
		r = db_row(st);
		if (r == ERR_OK) {
			w = policy_row_at(st);
			after = w.bucket;
			r = policy_mac(db, &w, mac);
		}
		db_stmt_done(st);
		if (r != ERR_OK)
			return r == ERR_NOT_FOUND ? ERR_OK : r;
		st = db_stmt(db, SQL_SET_MAC);
		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, after);
		db_bind_blob(st, 2, mac, sizeof(mac));
		r = db_step_done(st);
		if (r != ERR_OK)
			return r;
	}
}
