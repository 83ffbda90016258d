/* SPDX-License-Identifier: ISC */
/*
 * test_audit.c: the audit trail's hash chain (db/audit_db.c) with the real
 * keyed hash kms_open installs, and the request scope of db.c.
 *
 * Chain: rows appended through db_audit_append verify; then, as someone
 * with the database file but not the root key would, each test drops the
 * append-only triggers and edits, deletes, inserts or reorders rows with
 * SQL, and verify must name the first row that no longer chains. Rows of
 * an upgrade (schema 0010) are chained once, and only those.
 *
 * Scope: a transaction that changes something while a request is set
 * commits with the request's row; one that only records does not; an
 * autocommit write is refused; when the row cannot be written (a trigger
 * raising on INSERT) the change is rolled back; closing a refused request
 * writes its own row; a second key cannot extend the chain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/clock.h"
#include "base/log.h"
#include "db/db.h"
#include "kms/kms.h"
#include "support/test_support.h"

#define NROWS	8

struct fix {
	char		*dir;
	char		 key_path[4096];
	struct db	*db;
	struct kms	*kms;
	int64_t		 now;
	struct clock	 clock;
};

static enum err
open_kms(struct fix *f, const char *key_path, bool create, struct kms **ret)
{
	struct kms_settings ks = { 0 };

	ks.root_key_path = key_path;
	ks.create_root_key = create;
	ks.db = f->db;
	ks.clock = &f->clock;
	return kms_open(&ks, ret);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char path[4096];

	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("audit");
	snprintf(path, sizeof(path), "%s/meta.db", f->dir);
	assert_int_equal(db_open(path, &f->db), ERR_OK);
	f->now = 1800000000000LL;
	f->clock.now_ms = clock_fixed_now;
	f->clock.ctx = &f->now;
	snprintf(f->key_path, sizeof(f->key_path), "%s/root.key", f->dir);
	assert_int_equal(open_kms(f, f->key_path, true, &f->kms), ERR_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	kms_close(f->kms);
	db_close(f->db);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int64_t
q_i64(struct db *db, const char *sql)
{
	int64_t v = -1;

	assert_int_equal(db_query_i64(db, sql, 0, &v), ERR_OK);
	return v;
}

/* Rows 1..NROWS, each field different. */
static void
append_rows(struct fix *f)
{
	for (int i = 1; i <= NROWS; i++) {
		char target[32], detail[32];

		snprintf(target, sizeof(target), "bucket/key%d", i);
		snprintf(detail, sizeof(detail), "request=%d", i);
		assert_int_equal(db_audit_append(f->db, f->now + i, "1000000000000001",
		    "oss.PutObject", target, i % 3 ? "ok" : "FileImmutable",
		    detail), ERR_OK);
	}
}

/* What an editor of the file does first. */
static void
drop_triggers(struct fix *f)
{
	assert_int_equal(db_exec(f->db, "DROP TRIGGER audit_no_update;"
	    "DROP TRIGGER audit_no_delete"), ERR_OK);
}

static int64_t
broken_at(struct fix *f)
{
	struct db_audit_check chk;

	assert_int_equal(db_audit_verify(f->db, &chk), ERR_OK);
	return chk.bad_id;
}

static void
test_chain_verifies(void **state)
{
	struct fix *f = *state;
	struct db_audit_check chk;
	uint8_t head[DB_AUDIT_HASH_BYTES], zero[DB_AUDIT_HASH_BYTES] = { 0 };
	int64_t id;

	assert_int_equal(db_audit_verify(f->db, &chk), ERR_OK);
	assert_int_equal(chk.rows, 0);
	assert_int_equal(chk.bad_id, 0);
	append_rows(f);
	assert_int_equal(db_audit_verify(f->db, &chk), ERR_OK);
	assert_int_equal(chk.bad_id, 0);
	assert_int_equal(chk.rows, NROWS);
	assert_int_equal(chk.head_id, NROWS);
	assert_int_equal(db_audit_head(f->db, &id, head), ERR_OK);
	assert_int_equal(id, NROWS);
	assert_memory_equal(head, chk.head, sizeof(head));
	assert_memory_not_equal(head, zero, sizeof(head));
	/* A head recorded elsewhere is looked up on the way. */
	memset(&chk, 0, sizeof(chk));
	chk.at_id = NROWS;
	assert_int_equal(db_audit_verify(f->db, &chk), ERR_OK);
	assert_true(chk.at_found);
	assert_memory_equal(chk.at_hash, head, sizeof(head));
	memset(&chk, 0, sizeof(chk));
	chk.at_id = NROWS + 1;
	assert_int_equal(db_audit_verify(f->db, &chk), ERR_OK);
	assert_false(chk.at_found);
	/* The first row starts from zeros, and each names its predecessor. */
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit a JOIN audit b"
	    " ON b.id = a.id + 1 WHERE b.prev = a.hash AND ?1 = 0"), NROWS - 1);
	assert_int_equal(q_i64(f->db, "SELECT prev = zeroblob(32) FROM audit"
	    " WHERE id = 1 AND ?1 = 0"), 1);
	/* The hash is keyed: nothing in the row is enough to recompute it,
	 * and it holds no field in clear. */
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit WHERE"
	    " length(hash) = 32 AND ?1 = 0"), NROWS);
}

