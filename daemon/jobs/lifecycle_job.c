/* SPDX-License-Identifier: ISC */
/*
 * lifecycle_job.c: the daily lifecycle runs (oss-api-2.md §2.4-2.6).
 *
 * A bucket's rules run once per business day, as of 00:00 UTC; the run of
 * day D is due from that midnight on. After a clock jump every skipped
 * day runs in turn, so a Transition at day 30 and an Expiration at day 31
 * each happen at their own run, and an expiry refused under retention on
 * one day is asked again the next.
 *
 * One run: the bucket's objects page by page in key order, each asked of
 * lifecycle_decide() and changed through the ops the composition root
 * gave (one guarded transaction each); then the multipart uploads. Where
 * it stands (day, phase, last key, counters) is written after every page,
 * so a run that a crash interrupts goes on from there at the next start.
 * Redoing the rest of a page is harmless: an expired object is gone, a
 * transitioned one is already in its class, an aborted upload is not
 * listed any more. (Counters may count such an object twice.)
 *
 * A versioned bucket's run lists every version and delete marker (§2.5):
 * an expiry of a current version adds a delete marker, NoncurrentDays
 * count from when a version stopped being current, a delete marker left
 * alone is removed under ExpiredObjectDeleteMarker. Its pages may end
 * inside a key's versions; the stored cursor only ever names a key whose
 * versions are all done, so a restart redoes at most that one key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"
#include "base/str.h"
#include "jobs/jobs_int.h"
#include "lifecycle/lifecycle.h"

#define PAGE_KEYS	1000
#define PAGE_ARENA	(64u * 1024 * 1024)
#define CFG_ARENA	(64u * 1024 * 1024)
#define DUE_BATCH	64

struct page {
	struct arena	*a;
	struct object	*objs;
	size_t		 n, cap;
	struct mpu	*ups;
	enum err	 err;
};

static void
page_object(void *ctx, const struct object *o)
{
	struct page *p = ctx;

	if (p->err == ERR_OK)
		p->err = arena_grow(p->a, (void **)&p->objs, p->n, &p->cap,
		    sizeof(*p->objs));
	if (p->err == ERR_OK)
		p->objs[p->n++] = *o;
}

static void
page_upload(void *ctx, const struct mpu *u)
{
	struct page *p = ctx;

	if (p->err == ERR_OK)
		p->err = arena_grow(p->a, (void **)&p->ups, p->n, &p->cap,
		    sizeof(*p->ups));
	if (p->err == ERR_OK)
		p->ups[p->n++] = *u;
}

struct run {
	struct jobs			*j;
	const struct bucket		*b;
	const struct lifecycle_config	*cfg;
	struct lifecycle_progress	*p;
	int64_t				 run_ms;
	void				(*progress)(void *,
					    const struct lifecycle_progress *,
					    bool);
	void				*ctx;
};

static void
act_object(struct run *x, const struct object *o)
{
	struct lifecycle_object lo = {
		.key = o->key, .size = o->size, .tags = o->tags,
		.mtime_ms = o->mtime_ms, .storage_class = o->storage_class,
		.is_latest = o->latest, .is_delete_marker = o->delete_marker,
		.noncurrent_since_ms = o->noncurrent_ms,
	};
	struct lifecycle_decision d;
	const struct jobs_lifecycle_ops *ops = &x->j->s.lifecycle;
	enum err r;

	x->p->scanned++;
	if (o->latest && o->delete_marker) {
		int64_t n = 0;

		/* Asked now, not from the listing: the page may not hold
		 * the key's other versions. */
		r = object_version_count(x->j->s.db, x->b->id, o->key, &n);
		if (r != ERR_OK) {
			log_warnx("lifecycle: '%s/%s': %s", x->b->name, o->key,
			    err_name(r));
			return;
		}
		lo.sole_version = n == 1;
	}
	switch (lifecycle_decide(x->cfg, &lo, x->run_ms, &d)) {
	case LC_EXPIRE:
	case LC_DELETE_VERSION:
	case LC_DELETE_MARKER:
		/* The op knows from o and the bucket what removing means:
		 * a delete marker over a current version, else that
		 * version or marker for good. */
		r = ops->change(ops->ctx, x->b, o, NULL, x->run_ms,
		    x->j->s.actor, d.rule_id);
		if (r == ERR_OK)
			x->p->expired++;
		else if (r == ERR_FILE_IMMUTABLE)
			x->p->skipped++;
		else if (r != ERR_STALE_FILE)
			log_warnx("lifecycle: expiring '%s/%s': %s", x->b->name,
			    o->key, err_name(r));
		break;
	case LC_TRANSITION:
		r = ops->change(ops->ctx, x->b, o, d.storage_class, x->run_ms,
		    x->j->s.actor, d.rule_id);
		if (r == ERR_OK)
			x->p->transitioned++;
		else if (r != ERR_STALE_FILE)
			log_warnx("lifecycle: transitioning '%s/%s': %s",
			    x->b->name, o->key, err_name(r));
		break;
	default:
		break;
	}
}

