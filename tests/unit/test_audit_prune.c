/* SPDX-License-Identifier: ISC */
/*
 * test_audit_prune.c: the audit trail's retention (schema 0020,
 * db/audit_prune_db.c, jobs/audit_job.c) with the real keyed hash.
 *
 * A prune moves the checkpoint onto the last old row and deletes the rows
 * up to it; the kept rows still verify, from the checkpoint. The newest
 * row is never pruned, a stale checkpoint is a conflict, and the triggers
 * refuse every other deletion or checkpoint move. Tampering after a prune
 * (a kept row, the first kept row's link, the checkpoint) is named. A
 * rechain under another key starts from the checkpoint and records that
 * the exported rows were hashed under the old one. The job writes each
 * pruned row to the export file once, also when a commit failed after
 * the file was written, and cuts a partial last line.
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
#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "kms/kms.h"
#include "support/test_support.h"

#define NROWS	10
#define DAY_MS	86400000LL

struct fix {
	char		*dir;
	char		 key_path[4096];
	char		 audit_dir[4200];
	struct db	*db;
	struct kms	*kms;
	int64_t		 now;
	struct clock	 clock;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct kms_settings ks = { 0 };
	char path[4200];

	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("audit_prune");
	snprintf(path, sizeof(path), "%s/meta.db", f->dir);
	assert_int_equal(db_open(path, &f->db), ERR_OK);
	f->now = 1800000000000LL;
	f->clock.now_ms = clock_fixed_now;
	f->clock.ctx = &f->now;
	snprintf(f->key_path, sizeof(f->key_path), "%s/root.key", f->dir);
	snprintf(f->audit_dir, sizeof(f->audit_dir), "%s/audit", f->dir);
	ks.root_key_path = f->key_path;
	ks.create_root_key = true;
	ks.db = f->db;
	ks.clock = &f->clock;
	assert_int_equal(kms_open(&ks, &f->kms), ERR_OK);
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

/* Row i at now + i days. */
static void
append_rows(struct fix *f, int from, int to)
{
	for (int i = from; i <= to; i++) {
		char detail[32];

		snprintf(detail, sizeof(detail), "request=%d", i);
		assert_int_equal(db_audit_append(f->db, f->now + i * DAY_MS,
		    "1000000000000001", "kms.Decrypt", "key", "ok", detail),
		    ERR_OK);
	}
}

struct seen {
	unsigned	n;
	int64_t		ids[64];
	uint8_t		last_prev[DB_AUDIT_HASH_BYTES];
	uint8_t		last_hash[DB_AUDIT_HASH_BYTES];
};

static enum err
collect(void *ctx, const struct db_audit_row *row)
{
	struct seen *s = ctx;

	s->ids[s->n++] = row->id;
	memcpy(s->last_prev, row->prev, sizeof(s->last_prev));
	memcpy(s->last_hash, row->hash, sizeof(s->last_hash));
	return ERR_OK;
}

/* Prunes the rows older than before_ms as the job does, without a file. */
static uint64_t
prune_before(struct fix *f, int64_t before_ms, struct seen *s)
{
	struct db_audit_checkpoint cp;
	uint64_t deleted = 0;
	unsigned n;

	memset(s, 0, sizeof(*s));
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_audit_checkpoint_get(f->db, &cp), ERR_OK);
	assert_int_equal(db_audit_old_rows(f->db, cp.last_id, before_ms, 64,
	    collect, s, &n), ERR_OK);
	assert_int_equal(n, s->n);
	if (n > 0)
		assert_int_equal(db_audit_prune(f->db, cp.last_id,
		    s->ids[n - 1], f->now, &deleted), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	return deleted;
}

static struct db_audit_check
verify(struct fix *f)
{
	struct db_audit_check chk;

	memset(&chk, 0, sizeof(chk));
	assert_int_equal(db_audit_verify(f->db, &chk), ERR_OK);
	return chk;
}

