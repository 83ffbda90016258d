/* SPDX-License-Identifier: ISC */
/*
 * coffer.c: the admin CLI. It works on a data dir directly (the same SQLite
 * database the daemon serves, safely shared through WAL and
 * BEGIN IMMEDIATE), so it needs no credentials beyond file access.
 *
 *   coffer [--data-dir DIR] [--config FILE] [--root-key FILE] COMMAND ...
 *
 * The commands are the rows of one table below; their handlers live in one
 * file per family (cli_account.c, cli_clock.c, cli_key.c, cli_audit.c,
 * cli_inventory.c). A command line is checked against its row here, so a
 * wrong one gets one line saying what is wrong, then the usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/roff.h"
#include "base/str.h"
#include "base/version.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "config.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "kms/kms.h"

void
cli_print_json(struct buf *b)
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
	db_display(cli->cfg.database, path, sizeof(path));
	r = db_open(cli->cfg.database, &cli->db);
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
	/* The daemon's quotas (--config): the CLI creates keys for accounts
	 * too, and must not let one pass them. */
	ks.limits = config_kms_limits(&cli->cfg);
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
clock_of_cli(void *ctx)
{
	struct cli *cli = ctx;
	struct db_clock_state s;

	if (cli->db != NULL && db_clock_read(cli->db, &s) == ERR_OK)
		return s.now_ms;
	return clock_wall_ms();
}

int64_t
cli_now(struct cli *cli)
{
	return clock_of_cli(cli);
}

#define KEY_OPTS "--account= --json"