static void
test_append_only_triggers(void **state)
{
	struct fix *f = *state;

	append_rows(f);
	assert_int_not_equal(db_exec(f->db, "UPDATE audit SET result = 'ok'"
	    " WHERE id = 3"), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "DELETE FROM audit WHERE id = 3"),
	    ERR_OK);
	assert_int_equal(broken_at(f), 0);
}

static void
test_edit_detected(void **state)
{
	struct fix *f = *state;

	append_rows(f);
	drop_triggers(f);
	/* A refusal made to look accepted. */
	assert_int_equal(db_exec(f->db, "UPDATE audit SET result = 'ok'"
	    " WHERE id = 3"), ERR_OK);
	assert_int_equal(broken_at(f), 3);
}

static void
test_edit_of_time_and_hash_detected(void **state)
{
	struct fix *f = *state;

	append_rows(f);
	drop_triggers(f);
	assert_int_equal(db_exec(f->db, "UPDATE audit SET time_ms = time_ms + 1"
	    " WHERE id = 5"), ERR_OK);
	assert_int_equal(broken_at(f), 5);
	assert_int_equal(db_exec(f->db, "UPDATE audit SET time_ms = time_ms - 1"
	    " WHERE id = 5"), ERR_OK);
	assert_int_equal(broken_at(f), 0);
	/* Replacing a hash moves the break to the row that follows it. */
	assert_int_equal(db_exec(f->db, "UPDATE audit SET hash = zeroblob(32)"
	    " WHERE id = 6"), ERR_OK);
	assert_int_equal(broken_at(f), 6);
}

static void
test_delete_detected(void **state)
{
	struct fix *f = *state;

	append_rows(f);
	drop_triggers(f);
	assert_int_equal(db_exec(f->db, "DELETE FROM audit WHERE id = 4"),
	    ERR_OK);
	/* The row after the gap names a predecessor that is gone. */
	assert_int_equal(broken_at(f), 5);
}

static void
test_insert_detected(void **state)
{
	struct fix *f = *state;

	append_rows(f);
	drop_triggers(f);
	/* Make room after row 2 and copy row 2 (hash included) into it. */
	assert_int_equal(db_exec(f->db,
	    "UPDATE audit SET id = id + 1000 WHERE id >= 3;"
	    "UPDATE audit SET id = id - 999 WHERE id >= 1003;"
	    "INSERT INTO audit SELECT 3, time_ms, actor, action, target,"
	    " result, detail, prev, hash FROM audit WHERE id = 2"), ERR_OK);
	assert_int_equal(broken_at(f), 3);
}

static void
test_reorder_detected(void **state)
{
	struct fix *f = *state;

	append_rows(f);
	drop_triggers(f);
	/* Swap rows 6 and 7, every column but the id. */
	assert_int_equal(db_exec(f->db,
	    "UPDATE audit SET id = 100 WHERE id = 6;"
	    "UPDATE audit SET id = 6 WHERE id = 7;"
	    "UPDATE audit SET id = 7 WHERE id = 100"), ERR_OK);
	assert_int_equal(broken_at(f), 6);
}

