/* SPDX-License-Identifier: ISC */
/*
 * auth_parse.c: which signature scheme a request uses, its parameters, and
 * the checks that need no secret (presence, format, region, time).
 *
 * Order of the checks follows the specs: the scheme is chosen first (header
 * and query together is an error of its own), then the parameters are
 * parsed, then the credential scope, then time. Everything here works on
 * borrowed strings and fixed-size fields of struct auth_parsed: a client
 * cannot make it allocate.
 */
#include "auth/auth_int.h"
#include "auth/s3.h"

#include <string.h>
#include <strings.h>

#include "base/str.h"

#define V1_PREFIX "OSS "
#define V4_PREFIX AUTH_V4_ALGORITHM
#define V2_SCHEME "OSS2"

bool
auth_copy_field(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

bool
auth_is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A query parameter present with a non-empty value (first occurrence). */
static const char *
query_nonempty(const struct auth_input *in, const char *name)
{
	const char *v = auth_query(in, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

enum err
auth_parse_scope(const char *s, size_t n, const char *terminator,
    struct auth_parsed *ret)
{
	const char *part[5];
	size_t len[5], k = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if (k == 5)
			return ERR_AUTH_MALFORMED;
		part[k] = s + start;
		len[k] = i - start;
		k++;
		start = i + 1;
	}
	if (k != 5 || len[0] == 0 ||
	    !auth_copy_field(ret->access_key_id, sizeof(ret->access_key_id),
	    part[0], len[0]))
		return ERR_AUTH_MALFORMED;
	if (len[1] != 8 || !auth_is_digits(part[1], 8) ||
	    !auth_copy_field(ret->date, sizeof(ret->date), part[1], len[1]))
		return ERR_AUTH_MALFORMED;
	if (len[2] == 0 ||
	    !auth_copy_field(ret->region, sizeof(ret->region), part[2],
	    len[2]) || len[3] == 0 ||
	    !auth_copy_field(ret->product, sizeof(ret->product), part[3],
	    len[3]))
		return ERR_AUTH_MALFORMED;
	if (len[4] != strlen(terminator) ||
	    strncmp(part[4], terminator, len[4]) != 0)
		return ERR_AUTH_MALFORMED;
	return ERR_OK;
}

static enum err
check_scope(const struct auth_input *in, const struct auth_parsed *p)
{
	/* OSS: InvalidArgument "Invalid signing region/product in
	 * Authorization header." (0002-00000226/227, oss-api.md §5.2). */
	if (in->region == NULL || strcmp(p->region, in->region) != 0)
		return ERR_V4_BAD_REGION;
	if (strcmp(p->product, "oss") != 0)
		return ERR_V4_BAD_PRODUCT;
	return ERR_OK;
}

/* x-oss-date "20231216T162057Z"; its day must be the credential's. */
static enum err
check_v4_date(const char *iso, struct auth_parsed *ret)
{
	int64_t ms;

	if (iso == NULL || !time_parse_basic(iso, &ms))
		return ERR_DATE_MISSING;
	ret->request_ms = ms;
	if (strncmp(iso, ret->date, 8) != 0)
		return ERR_V4_BAD_DATE;
	return ERR_OK;
}

enum err
auth_check_skew(const struct auth_input *in, int64_t request_ms)
{
	int64_t d = in->now_ms - request_ms;

	if (d > AUTH_SKEW_MS || d < -AUTH_SKEW_MS)
		return ERR_TIME_SKEWED;
	return ERR_OK;
}

/* Authorization: OSS <ak>:<signature> */
static enum err
parse_v1_header(const struct auth_input *in, const char *auth,
    struct auth_parsed *ret)
{
	const char *s = auth + strlen(V1_PREFIX), *colon, *date;

	ret->kind = AUTH_V1_HEADER;
	colon = strchr(s, ':');
	if (colon == NULL || colon == s || colon[1] == '\0')
		return ERR_AUTH_MALFORMED;
	if (!auth_copy_field(ret->access_key_id, sizeof(ret->access_key_id), s,
	    (size_t)(colon - s)))
		return ERR_AUTH_MALFORMED;
	if (!auth_copy_field(ret->signature, sizeof(ret->signature), colon + 1,
	    strlen(colon + 1)))
		return ERR_AUTH_MALFORMED;
	/* ali-oss sends no Date, only x-oss-date, and signs that in the
	 * Date slot (clients.md §1.3). */
	date = auth_header(in, "date");
	if (date == NULL)
		date = auth_header(in, "x-oss-date");
	if (date == NULL || !time_parse_rfc1123(date, &ret->request_ms))
		return ERR_DATE_MISSING;
	return auth_check_skew(in, ret->request_ms);
}

/*
 * Authorization: OSS4-HMAC-SHA256 Credential=<scope>[,AdditionalHeaders=
 * <h1;h2>],Signature=<hex>. SDKs put no space after the commas; we accept
 * spaces and tabs around each field. The first occurrence of a field wins.
 */
static enum err
parse_v4_header(const struct auth_input *in, const char *auth,
    struct auth_parsed *ret)
{
	const char *s = auth + strlen(V4_PREFIX);
	bool have_cred = false, have_sig = false, have_add = false;
	enum err r;

	ret->kind = AUTH_V4_HEADER;
	if (*s != ' ')
		return ERR_AUTH_MALFORMED;
	while (*s != '\0') {
		const char *end = strchr(s, ',');
		size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
		const char *f = str_trim(s, &n), *eq;
		size_t klen, vlen;
		const char *v;

		eq = memchr(f, '=', n);
		if (eq == NULL)
			return ERR_AUTH_MALFORMED;
		klen = (size_t)(eq - f);
		vlen = n - klen - 1;
		f = str_trim(f, &klen);
		v = str_trim(eq + 1, &vlen);
		if (klen == 10 && strncmp(f, "Credential", 10) == 0) {
			if (!have_cred) {
				r = auth_parse_scope(v, vlen,
				    AUTH_V4_TERMINATOR, ret);
				if (r != ERR_OK)
					return r;
				have_cred = true;
			}
		} else if (klen == 9 && strncmp(f, "Signature", 9) == 0) {
			if (!have_sig) {
				if (vlen == 0 || !auth_copy_field(ret->signature,
				    sizeof(ret->signature), v, vlen))
					return ERR_AUTH_MALFORMED;
				have_sig = true;
			}
		} else if (klen == 17 &&
		    strncmp(f, "AdditionalHeaders", 17) == 0) {
			if (!have_add) {
				if (!auth_copy_field(ret->additional,
				    sizeof(ret->additional), v, vlen))
					return ERR_AUTH_MALFORMED;
				have_add = true;
			}
		}
		/* Unknown fields are ignored, as capserver.js does. */
		if (end == NULL)
			break;
		s = end + 1;
	}
	if (!have_cred || !have_sig)
		return ERR_AUTH_MALFORMED;
	r = check_scope(in, ret);
	if (r != ERR_OK)
		return r;
	r = check_v4_date(auth_header(in, "x-oss-date"), ret);
	if (r != ERR_OK)
		return r;
	return auth_check_skew(in, ret->request_ms);
}

/* ?OSSAccessKeyId=&Expires=&Signature= */
static enum err
parse_v1_query(const struct auth_input *in, struct auth_parsed *ret)
{
	const char *ak = query_nonempty(in, "OSSAccessKeyId");
	const char *expires = query_nonempty(in, "Expires");
	const char *sig = query_nonempty(in, "Signature");
	uint64_t e;

	ret->kind = AUTH_V1_QUERY;
	if (ak != NULL && !auth_copy_field(ret->access_key_id,
	    sizeof(ret->access_key_id), ak, strlen(ak)))
		return ERR_AUTH_MALFORMED;
	if (ak == NULL || expires == NULL || sig == NULL)
		return ERR_QUERY_AUTH_INCOMPLETE;
	if (!auth_copy_field(ret->signature, sizeof(ret->signature), sig,
	    strlen(sig)))
		return ERR_AUTH_MALFORMED;
	/* Seconds since the epoch; the bound keeps the ms value in range. */
	if (!str_to_u64(expires, (uint64_t)INT64_MAX / 1000, &e))
		return ERR_EXPIRES_INVALID;
	ret->expires_ms = (int64_t)e * 1000;
	/* OSS: expiry is checked before the signature (oss-api.md §5.1). */
	if (in->now_ms > ret->expires_ms)
		return ERR_REQUEST_EXPIRED;
	return ERR_OK;
}

/* ?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=&x-oss-date=
 * &x-oss-expires=&x-oss-signature=[&x-oss-additional-headers=] */
static enum err
parse_v4_query(const struct auth_input *in, struct auth_parsed *ret)
{
	const char *ver = auth_query(in, "x-oss-signature-version");
	const char *cred = query_nonempty(in, "x-oss-credential");
	const char *date = query_nonempty(in, "x-oss-date");
	const char *expires = query_nonempty(in, "x-oss-expires");
	const char *sig = query_nonempty(in, "x-oss-signature");
	const char *add = auth_query(in, "x-oss-additional-headers");
	uint64_t e;
	enum err r;

	ret->kind = AUTH_V4_QUERY;
	if (ver == NULL || strcmp(ver, AUTH_V4_ALGORITHM) != 0 ||
	    cred == NULL || date == NULL || expires == NULL || sig == NULL)
		return ERR_AUTH_MALFORMED;
	r = auth_parse_scope(cred, strlen(cred), AUTH_V4_TERMINATOR, ret);
	if (r != ERR_OK)
		return r;
	if (!auth_copy_field(ret->signature, sizeof(ret->signature), sig,
	    strlen(sig)))
		return ERR_AUTH_MALFORMED;
	if (add != NULL && !auth_copy_field(ret->additional,
	    sizeof(ret->additional), add, strlen(add)))
		return ERR_AUTH_MALFORMED;
	if (!str_to_u64(expires, AUTH_V4_EXPIRES_MAX, &e) || e == 0)
		return ERR_AUTH_MALFORMED;
	r = check_scope(in, ret);
	if (r != ERR_OK)
		return r;
	r = check_v4_date(date, ret);
	if (r != ERR_OK)
		return r;
	ret->expires_ms = ret->request_ms + (int64_t)e * 1000;
	if (ret->expires_ms < in->now_ms)
		return ERR_REQUEST_EXPIRED;
	/* A URL dated in the future would stretch the 7-day limit: hold it
	 * to the same skew as a header-signed request. */
	if (ret->request_ms - in->now_ms > AUTH_SKEW_MS)
		return ERR_TIME_SKEWED;
	return ERR_OK;
}

/* The Date slot of V1 and V2: Date, else x-oss-date (ali-oss and browsers
 * send only the latter, clients.md §1.3). */
static enum err
header_date(const struct auth_input *in, struct auth_parsed *ret)
{
	const char *date = auth_header(in, "date");

	if (date == NULL)
		date = auth_header(in, "x-oss-date");
	if (date == NULL || !time_parse_rfc1123(date, &ret->request_ms))
		return ERR_DATE_MISSING;
	return auth_check_skew(in, ret->request_ms);
}

/* Every header AdditionalHeaders lists must be in the request: the client
 * claims to have signed it, and signing an absent header proves nothing. */
static enum err
check_additional(const struct auth_input *in, const char *list)
{
	while (*list != '\0') {
		const char *end = strchr(list, ';');
		size_t len = end != NULL ? (size_t)(end - list) : strlen(list);
		bool found = false;

		for (size_t i = 0; i < in->nheaders && in->headers != NULL &&
		    !found; i++)
			found = strlen(in->headers[i].name) == len &&
			    strncasecmp(in->headers[i].name, list, len) == 0;
		if (len == 0 || !found)
			return ERR_AUTH_MALFORMED;
		if (end == NULL)
			break;
		list = end + 1;
	}
	return ERR_OK;
}

/*
 * Authorization: OSS2 AccessKeyId:<ak>[,AdditionalHeaders:<h1;h2>],
 * Signature:<b64>. Fields are "name:value", ',' between them, spaces
 * around each allowed; the first occurrence of a field wins.
 */
static enum err
parse_v2_header(const struct auth_input *in, const char *auth,
    struct auth_parsed *ret)
{
	const char *s = auth + strlen(V2_SCHEME);
	bool have_ak = false, have_sig = false, have_add = false;
	enum err r;

	ret->kind = AUTH_V2_HEADER;
	if (*s != ' ')
		return ERR_AUTH_MALFORMED;
	while (*s != '\0') {
		const char *end = strchr(s, ',');
		size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
		const char *f = str_trim(s, &n), *colon;
		size_t klen, vlen;
		const char *v;
		bool *have = NULL;
		char *dst = NULL;
		size_t cap = 0;

		colon = memchr(f, ':', n);
		if (colon == NULL)
			return ERR_AUTH_MALFORMED;
		klen = (size_t)(colon - f);
		vlen = n - klen - 1;
		f = str_trim(f, &klen);
		v = str_trim(colon + 1, &vlen);
		if (klen == 11 && strncmp(f, "AccessKeyId", 11) == 0) {
			have = &have_ak;
			dst = ret->access_key_id;
			cap = sizeof(ret->access_key_id);
		} else if (klen == 9 && strncmp(f, "Signature", 9) == 0) {
			have = &have_sig;
			dst = ret->signature;
			cap = sizeof(ret->signature);
		} else if (klen == 17 &&
		    strncmp(f, "AdditionalHeaders", 17) == 0) {
			have = &have_add;
			dst = ret->additional;
			cap = sizeof(ret->additional);
		}
		if (have != NULL && !*have) {
			if ((vlen == 0 && have != &have_add) ||
			    !auth_copy_field(dst, cap, v, vlen))
				return ERR_AUTH_MALFORMED;
			*have = true;
		}
		if (end == NULL)
			break;
		s = end + 1;
	}
	if (!have_ak || !have_sig)
		return ERR_AUTH_MALFORMED;
	r = check_additional(in, ret->additional);
	if (r != ERR_OK)
		return r;
	return header_date(in, ret);
}

/* ?x-oss-signature-version=OSS2&x-oss-access-key-id=&x-oss-expires=
 * &x-oss-signature=[&x-oss-additional-headers=]; x-oss-expires is the
 * expiry in seconds since the epoch, as V1's Expires. */
static enum err
parse_v2_query(const struct auth_input *in, struct auth_parsed *ret)
{
	const char *ak = query_nonempty(in, "x-oss-access-key-id");
	const char *expires = query_nonempty(in, "x-oss-expires");
	const char *sig = query_nonempty(in, "x-oss-signature");
	const char *add = auth_query(in, "x-oss-additional-headers");
	uint64_t e;
	enum err r;

	ret->kind = AUTH_V2_QUERY;
	if (ak == NULL || expires == NULL || sig == NULL ||
	    !auth_copy_field(ret->access_key_id, sizeof(ret->access_key_id), ak,
	    strlen(ak)) ||
	    !auth_copy_field(ret->signature, sizeof(ret->signature), sig,
	    strlen(sig)))
		return ERR_AUTH_MALFORMED;
	if (add != NULL && !auth_copy_field(ret->additional,
	    sizeof(ret->additional), add, strlen(add)))
		return ERR_AUTH_MALFORMED;
	if (!str_to_u64(expires, (uint64_t)INT64_MAX / 1000, &e))
		return ERR_EXPIRES_INVALID;
	ret->expires_ms = (int64_t)e * 1000;
	if (in->now_ms > ret->expires_ms)
		return ERR_REQUEST_EXPIRED;
	r = check_additional(in, ret->additional);
	return r;
}

/* The scheme is the Authorization value's first word. */
static bool
is_scheme(const char *auth, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncmp(auth, scheme, n) == 0 &&
	    (auth[n] == ' ' || auth[n] == '\0');
}

enum err
auth_parse(const struct auth_input *in, struct auth_parsed *ret)
{
	const char *auth = auth_header(in, "authorization");
	const char *ver = auth_query(in, "x-oss-signature-version");
	bool v1q, v2q, v4q;

	/* Amazon's signatures first: V2's presigned URL shares Expires and
	 * Signature with V1's. */
	if (auth_s3_detect(in))
		return auth_s3_parse(in, ret);
	memset(ret, 0, sizeof(*ret));
	ret->kind = AUTH_ANONYMOUS;
	v1q = auth_query(in, "OSSAccessKeyId") != NULL ||
	    auth_query(in, "Expires") != NULL ||
	    auth_query(in, "Signature") != NULL;
	v2q = (ver != NULL && strcmp(ver, V2_SCHEME) == 0) ||
	    auth_query(in, "x-oss-access-key-id") != NULL;
	v4q = !v2q && (ver != NULL ||
	    auth_query(in, "x-oss-credential") != NULL ||
	    auth_query(in, "x-oss-signature") != NULL);
	/* OSS: "Only one auth mechanism allowed" (oss-api.md §5.1). */
	if ((auth != NULL && (v1q || v2q || v4q)) || (v1q && (v2q || v4q)))
		return ERR_AUTH_BOTH;
	if (auth != NULL) {
		if (auth[0] == '\0')
			return ERR_AUTH_MALFORMED;
		if (is_scheme(auth, "OSS")) {
			if (auth[3] == '\0')
				return ERR_AUTH_MALFORMED;
			return parse_v1_header(in, auth, ret);
		}
		if (is_scheme(auth, V2_SCHEME))
			return parse_v2_header(in, auth, ret);
		if (str_has_prefix(auth, V4_PREFIX))
			return parse_v4_header(in, auth, ret);
		return ERR_AUTH_UNSUPPORTED;
	}
	if (v1q)
		return parse_v1_query(in, ret);
	if (v2q)
		return parse_v2_query(in, ret);
	if (v4q) {
		if (ver != NULL && ver[0] != '\0' &&
		    strcmp(ver, AUTH_V4_ALGORITHM) != 0)
			return ERR_AUTH_UNSUPPORTED;
		return parse_v4_query(in, ret);
	}
	return ERR_OK;
}
