/* SPDX-License-Identifier: ISC */
/*
 * test_inventory.c: inventory configurations (worm/inventory.h) and the
 * report writer (jobs/jobs.h) on a real SQLite database.
 *
 * Validation (every rule refused once), the Daily/Weekly slots, claiming a
 * slot once, create-only storage with the 1000 limit and 100-per-page
 * listing; then the report: exact CSV bytes of a row, and a whole run for a
 * small bucket captured through the put callback: data parts first, the
 * gunzipped CSV byte for byte, manifest.json byte for byte (with the parts'
 * sizes and MD5s), manifest.checksum, part splitting, the empty report and
 * a destination that changed hands.
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
#include <zlib.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "db/db.h"
#include "hash/hash.h"
#include "jobs/jobs.h"
#include "support/test_seal.h"
#include "support/test_audit_mac.h"
#include "support/test_support.h"
#include "inventory/inventory.h"

#define T0		((int64_t)1790000000000)	/* 2026-09-21T14:13:20Z */
#define DAY		(86400000LL)
#define FIRST_SLOT	((int64_t)1790006400000)	/* 2026-09-21T16:00:00Z */
#define MAXPUT		64

struct put {
	char	*key;
	char	*data;
	size_t	 len;
	char	 type[64];
	char	 alg[16];
	char	 kid[64];
	int64_t	 bucket;
};

struct fixture {
	char		*dir;
	struct db	*db;
	struct arena	 a;
	struct put	 puts[MAXPUT];
	size_t		 nputs;
	enum err	 fail_put;	/* returned by the callback when set */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[512];

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("inventory");
	snprintf(path, sizeof(path), "%s/coffer.db", f->dir);
	if (db_open(path, &f->db) != ERR_OK || test_db_seal(f->db) != 0)
		return -1;
	if (test_audit_mac_install(f->db) != 0)
		return -1;
	if (db_exec(f->db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '1000000000000001', 'alice', 0),"
	    " (2, '1000000000000002', 'bob', 0);"
	    "INSERT INTO buckets (id, name, owner, region, storage_class,"
	    " redundancy, acl, created_ms) VALUES"
	    " (1, 'src', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0),"
	    " (2, 'dst', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0),"
	    " (3, 'bobs', 2, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0)")
	    != ERR_OK)
		return -1;
	arena_init(&f->a, 1 << 20);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < f->nputs; i++) {
		free(f->puts[i].key);
		free(f->puts[i].data);
	}
	arena_free(&f->a);
	db_close(f->db);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A valid configuration of bucket src to dst. */
static void
config_base(struct inventory_config *c)
{
	memset(c, 0, sizeof(*c));
	c->bucket_id = 1;
	snprintf(c->id, sizeof(c->id), "report1");
	c->enabled = true;
	snprintf(c->account_id, sizeof(c->account_id), "1000000000000001");
	snprintf(c->role_arn, sizeof(c->role_arn),
	    "acs:ram::1000000000000001:role/AliyunOSSRole");
	snprintf(c->dest_bucket, sizeof(c->dest_bucket), "dst");
	snprintf(c->dest_prefix, sizeof(c->dest_prefix), "pfx");
	c->sse = INVENTORY_SSE_OSS;
	c->frequency = INVENTORY_DAILY;
}

static void
test_parsers(void **state)
{
	enum inventory_field fld;
	char name[INVENTORY_BUCKET_MAX + 1];
	unsigned bits = 99;
	char long_arn[128];

	(void)state;
	assert_true(inventory_field_parse("Size", &fld));
	assert_int_equal(fld, INVENTORY_FIELD_SIZE);
	assert_true(inventory_field_parse("Crc64", &fld));
	assert_int_equal(fld, INVENTORY_FIELD_CRC64);
	assert_true(inventory_field_parse("TransitionTime", &fld));
	/* EC 0020-00000036: unknown or differently spelled fields. */
	assert_false(inventory_field_parse("StartTime", &fld));
	assert_false(inventory_field_parse("size", &fld));
	assert_false(inventory_field_parse("", &fld));
	for (unsigned i = 0; i < INVENTORY_FIELD__COUNT; i++) {
		assert_true(inventory_field_parse(
		    inventory_field_name((enum inventory_field)i), &fld));
		assert_int_equal(fld, i);
	}

	assert_true(inventory_dest_parse("acs:oss:::destination-bucket", name));
	assert_string_equal(name, "destination-bucket");
	/* EC 0020-00000032: malformed destinations. */
	assert_false(inventory_dest_parse("acs:oss::bk", name));
	assert_false(inventory_dest_parse("acs:oss:::", name));
	assert_false(inventory_dest_parse("destination-bucket", name));
	assert_false(inventory_dest_parse("acs:oss:::a/b", name));
	memset(long_arn, 0, sizeof(long_arn));
	memcpy(long_arn, "acs:oss:::", 10);
	memset(long_arn + 10, 'a', 64);
	assert_false(inventory_dest_parse(long_arn, name));
	long_arn[10 + 63] = '\0';
	assert_true(inventory_dest_parse(long_arn, name));

	assert_true(inventory_storage_classes_parse("", &bits));
	assert_int_equal(bits, 0);
	assert_true(inventory_storage_classes_parse("Standard,IA", &bits));
	assert_int_equal(bits, INVENTORY_SC_STANDARD | INVENTORY_SC_IA);
	assert_true(inventory_storage_classes_parse("DeepColdArchive", &bits));
	assert_int_equal(bits, INVENTORY_SC_DEEP_COLD_ARCHIVE);
	assert_false(inventory_storage_classes_parse("Standard,", &bits));
	assert_false(inventory_storage_classes_parse("Standard,Hot", &bits));
	assert_false(inventory_storage_classes_parse(",IA", &bits));
}

