/* SPDX-License-Identifier: ISC */
/*
 * kms_sig.c: the two signatures of the Alibaba Cloud KMS RPC API.
 *
 * v1 (spec kms-api.md §2.2, what @alicloud/kms20160120 1.x sends): every
 * query and form parameter except Signature, RFC 3986-encoded, sorted by
 * encoded name, joined "n=v&..."; string-to-sign METHOD&%2F&enc(that);
 * base64(HMAC-SHA1(secret + "&")).
 *
 * ACS3-HMAC-SHA256 (§2.3, what openapi-client/openapi-core send): canonical
 * request METHOD \n path \n query \n headers \n signed-header-list \n
 * hex(SHA-256(body)), the query sorted with raw keys and encoded values
 * exactly as @alicloud/openapi-util's getAuthorizationQueryString does, the
 * header block rebuilt from the client's own SignedHeaders list (the SDK
 * signs headers a fixed server list would miss, x-acs-credentials-provider
 * for one); string-to-sign "ACS3-HMAC-SHA256\n" + hex(SHA-256(creq)),
 * signature hex(HMAC-SHA256(secret)). The body's hash is computed here from
 * the bytes received, so a changed body breaks the signature.
 *
 * The replay (SignatureNonce) cache is kms_nonce.c.
 */
#include "auth/auth_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/kv.h"
#include "base/str.h"
#include "hash/hash.h"

#define ACS3_ALGORITHM	"ACS3-HMAC-SHA256"
#define ACS3_PREFIX	ACS3_ALGORITHM " "

/* ---- parsing ---- */

static const char *
kv_first(const struct kv *v, size_t n, const char *name)
{
	return v != NULL ? kv_get(v, n, name) : NULL;
}

/* A parameter from the query or, failing that, the form body. */
static const char *
param(const struct auth_kms_input *in, const char *name)
{
	const char *v = kv_first(in->query, in->nquery, name);

	return v != NULL ? v : kv_first(in->form, in->nform, name);
}

static const char *
header(const struct auth_kms_input *in, const char *name)
{
	return kv_first(in->headers, in->nheaders, name);
}

static enum err
check_time(const struct auth_kms_input *in, const char *ts,
    struct auth_kms_parsed *ret)
{
	int64_t d;

	/* KMS: Timestamp is yyyy-MM-ddTHH:mm:ssZ in UTC. */
	if (ts == NULL || !str_has_suffix(ts, "Z") ||
	    !time_parse_iso(ts, &ret->request_ms))
		return ERR_DATE_MISSING;
	d = ret->request_ms - in->now_ms;
	if (d > AUTH_SKEW_MS || d < -AUTH_SKEW_MS)
		return ERR_TIME_SKEWED;
	return ERR_OK;
}

static enum err
copy_field(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return ERR_AUTH_MALFORMED;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return ERR_OK;
}

/* True when the ';'-separated list holds name. */
static bool
list_has(const char *list, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = list; *p != '\0';) {
		const char *e = strchr(p, ';');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);

		if (l == nl && strncmp(p, name, nl) == 0)
			return true;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return false;
}

/* "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=h1;h2,Signature=hex":
 * fields in any order, spaces allowed around them; first occurrence wins. */
static enum err
parse_acs3(const struct auth_kms_input *in, const char *auth,
    struct auth_kms_parsed *ret)
{
	bool have_cred = false, have_sh = false, have_sig = false;
	const char *p = auth + strlen(ACS3_PREFIX);
	enum err r;

	ret->kind = AUTH_KMS_ACS3;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *f = str_trim(p, &len);
		const char *eq = memchr(f, '=', len);
		size_t kl, vl;

