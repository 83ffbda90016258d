/* SPDX-License-Identifier: ISC */
/*
 * roff.h: text for the man pages the programs print (--man), which the
 * build turns into cofferd.8 and coffer.1 from the same tables as --help.
 */
#ifndef COFFER_BASE_ROFF_H
#define COFFER_BASE_ROFF_H

#include <stdio.h>

/* s as roff text: backslashes and hyphens escaped, a line that would start
 * with a control character ('.' or '\'') guarded. No newline added. */
void roff_text(FILE *f, const char *s);

#endif
