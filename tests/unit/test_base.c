/* SPDX-License-Identifier: ISC */
/*
 * test_base.c: unit tests for daemon/base (str, buf, arena, kv, log, clock).
 *
 * Everything the daemon parses from a client goes through these helpers, so
 * each parser is pinned at both sides of every boundary it promises: the
 * last accepted and the first rejected input, with exact results. Times are
 * checked against instants computed independently (1970, leap days, the
 * 2100 non-leap century, the 2038 32-bit rollover).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/kv.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/str.h"
#include "support/test_support.h"

/* xorshift64*: deterministic test data without rand(). */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* ---- numbers ---- */

static void
test_str_to_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(str_to_u64("0", 10, &v));
	assert_int_equal(v, 0);
	assert_true(str_to_u64("007", 10, &v));
	assert_int_equal(v, 7);
	assert_true(str_to_u64("18446744073709551615", UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	assert_true(str_to_u64("99", 99, &v));
	assert_int_equal(v, 99);

	/* Rejects leave the value untouched. */
	v = 12345;
	assert_false(str_to_u64("18446744073709551616", UINT64_MAX, &v));
	assert_false(str_to_u64("99999999999999999999", UINT64_MAX, &v));
	assert_false(str_to_u64("184467440737095516150", UINT64_MAX, &v));
	assert_false(str_to_u64("100", 99, &v));
	assert_false(str_to_u64("", 10, &v));
	assert_false(str_to_u64(NULL, 10, &v));
	assert_false(str_to_u64("+1", 10, &v));
	assert_false(str_to_u64("-1", 10, &v));
	assert_false(str_to_u64("-0", 10, &v));
	assert_false(str_to_u64(" 1", 10, &v));
	assert_false(str_to_u64("1 ", 10, &v));
	assert_false(str_to_u64("1a", 10, &v));
	assert_false(str_to_u64("0x1", 10, &v));
	assert_false(str_to_u64("1.0", 10, &v));
	assert_false(str_to_u64("1e3", 10000, &v));
	assert_false(str_to_u64("\xd9\xa1", 10, &v));	/* Arabic-Indic 1 */
	assert_int_equal(v, 12345);

	/* The counted form stops at n. */
	assert_true(str_to_u64n("123abc", 3, 1000, &v));
	assert_int_equal(v, 123);
	assert_false(str_to_u64n("123abc", 4, 1000, &v));
	assert_false(str_to_u64n("123", 0, 1000, &v));
	assert_int_equal(v, 123);
}

static void
test_str_to_i64(void **state)
{
	int64_t v;

	(void)state;
	assert_true(str_to_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MIN);
	assert_true(str_to_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MAX);
	assert_true(str_to_i64("-0", -5, 5, &v));
	assert_int_equal(v, 0);
	assert_true(str_to_i64("-5", -5, 5, &v));
	assert_int_equal(v, -5);
	assert_true(str_to_i64("5", -5, 5, &v));
	assert_int_equal(v, 5);

	v = 77;
	assert_false(str_to_i64("-9223372036854775809", INT64_MIN, INT64_MAX, &v));
	assert_false(str_to_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v));
	assert_false(str_to_i64("-6", -5, 5, &v));
	assert_false(str_to_i64("6", -5, 5, &v));
	assert_false(str_to_i64("-", -5, 5, &v));
	assert_false(str_to_i64("", -5, 5, &v));
	assert_false(str_to_i64("--1", -5, 5, &v));
	assert_false(str_to_i64("+1", -5, 5, &v));
	assert_false(str_to_i64("- 1", -5, 5, &v));
	assert_false(str_to_i64(NULL, -5, 5, &v));
	assert_int_equal(v, 77);
}

/* ---- small string helpers ---- */

static void
test_str_helpers(void **state)
{
	char small[4];
	char lower[] = "AbC-xYz09";
	size_t n;
	const char *t;
	char *d;

	(void)state;
	assert_true(str_has_prefix("x-oss-meta-a", "x-oss-"));
	assert_true(str_has_prefix("abc", ""));
	assert_false(str_has_prefix("x-os", "x-oss-"));
	assert_false(str_has_prefix("X-oss-meta", "x-oss-"));
	assert_true(str_case_has_prefix("X-OSS-Meta", "x-oss-"));
	assert_false(str_case_has_prefix("X-OS", "x-oss-"));
	assert_true(str_has_suffix("a.aliyuncs.com", ".aliyuncs.com"));
	assert_true(str_has_suffix("abc", ""));
	assert_false(str_has_suffix("com", ".com"));

	assert_int_equal(str_copy(small, sizeof(small), "abcdef"), 6);
	assert_string_equal(small, "abc");
	assert_int_equal(str_copy(small, sizeof(small), "ab"), 2);
	assert_string_equal(small, "ab");
	small[0] = 'q';
	assert_int_equal(str_copy(small, 0, "zz"), 2);
	assert_int_equal(small[0], 'q');

	str_lower(lower);
	assert_string_equal(lower, "abc-xyz09");

	n = 8;
	t = str_trim(" \tab c\t \n", &n);	/* '\n' outside n */
	assert_int_equal(n, 4);
	assert_memory_equal(t, "ab c", 4);
	n = 3;
	t = str_trim("   ", &n);
	assert_int_equal(n, 0);

	d = str_ndup("hello world", 5);
	assert_non_null(d);
	assert_string_equal(d, "hello");
	free(d);
}

