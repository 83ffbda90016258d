/* SPDX-License-Identifier: ISC */
/*
 * s3_compat.c: what the OSS listener does for S3 clients beyond the
 * signature (auth/s3.h).
 *
 *  - The body of a SigV4 request is what x-amz-content-sha256 declares:
 *    its hex SHA-256, checked when the body has ended and before the
 *    handler stores anything; or aws-chunked framing, decoded (and every
 *    chunk's signature checked) on its way to the handler, so uploads see
 *    the object's bytes only; x-amz-decoded-content-length must agree.
 *  - x-amz-* request headers stand for their x-oss-* twins, as real OSS
 *    documents for its S3 compatibility (values translated where Amazon
 *    spells them differently). The twins are added after the signature is
 *    checked, so what was signed is what arrived, and only for headers
 *    the signature covers: an x-amz-acl added to an OSS-signed request
 *    (which signs x-oss-* only) must not change what it does. An x-oss-*
 *    header the client sent itself wins.
 *  - ETags go out in lower case, as Amazon writes them: S3 tools compare
 *    them with the MD5 they computed as text (s3cmd retries an upload
 *    whose ETag differs in case, then gives up).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oss/oss_int.h"
#include "auth/s3.h"
#include "base/str.h"
#include "hash/hash.h"

struct s3_body {
	struct aws_chunked	*chunked;
	bool			 check_sha;
	uint8_t			 want[HASH_SHA256_BYTES];
	struct hash_sha256	 h;
	bool			 has_decoded_len;
	uint64_t		 decoded_len;
};

enum err
s3_body_begin(struct call *c, const struct auth_input *in,
    const struct auth_parsed *p, const char *secret)
{
	const char *sha = call_header(c, "x-amz-content-sha256");
	const char *dl = call_header(c, "x-amz-decoded-content-length");
	struct s3_body *b;
	enum err r;

	if (p->kind != AUTH_S3V4_HEADER)
		return ERR_OK;
	/* Signed as the empty body's hash (sig_s3v4.c). */
	if (sha == NULL)
		sha = S3_EMPTY_SHA256;
	if (strcmp(sha, S3_UNSIGNED_PAYLOAD) == 0)
		return ERR_OK;
	b = arena_zalloc(c->a, sizeof(*b));
	if (b == NULL)
		return ERR_NOMEM;
	if (strcmp(sha, S3V4_STREAMING) == 0) {
		if (dl != NULL) {
			if (!str_to_u64(dl, UINT64_MAX, &b->decoded_len)) {
				c->x.arg_name = "x-amz-decoded-content-length";
				c->x.arg_value = dl;
				return ERR_INVALID_ARGUMENT;
			}
			b->has_decoded_len = true;
		}
		r = aws_chunked_new(in, p, secret, &b->chunked);
		if (r != ERR_OK)
			return r;
	} else if (str_has_prefix(sha, "STREAMING-")) {
		/* Trailers, unsigned and ECDSA-signed chunks. */
		c->x.arg_name = "x-amz-content-sha256";
		c->x.arg_value = sha;
		return ERR_AUTH_UNSUPPORTED;
	} else {
		if (!hex_decode(b->want, sizeof(b->want), sha, strlen(sha))) {
			c->x.arg_name = "x-amz-content-sha256";
			c->x.arg_value = sha;
			return ERR_INVALID_ARGUMENT;
		}
		b->check_sha = true;
		hash_sha256_init(&b->h);
	}
	c->s3 = b;
	return ERR_OK;
}

enum err
s3_body_feed(struct call *c, const char *p, size_t n,
    enum err (*sink)(void *ctx, const char *p, size_t n))
{
	struct s3_body *b = c->s3;

	if (b->chunked != NULL)
		return aws_chunked_feed(b->chunked, p, n, sink, c);
	if (b->check_sha)
		hash_sha256_update(&b->h, p, n);
	return sink(c, p, n);
}

enum err
s3_body_end(struct call *c)
{
	struct s3_body *b = c->s3;
	uint8_t got[HASH_SHA256_BYTES];
	uint64_t len;
	enum err r;

	if (b == NULL)
		return ERR_OK;
	if (b->chunked != NULL) {
		r = aws_chunked_end(b->chunked, &len);
		if (r == ERR_OK && b->has_decoded_len && len != b->decoded_len)
			r = ERR_S3_CHUNK_MALFORMED;
		return r;
	}
	if (!b->check_sha)
		return ERR_OK;
	hash_sha256_final(&b->h, got);
	return hash_equal(got, b->want, sizeof(got)) ? ERR_OK :
	    ERR_S3_SHA256_MISMATCH;
}

