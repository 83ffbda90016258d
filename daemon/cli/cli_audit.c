/* SPDX-License-Identifier: ISC */
/*
 * cli_audit.c: `coffer audit [--json] [--limit N]`, the newest audit rows
 * of the data dir (key operations, and whatever other modules record),
 * oldest first. Rows hold who, what, which key, the result and a short
 * detail; never key material (kms/kms_audit.c).
 */
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "kms/kms.h"


#define LIMIT_DEFAULT	50
#define LIMIT_MAX	1000000

struct audit_ctx {
	bool			 json;
	struct json_writer	*w;
};

static void
audit_one(void *ctx, const struct kms_audit_row *row)
{
	struct audit_ctx *a = ctx;
	char t[TIME_ISO_BYTES];

	time_fmt_iso_ms(t, row->time_ms);
	if (a->json) {
		json_obj_open(a->w, NULL);
		json_i64(a->w, "Id", row->id);
		json_str(a->w, "Time", t);
		json_str(a->w, "Actor", row->actor);
		json_str(a->w, "Action", row->action);
		json_str(a->w, "Target", row->target);
		json_str(a->w, "Result", row->result);
		json_str(a->w, "Detail", row->detail);
		json_obj_close(a->w);
	} else
		printf("%-24s  %-16s  %-24s  %-36s  %-26s  %s\n", t, row->actor,
		    row->action, row->target, row->result, row->detail);
}

int
cli_audit(struct cli *cli, int argc, char **argv)
{
	struct audit_ctx a = { cli_flag(&argc, argv, "--json"), NULL };
	const char *l = cli_opt(&argc, argv, "--limit");
	struct json_writer w;
	uint64_t limit = LIMIT_DEFAULT;
	struct buf b;
	enum err r;

	if (l != NULL && (!str_to_u64(l, LIMIT_MAX, &limit) || limit == 0)) {
		fprintf(stderr, "coffer: --limit must be 1-%d\n", LIMIT_MAX);
		return 2;
	}
	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	buf_init(&b, 256 * 1024 * 1024);
	json_writer_init(&w, &b);
	a.w = &w;
	if (a.json)
		json_arr_open(&w, NULL);
	else
		printf("%-24s  %-16s  %-24s  %-36s  %-26s  %s\n", "TIME", "ACTOR",
		    "ACTION", "TARGET", "RESULT", "DETAIL");
	r = kms_audit_list(cli->kms, (unsigned)limit, audit_one, &a);
	if (a.json) {
		json_arr_close(&w);
		if (json_writer_finish(&w) == ERR_OK && r == ERR_OK)
			printf("%s\n", buf_cstr(&b));
	}
	buf_free(&b);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot read the audit trail: %s\n",
		    err_name(r));
		return 1;
	}
	return 0;
}
