/* SPDX-License-Identifier: ISC */
/*
 * test_bucket.c: unit tests for bucket/bucket.h on a real SQLite database.
 *
 * Covers the OSS naming rules at their boundaries, PutBucket's 409 variants
 * and their precedence, BucketNotEmpty for objects and uploads, the object
 * rows with their extents and dead-extent lists, the StaleFile generation
 * compare-and-set, and ListObjects. Listing is checked against a model: a
 * few hundred random keys over a tiny alphabet with '/', listed through
 * object_list page by page for many (prefix, delimiter, marker, max-keys)
 * combinations, and compared with a plain reference implementation below.
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

#define ARENA_CAP ((size_t)16 << 20)

struct fixture {
	char		*dir;
	struct db	*db;
	struct arena	 a;
	unsigned	 next_uuid;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[512];

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("bucket");
	snprintf(path, sizeof(path), "%s/coffer.db", f->dir);
	if (db_open(path, &f->db) != ERR_OK || test_db_seal(f->db) != 0)
		return -1;
	if (db_exec(f->db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '1000000000000001', 'alice', 0),"
	    " (2, '1000000000000002', 'bob', 0)") != ERR_OK)
		return -1;
	arena_init(&f->a, ARENA_CAP);
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

static struct bucket
want_bucket(const char *name, int64_t owner, const char *region,
    const char *sc, const char *dr, const char *acl)
{
	struct bucket b;

	memset(&b, 0, sizeof(b));
	snprintf(b.name, sizeof(b.name), "%s", name);
	b.owner = owner;
	snprintf(b.region, sizeof(b.region), "%s", region);
	snprintf(b.storage_class, sizeof(b.storage_class), "%s", sc);
	snprintf(b.redundancy, sizeof(b.redundancy), "%s", dr);
	snprintf(b.acl, sizeof(b.acl), "%s", acl);
	return b;
}

static enum err
put_bucket(struct fixture *f, const char *name, int64_t owner,
    const char *region, const char *sc, const char *dr, const char *acl,
    unsigned max, bool *ret_created)
{
	struct bucket w = want_bucket(name, owner, region, sc, dr, acl);

	return bucket_put(f->db, &w, 1000, max, ret_created);
}

static int64_t
make_bucket(struct fixture *f, const char *name, int64_t owner)
{
	struct bucket b;
	bool created = false;

	assert_int_equal(put_bucket(f, name, owner, "cn-hangzhou", "", "", "",
	    100, &created), ERR_OK);
	assert_true(created);
	assert_int_equal(bucket_get(f->db, name, &b), ERR_OK);
	return b.id;
}

static struct extent
make_extent(struct fixture *f, uint64_t len)
{
	struct extent e;

	memset(&e, 0, sizeof(e));
	f->next_uuid++;
	memcpy(e.uuid, &f->next_uuid, sizeof(f->next_uuid));
	e.uuid[15] = 0xEE;
	e.plain_len = len;
	e.wrapped_len = 40 + f->next_uuid % 8;
	memset(e.wrapped, (int)(f->next_uuid & 0xff), e.wrapped_len);
	snprintf(e.wrap_key, sizeof(e.wrap_key), "oss");
	return e;
}

static struct object
make_object(int64_t bucket, const char *key, uint64_t size, const char *sc)
{
	struct object o;

	memset(&o, 0, sizeof(o));
	o.bucket = bucket;
	o.key = key;
	snprintf(o.type, sizeof(o.type), "Normal");
	o.size = size;
	snprintf(o.etag, sizeof(o.etag), "D41D8CD98F00B204E9800998ECF8427E");
	o.crc64 = 0;
	snprintf(o.storage_class, sizeof(o.storage_class), "%s", sc);
	o.mtime_ms = 5000;
	o.headers = "content-type:text/plain\n";
	o.tags = "";
	return o;
}

/* object_replace in its own transaction. */
static enum err
replace(struct fixture *f, struct object *o, const struct extent *ext,
    size_t n, struct extent_ref **dead, size_t *ndead)
{
	enum err r = db_tx_begin(f->db);

	if (r != ERR_OK)
		return r;
	r = object_replace(f->db, &f->a, o, BUCKET_UNVERSIONED, ext, n, dead, ndead);
	if (r == ERR_OK)
		r = db_tx_commit(f->db);
	else
		db_tx_rollback(f->db);
	return r;
}

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

/* ---- names ---- */

static void
test_name_valid(void **state)
{
	char n63[64], n64[65];

	(void)state;
	memset(n63, 'a', 63);
	n63[63] = '\0';
	memset(n64, 'a', 64);
	n64[64] = '\0';
	assert_true(bucket_name_valid("abc"));
	assert_true(bucket_name_valid("a-b"));
	assert_true(bucket_name_valid("a--b"));
	assert_true(bucket_name_valid("123"));
	assert_true(bucket_name_valid("demo-bucket-01"));
	assert_true(bucket_name_valid(n63));
	assert_false(bucket_name_valid(n64));
	assert_false(bucket_name_valid("ab"));
	assert_false(bucket_name_valid("a"));
	assert_false(bucket_name_valid(""));
	assert_false(bucket_name_valid("-abc"));
	assert_false(bucket_name_valid("abc-"));
	assert_false(bucket_name_valid("-"));
	assert_false(bucket_name_valid("---"));
	assert_false(bucket_name_valid("Abc"));
	assert_false(bucket_name_valid("abC"));
	assert_false(bucket_name_valid("a_c"));
	assert_false(bucket_name_valid("a.c"));
	assert_false(bucket_name_valid("a c"));
	assert_false(bucket_name_valid("a/c"));
	assert_false(bucket_name_valid("ab\xc3\xa9"));
}

static void
test_key_valid(void **state)
{
	char k[1025];

	(void)state;
	memset(k, 'k', sizeof(k));
	assert_true(bucket_key_valid(k, 1));
	assert_true(bucket_key_valid(k, 1023));
	assert_false(bucket_key_valid(k, 1024));
	assert_false(bucket_key_valid(k, 0));
	/* 1023 bytes ending in a complete 2-byte character */
	k[1021] = '\xc3';
	k[1022] = '\xa9';
	assert_true(bucket_key_valid(k, 1023));
	k[1022] = 'k';
	assert_false(bucket_key_valid(k, 1023));	/* truncated UTF-8 */
	assert_true(bucket_key_valid("a/", 2));
	assert_true(bucket_key_valid("a\\b", 3));
	assert_true(bucket_key_valid(" ", 1));
	assert_true(bucket_key_valid("\xe6\x97\xa5/\xc3\xa9", 6));
	assert_false(bucket_key_valid("/a", 2));
	assert_false(bucket_key_valid("\\a", 2));
	assert_false(bucket_key_valid("/", 1));
	assert_false(bucket_key_valid("a\xff", 2));
	assert_false(bucket_key_valid("a\xc0\xaf", 3));	/* overlong '/' */
	assert_false(bucket_key_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(bucket_key_valid("a\0b", 3));
}

static void
test_enums_valid(void **state)
{
	(void)state;
	assert_true(bucket_storage_class_valid("Standard"));
	assert_true(bucket_storage_class_valid("IA"));
	assert_true(bucket_storage_class_valid("Archive"));
	assert_true(bucket_storage_class_valid("ColdArchive"));
	assert_true(bucket_storage_class_valid("DeepColdArchive"));
	assert_false(bucket_storage_class_valid("standard"));
	assert_false(bucket_storage_class_valid(""));
	assert_false(bucket_storage_class_frozen("Standard"));
	assert_false(bucket_storage_class_frozen("IA"));
	assert_true(bucket_storage_class_frozen("Archive"));
	assert_true(bucket_storage_class_frozen("ColdArchive"));
	assert_true(bucket_storage_class_frozen("DeepColdArchive"));
	assert_true(bucket_redundancy_valid("LRS"));
	assert_true(bucket_redundancy_valid("ZRS"));
	assert_false(bucket_redundancy_valid("lrs"));
	assert_true(bucket_acl_valid("private"));
	assert_true(bucket_acl_valid("public-read"));
	assert_true(bucket_acl_valid("public-read-write"));
	assert_false(bucket_acl_valid("default"));
	assert_false(bucket_acl_valid("Private"));
	assert_true(bucket_object_acl_valid("default"));
	assert_true(bucket_object_acl_valid("public-read"));
	assert_false(bucket_object_acl_valid("public"));
}

static void
test_cname_domain_valid(void **state)
{
	static const char *const good[] = { "example.com", "a.b-c.example.org",
	    "x1.io", "cdn.example.test", "1a.example.com" };
	static const char *const bad[] = { "", "com", "localhost", "10.0.0.1",
	    "a..b.com", ".a.com", "a.com.", "-a.example.com", "a-.example.com",
	    "Example.com", "a_b.example.com", "b.oss-cn-hangzhou.aliyuncs.com",
	    "aliyuncs.com", "ex ample.com" };
	char longlabel[80];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!cname_domain_valid(good[i]))
			fail_msg("%s should be valid", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cname_domain_valid(bad[i]))
			fail_msg("%s should be invalid", bad[i]);
	memset(longlabel, 'a', 64);
	strcpy(longlabel + 64, ".com");
	assert_false(cname_domain_valid(longlabel));
	longlabel[63] = '.';
	longlabel[64] = 'c';
	assert_true(cname_domain_valid(longlabel));
}

/* The OSS ACL table for requesters other than the owner: every bucket ACL x
 * object ACL (NULL: no such object yet) x read/write. */
