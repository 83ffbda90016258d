/* SPDX-License-Identifier: ISC */
/*
 * bucket_policy.c: PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy
 * and GetBucketPolicyStatus (oss-api-2.md §5.6).
 *
 * The JSON document is checked by auth/policy.c and stored as sent, since
 * GET returns it "as stored"; access.c evaluates it on every request.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "codec/xml.h"
#include "auth/policy.h"
#include "codec/xml.h"

enum err
h_put_bucket_policy(struct call *c)
{
	struct policy *p;
	char *doc;
	enum err r;

	r = policy_parse(c->a, c->body.data, c->body.len, &p);
	if (r != ERR_OK)
		return r;
	/* The public access block refuses a policy that opens the bucket. */
	if (policy_is_public(p) && conf_public_blocked(c))
		return ERR_PUBLIC_ACCESS_BLOCKED;
	doc = arena_strndup(c->a, c->body.data, c->body.len);
	if (doc == NULL)
		return ERR_NOMEM;
	r = conf_put(c, CONF_POLICY, doc);
	if (r == ERR_OK)
		call_resp_empty(c, 200);
	return r;
}

enum err
h_get_bucket_policy(struct call *c)
{
	const char *doc;
	enum err r;

	r = conf_get(c, CONF_POLICY, &doc);
	if (r == ERR_NOT_FOUND) {
		c->x.bucket = c->bucket.name;
		return ERR_NO_SUCH_BUCKET_POLICY;
	}
	if (r != ERR_OK)
		return r;
	return conf_answer(c, doc, "application/json");
}

enum err
h_delete_bucket_policy(struct call *c)
{
	enum err r = conf_delete(c, CONF_POLICY);

	if (r == ERR_OK)
		call_resp_empty(c, 204);
	return r;
}

enum err
h_get_bucket_policy_status(struct call *c)
{
	struct policy *p = NULL;
	struct xml_writer w;
	const char *doc;
	struct buf b;
	enum err r;

	r = conf_get(c, CONF_POLICY, &doc);
	if (r == ERR_OK)
		r = policy_parse(c->a, doc, strlen(doc), &p);
	else if (r == ERR_NOT_FOUND)
		r = ERR_OK;
	if (r != ERR_OK)
		return r;
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "PolicyStatus");
	xml_elem(&w, "IsPublic", policy_is_public(p) &&
	    !conf_public_blocked(c) ? "true" : "false");
	xml_close(&w, "PolicyStatus");
	return call_resp_xml(c, &w, &b);
}
