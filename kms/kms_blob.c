/* SPDX-License-Identifier: ISC */
/*
 * kms_blob.c: Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and
 * ReEncrypt under customer master keys.
 *
 * Blob layout, exactly Alibaba shared KMS's (spec kms-api.md §3.1):
 *   base64( KeyVersionId [36 ASCII] || IV [12] || AES-256-GCM ct || tag [16] )
 * so a blob names the key *version* that made it: rotation never breaks old
 * blobs, and a destroyed key's blobs can never be opened again (its
 * versions are gone). The EncryptionContext is bound as associated data
 * SHA-256("k1=v1&k2=v2"), keys sorted bytewise, as Alibaba's transfer SDK
 * computes it (spec §3.1, inferred); no context, no associated data.
 *
 * CMK material is unsealed per call into a sodium_malloc slot (kms_dek) and
 * wiped on release; plaintext and data keys pass through stack buffers that
 * are wiped before return. Nothing here writes the database except the
 * queued audit rows and, when due, an automatic rotation.
 */
#include <stdlib.h>
#include <string.h>

#include "base/kv.h"
#include "base/str.h"
#include "db/db.h"
#include "kms/kms_int.h"

#define BLOB_HEAD	(KMS_VERSION_ID_BYTES + KMS_GCM_IV_BYTES)
#define BLOB_MIN	(BLOB_HEAD + KMS_GCM_TAG_BYTES)
#define BLOB_RAW_MAX	(BLOB_HEAD + KMS_PLAINTEXT_MAX + KMS_GCM_TAG_BYTES)
/* EncryptionContext: a bound on what we sort and hash per call. */
#define CTX_PAIRS_MAX	64
#define CTX_BYTES_MAX	8192

struct aad {
	uint8_t	hash[crypto_hash_sha256_BYTES];
	size_t	len;		/* 0 (no context) or 32 */
};

static int
kv_name_cmp(const struct kv *a, const struct kv *b)
{
	return strcmp(a->name, b->name);
}

/* The canonical context: pairs sorted by key, "k=v" joined with '&',
 * hashed. Duplicate keys (possible in the flattened EncryptionContext.k=v
 * form) are ERR_INVALID_ARGUMENT rather than a silent pick of one. */
static enum err
context_aad(const struct kv *ctx, size_t n, struct aad *ret)
{
	const struct kv *sorted[CTX_PAIRS_MAX];
	crypto_hash_sha256_state st;
	size_t total = 0;

	ret->len = 0;
	if (n == 0)
		return ERR_OK;
	if (n > CTX_PAIRS_MAX)
		return ERR_INVALID_ARGUMENT;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		total += strlen(ctx[i].name) + strlen(ctx[i].value) + 2;
		/* insertion sort: n is small */
		while (j > 0 && kv_name_cmp(sorted[j - 1], &ctx[i]) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = &ctx[i];
	}
	if (total > CTX_BYTES_MAX)
		return ERR_INVALID_ARGUMENT;
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && kv_name_cmp(sorted[i - 1], sorted[i]) == 0)
			return ERR_INVALID_ARGUMENT;
		if (i > 0)
			crypto_hash_sha256_update(&st, (const uint8_t *)"&", 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)sorted[i]->name,
		    strlen(sorted[i]->name));
		crypto_hash_sha256_update(&st, (const uint8_t *)"=", 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)sorted[i]->value,
		    strlen(sorted[i]->value));
	}
	crypto_hash_sha256_final(&st, ret->hash);
	ret->len = sizeof(ret->hash);
	return ERR_OK;
}

static void
result_fill(struct kms_crypto_result *ret, const char *key_id,
    const char *version_id)
{
	if (ret == NULL)
		return;
	str_copy(ret->key_id, sizeof(ret->key_id), key_id);
	str_copy(ret->version_id, sizeof(ret->version_id), version_id);
}

/* Encrypts plain under key_ref's primary version. */
static enum err
encrypt_under(struct kms *k, const struct kms_caller *who,
    const char *key_ref, enum kms_action action, const struct aad *aad,
    const void *plain, size_t n, char *ret_blob,
    struct kms_crypto_result *ret)
{
	struct kms_key_row *row;
	struct kms_dek *mat = NULL;
	uint8_t raw[BLOB_RAW_MAX];
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
	memcpy(raw, row->m.primary_version, KMS_VERSION_ID_BYTES);
	randombytes_buf(raw + KMS_VERSION_ID_BYTES, KMS_GCM_IV_BYTES);
	crypto_aead_aes256gcm_encrypt(raw + BLOB_HEAD, &clen, plain, n,
	    aad->len ? aad->hash : NULL, aad->len, NULL,
	    raw + KMS_VERSION_ID_BYTES, mat->key);
	if (b64_encode(ret_blob, KMS_BLOB_B64_MAX, raw, BLOB_HEAD + clen) < 0)
		r = ERR_INTERNAL;
	else
		result_fill(ret, row->m.key_id, row->m.primary_version);
out:
	kms_dek_free(mat);
	kms_audit_queue(k, who->actor, kms_action_name(action), r == ERR_OK ?
	    row->m.key_id : key_ref, r, NULL);
	sodium_memzero(raw, BLOB_HEAD + n + KMS_GCM_TAG_BYTES);
	free(row);
	return r;
}