static void
test_validate(void **state)
{
	struct inventory_config c;

	(void)state;
	config_base(&c);
	assert_int_equal(inventory_config_validate(&c), ERR_OK);

	config_base(&c);
	c.id[0] = '\0';
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_NO_ID);
	config_base(&c);
	memset(c.id, 'x', INVENTORY_ID_MAX);
	c.id[INVENTORY_ID_MAX] = '\0';
	assert_int_equal(inventory_config_validate(&c), ERR_OK);
	config_base(&c);
	memcpy(c.id, "\xff\xfe", 3);
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);

	config_base(&c);
	c.role_arn[0] = '\0';
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	config_base(&c);
	snprintf(c.role_arn, sizeof(c.role_arn), "acs:ram::1:user/x");
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	config_base(&c);
	snprintf(c.account_id, sizeof(c.account_id), "12a");
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	config_base(&c);
	c.dest_bucket[0] = '\0';
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	config_base(&c);
	memset(c.dest_prefix, 'p', INVENTORY_PREFIX_MAX);
	assert_int_equal(inventory_config_validate(&c), ERR_OK);
	memcpy(c.filter.prefix, "\xc0\xaf", 3);	/* overlong '/' */
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);

	config_base(&c);
	c.sse = INVENTORY_SSE_KMS;
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	snprintf(c.sse_key_id, sizeof(c.sse_key_id), "key-1");
	assert_int_equal(inventory_config_validate(&c), ERR_OK);
	c.sse = INVENTORY_SSE_OSS;
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);

	config_base(&c);
	c.frequency = (enum inventory_frequency)7;
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);

	config_base(&c);
	c.fields[c.nfields++] = INVENTORY_FIELD_SIZE;
	c.fields[c.nfields++] = INVENTORY_FIELD_ETAG;
	assert_int_equal(inventory_config_validate(&c), ERR_OK);
	c.fields[c.nfields++] = INVENTORY_FIELD_SIZE;	/* duplicate */
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	config_base(&c);
	c.fields[c.nfields++] = INVENTORY_FIELD__COUNT;
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);

	config_base(&c);
	c.filter.has_begin = c.filter.has_end = true;
	c.filter.begin_s = 10;
	c.filter.end_s = 10;
	assert_int_equal(inventory_config_validate(&c), ERR_OK);
	c.filter.begin_s = 11;
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	config_base(&c);
	c.filter.has_lower = c.filter.has_upper = true;
	c.filter.lower = 5;
	c.filter.upper = 4;
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	config_base(&c);
	snprintf(c.filter.storage_class, sizeof(c.filter.storage_class), "IA");
	assert_int_equal(inventory_config_validate(&c), ERR_INVENTORY_INVALID);
	c.filter.storage_classes = INVENTORY_SC_IA;
	assert_int_equal(inventory_config_validate(&c), ERR_OK);
}

static void
test_schedule(void **state)
{
	struct inventory_config c;

	(void)state;
	config_base(&c);
	c.created_ms = T0;
	/* Daily: 16:00 UTC (midnight UTC+8) from the first after creation. */
	assert_int_equal(inventory_slot(&c, T0), 0);
	assert_int_equal(inventory_slot(&c, FIRST_SLOT - 1), 0);
	assert_int_equal(inventory_next_slot(&c, T0), FIRST_SLOT);
	assert_int_equal(inventory_slot(&c, FIRST_SLOT), FIRST_SLOT);
	assert_int_equal(inventory_next_slot(&c, FIRST_SLOT), FIRST_SLOT + DAY);
	assert_int_equal(inventory_slot(&c, FIRST_SLOT + DAY - 1), FIRST_SLOT);
	assert_int_equal(inventory_slot(&c, FIRST_SLOT + 3 * DAY + 5),
	    FIRST_SLOT + 3 * DAY);
	/* Created exactly at a slot: the next one is a day later. */
	c.created_ms = FIRST_SLOT;
	assert_int_equal(inventory_next_slot(&c, FIRST_SLOT), FIRST_SLOT + DAY);
	/* Weekly: every 7 days from the first slot. */
	c.created_ms = T0;
	c.frequency = INVENTORY_WEEKLY;
	assert_int_equal(inventory_slot(&c, FIRST_SLOT + 6 * DAY), FIRST_SLOT);
	assert_int_equal(inventory_next_slot(&c, FIRST_SLOT + 6 * DAY),
	    FIRST_SLOT + 7 * DAY);
	assert_int_equal(inventory_slot(&c, FIRST_SLOT + 15 * DAY),
	    FIRST_SLOT + 14 * DAY);
}

static void
list_count(void *ctx, const struct inventory_config *c)
{
	unsigned *n = ctx;

	(void)c;
	(*n)++;
}

struct last_id {
	char	id[INVENTORY_ID_MAX + 1];
	unsigned n;
};

static void
list_last(void *ctx, const struct inventory_config *c)
{
	struct last_id *l = ctx;

	snprintf(l->id, sizeof(l->id), "%s", c->id);
	l->n++;
}

