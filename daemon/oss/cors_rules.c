/* SPDX-License-Identifier: ISC */
/*
 * cors_rules.c: the CORSConfiguration document (oss-api-2.md §3) to rules
 * and back, rule matching, and the CORS headers every response of a bucket
 * with a configuration may carry.
 *
 * The stored document is the one cors_write makes, so GetBucketCors
 * returns the rules as they are applied. Rules are tried in order and the
 * first that takes the origin, the method and every requested header
 * wins; CORS never refuses an ordinary request, it only decides headers.
 */
#include <string.h>
#include <strings.h>

#include "oss/oss_int.h"
#include "base/str.h"
#include "codec/xml.h"

#define CORS_RULES_MAX 10

struct cors_list {
	const char	**v;
	size_t		  n;
};

struct cors_rule {
	struct cors_list origin, method, header, expose;
	const char	*max_age;	/* NULL: none */
};

struct cors_config {
	struct cors_rule rule[CORS_RULES_MAX];
	size_t		 nrules;
	int		 vary;		/* -1: absent */
};

static enum err
list_parse(struct arena *a, const struct xml_node *rule, const char *name,
    struct cors_list *l, int max_stars)
{
	const struct xml_node *n = xml_child(rule, name);

	l->n = 0;
	l->v = arena_alloc(a, (xml_count(rule, name) + 1) * sizeof(*l->v));
	if (l->v == NULL)
		return ERR_NOMEM;
	for (; n != NULL; n = xml_next_same(n)) {
		const char *s = n->text, *star = strchr(s, '*');

		if (*s == '\0')
			return ERR_MALFORMED_XML;
		if (star != NULL && (max_stars == 0 ||
		    strchr(star + 1, '*') != NULL))
			return ERR_INVALID_ARGUMENT;
		l->v[l->n++] = s;
	}
	return ERR_OK;
}

static bool
method_valid(const char *m)
{
	static const char *const ok[] = { "GET", "PUT", "DELETE", "POST",
	    "HEAD" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(m, ok[i]) == 0)
			return true;
	return false;
}

static enum err
cors_parse(struct arena *a, const struct xml_node *root,
    struct cors_config *cfg)
{
	const struct xml_node *n;
	const char *v;
	enum err r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->vary = -1;
	if (root == NULL || strcmp(root->name, "CORSConfiguration") != 0)
		return ERR_MALFORMED_XML;
	if (xml_count(root, "CORSRule") > CORS_RULES_MAX)
		return ERR_CORS_RULE_LIMIT;
	for (n = xml_child(root, "CORSRule"); n != NULL; n = xml_next_same(n)) {
		struct cors_rule *ru = &cfg->rule[cfg->nrules++];
		uint64_t age;

		r = list_parse(a, n, "AllowedOrigin", &ru->origin, 1);
		if (r == ERR_OK)
			r = list_parse(a, n, "AllowedMethod", &ru->method, 0);
		if (r == ERR_OK)
			r = list_parse(a, n, "AllowedHeader", &ru->header, 1);
		if (r == ERR_OK)
			r = list_parse(a, n, "ExposeHeader", &ru->expose, 0);
		if (r != ERR_OK)
			return r;
		if (ru->origin.n == 0 || ru->method.n == 0)
			return ERR_MALFORMED_XML;
		for (size_t i = 0; i < ru->method.n; i++)
			if (!method_valid(ru->method.v[i]))
				return ERR_INVALID_ARGUMENT;
		if (xml_count(n, "MaxAgeSeconds") > 1)
			return ERR_MALFORMED_XML;
		ru->max_age = xml_child_text(n, "MaxAgeSeconds");
		if (ru->max_age != NULL &&
		    !str_to_u64(ru->max_age, INT32_MAX, &age))
			return ERR_INVALID_ARGUMENT;
	}
	v = xml_child_text(root, "ResponseVary");
	if (v != NULL) {
		if (strcmp(v, "true") == 0)
			cfg->vary = 1;
		else if (strcmp(v, "false") == 0)
			cfg->vary = 0;
		else
			return ERR_MALFORMED_XML;
	}
	return ERR_OK;
}

static void
list_write(struct xml_writer *w, const char *name, const struct cors_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		xml_elem(w, name, l->v[i]);
}

static enum err
cors_write(struct buf *b, const struct cors_config *cfg)
{
	struct xml_writer w;

	xml_writer_init(&w, b);
	xml_decl(&w);
	xml_open(&w, "CORSConfiguration");
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct cors_rule *ru = &cfg->rule[i];

		xml_open(&w, "CORSRule");
		list_write(&w, "AllowedOrigin", &ru->origin);
		list_write(&w, "AllowedMethod", &ru->method);
		list_write(&w, "AllowedHeader", &ru->header);
		list_write(&w, "ExposeHeader", &ru->expose);
		if (ru->max_age != NULL)
			xml_elem(&w, "MaxAgeSeconds", ru->max_age);
		xml_close(&w, "CORSRule");
	}
	if (cfg->vary >= 0)
		xml_elem(&w, "ResponseVary", cfg->vary ? "true" : "false");
	xml_close(&w, "CORSConfiguration");
	return xml_writer_finish(&w);
}

enum err
cors_canonical(struct call *c, struct buf *out)
{
	struct cors_config cfg;
	struct xml_node *root;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r == ERR_OK)
		r = cors_parse(c->a, root, &cfg);
	if (r == ERR_OK)
		r = cors_write(out, &cfg);
	return r;
}

/* One star stands for any run of characters (an origin such as
 * http://STAR.example.com, a header such as "x-oss-meta-STAR"); header names
 * compare without case, origins exactly. */
