/* SPDX-License-Identifier: ISC */
/*
 * kms_blob.c: Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and
 * ReEncrypt under customer master keys.
 *
 * Blob layout, exactly Alibaba shared KMS's (spec kms-api.md §3.1):
 *   base64( KeyVersionId [36 ASCII] || IV [12] || AES-256-GCM ct || tag [16] )
 * so a blob names the key *version* that made it: rotation never breaks old
 * blobs, and a destroyed key's blobs can never be opened again (its
 * versions are gone). The clear-text version id only says where to look:
 * what authenticates the blob is format v2 (kms_bind.c), a GCM key derived
 * from the version's material and the (account, key, version) identity,
 * and associated data over that identity and the canonical
 * EncryptionContext. A blob relabelled with another version's id therefore
 * fails even when both versions hold the same imported material.
 *
 * Versions flagged legacy_blobs (they existed before migration 0006) also
 * open the old form: raw material, associated data SHA-256("k1=v1&k2=v2")
 * or none. New blobs are always v2, from legacy versions too.
 *
 * CMK material is unsealed per call into a sodium_malloc slot (kms_dek) and
 * wiped on release; plaintext and data keys pass through stack buffers that
 * are wiped before return. Nothing here writes the database except the
 * queued audit rows and, when due, an automatic rotation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kv.h"
#include "base/str.h"
#include "db/db.h"
#include "kms/kms_int.h"

#define BLOB_HEAD	(KMS_VERSION_ID_BYTES + KMS_GCM_IV_BYTES)
#define BLOB_MIN	(BLOB_HEAD + KMS_GCM_TAG_BYTES)
#define BLOB_RAW_MAX	(BLOB_HEAD + KMS_PLAINTEXT_MAX + KMS_GCM_TAG_BYTES)

static void
result_fill(struct kms_crypto_result *ret, const char *key_id,
    const char *version_id)
{
	if (ret == NULL)
		return;
	str_copy(ret->key_id, sizeof(ret->key_id), key_id);
	str_copy(ret->version_id, sizeof(ret->version_id), version_id);
}

/* Encrypts plain under key_ref's primary version, always in format v2. */
static enum err
encrypt_under(struct kms *k, const struct kms_caller *who,
    const char *key_ref, enum kms_action action, const struct kms_context *ctx,
    const void *plain, size_t n, char *ret_blob,
    struct kms_crypto_result *ret)
{
	struct kms_key_row *row;
	struct kms_dek *mat = NULL, *sub = NULL;
	struct kms_binding b = { .purpose = KMS_BIND_BLOB };
	uint8_t raw[BLOB_RAW_MAX];
	uint8_t ad[KMS_BLOB_AD_BYTES];
	unsigned long long clen = 0;
	enum kms_key_state to;
	enum err r;

