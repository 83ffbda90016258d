/* SPDX-License-Identifier: ISC */
/*
 * test_worm.c: worm/worm.h on a real SQLite database.
 *
 * The operations persist what the state machine decides, with an audit row
 * per change and per refusal; the guard's boundaries (1 ms before the end
 * of retention: immutable; at the end: allowed; an expired InProgress policy
 * protects nothing); DeleteBucket's two helpers; the seal catches an
 * offline edit, deletion, swap or replay of a policy row and an object row
 * whose MAC fails; and the schema's triggers stop a code path that forgot
 * the guard from deleting a protected object or weakening a Locked policy.
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

/* worm_object_guard takes the object's mtime and whether its row's MAC
 * verified. */
#define MT(x) (&(struct worm_object){ .mtime_ms = (x), .sealed = true })
#include <sqlite3.h>

#include "base/log.h"
#include "bucket/bucket.h"
#include "db/db.h"
#include "db/seal.h"
#include "support/test_seal.h"
#include "support/test_audit_mac.h"
#include "support/test_support.h"
#include "inventory/inventory.h"
#include "worm/retention.h"
#include "worm/worm.h"
#include "worm/worm_int.h"

#define T0	((int64_t)1790000000000)
#define DAY	WORM_DAY_MS

struct fixture {
	char			*dir;
	struct db		*db;
	struct arena		 a;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[512];

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("worm");
	snprintf(path, sizeof(path), "%s/coffer.db", f->dir);
	if (db_open(path, &f->db) != ERR_OK)
		return -1;
	if (test_audit_mac_install(f->db) != 0)
		return -1;
	if (db_exec(f->db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '1000000000000001', 'alice', 0);"
	    "INSERT INTO buckets (id, name, owner, region, storage_class,"
	    " redundancy, acl, created_ms) VALUES"
	    " (1, 'locked', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0),"
	    " (2, 'other', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0)")
	    != ERR_OK)
		return -1;
	arena_init(&f->a, 1 << 20);
	if (test_db_seal(f->db) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	arena_free(&f->a);
	db_close(f->db);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct worm_op
op_at(struct fixture *f, int64_t bucket, int64_t now)
{
	struct worm_op op = {
		.db = f->db, .bucket_id = bucket,
		.bucket_name = bucket == 1 ? "locked" : "other",
		.actor = "1000000000000001", .now_ms = now,
	};
	return op;
}

/* The persisted business clock the triggers read. */
static void
set_high_water(struct fixture *f, int64_t t)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "UPDATE clock SET high_water_ms = %lld",
	    (long long)t);
	assert_int_equal(db_exec(f->db, sql), ERR_OK);
}

