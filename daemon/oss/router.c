/* SPDX-License-Identifier: ISC */
/*
 * router.c: request target parsing and route matching.
 *
 * Addressing (spec/clients.md §1.2, oss-api.md §2):
 *   <bucket>.oss-<region>[-internal].aliyuncs.com   virtual host; an empty
 *                                                   first label (ali-oss's
 *                                                   ".oss-cn-hangzhou...")
 *                                                   is the service level
 *   oss-<region>[-internal].aliyuncs.com            path style, that region
 *   <bucket>.<domain> / <domain>                    virtual host / path style
 *   IP literal, localhost, no Host                  path style, default region
 *   anything else                                   a custom domain (CNAME):
 *                                                   virtual host of the bucket
 *                                                   it is attached to
 * The path and query are percent-decoded here, once; '+' stays '+' because
 * OSS clients encode spaces as %20 and signatures cover the decoded bytes.
 */
#include <arpa/inet.h>
#include <string.h>

#include "oss/oss_int.h"
#include "base/str.h"

/* "oss-cn-hangzhou[-internal]" -> "cn-hangzhou" (in the arena). */
static const char *
endpoint_region(struct arena *a, const char *label, size_t n)
{
	if (n <= 4 || strncmp(label, "oss-", 4) != 0)
		return NULL;
	label += 4;
	n -= 4;
	if (n > 9 && strncmp(label + n - 9, "-internal", 9) == 0)
		n -= 9;
	if (n == 0)
		return NULL;
	return arena_strndup(a, label, n);
}

/* Decides bucket (may be "" = service) and region from the Host header.
 * *ret_vhost tells whether the path carries the bucket. */
static enum err
parse_host(struct call *c, bool *ret_vhost, const char **ret_bucket)
{
	const char *h = call_header(c, "host");
	struct in_addr v4;
	char *host;
	size_t n;

	c->region = c->api->region;
	*ret_vhost = false;
	*ret_bucket = NULL;
	if (h == NULL)
		h = "";
	host = arena_strdup(c->a, h);
	if (host == NULL)
		return ERR_NOMEM;
	str_lower(host);
	/* Strip the port, minding IPv6 literals. */
	n = strlen(host);
	if (host[0] == '[') {
		char *close = strchr(host, ']');
		if (close != NULL)
			close[1] = '\0';
	} else {
		char *colon = strrchr(host, ':');
		if (colon != NULL)
			*colon = '\0';
	}
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		host[--n] = '\0';
	c->host = host;

	if (str_has_suffix(host, ".aliyuncs.com")) {
		const char *dot = strchr(host, '.');
		size_t first = (size_t)(dot - host);
		const char *region;

		/* oss-<region>.aliyuncs.com: path style. */
		region = endpoint_region(c->a, host, first);
		if (region != NULL && strcmp(dot, ".aliyuncs.com") == 0) {
			c->region = region;
			c->region_explicit = true;
			return ERR_OK;
		}
		/* <bucket>.oss-<region>.aliyuncs.com: virtual host. */
		const char *rest = dot + 1;
		const char *dot2 = strchr(rest, '.');
		if (dot2 != NULL && strcmp(dot2, ".aliyuncs.com") == 0) {
			region = endpoint_region(c->a, rest, (size_t)(dot2 - rest));
			if (region != NULL) {
				c->region = region;
				c->region_explicit = true;
				*ret_vhost = true;
				*ret_bucket = arena_strndup(c->a, host, first);
				return *ret_bucket ? ERR_OK : ERR_NOMEM;
			}
		}
		return ERR_OK;
	}
	for (unsigned i = 0; i < c->api->ndomains; i++) {
		const char *d = c->api->domains[i];
		size_t dl = strlen(d);

		if (strcmp(host, d) == 0)
			return ERR_OK;
		if (n > dl + 1 && host[n - dl - 1] == '.' &&
		    strcmp(host + n - dl, d) == 0) {
			*ret_vhost = true;
			*ret_bucket = arena_strndup(c->a, host, n - dl - 1);
			return *ret_bucket ? ERR_OK : ERR_NOMEM;
		}
	}
	/* IP literals and localhost: path style. Any other name can only be
	 * a custom domain; dispatch looks up its bucket. */
	if (host[0] == '\0' || host[0] == '[' || strcmp(host, "localhost") == 0 ||
	    inet_pton(AF_INET, host, &v4) == 1)
		return ERR_OK;
	c->cname_host = host;
	*ret_vhost = true;
	*ret_bucket = "";
	return ERR_OK;
}

