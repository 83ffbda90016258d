/* SPDX-License-Identifier: ISC */
/*
 * test_versions.c: object versions in the bucket layer (bucket/version_db.c,
 * schema/0011_versions.sql): new ids under Enabled, the one null version
 * under Suspended, delete markers, removal of a version with promotion of
 * the next newest, and which blobs each change hands back for unlinking.
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

#include "base/log.h"
#include "bucket/bucket.h"
#include "db/db.h"
#include "support/test_seal.h"
#include "support/test_support.h"

struct fixture {
	char		*dir;
	struct db	*db;
	struct arena	 a;
	int64_t		 bucket;
	uint8_t		 next_uuid;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct bucket want, b;
	char path[512];
	bool created;

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("versions");
	snprintf(path, sizeof(path), "%s/coffer.db", f->dir);
	if (db_open(path, &f->db) != ERR_OK || test_db_seal(f->db) != 0)
		return -1;
	if (db_exec(f->db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '1000000000000001', 'alice', 0)") != ERR_OK)
		return -1;
	memset(&want, 0, sizeof(want));
	snprintf(want.name, sizeof(want.name), "vb");
	want.owner = 1;
	snprintf(want.region, sizeof(want.region), "cn-hangzhou");
	if (bucket_put(f->db, &want, 1000, 10, &created) != ERR_OK ||
	    bucket_get(f->db, "vb", &b) != ERR_OK)
		return -1;
	f->bucket = b.id;
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

/* Writes key with one extent of len bytes (its uuid's first byte is its
 * number) as a bucket in state v does; returns the version. *ret_dead
 * gets the uuid numbers handed back, or 0. */
