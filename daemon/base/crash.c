/* SPDX-License-Identifier: ISC */
/* crash.c: see crash.h. */
#include "base/crash.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
crash_point(const char *name)
{
	const char *at = getenv("COFFER_CRASH_AT");

	if (at != NULL && strcmp(at, name) == 0)
		_exit(99);
}
