/* SPDX-License-Identifier: ISC */
/*
 * policy.c: bucket policy documents and the decision for one request
 * (oss-api-2.md §5.6, the evaluation order of §6).
 *
 * A statement applies when its Action, Principal and Resource all match
 * and every condition holds. Any applying Deny decides; else any applying
 * Allow; else the policy has nothing to say and the ACLs decide.
 * Principal "*" without a Condition means everybody but the bucket owner;
 * with one it takes in the owner too, so a conditional Deny can lock the
 * owner out (§5.6), which is what the require-TLS and require-SSE
 * policies rely on.
 */
#include <string.h>
#include <strings.h>

#include "auth/policy.h"
#include "auth/policy_int.h"
#include "codec/json.h"

static bool
field_ok(const struct json_value *v)
{
	return v->n <= POLICY_FIELD_MAX;
}

/* A string or an array of strings, into out. */
static enum err
strings(struct arena *a, const struct json_value *v, struct strs *out)
{
	if (v == NULL)
		return ERR_POLICY_SYNTAX;
	if (v->type == JSON_V_STRING) {
		if (!field_ok(v))
			return ERR_POLICY_FIELD_TOO_LONG;
		out->v = arena_alloc(a, sizeof(*out->v));
		if (out->v == NULL)
			return ERR_NOMEM;
		out->v[0] = v->s;
		out->n = 1;
		return ERR_OK;
	}
	if (v->type != JSON_V_ARRAY || v->n == 0)
		return ERR_POLICY_SYNTAX;
	out->v = arena_alloc(a, v->n * sizeof(*out->v));
	if (out->v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i].type != JSON_V_STRING)
			return ERR_POLICY_SYNTAX;
		if (!field_ok(&v->items[i]))
			return ERR_POLICY_FIELD_TOO_LONG;
		out->v[i] = v->items[i].s;
	}
	out->n = v->n;
	return ERR_OK;
}

/* "Condition": { "<Operator>": { "<key>": "v" | ["v", ...] }, ... } */
static enum err
conditions(struct arena *a, const struct json_value *c, struct stmt *s)
{
	size_t n = 0, k = 0;

	if (c == NULL)
		return ERR_OK;
	if (c->type != JSON_V_OBJECT)
		return ERR_POLICY_SYNTAX;
	for (size_t i = 0; i < c->n; i++) {
		if (c->items[i].type != JSON_V_OBJECT)
			return ERR_POLICY_SYNTAX;
		n += c->items[i].n;
	}
	s->cond = arena_zalloc(a, (n + 1) * sizeof(*s->cond));
	if (s->cond == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < c->n; i++) {
		const struct json_value *keys = &c->items[i];
		enum cond_op op = cond_op_parse(c->keys[i]);

		if (op == COND_UNKNOWN)
			return ERR_POLICY_SYNTAX;
		for (size_t j = 0; j < keys->n; j++) {
			struct cond *cd = &s->cond[k++];
			const struct json_value *v = &keys->items[j];
			enum err r;

			cd->op = op;
			cd->key = keys->keys[j];
			if (v->type == JSON_V_BOOL || v->type == JSON_V_NUMBER) {
				cd->values.v = arena_alloc(a, sizeof(char *));
				if (cd->values.v == NULL)
					return ERR_NOMEM;
				cd->values.v[0] = v->s;
				cd->values.n = 1;
				continue;
			}
			r = strings(a, v, &cd->values);
			if (r != ERR_OK)
				return r;
		}
	}
	s->ncond = n;
	return ERR_OK;
}

static enum err
statement(struct arena *a, const struct json_value *v, struct stmt *s)
{
	const struct json_value *e = json_member(v, "Effect");
	enum err r;

	if (v->type != JSON_V_OBJECT || e == NULL || e->type != JSON_V_STRING)
		return ERR_POLICY_SYNTAX;
	if (strcmp(e->s, "Deny") == 0)
		s->deny = true;
	else if (strcmp(e->s, "Allow") != 0)
		return ERR_POLICY_SYNTAX;
	r = strings(a, json_member(v, "Action"), &s->actions);
	if (r == ERR_OK)
		r = strings(a, json_member(v, "Principal"), &s->principals);
	if (r == ERR_OK)
		r = strings(a, json_member(v, "Resource"), &s->resources);
	if (r == ERR_OK)
		r = conditions(a, json_member(v, "Condition"), s);
	return r;
}

