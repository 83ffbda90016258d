/* SPDX-License-Identifier: ISC */
/*
 * clock_db.h: the business clock, persisted in the clock table.
 *
 * Business time = max(wall + offset, highest value ever handed out). The
 * offset is 0 unless the daemon runs with --test-clock, in which case the
 * admin CLI moves it forward and the running daemon sees the change on its
 * next reading (the offset is read from the database each time). The high
 * water mark is persisted by db_clock_persist(), called once a second and at
 * shutdown, so a wall clock that jumps backwards, even across a restart,
 * never shortens a retention period.
 */
#ifndef COFFER_DB_CLOCK_DB_H
#define COFFER_DB_CLOCK_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

struct db;
struct db_clock;

/* Records whether the daemon runs in test-clock mode and loads the high
 * water mark. */
enum err db_clock_open(struct db *db, bool test_mode, struct db_clock **ret);
void db_clock_close(struct db_clock *c);
/* struct clock callback; ctx is the struct db_clock. Thread-safe. */
int64_t db_clock_now(void *ctx);
enum err db_clock_persist(struct db_clock *c);
/* Once the database has its seal key: checks the row's MAC. On a mismatch
 * (*ret_ok false, logged as an ALERT) the stored mark and offset are
 * replaced by the wall clock, which can only make retention longer than
 * the forged values would. */
enum err db_clock_verify(struct db_clock *c, bool *ret_ok);
/* In a transaction (outside one it does nothing): raises the persisted
 * high-water mark to now_ms, so the schema's retention triggers, which
 * read it, agree with a decision just taken at now_ms (a period that ended
 * less than a second ago). */
enum err db_clock_raise(struct db *db, int64_t now_ms);
/* In a transaction: MACs the row as it stands (first start with a key). */
enum err db_clock_seal(struct db *db);
/* Whether the clock row's MAC holds, without acting on it (a missing row
 * holds). */
enum err db_clock_sealed_ok(struct db *db, bool *ret_ok);

struct db_clock_state {
	bool	test_mode;
	int64_t	offset_ms;
	int64_t	high_water_ms;
	int64_t	now_ms;		/* business time as the CLI computes it */
};
enum err db_clock_read(struct db *db, struct db_clock_state *ret);
/* Moves the test clock forward to target. ERR_ACCESS_DENIED when the data
 * dir's daemon does not run with --test-clock; ERR_INVALID_ARGUMENT when
 * target is before the current business time. */
enum err db_clock_set(struct db *db, int64_t target_ms, int64_t *ret_now);

#endif
