/* SPDX-License-Identifier: ISC */
/*
 * test_kms.c: customer master keys end to end inside kms/ (no HTTP): blob
 * format, round trips and tamper detection, what a ciphertext is bound to
 * (account, key, version, canonical context) and the legacy form kept
 * readable by migration 0006, data keys, rotation, the state
 * machine through the real transactions (with the business clock moved by
 * hand), BYOK with each wrapping algorithm (material wrapped here with
 * OpenSSL, as a client would), SSE-KMS data keys and the service key, the
 * audit trail, and crash consistency: a transaction failed at its commit
 * (db_fault_commit_after) leaves every observable bit of state unchanged.
 *
 * Each test runs on a fresh migrated database in a temp dir, two accounts,
 * a fixed business clock the test moves.
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

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/kv.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "kms/kms.h"
#include "support/test_support.h"

#define T0		1800000000000LL		/* 2027-01-15 */
#define ACCT1		"1234567890123456"
#define ACCT2		"6543210987654321"

struct fix {
	char			*dir;
	struct db		*db;
	struct kms		*kms;
	int64_t			 now;
	struct clock		 clock;
	struct kms_caller	 who;	/* account 1 */
	struct kms_caller	 other;	/* account 2 */
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct kms_settings ks = { 0 };
	char path[4096];

	log_set_level(LOG_LEVEL_WARNING);
	f->dir = test_tmpdir("kms");
	snprintf(path, sizeof(path), "%s/meta.db", f->dir);
	assert_int_equal(db_open(path, &f->db), ERR_OK);
	assert_int_equal(db_exec(f->db, "INSERT INTO accounts (id, account_id,"
	    " name, created_ms) VALUES (1, '" ACCT1 "', 'one', 0),"
	    " (2, '" ACCT2 "', 'two', 0)"), ERR_OK);
	f->now = T0;
	f->clock.now_ms = clock_fixed_now;
	f->clock.ctx = &f->now;
	snprintf(path, sizeof(path), "%s/root.key", f->dir);
	ks.root_key_path = path;
	ks.create_root_key = true;
	ks.db = f->db;
	ks.clock = &f->clock;
	assert_int_equal(kms_open(&ks, &f->kms), ERR_OK);
	f->who.account = 1;
	memcpy(f->who.account_id, ACCT1, sizeof(ACCT1));
	f->who.actor = ACCT1;
	f->other.account = 2;
	memcpy(f->other.account_id, ACCT2, sizeof(ACCT2));
	f->other.actor = ACCT2;
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

/* A new key of account 1; returns its id (static storage per call site is
 * not needed: the caller passes a buffer). */
static void
new_key(struct fix *f, const char *origin, char id[static KMS_KEY_ID_MAX])
{
	struct kms_key_create_req req = { .origin = origin,
	    .description = "test" };
	struct kms_key_meta *m = calloc(1, sizeof(*m));

	assert_int_equal(kms_key_create(f->kms, &f->who, &req, m), ERR_OK);
	memcpy(id, m->key_id, KMS_KEY_ID_MAX);
	free(m);
}

static enum kms_key_state
state_of(struct fix *f, const char *id)
{
	struct kms_key_meta *m = calloc(1, sizeof(*m));
	enum kms_key_state s;

	assert_int_equal(kms_key_describe(f->kms, &f->who, id, m), ERR_OK);
	s = m->state;
	free(m);
	return s;
}

static enum err
enc(struct fix *f, const char *ref, const struct kv *ctx, size_t nctx,
    const char *plain, char *blob, struct kms_crypto_result *res)
{
	return kms_encrypt(f->kms, &f->who, ref, ctx, nctx, plain,
	    strlen(plain), blob, res);
}

static enum err
dec(struct fix *f, const char *blob, const struct kv *ctx, size_t nctx,
    char *out, struct kms_crypto_result *res)
{
	uint8_t buf[KMS_PLAINTEXT_MAX];
	size_t n = 0;
	enum err r;

	r = kms_decrypt(f->kms, &f->who, blob, ctx, nctx, buf, &n, res);
	if (r == ERR_OK) {
		memcpy(out, buf, n);
		out[n] = '\0';
	}
	return r;
}

/* ---- blobs ---- */

static void
test_blob_round_trip(void **state)
{
	struct fix *f = *state;
	static const struct kv ctx[] = { { "b", "2" }, { "a", "1 x" } };
	static const struct kv ctx_rev[] = { { "a", "1 x" }, { "b", "2" } };
	struct kms_crypto_result er, dr;
	char id[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX], out[KMS_PLAINTEXT_MAX + 1];
	uint8_t raw[KMS_BLOB_B64_MAX];
	int n;

	new_key(f, NULL, id);
	assert_int_equal(enc(f, id, ctx, 2, "hello world", blob, &er), ERR_OK);
	assert_string_equal(er.key_id, id);
	assert_int_equal(strlen(er.version_id), KMS_VERSION_ID_BYTES);
	/* spec §3.1: base64(version id [36] || IV [12] || ct || tag [16]) */
	n = b64_decode(raw, sizeof(raw), blob, strlen(blob));
	assert_int_equal(n, 36 + 12 + 11 + 16);
	assert_memory_equal(raw, er.version_id, 36);
	/* the context's order does not matter, its content does */
	assert_int_equal(dec(f, blob, ctx_rev, 2, out, &dr), ERR_OK);
	assert_string_equal(out, "hello world");
	assert_string_equal(dr.key_id, id);
	assert_string_equal(dr.version_id, er.version_id);
	/* no context at all */
	assert_int_equal(enc(f, id, NULL, 0, "x", blob, &er), ERR_OK);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_OK);
	assert_string_equal(out, "x");
	/* largest plaintext, and one byte more */
	{
		char *big = malloc(KMS_PLAINTEXT_MAX + 2);

		memset(big, 'p', KMS_PLAINTEXT_MAX + 1);
		big[KMS_PLAINTEXT_MAX] = '\0';
		assert_int_equal(enc(f, id, NULL, 0, big, blob, &er), ERR_OK);
		assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_OK);
		assert_int_equal(strlen(out), KMS_PLAINTEXT_MAX);
		big[KMS_PLAINTEXT_MAX] = 'p';
		big[KMS_PLAINTEXT_MAX + 1] = '\0';
		assert_int_equal(enc(f, id, NULL, 0, big, blob, &er),
		    ERR_INVALID_ARGUMENT);
		free(big);
	}
	/* by alias and by ARN */
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/t1", id),
	    ERR_OK);
	assert_int_equal(enc(f, "alias/t1", NULL, 0, "a", blob, &er), ERR_OK);
	assert_string_equal(er.key_id, id);
	{
		char arn[256];

		snprintf(arn, sizeof(arn), "acs:kms:cn-hangzhou:" ACCT1 ":key/%s",
		    id);
		assert_int_equal(enc(f, arn, NULL, 0, "a", blob, &er), ERR_OK);
		snprintf(arn, sizeof(arn), "acs:kms:cn-hangzhou:" ACCT2 ":key/%s",
		    id);
		assert_int_equal(enc(f, arn, NULL, 0, "a", blob, &er),
		    ERR_KEY_NOT_FOUND);
		assert_int_equal(enc(f, "acs:kms:cn-hangzhou:" ACCT1
		    ":alias/t1", NULL, 0, "a", blob, &er), ERR_OK);
	}
	assert_int_equal(enc(f, "alias/none", NULL, 0, "a", blob, &er),
	    ERR_ALIAS_NOT_FOUND);
	assert_int_equal(enc(f, "no-such-key", NULL, 0, "a", blob, &er),
	    ERR_KEY_NOT_FOUND);
}

static void
test_blob_tamper(void **state)
{
	struct fix *f = *state;
	static const struct kv ctx[] = { { "app", "oss" } };
	static const struct kv wrong[] = { { "app", "os" } };
	static const struct kv more[] = { { "app", "oss" }, { "x", "" } };
	static const struct kv dup[] = { { "app", "oss" }, { "app", "oss" } };
	struct kms_crypto_result er, dr;
	char id[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX], bad[KMS_BLOB_B64_MAX];
	char out[KMS_PLAINTEXT_MAX + 1];
	uint8_t raw[KMS_BLOB_B64_MAX];
	int n;

	new_key(f, NULL, id);
	assert_int_equal(enc(f, id, ctx, 1, "secret data", blob, &er), ERR_OK);
	/* another context, none, one more pair: the real service's
	 * InvalidParameter (ERR_KMS_DECRYPT_FAILED) */
	assert_int_equal(dec(f, blob, wrong, 1, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, more, 2, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, dup, 2, out, &dr), ERR_INVALID_ARGUMENT);
	/* every byte after the version id, flipped, fails to authenticate */
	n = b64_decode(raw, sizeof(raw), blob, strlen(blob));
	assert_true(n > 36);
	for (int i = 36; i < n; i++) {
		raw[i] ^= 0x01;
		assert_true(b64_encode(bad, sizeof(bad), raw, (size_t)n) > 0);
		assert_int_equal(dec(f, bad, ctx, 1, out, &dr),
		    ERR_KMS_DECRYPT_FAILED);
		raw[i] ^= 0x01;
	}
	/* a version id that names nothing */
	raw[0] = raw[0] == 'a' ? 'b' : 'a';
	assert_true(b64_encode(bad, sizeof(bad), raw, (size_t)n) > 0);
	assert_int_equal(dec(f, bad, ctx, 1, out, &dr), ERR_KEY_NOT_FOUND);
	/* not a version id at all */
	raw[0] = 'Z';
	assert_true(b64_encode(bad, sizeof(bad), raw, (size_t)n) > 0);
	assert_int_equal(dec(f, bad, ctx, 1, out, &dr),
	    ERR_KMS_INVALID_CIPHERTEXT);
	/* truncated below the minimum, not base64, empty */
	assert_true(b64_encode(bad, sizeof(bad), raw, 36 + 12 + 15) > 0);
	assert_int_equal(dec(f, bad, ctx, 1, out, &dr),
	    ERR_KMS_INVALID_CIPHERTEXT);
	assert_int_equal(dec(f, "!!!not base64!!!", ctx, 1, out, &dr),
	    ERR_KMS_INVALID_CIPHERTEXT);
	assert_int_equal(dec(f, "", ctx, 1, out, &dr),
	    ERR_KMS_INVALID_CIPHERTEXT);
	/* another account's blob is not found for us */
	{
		uint8_t p[64];
		size_t pn;

		assert_int_equal(kms_decrypt(f->kms, &f->other, blob, ctx, 1, p,
		    &pn, &dr), ERR_KEY_NOT_FOUND);
	}
	/* the original still opens */
	assert_int_equal(dec(f, blob, ctx, 1, out, &dr), ERR_OK);
	assert_string_equal(out, "secret data");
}

