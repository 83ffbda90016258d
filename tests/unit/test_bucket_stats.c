/* SPDX-License-Identifier: ISC */
/*
 * test_bucket_stats.c: GetBucketStat's counters (schema/0016_bucket_stats.sql)
 * equal a full count of the rows after every step of a random mix of what
 * changes a bucket: puts and overwrites in each versioning state, delete
 * markers, deletes of the current object and of versions, appends,
 * multipart uploads (parts, re-uploaded parts, complete, abort), lifecycle
 * transitions and expiry, and bucket deletion.
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

#include "base/log.h"
#include "bucket/bucket.h"
#include "db/db.h"
#include "support/test_seal.h"
#include "support/test_support.h"

#define STEPS	1500
#define NKEYS	12

static const char *const classes[] = { "Standard", "IA", "Archive",
    "ColdArchive", "DeepColdArchive" };

struct fixture {
	char		*dir;
	struct db	*db;
	struct arena	 a;
	int64_t		 bucket;
	unsigned	 next_uuid;
	unsigned	 rnd;
	int64_t		 now;
	char		 name[16];
	unsigned	 buckets_made;
	enum bucket_versioning v;	/* as a real bucket: never back to
					 * unversioned once versioned */
};

static unsigned
rnd(struct fixture *f, unsigned n)
{
	/* a fixed LCG: a failure replays the same steps */
	f->rnd = f->rnd * 1103515245u + 12345u;
	return (f->rnd >> 8) % n;
}

