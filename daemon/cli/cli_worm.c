/* SPDX-License-Identifier: ISC */
/*
 * cli_worm.c: `coffer worm verify` checks every object and WORM policy row
 * of the data dir against the seal and the seal against the anchor file,
 * the check cofferd makes at start (api/seal_check.c); exit status 0 only
 * when all of it holds. `coffer worm acknowledge-rollback` is the
 * operator's answer to a database put back from an older copy: the tables
 * must still match their seal; the anchor then moves back to the
 * database, with an audit row and an ALERT in the log.
 */
#include <inttypes.h>
#include <stdio.h>

#include "api/api.h"
#include "base/buf.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "db/seal.h"

static void
report_json(const struct api_seal_report *r)
{
	struct json_writer w;
	struct buf b;

	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_str(&w, "Verdict", db_seal_fault_name((enum db_seal_fault)r->fault));
	json_i64(&w, "Sequence", r->seq);
	json_i64(&w, "Anchor", r->anchor);
	json_bool(&w, "SealRowOk", r->seal_ok);
	json_bool(&w, "AnchorOk", r->anchor_ok);
	json_i64(&w, "Objects", r->objects);
	json_i64(&w, "ObjectsSealed", r->objects_sealed_n);
	json_i64(&w, "ObjectsFailingMac", r->objects_bad);
	json_bool(&w, "ObjectsSetHashOk", r->objects_acc_ok);
	json_i64(&w, "ExtentsFailing", r->extents_bad);
	json_i64(&w, "Policies", r->policies);
	json_i64(&w, "PoliciesSealed", r->policies_sealed_n);
	json_i64(&w, "PoliciesFailingMac", r->policies_bad);
	json_bool(&w, "PoliciesSetHashOk", r->policies_acc_ok);
	json_i64(&w, "ObjectWormConfigurations", r->objworm);
	json_i64(&w, "ObjectWormSealed", r->objworm_sealed_n);
	json_i64(&w, "ObjectWormFailingMac", r->objworm_bad);
	json_bool(&w, "ObjectWormSetHashOk", r->objworm_acc_ok);
	json_obj_close(&w);
	if (json_writer_finish(&w) == ERR_OK)
		cli_print_json(&b);
	else
		buf_free(&b);
}

static void
report_text(const struct api_seal_report *r)
{
	printf("verdict:   %s\n", db_seal_fault_name((enum db_seal_fault)r->fault));
	printf("sequence:  %" PRId64 " (anchor %" PRId64 "%s)\n", r->seq,
	    r->anchor, r->anchor_ok ? "" : ", anchor file fails its MAC");
	printf("seal row:  %s\n", r->seal_ok ? "ok" : "fails its MAC");
	printf("objects:   %" PRId64 " rows, %" PRId64 " sealed, %" PRId64
	    " failing their MAC, set hash %s\n", r->objects,
	    r->objects_sealed_n, r->objects_bad,
	    r->objects_acc_ok ? "ok" : "differs");
	printf("extents:   %" PRId64 " failing their MAC or missing\n",
	    r->extents_bad);
	printf("policies:  %" PRId64 " rows, %" PRId64 " sealed, %" PRId64
	    " failing their MAC, set hash %s\n", r->policies,
	    r->policies_sealed_n, r->policies_bad,
	    r->policies_acc_ok ? "ok" : "differs");
	printf("objectworm: %" PRId64 " rows, %" PRId64 " sealed, %" PRId64
	    " failing their MAC, set hash %s\n", r->objworm,
	    r->objworm_sealed_n, r->objworm_bad,
	    r->objworm_acc_ok ? "ok" : "differs");
}

int
cli_worm_verify(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	struct api_seal_report rep;
	enum err r;

	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	r = api_seal_check(cli->db, cli->cfg.state_dir, false, &rep);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot check the seal: %s\n",
		    err_name(r));
		return 1;
	}
	if (json)
		report_json(&rep);
	else
		report_text(&rep);
	return rep.fault == DB_SEAL_OK && rep.objects_bad == 0 &&
	    rep.extents_bad == 0 ? 0 : 1;
}

int
cli_worm_ack_rollback(struct cli *cli, int argc, char **argv)
{
	struct api_seal_report rep;
	enum err r;

	(void)argc;
	(void)argv;
	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	r = api_seal_accept_rollback(cli->db, cli->cfg.state_dir, cli_now(cli),
	    &rep);
	if (r == ERR_CORRUPT) {
		report_text(&rep);
		fprintf(stderr, "coffer: the tables do not match their seal: "
		    "this is not only a rollback; restore a backup\n");
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot acknowledge: %s\n",
		    err_name(r));
		return 1;
	}
	printf("the anchor now matches the database at sequence %" PRId64
	    "\n", rep.seq);
	return 0;
}