static void
test_str_utf8(void **state)
{
	(void)state;
	assert_true(str_utf8_valid("", 0));
	assert_true(str_utf8_valid("plain", 5));
	assert_true(str_utf8_valid("\xc3\xa9", 2));		/* é */
	assert_true(str_utf8_valid("\xe6\x97\xa5", 3));		/* 日 */
	assert_true(str_utf8_valid("\xf0\x9f\x98\x80", 4));	/* U+1F600 */
	assert_true(str_utf8_valid("\xf4\x8f\xbf\xbf", 4));	/* U+10FFFF */
	assert_true(str_utf8_valid("\xef\xbf\xbf", 3));		/* U+FFFF */

	assert_false(str_utf8_valid("a\0b", 3));		/* NUL */
	assert_false(str_utf8_valid("\xff", 1));
	assert_false(str_utf8_valid("\x80", 1));		/* lone continuation */
	assert_false(str_utf8_valid("\xc3", 1));		/* truncated */
	assert_false(str_utf8_valid("\xe6\x97", 2));
	assert_false(str_utf8_valid("\xc3\x28", 2));		/* bad continuation */
	assert_false(str_utf8_valid("\xc0\xaf", 2));		/* overlong '/' */
	assert_false(str_utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	assert_false(str_utf8_valid("\xf0\x80\x80\xaf", 4));	/* overlong */
	assert_false(str_utf8_valid("\xed\xa0\x80", 3));	/* U+D800 */
	assert_false(str_utf8_valid("\xed\xbf\xbf", 3));	/* U+DFFF */
	assert_false(str_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(str_utf8_valid("\xf8\x88\x80\x80\x80", 5));
	/* n bounds the check: the invalid byte after n is not looked at. */
	assert_true(str_utf8_valid("ab\xff", 2));
}

/* ---- hex and base64 ---- */

static void
test_hex(void **state)
{
	static const unsigned char bin[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	unsigned char out[6], big[64];
	char hex[13], hex2[129];
	uint64_t seed = 0x1234;

	(void)state;
	hex_encode(hex, bin, sizeof(bin));
	assert_string_equal(hex, "00017f80abff");
	hex_encode_upper(hex, bin, sizeof(bin));
	assert_string_equal(hex, "00017F80ABFF");
	hex_encode(hex, bin, 0);
	assert_string_equal(hex, "");

	memset(out, 0xee, sizeof(out));
	assert_true(hex_decode(out, 6, "00017f80abff", 12));
	assert_memory_equal(out, bin, 6);
	assert_true(hex_decode(out, 6, "00017F80ABFF", 12));
	assert_memory_equal(out, bin, 6);
	assert_true(hex_decode(out, 6, "00017F80abFF", 12));
	assert_memory_equal(out, bin, 6);
	assert_true(hex_decode(out, 0, "", 0));

	assert_false(hex_decode(out, 6, "00017f80abf", 11));	/* odd */
	assert_false(hex_decode(out, 6, "00017f80abff00", 14));	/* long */
	assert_false(hex_decode(out, 5, "00017f80abff", 12));	/* wrong n */
	assert_false(hex_decode(out, 1, "0g", 2));
	assert_false(hex_decode(out, 1, "g0", 2));
	assert_false(hex_decode(out, 1, " 0", 2));
	assert_false(hex_decode(out, 1, "-1", 2));
	assert_false(hex_decode(out, 1, "0x", 2));

	for (size_t n = 0; n <= sizeof(big); n++) {
		for (size_t i = 0; i < n; i++)
			big[i] = (unsigned char)rng_next(&seed);
		hex_encode(hex2, big, n);
		assert_int_equal(strlen(hex2), 2 * n);
		unsigned char back[64];
		assert_true(hex_decode(back, n, hex2, 2 * n));
		assert_memory_equal(back, big, n);
	}
}

static void
test_b64_vectors(void **state)
{
	/* RFC 4648 §10 */
	static const struct { const char *plain, *enc; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char enc[16];
	unsigned char dec[16];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t pl = strlen(v[i].plain), el = strlen(v[i].enc);

		assert_int_equal(b64_encoded_len(pl), el);
		assert_int_equal(b64_encode(enc, el + 1, v[i].plain, pl), (int)el);
		assert_string_equal(enc, v[i].enc);
		if (el > 0)	/* no room for the NUL */
			assert_int_equal(b64_encode(enc, el, v[i].plain, pl), -1);
		assert_int_equal(b64_decode(dec, sizeof(dec), v[i].enc, el),
		    (int)pl);
		assert_memory_equal(dec, v[i].plain, pl);
		/* Output capacity is exact: one byte less fails. */
		assert_int_equal(b64_decode(dec, pl, v[i].enc, el), (int)pl);
		if (pl > 0)
			assert_int_equal(b64_decode(dec, pl - 1, v[i].enc, el), -1);
	}
	/* Binary: 0xfb 0xff -> "+/8=" uses both non-alphanumerics. */
	assert_int_equal(b64_encode(enc, sizeof(enc), "\xfb\xff", 2), 4);
	assert_string_equal(enc, "+/8=");
	assert_int_equal(b64_decode(dec, sizeof(dec), "+/8=", 4), 2);
	assert_memory_equal(dec, "\xfb\xff", 2);
}

static void
test_b64_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg", "Zg=", "Zm9vY", "Zm9vYg", "Zm9vYg=",	/* length */
		"Z===", "====", "=Zg=", "Zg=a", "Z=g=",		/* padding */
		"Zg==Zg==", "Zm8=Zm9v",			/* padding mid-stream */
		"Zm9v\n", "Zm9v ", " Zm9", "Zm 9", "Zm\r\n",	/* whitespace */
		"Zm-v", "Zm_v", "Zm9*", "Zm9\x80",		/* alphabet */
		"Zm9vYmFy====",
	};
	unsigned char dec[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = b64_decode(dec, sizeof(dec), bad[i], strlen(bad[i]));
		if (r != -1)
			fail_msg("b64_decode accepted \"%s\" (%d)", bad[i], r);
	}
}

static void
test_b64_roundtrip(void **state)
{
	unsigned char in[200], out[200];
	char enc[300];
	uint64_t seed = 42;

	(void)state;
	for (size_t n = 0; n <= sizeof(in); n++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (unsigned char)rng_next(&seed);
		int el = b64_encode(enc, sizeof(enc), in, n);
		assert_int_equal(el, (int)b64_encoded_len(n));
		assert_int_equal((size_t)el % 4, 0);
		assert_int_equal(b64_decode(out, sizeof(out), enc, (size_t)el),
		    (int)n);
		assert_memory_equal(out, in, n);
	}
}

/* ---- URL encoding ---- */

static int
udec(char *out, const char *in, bool plus)
{
	return url_decode(out, in, strlen(in), plus);
}

static void
test_url_decode(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(udec(out, "a%2Fb", false), 3);
	assert_string_equal(out, "a/b");
	assert_int_equal(udec(out, "a%2fb", false), 3);
	assert_string_equal(out, "a/b");
	assert_int_equal(udec(out, "%41%42%43", false), 3);
	assert_string_equal(out, "ABC");
	assert_int_equal(udec(out, "%E6%97%A5", false), 3);
	assert_string_equal(out, "\xe6\x97\xa5");
	assert_int_equal(udec(out, "%25", false), 1);
	assert_string_equal(out, "%");
	assert_int_equal(udec(out, "%2B", true), 1);
	assert_string_equal(out, "+");
	assert_int_equal(udec(out, "a+b%20c", true), 5);
	assert_string_equal(out, "a b c");
	assert_int_equal(udec(out, "a+b%20c", false), 5);
	assert_string_equal(out, "a+b c");
	assert_int_equal(udec(out, "", false), 0);
	assert_string_equal(out, "");
	/* The last escape may end exactly at n. */
	assert_int_equal(url_decode(out, "%41%42xyz", 6, false), 2);
	assert_string_equal(out, "AB");

	assert_int_equal(udec(out, "%", false), -1);
	assert_int_equal(udec(out, "a%", false), -1);
	assert_int_equal(udec(out, "%2", false), -1);
	assert_int_equal(udec(out, "a%4", false), -1);
	assert_int_equal(udec(out, "%zz", false), -1);
	assert_int_equal(udec(out, "%2z", false), -1);
	assert_int_equal(udec(out, "%z2", false), -1);
	assert_int_equal(udec(out, "% 1", false), -1);
	assert_int_equal(udec(out, "%00", false), -1);
	assert_int_equal(udec(out, "a%00b", true), -1);
	/* n cuts an escape: "%41" seen as "%4". */
	assert_int_equal(url_decode(out, "%41", 2, false), -1);
	/* A raw NUL inside n. */
	assert_int_equal(url_decode(out, "a\0b", 3, false), -1);
}

static void
test_url_encode(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(url_encode(&b, "AZaz09-._~", 10, false), ERR_OK);
	assert_string_equal(buf_cstr(&b), "AZaz09-._~");
	buf_reset(&b);
	assert_int_equal(url_encode(&b, "a b/c+d", 7, false), ERR_OK);
	assert_string_equal(buf_cstr(&b), "a%20b%2Fc%2Bd");
	buf_reset(&b);
	assert_int_equal(url_encode(&b, "a b/c+d", 7, true), ERR_OK);
	assert_string_equal(buf_cstr(&b), "a%20b/c%2Bd");
	buf_reset(&b);
	assert_int_equal(url_encode(&b, "!*'();:@&=$,?#[]%", 17, true), ERR_OK);
	assert_string_equal(buf_cstr(&b),
	    "%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%3F%23%5B%5D%25");
	buf_reset(&b);
	/* Upper-case hex, bytes >= 0x80 and NUL encoded. */
	assert_int_equal(url_encode(&b, "\xe6\x97\xa5\x00\xff", 5, false), ERR_OK);
	assert_string_equal(buf_cstr(&b), "%E6%97%A5%00%FF");
	buf_free(&b);

	/* Every byte round-trips through url_decode (except NUL). */
	buf_init(&b, 4096);
	char all[255], back[1024];
	for (int i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	assert_int_equal(url_encode(&b, all, 255, false), ERR_OK);
	assert_int_equal(url_decode(back, b.data, b.len, false), 255);
	assert_memory_equal(back, all, 255);
	buf_free(&b);

	/* The buffer bound applies: 3 bytes for one escape. */
	buf_init(&b, 5);
	assert_int_equal(url_encode(&b, "  ", 2, false), ERR_ENTITY_TOO_LARGE);
	assert_null(b.data);
}

/* ---- time ---- */

struct instant {
	int64_t		 ms;
	const char	*rfc1123, *iso_ms, *iso_s, *iso_local, *basic, *ymd;
};

static const struct instant instants[] = {
	{ 0, "Thu, 01 Jan 1970 00:00:00 GMT", "1970-01-01T00:00:00.000Z",
	    "1970-01-01T00:00:00Z", "1970-01-01T00:00:00", "19700101T000000Z",
	    "19700101" },
	{ 784111777000, "Sun, 06 Nov 1994 08:49:37 GMT",
	    "1994-11-06T08:49:37.000Z", "1994-11-06T08:49:37Z",
	    "1994-11-06T08:49:37", "19941106T084937Z", "19941106" },
	{ 1375268181123, "Wed, 31 Jul 2013 10:56:21 GMT",
	    "2013-07-31T10:56:21.123Z", "2013-07-31T10:56:21Z",
	    "2013-07-31T10:56:21", "20130731T105621Z", "20130731" },
	/* leap days: 1972, 2000 (400-year rule), 2024 */
	{ 68169600000, "Tue, 29 Feb 1972 00:00:00 GMT",
	    "1972-02-29T00:00:00.000Z", "1972-02-29T00:00:00Z",
	    "1972-02-29T00:00:00", "19720229T000000Z", "19720229" },
	{ 951827696999, "Tue, 29 Feb 2000 12:34:56 GMT",
	    "2000-02-29T12:34:56.999Z", "2000-02-29T12:34:56Z",
	    "2000-02-29T12:34:56", "20000229T123456Z", "20000229" },
	{ 1709251199000, "Thu, 29 Feb 2024 23:59:59 GMT",
	    "2024-02-29T23:59:59.000Z", "2024-02-29T23:59:59Z",
	    "2024-02-29T23:59:59", "20240229T235959Z", "20240229" },
	/* 2100 is not a leap year: Feb 28 is followed by Mar 1. */
	{ 4107542400000, "Mon, 01 Mar 2100 00:00:00 GMT",
	    "2100-03-01T00:00:00.000Z", "2100-03-01T00:00:00Z",
	    "2100-03-01T00:00:00", "21000301T000000Z", "21000301" },
	{ 1702743657000, "Sat, 16 Dec 2023 16:20:57 GMT",
	    "2023-12-16T16:20:57.000Z", "2023-12-16T16:20:57Z",
	    "2023-12-16T16:20:57", "20231216T162057Z", "20231216" },
	/* past the 32-bit time_t */
	{ 2147483648000, "Tue, 19 Jan 2038 03:14:08 GMT",
	    "2038-01-19T03:14:08.000Z", "2038-01-19T03:14:08Z",
	    "2038-01-19T03:14:08", "20380119T031408Z", "20380119" },
	{ 253402300799999, "Fri, 31 Dec 9999 23:59:59 GMT",
	    "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59Z",
	    "9999-12-31T23:59:59", "99991231T235959Z", "99991231" },
};

static void
test_time_format(void **state)
{
	char r[TIME_RFC1123_BYTES], iso[TIME_ISO_BYTES], basic[17], ymd[9];

	(void)state;
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
		const struct instant *t = &instants[i];

		time_fmt_rfc1123(r, t->ms);
		assert_string_equal(r, t->rfc1123);
		time_fmt_iso_ms(iso, t->ms);
		assert_string_equal(iso, t->iso_ms);
		time_fmt_iso_s(iso, t->ms);
		assert_string_equal(iso, t->iso_s);
		time_fmt_iso_local(iso, t->ms);
		assert_string_equal(iso, t->iso_local);
		time_fmt_basic(basic, t->ms);
		assert_string_equal(basic, t->basic);
		time_fmt_ymd(ymd, t->ms);
		assert_string_equal(ymd, t->ymd);
	}
	/* Before the epoch: floor, not truncation toward zero. */
	time_fmt_iso_ms(iso, -1);
	assert_string_equal(iso, "1969-12-31T23:59:59.999Z");
	time_fmt_rfc1123(r, -1000);
	assert_string_equal(r, "Wed, 31 Dec 1969 23:59:59 GMT");
	/* Sizes in str.h are exact. */
	assert_int_equal(strlen("Sun, 06 Nov 1994 08:49:37 GMT") + 1,
	    TIME_RFC1123_BYTES);
	assert_int_equal(strlen("2013-07-31T10:56:21.000Z") + 1, TIME_ISO_BYTES);
}

static void
test_time_parse_rfc1123(void **state)
{
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
		v = -1;
		assert_true(time_parse_rfc1123(instants[i].rfc1123, &v));
		assert_true(v == instants[i].ms - instants[i].ms % 1000);
	}
	assert_true(time_parse_rfc1123("Tue, 28 Feb 2023 23:59:59 GMT", &v));
	assert_true(v == 1677628799000);

	v = 5;
	static const char *const bad[] = {
		"Wed, 29 Feb 2023 00:00:00 GMT",	/* not a leap year */
		"Mon, 29 Feb 2100 00:00:00 GMT",	/* century */
		"Wed, 31 Jun 2023 00:00:00 GMT",
		"Wed, 00 Jun 2023 00:00:00 GMT",
		"Wed, 32 Jan 2023 00:00:00 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:37 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 06 Nox 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 GMT ",
		"Xyz, 06 Nov 1994 08:49:37 GMT",	/* no such day name */
		"sun, 06 Nov 1994 08:49:37 GMT",
		"123, 06 Nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun,  6 Nov 1994 08:49:37 GMT",
		"Sun 06 Nov 1994 08:49:37 GMT",
		"Sun, 06-Nov-1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08.49.37 GMT",
		"Sun, 06 Nov 1994 +8:49:37 GMT",
		"Wed, 31 Dec 1969 23:59:59 GMT",	/* before the epoch */
		"Sunday, 06-Nov-94 08:49:37 GMT",	/* RFC 850 */
		"Sun Nov  6 08:49:37 1994",		/* asctime */
		"1994-11-06T08:49:37Z",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (time_parse_rfc1123(bad[i], &v))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(time_parse_rfc1123(NULL, &v));
	assert_int_equal(v, 5);
}

static void
test_time_parse_basic(void **state)
{
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
		assert_true(time_parse_basic(instants[i].basic, &v));
		assert_true(v == instants[i].ms - instants[i].ms % 1000);
	}
	v = 5;
	static const char *const bad[] = {
		"20230229T000000Z", "21000229T000000Z", "20231301T000000Z",
		"20231200T000000Z", "20231232T000000Z", "20231216T240000Z",
		"20231216T166000Z", "20231216T162061Z", "20231216T162057",
		"20231216T162057z", "20231216t162057Z", "20231216 162057Z",
		"2023-12-16T16:20:57Z", "20231216T162057ZZ", "2023121T162057Z",
		"19691231T235959Z", "2023121aT162057Z", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (time_parse_basic(bad[i], &v))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(time_parse_basic(NULL, &v));
	assert_int_equal(v, 5);
}

static void
test_time_parse_iso(void **state)
{
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
		assert_true(time_parse_iso(instants[i].iso_ms, &v));
		assert_true(v == instants[i].ms);
		assert_true(time_parse_iso(instants[i].iso_s, &v));
		assert_true(v == instants[i].ms - instants[i].ms % 1000);
		assert_true(time_parse_iso(instants[i].iso_local, &v));
		assert_true(v == instants[i].ms - instants[i].ms % 1000);
	}
	assert_true(time_parse_iso("2013-07-31T10:56:21.1Z", &v));
	assert_true(v == 1375268181100);
	assert_true(time_parse_iso("2013-07-31T10:56:21.12Z", &v));
	assert_true(v == 1375268181120);
	/* Digits beyond milliseconds are dropped, not rounded. */
	assert_true(time_parse_iso("2013-07-31T10:56:21.123999Z", &v));
	assert_true(v == 1375268181123);
	assert_true(time_parse_iso("2013-07-31t10:56:21z", &v));
	assert_true(v == 1375268181000);
	assert_true(time_parse_iso("2024-02-29T00:00:00Z", &v));
	assert_true(v == 1709164800000);

	v = 5;
	static const char *const bad[] = {
		"2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
		"2023-04-31T00:00:00Z", "2023-13-01T00:00:00Z",
		"2023-00-01T00:00:00Z", "2023-01-01T24:00:00Z",
		"2023-01-01T00:60:00Z", "2023-01-01T00:00:61Z",
		"2013-07-31T10:56:21.Z", "2013-07-31T10:56:21.", "2013-07-31T10:56",
		"2013-07-31T10:56:21ZZ", "2013-07-31T10:56:21+08:00",
		"2013-07-31T10:56:21 ", "2013-07-31X10:56:21Z",
		"2013/07/31T10:56:21Z", "13-07-31T10:56:21Z",
		"1969-12-31T23:59:59Z", "2013-07-31T1a:56:21Z", "2013-07-31", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (time_parse_iso(bad[i], &v))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(time_parse_iso(NULL, &v));
	assert_int_equal(v, 5);
}

static void
test_time_parse_rfc3339(void **state)
{
	int64_t v;

	(void)state;
	assert_true(time_parse_rfc3339("2013-07-31T10:56:21Z", &v));
	assert_true(v == 1375268181000);
	assert_true(time_parse_rfc3339("2013-07-31T18:56:21+08:00", &v));
	assert_true(v == 1375268181000);
	assert_true(time_parse_rfc3339("2013-07-31T05:26:21.5-05:30", &v));
	assert_true(v == 1375268181500);
	assert_true(time_parse_rfc3339("2013-07-31 10:56:21+00:00", &v));
	assert_true(v == 1375268181000);
	assert_true(time_parse_rfc3339("2024-02-29T23:59:59.999z", &v));
	assert_true(v == 1709251199999);

	v = 5;
	static const char *const bad[] = {
		"2013-07-31T10:56:21",		/* the zone is required */
		"2013-07-31T10:56:21+0800", "2013-07-31T10:56:21+08",
		"2013-07-31T10:56:21+24:00", "2013-07-31T10:56:21+08:60",
		"2013-07-31T10:56:21+08:00Z", "2013-07-31T10:56:21Z+08:00",
		"2013-07-31T10:56:21 +08:00", "2013-07-31T10:56:21+8:00",
		"2023-02-29T10:56:21Z", "2013-07-31T10:56:21.Z", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (time_parse_rfc3339(bad[i], &v))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(time_parse_rfc3339(NULL, &v));
	assert_int_equal(v, 5);
}

static void
test_duration(void **state)
{
	static const struct { const char *s; int64_t ms; } ok[] = {
		{ "90s", 90000 }, { "15m", 900000 }, { "25h", 90000000 },
		{ "8d", 691200000 }, { "2w", 1209600000 }, { "3600", 3600000 },
		{ "0", 0 }, { "0s", 0 }, { "1s", 1000 },
		/* the ~300-year bound, exactly */
		{ "9500000000s", 9500000000000LL }, { "9500000000", 9500000000000LL },
		{ "15707w", 15707LL * 7 * 86400000 },
	};
	static const char *const bad[] = {
		"", "s", "m", "-5s", "+5s", "5x", "5S", "5H", "1.5h", " 5s", "5s ",
		"5 s", "5ss", "s5", "5ms", "1y", "9500000001s", "15708w",
		"99999999999999999999w", "0x10s",
	};
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = -1;
		if (!duration_parse(ok[i].s, &v))
			fail_msg("rejected \"%s\"", ok[i].s);
		assert_true(v == ok[i].ms);
	}
	v = 5;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (duration_parse(bad[i], &v))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(duration_parse(NULL, &v));
	assert_int_equal(v, 5);
}

/* ---- buf ---- */

static void
test_buf_growth(void **state)
{
	struct buf b;
	char *p;
	size_t len;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_null(b.data);
	assert_string_equal(buf_cstr(&b), "");
	assert_null(buf_steal(&b, &len));
	assert_int_equal(len, 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_putc(&b, (char)('a' + i % 26)), ERR_OK);
	assert_int_equal(b.len, 10000);
	assert_true(b.cap >= b.len + 1);
	assert_int_equal(strlen(buf_cstr(&b)), 10000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(b.data[i], 'a' + i % 26);
	assert_int_equal(buf_append(&b, "", 0), ERR_OK);
	assert_int_equal(b.len, 10000);
	assert_int_equal(buf_append(&b, "x\0y", 3), ERR_OK);	/* binary-safe */
	assert_int_equal(b.len, 10003);
	assert_memory_equal(b.data + 10000, "x\0y", 4);

	size_t cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);	/* storage kept */
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_puts(&b, "hello"), ERR_OK);
	p = buf_steal(&b, &len);
	assert_string_equal(p, "hello");
	assert_int_equal(len, 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(p);
	buf_free(&b);
	buf_free(&b);	/* idempotent */
}

static void
test_buf_max(void **state)
{
	struct buf b;

	(void)state;
	/* Exactly max bytes fit; the storage never exceeds max + 1. */
	buf_init(&b, 100);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(buf_putc(&b, 'x'), ERR_OK);
		assert_true(b.cap <= 101);
	}
	assert_int_equal(b.len, 100);
	assert_int_equal(buf_putc(&b, 'y'), ERR_ENTITY_TOO_LARGE);
	/* A failing append frees the buffer. */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 100);
	buf_free(&b);

	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "12345"), ERR_OK);
	assert_int_equal(buf_append(&b, "123456", 6), ERR_ENTITY_TOO_LARGE);
	assert_null(b.data);
	/* It can be used again afterwards. */
	assert_int_equal(buf_puts(&b, "0123456789"), ERR_OK);
	assert_string_equal(buf_cstr(&b), "0123456789");
	buf_free(&b);

	buf_init(&b, 0);
	assert_int_equal(buf_putc(&b, 'x'), ERR_ENTITY_TOO_LARGE);
	assert_null(b.data);
	buf_free(&b);

	/* An unbounded buffer (max = SIZE_MAX) must still grow normally. */
	buf_init(&b, SIZE_MAX);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(&b, "0123456789"), ERR_OK);
	assert_int_equal(b.len, 10000);
	assert_true(b.cap >= 10001);
	assert_memory_equal(b.data + 9990, "0123456789", 11);
	/* A request no allocation can satisfy fails cleanly. */
	assert_int_equal(buf_append(&b, "x", SIZE_MAX - 5), ERR_ENTITY_TOO_LARGE);
	assert_null(b.data);
	buf_free(&b);
}

