/* SPDX-License-Identifier: ISC */
/*
 * retention.c: the rules of object-level retention as pure functions (no
 * I/O, no clock of their own), like the policy table of worm_state.c.
 * Decisions where the pages are silent (oss-api-2.md §1.10) are marked
 * DECIDE.
 */
#include <string.h>

#include "worm/retention.h"

const char *
retention_mode_name(enum retention_mode m)
{
	switch (m) {
	case RETENTION_GOVERNANCE:
		return "GOVERNANCE";
	case RETENTION_COMPLIANCE:
		return "COMPLIANCE";
	case RETENTION_NONE:
		break;
	}
	return "";
}

bool
retention_mode_parse(const char *s, enum retention_mode *ret)
{
	/* Upper case only, as the SDK models spell them. */
	if (s != NULL && strcmp(s, "COMPLIANCE") == 0)
		*ret = RETENTION_COMPLIANCE;
	else if (s != NULL && strcmp(s, "GOVERNANCE") == 0)
		*ret = RETENTION_GOVERNANCE;
	else
		return false;
	return true;
}

void
retention_from_row(const char *mode, int64_t until_ms, bool legal_hold,
    struct worm_object *o)
{
	if (mode == NULL || mode[0] == '\0')
		o->retain_mode = RETENTION_NONE;
	else if (!retention_mode_parse(mode, &o->retain_mode))
		o->retain_mode = RETENTION_COMPLIANCE;
	o->retain_until_ms = until_ms;
	o->legal_hold = legal_hold;
}

int64_t
retention_default_ms(const struct object_worm_config *c)
{
	if (!c->enabled || c->mode == RETENTION_NONE)
		return 0;
	if (c->years > 0)
		return (int64_t)c->years * RETENTION_YEAR_DAYS * WORM_DAY_MS;
	return (int64_t)c->days * WORM_DAY_MS;
}

/* The retention still binds at now_ms (the legal hold aside). */
static bool
in_force(const struct worm_object *o, int64_t now_ms)
{
	return o->retain_mode != RETENTION_NONE && o->retain_until_ms > now_ms;
}

bool
retention_protects(const struct worm_object *o, int64_t now_ms)
{
	/* A legal hold has no date: it holds until it is turned off. */
	if (o->legal_hold)
		return true;
	if (!in_force(o, now_ms))
		return false;
	/* GOVERNANCE protects against everyone but an owner who says so;
	 * COMPLIANCE against everyone, the owner included. */
	return o->retain_mode == RETENTION_COMPLIANCE || !o->bypass_governance;
}

enum err
retention_change_allowed(const struct worm_object *cur,
    enum retention_mode mode, int64_t until_ms, int64_t now_ms)
{
	bool remove = mode == RETENTION_NONE;

	/* OSS: RetainUntilDate must be in the future. */
	if (!remove && until_ms <= now_ms)
		return ERR_RETENTION_DATE_PAST;
	/* A retention that has run out binds nothing: any new one may
	 * replace it, or it may be cleared. */
	if (!in_force(cur, now_ms))
		return ERR_OK;
	if (cur->retain_mode == RETENTION_COMPLIANCE) {
		/* OSS: it can only be extended. Never weakened to
		 * GOVERNANCE, never removed, bypass or not. */
		if (remove || mode != RETENTION_COMPLIANCE ||
		    until_ms < cur->retain_until_ms)
			return ERR_RETENTION_NOT_EXTENDED;
		return ERR_OK;
	}
	/* GOVERNANCE in force. DECIDE: making it COMPLIANCE, or the date
	 * later, only strengthens it; earlier or removed needs the owner's
	 * bypass (the SDK's x-oss-bypass-governance-retention). */
	if (remove || until_ms < cur->retain_until_ms)
		return cur->bypass_governance ? ERR_OK :
		    ERR_RETENTION_NOT_EXTENDED;
	return ERR_OK;
}
