/* SPDX-License-Identifier: ISC */
/*
 * sig_s3v4.c: Amazon Signature Version 4 (AWS4-HMAC-SHA256) for S3.
 *
 * The same construction as OSS V4 (HMAC chain in auth_v4_signing_key,
 * header grouping in auth_canon_headers) with Amazon's choices: the client
 * lists the signed headers (SignedHeaders, "host" among them), every query
 * parameter is "k=v" even when empty, the canonical URI is the path as S3
 * encodes it (each byte outside A-Za-z0-9-._~/ once), the scope ends in
 * "s3/aws4_request" and any region is accepted, as real OSS does for
 * clients configured with "oss-cn-hangzhou" or "us-east-1".
 */
#include "auth/s3_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "hash/hash.h"

/* "<ak>/<yyyymmdd>/<region>/s3/aws4_request" */
static enum err
parse_credential(const char *s, size_t n, struct auth_parsed *ret)
{
	enum err r = auth_parse_scope(s, n, S3V4_TERMINATOR, ret);

	if (r == ERR_OK && strcmp(ret->product, "s3") != 0)
		r = ERR_V4_BAD_PRODUCT;
	return r;
}

bool
auth_s3v4_iso(const struct auth_input *in, const struct auth_parsed *p,
    char out[static 17])
{
	const char *d = p->kind == AUTH_S3V4_QUERY ?
	    auth_query(in, "X-Amz-Date") : auth_header(in, "x-amz-date");
	int64_t ms;

	if (d != NULL) {
		if (!time_parse_basic(d, &ms))
			return false;
		return auth_copy_field(out, 17, d, strlen(d));
	}
	/* SigV4 allows the Date header in place of x-amz-date. */
	d = auth_header(in, "date");
	if (p->kind == AUTH_S3V4_QUERY || d == NULL ||
	    !s3_parse_http_date(d, &ms))
		return false;
	time_fmt_basic(out, ms);
	return true;
}

static enum err
check_date(const struct auth_input *in, struct auth_parsed *ret)
{
	char iso[17];

	if (!auth_s3v4_iso(in, ret, iso) ||
	    !time_parse_basic(iso, &ret->request_ms))
		return ERR_DATE_MISSING;
	if (strncmp(iso, ret->date, 8) != 0)
		return ERR_V4_BAD_DATE;
	return ERR_OK;
}

/* AWS4-HMAC-SHA256 Credential=<scope>, SignedHeaders=<h1;h2>,
 * Signature=<hex>; spaces after the commas are optional. */
enum err
s3v4_parse_header(const struct auth_input *in, const char *auth,
    struct auth_parsed *ret)
{
	const char *s = auth + sizeof(S3V4_ALGORITHM) - 1;
	bool have_cred = false, have_sig = false, have_sh = false;
	enum err r;

	ret->kind = AUTH_S3V4_HEADER;
	while (*s != '\0') {
		const char *end = strchr(s, ',');
		size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
		const char *f = str_trim(s, &n), *eq, *v;
		size_t klen, vlen;

		eq = memchr(f, '=', n);
		if (eq == NULL)
			return ERR_AUTH_MALFORMED;
		klen = (size_t)(eq - f);
		vlen = n - klen - 1;
		f = str_trim(f, &klen);
		v = str_trim(eq + 1, &vlen);
		if (klen == 10 && strncmp(f, "Credential", 10) == 0 &&
		    !have_cred) {
			r = parse_credential(v, vlen, ret);
			if (r != ERR_OK)
				return r;
			have_cred = true;
		} else if (klen == 9 && strncmp(f, "Signature", 9) == 0 &&
		    !have_sig) {
			if (vlen == 0 || !auth_copy_field(ret->signature,
			    sizeof(ret->signature), v, vlen))
				return ERR_AUTH_MALFORMED;
			have_sig = true;
		} else if (klen == 13 && strncmp(f, "SignedHeaders", 13) == 0 &&
		    !have_sh) {
			if (vlen == 0 || !auth_copy_field(ret->additional,
			    sizeof(ret->additional), v, vlen))
				return ERR_AUTH_MALFORMED;
			have_sh = true;
		}
		if (end == NULL)
			break;
		s = end + 1;
	}
	if (!have_cred || !have_sig || !have_sh)
		return ERR_AUTH_MALFORMED;
	r = check_date(in, ret);
	if (r != ERR_OK)
		return r;
	return auth_check_skew(in, ret->request_ms);
}

