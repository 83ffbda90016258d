/* SPDX-License-Identifier: ISC */
/*
 * test_db.c: unit tests for db/db.h (connections, migrations, transactions,
 * the commit fault seam) and db/clock_db.h (the business clock).
 *
 * The database is the daemon's only source of truth, so the tests check it
 * with SQLite's own tools (integrity_check, foreign_key_check) through the
 * raw connection, and check the two properties everything else builds on:
 * BEGIN IMMEDIATE transactions of different threads never interleave, and
 * business time never runs backwards.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/clock.h"
#include "base/log.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "db/seal.h"
#include "support/test_seal.h"
#include "support/test_support.h"

struct fixture {
	char		*dir;
	char		 path[512];
	struct db	*db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("db");
	snprintf(f->path, sizeof(f->path), "%s/coffer.db", f->dir);
	if (db_open(f->path, &f->db) != ERR_OK || test_db_seal(f->db) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	db_close(f->db);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* First column of the first row of sql as int64; -1 when no row. */
static int64_t
q_i64(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db_conn(db), sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* All rows of a one-column query joined with '\n' (malloc'd). */
static char *
q_text(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0;
	char *out = calloc(1, 1);

	assert_non_null(out);
	assert_int_equal(sqlite3_prepare_v2(db_conn(db), sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		size_t n = t ? strlen(t) : 4;
		out = realloc(out, len + n + 2);
		assert_non_null(out);
		if (len > 0)
			out[len++] = '\n';
		memcpy(out + len, t ? t : "NULL", n);
		len += n;
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	return out;
}

static void
test_open_migrates(void **state)
{
	struct fixture *f = *state;
	char *s;

	assert_true(db_schema_latest() >= 1);
	assert_int_equal(db_schema_version(f->db), db_schema_latest());
	assert_int_equal(q_i64(f->db, "PRAGMA user_version"), db_schema_latest());
	s = q_text(f->db, "PRAGMA integrity_check");
	assert_string_equal(s, "ok");
	free(s);
	s = q_text(f->db, "PRAGMA foreign_key_check");
	assert_string_equal(s, "");
	free(s);
	/* Connection settings of db.h. */
	s = q_text(f->db, "PRAGMA journal_mode");
	assert_string_equal(s, "wal");
	free(s);
	assert_int_equal(q_i64(f->db, "PRAGMA foreign_keys"), 1);
	/* NORMAL: db_tx_commit syncs the WAL itself (group commit). */
	assert_int_equal(q_i64(f->db, "PRAGMA synchronous"), 1);
	/* The tables of 0001_init.sql exist; the clock has its one row. */
	s = q_text(f->db, "SELECT name FROM sqlite_schema WHERE type = 'table'"
	    " AND name IN ('clock', 'accounts', 'access_keys', 'buckets',"
	    " 'objects', 'uploads', 'parts', 'extents', 'audit') ORDER BY name");
	assert_string_equal(s, "access_keys\naccounts\naudit\nbuckets\nclock\n"
	    "extents\nobjects\nparts\nuploads");
	free(s);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM clock"), 1);
	/* Foreign keys are enforced on this connection. */
	assert_int_equal(db_exec(f->db, "INSERT INTO buckets (name, owner,"
	    " region, storage_class, redundancy, acl, created_ms)"
	    " VALUES ('b', 999, 'r', 'Standard', 'LRS', 'private', 0)"),
	    ERR_EXISTS);
}

static void
test_reopen_idempotent(void **state)
{
	struct fixture *f = *state;
	struct db *db2 = NULL;

	assert_int_equal(db_exec(f->db, "INSERT INTO accounts (account_id,"
	    " name, created_ms) VALUES ('1000000000000001', 'alice', 1)"), ERR_OK);
	db_close(f->db);
	f->db = NULL;
	assert_int_equal(db_open(f->path, &db2), ERR_OK);
	f->db = db2;
	assert_int_equal(db_schema_version(f->db), db_schema_latest());
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM clock"), 1);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM accounts"), 1);
	/* Two handles on the same file at once are fine too. */
	struct db *db3 = NULL;
	assert_int_equal(db_open(f->path, &db3), ERR_OK);
	assert_int_equal(q_i64(db3, "SELECT count(*) FROM accounts"), 1);
	db_close(db3);
	db_close(NULL);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct db *sentinel = (struct db *)(uintptr_t)0x1234;
	struct db *db2 = sentinel;
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    db_schema_latest() + 1);
	assert_int_equal(db_exec(f->db, sql), ERR_OK);
	db_close(f->db);
	f->db = NULL;
	assert_int_equal(db_open(f->path, &db2), ERR_CORRUPT);
	assert_ptr_equal(db2, sentinel);	/* untouched on failure */

	/* Back to the real version: opens again. */
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", db_schema_latest());
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(db_open(f->path, &db2), ERR_OK);
	f->db = db2;
}

static void
test_not_a_database(void **state)
{
	struct fixture *f = *state;
	char path[600];
	struct db *db2 = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite database at all ", fp);
	fclose(fp);
	assert_int_not_equal(db_open(path, &db2), ERR_OK);
	assert_null(db2);
}

static void
test_db_err(void **state)
{
	(void)state;
	assert_int_equal(db_err(SQLITE_OK), ERR_OK);
	assert_int_equal(db_err(SQLITE_ROW), ERR_OK);
	assert_int_equal(db_err(SQLITE_DONE), ERR_OK);
	assert_int_equal(db_err(SQLITE_BUSY), ERR_DB_BUSY);
	assert_int_equal(db_err(SQLITE_BUSY_SNAPSHOT), ERR_DB_BUSY);
	assert_int_equal(db_err(SQLITE_LOCKED), ERR_DB_BUSY);
	assert_int_equal(db_err(SQLITE_CONSTRAINT_UNIQUE), ERR_EXISTS);
	assert_int_equal(db_err(SQLITE_CONSTRAINT_FOREIGNKEY), ERR_EXISTS);
	assert_int_equal(db_err(SQLITE_FULL), ERR_NO_SPACE);
	assert_int_equal(db_err(SQLITE_NOMEM), ERR_NOMEM);
	assert_int_equal(db_err(SQLITE_CORRUPT), ERR_CORRUPT);
	assert_int_equal(db_err(SQLITE_NOTADB), ERR_CORRUPT);
	assert_int_equal(db_err(SQLITE_IOERR_FSYNC), ERR_IO);
	assert_int_equal(db_err(SQLITE_READONLY), ERR_IO);
	assert_int_equal(db_err(SQLITE_ERROR), ERR_INTERNAL);
	assert_int_equal(db_err(SQLITE_MISUSE), ERR_INTERNAL);
}

static const char SQL_COUNT_AUDIT[] = "SELECT count(*) FROM audit";

static void
test_stmt_cache(void **state)
{
	struct fixture *f = *state;
	struct db_st *a, *b;

	a = db_stmt(f->db, SQL_COUNT_AUDIT);
	assert_non_null(a);
	assert_int_equal(db_row(a), ERR_OK);
	assert_int_equal(db_col_i64(a, 0), 0);
	assert_int_equal(db_row(a), ERR_NOT_FOUND);
	db_stmt_done(a);
	b = db_stmt(f->db, SQL_COUNT_AUDIT);
	assert_ptr_equal(a, b);		/* cached by pointer */
	/* done() reset it: stepping again gives a fresh row. */
	assert_int_equal(db_row(b), ERR_OK);
	db_stmt_done(b);
	db_stmt_done(NULL);
	assert_null(db_stmt(f->db, "SELECT no_such_column FROM audit"));
	assert_int_equal(db_exec(f->db, "SELEC 1"), ERR_INTERNAL);
}

static int64_t
audit_count(struct db *db)
{
	return q_i64(db, "SELECT count(*) FROM audit");
}

static void
test_tx_commit_rollback(void **state)
{
	struct fixture *f = *state;

	db_tx_rollback(f->db);		/* no transaction: harmless */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_exec(f->db, "INSERT INTO audit (time_ms, actor,"
	    " action, target, result) VALUES (1, 'a', 'b', 'c', 'ok')"), ERR_OK);
	db_tx_rollback(f->db);
	assert_int_equal(audit_count(f->db), 0);
	db_tx_rollback(f->db);		/* twice: harmless */

	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_exec(f->db, "INSERT INTO audit (time_ms, actor,"
	    " action, target, result) VALUES (1, 'a', 'b', 'c', 'ok')"), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(audit_count(f->db), 1);
}