static const struct cli_command commands[] = {
	{ "init", NULL, "", "", cli_init,
	    "create the data dir: database, root key, root account and "
	    "credentials (as cofferd's first start)" },
	{ "account", "create", "NAME", "--json", cli_account_create,
	    "new account and access key" },
	{ "account", "list", "", "--json", cli_account_list,
	    "accounts and their access key ids" },
	{ "account", "delete", "NAME", "", cli_account_delete,
	    "delete an account that owns no bucket" },
	{ "account key", "create", "NAME", "--json", cli_account_key_create,
	    "another access key for the account (at most two active: rotate "
	    "by creating, moving clients, disabling, deleting)" },
	{ "account key", "list", "NAME", "--json", cli_account_key_list,
	    "the account's access keys and their state" },
	{ "account key", "disable", "NAME ACCESS_KEY_ID", "",
	    cli_account_key_disable, "refuse the key's requests from now on" },
	{ "account key", "enable", "NAME ACCESS_KEY_ID", "",
	    cli_account_key_enable, "accept a disabled key again" },
	{ "account key", "delete", "NAME ACCESS_KEY_ID", "",
	    cli_account_key_delete, "delete the key" },
	{ "bucket", "list", "", "--json", cli_bucket_list,
	    "every bucket: owner, region, storage class, creation" },
	{ "bucket", "info", "BUCKET", "--json", cli_bucket_info,
	    "a bucket's settings, objects and bytes" },
	{ "object", "list", "BUCKET [PREFIX]", "--json --limit=",
	    cli_object_list, "a bucket's current objects (--limit N, "
	    "default 1000)" },
	{ "key", "create", "", KEY_OPTS " --description= --origin= --rotation=",
	    cli_key_create, "new customer master key "
	    "(--origin Aliyun_KMS|EXTERNAL, --rotation 30d)" },
	{ "key", "list", "", KEY_OPTS, cli_key_list, "the account's keys" },
	{ "key", "describe", "KEY", KEY_OPTS, cli_key_describe,
	    "a key's metadata" },
	{ "key", "enable", "KEY", KEY_OPTS, cli_key_enable, "enable a key" },
	{ "key", "disable", "KEY", KEY_OPTS, cli_key_disable, "disable a key" },
	{ "key", "schedule-deletion", "KEY DAYS", KEY_OPTS,
	    cli_key_schedule_deletion, "destroy the key after DAYS (7-366)" },
	{ "key", "cancel-deletion", "KEY", KEY_OPTS, cli_key_cancel_deletion,
	    "keep a key scheduled for deletion" },
	{ "key", "import", "KEY FILE", KEY_OPTS " --expire=", cli_key_import,
	    "import 32 raw bytes of key material (--expire UNIX-SECONDS)" },
	{ "key", "refuse-legacy", "KEY", KEY_OPTS, cli_key_refuse_legacy,
	    "stop opening ciphertexts made before format v2 (irreversible)" },
	{ "audit", NULL, "", "--json --limit=", cli_audit,
	    "newest audit rows (--limit N, default 50)" },
	{ "audit", "verify", "", "--head=", cli_audit_verify,
	    "check the audit trail's hash chain (exit 1 at the first broken "
	    "row; --head ID:HASH from the daemon's log: also that the trail "
	    "still reaches that row unchanged)" },
	{ "audit", "verify-export", "FILE", "", cli_audit_verify_export,
	    "check an export file of pruned audit rows (audit/export.jsonl): "
	    "every line chains and it ends on the checkpoint the trail starts "
	    "from (exit 1 at the first broken line)" },
	{ "inventory", "run", "BUCKET ID", "", cli_inventory_run,
	    "write a bucket's inventory report now" },
	{ "lifecycle", "run", "BUCKET", "--json", cli_lifecycle_run,
	    "run a bucket's due daily lifecycle runs now (today's again when "
	    "none is due)" },
	{ "lifecycle", "show", "BUCKET", "--json", cli_lifecycle_show,
	    "a bucket's lifecycle configuration and its last run" },
	{ "cname", "list", "", "", cli_cname_list,
	    "custom domains of every bucket (attached and reserved)" },
	{ "cname", "reserve-img", "DOMAIN BUCKET", "", cli_cname_reserve_img,
	    "reserve a domain for image processing (PutCname gets CNAME_IMG)" },
	{ "clock", "show", "", "--json", cli_clock_show,
	    "business time of the data dir" },
	{ "clock", "advance", "DURATION", "", cli_clock_advance,
	    "move business time forward (90s, 15m, 25h, 8d, 2w; --test-clock)" },
	{ "clock", "set", "TIME", "", cli_clock_set,
	    "move business time forward to an RFC 3339 time (--test-clock)" },
	{ "worm", "verify", "", "--json", cli_worm_verify,
	    "check every object and WORM policy row against the seal" },
	{ "worm", "acknowledge-rollback", "", "", cli_worm_ack_rollback,
	    "accept a database put back from an older copy (audited)" },
	{ "backup", NULL, "DEST", "--json", cli_backup,
	    "consistent online copy of the data dir into DEST (no root key)" },
	{ "restore", NULL, "SRC", "--data-dir= --root-key= --force --json",
	    cli_restore, "rebuild the data dir from a backup (checksums and "
	    "key checked; --force over a newer seal, audited)" },
	{ "verify", NULL, "", "--json", cli_verify,
	    "check every extent, orphan blobs, the seal and the database" },
	{ "root-key", "rotate", "", "--new-key= --json", cli_rootkey_rotate,
	    "re-seal everything under a new root key, install it and retire "
	    "the old one (run again to finish after a crash)" },
	{ "root-key", "status", "", "--json", cli_rootkey_status,
	    "root key generation and any rotation in progress" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
row_usage(FILE *f, const struct cli_command *c)
{
	const char *o = c->opts;

	fprintf(f, "  %s%s%s", c->group, c->name ? " " : "",
	    c->name ? c->name : "");
	if (c->args[0] != '\0')
		fprintf(f, " %s", c->args);
	/* "--x=" prints as "[--x VALUE]". */
	while (*o != '\0') {
		size_t n = strcspn(o, " ");

		if (n > 0 && o[n - 1] == '=')
			fprintf(f, " [%.*s VALUE]", (int)n - 1, o);
		else if (n > 0)
			fprintf(f, " [%.*s]", (int)n, o);
		o += n;
		while (*o == ' ')
			o++;
	}
	fprintf(f, "\n      %s\n", c->help);
}

/* Whether a row's group is group or one of its two-word groups ("account
 * key" is in "account"). */
static bool
in_group(const char *row, const char *group)
{
	size_t n = strlen(group);

	return strncmp(row, group, n) == 0 && (row[n] == '\0' || row[n] == ' ');
}

/* The usage of every command, or of one group (group NULL: all). */
static void
usage(FILE *f, const char *group)
{
	fprintf(f, "usage: coffer [--data-dir DIR] [--config FILE] "
	    "[--root-key FILE] COMMAND ...\n"
	    "       coffer --version\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (group == NULL || in_group(commands[i].group, group))
			row_usage(f, &commands[i]);
}

/*
 * coffer.1, from the command table (the hidden --man the build runs): one
 * entry per row, its synopsis as row_usage prints it.
 */
static void
man_page(FILE *f)
{
	fprintf(f, ".\\\" Generated by coffer --man from its command table; "
	    "do not edit.\n"
	    ".TH COFFER 1 \"\" \"coffer %s\" \"User Commands\"\n"
	    ".SH NAME\ncoffer \\- administer a cofferd data directory\n"
	    ".SH SYNOPSIS\n.B coffer\n.RB [ \\-\\-data\\-dir\n.IR DIR ]\n"
	    ".RB [ \\-\\-config\n.IR FILE ]\n.RB [ \\-\\-root\\-key\n"
	    ".IR FILE ]\n.I COMMAND\n.RI [ ARGS ]...\n.br\n"
	    ".B coffer \\-\\-version\n"
	    ".SH DESCRIPTION\n.B coffer\nworks on a data directory directly: the "
	    "same SQLite database the running\n.BR cofferd (8)\nserves, shared "
	    "safely, so it needs file access rather than credentials. Only\n"
	    ".B coffer init\nand the daemon's first start create a data "
	    "directory; every other command refuses a missing or empty one.\n"
	    ".SH OPTIONS\n"
	    ".TP\n.BI \\-\\-data\\-dir \" DIR\"\nThe data directory "
	    "(default: as for cofferd).\n"
	    ".TP\n.BI \\-\\-config \" FILE\"\nThe daemon's config file, for "
	    "its data dir, root key and quotas.\n"
	    ".TP\n.BI \\-\\-root\\-key \" FILE\"\nThe root key, when it is "
	    "not where the config says.\n"
	    ".TP\n.B \\-\\-version\nPrint the release and the database "
	    "schema version.\n"
	    ".TP\n.BR \\-h \", \" \\-\\-help\nList the commands; after a "
	    "command, its arguments and options.\n"
	    ".SH COMMANDS\n", COFFER_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *c = &commands[i];
		const char *o = c->opts;

		fputs(".TP\n.B \"", f);
		roff_text(f, c->group);
		if (c->name != NULL) {
			fputc(' ', f);
			roff_text(f, c->name);
		}
		fputs("\"", f);
		if (c->args[0] != '\0') {
			fputs(" \\fI", f);
			roff_text(f, c->args);
			fputs("\\fP", f);
		}
		while (*o != '\0') {
			size_t n = strcspn(o, " ");
			char opt[64];

			snprintf(opt, sizeof(opt), "%.*s", (int)(n > 0 &&
			    o[n - 1] == '=' ? n - 1 : n), o);
			fputs(" [\\fB", f);
			roff_text(f, opt);
			fputs(n > 0 && o[n - 1] == '=' ? "\\fP \\fIVALUE\\fP]" :
			    "\\fP]", f);
			o += n;
			while (*o == ' ')
				o++;
		}
		fputs("\n", f);
		roff_text(f, c->help);
		fputs("\n", f);
	}
	fputs(".SH ENVIRONMENT\n.TP\n.BR COFFER_ROOT_ACCESS_KEY_ID \", \" "
	    "COFFER_ROOT_ACCESS_KEY_SECRET\n"
	    ".B coffer init\ngives the root account this key pair instead of a "
	    "generated one.\n"
	    ".SH EXIT STATUS\n0 on success, 1 when the command failed, 2 for a "
	    "wrong command line.\n"
	    ".SH SEE ALSO\n.BR cofferd (8)\n", f);
}

/* 0: not an option of c; 1: a flag; 2: takes a value. */
static int
opt_kind(const struct cli_command *c, const char *arg)
{
	size_t n = strlen(arg);
	const char *o = c->opts;

	while ((o = strstr(o, arg)) != NULL) {
		bool start = o == c->opts || o[-1] == ' ';

		if (start && (o[n] == ' ' || o[n] == '\0'))
			return 1;
		if (start && o[n] == '=')
			return 2;
		o += n;
	}
	return 0;
}

/* The n-th word (0-based) of the synopsis, for "missing KEY". */
static void
arg_name(const char *args, int n, char *out, size_t cap)
{
	for (; n > 0 && *args != '\0'; n--) {
		args += strcspn(args, " ");
		args += strspn(args, " ");
	}
	snprintf(out, cap, "%.*s", (int)strcspn(args, " "), args);
}

/* Words of a synopsis in brackets ("[PREFIX]") may be left out. */
static int
noptional(const char *s)
{
	int n = 0;

	for (; (s = strchr(s, '[')) != NULL; s++)
		n++;
	return n;
}

static int
nwords(const char *s)
{
	int n = 0;

	for (s += strspn(s, " "); *s != '\0'; s += strspn(s, " ")) {
		n++;
		s += strcspn(s, " ");
	}
	return n;
}

/* Checks argv (after group and name) against row c: 0 when it may run,
 * 1 for --help (printed), 2 when wrong (one line said why). */
static int
check_args(const struct cli_command *c, int argc, char **argv)
{
	char what[64], name[64];
	int pos = 0, want = nwords(c->args), need = want - noptional(c->args);

	snprintf(what, sizeof(what), "%s%s%s", c->group, c->name ? " " : "",
	    c->name ? c->name : "");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fprintf(stdout, "usage:\n");
			row_usage(stdout, c);
			return 1;
		}
		if (a[0] == '-' && a[1] == '-') {
			int k = opt_kind(c, a);

			if (k == 0) {
				fprintf(stderr, "coffer: %s: unknown option "
				    "'%s'\n", what, a);
				return 2;
			}
			if (k == 2 && ++i >= argc) {
				fprintf(stderr, "coffer: %s: option '%s' needs "
				    "a value\n", what, a);
				return 2;
			}
			continue;
		}
		if (pos++ >= want) {
			fprintf(stderr, "coffer: %s: unexpected argument "
			    "'%s'\n", what, a);
			return 2;
		}
	}
	if (pos < need) {
		arg_name(c->args, pos, name, sizeof(name));
		fprintf(stderr, "coffer: %s: missing %s\n", what, name);
		return 2;
	}
	return 0;
}

static bool
group_opt_takes_value(const char *group, const char *opt)
{
	for (size_t k = 0; k < NCOMMANDS; k++)
		if (strcmp(commands[k].group, group) == 0 &&
		    opt_kind(&commands[k], opt) == 2)
			return true;
	return false;
}

/* The row for argv[0] (group) and its first non-option word (name), which
 * is taken out of argv. NULL after saying what is wrong. */
static const struct cli_command *
find_command(int *argc, char **argv, const char **ret_group)
{
	const struct cli_command *plain = NULL;
	const char *group = argv[0];
	bool known = false;
	int i;

	*ret_group = NULL;
	/* A two-word group ("account key"): its words become one. */
	for (size_t k = 0; *argc > 1 && k < NCOMMANDS; k++) {
		const char *g = commands[k].group, *sp = strchr(g, ' ');

		if (sp != NULL && strncmp(g, argv[0], (size_t)(sp - g)) == 0 &&
		    argv[0][sp - g] == '\0' && strcmp(sp + 1, argv[1]) == 0) {
			group = g;
			memmove(&argv[1], &argv[2],
			    (size_t)(*argc - 2) * sizeof(*argv));
			(*argc)--;
			break;
		}
	}
	for (size_t k = 0; k < NCOMMANDS; k++) {
		if (strcmp(commands[k].group, group) != 0)
			continue;
		known = true;
		*ret_group = commands[k].group;
		if (commands[k].name == NULL)
			plain = &commands[k];
	}
	if (!known) {
		fprintf(stderr, "coffer: unknown command '%s'\n", group);
		return NULL;
	}
	/* A group that is a command itself ("audit") may have named ones
	 * too ("audit verify"), named by the word right after it. */
	if (plain != NULL) {
		for (size_t k = 0; *argc > 1 && k < NCOMMANDS; k++) {
			if (commands[k].name != NULL &&
			    strcmp(commands[k].group, group) == 0 &&
			    strcmp(commands[k].name, argv[1]) == 0) {
				memmove(&argv[1], &argv[2],
				    (size_t)(*argc - 2) * sizeof(*argv));
				(*argc)--;
				return &commands[k];
			}
		}
		return plain;
	}
	/* Options may come before the name: key --account bob create. */
	for (i = 1; i < *argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] != '-')
			break;
		if (strcmp(argv[i], "--help") == 0)
			return NULL;
		if (group_opt_takes_value(group, argv[i]))
			i++;	/* checked against the row later */
	}
	if (i >= *argc) {
		fprintf(stderr, "coffer: %s: missing command\n", group);
		return NULL;
	}
	for (size_t k = 0; k < NCOMMANDS; k++) {
		if (strcmp(commands[k].group, group) == 0 &&
		    strcmp(commands[k].name, argv[i]) == 0) {
			memmove(&argv[i], &argv[i + 1],
			    (size_t)(*argc - i - 1) * sizeof(*argv));
			(*argc)--;
			return &commands[k];
		}
	}
	fprintf(stderr, "coffer: %s: unknown command '%s'\n", group, argv[i]);
	return NULL;
}

