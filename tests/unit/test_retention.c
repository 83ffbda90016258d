/* SPDX-License-Identifier: ISC */
/*
 * test_retention.c: the pure rules of object-level retention
 * (worm/retention.c), exhaustively.
 *
 * Every mode x legal hold x date (passed, at now, ahead) x bypass goes
 * through retention_protects, and every current retention x requested
 * change (each mode, removal; dates before, at and after the current one
 * and now) x bypass through retention_change_allowed, each compared with
 * an oracle written here from the spec (oss-api-2.md §1.10 and the README),
 * not from the code. Then the default period and the column reading.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "worm/retention.h"

#define NOW	((int64_t)1790000000000)	/* 2026-09-21, any fixed time */
#define DAY	WORM_DAY_MS

static const enum retention_mode MODES[] = {
	RETENTION_NONE, RETENTION_GOVERNANCE, RETENTION_COMPLIANCE,
};
#define NMODES (sizeof(MODES) / sizeof(MODES[0]))

/* The version may be removed or rewritten iff: no legal hold, and its
 * retention is none, has reached its date, or is GOVERNANCE lifted by the
 * owner's bypass. */
static bool
oracle_protects(enum retention_mode m, int64_t until, bool hold, bool bypass)
{
	if (hold)
		return true;
	if (m == RETENTION_NONE || until <= NOW)
		return false;
	return m == RETENTION_COMPLIANCE || !bypass;
}

static void
test_protects_every_case(void **state)
{
	static const int64_t untils[] = { 0, NOW - DAY, NOW - 1, NOW, NOW + 1,
	    NOW + DAY };
	(void)state;
	for (size_t m = 0; m < NMODES; m++)
		for (size_t u = 0; u < sizeof(untils) / sizeof(untils[0]); u++)
			for (int hold = 0; hold < 2; hold++)
				for (int bp = 0; bp < 2; bp++) {
					struct worm_object o = {
						.sealed = true,
						.retain_mode = MODES[m],
						.retain_until_ms = untils[u],
						.legal_hold = hold,
						.bypass_governance = bp,
					};
					bool want = oracle_protects(MODES[m],
					    untils[u], hold, bp);

					if (retention_protects(&o, NOW) != want)
						fail_msg("mode %zu until %+lld hold "
						    "%d bypass %d: want %d", m,
						    (long long)(untils[u] - NOW),
						    hold, bp, want);
				}
}

/* A change (mode, until; NONE = remove) of the retention cur at NOW:
 *  - a new date must be after now;
 *  - a retention past its date (or none) binds nothing;
 *  - COMPLIANCE in force: stays COMPLIANCE, never earlier, never removed;
 *  - GOVERNANCE in force: earlier or removed only with the bypass;
 *    becoming COMPLIANCE or later is a strengthening. */
static enum err
oracle_change(enum retention_mode cm, int64_t cu, bool bypass,
    enum retention_mode m, int64_t u)
{
	bool remove = m == RETENTION_NONE;
	bool in_force = cm != RETENTION_NONE && cu > NOW;

	if (!remove && u <= NOW)
		return ERR_RETENTION_DATE_PAST;
	if (!in_force)
		return ERR_OK;
	if (cm == RETENTION_COMPLIANCE)
		return remove || m != RETENTION_COMPLIANCE || u < cu ?
		    ERR_RETENTION_NOT_EXTENDED : ERR_OK;
	if (remove || u < cu)
		return bypass ? ERR_OK : ERR_RETENTION_NOT_EXTENDED;
	return ERR_OK;
}

static void
test_change_every_case(void **state)
{
	static const int64_t curs[] = { 0, NOW - DAY, NOW, NOW + DAY };
	static const int64_t offs[] = { -DAY, -1, 0, 1, DAY };
	(void)state;
	for (size_t cm = 0; cm < NMODES; cm++)
	for (size_t c = 0; c < sizeof(curs) / sizeof(curs[0]); c++)
	for (int bp = 0; bp < 2; bp++)
	for (size_t m = 0; m < NMODES; m++)
	for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
	for (int base = 0; base < 2; base++) {
		/* Requested dates around the current one and around now. */
		int64_t u = (base ? NOW : curs[c]) + offs[o];
		struct worm_object cur = {
			.sealed = true, .retain_mode = MODES[cm],
			.retain_until_ms = MODES[cm] == RETENTION_NONE ? 0 :
			    curs[c],
			.bypass_governance = bp,
		};
		enum err want, got;

		if (MODES[m] == RETENTION_NONE)
			u = 0;
		want = oracle_change(cur.retain_mode, cur.retain_until_ms, bp,
		    MODES[m], u);
		got = retention_change_allowed(&cur, MODES[m], u, NOW);
		if (got != want)
			fail_msg("cur %zu@%+lld bypass %d -> %zu@%+lld: got "
			    "%s, want %s", cm, (long long)(curs[c] - NOW), bp,
			    m, (long long)(u - NOW), err_name(got),
			    err_name(want));
	}
}