static void
test_fault_commit(void **state)
{
	struct fixture *f = *state;
	static const char ins[] = "INSERT INTO audit (time_ms, actor, action,"
	    " target, result) VALUES (1, 'a', 'b', 'c', 'ok')";

	/* n = 1: the very next commit fails and rolls back. */
	db_fault_commit_after(f->db, 1);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_exec(f->db, ins), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_IO);
	assert_int_equal(audit_count(f->db), 0);
	/* Not in a transaction any more: a new one can begin. */
	assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 1);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_exec(f->db, ins), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);	/* one-shot */
	assert_int_equal(audit_count(f->db), 1);

	/* n = 3: commits 1 and 2 succeed, the 3rd fails, the 4th works. */
	db_fault_commit_after(f->db, 3);
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(db_tx_begin(f->db), ERR_OK);
		assert_int_equal(db_exec(f->db, ins), ERR_OK);
		assert_int_equal(db_tx_commit(f->db), i == 3 ? ERR_IO : ERR_OK);
	}
	assert_int_equal(audit_count(f->db), 4);

	/* 0 disables a pending fault. */
	db_fault_commit_after(f->db, 1);
	db_fault_commit_after(f->db, 0);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
}

/* Two threads increment a counter with read-sleep-write inside BEGIN
 * IMMEDIATE; any interleaving would lose updates or be seen by `inside`. */
struct race {
	struct db	*db;
	_Atomic int	 inside;
	_Atomic int	 overlaps;
	int		 rounds;
	enum err	 err;
};

