/* SPDX-License-Identifier: ISC */
/*
 * test_worm_state.c: the pure WORM state machine (worm/worm_state.c),
 * exhaustively.
 *
 * Every effective state (None, InProgress, Locked, Expired) x every action
 * (Initiate, Abort, Complete, Extend, Get) x every kind of wormId (right,
 * wrong, missing) x days at and around each boundary is run through
 * worm_state_apply and compared with an oracle written here directly from
 * the spec (oss-api.md §3.4, reliability.md §1.4), not from the table. Then
 * the time boundaries of the derived states and of worm_protects, and the
 * MAC input layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "worm/worm.h"

#define NOW	((int64_t)1790000000000)	/* 2026-09-21, any fixed time */
#define RIGHT_ID "0123456789ABCDEF0123456789ABCDEF"
#define WRONG_ID "FEDCBA9876543210FEDCBA9876543210"
#define CUR_DAYS 30

enum id_kind { ID_RIGHT, ID_WRONG, ID_NULL, ID__COUNT };

static const uint64_t days_cases[] = {
	0, 1, CUR_DAYS - 1, CUR_DAYS, CUR_DAYS + 1, 25549, 25550, 25551,
	UINT32_MAX,
};

/* A stored row whose effective state at NOW is s (NULL for None). */
static const struct worm_policy *
policy_in(enum worm_state s, struct worm_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->bucket_id = 7;
	memcpy(p->worm_id, RIGHT_ID, sizeof(RIGHT_ID));
	p->days = CUR_DAYS;
	switch (s) {
	case WORM_STATE_NONE:
		return NULL;
	case WORM_STATE_IN_PROGRESS:
		p->state = WORM_STATE_IN_PROGRESS;
		p->created_ms = NOW - 3600 * 1000;
		return p;
	case WORM_STATE_LOCKED:
		/* Created long ago: a Locked policy never expires. */
		p->state = WORM_STATE_LOCKED;
		p->created_ms = NOW - 400 * WORM_DAY_MS;
		return p;
	case WORM_STATE_EXPIRED:
		/* Exactly 24 h: the first expired millisecond. */
		p->state = WORM_STATE_IN_PROGRESS;
		p->created_ms = NOW - WORM_IN_PROGRESS_MS;
		return p;
	default:
		fail();
		return NULL;
	}
}

/* The oracle: the rules as the spec states them. */
static enum err
expected(enum worm_state s, enum worm_action a, enum id_kind id,
    uint64_t days, enum worm_state *to)
{
	bool exists = s == WORM_STATE_IN_PROGRESS || s == WORM_STATE_LOCKED;
	bool days_ok = days >= 1 && days <= 25550;

	switch (a) {
	case WORM_ACTION_INITIATE:
		/* One policy per bucket; an expired one is gone. */
		if (exists)
			return ERR_WORM_EXISTS;
		if (!days_ok)
			return ERR_INVALID_WORM;
		*to = WORM_STATE_IN_PROGRESS;
		return ERR_OK;
	case WORM_ACTION_ABORT:
		if (!exists)
			return ERR_NO_SUCH_WORM;
		if (s == WORM_STATE_LOCKED)
			return ERR_WORM_LOCKED;
		*to = WORM_STATE_NONE;
		return ERR_OK;
	case WORM_ACTION_COMPLETE:
		/* Unknown, aborted or expired ids are 404 (GO2). */
		if (!exists || id != ID_RIGHT)
			return ERR_NO_SUCH_WORM_ID;
		*to = WORM_STATE_LOCKED;	/* idempotent on Locked */
		return ERR_OK;
	case WORM_ACTION_EXTEND:
		if (!exists || id != ID_RIGHT)
			return ERR_NO_SUCH_WORM_ID;
		/* Only a locked policy is extended, and only lengthened. */
		if (s != WORM_STATE_LOCKED || !days_ok || days <= CUR_DAYS)
			return ERR_INVALID_WORM;
		*to = WORM_STATE_LOCKED;
		return ERR_OK;
	case WORM_ACTION_GET:
		if (!exists)
			return ERR_NO_SUCH_WORM;
		*to = s;
		return ERR_OK;
	default:
		fail();
		return ERR_INTERNAL;
	}
}

static void
test_every_state_action(void **state)
{
	unsigned checked = 0;

	(void)state;
	for (unsigned s = 0; s < WORM_STATE__COUNT; s++)
	for (unsigned a = 0; a < WORM_ACTION__COUNT; a++)
	for (unsigned id = 0; id < ID__COUNT; id++)
	for (size_t d = 0; d < sizeof(days_cases) / sizeof(days_cases[0]); d++) {
		struct worm_policy row;
		const struct worm_policy *p = policy_in(s, &row);
		struct worm_event ev = {
			.action = (enum worm_action)a,
			.worm_id = id == ID_RIGHT ? RIGHT_ID :
			    id == ID_WRONG ? WRONG_ID : NULL,
			.days = days_cases[d],
		};
		enum worm_state want_to = WORM_STATE__COUNT;
		enum worm_state got_to = WORM_STATE__COUNT;
		enum err want, got;

		want = expected(s, a, id, days_cases[d], &want_to);
		got = worm_state_apply(p, NOW, &ev, &got_to);
		if (got != want || got_to != (want == ERR_OK ? want_to :
		    WORM_STATE__COUNT))
			fail_msg("state %s action %s id %u days %llu: got %s/%s,"
			    " want %s/%s", worm_state_name(s),
			    worm_action_name(a), id,
			    (unsigned long long)days_cases[d], err_name(got),
			    worm_state_name(got_to), err_name(want),
			    worm_state_name(want_to));
		checked++;
	}
	assert_int_equal(checked, 4 * 5 * 3 * 9);
}