static int64_t
count(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(db_conn(f->db), sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
put_object(struct fixture *f, int64_t bucket, const char *key, int64_t mtime)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct object o;

	memset(&o, 0, sizeof(o));
	o.bucket = bucket;
	o.key = key;
	snprintf(o.type, sizeof(o.type), "Normal");
	snprintf(o.storage_class, sizeof(o.storage_class), "Standard");
	snprintf(o.acl, sizeof(o.acl), "default");
	snprintf(o.etag, sizeof(o.etag), "D41D8CD98F00B204E9800998ECF8427E");
	o.headers = "";
	o.tags = "";
	o.mtime_ms = mtime;
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_replace(f->db, &f->a, &o, BUCKET_UNVERSIONED, NULL, 0, &dead,
	    &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
}

static void
test_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct worm_policy p, g, first;

	assert_int_equal(worm_get(&op, &g), ERR_NO_SUCH_WORM);
	assert_int_equal(worm_abort(&op), ERR_NO_SUCH_WORM);
	assert_int_equal(worm_initiate(&op, 0, &p), ERR_INVALID_WORM);
	assert_int_equal(worm_initiate(&op, 25551, &p), ERR_INVALID_WORM);
	assert_int_equal(worm_initiate(&op, 2, &p), ERR_OK);
	assert_int_equal(strlen(p.worm_id), 32);
	assert_int_equal(strspn(p.worm_id, "0123456789ABCDEF"), 32);
	assert_int_equal(p.state, WORM_STATE_IN_PROGRESS);
	assert_true(p.sealed);
	first = p;
	assert_int_equal(worm_get(&op, &g), ERR_OK);
	assert_string_equal(g.worm_id, p.worm_id);
	assert_int_equal(g.days, 2);
	assert_int_equal(g.created_ms, T0);
	assert_int_equal(worm_initiate(&op, 3, &p), ERR_WORM_EXISTS);

	/* Abort: the row and its id are gone. */
	assert_int_equal(worm_abort(&op), ERR_OK);
	assert_int_equal(worm_get(&op, &g), ERR_NO_SUCH_WORM);
	assert_int_equal(worm_complete(&op, first.worm_id), ERR_NO_SUCH_WORM_ID);
	assert_int_equal(worm_extend(&op, first.worm_id, 5), ERR_NO_SUCH_WORM_ID);

	/* Initiate, lock, extend. */
	assert_int_equal(worm_initiate(&op, 2, &p), ERR_OK);
	assert_string_not_equal(p.worm_id, first.worm_id);
	assert_int_equal(worm_extend(&op, p.worm_id, 5), ERR_INVALID_WORM);
	assert_int_equal(worm_complete(&op, first.worm_id), ERR_NO_SUCH_WORM_ID);
	op.now_ms = T0 + DAY - 1;	/* the last millisecond of the window */
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);	/* no-op */
	assert_int_equal(worm_abort(&op), ERR_WORM_LOCKED);
	assert_int_equal(worm_extend(&op, p.worm_id, 2), ERR_INVALID_WORM);
	assert_int_equal(worm_extend(&op, p.worm_id, 1), ERR_INVALID_WORM);
	assert_int_equal(worm_extend(&op, "X", 9), ERR_NO_SUCH_WORM_ID);
	assert_int_equal(worm_extend(&op, p.worm_id, 9), ERR_OK);
	/* Locked never expires. */
	op.now_ms = T0 + 1000 * DAY;
	assert_int_equal(worm_get(&op, &g), ERR_OK);
	assert_int_equal(g.state, WORM_STATE_LOCKED);
	assert_int_equal(g.days, 9);
	assert_int_equal(g.updated_ms, T0 + DAY - 1);
	assert_int_equal(worm_initiate(&op, 1, NULL), ERR_WORM_EXISTS);

	/* Changes: 2 initiates, abort, 2 completes (one a no-op), extend;
	 * refusals: the rest. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action LIKE"
	    " 'worm.%' AND result = 'ok'"), 6);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action ="
	    " 'worm.abort' AND result = 'WORMConfigurationLocked'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE"
	    " result = 'InvalidWORMConfiguration'"), 5);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE"
	    " actor <> '1000000000000001' OR target <> 'locked'"), 0);
	/* GET is not a change and not audited. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action ="
	    " 'worm.get'"), 0);
}

static void
test_expiry_and_reinitiate(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct worm_policy p, q, g;

	assert_int_equal(worm_initiate(&op, 1, &p), ERR_OK);
	op.now_ms = T0 + DAY;
	assert_int_equal(worm_get(&op, &g), ERR_NO_SUCH_WORM);
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_NO_SUCH_WORM_ID);
	assert_int_equal(worm_abort(&op), ERR_NO_SUCH_WORM);
	assert_int_equal(worm_initiate(&op, 4, &q), ERR_OK);
	assert_string_not_equal(q.worm_id, p.worm_id);
	assert_int_equal(worm_get(&op, &g), ERR_OK);
	assert_int_equal(g.days, 4);
	assert_int_equal(count(f, "SELECT count(*) FROM worm_policies"), 1);
}

static void
test_guard_boundaries(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct worm_policy p;
	int64_t m = T0 + 500;	/* object last modified */

	/* No policy: nothing is protected. */
	assert_int_equal(worm_object_guard(f->db, 1, "locked", MT(m), m), ERR_OK);
	assert_int_equal(worm_initiate(&op, 2, &p), ERR_OK);
	/* InProgress already protects. */
	assert_int_equal(worm_object_guard(f->db, 1, "locked", MT(m), m + 1000),
	    ERR_FILE_IMMUTABLE);
	/* Until the 24 h are over: an expired policy protects nothing, not
	 * even a fresh object. */
	assert_int_equal(worm_object_guard(f->db, 1, "locked", MT(T0 + DAY - 1), T0 + DAY - 1),
	    ERR_FILE_IMMUTABLE);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", MT(T0 + DAY), T0 + DAY),
	    ERR_OK);
	op.now_ms = T0 + 1000;
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);
	/* Locked: object mtime + 2 days. */
	assert_int_equal(worm_object_guard(f->db, 1, "locked", MT(m), m + 2 * DAY - 1),
	    ERR_FILE_IMMUTABLE);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", MT(m), m + 2 * DAY), ERR_OK);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", MT(m), m + 50 * DAY), ERR_OK);
	/* Another bucket is not affected. */
	assert_int_equal(worm_object_guard(f->db, 2, "other", MT(m), m), ERR_OK);
	assert_int_equal(err_info(ERR_FILE_IMMUTABLE)->http, 409);
	assert_string_equal(err_info(ERR_FILE_IMMUTABLE)->code, "FileImmutable");
	assert_string_equal(err_info(ERR_FILE_IMMUTABLE)->msg,
	    "The object you specified is immutable.");
}

