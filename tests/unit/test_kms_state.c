/* SPDX-License-Identifier: ISC */
/*
 * test_kms_state.c: the CMK state machine (kms/kms_state.c), exhaustively.
 *
 * The expectation below is written from spec kms-api.md §1.3 independently
 * of the implementation's table: one row per action, one cell per state
 * (Enabled, Disabled, PendingDeletion, PendingImport, and the derived
 * Destroyed). Every cell is then run with every combination of the guard
 * inputs (origin, material, deletion protection, service key), and the
 * result compared with the cell plus the guard rules stated here. Also the
 * derivation of time-driven states at, before and after each boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kms/kms_state.h"

#define E	KMS_KEY_ENABLED
#define D	KMS_KEY_DISABLED
#define PD	KMS_KEY_PENDING_DELETION
#define PI	KMS_KEY_PENDING_IMPORT
#define X	KMS_KEY_DESTROYED
#define NS	KMS_KEY_STATE__COUNT

/* A cell: allowed with the state after (KMS_KEY_STATE__COUNT: unchanged),
 * or refused. */
struct cell {
	enum err		 refuse;
	enum kms_key_state	 to;
};
#define OK		{ ERR_OK, NS }
#define TO(s)		{ ERR_OK, (s) }
#define NO(e)		{ (e), NS }
#define SMF		NO(ERR_KEY_STATE_MODIFIED)
#define GONE		NO(ERR_KEY_NOT_FOUND)

/* spec §1.3, columns Enabled Disabled PendingDeletion PendingImport, then
 * Destroyed (gone from every API). */
#define CRYPTO	{ OK, NO(ERR_KEY_DISABLED), NO(ERR_KEY_PENDING_DELETION), \
		  NO(ERR_KEY_PENDING_IMPORT), GONE }
#define READ	{ OK, OK, OK, OK, GONE }
#define META	{ OK, OK, NO(ERR_KEY_PENDING_DELETION), OK, GONE }
#define VERSION	{ OK, NO(ERR_KEY_DISABLED), NO(ERR_KEY_PENDING_DELETION), \
		  NO(ERR_KEY_PENDING_IMPORT), GONE }

static const struct cell expect[KMS_ACT__COUNT][5] = {
	[KMS_ACT_ENCRYPT] = CRYPTO,
	[KMS_ACT_DECRYPT] = CRYPTO,
	[KMS_ACT_GENERATE_DATA_KEY] = CRYPTO,
	[KMS_ACT_GENERATE_DATA_KEY_WITHOUT_PLAINTEXT] = CRYPTO,
	[KMS_ACT_REENCRYPT_SOURCE] = CRYPTO,
	[KMS_ACT_REENCRYPT_DEST] = CRYPTO,
	[KMS_ACT_DATA_KEY_WRAP] = CRYPTO,
	[KMS_ACT_DATA_KEY_UNWRAP] = CRYPTO,
	[KMS_ACT_DESCRIBE_KEY] = READ,
	[KMS_ACT_LIST_KEYS] = READ,
	[KMS_ACT_LIST_ALIASES] = READ,
	[KMS_ACT_LIST_ALIASES_BY_KEY_ID] = READ,
	[KMS_ACT_DELETE_ALIAS] = READ,
	[KMS_ACT_LIST_RESOURCE_TAGS] = READ,
	[KMS_ACT_DESCRIBE_KEY_VERSION] = READ,
	[KMS_ACT_LIST_KEY_VERSIONS] = READ,
	[KMS_ACT_ENABLE_KEY] = { OK, TO(E), SMF, SMF, GONE },
	[KMS_ACT_DISABLE_KEY] = { TO(D), OK, SMF, SMF, GONE },
	[KMS_ACT_SCHEDULE_KEY_DELETION] = { TO(PD), TO(PD), SMF, TO(PD), GONE },
	[KMS_ACT_CANCEL_KEY_DELETION] = { SMF, SMF, TO(E), SMF, GONE },
	[KMS_ACT_CREATE_ALIAS] = { OK, OK, SMF, OK, GONE },
	[KMS_ACT_UPDATE_ALIAS] = META,
	[KMS_ACT_UPDATE_KEY_DESCRIPTION] = META,
	[KMS_ACT_TAG_RESOURCE] = META,
	[KMS_ACT_UNTAG_RESOURCE] = META,
	[KMS_ACT_SET_DELETION_PROTECTION] = META,
	[KMS_ACT_CREATE_KEY_VERSION] = VERSION,
	[KMS_ACT_UPDATE_ROTATION_POLICY] = VERSION,
	[KMS_ACT_ROTATE] = VERSION,
	[KMS_ACT_GET_PARAMETERS_FOR_IMPORT] = { OK, OK, OK, OK, GONE },
	[KMS_ACT_IMPORT_KEY_MATERIAL] = { OK, OK, SMF, TO(E), GONE },
	[KMS_ACT_DELETE_KEY_MATERIAL] = { TO(PI), TO(PI), OK, OK, GONE },
};

