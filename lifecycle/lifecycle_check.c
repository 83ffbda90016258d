/* SPDX-License-Identifier: ISC */
/*
 * lifecycle_check.c: the validation table of oss-api-2.md §2.3.
 *
 * Within a rule: Expiration after every Transition (with dates, an earlier
 * CreatedBeforeDate is "later", as PY1 shows), colder classes later than
 * warmer ones, Days and CreatedBeforeDate not mixed (InvalidRequest).
 *
 * Across rules the spec names the ECs but not the exact conditions; our
 * reading, for two rules whose prefixes overlap (one starts with the
 * other):
 *   0014-00000085  identical prefix and tags, same action type: refused
 *                  even with x-oss-allow-same-action-overlap (the header
 *                  allows overlap, not duplicates);
 *   0014-00000084  same action type, refused unless the header is true;
 *   0014-00000080  same action type, one by Days and one by date;
 *   0014-00000079  transitions at the same Days to different classes;
 *   0014-00000082  one rule expires (Days) strictly before the other
 *                  transitions: that transition could never happen.
 * Equal days of an expiration and a transition are allowed: at run time
 * deletion beats transition (§2.4), as an earlier colder transition beats a
 * later warmer one.
 */
#include <string.h>

#include "base/str.h"
#include "lifecycle/lifecycle.h"

static const char *const classes[] = {
	"Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive",
};

int
lifecycle_class_rank(const char *sc)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (sc != NULL && strcmp(sc, classes[i]) == 0)
			return (int)i;
	return -1;
}

/* The ordering rules inside one list of transitions and the expiration
 * that follows them (exp may be NULL). */
static enum err
check_order(const struct lifecycle_transition *t, size_t n,
    const struct lifecycle_when *exp)
{
	for (size_t i = 0; i < n; i++) {
		const struct lifecycle_when *a = &t[i].when;

		if (t[i].is_access_time == 1)
			return ERR_LC_ACCESS_TIME;
		if (exp != NULL && exp->kind != LC_WHEN_NONE &&
		    exp->kind != a->kind)
			return ERR_LC_DATE_WITH_DAYS;
		if (exp != NULL && exp->kind == LC_WHEN_DAYS &&
		    exp->days <= a->days)
			return ERR_LC_EXPIRE_NOT_AFTER_TRANSITION;
		if (exp != NULL && exp->kind == LC_WHEN_DATE &&
		    exp->date_ms >= a->date_ms)
			return ERR_LC_EXPIRE_NOT_AFTER_TRANSITION;
		for (size_t j = 0; j < n; j++) {
			const struct lifecycle_when *b = &t[j].when;
			int ri = lifecycle_class_rank(t[i].storage_class);
			int rj = lifecycle_class_rank(t[j].storage_class);

			if (i == j)
				continue;
			if (a->kind != b->kind)
				return ERR_LC_DATE_WITH_DAYS;
			/* Same class twice, or a colder class no later than
			 * a warmer one. */
			if (ri == rj)
				return ERR_LC_TRANSITION_ORDER;
			if (ri > rj && a->kind == LC_WHEN_DAYS &&
			    a->days <= b->days)
				return ERR_LC_TRANSITION_ORDER;
			if (ri > rj && a->kind == LC_WHEN_DATE &&
			    a->date_ms >= b->date_ms)
				return ERR_LC_TRANSITION_ORDER;
		}
	}
	return ERR_OK;
}

static enum err
check_rule(const struct lifecycle_rule *r, const char *bucket_class)
{
	struct lifecycle_when ncexp = { .kind = LC_WHEN_DAYS,
	    .days = r->nc_expiration_days };
	enum err e;

	if (!r->has_expiration && r->ntransitions == 0 && !r->has_abort &&
	    !r->has_nc_expiration && r->nnc_transitions == 0)
		return ERR_LC_NO_ACTION;
	if (r->ntags > 0 && r->has_abort)
		return ERR_LC_TAG_WITH_ABORT;
	if (r->has_size_gt && r->has_size_lt && r->size_gt >= r->size_lt)
		return ERR_LC_BAD_FILTER;
	for (size_t i = 0; i < r->nnots; i++)
		if (r->nots[i].prefix[0] == '\0' && !r->nots[i].has_tag)
			return ERR_LC_BAD_FILTER;
	if ((r->ntransitions > 0 || r->nnc_transitions > 0) &&
	    lifecycle_class_rank(bucket_class) >= 2)
		return ERR_LC_ARCHIVE_BUCKET;
	e = check_order(r->transitions, r->ntransitions,
	    r->has_expiration ? &r->expiration : NULL);
	if (e == ERR_OK)
		e = check_order(r->nc_transitions, r->nnc_transitions,
		    r->has_nc_expiration ? &ncexp : NULL);
	return e;
}

static bool
prefixes_overlap(const char *a, const char *b)
{
	return str_has_prefix(a, b) || str_has_prefix(b, a);
}

