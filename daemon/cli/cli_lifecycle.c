/* SPDX-License-Identifier: ISC */
/*
 * cli_lifecycle.c: `coffer lifecycle run BUCKET` runs the bucket's due
 * daily lifecycle runs now (today's again when none is due), through the
 * same guarded object transactions as the daemon's runner, printing where
 * each run stands; `coffer lifecycle show BUCKET` prints the configuration
 * and the last run. Both open the data dir as cofferd does and may run
 * beside a serving daemon: each change is its own transaction, and the
 * progress row is compare-and-set.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "jobs/jobs.h"
#include "lifecycle/lifecycle.h"
#include "object/object.h"
#include "store/store.h"

static void
day_text(char out[static 11], int64_t day)
{
	char iso[TIME_ISO_BYTES];

	time_fmt_iso_s(iso, lifecycle_day_start(day));
	memcpy(out, iso, 10);
	out[10] = '\0';
}

static void
progress_json(struct json_writer *w, const struct lifecycle_progress *p)
{
	char d[11];

	/* RunDay: the run in progress, else the last completed one (before
	 * the first run, the day the rules were put). */
	day_text(d, p->run_day != 0 ? p->run_day : p->last_day);
	json_str(w, "RunDay", d);
	day_text(d, p->last_day + 1);
	json_str(w, "NextRunDay", d);
	json_bool(w, "Done", p->run_day == 0);
	json_str(w, "Phase", p->phase == 0 ? "objects" : "uploads");
	json_str(w, "Cursor", p->cursor);
	json_i64(w, "Scanned", p->scanned);
	json_i64(w, "Expired", p->expired);
	json_i64(w, "Transitioned", p->transitioned);
	json_i64(w, "SkippedUnderRetention", p->skipped);
	json_i64(w, "UploadsAborted", p->aborted);
}

static void
progress_text(const struct lifecycle_progress *p, bool done)
{
	char d[11];

	day_text(d, done ? p->last_day : p->run_day);
	printf("%s %s: scanned %" PRId64 ", expired %" PRId64 ", transitioned %"
	    PRId64 ", skipped under retention %" PRId64 ", uploads aborted %"
	    PRId64 "\n", d, done ? "done" : p->phase == 0 ? "objects" :
	    "uploads", p->scanned, p->expired, p->transitioned, p->skipped,
	    p->aborted);
	fflush(stdout);
}

struct run_ctx {
	bool			 json;
	struct json_writer	*w;
	unsigned		 runs;
};

static void
on_progress(void *ctx, const struct lifecycle_progress *p, bool done)
{
	struct run_ctx *x = ctx;

	if (done)
		x->runs++;
	if (!x->json) {
		progress_text(p, done);
		return;
	}
	if (done) {
		struct lifecycle_progress q = *p;

		q.run_day = 0;
		json_obj_open(x->w, NULL);
		progress_json(x->w, &q);
		json_obj_close(x->w);
	}
}

static void
not_found(enum err r, const char *bucket)
{
	if (r == ERR_NO_SUCH_BUCKET)
		fprintf(stderr, "coffer: no bucket '%s'\n", bucket);
	else if (r == ERR_NO_SUCH_LIFECYCLE)
		fprintf(stderr, "coffer: bucket '%s' has no lifecycle "
		    "configuration\n", bucket);
	else
		fprintf(stderr, "coffer: lifecycle failed: %s (%s)\n",
		    err_name(r), err_info(r)->code);
}

/* argv: BUCKET [--json] (the table consumed "lifecycle run"). */
int
cli_lifecycle_run(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	struct store *store = NULL;
	struct api *api = NULL;
	struct jobs *jobs = NULL;
	struct run_ctx x = { .json = json };
	struct json_writer w;
	struct buf b;
	int rc = 1;
	enum err r;

	buf_init(&b, 1u << 20);
	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	r = store_open(cli->cfg.data_dir, &store);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot open the blob store in '%s': "
		    "%s\n", cli->cfg.data_dir, err_name(r));
		goto out;
	}
	{
		struct api_settings as = {
			.db = cli->db, .store = store, .kms = cli->kms,
			.clock = &cli->clock, .region = cli->cfg.region,
			.max_buckets = cli->cfg.max_buckets, .version = "",
		};
		r = api_open(&as, &api);
	}
	if (r == ERR_OK) {
		struct jobs_settings js = {
			.db = cli->db, .put_object = object_internal_put,
			.put_ctx = api, .actor = "cli",
			.lifecycle = { .change = object_lifecycle_change,
			    .abort = object_lifecycle_abort, .ctx = api },
		};
		r = jobs_open(&js, &jobs);
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot start: %s\n", err_name(r));
		goto out;
	}
	json_writer_init(&w, &b);
	x.w = &w;
	if (json) {
		json_obj_open(&w, NULL);
		json_str(&w, "Bucket", argv[0]);
		json_arr_open(&w, "Runs");
	}
	r = jobs_lifecycle_run(jobs, argv[0], cli_now(cli), on_progress, &x);
	/* Access-log lines of the changes (ExpireObject, ...) wait in the
	 * database for cofferd to write them. */
	if (api_access_log_spill(api, (int64_t)cli->cfg.bucket_log_interval *
	    CLOCK_SECOND_MS) != ERR_OK)
		fprintf(stderr, "coffer: the access-log lines of this run "
		    "could not be stored\n");
	if (r != ERR_OK) {
		not_found(r, argv[0]);
		goto out;
	}
	if (json) {
		json_arr_close(&w);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			cli_print_json(&b);
		buf_init(&b, 1);
	} else
		printf("%u daily run%s\n", x.runs, x.runs == 1 ? "" : "s");
	rc = 0;
out:
	buf_free(&b);
	jobs_close(jobs);
	api_close(api);
	store_close(store);
	return rc;
}

/* argv: BUCKET [--json]. */
int
cli_lifecycle_show(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	struct lifecycle_progress p;
	struct bucket bk;
	struct arena a;
	const char *doc = NULL;
	enum err r;
	int rc = 1;

	if (cli_open_db(cli) != ERR_OK)
		return 1;
	arena_init(&a, 64u << 20);
	r = bucket_get(cli->db, argv[0], &bk);
	if (r == ERR_OK)
		r = lifecycle_get(cli->db, &a, bk.id, &doc);
	if (r == ERR_OK)
		r = lifecycle_progress_get(cli->db, bk.id, &p);
	if (r != ERR_OK) {
		not_found(r, argv[0]);
		goto out;
	}
	if (json) {
		struct json_writer w;
		struct buf b;

		buf_init(&b, 16u << 20);
		json_writer_init(&w, &b);
		json_obj_open(&w, NULL);
		json_str(&w, "Bucket", argv[0]);
		json_str(&w, "Configuration", doc);
		json_obj_open(&w, "Progress");
		progress_json(&w, &p);
		json_obj_close(&w);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			cli_print_json(&b);
		else
			buf_free(&b);
	} else {
		char d[11];

		printf("%s\n", doc);
		/* Before the first run, last_day is the day of the Put. */
		day_text(d, p.last_day + 1);
		printf("next daily run: %s 00:00 UTC%s\n", d,
		    p.run_day != 0 ? " (after the one in progress)" : "");
		if (p.run_day != 0)
			progress_text(&p, false);
		else
			progress_text(&p, true);
	}
	rc = 0;
out:
	arena_free(&a);
	return rc;
}
