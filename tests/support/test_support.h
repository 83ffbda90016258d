/* SPDX-License-Identifier: ISC */
/* test_support.h: helpers shared by unit and e2e tests. */
#ifndef COFFER_TEST_SUPPORT_H
#define COFFER_TEST_SUPPORT_H

#include <stddef.h>

/* mkdtemp under $TMPDIR (or /tmp); returns a malloc'd path. Aborts on error. */
char *test_tmpdir(const char *tag);
/* rm -rf path (best effort). */
void test_rmrf(const char *path);
/* Reads a whole file; malloc'd, NUL-terminated; NULL if missing. */
char *test_read_file(const char *path, size_t *ret_len);
/* True when needle occurs in hay[0..n). */
int test_memmem(const void *hay, size_t n, const void *needle, size_t m);

#endif
