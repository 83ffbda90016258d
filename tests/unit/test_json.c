/* SPDX-License-Identifier: ISC */
/*
 * test_json.c: unit tests for codec/json.h, the KMS JSON writer and reader.
 *
 * Writer output is compared byte for byte (KMS SDKs and golden files read
 * it); the reader is checked on the shapes KMS parameters carry
 * (EncryptionContext maps, Tags arrays) and on every way those can be
 * wrong, which must all come back as ERR_INVALID_ARGUMENT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/json.h"

#define ARENA_CAP	((size_t)16 << 20)

static void
expect_json(struct json_writer *w, struct buf *b, const char *want)
{
	assert_int_equal(json_writer_finish(w), ERR_OK);
	assert_int_equal(b->len, strlen(want));
	assert_memory_equal(buf_cstr(b), want, strlen(want));
}

/* --- writer --- */

static void
test_writer_nested(void **state)
{
	struct json_writer w;
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_str(&w, "KeyId", "1234abcd-12ab-34cd-56ef-12345678****");
	json_i64(&w, "Neg", -5);
	json_i64(&w, "Min", INT64_MIN);
	json_u64(&w, "Max", UINT64_MAX);
	json_bool(&w, "T", true);
	json_bool(&w, "F", false);
	json_null_value(&w, "Z");
	json_str(&w, "Absent", NULL);
	json_arr_open(&w, "Arr");
	json_i64(&w, NULL, 1);
	json_str(&w, NULL, "x");
	json_obj_open(&w, NULL);
	json_obj_close(&w);
	json_arr_open(&w, NULL);
	json_arr_close(&w);
	json_null_value(&w, NULL);
	json_arr_close(&w);
	json_obj_open(&w, "Aliases");
	json_arr_open(&w, "Alias");
	json_obj_open(&w, NULL);
	json_str(&w, "AliasName", "alias/demo");
	json_obj_close(&w);
	json_obj_open(&w, NULL);
	json_str(&w, "AliasName", "alias/two");
	json_u64(&w, "N", 0);
	json_obj_close(&w);
	json_arr_close(&w);
	json_obj_close(&w);
	json_obj_close(&w);
	expect_json(&w, &b,
	    "{\"KeyId\":\"1234abcd-12ab-34cd-56ef-12345678****\","
	    "\"Neg\":-5,\"Min\":-9223372036854775808,"
	    "\"Max\":18446744073709551615,\"T\":true,\"F\":false,\"Z\":null,"
	    "\"Absent\":null,\"Arr\":[1,\"x\",{},[],null],"
	    "\"Aliases\":{\"Alias\":[{\"AliasName\":\"alias/demo\"},"
	    "{\"AliasName\":\"alias/two\",\"N\":0}]}}");
	buf_free(&b);
}

static void
test_writer_top_level(void **state)
{
	struct json_writer w;
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_arr_open(&w, NULL);
	json_str(&w, NULL, "a");
	json_str(&w, NULL, "b");
	json_arr_close(&w);
	expect_json(&w, &b, "[\"a\",\"b\"]");
	buf_free(&b);

	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_str(&w, NULL, "only");
	expect_json(&w, &b, "\"only\"");
	buf_free(&b);

	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_obj_close(&w);
	expect_json(&w, &b, "{}");
	buf_free(&b);
}

static void
test_writer_escapes(void **state)
{
	struct json_writer w;
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_str(&w, "q\"k\\", "a\"b\\c/d\n\t\r\x01\x1f\x7f ");
	json_str_n(&w, "nul", "x\0y", 3);
	json_str(&w, "utf8",
	    "\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xE2\x80\xA8");
	/* Each invalid byte becomes one U+FFFD. */
	json_str(&w, "bad", "a\xFF" "b\xC3(\xED\xA0\x80\xC0\xAF");
	json_str_n(&w, "trunc", "\xE6\x97", 2);
	json_str(&w, "\xFF", "");
	json_str_n(&w, "empty", NULL, 0);
	json_obj_close(&w);
	expect_json(&w, &b,
	    "{\"q\\\"k\\\\\":\"a\\\"b\\\\c/d\\u000a\\u0009\\u000d\\u0001"
	    "\\u001f\x7f \","
	    "\"nul\":\"x\\u0000y\","
	    "\"utf8\":\"\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xE2\x80\xA8\","
	    "\"bad\":\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD"
	    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\","
	    "\"trunc\":\"\xEF\xBF\xBD\xEF\xBF\xBD\","
	    "\"\xEF\xBF\xBD\":\"\","
	    "\"empty\":\"\"}");
	buf_free(&b);
}