/* The guard rules, applied to an allowed cell (same order as documented
 * in kms.h: origin, service key, deletion protection, material). */
static void
expected(enum kms_action a, const struct kms_state_input *in, enum err *e,
    enum kms_key_state *to)
{
	const struct cell *c = &expect[a][in->state];

	*e = c->refuse;
	*to = c->to == NS ? in->state : c->to;
	if (*e != ERR_OK)
		return;
	switch (a) {
	case KMS_ACT_GET_PARAMETERS_FOR_IMPORT:
	case KMS_ACT_IMPORT_KEY_MATERIAL:
	case KMS_ACT_DELETE_KEY_MATERIAL:
		/* KMS: BYOK operations need Origin EXTERNAL. */
		if (!in->external)
			*e = ERR_KMS_UNSUPPORTED_ORIGIN;
		break;
	case KMS_ACT_CREATE_KEY_VERSION:
	case KMS_ACT_UPDATE_ROTATION_POLICY:
	case KMS_ACT_ROTATE:
		/* KMS: BYOK keys never get versions or rotation. */
		if (in->external)
			*e = ERR_KMS_UNSUPPORTED_ORIGIN;
		break;
	case KMS_ACT_SCHEDULE_KEY_DELETION:
		if (in->managed)
			*e = ERR_ACCESS_DENIED;
		else if (in->deletion_protection)
			*e = ERR_KMS_DELETION_PROTECTED;
		break;
	case KMS_ACT_DISABLE_KEY:
		if (in->managed && in->state == E)
			*e = ERR_ACCESS_DENIED;
		break;
	case KMS_ACT_CANCEL_KEY_DELETION:
		if (in->external && !in->has_material)
			*to = PI;
		break;
	default:
		break;
	}
}

static void
test_every_cell(void **state)
{
	unsigned checked = 0;

	(void)state;
	for (int a = 0; a < KMS_ACT__COUNT; a++) {
		for (int s = 0; s < KMS_KEY_STATE__COUNT; s++) {
			for (unsigned g = 0; g < 16; g++) {
				struct kms_state_input in = {
					.state = (enum kms_key_state)s,
					.external = (g & 1) != 0,
					.has_material = (g & 2) != 0,
					.deletion_protection = (g & 4) != 0,
					.managed = (g & 8) != 0,
				};
				enum kms_key_state to = NS, want_to;
				enum err r, want;

				expected((enum kms_action)a, &in, &want,
				    &want_to);
				r = kms_state_apply(&in, (enum kms_action)a, &to);
				if (r != want || (r == ERR_OK && to != want_to))
					fail_msg("%s in %s (guards %u): got %s/%s, "
					    "want %s/%s",
					    kms_action_name((enum kms_action)a),
					    kms_state_name((enum kms_key_state)s),
					    g, err_name(r), kms_state_name(to),
					    err_name(want), kms_state_name(want_to));
				/* a refusal never writes the out-param */
				if (r != ERR_OK)
					assert_int_equal(to, NS);
				checked++;
			}
		}
	}
	assert_int_equal(checked, KMS_ACT__COUNT * KMS_KEY_STATE__COUNT * 16);
}

/* Every 409 of spec §1.3 by its code, spelled out once more: the cells a
 * client can hit. */
