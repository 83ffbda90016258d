/* SPDX-License-Identifier: ISC */
/*
 * cli_key.c: `coffer key ...`, customer master keys on the data dir.
 *
 * Works on the same database the daemon serves (kms/ does every change in
 * one BEGIN IMMEDIATE transaction, so the CLI and a running daemon never
 * step on each other), acting for an account (--account NAME, default
 * "root") with audit actor "cli". Output is a table for humans or, with
 * --json, the KeyMetadata fields of the KMS API for scripts. The commands
 * and their arguments are rows of the table in coffer.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/str.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "kms/kms.h"

static const char *
err_text(enum err r)
{
	const struct err_info *ei = err_info(r);

	return ei->kms_code != NULL ? ei->kms_code : err_name(r);
}

static int
fail(const char *what, enum err r)
{
	const struct err_info *ei = err_info(r);

	fprintf(stderr, "coffer: %s: %s (%s)\n", what, err_text(r),
	    ei->kms_msg != NULL ? ei->kms_msg : ei->msg);
	return 1;
}

static void
iso(char out[static TIME_ISO_BYTES], int64_t ms)
{
	if (ms == 0)
		out[0] = '\0';
	else
		time_fmt_iso_s(out, ms);
}

static void
meta_json(struct json_writer *w, const char *region,
    const struct kms_key_meta *m)
{
	char t[TIME_ISO_BYTES], arn[256];

	snprintf(arn, sizeof(arn), "acs:kms:%s:%s:key/%s", region, m->creator,
	    m->key_id);
	json_obj_open(w, NULL);
	json_str(w, "KeyId", m->key_id);
	json_str(w, "Arn", arn);
	json_str(w, "KeyState", kms_state_name(m->state));
	json_str(w, "Origin", m->origin);
	json_str(w, "KeySpec", m->key_spec);
	json_str(w, "KeyUsage", m->key_usage);
	json_str(w, "ProtectionLevel", m->protection_level);
	json_str(w, "Description", m->description);
	json_str(w, "Creator", m->creator);
	iso(t, m->created_ms);
	json_str(w, "CreationDate", t);
	iso(t, m->state == KMS_KEY_PENDING_DELETION ? m->delete_ms : 0);
	json_str(w, "DeleteDate", t);
	iso(t, m->material_expire_ms);
	json_str(w, "MaterialExpireTime", t);
	json_str(w, "PrimaryKeyVersion", m->primary_version);
	json_str(w, "DeletionProtection", m->deletion_protection ? "Enabled" :
	    "Disabled");
	json_str(w, "AutomaticRotation", !m->rotation ? "Disabled" :
	    m->state == KMS_KEY_ENABLED ? "Enabled" : "Suspended");
	json_bool(w, "ServiceKey", m->managed);
	json_obj_close(w);
}

static void
table_header(void)
{
	printf("%-36s  %-15s  %-10s  %-20s  %s\n", "KEY ID", "STATE", "ORIGIN",
	    "CREATED", "DESCRIPTION");
}

static void
table_row(const struct kms_key_meta *m)
{
	char t[TIME_ISO_BYTES];

	iso(t, m->created_ms);
	printf("%-36s  %-15s  %-10s  %-20s  %.60s\n", m->key_id,
	    kms_state_name(m->state), m->origin, t, m->description);
}

static void
describe_text(const struct kms_key_meta *m)
{
	char t[TIME_ISO_BYTES];

	printf("KeyId:              %s\n", m->key_id);
	printf("KeyState:           %s\n", kms_state_name(m->state));
	printf("Origin:             %s\n", m->origin);
	printf("KeySpec:            %s\n", m->key_spec);
	printf("Description:        %s\n", m->description);
	iso(t, m->created_ms);
	printf("CreationDate:       %s\n", t);
	if (m->state == KMS_KEY_PENDING_DELETION) {
		iso(t, m->delete_ms);
		printf("DeleteDate:         %s\n", t);
	}
	if (m->material_expire_ms != 0) {
		iso(t, m->material_expire_ms);
		printf("MaterialExpireTime: %s\n", t);
	}
	printf("PrimaryKeyVersion:  %s\n", m->primary_version);
	printf("DeletionProtection: %s\n", m->deletion_protection ? "Enabled" :
	    "Disabled");
	printf("AutomaticRotation:  %s\n", m->rotation ? "Enabled" :
	    "Disabled");
	if (m->managed)
		printf("ServiceKey:         yes\n");
}

static void
print_meta_json(struct cli *cli, const struct kms_key_meta *m)
{
	struct json_writer w;
	struct buf b;

	buf_init(&b, 256 * 1024);
	json_writer_init(&w, &b);
	meta_json(&w, cli->cfg.region, m);
	if (json_writer_finish(&w) == ERR_OK)
		printf("%s\n", buf_cstr(&b));
	buf_free(&b);
}

struct list_ctx {
	bool			 json;
	struct json_writer	*w;
	const char		*region;
};

static void
list_one(void *ctx, const struct kms_key_meta *m)
{
	struct list_ctx *l = ctx;

	if (l->json)
		meta_json(l->w, l->region, m);
	else
		table_row(m);
}

static int
key_list(struct cli *cli, const struct kms_caller *who, bool json)
{
	struct list_ctx l = { json, NULL, cli->cfg.region };
	struct json_writer w;
	struct buf b;
	uint64_t total = 0;
	enum err r;

	buf_init(&b, 64 * 1024 * 1024);
	json_writer_init(&w, &b);
	l.w = &w;
	if (json)
		json_arr_open(&w, NULL);
	else
		table_header();
	r = kms_key_list(cli->kms, who, NULL, 0, 0, UINT64_MAX, list_one, &l,
	    &total);
	if (json) {
		json_arr_close(&w);
		if (json_writer_finish(&w) == ERR_OK && r == ERR_OK)
			printf("%s\n", buf_cstr(&b));
	}
	buf_free(&b);
	if (r != ERR_OK)
		return fail("cannot list keys", r);
	return 0;
}

static int
key_import(struct cli *cli, const struct kms_caller *who, const char *key,
    const char *file, const char *expire)
{
	uint8_t material[64];
	uint64_t exp = 0;
	size_t n;
	FILE *f;
	enum err r;

	if (expire != NULL && !str_to_u64(expire, INT64_MAX / 1000, &exp)) {
		fprintf(stderr, "coffer: bad --expire '%s' (Unix seconds)\n",
		    expire);
		return 2;
	}
	f = fopen(file, "rb");
	if (f == NULL) {
		fprintf(stderr, "coffer: cannot open '%s': %s\n", file,
		    strerror(errno));
		return 1;
	}
	n = fread(material, 1, sizeof(material), f);
	fclose(f);
	r = kms_import_material_raw(cli->kms, who, key, material, n,
	    (int64_t)exp);
	explicit_bzero(material, sizeof(material));
	if (r != ERR_OK)
		return fail("cannot import key material", r);
	printf("imported key material into %s\n", key);
	return 0;
}

/* The account a command acts for (--account NAME, default root), opened
 * with the KMS. 0, or the exit status. */
