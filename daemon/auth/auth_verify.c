/* SPDX-License-Identifier: ISC */
/*
 * auth_verify.c: recompute a request's signature and compare it.
 *
 * The comparison is constant-time over the expected length; the provided
 * signature's length is public (it came over the wire), so comparing
 * lengths first leaks nothing about the secret. The computed signature and
 * the signing key are wiped after use: a valid signature for this request
 * is as good as a credential for it.
 */
#include "auth/auth_int.h"
#include "auth/s3.h"

#include <sodium.h>
#include <string.h>

#include "base/log.h"
#include "hash/hash.h"

static bool
sig_equal(const char *provided, const char *computed, size_t n)
{
	if (strlen(provided) != n)
		return false;
	return hash_equal(provided, computed, n);
}

/* The mismatch body carries the server's string-to-sign (oss-api.md §1.1)
 * so a client can diff it against its own. A failed append frees ret_sts,
 * which only costs the error body its StringToSign. */
static void
report_sts(struct buf *ret_sts, const struct buf *sts)
{
	if (ret_sts != NULL)
		(void)buf_append(ret_sts, buf_cstr(sts), sts->len);
}

/* True when the query holds a key that only some clients sign in V1. */
static bool
has_optional_subres(const struct auth_input *in)
{
	for (size_t i = 0; i < in->nquery && in->query != NULL; i++)
		if (auth_subres(in->query[i].name) & SR_SIGNED_OPT)
			return true;
	return false;
}

/* A bucket-level request, whose V1 resource some clients sign as "/bucket"
 * (aliyun-sdk, path style) rather than "/bucket/". */
static bool
bucket_level(const struct auth_input *in)
{
	return in->bucket != NULL && in->bucket[0] != '\0' &&
	    (in->key == NULL || in->key[0] == '\0');
}

/* Computes the V1 signature of one variant into sig; the spec-following
 * variant (the first) also fills sts for the error body. */
static enum err
v1_try(const struct auth_input *in, const char *date, bool query_auth,
    bool with_optional, bool bare_bucket, const char *secret,
    struct buf *sts, char sig[static 29])
{
	enum err r;

	r = auth_v1_sts(in, date, query_auth, with_optional, bare_bucket, sts);
	if (r != ERR_OK)
		return r;
	if (!auth_v1_sign(sig, secret, buf_cstr(sts), sts->len))
		return ERR_NOMEM;
	return ERR_OK;
}

static enum err
verify_v1(const struct auth_input *in, const struct auth_parsed *p,
    const char *date, bool query_auth, const char *secret,
    struct buf *ret_sts)
{
	/* subres.c: GO2 leaves some newer sub-resources out of V1. */
	bool opt = has_optional_subres(in), bare = bucket_level(in);
	char sig[29];
	struct buf sts, other;
	enum err r;

	buf_init(&sts, AUTH_CANON_MAX);
	buf_init(&other, AUTH_CANON_MAX);
	r = v1_try(in, date, query_auth, true, false, secret, &sts, sig);
	if (r != ERR_OK || sig_equal(p->signature, sig, strlen(sig)))
		goto out;
	for (int v = 1; v < 4; v++) {
		bool with_optional = (v & 1) == 0, bare_bucket = (v & 2) != 0;

		if ((!with_optional && !opt) || (bare_bucket && !bare))
			continue;
		buf_free(&other);
		buf_init(&other, AUTH_CANON_MAX);
		r = v1_try(in, date, query_auth, with_optional, bare_bucket,
		    secret, &other, sig);
		if (r != ERR_OK || sig_equal(p->signature, sig, strlen(sig)))
			goto out;
	}
	log_debug("auth: V1 signature mismatch for access key '%s'",
	    p->access_key_id);
	report_sts(ret_sts, &sts);
	r = ERR_SIGNATURE_MISMATCH;
out:
	sodium_memzero(sig, sizeof(sig));
	buf_free(&sts);
	buf_free(&other);
	return r;
}

/* V2: the encodings the SDKs disagree on (sig_v2.c flags). The first is
 * Alibaba's description; the others are tried only when they can differ. */
static bool
has_js_kept(const struct auth_input *in)
{
	const char *set = "!'()*";

	if (in->key != NULL && strpbrk(in->key, set) != NULL)
		return true;
	for (size_t i = 0; i < in->nquery && in->query != NULL; i++)
		if (strpbrk(in->query[i].name, set) != NULL ||
		    (in->query[i].value != NULL &&
		    strpbrk(in->query[i].value, set) != NULL))
			return true;
	return false;
}

static bool
v2_variant_differs(const struct auth_input *in, unsigned flags)
{
	bool root = in->bucket == NULL || in->bucket[0] == '\0';

	if ((flags & AUTH_V2_EMPTY_ROOT) && !root)
		return false;
	if ((flags & AUTH_V2_JS_ENCODE) && !has_js_kept(in))
		return false;
	return true;
}

static enum err
verify_v2(const struct auth_input *in, const struct auth_parsed *p,
    const char *date, bool query_auth, const char *secret,
    struct buf *ret_sts)
{
	char sig[45];
	struct buf sts, other;
	enum err r;

