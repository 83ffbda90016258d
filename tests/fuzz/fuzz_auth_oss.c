/* SPDX-License-Identifier: ISC */
/*
 * fuzz_auth_oss.c: libFuzzer harness for the OSS signature code of auth/:
 * the Authorization header and presigned-query parsers (V1, V2 and V4,
 * auth_parse.c), the verifiers (auth_verify.c) and the canonical request
 * and string-to-sign builders they use (sig_v1.c, sig_v2.c, sig_v4.c,
 * auth_canon.c, subres.c).
 *
 * Input: input.h lines; the fields are method, bucket, key and
 * region ("" for none), the decoded query and the headers follow. The
 * clock stands at 2026-12-07T00:00:00Z, the date of the seeds.
 *
 * Besides surviving any input, signer and verifier must agree, for V1,
 * V2 and V4: whatever the input, the request signed with the string to sign
 * the daemon builds, under a fresh Date and with no other credentials,
 * must parse and verify. A canonicalisation that differs between the two
 * (ordering, sub-resources, header folding, AdditionalHeaders) would
 * break real clients.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/str.h"
#include "fuzz/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define NOW_MS		1796601600000LL	/* 2026-12-07T00:00:00Z */
#define SECRET		"fuzz-secret-0123456789abcdef"
#define AK		"LTAI5tFuzzAccessKey00000"

static bool
credential_name(const char *name)
{
	return strcmp(name, "authorization") == 0 ||
	    strcmp(name, "date") == 0 || strcmp(name, "x-oss-date") == 0 ||
	    strcmp(name, "x-oss-content-sha256") == 0;
}

/* Lower-case letters, digits and '-': safe inside the V4 header. */
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

static bool
credential_param(const char *name)
{
	/* AWSAccessKeyId and X-Amz-*: an S3 presigned URL's, which make
	 * the request Amazon's (auth/s3.h). */
	return strcmp(name, "OSSAccessKeyId") == 0 ||
	    strcmp(name, "Signature") == 0 || strcmp(name, "Expires") == 0 ||
	    strncmp(name, "x-oss-", 6) == 0 ||
	    strcmp(name, "AWSAccessKeyId") == 0 ||
	    strncmp(name, "X-Amz-", 6) == 0;
}

/* Signs the request as a V1 client would and checks the daemon takes it. */
static void
v1_roundtrip(const struct auth_input *orig)
{
	struct kv h[FUZZ_KV_MAX + 2], q[FUZZ_KV_MAX];
	struct auth_input in = *orig;
	struct auth_parsed p;
	char date[TIME_RFC1123_BYTES], sig[29], auth[64];
	struct buf sts, got;
	size_t nh = 0, nq = 0;
	enum err r;

	for (size_t i = 0; i < orig->nheaders; i++)
		if (!credential_name(orig->headers[i].name))
			h[nh++] = orig->headers[i];
	for (size_t i = 0; i < orig->nquery; i++)
		if (!credential_param(orig->query[i].name))
			q[nq++] = orig->query[i];
	time_fmt_rfc1123(date, NOW_MS);
	h[nh].name = "date";
	h[nh++].value = date;
	in.headers = h;
	in.nheaders = nh;
	in.query = q;
	in.nquery = nq;

	buf_init(&sts, (size_t)4 << 20);
	if (auth_v1_string_to_sign(&in, date, false, false, &sts) != ERR_OK) {
		buf_free(&sts);
		return;
	}
	auth_v1_sign(sig, SECRET, sts.data, sts.len);
	snprintf(auth, sizeof(auth), "OSS %s:%s", AK, sig);
	h[nh].name = "authorization";
	h[nh++].value = auth;
	in.nheaders = nh;
	memset(&p, 0, sizeof(p));
	r = auth_parse(&in, &p);
	if (r == ERR_OK) {
		CHECK(p.kind == AUTH_V1_HEADER);
		CHECK(strcmp(p.access_key_id, AK) == 0);
		buf_init(&got, (size_t)4 << 20);
		CHECK(auth_verify(&in, &p, SECRET, &got) == ERR_OK);
		buf_free(&got);
	}
	buf_free(&sts);
}

