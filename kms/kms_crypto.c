/* SPDX-License-Identifier: ISC */
/*
 * kms_crypto.c: the root-key layer: sealing secrets, row MACs, and the
 * slots and chunk AEAD of per-extent data keys.
 *
 * Data keys are XChaCha20-Poly1305 keys in sodium_malloc slots recycled
 * through a small free list: a fresh sodium_malloc per object would cost
 * three pages and two mprotect calls on every PUT and GET.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "db/db.h"
#include "kms/kms_int.h"

#define DEK_FREE_MAX 64

const struct kms_keys *
kms_keys_acquire(struct kms *k)
{
	pthread_mutex_lock(&k->keys_lock);
	if (!k->keys_readable) {
		sodium_mprotect_readonly(k->keys);
		k->keys_readable = true;
	}
	k->keys_users++;
	k->keys_used = true;
	pthread_mutex_unlock(&k->keys_lock);
	return k->keys;
}

/*
 * The region goes back to PROT_NOACCESS lazily (kms_keys_idle), not at
 * every release: mprotect on a multi-threaded process is a TLB shootdown
 * on every core, and doing it twice per request cost the KMS listener a
 * fifth of its CPU plus a lock convoy behind the syscall (measured: 16 k
 * against 40 k+ Decrypt/s). Under load the keys stay mapped read-only;
 * once idle they are unmapped within two housekeeping periods.
 */
void
kms_keys_release(struct kms *k)
{
	pthread_mutex_lock(&k->keys_lock);
	k->keys_users--;
	pthread_mutex_unlock(&k->keys_lock);
}

void
kms_keys_idle(struct kms *k)
{
	pthread_mutex_lock(&k->keys_lock);
	if (k->keys_readable && k->keys_users == 0 && !k->keys_used) {
		sodium_mprotect_noaccess(k->keys);
		k->keys_readable = false;
	}
	k->keys_used = false;
	pthread_mutex_unlock(&k->keys_lock);
}

void
kms_aead_seal(uint8_t *out, const uint8_t *key, const void *in, size_t n,
    const void *ad, size_t adlen)
{
	uint8_t *nonce = out;

	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out +
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, in, n, ad,
	    adlen, NULL, nonce, key);
}

enum err
kms_aead_open(uint8_t *out, const uint8_t *key, const uint8_t *in, size_t n,
    const void *ad, size_t adlen)
{
	if (n < KMS_SEAL_OVERHEAD)
		return ERR_CORRUPT;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
	    in + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	    n - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad, adlen, in,
	    key) != 0)
		return ERR_CORRUPT;
	return ERR_OK;
}

enum err
kms_seal(struct kms *k, uint8_t *out, const void *plain, size_t n,
    const void *ad, size_t adlen)
{
	const struct kms_keys *keys = kms_keys_acquire(k);

	kms_aead_seal(out, keys->seal, plain, n, ad, adlen);
	kms_keys_release(k);
	return ERR_OK;
}

enum err
kms_unseal(struct kms *k, void *out, const uint8_t *sealed, size_t n,
    const void *ad, size_t adlen)
{
	const struct kms_keys *keys = kms_keys_acquire(k);
	enum err r;

	r = kms_aead_open(out, keys->seal, sealed, n, ad, adlen);
	kms_keys_release(k);
	/* Not a forgery if another process rotated the root key: this one
	 * cannot open what the new key sealed (a request's 503, not 500). */
	if (r == ERR_CORRUPT && !kms_root_current(k, kms_data_root_gen(k)))
		r = ERR_ROOT_KEY_STALE;
	return r;
}

void
kms_mac(struct kms *k, uint8_t out[static KMS_MAC_BYTES], const void *p,
    size_t n)
{
	const struct kms_keys *keys = kms_keys_acquire(k);
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, keys->mac, sizeof(keys->mac));
	crypto_auth_hmacsha256_update(&st, p, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
	kms_keys_release(k);
}

/* The audit chain's hash (db.h, db_audit_mac_fn): BLAKE2b-256 keyed with
 * the "audit" subkey, so the key stays here and the db layer only ever
 * sees hashes. */
void
kms_audit_chain_mac(void *ctx, uint8_t *out,
    const void *p, size_t n)
{
	struct kms *k = ctx;
	const struct kms_keys *keys = kms_keys_acquire(k);

	crypto_generichash(out, DB_AUDIT_HASH_BYTES, p, n, keys->audit,
	    sizeof(keys->audit));
	kms_keys_release(k);
}

void
kms_nonce_key(struct kms *k, uint8_t out[static KMS_NONCE_KEY_BYTES])
{
	const struct kms_keys *keys = kms_keys_acquire(k);

	/* Derived on demand, not kept: it is needed once, at start-up.
	 * From the fingerprint key, which a root-key rotation moves over
	 * unchanged (kms_rekey.c): the replay log written before a
	 * rotation stays readable after it, so no barrier is needed. */
	crypto_kdf_derive_from_key(out, KMS_NONCE_KEY_BYTES, KMS_SUBKEY_NONCE,
	    KMS_KDF_CONTEXT, keys->mac);
	kms_keys_release(k);
}

bool
kms_mac_verify(struct kms *k, const uint8_t mac[static KMS_MAC_BYTES],
    const void *p, size_t n)
{
	uint8_t want[KMS_MAC_BYTES];
	bool ok;

	kms_mac(k, want, p, n);
	ok = crypto_verify_32(want, mac) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}

struct kms_dek *
kms_dek_alloc(struct kms *k)
{
	struct kms_dek *d;

	pthread_mutex_lock(&k->dek_lock);
	d = k->dek_free;
	if (d != NULL) {
		k->dek_free = d->next;
		k->dek_free_count--;
	}
	pthread_mutex_unlock(&k->dek_lock);
	if (d == NULL) {
		d = sodium_malloc(sizeof(*d));
		if (d == NULL)
			return NULL;
	}
	d->next = NULL;
	d->kms = k;
	return d;
}

void
kms_dek_free(struct kms_dek *d)
{
	struct kms *k;

	if (d == NULL)
		return;
	k = d->kms;
	sodium_memzero(d->key, sizeof(d->key));
	pthread_mutex_lock(&k->dek_lock);
	if (k->dek_free_count < DEK_FREE_MAX) {
		d->next = k->dek_free;
		k->dek_free = d;
		k->dek_free_count++;
		d = NULL;
	}
	pthread_mutex_unlock(&k->dek_lock);
	if (d != NULL)
		sodium_free(d);
}

/* "dek" || uuid || wrap_key: a wrapped key moved to another extent, or
 * presented as wrapped by another key, fails to open. */
size_t
kms_wrap_ad(uint8_t ad[static KMS_WRAP_AD_MAX], const uint8_t *uuid,
    const char *wrap_key)
{
	size_t wl = strlen(wrap_key);

	memcpy(ad, "dek", 3);
	memcpy(ad + 3, uuid, KMS_UUID_BYTES);
	memcpy(ad + 3 + KMS_UUID_BYTES, wrap_key, wl);
	return 3 + KMS_UUID_BYTES + wl;
}


enum err
kms_dek_seal(void *dek, uint8_t *out, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen)
{
	const struct kms_dek *d = dek;

	kms_aead_seal(out, d->key, in, n, ad, adlen);
	return ERR_OK;
}

enum err
kms_dek_open_chunk(void *dek, uint8_t *out, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen)
{
	const struct kms_dek *d = dek;

	return kms_aead_open(out, d->key, in, n, ad, adlen);
}
