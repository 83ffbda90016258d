/* SPDX-License-Identifier: ISC */
/*
 * cli_inventory.c: `coffer inventory run BUCKET ID`: writes one inventory
 * report now, whatever the schedule says (inventory-report.md §4: "allow a
 * run-now hook"). It opens the data dir the way cofferd does (database,
 * root key, blob store) and writes the report objects through the same
 * PutObject path, WORM guard included, while a daemon may be serving the
 * same data dir. The run is recorded in the audit table with actor "cli";
 * the schedule is left alone, so the next scheduled report still happens.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "object/object.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "cli/cli.h"
#include "jobs/jobs.h"
#include "store/store.h"

static struct jobs *running;

/* Ctrl-C: the report stops at its next page; its manifest, written last,
 * is never written, so no consumer takes the parts for a report. Running
 * the command again writes a whole new one. */
static void
on_signal(int sig)
{
	(void)sig;
	if (running != NULL)
		jobs_cancel(running);
}

static void
on_progress(void *ctx, uint64_t items, uint64_t bytes)
{
	cli_progress_add(ctx, items, bytes);
}

/* argv: BUCKET ID (the table consumed "inventory run"). */
int
cli_inventory_run(struct cli *cli, int argc, char **argv)
{
	struct store *store = NULL;
	struct api *api = NULL;
	struct jobs *jobs = NULL;
	struct cli_progress pg;
	struct sigaction sa;
	char key[BUCKET_KEY_MAX + 1];
	int rc = 1;
	enum err r;

	(void)argc;
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
			.progress = on_progress, .progress_ctx = &pg,
		};
		r = jobs_open(&js, &jobs);
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot start: %s\n", err_name(r));
		goto out;
	}
	cli_progress_init(&pg, "inventory");
	running = jobs;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = jobs_inventory_run(jobs, argv[0], argv[1],
	    clock_now_ms(&cli->clock), key, sizeof(key));
	running = NULL;
	cli_progress_show(&pg, true);
	if (r == ERR_SHUTTING_DOWN) {
		fprintf(stderr, "coffer: stopped; no report written (run it "
		    "again for a whole one)\n");
		rc = 130;
		goto out;
	}
	if (r == ERR_NO_SUCH_BUCKET)
		fprintf(stderr, "coffer: no bucket '%s'\n", argv[0]);
	else if (r == ERR_NO_SUCH_INVENTORY)
		fprintf(stderr, "coffer: bucket '%s' has no inventory '%s'\n",
		    argv[0], argv[1]);
	else if (r != ERR_OK)
		fprintf(stderr, "coffer: inventory run failed: %s (%s)\n",
		    err_name(r), err_info(r)->code);
	else {
		/* The manifest key, so scripts can fetch the report. */
		if (key[0] != '\0')
			printf("%s\n", key);
		else
			fprintf(stderr, "coffer: no object matched; no report "
			    "written\n");
		rc = 0;
	}
out:
	jobs_close(jobs);
	api_close(api);
	store_close(store);
	return rc;
}
