/* SPDX-License-Identifier: ISC */
/*
 * kms_state.c: the CMK state machine as a pure table (STYLE rule 21).
 *
 * One cell per (action, state): allowed with the state after it, or the
 * refusal. The cells are spec kms-api.md §1.3 (every rejection there is an
 * HTTP 409); rows the spec's table does not list are marked DECIDE with the
 * reasoning. Guards (origin, deletion protection, service keys, material)
 * are checked after the cell, so a state refusal always wins: that is what
 * makes every 409 of the table reachable (an EXTERNAL key in PendingImport
 * answers CreateKeyVersion with Rejected.PendingImport, not
 * Unsupported.Origin). No I/O and no clock here: the effective state is
 * derived from the stored row and the caller's now.
 */
#include <string.h>

#include "kms/kms_state.h"

/* Guards, checked in this order once the cell allows the action. */
#define G_EXTERNAL	0x01	/* Origin must be EXTERNAL */
#define G_NOT_EXTERNAL	0x02	/* Origin must be Aliyun_KMS */
#define G_NOT_PROTECTED	0x04	/* deletion protection must be off */
#define G_NOT_MANAGED	0x08	/* not a service key */
#define G_MATERIAL	0x10	/* to Enabled only with material, else PendingImport */

#define SAME		KMS_KEY_STATE__COUNT	/* the action changes no state */

struct transition {
	bool			 valid;		/* every cell is filled; see the test */
	enum kms_key_state	 to;		/* SAME: unchanged */
	enum err		 refuse;	/* ERR_OK: allowed (subject to guards) */
	unsigned		 guards;
};

#define T(to_, g_)	{ .valid = true, .to = (to_), .refuse = ERR_OK, .guards = (g_) }
#define OK		T(SAME, 0)
#define R(e_)		{ .valid = true, .to = SAME, .refuse = (e_), .guards = 0 }
#define SMF		R(ERR_KEY_STATE_MODIFIED)
#define GONE		R(ERR_KEY_NOT_FOUND)

/* KMS: the row shared by the cryptographic operations. */
#define CRYPTO_ROW { \
	[KMS_KEY_ENABLED] = OK, \
	[KMS_KEY_DISABLED] = R(ERR_KEY_DISABLED), \
	[KMS_KEY_PENDING_DELETION] = R(ERR_KEY_PENDING_DELETION), \
	[KMS_KEY_PENDING_IMPORT] = R(ERR_KEY_PENDING_IMPORT), \
	[KMS_KEY_DESTROYED] = GONE, \
}
/* KMS: reads work in every state; a destroyed key is gone. */
#define READ_ROW { \
	[KMS_KEY_ENABLED] = OK, \
	[KMS_KEY_DISABLED] = OK, \
	[KMS_KEY_PENDING_DELETION] = OK, \
	[KMS_KEY_PENDING_IMPORT] = OK, \
	[KMS_KEY_DESTROYED] = GONE, \
}
/* KMS: metadata updates are refused only while deletion is pending. */
#define META_ROW { \
	[KMS_KEY_ENABLED] = OK, \
	[KMS_KEY_DISABLED] = OK, \
	[KMS_KEY_PENDING_DELETION] = R(ERR_KEY_PENDING_DELETION), \
	[KMS_KEY_PENDING_IMPORT] = OK, \
	[KMS_KEY_DESTROYED] = GONE, \
}
/* KMS: new versions need an Enabled key of our own material. */
#define ROTATE_ROW { \
	[KMS_KEY_ENABLED] = T(SAME, G_NOT_EXTERNAL), \
	[KMS_KEY_DISABLED] = R(ERR_KEY_DISABLED), \
	[KMS_KEY_PENDING_DELETION] = R(ERR_KEY_PENDING_DELETION), \
	[KMS_KEY_PENDING_IMPORT] = R(ERR_KEY_PENDING_IMPORT), \
	[KMS_KEY_DESTROYED] = GONE, \
}

