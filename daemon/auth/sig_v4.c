/* SPDX-License-Identifier: ISC */
/*
 * sig_v4.c: the OSS4-HMAC-SHA256 canonical request, string-to-sign and
 * signature.
 *
 * Implements oss-api.md §5.2 and spec/clients.md §1.3 (ported from
 * verifyOssV4 in spec/capture/capserver.js and checked against the GO2
 * oss/signer vectors). Pure functions; the Authorization/query parsing is
 * in auth_parse.c and the comparison in auth_verify.c.
 */
#include "auth/auth_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/str.h"
#include "hash/hash.h"

/* True when name is one of the ';'-separated entries of list. */
static bool
in_list(const char *list, const char *name)
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
want_v4(const char *name, const void *ctx)
{
	const char *additional = ctx;

	/* OSS: content-type, content-md5 and every x-oss-* are always
	 * signed; AdditionalHeaders adds more (oss-api.md §5.2). */
	return strcasecmp(name, "content-type") == 0 ||
	    strcasecmp(name, "content-md5") == 0 ||
	    str_case_has_prefix(name, "x-oss-") ||
	    (additional != NULL && in_list(additional, name));
}

enum err
auth_v4_canonical_request(const struct auth_input *in,
    const char *additional, bool query_auth, bool empty_as_equals,
    struct buf *out)
{
	const char *payload = NULL;
	enum err r;

	if (additional == NULL)
		additional = "";
	r = buf_puts(out, in->method != NULL ? in->method : "");
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	/* Canonical URI: "/" + bucket + "/" + key, '/' kept raw. */
	if (r == ERR_OK)
		r = buf_putc(out, '/');
	if (r == ERR_OK && in->bucket != NULL && in->bucket[0] != '\0') {
		r = url_encode(out, in->bucket, strlen(in->bucket), true);
		if (r == ERR_OK)
			r = buf_putc(out, '/');
	}
	if (r == ERR_OK && in->key != NULL)
		r = url_encode(out, in->key, strlen(in->key), true);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	if (r == ERR_OK)
		r = auth_canon_query(in, query_auth ? "x-oss-signature" : NULL,
		    empty_as_equals ? AUTH_EMPTY_BARE_SUBRES : AUTH_EMPTY_BARE,
		    out);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	if (r == ERR_OK)
		r = auth_canon_headers(in, want_v4, additional, out);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	if (r == ERR_OK)
		r = buf_puts(out, additional);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	/* The presigned form has no x-oss-content-sha256 to speak of. */
	if (!query_auth)
		payload = auth_header(in, "x-oss-content-sha256");
	if (payload == NULL || payload[0] == '\0')
		payload = AUTH_UNSIGNED_PAYLOAD;
	if (r == ERR_OK)
		r = buf_puts(out, payload);
	return r;
}

enum err
auth_v4_string_to_sign(const char *iso_time, const char *date,
    const char *region, const char *product, const char *canonical_request,
    size_t n, struct buf *out)
{
	uint8_t digest[HASH_SHA256_BYTES];
	char hex[2 * HASH_SHA256_BYTES + 1];

	hash_sha256(digest, canonical_request, n);
	hex_encode(hex, digest, sizeof(digest));
	return buf_printf(out, "%s\n%s\n%s/%s/%s/%s\n%s", AUTH_V4_ALGORITHM,
	    iso_time, date, region, product, AUTH_V4_TERMINATOR, hex);
}

void
auth_v4_signing_key(uint8_t out[static HASH_SHA256_BYTES], const char *prefix,
    const char *secret, const char *date, const char *region,
    const char *service, const char *terminator)
{
	uint8_t key[64 + 1];
	size_t plen = strlen(prefix), slen = strlen(secret), klen;

	/*
	 * The first HMAC key is prefix + secret. HMAC replaces a key longer
	 * than the SHA-256 block (64 bytes) by its digest (RFC 2104), so a
	 * long secret is hashed here rather than copied: no length limit and
	 * the same result.
	 */
	if (plen + slen <= 64) {
		memcpy(key, prefix, plen);
		memcpy(key + plen, secret, slen);
		klen = plen + slen;
	} else {
		struct hash_sha256 h;

		hash_sha256_init(&h);
		hash_sha256_update(&h, prefix, plen);
		hash_sha256_update(&h, secret, slen);
		hash_sha256_final(&h, key);
		sodium_memzero(&h, sizeof(h));
		klen = HASH_SHA256_BYTES;
	}
	hash_hmac_sha256(out, key, klen, date, strlen(date));
	hash_hmac_sha256(out, out, HASH_SHA256_BYTES, region, strlen(region));
	hash_hmac_sha256(out, out, HASH_SHA256_BYTES, service, strlen(service));
	hash_hmac_sha256(out, out, HASH_SHA256_BYTES, terminator,
	    strlen(terminator));
	sodium_memzero(key, sizeof(key));
}

void
auth_v4_sign(char out[static 65], const char *secret, const char *date,
    const char *region, const char *product, const char *sts, size_t n)
{
	uint8_t k[HASH_SHA256_BYTES], mac[HASH_SHA256_BYTES];

	auth_v4_signing_key(k, "aliyun_v4", secret, date, region, product,
	    AUTH_V4_TERMINATOR);
	hash_hmac_sha256(mac, k, sizeof(k), sts, n);
	hex_encode(out, mac, sizeof(mac));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(mac, sizeof(mac));
}