enum err
s3v4_parse_query(const struct auth_input *in, struct auth_parsed *ret)
{
	const char *alg = auth_query(in, "X-Amz-Algorithm");
	const char *cred = auth_query(in, "X-Amz-Credential");
	const char *expires = auth_query(in, "X-Amz-Expires");
	const char *sh = auth_query(in, "X-Amz-SignedHeaders");
	const char *sig = auth_query(in, "X-Amz-Signature");
	uint64_t e;
	enum err r;

	ret->kind = AUTH_S3V4_QUERY;
	if (alg != NULL && strcmp(alg, S3V4_ALGORITHM) != 0)
		return ERR_AUTH_UNSUPPORTED;
	if (alg == NULL || cred == NULL || expires == NULL || sh == NULL ||
	    sig == NULL || sig[0] == '\0' || sh[0] == '\0')
		return ERR_AUTH_MALFORMED;
	r = parse_credential(cred, strlen(cred), ret);
	if (r != ERR_OK)
		return r;
	if (!auth_copy_field(ret->signature, sizeof(ret->signature), sig,
	    strlen(sig)) ||
	    !auth_copy_field(ret->additional, sizeof(ret->additional), sh,
	    strlen(sh)))
		return ERR_AUTH_MALFORMED;
	if (!str_to_u64(expires, AUTH_V4_EXPIRES_MAX, &e) || e == 0)
		return ERR_AUTH_MALFORMED;
	r = check_date(in, ret);
	if (r != ERR_OK)
		return r;
	ret->expires_ms = ret->request_ms + (int64_t)e * 1000;
	if (ret->expires_ms < in->now_ms)
		return ERR_REQUEST_EXPIRED;
	if (ret->request_ms - in->now_ms > AUTH_SKEW_MS)
		return ERR_TIME_SKEWED;
	return ERR_OK;
}

static bool
want_signed(const char *name, const void *ctx)
{
	return auth_in_list(ctx, name);
}

/* auth_canon_headers, then runs of spaces inside values become one, as
 * SigV4 wants (names have none; values are already trimmed). */
static enum err
canon_headers(const struct auth_input *in, const char *signed_headers,
    struct buf *out)
{
	struct buf tmp;
	const char *p;
	enum err r;

	buf_init(&tmp, AUTH_CANON_MAX);
	r = auth_canon_headers(in, want_signed, signed_headers, &tmp);
	p = buf_cstr(&tmp);
	for (size_t i = 0; r == ERR_OK && i < tmp.len; i++)
		if (p[i] != ' ' || i == 0 || p[i - 1] != ' ')
			r = buf_putc(out, p[i]);
	buf_free(&tmp);
	return r;
}

static enum err
canonical_request(const struct auth_input *in, const char *uri,
    const char *signed_headers, bool query_auth, bool bare_empty,
    const char *payload, struct buf *out)
{
	enum err r;

	r = buf_printf(out, "%s\n%s\n", in->method != NULL ? in->method : "",
	    uri);
	if (r == ERR_OK)
		r = auth_canon_query(in, query_auth ? "X-Amz-Signature" : NULL,
		    bare_empty ? AUTH_EMPTY_BARE : AUTH_EMPTY_EQUALS, out);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	if (r == ERR_OK)
		r = canon_headers(in, signed_headers, out);
	if (r == ERR_OK)
		r = buf_printf(out, "\n%s\n%s", signed_headers, payload);
	return r;
}

enum err
auth_s3v4_canonical_request(const struct auth_input *in, const char *uri,
    const char *signed_headers, bool query_auth, const char *payload,
    struct buf *out)
{
	return canonical_request(in, uri, signed_headers, query_auth, false,
	    payload, out);
}

/* True when some signed query value is empty: curl (before 8.x) signs
 * it as a bare "k" rather than "k=", and only then is the retry worth
 * running. */