static void
test_data_key(void **state)
{
	struct fix *f = *state;
	static const struct kv ctx[] = { { "k", "v" } };
	struct kms_crypto_result gr, dr;
	char id[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX];
	char plain[KMS_DATA_KEY_B64_MAX], out[KMS_PLAINTEXT_MAX + 1];
	uint8_t key[64];

	new_key(f, NULL, id);
	assert_int_equal(kms_generate_data_key(f->kms, &f->who, id, ctx, 1, 32,
	    plain, blob, &gr), ERR_OK);
	assert_int_equal(b64_decode(key, sizeof(key), plain, strlen(plain)), 32);
	/* Decrypt returns the same base64 text (spec §1.2) */
	assert_int_equal(dec(f, blob, ctx, 1, out, &dr), ERR_OK);
	assert_string_equal(out, plain);
	assert_int_equal(kms_generate_data_key(f->kms, &f->who, id, NULL, 0, 16,
	    plain, blob, &gr), ERR_OK);
	assert_int_equal(strlen(plain), 24);
	assert_int_equal(kms_generate_data_key(f->kms, &f->who, id, NULL, 0,
	    1024, plain, blob, &gr), ERR_OK);
	assert_int_equal(strlen(plain), 1368);
	assert_int_equal(kms_generate_data_key(f->kms, &f->who, id, NULL, 0,
	    1025, plain, blob, &gr), ERR_INVALID_ARGUMENT);
	assert_int_equal(kms_generate_data_key(f->kms, &f->who, id, NULL, 0, 0,
	    plain, blob, &gr), ERR_INVALID_ARGUMENT);
	/* without plaintext */
	assert_int_equal(kms_generate_data_key(f->kms, &f->who, id, NULL, 0, 32,
	    NULL, blob, &gr), ERR_OK);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_OK);
	assert_int_equal(strlen(out), 44);
}

static void
test_rotation(void **state)
{
	struct fix *f = *state;
	struct kms_crypto_result r1, r2, dr;
	struct kms_version_info v;
	struct kms_key_meta *m = calloc(1, sizeof(*m));
	char id[KMS_KEY_ID_MAX], b1[KMS_BLOB_B64_MAX], b2[KMS_BLOB_B64_MAX];
	char out[KMS_PLAINTEXT_MAX + 1];

	new_key(f, NULL, id);
	assert_int_equal(enc(f, id, NULL, 0, "old", b1, &r1), ERR_OK);
	assert_int_equal(kms_key_version_create(f->kms, &f->who, id, &v), ERR_OK);
	assert_string_not_equal(v.version_id, r1.version_id);
	assert_int_equal(enc(f, id, NULL, 0, "new", b2, &r2), ERR_OK);
	assert_string_equal(r2.version_id, v.version_id);
	/* old versions keep decrypting; the blob names its version */
	assert_int_equal(dec(f, b1, NULL, 0, out, &dr), ERR_OK);
	assert_string_equal(out, "old");
	assert_string_equal(dr.version_id, r1.version_id);
	assert_int_equal(dec(f, b2, NULL, 0, out, &dr), ERR_OK);
	assert_string_equal(dr.version_id, v.version_id);
	/* automatic rotation: 7 days, lazily at the next use */
	assert_int_equal(kms_key_set_rotation(f->kms, &f->who, id, true,
	    7 * 86400), ERR_OK);
	assert_int_equal(kms_key_describe(f->kms, &f->who, id, m), ERR_OK);
	assert_string_equal(m->primary_version, v.version_id);
	f->now += 7 * CLOCK_DAY_MS;
	assert_int_equal(kms_key_describe(f->kms, &f->who, id, m), ERR_OK);
	assert_string_not_equal(m->primary_version, v.version_id);
	assert_int_equal(m->last_rotation_ms, f->now);
	assert_int_equal(dec(f, b1, NULL, 0, out, &dr), ERR_OK);
	/* intervals outside 7-730 days are refused */
	assert_int_equal(kms_key_set_rotation(f->kms, &f->who, id, true, 86400),
	    ERR_INVALID_ARGUMENT);
	free(m);
}

/* ---- transitions through the database ---- */

static void
test_lifecycle(void **state)
{
	struct fix *f = *state;
	struct kms_crypto_result er, dr;
	struct kms_key_meta *m = calloc(1, sizeof(*m));
	char id[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX];
	char out[KMS_PLAINTEXT_MAX + 1];

	new_key(f, NULL, id);
	assert_int_equal(enc(f, id, NULL, 0, "data", blob, &er), ERR_OK);
	assert_int_equal(kms_key_disable(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(state_of(f, id), KMS_KEY_DISABLED);
	assert_int_equal(enc(f, id, NULL, 0, "x", blob, &er), ERR_KEY_DISABLED);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_KEY_DISABLED);
	assert_int_equal(kms_key_disable(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(kms_key_enable(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_OK);
	/* deletion protection blocks scheduling */
	assert_int_equal(kms_key_set_deletion_protection(f->kms, &f->who, id,
	    true, "in use"), ERR_OK);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 7),
	    ERR_KMS_DELETION_PROTECTED);
	assert_int_equal(kms_key_set_deletion_protection(f->kms, &f->who, id,
	    false, NULL), ERR_OK);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 6),
	    ERR_INVALID_ARGUMENT);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 367),
	    ERR_INVALID_ARGUMENT);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 7),
	    ERR_OK);
	assert_int_equal(kms_key_describe(f->kms, &f->who, id, m), ERR_OK);
	assert_int_equal(m->state, KMS_KEY_PENDING_DELETION);
	assert_int_equal(m->delete_ms, T0 + 7 * CLOCK_DAY_MS);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr),
	    ERR_KEY_PENDING_DELETION);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 7),
	    ERR_KEY_STATE_MODIFIED);
	assert_int_equal(kms_key_enable(f->kms, &f->who, id),
	    ERR_KEY_STATE_MODIFIED);
	assert_int_equal(kms_key_set_description(f->kms, &f->who, id, "x"),
	    ERR_KEY_PENDING_DELETION);
	/* cancel: back to Enabled (not Disabled as on AWS) */
	assert_int_equal(kms_key_cancel_deletion(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(kms_key_describe(f->kms, &f->who, id, m), ERR_OK);
	assert_int_equal(m->state, KMS_KEY_ENABLED);
	assert_int_equal(m->delete_ms, 0);
	assert_int_equal(kms_key_cancel_deletion(f->kms, &f->who, id),
	    ERR_KEY_STATE_MODIFIED);
	/* the window ends: gone from every operation, for ever */
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/doomed", id),
	    ERR_OK);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 7),
	    ERR_OK);
	f->now += 7 * CLOCK_DAY_MS - 1;
	assert_int_equal(state_of(f, id), KMS_KEY_PENDING_DELETION);
	f->now += 1;
	assert_int_equal(kms_key_describe(f->kms, &f->who, id, m),
	    ERR_KEY_NOT_FOUND);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_KEY_NOT_FOUND);
	assert_int_equal(kms_key_cancel_deletion(f->kms, &f->who, id),
	    ERR_KEY_NOT_FOUND);
	assert_int_equal(enc(f, "alias/doomed", NULL, 0, "x", blob, &er),
	    ERR_ALIAS_NOT_FOUND);
	/* the alias name is free again */
	{
		char id2[KMS_KEY_ID_MAX];

		new_key(f, NULL, id2);
		assert_int_equal(kms_alias_create(f->kms, &f->who,
		    "alias/doomed", id2), ERR_OK);
	}
	/* the sweep removes the row; nothing changes for clients */
	assert_int_equal(kms_tick(f->kms), ERR_OK);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_KEY_NOT_FOUND);
	free(m);
}

/* ListKeys without filters (kms_key_list_ids) pages through the same
 * keys, in the same order and with the same total, as the full listing,
 * also while some keys are pending deletion and one is past its
 * DeleteDate but not yet swept. */
struct id_page {
	char		ids[40][KMS_KEY_ID_MAX];
	size_t		n;
	char		creator[KMS_ACCOUNT_ID_BYTES];
};

static void
page_full(void *ctx, const struct kms_key_meta *m)
{
	struct id_page *p = ctx;

	assert_true(p->n < 40);
	memcpy(p->ids[p->n++], m->key_id, KMS_KEY_ID_MAX);
	memcpy(p->creator, m->creator, sizeof(p->creator));
}

static void
page_ids(void *ctx, const char *key_id, const char *creator)
{
	struct id_page *p = ctx;

	assert_true(p->n < 40);
	snprintf(p->ids[p->n++], KMS_KEY_ID_MAX, "%s", key_id);
	assert_string_equal(creator, p->creator);
}

static void
test_list_ids_pages(void **state)
{
	struct fix *f = *state;
	char id[KMS_KEY_ID_MAX];
	struct id_page *full = calloc(1, sizeof(*full));
	struct id_page *page = calloc(1, sizeof(*page));

	for (int i = 0; i < 23; i++) {
		new_key(f, NULL, id);
		if (i % 5 == 1)
			assert_int_equal(kms_key_schedule_deletion(f->kms,
			    &f->who, id, i == 1 ? 7 : 30), ERR_OK);
	}
	f->now += 7 * CLOCK_DAY_MS;	/* the first one is destroyed now */
	for (uint64_t size = 1; size <= 25; size += 6)
		for (uint64_t off = 0; off < 26; off += size) {
			uint64_t t1 = 0, t2 = 0;

			full->n = 0;
			assert_int_equal(kms_key_list(f->kms, &f->who, NULL, 0,
			    off, size, page_full, full, &t1), ERR_OK);
			memset(page->ids, 0, sizeof(page->ids));
			page->n = 0;
			memcpy(page->creator, full->creator,
			    sizeof(page->creator));
			assert_int_equal(kms_key_list_ids(f->kms, &f->who, off,
			    size, page_ids, page, &t2), ERR_OK);
			assert_int_equal(t1, 22);
			assert_int_equal(t2, t1);
			assert_int_equal(page->n, full->n);
			for (size_t i = 0; i < page->n; i++)
				assert_string_equal(page->ids[i],
				    full->ids[i]);
		}
	free(full);
	free(page);
}

/* The same across blocks of 1024 row ids (schema 0022, kms_key_blocks):
 * another account's rows push account 1's keys into blocks 0, 1, 3, 4
 * and 7, some pending deletion, one destroyed but not swept in block 1;
 * every page of every size matches the full listing. */
