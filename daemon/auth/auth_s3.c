/* SPDX-License-Identifier: ISC */
/*
 * auth_s3.c: which Amazon S3 signature a request carries, and the helpers
 * V2 and V4 share.
 *
 * A request is the S3 family's as soon as it shows any of its marks (an
 * "AWS" Authorization, AWSAccessKeyId, an X-Amz-Algorithm, Credential or
 * Signature parameter): it is then never taken for anonymous nor for an
 * OSS V1 presigned URL (which shares Expires and Signature), and an AWS
 * scheme we do not implement is named as such.
 */
#include "auth/s3_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/str.h"

#define V2_PREFIX "AWS "
#define V4_PREFIX S3V4_ALGORITHM " "

bool
s3_parse_http_date(const char *s, int64_t *ret_ms)
{
	char tmp[TIME_RFC1123_BYTES];
	size_t n = strlen(s);

	if (time_parse_rfc1123(s, ret_ms))
		return true;
	/* s3cmd and boto write the zone as "+0000" (RFC 2822). */
	if (n < 6 || n - 6 + 4 >= sizeof(tmp) ||
	    strcmp(s + n - 6, " +0000") != 0)
		return false;
	memcpy(tmp, s, n - 6);
	memcpy(tmp + n - 6, " GMT", 5);
	return time_parse_rfc1123(tmp, ret_ms);
}

static bool
v4_query_mark(const struct auth_input *in)
{
	return auth_query(in, "X-Amz-Algorithm") != NULL ||
	    auth_query(in, "X-Amz-Credential") != NULL ||
	    auth_query(in, "X-Amz-Signature") != NULL;
}

bool
auth_s3_detect(const struct auth_input *in)
{
	const char *auth = auth_header(in, "authorization");

	if (auth != NULL)
		return str_has_prefix(auth, V2_PREFIX) ||
		    str_has_prefix(auth, "AWS4-");
	return auth_query(in, "AWSAccessKeyId") != NULL || v4_query_mark(in);
}

enum err
auth_s3_parse(const struct auth_input *in, struct auth_parsed *ret)
{
	const char *auth = auth_header(in, "authorization");
	bool v2q = auth_query(in, "AWSAccessKeyId") != NULL;
	bool v4q = v4_query_mark(in);

	memset(ret, 0, sizeof(*ret));
	ret->kind = AUTH_ANONYMOUS;
	if ((auth != NULL && (v2q || v4q)) || (v2q && v4q))
		return ERR_AUTH_BOTH;
	if (auth != NULL) {
		if (str_has_prefix(auth, V2_PREFIX))
			return s3v2_parse_header(in, auth, ret);
		if (str_has_prefix(auth, V4_PREFIX))
			return s3v4_parse_header(in, auth, ret);
		/* AWS4-ECDSA-P256-SHA256 (SigV4a) and the like. */
		return ERR_AUTH_UNSUPPORTED;
	}
	if (v2q)
		return s3v2_parse_query(in, ret);
	return s3v4_parse_query(in, ret);
}

enum err
auth_s3_verify(const struct auth_input *in, const struct auth_parsed *p,
    const char *secret, struct buf *ret_sts)
{
	switch (p->kind) {
	case AUTH_S3V2_HEADER:
	case AUTH_S3V2_QUERY:
		return s3v2_verify(in, p, secret, ret_sts);
	case AUTH_S3V4_HEADER:
	case AUTH_S3V4_QUERY:
		return s3v4_verify(in, p, secret, ret_sts);
	default:
		return ERR_INTERNAL;
	}
}

/* Appends prefix + form + NUL unless out already holds that form. */
static enum err
add_form(struct buf *out, const char *prefix, const char *form, size_t n)
{
	size_t plen = strlen(prefix), off = 0;
	enum err r;

	while (off < out->len) {
		const char *f = buf_cstr(out) + off;
		size_t flen = strlen(f);

		if (flen == plen + n &&
		    auth_bytes_cmp(f, plen, prefix, plen) == 0 &&
		    auth_bytes_cmp(f + plen, n, form, n) == 0)
			return ERR_OK;
		off += flen + 1;
	}
	r = buf_puts(out, prefix);
	if (r == ERR_OK)
		r = buf_append(out, form, n);
	if (r == ERR_OK)
		r = buf_putc(out, '\0');
	return r;
}

enum err
s3_path_forms(const struct auth_input *in, const char *prefix,
    bool with_decoded, struct buf *out)
{
	struct buf enc, raw;
	char *dec = NULL;
	size_t n;
	int dn;
	enum err r = ERR_OK;

	buf_init(&enc, AUTH_CANON_MAX);
	buf_init(&raw, AUTH_CANON_MAX);
	if (in->raw_path != NULL) {
		r = buf_puts(&raw, in->raw_path);
	} else {
		/* No target (tests): rebuild it from bucket and key. */
		r = buf_putc(&raw, '/');
		if (r == ERR_OK && !in->vhost && in->bucket != NULL &&
		    in->bucket[0] != '\0') {
			r = url_encode(&raw, in->bucket, strlen(in->bucket),
			    false);
			if (r == ERR_OK && in->key != NULL)
				r = buf_putc(&raw, '/');
		}
		if (r == ERR_OK && in->key != NULL)
			r = url_encode(&raw, in->key, strlen(in->key), true);
	}
	if (r != ERR_OK)
		goto out;
	n = raw.len;
	dec = malloc(n + 1);
	if (dec == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	dn = url_decode(dec, buf_cstr(&raw), n, false);
	if (dn < 0) {
		/* Not decodable: only the form as sent can match. */
		r = add_form(out, prefix, buf_cstr(&raw), n);
		goto out;
	}
	r = url_encode(&enc, dec, (size_t)dn, true);
	if (r == ERR_OK)
		r = add_form(out, prefix, buf_cstr(&enc), enc.len);
	if (r == ERR_OK)
		r = add_form(out, prefix, buf_cstr(&raw), n);
	if (r == ERR_OK && with_decoded)
		r = add_form(out, prefix, dec, (size_t)dn);
out:
	free(dec);
	buf_free(&enc);
	buf_free(&raw);
	return r;
}
