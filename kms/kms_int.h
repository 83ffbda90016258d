/* SPDX-License-Identifier: ISC */
/* kms_int.h: declarations shared by the kms/ sources only. */
#ifndef COFFER_KMS_KMS_INT_H
#define COFFER_KMS_KMS_INT_H

#include <pthread.h>
#include <sodium.h>

#include "kms/kms.h"

/* Subkey ids for crypto_kdf_derive_from_key under context KMS_KDF_CONTEXT. */
enum kms_subkey {
	KMS_SUBKEY_SEAL = 1,
	KMS_SUBKEY_MAC = 2,
	KMS_SUBKEY_OSS = 3,
};
#define KMS_KDF_CONTEXT "coffer01"

/* The one sodium_malloc region with every long-lived key. */
struct kms_keys {
	uint8_t	root[KMS_ROOT_KEY_BYTES];
	uint8_t	seal[32];
	uint8_t	mac[32];
	uint8_t	oss[32];
};

struct kms {
	struct db		*db;
	const struct clock	*clock;
	struct kms_keys		*keys;		/* sodium_malloc, NOACCESS at rest */
	pthread_mutex_t		 keys_lock;	/* guards users and protection */
	unsigned		 keys_users;
	pthread_mutex_t		 dek_lock;	/* guards the free list */
	struct kms_dek		*dek_free;
	unsigned		 dek_free_count;
};

/* Makes keys readable for the duration of an operation; pair with
 * kms_keys_release. Thread-safe and nestable across threads. */
const struct kms_keys *kms_keys_acquire(struct kms *k);
void kms_keys_release(struct kms *k);

/* Root key file handling (kms_rootkey.c). ret must be 32 writable bytes. */
enum err kms_rootkey_load(const char *path, bool create,
    uint8_t ret[static KMS_ROOT_KEY_BYTES]);

#endif
