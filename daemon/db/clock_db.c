/* SPDX-License-Identifier: ISC */
/* clock_db.c: see clock_db.h. */
#include "db/clock_db.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "db/db.h"
#include "db/seal.h"

struct db_clock {
	struct db		*db;
	bool			 test_mode;
	_Atomic int64_t		 last;
	int64_t			 persisted;
};

static const char SQL_READ[] =
    "SELECT test_mode, offset_ms, high_water_ms FROM clock WHERE id = 1";
static const char SQL_OFFSET[] = "SELECT offset_ms FROM clock WHERE id = 1";
static const char SQL_MODE[] = "UPDATE clock SET test_mode = ? WHERE id = 1";
static const char SQL_ROW[] =
    "SELECT high_water_ms, offset_ms, mac FROM clock WHERE id = 1";
static const char SQL_WRITE[] =
    "UPDATE clock SET high_water_ms = ?1, offset_ms = ?2, mac = ?3"
    " WHERE id = 1";
/* SQL_WRITE, only over the values read (?4, ?5). */
static const char SQL_WRITE_IF[] =
    "UPDATE clock SET high_water_ms = ?1, offset_ms = ?2, mac = ?3"
    " WHERE id = 1 AND high_water_ms = ?4 AND offset_ms = ?5";

/* The row's MAC (schema/0009_seal.sql) covers what could end a retention
 * period early: a high-water mark or a test offset moved forward. It is
 * computed and checked here, never by the database. */
struct clock_row {
	int64_t	high_water_ms;
	int64_t	offset_ms;
};
#define CLOCK_V_N	2

static void
clock_v(const struct clock_row *w, struct seal_v v[static CLOCK_V_N])
{
	v[0] = SEAL_I(w->high_water_ms);
	v[1] = SEAL_I(w->offset_ms);
}

/* The row, and whether its MAC holds (ok may be NULL). ERR_NOT_FOUND
 * without a row. */
static enum err
clock_row_read(struct db *db, struct clock_row *ret, bool *ok)
{
	struct db_st *st = db_stmt(db, SQL_ROW);
	struct seal_v v[CLOCK_V_N];
	enum err r;

	if (st == NULL)
		return ERR_IO;
	r = db_row(st);
	if (r == ERR_OK) {
		ret->high_water_ms = db_col_i64(st, 0);
		ret->offset_ms = db_col_i64(st, 1);
		clock_v(ret, v);
		if (ok != NULL)
			*ok = db_seal_mac_ok(db, db_col_blob(st, 2),
			    db_col_len(st, 2), "clock", v, CLOCK_V_N);
	}
	db_stmt_done(st);
	return r;
}

/* Writes w with its MAC; when was is not NULL, only over a row that still
 * holds was (ERR_CONFLICT otherwise). */
static enum err
clock_row_write(struct db *db, const struct clock_row *w,
    const struct clock_row *was)
{
	struct seal_v v[CLOCK_V_N];
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct db_st *st;
	enum err r;

	clock_v(w, v);
	r = db_seal_mac(db, "clock", v, CLOCK_V_N, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, was != NULL ? SQL_WRITE_IF : SQL_WRITE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, w->high_water_ms);
	db_bind_i64(st, 2, w->offset_ms);
	db_bind_blob(st, 3, mac, sizeof(mac));
	if (was == NULL)
		return db_step_done(st);
	db_bind_i64(st, 4, was->high_water_ms);
	db_bind_i64(st, 5, was->offset_ms);
	return db_changed_one(db, db_step_done(st));
}

/*
 * The row as it stands, its high-water mark raised to at least hwm_ms
 * (never lowered), its offset replaced when offset_ms is not NULL, MACed
 * again. Read, then written only over what was read, and again when
 * another writer came between: db_clock_persist runs outside a
 * transaction beside them. No row: nothing to do.
 */
static enum err
clock_update(struct db *db, int64_t hwm_ms, const int64_t *offset_ms)
{
	struct clock_row was, w;
	enum err r;

	do {
		r = clock_row_read(db, &was, NULL);
		if (r != ERR_OK)
			return r == ERR_NOT_FOUND ? ERR_OK : r;
		w = was;
		if (hwm_ms > w.high_water_ms)
			w.high_water_ms = hwm_ms;
		if (offset_ms != NULL)
			w.offset_ms = *offset_ms;
		r = clock_row_write(db, &w, &was);
	} while (r == ERR_CONFLICT);
	return r;
}

enum err
db_clock_read(struct db *db, struct db_clock_state *ret)
{
	struct db_st *st = db_stmt(db, SQL_READ);
	enum err r = ERR_IO;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	rc = db_row(st);
	if (rc == ERR_OK) {
		ret->test_mode = db_col_i64(st, 0) != 0;
		ret->offset_ms = db_col_i64(st, 1);
		ret->high_water_ms = db_col_i64(st, 2);
		int64_t now = clock_wall_ms() +
		    (ret->test_mode ? ret->offset_ms : 0);
		ret->now_ms = now > ret->high_water_ms ? now : ret->high_water_ms;
		r = ERR_OK;
	} else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

static enum err
exec_i64(struct db *db, const char *sql, int64_t v)
{
	struct db_st *st = db_stmt(db, sql);
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, v);
	r = db_end(db_row(st));
	db_stmt_done(st);
	return r;
}