static void
test_crud_list_limit(void **state)
{
	struct fixture *f = *state;
	struct inventory_config c, g;
	struct last_id l;
	bool truncated = false;
	unsigned n = 0, pages = 0;
	char sql[256];

	config_base(&c);
	c.fields[c.nfields++] = INVENTORY_FIELD_ETAG;
	c.fields[c.nfields++] = INVENTORY_FIELD_SIZE;
	c.filter.has_lower = true;
	c.filter.lower = 7;
	snprintf(c.filter.prefix, sizeof(c.filter.prefix), "dir/");
	snprintf(c.filter.storage_class, sizeof(c.filter.storage_class),
	    "Standard,IA");
	c.filter.storage_classes = INVENTORY_SC_STANDARD | INVENTORY_SC_IA;
	assert_int_equal(inventory_get(f->db, 1, "report1", &g),
	    ERR_NO_SUCH_INVENTORY);
	assert_int_equal(inventory_create(f->db, &c, T0, "acct", "src"), ERR_OK);
	/* Create-only: 409 InventoryConfigurationAlreadyExists. */
	assert_int_equal(inventory_create(f->db, &c, T0, "acct", "src"),
	    ERR_INVENTORY_EXISTS);
	assert_int_equal(err_info(ERR_INVENTORY_EXISTS)->http, 409);
	assert_string_equal(err_info(ERR_INVENTORY_EXISTS)->ec, "0020-00000042");
	assert_int_equal(inventory_get(f->db, 1, "report1", &g), ERR_OK);
	/* Everything round-trips, fields in request order. */
	assert_string_equal(g.id, "report1");
	assert_true(g.enabled);
	assert_string_equal(g.role_arn, c.role_arn);
	assert_string_equal(g.dest_bucket, "dst");
	assert_string_equal(g.dest_prefix, "pfx");
	assert_int_equal(g.sse, INVENTORY_SSE_OSS);
	assert_int_equal(g.nfields, 2);
	assert_int_equal(g.fields[0], INVENTORY_FIELD_ETAG);
	assert_int_equal(g.fields[1], INVENTORY_FIELD_SIZE);
	assert_true(g.filter.has_lower);
	assert_int_equal(g.filter.lower, 7);
	assert_false(g.filter.has_upper);
	assert_string_equal(g.filter.prefix, "dir/");
	assert_int_equal(g.filter.storage_classes, c.filter.storage_classes);
	assert_int_equal(g.created_ms, T0);
	assert_int_equal(g.last_run_ms, 0);
	assert_int_equal(g.next_run_ms, FIRST_SLOT);
	/* Another bucket may use the same id. */
	c.bucket_id = 2;
	assert_int_equal(inventory_create(f->db, &c, T0, "acct", "dst"), ERR_OK);

	/* 205 in src: pages of 100, 100, 5. */
	c.bucket_id = 1;
	for (unsigned i = 0; i < 204; i++) {
		snprintf(c.id, sizeof(c.id), "r%03u", i);
		assert_int_equal(inventory_create(f->db, &c, T0, "a", "src"),
		    ERR_OK);
	}
	memset(&l, 0, sizeof(l));
	do {
		unsigned before = l.n;
		char after[INVENTORY_ID_MAX + 1];

		snprintf(after, sizeof(after), "%s", l.id);
		assert_int_equal(inventory_list(f->db, 1, after,
		    INVENTORY_LIST_PAGE, list_last, &l, &truncated), ERR_OK);
		pages++;
		assert_int_equal(l.n - before, pages < 3 ? 100 : 5);
	} while (truncated);
	assert_int_equal(pages, 3);
	assert_int_equal(l.n, 205);
	assert_string_equal(l.id, "report1");	/* byte order: 'r0..' < 're' */

	/* The 1000 limit (InventoryExceedLimit); fill it in one go. */
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	for (unsigned i = 205; i < INVENTORY_PER_BUCKET_MAX; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO inventories (bucket,"
		    " inventory_id, enabled, account_id, role_arn, dest_bucket,"
		    " frequency, versions, created_ms, next_run_ms) VALUES (1,"
		    " 'z%04u', 0, '1', 'acs:ram::1:role/r', 'dst', 'Daily',"
		    " 'All', 0, 0)", i);
		assert_int_equal(db_exec(f->db, sql), ERR_OK);
	}
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
	snprintf(c.id, sizeof(c.id), "one-too-many");
	assert_int_equal(inventory_create(f->db, &c, T0, "a", "src"),
	    ERR_INVENTORY_LIMIT);
	assert_string_equal(err_info(ERR_INVENTORY_LIMIT)->code,
	    "InventoryExceedLimit");
	/* The existing id is still a 409, not the limit. */
	snprintf(c.id, sizeof(c.id), "report1");
	assert_int_equal(inventory_create(f->db, &c, T0, "a", "src"),
	    ERR_INVENTORY_EXISTS);

	assert_int_equal(inventory_delete(f->db, 1, "report1", T0, "a", "src"),
	    ERR_OK);
	assert_int_equal(inventory_delete(f->db, 1, "report1", T0, "a", "src"),
	    ERR_NO_SUCH_INVENTORY);
	assert_int_equal(inventory_get(f->db, 2, "report1", &g), ERR_OK);
	n = 0;
	assert_int_equal(inventory_list(f->db, 2, NULL, 100, list_count, &n,
	    &truncated), ERR_OK);
	assert_int_equal(n, 1);
	assert_false(truncated);
}