/* Under an effective policy the guard trusts an object's mtime only when
 * its row's MAC verified; without a policy the MAC does not matter. */
static void
test_guard_needs_sealed_object(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct worm_object forged = { .mtime_ms = T0 - 400 * DAY };
	struct worm_policy p;

	assert_int_equal(worm_object_guard(f->db, 1, "locked", &forged, T0),
	    ERR_OK);
	assert_int_equal(worm_initiate(&op, 2, &p), ERR_OK);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", &forged, T0),
	    ERR_CORRUPT);
	forged.sealed = true;
	assert_int_equal(worm_object_guard(f->db, 1, "locked", &forged, T0),
	    ERR_OK);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", NULL, T0),
	    ERR_OK);
}

static void
test_bucket_delete_helpers(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct worm_policy p;
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct inventory_config c;

	assert_int_equal(worm_bucket_deletable(f->db, 1, "locked", T0), ERR_OK);
	assert_int_equal(worm_initiate(&op, 1, &p), ERR_OK);
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);
	assert_int_equal(worm_bucket_deletable(f->db, 1, "locked", T0), ERR_OK);
	put_object(f, 1, "a", T0 + 10);
	assert_int_equal(worm_bucket_deletable(f->db, 1, "locked", T0 + 10 + DAY - 1),
	    ERR_FILE_IMMUTABLE);
	assert_int_equal(worm_bucket_deletable(f->db, 1, "locked", T0 + 10 + DAY), ERR_OK);

	/* The bucket row cannot go while the policy row exists. */
	set_high_water(f, T0 + 10 + DAY);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_delete(f->db, &f->a, 1, "a", &dead, &ndead),
	    ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "DELETE FROM buckets WHERE id = 1"),
	    ERR_OK);

	/* An inventory of the bucket goes with it. */
	memset(&c, 0, sizeof(c));
	c.bucket_id = 1;
	snprintf(c.id, sizeof(c.id), "inv");
	c.enabled = true;
	snprintf(c.account_id, sizeof(c.account_id), "1000000000000001");
	snprintf(c.role_arn, sizeof(c.role_arn),
	    "acs:ram::1000000000000001:role/AliyunOSSRole");
	snprintf(c.dest_bucket, sizeof(c.dest_bucket), "other");
	assert_int_equal(inventory_create(f->db, &c, T0, "x", "locked"), ERR_OK);

	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(worm_bucket_dropped(f->db, 1), ERR_OK);
	assert_int_equal(inventory_bucket_dropped(f->db, 1), ERR_OK);
	assert_int_equal(db_exec(f->db, "DELETE FROM buckets WHERE id = 1"),
	    ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM worm_policies"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM inventories"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action ="
	    " 'worm.drop' AND target = 'bucket#1'"), 1);
	/* Dropping a bucket without a policy is fine and not audited. */
	assert_int_equal(worm_bucket_dropped(f->db, 2), ERR_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action ="
	    " 'worm.drop'"), 1);
}

/* What the sqlite3 shell can do to the policies (it has no coffer_*
 * functions, so it must drop the seal triggers first), and that each is
 * refused by every decision, never read as "no policy". */