/* Signs the request as a V4 client would, with its first header as
 * AdditionalHeaders, and checks the daemon takes it. */
static void
v4_roundtrip(const struct auth_input *orig)
{
	struct kv h[FUZZ_KV_MAX + 3], q[FUZZ_KV_MAX];
	struct auth_input in = *orig;
	struct auth_parsed p;
	char iso[17], ymd[9], sig[65];
	const char *additional = "", *auth;
	struct buf creq, sts, got;
	struct arena a;
	size_t nh = 0, nq = 0;

	if (!plain_token(in.region))
		return;
	for (size_t i = 0; i < orig->nheaders; i++)
		if (!credential_name(orig->headers[i].name))
			h[nh++] = orig->headers[i];
	for (size_t i = 0; i < orig->nquery; i++)
		if (!credential_param(orig->query[i].name))
			q[nq++] = orig->query[i];
	if (nh > 0 && plain_token(h[0].name))
		additional = h[0].name;
	time_fmt_basic(iso, NOW_MS);
	time_fmt_ymd(ymd, NOW_MS);
	h[nh++] = (struct kv){ "x-oss-date", iso };
	h[nh++] = (struct kv){ "x-oss-content-sha256", "UNSIGNED-PAYLOAD" };
	in.headers = h;
	in.nheaders = nh;
	in.query = q;
	in.nquery = nq;

	buf_init(&creq, (size_t)4 << 20);
	buf_init(&sts, (size_t)4 << 20);
	arena_init(&a, 1 << 16);
	if (auth_v4_canonical_request(&in, additional, false, false, &creq) !=
	    ERR_OK || auth_v4_string_to_sign(iso, ymd, in.region, "oss",
	    buf_cstr(&creq), creq.len, &sts) != ERR_OK)
		goto out;
	auth_v4_sign(sig, SECRET, ymd, in.region, "oss", buf_cstr(&sts),
	    sts.len);
	auth = arena_printf(&a, "OSS4-HMAC-SHA256 Credential=%s/%s/%s/oss/"
	    "aliyun_v4_request,%s%s%sSignature=%s", AK, ymd, in.region,
	    additional[0] ? "AdditionalHeaders=" : "", additional,
	    additional[0] ? "," : "", sig);
	CHECK(auth != NULL);
	h[nh++] = (struct kv){ "authorization", auth };
	in.nheaders = nh;
	memset(&p, 0, sizeof(p));
	if (auth_parse(&in, &p) == ERR_OK) {
		CHECK(p.kind == AUTH_V4_HEADER);
		buf_init(&got, (size_t)4 << 20);
		CHECK(auth_verify(&in, &p, SECRET, &got) == ERR_OK);
		buf_free(&got);
	}
out:
	arena_free(&a);
	buf_free(&sts);
	buf_free(&creq);
}

/* Signs the request as an OSS2 (V2) client would, with its first header
 * as AdditionalHeaders, and checks the daemon takes it. */