static bool
same_tags(const struct lifecycle_rule *a, const struct lifecycle_rule *b)
{
	if (a->ntags != b->ntags)
		return false;
	for (size_t i = 0; i < a->ntags; i++) {
		bool found = false;

		for (size_t j = 0; j < b->ntags && !found; j++)
			found = strcmp(a->tags[i].key, b->tags[j].key) == 0 &&
			    strcmp(a->tags[i].value, b->tags[j].value) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* The kind of "when" an action type of a rule uses, LC_WHEN_NONE when the
 * rule does not have that action type. */
enum action_type { A_EXP, A_TRANS, A_ABORT, A_NCEXP, A_NCTRANS, A__COUNT };

static enum lifecycle_when_kind
action_kind(const struct lifecycle_rule *r, enum action_type t)
{
	switch (t) {
	case A_EXP:
		if (!r->has_expiration)
			return LC_WHEN_NONE;
		/* ExpiredObjectDeleteMarker alone is an expiration by age. */
		return r->expiration.kind != LC_WHEN_NONE ? r->expiration.kind :
		    LC_WHEN_DAYS;
	case A_TRANS:
		return r->ntransitions > 0 ? r->transitions[0].when.kind :
		    LC_WHEN_NONE;
	case A_ABORT:
		return r->has_abort ? r->abort.kind : LC_WHEN_NONE;
	case A_NCEXP:
		return r->has_nc_expiration ? LC_WHEN_DAYS : LC_WHEN_NONE;
	case A_NCTRANS:
		return r->nnc_transitions > 0 ? LC_WHEN_DAYS : LC_WHEN_NONE;
	default:
		return LC_WHEN_NONE;
	}
}

static const enum err overlap_err[A__COUNT] = {
	[A_EXP] = ERR_LC_OVERLAP_EXPIRATION,
	[A_TRANS] = ERR_LC_OVERLAP_TRANSITION,
	[A_ABORT] = ERR_LC_OVERLAP_ABORT,
	[A_NCEXP] = ERR_LC_OVERLAP_NC_EXPIRATION,
	[A_NCTRANS] = ERR_LC_OVERLAP_NC_TRANSITION,
};

/* a expires (by Days) strictly before b transitions: b's transition is
 * dead; or both transition on one day to different classes. */
static enum err
check_cross(const struct lifecycle_rule *a, const struct lifecycle_rule *b)
{
	for (size_t j = 0; j < b->ntransitions; j++) {
		const struct lifecycle_transition *tb = &b->transitions[j];

		if (tb->when.kind != LC_WHEN_DAYS)
			continue;
		if (a->has_expiration && a->expiration.kind == LC_WHEN_DAYS &&
		    a->expiration.days < tb->when.days)
			return ERR_LC_OVERLAP_ORDER;
		for (size_t i = 0; i < a->ntransitions; i++) {
			const struct lifecycle_transition *ta = &a->transitions[i];

			if (ta->when.kind == LC_WHEN_DAYS &&
			    ta->when.days == tb->when.days &&
			    strcmp(ta->storage_class, tb->storage_class) != 0)
				return ERR_LC_OVERLAP_CONFLICT;
		}
	}
	return ERR_OK;
}

static enum err
check_pair(const struct lifecycle_rule *a, const struct lifecycle_rule *b,
    bool allow_overlap)
{
	enum err e;

	if (strcmp(a->id, b->id) == 0)
		return ERR_LC_BAD_ID;
	if (!prefixes_overlap(a->prefix, b->prefix))
		return ERR_OK;
	for (int t = 0; t < A__COUNT; t++) {
		enum lifecycle_when_kind ka = action_kind(a, (enum action_type)t);
		enum lifecycle_when_kind kb = action_kind(b, (enum action_type)t);

		if (ka == LC_WHEN_NONE || kb == LC_WHEN_NONE)
			continue;
		if (strcmp(a->prefix, b->prefix) == 0 && same_tags(a, b))
			return ERR_LC_SAME_PREFIX;
		if (!allow_overlap)
			return overlap_err[t];
		if (ka != kb)
			return ERR_LC_OVERLAP_DAYS_DATE;
	}
	e = check_cross(a, b);
	if (e == ERR_OK)
		e = check_cross(b, a);
	return e;
}

enum err
lifecycle_check(const struct lifecycle_config *cfg, bool allow_overlap,
    const char *bucket_class)
{
	enum err e;

	if (cfg->nrules == 0)
		return ERR_MALFORMED_XML;
	if (cfg->nrules > LIFECYCLE_RULES_MAX)
		return ERR_LC_TOO_MANY_RULES;
	for (size_t i = 0; i < cfg->nrules; i++)
		if ((e = check_rule(&cfg->rules[i], bucket_class)) != ERR_OK)
			return e;
	/* Quadratic, but at most half a million pairs of a few compares,
	 * once per PutBucketLifecycle. */
	for (size_t i = 0; i < cfg->nrules; i++)
		for (size_t j = i + 1; j < cfg->nrules; j++) {
			e = check_pair(&cfg->rules[i], &cfg->rules[j],
			    allow_overlap);
			if (e != ERR_OK)
				return e;
		}
	return ERR_OK;
}