static void
push_ids_to(struct fix *f, int64_t id)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO kms_keys (id, key_id, account,"
	    " state, key_spec, key_usage, origin, protection, created_ms,"
	    " last_rotation_ms, primary_version) VALUES (%lld, 'filler-%lld',"
	    " 2, 'Enabled', 'Aliyun_AES_256', 'ENCRYPT/DECRYPT', 'Aliyun_KMS',"
	    " 'SOFTWARE', 0, 0, '')", (long long)id, (long long)id);
	assert_int_equal(db_exec(f->db, sql), ERR_OK);
}

static void
test_list_ids_blocks(void **state)
{
	static const int64_t jump[] = { 1024 + 1000, 3 * 1024 + 10,
	    4 * 1024 + 1020, 7 * 1024 + 5 };
	struct fix *f = *state;
	char id[KMS_KEY_ID_MAX];
	struct id_page *full = calloc(1, sizeof(*full));
	struct id_page *page = calloc(1, sizeof(*page));
	int n = 0;

	for (size_t j = 0; j <= sizeof(jump) / sizeof(jump[0]); j++) {
		for (int i = 0; i < 7; i++, n++) {
			new_key(f, NULL, id);
			if (n % 4 == 1)
				assert_int_equal(kms_key_schedule_deletion(
				    f->kms, &f->who, id, n == 9 ? 7 : 30),
				    ERR_OK);
		}
		if (j < sizeof(jump) / sizeof(jump[0]))
			push_ids_to(f, jump[j]);
	}
	f->now += 7 * CLOCK_DAY_MS;	/* key 9 (block 1) is destroyed */
	for (uint64_t size = 1; size <= 40; size += 3)
		for (uint64_t off = 0; off < 40; off++) {
			uint64_t t1 = 0, t2 = 0;

			full->n = 0;
			assert_int_equal(kms_key_list(f->kms, &f->who, NULL, 0,
			    off, size, page_full, full, &t1), ERR_OK);
			memset(page->ids, 0, sizeof(page->ids));
			page->n = 0;
			memcpy(page->creator, full->creator,
			    sizeof(page->creator));
			assert_int_equal(kms_key_list_ids(f->kms, &f->who, off,
			    size, page_ids, page, &t2), ERR_OK);
			assert_int_equal(t1, 34);
			assert_int_equal(t2, t1);
			assert_int_equal(page->n, full->n);
			for (size_t i = 0; i < page->n; i++)
				assert_string_equal(page->ids[i],
				    full->ids[i]);
		}
	free(full);
	free(page);
}

/* A second connection to the same database: what another process (the
 * `coffer` CLI, another node) writes. */
static struct db *
other_writer(struct fix *f)
{
	char path[4096];
	struct db *db;

	snprintf(path, sizeof(path), "%s/meta.db", f->dir);
	assert_int_equal(db_open(path, &db), ERR_OK);
	return db;
}

/* The version cache never serves a state that changed: each change,
 * through the API or written by another connection, is seen by the very
 * next Decrypt, again and again (kms_cache.c). */
static void
test_cache_never_stale(void **state)
{
	struct fix *f = *state;
	char id[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX], out[64], sql[256];
	struct kms_crypto_result res;
	struct db *other = other_writer(f);

	new_key(f, NULL, id);
	assert_int_equal(enc(f, id, NULL, 0, "hello", blob, &res), ERR_OK);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(dec(f, blob, NULL, 0, out, &res), ERR_OK);
		assert_string_equal(out, "hello");
		assert_int_equal(kms_key_disable(f->kms, &f->who, id), ERR_OK);
		assert_int_equal(dec(f, blob, NULL, 0, out, &res),
		    ERR_KEY_DISABLED);
		assert_int_equal(kms_key_enable(f->kms, &f->who, id), ERR_OK);
		assert_int_equal(dec(f, blob, NULL, 0, out, &res), ERR_OK);
		assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id,
		    7), ERR_OK);
		assert_int_equal(dec(f, blob, NULL, 0, out, &res),
		    ERR_KEY_PENDING_DELETION);
		assert_int_equal(kms_key_cancel_deletion(f->kms, &f->who, id),
		    ERR_OK);
		assert_int_equal(dec(f, blob, NULL, 0, out, &res), ERR_OK);

		/* Another writer disables it, then enables it again. */
		snprintf(sql, sizeof(sql), "UPDATE kms_keys SET state ="
		    " 'Disabled', generation = generation + 1"
		    " WHERE key_id = '%s'", id);
		assert_int_equal(db_exec(other, sql), ERR_OK);
		assert_int_equal(dec(f, blob, NULL, 0, out, &res),
		    ERR_KEY_DISABLED);
		snprintf(sql, sizeof(sql), "UPDATE kms_keys SET state ="
		    " 'Enabled', generation = generation + 1"
		    " WHERE key_id = '%s'", id);
		assert_int_equal(db_exec(other, sql), ERR_OK);
		assert_int_equal(dec(f, blob, NULL, 0, out, &res), ERR_OK);
	}
	/* Pending deletion turns into destroyed by time alone, with no write
	 * to move the counter: derived again at every hit. */
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 7),
	    ERR_OK);
	f->now += 7 * CLOCK_DAY_MS - 1;
	assert_int_equal(dec(f, blob, NULL, 0, out, &res),
	    ERR_KEY_PENDING_DELETION);
	f->now += 1;
	assert_int_equal(dec(f, blob, NULL, 0, out, &res), ERR_KEY_NOT_FOUND);
	/* A version deleted by another writer is gone at once too. */
	f->now -= 7 * CLOCK_DAY_MS;
	assert_int_equal(kms_key_cancel_deletion(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(dec(f, blob, NULL, 0, out, &res), ERR_OK);
	assert_int_equal(db_exec(other, "DELETE FROM kms_key_versions"),
	    ERR_OK);
	assert_int_equal(dec(f, blob, NULL, 0, out, &res), ERR_KEY_NOT_FOUND);
	db_close(other);
}

static void
test_aliases_tags(void **state)
{
	struct fix *f = *state;
	static const struct kms_tag tags[] = { { "env", "prod" }, { "team", "a" } };
	const char *rm[] = { "env" };
	char id[KMS_KEY_ID_MAX], id2[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX];
	struct kms_crypto_result er;

	new_key(f, NULL, id);
	new_key(f, NULL, id2);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/a", id), ERR_OK);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/a", id2),
	    ERR_KMS_ALIAS_EXISTS);
	/* aliases are per account */
	{
		struct kms_key_create_req req = { 0 };
		struct kms_key_meta *m = calloc(1, sizeof(*m));

		assert_int_equal(kms_key_create(f->kms, &f->other, &req, m),
		    ERR_OK);
		assert_int_equal(kms_alias_create(f->kms, &f->other, "alias/a",
		    m->key_id), ERR_OK);
		/* and keys too */
		assert_int_equal(kms_alias_create(f->kms, &f->other, "alias/b",
		    id), ERR_KEY_NOT_FOUND);
		free(m);
	}
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/acs/x", id),
	    ERR_INVALID_ARGUMENT);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "a", id),
	    ERR_INVALID_ARGUMENT);
	assert_int_equal(kms_alias_update(f->kms, &f->who, "alias/a", id2),
	    ERR_OK);
	assert_int_equal(enc(f, "alias/a", NULL, 0, "x", blob, &er), ERR_OK);
	assert_string_equal(er.key_id, id2);
	assert_int_equal(kms_alias_update(f->kms, &f->who, "alias/zz", id2),
	    ERR_ALIAS_NOT_FOUND);
	assert_int_equal(kms_alias_delete(f->kms, &f->who, "alias/a"), ERR_OK);
	assert_int_equal(kms_alias_delete(f->kms, &f->who, "alias/a"),
	    ERR_ALIAS_NOT_FOUND);
	assert_int_equal(kms_tag_add(f->kms, &f->who, id, tags, 2), ERR_OK);
	assert_int_equal(kms_tag_remove(f->kms, &f->who, id, rm, 1), ERR_OK);
	{
		struct kms_tag many[KMS_TAGS_MAX];
		char names[KMS_TAGS_MAX][16];

		for (int i = 0; i < KMS_TAGS_MAX; i++) {
			snprintf(names[i], sizeof(names[i]), "k%d", i);
			many[i].key = names[i];
			many[i].value = "v";
		}
		/* "team" plus ten more is eleven: refused, nothing added */
		assert_int_equal(kms_tag_add(f->kms, &f->who, id, many,
		    KMS_TAGS_MAX), ERR_KMS_LIMIT_EXCEEDED);
		assert_int_equal(kms_tag_add(f->kms, &f->who, id, many,
		    KMS_TAGS_MAX - 1), ERR_OK);
	}
	{
		static const struct kms_tag bad[] = { { "acs:x", "v" } };

		assert_int_equal(kms_tag_add(f->kms, &f->who, id, bad, 1),
		    ERR_INVALID_ARGUMENT);
	}
}

/* ---- quotas ---- */

/* kms reopened with small quotas on the fixture's database. */
static void
reopen_limited(struct fix *f, struct kms_limits lim)
{
	struct kms_settings ks = { 0 };
	char path[4096];

	kms_close(f->kms);
	snprintf(path, sizeof(path), "%s/root.key", f->dir);
	ks.root_key_path = path;
	ks.db = f->db;
	ks.clock = &f->clock;
	ks.limits = lim;
	assert_int_equal(kms_open(&ks, &f->kms), ERR_OK);
}

static enum err
try_key(struct fix *f, const struct kms_caller *who, char id[KMS_KEY_ID_MAX])
{
	struct kms_key_create_req req = { 0 };
	struct kms_key_meta *m = calloc(1, sizeof(*m));
	enum err r;

	r = kms_key_create(f->kms, who, &req, m);
	if (r == ERR_OK && id != NULL)
		memcpy(id, m->key_id, KMS_KEY_ID_MAX);
	free(m);
	return r;
}

