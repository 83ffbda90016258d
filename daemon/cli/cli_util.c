/* SPDX-License-Identifier: ISC */
/* cli_util.c: argument helpers and the table of extra commands. */
#include <string.h>

#include "cli/cli.h"

bool
cli_flag(int *argc, char **argv, const char *flag)
{
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], flag) != 0)
			continue;
		memmove(&argv[i], &argv[i + 1],
		    (size_t)(*argc - i - 1) * sizeof(*argv));
		(*argc)--;
		return true;
	}
	return false;
}

int cli_inventory_run(struct cli *cli, int argc, char **argv);	/* cli_inventory.c */
int cli_key_run(struct cli *cli, int argc, char **argv);	/* cli_key.c */
int cli_audit_run(struct cli *cli, int argc, char **argv);	/* cli_audit.c */

const struct cli_command cli_extra_commands[] = {
	{ "key", NULL, cli_key_run,
	    "[--account NAME] create|list|describe|enable|disable|"
	    "schedule-deletion|cancel-deletion|import ...   [--json]" },
	{ "audit", NULL, cli_audit_run, "[--json] [--limit N]   newest audit rows" },
	{ "inventory", "run", cli_inventory_run,
	    "run BUCKET ID   write an inventory report now" },
};
const size_t cli_extra_ncommands =
    sizeof(cli_extra_commands) / sizeof(cli_extra_commands[0]);
