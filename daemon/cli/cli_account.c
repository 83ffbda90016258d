/* SPDX-License-Identifier: ISC */
/* cli_account.c: `coffer account create|list|delete`. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/str.h"
#include "cli/cli.h"
#include "codec/json.h"

int
cli_account_create(struct cli *cli, int argc, char **argv)
{
	char ak[AUTH_AK_MAX], sk[API_SECRET_MAX];
	struct auth_account a;
	bool json = cli_flag(&argc, argv, "--json");
	enum err r;

	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	r = api_account_create(cli->db, cli->kms, argv[0], NULL, NULL,
	    cli_now(cli), &a, ak, sk);
	if (r == ERR_EXISTS) {
		fprintf(stderr, "coffer: account '%s' already exists\n", argv[0]);
		return 1;
	}
	if (r == ERR_INVALID_ARGUMENT) {
		fprintf(stderr, "coffer: invalid account name '%s' (1-64 of "
		    "A-Z a-z 0-9 _ . -)\n", argv[0]);
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot create account: %s\n",
		    err_name(r));
		return 1;
	}
	if (json) {
		struct json_writer w;
		struct buf b;

		buf_init(&b, 4096);
		json_writer_init(&w, &b);
		json_obj_open(&w, NULL);
		json_str(&w, "AccountId", a.account_id);
		json_str(&w, "AccessKeyId", ak);
		json_str(&w, "AccessKeySecret", sk);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			cli_print_json(&b);
	} else
		printf("AccountId:       %s\nAccessKeyId:     %s\n"
		    "AccessKeySecret: %s\n", a.account_id, ak, sk);
	explicit_bzero(sk, sizeof(sk));
	return 0;
}

struct list_ctx {
	bool			 json;
	struct json_writer	*w;
};

static void
list_one(void *ctx, const struct auth_account *a, const char *ak)
{
	struct list_ctx *l = ctx;
	char t[TIME_ISO_BYTES];

	time_fmt_iso_s(t, a->created_ms);
	if (l->json) {
		json_obj_open(l->w, NULL);
		json_str(l->w, "Name", a->name);
		json_str(l->w, "AccountId", a->account_id);
		json_str(l->w, "AccessKeyId", ak ? ak : "");
		json_str(l->w, "CreationTime", t);
		json_obj_close(l->w);
	} else
		printf("%-20s %-17s %-26s %s\n", a->name, a->account_id,
		    ak ? ak : "-", t);
}

int
cli_account_list(struct cli *cli, int argc, char **argv)
{
	struct list_ctx l = { cli_flag(&argc, argv, "--json"), NULL };
	struct json_writer w;
	struct buf b;
	enum err r;

	if (cli_open_db(cli) != ERR_OK)
		return 1;
	buf_init(&b, 64 * 1024 * 1024);
	json_writer_init(&w, &b);
	l.w = &w;
	if (l.json)
		json_arr_open(&w, NULL);
	else
		printf("%-20s %-17s %-26s %s\n", "NAME", "ACCOUNT ID",
		    "ACCESS KEY ID", "CREATED");
	r = auth_account_list(cli->db, list_one, &l);
	if (l.json) {
		json_arr_close(&w);
		if (json_writer_finish(&w) == ERR_OK && r == ERR_OK)
			cli_print_json(&b);
	}
	buf_free(&b);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot list accounts: %s\n", err_name(r));
		return 1;
	}
	return 0;
}

int
cli_account_delete(struct cli *cli, int argc, char **argv)
{
	enum err r;

	(void)argc;
	if (cli_open_db(cli) != ERR_OK)
		return 1;
	r = auth_account_delete(cli->db, argv[0]);
	if (r == ERR_NOT_FOUND) {
		fprintf(stderr, "coffer: no account '%s'\n", argv[0]);
		return 1;
	}
	if (r == ERR_CONFLICT) {
		fprintf(stderr, "coffer: account '%s' still owns buckets; "
		    "delete them first\n", argv[0]);
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot delete: %s\n", err_name(r));
		return 1;
	}
	printf("deleted account '%s'\n", argv[0]);
	return 0;
}