/* The cases the README names, spelled out. */
static void
test_named_cases(void **state)
{
	struct worm_object comp = { .retain_mode = RETENTION_COMPLIANCE,
	    .retain_until_ms = NOW + 10 * DAY };
	struct worm_object gov = { .retain_mode = RETENTION_GOVERNANCE,
	    .retain_until_ms = NOW + 10 * DAY };
	(void)state;

	/* COMPLIANCE: extend only, never GOVERNANCE, bypass or not. */
	assert_int_equal(retention_change_allowed(&comp, RETENTION_COMPLIANCE,
	    NOW + 11 * DAY, NOW), ERR_OK);
	assert_int_equal(retention_change_allowed(&comp, RETENTION_COMPLIANCE,
	    NOW + 10 * DAY, NOW), ERR_OK);
	assert_int_equal(retention_change_allowed(&comp, RETENTION_COMPLIANCE,
	    NOW + 9 * DAY, NOW), ERR_RETENTION_NOT_EXTENDED);
	comp.bypass_governance = true;
	assert_int_equal(retention_change_allowed(&comp, RETENTION_GOVERNANCE,
	    NOW + 20 * DAY, NOW), ERR_RETENTION_NOT_EXTENDED);
	assert_int_equal(retention_change_allowed(&comp, RETENTION_NONE, 0,
	    NOW), ERR_RETENTION_NOT_EXTENDED);
	assert_true(retention_protects(&comp, NOW + 10 * DAY - 1));
	assert_false(retention_protects(&comp, NOW + 10 * DAY));

	/* GOVERNANCE: shorter or removed with the bypass only. */
	assert_int_equal(retention_change_allowed(&gov, RETENTION_GOVERNANCE,
	    NOW + DAY, NOW), ERR_RETENTION_NOT_EXTENDED);
	assert_int_equal(retention_change_allowed(&gov, RETENTION_COMPLIANCE,
	    NOW + 10 * DAY, NOW), ERR_OK);
	assert_true(retention_protects(&gov, NOW));
	gov.bypass_governance = true;
	assert_int_equal(retention_change_allowed(&gov, RETENTION_NONE, 0,
	    NOW), ERR_OK);
	assert_false(retention_protects(&gov, NOW));
	gov.legal_hold = true;
	assert_true(retention_protects(&gov, NOW + 100 * DAY));

	/* A date in the past or at now is refused for any mode. */
	assert_int_equal(retention_change_allowed(&gov, RETENTION_GOVERNANCE,
	    NOW, NOW), ERR_RETENTION_DATE_PAST);
}

static void
test_default_and_columns(void **state)
{
	struct object_worm_config c = { .enabled = true,
	    .mode = RETENTION_COMPLIANCE, .days = 3 };
	struct worm_object o;
	enum retention_mode m;
	(void)state;

	assert_int_equal(retention_default_ms(&c), 3 * DAY);
	c.days = 0;
	c.years = 2;
	assert_int_equal(retention_default_ms(&c), 2 * 365 * DAY);
	c.mode = RETENTION_NONE;
	assert_int_equal(retention_default_ms(&c), 0);

	assert_true(retention_mode_parse("COMPLIANCE", &m));
	assert_int_equal(m, RETENTION_COMPLIANCE);
	assert_true(retention_mode_parse("GOVERNANCE", &m));
	assert_int_equal(m, RETENTION_GOVERNANCE);
	assert_false(retention_mode_parse("compliance", &m));
	assert_false(retention_mode_parse("", &m));
	assert_false(retention_mode_parse(NULL, &m));
	assert_string_equal(retention_mode_name(RETENTION_NONE), "");
	assert_string_equal(retention_mode_name(RETENTION_COMPLIANCE),
	    "COMPLIANCE");

	retention_from_row("", 0, false, &o);
	assert_int_equal(o.retain_mode, RETENTION_NONE);
	retention_from_row("GOVERNANCE", NOW, true, &o);
	assert_int_equal(o.retain_mode, RETENTION_GOVERNANCE);
	assert_true(o.legal_hold);
	/* A value cofferd never writes reads as the strictest. */
	retention_from_row("LOOSE", NOW, false, &o);
	assert_int_equal(o.retain_mode, RETENTION_COMPLIANCE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protects_every_case),
		cmocka_unit_test(test_change_every_case),
		cmocka_unit_test(test_named_cases),
		cmocka_unit_test(test_default_and_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
