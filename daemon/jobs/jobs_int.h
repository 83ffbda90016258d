/* SPDX-License-Identifier: ISC */
/* jobs_int.h: what the jobs/ sources share. */
#ifndef COFFER_JOBS_JOBS_INT_H
#define COFFER_JOBS_JOBS_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "bucket/bucket.h"
#include "jobs/jobs.h"
#include "inventory/inventory.h"

struct jobs {
	struct jobs_settings	 s;
	/* The worker: jobs_tick posts the latest time, the worker runs what
	 * is due at it. */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 thread;
	bool			 started;
	bool			 stop;
	int64_t			 pending_ms;	/* 0: nothing posted */
	atomic_bool		 cancel;	/* checked between listing pages */
	int64_t			 alog_warned_ms;	/* access_log_job.c */
	int64_t			 swept_us;	/* monotonic; 0: not yet */
};

/* Between pages: whether to stop (jobs_close), after letting a root-key
 * rotation waiting at the gate through (jobs.c). */
bool jobs_stopping(struct jobs *j);

/* Writes one report of c (source bucket src) for a scan starting at
 * scan_ms; see jobs_inventory_run for ret_key and the errors. */
enum err jobs_report(struct jobs *j, const struct inventory_config *c,
    const struct bucket *src, int64_t scan_ms, char *ret_key, size_t cap);

#endif