static void
test_acl_decide(void **state)
{
	static const char *const bacl[] = { "private", "public-read",
	    "public-read-write" };
	static const char *const oacl[] = { NULL, "default", "private",
	    "public-read", "public-read-write" };

	(void)state;
	for (size_t b = 0; b < 3; b++) {
		for (size_t o = 0; o < 5; o++) {
			bool own = oacl[o] != NULL &&
			    strcmp(oacl[o], "default") != 0;
			const char *eff = own ? oacl[o] : bacl[b];
			bool rd = strcmp(eff, "private") != 0;
			bool wr = strcmp(eff, "public-read-write") == 0;
			enum acl_verdict deny = own ? ACL_DENY_OBJECT :
			    ACL_DENY_BUCKET;

			assert_int_equal(bucket_acl_decide(bacl[b], oacl[o],
			    false), rd ? ACL_ALLOW : deny);
			assert_int_equal(bucket_acl_decide(bacl[b], oacl[o],
			    true), wr ? ACL_ALLOW : deny);
		}
	}
	/* The two cases that once went wrong. */
	assert_int_equal(bucket_acl_decide("public-read", "private", false),
	    ACL_DENY_OBJECT);
	assert_int_equal(bucket_acl_decide("private", "public-read", false),
	    ACL_ALLOW);
	assert_int_equal(bucket_acl_decide("private", "public-read", true),
	    ACL_DENY_OBJECT);
}

/* ---- PutBucket ---- */

static void
test_bucket_put_create(void **state)
{
	struct fixture *f = *state;
	struct bucket b;
	bool created = false;

	assert_int_equal(bucket_get(f->db, "demo", &b), ERR_NO_SUCH_BUCKET);
	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "", "", "",
	    100, &created), ERR_OK);
	assert_true(created);
	assert_int_equal(bucket_get(f->db, "demo", &b), ERR_OK);
	assert_string_equal(b.name, "demo");
	assert_int_equal(b.owner, 1);
	assert_string_equal(b.owner_account_id, "1000000000000001");
	assert_string_equal(b.owner_name, "alice");
	assert_string_equal(b.region, "cn-hangzhou");
	assert_string_equal(b.storage_class, "Standard");	/* defaults */
	assert_string_equal(b.redundancy, "LRS");
	assert_string_equal(b.acl, "private");
	assert_int_equal(b.created_ms, 1000);
	assert_string_equal(b.sse_algorithm, "");

	assert_int_equal(put_bucket(f, "cold", 2, "cn-shanghai", "IA", "ZRS",
	    "public-read", 100, &created), ERR_OK);
	assert_true(created);
	assert_int_equal(bucket_get(f->db, "cold", &b), ERR_OK);
	assert_int_equal(b.owner, 2);
	assert_string_equal(b.owner_name, "bob");
	assert_string_equal(b.region, "cn-shanghai");
	assert_string_equal(b.storage_class, "IA");
	assert_string_equal(b.redundancy, "ZRS");
	assert_string_equal(b.acl, "public-read");

	assert_int_equal(bucket_set_encryption(f->db, b.id, "KMS", "key-1", "SM4"),
	    ERR_OK);
	assert_int_equal(bucket_get(f->db, "cold", &b), ERR_OK);
	assert_string_equal(b.sse_algorithm, "KMS");
	assert_string_equal(b.sse_kms_key_id, "key-1");
	assert_string_equal(b.sse_data_enc, "SM4");
}

static void
test_bucket_put_conflicts(void **state)
{
	struct fixture *f = *state;
	struct bucket b;
	bool created;

	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "IA", "ZRS",
	    "", 100, &created), ERR_OK);

	created = true;		/* untouched on failure */
	assert_int_equal(put_bucket(f, "demo", 2, "cn-hangzhou", "IA", "ZRS",
	    "", 100, &created), ERR_BUCKET_TAKEN);
	/* Another owner wins over every other difference. */
	assert_int_equal(put_bucket(f, "demo", 2, "cn-beijing", "Standard",
	    "LRS", "", 100, &created), ERR_BUCKET_TAKEN);
	assert_int_equal(put_bucket(f, "demo", 1, "cn-beijing", "IA", "ZRS",
	    "", 100, &created), ERR_BUCKET_LOCATION);
	/* Region is checked before storage class and redundancy. */
	assert_int_equal(put_bucket(f, "demo", 1, "cn-beijing", "Standard",
	    "LRS", "", 100, &created), ERR_BUCKET_LOCATION);
	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "Standard",
	    "ZRS", "", 100, &created), ERR_BUCKET_STORAGE_CLASS);
	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "Archive",
	    "LRS", "", 100, &created), ERR_BUCKET_STORAGE_CLASS);
	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "IA", "LRS",
	    "", 100, &created), ERR_BUCKET_REDUNDANCY);
	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "", "LRS",
	    "", 100, &created), ERR_BUCKET_REDUNDANCY);
	assert_true(created);
	/* Nothing changed. */
	assert_int_equal(bucket_get(f->db, "demo", &b), ERR_OK);
	assert_int_equal(b.owner, 1);
	assert_string_equal(b.region, "cn-hangzhou");
	assert_string_equal(b.storage_class, "IA");
	assert_string_equal(b.redundancy, "ZRS");
	assert_string_equal(b.acl, "private");

	/* Same configuration (or unspecified parts): no conflict, not created. */
	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "IA", "ZRS",
	    "", 100, &created), ERR_OK);
	assert_false(created);
	created = true;
	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "", "", "",
	    100, &created), ERR_OK);
	assert_false(created);
	assert_int_equal(bucket_get(f->db, "demo", &b), ERR_OK);
	assert_string_equal(b.acl, "private");
	/* ... and a given ACL is applied. */
	created = true;
	assert_int_equal(put_bucket(f, "demo", 1, "cn-hangzhou", "", "",
	    "public-read-write", 100, &created), ERR_OK);
	assert_false(created);
	assert_int_equal(bucket_get(f->db, "demo", &b), ERR_OK);
	assert_string_equal(b.acl, "public-read-write");
	assert_int_equal(bucket_set_acl(f->db, b.id, "private"), ERR_OK);
	assert_int_equal(bucket_get(f->db, "demo", &b), ERR_OK);
	assert_string_equal(b.acl, "private");
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM buckets"), 1);
	/* No transaction left open by the failures. */
	assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 1);
}

static void
test_bucket_max(void **state)
{
	struct fixture *f = *state;
	bool created;

	assert_int_equal(put_bucket(f, "b-1", 1, "cn-hangzhou", "", "", "", 2,
	    &created), ERR_OK);
	assert_int_equal(put_bucket(f, "b-2", 1, "cn-hangzhou", "", "", "", 2,
	    &created), ERR_OK);
	created = true;
	assert_int_equal(put_bucket(f, "b-3", 1, "cn-hangzhou", "", "", "", 2,
	    &created), ERR_TOO_MANY_BUCKETS);
	assert_true(created);
	/* Re-putting an existing bucket at the limit is fine. */
	assert_int_equal(put_bucket(f, "b-2", 1, "cn-hangzhou", "", "", "", 2,
	    &created), ERR_OK);
	assert_false(created);
	/* The limit is per owner. */
	assert_int_equal(put_bucket(f, "b-3", 2, "cn-hangzhou", "", "", "", 2,
	    &created), ERR_OK);
	assert_true(created);
	/* After a delete there is room again. */
	struct bucket b;
	assert_int_equal(bucket_get(f->db, "b-1", &b), ERR_OK);
	assert_int_equal(bucket_delete(f->db, b.id), ERR_OK);
	assert_int_equal(put_bucket(f, "b-4", 1, "cn-hangzhou", "", "", "", 2,
	    &created), ERR_OK);
	assert_true(created);
}

static void
test_bucket_delete(void **state)
{
	struct fixture *f = *state;
	struct extent_ref *dead;
	size_t ndead;
	struct bucket b;
	int64_t id = make_bucket(f, "full", 1);
	struct object o = make_object(id, "k", 1, "Standard");
	struct extent e = make_extent(f, 1);

	assert_int_equal(replace(f, &o, &e, 1, &dead, &ndead), ERR_OK);
	assert_int_equal(bucket_delete(f->db, id), ERR_BUCKET_NOT_EMPTY);

	struct mpu u;
	memset(&u, 0, sizeof(u));
	u.bucket = id;
	snprintf(u.upload_id, sizeof(u.upload_id), "%032X", 1);
	u.key = "up";
	snprintf(u.storage_class, sizeof(u.storage_class), "Standard");
	assert_int_equal(mpu_create(f->db, &u), ERR_OK);
	/* Objects are reported first. */
	assert_int_equal(bucket_delete(f->db, id), ERR_BUCKET_NOT_EMPTY);

	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_delete(f->db, &f->a, id, "k", &dead, &ndead),
	    ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(bucket_delete(f->db, id), ERR_BUCKET_NOT_EMPTY_UPLOADS);
	assert_int_equal(bucket_get(f->db, "full", &b), ERR_OK);

	assert_int_equal(db_exec(f->db, "DELETE FROM uploads"), ERR_OK);
	assert_int_equal(bucket_delete(f->db, id), ERR_OK);
	assert_int_equal(bucket_get(f->db, "full", &b), ERR_NO_SUCH_BUCKET);
	assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 1);
	/* The name is free for another owner now. */
	bool created;
	assert_int_equal(put_bucket(f, "full", 2, "cn-hangzhou", "", "", "", 5,
	    &created), ERR_OK);
	assert_true(created);
}

/* ---- objects ---- */

static bool
has_uuid(const struct extent_ref *d, size_t n, const uint8_t *uuid)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(d[i].uuid, uuid, BUCKET_UUID_BYTES) == 0)
			return true;
	return false;
}