/* Writes where the run stands; ERR_CONFLICT when the configuration was
 * replaced or deleted meanwhile (the run stops). */
static enum err
save(struct run *x, bool done)
{
	enum err r;

	x->p->updated_ms = x->run_ms;
	r = lifecycle_progress_put(x->j->s.db, x->p);
	if (r == ERR_OK && x->progress != NULL)
		x->progress(x->ctx, x->p, done);
	return r;
}

static void
vpage_prefix(void *ctx, const char *cp)
{
	(void)ctx;
	(void)cp;	/* no delimiter is asked for */
}

/*
 * The three listings a run walks share one loop: page() lists one page
 * from where the run stands (its own cursor in st), acts on it and moves
 * the cursor; every page ends with the progress saved, so a restart
 * resumes after the last page done.
 */
typedef enum err page_fn(struct run *x, void *st, struct page *pg,
    bool *more);

static enum err
walk(struct run *x, page_fn *page, void *st)
{
	bool more = true;
	enum err r = ERR_OK;

	while (more && r == ERR_OK && !jobs_stopping(x->j)) {
		struct arena a;
		struct page pg = { .a = &a };

		arena_init(&a, PAGE_ARENA);
		r = page(x, st, &pg, &more);
		if (r == ERR_OK)
			r = pg.err;
		if (r == ERR_OK)
			r = save(x, false);
		arena_free(&a);
	}
	if (r == ERR_OK && jobs_stopping(x->j))
		r = ERR_SHUTTING_DOWN;
	return r;
}

struct vcursor {
	char	km[BUCKET_KEY_MAX + 1], vm[BUCKET_VERSION_ID_MAX + 1];
};

/* A versioned bucket: every version, newest first within a key. */
static enum err
versions_page(struct run *x, void *st, struct page *pg, bool *more)
{
	struct vcursor *c = st;
	struct version_list_opts vo = { .max_keys = PAGE_KEYS };
	struct version_list_next next = { .truncated = true };
	struct version_list_cb cb = { .version = page_object,
	    .prefix = vpage_prefix, .ctx = pg };
	const char *done = NULL;
	enum err r;

	vo.key_marker = c->km[0] != '\0' ? c->km : NULL;
	vo.vid_marker = c->vm[0] != '\0' ? c->vm : NULL;
	r = object_list_versions(x->j->s.db, pg->a, x->b->id, &vo, &cb, &next);
	if (r != ERR_OK || pg->err != ERR_OK)
		return r;
	for (size_t i = 0; i < pg->n; i++) {
		act_object(x, &pg->objs[i]);
		/* A key is done once a later key starts, or the listing
		 * ends. */
		if (i + 1 < pg->n ? strcmp(pg->objs[i + 1].key,
		    pg->objs[i].key) != 0 : !next.truncated)
			done = pg->objs[i].key;
	}
	if (next.truncated) {
		str_copy(c->km, sizeof(c->km), next.key_marker);
		str_copy(c->vm, sizeof(c->vm), next.vid_marker);
	}
	if (done != NULL)
		str_copy(x->p->cursor, sizeof(x->p->cursor), done);
	*more = next.truncated;
	return ERR_OK;
}