/* Decrypts a blob; out holds KMS_PLAINTEXT_MAX bytes. */
static enum err
decrypt_blob(struct kms *k, const struct kms_caller *who, const char *blob,
    enum kms_action action, const struct aad *aad, uint8_t *out,
    size_t *ret_len, struct kms_crypto_result *ret)
{
	struct kms_key_row *row = NULL;
	struct kms_dek *mat = NULL;
	uint8_t raw[BLOB_RAW_MAX];
	uint8_t sealed[KMS_MATERIAL_SEALED];
	char version[KMS_VERSION_ID_BYTES + 1];
	unsigned long long mlen = 0;
	size_t blen = blob != NULL ? strlen(blob) : 0, slen = 0;
	int64_t created = 0;
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
	if (row == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = kms_db_key_get_by_version(k->db, version, kms_now(k), row, &created,
	    sealed, &slen);
	if (r == ERR_NOT_FOUND || (r == ERR_OK &&
	    (row->account != who->account ||
	    row->m.state == KMS_KEY_DESTROYED)))
		r = ERR_KEY_NOT_FOUND;
	if (r != ERR_OK)
		goto out;
	target = row->m.key_id;
	r = kms_row_apply(row, action, &to);
	if (r == ERR_OK && slen == 0)
		r = ERR_KEY_PENDING_IMPORT;
	if (r == ERR_OK)
		r = kms_material_open(k, row->m.key_id, version, sealed, slen,
		    &mat);
	if (r != ERR_OK)
		goto out;
	if (crypto_aead_aes256gcm_decrypt(out, &mlen, NULL, raw + BLOB_HEAD,
	    (unsigned long long)rawlen - BLOB_HEAD, aad->len ? aad->hash : NULL,
	    aad->len, raw + KMS_VERSION_ID_BYTES, mat->key) != 0) {
		r = ERR_KMS_DECRYPT_FAILED;
		goto out;
	}
	*ret_len = (size_t)mlen;
	result_fill(ret, row->m.key_id, version);
out:
	kms_dek_free(mat);
	kms_audit_queue(k, who->actor, kms_action_name(action), target, r,
	    NULL);
	if (rawlen > 0)
		sodium_memzero(raw, (size_t)rawlen);
	free(row);
	return r;
}

enum err
kms_encrypt(struct kms *k, const struct kms_caller *who, const char *key_ref,
    const struct kv *ctx, size_t nctx, const void *plain, size_t n,
    char *ret_blob, struct kms_crypto_result *ret)
{
	struct aad aad;
	enum err r;

	if (n == 0 || n > KMS_PLAINTEXT_MAX)
		return ERR_INVALID_ARGUMENT;
	r = context_aad(ctx, nctx, &aad);
	if (r != ERR_OK)
		return r;
	return encrypt_under(k, who, key_ref, KMS_ACT_ENCRYPT, &aad, plain, n,
	    ret_blob, ret);
}

enum err
kms_decrypt(struct kms *k, const struct kms_caller *who, const char *blob,
    const struct kv *ctx, size_t nctx, uint8_t *out, size_t *ret_len,
    struct kms_crypto_result *ret)
{
	struct aad aad;
	enum err r;

	r = context_aad(ctx, nctx, &aad);
	if (r != ERR_OK)
		return r;
	return decrypt_blob(k, who, blob, KMS_ACT_DECRYPT, &aad, out, ret_len,
	    ret);
}

enum err
kms_generate_data_key(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const struct kv *ctx, size_t nctx, size_t nbytes,
    char *ret_plain_b64, char *ret_blob, struct kms_crypto_result *ret)
{
	uint8_t key[KMS_DATA_KEY_MAX];
	char b64[KMS_DATA_KEY_B64_MAX];
	struct aad aad;
	int n;
	enum err r;

	if (nbytes == 0 || nbytes > KMS_DATA_KEY_MAX)
		return ERR_INVALID_ARGUMENT;
	r = context_aad(ctx, nctx, &aad);
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
	    KMS_ACT_GENERATE_DATA_KEY_WITHOUT_PLAINTEXT, &aad, b64, (size_t)n,
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
	struct aad src, dst;
	size_t n = 0;
	enum err r;

	r = context_aad(src_ctx, nsrc, &src);
	if (r == ERR_OK)
		r = context_aad(dest_ctx, ndest, &dst);
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