/* Everything the writer emits must read back through the reader, escapes
 * included. */
static void
test_writer_reader_roundtrip(void **state)
{
	static const char v[] = "a\"b\\c\n\x01\xC3\xA9/</script>";
	struct json_writer w;
	struct kv *kv = NULL;
	struct arena a;
	struct buf b;
	size_t n = 0;

	(void)state;
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_str(&w, "k\"1", v);
	json_str(&w, "k2", "\xFF");
	json_obj_close(&w);
	assert_int_equal(json_writer_finish(&w), ERR_OK);
	arena_init(&a, ARENA_CAP);
	assert_int_equal(json_parse_string_map(&a, b.data, b.len, &kv, &n),
	    ERR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(kv[0].name, "k\"1");
	assert_string_equal(kv[0].value, v);
	assert_string_equal(kv[1].name, "k2");
	assert_string_equal(kv[1].value, "\xEF\xBF\xBD");
	arena_free(&a);
	buf_free(&b);
}

static void
test_writer_depth(void **state)
{
	struct json_writer w;
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_open(&w, NULL);
	assert_int_equal(w.err, ERR_OK);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_close(&w);
	assert_int_equal(json_writer_finish(&w), ERR_OK);
	assert_int_equal(b.len, 2 * JSON_MAX_DEPTH);
	buf_free(&b);

	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_obj_open(&w, i == 0 ? NULL : "k");
	json_obj_open(&w, "k");
	assert_int_equal(w.err, ERR_INTERNAL);
	assert_int_equal(w.depth, JSON_MAX_DEPTH);
	/* Closing after the error is a no-op, the error stays. */
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_obj_close(&w);
	assert_int_equal(json_writer_finish(&w), ERR_INTERNAL);
	assert_null(b.data);
}

static void
test_writer_misuse(void **state)
{
	struct json_writer w;
	struct buf b;

	(void)state;
	/* Close without open. */
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_obj_close(&w);
	json_str(&w, NULL, "x");
	assert_int_equal(json_writer_finish(&w), ERR_INTERNAL);
	assert_null(b.data);
	/* Unclosed container at finish. */
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_str(&w, "a", "b");
	assert_int_equal(json_writer_finish(&w), ERR_INTERNAL);
	assert_null(b.data);
	/* A key at top level. */
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_str(&w, "k", "v");
	assert_int_equal(json_writer_finish(&w), ERR_INTERNAL);
	assert_null(b.data);
	/* NULL with a length. */
	buf_init(&b, 4096);
	json_writer_init(&w, &b);
	json_str_n(&w, NULL, NULL, 2);
	assert_int_equal(json_writer_finish(&w), ERR_INTERNAL);
}

static void
test_writer_error_sticks(void **state)
{
	struct json_writer w;
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_str(&w, "RequestId", "x");		/* over 10 bytes */
	assert_int_equal(w.err, ERR_ENTITY_TOO_LARGE);
	json_str(&w, "a", "b");
	json_obj_close(&w);
	assert_null(b.data);
	assert_int_equal(json_writer_finish(&w), ERR_ENTITY_TOO_LARGE);
	assert_null(b.data);
}

/* --- reader --- */

static enum err
map(struct arena *a, const char *s, struct kv **ret, size_t *ret_n)
{
	return json_parse_string_map(a, s, strlen(s), ret, ret_n);
}

static void
test_reader_map(void **state)
{
	struct kv *kv = NULL;
	struct arena a;
	size_t n = 0;

	(void)state;
	arena_init(&a, ARENA_CAP);
	assert_int_equal(map(&a, " {\"app\":\"oss\", \"b key\" : \"v/1\","
	    "\"e\":\"\\u00e9\\ud83d\\ude00\\n\",\"\":\"\"} ", &kv, &n), ERR_OK);
	assert_int_equal(n, 4);
	/* Document order. */
	assert_string_equal(kv[0].name, "app");
	assert_string_equal(kv[0].value, "oss");
	assert_string_equal(kv[1].name, "b key");
	assert_string_equal(kv[1].value, "v/1");
	assert_string_equal(kv[2].name, "e");
	assert_string_equal(kv[2].value, "\xC3\xA9\xF0\x9F\x98\x80\n");
	assert_string_equal(kv[3].name, "");
	assert_string_equal(kv[3].value, "");
	assert_string_equal(kv_get(kv, n, "b key"), "v/1");

	/* Numbers and booleans as their JSON text. */
	assert_int_equal(map(&a, "{\"n\":1,\"neg\":-3,\"t\":true,\"f\":false,"
	    "\"r\":1.5,\"big\":1e3,\"r2\":2.0,\"tenth\":0.1,"
	    "\"i64\":9223372036854775807,\"z\":0}", &kv, &n), ERR_OK);
	assert_int_equal(n, 10);
	assert_string_equal(kv[0].value, "1");
	assert_string_equal(kv[1].value, "-3");
	assert_string_equal(kv[2].value, "true");
	assert_string_equal(kv[3].value, "false");
	assert_string_equal(kv[4].value, "1.5");
	assert_string_equal(kv[5].value, "1000.0");
	assert_string_equal(kv[6].value, "2.0");
	assert_string_equal(kv[7].value, "0.1");
	assert_string_equal(kv[8].value, "9223372036854775807");
	assert_string_equal(kv[9].value, "0");

	assert_int_equal(map(&a, "{\"a\":1e20,\"b\":1.5e-7,\"c\":123.456,"
	    "\"d\":-0.0,\"e\":0.0001,\"f\":1e16,\"g\":-2.5E+2,"
	    "\"h\":12345678901234567890.0,\"i\":0.30000000000000004}", &kv,
	    &n), ERR_OK);
	assert_int_equal(n, 9);
	assert_string_equal(kv[0].value, "1e+20");
	assert_string_equal(kv[1].value, "1.5e-07");
	assert_string_equal(kv[2].value, "123.456");
	assert_string_equal(kv[3].value, "-0.0");
	assert_string_equal(kv[4].value, "0.0001");
	assert_string_equal(kv[5].value, "1e+16");
	assert_string_equal(kv[6].value, "-250.0");
	assert_string_equal(kv[7].value, "1.2345678901234567e+19");
	assert_string_equal(kv[8].value, "0.30000000000000004");

	/* Empty object. */
	n = 99;
	assert_int_equal(map(&a, "{}", &kv, &n), ERR_OK);
	assert_int_equal(n, 0);
	arena_free(&a);
}

static void
test_reader_map_errors(void **state)
{
	static const char *bad[] = {
		"", " ", "null", "\"s\"", "1", "[]", "[{\"a\":\"b\"}]",
		"{\"a\":null}", "{\"a\":{}}", "{\"a\":{\"b\":\"c\"}}",
		"{\"a\":[]}", "{\"a\":[\"x\"]}",
		"{\"a\":\"1\",\"a\":\"2\"}",		/* duplicate key */
		"{\"a\":\"b\"} x", "{\"a\":\"b\"}{}", "{\"a\":\"b\"",
		"{\"a\":\"b\",}", "{a:\"b\"}", "{'a':'b'}",
		"{\"a\":\"\\u0000\"}", "{\"\\u0000\":\"b\"}",
		"{\"a\":\"\xFF\"}", "{\"a\":\"\\ud800\"}", "{\"a\":1e999}",
		"{\"a\":99999999999999999999}", "{\"a\":NaN}",
		"{\"a\":\"x\ny\"}", "{\"a\":01}",
	};
	struct kv sentinel, *kv = &sentinel;
	struct arena a;
	size_t i, n = 77;
	char *big;

	(void)state;
	arena_init(&a, ARENA_CAP);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(map(&a, bad[i], &kv, &n),
		    ERR_INVALID_ARGUMENT);
		assert_ptr_equal(kv, &sentinel);
		assert_int_equal(n, 77);
	}
	assert_int_equal(json_parse_string_map(&a, NULL, 0, &kv, &n),
	    ERR_INVALID_ARGUMENT);
	/* A NUL byte in the input. */
	assert_int_equal(json_parse_string_map(&a, "{\"a\":\"b\0\"}", 10, &kv,
	    &n), ERR_INVALID_ARGUMENT);

	/* Over 1 MiB, even when well-formed; exactly 1 MiB is fine. */
	big = malloc(((size_t)1 << 20) + 1);
	assert_non_null(big);
	memset(big, ' ', ((size_t)1 << 20) + 1);
	memcpy(big, "{\"k\":\"v\"}", 9);
	assert_int_equal(json_parse_string_map(&a, big, ((size_t)1 << 20) + 1,
	    &kv, &n), ERR_INVALID_ARGUMENT);
	assert_ptr_equal(kv, &sentinel);
	assert_int_equal(json_parse_string_map(&a, big, (size_t)1 << 20,
	    &kv, &n), ERR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(kv[0].value, "v");
	free(big);
	arena_free(&a);
}

static void
test_reader_map_nomem(void **state)
{
	static const char in[] =
	    "{\"alpha\":\"one\",\"beta\":2,\"gamma\":1.25}";
	struct kv sentinel, *kv = &sentinel;
	size_t cap, n = 5;
	struct arena a;
	enum err r;
	bool ok = false;

	(void)state;
	/* Every arena cap too small for the result fails with ERR_NOMEM and
	 * leaves the out-params alone, whichever copy hits it. */
	for (cap = 0; cap <= 4096 && !ok; cap += 16) {
		arena_init(&a, cap);
		r = map(&a, in, &kv, &n);
		if (r == ERR_OK) {
			ok = true;
			assert_int_equal(n, 3);
			assert_string_equal(kv[2].value, "1.25");
		} else {
			assert_int_equal(r, ERR_NOMEM);
			assert_ptr_equal(kv, &sentinel);
			assert_int_equal(n, 5);
		}
		arena_free(&a);
	}
	assert_true(ok);
}

static void
test_reader_map_array(void **state)
{
	static const char tags[] =
	    "[{\"TagKey\":\"k1\",\"TagValue\":\"v1\"},"
	    "{\"TagKey\":\"k2\",\"TagValue\":\"v2\"},{},"
	    "{\"Key\":\"CreatorName\",\"Values\":\"x\",\"n\":7}]";
	struct kv **maps = NULL;
	size_t *lens = NULL, n = 0;
	struct arena a;

	(void)state;
	arena_init(&a, ARENA_CAP);
	assert_int_equal(json_parse_map_array(&a, tags, strlen(tags), &maps,
	    &lens, &n), ERR_OK);
	assert_int_equal(n, 4);
	assert_int_equal(lens[0], 2);
	assert_string_equal(kv_get(maps[0], lens[0], "TagKey"), "k1");
	assert_string_equal(kv_get(maps[0], lens[0], "TagValue"), "v1");
	assert_int_equal(lens[1], 2);
	assert_string_equal(maps[1][0].name, "TagKey");
	assert_string_equal(maps[1][0].value, "k2");
	assert_string_equal(maps[1][1].value, "v2");
	assert_int_equal(lens[2], 0);
	assert_int_equal(lens[3], 3);
	assert_string_equal(maps[3][2].name, "n");
	assert_string_equal(maps[3][2].value, "7");

	n = 42;
	assert_int_equal(json_parse_map_array(&a, " [ ] ", 5, &maps, &lens,
	    &n), ERR_OK);
	assert_int_equal(n, 0);
	arena_free(&a);
}

static void
test_reader_map_array_errors(void **state)
{
	static const char *bad[] = {
		"", "{}", "{\"a\":\"b\"}", "\"x\"", "[1]", "[\"a\"]", "[null]",
		"[[]]", "[{\"a\":\"b\"},1]", "[{\"a\":null}]",
		"[{\"a\":{\"b\":\"c\"}}]", "[{\"a\":\"b\",\"a\":\"c\"}]",
		"[{\"a\":\"b\"}", "[{\"a\":\"b\"}]]", "[{\"a\":\"b\"},]",
	};
	struct kv *sentinel_maps[1], **maps = sentinel_maps;
	size_t sentinel_lens[1], *lens = sentinel_lens, n = 9, i;
	struct arena a;

	(void)state;
	arena_init(&a, ARENA_CAP);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(json_parse_map_array(&a, bad[i],
		    strlen(bad[i]), &maps, &lens, &n), ERR_INVALID_ARGUMENT);
		assert_ptr_equal(maps, sentinel_maps);
		assert_ptr_equal(lens, sentinel_lens);
		assert_int_equal(n, 9);
	}
	arena_free(&a);
	arena_init(&a, 0);
	assert_int_equal(json_parse_map_array(&a, "[{\"a\":\"b\"}]", 11, &maps,
	    &lens, &n), ERR_NOMEM);
	assert_int_equal(n, 9);
	arena_free(&a);
}

