/* SPDX-License-Identifier: ISC */
/*
 * kms_open.c: the module's lifetime: the root key and its subkeys in
 * locked memory, the audit thread, and their teardown (kms.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "db/db.h"
#include "db/seal.h"
#include "kms/kms_int.h"

enum err
kms_open(const struct kms_settings *s, struct kms **ret)
{
	struct kms *k;
	enum err r;

	/* Idempotent and thread-safe; done here so every user of kms/
	 * (daemon, CLI, tests) gets an initialised libsodium. */
	if (sodium_init() < 0)
		return ERR_INTERNAL;
	/* KMS: ciphertext blobs are AES-256-GCM (spec §3.1), which libsodium
	 * offers only with hardware support. Refuse to start rather than
	 * serve a KMS that cannot encrypt. */
	if (crypto_aead_aes256gcm_is_available() == 0) {
		log_errx("kms: this CPU has no AES-NI/PCLMUL: libsodium's "
		    "AES-256-GCM is unavailable");
		return ERR_NOT_IMPLEMENTED;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return ERR_NOMEM;
	k->db = s->db;
	k->clock = s->clock;
	k->limits = s->limits;
	if (k->limits.keys == 0)
		k->limits.keys = KMS_KEYS_QUOTA;
	if (k->limits.aliases == 0)
		k->limits.aliases = KMS_ALIASES_QUOTA;
	if (k->limits.key_versions == 0)
		k->limits.key_versions = KMS_KEY_VERSIONS_QUOTA;
	if (k->limits.tags == 0)
		k->limits.tags = KMS_TAGS_MAX;
	pthread_mutex_init(&k->keys_lock, NULL);
	pthread_mutex_init(&k->dek_lock, NULL);
	k->keys = sodium_malloc(sizeof(*k->keys));
	if (k->keys == NULL || kms_audit_init(k) != ERR_OK) {
		sodium_free(k->keys);
		free(k);
		return ERR_NOMEM;
	}
	r = kms_rootkey_load(s->root_key_path, s->create_root_key,
	    k->keys->root);
	if (r != ERR_OK) {
		kms_audit_shutdown(k);
		sodium_free(k->keys);
		free(k);
		return r;
	}
	kms_keys_derive(k->keys);
	/* Without a database (tests of the crypto alone) the fingerprint
	 * key is derived as it is at a data dir's first start. */
	crypto_kdf_derive_from_key(k->keys->mac, sizeof(k->keys->mac),
	    KMS_SUBKEY_MAC, KMS_KDF_CONTEXT, k->keys->root);
	if (s->db != NULL) {
		/* The database seals the rows retention decisions read
		 * (db/seal.h) with a subkey of its own: whoever can open
		 * the key store can seal, nobody else. */
		uint8_t rows[DB_SEAL_KEY_BYTES];

		crypto_kdf_derive_from_key(rows, sizeof(rows),
		    KMS_SUBKEY_ROWS, KMS_KDF_CONTEXT, k->keys->root);
		r = db_seal_key_set(s->db, rows);
		sodium_memzero(rows, sizeof(rows));
		/* Which key sealed the data: may replace the keys above by
		 * the newer key handed over by a rotation. */
		if (r == ERR_OK)
			r = kms_root_open(k);
	}
	sodium_mprotect_noaccess(k->keys);
	if (r == ERR_OK && k->db != NULL)
		r = db_audit_set_mac(k->db, kms_audit_chain_mac, k);
	if (r == ERR_OK && k->db != NULL)
		db_tx_check_set(k->db, kms_root_gen_check, k);
	if (r == ERR_OK && k->db != NULL)
		r = kms_cache_open(k);
	if (r != ERR_OK) {
		if (k->db != NULL) {
			(void)db_audit_set_mac(k->db, NULL, NULL);
			db_tx_check_set(k->db, NULL, NULL);
		}
		kms_audit_shutdown(k);
		sodium_free(k->keys);
		free(k);
		return r;
	}
	kms_audit_start(k);
	*ret = k;
	return ERR_OK;
}

void
kms_close(struct kms *k)
{
	struct kms_dek *d, *next;

	if (k == NULL)
		return;
	kms_audit_shutdown(k);
	/* After the last queued row: nothing appends once the mac is gone. */
	if (k->db != NULL) {
		(void)db_audit_set_mac(k->db, NULL, NULL);
		db_tx_check_set(k->db, NULL, NULL);
	}
	if (k->rekey_other != NULL)
		sodium_free(k->rekey_other);
	kms_cache_close(k);
	for (d = k->dek_free; d != NULL; d = next) {
		next = d->next;
		sodium_free(d);
	}
	sodium_free(k->keys);	/* wipes */
	pthread_mutex_destroy(&k->keys_lock);
	pthread_mutex_destroy(&k->dek_lock);
	free(k);
}