static void
test_buf_printf(void **state)
{
	struct buf b;
	char big[300];

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_printf(&b, "%d-%s-%05u", 42, "x", 7u), ERR_OK);
	assert_string_equal(buf_cstr(&b), "42-x-00007");
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_printf(&b, "%s", ""), ERR_OK);
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_printf(&b, "|%c", 'z'), ERR_OK);
	assert_string_equal(buf_cstr(&b), "42-x-00007|z");
	/* Exactly to the limit, then one past it. */
	assert_int_equal(buf_printf(&b, "%*s", 64 - 12, ""), ERR_OK);
	assert_int_equal(b.len, 64);
	assert_int_equal(buf_printf(&b, "%s", "!"), ERR_ENTITY_TOO_LARGE);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_free(&b);

	/* A long printf that needs several doublings at once. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 4096);
	assert_int_equal(buf_puts(&b, "a"), ERR_OK);
	assert_int_equal(buf_printf(&b, "<%s>", big), ERR_OK);
	assert_int_equal(b.len, 1 + 2 + 299);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.data[b.len - 1], '>');
	buf_free(&b);
}

/* ---- arena ---- */

static void
test_arena_cap(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a, 100);
	assert_non_null(arena_alloc(&a, 64));
	assert_int_equal(a.used, 64);
	assert_null(arena_alloc(&a, 48));	/* 112 > 100 */
	assert_int_equal(a.used, 64);
	assert_non_null(arena_alloc(&a, 20));	/* rounds to 32: 96 */
	assert_int_equal(a.used, 96);
	assert_null(arena_alloc(&a, 1));	/* rounds to 16: 112 */
	assert_non_null(arena_alloc(&a, 0));	/* 0 bytes fit */
	assert_int_equal(a.used, 96);
	arena_free(&a);
	assert_int_equal(a.used, 0);
	assert_null(a.head);
	/* Reusable after free, with the same cap. */
	assert_non_null(arena_alloc(&a, 96));
	assert_null(arena_alloc(&a, 5));
	arena_free(&a);

	/* Sizes near SIZE_MAX must fail without wrapping the accounting. */
	arena_init(&a, 1 << 20);
	assert_non_null(arena_alloc(&a, 32));
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 14));
	assert_null(arena_alloc(&a, SIZE_MAX - 20));
	assert_null(arena_alloc(&a, SIZE_MAX - 100));
	assert_null(arena_alloc(&a, SIZE_MAX / 2));
	assert_int_equal(a.used, 32);
	arena_free(&a);

	/* An unlimited arena cannot overflow the block size either. */
	arena_init(&a, SIZE_MAX);
	assert_non_null(arena_alloc(&a, 16));
	assert_null(arena_alloc(&a, SIZE_MAX - 20));
	assert_null(arena_alloc(&a, SIZE_MAX - 40));
	arena_free(&a);
}