static enum err
parse_query(struct call *c, const char *q)
{
	size_t count = 1, i = 0;

	for (const char *p = q; *p; p++)
		if (*p == '&')
			count++;
	if (count > 256)
		return ERR_INVALID_URI;
	c->query = arena_alloc(c->a, count * sizeof(*c->query));
	if (c->query == NULL)
		return ERR_NOMEM;
	while (*q != '\0') {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', len);
		size_t kl = eq ? (size_t)(eq - q) : len;
		size_t vl = eq ? len - kl - 1 : 0;
		char *k, *v;

		if (len > 0) {
			k = arena_alloc(c->a, kl + 1);
			v = arena_alloc(c->a, vl + 1);
			if (k == NULL || v == NULL)
				return ERR_NOMEM;
			if (url_decode(k, q, kl, false) < 0 ||
			    url_decode(v, eq ? eq + 1 : "", vl, false) < 0)
				return ERR_INVALID_URI;
			c->query[i].name = k;
			c->query[i].value = v;
			i++;
		}
		if (amp == NULL)
			break;
		q = amp + 1;
	}
	c->nquery = i;
	return ERR_OK;
}

enum err
router_parse_target(struct call *c)
{
	const char *uri = c->req->uri, *qmark, *bucket;
	size_t plen;
	char *path;
	bool vhost;
	enum err r;
	int n;

	r = parse_host(c, &vhost, &bucket);
	if (r != ERR_OK)
		return r;
	/* RFC 9112 §3.2.2: a server accepts the absolute form, which
	 * clients send through an HTTP proxy (how S3 tools reach a virtual
	 * host name that no resolver knows). The Host header, equal to the
	 * authority by the same rule, has named the bucket. */
	if (uri != NULL && (str_case_has_prefix(uri, "http://") ||
	    str_case_has_prefix(uri, "https://"))) {
		const char *auth = strstr(uri, "//") + 2;

		uri = auth + strcspn(auth, "/?");
		/* An empty path is "/". */
		if (*uri != '/') {
			uri = arena_printf(c->a, "/%s", uri);
			if (uri == NULL)
				return ERR_NOMEM;
		}
	}
	if (uri == NULL || uri[0] != '/')
		return ERR_INVALID_URI;
	qmark = strchr(uri, '?');
	plen = qmark ? (size_t)(qmark - uri) : strlen(uri);
	c->raw_path = arena_strndup(c->a, uri, plen);
	if (c->raw_path == NULL)
		return ERR_NOMEM;
	path = arena_alloc(c->a, plen + 1);
	if (path == NULL)
		return ERR_NOMEM;
	n = url_decode(path, uri, plen, false);
	if (n < 0)
		return ERR_INVALID_URI;
	r = parse_query(c, qmark ? qmark + 1 : "");
	if (r != ERR_OK)
		return r;
	c->vhost = vhost && c->cname_host == NULL;

	if (vhost && c->cname_host != NULL) {
		/* The bucket comes from the domain (dispatch); the path is
		 * the key, as for any virtual host. */
		c->key = path[1] ? path + 1 : NULL;
		c->level = c->key ? LEVEL_OBJECT : LEVEL_BUCKET;
		return ERR_OK;
	}
	if (vhost) {
		c->bucket_name = bucket[0] ? bucket : NULL;
		c->key = path[1] ? path + 1 : NULL;
	} else {
		char *slash;

		path++;		/* skip '/' */
		if (strncmp(path, "-/", 2) == 0) {
			/* The daemon's own endpoints: "-" is no bucket name. */
			c->level = LEVEL_SERVICE;
			c->key = path;
			return ERR_OK;
		}
		slash = strchr(path, '/');
		if (slash != NULL) {
			*slash = '\0';
			c->key = slash[1] ? slash + 1 : NULL;
		}
		c->bucket_name = path[0] ? path : NULL;
	}
	if (c->bucket_name == NULL && c->key != NULL) {
		/* A key without a bucket: only the /-/ endpoints live here. */
		c->level = LEVEL_SERVICE;
		return ERR_OK;
	}
	c->level = c->key ? LEVEL_OBJECT : c->bucket_name ? LEVEL_BUCKET :
	    LEVEL_SERVICE;
	return ERR_OK;
}