static enum err
run_versions(struct run *x)
{
	struct vcursor c = { .vm = "" };

	str_copy(c.km, sizeof(c.km), x->p->cursor);
	return walk(x, versions_page, &c);
}

/* An unversioned bucket: the cursor is the last key acted on. */
static enum err
objects_page(struct run *x, void *st, struct page *pg, bool *more)
{
	struct object_list_opts lo = { .max_keys = PAGE_KEYS };
	struct object_list_cb cb = { .object = page_object, .ctx = pg };
	const char *next = NULL;
	enum err r;

	(void)st;
	lo.marker = x->p->cursor[0] != '\0' ? x->p->cursor : NULL;
	r = object_list(x->j->s.db, pg->a, x->b->id, &lo, &cb, more, &next);
	if (r != ERR_OK || pg->err != ERR_OK)
		return r;
	for (size_t i = 0; i < pg->n; i++)
		act_object(x, &pg->objs[i]);
	if (pg->n > 0)
		str_copy(x->p->cursor, sizeof(x->p->cursor),
		    pg->objs[pg->n - 1].key);
	return ERR_OK;
}

static enum err
run_objects(struct run *x)
{
	return walk(x, objects_page, NULL);
}

struct ucursor {
	char	key[BUCKET_KEY_MAX + 1], uid[MPU_ID_BYTES];
};

static enum err
uploads_page(struct run *x, void *st, struct page *pg, bool *more)
{
	const struct jobs_lifecycle_ops *ops = &x->j->s.lifecycle;
	struct ucursor *c = st;
	struct mpu_list_opts mo = { .prefix = "", .key_marker = c->key,
	    .upload_id_marker = c->uid, .max = PAGE_KEYS };
	enum err r;

	r = mpu_list(x->j->s.db, pg->a, x->b->id, &mo, page_upload, pg, more);
	if (r != ERR_OK || pg->err != ERR_OK)
		return r;
	for (size_t i = 0; i < pg->n; i++) {
		const struct mpu *u = &pg->ups[i];
		const char *rule;
		enum err e;

		if (!lifecycle_abort_due(x->cfg, u->key, u->initiated_ms,
		    x->run_ms, &rule))
			continue;
		e = ops->abort(ops->ctx, x->b, u, x->run_ms, x->j->s.actor,
		    rule);
		if (e == ERR_OK)
			x->p->aborted++;
		else if (e != ERR_NO_SUCH_UPLOAD)
			log_warnx("lifecycle: aborting an upload of '%s/%s': "
			    "%s", x->b->name, u->key, err_name(e));
	}
	if (pg->n > 0) {
		str_copy(c->key, sizeof(c->key), pg->ups[pg->n - 1].key);
		str_copy(c->uid, sizeof(c->uid), pg->ups[pg->n - 1].upload_id);
	}
	return ERR_OK;
}

/* From the start again after a restart: what was aborted is not listed
 * any more. */
static enum err
run_uploads(struct run *x)
{
	struct ucursor c = { .key = "", .uid = "" };

	return walk(x, uploads_page, &c);
}

/* Finishes the run in progress in p (run_day set). */
static enum err
run_day(struct run *x)
{
	char detail[256];
	enum err r = ERR_OK;

	x->run_ms = lifecycle_day_start(x->p->run_day);
	if (x->p->phase == 0) {
		r = x->b->versioning != BUCKET_UNVERSIONED ? run_versions(x) :
		    run_objects(x);
		if (r == ERR_OK) {
			x->p->phase = 1;
			x->p->cursor[0] = '\0';
			r = save(x, false);
		}
	}
	if (r == ERR_OK)
		r = run_uploads(x);
	if (r != ERR_OK)
		return r;
	x->p->last_day = x->p->run_day > x->p->last_day ? x->p->run_day :
	    x->p->last_day;
	x->p->run_day = 0;
	x->p->phase = 0;
	x->p->cursor[0] = '\0';
	r = save(x, true);
	snprintf(detail, sizeof(detail), "scanned=%lld expired=%lld "
	    "transitioned=%lld skipped=%lld aborted=%lld",
	    (long long)x->p->scanned, (long long)x->p->expired,
	    (long long)x->p->transitioned, (long long)x->p->skipped,
	    (long long)x->p->aborted);
	if (r == ERR_OK)
		(void)lifecycle_audit(x->j->s.db, x->run_ms, x->j->s.actor,
		    "run", x->b->name, NULL, "ok", detail);
	return r;
}