static const struct transition transitions[KMS_ACT__COUNT][KMS_KEY_STATE__COUNT] = {
	[KMS_ACT_ENCRYPT] = CRYPTO_ROW,
	[KMS_ACT_DECRYPT] = CRYPTO_ROW,
	[KMS_ACT_GENERATE_DATA_KEY] = CRYPTO_ROW,
	[KMS_ACT_GENERATE_DATA_KEY_WITHOUT_PLAINTEXT] = CRYPTO_ROW,
	/* DECIDE: ReEncrypt is not in the table; each side behaves as the
	 * Decrypt/Encrypt it performs. */
	[KMS_ACT_REENCRYPT_SOURCE] = CRYPTO_ROW,
	[KMS_ACT_REENCRYPT_DEST] = CRYPTO_ROW,
	/* OSS: SSE-KMS uploads and downloads fail with KeyDisabled,
	 * KeyPendingDeletion, KeyPendingImport (spec §3.2). */
	[KMS_ACT_DATA_KEY_WRAP] = CRYPTO_ROW,
	[KMS_ACT_DATA_KEY_UNWRAP] = CRYPTO_ROW,

	[KMS_ACT_DESCRIBE_KEY] = READ_ROW,
	[KMS_ACT_LIST_KEYS] = READ_ROW,
	[KMS_ACT_LIST_ALIASES] = READ_ROW,
	[KMS_ACT_LIST_ALIASES_BY_KEY_ID] = READ_ROW,
	[KMS_ACT_DELETE_ALIAS] = READ_ROW,
	[KMS_ACT_LIST_RESOURCE_TAGS] = READ_ROW,
	[KMS_ACT_DESCRIBE_KEY_VERSION] = READ_ROW,
	[KMS_ACT_LIST_KEY_VERSIONS] = READ_ROW,

	/* KMS: EnableKey/DisableKey are idempotent between Enabled and
	 * Disabled and refused otherwise. */
	[KMS_ACT_ENABLE_KEY] = {
		[KMS_KEY_ENABLED] = OK,
		[KMS_KEY_DISABLED] = T(KMS_KEY_ENABLED, 0),
		[KMS_KEY_PENDING_DELETION] = SMF,
		[KMS_KEY_PENDING_IMPORT] = SMF,
		[KMS_KEY_DESTROYED] = GONE,
	},
	[KMS_ACT_DISABLE_KEY] = {
		/* DECIDE: a service key belongs to OSS; its owner may not
		 * switch it off under the service. */
		[KMS_KEY_ENABLED] = T(KMS_KEY_DISABLED, G_NOT_MANAGED),
		[KMS_KEY_DISABLED] = OK,
		[KMS_KEY_PENDING_DELETION] = SMF,
		[KMS_KEY_PENDING_IMPORT] = SMF,
		[KMS_KEY_DESTROYED] = GONE,
	},
	/* KMS: deletion can be scheduled from Enabled, Disabled and
	 * PendingImport; not twice; never for a protected key or a service
	 * key ("You cannot delete service keys"). */
	[KMS_ACT_SCHEDULE_KEY_DELETION] = {
		[KMS_KEY_ENABLED] = T(KMS_KEY_PENDING_DELETION, G_NOT_PROTECTED | G_NOT_MANAGED),
		[KMS_KEY_DISABLED] = T(KMS_KEY_PENDING_DELETION, G_NOT_PROTECTED | G_NOT_MANAGED),
		[KMS_KEY_PENDING_DELETION] = SMF,
		[KMS_KEY_PENDING_IMPORT] = T(KMS_KEY_PENDING_DELETION, G_NOT_PROTECTED | G_NOT_MANAGED),
		[KMS_KEY_DESTROYED] = GONE,
	},
	/* KMS: CancelKeyDeletion returns the key to Enabled (unlike AWS).
	 * DECIDE (spec §7.5 unconfirmed): an EXTERNAL key without usable
	 * material goes to PendingImport instead, since Enabled would promise
	 * encryption it cannot do. */
	[KMS_ACT_CANCEL_KEY_DELETION] = {
		[KMS_KEY_ENABLED] = SMF,
		[KMS_KEY_DISABLED] = SMF,
		[KMS_KEY_PENDING_DELETION] = T(KMS_KEY_ENABLED, G_MATERIAL),
		[KMS_KEY_PENDING_IMPORT] = SMF,
		[KMS_KEY_DESTROYED] = GONE,
	},
	[KMS_ACT_CREATE_ALIAS] = {
		[KMS_KEY_ENABLED] = OK,
		[KMS_KEY_DISABLED] = OK,
		[KMS_KEY_PENDING_DELETION] = SMF,
		[KMS_KEY_PENDING_IMPORT] = OK,
		[KMS_KEY_DESTROYED] = GONE,
	},
	/* KMS: UpdateAlias depends only on the new target key. */
	[KMS_ACT_UPDATE_ALIAS] = META_ROW,
	[KMS_ACT_UPDATE_KEY_DESCRIPTION] = META_ROW,
	[KMS_ACT_TAG_RESOURCE] = META_ROW,
	[KMS_ACT_UNTAG_RESOURCE] = META_ROW,
	/* KMS: "make sure that the CMK is not in the PendingDeletion state"
	 * (SetDeletionProtection doc); DECIDE: the Rejected.PendingDeletion
	 * of the other metadata updates. */
	[KMS_ACT_SET_DELETION_PROTECTION] = META_ROW,

	[KMS_ACT_CREATE_KEY_VERSION] = ROTATE_ROW,
	[KMS_ACT_UPDATE_ROTATION_POLICY] = ROTATE_ROW,
	[KMS_ACT_ROTATE] = ROTATE_ROW,

	[KMS_ACT_GET_PARAMETERS_FOR_IMPORT] = {
		[KMS_KEY_ENABLED] = T(SAME, G_EXTERNAL),
		[KMS_KEY_DISABLED] = T(SAME, G_EXTERNAL),
		[KMS_KEY_PENDING_DELETION] = T(SAME, G_EXTERNAL),
		[KMS_KEY_PENDING_IMPORT] = T(SAME, G_EXTERNAL),
		[KMS_KEY_DESTROYED] = GONE,
	},
	/* KMS: importing moves PendingImport to Enabled; re-importing (to
	 * change the expiry) keeps Enabled or Disabled. */
	[KMS_ACT_IMPORT_KEY_MATERIAL] = {
		[KMS_KEY_ENABLED] = T(SAME, G_EXTERNAL),
		[KMS_KEY_DISABLED] = T(SAME, G_EXTERNAL),
		[KMS_KEY_PENDING_DELETION] = SMF,
		[KMS_KEY_PENDING_IMPORT] = T(KMS_KEY_ENABLED, G_EXTERNAL),
		[KMS_KEY_DESTROYED] = GONE,
	},
	/* KMS: the key goes to PendingImport unless deletion is pending,
	 * which keeps its state and date. */
	[KMS_ACT_DELETE_KEY_MATERIAL] = {
		[KMS_KEY_ENABLED] = T(KMS_KEY_PENDING_IMPORT, G_EXTERNAL),
		[KMS_KEY_DISABLED] = T(KMS_KEY_PENDING_IMPORT, G_EXTERNAL),
		[KMS_KEY_PENDING_DELETION] = T(SAME, G_EXTERNAL),
		[KMS_KEY_PENDING_IMPORT] = T(SAME, G_EXTERNAL),
		[KMS_KEY_DESTROYED] = GONE,
	},
};

