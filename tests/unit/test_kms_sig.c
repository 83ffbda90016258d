/* SPDX-License-Identifier: ISC */
/*
 * test_kms_sig.c: unit tests of the KMS RPC signatures
 * (daemon/auth/kms_sig.c); the replay cache is test_kms_nonce.c.
 *
 * Evidence, each able to fail on a one-byte change:
 *  - the vendor's v1 vector (spec kms-api.md §2.2, AD-KMS Signature.md):
 *    exact string-to-sign, then signature;
 *  - the v1 request @alicloud/kms20160120 1.2.0 sent in the capture (§2.2)
 *    and the ACS3 request openapi-core sent (§2.3): canonical request,
 *    string-to-sign hash and signature as recorded, then the same requests
 *    through auth_kms_parse + auth_kms_verify;
 *  - those requests damaged one way at a time (signature, parameter, body,
 *    clock, missing pieces).
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

#include "auth/auth.h"
#include "base/str.h"

int sodium_init(void);

#define MINUTES(m)	((int64_t)(m) * 60 * 1000)

/* ---- v1 ---- */

static void
test_v1_vendor_vector(void **state)
{
	/* AD-KMS Calling method/Signature.md */
	static const struct kv p[] = {
		{ "AccessKeyId", "testid" }, { "Action", "CreateKey" },
		{ "Format", "json" }, { "SignatureMethod", "HMAC-SHA1" },
		{ "SignatureVersion", "1.0" },
		{ "Timestamp", "2016-03-28T03:13:08Z" },
		{ "Version", "2016-01-20" },
	};
	struct buf sts;
	char sig[29];

	(void)state;
	buf_init(&sts, 1 << 16);
	assert_int_equal(auth_kms_v1_string_to_sign("GET", p, 7, NULL, 0, &sts),
	    ERR_OK);
	assert_string_equal(buf_cstr(&sts),
	    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateKey%26Format%3Djson"
	    "%26SignatureMethod%3DHMAC-SHA1%26SignatureVersion%3D1.0"
	    "%26Timestamp%3D2016-03-28T03%253A13%253A08Z%26Version%3D2016-01-20");
	/*
	 * The spec quotes s/OdVWMTmNGagvWlljdAJ7Itsew= for this vector, but
	 * that is not HMAC-SHA1("testsecret&") of the string-to-sign it
	 * quotes: Python's hmac module gives the value below for exactly
	 * these bytes, as we do, and the captured request of the real SDK
	 * (next test) verifies end to end. So the documented example must
	 * have signed other bytes; we keep its string-to-sign (checked
	 * above) and assert the independently computed signature.
	 */
	auth_kms_v1_sign(sig, "testsecret", buf_cstr(&sts), sts.len);
	assert_string_equal(sig, "41wk2SSX1GJh7fwnc5eqOfiJPFg=");
	/* keys of exactly one SHA-1 block and longer (hashed first), against
	 * Python's hmac for the same bytes */
	{
		char k63[64], k100[101];

		memset(k63, 'k', 63);
		k63[63] = '\0';
		memset(k100, 'k', 100);
		k100[100] = '\0';
		auth_kms_v1_sign(sig, k63, buf_cstr(&sts), sts.len);
		assert_string_equal(sig, "2Xhx5t/rRwH5c4BQbfvcPlCWwdQ=");
		auth_kms_v1_sign(sig, k100, buf_cstr(&sts), sts.len);
		assert_string_equal(sig, "6cwC/7G83r+5JDpFuur3cMixlr8=");
	}
	buf_free(&sts);
}

/* The captured Encrypt of spec §2.2, in the order it was sent. */
static const struct kv cap_v1[] = {
	{ "Action", "Encrypt" }, { "Format", "json" },
	{ "Timestamp", "2026-11-24T06:17:12Z" }, { "Version", "2016-01-20" },
	{ "SignatureNonce", "5c6b72007e05bd49f56fefb5e065a7c8" },
	{ "KeyId", "alias/demo" }, { "Plaintext", "aGVsbG8=" },
	{ "EncryptionContext", "{\"a\":\"b c\"}" },
	{ "SignatureMethod", "HMAC-SHA1" }, { "SignatureVersion", "1.0" },
	{ "AccessKeyId", "testid" },
	{ "Signature", "xeHj0fCgL2WypDEsoVMeBSp7ovY=" },
};
#define CAP_V1_N (sizeof(cap_v1) / sizeof(cap_v1[0]))
#define CAP_V1_STS \
    "POST&%2F&AccessKeyId%3Dtestid%26Action%3DEncrypt%26EncryptionContext" \
    "%3D%257B%2522a%2522%253A%2522b%2520c%2522%257D%26Format%3Djson" \
    "%26KeyId%3Dalias%252Fdemo%26Plaintext%3DaGVsbG8%253D" \
    "%26SignatureMethod%3DHMAC-SHA1" \
    "%26SignatureNonce%3D5c6b72007e05bd49f56fefb5e065a7c8" \
    "%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-24T06%253A17%253A12Z" \
    "%26Version%3D2016-01-20"

