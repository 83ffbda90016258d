/* SPDX-License-Identifier: ISC */
/*
 * lifecycle_decide.c: what the rules do to one object version at one daily
 * run (oss-api-2.md §2.4, §2.5). No I/O and no clock: everything comes in
 * through the arguments, so the unit tests can walk it through years of
 * runs and the versioning work can feed it noncurrent versions and delete
 * markers as they are.
 *
 * Due dates: the origin (Last-Modified, or the moment a version stopped
 * being current) rounded up to the next 00:00 UTC, plus N days; acted on at
 * the first run at or after it. CreatedBeforeDate selects versions last
 * modified before that midnight and is due at every run.
 */
#include <string.h>

#include "base/str.h"
#include "lifecycle/lifecycle.h"

int64_t
lifecycle_ceil_day(int64_t ms)
{
	int64_t d = ms / LIFECYCLE_DAY_MS;

	if (ms > 0 && ms % LIFECYCLE_DAY_MS != 0)
		d++;
	return d * LIFECYCLE_DAY_MS;
}

int64_t
lifecycle_day_start(int64_t day)
{
	return day * LIFECYCLE_DAY_MS;
}

/* Whether "k=v" pairs of the URL-encoded tags include key=value. */
static bool
has_tag(const char *tags, const struct lifecycle_tag *t)
{
	char k[1024], v[1024];
	const char *p = tags, *amp, *eq;

	while (p != NULL && *p != '\0') {
		size_t n;
		int kl, vl;

		amp = strchr(p, '&');
		n = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', n);
		if (eq != NULL && (size_t)(eq - p) < sizeof(k) &&
		    n - (size_t)(eq - p) - 1 < sizeof(v)) {
			kl = url_decode(k, p, (size_t)(eq - p), false);
			vl = url_decode(v, eq + 1, n - (size_t)(eq - p) - 1,
			    false);
			if (kl >= 0 && vl >= 0 && strcmp(k, t->key) == 0 &&
			    strcmp(v, t->value) == 0)
				return true;
		} else if (eq == NULL && n < sizeof(k)) {
			/* A tag without '=' has the empty value. */
			kl = url_decode(k, p, n, false);
			if (kl >= 0 && strcmp(k, t->key) == 0 &&
			    t->value[0] == '\0')
				return true;
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	return false;
}

bool
lifecycle_rule_matches(const struct lifecycle_rule *r,
    const struct lifecycle_object *o)
{
	if (!str_has_prefix(o->key, r->prefix))
		return false;
	/* Size bounds are strict: GreaterThan 500 leaves 500 out. A delete
	 * marker has no size and is not filtered by it. */
	if (!o->is_delete_marker) {
		if (r->has_size_gt && !(o->size > r->size_gt))
			return false;
		if (r->has_size_lt && !(o->size < r->size_lt))
			return false;
	}
	for (size_t i = 0; i < r->ntags; i++)
		if (!has_tag(o->tags, &r->tags[i]))
			return false;
	/* A <Not> with both Prefix and Tag excludes objects that have both
	 * (the spec leaves AND or OR open; AND is the narrower exclusion). */
	for (size_t i = 0; i < r->nnots; i++) {
		const struct lifecycle_not *x = &r->nots[i];

		if (str_has_prefix(o->key, x->prefix) &&
		    (!x->has_tag || has_tag(o->tags, &x->tag)))
			return false;
	}
	return true;
}

/* The due time of when for a version whose age counts from origin_ms, or
 * -1 when it never applies to it (a date that does not select it). */
static int64_t
due_at(const struct lifecycle_when *w, int64_t origin_ms, int64_t mtime_ms)
{
	switch (w->kind) {
	case LC_WHEN_DAYS:
		return lifecycle_ceil_day(origin_ms) +
		    (int64_t)w->days * LIFECYCLE_DAY_MS;
	case LC_WHEN_DATE:
		return mtime_ms < w->date_ms ? 0 : -1;
	default:
		return -1;
	}
}

/* Keeps the earliest deletion. */
static void
take_delete(struct lifecycle_decision *d, enum lifecycle_verdict v,
    const struct lifecycle_rule *r, int64_t due)
{
	if (d->verdict == LC_NONE || d->verdict == LC_TRANSITION ||
	    due < d->due_ms) {
		d->verdict = v;
		d->rule_id = r->id;
		d->storage_class[0] = '\0';
		d->due_ms = due;
	}
}

/* Keeps the coldest due transition, if colder than the object is. */
static void
take_transitions(struct lifecycle_decision *d, const struct lifecycle_rule *r,
    const struct lifecycle_transition *t, size_t n, int64_t origin_ms,
    const struct lifecycle_object *o, int64_t run_ms)
{
	for (size_t i = 0; i < n; i++) {
		int64_t due = due_at(&t[i].when, origin_ms, o->mtime_ms);
		int rank = lifecycle_class_rank(t[i].storage_class);
		int have = lifecycle_class_rank(o->storage_class);
		int best = d->verdict == LC_TRANSITION ?
		    lifecycle_class_rank(d->storage_class) : have;

		if (due < 0 || due > run_ms || rank <= have || rank <= best)
			continue;
		if (d->verdict != LC_NONE && d->verdict != LC_TRANSITION)
			return;	/* deletion beats transition */
		d->verdict = LC_TRANSITION;
		d->rule_id = r->id;
		str_copy(d->storage_class, sizeof(d->storage_class),
		    t[i].storage_class);
		d->due_ms = due;
	}
}

enum lifecycle_verdict
lifecycle_decide(const struct lifecycle_config *cfg,
    const struct lifecycle_object *o, int64_t run_ms,
    struct lifecycle_decision *ret)
{
	struct lifecycle_decision d = { .verdict = LC_NONE };
	size_t i;

	if (o->mtime_ms > run_ms)
		goto out;
	/* Deletions first, over every rule: any of them beats any
	 * transition. */
	for (i = 0; i < cfg->nrules; i++) {
		const struct lifecycle_rule *r = &cfg->rules[i];
		int64_t due;

		if (!r->enabled || !lifecycle_rule_matches(r, o))
			continue;
		if (o->is_latest && !o->is_delete_marker && r->has_expiration) {
			due = due_at(&r->expiration, o->mtime_ms, o->mtime_ms);
			if (due >= 0 && due <= run_ms)
				take_delete(&d, LC_EXPIRE, r, due);
		}
		if (o->is_latest && o->is_delete_marker && o->sole_version &&
		    r->has_expiration && r->eodm == 1)
			take_delete(&d, LC_DELETE_MARKER, r, o->mtime_ms);
		if (!o->is_latest && r->has_nc_expiration) {
			struct lifecycle_when w = { .kind = LC_WHEN_DAYS,
			    .days = r->nc_expiration_days };

			due = due_at(&w, o->noncurrent_since_ms, o->mtime_ms);
			if (due <= run_ms)
				take_delete(&d, LC_DELETE_VERSION, r, due);
		}
	}
	if (d.verdict != LC_NONE || o->is_delete_marker)
		goto out;
	for (i = 0; i < cfg->nrules; i++) {
		const struct lifecycle_rule *r = &cfg->rules[i];

		if (!r->enabled || !lifecycle_rule_matches(r, o))
			continue;
		if (o->is_latest)
			take_transitions(&d, r, r->transitions, r->ntransitions,
			    o->mtime_ms, o, run_ms);
		else
			take_transitions(&d, r, r->nc_transitions,
			    r->nnc_transitions, o->noncurrent_since_ms, o,
			    run_ms);
	}
out:
	if (ret != NULL)
		*ret = d;
	return d.verdict;
}

bool
lifecycle_expiry(const struct lifecycle_config *cfg,
    const struct lifecycle_object *o, int64_t *ret_ms, const char **ret_rule)
{
	bool found = false;

	if (!o->is_latest || o->is_delete_marker)
		return false;
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct lifecycle_rule *r = &cfg->rules[i];
		int64_t at;

		if (!r->enabled || !r->has_expiration ||
		    !lifecycle_rule_matches(r, o))
			continue;
		if (r->expiration.kind == LC_WHEN_DAYS)
			at = due_at(&r->expiration, o->mtime_ms, o->mtime_ms);
		else if (r->expiration.kind == LC_WHEN_DATE &&
		    o->mtime_ms < r->expiration.date_ms)
			at = r->expiration.date_ms;
		else
			continue;
		if (!found || at < *ret_ms) {
			*ret_ms = at;
			*ret_rule = r->id;
			found = true;
		}
	}
	return found;
}

bool
lifecycle_abort_due(const struct lifecycle_config *cfg, const char *key,
    int64_t initiated_ms, int64_t run_ms, const char **ret_rule)
{
	if (initiated_ms > run_ms)
		return false;
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct lifecycle_rule *r = &cfg->rules[i];
		int64_t due;

		if (!r->enabled || !r->has_abort ||
		    !str_has_prefix(key, r->prefix))
			continue;
		due = due_at(&r->abort, initiated_ms, initiated_ms);
		if (due >= 0 && due <= run_ms) {
			*ret_rule = r->id;
			return true;
		}
	}
	return false;
}