void
s3_body_free(struct call *c)
{
	if (c->s3 == NULL)
		return;
	aws_chunked_free(c->s3->chunked);
	c->s3->chunked = NULL;
	c->s3 = NULL;
}

/* name is one of the ';'-separated entries of list. */
static bool
in_signed(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (*list != '\0') {
		const char *end = strchr(list, ';');
		size_t len = end != NULL ? (size_t)(end - list) : strlen(list);

		if (len == n && strncasecmp(list, name, n) == 0)
			return true;
		if (end == NULL)
			break;
		list = end + 1;
	}
	return false;
}

/* Amazon's storage classes by OSS's names; others pass unchanged. */
static const char *
storage_class(const char *v)
{
	static const struct { const char *amz, *oss; } map[] = {
		{ "STANDARD", "Standard" }, { "REDUCED_REDUNDANCY", "Standard" },
		{ "INTELLIGENT_TIERING", "Standard" }, { "STANDARD_IA", "IA" },
		{ "ONEZONE_IA", "IA" }, { "GLACIER_IR", "Archive" },
		{ "GLACIER", "Archive" }, { "DEEP_ARCHIVE", "ColdArchive" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].amz, v) == 0)
			return map[i].oss;
	return v;
}

/* The x-oss-* twin of x-amz-* header name (value may be rewritten), or
 * NULL when it has none. */
static const char *
twin(struct call *c, const char *name, const char **value)
{
	static const char *const same[] = {
		"copy-source", "copy-source-if-match",
		"copy-source-if-none-match", "copy-source-if-modified-since",
		"copy-source-if-unmodified-since", "copy-source-range",
		"metadata-directive", "tagging", "tagging-directive",
		"security-token", "request-payer",
		"bypass-governance-retention", "server-side-encryption",
		"storage-class",
	};
	const char *s = name + 6;	/* after "x-amz-" */

	if (str_has_prefix(s, "meta-"))
		return arena_printf(c->a, "x-oss-%s", s);
	if (strcmp(s, "acl") == 0)
		return c->level == LEVEL_OBJECT ? "x-oss-object-acl" :
		    "x-oss-acl";
	if (strcmp(s, "server-side-encryption-aws-kms-key-id") == 0)
		return "x-oss-server-side-encryption-key-id";
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		if (strcmp(s, same[i]) != 0)
			continue;
		if (strcmp(s, "server-side-encryption") == 0 &&
		    strcmp(*value, "aws:kms") == 0)
			*value = "KMS";
		else if (strcmp(s, "storage-class") == 0)
			*value = storage_class(*value);
		else if (strcmp(s, "copy-source") == 0 && (*value)[0] != '/')
			*value = arena_printf(c->a, "/%s", *value);
		return arena_printf(c->a, "x-oss-%s", s);
	}
	return NULL;
}

/* "aws-chunked" is framing, not the object's encoding. */
static const char *
strip_aws_chunked(struct call *c, const char *v)
{
	struct buf out;
	const char *s = v, *ret;

	buf_init(&out, 4096);
	while (*s != '\0') {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const char *t = str_trim(s, &n);

		if (n > 0 && !(n == 11 && strncasecmp(t, "aws-chunked", 11) == 0)) {
			if (out.len > 0)
				(void)buf_putc(&out, ',');
			(void)buf_append(&out, t, n);
		}
		if (end == NULL)
			break;
		s = end + 1;
	}
	ret = out.len > 0 ? arena_strdup(c->a, buf_cstr(&out)) : NULL;
	buf_free(&out);
	return ret;
}

