/* SPDX-License-Identifier: ISC */
/*
 * kms_cmk.c: data keys of SSE-KMS objects, wrapped by customer master keys,
 * and each account's default OSS service key.
 *
 * A data key is wrapped with XChaCha20-Poly1305 under the CMK's primary
 * version in format v2 (kms_bind.c): a subkey of the version's material
 * derived from (account, key id, version id), associated data naming the
 * same identity and the extent uuid. The extent stores "cmk:<version id>";
 * storing the version, not the key, is what lets objects written before a
 * rotation open afterwards. Versions flagged legacy_blobs also open data
 * keys wrapped before migration 0006 (raw material, associated data
 * "dek" || uuid || "cmk:<version id>"), so those objects stay readable;
 * new wraps are always v2. The key's
 * state is judged with the business clock at the moment of the call, as the
 * KMS API does: an object whose CMK is Disabled cannot be read until the
 * key is enabled again (OSS KeyDisabled), and once a key is destroyed its
 * objects are unreadable forever. Wrapping and unwrapping never write the
 * database except queued audit rows, so they are safe inside a caller's
 * transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "db/db.h"
#include "kms/kms_int.h"

#define WRAP_PREFIX	"cmk:"

/* dek_open builds both associated data forms in one buffer. */
_Static_assert(KMS_DEK_AD_MAX >= KMS_WRAP_AD_MAX, "dek AD buffer too small");
#define SERVICE_ALIAS	"alias/acs/oss"
#define SERVICE_DESC	"Default master key that protects my OSS data " \
			"when no other key is defined."

/* OSS acts for the object owner; ARNs carry the owner's 16-digit id. */
static enum err
owner_caller(struct kms *k, int64_t account, struct kms_caller *who)
{
	memset(who, 0, sizeof(*who));
	who->account = account;
	who->actor = "oss";
	return kms_db_account_id(k->db, account, who->account_id,
	    sizeof(who->account_id));
}

