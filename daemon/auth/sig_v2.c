/* SPDX-License-Identifier: ISC */
/*
 * sig_v2.c: the OSS V2 (OSS2, HMAC-SHA256) string-to-sign and signature.
 *
 * Alibaba's "V2 signature" description, as the Python SDK (oss2
 * ProviderAuthV2) and the Tea-based @alicloud/oss-util implement it:
 *
 *   VERB \n Content-MD5 \n Content-Type \n Date \n
 *   CanonicalizedOSSHeaders AdditionalHeaders \n CanonicalizedResource
 *
 * CanonicalizedOSSHeaders is the V1 list (every x-oss-* header) plus the
 * headers named in AdditionalHeaders. CanonicalizedResource is
 * uriencode("/bucket/key") (the '/' encoded too) followed by every query
 * parameter but x-oss-signature, names and values encoded, sorted by name,
 * an empty value as a bare name. A presigned URL puts x-oss-expires in the
 * Date slot. Parsing is in auth_parse.c, the comparison in auth_verify.c.
 */
#include "auth/auth_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/str.h"
#include "hash/hash.h"

static bool
unreserved(unsigned char c, unsigned flags)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~')
		return true;
	/* JavaScript's encodeURIComponent leaves these alone. */
	return (flags & AUTH_V2_JS_ENCODE) != 0 && (c == '!' || c == '\'' ||
	    c == '(' || c == ')' || c == '*');
}

static enum err
v2_encode(struct buf *out, const char *s, unsigned flags)
{
	static const char hex[] = "0123456789ABCDEF";
	enum err r = ERR_OK;

	for (; *s != '\0' && r == ERR_OK; s++) {
		unsigned char c = (unsigned char)*s;

		if (unreserved(c, flags))
			r = buf_putc(out, (char)c);
		else
			r = buf_printf(out, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return r;
}

/* True when name is one of the ';'-separated entries of list. */
bool
auth_in_list(const char *list, const char *name)
{
	size_t nlen = strlen(name);

	while (*list != '\0') {
		const char *end = strchr(list, ';');
		size_t len = end != NULL ? (size_t)(end - list) : strlen(list);

		if (len == nlen && strncasecmp(list, name, len) == 0)
			return true;
		if (end == NULL)
			break;
		list = end + 1;
	}
	return false;
}

static bool
want_v2(const char *name, const void *ctx)
{
	const char *additional = ctx;

	return str_case_has_prefix(name, "x-oss-") ||
	    (additional != NULL && auth_in_list(additional, name));
}

struct v2q {
	const char	*name;		/* encoded, in scratch */
	const char	*value;
	size_t		 noff, voff, idx;
};

static int
v2q_cmp(const void *pa, const void *pb)
{
	const struct v2q *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static enum err
v2_query(const struct auth_input *in, bool query_auth, unsigned flags,
    struct buf *out)
{
	struct v2q *q = NULL;
	struct buf scratch;
	size_t n = 0;
	enum err r = ERR_OK;

	if (in->nquery == 0 || in->query == NULL)
		return ERR_OK;
	if (in->nquery > AUTH_ITEMS_MAX) {
		buf_free(out);
		return ERR_ENTITY_TOO_LARGE;
	}
	buf_init(&scratch, AUTH_CANON_MAX);
	q = calloc(in->nquery, sizeof(*q));
	if (q == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < in->nquery && r == ERR_OK; i++) {
		const char *k = in->query[i].name;
		const char *v = in->query[i].value != NULL ?
		    in->query[i].value : "";

		if (query_auth && strcmp(k, "x-oss-signature") == 0)
			continue;
		q[n].idx = i;
		q[n].noff = scratch.len;
		r = v2_encode(&scratch, k, flags);
		if (r == ERR_OK)
			r = buf_putc(&scratch, '\0');
		q[n].voff = scratch.len;
		if (r == ERR_OK)
			r = v2_encode(&scratch, v, flags);
		if (r == ERR_OK)
			r = buf_putc(&scratch, '\0');
		n++;
	}
	if (r != ERR_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		q[i].name = buf_cstr(&scratch) + q[i].noff;
		q[i].value = buf_cstr(&scratch) + q[i].voff;
	}
	qsort(q, n, sizeof(*q), v2q_cmp);
	for (size_t i = 0; i < n && r == ERR_OK; i++) {
		r = buf_putc(out, i == 0 ? '?' : '&');
		if (r == ERR_OK)
			r = buf_puts(out, q[i].name);
		if (r == ERR_OK && q[i].value[0] != '\0') {
			r = buf_putc(out, '=');
			if (r == ERR_OK)
				r = buf_puts(out, q[i].value);
		}
	}
out:
	free(q);
	buf_free(&scratch);
	if (r != ERR_OK)
		buf_free(out);
	return r;
}

static enum err
v2_resource(const struct auth_input *in, bool query_auth, unsigned flags,
    struct buf *out)
{
	enum err r = ERR_OK;

	if (in->bucket != NULL && in->bucket[0] != '\0') {
		r = buf_puts(out, "%2F");
		if (r == ERR_OK)
			r = v2_encode(out, in->bucket, flags);
		if (r == ERR_OK)
			r = buf_puts(out, "%2F");
		if (r == ERR_OK && in->key != NULL)
			r = v2_encode(out, in->key, flags);
	} else if (!(flags & AUTH_V2_EMPTY_ROOT))
		r = buf_puts(out, "%2F");
	if (r == ERR_OK)
		r = v2_query(in, query_auth, flags, out);
	return r;
}

enum err
auth_v2_string_to_sign(const struct auth_input *in, const char *date,
    const char *additional, bool query_auth, unsigned flags, struct buf *out)
{
	const char *md5 = auth_header(in, "content-md5");
	const char *type = auth_header(in, "content-type");
	enum err r;

	if (additional == NULL)
		additional = "";
	r = buf_printf(out, "%s\n%s\n%s\n%s\n", in->method != NULL ?
	    in->method : "", md5 != NULL ? md5 : "", type != NULL ? type : "",
	    date != NULL ? date : "");
	if (r == ERR_OK)
		r = auth_canon_headers(in, want_v2, additional, out);
	if (r == ERR_OK)
		r = buf_puts(out, additional);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	if (r == ERR_OK)
		r = v2_resource(in, query_auth, flags, out);
	return r;
}

void
auth_v2_sign(char out[static 45], const char *secret, const char *sts,
    size_t n)
{
	uint8_t mac[HASH_SHA256_BYTES];

	hash_hmac_sha256(mac, secret, strlen(secret), sts, n);
	(void)b64_encode(out, 45, mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
}