static void
test_object_rows(void **state)
{
	struct fixture *f = *state;
	int64_t bid = make_bucket(f, "objs", 1);
	struct extent e1[3], e2[2], *got;
	struct extent_ref *dead = NULL;
	size_t ndead = 99, n;
	struct object o, r;
	bool exists;

	for (int i = 0; i < 3; i++)
		e1[i] = make_extent(f, 1000 + (uint64_t)i);
	for (int i = 0; i < 2; i++)
		e2[i] = make_extent(f, 2000 + (uint64_t)i);

	o = make_object(bid, "dir/a b", 5ULL << 30, "IA");
	o.crc64 = 0xFFFFFFFFFFFFFFFFULL;	/* full 64 bits survive */
	snprintf(o.acl, sizeof(o.acl), "public-read");
	o.tags = "k=v";
	snprintf(o.sse_algorithm, sizeof(o.sse_algorithm), "KMS");
	snprintf(o.sse_key_id, sizeof(o.sse_key_id), "cmk-1");
	assert_int_equal(replace(f, &o, e1, 3, &dead, &ndead), ERR_OK);
	assert_int_equal(ndead, 0);
	assert_true(o.id > 0);
	assert_int_equal(o.generation, 1);

	assert_int_equal(object_get(f->db, &f->a, bid, "dir/a b", &r), ERR_OK);
	assert_int_equal(r.id, o.id);
	assert_int_equal(r.bucket, bid);
	assert_string_equal(r.key, "dir/a b");
	assert_string_equal(r.type, "Normal");
	assert_true(r.size == 5ULL << 30);
	assert_string_equal(r.etag, "D41D8CD98F00B204E9800998ECF8427E");
	assert_true(r.crc64 == 0xFFFFFFFFFFFFFFFFULL);
	assert_string_equal(r.storage_class, "IA");
	assert_int_equal(r.mtime_ms, 5000);
	assert_int_equal(r.generation, 1);
	assert_string_equal(r.acl, "public-read");
	assert_string_equal(r.headers, "content-type:text/plain\n");
	assert_string_equal(r.tags, "k=v");
	assert_string_equal(r.sse_algorithm, "KMS");
	assert_string_equal(r.sse_key_id, "cmk-1");
	assert_int_equal(r.restore_state, 0);
	assert_int_equal(object_get(f->db, &f->a, bid, "dir/a", &r),
	    ERR_NO_SUCH_KEY);
	assert_int_equal(object_get(f->db, &f->a, bid + 1, "dir/a b", &r),
	    ERR_NO_SUCH_KEY);

	assert_int_equal(object_extents(f->db, &f->a, o.id, &got, &n), ERR_OK);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(got[i].uuid, e1[i].uuid, BUCKET_UUID_BYTES);
		assert_int_equal(got[i].plain_len, 1000 + i);
		assert_int_equal(got[i].wrapped_len, e1[i].wrapped_len);
		assert_memory_equal(got[i].wrapped, e1[i].wrapped,
		    e1[i].wrapped_len);
		assert_string_equal(got[i].wrap_key, "oss");
	}

	/* Replacing: same row, generation bumped, old extents dead. */
	struct object o2 = make_object(bid, "dir/a b", 7, "Standard");
	assert_int_equal(replace(f, &o2, e2, 2, &dead, &ndead), ERR_OK);
	assert_int_equal(o2.id, o.id);
	assert_int_equal(o2.generation, 2);
	assert_int_equal(ndead, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(has_uuid(dead, ndead, e1[i].uuid));
		assert_int_equal(extent_exists(f->db, e1[i].uuid, &exists), ERR_OK);
		assert_false(exists);
	}
	assert_int_equal(object_get(f->db, &f->a, bid, "dir/a b", &r), ERR_OK);
	assert_true(r.size == 7);
	assert_string_equal(r.storage_class, "Standard");
	assert_string_equal(r.acl, "default");	/* "" stored as default */
	assert_string_equal(r.tags, "");
	assert_string_equal(r.sse_algorithm, "");
	assert_int_equal(object_extents(f->db, &f->a, o.id, &got, &n), ERR_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(got[0].uuid, e2[0].uuid, BUCKET_UUID_BYTES);
	assert_memory_equal(got[1].uuid, e2[1].uuid, BUCKET_UUID_BYTES);
	assert_int_equal(extent_exists(f->db, e2[1].uuid, &exists), ERR_OK);
	assert_true(exists);

	/* A zero-extent object (empty body). */
	struct object o3 = make_object(bid, "empty", 0, "Standard");
	assert_int_equal(replace(f, &o3, NULL, 0, &dead, &ndead), ERR_OK);
	assert_int_equal(ndead, 0);
	assert_int_equal(object_extents(f->db, &f->a, o3.id, &got, &n), ERR_OK);
	assert_int_equal(n, 0);

	/* Delete: extents dead, row gone, second delete NoSuchKey. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_delete(f->db, &f->a, bid, "dir/a b", &dead,
	    &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(ndead, 2);
	assert_true(has_uuid(dead, ndead, e2[0].uuid));
	assert_true(has_uuid(dead, ndead, e2[1].uuid));
	assert_int_equal(extent_exists(f->db, e2[0].uuid, &exists), ERR_OK);
	assert_false(exists);
	assert_int_equal(object_get(f->db, &f->a, bid, "dir/a b", &r),
	    ERR_NO_SUCH_KEY);
	ndead = 1234;
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_delete(f->db, &f->a, bid, "dir/a b", &dead,
	    &ndead), ERR_NO_SUCH_KEY);
	db_tx_rollback(f->db);
	assert_int_equal(ndead, 1234);
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM extents"), 0);

	/* A failed replace (duplicate extent uuid) changes nothing. */
	struct object o4 = make_object(bid, "dup", 1, "Standard");
	struct extent same[2] = { make_extent(f, 1), make_extent(f, 1) };
	same[1] = same[0];
	assert_int_equal(replace(f, &o4, same, 2, &dead, &ndead), ERR_EXISTS);
	assert_int_equal(object_get(f->db, &f->a, bid, "dup", &r),
	    ERR_NO_SUCH_KEY);
}

static void
test_object_update_meta(void **state)
{
	struct fixture *f = *state;
	int64_t bid = make_bucket(f, "meta", 1);
	struct extent_ref *dead;
	size_t ndead;
	struct object o = make_object(bid, "k", 3, "Standard"), r, stale;
	int64_t gen = 0;

	o.tags = "a=1";
	assert_int_equal(replace(f, &o, NULL, 0, &dead, &ndead), ERR_OK);
	assert_int_equal(object_get(f->db, &f->a, bid, "k", &r), ERR_OK);
	stale = r;

	/* Own transaction; NULL fields are kept. */
	assert_int_equal(object_update_meta(f->db, &r, "x-oss-meta-a:1\n", NULL,
	    NULL, &gen), ERR_OK);
	assert_int_equal(gen, 2);
	assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 1);
	assert_int_equal(object_get(f->db, &f->a, bid, "k", &r), ERR_OK);
	assert_int_equal(r.generation, 2);
	assert_string_equal(r.headers, "x-oss-meta-a:1\n");
	assert_string_equal(r.acl, "default");
	assert_string_equal(r.tags, "a=1");

	/* The generation read before that change is stale now. */
	gen = 77;
	assert_int_equal(object_update_meta(f->db, &stale, NULL, "private",
	    "b=2", &gen), ERR_STALE_FILE);
	assert_int_equal(gen, 77);
	assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 1);
	assert_int_equal(object_get(f->db, &f->a, bid, "k", &r), ERR_OK);
	assert_int_equal(r.generation, 2);
	assert_string_equal(r.acl, "default");
	assert_string_equal(r.tags, "a=1");

	/* Inside the caller's transaction, which it then commits. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_update_meta(f->db, &r, NULL, "private", "",
	    NULL), ERR_OK);
	assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 0);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(object_get(f->db, &f->a, bid, "k", &r), ERR_OK);
	assert_int_equal(r.generation, 3);
	assert_string_equal(r.acl, "private");
	assert_string_equal(r.tags, "");
	assert_string_equal(r.headers, "x-oss-meta-a:1\n");

	/* ... and a stale one inside a transaction leaves it to the caller. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_update_meta(f->db, &stale, NULL, "public-read",
	    NULL, NULL), ERR_STALE_FILE);
	assert_int_equal(sqlite3_get_autocommit(db_conn(f->db)), 0);
	db_tx_rollback(f->db);

	/* Replacing the object also makes older reads stale. */
	struct object o2 = make_object(bid, "k", 4, "Standard");
	assert_int_equal(replace(f, &o2, NULL, 0, &dead, &ndead), ERR_OK);
	assert_int_equal(o2.generation, 4);
	assert_int_equal(object_update_meta(f->db, &r, NULL, "private", NULL,
	    NULL), ERR_STALE_FILE);
}

static void
test_object_header(void **state)
{
	struct fixture *f = *state;
	const char *h = "content-type:text/plain\nx-oss-meta-a:\n"
	    "x-oss-meta-ab:2:3\ncontent-typex:no\nlast:1";

	assert_string_equal(object_header(&f->a, h, "content-type"),
	    "text/plain");
	assert_string_equal(object_header(&f->a, h, "x-oss-meta-a"), "");
	assert_string_equal(object_header(&f->a, h, "x-oss-meta-ab"), "2:3");
	assert_string_equal(object_header(&f->a, h, "last"), "1");
	assert_null(object_header(&f->a, h, "content"));
	assert_null(object_header(&f->a, h, "x-oss-meta"));
	assert_null(object_header(&f->a, "", "a"));
}

/* ---- bucket_list, bucket_stat ---- */

struct names {
	char	 v[64][BUCKET_NAME_MAX + 1];
	size_t	 n;
};

static void
collect_bucket(void *ctx, const struct bucket *b)
{
	struct names *ns = ctx;

	assert_true(ns->n < 64);
	snprintf(ns->v[ns->n++], BUCKET_NAME_MAX + 1, "%s", b->name);
}