static void
new_bucket(struct fixture *f)
{
	struct bucket want, b;
	bool created;

	memset(&want, 0, sizeof(want));
	snprintf(f->name, sizeof(f->name), "sb%u", ++f->buckets_made);
	snprintf(want.name, sizeof(want.name), "%s", f->name);
	want.owner = 1;
	snprintf(want.region, sizeof(want.region), "cn-hangzhou");
	assert_int_equal(bucket_put(f->db, &want, 1000, 10, &created), ERR_OK);
	assert_int_equal(bucket_get(f->db, f->name, &b), ERR_OK);
	f->bucket = b.id;
	f->v = BUCKET_UNVERSIONED;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[512];

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("bstats");
	snprintf(path, sizeof(path), "%s/coffer.db", f->dir);
	if (db_open(path, &f->db) != ERR_OK || test_db_seal(f->db) != 0)
		return -1;
	if (db_exec(f->db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '1000000000000001', 'alice', 0)") != ERR_OK)
		return -1;
	f->rnd = 17;
	f->now = 1000;
	new_bucket(f);
	arena_init(&f->a, (size_t)8 << 20);
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

static int64_t
q(struct fixture *f, const char *sql, int64_t bucket, const char *text)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(db_conn(f->db), sql, -1, &st,
	    NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, bucket);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The counters against the rows, as GetBucketStat computed them before. */
static void
check(struct fixture *f, int64_t bucket, int step)
{
	struct bucket_stat st;
	uint64_t objs = 0, bytes = 0;

	assert_int_equal(bucket_stat(f->db, bucket, &st), ERR_OK);
	for (int i = 0; i < 5; i++) {
		int64_t n = q(f, "SELECT count(*) FROM objects WHERE bucket = ?"
		    " AND type <> 'DeleteMarker' AND storage_class = ?", bucket,
		    classes[i]);
		int64_t b = q(f, "SELECT coalesce(sum(size), 0) FROM objects"
		    " WHERE bucket = ? AND type <> 'DeleteMarker' AND"
		    " storage_class = ?", bucket, classes[i]);

		if ((int64_t)st.per_class_objects[i] != n ||
		    (int64_t)st.per_class_storage[i] != b)
			fail_msg("step %d, %s: counters %llu/%llu, rows %lld/%lld",
			    step, classes[i],
			    (unsigned long long)st.per_class_objects[i],
			    (unsigned long long)st.per_class_storage[i],
			    (long long)n, (long long)b);
		objs += (uint64_t)n;
		bytes += (uint64_t)b;
	}
	assert_int_equal(st.objects, objs);
	assert_int_equal(st.storage, bytes);
	assert_int_equal(st.delete_markers, q(f, "SELECT count(*) FROM objects"
	    " WHERE bucket = ? AND type = 'DeleteMarker'", bucket, NULL));
	assert_int_equal(st.uploads, q(f, "SELECT count(*) FROM uploads"
	    " WHERE bucket = ?", bucket, NULL));
	assert_int_equal(st.parts, q(f, "SELECT count(*) FROM parts p JOIN"
	    " uploads u ON u.id = p.upload WHERE u.bucket = ?", bucket, NULL));
	assert_int_equal(st.parts_storage, q(f, "SELECT coalesce(sum(p.size),"
	    " 0) FROM parts p JOIN uploads u ON u.id = p.upload"
	    " WHERE u.bucket = ?", bucket, NULL));
	/* Never behind the newest version present. */
	assert_true(st.last_modified_ms >= q(f, "SELECT coalesce(max(mtime_ms),"
	    " 0) FROM objects WHERE bucket = ? AND type <> 'DeleteMarker'",
	    bucket, NULL));
}

static void
extent_for(struct fixture *f, struct extent *e, uint64_t len)
{
	unsigned u = ++f->next_uuid;

	memset(e, 0, sizeof(*e));
	memcpy(e->uuid, &u, sizeof(u));
	e->plain_len = len;
	e->wrapped_len = 40;
	snprintf(e->wrap_key, sizeof(e->wrap_key), "oss");
}

static void
object_for(struct fixture *f, struct object *o, const char *key,
    const char *type, uint64_t len)
{
	memset(o, 0, sizeof(*o));
	o->bucket = f->bucket;
	o->key = key;
	o->size = len;
	o->mtime_ms = f->now;
	o->headers = o->tags = "";
	snprintf(o->type, sizeof(o->type), "%s", type);
	snprintf(o->etag, sizeof(o->etag), "E%u", f->next_uuid);
	snprintf(o->storage_class, sizeof(o->storage_class), "%s",
	    classes[rnd(f, 5)]);
}

/* Now and then PutBucketVersioning. */
static enum bucket_versioning
versioning(struct fixture *f)
{
	if (rnd(f, 10) == 0)
		f->v = rnd(f, 2) ? BUCKET_VERSIONING_ENABLED :
		    BUCKET_VERSIONING_SUSPENDED;
	return f->v;
}

static void
op_put(struct fixture *f, const char *key, bool appendable)
{
	struct extent_ref *dead;
	struct extent e;
	struct object o;
	size_t ndead;
	uint64_t len = rnd(f, 5000);

	extent_for(f, &e, len);
	object_for(f, &o, key, appendable ? "Appendable" : "Normal", len);
	assert_int_equal(object_replace(f->db, &f->a, &o, versioning(f), &e, 1,
	    &dead, &ndead), ERR_OK);
}

static void
op_append(struct fixture *f, const char *key)
{
	struct extent e;
	struct object o;
	uint64_t len = 1 + rnd(f, 700);

	if (object_get(f->db, &f->a, f->bucket, key, &o) != ERR_OK ||
	    strcmp(o.type, "Appendable") != 0)
		return;
	extent_for(f, &e, len);
	o.size += len;
	o.mtime_ms = f->now;
	assert_int_equal(object_append_extent(f->db, &o, &e), ERR_OK);
}

static void
op_delete(struct fixture *f, const char *key)
{
	struct extent_ref *dead;
	struct object m;
	size_t ndead;
	enum err r;

	if (f->v == BUCKET_UNVERSIONED) {
		r = object_delete(f->db, &f->a, f->bucket, key, &dead, &ndead);
		assert_true(r == ERR_OK || r == ERR_NO_SUCH_KEY);
	} else
		assert_int_equal(object_delete_marker(f->db, &f->a, f->bucket,
		    key, f->v, f->now, &m, &dead, &ndead), ERR_OK);
}

/* A random version of key, or of any key: removed for good, as
 * DeleteObject with a versionId and a lifecycle expiry do. */
static void
op_delete_version(struct fixture *f)
{
	sqlite3_stmt *st = NULL;
	struct extent_ref *dead;
	struct object old;
	char key[64], vid[BUCKET_VERSION_ID_MAX + 1];
	size_t ndead;

	assert_int_equal(sqlite3_prepare_v2(db_conn(f->db), "SELECT key,"
	    " version_id FROM objects WHERE bucket = ? ORDER BY id LIMIT 1"
	    " OFFSET ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, f->bucket);
	sqlite3_bind_int(st, 2, (int)rnd(f, 8));
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return;
	}
	snprintf(key, sizeof(key), "%s", sqlite3_column_text(st, 0));
	snprintf(vid, sizeof(vid), "%s", sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	assert_int_equal(object_delete_version(f->db, &f->a, f->bucket, key,
	    vid, &old, &dead, &ndead), ERR_OK);
}

static void
op_transition(struct fixture *f, const char *key)
{
	struct object o;

	if (object_get(f->db, &f->a, f->bucket, key, &o) != ERR_OK ||
	    strcmp(o.type, "Appendable") == 0)
		return;
	assert_int_equal(object_set_storage_class(f->db, &o,
	    classes[rnd(f, 5)], NULL), ERR_OK);
}

static void
op_multipart(struct fixture *f, const char *key)
{
	struct extent_ref *dead;
	struct mpu u;
	struct object o;
	unsigned numbers[4];
	size_t ndead, n = 0;

	memset(&u, 0, sizeof(u));
	u.bucket = f->bucket;
	snprintf(u.upload_id, sizeof(u.upload_id), "%032X", f->next_uuid);
	u.key = key;
	u.initiated_ms = f->now;
	snprintf(u.storage_class, sizeof(u.storage_class), "Standard");
	snprintf(u.acl, sizeof(u.acl), "default");
	u.headers = u.tags = "";
	assert_int_equal(mpu_create(f->db, &u), ERR_OK);
	for (unsigned i = 1 + rnd(f, 4); i > 0; i--) {
		struct mpu_part p;
		struct extent e;

		memset(&p, 0, sizeof(p));
		p.number = 1 + rnd(f, 3);	/* numbers repeat: re-uploads */
		p.size = 1 + rnd(f, 9000);
		p.mtime_ms = f->now;
		snprintf(p.etag, sizeof(p.etag), "P%u", f->next_uuid);
		extent_for(f, &e, p.size);
		assert_int_equal(mpu_part_put(f->db, &f->a, u.id, &p, &e, &dead,
		    &ndead), ERR_OK);
	}
	switch (rnd(f, 3)) {
	case 0:		/* left open */
		return;
	case 1:
		assert_int_equal(mpu_abort(f->db, &f->a, &u, &dead, &ndead),
		    ERR_OK);
		return;
	}
	{
		struct mpu_part *parts;
		size_t np;
		bool trunc;
		uint64_t size = 0;

		assert_int_equal(mpu_parts(f->db, &f->a, u.id, 0, 100, &parts,
		    &np, &trunc), ERR_OK);
		for (size_t i = 0; i < np && n < 4; i++)
			if (rnd(f, 4) != 0) {
				numbers[n++] = parts[i].number;
				size += parts[i].size;
			}
		object_for(f, &o, key, "Multipart", size);
		assert_int_equal(mpu_complete(f->db, &f->a, &u, numbers, n, &o,
		    versioning(f), &dead, &ndead), ERR_OK);
	}
}

/* Empties the bucket as a user would, deletes it, and checks that its
 * counters went with it; a new bucket starts from zero. */
static void
op_bucket_delete(struct fixture *f, int step)
{
	int64_t old = f->bucket;

	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	for (;;) {
		struct extent_ref *dead;
		struct mpu u;
		size_t ndead;
		sqlite3_stmt *st = NULL;
		char key[64], upid[MPU_ID_BYTES];
		bool any = false;

		assert_int_equal(sqlite3_prepare_v2(db_conn(f->db), "SELECT key,"
		    " upload_id FROM uploads WHERE bucket = ? LIMIT 1", -1, &st,
		    NULL), SQLITE_OK);
		sqlite3_bind_int64(st, 1, old);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(key, sizeof(key), "%s",
			    sqlite3_column_text(st, 0));
			snprintf(upid, sizeof(upid), "%s",
			    sqlite3_column_text(st, 1));
			any = true;
		}
		sqlite3_finalize(st);
		if (!any)
			break;
		assert_int_equal(mpu_get(f->db, &f->a, old, key, upid, &u),
		    ERR_OK);
		assert_int_equal(mpu_abort(f->db, &f->a, &u, &dead, &ndead),
		    ERR_OK);
	}
	while (q(f, "SELECT count(*) FROM objects WHERE bucket = ?", old,
	    NULL) > 0)
		op_delete_version(f);
	check(f, old, step);
	assert_int_equal(bucket_delete(f->db, old), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(q(f, "SELECT (SELECT count(*) FROM bucket_stats"
	    " WHERE bucket = ?1) + (SELECT count(*) FROM bucket_class_stats"
	    " WHERE bucket = ?1)", old, NULL), 0);
	new_bucket(f);
	check(f, f->bucket, step);
}

static void
test_counters_match_a_full_count(void **state)
{
	struct fixture *f = *state;

	for (int step = 0; step < STEPS; step++) {
		char key[16];
		unsigned op = rnd(f, 100);

		snprintf(key, sizeof(key), "k%u", rnd(f, NKEYS));
		f->now += 1 + rnd(f, 1000);
		if (op == 99) {
			op_bucket_delete(f, step);
			continue;
		}
		assert_int_equal(db_tx_begin(f->db), ERR_OK);
		if (op < 30)
			op_put(f, key, false);
		else if (op < 36)
			op_put(f, key, true);
		else if (op < 46)
			op_append(f, key);
		else if (op < 58)
			op_delete(f, key);
		else if (op < 70)
			op_delete_version(f);
		else if (op < 80)
			op_transition(f, key);
		else
			op_multipart(f, key);
		assert_int_equal(db_tx_commit(f->db), ERR_OK);
		arena_free(&f->a);
		check(f, f->bucket, step);
	}
}

/* A change that is rolled back leaves the counters as they were. */
static void
test_rollback_leaves_counters(void **state)
{
	struct fixture *f = *state;
	struct bucket_stat before, after;

	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	op_put(f, "a", false);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(bucket_stat(f->db, f->bucket, &before), ERR_OK);
	assert_int_equal(before.objects, 1);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	op_put(f, "b", false);
	op_multipart(f, "c");
	db_tx_rollback(f->db);
	assert_int_equal(bucket_stat(f->db, f->bucket, &after), ERR_OK);
	assert_memory_equal(&before, &after, sizeof(before));
	check(f, f->bucket, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counters_match_a_full_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_counters, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
