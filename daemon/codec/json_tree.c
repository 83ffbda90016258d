/* SPDX-License-Identifier: ISC */
/*
 * json_tree.c: a whole JSON document as a read-only tree in an arena, for
 * documents whose shape is richer than the KMS parameters (bucket
 * policies). Strict like json_reader.c: duplicate keys and trailing
 * garbage are refused; the jansson tree is freed before returning.
 */
#include "codec/json.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#define TREE_MAX_INPUT	((size_t)1 << 20)

static enum err
convert(struct arena *a, json_t *j, struct json_value *v, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return ERR_INVALID_ARGUMENT;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *m;
		size_t i = 0;

		v->type = JSON_V_OBJECT;
		v->n = json_object_size(j);
		v->keys = arena_zalloc(a, (v->n + 1) * sizeof(*v->keys));
		v->items = arena_zalloc(a, (v->n + 1) * sizeof(*v->items));
		if (v->keys == NULL || v->items == NULL)
			return ERR_NOMEM;
		json_object_foreach(j, k, m) {
			enum err r;

			v->keys[i] = arena_strdup(a, k);
			if (v->keys[i] == NULL)
				return ERR_NOMEM;
			r = convert(a, m, &v->items[i], depth + 1);
			if (r != ERR_OK)
				return r;
			i++;
		}
		return ERR_OK;
	}
	case JSON_ARRAY: {
		json_t *m;
		size_t i;

		v->type = JSON_V_ARRAY;
		v->n = json_array_size(j);
		v->items = arena_zalloc(a, (v->n + 1) * sizeof(*v->items));
		if (v->items == NULL)
			return ERR_NOMEM;
		json_array_foreach(j, i, m) {
			enum err r = convert(a, m, &v->items[i], depth + 1);

			if (r != ERR_OK)
				return r;
		}
		return ERR_OK;
	}
	case JSON_STRING:
		v->type = JSON_V_STRING;
		v->n = json_string_length(j);
		if (strlen(json_string_value(j)) != v->n)
			return ERR_INVALID_ARGUMENT;	/* embedded NUL */
		v->s = arena_strndup(a, json_string_value(j), v->n);
		return v->s != NULL ? ERR_OK : ERR_NOMEM;
	case JSON_INTEGER: {
		char t[32];

		v->type = JSON_V_NUMBER;
		snprintf(t, sizeof(t), "%lld",
		    (long long)json_integer_value(j));
		v->s = arena_strdup(a, t);
		return v->s != NULL ? ERR_OK : ERR_NOMEM;
	}
	case JSON_REAL: {
		char t[48];

		v->type = JSON_V_NUMBER;
		snprintf(t, sizeof(t), "%.17g", json_real_value(j));
		v->s = arena_strdup(a, t);
		return v->s != NULL ? ERR_OK : ERR_NOMEM;
	}
	case JSON_TRUE:
	case JSON_FALSE:
		v->type = JSON_V_BOOL;
		v->s = json_is_true(j) ? "true" : "false";
		return ERR_OK;
	case JSON_NULL:
	default:
		v->type = JSON_V_NULL;
		return ERR_OK;
	}
}

enum err
json_parse_tree(struct arena *a, const char *p, size_t n,
    struct json_value *ret)
{
	json_error_t e;
	json_t *j;
	enum err r;

	memset(ret, 0, sizeof(*ret));
	if (p == NULL || n == 0 || n > TREE_MAX_INPUT)
		return ERR_INVALID_ARGUMENT;
	j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL)
		return json_error_code(&e) == json_error_out_of_memory ?
		    ERR_NOMEM : ERR_INVALID_ARGUMENT;
	r = convert(a, j, ret, 0);
	json_decref(j);
	return r;
}

const struct json_value *
json_member(const struct json_value *obj, const char *key)
{
	if (obj == NULL || obj->type != JSON_V_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}