static void
test_bucket_list(void **state)
{
	struct fixture *f = *state;
	struct bucket_list_opts lo = { NULL, NULL, 5 };
	char marker[BUCKET_NAME_MAX + 1], next[BUCKET_NAME_MAX + 1];
	struct names ns;
	bool trunc;
	char name[32];

	for (int i = 24; i >= 0; i--) {		/* inserted out of order */
		snprintf(name, sizeof(name), "bk-%02d", i);
		make_bucket(f, name, 1);
	}
	make_bucket(f, "zz-1", 1);
	make_bucket(f, "bk-50", 2);		/* another owner */
	make_bucket(f, "aa-2", 2);

	/* Pages of 5 over 26 names: 6 pages, the last one short. */
	memset(&ns, 0, sizeof(ns));
	marker[0] = '\0';
	for (int page = 0;; page++) {
		size_t before = ns.n;

		lo.marker = marker[0] ? marker : NULL;
		assert_int_equal(bucket_list(f->db, 1, &lo, collect_bucket, &ns,
		    &trunc, next), ERR_OK);
		assert_int_equal(ns.n - before, page < 5 ? 5 : 1);
		assert_int_equal(trunc, page < 5);
		assert_string_equal(next, ns.v[ns.n - 1]);
		if (!trunc)
			break;
		snprintf(marker, sizeof(marker), "%s", next);
	}
	assert_int_equal(ns.n, 26);
	for (int i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "bk-%02d", i);
		assert_string_equal(ns.v[i], name);
	}
	assert_string_equal(ns.v[25], "zz-1");

	/* Prefix, marker inside it, exact fill is not truncated. */
	memset(&ns, 0, sizeof(ns));
	lo.prefix = "bk-1";
	lo.marker = "bk-14";
	lo.max_keys = 5;
	assert_int_equal(bucket_list(f->db, 1, &lo, collect_bucket, &ns, &trunc,
	    next), ERR_OK);
	assert_int_equal(ns.n, 5);
	assert_false(trunc);
	assert_string_equal(ns.v[0], "bk-15");
	assert_string_equal(ns.v[4], "bk-19");

	/* Owner 2 sees only its own; a prefix matching nothing. */
	memset(&ns, 0, sizeof(ns));
	lo.prefix = NULL;
	lo.marker = NULL;
	lo.max_keys = 1000;
	assert_int_equal(bucket_list(f->db, 2, &lo, collect_bucket, &ns, &trunc,
	    next), ERR_OK);
	assert_int_equal(ns.n, 2);
	assert_string_equal(ns.v[0], "aa-2");
	assert_string_equal(ns.v[1], "bk-50");
	memset(&ns, 0, sizeof(ns));
	lo.prefix = "nothing";
	assert_int_equal(bucket_list(f->db, 1, &lo, collect_bucket, &ns, &trunc,
	    next), ERR_OK);
	assert_int_equal(ns.n, 0);
	assert_false(trunc);
	assert_string_equal(next, "");
	/* '%' and '_' in a prefix are literal characters, not patterns. */
	lo.prefix = "bk_";
	assert_int_equal(bucket_list(f->db, 1, &lo, collect_bucket, &ns, &trunc,
	    next), ERR_OK);
	assert_int_equal(ns.n, 0);
}

static void
test_bucket_stat(void **state)
{
	struct fixture *f = *state;
	int64_t bid = make_bucket(f, "stat", 1), other = make_bucket(f, "oth", 1);
	struct extent_ref *dead;
	size_t ndead;
	struct bucket_stat st;
	static const struct { const char *key, *sc; uint64_t size; int64_t mt; }
	    objs[] = {
		{ "a", "Standard", 100, 10 }, { "b", "Standard", 23, 50 },
		{ "c", "IA", 7, 20 }, { "d", "Archive", 1000, 30 },
		{ "e", "ColdArchive", 1, 40 }, { "f", "DeepColdArchive", 2, 5 },
	};

	assert_int_equal(bucket_stat(f->db, bid, &st), ERR_OK);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.storage, 0);
	assert_int_equal(st.last_modified_ms, 0);

	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		struct object o = make_object(bid, objs[i].key, objs[i].size,
		    objs[i].sc);
		o.mtime_ms = objs[i].mt;
		assert_int_equal(replace(f, &o, NULL, 0, &dead, &ndead), ERR_OK);
	}
	struct object x = make_object(other, "x", 999999, "Standard");
	assert_int_equal(replace(f, &x, NULL, 0, &dead, &ndead), ERR_OK);

	struct mpu u;
	memset(&u, 0, sizeof(u));
	u.bucket = bid;
	snprintf(u.upload_id, sizeof(u.upload_id), "%032X", 7);
	u.key = "mp";
	snprintf(u.storage_class, sizeof(u.storage_class), "Standard");
	assert_int_equal(mpu_create(f->db, &u), ERR_OK);
	for (unsigned pn = 1; pn <= 2; pn++) {
		struct mpu_part p;
		struct extent e = make_extent(f, pn * 10);
		memset(&p, 0, sizeof(p));
		p.number = pn;
		p.size = pn * 10;
		snprintf(p.etag, sizeof(p.etag), "ETAG");
		assert_int_equal(db_tx_begin(f->db), ERR_OK);
		assert_int_equal(mpu_part_put(f->db, &f->a, u.id, &p, &e, &dead,
		    &ndead), ERR_OK);
		assert_int_equal(db_tx_commit(f->db), ERR_OK);
	}

	assert_int_equal(bucket_stat(f->db, bid, &st), ERR_OK);
	assert_int_equal(st.objects, 6);
	assert_int_equal(st.storage, 1133);
	assert_int_equal(st.last_modified_ms, 50);
	assert_int_equal(st.uploads, 1);
	assert_int_equal(st.parts_storage, 30);
	assert_int_equal(st.per_class_objects[0], 2);
	assert_int_equal(st.per_class_storage[0], 123);
	assert_int_equal(st.per_class_objects[1], 1);
	assert_int_equal(st.per_class_storage[1], 7);
	assert_int_equal(st.per_class_storage[2], 1000);
	assert_int_equal(st.per_class_storage[3], 1);
	assert_int_equal(st.per_class_storage[4], 2);
	assert_int_equal(st.per_class_objects[4], 1);
}

/* ---- object_list against a model ---- */

struct entry {
	bool	 prefix;	/* common prefix, else key */
	char	*s;
};

struct entries {
	struct entry	*v;
	size_t		 n, cap;
};

static void
entries_add(struct entries *e, bool prefix, const char *s)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		assert_non_null(e->v);
	}
	e->v[e->n].prefix = prefix;
	e->v[e->n].s = strdup(s);
	assert_non_null(e->v[e->n].s);
	e->n++;
}

static void
entries_free(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].s);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static void
cb_object(void *ctx, const struct object *o)
{
	entries_add(ctx, false, o->key);
}

static void
cb_prefix(void *ctx, const char *p)
{
	entries_add(ctx, true, p);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The reference: walk the sorted keys; keep those under the prefix and
 * after the marker; fold a key containing the delimiter after the prefix
 * into prefix..delimiter, reported once and only when it sorts after the
 * marker (a common prefix at or before the marker belongs to an earlier
 * page). The page is the first max entries; it is truncated when more
 * entries exist, and NextMarker is its last entry.
 */
static void
ref_list(char **keys, size_t nkeys, const struct object_list_opts *o,
    struct entries *out, bool *ret_trunc, const char **ret_next)
{
	struct entries all = { 0 };
	const char *prefix = o->prefix ? o->prefix : "";
	const char *delim = o->delimiter && o->delimiter[0] ? o->delimiter : NULL;
	const char *marker = o->marker ? o->marker : "";
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < nkeys; i++) {
		const char *k = keys[i];
		const char *d;

		if (strncmp(k, prefix, plen) != 0 || strcmp(k, marker) <= 0)
			continue;
		d = delim ? strstr(k + plen, delim) : NULL;
		if (d != NULL) {
			size_t cl = (size_t)(d - k) + strlen(delim);
			char *cp = strndup(k, cl);
			assert_non_null(cp);
			if (strcmp(cp, marker) > 0 && !(all.n > 0 &&
			    all.v[all.n - 1].prefix &&
			    strcmp(all.v[all.n - 1].s, cp) == 0))
				entries_add(&all, true, cp);
			free(cp);
		} else
			entries_add(&all, false, k);
	}
	*ret_trunc = all.n > o->max_keys;
	for (size_t i = 0; i < all.n && i < o->max_keys; i++)
		entries_add(out, all.v[i].prefix, all.v[i].s);
	*ret_next = *ret_trunc ? out->v[out->n - 1].s : NULL;
	entries_free(&all);
}

static char *
describe(const struct object_list_opts *o)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "prefix=%s%s%s delimiter=%s%s%s marker=%s%s%s "
	    "max_keys=%u",
	    o->prefix ? "\"" : "", o->prefix ? o->prefix : "NULL",
	    o->prefix ? "\"" : "",
	    o->delimiter ? "\"" : "", o->delimiter ? o->delimiter : "NULL",
	    o->delimiter ? "\"" : "",
	    o->marker ? "\"" : "", o->marker ? o->marker : "NULL",
	    o->marker ? "\"" : "", o->max_keys);
	return buf;
}

static void
expect_same(const struct entries *got, const struct entries *want,
    const struct object_list_opts *o, int page)
{
	if (got->n != want->n)
		fail_msg("%s page %d: %zu entries, reference %zu", describe(o),
		    page, got->n, want->n);
	for (size_t i = 0; i < got->n; i++)
		if (got->v[i].prefix != want->v[i].prefix ||
		    strcmp(got->v[i].s, want->v[i].s) != 0)
			fail_msg("%s page %d entry %zu: %s \"%s\", reference "
			    "%s \"%s\"", describe(o), page, i,
			    got->v[i].prefix ? "prefix" : "key", got->v[i].s,
			    want->v[i].prefix ? "prefix" : "key", want->v[i].s);
}

