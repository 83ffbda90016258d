/* SPDX-License-Identifier: ISC */
/*
 * kms_import.c: BYOK for EXTERNAL keys (spec kms-api.md §1.4):
 * GetParametersForImport, ImportKeyMaterial, DeleteKeyMaterial.
 *
 * libsodium has no RSA (spec §6), so the wrapping keys come from OpenSSL
 * libcrypto, used here and nowhere else, for RSA only: a fresh RSA-2048 key
 * pair per GetParametersForImport, its public half returned as base64 DER
 * SubjectPublicKeyInfo, its private half stored sealed (associated data
 * "imp" || token) next to a token valid 24 hours and bound to the key.
 * ImportKeyMaterial unwraps with the algorithm the token was issued for:
 * RSAES_PKCS1_V1_5, RSAES_OAEP_SHA_1, or RSAES_OAEP_SHA_256 (SHA-256 for the
 * OAEP hash and for MGF1, as the vendor's Java sample does).
 *
 * Only 32-byte material is accepted (Aliyun_AES_256). A keyed fingerprint
 * of the first material imported stays with the key, even after
 * DeleteKeyMaterial, so a later import is accepted only with the same
 * material (compared in constant time), as Alibaba requires.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/str.h"
#include "db/db.h"
#include "kms/kms_int.h"

#define TOKEN_RANDOM_BYTES	48
#define TOKEN_TTL_MS		(24 * CLOCK_HOUR_MS)
#define RSA_BITS		2048
#define RSA_BYTES		(RSA_BITS / 8)
#define PRIV_DER_MAX		2048	/* an RSA-2048 private key is ~1.2 KB */
#define PRIV_SEALED_MAX		(PRIV_DER_MAX + KMS_SEAL_OVERHEAD)

static bool
algorithm_valid(const char *a)
{
	return a != NULL && (strcmp(a, "RSAES_PKCS1_V1_5") == 0 ||
	    strcmp(a, "RSAES_OAEP_SHA_1") == 0 ||
	    strcmp(a, "RSAES_OAEP_SHA_256") == 0);
}

size_t
kms_token_ad(uint8_t ad[static KMS_TOKEN_AD_MAX], const char *token)
{
	size_t n = strnlen(token, KMS_IMPORT_TOKEN_MAX - 1);

	memcpy(ad, "imp", 3);
	memcpy(ad + 3, token, n);
	return 3 + n;
}

/* A fresh RSA-2048 pair: SPKI base64 into pub_b64, the private key DER
 * into priv (PRIV_DER_MAX, sodium_malloc'd by the caller). */
static enum err
rsa_new(char *pub_b64, size_t pub_cap, uint8_t *priv, size_t *ret_priv_len)
{
	EVP_PKEY *pk = NULL;
	unsigned char *der = NULL, *p;
	int n;
	enum err r = ERR_INTERNAL;

	pk = EVP_RSA_gen(RSA_BITS);
	if (pk == NULL)
		goto out;
	n = i2d_PUBKEY(pk, &der);
	if (n <= 0 || b64_encode(pub_b64, pub_cap, der, (size_t)n) < 0)
		goto out;
	n = i2d_PrivateKey(pk, NULL);
	if (n <= 0 || n > PRIV_DER_MAX)
		goto out;
	p = priv;
	if (i2d_PrivateKey(pk, &p) != n)
		goto out;
	*ret_priv_len = (size_t)n;
	r = ERR_OK;
out:
	OPENSSL_free(der);
	EVP_PKEY_free(pk);	/* clears the private numbers */
	return r;
}

struct token_arg {
	const char	*token;
	const char	*algorithm;
	const uint8_t	*sealed;
	size_t		 sealed_len;
	int64_t		 expire_ms;
};

static enum err
apply_token(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct token_arg *t = arg;

	(void)now;
	(void)nrow;
	return kms_db_token_insert(k->db, t->token, old->id, t->algorithm,
	    t->sealed, t->sealed_len, t->expire_ms);
}