static void
test_claim_once(void **state)
{
	struct fixture *f = *state;
	struct inventory_config c, g;
	struct inventory_ref refs[4];
	size_t n = 99;

	config_base(&c);
	assert_int_equal(inventory_create(f->db, &c, T0, "a", "src"), ERR_OK);
	c.enabled = false;
	snprintf(c.id, sizeof(c.id), "off");
	assert_int_equal(inventory_create(f->db, &c, T0, "a", "src"), ERR_OK);

	assert_int_equal(inventory_due(f->db, FIRST_SLOT - 1, refs, 4, &n),
	    ERR_OK);
	assert_int_equal(n, 0);
	/* A jump over three slots: due once, claimed once (latest slot). */
	assert_int_equal(inventory_due(f->db, FIRST_SLOT + 3 * DAY, refs, 4,
	    &n), ERR_OK);
	assert_int_equal(n, 1);	/* the disabled one never runs */
	assert_int_equal(refs[0].bucket_id, 1);
	assert_string_equal(refs[0].bucket_name, "src");
	assert_string_equal(refs[0].id, "report1");
	assert_int_equal(inventory_get(f->db, 1, "report1", &g), ERR_OK);
	assert_int_equal(inventory_claim(f->db, &g, FIRST_SLOT + 3 * DAY),
	    ERR_OK);
	/* The same stale view again (a second scheduler): refused. */
	assert_int_equal(inventory_claim(f->db, &g, FIRST_SLOT + 3 * DAY),
	    ERR_CONFLICT);
	/* A fresh view, same slot (a restart): nothing due. */
	assert_int_equal(inventory_get(f->db, 1, "report1", &g), ERR_OK);
	assert_int_equal(g.last_run_ms, FIRST_SLOT + 3 * DAY);
	assert_int_equal(g.next_run_ms, FIRST_SLOT + 4 * DAY);
	assert_int_equal(inventory_claim(f->db, &g, FIRST_SLOT + 4 * DAY - 1),
	    ERR_CONFLICT);
	assert_int_equal(inventory_due(f->db, FIRST_SLOT + 4 * DAY - 1, refs, 4,
	    &n), ERR_OK);
	assert_int_equal(n, 0);
	/* The next day. */
	assert_int_equal(inventory_claim(f->db, &g, FIRST_SLOT + 4 * DAY),
	    ERR_OK);
}

/* ---- the report ---- */

static enum err
capture(void *ctx, const struct bucket *dest, const char *key,
    const void *data, size_t len, const char *content_type,
    const char *sse_algorithm, const char *sse_kms_key_id)
{
	struct fixture *f = ctx;
	struct put *p;

	if (f->fail_put != ERR_OK)
		return f->fail_put;
	assert_true(f->nputs < MAXPUT);
	p = &f->puts[f->nputs++];
	p->key = strdup(key);
	p->data = malloc(len + 1);
	assert_non_null(p->key);
	assert_non_null(p->data);
	memcpy(p->data, data, len);
	p->data[len] = '\0';
	p->len = len;
	p->bucket = dest->id;
	snprintf(p->type, sizeof(p->type), "%s", content_type);
	snprintf(p->alg, sizeof(p->alg), "%s", sse_algorithm ? sse_algorithm : "");
	snprintf(p->kid, sizeof(p->kid), "%s", sse_kms_key_id ? sse_kms_key_id : "");
	return ERR_OK;
}

static void
add_object(struct fixture *f, int64_t bucket, const char *key, uint64_t size,
    const char *sc, const char *type, const char *etag, const char *tags,
    const char *sse, uint64_t crc, int64_t mtime)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct object o;

	memset(&o, 0, sizeof(o));
	o.bucket = bucket;
	o.key = key;
	o.size = size;
	snprintf(o.storage_class, sizeof(o.storage_class), "%s", sc);
	snprintf(o.type, sizeof(o.type), "%s", type);
	snprintf(o.etag, sizeof(o.etag), "%s", etag);
	snprintf(o.acl, sizeof(o.acl), "default");
	snprintf(o.sse_algorithm, sizeof(o.sse_algorithm), "%s", sse);
	o.crc64 = crc;
	o.headers = "";
	o.tags = tags;
	o.mtime_ms = mtime;
	assert_int_equal(db_tx_begin(f->db), ERR_OK);
	assert_int_equal(object_replace(f->db, &f->a, &o, BUCKET_UNVERSIONED, NULL, 0, &dead,
	    &ndead), ERR_OK);
	assert_int_equal(db_tx_commit(f->db), ERR_OK);
}

static void
small_bucket(struct fixture *f)
{
	add_object(f, 1, "a.txt", 5, "Standard", "Normal",
	    "5D41402ABC4B2A76B9719D911017C592", "", "", 1234, T0 - 3000);
	add_object(f, 1, "dir/b c.txt", 10, "IA", "Multipart",
	    "0123456789ABCDEF0123456789ABCDEF-2", "k=v&k2=v2", "AES256",
	    18446744073709551615ULL, T0 - 7200000);
	add_object(f, 1, "dir/q\"uote,x", 0, "Archive", "Appendable",
	    "D41D8CD98F00B204E9800998ECF8427E", "t=1", "KMS", 0, T0 - 3000);
	/* Modified after the scan started: not in this report. */
	add_object(f, 1, "late", 1, "Standard", "Normal",
	    "D41D8CD98F00B204E9800998ECF8427E", "", "", 0, T0 + 5000);
	/* Another bucket's object. */
	add_object(f, 2, "zzz", 1, "Standard", "Normal",
	    "D41D8CD98F00B204E9800998ECF8427E", "", "", 0, T0 - 1);
}