enum err
kms_cmk_wrap(struct kms *k, int64_t account, const char *cmk_id,
    const uint8_t *uuid, const uint8_t *dek, uint8_t *wrapped,
    size_t *ret_len, char *wrap_key)
{
	struct kms_caller who;
	struct kms_key_row *row;
	struct kms_dek *mat = NULL, *sub = NULL;
	struct kms_binding b = { .purpose = KMS_BIND_DEK };
	uint8_t ad[KMS_DEK_AD_MAX];
	char wk[KMS_WRAP_KEY_MAX];
	enum kms_key_state to;
	enum err r;

	row = malloc(sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	r = owner_caller(k, account, &who);
	if (r == ERR_NOT_FOUND)
		r = ERR_KEY_NOT_FOUND;
	if (r == ERR_OK)
		r = kms_key_resolve(k, &who, cmk_id, kms_now(k), row);
	if (r == ERR_OK)
		r = kms_row_apply(row, KMS_ACT_DATA_KEY_WRAP, &to);
	if (r == ERR_OK && row->primary_sealed_len == 0)
		r = ERR_KEY_PENDING_IMPORT;
	if (r == ERR_OK)
		r = kms_material_open(k, row->m.key_id, row->m.primary_version,
		    row->primary_sealed, row->primary_sealed_len, &mat);
	if (r == ERR_OK) {
		b.account_id = row->m.creator;
		b.key_id = row->m.key_id;
		b.version_id = row->m.primary_version;
		r = kms_bind_subkey(k, mat, &b, &sub);
	}
	if (r == ERR_OK) {
		snprintf(wk, sizeof(wk), WRAP_PREFIX "%s",
		    row->m.primary_version);
		kms_aead_seal(wrapped, sub->key, dek, KMS_MATERIAL_BYTES, ad,
		    kms_bind_dek_ad(ad, &b, uuid));
		*ret_len = KMS_MATERIAL_BYTES + KMS_SEAL_OVERHEAD;
		memcpy(wrap_key, wk, strlen(wk) + 1);
	}
	kms_dek_free(sub);
	kms_dek_free(mat);
	kms_audit_queue(k, "oss", "GenerateDataKey", r == ERR_OK ?
	    row->m.key_id : cmk_id, r, "SSE-KMS data key");
	free(row);
	return r;
}

/* Opens a wrapped data key of row's version with material mat: format v2,
 * and on a legacy version the unbound form. ERR_CORRUPT when neither
 * authenticates. */
static enum err
dek_open(struct kms *k, const struct kms_key_row *row, const char *wrap_key,
    const struct kms_version_row *v, const struct kms_dek *mat,
    const uint8_t *uuid, const uint8_t *wrapped, size_t len, uint8_t *dek)
{
	struct kms_binding b = { KMS_BIND_DEK, row->m.creator, row->m.key_id,
	    wrap_key + strlen(WRAP_PREFIX) };
	struct kms_dek *sub = NULL;
	uint8_t ad[KMS_DEK_AD_MAX];
	enum err r;

	r = kms_bind_subkey(k, mat, &b, &sub);
	if (r != ERR_OK)
		return r;
	r = kms_aead_open(dek, sub->key, wrapped, len, ad,
	    kms_bind_dek_ad(ad, &b, uuid));
	kms_dek_free(sub);
	if (r == ERR_CORRUPT && v->legacy_blobs)
		r = kms_aead_open(dek, mat->key, wrapped, len, ad,
		    kms_wrap_ad(ad, uuid, wrap_key));
	return r;
}

enum err
kms_cmk_unwrap(struct kms *k, int64_t account, const char *wrap_key,
    const uint8_t *uuid, const uint8_t *wrapped, size_t len, uint8_t *dek)
{
	struct kms_key_row *row;
	struct kms_version_row *v;
	struct kms_dek *mat = NULL;
	const char *version;
	enum kms_key_state to;
	enum err r;

	if (!str_has_prefix(wrap_key, WRAP_PREFIX) ||
	    strlen(wrap_key) != strlen(WRAP_PREFIX) + KMS_VERSION_ID_BYTES ||
	    len != KMS_MATERIAL_BYTES + KMS_SEAL_OVERHEAD)
		return ERR_CORRUPT;
	version = wrap_key + strlen(WRAP_PREFIX);
	row = malloc(sizeof(*row));
	v = malloc(sizeof(*v));
	if (row == NULL || v == NULL) {
		free(row);
		free(v);
		return ERR_NOMEM;
	}
	r = kms_db_key_get_by_version(k->db, version, kms_now(k), row, v);
	/* A version that is gone belonged to a destroyed key. */
	if (r == ERR_NOT_FOUND || (r == ERR_OK && (row->account != account ||
	    row->m.state == KMS_KEY_DESTROYED)))
		r = ERR_KEY_NOT_FOUND;
	if (r == ERR_OK)
		r = kms_row_apply(row, KMS_ACT_DATA_KEY_UNWRAP, &to);
	if (r == ERR_OK && v->sealed_len == 0)
		r = ERR_KEY_PENDING_IMPORT;
	if (r == ERR_OK)
		r = kms_material_open(k, row->m.key_id, version, v->sealed,
		    v->sealed_len, &mat);
	if (r == ERR_OK)
		r = dek_open(k, row, wrap_key, v, mat, uuid, wrapped, len, dek);
	kms_dek_free(mat);
	kms_audit_queue(k, "oss", "Decrypt", r == ERR_OK || r ==
	    ERR_CORRUPT ? row->m.key_id : version, r, "SSE-KMS data key");
	free(v);
	free(row);
	return r;
}

enum err
kms_service_key(struct kms *k, int64_t account, char *ret_key_id)
{
	struct kms_key_row *row;
	uint8_t material[KMS_MATERIAL_BYTES];
	uint8_t sealed[KMS_MATERIAL_SEALED];
	char account_id[KMS_ACCOUNT_ID_BYTES];
	int64_t now = kms_now(k);
	bool in_tx = false;
	enum err r;

	row = calloc(1, sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	/* One transaction for look-up and creation: two first uploads racing
	 * serialise on BEGIN IMMEDIATE and the second finds the first's key. */
	r = db_tx_begin(k->db);
	if (r != ERR_OK)
		goto out;
	in_tx = true;
	r = kms_db_key_get_by_alias(k->db, account, SERVICE_ALIAS, now, row);
	if (r == ERR_OK) {
		/* A service key cannot be scheduled for deletion, so it is
		 * never destroyed; if it somehow were, say so. */
		if (row->m.state == KMS_KEY_DESTROYED) {
			r = ERR_KEY_NOT_FOUND;
			goto out;
		}
		db_tx_rollback(k->db);
		in_tx = false;
		memcpy(ret_key_id, row->m.key_id, strlen(row->m.key_id) + 1);
		goto out;
	}
	if (r != ERR_NOT_FOUND)
		goto out;
	r = kms_db_account_id(k->db, account, account_id, sizeof(account_id));
	if (r != ERR_OK)
		goto out;
	kms_uuid(row->m.key_id);
	kms_uuid(row->m.primary_version);
	row->account = account;
	row->stored = row->m.state = KMS_KEY_ENABLED;
	str_copy(row->m.creator, sizeof(row->m.creator), account_id);
	str_copy(row->m.description, sizeof(row->m.description), SERVICE_DESC);
	str_copy(row->m.key_spec, sizeof(row->m.key_spec), "Aliyun_AES_256");
	str_copy(row->m.key_usage, sizeof(row->m.key_usage), "ENCRYPT/DECRYPT");
	str_copy(row->m.origin, sizeof(row->m.origin), "Aliyun_KMS");
	str_copy(row->m.protection_level, sizeof(row->m.protection_level),
	    "SOFTWARE");
	row->m.managed = true;
	row->m.created_ms = row->m.last_rotation_ms = now;
	row->m.has_material = true;
	r = kms_db_key_insert(k->db, row);
	if (r != ERR_OK)
		goto out;
	randombytes_buf(material, sizeof(material));
	kms_material_seal(k, sealed, row->m.key_id, row->m.primary_version,
	    material);
	sodium_memzero(material, sizeof(material));
	r = kms_db_version_insert(k->db, row->id, row->m.primary_version, now,
	    sealed, sizeof(sealed));
	if (r == ERR_OK)
		r = kms_db_alias_insert(k->db, account, SERVICE_ALIAS, row->id,
		    now);
	if (r == ERR_OK)
		r = kms_audit_tx(k, now, "oss", "CreateKey", row->m.key_id,
		    ERR_OK, "service key " SERVICE_ALIAS);
	if (r != ERR_OK)
		goto out;
	r = db_tx_commit(k->db);
	in_tx = false;
	if (r == ERR_OK)
		memcpy(ret_key_id, row->m.key_id, strlen(row->m.key_id) + 1);
out:
	if (in_tx)
		db_tx_rollback(k->db);
	free(row);
	return r;
}

enum err
kms_dek_create(struct kms *k, int64_t account, const char *cmk_id,
    const uint8_t uuid[static KMS_UUID_BYTES], uint8_t *wrapped,
    size_t *ret_wrapped_len, char *wrap_key, struct kms_dek **ret)
{
	uint8_t ad[KMS_WRAP_AD_MAX];
	struct kms_dek *d;
	enum err r;

	d = kms_dek_alloc(k);
	if (d == NULL)
		return ERR_NOMEM;
	crypto_aead_xchacha20poly1305_ietf_keygen(d->key);
	if (cmk_id != NULL) {
		r = kms_cmk_wrap(k, account, cmk_id, uuid, d->key, wrapped,
		    ret_wrapped_len, wrap_key);
		if (r != ERR_OK) {
			kms_dek_free(d);
			return r;
		}
	} else {
		const struct kms_keys *keys;

		memcpy(wrap_key, "oss", 4);
		keys = kms_keys_acquire(k);
		kms_aead_seal(wrapped, keys->oss, d->key, sizeof(d->key), ad,
		    kms_wrap_ad(ad, uuid, wrap_key));
		kms_keys_release(k);
		*ret_wrapped_len = sizeof(d->key) + KMS_SEAL_OVERHEAD;
	}
	*ret = d;
	return ERR_OK;
}

enum err
kms_dek_open(struct kms *k, int64_t account, const char *wrap_key,
    const uint8_t *wrapped, size_t wrapped_len,
    const uint8_t uuid[static KMS_UUID_BYTES], struct kms_dek **ret)
{
	uint8_t ad[KMS_WRAP_AD_MAX];
	struct kms_dek *d;
	enum err r;

	if (strlen(wrap_key) >= KMS_WRAP_KEY_MAX)
		return ERR_CORRUPT;
	d = kms_dek_alloc(k);
	if (d == NULL)
		return ERR_NOMEM;
	if (strcmp(wrap_key, "oss") == 0) {
		const struct kms_keys *keys;

		if (wrapped_len != sizeof(d->key) + KMS_SEAL_OVERHEAD) {
			kms_dek_free(d);
			return ERR_CORRUPT;
		}
		keys = kms_keys_acquire(k);
		r = kms_aead_open(d->key, keys->oss, wrapped, wrapped_len, ad,
		    kms_wrap_ad(ad, uuid, wrap_key));
		kms_keys_release(k);
	} else
		r = kms_cmk_unwrap(k, account, wrap_key, uuid, wrapped,
		    wrapped_len, d->key);
	if (r != ERR_OK) {
		kms_dek_free(d);
		return r;
	}
	*ret = d;
	return ERR_OK;
}