static void
test_forged_append_detected(void **state)
{
	struct fix *f = *state;

	append_rows(f);
	drop_triggers(f);
	/* A row with the right predecessor but no key to hash it with. */
	assert_int_equal(db_exec(f->db, "INSERT INTO audit SELECT id + 1,"
	    " time_ms, actor, action, target, 'ok', detail, hash, hash FROM audit"
	    " WHERE id = 8"), ERR_OK);
	assert_int_equal(broken_at(f), 9);
	/* Another root key cannot extend, nor bless, the chain. */
	{
		struct kms *other = NULL;
		char path[4200];
		struct db_audit_check chk;

		assert_int_equal(db_exec(f->db, "DELETE FROM audit WHERE id = 9"),
		    ERR_OK);
		assert_int_equal(broken_at(f), 0);
		kms_close(f->kms);
		f->kms = NULL;
		snprintf(path, sizeof(path), "%s/other.key", f->dir);
		/* The data dir names its key: another is refused outright, */
		assert_int_equal(open_kms(f, path, true, &other),
		    ERR_ROOT_KEY_MISMATCH);
		/* and with that record deleted it still blesses nothing. */
		assert_int_equal(db_exec(f->db, "DELETE FROM root_key"), ERR_OK);
		assert_int_equal(open_kms(f, path, true, &other), ERR_OK);
		assert_int_equal(db_audit_verify(f->db, &chk), ERR_OK);
		assert_int_equal(chk.bad_id, 1);
		assert_int_equal(db_audit_append(f->db, f->now, NULL, "x", "y",
		    "ok", ""), ERR_OK);
		kms_close(other);
		assert_int_equal(db_exec(f->db, "DELETE FROM root_key"), ERR_OK);
		assert_int_equal(open_kms(f, f->key_path, false, &f->kms),
		    ERR_OK);
		assert_int_equal(broken_at(f), 9);
	}
}

static void
test_no_mac_no_append(void **state)
{
	struct fix *f = *state;

	kms_close(f->kms);
	f->kms = NULL;
	assert_int_equal(db_audit_append(f->db, f->now, NULL, "x", "y", "ok",
	    ""), ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit WHERE ?1 = 0"),
	    0);
	assert_int_equal(open_kms(f, f->key_path, false, &f->kms), ERR_OK);
}

/* Rows written before schema 0010 are chained once, by the first open
 * with the root key, and only rows up to legacy_max. */
static void
test_legacy_rows_chained(void **state)
{
	struct fix *f = *state;
	struct db_audit_check chk;

	kms_close(f->kms);
	f->kms = NULL;
	assert_int_equal(db_exec(f->db,
	    "INSERT INTO audit (time_ms, actor, action, target, result, detail)"
	    " VALUES (1, 'cli', 'CreateKey', 'k1', 'ok', ''),"
	    " (2, '1000000000000001', 'worm.initiate', 'b', 'ok', 'd'),"
	    " (3, 'daemon', 'inventory.run', 'b/i', 'ok', '');"
	    "UPDATE audit_chain SET legacy_max = 3, legacy_done = 0"), ERR_OK);
	assert_int_equal(open_kms(f, f->key_path, false, &f->kms), ERR_OK);
	assert_int_equal(db_audit_verify(f->db, &chk), ERR_OK);
	assert_int_equal(chk.bad_id, 0);
	assert_int_equal(chk.rows, 3);
	assert_int_equal(chk.legacy_max, 3);
	assert_int_equal(q_i64(f->db, "SELECT legacy_done FROM audit_chain"
	    " WHERE id = ?1 + 1"), 1);
	append_rows(f);
	assert_int_equal(broken_at(f), 0);
	/* Later rows without a hash are not legacy: never chained, always
	 * reported. */
	assert_int_equal(db_exec(f->db, "INSERT INTO audit (time_ms, actor,"
	    " action, target, result, detail) VALUES (9, 'x', 'y', 'z', 'ok', '')"),
	    ERR_OK);
	kms_close(f->kms);
	f->kms = NULL;
	assert_int_equal(open_kms(f, f->key_path, false, &f->kms), ERR_OK);
	assert_int_equal(broken_at(f), 3 + NROWS + 1);
	/* And nothing appends after an unhashed head. */
	assert_int_not_equal(db_audit_append(f->db, f->now, NULL, "x", "y",
	    "ok", ""), ERR_OK);
}

