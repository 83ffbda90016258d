/* SPDX-License-Identifier: ISC */
/* roff.c: see roff.h. */
#include "base/roff.h"

void
roff_text(FILE *f, const char *s)
{
	/* A hyphen in an option name must stay a hyphen-minus (\-) to be
	 * searchable and copyable; in prose too it does no harm. */
	for (const char *p = s; *p != '\0'; p++) {
		if ((p == s || p[-1] == '\n') && (*p == '.' || *p == '\''))
			fputs("\\&", f);
		if (*p == '\\')
			fputs("\\e", f);
		else if (*p == '-')
			fputs("\\-", f);
		else
			fputc(*p, f);
	}
}