static bool
glob_match(const char *pat, const char *s, bool nocase)
{
	const char *star = strchr(pat, '*');
	size_t pl, sl = strlen(s), tl;

	if (star == NULL)
		return nocase ? strcasecmp(pat, s) == 0 : strcmp(pat, s) == 0;
	pl = (size_t)(star - pat);
	tl = strlen(star + 1);
	if (sl < pl + tl)
		return false;
	if (nocase)
		return strncasecmp(pat, s, pl) == 0 &&
		    strcasecmp(star + 1, s + sl - tl) == 0;
	return strncmp(pat, s, pl) == 0 && strcmp(star + 1, s + sl - tl) == 0;
}

static bool
list_has(const struct cors_list *l, const char *s, bool nocase)
{
	for (size_t i = 0; i < l->n; i++)
		if (glob_match(l->v[i], s, nocase))
			return true;
	return false;
}

/* Every name of the comma list hdrs is allowed by the rule. */
static bool
headers_allowed(const struct cors_rule *ru, const char *hdrs)
{
	const char *p = hdrs;
	char name[256];

	while (p != NULL && *p != '\0') {
		const char *e = strchr(p, ',');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		const char *t = str_trim(p, &n);

		if (n > 0) {
			if (n >= sizeof(name))
				return false;
			memcpy(name, t, n);
			name[n] = '\0';
			if (!list_has(&ru->header, name, true))
				return false;
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return true;
}

static const struct cors_rule *
cors_match(const struct cors_config *cfg, const char *origin,
    const char *method, const char *hdrs)
{
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct cors_rule *ru = &cfg->rule[i];

		if (list_has(&ru->origin, origin, false) &&
		    list_has(&ru->method, method, false) &&
		    headers_allowed(ru, hdrs))
			return ru;
	}
	return NULL;
}

enum err
cors_doc(struct call *c, const char **ret)
{
	enum err r = conf_get(c, CONF_CORS, ret);

	return r == ERR_NOT_FOUND ? ERR_NO_SUCH_CORS : r;
}

/* The bucket's rules; ERR_NO_SUCH_CORS when it has none. */
static enum err
cors_load(struct call *c, struct cors_config *cfg)
{
	struct xml_limits lim = { .max_bytes = 64 * 1024 };
	struct xml_node *root;
	const char *doc;
	enum err r;

	r = cors_doc(c, &doc);
	if (r == ERR_OK)
		r = xml_parse(c->a, doc, strlen(doc), &lim, &root);
	if (r == ERR_OK)
		r = cors_parse(c->a, root, cfg);
	return r;
}

static char *
list_join(struct arena *a, const struct cors_list *l)
{
	size_t n = 1, at = 0;
	char *s;

	for (size_t i = 0; i < l->n; i++)
		n += strlen(l->v[i]) + 2;
	s = arena_alloc(a, n);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strlen(l->v[i]);

		if (i > 0) {
			memcpy(s + at, ", ", 2);
			at += 2;
		}
		memcpy(s + at, l->v[i], k);
		at += k;
	}
	s[at] = '\0';
	return s;
}

/* The Access-Control-* headers of a matched rule. method and hdrs: what
 * to allow, or NULL for the rule's own lists. */
static void
cors_headers(struct call *c, const struct cors_rule *ru, const char *origin,
    const char *method, const char *hdrs)
{
	const char *v;

	(void)call_resp_header(c, "Access-Control-Allow-Origin", origin);
	v = method != NULL ? method : list_join(c->a, &ru->method);
	if (v != NULL)
		(void)call_resp_header(c, "Access-Control-Allow-Methods", v);
	v = hdrs != NULL ? hdrs : list_join(c->a, &ru->header);
	if (v != NULL && *v != '\0')
		(void)call_resp_header(c, "Access-Control-Allow-Headers", v);
	v = list_join(c->a, &ru->expose);
	if (v != NULL && *v != '\0')
		(void)call_resp_header(c, "Access-Control-Expose-Headers", v);
	if (ru->max_age != NULL)
		(void)call_resp_header(c, "Access-Control-Max-Age",
		    ru->max_age);
}

void
cors_decorate(struct call *c)
{
	struct cors_config cfg;
	const struct cors_rule *ru;
	const char *origin;

	if (!c->have_bucket)
		return;
	if (cors_load(c, &cfg) != ERR_OK)
		return;
	if (cfg.vary == 1)
		(void)call_resp_header(c, "Vary", "Origin");
	origin = call_header(c, "origin");
	/* A preflight's own headers are cors_preflight's. */
	if (origin == NULL || strcmp(c->req->method, "OPTIONS") == 0)
		return;
	ru = cors_match(&cfg, origin, c->req->method, "");
	if (ru != NULL)
		cors_headers(c, ru, origin, NULL, NULL);
}

enum err
cors_preflight(struct call *c)
{
	const char *origin = call_header(c, "origin");
	const char *method = call_header(c, "access-control-request-method");
	const char *hdrs = call_header(c, "access-control-request-headers");
	struct cors_config cfg;
	const struct cors_rule *ru;
	enum err r;

	if (origin == NULL)
		return ERR_CORS_NO_ORIGIN;
	if (method == NULL)
		return ERR_CORS_NO_METHOD;
	r = cors_load(c, &cfg);
	if (r == ERR_NO_SUCH_CORS)
		return ERR_CORS_FORBIDDEN;
	if (r != ERR_OK)
		return r;
	ru = cors_match(&cfg, origin, method, hdrs != NULL ? hdrs : "");
	if (ru == NULL)
		return ERR_CORS_FORBIDDEN;
	cors_headers(c, ru, origin, method, hdrs != NULL ? hdrs : "");
	return ERR_OK;
}
