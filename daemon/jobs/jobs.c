/* SPDX-License-Identifier: ISC */
/*
 * jobs.c: the tick, the scheduled inventory runs, and the audit trail's
 * retention (audit_job.c).
 *
 * main.c calls jobs_tick() once a second with business time. Reports can
 * take long on a big bucket, so they run on one worker thread that this
 * file owns; the main loop (signals, clock persistence) is never blocked.
 * Which reports are due is read from the database each time (next_run_ms),
 * and each slot is claimed with compare-and-set before it runs, so a
 * restart, a test-clock jump or a CLI run in parallel never duplicates a
 * scheduled report.
 */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/gate.h"
#include "base/log.h"
#include "base/str.h"
#include "jobs/jobs_int.h"

#define DUE_BATCH 16

enum err
jobs_open(const struct jobs_settings *s, struct jobs **ret)
{
	struct jobs *j;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return ERR_NOMEM;
	j->s = *s;
	if (j->s.part_max == 0)
		j->s.part_max = JOBS_PART_MAX_DEFAULT;
	if (j->s.actor == NULL)
		j->s.actor = "daemon";
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	atomic_init(&j->cancel, false);
	*ret = j;
	return ERR_OK;
}

void
jobs_cancel(struct jobs *j)
{
	atomic_store(&j->cancel, true);
}

static void
stop_worker(struct jobs *j)
{
	pthread_mutex_lock(&j->mu);
	j->stop = true;
	atomic_store(&j->cancel, true);
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (j->started)
		pthread_join(j->thread, NULL);
	j->started = false;
}

void
jobs_finish(struct jobs *j, int64_t now_ms)
{
	stop_worker(j);
	(void)jobs_access_log_due(j, now_ms, true);
}

