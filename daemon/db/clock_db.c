/* SPDX-License-Identifier: ISC */
/* clock_db.c: see clock_db.h. */
#include "db/clock_db.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "db/db.h"

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
/* The row's MAC (schema/0009_seal.sql) covers what could end a retention
 * period early: a high-water mark or a test offset moved forward. */
static const char SQL_HWM[] =
    "UPDATE clock SET high_water_ms = max(high_water_ms, ?1),"
    " mac = coffer_mac('clock', max(high_water_ms, ?1), offset_ms)"
    " WHERE id = 1";
static const char SQL_SET_OFFSET[] =
    "UPDATE clock SET offset_ms = ?1,"
    " mac = coffer_mac('clock', high_water_ms, ?1) WHERE id = 1";
static const char SQL_CHECK[] =
    "SELECT coffer_mac_ok(mac, 'clock', high_water_ms, offset_ms)"
    " FROM clock WHERE id = 1";
static const char SQL_RESET[] =
    "UPDATE clock SET high_water_ms = ?1, offset_ms = 0,"
    " mac = coffer_mac('clock', ?1, 0) WHERE id = 1";
static const char SQL_SEAL[] =
    "UPDATE clock SET mac = coffer_mac('clock', high_water_ms, offset_ms)"
    " WHERE id = 1";

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
	return exec_i64(db, SQL_HWM, now_ms);
}

enum err
db_clock_seal(struct db *db)
{
	struct db_st *st = db_stmt(db, SQL_SEAL);

	if (st == NULL)
		return ERR_IO;
	return db_step_done(st);
}

enum err
db_clock_sealed_ok(struct db *db, bool *ret_ok)
{
	int64_t ok = 0;
	enum err r = db_query_i64(db, SQL_CHECK, 0, &ok);

	*ret_ok = r == ERR_OK && ok == 1;
	return r == ERR_NOT_FOUND ? ERR_OK : r;
}

enum err
db_clock_verify(struct db_clock *c, bool *ret_ok)
{
	int64_t ok = 0, wall = clock_wall_ms();
	enum err r;

	r = db_query_i64(c->db, SQL_CHECK, 0, &ok);
	if (r != ERR_OK)
		return r;
	*ret_ok = ok == 1;
	if (ok == 1)
		return ERR_OK;
	/* A forged mark or offset could only serve to end retention early;
	 * the wall clock alone never ends it earlier than the truth. */
	log_errx("ALERT: the business clock row fails its MAC (edited outside "
	    "cofferd?); its high-water mark and test offset are discarded");
	r = exec_i64(c->db, SQL_RESET, wall);
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
	r = exec_i64(c->db, SQL_HWM, last);
	if (r == ERR_OK)
		c->persisted = last;
	return r;
}

enum err
db_clock_set(struct db *db, int64_t target_ms, int64_t *ret_now)
{
	struct db_clock_state s;
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
	r = exec_i64(db, SQL_SET_OFFSET, target_ms - clock_wall_ms());
	if (r == ERR_OK)
		r = exec_i64(db, SQL_HWM, target_ms);
	if (r == ERR_OK)
		r = db_tx_commit(db);
out:
	if (r != ERR_OK)
		db_tx_rollback(db);
	else if (ret_now != NULL)
		*ret_now = target_ms;
	return r;
}