static void
check_refused(struct fixture *f, const char *why)
{
	struct worm_op op = op_at(f, 1, T0 + 10);
	struct worm_policy g;

	(void)why;
	assert_int_equal(worm_get(&op, &g), ERR_CORRUPT);
	assert_int_equal(worm_abort(&op), ERR_CORRUPT);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", MT(T0 - 400 * DAY),
	    T0 + 10), ERR_CORRUPT);
	assert_int_equal(worm_object_guard(f->db, 2, "other", NULL, T0 + 10),
	    ERR_CORRUPT);
	assert_int_equal(worm_bucket_deletable(f->db, 1, "locked", T0 + 10),
	    ERR_CORRUPT);
}

static const char DROP_SEAL_TRIGGERS[] =
    "DROP TRIGGER seal_policies_insert; DROP TRIGGER seal_policies_delete;"
    " DROP TRIGGER seal_policies_update; DROP TRIGGER"
    " worm_policies_locked_update";

static void
test_seal_detects_edit(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct worm_policy p, g;

	assert_int_equal(worm_initiate(&op, 5, &p), ERR_OK);
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);
	assert_int_equal(worm_get(&op, &g), ERR_OK);
	assert_int_equal(db_exec(f->db, DROP_SEAL_TRIGGERS), ERR_OK);
	assert_int_equal(db_exec(f->db, "UPDATE worm_policies SET days = 1"),
	    ERR_OK);
	check_refused(f, "days");
	/* Refused changes are in the trail (reads are not audited). */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE"
	    " result = 'InternalError'"), 1);
}

static void
test_seal_detects_each_field(void **state)
{
	static const char *edits[] = {
		"UPDATE worm_policies SET state = 'InProgress'",
		"UPDATE worm_policies SET created_ms = created_ms - 1",
		"UPDATE worm_policies SET updated_ms = updated_ms + 1",
		"UPDATE worm_policies SET worm_id = '0123456789ABCDEF0123456789ABCDEF'",
		"UPDATE worm_policies SET bucket = 2",
		"UPDATE worm_policies SET mac = NULL",
		"DELETE FROM worm_policies",
		"UPDATE seal SET policies_n = policies_n - 1",
		"UPDATE seal SET sealed = 0, mac = NULL",
	};

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct fixture *f;
		struct worm_op op;
		struct worm_policy p;

		assert_int_equal(setup((void **)&f), 0);
		op = op_at(f, 1, T0);
		assert_int_equal(worm_initiate(&op, 5, &p), ERR_OK);
		assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);
		assert_int_equal(db_exec(f->db, DROP_SEAL_TRIGGERS), ERR_OK);
		assert_int_equal(db_exec(f->db, "DROP TRIGGER seal_mac"), ERR_OK);
		assert_int_equal(db_exec(f->db, edits[i]), ERR_OK);
		check_refused(f, edits[i]);
		teardown((void **)&f);
	}
	(void)state;
}

/* A genuine older row put back (InProgress, with the MAC it had then): the
 * row verifies, the set hash does not. */
static void
test_seal_detects_replay(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct worm_policy p;

	assert_int_equal(worm_initiate(&op, 5, &p), ERR_OK);
	assert_int_equal(db_exec(f->db, "CREATE TABLE old AS SELECT * FROM"
	    " worm_policies"), ERR_OK);
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);
	assert_int_equal(db_exec(f->db, DROP_SEAL_TRIGGERS), ERR_OK);
	assert_int_equal(db_exec(f->db, "DELETE FROM worm_policies;"
	    " INSERT INTO worm_policies SELECT * FROM old"), ERR_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM worm_policies WHERE"
	    " state = 'InProgress'"), 1);
	check_refused(f, "replay");
}