static void
test_prune_moves_checkpoint(void **state)
{
	struct fix *f = *state;
	struct db_audit_checkpoint cp;
	struct db_audit_check chk;
	uint8_t head[DB_AUDIT_HASH_BYTES];
	int64_t head_id;
	struct seen s;

	append_rows(f, 1, NROWS);
	assert_int_equal(db_audit_head(f->db, &head_id, head), ERR_OK);
	/* Rows 1..4 are older than day 5. */
	assert_int_equal(prune_before(f, f->now + 5 * DAY_MS, &s), 4);
	assert_int_equal(s.n, 4);
	for (unsigned i = 0; i < s.n; i++)
		assert_int_equal(s.ids[i], i + 1);
	assert_int_equal(db_audit_checkpoint_get(f->db, &cp), ERR_OK);
	assert_int_equal(cp.last_id, 4);
	assert_memory_equal(cp.last_hash, s.last_hash, DB_AUDIT_HASH_BYTES);
	assert_int_equal(cp.time_ms, f->now);
	assert_int_equal(q_i64(f->db, "SELECT min(id) + ?1 FROM audit"), 5);
	chk = verify(f);
	assert_int_equal(chk.bad_id, 0);
	assert_int_equal(chk.rows, NROWS - 4);
	assert_int_equal(chk.pruned_upto, 4);
	assert_memory_equal(chk.start, s.last_hash, DB_AUDIT_HASH_BYTES);
	assert_int_equal(chk.head_id, head_id);
	assert_memory_equal(chk.head, head, DB_AUDIT_HASH_BYTES);
	/* Appends continue the same chain. */
	append_rows(f, NROWS + 1, NROWS + 2);
	chk = verify(f);
	assert_int_equal(chk.bad_id, 0);
	assert_int_equal(chk.head_id, NROWS + 2);
	/* Nothing more is old: a second prune does nothing. */
	assert_int_equal(prune_before(f, f->now + 5 * DAY_MS, &s), 0);
}

static void
test_newest_row_kept(void **state)
{
	struct fix *f = *state;
	struct seen s;

	append_rows(f, 1, NROWS);
	/* Everything is old, but the next append needs its prev. */
	assert_int_equal(prune_before(f, f->now + 100 * DAY_MS, &s), NROWS - 1);
	assert_int_equal(q_i64(f->db, "SELECT count(*) + ?1 FROM audit"), 1);
	assert_int_equal(verify(f).bad_id, 0);
	append_rows(f, NROWS + 1, NROWS + 1);
	assert_int_equal(verify(f).bad_id, 0);
	assert_int_equal(verify(f).rows, 2);
}

static void
test_stale_checkpoint_conflicts(void **state)
{
	struct fix *f = *state;
	uint64_t deleted = 99;
	struct seen s;

	append_rows(f, 1, NROWS);
	assert_int_equal(prune_before(f, f->now + 3 * DAY_MS, &s), 2);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_audit_prune(f->db, 0, 5, f->now, &deleted),
	    ERR_CONFLICT);
	db_tx_rollback(f->db);
	assert_int_equal(q_i64(f->db, "SELECT last_id + ?1 FROM audit_checkpoint"),
	    2);
	assert_int_equal(verify(f).bad_id, 0);
}

static void
test_triggers_allow_only_the_prefix(void **state)
{
	struct fix *f = *state;
	struct seen s;

	append_rows(f, 1, NROWS);
	assert_int_not_equal(db_exec(f->db, "DELETE FROM audit WHERE id = 1"),
	    ERR_OK);
	assert_int_equal(prune_before(f, f->now + 4 * DAY_MS, &s), 3);
	/* Past the checkpoint, */
	assert_int_not_equal(db_exec(f->db, "DELETE FROM audit WHERE id = 4"),
	    ERR_OK);
	/* back, */
	assert_int_not_equal(db_exec(f->db, "UPDATE audit_checkpoint SET"
	    " last_id = 2"), ERR_OK);
	/* with another hash, onto the newest row, or gone: refused. */
	assert_int_not_equal(db_exec(f->db, "UPDATE audit_checkpoint SET"
	    " last_id = 5, last_hash = zeroblob(32)"), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "UPDATE audit_checkpoint SET"
	    " last_hash = zeroblob(32)"), ERR_OK);
	assert_int_not_equal(db_exec(f->db, "UPDATE audit_checkpoint SET"
	    " last_id = 10, last_hash = (SELECT hash FROM audit WHERE id = 10)"),
	    ERR_OK);
	assert_int_not_equal(db_exec(f->db, "DELETE FROM audit_checkpoint"),
	    ERR_OK);
	assert_int_equal(q_i64(f->db, "SELECT count(*) + ?1 FROM audit"),
	    NROWS - 3);
	assert_int_equal(verify(f).bad_id, 0);
	/* What the job does, by hand, is allowed. */
	assert_int_equal(db_exec(f->db, "BEGIN; UPDATE audit_checkpoint SET"
	    " last_id = 5, last_hash = (SELECT hash FROM audit WHERE id = 5);"
	    " DELETE FROM audit WHERE id <= 5; COMMIT"), ERR_OK);
	assert_int_equal(verify(f).bad_id, 0);
	assert_int_equal(verify(f).pruned_upto, 5);
}

