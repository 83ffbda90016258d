/* SPDX-License-Identifier: ISC */
/*
 * website.c: static website serving (oss-api-2.md §5.2) for anonymous
 * GET and HEAD requests to a bucket with a website configuration. Signed
 * requests, and buckets without one, never come here.
 *
 * The request is rewritten before the access check, so the object that
 * will be served is judged as a GetObject of it would be:
 *
 *   GET|HEAD /            (no query)   -> the index document (Suffix)
 *   GET|HEAD /dir/                     -> dir/<Suffix> with SupportSubDir,
 *                                         else the root <Suffix>
 *   GET|HEAD /abc, abc missing, SupportSubDir, Type
 *       0 -> 302 to /abc/ when abc/<Suffix> exists
 *       1 -> as missing
 *       2 -> abc/<Suffix>
 *
 * An object still missing when the handler loads it is answered with the
 * ErrorDocument and its HttpStatus (404 unless 200 is configured), when
 * there is one the requester may read (object.c); otherwise with the
 * usual NoSuchKey. RoutingRules are stored but not applied.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "codec/xml.h"
#include "base/str.h"

static bool
switch_route(struct call *c, const char *op)
{
	for (unsigned i = 0; i < api_nroutes; i++)
		if (strcmp(api_routes[i].op, op) == 0) {
			c->route = &api_routes[i];
			c->route_index = i;
			return true;
		}
	return false;
}

static bool
exists(struct call *c, const char *key)
{
	struct object o;

	return bucket_key_valid(key, strlen(key)) &&
	    object_get(c->api->db, c->a, c->bucket.id, key, &o) == ERR_OK;
}

enum err
website_reroute(struct call *c)
{
	const char *op = c->route->op, *suffix = NULL, *t, *key = NULL;
	const struct xml_node *idx, *errd;
	struct xml_node *root;
	bool root_level, subdir = false;
	enum err r;

	if (!c->anonymous || !c->have_bucket)
		return ERR_OK;
	if (strcmp(op, "ListObjects") == 0 || strcmp(op, "HeadBucket") == 0)
		root_level = true;
	else if (strcmp(op, "GetObject") == 0 || strcmp(op, "HeadObject") == 0)
		root_level = false;
	else
		return ERR_OK;
	/* A listing with parameters stays a listing; a version is asked
	 * for by id, not browsed. */
	if ((root_level && c->nquery != 0) ||
	    call_query(c, "versionId") != NULL)
		return ERR_OK;
	r = conf_get_xml(c, CONF_WEBSITE, &root);
	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r != ERR_OK)
		return r;
	idx = xml_child(root, "IndexDocument");
	errd = xml_child(root, "ErrorDocument");
	if (idx != NULL) {
		suffix = xml_child_text(idx, "Suffix");
		t = xml_child_text(idx, "SupportSubDir");
		subdir = t != NULL && strcmp(t, "true") == 0;
	}
	if (errd != NULL && (t = xml_child_text(errd, "Key")) != NULL) {
		c->web_error_key = t;
		t = xml_child_text(errd, "HttpStatus");
		c->web_error_status = t != NULL && strcmp(t, "200") == 0 ?
		    200 : 404;
	}
	if (suffix == NULL || *suffix == '\0')
		return ERR_OK;
	if (root_level)
		key = suffix;
	else if (str_has_suffix(c->key, "/"))
		key = subdir ? arena_printf(c->a, "%s%s", c->key, suffix) :
		    suffix;
	else if (subdir && !exists(c, c->key)) {
		const char *sub = arena_printf(c->a, "%s/%s", c->key, suffix);

		t = xml_child_text(idx, "Type");
		if (sub == NULL)
			return ERR_NOMEM;
		if (t == NULL || strcmp(t, "0") == 0) {
			if (exists(c, sub))
				c->web_redirect = arena_printf(c->a, "/%s/",
				    c->key);
		} else if (strcmp(t, "2") == 0)
			key = sub;
	}
	if (key == NULL)
		return ERR_OK;
	if (!bucket_key_valid(key, strlen(key)))
		return ERR_OK;	/* the usual answer for the key asked */
	if (!switch_route(c, c->head ? "HeadObject" : "GetObject"))
		return ERR_INTERNAL;
	c->level = LEVEL_OBJECT;
	c->key = key;
	return ERR_OK;
}
