/* SPDX-License-Identifier: ISC */
/*
 * kms_state.h: the transition table of customer master keys (kms_state.c),
 * inside kms/ only (and its unit test).
 *
 * The table is pure: no I/O, no clock of its own. Time-driven states are
 * derived from stored timestamps and an explicit now (kms_state_effective),
 * so `coffer clock advance 8d` in --test-clock mode makes a key scheduled
 * for 7 days disappear without any timer.
 */
#ifndef COFFER_KMS_KMS_STATE_H
#define COFFER_KMS_KMS_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "kms/kms.h"

/* Every API action that names a key, plus the time-driven and OSS ones. */
enum kms_action {
	KMS_ACT_ENCRYPT,
	KMS_ACT_DECRYPT,
	KMS_ACT_GENERATE_DATA_KEY,
	KMS_ACT_GENERATE_DATA_KEY_WITHOUT_PLAINTEXT,
	KMS_ACT_REENCRYPT_SOURCE,	/* ReEncrypt, the key that decrypts */
	KMS_ACT_REENCRYPT_DEST,		/* ReEncrypt, the key that encrypts */
	KMS_ACT_DESCRIBE_KEY,
	KMS_ACT_LIST_KEYS,
	KMS_ACT_LIST_ALIASES,
	KMS_ACT_LIST_ALIASES_BY_KEY_ID,
	KMS_ACT_DELETE_ALIAS,
	KMS_ACT_LIST_RESOURCE_TAGS,
	KMS_ACT_DESCRIBE_KEY_VERSION,
	KMS_ACT_LIST_KEY_VERSIONS,
	KMS_ACT_ENABLE_KEY,
	KMS_ACT_DISABLE_KEY,
	KMS_ACT_SCHEDULE_KEY_DELETION,
	KMS_ACT_CANCEL_KEY_DELETION,
	KMS_ACT_CREATE_ALIAS,
	KMS_ACT_UPDATE_ALIAS,		/* judged on the alias's new target */
	KMS_ACT_UPDATE_KEY_DESCRIPTION,
	KMS_ACT_TAG_RESOURCE,
	KMS_ACT_UNTAG_RESOURCE,
	KMS_ACT_SET_DELETION_PROTECTION,
	KMS_ACT_CREATE_KEY_VERSION,
	KMS_ACT_UPDATE_ROTATION_POLICY,
	KMS_ACT_ROTATE,			/* automatic rotation (time-driven) */
	KMS_ACT_GET_PARAMETERS_FOR_IMPORT,
	KMS_ACT_IMPORT_KEY_MATERIAL,
	KMS_ACT_DELETE_KEY_MATERIAL,
	KMS_ACT_DATA_KEY_WRAP,		/* OSS SSE-KMS upload */
	KMS_ACT_DATA_KEY_UNWRAP,	/* OSS SSE-KMS download */
	KMS_ACT__COUNT
};

/* What the guards of a transition look at, besides the state. */
struct kms_state_input {
	enum kms_key_state	 state;		/* effective (kms_state_effective) */
	bool			 external;	/* Origin EXTERNAL */
	bool			 has_material;	/* usable material present */
	bool			 deletion_protection;
	bool			 managed;	/* a service key */
};

/* The state a stored row is in at now_ms: PendingDeletion at or past
 * delete_ms is DESTROYED; Enabled/Disabled with imported material at or
 * past material_expire_ms (0 = never) is PENDING_IMPORT. */
enum kms_key_state kms_state_effective(enum kms_key_state stored,
    int64_t delete_ms, int64_t material_expire_ms, int64_t now_ms);
/* Decides action on a key: ERR_OK with *ret_to the state after it (equal
 * to in->state when the action changes no state), or the refusal:
 * ERR_KEY_NOT_FOUND (destroyed), ERR_KEY_DISABLED, ERR_KEY_PENDING_DELETION,
 * ERR_KEY_PENDING_IMPORT, ERR_KEY_STATE_MODIFIED (the 409s of spec §1.3),
 * ERR_KMS_UNSUPPORTED_ORIGIN, ERR_KMS_DELETION_PROTECTED, ERR_ACCESS_DENIED
 * (a managed service key). The state cell is checked before the guards.
 * Pure; thread-safe. */
enum err kms_state_apply(const struct kms_state_input *in,
    enum kms_action action, enum kms_key_state *ret_to)
    __attribute__((warn_unused_result));
/* The API action name ("Encrypt", ...) for logs and audit rows. */
const char *kms_action_name(enum kms_action a);

#endif