/* What an editor of the file does first. */
static void
drop_triggers(struct fix *f)
{
	assert_int_equal(db_exec(f->db, "DROP TRIGGER audit_no_update;"
	    "DROP TRIGGER audit_no_delete;"
	    "DROP TRIGGER audit_checkpoint_forward"), ERR_OK);
}

static void
test_tamper_after_prune_detected(void **state)
{
	struct fix *f = *state;
	struct db_audit_check chk;
	struct seen s;

	append_rows(f, 1, NROWS);
	assert_int_equal(prune_before(f, f->now + 5 * DAY_MS, &s), 4);
	drop_triggers(f);
	/* A kept row changed. */
	assert_int_equal(db_exec(f->db, "UPDATE audit SET detail = 'x'"
	    " WHERE id = 7"), ERR_OK);
	assert_int_equal(verify(f).bad_id, 7);
	assert_int_equal(db_exec(f->db, "UPDATE audit SET detail = 'request=7'"
	    " WHERE id = 7"), ERR_OK);
	assert_int_equal(verify(f).bad_id, 0);
	/* The checkpoint moved without the rows it covers. */
	assert_int_equal(db_exec(f->db, "UPDATE audit_checkpoint SET"
	    " last_hash = zeroblob(32)"), ERR_OK);
	chk = verify(f);
	assert_int_equal(chk.bad_id, 5);
	assert_non_null(strstr(chk.why, "checkpoint"));
	assert_int_equal(db_exec(f->db, "UPDATE audit_checkpoint SET"
	    " last_id = 4, last_hash = (SELECT prev FROM audit WHERE id = 5)"),
	    ERR_OK);
	assert_int_equal(verify(f).bad_id, 0);
	/* Kept rows deleted past the checkpoint. */
	assert_int_equal(db_exec(f->db, "DELETE FROM audit WHERE id <= 6"),
	    ERR_OK);
	chk = verify(f);
	assert_int_equal(chk.bad_id, 7);
	assert_non_null(strstr(chk.why, "missing"));
}

/* A second keyed hash, as a rotated root key would give. */
static void
other_mac(void *ctx, uint8_t out[DB_AUDIT_HASH_BYTES], const void *p,
    size_t n)
{
	crypto_generichash(out, DB_AUDIT_HASH_BYTES, p, n, ctx, 32);
}