static int
caller(struct cli *cli, int *argc, char **argv, struct kms_caller *who,
    bool *ret_json)
{
	const char *account = cli_opt(argc, argv, "--account");
	struct auth_account acct;

	*ret_json = cli_flag(argc, argv, "--json");
	if (account == NULL)
		account = "root";
	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	if (auth_account_get(cli->db, account, &acct) != ERR_OK) {
		fprintf(stderr, "coffer: no account '%s'\n", account);
		return 1;
	}
	memset(who, 0, sizeof(*who));
	who->account = acct.id;
	str_copy(who->account_id, sizeof(who->account_id), acct.account_id);
	who->actor = "cli";
	return 0;
}

static int
print_meta(struct cli *cli, const char *what, enum err r,
    const struct kms_key_meta *m, bool json, bool text)
{
	if (r != ERR_OK)
		return fail(what, r);
	if (json)
		print_meta_json(cli, m);
	else if (text)
		describe_text(m);
	else
		printf("%s\n", m->key_id);
	return 0;
}

int
cli_key_create(struct cli *cli, int argc, char **argv)
{
	struct kms_key_create_req req = { 0 };
	struct kms_key_meta *m;
	const char *rotation;
	struct kms_caller who;
	bool json;
	int rc;

	req.description = cli_opt(&argc, argv, "--description");
	req.origin = cli_opt(&argc, argv, "--origin");
	rotation = cli_opt(&argc, argv, "--rotation");
	if (rotation != NULL) {
		int64_t ms = 0;

		if (!duration_parse(rotation, &ms) || ms < 1000) {
			fprintf(stderr, "coffer: bad --rotation '%s' (e.g. "
			    "30d)\n", rotation);
			return 2;
		}
		req.rotation = true;
		req.rotation_interval_s = ms / 1000;
	}
	rc = caller(cli, &argc, argv, &who, &json);
	if (rc != 0)
		return rc;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return 1;
	rc = print_meta(cli, "cannot create key",
	    kms_key_create(cli->kms, &who, &req, m), m, json, false);
	free(m);
	return rc;
}