enum err
policy_parse(struct arena *a, const char *doc, size_t n, struct policy **ret)
{
	const struct json_value *ver, *st;
	struct json_value root;
	struct policy *p;
	enum err r;

	if (n > POLICY_MAX_BYTES)
		return ERR_POLICY_TOO_LARGE;
	r = json_parse_tree(a, doc, n, &root);
	if (r == ERR_INVALID_ARGUMENT || (r == ERR_OK &&
	    root.type != JSON_V_OBJECT))
		return ERR_POLICY_SYNTAX;
	if (r != ERR_OK)
		return r;
	ver = json_member(&root, "Version");
	if (ver == NULL || ver->type != JSON_V_STRING)
		return ERR_POLICY_SYNTAX;	/* "Version": 1 is syntax (§5.6) */
	if (strcmp(ver->s, "1") != 0)
		return ERR_POLICY_VERSION;
	st = json_member(&root, "Statement");
	if (st == NULL || st->type != JSON_V_ARRAY)
		return ERR_POLICY_SYNTAX;
	p = arena_zalloc(a, sizeof(*p));
	if (p == NULL)
		return ERR_NOMEM;
	p->stmt = arena_zalloc(a, (st->n + 1) * sizeof(*p->stmt));
	if (p->stmt == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < st->n; i++) {
		r = statement(a, &st->items[i], &p->stmt[i]);
		if (r != ERR_OK)
			return r;
	}
	p->n = st->n;
	*ret = p;
	return ERR_OK;
}

static bool
any_glob(const struct strs *l, const char *s, bool fold)
{
	for (size_t i = 0; i < l->n; i++)
		if (policy_glob(l->v[i], s, fold))
			return true;
	return false;
}

static bool
everybody(const struct stmt *s)
{
	for (size_t i = 0; i < s->principals.n; i++)
		if (strcmp(s->principals.v[i], "*") == 0)
			return true;
	return false;
}

static bool
principal_matches(const struct stmt *s, const struct policy_request *rq,
    bool ignore_public)
{
	for (size_t i = 0; i < s->principals.n; i++) {
		const char *pr = s->principals.v[i];

		if (strcmp(pr, "*") == 0) {
			if (ignore_public)
				continue;
			if (!rq->owner || s->ncond > 0)
				return true;
		} else if (rq->principal != NULL &&
		    strcmp(pr, rq->principal) == 0)
			return true;
	}
	return false;
}

static bool
applies(const struct stmt *s, const struct policy_request *rq,
    bool ignore_public)
{
	if (!any_glob(&s->actions, rq->action, true))
		return false;
	/* The public access block voids grants to everybody, not denials. */
	if (!principal_matches(s, rq, ignore_public && !s->deny))
		return false;
	if (!any_glob(&s->resources, rq->resource, false))
		return false;
	for (size_t i = 0; i < s->ncond; i++)
		if (!cond_holds(&s->cond[i], rq))
			return false;
	return true;
}

enum policy_verdict
policy_eval(const struct policy *p, const struct policy_request *rq,
    bool ignore_public)
{
	enum policy_verdict v = POLICY_NONE;

	if (p == NULL)
		return POLICY_NONE;
	for (size_t i = 0; i < p->n; i++) {
		if (!applies(&p->stmt[i], rq, ignore_public))
			continue;
		if (p->stmt[i].deny)
			return POLICY_DENY;
		v = POLICY_ALLOW;
	}
	return v;
}

bool
policy_is_public(const struct policy *p)
{
	for (size_t i = 0; p != NULL && i < p->n; i++)
		if (!p->stmt[i].deny && everybody(&p->stmt[i]))
			return true;
	return false;
}

bool
policy_glob(const char *pat, const char *s, bool fold)
{
	const char *star = NULL, *mark = NULL;

	/* Iterative with one backtrack point: linear, no recursion on
	 * attacker-chosen patterns. */
	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat == '?' || *pat == *s || (fold && *pat != '\0' &&
		    (unsigned char)*pat < 128 && (unsigned char)*s < 128 &&
		    strncasecmp(pat, s, 1) == 0)) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++mark;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
