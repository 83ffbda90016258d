/* SPDX-License-Identifier: ISC */
/*
 * kms_cmk.c: data keys wrapped by customer master keys (SSE-KMS).
 *
 * Customer master keys arrive with the KMS API (issue 4). Until then no CMK
 * exists, so every lookup answers KeyNotFound, which is what real OSS
 * returns for an unknown key id.
 */
#include "kms/kms_int.h"

enum err kms_cmk_wrap(struct kms *k, const char *cmk_id, const uint8_t *uuid,
    const uint8_t *dek, uint8_t *wrapped, size_t *ret_len, char *wrap_key);
enum err kms_cmk_unwrap(struct kms *k, const char *wrap_key,
    const uint8_t *uuid, const uint8_t *wrapped, size_t len, uint8_t *dek);

enum err
kms_cmk_wrap(struct kms *k, const char *cmk_id, const uint8_t *uuid,
    const uint8_t *dek, uint8_t *wrapped, size_t *ret_len, char *wrap_key)
{
	(void)k; (void)cmk_id; (void)uuid; (void)dek; (void)wrapped;
	(void)ret_len; (void)wrap_key;
	return ERR_KEY_NOT_FOUND;
}

enum err
kms_cmk_unwrap(struct kms *k, const char *wrap_key, const uint8_t *uuid,
    const uint8_t *wrapped, size_t len, uint8_t *dek)
{
	(void)k; (void)wrap_key; (void)uuid; (void)wrapped; (void)len;
	(void)dek;
	return ERR_KEY_NOT_FOUND;
}