void
jobs_close(struct jobs *j)
{
	if (j == NULL)
		return;
	stop_worker(j);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/* Runs c now and records the outcome. */
static enum err
run_one(struct jobs *j, const struct inventory_config *c,
    const struct bucket *src, int64_t now_ms, char *key, size_t cap)
{
	enum err r;

	r = jobs_report(j, c, src, now_ms, key, cap);
	if (r == ERR_OK && key[0] == '\0')
		log_info("inventory: '%s' of bucket '%s': no object matched; "
		    "no report", c->id, src->name);
	else if (r != ERR_OK)
		log_warnx("inventory: '%s' of bucket '%s' failed: %s", c->id,
		    src->name, err_name(r));
	(void)inventory_audit_run(j->s.db, now_ms, j->s.actor, src->name,
	    c->id, r, r == ERR_OK ? (key[0] ? key : "no matching objects") :
	    err_name(r));
	return r;
}

unsigned
jobs_run_due(struct jobs *j, int64_t now_ms)
{
	struct inventory_ref refs[DUE_BATCH];
	unsigned ran = 0;
	size_t n = 0;
	enum err r;

	r = inventory_due(j->s.db, now_ms, refs, DUE_BATCH, &n);
	if (r != ERR_OK) {
		log_warnx("inventory: cannot read the schedule: %s", err_name(r));
		return 0;
	}
	for (size_t i = 0; i < n && !jobs_stopping(j); i++) {
		struct inventory_config *c;
		struct bucket src;
		char key[BUCKET_KEY_MAX + 1];

		/* Heap: a configuration is a few KiB and this is a thread. */
		c = malloc(sizeof(*c));
		if (c == NULL)
			break;
		r = bucket_get(j->s.db, refs[i].bucket_name, &src);
		if (r == ERR_OK && src.id != refs[i].bucket_id)
			r = ERR_NO_SUCH_BUCKET;	/* re-created meanwhile */
		if (r == ERR_OK)
			r = inventory_get(j->s.db, refs[i].bucket_id, refs[i].id, c);
		/* ERR_CONFLICT: another runner (or the CLI) took this slot. */
		if (r == ERR_OK)
			r = inventory_claim(j->s.db, c, now_ms);
		if (r == ERR_OK) {
			(void)run_one(j, c, &src, now_ms, key, sizeof(key));
			ran++;
		} else if (r != ERR_CONFLICT)
			log_warnx("inventory: '%s' of bucket '%s': %s",
			    refs[i].id, refs[i].bucket_name, err_name(r));
		free(c);
	}
	return ran;
}

/* The worker passes the key gate (base/gate.h) for its runs, and steps
 * out and back in between pages, so a root-key rotation waits for one
 * page, not for a lifecycle catch-up of many days. Only the worker: the
 * CLI runs the same code on its own thread, outside any gate. */
static _Thread_local bool worker_gated;

bool
jobs_stopping(struct jobs *j)
{
	if (worker_gated) {
		gate_leave(j->s.gate);
		gate_enter(j->s.gate);
	}
	return atomic_load(&j->cancel);
}

/* The blobs a node that died between rename and commit left, or a
 * commit whose outcome was lost: on a shared data dir nobody else
 * collects them while the nodes run. The first round holding the lease
 * sweeps, then one every sweep_every_ms. */
static void
sweep_due(struct jobs *j)
{
	int64_t now = clock_mono_us();
	unsigned removed = 0;
	enum err r;

	if (j->s.sweep == NULL || (j->swept_us != 0 &&
	    now - j->swept_us < j->s.sweep_every_ms * 1000))
		return;
	j->swept_us = now;
	r = j->s.sweep(j->s.sweep_ctx, &removed);
	if (r != ERR_OK)
		log_warnx("store: the sweep of unnamed blobs failed: %s",
		    err_name(r));
	else if (removed > 0)
		log_notice("store: removed %u blob(s) no row names", removed);
}

static void *
worker(void *arg)
{
	struct jobs *j = arg;
	int64_t now;

	for (;;) {
		pthread_mutex_lock(&j->mu);
		while (!j->stop && j->pending_ms == 0)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->stop) {
			pthread_mutex_unlock(&j->mu);
			break;
		}
		now = j->pending_ms;
		j->pending_ms = 0;
		pthread_mutex_unlock(&j->mu);
		/* Lifecycle first: its runs are at 00:00 UTC, before the
		 * 16:00 UTC inventory slot of the same day, so after a clock
		 * jump a report lists what the rules left. */
		if (j->s.gate != NULL) {
			gate_enter(j->s.gate);
			worker_gated = true;
		}
		/* One node of a cluster runs them (db_lead); each run is
		 * claimed with compare-and-set as well, so a lease that
		 * moves in the middle of one never doubles it. */
		if (db_lead(j->s.db, DB_LEASE_JOBS)) {
			(void)jobs_access_log_due(j, now, false);
			(void)jobs_lifecycle_due(j, now);
			(void)jobs_run_due(j, now);
			(void)jobs_audit_prune(j, now);
			sweep_due(j);
		}
		if (worker_gated) {
			worker_gated = false;
			gate_leave(j->s.gate);
		}
	}
	return NULL;
}

void
jobs_tick(struct jobs *j, int64_t now_ms)
{
	pthread_mutex_lock(&j->mu);
	if (!j->started && !j->stop) {
		if (pthread_create(&j->thread, NULL, worker, j) != 0) {
			pthread_mutex_unlock(&j->mu);
			log_warnx("jobs: cannot start the worker thread; "
			    "ignoring this tick");
			return;
		}
		j->started = true;
	}
	j->pending_ms = now_ms;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

enum err
jobs_inventory_run(struct jobs *j, const char *bucket_name,
    const char *inventory_id, int64_t now_ms, char *ret_key, size_t cap)
{
	struct inventory_config *c;
	struct bucket src;
	char key[BUCKET_KEY_MAX + 1];
	enum err r;

	c = malloc(sizeof(*c));
	if (c == NULL)
		return ERR_NOMEM;
	r = bucket_get(j->s.db, bucket_name, &src);
	if (r == ERR_OK)
		r = inventory_get(j->s.db, src.id, inventory_id, c);
	if (r == ERR_OK)
		r = run_one(j, c, &src, now_ms, key, sizeof(key));
	if (r == ERR_OK)
		str_copy(ret_key, cap, key);
	free(c);
	return r;
}
