/* SPDX-License-Identifier: ISC */
/*
 * cli_access_key.c: `coffer account key create|list|disable|enable|delete`,
 * an account's access keys, for rotation: create a second key, move the
 * clients to it, disable the old one (its next request is refused), then
 * delete it. The daemon reads a key's state on every request, so a change
 * here holds from the next request on, without a restart.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/str.h"
#include "cli/cli.h"
#include "codec/json.h"

/* The account named, or 0 after saying why not. */
static int64_t
account_id(struct cli *cli, const char *name)
{
	struct auth_account a;
	enum err r;

	if (cli_open_db(cli) != ERR_OK)
		return 0;
	r = auth_account_get(cli->db, name, &a);
	if (r == ERR_NOT_FOUND)
		fprintf(stderr, "coffer: no account '%s'\n", name);
	else if (r != ERR_OK)
		fprintf(stderr, "coffer: cannot read account '%s': %s\n", name,
		    err_name(r));
	return r == ERR_OK ? a.id : 0;
}

static void
too_many(const char *name)
{
	fprintf(stderr, "coffer: account '%s' has %d active access keys "
	    "already: disable one first ('coffer account key disable %s "
	    "ACCESS_KEY_ID')\n", name, AUTH_ACTIVE_KEYS_MAX, name);
}

int
cli_account_key_create(struct cli *cli, int argc, char **argv)
{
	char ak[AUTH_AK_MAX], sk[API_SECRET_MAX];
	bool json = cli_flag(&argc, argv, "--json");
	enum err r;

	if (account_id(cli, argv[0]) == 0 || cli_open_kms(cli) != ERR_OK)
		return 1;
	r = api_access_key_create(cli->db, cli->kms, argv[0], cli_now(cli),
	    ak, sk);
	if (r == ERR_CONFLICT) {
		too_many(argv[0]);
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot create an access key: %s\n",
		    err_name(r));
		return 1;
	}
	if (json) {
		struct json_writer w;
		struct buf b;

		buf_init(&b, 4096);
		json_writer_init(&w, &b);
		json_obj_open(&w, NULL);
		json_str(&w, "AccessKeyId", ak);
		json_str(&w, "AccessKeySecret", sk);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			cli_print_json(&b);
	} else
		printf("AccessKeyId:     %s\nAccessKeySecret: %s\n", ak, sk);
	explicit_bzero(sk, sizeof(sk));
	return 0;
}

struct list_ctx {
	bool			 json;
	struct json_writer	*w;
};

static void
list_one(void *ctx, const struct auth_key_info *k)
{
	struct list_ctx *l = ctx;
	char t[TIME_ISO_BYTES];

	time_fmt_iso_s(t, k->created_ms);
	if (l->json) {
		json_obj_open(l->w, NULL);
		json_str(l->w, "AccessKeyId", k->access_key_id);
		json_str(l->w, "Status", k->active ? "Active" : "Inactive");
		json_str(l->w, "CreateDate", t);
		json_obj_close(l->w);
	} else
		printf("%-26s %-9s %s\n", k->access_key_id,
		    k->active ? "Active" : "Inactive", t);
}

int
cli_account_key_list(struct cli *cli, int argc, char **argv)
{
	struct list_ctx l = { cli_flag(&argc, argv, "--json"), NULL };
	struct json_writer w;
	int64_t id;
	struct buf b;
	enum err r;

	if ((id = account_id(cli, argv[0])) == 0)
		return 1;
	buf_init(&b, 1024 * 1024);
	json_writer_init(&w, &b);
	l.w = &w;
	if (l.json)
		json_arr_open(&w, NULL);
	else
		printf("%-26s %-9s %s\n", "ACCESS KEY ID", "STATUS", "CREATED");
	r = auth_key_list(cli->db, id, list_one, &l);
	if (l.json) {
		json_arr_close(&w);
		if (json_writer_finish(&w) == ERR_OK && r == ERR_OK)
			cli_print_json(&b);
	}
	buf_free(&b);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot list keys: %s\n", err_name(r));
		return 1;
	}
	return 0;
}

static int
set_active(struct cli *cli, char **argv, bool active)
{
	int64_t id;
	enum err r;

	if ((id = account_id(cli, argv[0])) == 0)
		return 1;
	r = auth_key_set_active(cli->db, id, argv[1], active);
	if (r == ERR_NOT_FOUND) {
		fprintf(stderr, "coffer: account '%s' has no access key '%s'\n",
		    argv[0], argv[1]);
		return 1;
	}
	if (r == ERR_CONFLICT) {
		too_many(argv[0]);
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot change the key: %s\n",
		    err_name(r));
		return 1;
	}
	printf("access key %s of '%s' is %s\n", argv[1], argv[0],
	    active ? "Active" : "Inactive");
	return 0;
}

int
cli_account_key_disable(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	return set_active(cli, argv, false);
}

int
cli_account_key_enable(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	return set_active(cli, argv, true);
}

int
cli_account_key_delete(struct cli *cli, int argc, char **argv)
{
	int64_t id;
	enum err r;

	(void)argc;
	if ((id = account_id(cli, argv[0])) == 0)
		return 1;
	r = auth_key_delete(cli->db, id, argv[1]);
	if (r == ERR_NOT_FOUND) {
		fprintf(stderr, "coffer: account '%s' has no access key '%s'\n",
		    argv[0], argv[1]);
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot delete the key: %s\n",
		    err_name(r));
		return 1;
	}
	printf("deleted access key %s of '%s'\n", argv[1], argv[0]);
	return 0;
}