static void
test_arena_alignment_and_blocks(void **state)
{
	struct arena a;
	unsigned char *ptrs[600];
	size_t sizes[600];
	uint64_t seed = 7;

	(void)state;
	arena_init(&a, 64 << 20);
	for (size_t i = 0; i < 600; i++) {
		/* Mostly small, every 50th bigger than a block. */
		sizes[i] = i % 50 == 49 ? 5000 + rng_next(&seed) % 20000 :
		    rng_next(&seed) % 200;
		ptrs[i] = arena_alloc(&a, sizes[i]);
		assert_non_null(ptrs[i]);
		assert_int_equal((uintptr_t)ptrs[i] % 16, 0);
		memset(ptrs[i], (int)(i & 0xff), sizes[i]);
	}
	/* Nothing overlapped: every allocation still holds its pattern. */
	for (size_t i = 0; i < 600; i++)
		for (size_t k = 0; k < sizes[i]; k++)
			if (ptrs[i][k] != (unsigned char)(i & 0xff))
				fail_msg("allocation %zu byte %zu overwritten", i, k);
	size_t want = 0;
	for (size_t i = 0; i < 600; i++)
		want += (sizes[i] + 15) & ~(size_t)15;
	assert_int_equal(a.used, want);
	arena_free(&a);

	/* A big block leaves the head's free space usable. */
	arena_init(&a, 1 << 20);
	unsigned char *s1 = arena_alloc(&a, 16);
	assert_non_null(arena_alloc(&a, 100000));
	unsigned char *s2 = arena_alloc(&a, 16);
	assert_ptr_equal(s2, s1 + 16);
	arena_free(&a);
}