static const char SQL_ACCOUNT[] = "INSERT INTO accounts (account_id, name,"
    " created_ms) VALUES ('1000000000000009', 'nine', 0)";

static void
req_init(struct db_audit_req *q)
{
	memset(q, 0, sizeof(*q));
	q->time_ms = 1800000000123LL;
	q->actor = "1000000000000001";
	q->action = "oss.PutBucketAcl";
	q->target = "demo";
	q->detail = "request=ABC";
}

static void
test_scope_commit_carries_row(void **state)
{
	struct fix *f = *state;
	struct db_audit_req q;

	req_init(&q);
	db_audit_scope(f->db, &q);
	/* A transaction that only records (a module's refusal row) does not
	 * carry "ok". */
	assert_int_equal(db_audit_append(f->db, f->now, "x", "worm.extend",
	    "demo", "FileImmutable", ""), ERR_OK);
	assert_int_equal(q.rows, 0);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_exec(f->db, SQL_ACCOUNT), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(q.rows, 1);
	assert_int_equal(db_audit_close(f->db, &q, "ok"), ERR_OK);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit WHERE"
	    " action = 'oss.PutBucketAcl' AND result = 'ok' AND target = 'demo'"
	    " AND detail = 'request=ABC' AND time_ms = 1800000000123"
	    " AND actor = '1000000000000001' AND ?1 = 0"), 1);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit WHERE ?1 = 0"),
	    2);
	assert_int_equal(broken_at(f), 0);
}

static void
test_scope_refusal_row(void **state)
{
	struct fix *f = *state;
	struct db_audit_req q;

	req_init(&q);
	db_audit_scope(f->db, &q);
	assert_int_equal(db_audit_close(f->db, &q, "AccessDenied"), ERR_OK);
	assert_int_equal(db_audit_close(f->db, &q, "AccessDenied"), ERR_OK);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit WHERE"
	    " result = 'AccessDenied' AND ?1 = 0"), 1);
	/* The scope is gone: later commits carry nothing. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_exec(f->db, SQL_ACCOUNT), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit WHERE ?1 = 0"),
	    1);
	/* A success that changed nothing still gets its row. */
	req_init(&q);
	db_audit_scope(f->db, &q);
	assert_int_equal(db_audit_close(f->db, &q, "ok"), ERR_OK);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM audit WHERE"
	    " result = 'ok' AND ?1 = 0"), 1);
}

static void
test_scope_autocommit_refused(void **state)
{
	struct fix *f = *state;
	struct db_audit_req q;

	req_init(&q);
	db_audit_scope(f->db, &q);
	assert_int_equal(db_exec(f->db, SQL_ACCOUNT), ERR_AUDIT_UNAVAILABLE);
	db_audit_scope(f->db, NULL);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM accounts WHERE"
	    " ?1 = 0"), 0);
	assert_int_equal(db_exec(f->db, SQL_ACCOUNT), ERR_OK);
}

/* Fail-closed: the row cannot be written, so the change does not commit. */
static void
test_scope_fail_closed(void **state)
{
	struct fix *f = *state;
	struct db_audit_req q;

	assert_int_equal(db_exec(f->db, "CREATE TRIGGER t_fail BEFORE INSERT ON"
	    " audit BEGIN SELECT RAISE(ABORT, 'audit disk full'); END"), ERR_OK);
	req_init(&q);
	db_audit_scope(f->db, &q);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_exec(f->db, SQL_ACCOUNT), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_AUDIT_UNAVAILABLE);
	assert_int_equal(q.rows, 0);
	assert_int_not_equal(db_audit_close(f->db, &q, "InternalError"), ERR_OK);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM accounts WHERE"
	    " ?1 = 0"), 0);
	/* Reads still work, and without the scope so do unaudited writes. */
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM buckets WHERE"
	    " ?1 = 0"), 0);
	assert_int_equal(db_exec(f->db, "DROP TRIGGER t_fail"), ERR_OK);
	assert_int_equal(broken_at(f), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_verifies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_append_only_triggers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_edit_detected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_edit_of_time_and_hash_detected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_detected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_insert_detected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reorder_detected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forged_append_detected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_mac_no_append, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_legacy_rows_chained, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scope_commit_carries_row,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_refusal_row, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scope_autocommit_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_fail_closed, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