static void *
race_thread(void *p)
{
	struct race *r = p;
	struct timespec ts = { 0, 200 * 1000 };

	for (int i = 0; i < r->rounds; i++) {
		enum err e = db_tx_begin(r->db);
		if (e != ERR_OK) {
			r->err = e;
			break;
		}
		if (atomic_fetch_add(&r->inside, 1) != 0)
			atomic_fetch_add(&r->overlaps, 1);
		int64_t v = -1;
		sqlite3_stmt *st = NULL;
		/* no cmocka asserts off the main thread */
		if (sqlite3_prepare_v2(db_conn(r->db),
		    "SELECT high_water_ms FROM clock", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		nanosleep(&ts, NULL);
		char sql[96];
		snprintf(sql, sizeof(sql),
		    "UPDATE clock SET high_water_ms = %lld", (long long)(v + 1));
		e = db_exec(r->db, sql);
		atomic_fetch_sub(&r->inside, 1);
		if (e == ERR_OK)
			e = db_tx_commit(r->db);
		else
			db_tx_rollback(r->db);
		if (e != ERR_OK) {
			r->err = e;
			break;
		}
	}
	return NULL;
}

static void
test_tx_threads_serialize(void **state)
{
	struct fixture *f = *state;
	struct race r = { .db = f->db, .rounds = 200 };
	pthread_t t1, t2;

	assert_int_equal(db_exec(f->db, "UPDATE clock SET high_water_ms = 0"),
	    ERR_OK);
	assert_int_equal(pthread_create(&t1, NULL, race_thread, &r), 0);
	assert_int_equal(pthread_create(&t2, NULL, race_thread, &r), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_int_equal(r.err, ERR_OK);
	assert_int_equal(atomic_load(&r.overlaps), 0);
	assert_int_equal(q_i64(f->db, "SELECT high_water_ms FROM clock"), 400);
}

/* Batches: a transaction that ends while another thread waits for the
 * write lock waits for that one's COMMIT. The other one fails and rolls
 * back: only its own changes go, the first one's are committed. */
struct batch_peer {
	struct db	*db;
	_Atomic bool	 started;
	enum err	 begin;
};

static void *
batch_peer(void *p)
{
	struct batch_peer *b = p;

	atomic_store(&b->started, true);
	b->begin = db_tx_begin(b->db);	/* waits for the main thread */
	if (b->begin == ERR_OK) {
		(void)db_exec(b->db, "INSERT INTO audit (time_ms, actor,"
		    " action, target, result) VALUES (2, 'b', 'b', 'b', 'ok')");
		db_tx_rollback(b->db);
	}
	return NULL;
}

static void
test_tx_batch_member_rollback(void **state)
{
	struct fixture *f = *state;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	uint64_t joined = db_tx_batched(f->db);
	int tries;

	/* Until the peer was waiting when the main thread committed (the
	 * scheduler decides); every round must hold the invariants. */
	for (tries = 0; tries < 20 && db_tx_batched(f->db) == joined;
	    tries++) {
		struct batch_peer b = { .db = f->db };
		pthread_t t;

		assert_int_equal(db_tx_begin(f->db), ERR_OK);
		assert_int_equal(db_exec(f->db, "INSERT INTO audit (time_ms,"
		    " actor, action, target, result) VALUES (1, 'a', 'a', 'a',"
		    " 'ok')"), ERR_OK);
		assert_int_equal(pthread_create(&t, NULL, batch_peer, &b), 0);
		while (!atomic_load(&b.started))
			nanosleep(&ts, NULL);
		nanosleep(&ts, NULL);
		assert_int_equal(db_tx_commit(f->db), ERR_OK);
		pthread_join(t, NULL);
		assert_int_equal(b.begin, ERR_OK);
		assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit"
		    " WHERE actor = 'a'"), tries + 1);
		assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit"
		    " WHERE actor = 'b'"), 0);
		assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 1);
	}
	assert_true(db_tx_batched(f->db) > joined);
	/* The writer is free: a transaction of its own commits. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
}

/* Many writers at once: every commit that reported success is there,
 * each exactly once, and batches formed. */
struct batch_load {
	struct db	*db;
	int		 id;
	int		 ok;
	enum err	 err;
};

static void *
batch_writer(void *p)
{
	struct batch_load *l = p;
	char sql[160];

	for (int i = 0; i < 200; i++) {
		enum err e = db_tx_begin(l->db);

		if (e != ERR_OK) {
			l->err = e;
			break;
		}
		snprintf(sql, sizeof(sql), "INSERT INTO audit (time_ms, actor,"
		    " action, target, result) VALUES (%d, 'w%d', 'x', 'y',"
		    " 'ok')", i, l->id);
		e = db_exec(l->db, sql);
		/* Every fifth one gives up: rolled back inside a batch. */
		if (e == ERR_OK && i % 5 == 4) {
			db_tx_rollback(l->db);
			continue;
		}
		e = e == ERR_OK ? db_tx_commit(l->db) : e;
		if (e != ERR_OK) {
			l->err = e;
			break;
		}
		l->ok++;
	}
	return NULL;
}