		if (eq == NULL)
			return ERR_AUTH_MALFORMED;
		kl = (size_t)(eq - f);
		vl = len - kl - 1;
		if (kl == 10 && strncmp(f, "Credential", kl) == 0 && !have_cred) {
			r = copy_field(ret->access_key_id,
			    sizeof(ret->access_key_id), eq + 1, vl);
			have_cred = true;
		} else if (kl == 13 && strncmp(f, "SignedHeaders", kl) == 0 &&
		    !have_sh) {
			r = copy_field(ret->signed_headers,
			    sizeof(ret->signed_headers), eq + 1, vl);
			have_sh = true;
		} else if (kl == 9 && strncmp(f, "Signature", kl) == 0 &&
		    !have_sig) {
			r = copy_field(ret->signature, sizeof(ret->signature),
			    eq + 1, vl);
			have_sig = true;
		} else
			r = ERR_OK;	/* unknown field: ignored, as POP does */
		if (r != ERR_OK)
			return r;
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (!have_cred || !have_sh || !have_sig)
		return ERR_AUTH_MALFORMED;
	str_lower(ret->signed_headers);
	/* The date and the nonce must be covered by the signature, or
	 * neither the skew check nor the replay check would mean anything. */
	if (!list_has(ret->signed_headers, "x-acs-date") ||
	    !list_has(ret->signed_headers, "x-acs-signature-nonce"))
		return ERR_AUTH_MALFORMED;
	if (header(in, "x-acs-signature-nonce") == NULL) {
		ret->missing = "SignatureNonce";
		return ERR_KMS_MISSING_PARAMETER;
	}
	r = copy_field(ret->nonce, sizeof(ret->nonce),
	    header(in, "x-acs-signature-nonce"),
	    strlen(header(in, "x-acs-signature-nonce")));
	if (r != ERR_OK)
		return r;
	return check_time(in, header(in, "x-acs-date"), ret);
}

static enum err
need(const struct auth_kms_input *in, const char *name, const char **ret_v,
    struct auth_kms_parsed *ret)
{
	const char *v = param(in, name);

	if (v == NULL || v[0] == '\0') {
		ret->missing = name;
		return ERR_KMS_MISSING_PARAMETER;
	}
	*ret_v = v;
	return ERR_OK;
}

static enum err
parse_v1(const struct auth_kms_input *in, struct auth_kms_parsed *ret)
{
	const char *ak, *sig, *method, *version, *nonce;
	enum err r;

	ret->kind = AUTH_KMS_V1;
	r = need(in, "AccessKeyId", &ak, ret);
	if (r == ERR_OK)
		r = need(in, "Signature", &sig, ret);
	if (r == ERR_OK)
		r = need(in, "SignatureMethod", &method, ret);
	if (r == ERR_OK)
		r = need(in, "SignatureVersion", &version, ret);
	if (r == ERR_OK)
		r = need(in, "SignatureNonce", &nonce, ret);
	if (r != ERR_OK)
		return r;
	/* KMS: SignatureMethod HMAC-SHA1, SignatureVersion 1.0. */
	if (strcmp(method, "HMAC-SHA1") != 0 || strcmp(version, "1.0") != 0)
		return ERR_AUTH_MALFORMED;
	r = copy_field(ret->access_key_id, sizeof(ret->access_key_id), ak,
	    strlen(ak));
	if (r == ERR_OK)
		r = copy_field(ret->signature, sizeof(ret->signature), sig,
		    strlen(sig));
	if (r == ERR_OK)
		r = copy_field(ret->nonce, sizeof(ret->nonce), nonce,
		    strlen(nonce));
	if (r != ERR_OK)
		return r;
	return check_time(in, param(in, "Timestamp"), ret);
}

enum err
auth_kms_parse(const struct auth_kms_input *in, struct auth_kms_parsed *ret)
{
	const char *auth = header(in, "authorization");

	memset(ret, 0, sizeof(*ret));
	if (auth != NULL && str_has_prefix(auth, "ACS3-")) {
		/* Other ACS3 algorithms (SM3, RSA) exist; we verify only
		 * HMAC-SHA256. */
		if (!str_has_prefix(auth, ACS3_PREFIX))
			return ERR_AUTH_MALFORMED;
		return parse_acs3(in, auth, ret);
	}
	if (param(in, "Signature") == NULL && param(in, "AccessKeyId") == NULL &&
	    param(in, "SignatureMethod") == NULL) {
		ret->kind = AUTH_KMS_NONE;
		ret->missing = "Signature";
		return ERR_ANONYMOUS_DENIED;
	}
	return parse_v1(in, ret);
}

