/* SPDX-License-Identifier: ISC */
/*
 * fuzz_json.c: libFuzzer harness for codec/json.h, the parser of the KMS
 * JSON parameters (EncryptionContext, Tags) and the writer of KMS replies.
 *
 * Each input is used two ways:
 *   1. parsed by json_parse_string_map() and json_parse_map_array(); a
 *      result is checked and then written back with the JSON writer and
 *      parsed again, which must give the same pairs in the same order;
 *   2. the raw input is written as a string value, which must parse back
 *      (unless it holds NUL, which the reader refuses by design) and come
 *      back unchanged when it is valid UTF-8.
 * Any violated invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "codec/json.h"

#define FUZZ_ARENA_CAP	((size_t)32 << 20)
#define FUZZ_BUF_MAX	((size_t)1 << 20)	/* the reader's own cap */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
check_map(const struct kv *kv, size_t n)
{
	size_t i;

	CHECK(n == 0 || kv != NULL);
	for (i = 0; i < n; i++) {
		CHECK(kv[i].name != NULL && kv[i].value != NULL);
		CHECK(str_utf8_valid(kv[i].name, strlen(kv[i].name)));
		CHECK(str_utf8_valid(kv[i].value, strlen(kv[i].value)));
	}
}

static void
write_map(struct json_writer *w, const struct kv *kv, size_t n)
{
	size_t i;

	json_obj_open(w, NULL);
	for (i = 0; i < n; i++)
		json_str(w, kv[i].name, kv[i].value);
	json_obj_close(w);
}

static void
same_map(const struct kv *x, size_t xn, const struct kv *y, size_t yn)
{
	size_t i;

	CHECK(xn == yn);
	for (i = 0; i < xn; i++) {
		CHECK(strcmp(x[i].name, y[i].name) == 0);
		CHECK(strcmp(x[i].value, y[i].value) == 0);
	}
}

/* Written back, a map is a valid, duplicate-free object of strings, so it
 * must parse to the same pairs; the output can outgrow the 1 MiB input cap
 * only through escapes, and then the reader may refuse it. */
static void
map_roundtrip(const struct kv *kv, size_t n)
{
	struct json_writer w;
	struct kv *again = NULL;
	size_t again_n = 0;
	struct arena a;
	struct buf b;
	enum err r;

	buf_init(&b, FUZZ_BUF_MAX);
	json_writer_init(&w, &b);
	write_map(&w, kv, n);
	r = json_writer_finish(&w);
	if (r == ERR_ENTITY_TOO_LARGE)
		return;
	CHECK(r == ERR_OK);
	arena_init(&a, FUZZ_ARENA_CAP);
	CHECK(json_parse_string_map(&a, b.data, b.len, &again, &again_n) ==
	    ERR_OK);
	same_map(kv, n, again, again_n);
	arena_free(&a);
	buf_free(&b);
}

static void
array_roundtrip(struct kv **maps, const size_t *lens, size_t n)
{
	struct json_writer w;
	struct kv **again = NULL;
	size_t *again_lens = NULL, again_n = 0, i;
	struct arena a;
	struct buf b;
	enum err r;

	buf_init(&b, FUZZ_BUF_MAX);
	json_writer_init(&w, &b);
	json_arr_open(&w, NULL);
	for (i = 0; i < n; i++)
		write_map(&w, maps[i], lens[i]);
	json_arr_close(&w);
	r = json_writer_finish(&w);
	if (r == ERR_ENTITY_TOO_LARGE)
		return;
	CHECK(r == ERR_OK);
	arena_init(&a, FUZZ_ARENA_CAP);
	CHECK(json_parse_map_array(&a, b.data, b.len, &again, &again_lens,
	    &again_n) == ERR_OK);
	CHECK(again_n == n);
	for (i = 0; i < n; i++)
		same_map(maps[i], lens[i], again[i], again_lens[i]);
	arena_free(&a);
	buf_free(&b);
}

static void
string_roundtrip(const char *p, size_t size)
{
	struct json_writer w;
	struct kv *kv = NULL;
	struct arena a;
	struct buf b;
	size_t n = 0;

	buf_init(&b, (size_t)8 << 20);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_str_n(&w, "v", p, size);
	json_obj_close(&w);
	CHECK(json_writer_finish(&w) == ERR_OK);
	arena_init(&a, FUZZ_ARENA_CAP);
	if ((size == 0 || memchr(p, '\0', size) == NULL) &&
	    b.len <= FUZZ_BUF_MAX) {
		CHECK(json_parse_string_map(&a, b.data, b.len, &kv, &n) ==
		    ERR_OK);
		CHECK(n == 1 && strcmp(kv[0].name, "v") == 0);
		if (str_utf8_valid(p, size)) {
			CHECK(strlen(kv[0].value) == size);
			CHECK(memcmp(kv[0].value, p, size) == 0);
		}
	}
	arena_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct kv *kv = NULL, **maps = NULL;
	size_t n = 0, *lens = NULL;
	struct arena a;
	enum err r;

	arena_init(&a, FUZZ_ARENA_CAP);
	r = json_parse_string_map(&a, p, size, &kv, &n);
	CHECK(r == ERR_OK || r == ERR_INVALID_ARGUMENT);
	if (r == ERR_OK) {
		check_map(kv, n);
		map_roundtrip(kv, n);
	}
	r = json_parse_map_array(&a, p, size, &maps, &lens, &n);
	CHECK(r == ERR_OK || r == ERR_INVALID_ARGUMENT);
	if (r == ERR_OK) {
		size_t i;

		CHECK(n == 0 || (maps != NULL && lens != NULL));
		for (i = 0; i < n; i++)
			check_map(maps[i], lens[i]);
		array_roundtrip(maps, lens, n);
	}
	arena_free(&a);

	string_roundtrip(p, size);
	return 0;
}
