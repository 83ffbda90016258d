/* SPDX-License-Identifier: ISC */
/*
 * json.h: JSON for KMS replies and requests, health and admin output (L1;
 * the only users of jansson).
 *
 * The writer appends compact JSON to a struct buf, escaping strings, and
 * tracks commas itself. The reader exposes only what the KMS API carries in
 * its parameters: flat objects of strings (EncryptionContext) and arrays of
 * such objects (Filters, Tags).
 */
#ifndef COFFER_CODEC_JSON_H
#define COFFER_CODEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/kv.h"

#define JSON_MAX_DEPTH 32

struct json_writer {
	struct buf	*b;
	enum err	 err;
	int		 depth;
	bool		 first[JSON_MAX_DEPTH];	/* no comma needed yet */
};

void json_writer_init(struct json_writer *w, struct buf *b);
/* key NULL inside arrays and at top level. */
void json_obj_open(struct json_writer *w, const char *key);
void json_obj_close(struct json_writer *w);
void json_arr_open(struct json_writer *w, const char *key);
void json_arr_close(struct json_writer *w);
void json_str(struct json_writer *w, const char *key, const char *v);
void json_str_n(struct json_writer *w, const char *key, const char *v,
    size_t n);
void json_i64(struct json_writer *w, const char *key, int64_t v);
void json_u64(struct json_writer *w, const char *key, uint64_t v);
void json_bool(struct json_writer *w, const char *key, bool v);
void json_null_value(struct json_writer *w, const char *key);
/* First error, or ERR_OK (buffer freed on error). */
enum err json_writer_finish(struct json_writer *w);

/* json (a whole object, as the writer makes it) as XML under root, the way
 * Alibaba's RPC APIs answer Format=XML (json_xml.c), into out. ERR_NOMEM,
 * ERR_INTERNAL for JSON the writer would not make. */
enum err json_to_xml(const char *json, size_t n, const char *root,
    struct buf *out);

/* Parses a JSON object whose values are all strings (numbers and booleans
 * are converted to their JSON text) into pairs allocated from a.
 * ERR_INVALID_ARGUMENT for anything else. */
enum err json_parse_string_map(struct arena *a, const char *p, size_t n,
    struct kv **ret, size_t *ret_n);
/* Parses a JSON array of such objects. */
enum err json_parse_map_array(struct arena *a, const char *p, size_t n,
    struct kv ***ret_maps, size_t **ret_lens, size_t *ret_n);

/* A whole document as a tree allocated from a (json_tree.c). Numbers and
 * booleans keep their text in s; objects keep document order. */
enum json_vtype {
	JSON_V_NULL, JSON_V_BOOL, JSON_V_NUMBER, JSON_V_STRING, JSON_V_ARRAY,
	JSON_V_OBJECT,
};
struct json_value {
	enum json_vtype		 type;
	const char		*s;	/* string, number or bool text */
	size_t			 n;	/* string length, or member count */
	char			**keys;	/* objects */
	struct json_value	*items;	/* arrays and objects */
};
/* ERR_INVALID_ARGUMENT for anything not JSON, duplicate keys, NUL in a
 * string or nesting deeper than JSON_MAX_DEPTH. */
enum err json_parse_tree(struct arena *a, const char *p, size_t n,
    struct json_value *ret);
/* obj's member named key, or NULL (also when obj is not an object). */
const struct json_value *json_member(const struct json_value *obj,
    const char *key);

#endif