/* Spot checks of the messages a client sees, independent of the oracle. */
static void
test_named_cases(void **state)
{
	struct worm_policy row;
	struct worm_event ev = { 0 };
	enum worm_state to = WORM_STATE__COUNT;

	(void)state;
	ev.action = WORM_ACTION_INITIATE;
	ev.days = 1;
	assert_int_equal(worm_state_apply(policy_in(WORM_STATE_LOCKED, &row),
	    NOW, &ev, &to), ERR_WORM_EXISTS);
	assert_int_equal(to, WORM_STATE__COUNT);	/* untouched on failure */
	assert_int_equal(err_info(ERR_WORM_EXISTS)->http, 409);
	assert_string_equal(err_info(ERR_WORM_EXISTS)->code,
	    "WORMConfigurationAlreadyExists");
	assert_string_equal(err_info(ERR_WORM_EXISTS)->msg,
	    "The WORM Configuration already exists.");

	ev.action = WORM_ACTION_ABORT;
	assert_int_equal(worm_state_apply(policy_in(WORM_STATE_LOCKED, &row),
	    NOW, &ev, &to), ERR_WORM_LOCKED);
	assert_int_equal(err_info(ERR_WORM_LOCKED)->http, 403);

	ev.action = WORM_ACTION_EXTEND;
	ev.worm_id = RIGHT_ID;
	ev.days = CUR_DAYS;
	assert_int_equal(worm_state_apply(policy_in(WORM_STATE_LOCKED, &row),
	    NOW, &ev, &to), ERR_INVALID_WORM);
	assert_int_equal(err_info(ERR_INVALID_WORM)->http, 400);
	ev.days = CUR_DAYS + 1;
	assert_int_equal(worm_state_apply(policy_in(WORM_STATE_LOCKED, &row),
	    NOW, &ev, &to), ERR_OK);
	assert_int_equal(to, WORM_STATE_LOCKED);

	ev.action = WORM_ACTION_COMPLETE;
	ev.worm_id = "0123456789abcdef0123456789abcdef";	/* case matters */
	assert_int_equal(worm_state_apply(policy_in(WORM_STATE_IN_PROGRESS,
	    &row), NOW, &ev, &to), ERR_NO_SUCH_WORM_ID);
	assert_int_equal(err_info(ERR_NO_SUCH_WORM_ID)->http, 404);

	ev.action = (enum worm_action)WORM_ACTION__COUNT;
	assert_int_equal(worm_state_apply(NULL, NOW, &ev, &to), ERR_INTERNAL);
}

static void
test_effective_state_boundaries(void **state)
{
	struct worm_policy p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.days = 1;
	p.state = WORM_STATE_IN_PROGRESS;
	p.created_ms = NOW;
	assert_int_equal(worm_state_effective(NULL, NOW), WORM_STATE_NONE);
	assert_int_equal(worm_state_effective(&p, NOW), WORM_STATE_IN_PROGRESS);
	assert_int_equal(worm_state_effective(&p, NOW + WORM_IN_PROGRESS_MS - 1),
	    WORM_STATE_IN_PROGRESS);
	assert_int_equal(worm_state_effective(&p, NOW + WORM_IN_PROGRESS_MS),
	    WORM_STATE_EXPIRED);
	p.state = WORM_STATE_LOCKED;
	assert_int_equal(worm_state_effective(&p, NOW + 100000 * WORM_DAY_MS),
	    WORM_STATE_LOCKED);
	/* A stored value that is neither is no policy at all. */
	p.state = WORM_STATE_EXPIRED;
	assert_int_equal(worm_state_effective(&p, NOW), WORM_STATE_NONE);

	assert_string_equal(worm_state_name(WORM_STATE_IN_PROGRESS), "InProgress");
	assert_string_equal(worm_state_name(WORM_STATE_LOCKED), "Locked");
}

static void
test_protects_boundaries(void **state)
{
	struct worm_policy p;
	int64_t m = NOW - 5000;		/* object last modified */

	(void)state;
	memset(&p, 0, sizeof(p));
	p.days = 3;
	p.state = WORM_STATE_LOCKED;
	p.created_ms = NOW - 10 * WORM_DAY_MS;
	assert_false(worm_protects(NULL, m, NOW));
	assert_true(worm_protects(&p, m, NOW));
	/* One millisecond before the end: protected; at the end: not. */
	assert_true(worm_protects(&p, m, m + 3 * WORM_DAY_MS - 1));
	assert_false(worm_protects(&p, m, m + 3 * WORM_DAY_MS));
	/* An object written later than "now" (clock skew between rows) is
	 * protected, never treated as old. */
	assert_true(worm_protects(&p, NOW + 1000, NOW));

	/* InProgress protects while it lasts; expired protects nothing. */
	p.state = WORM_STATE_IN_PROGRESS;
	p.created_ms = NOW - WORM_IN_PROGRESS_MS + 1;
	assert_true(worm_protects(&p, m, NOW));
	p.created_ms = NOW - WORM_IN_PROGRESS_MS;
	assert_false(worm_protects(&p, m, NOW));
	assert_false(worm_protects(&p, NOW, NOW));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_action),
		cmocka_unit_test(test_named_cases),
		cmocka_unit_test(test_effective_state_boundaries),
		cmocka_unit_test(test_protects_boundaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
