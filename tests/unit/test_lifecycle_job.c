/* SPDX-License-Identifier: ISC */
/*
 * test_lifecycle_job.c: the daily lifecycle runner (jobs/lifecycle_job.c)
 * on a real SQLite database, with change and abort ops that record what
 * they are asked and apply it with the bucket/ calls.
 *
 * A clock jump over five days makes five runs, each day in order, and each
 * action happens at the run of its own day; an expiry the op refuses
 * (retention) is counted as skipped and asked again the next day; a run
 * found in progress (a crash) goes on from its stored key; a forced run
 * (`coffer lifecycle run`) when nothing is due runs today's again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/log.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "lifecycle/lifecycle.h"
#include "support/test_audit_mac.h"
#include "support/test_seal.h"
#include "support/test_support.h"

#define DAY	LIFECYCLE_DAY_MS
#define HOUR	3600000LL
#define D0	((int64_t)1893456000000)	/* 2030-01-01T00:00:00Z */
#define MAXCALLS 64

struct call {
	char	what[16];	/* expire, transition, abort */
	char	key[64];
	int64_t	day;		/* day number of the run */
};

struct fixture {
	char		*dir;
	struct db	*db;
	struct arena	 a;
	struct jobs	*j;
	struct call	 calls[MAXCALLS];
	size_t		 ncalls;
	const char	*protect;	/* key whose expiry the op refuses */
};

static void
record(struct fixture *f, const char *what, const char *key, int64_t now)
{
	struct call *c;

	assert_true(f->ncalls < MAXCALLS);
	c = &f->calls[f->ncalls++];
	str_copy(c->what, sizeof(c->what), what);
	str_copy(c->key, sizeof(c->key), key);
	c->day = now / DAY;
}

static enum err
fake_change(void *ctx, const struct bucket *b, const struct object *o,
    const char *sc, int64_t now_ms, const char *actor, const char *rule)
{
	struct fixture *f = ctx;
	struct extent_ref *dead;
	size_t ndead;
	enum err r;

	(void)actor;
	(void)rule;
	if (sc == NULL && f->protect != NULL && strcmp(o->key, f->protect) == 0) {
		record(f, "skip", o->key, now_ms);
		return ERR_FILE_IMMUTABLE;
	}
	record(f, sc == NULL ? "expire" : sc, o->key, now_ms);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	if (sc == NULL)
		r = object_delete(f->db, &f->a, b->id, o->key, &dead, &ndead);
	else
		r = object_set_storage_class(f->db, o, sc, NULL);
	assert_int_equal(r, ERR_OK);
	return db_tx_commit(f->db);
}

static enum err
fake_abort(void *ctx, const struct bucket *b, const struct mpu *u,
    int64_t now_ms, const char *actor, const char *rule)
{
	struct fixture *f = ctx;
	struct extent_ref *dead;
	size_t ndead;

	(void)b;
	(void)actor;
	(void)rule;
	record(f, "abort", u->key, now_ms);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(mpu_abort(f->db, &f->a, u, &dead, &ndead), ERR_OK);
	return db_tx_commit(f->db);
}

static void
add_object(struct fixture *f, const char *key, int64_t mtime)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct object o;

	memset(&o, 0, sizeof(o));
	o.bucket = 1;
	o.key = key;
	str_copy(o.storage_class, sizeof(o.storage_class), "Standard");
	str_copy(o.type, sizeof(o.type), "Normal");
	str_copy(o.etag, sizeof(o.etag), "D41D8CD98F00B204E9800998ECF8427E");
	str_copy(o.acl, sizeof(o.acl), "default");
	o.headers = "";
	o.tags = "";
	o.mtime_ms = mtime;
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_replace(f->db, &f->a, &o, BUCKET_UNVERSIONED,
	    NULL, 0, &dead, &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
}