enum err
db_clock_open(struct db *db, bool test_mode, struct db_clock **ret)
{
	struct db_clock_state s;
	struct db_clock *c;
	enum err r;

	r = exec_i64(db, SQL_MODE, test_mode ? 1 : 0);
	if (r != ERR_OK)
		return r;
	r = db_clock_read(db, &s);
	if (r != ERR_OK)
		return r;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ERR_NOMEM;
	c->db = db;
	c->test_mode = test_mode;
	atomic_store(&c->last, s.high_water_ms);
	c->persisted = s.high_water_ms;
	if (!test_mode && clock_wall_ms() < s.high_water_ms)
		log_warnx("clock: wall clock is %lld ms behind the highest "
		    "business time seen; business time holds until it catches up",
		    (long long)(s.high_water_ms - clock_wall_ms()));
	/* Forward is trusted (README "What WORM guarantees"), but a jump of
	 * more than a day while stopped ends retention periods early and is
	 * worth a line in the journal. */
	if (!test_mode && s.high_water_ms > 0 &&
	    clock_wall_ms() - s.high_water_ms > CLOCK_DAY_MS)
		log_warnx("clock: wall clock is %lld day(s) past the last "
		    "business time seen (stopped that long, or set forward); "
		    "retention periods are measured by it",
		    (long long)((clock_wall_ms() - s.high_water_ms) /
		    CLOCK_DAY_MS));
	*ret = c;
	return ERR_OK;
}

enum err
db_clock_raise(struct db *db, int64_t now_ms)
{
	/* Only the transaction that commits the change has triggers to
	 * satisfy; an early answer before the body writes nothing. */
	if (!db_in_tx(db))
		return ERR_OK;
	return clock_update(db, now_ms, NULL);
}

enum err
db_clock_seal(struct db *db)
{
	/* Raised to no less than it holds: the row as it stands. */
	return clock_update(db, INT64_MIN, NULL);
}

enum err
db_clock_sealed_ok(struct db *db, bool *ret_ok)
{
	struct clock_row w;
	bool ok = false;
	enum err r = clock_row_read(db, &w, &ok);

	*ret_ok = r == ERR_OK && ok;
	return r == ERR_NOT_FOUND ? ERR_OK : r;
}

enum err
db_clock_verify(struct db_clock *c, bool *ret_ok)
{
	int64_t wall = clock_wall_ms();
	struct clock_row w;
	bool ok = false;
	enum err r;

	r = clock_row_read(c->db, &w, &ok);
	if (r != ERR_OK)
		return r;
	*ret_ok = ok;
	if (ok)
		return ERR_OK;
	/* A forged mark or offset could only serve to end retention early;
	 * the wall clock alone never ends it earlier than the truth. */
	log_errx("ALERT: the business clock row fails its MAC (edited outside "
	    "cofferd?); its high-water mark and test offset are discarded");
	r = clock_row_write(c->db, &(struct clock_row){ .high_water_ms = wall,
	    .offset_ms = 0 }, NULL);
	if (r == ERR_OK) {
		atomic_store(&c->last, wall);
		c->persisted = wall;
	}
	return r;
}

void
db_clock_close(struct db_clock *c)
{
	if (c == NULL)
		return;
	(void)db_clock_persist(c);
	free(c);
}

int64_t
db_clock_now(void *ctx)
{
	struct db_clock *c = ctx;
	int64_t t = clock_wall_ms(), last;

	if (c->test_mode) {
		struct db_st *st = db_stmt(c->db, SQL_OFFSET);
		if (st != NULL) {
			if (db_row(st) == ERR_OK)
				t += db_col_i64(st, 0);
			db_stmt_done(st);
		}
	}
	last = atomic_load(&c->last);
	while (t > last) {
		if (atomic_compare_exchange_weak(&c->last, &last, t))
			return t;
	}
	return last;
}

enum err
db_clock_persist(struct db_clock *c)
{
	int64_t last = atomic_load(&c->last);
	enum err r;

	if (last <= c->persisted)
		return ERR_OK;
	r = clock_update(c->db, last, NULL);
	if (r == ERR_OK)
		c->persisted = last;
	return r;
}

enum err
db_clock_set(struct db *db, int64_t target_ms, int64_t *ret_now)
{
	struct db_clock_state s;
	int64_t offset;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = db_clock_read(db, &s);
	if (r != ERR_OK)
		goto out;
	if (!s.test_mode) {
		r = ERR_ACCESS_DENIED;
		goto out;
	}
	if (target_ms < s.now_ms) {
		r = ERR_INVALID_ARGUMENT;
		goto out;
	}
	offset = target_ms - clock_wall_ms();
	r = clock_update(db, target_ms, &offset);
	if (r == ERR_OK)
		r = db_tx_commit(db);
out:
	if (r != ERR_OK)
		db_tx_rollback(db);
	else if (ret_now != NULL)
		*ret_now = target_ms;
	return r;
}
