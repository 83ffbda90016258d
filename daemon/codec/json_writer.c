/* SPDX-License-Identifier: ISC */
/*
 * json_writer.c: the compact JSON writer behind KMS replies, KMS errors and
 * the health and admin output.
 *
 * It writes straight into a struct buf instead of building a jansson tree:
 * replies are small and flat, and streaming keeps key order exactly as the
 * handler writes it, which the golden files of the tests rely on.
 *
 * Output is always valid JSON text in valid UTF-8, whatever bytes a string
 * holds: '"' and '\' are backslash-escaped, every control character below
 * U+0020 becomes \u00xx, and each byte that is not part of well-formed UTF-8
 * becomes U+FFFD (so a binary value is visibly damaged, never passed on).
 * Everything else, '/' and U+2028/U+2029 included, is written raw.
 *
 * Commas are tracked per open container in w->first[]; nesting deeper than
 * JSON_MAX_DEPTH, closing more than was opened, a key at top level, or
 * finishing with containers open is a programmer error and sticks as
 * ERR_INTERNAL. Whether a key is given inside an object and omitted inside
 * an array is the caller's job: the writer keeps no container types.
 */
#include "codec/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "codec/codec_int.h"

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define JSON_REPLACEMENT "\xEF\xBF\xBD"

void
json_writer_init(struct json_writer *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->err = ERR_OK;
}

static void
put(struct json_writer *w, const char *p, size_t n)
{
	enum err r;

	if (w->err != ERR_OK || n == 0)
		return;
	r = buf_append(w->b, p, n);
	if (r != ERR_OK)
		w->err = r;
}

static void
put_str(struct json_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Writes s[0..n) as a quoted JSON string; see the top of the file. */
static void
put_quoted(struct json_writer *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	char esc[8];
	uint32_t cp;

	put(w, "\"", 1);
	while (i < n && w->err == ERR_OK) {
		len = codec_utf8_next(p + i, n - i, &cp);
		if (len > 0 && cp >= 0x20 && cp != '"' && cp != '\\') {
			i += len;
			continue;
		}
		if (i > run)
			put(w, s + run, i - run);
		if (len == 0) {
			put_str(w, JSON_REPLACEMENT);
			len = 1;
		} else if (cp == '"')
			put_str(w, "\\\"");
		else if (cp == '\\')
			put_str(w, "\\\\");
		else {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			put_str(w, esc);
		}
		i += len;
		run = i;
	}
	if (i > run)
		put(w, s + run, i - run);
	put(w, "\"", 1);
}

/* Comma and "key": in front of a value. False when the writer has failed
 * (now or before), so callers write nothing more. */
static bool
begin_value(struct json_writer *w, const char *key)
{
	if (w->err != ERR_OK)
		return false;
	if (w->depth == 0 && key != NULL) {
		w->err = ERR_INTERNAL;
		return false;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth - 1])
			put(w, ",", 1);
		w->first[w->depth - 1] = false;
	}
	if (key != NULL) {
		put_quoted(w, key, strlen(key));
		put(w, ":", 1);
	}
	return w->err == ERR_OK;
}

static void
open_container(struct json_writer *w, const char *key, const char *open)
{
	if (w->err != ERR_OK)
		return;
	if (w->depth >= JSON_MAX_DEPTH) {
		w->err = ERR_INTERNAL;
		return;
	}
	if (!begin_value(w, key))
		return;
	put(w, open, 1);
	w->first[w->depth] = true;
	w->depth++;
}

static void
close_container(struct json_writer *w, const char *close)
{
	if (w->err != ERR_OK)
		return;
	if (w->depth == 0) {
		w->err = ERR_INTERNAL;
		return;
	}
	put(w, close, 1);
	w->depth--;
}

void
json_obj_open(struct json_writer *w, const char *key)
{
	open_container(w, key, "{");
}

void
json_obj_close(struct json_writer *w)
{
	close_container(w, "}");
}

void
json_arr_open(struct json_writer *w, const char *key)
{
	open_container(w, key, "[");
}

void
json_arr_close(struct json_writer *w)
{
	close_container(w, "]");
}

void
json_str_n(struct json_writer *w, const char *key, const char *v, size_t n)
{
	if (w->err != ERR_OK)
		return;
	if (v == NULL && n > 0) {
		w->err = ERR_INTERNAL;
		return;
	}
	if (!begin_value(w, key))
		return;
	put_quoted(w, v, n);
}

/* A NULL string is written as null: "absent" is what a NULL field means
 * in the structs handlers serialise. */
void
json_str(struct json_writer *w, const char *key, const char *v)
{
	if (v == NULL)
		json_null_value(w, key);
	else
		json_str_n(w, key, v, strlen(v));
}

void
json_i64(struct json_writer *w, const char *key, int64_t v)
{
	char s[32];

	if (!begin_value(w, key))
		return;
	snprintf(s, sizeof(s), "%" PRId64, v);
	put_str(w, s);
}

void
json_u64(struct json_writer *w, const char *key, uint64_t v)
{
	char s[32];

	if (!begin_value(w, key))
		return;
	snprintf(s, sizeof(s), "%" PRIu64, v);
	put_str(w, s);
}

void
json_bool(struct json_writer *w, const char *key, bool v)
{
	if (begin_value(w, key))
		put_str(w, v ? "true" : "false");
}

void
json_null_value(struct json_writer *w, const char *key)
{
	if (begin_value(w, key))
		put_str(w, "null");
}

enum err
json_writer_finish(struct json_writer *w)
{
	/* An unclosed container would hand out truncated JSON. */
	if (w->err == ERR_OK && w->depth != 0)
		w->err = ERR_INTERNAL;
	if (w->err != ERR_OK)
		buf_free(w->b);
	return w->err;
}