	if (n > KMS_PLAINTEXT_MAX)
		return ERR_INVALID_ARGUMENT;
	row = malloc(sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	r = kms_key_resolve(k, who, key_ref, kms_now(k), row);
	if (r == ERR_OK)
		r = kms_row_apply(row, action, &to);
	if (r != ERR_OK)
		goto out;
	kms_rotate_if_due(k, row);
	if (row->primary_sealed_len == 0)
		r = ERR_KEY_PENDING_IMPORT;
	else
		r = kms_material_open(k, row->m.key_id, row->m.primary_version,
		    row->primary_sealed, row->primary_sealed_len, &mat);
	if (r != ERR_OK)
		goto out;
	b.account_id = row->m.creator;
	b.key_id = row->m.key_id;
	b.version_id = row->m.primary_version;
	r = kms_bind_subkey(k, mat, &b, &sub);
	if (r != ERR_OK)
		goto out;
	kms_bind_blob_ad(ad, &b, ctx);
	memcpy(raw, row->m.primary_version, KMS_VERSION_ID_BYTES);
	randombytes_buf(raw + KMS_VERSION_ID_BYTES, KMS_GCM_IV_BYTES);
	crypto_aead_aes256gcm_encrypt(raw + BLOB_HEAD, &clen, plain, n, ad,
	    sizeof(ad), NULL, raw + KMS_VERSION_ID_BYTES, sub->key);
	if (b64_encode(ret_blob, KMS_BLOB_B64_MAX, raw, BLOB_HEAD + clen) < 0)
		r = ERR_INTERNAL;
	else
		result_fill(ret, row->m.key_id, row->m.primary_version);
out:
	kms_dek_free(sub);
	kms_dek_free(mat);
	kms_audit_queue_call(k, who, kms_action_name(action), r == ERR_OK ?
	    row->m.key_id : key_ref, r, NULL);
	sodium_memzero(raw, BLOB_HEAD + n + KMS_GCM_TAG_BYTES);
	free(row);
	return r;
}

/* Opens raw (rawlen bytes, version id first) as a blob of row's version v
 * with its blob subkey sub (format v2), and on a legacy version with its
 * material mat (the unbound form). ERR_KMS_DECRYPT_FAILED when neither
 * authenticates, the answer for a wrong context too: a relabelled blob
 * looks like any blob that does not open. */
static enum err
blob_open(const struct kms_key_row *row, const char *version,
    const struct kms_version_row *v, const struct kms_dek *mat,
    const struct kms_dek *sub, const struct kms_context *ctx,
    const uint8_t *raw, size_t rawlen, uint8_t *out,
    unsigned long long *ret_len)
{
	struct kms_binding b = { KMS_BIND_BLOB, row->m.creator, row->m.key_id,
	    version };
	uint8_t ad[KMS_BLOB_AD_BYTES];
	size_t adlen;
	int rc;

	kms_bind_blob_ad(ad, &b, ctx);
	rc = crypto_aead_aes256gcm_decrypt(out, ret_len, NULL, raw + BLOB_HEAD,
	    rawlen - BLOB_HEAD, ad, sizeof(ad), raw + KMS_VERSION_ID_BYTES,
	    sub->key);
	if (rc != 0 && v->legacy_blobs) {
		adlen = kms_bind_blob_ad_legacy(ad, ctx);
		rc = crypto_aead_aes256gcm_decrypt(out, ret_len, NULL,
		    raw + BLOB_HEAD, rawlen - BLOB_HEAD, adlen ? ad : NULL,
		    adlen, raw + KMS_VERSION_ID_BYTES, mat->key);
	}
	return rc == 0 ? ERR_OK : ERR_KMS_DECRYPT_FAILED;
}

/* Decrypts a blob; out holds KMS_PLAINTEXT_MAX bytes. */
static enum err
decrypt_blob(struct kms *k, const struct kms_caller *who, const char *blob,
    enum kms_action action, const struct kms_context *ctx, uint8_t *out,
    size_t *ret_len, struct kms_crypto_result *ret)
{
	struct kms_key_row *row = NULL;
	struct kms_version_row *v = NULL;
	struct kms_dek *mat = NULL, *sub = NULL;
	uint8_t raw[BLOB_RAW_MAX];
	char version[KMS_VERSION_ID_BYTES + 1];
	unsigned long long mlen = 0;
	size_t blen = blob != NULL ? strlen(blob) : 0;
	enum kms_key_state to;
	const char *target = "";
	int rawlen;
	enum err r;

	rawlen = blen < KMS_BLOB_B64_MAX ?
	    b64_decode(raw, sizeof(raw), blob, blen) : -1;
	if (rawlen < BLOB_MIN) {
		r = ERR_KMS_INVALID_CIPHERTEXT;
		goto out;
	}
	memcpy(version, raw, KMS_VERSION_ID_BYTES);
	version[KMS_VERSION_ID_BYTES] = '\0';
	/* The version id is the blob's only clear-text field: insist on
	 * UUID characters before it reaches a query or a log. */
	for (size_t i = 0; i < KMS_VERSION_ID_BYTES; i++)
		if (!((version[i] >= '0' && version[i] <= '9') ||
		    (version[i] >= 'a' && version[i] <= 'f') ||
		    version[i] == '-')) {
			r = ERR_KMS_INVALID_CIPHERTEXT;
			goto out;
		}
	target = version;
	row = malloc(sizeof(*row));
	v = malloc(sizeof(*v));
	if (row == NULL || v == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = kms_version_load(k, who->state_kms, version, kms_now(k), row, v,
	    &mat, &sub);
	if (r == ERR_NOT_FOUND || (r == ERR_OK &&
	    (row->account != who->account ||
	    row->m.state == KMS_KEY_DESTROYED)))
		r = ERR_KEY_NOT_FOUND;
	if (r != ERR_OK)
		goto out;
	target = row->m.key_id;
	r = kms_row_apply(row, action, &to);
	if (r == ERR_OK && v->sealed_len == 0)
		r = ERR_KEY_PENDING_IMPORT;
	if (r == ERR_OK && mat == NULL)
		r = ERR_CORRUPT;
	if (r == ERR_OK)
		r = blob_open(row, version, v, mat, sub, ctx, raw,
		    (size_t)rawlen, out, &mlen);
	if (r != ERR_OK)
		goto out;
	*ret_len = (size_t)mlen;
	result_fill(ret, row->m.key_id, version);
out:
	kms_dek_free(sub);
	kms_dek_free(mat);
	kms_audit_queue_call(k, who, kms_action_name(action), target, r,
	    NULL);
	if (rawlen > 0)
		sodium_memzero(raw, (size_t)rawlen);
	free(v);
	free(row);
	return r;
}

enum err
kms_encrypt(struct kms *k, const struct kms_caller *who, const char *key_ref,
    const struct kv *ctx, size_t nctx, const void *plain, size_t n,
    char *ret_blob, struct kms_crypto_result *ret)
{
	struct kms_context c;
	enum err r;

	if (n == 0 || n > KMS_PLAINTEXT_MAX)
		return ERR_INVALID_ARGUMENT;
	r = kms_context_canon(ctx, nctx, &c);
	if (r != ERR_OK)
		return r;
	return encrypt_under(k, who, key_ref, KMS_ACT_ENCRYPT, &c, plain, n,
	    ret_blob, ret);
}

enum err
kms_decrypt(struct kms *k, const struct kms_caller *who, const char *blob,
    const struct kv *ctx, size_t nctx, uint8_t *out, size_t *ret_len,
    struct kms_crypto_result *ret)
{
	struct kms_context c;
	enum err r;

	r = kms_context_canon(ctx, nctx, &c);
	if (r != ERR_OK)
		return r;
	return decrypt_blob(k, who, blob, KMS_ACT_DECRYPT, &c, out, ret_len,
	    ret);
}

enum err
kms_generate_data_key(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const struct kv *ctx, size_t nctx, size_t nbytes,
    char *ret_plain_b64, char *ret_blob, struct kms_crypto_result *ret)
{
	uint8_t key[KMS_DATA_KEY_MAX];
	char b64[KMS_DATA_KEY_B64_MAX];
	struct kms_context c;
	int n;
	enum err r;

	if (nbytes == 0 || nbytes > KMS_DATA_KEY_MAX)
		return ERR_INVALID_ARGUMENT;
	r = kms_context_canon(ctx, nctx, &c);
	if (r != ERR_OK)
		return r;
	randombytes_buf(key, nbytes);
	n = b64_encode(b64, sizeof(b64), key, nbytes);
	sodium_memzero(key, sizeof(key));
	if (n < 0)
		return ERR_INTERNAL;
	/* KMS: the blob holds the base64 text of the key, so Decrypt hands
	 * back exactly the Plaintext GenerateDataKey returned (spec §1.2). */
	r = encrypt_under(k, who, key_ref, ret_plain_b64 != NULL ?
	    KMS_ACT_GENERATE_DATA_KEY :
	    KMS_ACT_GENERATE_DATA_KEY_WITHOUT_PLAINTEXT, &c, b64, (size_t)n,
	    ret_blob, ret);
	if (r == ERR_OK && ret_plain_b64 != NULL)
		memcpy(ret_plain_b64, b64, (size_t)n + 1);
	sodium_memzero(b64, sizeof(b64));
	return r;
}

enum err
kms_reencrypt(struct kms *k, const struct kms_caller *who, const char *blob,
    const struct kv *src_ctx, size_t nsrc, const char *dest_ref,
    const struct kv *dest_ctx, size_t ndest, char *ret_blob,
    struct kms_crypto_result *ret_dest, struct kms_crypto_result *ret_src)
{
	uint8_t plain[KMS_PLAINTEXT_MAX];
	struct kms_context src, dst;
	size_t n = 0;
	enum err r;

	r = kms_context_canon(src_ctx, nsrc, &src);
	if (r == ERR_OK)
		r = kms_context_canon(dest_ctx, ndest, &dst);
	if (r != ERR_OK)
		return r;
	r = decrypt_blob(k, who, blob, KMS_ACT_REENCRYPT_SOURCE, &src, plain,
	    &n, ret_src);
	if (r == ERR_OK)
		r = encrypt_under(k, who, dest_ref, KMS_ACT_REENCRYPT_DEST, &dst,
		    plain, n, ret_blob, ret_dest);
	sodium_memzero(plain, sizeof(plain));
	return r;
}

enum err
kms_key_refuse_legacy(struct kms *k, const struct kms_caller *who,
    const char *key_ref, unsigned *ret_n)
{
	struct kms_key_row *row;
	const char *target = key_ref;
	char detail[32];
	unsigned n = 0;
	int64_t now = kms_now(k);
	bool in_tx = false;
	enum err r;

	row = malloc(sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	/* No cell of the state table: this changes no key state and only
	 * narrows what opens, so every state may do it. The UPDATE only
	 * moves 1 to 0, which makes it its own compare-and-set. */
	r = db_tx_begin(k->db);
	if (r != ERR_OK)
		goto out;
	in_tx = true;
	r = kms_key_resolve(k, who, key_ref, now, row);
	if (r != ERR_OK)
		goto out;
	target = row->m.key_id;
	r = kms_db_versions_refuse_legacy(k->db, row->id, &n);
	if (r != ERR_OK)
		goto out;
	snprintf(detail, sizeof(detail), "versions=%u", n);
	r = kms_audit_tx(k, now, who->actor, "RefuseLegacyCiphertexts",
	    target, ERR_OK, detail);
	if (r != ERR_OK)
		goto out;
	r = db_tx_commit(k->db);
	in_tx = false;
	if (r == ERR_OK)
		*ret_n = n;
out:
	if (in_tx)
		db_tx_rollback(k->db);
	free(row);
	return r;
}