int
cli_key_list(struct cli *cli, int argc, char **argv)
{
	struct kms_caller who;
	bool json;
	int rc = caller(cli, &argc, argv, &who, &json);

	return rc != 0 ? rc : key_list(cli, &who, json);
}

int
cli_key_describe(struct cli *cli, int argc, char **argv)
{
	struct kms_key_meta *m;
	struct kms_caller who;
	bool json;
	int rc = caller(cli, &argc, argv, &who, &json);

	if (rc != 0)
		return rc;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return 1;
	rc = print_meta(cli, argv[0], kms_key_describe(cli->kms, &who, argv[0],
	    m), m, json, true);
	free(m);
	return rc;
}

/* enable, disable, cancel-deletion: one key, one transition. */
static int
transition(struct cli *cli, int argc, char **argv, const char *done,
    enum err (*fn)(struct kms *, const struct kms_caller *, const char *))
{
	struct kms_caller who;
	bool json;
	int rc = caller(cli, &argc, argv, &who, &json);
	enum err r;

	if (rc != 0)
		return rc;
	r = fn(cli->kms, &who, argv[0]);
	if (r != ERR_OK)
		return fail(argv[0], r);
	printf("%s: %s\n", argv[0], done);
	return 0;
}

int
cli_key_enable(struct cli *cli, int argc, char **argv)
{
	return transition(cli, argc, argv, "enable", kms_key_enable);
}

int
cli_key_disable(struct cli *cli, int argc, char **argv)
{
	return transition(cli, argc, argv, "disable", kms_key_disable);
}

int
cli_key_cancel_deletion(struct cli *cli, int argc, char **argv)
{
	return transition(cli, argc, argv, "cancel-deletion",
	    kms_key_cancel_deletion);
}

int
cli_key_schedule_deletion(struct cli *cli, int argc, char **argv)
{
	struct kms_caller who;
	uint64_t days;
	bool json;
	int rc = caller(cli, &argc, argv, &who, &json);
	enum err r;

	if (rc != 0)
		return rc;
	if (!str_to_u64(argv[1], 366, &days) || days < 7) {
		fprintf(stderr, "coffer: DAYS must be 7-366\n");
		return 2;
	}
	r = kms_key_schedule_deletion(cli->kms, &who, argv[0], (unsigned)days);
	if (r != ERR_OK)
		return fail(argv[0], r);
	printf("%s: deletion scheduled in %llu days\n", argv[0],
	    (unsigned long long)days);
	return 0;
}

int
cli_key_import(struct cli *cli, int argc, char **argv)
{
	const char *expire = cli_opt(&argc, argv, "--expire");
	struct kms_caller who;
	bool json;
	int rc = caller(cli, &argc, argv, &who, &json);

	return rc != 0 ? rc : key_import(cli, &who, argv[0], argv[1], expire);
}

int
cli_key_refuse_legacy(struct cli *cli, int argc, char **argv)
{
	struct kms_caller who;
	unsigned n = 0;
	bool json;
	int rc = caller(cli, &argc, argv, &who, &json);
	enum err r;

	if (rc != 0)
		return rc;
	r = kms_key_refuse_legacy(cli->kms, &who, argv[0], &n);
	if (r != ERR_OK)
		return fail(argv[0], r);
	printf("%s: %u version(s) no longer open ciphertexts made before "
	    "format v2\n", argv[0], n);
	return 0;
}
