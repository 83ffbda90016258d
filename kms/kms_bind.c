/* SPDX-License-Identifier: ISC */
/*
 * kms_bind.c: what a ciphertext made under a CMK version is bound to, and
 * the canonical form of an EncryptionContext.
 *
 * Format v2, used for every ciphertext made since migration 0006 (KMS
 * blobs and the data keys of SSE-KMS objects alike), lp(x) being
 * u32 big-endian length || x:
 *
 *   binding = lp(tag) || lp(account id) || lp(key id) || lp(version id)
 *             tag "coffer/kms/blob/v2" (blobs) or "coffer/kms/dek/v2"
 *   subkey  = HKDF-Expand-SHA-256(PRK = version material, info = binding)
 *   blob AD = SHA-256(binding || context)
 *   dek AD  = binding || extent uuid
 *   context = u32 n || lp(key 1) || lp(value 1) || ... (keys sorted bytewise)
 *
 * The AD is what makes a blob relabelled with another version's id fail
 * even when both versions hold the same imported material. The subkey adds
 * key separation: raw material used to serve two AEADs at once (AES-256-GCM
 * for blobs, XChaCha20-Poly1305 for data keys), and with the identity in
 * the key a format that forgot its AD would still not cross keys.
 *
 * The legacy forms (raw material; blob AD SHA-256("k1=v1&k2=v2") or none;
 * dek AD "dek" || uuid || "cmk:<version>") are computed here only to read
 * what versions flagged legacy_blobs made before the migration.
 */
#include <assert.h>
#include <string.h>

#include "base/kv.h"
#include "kms/kms_int.h"

/* A bound on what is sorted and hashed per call. */
#define CTX_BYTES_MAX	8192

static const char *const bind_tags[] = {
	[KMS_BIND_BLOB] = "coffer/kms/blob/v2",
	[KMS_BIND_DEK] = "coffer/kms/dek/v2",
};

static size_t
put_lp(uint8_t *out, const char *s, size_t n)
{
	out[0] = (uint8_t)(n >> 24);
	out[1] = (uint8_t)(n >> 16);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	memcpy(out + 4, s, n);
	return 4 + n;
}

static size_t
binding_encode(uint8_t out[static KMS_BINDING_MAX],
    const struct kms_binding *b)
{
	const char *tag = bind_tags[b->purpose];
	size_t al = strlen(b->account_id), kl = strlen(b->key_id);
	size_t vl = strlen(b->version_id), o = 0;

	assert(al < KMS_ACCOUNT_ID_BYTES && kl < KMS_KEY_ID_MAX &&
	    vl <= KMS_VERSION_ID_BYTES);
	o += put_lp(out + o, tag, strlen(tag));
	o += put_lp(out + o, b->account_id, al);
	o += put_lp(out + o, b->key_id, kl);
	o += put_lp(out + o, b->version_id, vl);
	return o;
}

enum err
kms_context_canon(const struct kv *ctx, size_t n, struct kms_context *ret)
{
	size_t total = 0;

	ret->n = 0;
	if (n > KMS_CONTEXT_PAIRS_MAX)
		return ERR_INVALID_ARGUMENT;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		total += strlen(ctx[i].name) + strlen(ctx[i].value);
		/* insertion sort: n is small. strcmp orders as unsigned
		 * char, i.e. bytewise. */
		while (j > 0 && strcmp(ret->pairs[j - 1]->name,
		    ctx[i].name) > 0) {
			ret->pairs[j] = ret->pairs[j - 1];
			j--;
		}
		ret->pairs[j] = &ctx[i];
	}
	if (total > CTX_BYTES_MAX)
		return ERR_INVALID_ARGUMENT;
	/* Duplicate keys (possible in the flattened EncryptionContext.k=v
	 * form) are refused rather than silently resolved to one. */
	for (size_t i = 1; i < n; i++)
		if (strcmp(ret->pairs[i - 1]->name, ret->pairs[i]->name) == 0)
			return ERR_INVALID_ARGUMENT;
	ret->n = n;
	return ERR_OK;
}

static void
hash_lp(crypto_hash_sha256_state *st, const char *s)
{
	size_t n = strlen(s);
	uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16),
	    (uint8_t)(n >> 8), (uint8_t)n };

	crypto_hash_sha256_update(st, len, sizeof(len));
	crypto_hash_sha256_update(st, (const uint8_t *)s, n);
}

void
kms_bind_blob_ad(uint8_t ad[static KMS_BLOB_AD_BYTES],
    const struct kms_binding *b, const struct kms_context *c)
{
	uint8_t bind[KMS_BINDING_MAX];
	uint8_t count[4] = { (uint8_t)(c->n >> 24), (uint8_t)(c->n >> 16),
	    (uint8_t)(c->n >> 8), (uint8_t)c->n };
	crypto_hash_sha256_state st;

	assert(b->purpose == KMS_BIND_BLOB);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, bind, binding_encode(bind, b));
	crypto_hash_sha256_update(&st, count, sizeof(count));
	for (size_t i = 0; i < c->n; i++) {
		hash_lp(&st, c->pairs[i]->name);
		hash_lp(&st, c->pairs[i]->value);
	}
	crypto_hash_sha256_final(&st, ad);
}

size_t
kms_bind_blob_ad_legacy(uint8_t ad[static KMS_BLOB_AD_BYTES],
    const struct kms_context *c)
{
	crypto_hash_sha256_state st;

	if (c->n == 0)
		return 0;
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < c->n; i++) {
		const struct kv *p = c->pairs[i];

		if (i > 0)
			crypto_hash_sha256_update(&st, (const uint8_t *)"&", 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)p->name,
		    strlen(p->name));
		crypto_hash_sha256_update(&st, (const uint8_t *)"=", 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)p->value,
		    strlen(p->value));
	}
	crypto_hash_sha256_final(&st, ad);
	return KMS_BLOB_AD_BYTES;
}

size_t
kms_bind_dek_ad(uint8_t ad[static KMS_DEK_AD_MAX],
    const struct kms_binding *b, const uint8_t *uuid)
{
	size_t n;

	assert(b->purpose == KMS_BIND_DEK);
	n = binding_encode(ad, b);
	memcpy(ad + n, uuid, KMS_UUID_BYTES);
	return n + KMS_UUID_BYTES;
}

enum err
kms_bind_subkey(struct kms *k, const struct kms_dek *material,
    const struct kms_binding *b, struct kms_dek **ret)
{
	static const uint8_t counter = 1;
	uint8_t info[KMS_BINDING_MAX];
	crypto_auth_hmacsha256_state st;
	struct kms_dek *d;

	d = kms_dek_alloc(k);
	if (d == NULL)
		return ERR_NOMEM;
	/* HKDF-Expand (RFC 5869), one block: material is a full 256-bit
	 * key, so it serves as the PRK without an Extract step (libsodium
	 * 1.0.18 has no crypto_kdf_hkdf_*). */
	crypto_auth_hmacsha256_init(&st, material->key, KMS_MATERIAL_BYTES);
	crypto_auth_hmacsha256_update(&st, info, binding_encode(info, b));
	crypto_auth_hmacsha256_update(&st, &counter, 1);
	crypto_auth_hmacsha256_final(&st, d->key);
	sodium_memzero(&st, sizeof(st));
	*ret = d;
	return ERR_OK;
}
