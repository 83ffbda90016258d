/* SPDX-License-Identifier: ISC */
/*
 * post_policy.c: the PostObject policy document (post_policy.h), read
 * with jansson and copied into the request arena; nothing jansson-shaped
 * leaves this file.
 *
 * The condition text kept for each condition is what the refusal echoes
 * ("Policy Condition failed: [...]"): the array form, compact with ", "
 * between elements as OSS prints it; an object condition {"f": "v"} is
 * echoed as the ["eq", "$f", "v"] it stands for.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "codec/post_policy.h"

static char *
lower_field(struct arena *a, const char *s)
{
	char *f;

	if (*s == '$')
		s++;
	f = arena_strdup(a, s);
	if (f != NULL)
		for (char *p = f; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	return f;
}

/* "s" as a JSON string into the arena. */
static char *
quoted(struct arena *a, const char *s)
{
	json_t *j = json_string(s);
	char *t, *r;

	if (j == NULL)
		return NULL;
	t = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	if (t == NULL)
		return NULL;
	r = arena_strdup(a, t);
	free(t);
	return r;
}

static enum err
parse_array(struct arena *a, json_t *c, struct post_cond *pc)
{
	const char *op;
	json_t *v;

	if (json_array_size(c) != 3 || !json_is_string(json_array_get(c, 0)))
		return ERR_POLICY_BAD_CONDITION;
	op = json_string_value(json_array_get(c, 0));
	if (strcasecmp(op, "content-length-range") == 0) {
		json_t *lo = json_array_get(c, 1), *hi = json_array_get(c, 2);

		if (!json_is_integer(lo) || !json_is_integer(hi) ||
		    json_integer_value(lo) < 0 ||
		    json_integer_value(hi) < json_integer_value(lo))
			return ERR_POLICY_BAD_CONDITION;
		pc->op = POST_RANGE;
		pc->field = "content-length";
		pc->min = json_integer_value(lo);
		pc->max = json_integer_value(hi);
		pc->text = arena_printf(a, "[\"content-length-range\", %lld, "
		    "%lld]", (long long)pc->min, (long long)pc->max);
		return pc->text != NULL ? ERR_OK : ERR_NOMEM;
	}
	if (!json_is_string(json_array_get(c, 1)) ||
	    json_string_value(json_array_get(c, 1))[0] != '$')
		return ERR_POLICY_BAD_CONDITION;
	pc->field = lower_field(a, json_string_value(json_array_get(c, 1)));
	v = json_array_get(c, 2);
	if (strcasecmp(op, "eq") == 0 || strcasecmp(op, "starts-with") == 0) {
		if (!json_is_string(v))
			return ERR_POLICY_BAD_CONDITION;
		pc->op = strcasecmp(op, "eq") == 0 ? POST_EQ : POST_STARTS_WITH;
		pc->value = arena_strdup(a, json_string_value(v));
	} else if (strcasecmp(op, "in") == 0 ||
	    strcasecmp(op, "not-in") == 0) {
		if (!json_is_array(v))
			return ERR_POLICY_BAD_CONDITION;
		pc->op = strcasecmp(op, "in") == 0 ? POST_IN : POST_NOT_IN;
		pc->nlist = json_array_size(v);
		pc->list = arena_alloc(a, (pc->nlist + 1) * sizeof(*pc->list));
		if (pc->list == NULL)
			return ERR_NOMEM;
		for (size_t i = 0; i < pc->nlist; i++) {
			json_t *e = json_array_get(v, i);

			if (!json_is_string(e))
				return ERR_POLICY_BAD_CONDITION;
			pc->list[i] = arena_strdup(a, json_string_value(e));
		}
	} else
		return ERR_POLICY_BAD_CONDITION;
	{
		char *t = json_dumps(c, JSON_COMPACT | JSON_ENCODE_ANY);
		char *o;
		size_t k = 0;

		if (t == NULL)
			return ERR_NOMEM;
		/* OSS prints ", " between elements. */
		o = arena_alloc(a, 2 * strlen(t) + 1);
		if (o != NULL) {
			bool in_str = false;

			for (const char *s = t; *s != '\0'; s++) {
				o[k++] = *s;
				if (*s == '\\' && in_str && s[1] != '\0')
					o[k++] = *++s;
				else if (*s == '"')
					in_str = !in_str;
				else if (*s == ',' && !in_str)
					o[k++] = ' ';
			}
			o[k] = '\0';
		}
		free(t);
		pc->text = o;
	}
	return pc->field != NULL && pc->text != NULL ? ERR_OK : ERR_NOMEM;
}

static enum err
parse_object(struct arena *a, json_t *c, struct post_cond *pc)
{
	const char *k;
	json_t *v;
	char *qk, *qv;

	if (json_object_size(c) != 1)
		return ERR_POLICY_NO_CONDITIONS;
	json_object_foreach(c, k, v) {
		if (!json_is_string(v))
			return ERR_POLICY_BAD_CONDITION;
		pc->op = POST_EQ;
		pc->field = lower_field(a, k);
		pc->value = arena_strdup(a, json_string_value(v));
		qk = quoted(a, arena_printf(a, "$%s", k));
		qv = quoted(a, json_string_value(v));
		if (qk == NULL || qv == NULL)
			return ERR_NOMEM;
		pc->text = arena_printf(a, "[\"eq\", %s, %s]", qk, qv);
	}
	return pc->field != NULL && pc->value != NULL && pc->text != NULL ?
	    ERR_OK : ERR_NOMEM;
}

enum err
post_policy_parse(struct arena *a, const char *p, size_t n,
    struct post_policy *ret)
{
	json_t *root, *exp, *conds;
	json_error_t je;
	enum err r = ERR_OK;

	memset(ret, 0, sizeof(*ret));
	root = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return ERR_POLICY_JSON;
	}
	exp = json_object_get(root, "expiration");
	conds = json_object_get(root, "conditions");
	if (exp == NULL && conds == NULL)
		r = ERR_POLICY_NO_FIELDS;
	else if (exp == NULL)
		r = ERR_POLICY_NO_EXPIRATION;
	else if (!json_is_string(exp))
		r = ERR_POLICY_BAD_EXPIRATION;
	else if (json_string_value(exp)[0] == '\0')
		r = ERR_POLICY_EMPTY_EXPIRATION;
	else if (conds == NULL || !json_is_array(conds) ||
	    json_array_size(conds) == 0)
		r = ERR_POLICY_NO_CONDITIONS;
	if (r == ERR_OK) {
		ret->expiration = arena_strdup(a, json_string_value(exp));
		ret->ncond = json_array_size(conds);
		ret->cond = arena_zalloc(a, ret->ncond * sizeof(*ret->cond));
		if (ret->expiration == NULL || ret->cond == NULL)
			r = ERR_NOMEM;
	}
	for (size_t i = 0; r == ERR_OK && i < ret->ncond; i++) {
		json_t *c = json_array_get(conds, i);

		if (json_is_array(c))
			r = parse_array(a, c, &ret->cond[i]);
		else if (json_is_object(c))
			r = parse_object(a, c, &ret->cond[i]);
		else
			r = ERR_POLICY_BAD_CONDITION;
	}
	json_decref(root);
	return r;
}
