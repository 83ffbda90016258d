/* SPDX-License-Identifier: ISC */
/*
 * worm_mac.c: joins worm/ and kms/, which may not see each other: policy
 * rows carry a MAC made with kms_mac() under the root key's "mac" subkey,
 * which the retention guard (object_tx.c) verifies inside the transaction
 * that decides (an offline edit of the database, reliability.md T21).
 */
#include "api/api_int.h"
#include "base/log.h"
#include "kms/kms.h"
#include "object/object.h"
#include "worm/worm.h"

_Static_assert(KMS_MAC_BYTES == WORM_MAC_BYTES, "WORM MAC is a kms_mac");

static void
mac_sign(void *ctx, uint8_t out[static WORM_MAC_BYTES], const void *msg,
    size_t n)
{
	kms_mac(ctx, out, msg, n);
}

static bool
mac_verify(void *ctx, const uint8_t mac[static WORM_MAC_BYTES],
    const void *msg, size_t n)
{
	return kms_mac_verify(ctx, mac, msg, n);
}

void
object_worm_mac(struct api *api, struct worm_mac_ops *ops)
{
	ops->sign = mac_sign;
	ops->verify = mac_verify;
	ops->ctx = api->kms;
}

void
object_worm_alert(const char *bucket, enum err r)
{
	if (r == ERR_CORRUPT)
		log_errx("ALERT: the WORM policy row of bucket '%s' fails its "
		    "MAC (edited outside cofferd?); refusing its changes",
		    bucket);
}