/* --- JSON replies as RPC XML (KMS Format=XML) --- */

static void
expect_xml(const char *json, const char *root, const char *want)
{
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(json_to_xml(json, strlen(json), root, &b), ERR_OK);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
test_to_xml(void **state)
{
	static const char *const bad[] = {
		"[1]", "\"s\"", "{\"A\":[[1]]}", "{\"A\":1", "{\"A\":1,\"A\":2}",
		"",
	};
	struct buf b;

	(void)state;
	/* Members in order; a list's items repeat their element; scalars
	 * as their JSON text; null and "" as empty elements; escapes. */
	expect_xml("{\"Keys\":{\"Key\":[{\"KeyId\":\"a\",\"KeyArn\":\"b\"},"
	    "{\"KeyId\":\"c\",\"KeyArn\":\"d\"}]},\"TotalCount\":2,"
	    "\"Ok\":true,\"No\":false,\"Z\":null,\"E\":\"\",\"Neg\":-5,"
	    "\"T\":\"<&>\\\"'\",\"RequestId\":\"r\"}", "ListKeysResponse",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListKeysResponse>"
	    "<Keys><Key><KeyId>a</KeyId><KeyArn>b</KeyArn></Key>"
	    "<Key><KeyId>c</KeyId><KeyArn>d</KeyArn></Key></Keys>"
	    "<TotalCount>2</TotalCount><Ok>true</Ok><No>false</No><Z></Z>"
	    "<E></E><Neg>-5</Neg><T>&lt;&amp;&gt;&quot;&apos;</T>"
	    "<RequestId>r</RequestId></ListKeysResponse>");
	/* An empty list leaves its wrapper empty; a list of scalars. */
	expect_xml("{\"Aliases\":{\"Alias\":[]},\"Ids\":{\"Id\":[\"x\",\"y\"]}}",
	    "R", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R><Aliases>"
	    "</Aliases><Ids><Id>x</Id><Id>y</Id></Ids></R>");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_init(&b, 4096);
		print_message("bad: '%s'\n", bad[i]);
		assert_int_equal(json_to_xml(bad[i], strlen(bad[i]), "R", &b),
		    ERR_INTERNAL);
		assert_int_equal(b.len, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_nested),
		cmocka_unit_test(test_writer_top_level),
		cmocka_unit_test(test_writer_escapes),
		cmocka_unit_test(test_writer_reader_roundtrip),
		cmocka_unit_test(test_writer_depth),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_writer_error_sticks),
		cmocka_unit_test(test_reader_map),
		cmocka_unit_test(test_reader_map_errors),
		cmocka_unit_test(test_reader_map_nomem),
		cmocka_unit_test(test_reader_map_array),
		cmocka_unit_test(test_reader_map_array_errors),
		cmocka_unit_test(test_to_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