/* ---- v1 ---- */

/*
 * RFC 3986 percent-encoding into out (room for 3n bytes); returns the
 * length. The same rule as url_encode in base/str.h, written straight
 * into one preallocated array: the string-to-sign is rebuilt for every
 * KMS request, and growing a struct buf a byte at a time showed up in
 * profiles at several percent of a Decrypt.
 */
static size_t
pct(char *out, const char *in, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

struct enc_pair {
	const char	*n;
	size_t		 nl;
	const char	*v;
	size_t		 vl;
};

static int
enc_pair_cmp(const void *pa, const void *pb)
{
	const struct enc_pair *a = pa, *b = pb;
	int c = auth_bytes_cmp(a->n, a->nl, b->n, b->nl);

	return c != 0 ? c : auth_bytes_cmp(a->v, a->vl, b->v, b->vl);
}

enum err
auth_kms_v1_string_to_sign(const char *method, const struct kv *a, size_t na,
    const struct kv *b, size_t nb, struct buf *out)
{
	struct enc_pair *pairs = NULL;
	char *enc = NULL, *canon = NULL, *sts = NULL;
	size_t np = 0, total = 0, e = 0, c = 0, o;
	enum err r = ERR_OK;

	if (na + nb > AUTH_ITEMS_MAX)
		return ERR_ENTITY_TOO_LARGE;
	for (size_t i = 0; i < na + nb; i++) {
		const struct kv *p = i < na ? &a[i] : &b[i - na];

		total += strlen(p->name) + strlen(p->value) + 2;
	}
	/* Every byte may become three, twice (canonical string, then the
	 * string-to-sign's encoding of it). */
	if (total > AUTH_CANON_MAX / 9)
		return ERR_ENTITY_TOO_LARGE;
	pairs = calloc(na + nb + 1, sizeof(*pairs));
	enc = malloc(3 * total + 1);
	canon = malloc(3 * total + 1);
	sts = malloc(strlen(method) + 5 + 9 * total + 1);
	if (pairs == NULL || enc == NULL || canon == NULL || sts == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < na + nb; i++) {
		const struct kv *p = i < na ? &a[i] : &b[i - na];

		if (strcmp(p->name, "Signature") == 0)
			continue;
		pairs[np].n = enc + e;
		pairs[np].nl = pct(enc + e, p->name, strlen(p->name));
		e += pairs[np].nl;
		pairs[np].v = enc + e;
		pairs[np].vl = pct(enc + e, p->value, strlen(p->value));
		e += pairs[np].vl;
		np++;
	}
	qsort(pairs, np, sizeof(*pairs), enc_pair_cmp);
	for (size_t i = 0; i < np; i++) {
		if (i > 0)
			canon[c++] = '&';
		memcpy(canon + c, pairs[i].n, pairs[i].nl);
		c += pairs[i].nl;
		canon[c++] = '=';
		memcpy(canon + c, pairs[i].v, pairs[i].vl);
		c += pairs[i].vl;
	}
	o = (size_t)snprintf(sts, strlen(method) + 6, "%s&%%2F&", method);
	o += pct(sts + o, canon, c);
	r = buf_append(out, sts, o);
out:
	free(pairs);
	free(enc);
	free(canon);
	free(sts);
	return r;
}

/*
 * HMAC-SHA1 (RFC 2104) over two one-shot SHA-1s. OpenSSL 3's HMAC()
 * fetches the digest from its provider on every call, which cost 7 % of a
 * KMS request in profiles; the legacy SHA1() behind hash_sha1 does not.
 */
static bool
hmac_sha1(uint8_t out[static HASH_SHA1_BYTES], const void *key, size_t kl,
    const void *msg, size_t n)
{
	uint8_t k0[64], inner[HASH_SHA1_BYTES], outer[64 + HASH_SHA1_BYTES];
	uint8_t *ibuf;

	memset(k0, 0, sizeof(k0));
	if (kl > sizeof(k0))
		hash_sha1(k0, key, kl);
	else
		memcpy(k0, key, kl);
	ibuf = malloc(64 + n);
	if (ibuf == NULL) {
		/* never compares equal to a real signature */
		memset(out, 0, HASH_SHA1_BYTES);
		sodium_memzero(k0, sizeof(k0));
		return false;
	}
	for (size_t i = 0; i < 64; i++) {
		ibuf[i] = k0[i] ^ 0x36;
		outer[i] = k0[i] ^ 0x5c;
	}
	memcpy(ibuf + 64, msg, n);
	hash_sha1(inner, ibuf, 64 + n);
	memcpy(outer + 64, inner, sizeof(inner));
	hash_sha1(out, outer, sizeof(outer));
	sodium_memzero(ibuf, 64);
	free(ibuf);
	sodium_memzero(k0, sizeof(k0));
	sodium_memzero(outer, sizeof(outer));
	sodium_memzero(inner, sizeof(inner));
	return true;
}

bool
auth_kms_v1_sign(char out[static 29], const char *secret, const char *sts,
    size_t n)
{
	uint8_t mac[HASH_SHA1_BYTES];
	char key[AUTH_AK_MAX + 130];
	size_t kl = strlen(secret);
	bool ok;

	/* KMS: the HMAC key is AccessKeySecret + "&". */
	if (kl + 2 > sizeof(key))
		kl = sizeof(key) - 2;
	memcpy(key, secret, kl);
	key[kl] = '&';
	ok = hmac_sha1(mac, key, kl + 1, sts, n);
	sodium_memzero(key, sizeof(key));
	(void)b64_encode(out, 29, mac, sizeof(mac));
	return ok;
}

/* ---- ACS3 ---- */

struct raw_pair {
	const char	*n;
	const char	*v;
};

static int
raw_pair_cmp(const void *pa, const void *pb)
{
	const struct raw_pair *a = pa, *b = pb;
	int c = strcmp(a->n, b->n);

	return c != 0 ? c : strcmp(a->v, b->v);
}

static int
str_ptr_cmp(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* One "name:v1,v2\n" line: every value of the header, trimmed, sorted. */
static enum err
header_line(const struct auth_kms_input *in, const char *name, size_t nl,
    struct buf *out)
{
	const char **vals = NULL;
	size_t nv = 0;
	enum err r;

	vals = calloc(in->nheaders + 1, sizeof(*vals));
	if (vals == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < in->nheaders; i++)
		if (strlen(in->headers[i].name) == nl &&
		    strncmp(in->headers[i].name, name, nl) == 0)
			vals[nv++] = in->headers[i].value;
	qsort(vals, nv, sizeof(*vals), str_ptr_cmp);
	r = buf_append(out, name, nl);
	if (r == ERR_OK)
		r = buf_putc(out, ':');
	for (size_t i = 0; i < nv && r == ERR_OK; i++) {
		size_t vl = strlen(vals[i]);
		const char *v = str_trim(vals[i], &vl);

		if (i > 0)
			r = buf_putc(out, ',');
		if (r == ERR_OK)
			r = buf_append(out, v, vl);
	}
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	free(vals);
	return r;
}

enum err
auth_kms_acs3_canonical_request(const struct auth_kms_input *in,
    const char *signed_headers, const char *payload_hex, struct buf *out)
{
	struct raw_pair *q = NULL;
	enum err r;

	if (in->nquery > AUTH_ITEMS_MAX || in->nheaders > AUTH_ITEMS_MAX)
		return ERR_ENTITY_TOO_LARGE;
	q = calloc(in->nquery + 1, sizeof(*q));
	if (q == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < in->nquery; i++) {
		q[i].n = in->query[i].name;
		q[i].v = in->query[i].value;
	}
	qsort(q, in->nquery, sizeof(*q), raw_pair_cmp);
	r = buf_puts(out, in->method);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	if (r == ERR_OK)
		r = buf_puts(out, in->path);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	for (size_t i = 0; i < in->nquery && r == ERR_OK; i++) {
		if (i > 0)
			r = buf_putc(out, '&');
		if (r == ERR_OK)
			r = buf_puts(out, q[i].n);
		if (r == ERR_OK)
			r = buf_putc(out, '=');
		if (r == ERR_OK)
			r = url_encode(out, q[i].v, strlen(q[i].v), false);
	}
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	for (const char *p = signed_headers; r == ERR_OK && *p != '\0';) {
		const char *e = strchr(p, ';');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);

		if (l > 0)
			r = header_line(in, p, l, out);
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	if (r == ERR_OK)
		r = buf_puts(out, signed_headers);
	if (r == ERR_OK)
		r = buf_putc(out, '\n');
	if (r == ERR_OK)
		r = buf_puts(out, payload_hex);
	free(q);
	return r;
}

enum err
auth_kms_acs3_string_to_sign(const char *creq, size_t n, struct buf *out)
{
	uint8_t h[HASH_SHA256_BYTES];
	char hex[2 * HASH_SHA256_BYTES + 1];
	enum err r;

	hash_sha256(h, creq, n);
	hex_encode(hex, h, sizeof(h));
	r = buf_puts(out, ACS3_ALGORITHM "\n");
	if (r == ERR_OK)
		r = buf_puts(out, hex);
	return r;
}

void
auth_kms_acs3_sign(char out[static 65], const char *secret, const char *sts,
    size_t n)
{
	uint8_t mac[HASH_SHA256_BYTES];

	hash_hmac_sha256(mac, secret, strlen(secret), sts, n);
	hex_encode(out, mac, sizeof(mac));
}

/* Constant-time equality of two NUL-terminated signatures. */
static bool
sig_equal(const char *want, const char *got)
{
	size_t n = strlen(want);

	return strlen(got) == n && sodium_memcmp(want, got, n) == 0;
}

enum err
auth_kms_verify(const struct auth_kms_input *in,
    const struct auth_kms_parsed *p, const char *secret, struct buf *ret_sts)
{
	struct buf sts, creq;
	char want[65];
	enum err r;

	buf_init(&sts, AUTH_CANON_MAX);
	buf_init(&creq, AUTH_CANON_MAX);
	if (p->kind == AUTH_KMS_V1) {
		r = auth_kms_v1_string_to_sign(in->method, in->query,
		    in->nquery, in->form, in->nform, &sts);
		if (r != ERR_OK)
			goto out;
		if (!auth_kms_v1_sign(want, secret, buf_cstr(&sts), sts.len)) {
			r = ERR_NOMEM;	/* a server fault, not a mismatch */
			goto out;
		}
	} else if (p->kind == AUTH_KMS_ACS3) {
		uint8_t h[HASH_SHA256_BYTES];
		char payload[2 * HASH_SHA256_BYTES + 1];

		hash_sha256(h, in->body != NULL ? in->body : "",
		    in->body != NULL ? in->body_len : 0);
		hex_encode(payload, h, sizeof(h));
		r = auth_kms_acs3_canonical_request(in, p->signed_headers,
		    payload, &creq);
		if (r == ERR_OK)
			r = auth_kms_acs3_string_to_sign(buf_cstr(&creq),
			    creq.len, &sts);
		if (r != ERR_OK)
			goto out;
		auth_kms_acs3_sign(want, secret, buf_cstr(&sts), sts.len);
	} else {
		r = ERR_ANONYMOUS_DENIED;
		goto out;
	}
	r = sig_equal(want, p->signature) ? ERR_OK : ERR_SIGNATURE_MISMATCH;
	if (r == ERR_SIGNATURE_MISMATCH && ret_sts != NULL)
		(void)buf_append(ret_sts, buf_cstr(&sts), sts.len);
out:
	sodium_memzero(want, sizeof(want));
	buf_free(&sts);
	buf_free(&creq);
	return r;
}
