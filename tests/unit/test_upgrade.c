/* SPDX-License-Identifier: ISC */
/*
 * test_upgrade.c: a data dir left by every earlier schema version opens
 * with this binary.
 *
 * For each version N from 1 to latest-1: a database migrated only to N
 * (db_open_schema) gets the rows a release at N could hold, written with
 * the SQL of that era (no MACs before 0009; the seven-field object MAC
 * from 0009 on). It is then opened with db_open, which migrates it, and
 * must pass PRAGMA integrity_check and foreign_key_check, match its seal
 * after the start-up check the daemon runs (api_seal_check: the first
 * sealing for a dir never sealed), and have every row readable through
 * the module APIs. A migration that fails part-way leaves the database
 * whole at the version before it; a database newer than the binary is
 * refused and left as it is.
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
#include <sqlite3.h>

#include "api/api.h"
#include "base/arena.h"
#include "base/log.h"
#include "base/clock.h"
#include "bucket/bucket.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "db/seal.h"
#include "kms/kms.h"
#include "support/test_seal.h"
#include "support/test_support.h"
#include "worm/worm.h"

#define ARENA_CAP ((size_t)1 << 20)

/* Schema versions that brought what the rows below need. */
#define V_KMS		2
#define V_WORM		3
#define V_INLINE	5
#define V_SEAL		9
#define V_CHAIN		10
#define V_LIFECYCLE	12
#define V_CORS		17
#define V_CORS_CONF	22	/* the cors table folded into bucket_configs */

struct era_row {
	int		 from, to;	/* versions whose SQL this is */
	const char	*sql;
};

/* The rows, as each era wrote them. Object 7 in bucket "old", object 8
 * in bucket "wormed" under a Locked policy; a KMS key with one version;
 * one audit row from before the chain. */