static void
all_fields(struct inventory_config *c)
{
	/* Request order differs from column order on purpose. */
	static const enum inventory_field req[] = {
		INVENTORY_FIELD_ETAG, INVENTORY_FIELD_SIZE,
		INVENTORY_FIELD_LAST_MODIFIED, INVENTORY_FIELD_STORAGE_CLASS,
		INVENTORY_FIELD_IS_MULTIPART, INVENTORY_FIELD_ENCRYPTION,
		INVENTORY_FIELD_TAGGING_COUNT, INVENTORY_FIELD_OBJECT_TYPE,
		INVENTORY_FIELD_CRC64, INVENTORY_FIELD_OBJECT_ACL,
		INVENTORY_FIELD_TRANSITION_TIME,
	};

	c->nfields = 0;
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		c->fields[c->nfields++] = (uint8_t)req[i];
}

static const char CSV_ALL[] =
    "\"src\",\"a.txt\",\"5\",\"Standard\",\"2026-09-21T14:13:17.000Z\","
    "\"5D41402ABC4B2A76B9719D911017C592\",\"false\",\"false\",\"\","
    "\"default\",\"0\",\"Normal\",\"1234\"\n"
    "\"src\",\"dir/b%20c.txt\",\"10\",\"IA\",\"2026-09-21T12:13:20.000Z\","
    "\"0123456789ABCDEF0123456789ABCDEF-2\",\"true\",\"true\",\"\","
    "\"default\",\"2\",\"Multipart\",\"18446744073709551615\"\n"
    "\"src\",\"dir/q%22uote%2Cx\",\"0\",\"Archive\",\"2026-09-21T14:13:17.000Z\","
    "\"D41D8CD98F00B204E9800998ECF8427E\",\"false\",\"true\",\"\","
    "\"default\",\"1\",\"Appendable\",\"0\"\n";

static const char SCHEMA_ALL[] =
    "Bucket, Key, Size, StorageClass, LastModifiedDate, ETag, "
    "IsMultipartUploaded, EncryptionStatus, TransitionTime, ObjectAcl, "
    "TaggingCount, ObjectType, Crc64";

static void
test_row_and_schema(void **state)
{
	struct inventory_config c;
	struct object o;
	struct buf b;

	(void)state;
	config_base(&c);
	memset(&o, 0, sizeof(o));
	o.key = "x y/\xc3\xa9+%&~";
	o.size = 42;
	snprintf(o.etag, sizeof(o.etag), "ABC");
	snprintf(o.storage_class, sizeof(o.storage_class), "Standard");
	o.mtime_ms = 0;
	buf_init(&b, 4096);
	/* No optional fields: Bucket and Key only. */
	assert_int_equal(jobs_inventory_row(&b, "bk", &o, &c, false), ERR_OK);
	assert_string_equal(buf_cstr(&b), "\"bk\",\"x%20y/%C3%A9%2B%25%26~\"\n");
	buf_reset(&b);
	assert_int_equal(jobs_inventory_schema(&b, &c, false), ERR_OK);
	assert_string_equal(buf_cstr(&b), "Bucket, Key");
	buf_reset(&b);
	c.fields[c.nfields++] = INVENTORY_FIELD_LAST_MODIFIED;
	c.fields[c.nfields++] = INVENTORY_FIELD_SIZE;
	assert_int_equal(jobs_inventory_row(&b, "bk", &o, &c, false), ERR_OK);
	assert_string_equal(buf_cstr(&b), "\"bk\",\"x%20y/%C3%A9%2B%25%26~\","
	    "\"42\",\"1970-01-01T00:00:00.000Z\"\n");
	buf_reset(&b);
	all_fields(&c);
	assert_int_equal(jobs_inventory_schema(&b, &c, false), ERR_OK);
	assert_string_equal(buf_cstr(&b), SCHEMA_ALL);
	buf_free(&b);
}

/* IncludedObjectVersions All: the version columns right after Key; a
 * delete marker has its time and nothing else; size and storage-class
 * filters never hold for it. */
