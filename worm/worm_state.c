/* SPDX-License-Identifier: ISC */
/*
 * worm_state.c: the WORM policy state machine as a pure table (STYLE rule
 * 21). No I/O and no clock of its own: the effective state is derived from
 * the stored row and the caller's now_ms, so the 24-hour expiry of an
 * unlocked policy needs no timer and survives restarts unchanged.
 *
 * Decisions where OSS documentation is silent (spec oss-api.md §3.4,
 * reliability.md §1.4) are marked DECIDE.
 */
#include <string.h>

#include "worm/worm.h"

/* Guards, checked in this order after the row's state is known. */
#define G_ID		0x1	/* the request's wormId must be the policy's */
#define G_DAYS		0x2	/* days within WORM_DAYS_MIN..WORM_DAYS_MAX */
#define G_LONGER	0x4	/* days must exceed the current period */

struct transition {
	bool		 valid;		/* every cell is filled; see the test */
	enum worm_state	 to;
	enum err	 refuse;	/* ERR_OK: allowed (subject to guards) */
	unsigned	 guards;
};

#define T(to_, g_)	{ .valid = true, .to = (to_), .refuse = ERR_OK, .guards = (g_) }
#define R(e_, g_)	{ .valid = true, .to = WORM_STATE_NONE, .refuse = (e_), .guards = (g_) }

static const struct transition transitions[WORM_STATE__COUNT][WORM_ACTION__COUNT] = {
	[WORM_STATE_NONE] = {
		[WORM_ACTION_INITIATE] = T(WORM_STATE_IN_PROGRESS, G_DAYS),
		[WORM_ACTION_ABORT] = R(ERR_NO_SUCH_WORM, 0),
		[WORM_ACTION_COMPLETE] = R(ERR_NO_SUCH_WORM_ID, 0),
		[WORM_ACTION_EXTEND] = R(ERR_NO_SUCH_WORM_ID, 0),
		[WORM_ACTION_GET] = R(ERR_NO_SUCH_WORM, 0),
	},
	[WORM_STATE_IN_PROGRESS] = {
		/* OSS: one policy per bucket. */
		[WORM_ACTION_INITIATE] = R(ERR_WORM_EXISTS, 0),
		/* OSS: an unlocked policy may be deleted by the owner. */
		[WORM_ACTION_ABORT] = T(WORM_STATE_NONE, 0),
		[WORM_ACTION_COMPLETE] = T(WORM_STATE_LOCKED, G_ID),
		/* OSS: ExtendBucketWorm applies to locked policies. DECIDE:
		 * extending an unlocked one is InvalidWORMConfiguration. */
		[WORM_ACTION_EXTEND] = R(ERR_INVALID_WORM, G_ID),
		[WORM_ACTION_GET] = T(WORM_STATE_IN_PROGRESS, 0),
	},
	[WORM_STATE_LOCKED] = {
		[WORM_ACTION_INITIATE] = R(ERR_WORM_EXISTS, 0),
		/* OSS: a Locked policy cannot be deleted (403). */
		[WORM_ACTION_ABORT] = R(ERR_WORM_LOCKED, 0),
		/* DECIDE: locking again is a no-op, so a client retrying after
		 * a lost reply sees success. Never a path back to InProgress. */
		[WORM_ACTION_COMPLETE] = T(WORM_STATE_LOCKED, G_ID),
		/* OSS: ExtendBucketWorm may only lengthen RetentionPeriodInDays. */
		[WORM_ACTION_EXTEND] = T(WORM_STATE_LOCKED, G_ID | G_DAYS | G_LONGER),
		[WORM_ACTION_GET] = T(WORM_STATE_LOCKED, 0),
	},
	/* OSS: unlocked for 24 h, the policy becomes invalid: it behaves as
	 * absent, and a new one may be initiated in its place. */
	[WORM_STATE_EXPIRED] = {
		[WORM_ACTION_INITIATE] = T(WORM_STATE_IN_PROGRESS, G_DAYS),
		[WORM_ACTION_ABORT] = R(ERR_NO_SUCH_WORM, 0),
		[WORM_ACTION_COMPLETE] = R(ERR_NO_SUCH_WORM_ID, 0),
		[WORM_ACTION_EXTEND] = R(ERR_NO_SUCH_WORM_ID, 0),
		[WORM_ACTION_GET] = R(ERR_NO_SUCH_WORM, 0),
	},
};

const char *
worm_state_name(enum worm_state s)
{
	switch (s) {
	case WORM_STATE_NONE:		return "None";
	case WORM_STATE_IN_PROGRESS:	return "InProgress";
	case WORM_STATE_LOCKED:		return "Locked";
	case WORM_STATE_EXPIRED:	return "Expired";
	default:			return "?";
	}
}

const char *
worm_action_name(enum worm_action a)
{
	switch (a) {
	case WORM_ACTION_INITIATE:	return "initiate";
	case WORM_ACTION_ABORT:		return "abort";
	case WORM_ACTION_COMPLETE:	return "complete";
	case WORM_ACTION_EXTEND:	return "extend";
	case WORM_ACTION_GET:		return "get";
	default:			return "?";
	}
}

enum worm_state
worm_state_effective(const struct worm_policy *p, int64_t now_ms)
{
	if (p == NULL)
		return WORM_STATE_NONE;
	if (p->state == WORM_STATE_LOCKED)
		return WORM_STATE_LOCKED;
	if (p->state != WORM_STATE_IN_PROGRESS)
		return WORM_STATE_NONE;
	/* Expired from the first millisecond past the 24 hours. */
	if (now_ms >= p->created_ms + WORM_IN_PROGRESS_MS)
		return WORM_STATE_EXPIRED;
	return WORM_STATE_IN_PROGRESS;
}

enum err
worm_state_apply(const struct worm_policy *cur, int64_t now_ms,
    const struct worm_event *ev, enum worm_state *ret_to)
{
	enum worm_state from = worm_state_effective(cur, now_ms);
	const struct transition *t;

	if ((unsigned)ev->action >= WORM_ACTION__COUNT)
		return ERR_INTERNAL;
	t = &transitions[from][ev->action];
	if (!t->valid)
		return ERR_INTERNAL;
	/* A wrong id is "not found" whatever the state: the id is how a
	 * client names the policy (GO2 TestBucketWorm: 404 after Abort). */
	if ((t->guards & G_ID) &&
	    (ev->worm_id == NULL || cur == NULL ||
	    strcmp(ev->worm_id, cur->worm_id) != 0))
		return ERR_NO_SUCH_WORM_ID;
	if (t->refuse != ERR_OK)
		return t->refuse;
	if ((t->guards & G_DAYS) &&
	    (ev->days < WORM_DAYS_MIN || ev->days > WORM_DAYS_MAX))
		return ERR_INVALID_WORM;
	if ((t->guards & G_LONGER) && (cur == NULL || ev->days <= cur->days))
		return ERR_INVALID_WORM;
	*ret_to = t->to;
	return ERR_OK;
}

bool
worm_protects(const struct worm_policy *p, int64_t mtime_ms, int64_t now_ms)
{
	enum worm_state s = worm_state_effective(p, now_ms);

	if (s != WORM_STATE_IN_PROGRESS && s != WORM_STATE_LOCKED)
		return false;
	return mtime_ms + (int64_t)p->days * WORM_DAY_MS > now_ms;
}
