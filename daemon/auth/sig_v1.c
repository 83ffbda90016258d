/* SPDX-License-Identifier: ISC */
/*
 * sig_v1.c: the OSS V1 string-to-sign and HMAC-SHA1 signature.
 *
 * Implements oss-api.md §5.1 and spec/clients.md §1.3 (ported from the
 * server-side check in spec/capture/capserver.js, which accepted every V1
 * request ali-oss 6.23.0 sent). Pure functions of the request: parsing the
 * Authorization header and the time checks are in auth_parse.c, the
 * comparison in auth_verify.c.
 */
#include "auth/auth_int.h"

#include <sodium.h>
#include <string.h>

#include "base/str.h"
#include "hash/hash.h"

static bool
want_v1(const char *name, const void *ctx)
{
	(void)ctx;
	return str_case_has_prefix(name, "x-oss-");
}

/* The presigned-URL parameters carry the signature; they are not part of
 * what is signed. */
static bool
is_v1_query_auth_param(const char *name)
{
	return strcmp(name, "OSSAccessKeyId") == 0 ||
	    strcmp(name, "Expires") == 0 || strcmp(name, "Signature") == 0;
}

struct v1_pick {
	bool	query_auth, with_optional;
};

static bool
v1_signed(const char *name, const void *ctx)
{
	const struct v1_pick *p = ctx;
	unsigned f = auth_subres(name);

	if (!(f & SR_SIGNED) && !(p->with_optional && (f & SR_SIGNED_OPT)))
		return false;
	return !(p->query_auth && is_v1_query_auth_param(name));
}

/* "/", "/bucket/", "/bucket/key", then "?k&k=v..." for the signed
 * sub-resources, all with raw (decoded) bytes: V1 never percent-encodes. */
static enum err
v1_resource(const struct auth_input *in, bool query_auth, bool with_optional,
    bool bare_bucket, struct buf *out)
{
	struct v1_pick pick;
	enum err r;

	r = buf_putc(out, '/');
	if (r == ERR_OK && in->bucket != NULL && in->bucket[0] != '\0') {
		r = buf_puts(out, in->bucket);
		if (r == ERR_OK && !(bare_bucket && (in->key == NULL ||
		    in->key[0] == '\0')))
			r = buf_putc(out, '/');
	}
	if (r == ERR_OK && in->key != NULL)
		r = buf_puts(out, in->key);
	if (r != ERR_OK)
		return r;
	pick.query_auth = query_auth;
	pick.with_optional = with_optional;
	return auth_canon_subresources(in, v1_signed, &pick, out);
}

enum err
auth_v1_string_to_sign(const struct auth_input *in, const char *date,
    bool query_auth, bool with_optional, struct buf *out)
{
	return auth_v1_sts(in, date, query_auth, with_optional, false, out);
}

enum err
auth_v1_sts(const struct auth_input *in, const char *date, bool query_auth,
    bool with_optional, bool bare_bucket, struct buf *out)
{
	const char *md5 = auth_header(in, "content-md5");
	const char *type = auth_header(in, "content-type");
	enum err r;

	/* OSS: VERB \n Content-MD5 \n Content-Type \n Date \n
	 * CanonicalizedOSSHeaders CanonicalizedResource; absent headers
	 * leave their line empty (oss-api.md §5.1). */
	r = buf_printf(out, "%s\n%s\n%s\n%s\n", in->method != NULL ?
	    in->method : "", md5 != NULL ? md5 : "", type != NULL ? type : "",
	    date != NULL ? date : "");
	if (r == ERR_OK)
		r = auth_canon_headers(in, want_v1, NULL, out);
	if (r == ERR_OK)
		r = v1_resource(in, query_auth, with_optional, bare_bucket,
		    out);
	return r;
}

bool
auth_v1_sign(char out[static 29], const char *secret, const char *sts,
    size_t n)
{
	uint8_t mac[HASH_SHA1_BYTES];
	bool ok;

	ok = hash_hmac_sha1(mac, secret, strlen(secret), sts, n);
	(void)b64_encode(out, 29, mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
	return ok;
}
