/* SPDX-License-Identifier: ISC */
/*
 * coffer.c: the admin CLI. It works on a data dir directly (the same SQLite
 * database the daemon serves, safely shared through WAL and
 * BEGIN IMMEDIATE), so it needs no credentials beyond file access.
 *
 *   coffer [--data-dir DIR] [--config FILE] [--root-key FILE] COMMAND ...
 *     account create NAME [--json] | account list [--json] | account delete NAME
 *     clock show [--json] | clock advance DURATION | clock set TIME
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "config.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "kms/kms.h"

static void
print_json(struct buf *b)
{
	fwrite(buf_cstr(b), 1, b->len, stdout);
	fputc('\n', stdout);
	buf_free(b);
}

enum err
cli_open_db(struct cli *cli)
{
	char path[4200];
	enum err r;

	if (cli->db != NULL)
		return ERR_OK;
	snprintf(path, sizeof(path), "%s/meta.db", cli->cfg.data_dir);
	r = db_open(path, &cli->db);
	if (r != ERR_OK)
		fprintf(stderr, "coffer: cannot open '%s': %s\n", path,
		    err_name(r));
	return r;
}

enum err
cli_open_kms(struct cli *cli)
{
	struct kms_settings ks = { 0 };
	enum err r;

	if (cli->kms != NULL)
		return ERR_OK;
	r = cli_open_db(cli);
	if (r != ERR_OK)
		return r;
	ks.root_key_path = cli->cfg.root_key;
	/* Never create a key here: one the daemon does not use would seal
	 * secrets it cannot open. */
	ks.create_root_key = false;
	ks.db = cli->db;
	ks.clock = &cli->clock;
	r = kms_open(&ks, &cli->kms);
	if (r == ERR_NOT_FOUND)
		fprintf(stderr, "coffer: root key '%s' not found: start cofferd "
		    "once on this data dir, or pass --root-key FILE\n",
		    cli->cfg.root_key);
	else if (r != ERR_OK)
		fprintf(stderr, "coffer: cannot load root key '%s': %s\n",
		    cli->cfg.root_key, err_name(r));
	return r;
}

static int64_t
cli_now(void *ctx)
{
	struct cli *cli = ctx;
	struct db_clock_state s;

	if (cli->db != NULL && db_clock_read(cli->db, &s) == ERR_OK)
		return s.now_ms;
	return clock_wall_ms();
}

/* ---- account ---- */

static int
cmd_account_create(struct cli *cli, int argc, char **argv)
{
	char ak[AUTH_AK_MAX], sk[API_SECRET_MAX];
	struct auth_account a;
	bool json = cli_flag(&argc, argv, "--json");
	enum err r;

	if (argc != 1) {
		fprintf(stderr, "usage: coffer account create NAME [--json]\n");
		return 2;
	}
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
			print_json(&b);
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

static int
cmd_account_list(struct cli *cli, int argc, char **argv)
{
	struct list_ctx l = { cli_flag(&argc, argv, "--json"), NULL };
	struct json_writer w;
	struct buf b;
	enum err r;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: coffer account list [--json]\n");
		return 2;
	}
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
			print_json(&b);
	}
	buf_free(&b);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot list accounts: %s\n", err_name(r));
		return 1;
	}
	return 0;
}

static int
cmd_account_delete(struct cli *cli, int argc, char **argv)
{
	enum err r;

	if (argc != 1) {
		fprintf(stderr, "usage: coffer account delete NAME\n");
		return 2;
	}
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

/* ---- clock ---- */

static int
clock_report(struct cli *cli, bool json)
{
	struct db_clock_state s;
	char now[TIME_ISO_BYTES], wall[TIME_ISO_BYTES];
	enum err r;

	r = db_clock_read(cli->db, &s);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot read the clock: %s\n",
		    err_name(r));
		return 1;
	}
	time_fmt_iso_s(now, s.now_ms);
	time_fmt_iso_s(wall, clock_wall_ms());
	if (json) {
		struct json_writer w;
		struct buf b;

		buf_init(&b, 4096);
		json_writer_init(&w, &b);
		json_obj_open(&w, NULL);
		json_str(&w, "BusinessTime", now);
		json_i64(&w, "BusinessTimeMs", s.now_ms);
		json_str(&w, "WallTime", wall);
		json_i64(&w, "OffsetMs", s.test_mode ? s.offset_ms : 0);
		json_bool(&w, "TestClock", s.test_mode);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			print_json(&b);
	} else
		printf("business time: %s\nwall time:     %s\noffset:        "
		    "%+.3f s\ntest clock:    %s\n", now, wall,
		    (double)(s.test_mode ? s.offset_ms : 0) / 1000.0,
		    s.test_mode ? "on" : "off");
	return 0;
}

