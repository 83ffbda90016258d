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
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "object/object.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "cli/cli.h"
#include "jobs/jobs.h"
#include "store/store.h"

/* The table in cli_util.c names it; cli.h has no per-command prototypes. */
/* argv: BUCKET ID (the table consumed "inventory run"). */
int
cli_inventory_run(struct cli *cli, int argc, char **argv)
{
	struct store *store = NULL;
	struct api *api = NULL;
	struct jobs *jobs = NULL;
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
		};
		r = jobs_open(&js, &jobs);
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot start: %s\n", err_name(r));
		goto out;
	}
	r = jobs_inventory_run(jobs, argv[0], argv[1],
	    clock_now_ms(&cli->clock), key, sizeof(key));
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