/* Lists with o page by page, comparing every page with the reference and
 * the concatenation with the reference's single unlimited page. */
static void
check_listing(struct fixture *f, int64_t bid, char **keys, size_t nkeys,
    const struct object_list_opts *o0)
{
	struct object_list_opts o = *o0, all_o = *o0;
	struct object_list_cb cb = { cb_object, cb_prefix, NULL };
	struct entries concat = { 0 }, all = { 0 };
	char *marker = o.marker ? strdup(o.marker) : NULL;
	bool all_trunc;
	const char *all_next;
	int page;

	for (page = 0; page < 2000; page++) {
		struct entries got = { 0 }, want = { 0 };
		struct arena a;
		bool trunc = false, want_trunc;
		const char *next = "sentinel", *want_next;

		o.marker = marker;
		arena_init(&a, ARENA_CAP);
		cb.ctx = &got;
		assert_int_equal(object_list(f->db, &a, bid, &o, &cb, &trunc,
		    &next), ERR_OK);
		ref_list(keys, nkeys, &o, &want, &want_trunc, &want_next);
		expect_same(&got, &want, &o, page);
		if (trunc != want_trunc)
			fail_msg("%s page %d: truncated %d, reference %d",
			    describe(&o), page, trunc, want_trunc);
		if (want_trunc) {
			if (next == NULL || strcmp(next, want_next) != 0)
				fail_msg("%s page %d: NextMarker \"%s\", "
				    "reference \"%s\"", describe(&o), page,
				    next ? next : "NULL", want_next);
		} else if (next != NULL)
			fail_msg("%s page %d: NextMarker \"%s\" on the last page",
			    describe(&o), page, next);
		for (size_t i = 0; i < got.n; i++)
			entries_add(&concat, got.v[i].prefix, got.v[i].s);
		free(marker);
		marker = trunc ? strdup(next) : NULL;
		arena_free(&a);
		entries_free(&got);
		entries_free(&want);
		if (!trunc)
			break;
	}
	assert_true(page < 2000);
	free(marker);

	all_o.max_keys = UINT32_MAX;
	ref_list(keys, nkeys, &all_o, &all, &all_trunc, &all_next);
	assert_false(all_trunc);
	expect_same(&concat, &all, o0, -1);
	entries_free(&concat);
	entries_free(&all);
}

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void
test_object_list_model(void **state)
{
	struct fixture *f = *state;
	int64_t bid = make_bucket(f, "list", 1), other = make_bucket(f, "noise", 1);
	static const char alpha[] = "ab/";
	static const char *const fixed[] = {
		"a/b/c", "a/b", "ab", "b/", "a/", "a//b", "a/b/", "b", "b/a/",
		"\xc3\xa9/x", "\xc3\xa9", "z\xf4\x8f\xbf\xbf/q", "a", "c/c/c",
	};
	char **keys = NULL;
	size_t nkeys = 0;
	uint64_t seed = 0x5eed1234;
	struct extent_ref *dead;
	size_t ndead;

	keys = calloc(400, sizeof(*keys));
	assert_non_null(keys);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		keys[nkeys++] = strdup(fixed[i]);
	while (nkeys < 300) {
		char k[8];
		size_t len = 1 + rng_next(&seed) % 6;

		k[0] = "abc"[rng_next(&seed) % 3];	/* keys never start with '/' */
		for (size_t i = 1; i < len; i++)
			k[i] = alpha[rng_next(&seed) % 3];
		k[len] = '\0';
		bool dup = false;
		for (size_t i = 0; i < nkeys; i++)
			if (strcmp(keys[i], k) == 0)
				dup = true;
		if (!dup)
			keys[nkeys++] = strdup(k);
	}
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	for (size_t i = 0; i < nkeys; i++) {
		struct object o = make_object(bid, keys[i], i, "Standard");
		assert_int_equal(object_replace(f->db, &f->a, &o, BUCKET_UNVERSIONED, NULL, 0, &dead,
		    &ndead), ERR_OK);
		/* The same keys in another bucket must never show up. */
		o = make_object(other, keys[i], i, "Standard");
		assert_int_equal(object_replace(f->db, &f->a, &o, BUCKET_UNVERSIONED, NULL, 0, &dead,
		    &ndead), ERR_OK);
	}
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	qsort(keys, nkeys, sizeof(*keys), cmp_str);

	static const char *const prefixes[] = {
		NULL, "", "a", "a/", "a/b", "a/b/", "b/", "ab", "c", "zz",
		"\xc3\xa9",
	};
	static const char *const delims[] = { NULL, "", "/", "b", "/b", "ab" };
	const char *markers[16] = {
		NULL, "", "a", "a/", "a/b", "a/b/", "b", "b/a", "/", "zzz",
		"\xc3\xa9/",
	};
	size_t nmarkers = 11;
	while (nmarkers < 14)
		markers[nmarkers++] = keys[rng_next(&seed) % nkeys];
	static const unsigned maxes[] = { 1, 2, 3, 7, 1000 };

	for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++)
		for (size_t d = 0; d < sizeof(delims) / sizeof(delims[0]); d++)
			for (size_t m = 0; m < nmarkers; m++)
				for (size_t x = 0; x < sizeof(maxes) / sizeof(maxes[0]); x++) {
					struct object_list_opts o = {
						.prefix = prefixes[p],
						.marker = markers[m],
						.delimiter = delims[d],
						.max_keys = maxes[x],
					};
					check_listing(f, bid, keys, nkeys, &o);
				}

	/* Spot checks of the model itself on known keys. */
	struct entries got = { 0 };
	struct object_list_cb cb = { cb_object, cb_prefix, &got };
	struct object_list_opts o = { .prefix = "a/", .delimiter = "/",
	    .max_keys = 1000 };
	bool trunc;
	const char *next;
	assert_int_equal(object_list(f->db, &f->a, bid, &o, &cb, &trunc, &next),
	    ERR_OK);
	assert_false(trunc);
	assert_null(next);
	/* "a/" itself is a key under the prefix, "a//b" folds into "a//". */
	bool saw_self = false, saw_dd = false, saw_ab = false;
	for (size_t i = 0; i < got.n; i++) {
		if (!got.v[i].prefix && strcmp(got.v[i].s, "a/") == 0)
			saw_self = true;
		if (got.v[i].prefix && strcmp(got.v[i].s, "a//") == 0)
			saw_dd = true;
		if (got.v[i].prefix && strcmp(got.v[i].s, "a/b/") == 0)
			saw_ab = true;
		if (!got.v[i].prefix && strcmp(got.v[i].s, "a/b/c") == 0)
			fail_msg("a/b/c listed although it folds into a/b/");
	}
	assert_true(saw_self && saw_dd && saw_ab);
	entries_free(&got);

	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
}

/* ---- object_list_versions against a model ---- */

/* One version row as the table holds it, in listing order. */
struct vrow {
	char	*key;
	char	 vid[BUCKET_VERSION_ID_MAX + 1];
	int64_t	 vseq;
};

struct ventry {
	bool	 prefix;
	char	*key;		/* or the common prefix */
	char	 vid[BUCKET_VERSION_ID_MAX + 1];
};

struct ventries {
	struct ventry	*v;
	size_t		 n, cap;
};

static void
ventries_add(struct ventries *e, bool prefix, const char *key, const char *vid)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		assert_non_null(e->v);
	}
	e->v[e->n].prefix = prefix;
	e->v[e->n].key = strdup(key);
	assert_non_null(e->v[e->n].key);
	snprintf(e->v[e->n].vid, sizeof(e->v[e->n].vid), "%s", vid);
	e->n++;
}

static void
ventries_free(struct ventries *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].key);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static void
vcb_version(void *ctx, const struct object *o)
{
	ventries_add(ctx, false, o->key, o->version_id);
}

static void
vcb_prefix(void *ctx, const char *p)
{
	ventries_add(ctx, true, p, "");
}

/*
 * The reference, over every row in (key, newest first) order: keep rows
 * under the prefix that come after the cursor (keys after key_marker; of
 * key_marker itself, the versions older than the one vid_marker names, or
 * none when it names none); fold as ref_list does, a common prefix at or
 * before key_marker belonging to an earlier page. The next page starts at
 * the last entry: its key and version id, or the common prefix and "".
 */
static void
ref_versions(const struct vrow *rows, size_t nrows,
    const struct version_list_opts *o, struct ventries *out, bool *ret_trunc)
{
	struct ventries all = { 0 };
	const char *prefix = o->prefix ? o->prefix : "";
	const char *delim = o->delimiter && o->delimiter[0] ? o->delimiter : NULL;
	const char *km = o->key_marker ? o->key_marker : "";
	size_t plen = strlen(prefix);
	int64_t below = 0;

	if (o->key_marker && o->vid_marker && o->vid_marker[0])
		for (size_t i = 0; i < nrows; i++)
			if (strcmp(rows[i].key, km) == 0 &&
			    strcmp(rows[i].vid, o->vid_marker) == 0)
				below = rows[i].vseq;
	for (size_t i = 0; i < nrows; i++) {
		const char *k = rows[i].key;
		const char *d;
		int c = strcmp(k, km);

		if (strncmp(k, prefix, plen) != 0 || c < 0 ||
		    (c == 0 && rows[i].vseq >= below))
			continue;
		d = delim ? strstr(k + plen, delim) : NULL;
		if (d != NULL) {
			size_t cl = (size_t)(d - k) + strlen(delim);
			char *cp = strndup(k, cl);

			assert_non_null(cp);
			if (strcmp(cp, km) > 0 && !(all.n > 0 &&
			    all.v[all.n - 1].prefix &&
			    strcmp(all.v[all.n - 1].key, cp) == 0))
				ventries_add(&all, true, cp, "");
			free(cp);
		} else
			ventries_add(&all, false, k, rows[i].vid);
	}
	*ret_trunc = all.n > o->max_keys;
	for (size_t i = 0; i < all.n && i < o->max_keys; i++)
		ventries_add(out, all.v[i].prefix, all.v[i].key, all.v[i].vid);
	ventries_free(&all);
}