static void
v2_roundtrip(const struct auth_input *orig)
{
	struct kv h[FUZZ_KV_MAX + 2], q[FUZZ_KV_MAX];
	struct auth_input in = *orig;
	struct auth_parsed p;
	char date[TIME_RFC1123_BYTES], sig[45];
	const char *additional = "", *auth;
	struct buf sts, got;
	struct arena a;
	size_t nh = 0, nq = 0;

	for (size_t i = 0; i < orig->nheaders; i++)
		if (!credential_name(orig->headers[i].name))
			h[nh++] = orig->headers[i];
	for (size_t i = 0; i < orig->nquery; i++)
		if (!credential_param(orig->query[i].name))
			q[nq++] = orig->query[i];
	if (nh > 0 && plain_token(h[0].name))
		additional = h[0].name;
	time_fmt_rfc1123(date, NOW_MS);
	h[nh++] = (struct kv){ "date", date };
	in.headers = h;
	in.nheaders = nh;
	in.query = q;
	in.nquery = nq;

	buf_init(&sts, (size_t)4 << 20);
	arena_init(&a, 1 << 16);
	if (auth_v2_string_to_sign(&in, date, additional, false, 0, &sts) !=
	    ERR_OK)
		goto out;
	auth_v2_sign(sig, SECRET, buf_cstr(&sts), sts.len);
	auth = arena_printf(&a, "OSS2 AccessKeyId:%s,%s%s%sSignature:%s", AK,
	    additional[0] ? "AdditionalHeaders:" : "", additional,
	    additional[0] ? "," : "", sig);
	CHECK(auth != NULL);
	h[nh++] = (struct kv){ "authorization", auth };
	in.nheaders = nh;
	memset(&p, 0, sizeof(p));
	if (auth_parse(&in, &p) == ERR_OK) {
		CHECK(p.kind == AUTH_V2_HEADER);
		CHECK(strcmp(p.access_key_id, AK) == 0);
		buf_init(&got, (size_t)4 << 20);
		CHECK(auth_verify(&in, &p, SECRET, &got) == ERR_OK);
		buf_free(&got);
	}
out:
	arena_free(&a);
	buf_free(&sts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_input in;
	struct auth_parsed p;
	struct fuzz_req r;
	struct arena a;
	struct buf b, c;
	const char *additional;
	char iso[17], ymd[9], v4[65];

	arena_init(&a, (size_t)4 << 20);
	if (!fuzz_req_parse(&a, data, size, &r))
		goto out;
	in = (struct auth_input){ .method = r.field[0],
	    .bucket = r.field[1][0] ? r.field[1] : NULL,
	    .key = r.field[1][0] && r.field[2][0] ? r.field[2] : NULL,
	    .headers = r.h, .nheaders = r.nh, .query = r.q, .nquery = r.nq,
	    .region = r.field[3][0] ? r.field[3] : "cn-hangzhou",
	    .now_ms = NOW_MS };

	memset(&p, 0, sizeof(p));
	if (auth_parse(&in, &p) == ERR_OK && p.kind != AUTH_ANONYMOUS) {
		CHECK(memchr(p.access_key_id, '\0', sizeof(p.access_key_id)));
		CHECK(memchr(p.signature, '\0', sizeof(p.signature)));
		buf_init(&b, (size_t)4 << 20);
		(void)auth_verify(&in, &p, SECRET, &b);
		buf_free(&b);
	}

	/* The builders on their own, with the request's own V4 scope. */
	buf_init(&b, (size_t)4 << 20);
	(void)auth_v1_string_to_sign(&in, "Mon, 07 Dec 2026 00:00:00 GMT",
	    true, true, &b);
	buf_reset(&b);
	additional = kv_get(r.q, r.nq, "x-oss-additional-headers");
	if (auth_v4_canonical_request(&in, additional ? additional : "host",
	    r.nq > 0, r.nh % 2 == 0, &b) == ERR_OK) {
		time_fmt_basic(iso, NOW_MS);
		time_fmt_ymd(ymd, NOW_MS);
		buf_init(&c, (size_t)4 << 20);
		if (auth_v4_string_to_sign(iso, ymd, in.region, "oss",
		    b.data ? b.data : "", b.len, &c) == ERR_OK)
			auth_v4_sign(v4, SECRET, ymd, in.region, "oss",
			    c.data ? c.data : "", c.len);
		buf_free(&c);
	}
	buf_free(&b);

	v1_roundtrip(&in);
	v2_roundtrip(&in);
	v4_roundtrip(&in);
out:
	arena_free(&a);
	return 0;
}