	buf_init(&sts, AUTH_CANON_MAX);
	buf_init(&other, AUTH_CANON_MAX);
	r = auth_v2_string_to_sign(in, date, p->additional, query_auth, 0,
	    &sts);
	if (r != ERR_OK)
		goto out;
	auth_v2_sign(sig, secret, buf_cstr(&sts), sts.len);
	if (sig_equal(p->signature, sig, strlen(sig)))
		goto out;
	for (unsigned flags = 1; flags < 4; flags++) {
		if (!v2_variant_differs(in, flags))
			continue;
		buf_free(&other);
		buf_init(&other, AUTH_CANON_MAX);
		r = auth_v2_string_to_sign(in, date, p->additional,
		    query_auth, flags, &other);
		if (r != ERR_OK)
			goto out;
		auth_v2_sign(sig, secret, buf_cstr(&other), other.len);
		if (sig_equal(p->signature, sig, strlen(sig)))
			goto out;
	}
	log_debug("auth: V2 signature mismatch for access key '%s'",
	    p->access_key_id);
	report_sts(ret_sts, &sts);
	r = ERR_SIGNATURE_MISMATCH;
out:
	sodium_memzero(sig, sizeof(sig));
	buf_free(&sts);
	buf_free(&other);
	return r;
}

/* True when some signed parameter has an empty value that ali-oss would
 * have rendered as "k=": only then is the lenient retry worth running. */
static bool
has_empty_plain_param(const struct auth_input *in, bool query_auth)
{
	for (size_t i = 0; i < in->nquery && in->query != NULL; i++) {
		const struct kv *q = &in->query[i];

		if (query_auth && strcmp(q->name, "x-oss-signature") == 0)
			continue;
		if ((q->value == NULL || q->value[0] == '\0') &&
		    !auth_is_subresource(q->name))
			return true;
	}
	return false;
}

/* Builds the V4 string-to-sign into sts and the signature into sig. */
static enum err
v4_compute(const struct auth_input *in, const struct auth_parsed *p,
    const char *iso, bool query_auth, bool empty_as_equals,
    const char *secret, struct buf *sts, char sig[static 65])
{
	struct buf creq;
	enum err r;

	buf_init(&creq, AUTH_CANON_MAX);
	r = auth_v4_canonical_request(in, p->additional, query_auth,
	    empty_as_equals, &creq);
	if (r != ERR_OK)
		goto out;
	r = auth_v4_string_to_sign(iso, p->date, p->region, p->product,
	    buf_cstr(&creq), creq.len, sts);
	if (r != ERR_OK)
		goto out;
	auth_v4_sign(sig, secret, p->date, p->region, p->product,
	    buf_cstr(sts), sts->len);
out:
	buf_free(&creq);
	return r;
}

static enum err
verify_v4(const struct auth_input *in, const struct auth_parsed *p,
    const char *iso, bool query_auth, const char *secret,
    struct buf *ret_sts)
{
	char sig[65];
	struct buf sts, lenient;
	enum err r;

	buf_init(&sts, AUTH_CANON_MAX);
	buf_init(&lenient, AUTH_CANON_MAX);
	if (iso == NULL)
		iso = "";
	r = v4_compute(in, p, iso, query_auth, false, secret, &sts, sig);
	if (r != ERR_OK)
		goto out;
	if (sig_equal(p->signature, sig, 64))
		goto out;
	/* ali-oss quirk, clients.md §1.3: retry once with empty
	 * non-sub-resource values as "k=". */
	if (has_empty_plain_param(in, query_auth)) {
		r = v4_compute(in, p, iso, query_auth, true, secret, &lenient,
		    sig);
		if (r != ERR_OK)
			goto out;
		if (sig_equal(p->signature, sig, 64))
			goto out;
	}
	log_debug("auth: V4 signature mismatch for access key '%s'",
	    p->access_key_id);
	/* Report the spec-following string-to-sign, not the lenient one. */
	report_sts(ret_sts, &sts);
	r = ERR_SIGNATURE_MISMATCH_V4;
out:
	sodium_memzero(sig, sizeof(sig));
	buf_free(&sts);
	buf_free(&lenient);
	return r;
}

enum err
auth_verify(const struct auth_input *in, const struct auth_parsed *p,
    const char *secret, struct buf *ret_sts)
{
	const char *date;

	switch (p->kind) {
	case AUTH_V1_HEADER:
		/* Same choice as auth_parse: Date, else x-oss-date. */
		date = auth_header(in, "date");
		if (date == NULL)
			date = auth_header(in, "x-oss-date");
		return verify_v1(in, p, date, false, secret, ret_sts);
	case AUTH_V1_QUERY:
		/* OSS: the Expires value takes the Date slot. */
		return verify_v1(in, p, auth_query(in, "Expires"), true,
		    secret, ret_sts);
	case AUTH_V2_HEADER:
		date = auth_header(in, "date");
		if (date == NULL)
			date = auth_header(in, "x-oss-date");
		return verify_v2(in, p, date, false, secret, ret_sts);
	case AUTH_V2_QUERY:
		/* As V1: the expiry takes the Date slot. */
		return verify_v2(in, p, auth_query(in, "x-oss-expires"), true,
		    secret, ret_sts);
	case AUTH_V4_HEADER:
		return verify_v4(in, p, auth_header(in, "x-oss-date"), false,
		    secret, ret_sts);
	case AUTH_V4_QUERY:
		return verify_v4(in, p, auth_query(in, "x-oss-date"), true,
		    secret, ret_sts);
	case AUTH_S3V2_HEADER:
	case AUTH_S3V2_QUERY:
	case AUTH_S3V4_HEADER:
	case AUTH_S3V4_QUERY:
		return auth_s3_verify(in, p, secret, ret_sts);
	case AUTH_ANONYMOUS:
	default:
		/* Nothing to verify: a caller bug, never a client's doing. */
		return ERR_INTERNAL;
	}
}