/* A route's query term is "key" or "key=value": the key's length. */
static size_t
term_key_len(const char *term)
{
	const char *eq = strchr(term, '=');

	return eq ? (size_t)(eq - term) : strlen(term);
}

static bool
term_holds(const struct call *c, const char *term)
{
	size_t kl = term_key_len(term);
	const char *eq = term[kl] == '=' ? term + kl : NULL;

	for (size_t i = 0; i < c->nquery; i++) {
		const char *k = c->query[i].name;

		if (strncmp(k, term, kl) != 0 || k[kl] != '\0')
			continue;
		/* Repeated keys: the first occurrence decides, as in auth. */
		return eq == NULL || strcmp(c->query[i].value, eq + 1) == 0;
	}
	return false;
}

static bool
term_names(const struct route *rt, const char *k)
{
	for (size_t t = 0; t < ROUTE_QUERY_MAX && rt->query[t] != NULL; t++) {
		size_t kl = term_key_len(rt->query[t]);

		if (strncmp(rt->query[t], k, kl) == 0 && k[kl] == '\0')
			return true;
	}
	return false;
}

bool
router_route_matches(const struct call *c, const struct route *rt)
{
	if (strcmp(rt->method, c->req->method) != 0 &&
	    !(strcmp(rt->method, "GET") == 0 && c->head &&
	    !(rt->flags & R_INTERNAL)))
		return false;
	if (rt->level != c->level)
		return false;
	for (size_t t = 0; t < ROUTE_QUERY_MAX && rt->query[t] != NULL; t++)
		if (!term_holds(c, rt->query[t]))
			return false;
	if (rt->header != NULL && call_header(c, rt->header) == NULL)
		return false;
	for (size_t i = 0; i < c->nquery; i++) {
		const char *k = c->query[i].name;

		/* A sub-resource no route of ours names must not fall through
		 * to a plainer operation (subres.c). */
		if ((auth_subres(k) & SR_OPERATION) && !term_names(rt, k))
			return false;
	}
	return true;
}

static bool
route_matches_but_method(const struct call *c, const struct route *rt)
{
	struct call tmp = *c;
	struct http_request req = *c->req;

	req.method = rt->method;
	tmp.req = &req;
	tmp.head = false;
	return router_route_matches(&tmp, rt);
}

enum err
router_match(struct call *c)
{
	/* /-/health and /-/metrics on the service host; HEAD as GET (a
	 * probe that wants the status only). */
	if (c->bucket_name == NULL && c->key != NULL) {
		for (unsigned i = 0; i < api_nroutes; i++) {
			const struct route *rt = &api_routes[i];
			if ((rt->flags & R_INTERNAL) &&
			    strcmp(rt->path, c->key) == 0 &&
			    (strcmp(rt->method, c->req->method) == 0 ||
			    (c->head && strcmp(rt->method, "GET") == 0))) {
				c->route = rt;
				c->route_index = i;
				return ERR_OK;
			}
		}
		return ERR_INVALID_URI;
	}
	for (unsigned i = 0; i < api_nroutes; i++) {
		const struct route *rt = &api_routes[i];

		if (rt->flags & R_INTERNAL)
			continue;
		/* Routes with a required header come before their plain twin
		 * in the table (CopyObject before PutObject). */
		if (router_route_matches(c, rt)) {
			c->route = rt;
			c->route_index = i;
			return ERR_OK;
		}
	}
	/* 405 only when some route would take this request with another
	 * method; anything else is not implemented. Asked only now: the
	 * test copies the whole call, once per route. */
	for (unsigned i = 0; i < api_nroutes; i++) {
		const struct route *rt = &api_routes[i];

		if (!(rt->flags & R_INTERNAL) &&
		    route_matches_but_method(c, rt))
			return ERR_METHOD_NOT_ALLOWED;
	}
	return ERR_NOT_IMPLEMENTED;
}