static void
test_tx_batch_load(void **state)
{
	struct fixture *f = *state;
	struct batch_load l[6];
	pthread_t t[6];
	uint64_t joined = db_tx_batched(f->db);

	for (int i = 0; i < 6; i++) {
		l[i] = (struct batch_load){ .db = f->db, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, batch_writer,
		    &l[i]), 0);
	}
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 6; i++) {
		char sql[96];

		assert_int_equal(l[i].err, ERR_OK);
		assert_int_equal(l[i].ok, 160);
		snprintf(sql, sizeof(sql), "SELECT count(DISTINCT time_ms)"
		    " FROM audit WHERE actor = 'w%d'", i);
		assert_int_equal(q_i64(f->db, sql), 160);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit"
		    " WHERE actor = 'w%d' AND time_ms %% 5 = 4", i);
		assert_int_equal(q_i64(f->db, sql), 0);
	}
	print_message("batched: %llu of 960 commits\n",
	    (unsigned long long)(db_tx_batched(f->db) - joined));
}

/* Checkpoints run on their own thread and keep the log bounded while
 * writers never pause: 6,000 commits of 4 KB rows append about 48 MB of
 * frames; without checkpoints the log would hold all of them. */
struct wal_writer {
	struct db	*db;
	enum err	 err;
};

static void *
wal_writer(void *p)
{
	struct wal_writer *w = p;

	for (int i = 0; i < 3000 && w->err == ERR_OK; i++) {
		w->err = db_tx_begin(w->db);
		if (w->err != ERR_OK)
			break;
		w->err = db_exec(w->db, "INSERT INTO wal_test VALUES"
		    " (randomblob(4000))");
		w->err = w->err == ERR_OK ? db_tx_commit(w->db) :
		    (db_tx_rollback(w->db), w->err);
	}
	return NULL;
}

static void
test_wal_checkpoint_bounded(void **state)
{
	struct fixture *f = *state;
	struct wal_writer w[2] = { { f->db, ERR_OK }, { f->db, ERR_OK } };
	pthread_t t[2];
	char wal[600];
	struct stat sb;

	assert_int_equal(db_exec(f->db, "CREATE TABLE wal_test (b BLOB)"),
	    ERR_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, wal_writer, &w[i]),
		    0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].err, ERR_OK);
	}
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM wal_test"), 6000);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	print_message("log: %lld bytes after 6000 commits\n",
	    (long long)sb.st_size);
	assert_true(sb.st_size < 32 << 20);
}

/* ---- clock_db ---- */

static void
test_clock_never_backwards(void **state)
{
	struct fixture *f = *state;
	struct db_clock *c = NULL;
	struct db_clock_state s;
	int64_t future = clock_wall_ms() + 3600 * 1000;
	char sql[96];

	snprintf(sql, sizeof(sql), "UPDATE clock SET high_water_ms = %lld",
	    (long long)future);
	assert_int_equal(db_exec(f->db, sql), ERR_OK);
	assert_int_equal(db_clock_open(f->db, false, &c), ERR_OK);
	/* The wall clock is an hour behind: business time holds. */
	assert_true(db_clock_now(c) == future);
	assert_true(db_clock_now(c) == future);
	struct clock ck = { db_clock_now, c };
	assert_true(clock_now_ms(&ck) == future);
	assert_int_equal(db_clock_read(f->db, &s), ERR_OK);
	assert_false(s.test_mode);
	assert_true(s.high_water_ms == future);
	assert_true(s.now_ms == future);
	/* Not test mode: the clock cannot be moved. */
	int64_t got = 77;
	assert_int_equal(db_clock_set(f->db, future + 1000, &got),
	    ERR_ACCESS_DENIED);
	assert_true(got == 77);
	assert_int_equal(db_clock_persist(c), ERR_OK);
	db_clock_close(c);

	/* Survives a reopen of the clock. */
	assert_int_equal(db_clock_open(f->db, false, &c), ERR_OK);
	assert_true(db_clock_now(c) == future);
	db_clock_close(c);
	db_clock_close(NULL);
}

static void
test_clock_monotonic_and_persist(void **state)
{
	struct fixture *f = *state;
	struct db_clock *c = NULL;
	struct db_clock_state s;
	int64_t w0 = clock_wall_ms(), prev = 0, last;

	assert_int_equal(db_clock_open(f->db, false, &c), ERR_OK);
	for (int i = 0; i < 1000; i++) {
		int64_t t = db_clock_now(c);
		assert_true(t >= prev);
		prev = t;
	}
	last = db_clock_now(c);
	assert_true(last >= w0 && last <= clock_wall_ms());
	assert_int_equal(db_clock_persist(c), ERR_OK);
	assert_int_equal(db_clock_read(f->db, &s), ERR_OK);
	assert_true(s.high_water_ms == last);
	/* persist never lowers the stored mark */
	assert_int_equal(db_exec(f->db,
	    "UPDATE clock SET high_water_ms = 9000000000000"), ERR_OK);
	assert_int_equal(db_clock_persist(c), ERR_OK);
	assert_int_equal(db_clock_read(f->db, &s), ERR_OK);
	assert_true(s.high_water_ms == 9000000000000LL);
	db_clock_close(c);
}