static char *
vdescribe(const struct version_list_opts *o)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "prefix=%s delimiter=%s key_marker=%s "
	    "vid_marker=%s max_keys=%u", o->prefix ? o->prefix : "NULL",
	    o->delimiter ? o->delimiter : "NULL",
	    o->key_marker ? o->key_marker : "NULL",
	    o->vid_marker ? o->vid_marker : "NULL", o->max_keys);
	return buf;
}

static void
vexpect_same(const struct ventries *got, const struct ventries *want,
    const struct version_list_opts *o, int page)
{
	if (got->n != want->n)
		fail_msg("%s page %d: %zu entries, reference %zu", vdescribe(o),
		    page, got->n, want->n);
	for (size_t i = 0; i < got->n; i++)
		if (got->v[i].prefix != want->v[i].prefix ||
		    strcmp(got->v[i].key, want->v[i].key) != 0 ||
		    strcmp(got->v[i].vid, want->v[i].vid) != 0)
			fail_msg("%s page %d entry %zu: %s \"%s\" %s, reference "
			    "%s \"%s\" %s", vdescribe(o), page, i,
			    got->v[i].prefix ? "prefix" : "key", got->v[i].key,
			    got->v[i].vid, want->v[i].prefix ? "prefix" : "key",
			    want->v[i].key, want->v[i].vid);
}

/* Lists page by page from o0, each page against the reference, the next
 * page's markers being the ones the previous page returned; the pages
 * together must be the reference's single unlimited page. */
static void
check_versions(struct fixture *f, int64_t bid, const struct vrow *rows,
    size_t nrows, const struct version_list_opts *o0)
{
	struct version_list_opts o = *o0, all_o = *o0;
	struct version_list_cb cb = { vcb_version, vcb_prefix, NULL };
	struct ventries concat = { 0 }, all = { 0 };
	char *km = o.key_marker ? strdup(o.key_marker) : NULL;
	char *vm = o.vid_marker ? strdup(o.vid_marker) : NULL;
	bool all_trunc;
	int page;

	for (page = 0; page < 5000; page++) {
		struct ventries got = { 0 }, want = { 0 };
		struct version_list_next next = { .truncated = false };
		struct arena a;
		bool want_trunc;

		o.key_marker = km;
		o.vid_marker = vm;
		arena_init(&a, ARENA_CAP);
		cb.ctx = &got;
		assert_int_equal(object_list_versions(f->db, &a, bid, &o, &cb,
		    &next), ERR_OK);
		ref_versions(rows, nrows, &o, &want, &want_trunc);
		vexpect_same(&got, &want, &o, page);
		if (next.truncated != want_trunc)
			fail_msg("%s page %d: truncated %d, reference %d",
			    vdescribe(&o), page, next.truncated, want_trunc);
		if (want_trunc) {
			const struct ventry *last = &want.v[want.n - 1];

			if (next.key_marker == NULL || next.vid_marker == NULL ||
			    strcmp(next.key_marker, last->key) != 0 ||
			    strcmp(next.vid_marker, last->vid) != 0)
				fail_msg("%s page %d: next (%s, %s), reference "
				    "(%s, %s)", vdescribe(&o), page,
				    next.key_marker ? next.key_marker : "NULL",
				    next.vid_marker ? next.vid_marker : "NULL",
				    last->key, last->vid);
		} else if (next.key_marker != NULL || next.vid_marker != NULL)
			fail_msg("%s page %d: markers on the last page",
			    vdescribe(&o), page);
		for (size_t i = 0; i < got.n; i++)
			ventries_add(&concat, got.v[i].prefix, got.v[i].key,
			    got.v[i].vid);
		free(km);
		free(vm);
		km = next.truncated ? strdup(next.key_marker) : NULL;
		vm = next.truncated ? strdup(next.vid_marker) : NULL;
		arena_free(&a);
		ventries_free(&got);
		ventries_free(&want);
		if (!next.truncated)
			break;
	}
	assert_true(page < 5000);
	free(km);
	free(vm);

	all_o.max_keys = UINT32_MAX;
	ref_versions(rows, nrows, &all_o, &all, &all_trunc);
	assert_false(all_trunc);
	vexpect_same(&concat, &all, o0, -1);
	ventries_free(&concat);
	ventries_free(&all);
}

