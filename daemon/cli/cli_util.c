/* SPDX-License-Identifier: ISC */
/* cli_util.c: taking options out of a handler's argv. */
#include <string.h>

#include "cli/cli.h"

static void
drop(int *argc, char **argv, int i, int n)
{
	memmove(&argv[i], &argv[i + n], (size_t)(*argc - i - n) * sizeof(*argv));
	*argc -= n;
}

bool
cli_flag(int *argc, char **argv, const char *flag)
{
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], flag) == 0) {
			drop(argc, argv, i, 1);
			return true;
		}
	}
	return false;
}

const char *
cli_opt(int *argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < *argc; i++) {
		if (strcmp(argv[i], name) == 0) {
			const char *v = argv[i + 1];

			drop(argc, argv, i, 2);
			return v;
		}
	}
	return NULL;
}