static void
test_triggers_backstop(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct worm_policy p;

	put_object(f, 1, "keep", T0 + 5);
	put_object(f, 2, "free", T0 + 5);
	assert_int_equal(worm_initiate(&op, 3, &p), ERR_OK);
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);
	set_high_water(f, T0 + 10);

	/* A Locked policy cannot be shortened, unlocked or swapped. */
	assert_int_not_equal(db_exec(f->db, "UPDATE worm_policies SET days = 2"),
	    ERR_OK);
	assert_int_not_equal(db_exec(f->db, "UPDATE worm_policies SET"
	    " state = 'InProgress'"), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "UPDATE worm_policies SET"
	    " worm_id = 'X'"), ERR_OK);

	/* A path that forgot the guard cannot delete or rewrite. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_not_equal(object_delete(f->db, &f->a, 1, "keep", &dead,
	    &ndead), ERR_OK);
	db_tx_rollback(f->db);
	assert_int_not_equal(db_exec(f->db, "DELETE FROM objects WHERE"
	    " key = 'keep'"), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "UPDATE objects SET mtime_ms = 0"
	    " WHERE key = 'keep'"), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "UPDATE objects SET acl ="
	    " 'public-read' WHERE key = 'keep'"), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "UPDATE objects SET tags = 'x=1'"
	    " WHERE key = 'keep'"), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "UPDATE objects SET headers = ''"
	    " WHERE key = 'keep'"), ERR_OK);
	/* What is no promise of the record (restore state, a lifecycle
	 * move to a colder class) may change; another bucket's objects are
	 * free. */
	assert_int_equal(db_exec(f->db, "UPDATE objects SET restore_state = 0"
	    " WHERE key = 'keep'"), ERR_OK);
	assert_int_equal(db_exec(f->db, "UPDATE objects SET storage_class ="
	    " 'IA' WHERE key = 'keep'"), ERR_OK);
	assert_int_equal(db_exec(f->db, "DELETE FROM objects WHERE key ="
	    " 'free'"), ERR_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM objects WHERE key ="
	    " 'keep'"), 1);

	/* One millisecond before the end, still; at the end, allowed. */
	set_high_water(f, T0 + 5 + 3 * DAY - 1);
	assert_int_not_equal(db_exec(f->db, "DELETE FROM objects WHERE"
	    " key = 'keep'"), ERR_OK);
	set_high_water(f, T0 + 5 + 3 * DAY);
	assert_int_equal(db_exec(f->db, "DELETE FROM objects WHERE key ="
	    " 'keep'"), ERR_OK);
	/* Lengthening a Locked policy is allowed at every layer. */
	assert_int_equal(db_exec(f->db, "UPDATE worm_policies SET days = 4"),
	    ERR_OK);
}

/* ObjectWorm: the guard decides on the version's own retention, refuses
 * an unsealed version of an ObjectWorm bucket, and a configuration row
 * deleted or edited behind cofferd's back refuses every decision instead
 * of reading as "never enabled". */
static void
test_object_worm(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct object_worm_config want = { .enabled = true,
	    .mode = RETENTION_COMPLIANCE, .days = 1 }, got;
	struct worm_object v = { .sealed = true,
	    .retain_mode = RETENTION_COMPLIANCE, .retain_until_ms = T0 + DAY };
	struct worm_policy p;

	assert_int_equal(object_worm_get(f->db, 1, "locked", &got),
	    ERR_NO_SUCH_OBJECT_WORM);
	want.enabled = false;
	assert_int_equal(object_worm_put(&op, &want),
	    ERR_OBJECT_WORM_DISABLE);
	want.enabled = true;
	assert_int_equal(object_worm_put(&op, &want), ERR_OK);
	assert_int_equal(object_worm_get(f->db, 1, "locked", &got), ERR_OK);
	assert_int_equal(got.mode, RETENTION_COMPLIANCE);
	assert_int_equal(got.days, 1);
	assert_int_equal(object_worm_absent(f->db, 1, "locked",
	    ERR_WORM_OBJECT_WORM), ERR_WORM_OBJECT_WORM);
	assert_int_equal(object_worm_absent(f->db, 2, "other",
	    ERR_WORM_OBJECT_WORM), ERR_OK);

	/* The version's retention, hold and bypass. */
	assert_int_equal(worm_object_guard(f->db, 1, "locked", &v, T0),
	    ERR_FILE_IMMUTABLE);
	v.bypass_governance = true;
	assert_int_equal(worm_object_guard(f->db, 1, "locked", &v, T0),
	    ERR_FILE_IMMUTABLE);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", &v, T0 + DAY),
	    ERR_OK);
	v.retain_mode = RETENTION_GOVERNANCE;
	assert_int_equal(worm_object_guard(f->db, 1, "locked", &v, T0),
	    ERR_OK);
	v.legal_hold = true;
	assert_int_equal(worm_object_guard(f->db, 1, "locked", &v, T0 + 9 *
	    DAY), ERR_FILE_IMMUTABLE);
	v.sealed = false;
	assert_int_equal(worm_object_guard(f->db, 1, "locked", &v, T0),
	    ERR_CORRUPT);
	/* Without ObjectWorm, an unsealed version carrying no retention is
	 * the bucket policy's business, as before. */
	assert_int_equal(worm_object_guard(f->db, 2, "other",
	    &(struct worm_object){ .mtime_ms = T0 }, T0), ERR_OK);
	assert_int_equal(worm_object_guard(f->db, 1, "locked",
	    &(struct worm_object){ .mtime_ms = T0 }, T0), ERR_CORRUPT);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", NULL, T0),
	    ERR_OK);

	/* A bucket policy in force excludes ObjectWorm. */
	op = op_at(f, 2, T0);
	assert_int_equal(worm_initiate(&op, 1, &p), ERR_OK);
	assert_int_equal(object_worm_put(&op, &want),
	    ERR_OBJECT_WORM_BUCKET_WORM);
	/* An expired one does not. */
	op.now_ms = T0 + WORM_IN_PROGRESS_MS;
	assert_int_equal(object_worm_put(&op, &want), ERR_OK);
}