static const char RULES[] =
    "<LifecycleConfiguration>"
    "<Rule><ID>tr</ID><Prefix>t/</Prefix><Status>Enabled</Status>"
    "<Transition><Days>1</Days><StorageClass>IA</StorageClass></Transition>"
    "<Transition><Days>3</Days><StorageClass>Archive</StorageClass>"
    "</Transition><Expiration><Days>4</Days></Expiration></Rule>"
    "<Rule><ID>ex</ID><Prefix>e/</Prefix><Status>Enabled</Status>"
    "<Expiration><Days>2</Days></Expiration></Rule>"
    "<Rule><ID>up</ID><Prefix>u/</Prefix><Status>Enabled</Status>"
    "<AbortMultipartUpload><Days>1</Days></AbortMultipartUpload></Rule>"
    "</LifecycleConfiguration>";

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct jobs_settings js = { .actor = "test" };
	char path[512];

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("lifecycle-job");
	snprintf(path, sizeof(path), "%s/coffer.db", f->dir);
	if (db_open(path, &f->db) != ERR_OK || test_db_seal(f->db) != 0 ||
	    test_audit_mac_install(f->db) != 0)
		return -1;
	if (db_exec(f->db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '1000000000000001', 'alice', 0);"
	    "INSERT INTO buckets (id, name, owner, region, storage_class,"
	    " redundancy, acl, created_ms) VALUES"
	    " (1, 'lcb', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0)")
	    != ERR_OK)
		return -1;
	arena_init(&f->a, 16u << 20);
	js.db = f->db;
	js.lifecycle.change = fake_change;
	js.lifecycle.abort = fake_abort;
	js.lifecycle.ctx = f;
	if (jobs_open(&js, &f->j) != ERR_OK)
		return -1;
	/* Rules put and objects written on 2030-01-01 at noon. */
	if (lifecycle_put(f->db, 1, RULES, D0 + 12 * HOUR, "test", "lcb") !=
	    ERR_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	jobs_close(f->j);
	arena_free(&f->a);
	db_close(f->db);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static bool
called(const struct fixture *f, const char *what, const char *key,
    int64_t day)
{
	for (size_t i = 0; i < f->ncalls; i++)
		if (strcmp(f->calls[i].what, what) == 0 &&
		    strcmp(f->calls[i].key, key) == 0 &&
		    f->calls[i].day == day)
			return true;
	return false;
}

/* Due dates from 01-01 12:00: rounded up to 01-02, plus N days. */
static void
test_days_in_order(void **state)
{
	struct fixture *f = *state;
	struct lifecycle_progress p;
	struct mpu u;
	int64_t day0 = D0 / DAY;

	memset(&u, 0, sizeof(u));
	u.bucket = 1;
	u.key = "u/x";
	str_copy(u.upload_id, sizeof(u.upload_id),
	    "0123456789ABCDEF0123456789ABCDEF");
	u.initiated_ms = D0 + 12 * HOUR;
	str_copy(u.storage_class, sizeof(u.storage_class), "Standard");
	str_copy(u.acl, sizeof(u.acl), "default");
	u.headers = "";
	u.tags = "";
	assert_int_equal(mpu_create(f->db, &u), ERR_OK);
	add_object(f, "e/1", D0 + 12 * HOUR);
	add_object(f, "e/2", D0 + 12 * HOUR);
	add_object(f, "t/1", D0 + 12 * HOUR);
	add_object(f, "x/1", D0 + 12 * HOUR);
	f->protect = "e/2";

	/* Nothing on the day of the Put. */
	assert_int_equal(jobs_lifecycle_due(f->j, D0 + 23 * HOUR), 0);
	assert_int_equal(f->ncalls, 0);
	/* Jump to 01-07 01:00: the runs of 01-02 .. 01-07, in order. */
	assert_int_equal(jobs_lifecycle_due(f->j, D0 + 6 * DAY + HOUR), 6);
	assert_true(called(f, "IA", "t/1", day0 + 2));
	assert_true(called(f, "abort", "u/x", day0 + 2));
	assert_true(called(f, "expire", "e/1", day0 + 3));
	assert_true(called(f, "skip", "e/2", day0 + 3));
	assert_true(called(f, "skip", "e/2", day0 + 4));
	assert_true(called(f, "Archive", "t/1", day0 + 4));
	assert_true(called(f, "expire", "t/1", day0 + 5));
	assert_true(called(f, "skip", "e/2", day0 + 6));
	/* Calls come in day order. */
	for (size_t i = 1; i < f->ncalls; i++)
		assert_true(f->calls[i - 1].day <= f->calls[i].day);
	/* The last run's counts. */
	assert_int_equal(lifecycle_progress_get(f->db, 1, &p), ERR_OK);
	assert_int_equal(p.last_day, day0 + 6);
	assert_int_equal(p.run_day, 0);
	assert_int_equal(p.scanned, 2);		/* e/2, x/1 */
	assert_int_equal(p.skipped, 1);
	assert_int_equal(p.expired, 0);
	/* Each run once. */
	f->ncalls = 0;
	assert_int_equal(jobs_lifecycle_due(f->j, D0 + 6 * DAY + 2 * HOUR), 0);
	assert_int_equal(f->ncalls, 0);
	/* Retention over: the next day's run removes it. */
	f->protect = NULL;
	assert_int_equal(jobs_lifecycle_due(f->j, D0 + 7 * DAY), 1);
	assert_true(called(f, "expire", "e/2", day0 + 7));
}

/* A run found in progress goes on after its stored key. */
static void
test_resume(void **state)
{
	struct fixture *f = *state;
	struct lifecycle_progress p;
	int64_t day0 = D0 / DAY;

	add_object(f, "e/1", D0 + 12 * HOUR);
	add_object(f, "e/2", D0 + 12 * HOUR);
	add_object(f, "e/3", D0 + 12 * HOUR);
	assert_int_equal(lifecycle_progress_get(f->db, 1, &p), ERR_OK);
	/* As a crash leaves it: the run of 01-04 stopped after e/1. */
	p.last_day = day0 + 2;
	p.run_day = day0 + 3;
	str_copy(p.cursor, sizeof(p.cursor), "e/1");
	p.scanned = 1;
	assert_int_equal(lifecycle_progress_put(f->db, &p), ERR_OK);
	assert_int_equal(jobs_lifecycle_due(f->j, D0 + 3 * DAY + HOUR), 1);
	assert_false(called(f, "expire", "e/1", day0 + 3));
	assert_true(called(f, "expire", "e/2", day0 + 3));
	assert_true(called(f, "expire", "e/3", day0 + 3));
	assert_int_equal(lifecycle_progress_get(f->db, 1, &p), ERR_OK);
	assert_int_equal(p.run_day, 0);
	assert_int_equal(p.last_day, day0 + 3);
	assert_int_equal(p.scanned, 3);
	assert_int_equal(p.expired, 2);
	/* The next day's run finds e/1. */
	assert_int_equal(jobs_lifecycle_due(f->j, D0 + 4 * DAY), 1);
	assert_true(called(f, "expire", "e/1", day0 + 4));
}

/* `coffer lifecycle run` when nothing is due: today's run again. */
static void
test_forced(void **state)
{
	struct fixture *f = *state;
	struct lifecycle_progress p;

	assert_int_equal(jobs_lifecycle_run(f->j, "lcb", D0 + 13 * HOUR, NULL,
	    NULL), ERR_OK);
	assert_int_equal(lifecycle_progress_get(f->db, 1, &p), ERR_OK);
	assert_int_equal(p.last_day, D0 / DAY);
	assert_int_equal(jobs_lifecycle_run(f->j, "nope", D0, NULL, NULL),
	    ERR_NO_SUCH_BUCKET);
	assert_int_equal(lifecycle_delete(f->db, 1, D0, "test", "lcb"), ERR_OK);
	assert_int_equal(jobs_lifecycle_run(f->j, "lcb", D0, NULL, NULL),
	    ERR_NO_SUCH_LIFECYCLE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_days_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forced, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
