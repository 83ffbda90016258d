/* SPDX-License-Identifier: ISC */
/*
 * sse.c: which key encrypts a new object (spec oss-api.md §4, §3.10).
 *
 * The request's SSE headers win; without them the bucket's default rule
 * applies. SSE-KMS without a key id uses the owner's OSS service key
 * (alias/acs/oss), created on first use as real OSS does. One function
 * serves client uploads and the daemon's own writes (inventory reports).
 */
#include <string.h>

#include "api/api_int.h"
#include "bucket/bucket.h"
#include "object/object.h"
#include "base/str.h"
#include "kms/kms.h"

enum err
object_sse_choose(struct api *api, const struct bucket *b, const char *alg,
    const char *kid, const char *data, struct object *o,
    const char **ret_cmk)
{
	char service[KMS_KEY_ID_MAX];
	enum err r;

	*ret_cmk = NULL;
	if (alg == NULL || alg[0] == '\0') {
		if ((kid != NULL && kid[0] != '\0') || data != NULL)
			return ERR_INVALID_ENCRYPTION_ALGORITHM;
		if (b->sse_algorithm[0] == '\0')
			return ERR_OK;
		alg = b->sse_algorithm;
		kid = b->sse_kms_key_id[0] ? b->sse_kms_key_id : NULL;
	}
	if (strcmp(alg, "AES256") == 0) {
		if (kid != NULL || data != NULL)
			return ERR_INVALID_ENCRYPTION_ALGORITHM;
		str_copy(o->sse_algorithm, sizeof(o->sse_algorithm), "AES256");
		return ERR_OK;
	}
	if (strcmp(alg, "SM4") == 0 || (strcmp(alg, "KMS") == 0 &&
	    data != NULL))
		/* SM4 needs a cipher libsodium does not have: refuse rather
		 * than encrypt under another algorithm than promised. */
		return ERR_NOT_IMPLEMENTED;
	if (strcmp(alg, "KMS") != 0)
		return ERR_INVALID_ENCRYPTION_ALGORITHM;
	if (kid != NULL && kid[0] == '\0')
		return ERR_KEY_ID_EMPTY;
	if (kid == NULL) {
		r = kms_service_key(api->kms, b->owner, service);
		if (r != ERR_OK)
			return r;
		kid = service;
	}
	str_copy(o->sse_algorithm, sizeof(o->sse_algorithm), "KMS");
	str_copy(o->sse_key_id, sizeof(o->sse_key_id), kid);
	*ret_cmk = o->sse_key_id;
	return ERR_OK;
}
