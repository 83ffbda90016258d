/* SPDX-License-Identifier: ISC */
/*
 * test_form.c: the multipart/form-data push parser (codec/form.c): parts
 * and their content whatever way the body is split into pieces, content
 * that holds near-delimiters, the boundary forms of Content-Type, and the
 * refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codec/form.h"

/* What the callbacks saw: "name|filename|type=content;" per part. */
struct seen {
	char	out[4096];
	size_t	len;
};

static void
put(struct seen *s, const char *p, size_t n)
{
	assert_true(s->len + n < sizeof(s->out));
	memcpy(s->out + s->len, p, n);
	s->len += n;
	s->out[s->len] = '\0';
}

static enum err
cb_begin(void *ctx, const struct form_part *part)
{
	struct seen *s = ctx;

	put(s, part->name, strlen(part->name));
	put(s, "|", 1);
	if (part->filename != NULL)
		put(s, part->filename, strlen(part->filename));
	put(s, "|", 1);
	if (part->content_type != NULL)
		put(s, part->content_type, strlen(part->content_type));
	put(s, "=", 1);
	return ERR_OK;
}

static enum err
cb_data(void *ctx, const char *p, size_t n)
{
	assert_true(n > 0);
	put(ctx, p, n);
	return ERR_OK;
}

static enum err
cb_end(void *ctx)
{
	put(ctx, ";", 1);
	return ERR_OK;
}

static const struct form_cb cb = { cb_begin, cb_data, cb_end };

/* Parses body in pieces of step bytes (0: at once). */
static enum err
parse(const char *ctype, const char *body, size_t n, size_t step,
    struct seen *s, bool *complete)
{
	static struct form f;
	enum err r;

	memset(s, 0, sizeof(*s));
	r = form_init(&f, ctype);
	if (r != ERR_OK)
		return r;
	for (size_t i = 0; i < n; ) {
		size_t k = step == 0 || step > n - i ? n - i : step;

		r = form_feed(&f, body + i, k, &cb, s);
		if (r != ERR_OK)
			return r;
		i += k;
	}
	*complete = form_complete(&f);
	return ERR_OK;
}

#define CT "multipart/form-data; boundary=XyZ"

static void
test_parts_any_split(void **state)
{
	static const char body[] =
	    "preamble\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"key\"\r\n"
	    "\r\n"
	    "user/${filename}\r\n"
	    "--XyZ\r\n"
	    "content-disposition: form-data; name=\"file\"; "
	    "filename=\"a \\\"b\\\".txt\"\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "\r\n--Xy\r\r\n--XyQ\r\n-\r\n\r\n"
	    "\r\n--XyZ  \r\n"
	    "Content-Disposition: form-data; name=submit\r\n"
	    "\r\n"
	    "Upload\r\n"
	    "--XyZ--\r\n"
	    "epilogue";
	static const char want[] =
	    "key||=user/${filename};"
	    "file|a \"b\".txt|text/plain=\r\n--Xy\r\r\n--XyQ\r\n-\r\n\r\n;"
	    "submit||=Upload;";
	struct seen s;
	bool complete;

	(void)state;
	for (size_t step = 0; step < 40; step++) {
		assert_int_equal(parse(CT, body, sizeof(body) - 1, step, &s,
		    &complete), ERR_OK);
		assert_string_equal(s.out, want);
		assert_true(complete);
	}
}

static void
test_content_types(void **state)
{
	static const char body[] = "--b c\r\nContent-Disposition: form-data;"
	    " name=\"x\"\r\n\r\n1\r\n--b c--";
	struct seen s;
	bool complete;

	(void)state;
	assert_int_equal(parse("multipart/form-data; boundary=\"b c\"", body,
	    sizeof(body) - 1, 0, &s, &complete), ERR_OK);
	assert_string_equal(s.out, "x||=1;");
	assert_true(complete);
	assert_int_equal(parse("Multipart/Form-Data;charset=utf-8;boundary=\"b c\"",
	    body, sizeof(body) - 1, 3, &s, &complete), ERR_OK);
	assert_string_equal(s.out, "x||=1;");
	assert_int_equal(parse("application/x-www-form-urlencoded", body,
	    sizeof(body) - 1, 0, &s, &complete), ERR_POST_NOT_MULTIPART);
	assert_int_equal(parse("multipart/form-dataX; boundary=a", body,
	    sizeof(body) - 1, 0, &s, &complete), ERR_POST_NOT_MULTIPART);
	assert_int_equal(parse(NULL, body, 0, 0, &s, &complete),
	    ERR_POST_NOT_MULTIPART);
	assert_int_equal(parse("multipart/form-data", body, 0, 0, &s,
	    &complete), ERR_POST_MALFORMED);
	assert_int_equal(parse("multipart/form-data; boundary=", body, 0, 0,
	    &s, &complete), ERR_POST_MALFORMED);
	assert_int_equal(parse("multipart/form-data; boundary=\"a",
	    body, 0, 0, &s, &complete), ERR_POST_MALFORMED);
	assert_int_equal(parse("multipart/form-data; boundary=0123456789"
	    "0123456789012345678901234567890123456789012345678901234567891",
	    body, 0, 0, &s, &complete), ERR_POST_MALFORMED);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		/* no Content-Disposition */
		"--XyZ\r\nContent-Type: a\r\n\r\nv\r\n--XyZ--",
		/* not form-data, or no name */
		"--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",
		/* a header line without a colon, an empty header block */
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\nbogus\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\n\r\nv\r\n--XyZ--",
		/* garbage after a delimiter */
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZx",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ-x",
		"--XyZ\rx",
	};
	struct seen s;
	bool complete;
	char big[FORM_HEADER_MAX + 64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(CT, bad[i], strlen(bad[i]), 0, &s,
		    &complete), ERR_POST_MALFORMED);
	/* Truncated: parsed without error, but not complete. */
	assert_int_equal(parse(CT, "--XyZ\r\nContent-Disposition: form-data;"
	    " name=a\r\n\r\nvalue", 48, 0, &s, &complete), ERR_OK);
	assert_false(complete);
	/* A header block over the cap. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "--XyZ\r\nX-Long: ", 15);
	assert_int_equal(parse(CT, big, sizeof(big), 7, &s, &complete),
	    ERR_POST_FIELD_TOO_LONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_any_split),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