static void
test_clock_test_mode(void **state)
{
	struct fixture *f = *state;
	struct db_clock *c = NULL;
	struct db_clock_state s;
	int64_t target, got = 0, t;

	assert_int_equal(db_clock_open(f->db, true, &c), ERR_OK);
	assert_int_equal(db_clock_read(f->db, &s), ERR_OK);
	assert_true(s.test_mode);
	assert_true(s.offset_ms == 0);

	target = clock_wall_ms() + 10 * CLOCK_DAY_MS;
	assert_int_equal(db_clock_set(f->db, target, &got), ERR_OK);
	assert_true(got == target);
	t = db_clock_now(c);
	assert_true(t >= target && t < target + 5000);
	assert_int_equal(db_clock_read(f->db, &s), ERR_OK);
	assert_true(s.high_water_ms == target);
	assert_true(s.offset_ms > 10 * CLOCK_DAY_MS - 5000 &&
	    s.offset_ms <= 10 * CLOCK_DAY_MS);
	assert_true(s.now_ms >= target);

	/* Backwards, even by a millisecond before now: refused, unchanged. */
	got = 5;
	assert_int_equal(db_clock_set(f->db, target - CLOCK_HOUR_MS, &got),
	    ERR_INVALID_ARGUMENT);
	assert_int_equal(db_clock_set(f->db, t - 1, &got), ERR_INVALID_ARGUMENT);
	assert_true(got == 5);
	assert_int_equal(db_clock_read(f->db, &s), ERR_OK);
	assert_true(s.high_water_ms == target);
	/* Forward again, without ret_now. */
	assert_int_equal(db_clock_set(f->db, target + CLOCK_DAY_MS, NULL), ERR_OK);
	assert_true(db_clock_now(c) >= target + CLOCK_DAY_MS);
	/* No transaction left open by set. */
	assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 1);

	/* persist writes the high-water mark the clock handed out */
	int64_t last = db_clock_now(c);
	assert_int_equal(db_clock_persist(c), ERR_OK);
	assert_int_equal(db_clock_read(f->db, &s), ERR_OK);
	assert_true(s.high_water_ms == last);
	db_clock_close(c);

	/* Leaving test mode: the mode is recorded, set is refused, and the
	 * time already handed out still holds. */
	assert_int_equal(db_clock_open(f->db, false, &c), ERR_OK);
	assert_int_equal(db_clock_read(f->db, &s), ERR_OK);
	assert_false(s.test_mode);
	assert_true(db_clock_now(c) >= last);
	assert_int_equal(db_clock_set(f->db, last + CLOCK_DAY_MS, NULL),
	    ERR_ACCESS_DENIED);
	db_clock_close(c);
}

struct setter {
	struct db	*db;
	int64_t		 target;
	enum err	 r;
};

static void *
setter_thread(void *p)
{
	struct setter *s = p;

	/* Its own connection: what the admin CLI does from another process. */
	s->r = db_clock_set(s->db, s->target, NULL);
	return NULL;
}

static void
test_clock_offset_other_connection(void **state)
{
	struct fixture *f = *state;
	struct db_clock *c = NULL;
	pthread_t t;

	assert_int_equal(db_clock_open(f->db, true, &c), ERR_OK);
	int64_t before = db_clock_now(c);
	for (int round = 1; round <= 3; round++) {
		struct setter s = { f->db,
		    clock_wall_ms() + round * 30 * CLOCK_DAY_MS, ERR_INTERNAL };

		assert_int_equal(pthread_create(&t, NULL, setter_thread, &s), 0);
		pthread_join(t, NULL);
		assert_int_equal(s.r, ERR_OK);
		/* The very next reading sees the new offset. */
		int64_t now = db_clock_now(c);
		assert_true(now >= s.target && now < s.target + 5000);
		assert_true(now > before);
		before = now;
	}
	db_clock_close(c);

	/* A second database handle (another process in real life) too. */
	struct db *other = NULL;
	assert_int_equal(db_open(f->path, &other), ERR_OK);
	assert_int_equal(test_db_seal(other), 0);
	assert_int_equal(db_clock_open(f->db, true, &c), ERR_OK);
	int64_t target = db_clock_now(c) + 400 * CLOCK_DAY_MS;
	assert_int_equal(db_clock_set(other, target, NULL), ERR_OK);
	int64_t now = db_clock_now(c);
	assert_true(now >= target && now < target + 5000);
	db_clock_close(c);
	db_close(other);
}

/* ---- the seal functions (db/seal.h) ---- */

