/* SPDX-License-Identifier: ISC */
/*
 * fuzz_kms_blob.c: libFuzzer harness for the KMS ciphertext-blob decoder
 * (kms_decrypt and kms_reencrypt in kms/kms_blob.c): base64, the version
 * id prefix, the length checks, the binding and the GCM open.
 *
 * One CMK and one genuine blob of it (context {"a":"b"}) are made at
 * start in a temporary data dir. The first input byte picks how the rest
 * becomes a blob:
 *   0  the bytes are the blob text as a client would send it;
 *   1  base64(the key's version id || the bytes), so the version lookup
 *      succeeds and the IV, ciphertext and tag are the fuzzer's;
 *   2  the genuine blob's raw bytes XOR the bytes (then truncated or
 *      extended by the next byte), base64.
 * Its low bit chooses the context ({"a":"b"} or none).
 *
 * Invariant: a blob opens only when it is the genuine one under its own
 * context, and then yields the genuine plaintext; everything else is
 * refused without reading out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/kv.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "kms/kms.h"
#include "support/test_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define ACCT		"1234567890123456"
#define PLAIN		"fuzz plaintext"
#define RAW_MAX		(KMS_VERSION_ID_BYTES + KMS_PLAINTEXT_MAX + 64)

static struct {
	char			*dir;
	struct db		*db;
	struct kms		*kms;
	int64_t			 now;
	struct clock		 clock;
	struct kms_caller	 who;
	char			 key_id[KMS_KEY_ID_MAX];
	char			 version[KMS_VERSION_ID_BYTES + 1];
	char			 blob[KMS_BLOB_B64_MAX];
	uint8_t			 raw[RAW_MAX];
	size_t			 raw_len;
} F;

static const struct kv ctx_ab[] = { { "a", "b" } };

static void
teardown(void)
{
	kms_close(F.kms);
	db_close(F.db);
	test_rmrf(F.dir);
	free(F.dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kms_settings ks = { 0 };
	struct kms_key_create_req req = { .description = "fuzz" };
	struct kms_key_meta *m = calloc(1, sizeof(*m));
	struct kms_crypto_result res;
	char path[4096];
	int n;

	(void)argc;
	(void)argv;
	CHECK(m != NULL);
	log_set_level(LOG_LEVEL_ERR);
	if (access("/dev/shm", W_OK | X_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	F.dir = test_tmpdir("fuzz-kms");
	snprintf(path, sizeof(path), "%s/meta.db", F.dir);
	CHECK(db_open(path, &F.db) == ERR_OK);
	CHECK(db_exec(F.db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '" ACCT "', 'one', 0)") == ERR_OK);
	F.now = 1796601600000LL;
	F.clock.now_ms = clock_fixed_now;
	F.clock.ctx = &F.now;
	snprintf(path, sizeof(path), "%s/root.key", F.dir);
	ks.root_key_path = path;
	ks.create_root_key = true;
	ks.db = F.db;
	ks.clock = &F.clock;
	CHECK(kms_open(&ks, &F.kms) == ERR_OK);
	atexit(teardown);
	F.who.account = 1;
	memcpy(F.who.account_id, ACCT, sizeof(ACCT));
	F.who.actor = ACCT;
	CHECK(kms_key_create(F.kms, &F.who, &req, m) == ERR_OK);
	memcpy(F.key_id, m->key_id, sizeof(F.key_id));
	memcpy(F.version, m->primary_version, sizeof(F.version));
	free(m);
	CHECK(kms_encrypt(F.kms, &F.who, F.key_id, ctx_ab, 1, PLAIN,
	    strlen(PLAIN), F.blob, &res) == ERR_OK);
	n = b64_decode(F.raw, sizeof(F.raw), F.blob, strlen(F.blob));
	CHECK(n > KMS_VERSION_ID_BYTES);
	F.raw_len = (size_t)n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char blob[2 * KMS_BLOB_B64_MAX], again[KMS_BLOB_B64_MAX];
	static uint8_t raw[RAW_MAX], out[KMS_PLAINTEXT_MAX];
	struct kms_crypto_result res, src;
	size_t raw_len = 0, n = 0, nctx;
	bool genuine = false;
	enum err r;

	if (size < 1)
		return 0;
	nctx = data[0] & 1;
	switch ((data[0] >> 1) % 3) {
	case 0:
		n = size - 1 < sizeof(blob) - 1 ? size - 1 : sizeof(blob) - 1;
		memcpy(blob, data + 1, n);
		blob[n] = '\0';
		break;
	case 1:
		raw_len = size - 1 < RAW_MAX - KMS_VERSION_ID_BYTES ?
		    size - 1 : RAW_MAX - KMS_VERSION_ID_BYTES;
		memcpy(raw, F.version, KMS_VERSION_ID_BYTES);
		memcpy(raw + KMS_VERSION_ID_BYTES, data + 1, raw_len);
		raw_len += KMS_VERSION_ID_BYTES;
		break;
	default:
		raw_len = F.raw_len;
		if (size > 1)
			raw_len = F.raw_len - 8 + data[1] % 16;
		memset(raw, 0, sizeof(raw));
		memcpy(raw, F.raw, F.raw_len);
		for (size_t i = 2; i < size && i - 2 < raw_len; i++)
			raw[i - 2] ^= data[i];
		genuine = raw_len == F.raw_len &&
		    memcmp(raw, F.raw, F.raw_len) == 0;
		break;
	}
	if (raw_len > 0)
		CHECK(b64_encode(blob, sizeof(blob), raw, raw_len) >= 0);
	else if ((data[0] >> 1) % 3 != 0)
		blob[0] = '\0';
	if (strcmp(blob, F.blob) == 0)
		genuine = true;

	r = kms_decrypt(F.kms, &F.who, blob, ctx_ab, nctx, out, &n, &res);
	CHECK(r != ERR_OK || (genuine && nctx == 1));
	if (r == ERR_OK)
		CHECK(n == strlen(PLAIN) && memcmp(out, PLAIN, n) == 0);
	r = kms_reencrypt(F.kms, &F.who, blob, ctx_ab, nctx, F.key_id, NULL,
	    0, again, &res, &src);
	CHECK(r != ERR_OK || (genuine && nctx == 1));
	return 0;
}