static bool
has_empty_value(const struct auth_input *in)
{
	for (size_t i = 0; i < in->nquery && in->query != NULL; i++)
		if (in->query[i].value == NULL || in->query[i].value[0] == '\0')
			return true;
	return false;
}

enum err
auth_s3v4_string_to_sign(const char *iso, const char *date,
    const char *region, const char *service, const char *creq, size_t n,
    struct buf *out)
{
	uint8_t digest[HASH_SHA256_BYTES];
	char hex[2 * HASH_SHA256_BYTES + 1];

	hash_sha256(digest, creq, n);
	hex_encode(hex, digest, sizeof(digest));
	return buf_printf(out, "%s\n%s\n%s/%s/%s/%s\n%s", S3V4_ALGORITHM, iso,
	    date, region, service, S3V4_TERMINATOR, hex);
}

void
auth_s3v4_sign(char out[static 65], const char *secret, const char *date,
    const char *region, const char *service, const char *sts, size_t n)
{
	uint8_t k[HASH_SHA256_BYTES], mac[HASH_SHA256_BYTES];

	auth_v4_signing_key(k, "AWS4", secret, date, region, service,
	    S3V4_TERMINATOR);
	hash_hmac_sha256(mac, k, sizeof(k), sts, n);
	hex_encode(out, mac, sizeof(mac));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(mac, sizeof(mac));
}

enum err
s3v4_verify(const struct auth_input *in, const struct auth_parsed *p,
    const char *secret, struct buf *ret_sts)
{
	bool query_auth = p->kind == AUTH_S3V4_QUERY;
	const char *payload = NULL;
	struct buf forms, creq, sts, first;
	char iso[17], sig[65];
	size_t off = 0;
	int pass = 0;
	bool bare;
	enum err r;

	if (!auth_s3v4_iso(in, p, iso))
		return ERR_DATE_MISSING;
	/* A presigned URL cannot know the body. A header-signed request
	 * without x-amz-content-sha256 (S3 wants it; generic SigV4 signers
	 * such as curl's leave it out) signed the body's hash, which is the
	 * empty one for the bodyless requests such clients send: a body
	 * would have to match it (s3_compat.c). */
	if (query_auth)
		payload = S3_UNSIGNED_PAYLOAD;
	else {
		payload = auth_header(in, "x-amz-content-sha256");
		if (payload == NULL)
			payload = S3_EMPTY_SHA256;
	}
	buf_init(&forms, AUTH_CANON_MAX);
	buf_init(&first, AUTH_CANON_MAX);
	r = s3_path_forms(in, "", false, &forms);
	bare = has_empty_value(in);
	while (r == ERR_OK && off < forms.len) {
		const char *uri = buf_cstr(&forms) + off;

		/* Each path form, then the same with bare empty values. */
		if (!bare || pass == 1)
			off += strlen(uri) + 1;
		pass = bare ? 1 - pass : 0;
		buf_init(&creq, AUTH_CANON_MAX);
		buf_init(&sts, AUTH_CANON_MAX);
		r = canonical_request(in, uri, p->additional, query_auth,
		    bare && pass == 0, payload, &creq);
		if (r == ERR_OK)
			r = auth_s3v4_string_to_sign(iso, p->date, p->region,
			    p->product, buf_cstr(&creq), creq.len, &sts);
		if (r == ERR_OK) {
			auth_s3v4_sign(sig, secret, p->date, p->region,
			    p->product, buf_cstr(&sts), sts.len);
			if (first.len == 0)
				r = buf_append(&first, buf_cstr(&sts),
				    sts.len);
		}
		buf_free(&creq);
		buf_free(&sts);
		if (r == ERR_OK && strlen(p->signature) == 64 &&
		    hash_equal(p->signature, sig, 64))
			goto out;
	}
	if (r == ERR_OK) {
		log_debug("auth: S3 V4 signature mismatch for access key '%s'",
		    p->access_key_id);
		if (ret_sts != NULL)
			(void)buf_append(ret_sts, buf_cstr(&first), first.len);
		r = ERR_SIGNATURE_MISMATCH_V4;
	}
out:
	sodium_memzero(sig, sizeof(sig));
	buf_free(&forms);
	buf_free(&first);
	return r;
}