static void
test_row_versions(void **state)
{
	struct inventory_config c;
	struct bucket bk;
	struct object o;
	struct buf b;

	(void)state;
	config_base(&c);
	memset(&bk, 0, sizeof(bk));
	assert_false(jobs_inventory_versions(&c, &bk));
	c.all_versions = true;
	assert_false(jobs_inventory_versions(&c, &bk));	/* never versioned */
	bk.versioning = BUCKET_VERSIONING_SUSPENDED;
	assert_true(jobs_inventory_versions(&c, &bk));
	bk.versioning = BUCKET_VERSIONING_ENABLED;
	assert_true(jobs_inventory_versions(&c, &bk));
	c.all_versions = false;
	assert_false(jobs_inventory_versions(&c, &bk));

	c.fields[c.nfields++] = INVENTORY_FIELD_SIZE;
	c.fields[c.nfields++] = INVENTORY_FIELD_LAST_MODIFIED;
	c.fields[c.nfields++] = INVENTORY_FIELD_ETAG;
	buf_init(&b, 4096);
	assert_int_equal(jobs_inventory_schema(&b, &c, true), ERR_OK);
	assert_string_equal(buf_cstr(&b), "Bucket, Key, VersionId, IsLatest, "
	    "IsDeleteMarker, Size, LastModifiedDate, ETag");
	buf_reset(&b);
	memset(&o, 0, sizeof(o));
	o.key = "k";
	o.size = 7;
	snprintf(o.etag, sizeof(o.etag), "ABC");
	snprintf(o.version_id, sizeof(o.version_id), "CAEQv1");
	snprintf(o.type, sizeof(o.type), "Normal");
	snprintf(o.storage_class, sizeof(o.storage_class), "Standard");
	assert_int_equal(jobs_inventory_row(&b, "bk", &o, &c, true), ERR_OK);
	assert_string_equal(buf_cstr(&b), "\"bk\",\"k\",\"CAEQv1\",\"false\","
	    "\"false\",\"7\",\"1970-01-01T00:00:00.000Z\",\"ABC\"\n");
	buf_reset(&b);
	o.latest = true;
	o.delete_marker = true;
	o.size = 0;
	o.etag[0] = '\0';
	snprintf(o.version_id, sizeof(o.version_id), "null");
	snprintf(o.type, sizeof(o.type), "DeleteMarker");
	o.mtime_ms = 1000;
	assert_int_equal(jobs_inventory_row(&b, "bk", &o, &c, true), ERR_OK);
	assert_string_equal(buf_cstr(&b), "\"bk\",\"k\",\"null\",\"true\","
	    "\"true\",\"\",\"1970-01-01T00:00:01.000Z\",\"\"\n");
	buf_free(&b);

	assert_true(jobs_inventory_matches(&c, &o, 5000));
	c.filter.has_lower = true;
	c.filter.lower = 0;
	assert_false(jobs_inventory_matches(&c, &o, 5000));
	c.filter.has_lower = false;
	c.filter.storage_classes = inventory_storage_class_bit("Standard");
	assert_false(jobs_inventory_matches(&c, &o, 5000));
	o.delete_marker = false;
	assert_true(jobs_inventory_matches(&c, &o, 5000));
}

static void
test_matches(void **state)
{
	struct inventory_config c;
	struct object o;

	(void)state;
	config_base(&c);
	memset(&o, 0, sizeof(o));
	o.key = "k";
	o.size = 100;
	o.mtime_ms = 2000999;	/* 2000 s */
	snprintf(o.storage_class, sizeof(o.storage_class), "IA");
	assert_true(jobs_inventory_matches(&c, &o, 2000999));
	assert_false(jobs_inventory_matches(&c, &o, 2000998));
	/* Bounds are inclusive, times in seconds. */
	c.filter.has_begin = c.filter.has_end = true;
	c.filter.begin_s = c.filter.end_s = 2000;
	assert_true(jobs_inventory_matches(&c, &o, T0));
	c.filter.begin_s = 2001;
	c.filter.end_s = 3000;
	assert_false(jobs_inventory_matches(&c, &o, T0));
	c.filter.begin_s = 1000;
	c.filter.end_s = 1999;
	assert_false(jobs_inventory_matches(&c, &o, T0));
	config_base(&c);
	c.filter.has_lower = c.filter.has_upper = true;
	c.filter.lower = c.filter.upper = 100;
	assert_true(jobs_inventory_matches(&c, &o, T0));
	c.filter.lower = 101;
	c.filter.upper = 200;
	assert_false(jobs_inventory_matches(&c, &o, T0));
	c.filter.lower = 0;
	c.filter.upper = 99;
	assert_false(jobs_inventory_matches(&c, &o, T0));
	config_base(&c);
	c.filter.storage_classes = INVENTORY_SC_STANDARD;
	assert_false(jobs_inventory_matches(&c, &o, T0));
	c.filter.storage_classes |= INVENTORY_SC_IA;
	assert_true(jobs_inventory_matches(&c, &o, T0));
}

static char *
gunzip(const char *p, size_t n, size_t *ret_len)
{
	z_stream z;
	size_t cap = 1 << 20;
	char *out = malloc(cap);
	int rc;

	assert_non_null(out);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 32), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap - 1;
	rc = inflate(&z, Z_FINISH);
	assert_int_equal(rc, Z_STREAM_END);
	*ret_len = z.total_out;
	out[z.total_out] = '\0';
	inflateEnd(&z);
	return out;
}

static void
md5_hex(char out[33], const void *p, size_t n)
{
	uint8_t d[HASH_MD5_BYTES];

	hash_md5(d, p, n);
	hex_encode(out, d, sizeof(d));
}

static struct jobs *
open_jobs(struct fixture *f, size_t part_max)
{
	struct jobs_settings s = {
		.db = f->db, .put_object = capture, .put_ctx = f,
		.actor = "test", .part_max = part_max,
	};
	struct jobs *j = NULL;

	assert_int_equal(jobs_open(&s, &j), ERR_OK);
	return j;
}