static int64_t
ts(const char *iso)
{
	int64_t ms = 0;

	assert_true(time_parse_iso(iso, &ms));
	return ms;
}

static void
v1_input(struct auth_kms_input *in, const struct kv *q, size_t nq,
    int64_t now)
{
	memset(in, 0, sizeof(*in));
	in->method = "POST";
	in->path = "/";
	in->query = q;
	in->nquery = nq;
	in->now_ms = now;
}

static void
test_v1_captured(void **state)
{
	struct auth_kms_input in;
	struct auth_kms_parsed p;
	struct buf sts;
	char sig[29];

	(void)state;
	buf_init(&sts, 1 << 16);
	assert_int_equal(auth_kms_v1_string_to_sign("POST", cap_v1, CAP_V1_N,
	    NULL, 0, &sts), ERR_OK);
	assert_string_equal(buf_cstr(&sts), CAP_V1_STS);
	auth_kms_v1_sign(sig, "testsecret", buf_cstr(&sts), sts.len);
	assert_string_equal(sig, "xeHj0fCgL2WypDEsoVMeBSp7ovY=");
	buf_free(&sts);

	v1_input(&in, cap_v1, CAP_V1_N, ts("2026-11-24T06:20:00Z"));
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	assert_int_equal(p.kind, AUTH_KMS_V1);
	assert_string_equal(p.access_key_id, "testid");
	assert_string_equal(p.nonce, "5c6b72007e05bd49f56fefb5e065a7c8");
	assert_int_equal(p.request_ms, ts("2026-11-24T06:17:12Z"));
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL), ERR_OK);
	buf_init(&sts, 1 << 16);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecreT", &sts),
	    ERR_SIGNATURE_MISMATCH);
	assert_string_equal(buf_cstr(&sts), CAP_V1_STS);
	buf_free(&sts);
}

/* The same parameters split between query and form body sign the same:
 * the v1 signature covers both (spec §2.4). */
static void
test_v1_form_body(void **state)
{
	struct auth_kms_input in;
	struct auth_kms_parsed p;

	(void)state;
	v1_input(&in, cap_v1, 6, ts("2026-11-24T06:17:12Z"));
	in.form = cap_v1 + 6;
	in.nform = CAP_V1_N - 6;
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL), ERR_OK);
}

static void
test_v1_damaged(void **state)
{
	struct kv q[CAP_V1_N];
	struct auth_kms_input in;
	struct auth_kms_parsed p;
	int64_t t0 = ts("2026-11-24T06:17:12Z");

	(void)state;
	/* a changed parameter */
	memcpy(q, cap_v1, sizeof(q));
	q[6].value = "aGVsbG9=";
	v1_input(&in, q, CAP_V1_N, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL),
	    ERR_SIGNATURE_MISMATCH);
	/* an added parameter */
	{
		struct kv q2[CAP_V1_N + 1];

		memcpy(q2, cap_v1, sizeof(cap_v1));
		q2[CAP_V1_N].name = "DryRun";
		q2[CAP_V1_N].value = "true";
		v1_input(&in, q2, CAP_V1_N + 1, t0);
		assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
		assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL),
		    ERR_SIGNATURE_MISMATCH);
	}
	/* the clock: 15 minutes either way is fine, a second more is not */
	v1_input(&in, cap_v1, CAP_V1_N, t0 + MINUTES(15));
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	v1_input(&in, cap_v1, CAP_V1_N, t0 - MINUTES(15));
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	v1_input(&in, cap_v1, CAP_V1_N, t0 + MINUTES(15) + 1000);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_TIME_SKEWED);
	v1_input(&in, cap_v1, CAP_V1_N, t0 - MINUTES(15) - 1000);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_TIME_SKEWED);
	/* a malformed Timestamp */
	memcpy(q, cap_v1, sizeof(q));
	q[2].value = "2026-11-24 06:17:12";
	v1_input(&in, q, CAP_V1_N, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_DATE_MISSING);
	/* no Timestamp */
	q[2].name = "Timestamp2";
	assert_int_equal(auth_kms_parse(&in, &p), ERR_DATE_MISSING);
	/* no SignatureNonce */
	memcpy(q, cap_v1, sizeof(q));
	q[4].name = "Nonce";
	v1_input(&in, q, CAP_V1_N, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_KMS_MISSING_PARAMETER);
	assert_string_equal(p.missing, "SignatureNonce");
	/* no AccessKeyId */
	memcpy(q, cap_v1, sizeof(q));
	q[10].name = "AccessKey";
	assert_int_equal(auth_kms_parse(&in, &p), ERR_KMS_MISSING_PARAMETER);
	assert_string_equal(p.missing, "AccessKeyId");
	/* another method or version */
	memcpy(q, cap_v1, sizeof(q));
	q[8].value = "HMAC-SHA256";
	assert_int_equal(auth_kms_parse(&in, &p), ERR_AUTH_MALFORMED);
	memcpy(q, cap_v1, sizeof(q));
	q[9].value = "2.0";
	assert_int_equal(auth_kms_parse(&in, &p), ERR_AUTH_MALFORMED);
	/* no signature at all */
	v1_input(&in, cap_v1, 8, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_ANONYMOUS_DENIED);
	assert_string_equal(p.missing, "Signature");
}

