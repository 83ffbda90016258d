/* SPDX-License-Identifier: ISC */
/*
 * cli_audit_export.c: `coffer audit verify-export FILE`, the proof that an
 * export file of pruned audit rows (jobs/audit_job.c) is what the trail
 * held: every line follows the one before (its Prev is that line's Hash,
 * its Id the next), every Hash is the root key's over its line, and the
 * line at the checkpoint carries the checkpoint's hash, so the file joins
 * the rows still in the database (`coffer audit verify` walks those from
 * the same checkpoint). Lines past the checkpoint (a crash between export
 * and prune) must equal the rows still kept.
 *
 * Rows exported before a root-key rotation were hashed under the old key,
 * which is gone: they are checked by how they link only, and said so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/str.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "db/db.h"

struct line {
	struct db_audit_row	 row;
	char			 err[96];
};

static const char *
member_str(const struct json_value *o, const char *key)
{
	const struct json_value *v = json_member(o, key);

	return v != NULL && v->type == JSON_V_STRING ? v->s : NULL;
}

static bool
member_i64(const struct json_value *o, const char *key, int64_t *ret)
{
	const struct json_value *v = json_member(o, key);
	char *end;

	if (v == NULL || v->type != JSON_V_NUMBER)
		return false;
	*ret = strtoll(v->s, &end, 10);
	return end != v->s;
}

static bool
member_hash(const struct json_value *o, const char *key,
    uint8_t out[DB_AUDIT_HASH_BYTES])
{
	const char *s = member_str(o, key);

	return s != NULL && strlen(s) == 2 * DB_AUDIT_HASH_BYTES &&
	    hex_decode(out, DB_AUDIT_HASH_BYTES, s, 2 * DB_AUDIT_HASH_BYTES);
}

/* One line into l->row (strings in a); false with l->err on a line that
 * is not an export line. */
static bool
parse_line(struct arena *a, const char *p, size_t n, struct line *l)
{
	struct json_value v;
	const char **f[5] = { &l->row.actor, &l->row.action, &l->row.target,
	    &l->row.result, &l->row.detail };
	const char *names[5] = { "Actor", "Action", "Target", "Result",
	    "Detail" };

	if (json_parse_tree(a, p, n, &v) != ERR_OK || v.type != JSON_V_OBJECT) {
		snprintf(l->err, sizeof(l->err), "not a JSON object");
		return false;
	}
	if (!member_i64(&v, "Id", &l->row.id) ||
	    !member_i64(&v, "TimeMs", &l->row.time_ms) ||
	    !member_hash(&v, "Prev", l->row.prev) ||
	    !member_hash(&v, "Hash", l->row.hash)) {
		snprintf(l->err, sizeof(l->err), "Id, TimeMs, Prev or Hash "
		    "missing or malformed");
		return false;
	}
	for (int i = 0; i < 5; i++)
		if ((*f[i] = member_str(&v, names[i])) == NULL) {
			snprintf(l->err, sizeof(l->err), "%s missing", names[i]);
			return false;
		}
	return true;
}

int
cli_audit_verify_export(struct cli *cli, int argc, char **argv)
{
	struct db_audit_checkpoint cp;
	uint8_t prev[DB_AUDIT_HASH_BYTES] = { 0 }, kept[DB_AUDIT_HASH_BYTES];
	char hex[2 * DB_AUDIT_HASH_BYTES + 1];
	int64_t first = 0, last = 0, unkeyed = 0;
	bool linked = false, bad = false, found, ok;
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	if (argc != 1)
		return 2;
	fp = fopen(argv[0], "r");
	if (fp == NULL) {
		fprintf(stderr, "coffer: cannot open %s\n", argv[0]);
		return 1;
	}
	if (cli_open_kms(cli) != ERR_OK ||
	    db_audit_checkpoint_get(cli->db, &cp) != ERR_OK) {
		fprintf(stderr, "coffer: cannot read the audit checkpoint\n");
		fclose(fp);
		return 1;
	}
	while (!bad && (n = getline(&text, &cap, fp)) > 0) {
		struct arena a;
		struct line l;
		const char *why = NULL;

		memset(&l, 0, sizeof(l));
		arena_init(&a, 1024 * 1024);
		if (text[n - 1] == '\n')
			n--;
		if (!parse_line(&a, text, (size_t)n, &l))
			why = l.err;
		else if (first == 0 && l.row.id == 1 &&
		    memcmp(l.row.prev, prev, sizeof(prev)) != 0)
			why = "the first row does not start the chain";
		else if (first != 0 && l.row.id != last + 1)
			why = "rows before it are missing or out of order";
		else if (first != 0 &&
		    memcmp(l.row.prev, prev, sizeof(prev)) != 0)
			why = "it does not follow the line before it";
		else if (l.row.id > cp.rekeyed_upto) {
			if (db_audit_row_check(cli->db, &l.row, &ok) != ERR_OK)
				why = "its hash cannot be computed";
			else if (!ok)
				why = "its fields do not match its hash (the "
				    "line was changed)";
		} else
			unkeyed++;
		if (why == NULL && l.row.id == cp.last_id)
			linked = memcmp(l.row.hash, cp.last_hash,
			    DB_AUDIT_HASH_BYTES) == 0;
		if (why == NULL && l.row.id == cp.last_id && !linked)
			why = "its hash is not the checkpoint's";
		if (why == NULL && l.row.id > cp.last_id) {
			if (db_audit_row_hash(cli->db, l.row.id, &found,
			    kept) != ERR_OK || !found ||
			    memcmp(kept, l.row.hash, sizeof(kept)) != 0)
				why = "past the checkpoint, and not the row the "
				    "trail keeps";
		}
		if (why != NULL) {
			printf("export BROKEN at %s%lld: %s\n", l.row.id != 0 ?
			    "row " : "line after row ", (long long)(l.row.id !=
			    0 ? l.row.id : last), why);
			bad = true;
		} else {
			if (first == 0)
				first = l.row.id;
			last = l.row.id;
			memcpy(prev, l.row.hash, sizeof(prev));
		}
		arena_free(&a);
	}
	free(text);
	fclose(fp);
	if (bad)
		return 1;
	if (first == 0) {
		printf("export BROKEN: no rows\n");
		return 1;
	}
	if (!linked) {
		printf("export BROKEN: rows %lld-%lld do not reach the checkpoint "
		    "at row %lld\n", (long long)first, (long long)last,
		    (long long)cp.last_id);
		return 1;
	}
	hex_encode(hex, cp.last_hash, sizeof(cp.last_hash));
	printf("export intact: rows %lld-%lld, linked to the checkpoint at "
	    "row %lld, hash %s\n", (long long)first, (long long)last,
	    (long long)cp.last_id, hex);
	if (first > 1)
		printf("rows 1-%lld are not in this file (an earlier export)\n",
		    (long long)first - 1);
	if (unkeyed > 0)
		printf("%lld row(s) up to %lld were hashed under a root key "
		    "rotated since: checked by their links only\n",
		    (long long)unkeyed, (long long)cp.rekeyed_upto);
	return 0;
}