static void
test_report_exact(void **state)
{
	struct fixture *f = *state;
	struct inventory_config c;
	struct jobs *j = open_jobs(f, 0);
	char key[1100], md5[33], want[4096];
	size_t len;
	char *csv;
	const struct put *data, *man, *sum;

	small_bucket(f);
	config_base(&c);
	all_fields(&c);
	assert_int_equal(inventory_create(f->db, &c, T0 - DAY, "a", "src"),
	    ERR_OK);
	assert_int_equal(jobs_inventory_run(j, "src", "report1", T0, key,
	    sizeof(key)), ERR_OK);
	assert_string_equal(key,
	    "pfx/src/report1/2026-09-21T14-13Z/manifest.json");

	/* Order: data, manifest.json, manifest.checksum; into dst. */
	assert_int_equal(f->nputs, 3);
	data = &f->puts[0];
	man = &f->puts[1];
	sum = &f->puts[2];
	assert_int_equal(strlen(data->key), strlen("pfx/src/report1/data/") +
	    36 + strlen(".csv.gz"));
	assert_memory_equal(data->key, "pfx/src/report1/data/", 21);
	assert_true(str_has_suffix(data->key, ".csv.gz"));
	assert_int_equal(data->key[21 + 14], '4');	/* UUID version 4 */
	assert_string_equal(data->type, "application/x-gzip");
	assert_string_equal(man->key, key);
	assert_string_equal(man->type, "application/json");
	assert_string_equal(sum->key,
	    "pfx/src/report1/2026-09-21T14-13Z/manifest.checksum");
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(f->puts[i].bucket, 2);
		/* SSE-OSS: the report objects are AES256. */
		assert_string_equal(f->puts[i].alg, "AES256");
		assert_string_equal(f->puts[i].kid, "");
	}

	assert_memory_equal(data->data, "\x1f\x8b", 2);
	csv = gunzip(data->data, data->len, &len);
	assert_string_equal(csv, CSV_ALL);
	assert_int_equal(len, strlen(CSV_ALL));
	free(csv);

	md5_hex(md5, data->data, data->len);
	snprintf(want, sizeof(want), "{\"sourceBucket\":\"src\","
	    "\"destinationBucket\":\"acs:oss:::dst\",\"version\":\"2019-09-01\","
	    "\"creationTimestamp\":\"1790000000000\",\"fileFormat\":\"CSV\","
	    "\"fileSchema\":\"%s\",\"files\":[{\"key\":\"%s\",\"size\":%zu,"
	    "\"MD5checksum\":\"%s\"}]}", SCHEMA_ALL, data->key, data->len, md5);
	assert_string_equal(man->data, want);
	md5_hex(md5, man->data, man->len);
	assert_int_equal(sum->len, 32);
	assert_string_equal(sum->data, md5);

	/* The run is in the audit trail. */
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db_conn(f->db),
		    "SELECT actor, target, result, detail FROM audit WHERE"
		    " action = 'inventory.run'", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal(sqlite3_column_text(st, 0), "test");
		assert_string_equal(sqlite3_column_text(st, 1), "src/report1");
		assert_string_equal(sqlite3_column_text(st, 2), "ok");
		assert_string_equal(sqlite3_column_text(st, 3), key);
		sqlite3_finalize(st);
	}
	jobs_close(j);
}

static void
test_report_filters_and_parts(void **state)
{
	struct fixture *f = *state;
	struct inventory_config c;
	struct jobs *j = open_jobs(f, 1);	/* every row its own part */
	char key[1100], want[8192];
	const char *row[2];
	size_t len;

	small_bucket(f);
	config_base(&c);
	/* Trailing '/' on the prefix is not doubled; KMS passes the key. */
	snprintf(c.dest_prefix, sizeof(c.dest_prefix), "inv/");
	c.sse = INVENTORY_SSE_KMS;
	snprintf(c.sse_key_id, sizeof(c.sse_key_id), "cmk-1");
	snprintf(c.filter.prefix, sizeof(c.filter.prefix), "dir/");
	snprintf(c.filter.storage_class, sizeof(c.filter.storage_class),
	    "IA,Archive");
	c.filter.storage_classes = INVENTORY_SC_IA | INVENTORY_SC_ARCHIVE;
	c.fields[c.nfields++] = INVENTORY_FIELD_SIZE;
	assert_int_equal(inventory_create(f->db, &c, T0 - DAY, "a", "src"),
	    ERR_OK);
	assert_int_equal(jobs_inventory_run(j, "src", "report1", T0, key,
	    sizeof(key)), ERR_OK);
	assert_string_equal(key,
	    "inv/src/report1/2026-09-21T14-13Z/manifest.json");
	assert_int_equal(f->nputs, 4);
	/* <uuid>.csv.gz, then <uuid>-1.csv.gz: the same uuid. */
	assert_true(str_has_suffix(f->puts[0].key, ".csv.gz"));
	assert_int_equal(strlen(f->puts[1].key), strlen(f->puts[0].key) + 2);
	assert_memory_equal(f->puts[1].key, f->puts[0].key,
	    strlen(f->puts[0].key) - 7);
	assert_true(str_has_suffix(f->puts[1].key, "-1.csv.gz"));
	row[0] = "\"src\",\"dir/b%20c.txt\",\"10\"\n";
	row[1] = "\"src\",\"dir/q%22uote%2Cx\",\"0\"\n";
	for (size_t i = 0; i < 2; i++) {
		char *csv = gunzip(f->puts[i].data, f->puts[i].len, &len);

		assert_string_equal(csv, row[i]);
		free(csv);
		assert_string_equal(f->puts[i].alg, "KMS");
		assert_string_equal(f->puts[i].kid, "cmk-1");
	}
	{
		char m0[33], m1[33];

		md5_hex(m0, f->puts[0].data, f->puts[0].len);
		md5_hex(m1, f->puts[1].data, f->puts[1].len);
		snprintf(want, sizeof(want), "{\"sourceBucket\":\"src\","
		    "\"destinationBucket\":\"acs:oss:::dst\","
		    "\"version\":\"2019-09-01\","
		    "\"creationTimestamp\":\"1790000000000\","
		    "\"fileFormat\":\"CSV\",\"fileSchema\":\"Bucket, Key, Size\","
		    "\"files\":[{\"key\":\"%s\",\"size\":%zu,\"MD5checksum\":"
		    "\"%s\"},{\"key\":\"%s\",\"size\":%zu,\"MD5checksum\":"
		    "\"%s\"}]}", f->puts[0].key, f->puts[0].len, m0,
		    f->puts[1].key, f->puts[1].len, m1);
		assert_string_equal(f->puts[2].data, want);
	}
	jobs_close(j);
}