/* ---- ACS3 ---- */

#define ACS3_SIG \
    "d3c5b32dbd7c772576062ca36fec076d3a523ce24893aeb833efd8cdc5b72e5d"
#define ACS3_SH \
    "host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;" \
    "x-acs-date;x-acs-signature-nonce;x-acs-version"
#define EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct kv cap_acs3_q[] = {
	{ "KeyId", "alias/demo" }, { "Plaintext", "aGVsbG8=" },
	{ "EncryptionContext", "{\"a\":\"b c\"}" },
};

/* The headers of the capture in spec §2.3 (names as MHD hands them over:
 * lower case). */
static struct kv cap_acs3_h[] = {
	{ "host", "127.0.0.1:18080" },
	{ "x-acs-version", "2016-01-20" },
	{ "x-acs-action", "Encrypt" },
	{ "x-acs-date", "2026-11-24T06:17:24Z" },
	{ "x-acs-signature-nonce",
	    "c2ecf7aeb38d7e5115b8d28be5981826cd569022b1fe2b9df1b2d12cd85f8b24" },
	{ "accept", "application/json" },
	{ "x-acs-content-sha256", EMPTY_SHA256 },
	{ "x-acs-credentials-provider", "static_ak" },
	{ "authorization", "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders="
	    ACS3_SH ",Signature=" ACS3_SIG },
	{ "content-length", "0" },
};
#define CAP_ACS3_NH (sizeof(cap_acs3_h) / sizeof(cap_acs3_h[0]))

#define ACS3_CREQ \
    "POST\n/\n" \
    "EncryptionContext=%7B%22a%22%3A%22b%20c%22%7D&KeyId=alias%2Fdemo" \
    "&Plaintext=aGVsbG8%3D\n" \
    "host:127.0.0.1:18080\n" \
    "x-acs-action:Encrypt\n" \
    "x-acs-content-sha256:" EMPTY_SHA256 "\n" \
    "x-acs-credentials-provider:static_ak\n" \
    "x-acs-date:2026-11-24T06:17:24Z\n" \
    "x-acs-signature-nonce:" \
    "c2ecf7aeb38d7e5115b8d28be5981826cd569022b1fe2b9df1b2d12cd85f8b24\n" \
    "x-acs-version:2016-01-20\n" \
    "\n" ACS3_SH "\n" EMPTY_SHA256

static void
acs3_input(struct auth_kms_input *in, const struct kv *h, size_t nh,
    int64_t now)
{
	memset(in, 0, sizeof(*in));
	in->method = "POST";
	in->path = "/";
	in->query = cap_acs3_q;
	in->nquery = 3;
	in->headers = h;
	in->nheaders = nh;
	in->now_ms = now;
}