static void
test_quotas(void **state)
{
	struct fix *f = *state;
	char id[3][KMS_KEY_ID_MAX], svc[KMS_KEY_ID_MAX], name[32];
	struct kms_version_info v;
	struct kms_tag tags[5];

	reopen_limited(f, (struct kms_limits){ .keys = 3, .aliases = 2,
	    .key_versions = 5, .tags = 2 });
	/* The OSS service key and its alias/acs/oss are the service's: they
	 * take no slot. */
	assert_int_equal(kms_service_key(f->kms, f->who.account, svc), ERR_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(try_key(f, &f->who, id[i]), ERR_OK);
	assert_int_equal(try_key(f, &f->who, NULL), ERR_KMS_LIMIT_EXCEEDED);
	/* per account: the other account still has all of its quota */
	assert_int_equal(try_key(f, &f->other, NULL), ERR_OK);

	/* Versions, all keys together: three first versions plus two. */
	assert_int_equal(kms_key_version_create(f->kms, &f->who, id[0], &v),
	    ERR_OK);
	assert_int_equal(kms_key_version_create(f->kms, &f->who, id[1], &v),
	    ERR_OK);
	assert_int_equal(kms_key_version_create(f->kms, &f->who, id[2], &v),
	    ERR_KMS_LIMIT_EXCEEDED);

	/* Aliases; deleting one frees its slot. */
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/a", id[0]),
	    ERR_OK);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/b", id[1]),
	    ERR_OK);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/c", id[2]),
	    ERR_KMS_LIMIT_EXCEEDED);
	/* an existing name is still AliasAlreadyExists */
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/a", id[2]),
	    ERR_KMS_ALIAS_EXISTS);
	assert_int_equal(kms_alias_delete(f->kms, &f->who, "alias/b"), ERR_OK);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/c", id[2]),
	    ERR_OK);

	/* A key scheduled for deletion still counts until its date; then it
	 * is destroyed, and neither it, its aliases nor its versions count. */
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id[0], 7),
	    ERR_OK);
	assert_int_equal(try_key(f, &f->who, NULL), ERR_KMS_LIMIT_EXCEEDED);
	f->now += 7 * CLOCK_DAY_MS;
	/* id[0] had two versions and alias/a: room for a key (one version)
	 * and an alias */
	assert_int_equal(try_key(f, &f->who, id[0]), ERR_OK);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/d", id[0]),
	    ERR_OK);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/e", id[0]),
	    ERR_KMS_LIMIT_EXCEEDED);

	/* Tags per key: TagResource up to the limit, CreateKey up to twice. */
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		tags[i].key = strdup(name);
		tags[i].value = "v";
	}
	assert_int_equal(kms_tag_add(f->kms, &f->who, id[1], tags, 3),
	    ERR_KMS_LIMIT_EXCEEDED);
	assert_int_equal(kms_tag_add(f->kms, &f->who, id[1], tags, 2), ERR_OK);
	assert_int_equal(kms_tag_add(f->kms, &f->who, id[1], tags + 2, 1),
	    ERR_KMS_LIMIT_EXCEEDED);
	/* replacing a value is not a new tag */
	assert_int_equal(kms_tag_add(f->kms, &f->who, id[1], tags + 1, 1),
	    ERR_OK);
	{
		struct kms_key_create_req req = { .tags = tags, .ntags = 5 };
		struct kms_key_meta *m = calloc(1, sizeof(*m));

		assert_int_equal(kms_key_create(f->kms, &f->other, &req, m),
		    ERR_KMS_LIMIT_EXCEEDED);
		req.ntags = 4;
		assert_int_equal(kms_key_create(f->kms, &f->other, &req, m),
		    ERR_OK);
		free(m);
	}
	for (int i = 0; i < 5; i++)
		free((void *)(uintptr_t)tags[i].key);
}

/* ---- BYOK ---- */

/* What a client does with GetParametersForImport's public key. */
static char *
wrap(const char *pub_b64, const char *alg, const uint8_t *mat, size_t n)
{
	uint8_t der[1024], ct[512];
	const unsigned char *p = der;
	size_t ctlen = sizeof(ct);
	EVP_PKEY *pk;
	EVP_PKEY_CTX *ctx;
	char *out;
	int dl;

	dl = b64_decode(der, sizeof(der), pub_b64, strlen(pub_b64));
	assert_int_equal(dl, 294);	/* RSA-2048 SPKI (spec §1.4) */
	pk = d2i_PUBKEY(NULL, &p, dl);
	assert_non_null(pk);
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_true(EVP_PKEY_encrypt_init(ctx) > 0);
	if (strcmp(alg, "RSAES_PKCS1_V1_5") == 0)
		assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	else {
		const EVP_MD *md = strcmp(alg, "RSAES_OAEP_SHA_256") == 0 ?
		    EVP_sha256() : EVP_sha1();

		assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_OAEP_PADDING) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0);
	}
	assert_true(EVP_PKEY_encrypt(ctx, ct, &ctlen, mat, n) > 0);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	out = malloc(1024);
	assert_true(b64_encode(out, 1024, ct, ctlen) > 0);
	return out;
}

/* The quota counters (schema 0022) follow creations, deletions by the
 * sweep and another writer's deletes. */
static void
test_quota_counters(void **state)
{
	struct fix *f = *state;
	char id[4][KMS_KEY_ID_MAX];
	struct db *other;

	reopen_limited(f, (struct kms_limits){ .keys = 3, .key_versions = 4 });
	other = other_writer(f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(try_key(f, &f->who, id[i]), ERR_OK);
	assert_int_equal(try_key(f, &f->who, NULL), ERR_KMS_LIMIT_EXCEEDED);
	/* Destroyed but not swept: no longer counted. */
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id[0], 7),
	    ERR_OK);
	f->now += 7 * CLOCK_DAY_MS;
	assert_int_equal(try_key(f, &f->who, id[0]), ERR_OK);
	assert_int_equal(try_key(f, &f->who, NULL), ERR_KMS_LIMIT_EXCEEDED);
	/* Swept: still not counted, and not counted twice. */
	assert_int_equal(kms_tick(f->kms), ERR_OK);
	assert_int_equal(try_key(f, &f->who, NULL), ERR_KMS_LIMIT_EXCEEDED);
	/* Versions: three keys' first versions plus one; the fifth is
	 * refused, and freed again when another writer deletes a key. */
	{
		struct kms_version_info v;
		char sql[256];

		assert_int_equal(kms_key_version_create(f->kms, &f->who, id[1],
		    &v), ERR_OK);
		assert_int_equal(kms_key_version_create(f->kms, &f->who, id[1],
		    &v), ERR_KMS_LIMIT_EXCEEDED);
		snprintf(sql, sizeof(sql), "DELETE FROM kms_keys"
		    " WHERE key_id = '%s'", id[1]);
		assert_int_equal(db_exec(other, sql), ERR_OK);
		assert_int_equal(try_key(f, &f->who, id[3]), ERR_OK);
		assert_int_equal(kms_key_version_create(f->kms, &f->who, id[3],
		    &v), ERR_OK);
		assert_int_equal(kms_key_version_create(f->kms, &f->who, id[3],
		    &v), ERR_KMS_LIMIT_EXCEEDED);
	}
	db_close(other);
}

static void
test_import_each_algorithm(void **state)
{
	struct fix *f = *state;
	static const char *const algs[] = { "RSAES_PKCS1_V1_5",
	    "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256" };
	uint8_t mat[32];
	char out[KMS_PLAINTEXT_MAX + 1];

	for (size_t i = 0; i < 3; i++) {
		struct kms_import_params p;
		struct kms_crypto_result er, dr;
		char id[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX], *w;

		new_key(f, "EXTERNAL", id);
		assert_int_equal(state_of(f, id), KMS_KEY_PENDING_IMPORT);
		assert_int_equal(enc(f, id, NULL, 0, "x", blob, &er),
		    ERR_KEY_PENDING_IMPORT);
		assert_int_equal(kms_import_params_get(f->kms, &f->who, id,
		    algs[i], "RSA_2048", &p), ERR_OK);
		assert_string_equal(p.key_id, id);
		assert_true(str_has_prefix(p.public_key_b64,
		    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"));
		assert_int_equal(p.expire_ms, f->now + 24 * CLOCK_HOUR_MS);
		memset(mat, (int)(0x40 + i), sizeof(mat));
		w = wrap(p.public_key_b64, algs[i], mat, sizeof(mat));
		assert_int_equal(kms_import_material(f->kms, &f->who, id,
		    p.token, w, 0), ERR_OK);
		free(w);
		assert_int_equal(state_of(f, id), KMS_KEY_ENABLED);
		assert_int_equal(enc(f, id, NULL, 0, "byok", blob, &er), ERR_OK);
		assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_OK);
		assert_string_equal(out, "byok");
	}
}

static void
test_import_rules(void **state)
{
	struct fix *f = *state;
	struct kms_import_params p, p2;
	struct kms_key_meta *m = calloc(1, sizeof(*m));
	struct kms_crypto_result er, dr;
	char id[KMS_KEY_ID_MAX], other[KMS_KEY_ID_MAX], own[KMS_KEY_ID_MAX];
	char blob[KMS_BLOB_B64_MAX], out[KMS_PLAINTEXT_MAX + 1], *w;
	uint8_t mat[32], mat2[32], short16[16];

	memset(mat, 0xa5, sizeof(mat));
	memset(mat2, 0x5a, sizeof(mat2));
	memset(short16, 1, sizeof(short16));
	new_key(f, "EXTERNAL", id);
	new_key(f, "EXTERNAL", other);
	new_key(f, NULL, own);
	assert_int_equal(kms_import_params_get(f->kms, &f->who, own,
	    "RSAES_OAEP_SHA_256", "RSA_2048", &p), ERR_KMS_UNSUPPORTED_ORIGIN);
	assert_int_equal(kms_import_params_get(f->kms, &f->who, id,
	    "RSAES_OAEP_SHA_512", "RSA_2048", &p), ERR_INVALID_ARGUMENT);
	assert_int_equal(kms_import_params_get(f->kms, &f->who, id,
	    "RSAES_OAEP_SHA_256", "RSA_3072", &p), ERR_INVALID_ARGUMENT);
	assert_int_equal(kms_import_params_get(f->kms, &f->who, id,
	    "RSAES_OAEP_SHA_256", "RSA_2048", &p), ERR_OK);
	assert_int_equal(kms_import_params_get(f->kms, &f->who, other,
	    "RSAES_OAEP_SHA_256", "RSA_2048", &p2), ERR_OK);
	/* 16 bytes of material */
	w = wrap(p.public_key_b64, "RSAES_OAEP_SHA_256", short16, 16);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p.token, w, 0),
	    ERR_KMS_INVALID_KEY_MATERIAL);
	free(w);
	/* wrapped with the wrong algorithm */
	w = wrap(p.public_key_b64, "RSAES_OAEP_SHA_1", mat, 32);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p.token, w, 0),
	    ERR_KMS_INVALID_KEY_MATERIAL);
	free(w);
	/* a token of another key, a made-up one */
	w = wrap(p2.public_key_b64, "RSAES_OAEP_SHA_256", mat, 32);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p2.token, w,
	    0), ERR_KMS_INVALID_IMPORT_TOKEN);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, "nope", w, 0),
	    ERR_KMS_INVALID_IMPORT_TOKEN);
	free(w);
	/* an expiry in the past */
	w = wrap(p.public_key_b64, "RSAES_OAEP_SHA_256", mat, 32);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p.token, w,
	    T0 / 1000 - 1), ERR_INVALID_ARGUMENT);
	/* material that expires in an hour; the token may be reused */
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p.token, w,
	    T0 / 1000 + 3600), ERR_OK);
	assert_int_equal(kms_key_describe(f->kms, &f->who, id, m), ERR_OK);
	assert_int_equal(m->state, KMS_KEY_ENABLED);
	assert_int_equal(m->material_expire_ms, T0 + 3600 * 1000);
	assert_int_equal(enc(f, id, NULL, 0, "before", blob, &er), ERR_OK);
	free(w);
	/* re-import of other material is refused */
	w = wrap(p.public_key_b64, "RSAES_OAEP_SHA_256", mat2, 32);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p.token, w, 0),
	    ERR_KMS_INVALID_KEY_MATERIAL);
	free(w);
	/* expiry: back to PendingImport */
	f->now += 3600 * 1000;
	assert_int_equal(state_of(f, id), KMS_KEY_PENDING_IMPORT);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_KEY_PENDING_IMPORT);
	/* the same material again, never expiring */
	w = wrap(p.public_key_b64, "RSAES_OAEP_SHA_256", mat, 32);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p.token, w, 0),
	    ERR_OK);
	free(w);
	assert_int_equal(state_of(f, id), KMS_KEY_ENABLED);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_OK);
	assert_string_equal(out, "before");
	/* DeleteKeyMaterial: PendingImport, old blobs wait for the material */
	assert_int_equal(kms_material_delete(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(state_of(f, id), KMS_KEY_PENDING_IMPORT);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_KEY_PENDING_IMPORT);
	assert_int_equal(kms_material_delete(f->kms, &f->who, own),
	    ERR_KMS_UNSUPPORTED_ORIGIN);
	/* the token expires after 24 hours */
	f->now += 24 * CLOCK_HOUR_MS;
	w = wrap(p.public_key_b64, "RSAES_OAEP_SHA_256", mat, 32);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p.token, w, 0),
	    ERR_KMS_EXPIRED_IMPORT_TOKEN);
	/* ...and stays expired, not unknown, once the periodic purge has
	 * wiped its private key (it ran at random in the SDK test). */
	assert_int_equal(kms_tick(f->kms), ERR_OK);
	f->now += 7 * 24 * CLOCK_HOUR_MS;
	assert_int_equal(kms_tick(f->kms), ERR_OK);
	assert_int_equal(kms_import_material(f->kms, &f->who, id, p.token, w, 0),
	    ERR_KMS_EXPIRED_IMPORT_TOKEN);
	free(w);
	/* the CLI path: raw material, same rules */
	assert_int_equal(kms_import_material_raw(f->kms, &f->who, id, mat2, 32,
	    0), ERR_KMS_INVALID_KEY_MATERIAL);
	assert_int_equal(kms_import_material_raw(f->kms, &f->who, id, mat, 31,
	    0), ERR_KMS_INVALID_KEY_MATERIAL);
	assert_int_equal(kms_import_material_raw(f->kms, &f->who, id, mat, 32,
	    0), ERR_OK);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_OK);
	/* an EXTERNAL key without material cancels deletion to PendingImport */
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, other, 7),
	    ERR_OK);
	assert_int_equal(kms_key_cancel_deletion(f->kms, &f->who, other), ERR_OK);
	assert_int_equal(state_of(f, other), KMS_KEY_PENDING_IMPORT);
	free(m);
}