enum err
kms_import_params_get(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *algorithm, const char *key_spec,
    struct kms_import_params *ret)
{
	struct kms_import_params out;
	struct kms_key_row *row = NULL;
	uint8_t *priv = NULL, *sealed = NULL;
	uint8_t rnd[TOKEN_RANDOM_BYTES];
	uint8_t ad[KMS_TOKEN_AD_MAX];
	size_t priv_len = 0;
	enum kms_key_state to;
	struct token_arg t;
	struct kms_change ch = {
		.action = KMS_ACT_GET_PARAMETERS_FOR_IMPORT,
		.apply = apply_token,
		.arg = &t,
		.detail = algorithm,
	};
	enum err r;

	if (!algorithm_valid(algorithm) || key_spec == NULL ||
	    strcmp(key_spec, "RSA_2048") != 0)
		return ERR_INVALID_ARGUMENT;
	memset(&out, 0, sizeof(out));
	row = malloc(sizeof(*row));
	priv = sodium_malloc(PRIV_DER_MAX);
	sealed = malloc(PRIV_SEALED_MAX);
	if (row == NULL || priv == NULL || sealed == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* Refuse early, before spending ~100 ms on a key pair; the runner
	 * decides again inside its transaction. */
	r = kms_key_resolve(k, who, key_ref, kms_now(k), row);
	if (r == ERR_OK)
		r = kms_row_apply(row, KMS_ACT_GET_PARAMETERS_FOR_IMPORT, &to);
	if (r != ERR_OK)
		goto out;
	r = rsa_new(out.public_key_b64, sizeof(out.public_key_b64), priv,
	    &priv_len);
	if (r != ERR_OK)
		goto out;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out.token, sizeof(out.token), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	(void)kms_seal(k, sealed, priv, priv_len, ad, kms_token_ad(ad, out.token));
	t.token = out.token;
	t.algorithm = algorithm;
	t.sealed = sealed;
	t.sealed_len = priv_len + KMS_SEAL_OVERHEAD;
	t.expire_ms = kms_now(k) + TOKEN_TTL_MS;
	r = kms_change_run(k, who, key_ref, &ch);
	if (r != ERR_OK)
		goto out;
	str_copy(out.key_id, sizeof(out.key_id), row->m.key_id);
	out.expire_ms = t.expire_ms;
	*ret = out;
out:
	sodium_free(priv);	/* wipes */
	free(sealed);
	free(row);
	return r;
}

/* Unwraps the material with the token's private key. ERR_KMS_INVALID_KEY_MATERIAL
 * when it does not decrypt or is not KMS_MATERIAL_BYTES long. */
static enum err
rsa_unwrap(struct kms *k, const char *token, const char *algorithm,
    const uint8_t *sealed, size_t sealed_len, const uint8_t *wrapped,
    size_t wrapped_len, uint8_t material[static KMS_MATERIAL_BYTES])
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t *priv = NULL, *plain = NULL;
	uint8_t ad[KMS_TOKEN_AD_MAX];
	const unsigned char *p;
	size_t priv_len, outlen = RSA_BYTES;
	enum err r = ERR_KMS_INVALID_KEY_MATERIAL;