static void
test_acs3_captured(void **state)
{
	struct auth_kms_input in;
	struct auth_kms_parsed p;
	struct buf creq, sts;
	char sig[65];

	(void)state;
	acs3_input(&in, cap_acs3_h, CAP_ACS3_NH, ts("2026-11-24T06:17:30Z"));
	buf_init(&creq, 1 << 16);
	buf_init(&sts, 1 << 16);
	assert_int_equal(auth_kms_acs3_canonical_request(&in, ACS3_SH,
	    EMPTY_SHA256, &creq), ERR_OK);
	assert_string_equal(buf_cstr(&creq), ACS3_CREQ);
	assert_int_equal(auth_kms_acs3_string_to_sign(buf_cstr(&creq), creq.len,
	    &sts), ERR_OK);
	assert_string_equal(buf_cstr(&sts), "ACS3-HMAC-SHA256\n"
	    "f6bd2f5f6fbd086d4d7d1a11b879d6a5199fbbc42badcc95f0074826ffa5d921");
	auth_kms_acs3_sign(sig, "testsecret", buf_cstr(&sts), sts.len);
	assert_string_equal(sig, ACS3_SIG);
	buf_free(&creq);
	buf_free(&sts);

	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	assert_int_equal(p.kind, AUTH_KMS_ACS3);
	assert_string_equal(p.access_key_id, "testid");
	assert_string_equal(p.signed_headers, ACS3_SH);
	assert_string_equal(p.signature, ACS3_SIG);
	assert_string_equal(p.nonce, cap_acs3_h[4].value);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL), ERR_OK);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret2", NULL),
	    ERR_SIGNATURE_MISMATCH);
}

static void
test_acs3_damaged(void **state)
{
	struct kv h[CAP_ACS3_NH + 1];
	struct auth_kms_input in;
	struct auth_kms_parsed p;
	int64_t t0 = ts("2026-11-24T06:17:24Z");

	(void)state;
	/* a signed header changed */
	memcpy(h, cap_acs3_h, sizeof(cap_acs3_h));
	h[7].value = "env";
	acs3_input(&in, h, CAP_ACS3_NH, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL),
	    ERR_SIGNATURE_MISMATCH);
	/* an unsigned header changed or added: still fine */
	memcpy(h, cap_acs3_h, sizeof(cap_acs3_h));
	h[5].value = "*/*";
	h[CAP_ACS3_NH].name = "user-agent";
	h[CAP_ACS3_NH].value = "curl";
	acs3_input(&in, h, CAP_ACS3_NH + 1, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL), ERR_OK);
	/* a body the client did not hash */
	acs3_input(&in, cap_acs3_h, CAP_ACS3_NH, t0);
	in.body = "KeyId=x";
	in.body_len = 7;
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL),
	    ERR_SIGNATURE_MISMATCH);
	/* skew */
	acs3_input(&in, cap_acs3_h, CAP_ACS3_NH, t0 + MINUTES(16));
	assert_int_equal(auth_kms_parse(&in, &p), ERR_TIME_SKEWED);
	/* a SignedHeaders list that leaves out the date */
	memcpy(h, cap_acs3_h, sizeof(cap_acs3_h));
	h[8].value = "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;"
	    "x-acs-signature-nonce,Signature=" ACS3_SIG;
	acs3_input(&in, h, CAP_ACS3_NH, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_AUTH_MALFORMED);
	/* no Signature field, another algorithm */
	h[8].value = "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=" ACS3_SH;
	assert_int_equal(auth_kms_parse(&in, &p), ERR_AUTH_MALFORMED);
	h[8].value = "ACS3-HMAC-SM3 Credential=testid,SignedHeaders=" ACS3_SH
	    ",Signature=" ACS3_SIG;
	assert_int_equal(auth_kms_parse(&in, &p), ERR_AUTH_MALFORMED);
	/* spaces after the commas are tolerated */
	h[8].value = "ACS3-HMAC-SHA256 Credential=testid, SignedHeaders="
	    ACS3_SH ", Signature=" ACS3_SIG;
	assert_int_equal(auth_kms_parse(&in, &p), ERR_OK);
	assert_int_equal(auth_kms_verify(&in, &p, "testsecret", NULL), ERR_OK);
	/* no nonce header */
	memcpy(h, cap_acs3_h, sizeof(cap_acs3_h));
	h[4].name = "x-acs-nonce";
	acs3_input(&in, h, CAP_ACS3_NH, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_KMS_MISSING_PARAMETER);
	/* no date header */
	memcpy(h, cap_acs3_h, sizeof(cap_acs3_h));
	h[3].name = "x-acs-datum";
	acs3_input(&in, h, CAP_ACS3_NH, t0);
	assert_int_equal(auth_kms_parse(&in, &p), ERR_DATE_MISSING);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_vendor_vector),
		cmocka_unit_test(test_v1_captured),
		cmocka_unit_test(test_v1_form_body),
		cmocka_unit_test(test_v1_damaged),
		cmocka_unit_test(test_acs3_captured),
		cmocka_unit_test(test_acs3_damaged),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