static void
test_arena_strings(void **state)
{
	struct arena a;
	char *p;

	(void)state;
	arena_init(&a, 4096);
	p = arena_strdup(&a, "hello");
	assert_string_equal(p, "hello");
	p = arena_strndup(&a, "hello world", 5);
	assert_string_equal(p, "hello");
	p = arena_strndup(&a, "", 0);
	assert_string_equal(p, "");
	p = arena_printf(&a, "%s=%d", "n", -3);
	assert_string_equal(p, "n=-3");
	unsigned char *z = arena_zalloc(&a, 100);
	assert_non_null(z);
	for (int i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	/* printf beyond the cap fails. */
	assert_null(arena_printf(&a, "%5000d", 1));
	assert_null(arena_zalloc(&a, 5000));
	assert_null(arena_strndup(&a, "x", 5000));
	arena_free(&a);
	arena_free(&a);	/* idempotent */
}

/* ---- kv ---- */

static void
test_kv(void **state)
{
	static const struct kv v[] = {
		{ "acl", "" }, { "prefix", "a" }, { "Prefix", "B" },
		{ "prefix", "second" }, { "max-keys", "10" },
	};

	(void)state;
	assert_string_equal(kv_get(v, 5, "prefix"), "a");	/* first wins */
	assert_string_equal(kv_get(v, 5, "Prefix"), "B");	/* exact case */
	assert_string_equal(kv_get(v, 5, "acl"), "");
	assert_null(kv_get(v, 5, "PREFIX"));
	assert_null(kv_get(v, 5, "pre"));
	assert_null(kv_get(v, 4, "max-keys"));	/* n bounds the search */
	assert_null(kv_get(v, 0, "acl"));
	assert_true(kv_has(v, 5, "acl"));
	assert_true(kv_has(v, 5, "max-keys"));
	assert_false(kv_has(v, 5, "uploads"));
	assert_false(kv_has(NULL, 0, "acl"));
}

/* ---- log ---- */

/* The file's lines without their time, each checked to be RFC 3339 with
 * milliseconds in UTC ("2026-12-07T06:20:37.123Z "). */
static char *
read_log(const char *path)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
	char *s = test_read_file(path, NULL), *out, *o;
	const char *p;

	assert_non_null(s);
	out = o = malloc(strlen(s) + 1);
	assert_non_null(out);
	for (p = s; *p != '\0';) {
		const char *eol = strchr(p, '\n');

		for (size_t i = 0; i < sizeof(shape) - 1; i++)
			if (shape[i] == 'd')
				assert_true(p[i] >= '0' && p[i] <= '9');
			else
				assert_int_equal(p[i], shape[i]);
		p += sizeof(shape) - 1;
		eol = eol != NULL ? eol + 1 : p + strlen(p);
		memcpy(o, p, (size_t)(eol - p));
		o += eol - p;
		p = eol;
	}
	*o = '\0';
	free(s);
	return out;
}