static void
test_rechain_from_checkpoint(void **state)
{
	struct fix *f = *state;
	static uint8_t key2[32] = { 7 };
	struct db_audit_checkpoint cp;
	struct db_audit_row row;
	uint64_t rows = 0;
	struct seen s;
	bool ok = false;

	append_rows(f, 1, NROWS);
	assert_int_equal(prune_before(f, f->now + 5 * DAY_MS, &s), 4);
	/* Row 4 as the export holds it checks under the key of the day. */
	memset(&row, 0, sizeof(row));
	row.id = 4;
	row.time_ms = f->now + 4 * DAY_MS;
	row.actor = "1000000000000001";
	row.action = "kms.Decrypt";
	row.target = "key";
	row.result = "ok";
	row.detail = "request=4";
	memcpy(row.prev, s.last_prev, sizeof(row.prev));
	memcpy(row.hash, s.last_hash, sizeof(row.hash));
	assert_int_equal(db_audit_row_check(f->db, &row, &ok), ERR_OK);
	assert_true(ok);
	/* Another key: the kept rows do not verify until rechained. */
	kms_close(f->kms);
	f->kms = NULL;
	assert_int_equal(db_audit_set_mac(f->db, other_mac, key2), ERR_OK);
	assert_int_equal(verify(f).bad_id, 5);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(db_audit_rechain(f->db, &rows), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(rows, NROWS - 4);
	assert_int_equal(verify(f).bad_id, 0);
	assert_int_equal(verify(f).rows, NROWS - 4);
	assert_int_equal(db_audit_checkpoint_get(f->db, &cp), ERR_OK);
	assert_int_equal(cp.last_id, 4);
	assert_int_equal(cp.rekeyed_upto, 4);
	assert_memory_equal(cp.last_hash, s.last_hash, DB_AUDIT_HASH_BYTES);
	/* The exported row no longer checks under the new key: why the
	 * verifier of the export takes rows up to rekeyed_upto by links. */
	assert_int_equal(db_audit_row_check(f->db, &row, &ok), ERR_OK);
	assert_false(ok);
	append_rows(f, NROWS + 1, NROWS + 1);
	assert_int_equal(verify(f).bad_id, 0);
	assert_int_equal(db_audit_set_mac(f->db, NULL, NULL), ERR_OK);
	assert_int_equal(kms_open(&(struct kms_settings){
	    .root_key_path = f->key_path, .db = f->db, .clock = &f->clock },
	    &f->kms), ERR_OK);
}

/* ---- the job ---- */

static struct jobs *
open_jobs(struct fix *f, int64_t retention_ms)
{
	struct jobs_settings js = { .db = f->db, .actor = "test",
	    .audit_dir = f->audit_dir, .audit_retention_ms = retention_ms };
	struct jobs *j = NULL;

	assert_int_equal(jobs_open(&js, &j), ERR_OK);
	return j;
}

/* The export file's ids, in order; *ret_n lines. */
static void
export_ids(struct fix *f, int64_t *ids, unsigned cap, unsigned *ret_n)
{
	char path[4300], line[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/export.jsonl", f->audit_dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	*ret_n = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		assert_true(*ret_n < cap);
		assert_int_equal(strncmp(line, "{\"Id\":", 6), 0);
		assert_non_null(strstr(line, "\"Prev\":\""));
		assert_non_null(strstr(line, "\"Hash\":\""));
		assert_int_equal(line[strlen(line) - 1], '\n');
		ids[(*ret_n)++] = strtoll(line + 6, NULL, 10);
	}
	fclose(fp);
}

static void
test_job_exports_then_prunes(void **state)
{
	struct fix *f = *state;
	struct jobs *j = open_jobs(f, 30 * DAY_MS);
	int64_t ids[64];
	unsigned n;
	char path[4300];
	FILE *fp;

	append_rows(f, 1, NROWS);
	/* Day 33: rows 1 and 2 are past 30 days. */
	assert_int_equal(jobs_audit_prune(j, f->now + 33 * DAY_MS), 2);
	export_ids(f, ids, 64, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(q_i64(f->db, "SELECT last_id + ?1 FROM audit_checkpoint"),
	    2);
	assert_int_equal(q_i64(f->db, "SELECT count(*) + ?1 FROM audit WHERE"
	    " action = 'audit.Prune'"), 1);
	assert_int_equal(verify(f).bad_id, 0);

	/* The commit after the export fails (a crash there): the rows stay,
	 * their lines are in the file; the next run writes them once. */
	db_fault_commit_after(f->db, 1);
	assert_int_equal(jobs_audit_prune(j, f->now + 35 * DAY_MS), 0);
	db_fault_commit_after(f->db, 0);
	assert_int_equal(q_i64(f->db, "SELECT last_id + ?1 FROM audit_checkpoint"),
	    2);
	export_ids(f, ids, 64, &n);
	assert_int_equal(n, 4);
	/* And a line cut short by a crash is dropped first. */
	snprintf(path, sizeof(path), "%s/export.jsonl", f->audit_dir);
	fp = fopen(path, "a");
	assert_non_null(fp);
	fputs("{\"Id\":5,\"TimeMs\":", fp);
	fclose(fp);
	assert_int_equal(jobs_audit_prune(j, f->now + 36 * DAY_MS), 3);
	export_ids(f, ids, 64, &n);
	assert_int_equal(n, 5);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(ids[i], i + 1);
	assert_int_equal(q_i64(f->db, "SELECT last_id + ?1 FROM audit_checkpoint"),
	    5);
	assert_int_equal(verify(f).bad_id, 0);
	jobs_close(j);

	/* Retention 0 keeps everything. */
	j = open_jobs(f, 0);
	assert_int_equal(jobs_audit_prune(j, f->now + 1000 * DAY_MS), 0);
	jobs_close(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prune_moves_checkpoint,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_newest_row_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_checkpoint_conflicts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_triggers_allow_only_the_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_after_prune_detected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rechain_from_checkpoint,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_exports_then_prunes,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
