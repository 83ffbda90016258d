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

struct qsel {
	const char	*name;
	const char	*value;
	size_t		 idx;
};

static int
qsel_cmp(const void *pa, const void *pb)
{
	const struct qsel *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	/* Stable for repeated keys, as JavaScript's sort in capserver.js. */
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* "/", "/bucket/", "/bucket/key", then "?k&k=v..." for the signed
 * sub-resources, all with raw (decoded) bytes: V1 never percent-encodes. */
static enum err
v1_resource(const struct auth_input *in, bool query_auth, bool with_optional,
    bool bare_bucket, struct buf *out)
{
	struct qsel *sel = NULL;
	size_t n = 0;
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
	if (r != ERR_OK || in->nquery == 0 || in->query == NULL)
		return r;
	if (in->nquery > AUTH_ITEMS_MAX) {
		buf_free(out);
		return ERR_ENTITY_TOO_LARGE;
	}
	sel = calloc(in->nquery, sizeof(*sel));
	if (sel == NULL) {
		buf_free(out);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < in->nquery; i++) {
		const char *k = in->query[i].name;
		unsigned f = auth_subres(k);

		if (!(f & SR_SIGNED) && !(with_optional && (f & SR_SIGNED_OPT)))
			continue;
		if (query_auth && is_v1_query_auth_param(k))
			continue;
		sel[n].name = k;
		sel[n].value = in->query[i].value != NULL ?
		    in->query[i].value : "";
		sel[n].idx = i;
		n++;
	}
	qsort(sel, n, sizeof(*sel), qsel_cmp);
	for (size_t i = 0; i < n && r == ERR_OK; i++) {
		r = buf_putc(out, i == 0 ? '?' : '&');
		if (r == ERR_OK)
			r = buf_puts(out, sel[i].name);
		if (r == ERR_OK && sel[i].value[0] != '\0') {
			r = buf_putc(out, '=');
			if (r == ERR_OK)
				r = buf_puts(out, sel[i].value);
		}
	}
	free(sel);
	return r;
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