static void
test_log_level_parse(void **state)
{
	(void)state;
	assert_int_equal(log_level_parse("err"), LOG_LEVEL_ERR);
	assert_int_equal(log_level_parse("error"), LOG_LEVEL_ERR);
	assert_int_equal(log_level_parse("warning"), LOG_LEVEL_WARNING);
	assert_int_equal(log_level_parse("warn"), LOG_LEVEL_WARNING);
	assert_int_equal(log_level_parse("notice"), LOG_LEVEL_NOTICE);
	assert_int_equal(log_level_parse("info"), LOG_LEVEL_INFO);
	assert_int_equal(log_level_parse("debug"), LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_parse("Info"), -1);
	assert_int_equal(log_level_parse("INFO"), -1);
	assert_int_equal(log_level_parse(" info"), -1);
	assert_int_equal(log_level_parse("6"), -1);
	assert_int_equal(log_level_parse(""), -1);
	assert_int_equal(log_level_parse("trace"), -1);
}

static void
test_log_file(void **state)
{
	char *dir = test_tmpdir("log");
	char path[512], bad[600];
	char *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/test.log", dir);
	assert_int_equal(log_open("prog", LOG_LEVEL_INFO, path), 0);
	log_info("hello %d", 5);
	log_debug("not at info");
	log_notice("line\nforged\rtoo");
	log_msg(LOG_LEVEL_INFO, "%s", "arg\nnewline");
	log_warnx("w");
	log_errx("e");
	errno = ENOENT;
	log_warn("open %s", "x");
	assert_int_equal(errno, ENOENT);	/* preserved */
	assert_true(log_enabled(LOG_LEVEL_INFO));
	assert_false(log_enabled(LOG_LEVEL_DEBUG));
	log_set_level(LOG_LEVEL_DEBUG);
	assert_true(log_enabled(LOG_LEVEL_DEBUG));
	log_debug("now %s", "visible");
	log_set_level(LOG_LEVEL_ERR);
	log_warnx("hidden");
	log_warn("hidden too");	/* filtered like log_warnx */
	log_errx("shown");
	s = read_log(path);
	assert_string_equal(s,
	    "info prog: hello 5\n"
	    "notice prog: line forged too\n"
	    "info prog: arg newline\n"
	    "warning prog: w\n"
	    "err prog: e\n"
	    "warning prog: open x: No such file or directory\n"
	    "debug prog: now visible\n"
	    "err prog: shown\n");
	free(s);

	/* A message longer than the line buffer is cut, still one line. */
	log_set_level(LOG_LEVEL_INFO);
	char *longmsg = malloc(10000);
	assert_non_null(longmsg);
	memset(longmsg, 'L', 9999);
	longmsg[9999] = '\0';
	log_info("%s", longmsg);
	free(longmsg);
	s = read_log(path);
	char *last = strstr(s, "err prog: shown\n") + strlen("err prog: shown\n");
	size_t n = strlen(last);
	assert_true(n > 1000 && n <= 4096);
	assert_memory_equal(last, "info prog: LLLL", 15);
	assert_int_equal(last[n - 1], '\n');
	assert_null(memchr(last, '\n', n - 1));
	free(s);

	/* An unopenable path fails and keeps the current target. */
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.log", dir);
	assert_int_equal(log_open("prog2", LOG_LEVEL_INFO, bad), -1);

	/* Back to stderr: the file sees nothing more. */
	assert_int_equal(log_open("prog", LOG_LEVEL_INFO, NULL), 0);
	size_t before, after;
	free(test_read_file(path, &before));
	log_info("to stderr, not the file");
	free(test_read_file(path, &after));
	assert_int_equal(after, before);
	test_rmrf(dir);
	free(dir);
}

