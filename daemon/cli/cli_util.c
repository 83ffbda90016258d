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

const struct cli_command cli_extra_commands[] = {
	{ "", NULL, NULL, "" },
};
const size_t cli_extra_ncommands = 0;
