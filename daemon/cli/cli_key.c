/* SPDX-License-Identifier: ISC */
/*
 * cli_key.c: `coffer key ...`, customer master keys on the data dir.
 *
 * Works on the same database the daemon serves (kms/ does every change in
 * one BEGIN IMMEDIATE transaction, so the CLI and a running daemon never
 * step on each other), acting for an account (--account NAME, default
 * "root") with audit actor "cli". Output is a table for humans or, with
 * --json, the KeyMetadata fields of the KMS API for scripts.
 *
 *   key create [--description D] [--origin Aliyun_KMS|EXTERNAL]
 *              [--rotation INTERVAL] [--json]
 *   key list [--json]
 *   key describe KEY [--json]
 *   key enable KEY | disable KEY | cancel-deletion KEY
 *   key schedule-deletion KEY DAYS
 *   key import KEY FILE [--expire UNIX-SECONDS]   (FILE: 32 raw bytes)
 *   key refuse-legacy KEY   (stop opening pre-0006 unbound ciphertexts)
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

int cli_key_run(struct cli *cli, int argc, char **argv);

/* Removes "--name VALUE" from argv; returns VALUE or NULL. *bad is set
 * when the option is present without a value. */
static const char *
opt_value(int *argc, char **argv, const char *name, bool *bad)
{
	for (int i = 0; i < *argc; i++) {
		const char *v;

		if (strcmp(argv[i], name) != 0)
			continue;
		if (i + 1 >= *argc) {
			*bad = true;
			return NULL;
		}
		v = argv[i + 1];
		memmove(&argv[i], &argv[i + 2],
		    (size_t)(*argc - i - 2) * sizeof(*argv));
		*argc -= 2;
		return v;
	}
	return NULL;
}

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

static void
usage(void)
{
	fprintf(stderr, "usage: coffer key [--account NAME] COMMAND\n"
	    "  create [--description D] [--origin Aliyun_KMS|EXTERNAL] "
	    "[--rotation INTERVAL] [--json]\n"
	    "  list [--json]\n"
	    "  describe KEY [--json]\n"
	    "  enable KEY | disable KEY | cancel-deletion KEY\n"
	    "  schedule-deletion KEY DAYS\n"
	    "  import KEY FILE [--expire UNIX-SECONDS]   (FILE: 32 raw bytes)\n"
	    "  refuse-legacy KEY   (once its old ciphertexts are re-encrypted)\n");
}

int
cli_key_run(struct cli *cli, int argc, char **argv)
{
	struct auth_account acct;
	struct kms_caller who;
	struct kms_key_meta *m = NULL;
	const char *account, *desc, *origin, *rotation, *expire, *cmd;
	bool json, bad = false;
	int rc = 0;
	enum err r;

	json = cli_flag(&argc, argv, "--json");
	account = opt_value(&argc, argv, "--account", &bad);
	desc = opt_value(&argc, argv, "--description", &bad);
	origin = opt_value(&argc, argv, "--origin", &bad);
	rotation = opt_value(&argc, argv, "--rotation", &bad);
	expire = opt_value(&argc, argv, "--expire", &bad);
	if (bad || argc < 1) {
		usage();
		return 2;
	}
	cmd = argv[0];
	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	r = auth_account_get(cli->db, account != NULL ? account : "root",
	    &acct);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: no account '%s'\n",
		    account != NULL ? account : "root");
		return 1;
	}
	memset(&who, 0, sizeof(who));
	who.account = acct.id;
	str_copy(who.account_id, sizeof(who.account_id), acct.account_id);
	who.actor = "cli";
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return 1;

	if (strcmp(cmd, "create") == 0 && argc == 1) {
		struct kms_key_create_req req = { .description = desc,
		    .origin = origin };
		int64_t ms = 0;

		if (rotation != NULL) {
			if (!duration_parse(rotation, &ms) || ms < 1000) {
				fprintf(stderr, "coffer: bad --rotation '%s' "
				    "(e.g. 30d)\n", rotation);
				rc = 2;
				goto out;
			}
			req.rotation = true;
			req.rotation_interval_s = ms / 1000;
		}
		r = kms_key_create(cli->kms, &who, &req, m);
		if (r != ERR_OK)
			rc = fail("cannot create key", r);
		else if (json)
			print_meta_json(cli, m);
		else
			printf("%s\n", m->key_id);
	} else if (strcmp(cmd, "list") == 0 && argc == 1) {
		rc = key_list(cli, &who, json);
	} else if (strcmp(cmd, "describe") == 0 && argc == 2) {
		r = kms_key_describe(cli->kms, &who, argv[1], m);
		if (r != ERR_OK)
			rc = fail(argv[1], r);
		else if (json)
			print_meta_json(cli, m);
		else
			describe_text(m);
	} else if ((strcmp(cmd, "enable") == 0 || strcmp(cmd, "disable") == 0 ||
	    strcmp(cmd, "cancel-deletion") == 0) && argc == 2) {
		if (strcmp(cmd, "enable") == 0)
			r = kms_key_enable(cli->kms, &who, argv[1]);
		else if (strcmp(cmd, "disable") == 0)
			r = kms_key_disable(cli->kms, &who, argv[1]);
		else
			r = kms_key_cancel_deletion(cli->kms, &who, argv[1]);
		if (r != ERR_OK)
			rc = fail(argv[1], r);
		else
			printf("%s: %s\n", argv[1], cmd);
	} else if (strcmp(cmd, "schedule-deletion") == 0 && argc == 3) {
		uint64_t days;

		if (!str_to_u64(argv[2], 366, &days) || days < 7) {
			fprintf(stderr, "coffer: DAYS must be 7-366\n");
			rc = 2;
			goto out;
		}
		r = kms_key_schedule_deletion(cli->kms, &who, argv[1],
		    (unsigned)days);
		if (r != ERR_OK)
			rc = fail(argv[1], r);
		else
			printf("%s: deletion scheduled in %llu days\n", argv[1],
			    (unsigned long long)days);
	} else if (strcmp(cmd, "import") == 0 && argc == 3) {
		rc = key_import(cli, &who, argv[1], argv[2], expire);
	} else if (strcmp(cmd, "refuse-legacy") == 0 && argc == 2) {
		unsigned n = 0;

		r = kms_key_refuse_legacy(cli->kms, &who, argv[1], &n);
		if (r != ERR_OK)
			rc = fail(argv[1], r);
		else
			printf("%s: %u version(s) no longer open ciphertexts "
			    "made before format v2\n", argv[1], n);
	} else {
		usage();
		rc = 2;
	}
out:
	free(m);
	return rc;
}