static int
clock_move(struct cli *cli, int64_t target)
{
	char t[TIME_ISO_BYTES];
	int64_t now = 0;
	enum err r;

	r = db_clock_set(cli->db, target, &now);
	if (r == ERR_ACCESS_DENIED) {
		fprintf(stderr, "coffer: the business clock of this data dir is "
		    "the wall clock; start cofferd with --test-clock to move it\n");
		return 1;
	}
	if (r == ERR_INVALID_ARGUMENT) {
		fprintf(stderr, "coffer: the clock only moves forward\n");
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot move the clock: %s\n",
		    err_name(r));
		return 1;
	}
	time_fmt_iso_s(t, now);
	printf("business time: %s\n", t);
	return 0;
}

static int
cmd_clock(struct cli *cli, int argc, char **argv)
{
	struct db_clock_state s;
	bool json = cli_flag(&argc, argv, "--json");
	int64_t v;

	if (argc < 1)
		goto usage;
	if (cli_open_db(cli) != ERR_OK)
		return 1;
	if (strcmp(argv[0], "show") == 0 && argc == 1)
		return clock_report(cli, json);
	if (strcmp(argv[0], "advance") == 0 && argc == 2) {
		if (!duration_parse(argv[1], &v) || v <= 0) {
			fprintf(stderr, "coffer: bad duration '%s' (e.g. 90s, "
			    "15m, 25h, 8d, 2w)\n", argv[1]);
			return 2;
		}
		if (db_clock_read(cli->db, &s) != ERR_OK)
			return 1;
		return clock_move(cli, s.now_ms + v);
	}
	if (strcmp(argv[0], "set") == 0 && argc == 2) {
		if (!time_parse_rfc3339(argv[1], &v)) {
			fprintf(stderr, "coffer: bad time '%s' (RFC 3339, e.g. "
			    "2027-01-01T00:00:00Z)\n", argv[1]);
			return 2;
		}
		return clock_move(cli, v);
	}
usage:
	fprintf(stderr, "usage: coffer clock show [--json] | advance DURATION | "
	    "set TIME\n");
	return 2;
}

static const struct cli_command commands[] = {
	{ "account", "create", cmd_account_create,
	    "create NAME [--json]   new account and access key" },
	{ "account", "list", cmd_account_list, "list [--json]" },
	{ "account", "delete", cmd_account_delete, "delete NAME" },
	{ "clock", NULL, cmd_clock,
	    "show [--json] | advance DURATION | set TIME   (--test-clock only)" },
};

static void
usage(void)
{
	fprintf(stderr, "usage: coffer [--data-dir DIR] [--config FILE] "
	    "[--root-key FILE] COMMAND ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  %s %s\n", commands[i].group, commands[i].help);
	for (size_t i = 0; i < cli_extra_ncommands; i++)
		fprintf(stderr, "  %s %s\n", cli_extra_commands[i].group,
		    cli_extra_commands[i].help);
}

static const struct cli_command *
find_command(const struct cli_command *tab, size_t n, const char *group,
    const char *sub)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(tab[i].group, group) != 0)
			continue;
		if (tab[i].sub == NULL || (sub != NULL && strcmp(tab[i].sub, sub) == 0))
			return &tab[i];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct cli cli;
	const struct cli_command *cmd;
	char *cargv[64];
	int cargc = 0, i, rc;
	char err[512];
	bool exit_now;

	memset(&cli, 0, sizeof(cli));
	log_open("coffer", LOG_LEVEL_WARNING, NULL);
	/* Global options before the command go to the config loader. */
	cargv[cargc++] = argv[0];
	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		}
		if (i + 1 >= argc || cargc + 2 >= 64) {
			usage();
			return 2;
		}
		cargv[cargc++] = argv[i];
		cargv[cargc++] = argv[i + 1];
	}
	if (config_load(cargc, cargv, &cli.cfg, &exit_now, err, sizeof(err)) !=
	    ERR_OK) {
		fprintf(stderr, "coffer: %s\n", err);
		return 2;
	}
	config_finish(&cli.cfg);
	cli.clock.now_ms = cli_now;
	cli.clock.ctx = &cli;
	if (i >= argc) {
		usage();
		return 2;
	}
	cmd = find_command(commands, sizeof(commands) / sizeof(commands[0]),
	    argv[i], i + 1 < argc ? argv[i + 1] : NULL);
	if (cmd == NULL)
		cmd = find_command(cli_extra_commands, cli_extra_ncommands,
		    argv[i], i + 1 < argc ? argv[i + 1] : NULL);
	if (cmd == NULL) {
		usage();
		return 2;
	}
	i += cmd->sub ? 2 : 1;
	rc = cmd->fn(&cli, argc - i, argv + i);
	kms_close(cli.kms);
	db_close(cli.db);
	return rc;
}
