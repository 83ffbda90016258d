/* SPDX-License-Identifier: ISC */
/*
 * fuzz_auth_kms.c: libFuzzer harness for the KMS signature code of auth/
 * (kms_sig.c): the RPC V1 parameters (query and form) and the ACS3
 * Authorization header, their verification, and the canonical request and
 * string-to-sign builders of both.
 *
 * Input: input.h lines; the fields are method and path, then the
 * decoded query, form and headers and the body. The clock stands at
 * 2026-12-07T00:00:00Z, the date of the seeds.
 *
 * Besides surviving any input, signer and verifier must agree: the
 * request's parameters with fresh V1 credentials, and the request with a
 * fresh ACS3 Authorization header (its first header signed too), signed
 * with the string to sign the daemon builds, must parse and verify.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/str.h"
#include "fuzz/input.h"
#include "hash/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define NOW_MS		1796601600000LL	/* 2026-12-07T00:00:00Z */
#define SECRET		"fuzz-secret-0123456789abcdef"
#define AK		"LTAI5tFuzzAccessKey00000"

static bool
credential_param(const char *name)
{
	return strcmp(name, "AccessKeyId") == 0 ||
	    strncmp(name, "Signature", 9) == 0 ||
	    strcmp(name, "Timestamp") == 0;
}

/* Lower-case letters, digits and '-': safe inside the ACS3 header. */
static bool
plain_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return false;
	return true;
}

static void
acs3_roundtrip(const struct auth_kms_input *orig)
{
	static const char *const own[] = { "authorization", "x-acs-date",
	    "x-acs-signature-nonce" };
	struct kv h[FUZZ_KV_MAX + 3];
	struct auth_kms_input in = *orig;
	struct auth_kms_parsed p;
	uint8_t md[HASH_SHA256_BYTES];
	char payload[2 * HASH_SHA256_BYTES + 1], sig[65];
	char signed_h[256], auth[512];
	const char *extra = NULL;
	struct buf creq, sts, got;
	size_t nh = 0;

	for (size_t i = 0; i < orig->nheaders; i++) {
		bool skip = false;

		for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++)
			skip |= strcmp(orig->headers[i].name, own[k]) == 0;
		if (!skip)
			h[nh++] = orig->headers[i];
	}
	if (nh > 0 && plain_token(h[0].name) && strlen(h[0].name) < 64)
		extra = h[0].name;
	h[nh++] = (struct kv){ "x-acs-date", "2026-12-07T00:00:00Z" };
	h[nh++] = (struct kv){ "x-acs-signature-nonce", "acs3-fuzz-nonce" };
	/* Sorted, as the SDKs send them. */
	if (extra == NULL)
		snprintf(signed_h, sizeof(signed_h),
		    "x-acs-date;x-acs-signature-nonce");
	else if (strcmp(extra, "x-acs-date") < 0)
		snprintf(signed_h, sizeof(signed_h),
		    "%s;x-acs-date;x-acs-signature-nonce", extra);
	else if (strcmp(extra, "x-acs-signature-nonce") < 0)
		snprintf(signed_h, sizeof(signed_h),
		    "x-acs-date;%s;x-acs-signature-nonce", extra);
	else
		snprintf(signed_h, sizeof(signed_h),
		    "x-acs-date;x-acs-signature-nonce;%s", extra);
	in.headers = h;
	in.nheaders = nh;

	hash_sha256(md, in.body != NULL ? in.body : "",
	    in.body != NULL ? in.body_len : 0);
	hex_encode(payload, md, sizeof(md));
	buf_init(&creq, (size_t)4 << 20);
	buf_init(&sts, (size_t)4 << 20);
	if (auth_kms_acs3_canonical_request(&in, signed_h, payload, &creq) !=
	    ERR_OK || auth_kms_acs3_string_to_sign(buf_cstr(&creq), creq.len,
	    &sts) != ERR_OK)
		goto out;
	auth_kms_acs3_sign(sig, SECRET, buf_cstr(&sts), sts.len);
	snprintf(auth, sizeof(auth), "ACS3-HMAC-SHA256 Credential=%s,"
	    "SignedHeaders=%s,Signature=%s", AK, signed_h, sig);
	h[nh++] = (struct kv){ "authorization", auth };
	in.nheaders = nh;
	CHECK(auth_kms_parse(&in, &p) == ERR_OK);
	CHECK(p.kind == AUTH_KMS_ACS3);
	buf_init(&got, (size_t)4 << 20);
	CHECK(auth_kms_verify(&in, &p, SECRET, &got) == ERR_OK);
	buf_free(&got);
