/* SPDX-License-Identifier: ISC */
/*
 * cli_audit.c: `coffer audit [--json] [--limit N]`, the newest audit rows
 * of the data dir (every mutating request, key operations, and whatever
 * other modules record), oldest first. Rows hold who, what, which target,
 * the result and a short detail; never key material (kms/kms_audit.c).
 *
 * `coffer audit verify` walks the whole hash chain (db/audit_db.c) with
 * the root key's audit subkey: exit 0 with the row count and the head
 * hash when every row chains, 1 naming the first row that does not.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "db/db.h"
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

/* "ID:HEX" of an audit head recorded elsewhere (the daemon's log). */
static bool
parse_head(const char *s, int64_t *ret_id, uint8_t hash[DB_AUDIT_HASH_BYTES])
{
	const char *colon = strchr(s, ':');
	char num[24];
	uint64_t id;
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - s)) == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n);
	num[n] = '\0';
	if (!str_to_u64(num, INT64_MAX, &id) || id == 0 ||
	    strlen(colon + 1) != 2 * DB_AUDIT_HASH_BYTES ||
	    !hex_decode(hash, DB_AUDIT_HASH_BYTES, colon + 1,
	    2 * DB_AUDIT_HASH_BYTES))
		return false;
	*ret_id = (int64_t)id;
	return true;
}

int
cli_audit_verify(struct cli *cli, int argc, char **argv)
{
	const char *head = cli_opt(&argc, argv, "--head");
	char hex[2 * DB_AUDIT_HASH_BYTES + 1];
	uint8_t want[DB_AUDIT_HASH_BYTES];
	struct db_audit_check chk;
	int64_t want_id = 0;
	enum err r;

	if (head != NULL && !parse_head(head, &want_id, want)) {
		fprintf(stderr, "coffer: --head must be ID:HASH (64 hex digits), "
		    "as in the daemon's 'audit head id=... hash=...' lines\n");
		return 2;
	}
	/* Opening the kms installs the chain's keyed hash. */
	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	memset(&chk, 0, sizeof(chk));
	chk.at_id = want_id;
	r = db_audit_verify(cli->db, &chk);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot read the audit trail: %s\n",
		    err_name(r));
		return 1;
	}
	if (chk.bad_id != 0) {
		printf("audit trail BROKEN at row %lld: %s\n",
		    (long long)chk.bad_id, chk.why);
		printf("%lld row(s) before it chain\n", (long long)chk.rows);
		return 1;
	}
	/* The chain holds together; a recorded head says whether its end
	 * was cut off (and rewritten) since. */
	if (want_id != 0 && (!chk.at_found ||
	    memcmp(chk.at_hash, want, sizeof(want)) != 0)) {
		printf("audit trail BROKEN at row %lld: %s\n",
		    (long long)want_id, chk.at_found ? "its hash is not the "
		    "recorded head's (rows were rewritten)" : "the recorded "
		    "head is missing (rows were cut off the end)");
		printf("%lld row(s) chain\n", (long long)chk.rows);
		return 1;
	}
	hex_encode(hex, chk.head, sizeof(chk.head));
	printf("audit trail intact: %lld row(s), head row %lld, hash %s\n",
	    (long long)chk.rows, (long long)chk.head_id, hex);
	if (want_id != 0)
		printf("row %lld is the recorded head\n", (long long)want_id);
	if (chk.pruned_upto > 0) {
		hex_encode(hex, chk.start, sizeof(chk.start));
		printf("rows 1-%lld were pruned after export; the trail starts "
		    "from the checkpoint at row %lld, hash %s\n",
		    (long long)chk.pruned_upto, (long long)chk.pruned_upto, hex);
	}
	if (chk.legacy_max > 0)
		printf("rows 1-%lld predate the chain; they were chained when "
		    "this version first opened the data dir\n",
		    (long long)chk.legacy_max);
	return 0;
}
