/* SPDX-License-Identifier: ISC */
/*
 * json_reader.c: the JSON reader for KMS request parameters (jansson).
 *
 * KMS carries JSON only inside query/form parameters: EncryptionContext is
 * a flat object of strings, Tags an array of such objects. The reader
 * exposes exactly those two shapes, copies the result into the request
 * arena as struct kv pairs, and frees the jansson tree before returning;
 * nothing jansson-shaped leaves codec/. (ListKeys Filters, whose "Values"
 * are arrays, and UntagResource TagKeys, an array of strings, do not fit
 * these shapes and are refused.)
 *
 * Parsing is strict: duplicate keys, NUL in strings or keys (jansson's
 * default without JSON_ALLOW_NUL), trailing garbage, null values and nested
 * values are all ERR_INVALID_ARGUMENT, which the KMS layer renders as
 * InvalidParameter. Numbers and booleans are accepted as values and turned
 * back into their JSON text, because SDK users write {"n":1} as readily as
 * {"n":"1"}. Pairs keep document order (jansson >= 2.8 objects iterate in
 * insertion order).
 */
#include "codec/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Callers bound parameters far lower; this is the module's own backstop. */
#define JSON_MAX_INPUT	((size_t)1 << 20)

static enum err
load(const char *p, size_t n, json_t **ret)
{
	json_error_t e;
	json_t *v;

	if (p == NULL || n == 0 || n > JSON_MAX_INPUT)
		return ERR_INVALID_ARGUMENT;
	v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &e);
	if (v == NULL)
		return json_error_code(&e) == json_error_out_of_memory ?
		    ERR_NOMEM : ERR_INVALID_ARGUMENT;
	*ret = v;
	return ERR_OK;
}

/* A real as the shortest text that reads back as the same double, laid out
 * like Python's repr(): plain decimal for
 * exponents -4..15, exponent form beyond, and ".0" on integral values so
 * the text still reads as a real. jansson keeps no source text, so 1.50
 * comes back as "1.5" and 1e3 as "1000.0". jansson refuses inf and nan. */
static char *
real_text(struct arena *a, double d)
{
	char s[48];
	int prec, e10, dec;
	char *e;

	for (prec = 1; prec < 17; prec++) {
		snprintf(s, sizeof(s), "%.*e", prec - 1, d);
		if (strtod(s, NULL) == d)
			break;
	}
	snprintf(s, sizeof(s), "%.*e", prec - 1, d);
	e = strchr(s, 'e');
	e10 = e != NULL ? (int)strtol(e + 1, NULL, 10) : 0;
	if (e10 < -4 || e10 >= 16)
		return arena_strdup(a, s);
	dec = prec - 1 - e10;
	snprintf(s, sizeof(s), "%.*f", dec > 0 ? dec : 0, d);
	if (strchr(s, '.') == NULL)
		return arena_printf(a, "%s.0", s);
	return arena_strdup(a, s);
}

static enum err
value_text(struct arena *a, json_t *v, const char **ret)
{
	const char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = arena_strndup(a, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_INTEGER:
		s = arena_printf(a, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		s = real_text(a, json_real_value(v));
		break;
	case JSON_TRUE:
		s = "true";
		break;
	case JSON_FALSE:
		s = "false";
		break;
	default:
		/* null, objects, arrays */
		return ERR_INVALID_ARGUMENT;
	}
	if (s == NULL)
		return ERR_NOMEM;
	*ret = s;
	return ERR_OK;
}

/* One flat object into kv pairs; *ret is NULL for an empty object. */
static enum err
object_to_kv(struct arena *a, json_t *obj, struct kv **ret,
    size_t *ret_n)
{
	struct kv *kv = NULL;
	size_t n, i = 0;
	void *it;
	enum err r;

	if (!json_is_object(obj))
		return ERR_INVALID_ARGUMENT;
	n = json_object_size(obj);
	if (n > 0) {
		if (n > SIZE_MAX / sizeof(*kv))
			return ERR_NOMEM;
		kv = arena_alloc(a, n * sizeof(*kv));
		if (kv == NULL)
			return ERR_NOMEM;
	}
	for (it = json_object_iter(obj); it != NULL && i < n;
	    it = json_object_iter_next(obj, it), i++) {
		kv[i].name = arena_strdup(a, json_object_iter_key(it));
		if (kv[i].name == NULL)
			return ERR_NOMEM;
		r = value_text(a, json_object_iter_value(it), &kv[i].value);
		if (r != ERR_OK)
			return r;
	}
	if (i != n)
		return ERR_INTERNAL;
	*ret = kv;
	*ret_n = n;
	return ERR_OK;
}

enum err
json_parse_string_map(struct arena *a, const char *p, size_t n,
    struct kv **ret, size_t *ret_n)
{
	json_t *root = NULL;
	struct kv *kv;
	size_t len;
	enum err r;

	r = load(p, n, &root);
	if (r != ERR_OK)
		goto out;
	r = object_to_kv(a, root, &kv, &len);
	if (r != ERR_OK)
		goto out;
	*ret = kv;
	*ret_n = len;
out:
	json_decref(root);
	return r;
}

enum err
json_parse_map_array(struct arena *a, const char *p, size_t n,
    struct kv ***ret_maps, size_t **ret_lens, size_t *ret_n)
{
	json_t *root = NULL;
	struct kv **maps = NULL;
	size_t *lens = NULL;
	size_t count, i;
	enum err r;

	r = load(p, n, &root);
	if (r != ERR_OK)
		goto out;
	if (!json_is_array(root)) {
		r = ERR_INVALID_ARGUMENT;
		goto out;
	}
	count = json_array_size(root);
	if (count > 0) {
		if (count > SIZE_MAX / sizeof(*maps)) {
			r = ERR_NOMEM;
			goto out;
		}
		maps = arena_alloc(a, count * sizeof(*maps));
		lens = arena_alloc(a, count * sizeof(*lens));
		if (maps == NULL || lens == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
	}
	for (i = 0; i < count; i++) {
		r = object_to_kv(a, json_array_get(root, i), &maps[i],
		    &lens[i]);
		if (r != ERR_OK)
			goto out;
	}
	*ret_maps = maps;
	*ret_lens = lens;
	*ret_n = count;
out:
	json_decref(root);
	return r;
}