static void
test_409s(void **state)
{
	struct kms_state_input in = { 0 };
	enum kms_key_state to;
	static const struct {
		enum kms_action		a;
		enum kms_key_state	s;
		bool			external;
		const char		*code;
	} rows[] = {
		{ KMS_ACT_ENCRYPT, D, false, "Rejected.Disabled" },
		{ KMS_ACT_ENCRYPT, PD, false, "Rejected.PendingDeletion" },
		{ KMS_ACT_ENCRYPT, PI, true, "Rejected.PendingImport" },
		{ KMS_ACT_DECRYPT, D, false, "Rejected.Disabled" },
		{ KMS_ACT_DECRYPT, PD, false, "Rejected.PendingDeletion" },
		{ KMS_ACT_DECRYPT, PI, true, "Rejected.PendingImport" },
		{ KMS_ACT_GENERATE_DATA_KEY, D, false, "Rejected.Disabled" },
		{ KMS_ACT_GENERATE_DATA_KEY, PD, false, "Rejected.PendingDeletion" },
		{ KMS_ACT_GENERATE_DATA_KEY, PI, true, "Rejected.PendingImport" },
		{ KMS_ACT_ENABLE_KEY, PD, false, "Rejected.StateModifiedFailed" },
		{ KMS_ACT_ENABLE_KEY, PI, true, "Rejected.StateModifiedFailed" },
		{ KMS_ACT_DISABLE_KEY, PD, false, "Rejected.StateModifiedFailed" },
		{ KMS_ACT_DISABLE_KEY, PI, true, "Rejected.StateModifiedFailed" },
		{ KMS_ACT_SCHEDULE_KEY_DELETION, PD, false,
		    "Rejected.StateModifiedFailed" },
		{ KMS_ACT_CANCEL_KEY_DELETION, E, false,
		    "Rejected.StateModifiedFailed" },
		{ KMS_ACT_CANCEL_KEY_DELETION, D, false,
		    "Rejected.StateModifiedFailed" },
		{ KMS_ACT_CANCEL_KEY_DELETION, PI, true,
		    "Rejected.StateModifiedFailed" },
		{ KMS_ACT_CREATE_ALIAS, PD, false, "Rejected.StateModifiedFailed" },
		{ KMS_ACT_UPDATE_KEY_DESCRIPTION, PD, false,
		    "Rejected.PendingDeletion" },
		{ KMS_ACT_TAG_RESOURCE, PD, false, "Rejected.PendingDeletion" },
		{ KMS_ACT_UNTAG_RESOURCE, PD, false, "Rejected.PendingDeletion" },
		{ KMS_ACT_CREATE_KEY_VERSION, D, false, "Rejected.Disabled" },
		{ KMS_ACT_CREATE_KEY_VERSION, PD, false, "Rejected.PendingDeletion" },
		{ KMS_ACT_CREATE_KEY_VERSION, PI, true, "Rejected.PendingImport" },
		{ KMS_ACT_UPDATE_ROTATION_POLICY, D, false, "Rejected.Disabled" },
		{ KMS_ACT_UPDATE_ROTATION_POLICY, PD, false,
		    "Rejected.PendingDeletion" },
		{ KMS_ACT_UPDATE_ROTATION_POLICY, PI, true,
		    "Rejected.PendingImport" },
		{ KMS_ACT_UPDATE_ALIAS, PD, false, "Rejected.PendingDeletion" },
		{ KMS_ACT_IMPORT_KEY_MATERIAL, PD, true,
		    "Rejected.StateModifiedFailed" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct err_info *ei;
		enum err r;

		in.state = rows[i].s;
		in.external = rows[i].external;
		r = kms_state_apply(&in, rows[i].a, &to);
		ei = err_info(r);
		assert_int_equal(ei->kms_http, 409);
		assert_string_equal(ei->kms_code, rows[i].code);
	}
}

static void
test_effective(void **state)
{
	const int64_t t = 1000000;

	(void)state;
	/* PendingDeletion is destroyed from the DeleteDate on */
	assert_int_equal(kms_state_effective(PD, t, 0, t - 1), PD);
	assert_int_equal(kms_state_effective(PD, t, 0, t), X);
	assert_int_equal(kms_state_effective(PD, t, 0, t + 1), X);
	/* expired imported material makes Enabled/Disabled PendingImport */
	assert_int_equal(kms_state_effective(E, 0, t, t - 1), E);
	assert_int_equal(kms_state_effective(E, 0, t, t), PI);
	assert_int_equal(kms_state_effective(D, 0, t, t - 1), D);
	assert_int_equal(kms_state_effective(D, 0, t, t), PI);
	/* 0 is "never" */
	assert_int_equal(kms_state_effective(E, 0, 0, INT64_MAX), E);
	/* a key pending deletion keeps that state when material expires */
	assert_int_equal(kms_state_effective(PD, t + 10, t, t + 5), PD);
	assert_int_equal(kms_state_effective(PI, 0, t, t + 5), PI);
}

static void
test_names(void **state)
{
	enum kms_key_state s;

	(void)state;
	for (int i = 0; i < KMS_KEY_DESTROYED; i++) {
		assert_true(kms_state_parse(kms_state_name((enum kms_key_state)i),
		    &s));
		assert_int_equal(s, i);
	}
	/* Destroyed is never stored */
	assert_false(kms_state_parse("Destroyed", &s));
	assert_false(kms_state_parse("enabled", &s));
	for (int a = 0; a < KMS_ACT__COUNT; a++)
		assert_string_not_equal(kms_action_name((enum kms_action)a), "?");
	assert_string_equal(kms_action_name(KMS_ACT__COUNT), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cell),
		cmocka_unit_test(test_409s),
		cmocka_unit_test(test_effective),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