enum err
s3_alias_headers(struct call *c)
{
	struct http_request *req = c->req;
	size_t n = req->nheaders, extra = 0, k = 0;
	struct kv *h;

	for (size_t i = 0; i < n; i++)
		if (str_has_prefix(req->headers[i].name, "x-amz-"))
			extra++;
	if (extra == 0)
		return ERR_OK;
	h = arena_alloc(c->a, (n + extra) * sizeof(*h));
	if (h == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		h[k] = req->headers[i];
		if (c->s3 != NULL && c->s3->chunked != NULL &&
		    strcmp(h[k].name, "content-encoding") == 0) {
			h[k].value = strip_aws_chunked(c, h[k].value);
			if (h[k].value == NULL)
				continue;
		}
		k++;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = req->headers[i].name;
		const char *value = req->headers[i].value;
		const char *oss;

		if (!str_has_prefix(name, "x-amz-") || value == NULL ||
		    c->amz_signed == NULL || (strcmp(c->amz_signed, "*") != 0 &&
		    !in_signed(c->amz_signed, name)))
			continue;
		oss = twin(c, name, &value);
		if (oss == NULL || value == NULL)
			continue;
		if (http_header_get(req, oss) != NULL)
			continue;
		h[k].name = oss;
		h[k].value = value;
		k++;
	}
	req->headers = h;
	req->nheaders = k;
	return ERR_OK;
}

static void
lower_hex(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'F')
			p[i] = (char)(p[i] - 'A' + 'a');
}

/* OSS's storage classes by Amazon's names (the reverse of
 * storage_class). */
static const char *
amz_storage_class(const char *v)
{
	static const struct { const char *oss, *amz; } map[] = {
		{ "Standard", "STANDARD" }, { "IA", "STANDARD_IA" },
		{ "Archive", "GLACIER" }, { "ColdArchive", "DEEP_ARCHIVE" },
		{ "DeepColdArchive", "DEEP_ARCHIVE" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].oss, v) == 0)
			return map[i].amz;
	return v;
}

/* The x-amz-* twins of the x-oss-* answer headers S3 tools read (user
 * metadata, encryption, versions, storage class). */
static void
response_twins(struct call *c)
{
	static const char *const names[] = {
		"server-side-encryption", "server-side-encryption-key-id",
		"version-id", "delete-marker", "tagging-count", "storage-class",
	};
	struct http_response *resp = &c->req->resp;
	size_t n = resp->nheaders;

	for (size_t i = 0; i < n; i++) {
		const char *name = resp->headers[i].name;
		const char *v = resp->headers[i].value, *s, *amz = NULL;

		if (v == NULL || !str_case_has_prefix(name, "x-oss-"))
			continue;
		s = name + 6;
		if (str_case_has_prefix(s, "meta-"))
			amz = arena_printf(c->a, "x-amz-%s", s);
		for (size_t k = 0; amz == NULL &&
		    k < sizeof(names) / sizeof(names[0]); k++) {
			if (strcasecmp(s, names[k]) != 0)
				continue;
			if (k == 0 && strcmp(v, "KMS") == 0)
				v = "aws:kms";
			else if (strcasecmp(s, "storage-class") == 0)
				v = amz_storage_class(v);
			amz = k == 1 ?
			    "x-amz-server-side-encryption-aws-kms-key-id" :
			    arena_printf(c->a, "x-amz-%s", s);
		}
		if (amz != NULL)
			(void)call_resp_header(c, amz, v);
	}
}

void
s3_response_fixup(struct call *c)
{
	struct http_response *resp = &c->req->resp;
	static const char open[] = "<ETag>", close[] = "</ETag>";
	char *p, *end;

	if (!c->s3_signed)
		return;
	response_twins(c);
	for (size_t i = 0; i < resp->nheaders; i++) {
		char *v;

		if (strcasecmp(resp->headers[i].name, "etag") != 0 ||
		    resp->headers[i].value == NULL)
			continue;
		v = arena_strdup(c->a, resp->headers[i].value);
		if (v == NULL)
			continue;
		lower_hex(v, strlen(v));
		resp->headers[i].value = v;
	}
	if (resp->body == NULL)
		return;
	p = resp->body;
	end = resp->body + resp->body_len;
	while (p < end) {
		char *o = memmem(p, (size_t)(end - p), open, sizeof(open) - 1);
		char *e;

		if (o == NULL)
			break;
		o += sizeof(open) - 1;
		e = memmem(o, (size_t)(end - o), close, sizeof(close) - 1);
		if (e == NULL)
			break;
		lower_hex(o, (size_t)(e - o));
		p = e + sizeof(close) - 1;
	}
}