static void
test_log_reopen(void **state)
{
	char *dir = test_tmpdir("logr");
	char path[512], moved[512];
	char *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/a.log", dir);
	snprintf(moved, sizeof(moved), "%s/a.log.1", dir);
	assert_int_equal(log_open("r", LOG_LEVEL_INFO, path), 0);
	log_info("one");
	assert_int_equal(rename(path, moved), 0);
	log_info("two");		/* still the old file */
	assert_int_equal(log_reopen(), 0);
	log_info("three");		/* the new file */
	s = read_log(moved);
	assert_string_equal(s, "info r: one\ninfo r: two\n");
	free(s);
	s = read_log(path);
	assert_string_equal(s, "info r: three\n");
	free(s);
	assert_int_equal(log_open("coffer", LOG_LEVEL_INFO, NULL), 0);
	assert_int_equal(log_reopen(), 0);	/* no-op for stderr */
	test_rmrf(dir);
	free(dir);
}

/* ---- clock ---- */

static void
test_clock(void **state)
{
	int64_t fixed = 1375268181000;
	struct clock c = { clock_fixed_now, &fixed };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int64_t w, m0, m1;

	(void)state;
	assert_true(clock_now_ms(&c) == 1375268181000);
	fixed += CLOCK_DAY_MS;
	assert_true(clock_now_ms(&c) == 1375268181000 + 86400000);
	assert_true(CLOCK_HOUR_MS == 3600000);

	w = clock_wall_ms();
	assert_true(w / 1000 - (int64_t)time(NULL) <= 1);
	assert_true((int64_t)time(NULL) - w / 1000 <= 1);

	m0 = clock_mono_us();
	nanosleep(&ts, NULL);
	m1 = clock_mono_us();
	assert_true(m1 - m0 >= 20000);
	assert_true(m1 - m0 < 5000000);
	for (int i = 0; i < 1000; i++) {
		int64_t m = clock_mono_us();
		assert_true(m >= m1);
		m1 = m;
	}
}

/* rand_bytes hands out no byte twice: not in one thread, and not in a
 * parent and its forked child, which inherit the per-thread buffer. */
static void
test_rand_unique(void **state)
{
	uint8_t a[16], b[16], c[16];
	int fds[2], status;
	pid_t pid;

	(void)state;
	rand_bytes(a, sizeof(a));
	rand_bytes(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		rand_bytes(c, sizeof(c));
		_exit(write(fds[1], c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], c, sizeof(c)), (ssize_t)sizeof(c));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rand_bytes(a, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rand_unique),
		cmocka_unit_test(test_str_to_u64),
		cmocka_unit_test(test_str_to_i64),
		cmocka_unit_test(test_str_helpers),
		cmocka_unit_test(test_str_utf8),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_b64_rejects),
		cmocka_unit_test(test_b64_roundtrip),
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_url_encode),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse_rfc1123),
		cmocka_unit_test(test_time_parse_basic),
		cmocka_unit_test(test_time_parse_iso),
		cmocka_unit_test(test_time_parse_rfc3339),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_max),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_arena_cap),
		cmocka_unit_test(test_arena_alignment_and_blocks),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_log_level_parse),
		cmocka_unit_test(test_log_file),
		cmocka_unit_test(test_log_reopen),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