static void
test_object_worm_tamper(void **state)
{
	static const char *edits[] = {
		"DELETE FROM object_worm",
		"UPDATE object_worm SET mode = 'GOVERNANCE'",
		"UPDATE object_worm SET days = 0, mode = ''",
		"UPDATE object_worm SET bucket = 2",
		"UPDATE seal SET objworm_n = 0, objworm_acc = NULL",
	};

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct fixture *f;
		struct worm_op op;
		struct object_worm_config want = { .enabled = true,
		    .mode = RETENTION_COMPLIANCE, .days = 1 }, got;

		assert_int_equal(setup((void **)&f), 0);
		op = op_at(f, 1, T0);
		assert_int_equal(object_worm_put(&op, &want), ERR_OK);
		assert_int_equal(db_exec(f->db, "DROP TRIGGER"
		    " seal_objworm_insert; DROP TRIGGER seal_objworm_delete;"
		    " DROP TRIGGER seal_objworm_update; DROP TRIGGER"
		    " object_worm_no_delete; DROP TRIGGER seal_mac"), ERR_OK);
		assert_int_equal(db_exec(f->db, edits[i]), ERR_OK);
		if (object_worm_get(f->db, 1, "locked", &got) != ERR_CORRUPT)
			fail_msg("%s: configuration still trusted", edits[i]);
		if (worm_object_guard(f->db, 1, "locked", NULL, T0) !=
		    ERR_CORRUPT)
			fail_msg("%s: the guard still decides", edits[i]);
		teardown((void **)&f);
	}
	(void)state;
}

/* A genuine older configuration row put back: its MAC verifies, the set
 * hash does not. */
static void
test_object_worm_replay(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct object_worm_config want = { .enabled = true,
	    .mode = RETENTION_GOVERNANCE, .days = 1 }, got;

	assert_int_equal(object_worm_put(&op, &want), ERR_OK);
	assert_int_equal(db_exec(f->db, "CREATE TABLE old AS SELECT * FROM"
	    " object_worm"), ERR_OK);
	want.mode = RETENTION_COMPLIANCE;
	want.days = 30;
	op.now_ms = T0 + 1000;
	assert_int_equal(object_worm_put(&op, &want), ERR_OK);
	assert_int_equal(db_exec(f->db, "DROP TRIGGER seal_objworm_insert;"
	    " DROP TRIGGER seal_objworm_delete; DROP TRIGGER"
	    " object_worm_no_delete; DELETE FROM object_worm;"
	    " INSERT INTO object_worm SELECT * FROM old"), ERR_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM object_worm WHERE"
	    " mode = 'GOVERNANCE'"), 1);
	assert_int_equal(object_worm_get(f->db, 1, "locked", &got),
	    ERR_CORRUPT);
	assert_int_equal(worm_object_guard(f->db, 1, "locked", NULL, T0),
	    ERR_CORRUPT);
}

/* The MACs are computed in C (worm_db.c, object_worm_db.c) with the
 * encoding of the SQL functions: what one side writes, the other accepts,
 * so rows sealed before the move stay valid. */
static const char POLICY_OK_SQL[] =
    "SELECT coffer_mac_ok(mac, 'worm', bucket, worm_id, state, days,"
    " created_ms, updated_ms) FROM worm_policies WHERE bucket = 1";