static struct object
put(struct fixture *f, enum bucket_versioning v, const char *key,
    uint64_t len, int64_t mtime, unsigned *ret_dead)
{
	struct extent_ref *dead;
	struct extent e;
	struct object o;
	size_t ndead;

	memset(&e, 0, sizeof(e));
	e.uuid[0] = ++f->next_uuid;
	e.plain_len = len;
	e.wrapped_len = 40;
	snprintf(e.wrap_key, sizeof(e.wrap_key), "oss");
	memset(&o, 0, sizeof(o));
	o.bucket = f->bucket;
	o.key = key;
	o.size = len;
	o.mtime_ms = mtime;
	o.headers = o.tags = "";
	snprintf(o.type, sizeof(o.type), "Normal");
	snprintf(o.etag, sizeof(o.etag), "E%u", f->next_uuid);
	snprintf(o.storage_class, sizeof(o.storage_class), "Standard");
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_replace(f->db, &f->a, &o, v, &e, 1, &dead,
	    &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_true(ndead <= 1);
	if (ret_dead != NULL)
		*ret_dead = ndead ? dead[0].uuid[0] : 0;
	return o;
}

static struct object
marker(struct fixture *f, enum bucket_versioning v, const char *key,
    int64_t now, unsigned *ret_dead)
{
	struct extent_ref *dead;
	struct object m;
	size_t ndead;

	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_delete_marker(f->db, &f->a, f->bucket, key, v,
	    now, &m, &dead, &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	*ret_dead = ndead ? dead[0].uuid[0] : 0;
	return m;
}

static enum err
remove_version(struct fixture *f, const char *key, const char *vid,
    struct object *ret_old, unsigned *ret_dead)
{
	struct extent_ref *dead;
	size_t ndead;
	enum err r;

	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	r = object_delete_version(f->db, &f->a, f->bucket, key, vid, ret_old,
	    &dead, &ndead);
	if (r == ERR_OK) {
		assert_int_equal(db_tx_commit(f->db), ERR_OK);
		*ret_dead = ndead ? dead[0].uuid[0] : 0;
	} else
		db_tx_rollback(f->db);
	return r;
}

static void
test_enabled_keeps_every_version(void **state)
{
	struct fixture *f = *state;
	struct object a, b, cur, old;
	unsigned dead;

	a = put(f, BUCKET_VERSIONING_ENABLED, "k", 10, 1000, &dead);
	assert_int_equal(dead, 0);
	b = put(f, BUCKET_VERSIONING_ENABLED, "k", 20, 2000, &dead);
	assert_int_equal(dead, 0);
	assert_string_not_equal(a.version_id, b.version_id);
	assert_int_equal(strncmp(a.version_id, "CAEQ", 4), 0);
	assert_true(b.vseq > a.vseq);
	assert_int_equal(object_get(f->db, &f->a, f->bucket, "k", &cur), ERR_OK);
	assert_string_equal(cur.version_id, b.version_id);
	assert_true(cur.sealed);
	assert_int_equal(object_get_version(f->db, &f->a, f->bucket, "k",
	    a.version_id, &old), ERR_OK);
	assert_false(old.latest);
	assert_int_equal(old.noncurrent_ms, 2000);
	assert_int_equal(old.size, 10);
	assert_true(old.sealed);
	assert_int_equal(object_get_version(f->db, &f->a, f->bucket, "k",
	    "CAEQnone", &old), ERR_NO_SUCH_VERSION);
}

static void
test_suspended_replaces_the_null_version(void **state)
{
	struct fixture *f = *state;
	struct object n1, e, n2, got;
	unsigned dead;

	/* null (unversioned), then an Enabled version, then Suspended: the
	 * new null version replaces the first wherever it stands. */
	n1 = put(f, BUCKET_UNVERSIONED, "k", 1, 1000, &dead);
	assert_string_equal(n1.version_id, "null");
	e = put(f, BUCKET_VERSIONING_ENABLED, "k", 2, 2000, &dead);
	assert_int_equal(dead, 0);
	n2 = put(f, BUCKET_VERSIONING_SUSPENDED, "k", 3, 3000, &dead);
	assert_string_equal(n2.version_id, "null");
	assert_int_equal(dead, 1);		/* n1's blob */
	assert_int_equal(object_get_version(f->db, &f->a, f->bucket, "k",
	    "null", &got), ERR_OK);
	assert_int_equal(got.size, 3);
	assert_true(got.latest);
	assert_int_equal(object_get_version(f->db, &f->a, f->bucket, "k",
	    e.version_id, &got), ERR_OK);
	assert_false(got.latest);
	/* A null marker replaces the null version too. */
	(void)marker(f, BUCKET_VERSIONING_SUSPENDED, "k", 4000, &dead);
	assert_int_equal(dead, 3);		/* n2's blob */
	assert_int_equal(object_get(f->db, &f->a, f->bucket, "k", &got),
	    ERR_NO_SUCH_KEY);
	assert_true(got.delete_marker);
	assert_string_equal(got.version_id, "null");
}

static void
test_markers_and_removal(void **state)
{
	struct fixture *f = *state;
	struct object a, b, m, got, old;
	unsigned dead;

	a = put(f, BUCKET_VERSIONING_ENABLED, "k", 10, 1000, &dead);
	b = put(f, BUCKET_VERSIONING_ENABLED, "k", 20, 2000, &dead);
	m = marker(f, BUCKET_VERSIONING_ENABLED, "k", 3000, &dead);
	assert_int_equal(dead, 0);
	assert_true(m.delete_marker);
	assert_int_equal(object_get(f->db, &f->a, f->bucket, "k", &got),
	    ERR_NO_SUCH_KEY);
	assert_string_equal(got.version_id, m.version_id);
	assert_true(got.sealed);
	/* Removing the marker makes b current again. */
	assert_int_equal(remove_version(f, "k", m.version_id, &old, &dead),
	    ERR_OK);
	assert_true(old.delete_marker);
	assert_int_equal(dead, 0);
	assert_int_equal(object_get(f->db, &f->a, f->bucket, "k", &got), ERR_OK);
	assert_string_equal(got.version_id, b.version_id);
	assert_true(got.latest);
	assert_int_equal(got.noncurrent_ms, 0);
	/* Removing the current version promotes the next newest, a. */
	assert_int_equal(remove_version(f, "k", b.version_id, &old, &dead),
	    ERR_OK);
	assert_int_equal(dead, 2);
	assert_int_equal(object_get(f->db, &f->a, f->bucket, "k", &got), ERR_OK);
	assert_string_equal(got.version_id, a.version_id);
	/* An older version goes without touching the current one. */
	b = put(f, BUCKET_VERSIONING_ENABLED, "k", 30, 4000, &dead);
	assert_int_equal(remove_version(f, "k", a.version_id, &old, &dead),
	    ERR_OK);
	assert_int_equal(dead, 1);
	assert_int_equal(object_get(f->db, &f->a, f->bucket, "k", &got), ERR_OK);
	assert_string_equal(got.version_id, b.version_id);
	assert_int_equal(remove_version(f, "k", a.version_id, &old, &dead),
	    ERR_NO_SUCH_VERSION);
	/* The last version gone: the key is gone. */
	assert_int_equal(remove_version(f, "k", b.version_id, &old, &dead),
	    ERR_OK);
	assert_int_equal(object_get(f->db, &f->a, f->bucket, "k", &got),
	    ERR_NO_SUCH_KEY);
	assert_false(got.delete_marker);
}

/* GetBucketStat: versions are objects and storage, markers are counted
 * apart. */
static void
test_stat_counts_versions(void **state)
{
	struct fixture *f = *state;
	unsigned dead;

	(void)put(f, BUCKET_VERSIONING_ENABLED, "a", 1, 1000, &dead);
	(void)put(f, BUCKET_VERSIONING_ENABLED, "a", 2, 2000, &dead);
	(void)put(f, BUCKET_VERSIONING_ENABLED, "b", 3, 3000, &dead);
	(void)marker(f, BUCKET_VERSIONING_ENABLED, "b", 4000, &dead);
	(void)put(f, BUCKET_VERSIONING_ENABLED, "c", 5, 5000, &dead);
	{
		struct bucket_stat st;

		assert_int_equal(bucket_stat(f->db, f->bucket, &st), ERR_OK);
		/* Every version counts; the marker apart. */
		assert_int_equal(st.objects, 4);
		assert_int_equal(st.storage, 1 + 2 + 3 + 5);
		assert_int_equal(st.delete_markers, 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enabled_keeps_every_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspended_replaces_the_null_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_markers_and_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stat_counts_versions, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