static const struct era_row rows[] = {
	{ 1, 99, "INSERT INTO accounts (id, account_id, name, created_ms)"
	    " VALUES (1, '1000000000000001', 'alice', 0)" },
	{ 1, 99, "INSERT INTO access_keys (access_key_id, account,"
	    " secret_sealed, created_ms) VALUES ('LTAIupgrade', 1, x'00', 0)" },
	{ 1, 99, "INSERT INTO buckets (id, name, owner, region, storage_class,"
	    " redundancy, acl, created_ms) VALUES"
	    " (1, 'old', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0),"
	    " (2, 'wormed', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0)" },
	{ 1, V_SEAL - 1, "INSERT INTO objects (id, bucket, key, type, size,"
	    " etag, crc64, storage_class, mtime_ms) VALUES"
	    " (7, 1, 'k', 'Normal', 3, 'E', 9, 'Standard', 1000),"
	    " (8, 2, 'held', 'Normal', 0, 'D', 0, 'Standard', 1000)" },
	{ V_SEAL, 99, "INSERT INTO objects (id, bucket, key, type, size, etag,"
	    " crc64, storage_class, mtime_ms, mac) VALUES"
	    " (7, 1, 'k', 'Normal', 3, 'E', 9, 'Standard', 1000,"
	    "  coffer_mac('object', 1, 'k', 'Normal', 3, 'E', 9, 1000)),"
	    " (8, 2, 'held', 'Normal', 0, 'D', 0, 'Standard', 1000,"
	    "  coffer_mac('object', 2, 'held', 'Normal', 0, 'D', 0, 1000))" },
	{ 1, V_INLINE - 1, "INSERT INTO extents (uuid, object, seq, plain_len,"
	    " wrapped_dek, wrap_key) VALUES"
	    " (x'00112233445566778899aabbccddeeff', 7, 0, 3, x'01', 'oss')" },
	{ V_INLINE, V_SEAL - 1, "INSERT INTO extents (uuid, object, seq,"
	    " plain_len, wrapped_dek, wrap_key, inline) VALUES"
	    " (x'00112233445566778899aabbccddeeff', 7, 0, 3, x'01', 'oss',"
	    " x'02')" },
	{ V_SEAL, 99, "INSERT INTO extents (uuid, object, seq, plain_len,"
	    " wrapped_dek, wrap_key, inline, mac) VALUES"
	    " (x'00112233445566778899aabbccddeeff', 7, 0, 3, x'01', 'oss',"
	    " x'02', coffer_mac('extent', 7, NULL, 0,"
	    " x'00112233445566778899aabbccddeeff', 3, x'01', 'oss'))" },
	{ V_WORM, V_SEAL - 1, "INSERT INTO worm_policies (bucket, worm_id,"
	    " state, days, created_ms, updated_ms) VALUES"
	    " (2, '0123456789ABCDEF0123456789ABCDEF', 'Locked', 3650, 0, 0)" },
	{ V_SEAL, 99, "INSERT INTO worm_policies (bucket, worm_id, state,"
	    " days, created_ms, updated_ms, mac) VALUES"
	    " (2, '0123456789ABCDEF0123456789ABCDEF', 'Locked', 3650, 0, 0,"
	    " coffer_mac('worm', 2, '0123456789ABCDEF0123456789ABCDEF',"
	    " 'Locked', 3650, 0, 0))" },
	{ V_KMS, 99, "INSERT INTO kms_keys (id, key_id, account, state,"
	    " key_spec, key_usage, origin, protection, created_ms,"
	    " last_rotation_ms, primary_version) VALUES"
	    " (1, '11111111-2222-3333-4444-555555555555', 1, 'Enabled',"
	    " 'Aliyun_AES_256', 'ENCRYPT/DECRYPT', 'Aliyun_KMS', 'SOFTWARE',"
	    " 0, 0, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')" },
	/* Material of the sealed size (72 bytes); not opened here. */
	{ V_KMS, 99, "INSERT INTO kms_key_versions (version_id, key,"
	    " created_ms, material) VALUES"
	    " ('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 1, 0, zeroblob(72))" },
	{ V_KMS, 99, "INSERT INTO kms_aliases (account, name, key, created_ms)"
	    " VALUES (1, 'alias/upgrade', 1, 0)" },
	{ 1, V_CHAIN - 1, "INSERT INTO audit (time_ms, actor, action, target,"
	    " result) VALUES (1000, 'cli', 'account.create', 'alice', 'ok')" },
	{ V_LIFECYCLE, 99, "INSERT INTO lifecycles (bucket, doc, updated_ms,"
	    " last_day) VALUES (1, '<LifecycleConfiguration/>', 0, 0)" },
	{ V_CORS, V_CORS_CONF - 1, "INSERT INTO cors (bucket, doc,"
	    " updated_ms) VALUES (1, '<CORSConfiguration/>', 0)" },
	{ V_CORS_CONF, 99, "INSERT INTO bucket_configs (bucket, kind, doc,"
	    " updated_ms) VALUES (1, 'cors', '<CORSConfiguration/>', 0)" },
};

/* The migrations this binary has (schema/embed.cmake). */
struct schema_migration { int version; const char *name; const char *sql; };
extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

/* Whether a release could stand at version v: numbers reserved by work
 * merged later are missing for a while (embed.cmake tolerates the gap). */
static bool
era_exists(int v)
{
	for (int i = 0; i < schema_migration_count; i++)
		if (schema_migrations[i].version == v)
			return true;
	return false;
}

static void
audit_mac(void *ctx, uint8_t out[DB_AUDIT_HASH_BYTES], const void *p,
    size_t n)
{
	const uint8_t *b = p;

	(void)ctx;
	/* Not a MAC: a fixed mixing function is enough for the chain. */
	memset(out, 0, DB_AUDIT_HASH_BYTES);
	for (size_t i = 0; i < n; i++)
		out[i % DB_AUDIT_HASH_BYTES] = (uint8_t)(out[i %
		    DB_AUDIT_HASH_BYTES] * 31 + b[i] + 1);
}