/* ---- OSS data keys ---- */

static void
test_sse_kms(void **state)
{
	struct fix *f = *state;
	uint8_t uuid[KMS_UUID_BYTES], wrapped[KMS_WRAPPED_MAX];
	char wk[KMS_WRAP_KEY_MAX], id[KMS_KEY_ID_MAX], arn[256];
	char svc[KMS_KEY_ID_MAX], svc2[KMS_KEY_ID_MAX];
	struct kms_dek *d = NULL, *d2 = NULL;
	struct kms_version_info v;
	size_t wl = 0;
	uint8_t chunk[64], sealed[64 + 40], plain[64];

	memset(uuid, 7, sizeof(uuid));
	memset(chunk, 'c', sizeof(chunk));
	new_key(f, NULL, id);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/oss", id),
	    ERR_OK);
	assert_int_equal(kms_dek_create(f->kms, 1, id, uuid, wrapped, &wl, wk,
	    &d), ERR_OK);
	assert_true(str_has_prefix(wk, "cmk:"));
	assert_int_equal(strlen(wk), 4 + 36);
	assert_int_equal(kms_dek_seal(d, sealed, chunk, 64, uuid, 16), ERR_OK);
	kms_dek_free(d);
	/* rotation: the extent names its version and still opens */
	assert_int_equal(kms_key_version_create(f->kms, &f->who, id, &v), ERR_OK);
	assert_int_equal(kms_dek_open(f->kms, 1, wk, wrapped, wl, uuid, &d2),
	    ERR_OK);
	assert_int_equal(kms_dek_open_chunk(d2, plain, sealed, sizeof(sealed),
	    uuid, 16), ERR_OK);
	assert_memory_equal(plain, chunk, 64);
	kms_dek_free(d2);
	/* another extent's uuid, another account */
	uuid[0] ^= 1;
	assert_int_equal(kms_dek_open(f->kms, 1, wk, wrapped, wl, uuid, &d2),
	    ERR_CORRUPT);
	uuid[0] ^= 1;
	assert_int_equal(kms_dek_open(f->kms, 2, wk, wrapped, wl, uuid, &d2),
	    ERR_KEY_NOT_FOUND);
	assert_int_equal(kms_dek_create(f->kms, 2, id, uuid, wrapped, &wl, wk,
	    &d), ERR_KEY_NOT_FOUND);
	/* alias and ARN */
	assert_int_equal(kms_dek_create(f->kms, 1, "alias/oss", uuid, wrapped,
	    &wl, wk, &d), ERR_OK);
	kms_dek_free(d);
	snprintf(arn, sizeof(arn), "acs:kms:cn-hangzhou:" ACCT1 ":key/%s", id);
	assert_int_equal(kms_dek_create(f->kms, 1, arn, uuid, wrapped, &wl, wk,
	    &d), ERR_OK);
	kms_dek_free(d);
	assert_int_equal(kms_dek_create(f->kms, 1, "alias/none", uuid, wrapped,
	    &wl, wk, &d), ERR_ALIAS_NOT_FOUND);
	/* key states, judged at the call */
	assert_int_equal(kms_key_disable(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(kms_dek_create(f->kms, 1, id, uuid, wrapped, &wl, wk,
	    &d), ERR_KEY_DISABLED);
	assert_int_equal(kms_dek_open(f->kms, 1, wk, wrapped, wl, uuid, &d2),
	    ERR_KEY_DISABLED);
	assert_int_equal(kms_key_enable(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 7),
	    ERR_OK);
	assert_int_equal(kms_dek_open(f->kms, 1, wk, wrapped, wl, uuid, &d2),
	    ERR_KEY_PENDING_DELETION);
	f->now += 8 * CLOCK_DAY_MS;
	assert_int_equal(kms_dek_open(f->kms, 1, wk, wrapped, wl, uuid, &d2),
	    ERR_KEY_NOT_FOUND);
	{
		char ext[KMS_KEY_ID_MAX];

		new_key(f, "EXTERNAL", ext);
		assert_int_equal(kms_dek_create(f->kms, 1, ext, uuid, wrapped,
		    &wl, wk, &d), ERR_KEY_PENDING_IMPORT);
	}
	/* the service key: created once, reused, protected */
	assert_int_equal(kms_service_key(f->kms, 1, svc), ERR_OK);
	assert_int_equal(kms_service_key(f->kms, 1, svc2), ERR_OK);
	assert_string_equal(svc, svc2);
	assert_int_equal(kms_service_key(f->kms, 2, svc2), ERR_OK);
	assert_string_not_equal(svc, svc2);
	assert_int_equal(kms_dek_create(f->kms, 1, "alias/acs/oss", uuid,
	    wrapped, &wl, wk, &d), ERR_OK);
	kms_dek_free(d);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, svc, 7),
	    ERR_ACCESS_DENIED);
	assert_int_equal(kms_key_disable(f->kms, &f->who, svc),
	    ERR_ACCESS_DENIED);
	assert_int_equal(kms_alias_delete(f->kms, &f->who, "alias/acs/oss"),
	    ERR_ACCESS_DENIED);
	/* SSE-OSS is untouched by all this */
	assert_int_equal(kms_dek_create(f->kms, 0, NULL, uuid, wrapped, &wl, wk,
	    &d), ERR_OK);
	assert_string_equal(wk, "oss");
	kms_dek_free(d);
}

/* ---- audit ---- */

struct rows {
	char	lines[512][256];
	size_t	n;
};

static void
collect(void *ctx, const struct kms_audit_row *row)
{
	struct rows *r = ctx;

	if (r->n < 512)
		snprintf(r->lines[r->n++], 256, "%s|%s|%s|%s|%s", row->actor,
		    row->action, row->target, row->result, row->detail);
}

static bool
has_row(const struct rows *r, const char *needle)
{
	for (size_t i = 0; i < r->n; i++)
		if (strstr(r->lines[i], needle) != NULL)
			return true;
	return false;
}

