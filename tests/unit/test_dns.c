/* SPDX-License-Identifier: ISC */
/*
 * test_dns.c: the TXT source of custom-domain proofs (dns/dns_txt.c) with
 * a zone file: parsing, matching, re-reading a changed file and keeping
 * the last good records when an edit breaks it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/dns.h"

static char path[256];

static void
write_zone(const char *text)
{
	char tmp[300];
	FILE *f;

	/* A rename, as editors and configuration tools write files. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

static bool
has(struct dns_txt *d, const char *name, const char *value)
{
	bool found = true;

	assert_int_equal(dns_txt_has(d, name, value, &found), ERR_OK);
	return found;
}

static int
setup(void **state)
{
	const char *dir = getenv("TMPDIR");

	(void)state;
	snprintf(path, sizeof(path), "%s/coffer-dns-%d.zone",
	    dir != NULL ? dir : "/tmp", (int)getpid());
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void
test_zone_records(void **state)
{
	struct dns_txt *d = NULL;
	unsigned line = 0;

	(void)state;
	write_zone("# proofs\n\n"
	    "_dnsauth.shop.example.com TXT 0123abcd\n"
	    "_DNSAUTH.Other.Example.COM.\ttxt \"quoted value\"  # comment\n");
	assert_int_equal(dns_txt_open(path, &d, &line), ERR_OK);
	assert_true(has(d, "_dnsauth.shop.example.com", "0123abcd"));
	/* Names compare without case and trailing dot; values exactly. */
	assert_true(has(d, "_dnsauth.other.example.com.", "quoted value"));
	assert_false(has(d, "_dnsauth.shop.example.com", "0123ABCD"));
	assert_false(has(d, "_dnsauth.shop.example.com", "0123abc"));
	assert_false(has(d, "shop.example.com", "0123abcd"));
	dns_txt_close(d);
}

static void
test_zone_reread_and_bad_edits(void **state)
{
	struct dns_txt *d = NULL;
	unsigned line = 0;

	(void)state;
	write_zone("a.example.com TXT one\n");
	assert_int_equal(dns_txt_open(path, &d, &line), ERR_OK);
	assert_true(has(d, "a.example.com", "one"));
	write_zone("a.example.com TXT two\nb.example.com TXT three\n");
	assert_false(has(d, "a.example.com", "one"));
	assert_true(has(d, "a.example.com", "two"));
	assert_true(has(d, "b.example.com", "three"));
	/* A broken edit keeps the last good records. */
	write_zone("a.example.com CNAME elsewhere\n");
	assert_true(has(d, "a.example.com", "two"));
	dns_txt_close(d);
	/* ...but a broken file does not start. */
	assert_int_equal(dns_txt_open(path, &d, &line), ERR_INVALID_ARGUMENT);
	assert_int_equal(line, 1);
	write_zone("x.example.com TXT \"unterminated\n");
	assert_int_equal(dns_txt_open(path, &d, &line), ERR_INVALID_ARGUMENT);
	assert_int_equal(dns_txt_open("/nonexistent/zone", &d, &line), ERR_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zone_records, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_reread_and_bad_edits,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