enum kms_key_state
kms_state_effective(enum kms_key_state stored, int64_t delete_ms,
    int64_t material_expire_ms, int64_t now_ms)
{
	/* From the first millisecond at the DeleteDate the key is gone. */
	if (stored == KMS_KEY_PENDING_DELETION && now_ms >= delete_ms)
		return KMS_KEY_DESTROYED;
	/* KMS: expired imported material makes the key unusable until the
	 * same material is imported again. A key pending deletion keeps that
	 * state (as DeleteKeyMaterial leaves it). */
	if ((stored == KMS_KEY_ENABLED || stored == KMS_KEY_DISABLED) &&
	    material_expire_ms != 0 && now_ms >= material_expire_ms)
		return KMS_KEY_PENDING_IMPORT;
	return stored;
}

enum err
kms_state_apply(const struct kms_state_input *in, enum kms_action action,
    enum kms_key_state *ret_to)
{
	const struct transition *t;
	enum kms_key_state to;

	if ((unsigned)action >= KMS_ACT__COUNT ||
	    (unsigned)in->state >= KMS_KEY_STATE__COUNT)
		return ERR_INTERNAL;
	t = &transitions[action][in->state];
	if (!t->valid)
		return ERR_INTERNAL;
	if (t->refuse != ERR_OK)
		return t->refuse;
	if ((t->guards & G_EXTERNAL) && !in->external)
		return ERR_KMS_UNSUPPORTED_ORIGIN;
	if ((t->guards & G_NOT_EXTERNAL) && in->external)
		return ERR_KMS_UNSUPPORTED_ORIGIN;
	if ((t->guards & G_NOT_MANAGED) && in->managed)
		return ERR_ACCESS_DENIED;
	if ((t->guards & G_NOT_PROTECTED) && in->deletion_protection)
		return ERR_KMS_DELETION_PROTECTED;
	to = t->to == SAME ? in->state : t->to;
	if ((t->guards & G_MATERIAL) && in->external && !in->has_material)
		to = KMS_KEY_PENDING_IMPORT;
	*ret_to = to;
	return ERR_OK;
}

