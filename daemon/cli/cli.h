/* SPDX-License-Identifier: ISC */
/* cli.h: what the coffer command files share. */
#ifndef COFFER_CLI_CLI_H
#define COFFER_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/err.h"
#include "config.h"

struct buf;
struct db;
struct kms;

struct cli {
	struct config	 cfg;
	struct db	*db;
	struct kms	*kms;
	struct clock	 clock;	/* the data dir's business clock */
	bool		 root_key_default;	/* derived, not given */
};

/*
 * One row of THE command table (coffer.c). coffer.c checks a command line
 * against its row before the handler runs: options must be among opts,
 * the positional arguments must be as many as args names, and --help
 * prints the row. So handlers only read what they were promised.
 */
struct cli_command {
	const char	*group;		/* "key" */
	const char	*name;		/* "create"; NULL: the group itself */
	const char	*args;		/* positional synopsis: "KEY DAYS" */
	const char	*opts;		/* accepted options; "--x=" takes a value */
	int		(*fn)(struct cli *cli, int argc, char **argv);
	const char	*help;		/* one line */
};

/* Handlers get argv without group and name: positionals and options in
 * the order given. These take what the row allows out of it. */
bool cli_flag(int *argc, char **argv, const char *flag);
/* Removes "--name VALUE" and returns VALUE, or NULL when absent. */
const char *cli_opt(int *argc, char **argv, const char *name);

enum err cli_open_db(struct cli *cli);
enum err cli_open_kms(struct cli *cli);
void cli_print_json(struct buf *b);
int64_t cli_now(struct cli *cli);

/* Progress of a long command on stderr (cli_progress.c): what, items and
 * bytes done, rate; every 200 ms on a terminal, every second as JSON
 * lines otherwise, and once more when done. */
struct cli_progress {
	const char	*what;
	bool		 tty;
	int64_t		 t0, last;
	uint64_t	 items, bytes;
	uint64_t	 total;		/* items expected; 0: unknown */
};
void cli_progress_init(struct cli_progress *p, const char *what);
void cli_progress_add(struct cli_progress *p, uint64_t items, uint64_t bytes);
void cli_progress_show(struct cli_progress *p, bool done);
/* The items expected, when known: the time left is shown too. */
void cli_progress_total(struct cli_progress *p, uint64_t items);
double cli_progress_secs(const struct cli_progress *p);
int64_t cli_mono_ms(void);

/* The handlers, one file per family. */
int cli_account_create(struct cli *, int, char **);	/* cli_account.c */
int cli_account_list(struct cli *, int, char **);
int cli_account_delete(struct cli *, int, char **);
int cli_account_key_create(struct cli *, int, char **);	/* cli_access_key.c */
int cli_account_key_list(struct cli *, int, char **);
int cli_account_key_disable(struct cli *, int, char **);
int cli_account_key_enable(struct cli *, int, char **);
int cli_account_key_delete(struct cli *, int, char **);
int cli_bucket_list(struct cli *, int, char **);		/* cli_bucket.c */
int cli_bucket_info(struct cli *, int, char **);
int cli_object_list(struct cli *, int, char **);
int cli_clock_show(struct cli *, int, char **);		/* cli_clock.c */
int cli_clock_advance(struct cli *, int, char **);
int cli_clock_set(struct cli *, int, char **);
int cli_key_create(struct cli *, int, char **);		/* cli_key.c */
int cli_key_list(struct cli *, int, char **);
int cli_key_describe(struct cli *, int, char **);
int cli_key_enable(struct cli *, int, char **);
int cli_key_disable(struct cli *, int, char **);
int cli_key_cancel_deletion(struct cli *, int, char **);
int cli_key_schedule_deletion(struct cli *, int, char **);
int cli_key_import(struct cli *, int, char **);
int cli_key_refuse_legacy(struct cli *, int, char **);
int cli_audit(struct cli *, int, char **);		/* cli_audit.c */
int cli_audit_verify(struct cli *, int, char **);
int cli_audit_verify_export(struct cli *, int, char **); /* cli_audit_export.c */
int cli_inventory_run(struct cli *, int, char **);	/* cli_inventory.c */
int cli_lifecycle_run(struct cli *, int, char **);	/* cli_lifecycle.c */
int cli_lifecycle_show(struct cli *, int, char **);
int cli_cname_list(struct cli *, int, char **);		/* cli_cname.c */
int cli_cname_reserve_img(struct cli *, int, char **);
int cli_worm_verify(struct cli *, int, char **);		/* cli_worm.c */
int cli_worm_ack_rollback(struct cli *, int, char **);
int cli_backup(struct cli *, int, char **);		/* cli_backup.c */
int cli_restore(struct cli *, int, char **);
int cli_verify(struct cli *, int, char **);
int cli_init(struct cli *, int, char **);		/* cli_init.c */
int cli_rootkey_rotate(struct cli *, int, char **);	/* cli_rootkey.c */
int cli_rootkey_status(struct cli *, int, char **);

#endif