static void
test_report_empty_and_errors(void **state)
{
	struct fixture *f = *state;
	struct inventory_config c;
	struct jobs *j = open_jobs(f, 0);
	char key[1100] = "junk";

	small_bucket(f);
	config_base(&c);
	snprintf(c.filter.prefix, sizeof(c.filter.prefix), "nothing/");
	assert_int_equal(inventory_create(f->db, &c, T0 - DAY, "a", "src"),
	    ERR_OK);
	/* Nothing matches: no report at all. */
	assert_int_equal(jobs_inventory_run(j, "src", "report1", T0, key,
	    sizeof(key)), ERR_OK);
	assert_string_equal(key, "");
	assert_int_equal(f->nputs, 0);

	assert_int_equal(jobs_inventory_run(j, "nope", "report1", T0, key,
	    sizeof(key)), ERR_NO_SUCH_BUCKET);
	assert_int_equal(jobs_inventory_run(j, "src", "nope", T0, key,
	    sizeof(key)), ERR_NO_SUCH_INVENTORY);

	/* The destination changed hands since the configuration was put. */
	snprintf(c.id, sizeof(c.id), "tobob");
	c.filter.prefix[0] = '\0';
	snprintf(c.dest_bucket, sizeof(c.dest_bucket), "bobs");
	assert_int_equal(inventory_create(f->db, &c, T0 - DAY, "a", "src"),
	    ERR_OK);
	assert_int_equal(jobs_inventory_run(j, "src", "tobob", T0, key,
	    sizeof(key)), ERR_INVENTORY_DEST_NOT_OWNED);
	assert_int_equal(f->nputs, 0);

	/* A refused write (e.g. FileImmutable) fails the run, audited. */
	snprintf(c.id, sizeof(c.id), "refused");
	snprintf(c.dest_bucket, sizeof(c.dest_bucket), "dst");
	assert_int_equal(inventory_create(f->db, &c, T0 - DAY, "a", "src"),
	    ERR_OK);
	f->fail_put = ERR_FILE_IMMUTABLE;
	assert_int_equal(jobs_inventory_run(j, "src", "refused", T0, key,
	    sizeof(key)), ERR_FILE_IMMUTABLE);
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db_conn(f->db),
		    "SELECT count(*) FROM audit WHERE action = 'inventory.run'"
		    " AND result = 'FileImmutable'", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 1);
		sqlite3_finalize(st);
	}
	jobs_close(j);
}

static void
test_scheduled(void **state)
{
	struct fixture *f = *state;
	struct inventory_config c;
	struct jobs *j = open_jobs(f, 0);

	small_bucket(f);
	config_base(&c);
	assert_int_equal(inventory_create(f->db, &c, T0, "a", "src"), ERR_OK);
	assert_int_equal(jobs_run_due(j, FIRST_SLOT - 1), 0);
	assert_int_equal(f->nputs, 0);
	assert_int_equal(jobs_run_due(j, FIRST_SLOT + 10), 1);
	assert_int_equal(f->nputs, 3);
	assert_string_equal(f->puts[1].key,
	    "pfx/src/report1/2026-09-21T16-00Z/manifest.json");
	/* The same slot again (another tick, a restart): nothing. */
	assert_int_equal(jobs_run_due(j, FIRST_SLOT + 20), 0);
	/* A jump over three slots: one report. */
	assert_int_equal(jobs_run_due(j, FIRST_SLOT + 3 * DAY + 5), 1);
	assert_int_equal(jobs_run_due(j, FIRST_SLOT + 3 * DAY + 6), 0);
	assert_int_equal(f->nputs, 6);
	/* The asynchronous tick: hand over and shut down; never a crash,
	 * never a duplicate. */
	jobs_tick(j, FIRST_SLOT + 4 * DAY);
	jobs_close(j);
	assert_true(f->nputs == 6 || f->nputs == 9);
	jobs_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_row_and_schema),
		cmocka_unit_test(test_row_versions),
		cmocka_unit_test(test_matches),
		cmocka_unit_test_setup_teardown(test_crud_list_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_filters_and_parts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_empty_and_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduled, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