static void
test_audit(void **state)
{
	struct fix *f = *state;
	struct rows *rows = calloc(1, sizeof(*rows));
	struct kms_crypto_result er;
	char id[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX], line[256];

	new_key(f, NULL, id);
	assert_int_equal(enc(f, id, NULL, 0, "TOPSECRETPLAINTEXT", blob, &er),
	    ERR_OK);
	assert_int_equal(kms_key_disable(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(enc(f, id, NULL, 0, "x", blob, &er), ERR_KEY_DISABLED);
	assert_int_equal(kms_key_cancel_deletion(f->kms, &f->who, id),
	    ERR_KEY_STATE_MODIFIED);
	assert_int_equal(kms_key_disable(f->kms, &f->who, "missing"),
	    ERR_KEY_NOT_FOUND);
	assert_int_equal(kms_audit_list(f->kms, 100, collect, rows), ERR_OK);
	snprintf(line, sizeof(line), ACCT1 "|CreateKey|%s|ok|", id);
	assert_true(has_row(rows, line));
	snprintf(line, sizeof(line), ACCT1 "|Encrypt|%s|ok|", id);
	assert_true(has_row(rows, line));
	snprintf(line, sizeof(line), ACCT1 "|DisableKey|%s|ok|", id);
	assert_true(has_row(rows, line));
	snprintf(line, sizeof(line), ACCT1 "|Encrypt|%s|Rejected.Disabled|", id);
	assert_true(has_row(rows, line));
	snprintf(line, sizeof(line),
	    ACCT1 "|CancelKeyDeletion|%s|Rejected.StateModifiedFailed|", id);
	assert_true(has_row(rows, line));
	assert_true(has_row(rows,
	    ACCT1 "|DisableKey|missing|Forbidden.KeyNotFound|"));
	/* never the plaintext, never the blob */
	for (size_t i = 0; i < rows->n; i++) {
		assert_null(strstr(rows->lines[i], "TOPSECRET"));
		assert_null(strstr(rows->lines[i], blob));
	}
	free(rows);
}

/* ---- ciphertext binding (README "Ciphertext binding") ---- */

/* The embedded migrations (schema/embed.cmake), to replay 0006. */
struct schema_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

/* Turns the database back to before migration 0006 and applies it again:
 * the versions that exist now are then the ones that predate it. */
static void
replay_0006(struct fix *f)
{
	const char *sql = NULL;

	for (int i = 0; i < schema_migration_count; i++)
		if (str_has_prefix(schema_migrations[i].name, "0006_"))
			sql = schema_migrations[i].sql;
	assert_non_null(sql);
	assert_int_equal(db_exec(f->db, "ALTER TABLE kms_key_versions"
	    " DROP COLUMN legacy_blobs"), ERR_OK);
	assert_int_equal(db_exec(f->db, sql), ERR_OK);
}

/* An EXTERNAL key of who holding mat (imported as the CLI does). */
static void
byok_key(struct fix *f, const struct kms_caller *who, const uint8_t *mat,
    char id[static KMS_KEY_ID_MAX], char version[static KMS_VERSION_ID_BYTES + 1])
{
	struct kms_key_create_req req = { .origin = "EXTERNAL" };
	struct kms_key_meta *m = calloc(1, sizeof(*m));

	assert_int_equal(kms_key_create(f->kms, who, &req, m), ERR_OK);
	assert_int_equal(kms_import_material_raw(f->kms, who, m->key_id, mat,
	    32, 0), ERR_OK);
	memcpy(id, m->key_id, KMS_KEY_ID_MAX);
	memcpy(version, m->primary_version, KMS_VERSION_ID_BYTES + 1);
	free(m);
}

static enum err
dec_as(struct fix *f, const struct kms_caller *who, const char *blob,
    const struct kv *ctx, size_t nctx)
{
	uint8_t buf[KMS_PLAINTEXT_MAX];
	struct kms_crypto_result res;
	size_t n = 0;

	return kms_decrypt(f->kms, who, blob, ctx, nctx, buf, &n, &res);
}

/* blob with its 36-byte version prefix replaced: what an attacker does. */
static void
relabel(char *out, const char *blob, const char *version)
{
	uint8_t raw[KMS_BLOB_B64_MAX];
	int n = b64_decode(raw, sizeof(raw), blob, strlen(blob));

	assert_true(n > KMS_VERSION_ID_BYTES);
	memcpy(raw, version, KMS_VERSION_ID_BYTES);
	assert_true(b64_encode(out, KMS_BLOB_B64_MAX, raw, (size_t)n) > 0);
}

static size_t
lp(uint8_t *out, const char *s)
{
	size_t n = strlen(s);

	out[0] = (uint8_t)(n >> 24);
	out[1] = (uint8_t)(n >> 16);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	memcpy(out + 4, s, n);
	return 4 + n;
}

/* The binding as README documents it, built here independently of kms/. */
static size_t
binding(uint8_t out[static 256], const char *tag, const char *account,
    const char *key_id, const char *version)
{
	size_t o = 0;

	o += lp(out + o, tag);
	o += lp(out + o, account);
	o += lp(out + o, key_id);
	o += lp(out + o, version);
	return o;
}

/* HKDF-Expand-SHA-256(PRK = material, info = binding), one block. */
static void
subkey(uint8_t out[static 32], const uint8_t *mat, const uint8_t *bind,
    size_t blen)
{
	crypto_auth_hmacsha256_state st;
	uint8_t one = 1;

	crypto_auth_hmacsha256_init(&st, mat, 32);
	crypto_auth_hmacsha256_update(&st, bind, blen);
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
}

/* A blob made from known material the way README says kms/ makes it
 * (legacy false), or the way it was made before migration 0006. ctx must
 * be sorted by key. */
static void
forge_blob(char *blob, const uint8_t *mat, bool legacy, const char *account,
    const char *key_id, const char *version, const struct kv *ctx,
    size_t nctx, const char *plain)
{
	uint8_t raw[KMS_BLOB_B64_MAX], key[32], ad[32], bind[256], len[4];
	crypto_hash_sha256_state st;
	size_t adlen = 0, blen;

	crypto_hash_sha256_init(&st);
	if (legacy) {
		memcpy(key, mat, 32);
		for (size_t i = 0; i < nctx; i++) {
			if (i > 0)
				crypto_hash_sha256_update(&st,
				    (const uint8_t *)"&", 1);
			crypto_hash_sha256_update(&st,
			    (const uint8_t *)ctx[i].name, strlen(ctx[i].name));
			crypto_hash_sha256_update(&st, (const uint8_t *)"=", 1);
			crypto_hash_sha256_update(&st,
			    (const uint8_t *)ctx[i].value, strlen(ctx[i].value));
		}
		if (nctx > 0)
			adlen = 32;
	} else {
		blen = binding(bind, "coffer/kms/blob/v2", account, key_id,
		    version);
		subkey(key, mat, bind, blen);
		crypto_hash_sha256_update(&st, bind, blen);
		len[0] = len[1] = len[2] = 0;
		len[3] = (uint8_t)nctx;
		crypto_hash_sha256_update(&st, len, 4);
		for (size_t i = 0; i < nctx; i++) {
			blen = lp(bind, ctx[i].name);
			crypto_hash_sha256_update(&st, bind, blen);
			blen = lp(bind, ctx[i].value);
			crypto_hash_sha256_update(&st, bind, blen);
		}
		adlen = 32;
	}
	crypto_hash_sha256_final(&st, ad);
	memcpy(raw, version, 36);
	randombytes_buf(raw + 36, 12);
	crypto_aead_aes256gcm_encrypt(raw + 48, NULL, (const uint8_t *)plain,
	    strlen(plain), adlen ? ad : NULL, adlen, NULL, raw + 36, key);
	assert_true(b64_encode(blob, KMS_BLOB_B64_MAX, raw,
	    48 + strlen(plain) + 16) > 0);
}

/* A data key wrapped for an SSE-KMS extent, v2 or pre-0006:
 * nonce [24] || XChaCha20-Poly1305 ct || tag (72 bytes). */
static void
forge_dek(uint8_t wrapped[static 72], const uint8_t *mat, bool legacy,
    const char *account, const char *key_id, const char *version,
    const uint8_t *uuid, const uint8_t *dek)
{
	uint8_t key[32], ad[256 + 16];
	size_t adlen;

	if (legacy) {
		memcpy(key, mat, 32);
		memcpy(ad, "dek", 3);
		memcpy(ad + 3, uuid, 16);
		memcpy(ad + 19, "cmk:", 4);
		memcpy(ad + 23, version, 36);
		adlen = 23 + 36;
	} else {
		adlen = binding(ad, "coffer/kms/dek/v2", account, key_id,
		    version);
		subkey(key, mat, ad, adlen);
		memcpy(ad + adlen, uuid, 16);
		adlen += 16;
	}
	randombytes_buf(wrapped, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped + 24, NULL, dek, 32,
	    ad, adlen, NULL, wrapped, key);
}

/* Opens wrapped as an SSE-KMS extent of account does, and checks that the
 * data key is dek by opening a chunk sealed here with it. */
static enum err
dek_check(struct fix *f, int64_t account, const char *version,
    const uint8_t *wrapped, const uint8_t *uuid, const uint8_t *dek)
{
	uint8_t chunk[64], sealed[24 + 64 + 16], plain[64];
	struct kms_dek *d = NULL;
	char wk[KMS_WRAP_KEY_MAX];
	enum err r;

	snprintf(wk, sizeof(wk), "cmk:%s", version);
	r = kms_dek_open(f->kms, account, wk, wrapped, 72, uuid, &d);
	if (r != ERR_OK)
		return r;
	memset(chunk, 'c', sizeof(chunk));
	randombytes_buf(sealed, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + 24, NULL, chunk,
	    sizeof(chunk), uuid, 16, NULL, sealed, dek);
	assert_int_equal(kms_dek_open_chunk(d, plain, sealed, sizeof(sealed),
	    uuid, 16), ERR_OK);
	assert_memory_equal(plain, chunk, sizeof(chunk));
	kms_dek_free(d);
	return ERR_OK;
}

static void
test_blob_bound_to_key(void **state)
{
	struct fix *f = *state;
	static const struct kv ctx[] = { { "app", "billing" } };
	const struct kv *ctxs[] = { ctx, NULL };
	struct kms_crypto_result er, dr, sr;
	char a[KMS_KEY_ID_MAX], b[KMS_KEY_ID_MAX], c[KMS_KEY_ID_MAX];
	char va[KMS_VERSION_ID_BYTES + 1], vb[KMS_VERSION_ID_BYTES + 1];
	char vc[KMS_VERSION_ID_BYTES + 1];
	char blob[KMS_BLOB_B64_MAX], bad[KMS_BLOB_B64_MAX];
	char rb[KMS_BLOB_B64_MAX], out[KMS_PLAINTEXT_MAX + 1];
	uint8_t mat[32], uuid[KMS_UUID_BYTES], wrapped[KMS_WRAPPED_MAX];
	char wk[KMS_WRAP_KEY_MAX];
	struct kms_dek *d = NULL;
	size_t wl = 0;

	/* Three EXTERNAL keys with the same imported material: two in
	 * account 1, one in account 2. */
	memset(mat, 0x77, sizeof(mat));
	byok_key(f, &f->who, mat, a, va);
	byok_key(f, &f->who, mat, b, vb);
	byok_key(f, &f->other, mat, c, vc);
	for (size_t i = 0; i < 2; i++) {
		size_t n = ctxs[i] != NULL ? 1 : 0;

		assert_int_equal(enc(f, a, ctxs[i], n, "for a only", blob, &er),
		    ERR_OK);
		assert_int_equal(dec(f, blob, ctxs[i], n, out, &dr), ERR_OK);
		assert_string_equal(out, "for a only");
		/* relabelled to the other key of the account, and to the
		 * other account's key, by that account */
		relabel(bad, blob, vb);
		assert_int_equal(dec_as(f, &f->who, bad, ctxs[i], n),
		    ERR_KMS_DECRYPT_FAILED);
		relabel(bad, blob, vc);
		assert_int_equal(dec_as(f, &f->other, bad, ctxs[i], n),
		    ERR_KMS_DECRYPT_FAILED);
	}
	/* each key opens its own blobs: the material is fine, the label not */
	assert_int_equal(enc(f, b, ctx, 1, "for b", rb, &er), ERR_OK);
	assert_int_equal(dec(f, rb, ctx, 1, out, &dr), ERR_OK);
	assert_string_equal(out, "for b");
	/* GenerateDataKey(WithoutPlaintext) blobs are bound the same way */
	assert_int_equal(kms_generate_data_key(f->kms, &f->who, a, ctx, 1, 32,
	    NULL, blob, &er), ERR_OK);
	relabel(bad, blob, vb);
	assert_int_equal(dec_as(f, &f->who, bad, ctx, 1),
	    ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec_as(f, &f->who, blob, ctx, 1), ERR_OK);
	/* ReEncrypt: a relabelled source is refused; a genuine one moves,
	 * and its result is bound to the destination */
	assert_int_equal(enc(f, a, ctx, 1, "moving", blob, &er), ERR_OK);
	relabel(bad, blob, vb);
	assert_int_equal(kms_reencrypt(f->kms, &f->who, bad, ctx, 1, b, NULL, 0,
	    rb, &dr, &sr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(kms_reencrypt(f->kms, &f->who, blob, ctx, 1, b, NULL,
	    0, rb, &dr, &sr), ERR_OK);
	assert_string_equal(sr.key_id, a);
	assert_string_equal(dr.key_id, b);
	assert_int_equal(dec(f, rb, NULL, 0, out, &dr), ERR_OK);
	assert_string_equal(out, "moving");
	relabel(bad, rb, va);
	assert_int_equal(dec_as(f, &f->who, bad, NULL, 0),
	    ERR_KMS_DECRYPT_FAILED);
	/* Disabling a must stop its blobs, relabelled or not */
	assert_int_equal(kms_key_disable(f->kms, &f->who, a), ERR_OK);
	assert_int_equal(dec_as(f, &f->who, blob, ctx, 1), ERR_KEY_DISABLED);
	relabel(bad, blob, vb);
	assert_int_equal(dec_as(f, &f->who, bad, ctx, 1),
	    ERR_KMS_DECRYPT_FAILED);
	relabel(bad, blob, vc);
	assert_int_equal(dec_as(f, &f->other, bad, ctx, 1),
	    ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(kms_key_enable(f->kms, &f->who, a), ERR_OK);
	assert_int_equal(dec(f, blob, ctx, 1, out, &dr), ERR_OK);
	assert_string_equal(out, "moving");
	/* the format README documents, built from the material: it opens,
	 * and naming another account or key in it does not */
	forge_blob(blob, mat, false, ACCT1, a, va, ctx, 1, "forged");
	assert_int_equal(dec(f, blob, ctx, 1, out, &dr), ERR_OK);
	assert_string_equal(out, "forged");
	forge_blob(blob, mat, false, ACCT2, a, va, ctx, 1, "forged");
	assert_int_equal(dec_as(f, &f->who, blob, ctx, 1),
	    ERR_KMS_DECRYPT_FAILED);
	forge_blob(blob, mat, false, ACCT1, b, va, ctx, 1, "forged");
	assert_int_equal(dec_as(f, &f->who, blob, ctx, 1),
	    ERR_KMS_DECRYPT_FAILED);
	/* SSE-KMS data keys: the extent's wrap key cannot be repointed */
	memset(uuid, 9, sizeof(uuid));
	assert_int_equal(kms_dek_create(f->kms, 1, a, uuid, wrapped, &wl, wk,
	    &d), ERR_OK);
	kms_dek_free(d);
	snprintf(bad, sizeof(bad), "cmk:%s", vb);
	assert_int_equal(kms_dek_open(f->kms, 1, bad, wrapped, wl, uuid, &d),
	    ERR_CORRUPT);
	snprintf(bad, sizeof(bad), "cmk:%s", vc);
	assert_int_equal(kms_dek_open(f->kms, 2, bad, wrapped, wl, uuid, &d),
	    ERR_CORRUPT);
	assert_int_equal(kms_dek_open(f->kms, 1, wk, wrapped, wl, uuid, &d),
	    ERR_OK);
	kms_dek_free(d);
	{
		uint8_t dek[32], w[72];

		memset(dek, 0x3c, sizeof(dek));
		forge_dek(w, mat, false, ACCT1, a, va, uuid, dek);
		assert_int_equal(dek_check(f, 1, va, w, uuid, dek), ERR_OK);
		forge_dek(w, mat, false, ACCT2, c, va, uuid, dek);
		assert_int_equal(dek_check(f, 1, va, w, uuid, dek), ERR_CORRUPT);
	}
}

static void
test_context_canonical(void **state)
{
	struct fix *f = *state;
	static const struct kv tr[] = { { "tenant", "t1" }, { "role", "user" } };
	static const struct kv rt[] = { { "role", "user" }, { "tenant", "t1" } };
	static const struct kv amp[] = { { "role", "user&tenant=t1" } };
	static const struct kv kx[] = { { "k=x", "y" } };
	static const struct kv xk[] = { { "k", "x=y" } };
	static const struct kv blank[] = { { "a", "" } };
	static const struct kv dup[] = { { "k", "1" }, { "k", "2" } };
	struct kms_crypto_result er, dr;
	char id[KMS_KEY_ID_MAX], blob[KMS_BLOB_B64_MAX];
	char out[KMS_PLAINTEXT_MAX + 1];

	new_key(f, NULL, id);
	/* keys in another order are the same context */
	assert_int_equal(enc(f, id, tr, 2, "p", blob, &er), ERR_OK);
	assert_int_equal(dec(f, blob, rt, 2, out, &dr), ERR_OK);
	assert_int_equal(dec(f, blob, tr, 2, out, &dr), ERR_OK);
	/* '&' and '=' inside keys and values are data, not structure */
	assert_int_equal(dec(f, blob, amp, 1, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(enc(f, id, amp, 1, "p", blob, &er), ERR_OK);
	assert_int_equal(dec(f, blob, tr, 2, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, amp, 1, out, &dr), ERR_OK);
	assert_int_equal(enc(f, id, kx, 1, "p", blob, &er), ERR_OK);
	assert_int_equal(dec(f, blob, xk, 1, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, kx, 1, out, &dr), ERR_OK);
	assert_int_equal(enc(f, id, xk, 1, "p", blob, &er), ERR_OK);
	assert_int_equal(dec(f, blob, kx, 1, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, xk, 1, out, &dr), ERR_OK);
	/* one empty value is not "no context" */
	assert_int_equal(enc(f, id, blank, 1, "p", blob, &er), ERR_OK);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, blank, 1, out, &dr), ERR_OK);
	assert_int_equal(enc(f, id, NULL, 0, "p", blob, &er), ERR_OK);
	assert_int_equal(dec(f, blob, blank, 1, out, &dr), ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, NULL, 0, out, &dr), ERR_OK);
	/* a key twice stays a parameter error, on every operation */
	assert_int_equal(enc(f, id, dup, 2, "p", blob, &er),
	    ERR_INVALID_ARGUMENT);
	assert_int_equal(dec(f, blob, dup, 2, out, &dr), ERR_INVALID_ARGUMENT);
	assert_int_equal(kms_generate_data_key(f->kms, &f->who, id, dup, 2, 32,
	    NULL, blob, &er), ERR_INVALID_ARGUMENT);
}

static void
test_legacy_ciphertexts(void **state)
{
	struct fix *f = *state;
	static const struct kv ctx[] = { { "role", "user" }, { "tenant", "t1" } };
	static const struct kv amp[] = { { "role", "user&tenant=t1" } };
	struct kms_crypto_result er, dr, sr;
	char l1[KMS_KEY_ID_MAX], l2[KMS_KEY_ID_MAX], nk[KMS_KEY_ID_MAX];
	char v1[KMS_VERSION_ID_BYTES + 1], v2[KMS_VERSION_ID_BYTES + 1];
	char vn[KMS_VERSION_ID_BYTES + 1];
	char old[KMS_BLOB_B64_MAX], old0[KMS_BLOB_B64_MAX];
	char blob[KMS_BLOB_B64_MAX], bad[KMS_BLOB_B64_MAX];
	char moved[KMS_BLOB_B64_MAX], out[KMS_PLAINTEXT_MAX + 1];
	uint8_t mat[32], dek[32], uuid[KMS_UUID_BYTES], w[72], wn[72];
	unsigned n = 99;

	memset(mat, 0x42, sizeof(mat));
	memset(dek, 0x24, sizeof(dek));
	memset(uuid, 5, sizeof(uuid));
	/* two keys from before the migration, with the same material, and
	 * one made after it */
	byok_key(f, &f->who, mat, l1, v1);
	byok_key(f, &f->who, mat, l2, v2);
	replay_0006(f);
	byok_key(f, &f->who, mat, nk, vn);
	forge_blob(old, mat, true, NULL, NULL, v1, ctx, 2, "old blob");
	forge_blob(old0, mat, true, NULL, NULL, v1, NULL, 0, "old, no context");
	forge_dek(w, mat, true, NULL, NULL, v1, uuid, dek);
	forge_dek(wn, mat, true, NULL, NULL, vn, uuid, dek);

	/* what a legacy version made still opens, with or without context */
	assert_int_equal(dec(f, old, ctx, 2, out, &dr), ERR_OK);
	assert_string_equal(out, "old blob");
	assert_string_equal(dr.key_id, l1);
	assert_int_equal(dec(f, old0, NULL, 0, out, &dr), ERR_OK);
	assert_string_equal(out, "old, no context");
	assert_int_equal(dec(f, old, NULL, 0, out, &dr), ERR_KMS_DECRYPT_FAILED);
	/* and so does an SSE-KMS object written before */
	assert_int_equal(dek_check(f, 1, v1, w, uuid, dek), ERR_OK);
	/* a version created after the migration never takes the old form */
	forge_blob(blob, mat, true, NULL, NULL, vn, ctx, 2, "x");
	assert_int_equal(dec_as(f, &f->who, blob, ctx, 2),
	    ERR_KMS_DECRYPT_FAILED);
	forge_blob(blob, mat, true, NULL, NULL, vn, NULL, 0, "x");
	assert_int_equal(dec_as(f, &f->who, blob, NULL, 0),
	    ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dek_check(f, 1, vn, wn, uuid, dek), ERR_CORRUPT);
	assert_int_equal(enc(f, nk, ctx, 2, "new key", blob, &er), ERR_OK);
	assert_int_equal(dec(f, blob, ctx, 2, out, &dr), ERR_OK);
	/* new blobs of a legacy version are bound */
	assert_int_equal(enc(f, l1, ctx, 2, "new blob", blob, &er), ERR_OK);
	assert_string_equal(er.version_id, v1);
	relabel(bad, blob, v2);
	assert_int_equal(dec_as(f, &f->who, bad, ctx, 2),
	    ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec(f, blob, ctx, 2, out, &dr), ERR_OK);
	/* ReEncrypt is the way out: the result is bound */
	assert_int_equal(kms_reencrypt(f->kms, &f->who, old, ctx, 2, l1, ctx, 2,
	    moved, &dr, &sr), ERR_OK);
	assert_int_equal(dec(f, moved, ctx, 2, out, &dr), ERR_OK);
	assert_string_equal(out, "old blob");
	relabel(bad, moved, v2);
	assert_int_equal(dec_as(f, &f->who, bad, ctx, 2),
	    ERR_KMS_DECRYPT_FAILED);
	/* The residual risk README states: until refused, an old blob still
	 * opens under another legacy version with the same material, and
	 * under a context that flattens to the same "k=v&k=v" text. */
	relabel(bad, old, v2);
	assert_int_equal(dec_as(f, &f->who, bad, ctx, 2), ERR_OK);
	assert_int_equal(dec_as(f, &f->who, old, amp, 1), ERR_OK);
	/* refusing the old form: all or nothing, then for good */
	db_fault_commit_after(f->db, 1);
	assert_int_equal(kms_key_refuse_legacy(f->kms, &f->who, l2, &n), ERR_IO);
	db_fault_commit_after(f->db, 0);
	assert_int_equal(n, 99);
	assert_int_equal(dec_as(f, &f->who, bad, ctx, 2), ERR_OK);
	assert_int_equal(kms_key_refuse_legacy(f->kms, &f->who, l2, &n), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(dec_as(f, &f->who, bad, ctx, 2),
	    ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(kms_key_refuse_legacy(f->kms, &f->who, l2, &n), ERR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(kms_key_refuse_legacy(f->kms, &f->other, l1, &n),
	    ERR_KEY_NOT_FOUND);
	assert_int_equal(dec(f, old, ctx, 2, out, &dr), ERR_OK);
	assert_int_equal(kms_key_disable(f->kms, &f->who, l1), ERR_OK);
	assert_int_equal(kms_key_refuse_legacy(f->kms, &f->who, l1, &n), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(kms_key_enable(f->kms, &f->who, l1), ERR_OK);
	{
		struct rows *rows = calloc(1, sizeof(*rows));
		char line[256];

		assert_int_equal(kms_audit_list(f->kms, 100, collect, rows),
		    ERR_OK);
		snprintf(line, sizeof(line),
		    ACCT1 "|RefuseLegacyCiphertexts|%s|ok|versions=1", l1);
		assert_true(has_row(rows, line));
		free(rows);
	}
	assert_int_equal(dec_as(f, &f->who, old, ctx, 2),
	    ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dec_as(f, &f->who, old, amp, 1),
	    ERR_KMS_DECRYPT_FAILED);
	assert_int_equal(dek_check(f, 1, v1, w, uuid, dek), ERR_CORRUPT);
	/* what was re-encrypted, or made since, is unaffected */
	assert_int_equal(dec(f, moved, ctx, 2, out, &dr), ERR_OK);
	assert_string_equal(out, "old blob");
	assert_int_equal(dec(f, blob, ctx, 2, out, &dr), ERR_OK);
	assert_string_equal(out, "new blob");
}

/* ---- crash consistency ---- */

struct snap {
	struct kms_key_meta	m;
	uint64_t		keys, aliases, versions;
	char			tags[1024];
};

static void
count_tag(void *ctx, const char *key_id, const char *k, const char *v)
{
	char *s = ctx;
	size_t n = strlen(s);

	snprintf(s + n, 1024 - n, "%s=%s=%s;", key_id, k, v);
}

static void
noop_key(void *ctx, const struct kms_key_meta *m)
{
	(void)ctx;
	(void)m;
}

static void
noop_alias(void *ctx, const struct kms_alias_info *a)
{
	(void)ctx;
	(void)a;
}

static void
noop_version(void *ctx, const struct kms_version_info *v)
{
	(void)ctx;
	(void)v;
}

static void
snapshot(struct fix *f, const char *id, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(kms_key_describe(f->kms, &f->who, id, &s->m), ERR_OK);
	assert_int_equal(kms_key_list(f->kms, &f->who, NULL, 0, 0, 1000,
	    noop_key, NULL, &s->keys), ERR_OK);
	assert_int_equal(kms_alias_list(f->kms, &f->who, NULL, 0, 1000,
	    noop_alias, NULL, &s->aliases), ERR_OK);
	assert_int_equal(kms_key_version_list(f->kms, &f->who, id, 0, 1000,
	    noop_version, NULL, &s->versions), ERR_OK);
	assert_int_equal(kms_tag_list(f->kms, &f->who, id, count_tag, s->tags),
	    ERR_OK);
	(void)kms_audit_flush(f->kms);
}

/* Runs op with the next commit failing; everything must be as before. */
#define CRASH(f, id, call) do {						\
	struct snap *before = calloc(1, sizeof(*before));		\
	struct snap *after = calloc(1, sizeof(*after));			\
									\
	snapshot((f), (id), before);					\
	db_fault_commit_after((f)->db, 1);				\
	assert_int_equal((call), ERR_IO);				\
	db_fault_commit_after((f)->db, 0);				\
	snapshot((f), (id), after);					\
	assert_memory_equal(before, after, sizeof(*before));		\
	free(before);							\
	free(after);							\
} while (0)

static void
test_crash_consistency(void **state)
{
	struct fix *f = *state;
	static const struct kms_tag tags[] = { { "t", "1" } };
	const char *rm[] = { "t" };
	struct kms_key_create_req req = { .description = "crash" };
	struct kms_key_meta *m = calloc(1, sizeof(*m));
	struct kms_version_info v;
	struct kms_import_params p;
	char id[KMS_KEY_ID_MAX], ext[KMS_KEY_ID_MAX];
	uint8_t mat[32];

	memset(mat, 3, sizeof(mat));
	new_key(f, NULL, id);
	new_key(f, "EXTERNAL", ext);
	CRASH(f, id, kms_key_create(f->kms, &f->who, &req, m));
	CRASH(f, id, kms_key_disable(f->kms, &f->who, id));
	CRASH(f, id, kms_key_schedule_deletion(f->kms, &f->who, id, 7));
	CRASH(f, id, kms_key_set_description(f->kms, &f->who, id, "new"));
	CRASH(f, id, kms_key_set_deletion_protection(f->kms, &f->who, id, true,
	    "x"));
	CRASH(f, id, kms_key_set_rotation(f->kms, &f->who, id, true, 0));
	CRASH(f, id, kms_key_version_create(f->kms, &f->who, id, &v));
	CRASH(f, id, kms_alias_create(f->kms, &f->who, "alias/c", id));
	CRASH(f, id, kms_tag_add(f->kms, &f->who, id, tags, 1));
	CRASH(f, ext, kms_import_material_raw(f->kms, &f->who, ext, mat, 32, 0));
	CRASH(f, ext, kms_import_params_get(f->kms, &f->who, ext,
	    "RSAES_OAEP_SHA_256", "RSA_2048", &p));
	/* and the reverse changes, from a state that has them */
	assert_int_equal(kms_key_disable(f->kms, &f->who, id), ERR_OK);
	CRASH(f, id, kms_key_enable(f->kms, &f->who, id));
	assert_int_equal(kms_key_enable(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(kms_key_schedule_deletion(f->kms, &f->who, id, 7),
	    ERR_OK);
	CRASH(f, id, kms_key_cancel_deletion(f->kms, &f->who, id));
	assert_int_equal(kms_key_cancel_deletion(f->kms, &f->who, id), ERR_OK);
	assert_int_equal(kms_alias_create(f->kms, &f->who, "alias/c", id),
	    ERR_OK);
	CRASH(f, id, kms_alias_delete(f->kms, &f->who, "alias/c"));
	assert_int_equal(kms_tag_add(f->kms, &f->who, id, tags, 1), ERR_OK);
	CRASH(f, id, kms_tag_remove(f->kms, &f->who, id, rm, 1));
	assert_int_equal(kms_import_material_raw(f->kms, &f->who, ext, mat, 32,
	    0), ERR_OK);
	CRASH(f, ext, kms_material_delete(f->kms, &f->who, ext));
	CRASH(f, ext, kms_key_disable(f->kms, &f->who, ext));
	/* the service key's creation is all or nothing too */
	{
		char svc[KMS_KEY_ID_MAX];
		uint64_t keys0 = 0, keys1 = 0;

		assert_int_equal(kms_key_list(f->kms, &f->who, NULL, 0, 0, 1000,
		    noop_key, NULL, &keys0), ERR_OK);
		db_fault_commit_after(f->db, 1);
		assert_int_equal(kms_service_key(f->kms, 1, svc), ERR_IO);
		db_fault_commit_after(f->db, 0);
		assert_int_equal(kms_key_describe(f->kms, &f->who,
		    "alias/acs/oss", m), ERR_ALIAS_NOT_FOUND);
		assert_int_equal(kms_key_list(f->kms, &f->who, NULL, 0, 0, 1000,
		    noop_key, NULL, &keys1), ERR_OK);
		assert_int_equal(keys1, keys0);
		/* and it works once the disk does */
		assert_int_equal(kms_service_key(f->kms, 1, svc), ERR_OK);
		assert_int_equal(kms_key_describe(f->kms, &f->who,
		    "alias/acs/oss", m), ERR_OK);
		assert_string_equal(m->key_id, svc);
	}
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blob_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_blob_tamper, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_data_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliases_tags, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_each_algorithm,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sse_kms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_bound_to_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_context_canonical, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_legacy_ciphertexts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_ids_blocks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cache_never_stale, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quota_counters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_ids_pages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_crash_consistency, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