/* Every run of bucket b due at now_ms; force: today's again when none is
 * due. *ret_runs counts the completed runs. */
static enum err
run_bucket(struct jobs *j, const struct bucket *b, int64_t now_ms, bool force,
    void (*progress)(void *, const struct lifecycle_progress *, bool),
    void *ctx, unsigned *ret_runs)
{
	int64_t today = now_ms / LIFECYCLE_DAY_MS;
	struct lifecycle_progress *p;
	enum err r = ERR_OK;

	if (j->s.lifecycle.change == NULL || j->s.lifecycle.abort == NULL)
		return ERR_OK;
	p = malloc(sizeof(*p));
	if (p == NULL)
		return ERR_NOMEM;
	while (r == ERR_OK && !jobs_stopping(j)) {
		struct lifecycle_config cfg;
		struct run x = { .j = j, .b = b, .cfg = &cfg, .p = p,
		    .progress = progress, .ctx = ctx };
		struct arena a;
		const char *doc;

		r = lifecycle_progress_get(j->s.db, b->id, p);
		if (r != ERR_OK)
			break;
		if (p->run_day == 0) {
			if (p->last_day >= today && !force)
				break;
			p->run_day = p->last_day < today ? p->last_day + 1 :
			    today;
			p->phase = 0;
			p->cursor[0] = '\0';
			p->scanned = p->expired = p->transitioned = 0;
			p->skipped = p->aborted = 0;
			x.run_ms = lifecycle_day_start(p->run_day);
			r = save(&x, false);
			if (r != ERR_OK)
				break;
		}
		/* A forced run is one more than what was due, once. */
		force = false;
		arena_init(&a, CFG_ARENA);
		r = lifecycle_get(j->s.db, &a, b->id, &doc);
		if (r == ERR_OK)
			r = lifecycle_parse_text(&a, doc, strlen(doc), &cfg);
		if (r == ERR_OK)
			r = run_day(&x);
		arena_free(&a);
		if (r == ERR_OK)
			(*ret_runs)++;
	}
	free(p);
	return r;
}

unsigned
jobs_lifecycle_due(struct jobs *j, int64_t now_ms)
{
	struct lifecycle_ref refs[DUE_BATCH];
	unsigned runs = 0;
	size_t n = 0;
	enum err r;

	if (j->s.lifecycle.change == NULL)
		return 0;
	r = lifecycle_due(j->s.db, now_ms / LIFECYCLE_DAY_MS, refs, DUE_BATCH,
	    &n);
	if (r != ERR_OK) {
		log_warnx("lifecycle: cannot read the schedule: %s",
		    err_name(r));
		return 0;
	}
	for (size_t i = 0; i < n && !jobs_stopping(j); i++) {
		struct bucket b;

		r = bucket_get(j->s.db, refs[i].name, &b);
		if (r == ERR_OK && b.id != refs[i].bucket_id)
			r = ERR_NO_SUCH_BUCKET;	/* re-created meanwhile */
		if (r == ERR_OK)
			r = run_bucket(j, &b, now_ms, false, NULL, NULL, &runs);
		/* ERR_CONFLICT: the rules changed under the run; the next
		 * tick starts from the new ones. */
		if (r != ERR_OK && r != ERR_CONFLICT &&
		    r != ERR_SHUTTING_DOWN && r != ERR_NO_SUCH_LIFECYCLE)
			log_warnx("lifecycle: bucket '%s': %s", refs[i].name,
			    err_name(r));
	}
	return runs;
}

enum err
jobs_lifecycle_run(struct jobs *j, const char *bucket_name, int64_t now_ms,
    void (*progress)(void *, const struct lifecycle_progress *, bool),
    void *ctx)
{
	struct bucket b;
	unsigned runs = 0;
	enum err r;

	r = bucket_get(j->s.db, bucket_name, &b);
	if (r == ERR_OK)
		r = run_bucket(j, &b, now_ms, true, progress, ctx, &runs);
	return r;
}