	if (sealed_len <= KMS_SEAL_OVERHEAD || sealed_len > PRIV_SEALED_MAX)
		return ERR_CORRUPT;
	priv_len = sealed_len - KMS_SEAL_OVERHEAD;
	priv = sodium_malloc(PRIV_DER_MAX);
	plain = sodium_malloc(RSA_BYTES);
	if (priv == NULL || plain == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (kms_unseal(k, priv, sealed, sealed_len, ad, kms_token_ad(ad, token)) !=
	    ERR_OK) {
		r = ERR_CORRUPT;
		goto out;
	}
	p = priv;
	pk = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, (long)priv_len);
	if (pk == NULL) {
		r = ERR_CORRUPT;
		goto out;
	}
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	if (ctx == NULL || EVP_PKEY_decrypt_init(ctx) <= 0) {
		r = ERR_INTERNAL;
		goto out;
	}
	if (strcmp(algorithm, "RSAES_PKCS1_V1_5") == 0) {
		if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
			goto out;
	} else {
		const EVP_MD *md = strcmp(algorithm, "RSAES_OAEP_SHA_256") == 0 ?
		    EVP_sha256() : EVP_sha1();

		if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0)
			goto out;
	}
	if (wrapped_len != RSA_BYTES ||
	    EVP_PKEY_decrypt(ctx, plain, &outlen, wrapped, wrapped_len) <= 0 ||
	    outlen != KMS_MATERIAL_BYTES)
		goto out;
	memcpy(material, plain, KMS_MATERIAL_BYTES);
	r = ERR_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	sodium_free(priv);
	sodium_free(plain);
	return r;
}

/* A keyed fingerprint of material, bound to the key id: it proves "the
 * same material" without keeping the material itself. */
static void
material_fp(struct kms *k, uint8_t fp[static KMS_MAC_BYTES],
    const char *key_id, const uint8_t *material)
{
	uint8_t buf[5 + KMS_KEY_ID_MAX + KMS_MATERIAL_BYTES];
	size_t kl = strnlen(key_id, KMS_KEY_ID_MAX - 1);

	memcpy(buf, "cmkfp", 5);
	memcpy(buf + 5, key_id, kl);
	memcpy(buf + 5 + kl, material, KMS_MATERIAL_BYTES);
	kms_mac(k, fp, buf, 5 + kl + KMS_MATERIAL_BYTES);
	sodium_memzero(buf, sizeof(buf));
}

struct import_arg {
	const uint8_t	*material;
	int64_t		 expire_ms;
};

static enum err
apply_import(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct import_arg *a = arg;
	uint8_t fp[KMS_MAC_BYTES];
	uint8_t sealed[KMS_MATERIAL_SEALED];
	enum err r;

	(void)now;
	material_fp(k, fp, old->m.key_id, a->material);
	/* KMS: re-import (after expiry or deletion, or to change the
	 * expiry) must bring the very same material. */
	if (old->has_fp && crypto_verify_32(fp, old->fp) != 0)
		return ERR_KMS_INVALID_KEY_MATERIAL;
	kms_material_seal(k, sealed, old->m.key_id, old->m.primary_version,
	    a->material);
	r = kms_db_version_set_material(k->db, old->id, old->m.primary_version,
	    sealed, sizeof(sealed));
	sodium_memzero(sealed, sizeof(sealed));
	if (r != ERR_OK)
		return r;
	memcpy(nrow->fp, fp, sizeof(fp));
	nrow->has_fp = true;
	nrow->m.material_expire_ms = a->expire_ms;
	nrow->m.has_material = true;
	return ERR_OK;
}