const char *
kms_state_name(enum kms_key_state s)
{
	switch (s) {
	case KMS_KEY_ENABLED:		return "Enabled";
	case KMS_KEY_DISABLED:		return "Disabled";
	case KMS_KEY_PENDING_DELETION:	return "PendingDeletion";
	case KMS_KEY_PENDING_IMPORT:	return "PendingImport";
	case KMS_KEY_DESTROYED:		return "Destroyed";
	default:			return "?";
	}
}

bool
kms_state_parse(const char *s, enum kms_key_state *ret)
{
	for (int i = 0; i < KMS_KEY_DESTROYED; i++)
		if (strcmp(s, kms_state_name((enum kms_key_state)i)) == 0) {
			*ret = (enum kms_key_state)i;
			return true;
		}
	return false;
}

const char *
kms_action_name(enum kms_action a)
{
	static const char *const names[KMS_ACT__COUNT] = {
		[KMS_ACT_ENCRYPT] = "Encrypt",
		[KMS_ACT_DECRYPT] = "Decrypt",
		[KMS_ACT_GENERATE_DATA_KEY] = "GenerateDataKey",
		[KMS_ACT_GENERATE_DATA_KEY_WITHOUT_PLAINTEXT] =
		    "GenerateDataKeyWithoutPlaintext",
		[KMS_ACT_REENCRYPT_SOURCE] = "ReEncrypt",
		[KMS_ACT_REENCRYPT_DEST] = "ReEncrypt",
		[KMS_ACT_DESCRIBE_KEY] = "DescribeKey",
		[KMS_ACT_LIST_KEYS] = "ListKeys",
		[KMS_ACT_LIST_ALIASES] = "ListAliases",
		[KMS_ACT_LIST_ALIASES_BY_KEY_ID] = "ListAliasesByKeyId",
		[KMS_ACT_DELETE_ALIAS] = "DeleteAlias",
		[KMS_ACT_LIST_RESOURCE_TAGS] = "ListResourceTags",
		[KMS_ACT_DESCRIBE_KEY_VERSION] = "DescribeKeyVersion",
		[KMS_ACT_LIST_KEY_VERSIONS] = "ListKeyVersions",
		[KMS_ACT_ENABLE_KEY] = "EnableKey",
		[KMS_ACT_DISABLE_KEY] = "DisableKey",
		[KMS_ACT_SCHEDULE_KEY_DELETION] = "ScheduleKeyDeletion",
		[KMS_ACT_CANCEL_KEY_DELETION] = "CancelKeyDeletion",
		[KMS_ACT_CREATE_ALIAS] = "CreateAlias",
		[KMS_ACT_UPDATE_ALIAS] = "UpdateAlias",
		[KMS_ACT_UPDATE_KEY_DESCRIPTION] = "UpdateKeyDescription",
		[KMS_ACT_TAG_RESOURCE] = "TagResource",
		[KMS_ACT_UNTAG_RESOURCE] = "UntagResource",
		[KMS_ACT_SET_DELETION_PROTECTION] = "SetDeletionProtection",
		[KMS_ACT_CREATE_KEY_VERSION] = "CreateKeyVersion",
		[KMS_ACT_UPDATE_ROTATION_POLICY] = "UpdateRotationPolicy",
		[KMS_ACT_ROTATE] = "RotateKey",
		[KMS_ACT_GET_PARAMETERS_FOR_IMPORT] = "GetParametersForImport",
		[KMS_ACT_IMPORT_KEY_MATERIAL] = "ImportKeyMaterial",
		[KMS_ACT_DELETE_KEY_MATERIAL] = "DeleteKeyMaterial",
		[KMS_ACT_DATA_KEY_WRAP] = "GenerateDataKey",
		[KMS_ACT_DATA_KEY_UNWRAP] = "Decrypt",
	};

	if ((unsigned)a >= KMS_ACT__COUNT || names[a] == NULL)
		return "?";
	return names[a];
}