static const char OBJWORM_OK_SQL[] =
    "SELECT coffer_mac_ok(mac, 'objworm', bucket, enabled, mode, days,"
    " years, created_ms, updated_ms) FROM object_worm WHERE bucket = 1";

static void
test_policy_mac_c_and_sql(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct worm_policy p, g;

	assert_int_equal(worm_initiate(&op, 5, &p), ERR_OK);
	assert_int_equal(count(f, POLICY_OK_SQL), 1);
	assert_int_equal(worm_complete(&op, p.worm_id), ERR_OK);
	assert_int_equal(count(f, POLICY_OK_SQL), 1);
	op.now_ms = T0 + 1000;
	assert_int_equal(worm_extend(&op, p.worm_id, 9), ERR_OK);
	assert_int_equal(count(f, POLICY_OK_SQL), 1);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(worm_seal_all(f->db), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(count(f, POLICY_OK_SQL), 1);

	/* A MAC written by coffer_mac is one the C check accepts. */
	assert_int_equal(db_exec(f->db, "UPDATE worm_policies SET"
	    " updated_ms = updated_ms + 1, mac = coffer_mac('worm', bucket,"
	    " worm_id, state, days, created_ms, updated_ms + 1)"), ERR_OK);
	assert_int_equal(worm_get(&op, &g), ERR_OK);
	assert_true(g.sealed);
	assert_int_equal(g.days, 9);
	assert_int_equal(g.updated_ms, T0 + 1001);
	/* And a covered column changed under it is not. */
	assert_int_equal(db_exec(f->db, DROP_SEAL_TRIGGERS), ERR_OK);
	assert_int_equal(db_exec(f->db, "UPDATE worm_policies SET"
	    " updated_ms = updated_ms + 1"), ERR_OK);
	assert_int_equal(count(f, POLICY_OK_SQL), 0);
	assert_int_equal(worm_db_get(f->db, 1, &g, &(bool){ false }), ERR_OK);
	assert_false(g.sealed);
}

static void
test_objworm_mac_c_and_sql(void **state)
{
	struct fixture *f = *state;
	struct worm_op op = op_at(f, 1, T0);
	struct object_worm_config want = { .enabled = true,
	    .mode = RETENTION_GOVERNANCE, .days = 1 }, got;

	assert_int_equal(object_worm_put(&op, &want), ERR_OK);
	assert_int_equal(count(f, OBJWORM_OK_SQL), 1);
	/* The update keeps the stored creation time, and the MAC covers it
	 * whatever the caller passed. */
	want = (struct object_worm_config){ .bucket_id = 1, .enabled = true,
	    .mode = RETENTION_COMPLIANCE, .years = 2, .created_ms = 42,
	    .updated_ms = T0 + 1000 };
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_worm_db_put(f->db, &want), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(count(f, "SELECT created_ms FROM object_worm"), T0);
	assert_int_equal(count(f, OBJWORM_OK_SQL), 1);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_worm_seal_all(f->db), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(count(f, OBJWORM_OK_SQL), 1);

	/* A MAC written by coffer_mac is one the C check accepts. */
	assert_int_equal(db_exec(f->db, "UPDATE object_worm SET"
	    " updated_ms = updated_ms + 1, mac = coffer_mac('objworm', bucket,"
	    " enabled, mode, days, years, created_ms, updated_ms + 1)"), ERR_OK);
	assert_int_equal(object_worm_get(f->db, 1, "locked", &got), ERR_OK);
	assert_true(got.sealed);
	assert_int_equal(got.mode, RETENTION_COMPLIANCE);
	assert_int_equal(got.years, 2);
	assert_int_equal(got.updated_ms, T0 + 1001);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_and_reinitiate,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_needs_sealed_object,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_boundaries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bucket_delete_helpers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_detects_edit,
		    setup, teardown),
		cmocka_unit_test(test_seal_detects_each_field),
		cmocka_unit_test_setup_teardown(test_seal_detects_replay,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_triggers_backstop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_object_worm, setup,
		    teardown),
		cmocka_unit_test(test_object_worm_tamper),
		cmocka_unit_test_setup_teardown(test_object_worm_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_policy_mac_c_and_sql, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_objworm_mac_c_and_sql, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