enum err
kms_import_material(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *token, const char *encrypted_b64,
    int64_t expire_unix_s)
{
	struct kms_key_row *row = NULL;
	uint8_t *sealed = NULL;
	uint8_t wrapped[2 * RSA_BYTES];
	struct kms_dek *mat = NULL;
	char alg[32];
	int64_t token_key = 0, token_expire = 0, now = kms_now(k);
	size_t sealed_len = 0;
	enum kms_key_state to;
	struct import_arg a;
	struct kms_change ch = {
		.action = KMS_ACT_IMPORT_KEY_MATERIAL,
		.apply = apply_import,
		.arg = &a,
		.write_row = true,
		.detail = "material imported",
	};
	int wlen;
	enum err r;

	/* KMS: KeyMaterialExpireUnix 0/absent = never, else not in the
	 * past. */
	if (expire_unix_s < 0 || (expire_unix_s != 0 &&
	    expire_unix_s * 1000 <= now))
		return ERR_INVALID_ARGUMENT;
	row = malloc(sizeof(*row));
	sealed = malloc(PRIV_SEALED_MAX);
	mat = kms_dek_alloc(k);
	if (row == NULL || sealed == NULL || mat == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = kms_key_resolve(k, who, key_ref, now, row);
	if (r == ERR_OK)
		r = kms_row_apply(row, KMS_ACT_IMPORT_KEY_MATERIAL, &to);
	if (r != ERR_OK)
		goto out;
	if (token == NULL || strlen(token) >= KMS_IMPORT_TOKEN_MAX) {
		r = ERR_KMS_INVALID_IMPORT_TOKEN;
		goto out;
	}
	r = kms_db_token_get(k->db, token, &token_key, alg, sealed,
	    PRIV_SEALED_MAX, &sealed_len, &token_expire);
	/* A token of another key is as unknown as a made-up one. */
	if (r == ERR_NOT_FOUND || (r == ERR_OK && token_key != row->id))
		r = ERR_KMS_INVALID_IMPORT_TOKEN;
	else if (r == ERR_OK && (now >= token_expire || sealed_len == 0))
		r = ERR_KMS_EXPIRED_IMPORT_TOKEN;
	if (r != ERR_OK)
		goto out;
	wlen = encrypted_b64 != NULL && strlen(encrypted_b64) < 2 * sizeof(wrapped) ?
	    b64_decode(wrapped, sizeof(wrapped), encrypted_b64,
	    strlen(encrypted_b64)) : -1;
	if (wlen <= 0) {
		r = ERR_KMS_INVALID_KEY_MATERIAL;
		goto out;
	}
	r = rsa_unwrap(k, token, alg, sealed, sealed_len, wrapped,
	    (size_t)wlen, mat->key);
	if (r != ERR_OK)
		goto out;
	a.material = mat->key;
	a.expire_ms = expire_unix_s * 1000;
	r = kms_change_run(k, who, key_ref, &ch);
out:
	kms_dek_free(mat);
	free(sealed);
	free(row);
	return r;
}

enum err
kms_import_material_raw(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const uint8_t *material, size_t n,
    int64_t expire_unix_s)
{
	struct kms_dek *mat;
	struct import_arg a;
	struct kms_change ch = {
		.action = KMS_ACT_IMPORT_KEY_MATERIAL,
		.apply = apply_import,
		.arg = &a,
		.write_row = true,
		.detail = "material imported (cli)",
	};
	enum err r;

	if (n != KMS_MATERIAL_BYTES)
		return ERR_KMS_INVALID_KEY_MATERIAL;
	if (expire_unix_s < 0 || (expire_unix_s != 0 &&
	    expire_unix_s * 1000 <= kms_now(k)))
		return ERR_INVALID_ARGUMENT;
	mat = kms_dek_alloc(k);
	if (mat == NULL)
		return ERR_NOMEM;
	memcpy(mat->key, material, KMS_MATERIAL_BYTES);
	a.material = mat->key;
	a.expire_ms = expire_unix_s * 1000;
	r = kms_change_run(k, who, key_ref, &ch);
	kms_dek_free(mat);
	return r;
}

static enum err
apply_delete_material(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	enum err r;

	(void)now;
	(void)arg;
	r = kms_db_version_set_material(k->db, old->id, old->m.primary_version,
	    NULL, 0);
	if (r != ERR_OK)
		return r;
	nrow->m.material_expire_ms = 0;
	nrow->m.has_material = false;
	/* Deleting from an expired Enabled/Disabled key: stored state too. */
	if (nrow->m.state == KMS_KEY_PENDING_IMPORT)
		nrow->stored = KMS_KEY_PENDING_IMPORT;
	return ERR_OK;
}

enum err
kms_material_delete(struct kms *k, const struct kms_caller *who,
    const char *key_ref)
{
	struct kms_change ch = {
		.action = KMS_ACT_DELETE_KEY_MATERIAL,
		.apply = apply_delete_material,
		.write_row = true,
	};

	return kms_change_run(k, who, key_ref, &ch);
}
