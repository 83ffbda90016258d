/* SPDX-License-Identifier: ISC */
/* cli.h: what the coffer command files share. */
#ifndef COFFER_CLI_CLI_H
#define COFFER_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/clock.h"
#include "base/err.h"
#include "config.h"

struct db;
struct kms;

struct cli {
	struct config	 cfg;
	struct db	*db;
	struct kms	*kms;
	struct clock	 clock;	/* the data dir's business clock */
};

struct cli_command {
	const char	*group;		/* "account" */
	const char	*sub;		/* "create", or NULL: fn parses argv */
	int		(*fn)(struct cli *cli, int argc, char **argv);
	const char	*help;
};

/* Commands defined outside coffer.c (key, audit, inventory). */
extern const struct cli_command cli_extra_commands[];
extern const size_t cli_extra_ncommands;

enum err cli_open_db(struct cli *cli);
enum err cli_open_kms(struct cli *cli);
/* Removes flag from argv if present; returns whether it was. */
bool cli_flag(int *argc, char **argv, const char *flag);

#endif