/*
 * Only `coffer init`, `coffer restore` and cofferd's first start create a
 * data dir: anything else run on a wrong --data-dir (a typo, a missing
 * mount) would quietly start an empty one, whose database the next command
 * then trusts.
 */
static bool
data_dir_ready(const struct cli_command *cmd, const char *dir,
    const char *database)
{
	char path[4200];

	if (cmd->fn == cli_init || cmd->fn == cli_restore)
		return true;
	snprintf(path, sizeof(path), "%s/meta.db", dir);
	if (access(path, F_OK) == 0 || db_is_url(database))
		return true;
	fprintf(stderr, "coffer: '%s' is not a coffer data dir (no meta.db): "
	    "create one with 'coffer init' (or by starting cofferd), or "
	    "name the right one with --data-dir\n", dir);
	return false;
}

int
main(int argc, char **argv)
{
	struct cli cli;
	const struct cli_command *cmd;
	const char *group;
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
			usage(stdout, NULL);
			return 0;
		}
		/* Not in --help: what the build runs to make coffer.1. */
		if (strcmp(argv[i], "--man") == 0) {
			man_page(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("coffer %s (schema %d)\n", COFFER_VERSION,
			    db_schema_latest());
			return 0;
		}
		if (i + 1 >= argc || cargc + 2 >= 64) {
			fprintf(stderr, "coffer: option '%s' needs a value\n",
			    argv[i]);
			usage(stderr, NULL);
			return 2;
		}
		cargv[cargc++] = argv[i];
		cargv[cargc++] = argv[i + 1];
	}
	if (i >= argc) {
		fprintf(stderr, "coffer: missing command\n");
		usage(stderr, NULL);
		return 2;
	}
	argc -= i;
	argv += i;
	cmd = find_command(&argc, argv, &group);
	if (cmd == NULL) {
		bool help = argc > 1 && strcmp(argv[argc - 1], "--help") == 0;

		usage(help ? stdout : stderr, group);
		return help ? 0 : 2;
	}
	rc = check_args(cmd, argc - 1, argv + 1);
	if (rc == 1)
		return 0;
	if (rc == 2) {
		usage(stderr, group);
		return 2;
	}
	if (config_load(cargc, cargv, &cli.cfg, &exit_now, err, sizeof(err)) !=
	    ERR_OK) {
		fprintf(stderr, "coffer: %s\n", err);
		return 2;
	}
	cli.root_key_default = cli.cfg.root_key[0] == '\0';
	config_finish(&cli.cfg);
	if (!data_dir_ready(cmd, cli.cfg.data_dir, cli.cfg.database))
		return 1;
	cli.clock.now_ms = clock_of_cli;
	cli.clock.ctx = &cli;
	rc = cmd->fn(&cli, argc - 1, argv + 1);
	kms_close(cli.kms);
	db_close(cli.db);
	return rc;
}