out:
	buf_free(&sts);
	buf_free(&creq);
}

static void
v1_roundtrip(const struct auth_kms_input *orig)
{
	struct kv q[FUZZ_KV_MAX + 6], f[FUZZ_KV_MAX];
	struct auth_kms_input in = *orig;
	struct auth_kms_parsed p;
	char sig[29];
	struct buf sts, got;
	size_t nq = 0, nf = 0;
	enum err r;

	for (size_t i = 0; i < orig->nquery; i++)
		if (!credential_param(orig->query[i].name))
			q[nq++] = orig->query[i];
	for (size_t i = 0; i < orig->nform; i++)
		if (!credential_param(orig->form[i].name))
			f[nf++] = orig->form[i];
	q[nq++] = (struct kv){ "AccessKeyId", AK };
	q[nq++] = (struct kv){ "SignatureMethod", "HMAC-SHA1" };
	q[nq++] = (struct kv){ "SignatureVersion", "1.0" };
	q[nq++] = (struct kv){ "SignatureNonce", "5a8b0c1e-fuzz" };
	q[nq++] = (struct kv){ "Timestamp", "2026-12-07T00:00:00Z" };
	/* An ACS3 header would take precedence over the parameters. */
	in.headers = NULL;
	in.nheaders = 0;
	in.query = q;
	in.nquery = nq;
	in.form = f;
	in.nform = nf;

	buf_init(&sts, (size_t)4 << 20);
	if (auth_kms_v1_string_to_sign(in.method, q, nq, f, nf, &sts) !=
	    ERR_OK) {
		buf_free(&sts);
		return;
	}
	auth_kms_v1_sign(sig, SECRET, buf_cstr(&sts), sts.len);
	q[nq++] = (struct kv){ "Signature", sig };
	in.nquery = nq;
	r = auth_kms_parse(&in, &p);
	CHECK(r == ERR_OK);
	CHECK(p.kind == AUTH_KMS_V1 && strcmp(p.access_key_id, AK) == 0);
	buf_init(&got, (size_t)4 << 20);
	CHECK(auth_kms_verify(&in, &p, SECRET, &got) == ERR_OK);
	buf_free(&got);
	buf_free(&sts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_kms_input in;
	struct auth_kms_parsed p;
	struct fuzz_req r;
	struct arena a;
	struct buf b, c;
	char out[65];

	arena_init(&a, (size_t)4 << 20);
	if (!fuzz_req_parse(&a, data, size, &r))
		goto out;
	in = (struct auth_kms_input){ .method = r.field[0],
	    .path = r.field[1][0] ? r.field[1] : "/",
	    .query = r.q, .nquery = r.nq, .form = r.f, .nform = r.nf,
	    .headers = r.h, .nheaders = r.nh, .body = r.body,
	    .body_len = r.body_len, .now_ms = NOW_MS };

	if (auth_kms_parse(&in, &p) == ERR_OK) {
		CHECK(p.kind == AUTH_KMS_V1 || p.kind == AUTH_KMS_ACS3);
		buf_init(&b, (size_t)4 << 20);
		(void)auth_kms_verify(&in, &p, SECRET, &b);
		buf_free(&b);
	}

	buf_init(&b, (size_t)4 << 20);
	if (auth_kms_acs3_canonical_request(&in, r.field[2],
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    &b) == ERR_OK) {
		buf_init(&c, (size_t)4 << 20);
		if (auth_kms_acs3_string_to_sign(buf_cstr(&b), b.len, &c) ==
		    ERR_OK)
			auth_kms_acs3_sign(out, SECRET, buf_cstr(&c), c.len);
		buf_free(&c);
	}
	buf_free(&b);

	v1_roundtrip(&in);
	acs3_roundtrip(&in);
out:
	arena_free(&a);
	return 0;
}
