/* SPDX-License-Identifier: ISC */
/*
 * kms.h: keys (L2). The only module that handles plaintext key material; it
 * exports operations, never keys.
 *
 * Key hierarchy (../shared/DESIGN.md §1):
 *   root key (32 B, DATA_DIR/root.key or $CREDENTIALS_DIRECTORY/root.key)
 *    ├─ subkey "seal": seals secrets stored in SQLite (access-key secrets,
 *    │                 CMK material)
 *    ├─ subkey "mac":  MACs rows whose tampering would break a promise
 *    ├─ subkey "oss":  wraps data keys of SSE-OSS (AES256) objects
 *    └─ CMK versions:  wrap data keys of SSE-KMS objects
 *         └─ data key (32 B, random, one per extent): seals its chunks
 *
 * The root key and its subkeys live in one sodium_malloc region that is
 * PROT_NOACCESS except inside an operation. Sealing is XChaCha20-Poly1305 with
 * a random nonce and associated data naming what is sealed, so a sealed value
 * moved to another row fails to open.
 */
#ifndef COFFER_KMS_KMS_H
#define COFFER_KMS_KMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct db;
struct clock;
struct kms;
struct kms_dek;

#define KMS_ROOT_KEY_BYTES	32
#define KMS_SEAL_OVERHEAD	40	/* nonce 24 + tag 16 */
#define KMS_MAC_BYTES		32
#define KMS_WRAPPED_MAX		160	/* largest wrapped data key */
#define KMS_WRAP_KEY_MAX	96	/* "oss" or "cmk:<version id>" */
#define KMS_UUID_BYTES		16

struct kms_settings {
	const char		*root_key_path;
	bool			 create_root_key;	/* create when missing */
	struct db		*db;
	const struct clock	*clock;
};

/* Loads (or creates, 0600) the root key. ERR_NOT_FOUND when it is missing
 * and create_root_key is false; ERR_CORRUPT when it is not 32 bytes. */
enum err kms_open(const struct kms_settings *s, struct kms **ret);
void kms_close(struct kms *k);

/* out (n + KMS_SEAL_OVERHEAD) = seal(plain) under "seal", bound to ad. */
enum err kms_seal(struct kms *k, uint8_t *out, const void *plain, size_t n,
    const void *ad, size_t adlen);
/* out (n - KMS_SEAL_OVERHEAD) = open(sealed). ERR_CORRUPT on failure. */
enum err kms_unseal(struct kms *k, void *out, const uint8_t *sealed, size_t n,
    const void *ad, size_t adlen) __attribute__((warn_unused_result));

/* HMAC-SHA256 under "mac". */
void kms_mac(struct kms *k, uint8_t out[static KMS_MAC_BYTES], const void *p,
    size_t n);
bool kms_mac_verify(struct kms *k, const uint8_t mac[static KMS_MAC_BYTES],
    const void *p, size_t n) __attribute__((warn_unused_result));

/* Creates a random data key for one extent and wraps it: under "oss" when
 * cmk_id is NULL (SSE-OSS), else under the CMK's current version. Fills
 * wrapped (KMS_WRAPPED_MAX) and wrap_key (KMS_WRAP_KEY_MAX) for storage.
 * Errors for a CMK: ERR_KEY_NOT_FOUND, ERR_KEY_DISABLED,
 * ERR_KEY_PENDING_DELETION, ERR_KEY_PENDING_IMPORT. */
enum err kms_dek_create(struct kms *k, const char *cmk_id,
    const uint8_t uuid[static KMS_UUID_BYTES], uint8_t *wrapped,
    size_t *ret_wrapped_len, char *wrap_key, struct kms_dek **ret);
/* Unwraps a stored data key. Same CMK errors as above, plus ERR_CORRUPT
 * when the wrapped key does not authenticate. */
enum err kms_dek_open(struct kms *k, const char *wrap_key,
    const uint8_t *wrapped, size_t wrapped_len,
    const uint8_t uuid[static KMS_UUID_BYTES], struct kms_dek **ret)
    __attribute__((warn_unused_result));
/* Wipes and frees; NULL-safe. */
void kms_dek_free(struct kms_dek *d);

/* Chunk AEAD under a data key, shaped for struct store_cipher (ctx is the
 * struct kms_dek *). out = nonce || ct || tag. */
enum err kms_dek_seal(void *dek, uint8_t *out, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen);
enum err kms_dek_open_chunk(void *dek, uint8_t *out, const uint8_t *in,
    size_t n, const uint8_t *ad, size_t adlen);

#endif