/* The rows of bucket bid as the table holds them, in listing order. */
static size_t
read_rows(struct fixture *f, int64_t bid, struct vrow **ret)
{
	sqlite3_stmt *st = NULL;
	struct vrow *v = NULL;
	size_t n = 0, cap = 0;

	assert_int_equal(sqlite3_prepare_v2(db_conn(f->db),
	    "SELECT key, version_id, vseq FROM objects WHERE bucket = ?"
	    " ORDER BY key, vseq DESC", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, bid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		v[n].key = strdup((const char *)sqlite3_column_text(st, 0));
		snprintf(v[n].vid, sizeof(v[n].vid), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		v[n].vseq = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	*ret = v;
	return n;
}

static void
test_object_list_versions_model(void **state)
{
	struct fixture *f = *state;
	int64_t bid = make_bucket(f, "vlist", 1), other = make_bucket(f, "vnoise", 1);
	static const char *const fixed[] = {
		"a", "a/", "a/b", "a/b/c", "a//b", "ab", "b", "b/", "b/a/",
		"c/c/c", "\xc3\xa9", "\xc3\xa9/x",
	};
	static const char alpha[] = "ab/";
	char *keys[80];
	size_t nkeys = 0;
	uint64_t seed = 0x7e55e1;
	struct extent_ref *dead;
	size_t ndead;
	int64_t now = 10000;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		keys[nkeys++] = strdup(fixed[i]);
	while (nkeys < 60) {
		char k[6];
		size_t len = 1 + rng_next(&seed) % 4;
		bool dup = false;

		k[0] = "abc"[rng_next(&seed) % 3];
		for (size_t i = 1; i < len; i++)
			k[i] = alpha[rng_next(&seed) % 3];
		k[len] = '\0';
		for (size_t i = 0; i < nkeys; i++)
			dup |= strcmp(keys[i], k) == 0;
		if (!dup)
			keys[nkeys++] = strdup(k);
	}
	/* Histories: plain writes before versioning (null), then Enabled
	 * writes and markers, Suspended ones replacing the null version. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	for (size_t i = 0; i < nkeys; i++) {
		unsigned nops = 1 + rng_next(&seed) % 5;

		for (unsigned j = 0; j < nops; j++) {
			unsigned op = rng_next(&seed) % 6;
			enum bucket_versioning v = j == 0 && op == 0 ?
			    BUCKET_UNVERSIONED : op % 3 == 2 ?
			    BUCKET_VERSIONING_SUSPENDED : BUCKET_VERSIONING_ENABLED;
			struct object o = make_object(bid, keys[i], j, "Standard");

			o.mtime_ms = now++;
			if (op >= 4 && j > 0) {
				struct object m;

				assert_int_equal(object_delete_marker(f->db, &f->a,
				    bid, keys[i], v, o.mtime_ms, &m, &dead,
				    &ndead), ERR_OK);
			} else
				assert_int_equal(object_replace(f->db, &f->a, &o,
				    v, NULL, 0, &dead, &ndead), ERR_OK);
		}
		struct object o = make_object(other, keys[i], i, "Standard");
		assert_int_equal(object_replace(f->db, &f->a, &o,
		    BUCKET_VERSIONING_ENABLED, NULL, 0, &dead, &ndead), ERR_OK);
	}
	assert_int_equal(db_tx_commit(f->db), ERR_OK);

	struct vrow *rows;
	size_t nrows = read_rows(f, bid, &rows);
	assert_true(nrows > nkeys);
	/* Exactly one latest version per key; the newest is it. */
	assert_int_equal(q_i64(f->db, "SELECT count(*) FROM objects o WHERE"
	    " latest = 1 AND vseq <> (SELECT max(vseq) FROM objects p WHERE"
	    " p.bucket = o.bucket AND p.key = o.key)"), 0);

	static const char *const prefixes[] = {
		NULL, "a", "a/", "a/b", "b/", "c", "zz", "\xc3\xa9",
	};
	static const char *const delims[] = { NULL, "/", "b", "/b" };
	static const unsigned maxes[] = { 1, 2, 3, 5, 1000 };
	/* Key markers: none, keys with each of their versions, a bogus and
	 * a null version id, and markers that name no key. */
	struct { const char *km, *vm; } marks[64];
	size_t nmarks = 0;
	marks[nmarks].km = NULL, marks[nmarks++].vm = NULL;
	marks[nmarks].km = "a/", marks[nmarks++].vm = NULL;
	marks[nmarks].km = "a/", marks[nmarks++].vm = "CAEQnosuchversion";
	marks[nmarks].km = "a", marks[nmarks++].vm = "null";
	marks[nmarks].km = "a/a", marks[nmarks++].vm = "null";	/* maybe no key */
	marks[nmarks].km = "zzz", marks[nmarks++].vm = NULL;
	marks[nmarks].km = "", marks[nmarks++].vm = NULL;
	for (size_t i = 0; i < nrows && nmarks < 40; i += 1 + nrows / 30)
		marks[nmarks].km = rows[i].key, marks[nmarks++].vm = rows[i].vid;

	for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++)
		for (size_t d = 0; d < sizeof(delims) / sizeof(delims[0]); d++)
			for (size_t m = 0; m < nmarks; m++)
				for (size_t x = 0; x < sizeof(maxes) / sizeof(maxes[0]); x++) {
					struct version_list_opts o = {
						.prefix = prefixes[p],
						.delimiter = delims[d],
						.key_marker = marks[m].km,
						.vid_marker = marks[m].vm,
						.max_keys = maxes[x],
					};
					check_versions(f, bid, rows, nrows, &o);
				}

	/* Spot checks on known rows: a vid marker naming the key's oldest
	 * version resumes at the next key; prefix after the marker wins. */
	struct ventries got = { 0 };
	struct version_list_cb cb = { vcb_version, vcb_prefix, &got };
	struct version_list_next next;
	size_t last_a = 0;
	for (size_t i = 0; i < nrows; i++)
		if (strcmp(rows[i].key, "a") == 0)
			last_a = i;
	struct version_list_opts o = { .key_marker = "a",
	    .vid_marker = rows[last_a].vid, .max_keys = 1 };
	assert_int_equal(object_list_versions(f->db, &f->a, bid, &o, &cb,
	    &next), ERR_OK);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.v[0].key, rows[last_a + 1].key);
	assert_true(next.truncated);
	ventries_free(&got);
	o = (struct version_list_opts){ .prefix = "b", .key_marker = "a/b",
	    .vid_marker = "null", .max_keys = 1000 };
	cb.ctx = &got;
	assert_int_equal(object_list_versions(f->db, &f->a, bid, &o, &cb,
	    &next), ERR_OK);
	assert_true(got.n > 0);
	assert_string_equal(got.v[0].key, "b");
	assert_false(next.truncated);
	assert_null(next.key_marker);
	ventries_free(&got);

	for (size_t i = 0; i < nrows; i++)
		free(rows[i].key);
	free(rows);
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
}

/*
 * A data dir of a release before object versions (schema 10) upgrades in
 * place: rows keep their id and MAC, the seal still matches, references
 * stay whole, and the table then takes versions.
 */
static void
test_upgrade_to_versions(void **state)
{
	struct fixture *f = *state;
	struct db_seal_totals t;
	struct db_seal seal;
	struct extent_ref *dead;
	struct object o, v;
	struct db *db;
	char path[512];
	size_t ndead;

	snprintf(path, sizeof(path), "%s/old.db", f->dir);
	assert_int_equal(db_open_schema(path, 10, &db), ERR_OK);
	assert_int_equal(db_schema_version(db), 10);
	assert_int_equal(test_db_seal(db), 0);
	assert_int_equal(db_exec(db, "INSERT INTO accounts (id, account_id,"
	    " name, created_ms) VALUES (1, '1000000000000001', 'alice', 0)"),
	    ERR_OK);
	/* Rows as schema 10 wrote them (this binary's bucket code reads
	 * columns it did not have): objects with the seven-field MAC. */
	assert_int_equal(db_exec(db, "INSERT INTO buckets (id, name, owner,"
	    " region, storage_class, redundancy, acl, created_ms) VALUES"
	    " (1, 'old', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0)"),
	    ERR_OK);
	assert_int_equal(db_exec(db, "INSERT INTO objects (id, bucket, key,"
	    " type, size, etag, crc64, storage_class, mtime_ms, mac)"
	    " VALUES (7, 1, 'k', 'Normal', 3, 'E', 9, 'Standard', 1000,"
	    " coffer_mac('object', 1, 'k', 'Normal', 3, 'E', 9, 1000))"),
	    ERR_OK);
	assert_int_equal(db_exec(db, "INSERT INTO extents (uuid, object, seq,"
	    " plain_len, wrapped_dek, wrap_key, inline, mac) VALUES"
	    " (x'00112233445566778899aabbccddeeff', 7, 0, 3, x'01', 'oss',"
	    " x'02', coffer_mac('extent', 7, NULL, 0,"
	    " x'00112233445566778899aabbccddeeff', 3, x'01', 'oss'))"),
	    ERR_OK);
	db_close(db);

	assert_int_equal(db_open(path, &db), ERR_OK);
	assert_int_equal(db_schema_version(db), db_schema_latest());
	{
		uint8_t key[DB_SEAL_KEY_BYTES];

		memset(key, 0x5a, sizeof(key));
		assert_int_equal(db_seal_key_set(db, key), ERR_OK);
	}
	assert_int_equal(db_seal_read(db, &seal), ERR_OK);
	assert_int_equal(object_seal_totals(db, &t), ERR_OK);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.bad, 0);
	assert_int_equal(seal.objects_n, 1);
	assert_true(db_seal_acc_equal(t.acc, seal.objects_acc));
	assert_int_equal(object_get(db, &f->a, 1, "k", &o), ERR_OK);
	assert_true(o.sealed);
	assert_int_equal(o.id, 7);
	assert_string_equal(o.version_id, "null");
	assert_true(o.latest);
	/* The upgraded table takes a new version over the old row. */
	memset(&v, 0, sizeof(v));
	v.bucket = 1;
	v.key = "k";
	v.headers = v.tags = "";
	snprintf(v.type, sizeof(v.type), "Normal");
	snprintf(v.etag, sizeof(v.etag), "F");
	snprintf(v.storage_class, sizeof(v.storage_class), "Standard");
	v.mtime_ms = 2000;
	assert_int_equal(db_tx_begin(db), ERR_OK);
	assert_int_equal(object_replace(db, &f->a, &v,
	    BUCKET_VERSIONING_ENABLED, NULL, 0, &dead, &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(db), ERR_OK);
	assert_int_equal(ndead, 0);
	assert_int_equal(object_get(db, &f->a, 1, "k", &o), ERR_OK);
	assert_true(o.sealed);
	assert_string_equal(o.version_id, v.version_id);
	assert_int_equal(object_get_version(db, &f->a, 1, "k", "null", &o),
	    ERR_OK);
	assert_false(o.latest);
	assert_int_equal(o.noncurrent_ms, 2000);
	assert_true(o.sealed);
	assert_int_equal(object_seal_totals(db, &t), ERR_OK);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.bad, 0);
	db_close(db);
}

/* ---- row MACs computed in C, checked by the SQL functions ---- */

/* The seals as the SQL of earlier releases wrote and checked them (the
 * seven-field object form of 0009, the eleven-field one of 0011). */
#define SQL_OBJ7 "coffer_mac_ok(mac, 'object', bucket, key, type, size," \
	" etag, crc64, mtime_ms)"
#define SQL_OBJ11 "coffer_mac_ok(mac, 'object', bucket, key, type, size," \
	" etag, crc64, mtime_ms, version_id, retain_mode, retain_until_ms," \
	" legal_hold)"
#define SQL_EXT "coffer_mac_ok(mac, 'extent', object, part, seq, uuid," \
	" plain_len, wrapped_dek, wrap_key)"

/* Which form the stored MAC of object row id verifies under: 7, 11, or 0
 * for neither. */
static int
obj_form(struct fixture *f, int64_t id)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT " SQL_OBJ7 " FROM objects"
	    " WHERE id = %lld", (long long)id);
	if (q_i64(f->db, sql) == 1)
		return 7;
	snprintf(sql, sizeof(sql), "SELECT " SQL_OBJ11 " FROM objects"
	    " WHERE id = %lld", (long long)id);
	return q_i64(f->db, sql) == 1 ? 11 : 0;
}

/* Extent rows whose stored MAC fails the SQL check. */
static int64_t
ext_bad(struct fixture *f)
{
	return q_i64(f->db, "SELECT count(*) FROM extents WHERE NOT " SQL_EXT);
}

static bool
get_sealed(struct fixture *f, int64_t bucket, const char *key)
{
	struct object r;

	assert_int_equal(object_get(f->db, &f->a, bucket, key, &r), ERR_OK);
	return r.sealed;
}