/* The 32-byte blob sql returns, on db's connection; false on SQL error. */
static bool
blob_of(struct db *db, const char *sql, uint8_t out[32])
{
	sqlite3_stmt *st;
	bool ok = false;

	if (sqlite3_prepare_v2(db_conn(db), sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(out, sqlite3_column_blob(st, 0), 32);
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

static int64_t
int_of(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db_conn(db), sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every field, its type and where one ends are bound into a row's MAC. */
static void
test_seal_mac_encoding(void **state)
{
	struct fixture *f = *state;
	static const char *variants[] = {
		"coffer_mac('object', 1, 'k', 'Normal', 5, 'E', 7, 100)",
		"coffer_mac('worm', 1, 'k', 'Normal', 5, 'E', 7, 100)",
		"coffer_mac('object', 2, 'k', 'Normal', 5, 'E', 7, 100)",
		"coffer_mac('object', 1, 'K', 'Normal', 5, 'E', 7, 100)",
		"coffer_mac('object', 1, 'k', 'Multipart', 5, 'E', 7, 100)",
		"coffer_mac('object', 1, 'k', 'Normal', 6, 'E', 7, 100)",
		"coffer_mac('object', 1, 'k', 'Normal', 5, 'F', 7, 100)",
		"coffer_mac('object', 1, 'k', 'Normal', 5, 'E', 8, 100)",
		"coffer_mac('object', 1, 'k', 'Normal', 5, 'E', 7, 99)",
		"coffer_mac('object', '1', 'k', 'Normal', 5, 'E', 7, 100)",
		"coffer_mac('object', 1, 'k', 'Normal', 5, 'E', 7, 100, NULL)",
		"coffer_mac('object', 1, 'kN', 'ormal', 5, 'E', 7, 100)",
		"coffer_mac('object', 1, x'6b', 'Normal', 5, 'E', 7, 100)",
	};
	enum { N = sizeof(variants) / sizeof(variants[0]) };
	uint8_t mac[N][32], again[32];
	char sql[256];

	for (size_t i = 0; i < N; i++) {
		snprintf(sql, sizeof(sql), "SELECT %s", variants[i]);
		assert_true(blob_of(f->db, sql, mac[i]));
		for (size_t j = 0; j < i; j++)
			assert_memory_not_equal(mac[i], mac[j], 32);
	}
	assert_true(blob_of(f->db, "SELECT coffer_mac('object', 1, 'k', 'Normal',"
	    " 5, 'E', 7, 100)", again));
	assert_memory_equal(again, mac[0], 32);
	assert_int_equal(int_of(f->db, "SELECT coffer_mac_ok(coffer_mac('a', 1),"
	    " 'a', 1)"), 1);
	assert_int_equal(int_of(f->db, "SELECT coffer_mac_ok(coffer_mac('a', 1),"
	    " 'a', 2)"), 0);
	assert_int_equal(int_of(f->db, "SELECT coffer_mac_ok(NULL, 'a', 1)"), 0);
	assert_int_equal(int_of(f->db, "SELECT coffer_mac_ok(x'00', 'a', 1)"), 0);
}

/* The MAC computed in C is the one the SQL function computes over the
 * same values, for every type a sealed column holds: rows sealed either
 * way check either way. */
static void
test_seal_mac_in_c(void **state)
{
	struct fixture *f = *state;
	static const uint8_t uuid[4] = { 0, 0x6b, 0xff, 0x10 };
	const struct seal_v v[] = {
		SEAL_I(1), SEAL_I(-7), SEAL_I(INT64_MAX), SEAL_T("k\xc3\xa9y"),
		SEAL_T(""), SEAL_B(uuid, sizeof(uuid)), SEAL_NUL,
		SEAL_TN("abc", 2),
	};
	uint8_t in_c[32], in_sql[32];

	assert_int_equal(db_seal_mac(f->db, "extent", v, SEAL_N(v), in_c),
	    ERR_OK);
	assert_true(blob_of(f->db, "SELECT coffer_mac('extent', 1, -7,"
	    " 9223372036854775807, 'k\xc3\xa9y', '', x'006bff10', NULL, 'ab')",
	    in_sql));
	assert_memory_equal(in_c, in_sql, 32);
	assert_true(db_seal_mac_ok(f->db, in_sql, 32, "extent", v,
	    SEAL_N(v)));
	/* Another domain, one value less, a changed byte: all fail. */
	assert_false(db_seal_mac_ok(f->db, in_sql, 32, "object", v,
	    SEAL_N(v)));
	assert_false(db_seal_mac_ok(f->db, in_sql, 32, "extent", v,
	    SEAL_N(v) - 1));
	in_sql[5] ^= 1;
	assert_false(db_seal_mac_ok(f->db, in_sql, 32, "extent", v,
	    SEAL_N(v)));
	assert_false(db_seal_mac_ok(f->db, in_sql, 31, "extent", v,
	    SEAL_N(v)));
	assert_false(db_seal_mac_ok(f->db, NULL, 0, "extent", v, SEAL_N(v)));
	/* An integer and its decimal text are different values. */
	assert_int_equal(db_seal_mac(f->db, "a", (struct seal_v[]){
	    SEAL_T("1") }, 1, in_c), ERR_OK);
	assert_true(blob_of(f->db, "SELECT coffer_mac('a', 1)", in_sql));
	assert_memory_not_equal(in_c, in_sql, 32);
}

/* The set hash: order does not matter, removing undoes adding, the
 * aggregate over a table equals the running sum. */
static void
test_seal_set_hash(void **state)
{
	struct fixture *f = *state;
	uint8_t ab[32], ba[32], zero[32] = { 0 }, back[32], sum[32];

	assert_true(blob_of(f->db, "SELECT coffer_acc(coffer_acc(NULL,"
	    " coffer_mac('a'), 1), coffer_mac('b'), 1)", ab));
	assert_true(blob_of(f->db, "SELECT coffer_acc(coffer_acc(NULL,"
	    " coffer_mac('b'), 1), coffer_mac('a'), 1)", ba));
	assert_memory_equal(ab, ba, 32);
	assert_memory_not_equal(ab, zero, 32);
	assert_true(blob_of(f->db, "SELECT coffer_acc(coffer_acc(coffer_acc(NULL,"
	    " coffer_mac('a'), 1), coffer_mac('b'), 1), coffer_mac('a'), -1)",
	    back));
	assert_true(blob_of(f->db, "SELECT coffer_acc(NULL, coffer_mac('b'), 1)",
	    sum));
	assert_memory_equal(back, sum, 32);
	assert_int_equal(db_exec(f->db, "CREATE TABLE t (m BLOB);"
	    " INSERT INTO t VALUES (coffer_mac('a')), (coffer_mac('b')), (NULL)"),
	    ERR_OK);
	assert_true(blob_of(f->db, "SELECT coffer_sum(m) FROM t", sum));
	assert_memory_equal(sum, ab, 32);
	assert_true(blob_of(f->db, "SELECT coffer_sum(m) FROM t WHERE 0", sum));
	assert_memory_equal(sum, zero, 32);
}

/* A handle without the key (the sqlite3 shell is worse: no functions at
 * all) can neither seal nor pass a check. */
static void
test_seal_needs_key(void **state)
{
	struct fixture *f = *state;
	struct db *bare = NULL;
	uint8_t mac[32];

	assert_int_equal(db_open(f->path, &bare), ERR_OK);
	assert_false(db_seal_has_key(bare));
	assert_false(blob_of(bare, "SELECT coffer_mac('a', 1)", mac));
	assert_true(blob_of(f->db, "SELECT coffer_mac('a', 1)", mac));
	{
		/* A genuine MAC does not verify without the key either. */
		char sql[128] = "SELECT coffer_mac_ok(x'";
		size_t n = strlen(sql);

		for (int i = 0; i < 32; i++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%02x",
			    mac[i]);
		snprintf(sql + n, sizeof(sql) - n, "', 'a', 1)");
		assert_int_equal(int_of(f->db, sql), 1);
		assert_int_equal(int_of(bare, sql), 0);
	}
	/* Nor in C. */
	assert_true(db_seal_mac_ok(f->db, mac, 32, "a", &SEAL_I(1), 1));
	assert_false(db_seal_mac_ok(bare, mac, 32, "a", &SEAL_I(1), 1));
	assert_int_equal(db_seal_mac(bare, "a", &SEAL_I(1), 1, mac),
	    ERR_INTERNAL);
	assert_int_not_equal(db_exec(bare, "UPDATE clock SET"
	    " mac = coffer_mac('clock', 1, 2)"), ERR_OK);
	assert_int_equal(db_exec(f->db, "UPDATE clock SET"
	    " mac = coffer_mac('clock', 1, 2)"), ERR_OK);
	db_close(bare);
}

/* The clock row's MAC is computed and checked in C (clock_db.c) with the
 * encoding of coffer_mac: either side accepts what the other wrote, and
 * the mark is raised, never lowered, by every write. */
static const char CLOCK_OK_SQL[] =
    "SELECT coffer_mac_ok(mac, 'clock', high_water_ms, offset_ms)"
    " FROM clock WHERE id = 1";

static void
test_clock_mac_c_and_sql(void **state)
{
	struct fixture *f = *state;
	struct db_clock *c = NULL;
	int64_t target = clock_wall_ms() + CLOCK_DAY_MS, hwm;
	bool ok = false;

	assert_int_equal(db_clock_open(f->db, true, &c), ERR_OK);
	assert_int_equal(db_clock_set(f->db, target, NULL), ERR_OK);
	assert_int_equal(q_i64(f->db, CLOCK_OK_SQL), 1);
	assert_int_equal(q_i64(f->db, "SELECT high_water_ms FROM clock"),
	    target);
	assert_true(db_clock_now(c) >= target);
	assert_int_equal(db_clock_persist(c), ERR_OK);
	assert_int_equal(q_i64(f->db, CLOCK_OK_SQL), 1);
	hwm = q_i64(f->db, "SELECT high_water_ms FROM clock");
	assert_true(hwm >= target);
	/* In a transaction: a lower mark leaves it, a higher one raises it;
	 * both MAC the row again. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_clock_raise(f->db, hwm - 5), ERR_OK);
	assert_int_equal(q_i64(f->db, "SELECT high_water_ms FROM clock"), hwm);
	assert_int_equal(db_clock_raise(f->db, hwm + 5), ERR_OK);
	assert_int_equal(db_clock_seal(f->db), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(q_i64(f->db, "SELECT high_water_ms FROM clock"),
	    hwm + 5);
	assert_int_equal(q_i64(f->db, CLOCK_OK_SQL), 1);
	assert_int_equal(db_clock_sealed_ok(f->db, &ok), ERR_OK);
	assert_true(ok);

	/* A MAC written by coffer_mac is one the C check accepts... */
	assert_int_equal(db_exec(f->db, "UPDATE clock SET offset_ms ="
	    " offset_ms + 7, mac = coffer_mac('clock', high_water_ms,"
	    " offset_ms + 7)"), ERR_OK);
	assert_int_equal(db_clock_sealed_ok(f->db, &ok), ERR_OK);
	assert_true(ok);
	assert_int_equal(db_clock_verify(c, &ok), ERR_OK);
	assert_true(ok);
	/* ...and a covered column changed under it is not: the reset writes
	 * a row both sides accept. */
	assert_int_equal(db_exec(f->db, "UPDATE clock SET offset_ms ="
	    " offset_ms + 1"), ERR_OK);
	assert_int_equal(q_i64(f->db, CLOCK_OK_SQL), 0);
	assert_int_equal(db_clock_sealed_ok(f->db, &ok), ERR_OK);
	assert_false(ok);
	assert_int_equal(db_clock_verify(c, &ok), ERR_OK);
	assert_false(ok);
	assert_int_equal(q_i64(f->db, "SELECT offset_ms FROM clock"), 0);
	assert_int_equal(q_i64(f->db, CLOCK_OK_SQL), 1);
	assert_int_equal(db_clock_sealed_ok(f->db, &ok), ERR_OK);
	assert_true(ok);
	db_clock_close(c);
}

/* The seal row's MAC is written by its trigger (coffer_mac) and checked in
 * C, in both of its forms (schema/0013_object_worm.sql). */
static void
test_seal_row_mac(void **state)
{
	struct fixture *f = *state;
	struct db_seal s;

	assert_int_equal(db_seal_read(f->db, &s), ERR_OK);
	assert_true(s.sealed);
	assert_int_equal(s.objworm_n, 0);
	/* The trigger MACs on every change of seq. */
	assert_int_equal(db_exec(f->db, "UPDATE seal SET objworm_n = 2,"
	    " seq = seq + 1"), ERR_OK);
	assert_int_equal(db_seal_read(f->db, &s), ERR_OK);
	assert_int_equal(s.objworm_n, 2);
	assert_int_equal(db_exec(f->db, "UPDATE seal SET objworm_n = 0,"
	    " seq = seq + 1"), ERR_OK);
	assert_int_equal(db_seal_read(f->db, &s), ERR_OK);
	/* A covered column changed without it, in either form. */
	assert_int_equal(db_exec(f->db, "UPDATE seal SET objects_n ="
	    " objects_n + 1"), ERR_OK);
	assert_int_equal(db_seal_read(f->db, &s), ERR_CORRUPT);
	assert_int_equal(db_exec(f->db, "UPDATE seal SET objects_n ="
	    " objects_n - 1, objworm_n = 1, seq = seq + 1"), ERR_OK);
	assert_int_equal(db_seal_read(f->db, &s), ERR_OK);
	assert_int_equal(db_exec(f->db, "UPDATE seal SET objworm_n = 3"),
	    ERR_OK);
	assert_int_equal(db_seal_read(f->db, &s), ERR_CORRUPT);
	assert_int_equal(db_exec(f->db, "UPDATE seal SET objworm_n = 1,"
	    " mac = NULL"), ERR_OK);
	assert_int_equal(db_seal_read(f->db, &s), ERR_CORRUPT);
}

/* The anchor: a MACed sequence number that only the key can write. */
static void
test_seal_anchor(void **state)
{
	struct fixture *f = *state;
	char path[600];
	int64_t seq = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/seal.anchor", f->dir);
	assert_int_equal(db_seal_anchor_open(f->db, path, &seq), ERR_OK);
	assert_int_equal(seq, -1);
	assert_int_equal(db_seal_anchor_write(f->db, 41), ERR_OK);
	assert_int_equal(db_seal_anchor_reread(f->db, &seq), ERR_OK);
	assert_int_equal(seq, 41);
	/* Someone lowers the number by hand. */
	fp = fopen(path, "r+");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, strlen("coffer-anchor 1 seq="), SEEK_SET), 0);
	fputc('3', fp);
	fclose(fp);
	assert_int_equal(db_seal_anchor_reread(f->db, &seq), ERR_CORRUPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_migrates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
		cmocka_unit_test(test_db_err),
		cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_commit_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_threads_serialize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_batch_member_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_batch_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_checkpoint_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_never_backwards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_monotonic_and_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_test_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_offset_other_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_mac_in_c, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seal_mac_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_set_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_needs_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_mac_c_and_sql, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seal_row_mac, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