static int64_t
count(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db_conn(db), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The state a release at version v leaves: its rows, and from 0009 on
 * what its first start sealed. false when no migration has number v (a
 * gap left while migrations are written in parallel, schema/embed.cmake). */
static bool
write_era(const char *path, int v)
{
	struct db *db;

	assert_int_equal(db_open_schema(path, v, &db), ERR_OK);
	if (db_schema_version(db) != v) {
		assert_int_equal(db_schema_version(db), v - 1);
		db_close(db);
		return false;
	}
	if (v >= V_SEAL)
		assert_int_equal(test_db_seal(db), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (v < rows[i].from || v > rows[i].to)
			continue;
		if (db_exec(db, rows[i].sql) != ERR_OK)
			fail_msg("version %d: %s", v, rows[i].sql);
	}
	if (v >= V_SEAL) {
		assert_int_equal(db_tx_begin(db), ERR_OK);
		assert_int_equal(db_clock_seal(db), ERR_OK);
		assert_int_equal(db_tx_commit(db), ERR_OK);
	}
	db_close(db);
	return true;
}

static void
check_sqlite(struct db *db, int v)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db_conn(db),
	    "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		fail_msg("version %d: integrity_check: %s", v,
		    sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db_conn(db),
	    "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) != SQLITE_DONE)
		fail_msg("version %d: foreign_key_check: %s", v,
		    sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void
check_rows(struct db *db, struct arena *a, int v)
{
	struct db_audit_check chk;
	struct bucket_stat st;
	struct worm_policy p;
	struct extent *ext;
	struct bucket b;
	struct object o;
	size_t n;

	assert_int_equal(bucket_get(db, "old", &b), ERR_OK);
	assert_int_equal(b.id, 1);
	assert_int_equal(b.owner, 1);
	assert_string_equal(b.owner_name, "alice");
	assert_int_equal(bucket_get(db, "wormed", &b), ERR_OK);

	assert_int_equal(object_get(db, a, 1, "k", &o), ERR_OK);
	assert_int_equal(o.id, 7);
	assert_int_equal(o.size, 3);
	assert_true(o.sealed);
	assert_true(o.latest);
	assert_string_equal(o.version_id, "null");
	assert_int_equal(object_extents(db, a, o.id, &ext, &n), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ext[0].plain_len, 3);
	assert_true(object_extents_whole(&o, ext, n));
	assert_int_equal(object_get(db, a, 2, "held", &o), ERR_OK);
	assert_true(o.sealed);
	/* GetBucketStat's counters start from the rows already there. */
	assert_int_equal(bucket_stat(db, 1, &st), ERR_OK);
	assert_int_equal(st.objects, 1);
	assert_int_equal(st.storage, 3);
	assert_int_equal(st.per_class_objects[0], 1);
	assert_int_equal(st.delete_markers, 0);
	assert_int_equal(st.uploads, 0);

	if (v >= V_WORM) {
		struct worm_op op = {
			.db = db, .bucket_id = 2, .bucket_name = "wormed",
			.actor = "test", .now_ms = 2000,
		};

		assert_int_equal(worm_get(&op, &p), ERR_OK);
		assert_int_equal(p.state, WORM_STATE_LOCKED);
		assert_int_equal(p.days, 3650);
		assert_true(p.sealed);
		/* The policy still guards its object. */
		assert_int_not_equal(db_exec(db, "DELETE FROM objects"
		    " WHERE id = 8"), ERR_OK);
	}
	if (v >= V_KMS) {
		assert_int_equal(count(db, "SELECT count(*) FROM kms_keys k"
		    " JOIN kms_key_versions v ON v.version_id ="
		    " k.primary_version JOIN kms_aliases a ON a.key = k.id"
		    " WHERE k.state = 'Enabled'"), 1);
		/* The key counters and rank blocks (0021) start from the
		 * keys already there. */
		assert_int_equal(count(db, "SELECT keys + user_keys +"
		    " user_versions FROM kms_key_counts WHERE account = 1"), 3);
		assert_int_equal(count(db, "SELECT n FROM kms_key_blocks"
		    " WHERE account = 1 AND block = 0"), 1);
		/* Blobs of keys older than 0006 stay readable unbound. */
		assert_int_equal(count(db, "SELECT legacy_blobs FROM"
		    " kms_key_versions"), v < 6 ? 1 : 0);
	}
	assert_int_equal(count(db, "SELECT count(*) FROM access_keys"), 1);
	assert_int_equal(count(db, "SELECT count(*) FROM lifecycles"),
	    v >= V_LIFECYCLE ? 1 : 0);
	assert_int_equal(count(db, "SELECT count(*) FROM bucket_configs"
	    " WHERE kind = 'cors'"),
	    v >= V_CORS ? 1 : 0);

	/* Audit rows from before the chain are chained at the first start
	 * with the chain's key, and the chain verifies. */
	assert_int_equal(db_audit_set_mac(db, audit_mac, NULL), ERR_OK);
	memset(&chk, 0, sizeof(chk));
	assert_int_equal(db_audit_verify(db, &chk), ERR_OK);
	assert_int_equal(chk.bad_id, 0);
	assert_int_equal(chk.rows, v < V_CHAIN ? 1 : 0);
	assert_int_equal(db_audit_set_mac(db, NULL, NULL), ERR_OK);
}

static int64_t
clock_fixed(void *ctx)
{
	(void)ctx;
	return 2000;
}

/* The KMS rows through kms/ as the daemon opens it (its own connection:
 * kms_open installs the seal key and the audit chain's hash it derives
 * from the root key, which the checks above replaced with test ones). */
static void
check_kms(const char *path, const char *dir, int v)
{
	struct kms_settings ks = { 0 };
	struct kms_caller who = { .account = 1, .actor = "cli" };
	struct clock clock = { .now_ms = clock_fixed };
	struct kms_key_meta m;
	char key[700];
	struct db *db;
	struct kms *k;

	if (v < V_KMS)
		return;
	memcpy(who.account_id, "1000000000000001", 17);
	snprintf(key, sizeof(key), "%s/root.key", dir);
	assert_int_equal(db_open(path, &db), ERR_OK);
	ks.root_key_path = key;
	ks.create_root_key = true;
	ks.db = db;
	ks.clock = &clock;
	assert_int_equal(kms_open(&ks, &k), ERR_OK);
	assert_int_equal(kms_key_describe(k, &who,
	    "11111111-2222-3333-4444-555555555555", &m), ERR_OK);
	assert_int_equal(m.state, KMS_KEY_ENABLED);
	assert_string_equal(m.primary_version,
	    "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	assert_string_equal(m.origin, "Aliyun_KMS");
	memset(&m, 0, sizeof(m));
	assert_int_equal(kms_key_describe(k, &who, "alias/upgrade", &m),
	    ERR_OK);
	assert_string_equal(m.key_id, "11111111-2222-3333-4444-555555555555");
	kms_close(k);
	db_close(db);
}

static void
test_upgrade_from_every_version(void **state)
{
	struct arena a;

	(void)state;
	log_set_level(LOG_LEVEL_ERR);
	arena_init(&a, ARENA_CAP);
	assert_true(db_schema_latest() > 1);
	for (int v = 1; v < db_schema_latest(); v++) {
		struct api_seal_report rep;
		uint8_t key[DB_SEAL_KEY_BYTES];
		char path[600];
		struct db *db;
		char *dir;

		if (!era_exists(v))
			continue;
		dir = test_tmpdir("upgrade");
		snprintf(path, sizeof(path), "%s/meta.db", dir);
		if (!write_era(path, v)) {
			test_rmrf(dir);
			free(dir);
			continue;
		}

		assert_int_equal(db_open(path, &db), ERR_OK);
		assert_int_equal(db_schema_version(db), db_schema_latest());
		check_sqlite(db, v);

		/* What cofferd does at start once kms_open gave the key. */
		memset(key, 0x5a, sizeof(key));
		assert_int_equal(db_seal_key_set(db, key), ERR_OK);
		assert_int_equal(api_seal_check(db, dir, true, &rep), ERR_OK);
		if (rep.fault != DB_SEAL_OK)
			fail_msg("version %d: seal fault %d", v, rep.fault);
		assert_int_equal(rep.first_sealing, v < V_SEAL);
		assert_int_equal(rep.objects, 2);
		assert_int_equal(rep.objects_bad, 0);
		assert_int_equal(rep.extents_bad, 0);
		assert_int_equal(rep.policies, v >= V_WORM ? 1 : 0);
		assert_int_equal(rep.policies_bad, 0);
		assert_int_equal(db_seal_fault(db), DB_SEAL_OK);

		check_rows(db, &a, v);
		arena_free(&a);
		arena_init(&a, ARENA_CAP);
		check_sqlite(db, v);
		db_close(db);
		check_kms(path, dir, v);

		/* A second start finds the same seal, with nothing to seal. */
		assert_int_equal(db_open(path, &db), ERR_OK);
		assert_int_equal(db_seal_key_set(db, key), ERR_OK);
		assert_int_equal(api_seal_check(db, dir, true, &rep), ERR_OK);
		assert_int_equal(rep.fault, DB_SEAL_OK);
		assert_false(rep.first_sealing);
		db_close(db);

		test_rmrf(dir);
		free(dir);
	}
	arena_free(&a);
}

static bool
has_column(struct db *db, const char *table, const char *col)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pragma_table_info("
	    "'%s') WHERE name = '%s'", table, col);
	return count(db, sql) == 1;
}

/* A migration that fails part-way leaves the database at the version
 * before it, with nothing of it applied, and the next start (the cause
 * removed) carries on. Made to fail by a table of the name it creates:
 * 0011 (run with foreign keys off; its first statement, an ALTER TABLE,
 * must be undone) and 0012 (a plain one). */
static void
test_migration_atomic(void **state)
{
	static const struct {
		int		 v;		/* left at */
		const char	*block, *unblock;
		const char	*table, *col;	/* what the failed file added */
	} cases[] = {
		{ 10, "CREATE TABLE objects_new (x INTEGER)",
		    "DROP TABLE objects_new", "buckets", "versioning" },
		{ 11, "CREATE TABLE lifecycles (x INTEGER)",
		    "DROP TABLE lifecycles", "lifecycles", "doc" },
	};

	(void)state;
	log_set_level(LOG_LEVEL_ERR);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena a;
		struct object o;
		char path[600];
		struct db *db;
		char *dir;

		dir = test_tmpdir("upgrade");
		snprintf(path, sizeof(path), "%s/meta.db", dir);
		write_era(path, cases[i].v);
		assert_int_equal(db_open_schema(path, cases[i].v, &db), ERR_OK);
		assert_int_equal(db_exec(db, cases[i].block), ERR_OK);
		db_close(db);

		assert_int_not_equal(db_open(path, &db), ERR_OK);
		assert_int_equal(db_open_schema(path, cases[i].v, &db), ERR_OK);
		assert_int_equal(db_schema_version(db), cases[i].v);
		assert_false(has_column(db, cases[i].table, cases[i].col));
		assert_int_equal(count(db, "SELECT count(*) FROM objects"), 2);
		assert_int_equal(count(db, "PRAGMA foreign_keys"), 1);
		check_sqlite(db, cases[i].v);
		assert_int_equal(db_exec(db, cases[i].unblock), ERR_OK);
		db_close(db);

		assert_int_equal(db_open(path, &db), ERR_OK);
		assert_int_equal(db_schema_version(db), db_schema_latest());
		assert_true(has_column(db, cases[i].table, cases[i].col));
		check_sqlite(db, cases[i].v);
		arena_init(&a, ARENA_CAP);
		assert_int_equal(object_get(db, &a, 1, "k", &o), ERR_OK);
		assert_int_equal(o.size, 3);
		arena_free(&a);
		db_close(db);
		test_rmrf(dir);
		free(dir);
	}
}

/* Forward only: a database newer than the binary is refused, untouched. */
static void
test_newer_refused(void **state)
{
	char path[600], bump[64];
	struct db *db;
	char *dir;

	(void)state;
	log_set_level(LOG_LEVEL_ERR);
	dir = test_tmpdir("upgrade");
	snprintf(path, sizeof(path), "%s/meta.db", dir);
	assert_int_equal(db_open(path, &db), ERR_OK);
	snprintf(bump, sizeof(bump), "PRAGMA user_version=%d",
	    db_schema_latest() + 1);
	assert_int_equal(db_exec(db, bump), ERR_OK);
	db_close(db);
	assert_int_equal(db_open(path, &db), ERR_CORRUPT);
	/* Left as it was: the older binary changed nothing. */
	{
		sqlite3 *h = NULL;
		sqlite3_stmt *st = NULL;

		assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
		    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version",
		    -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0),
		    db_schema_latest() + 1);
		sqlite3_finalize(st);
		sqlite3_close(h);
	}
	test_rmrf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade_from_every_version),
		cmocka_unit_test(test_migration_atomic),
		cmocka_unit_test(test_newer_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