static void
test_row_macs(void **state)
{
	struct fixture *f = *state;
	int64_t bid = make_bucket(f, "macs", 1);
	int64_t wid = make_bucket(f, "macs-worm", 1);
	struct extent_ref *dead;
	struct extent e[2], *got;
	struct object o, r, m;
	size_t ndead, n;

	/* Unversioned, no retention: the legacy seven-field form. */
	e[0] = make_extent(f, 1);
	e[1] = make_extent(f, 2);
	o = make_object(bid, "legacy", 3, "Standard");
	assert_int_equal(replace(f, &o, e, 2, &dead, &ndead), ERR_OK);
	assert_int_equal(obj_form(f, o.id), 7);
	assert_true(get_sealed(f, bid, "legacy"));
	/* Overwritten in place, it keeps the form. */
	e[0] = make_extent(f, 5);
	o = make_object(bid, "legacy", 5, "IA");
	assert_int_equal(replace(f, &o, e, 1, &dead, &ndead), ERR_OK);
	assert_int_equal(obj_form(f, o.id), 7);
	assert_int_equal(ext_bad(f), 0);

	/* A retention or a hold moves it to eleven fields, and clearing
	 * both back to seven. */
	assert_int_equal(object_get(f->db, &f->a, bid, "legacy", &r), ERR_OK);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_set_retention(f->db, &r, "GOVERNANCE", 99999,
	    NULL), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(obj_form(f, o.id), 11);
	assert_true(get_sealed(f, bid, "legacy"));
	assert_int_equal(object_get(f->db, &f->a, bid, "legacy", &r), ERR_OK);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_set_legal_hold(f->db, &r, true, NULL),
	    ERR_OK);
	assert_int_equal(object_get(f->db, &f->a, bid, "legacy", &r), ERR_OK);
	assert_int_equal(object_set_retention(f->db, &r, "", 0, NULL),
	    ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(obj_form(f, o.id), 11);
	assert_int_equal(object_get(f->db, &f->a, bid, "legacy", &r), ERR_OK);
	assert_true(r.sealed && r.legal_hold && r.retain_mode[0] == '\0');
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_set_legal_hold(f->db, &r, false, NULL),
	    ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(obj_form(f, o.id), 7);
	assert_true(get_sealed(f, bid, "legacy"));

	/* A version with an id, and delete markers with and without one. */
	o = make_object(bid, "v", 1, "Standard");
	e[0] = make_extent(f, 1);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_replace(f->db, &f->a, &o,
	    BUCKET_VERSIONING_ENABLED, e, 1, &dead, &ndead), ERR_OK);
	assert_int_equal(object_delete_marker(f->db, &f->a, bid, "v",
	    BUCKET_VERSIONING_ENABLED, 6000, &m, &dead, &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(obj_form(f, o.id), 11);
	assert_int_equal(obj_form(f, m.id), 11);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_delete_marker(f->db, &f->a, bid, "v",
	    BUCKET_VERSIONING_SUSPENDED, 7000, &m, &dead, &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(obj_form(f, m.id), 7);
	assert_int_equal(object_get_version(f->db, &f->a, bid, "v",
	    o.version_id, &r), ERR_OK);
	assert_true(r.sealed);

	/* ObjectWorm's default retention, written and sealed; none for an
	 * Appendable object, whose appends keep the seal. */
	assert_int_equal(db_exec(f->db, "INSERT INTO object_worm (bucket,"
	    " mode, days, years, created_ms, updated_ms, mac) SELECT id,"
	    " 'COMPLIANCE', 2, 1, 0, 0, coffer_mac('objworm') FROM buckets"
	    " WHERE name = 'macs-worm'"), ERR_OK);
	o = make_object(wid, "w", 1, "Standard");
	e[0] = make_extent(f, 1);
	assert_int_equal(replace(f, &o, e, 1, &dead, &ndead), ERR_OK);
	assert_string_equal(o.retain_mode, "COMPLIANCE");
	assert_int_equal(o.retain_until_ms, 5000 + 367LL * 86400000);
	assert_int_equal(obj_form(f, o.id), 11);
	assert_int_equal(object_get(f->db, &f->a, wid, "w", &r), ERR_OK);
	assert_true(r.sealed);
	assert_string_equal(r.retain_mode, "COMPLIANCE");
	assert_int_equal(r.retain_until_ms, o.retain_until_ms);
	o = make_object(wid, "app", 1, "Standard");
	e[0] = make_extent(f, 1);
	snprintf(o.type, sizeof(o.type), "Appendable");
	assert_int_equal(replace(f, &o, e, 1, &dead, &ndead), ERR_OK);
	assert_string_equal(o.retain_mode, "");
	assert_int_equal(obj_form(f, o.id), 7);
	assert_int_equal(object_get(f->db, &f->a, wid, "app", &r), ERR_OK);
	r.size += 2;
	r.mtime_ms = 8000;
	e[1] = make_extent(f, 2);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_append_extent(f->db, &r, &e[1]), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(obj_form(f, o.id), 7);
	assert_int_equal(object_extents(f->db, &f->a, o.id, &got, &n), ERR_OK);
	assert_int_equal(n, 2);

	/* Multipart: parts' extents sealed at the part, then at the object;
	 * one edited while a part moves without a MAC. */
	for (int bad = 0; bad < 2; bad++) {
		static const unsigned numbers[] = { 1, 2 };
		struct mpu u;
		char sql[256];

		memset(&u, 0, sizeof(u));
		u.bucket = bid;
		snprintf(u.upload_id, sizeof(u.upload_id), "%032X", 10 + bad);
		u.key = bad ? "mp-bad" : "mp";
		u.headers = u.tags = "";
		snprintf(u.storage_class, sizeof(u.storage_class), "Standard");
		assert_int_equal(mpu_create(f->db, &u), ERR_OK);
		for (unsigned pn = 1; pn <= 2; pn++) {
			struct mpu_part p;
			struct extent pe = make_extent(f, pn);

			memset(&p, 0, sizeof(p));
			p.number = pn;
			p.size = pn;
			snprintf(p.etag, sizeof(p.etag), "ETAG");
			assert_int_equal(db_tx_begin(f->db), ERR_OK);
			assert_int_equal(mpu_part_put(f->db, &f->a, u.id, &p,
			    &pe, &dead, &ndead), ERR_OK);
			assert_int_equal(db_tx_commit(f->db), ERR_OK);
		}
		assert_int_equal(ext_bad(f), 0);
		if (bad)
			assert_int_equal(db_exec(f->db, "UPDATE extents SET"
			    " plain_len = 1 WHERE plain_len = 2 AND part IS NOT"
			    " NULL"), ERR_OK);
		o = make_object(bid, u.key, 3, "Standard");
		snprintf(o.type, sizeof(o.type), "Multipart");
		assert_int_equal(db_tx_begin(f->db), ERR_OK);
		assert_int_equal(mpu_complete(f->db, &f->a, &u, numbers, 2, &o,
		    BUCKET_UNVERSIONED, &dead, &ndead), ERR_OK);
		assert_int_equal(db_tx_commit(f->db), ERR_OK);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM extents WHERE"
		    " object = %lld AND mac IS NULL", (long long)o.id);
		assert_int_equal(q_i64(f->db, sql), bad ? 1 : 0);
		assert_int_equal(ext_bad(f), bad ? 1 : 0);
		assert_int_equal(object_extents(f->db, &f->a, o.id, &got, &n),
		    bad ? ERR_CORRUPT : ERR_OK);
		if (bad)
			assert_int_equal(db_exec(f->db, "DELETE FROM extents"
			    " WHERE mac IS NULL"), ERR_OK);
	}

	/* Editing a covered column is still seen. */
	assert_int_equal(db_exec(f->db, "UPDATE objects SET etag = 'X'"
	    " WHERE key = 'legacy'"), ERR_OK);
	assert_false(get_sealed(f, bid, "legacy"));
	assert_int_equal(db_exec(f->db, "UPDATE objects SET legal_hold = 1"
	    " WHERE key = 'mp'"), ERR_OK);
	assert_false(get_sealed(f, bid, "mp"));
	assert_int_equal(db_exec(f->db, "UPDATE objects SET retain_until_ms ="
	    " retain_until_ms + 1 WHERE key = 'w'"), ERR_OK);
	assert_false(get_sealed(f, wid, "w"));
	assert_int_equal(db_exec(f->db, "UPDATE extents SET wrap_key = 'x'"
	    " WHERE object = (SELECT id FROM objects WHERE key = 'app')"
	    " AND seq = 1"), ERR_OK);
	assert_int_equal(ext_bad(f), 1);
	assert_int_equal(object_get(f->db, &f->a, wid, "app", &r), ERR_OK);
	assert_int_equal(object_extents(f->db, &f->a, r.id, &got, &n),
	    ERR_CORRUPT);
}

/* Sealing what has no MAC yet, and everything again under a new key, from
 * the rows as they stand. */
static void
test_row_macs_reseal(void **state)
{
	struct fixture *f = *state;
	int64_t bid = make_bucket(f, "reseal", 1);
	struct db_seal_totals t;
	struct extent_ref *dead;
	uint8_t key[DB_SEAL_KEY_BYTES];
	struct extent e;
	struct object o;
	size_t ndead;
	int64_t ids[3];

	for (int i = 0; i < 3; i++) {
		char k[8];

		snprintf(k, sizeof(k), "k%d", i);
		e = make_extent(f, 1);
		o = make_object(bid, k, 1, "Standard");
		assert_int_equal(db_tx_begin(f->db), ERR_OK);
		assert_int_equal(object_replace(f->db, &f->a, &o, i == 0 ?
		    BUCKET_UNVERSIONED : BUCKET_VERSIONING_ENABLED, &e, 1,
		    &dead, &ndead), ERR_OK);
		if (i == 2)
			assert_int_equal(object_set_legal_hold(f->db, &o, true,
			    NULL), ERR_OK);
		assert_int_equal(db_tx_commit(f->db), ERR_OK);
		ids[i] = o.id;
	}
	assert_int_equal(db_exec(f->db, "UPDATE objects SET mac = NULL"
	    " WHERE key <> 'k1'"), ERR_OK);
	assert_int_equal(db_exec(f->db, "UPDATE extents SET mac = NULL"),
	    ERR_OK);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_seal_all(f->db, false), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(obj_form(f, ids[0]), 7);
	assert_int_equal(obj_form(f, ids[1]), 11);
	assert_int_equal(obj_form(f, ids[2]), 11);
	assert_int_equal(ext_bad(f), 0);

	memset(key, 0x33, sizeof(key));
	assert_int_equal(db_seal_key_set(f->db, key), ERR_OK);
	assert_int_equal(object_seal_totals(f->db, &t), ERR_OK);
	assert_int_equal(t.bad, 3);
	assert_int_equal(ext_bad(f), 3);
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_seal_all(f->db, true), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	assert_int_equal(object_seal_totals(f->db, &t), ERR_OK);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.bad, 0);
	assert_int_equal(obj_form(f, ids[0]), 7);
	assert_int_equal(obj_form(f, ids[2]), 11);
	assert_int_equal(ext_bad(f), 0);
	assert_true(get_sealed(f, bid, "k2"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_key_valid),
		cmocka_unit_test(test_enums_valid),
		cmocka_unit_test(test_acl_decide),
		cmocka_unit_test(test_cname_domain_valid),
		cmocka_unit_test_setup_teardown(test_bucket_put_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_put_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_update_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_stat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_list_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_list_versions_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_to_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_macs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_macs_reseal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
