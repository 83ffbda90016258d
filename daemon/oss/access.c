/* SPDX-License-Identifier: ISC */
/*
 * access.c: whether the requester may do what the route does
 * (oss-api-2.md §6 evaluation order, §5.1 referer, §5.5 payer, §5.6 policy).
 *
 *   bucket policy Deny                     -> 403, even for the owner when
 *                                             the statement takes him in
 *   owner, or bucket policy Allow          -> allowed
 *   else the object's own ACL, else the bucket's
 *   then, on an allowed request: referer (anonymous and presigned only),
 *   then request payment (everybody but the owner)
 *
 * access_object and access_keys_denied ask the same of one object inside a
 * request the pipeline let in: CopyObject's source, PostObject's key (the
 * form is signed by its policy, so the pipeline cannot), each key of
 * DeleteMultipleObjects.
 *
 * The documents are read inside the request, never cached, so a change is
 * seen by the next request. The public access block makes public ACLs and
 * "*" policy grants count for nothing.
 */
#include <string.h>
#include <strings.h>

#include "oss/oss_int.h"
#include "codec/xml.h"
#include "auth/policy.h"
#include "base/str.h"

/* Operations whose policy action is not "oss:" + their own name. */
static const struct {
	const char	*op;
	const char	*action;
} actions[] = {
	{ "HeadObject", "oss:GetObject" },
	{ "GetObjectMeta", "oss:GetObject" },
	{ "GetSymlink", "oss:GetObject" },
	{ "AppendObject", "oss:PutObject" },
	{ "InitiateMultipartUpload", "oss:PutObject" },
	{ "UploadPart", "oss:PutObject" },
	{ "UploadPartCopy", "oss:PutObject" },
	{ "CompleteMultipartUpload", "oss:PutObject" },
	{ "PutSymlink", "oss:PutObject" },
	{ "CopyObject", "oss:PutObject" },
	{ "DeleteMultipleObjects", "oss:DeleteObject" },
	{ "HeadBucket", "oss:GetBucketInfo" },
	{ "PutBucketTags", "oss:PutBucketTagging" },
	{ "GetBucketTags", "oss:GetBucketTagging" },
	{ "DeleteBucketTags", "oss:DeleteBucketTagging" },
};

static const char *
action_of(struct call *c)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].op, c->route->op) == 0)
			return actions[i].action;
	return arena_printf(c->a, "oss:%s", c->route->op);
}

/* A stored configuration of bucket b, which need not be the request's
 * (CopyObject's source). */
static enum err
bucket_conf_xml(struct call *c, const struct bucket *b, const char *kind,
    struct xml_node **ret)
{
	const char *doc;
	enum err r;

	r = conf_get_of(c, b, kind, &doc);
	if (r != ERR_OK)
		return r;
	r = xml_parse(c->a, doc, strlen(doc), NULL, ret);
	return r == ERR_MALFORMED_XML ? ERR_CORRUPT : r;
}

static bool
public_blocked(struct call *c, const struct bucket *b)
{
	struct xml_node *root;
	const char *on;

	if (bucket_conf_xml(c, b, CONF_PAB, &root) != ERR_OK)
		return false;
	on = xml_child_text(root, "BlockPublicAccess");
	return on != NULL && strcmp(on, "true") == 0;
}

bool
conf_public_blocked(struct call *c)
{
	return public_blocked(c, &c->bucket);
}

/* Bucket b's stored policy, parsed; *ret NULL when it has none. */
static enum err
policy_load(struct call *c, const struct bucket *b, struct policy **ret)
{
	const char *doc;
	enum err r;

	*ret = NULL;
	r = conf_get_of(c, b, CONF_POLICY, &doc);
	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r == ERR_OK)
		r = policy_parse(c->a, doc, strlen(doc), ret);
	/* A stored policy was accepted once: failing now is damage. */
	if (r != ERR_OK)
		return r == ERR_NOMEM || r == ERR_IO ? r : ERR_CORRUPT;
	return ERR_OK;
}

/* Policy p of bucket b on action over key (NULL: the bucket itself). */
static enum policy_verdict
policy_judge(struct call *c, const struct policy *p, const struct bucket *b,
    const char *action, const char *key, bool owner, bool blocked,
    enum err *ret)
{
	struct policy_request rq;
	char now[TIME_ISO_BYTES];

	*ret = ERR_OK;
	if (p == NULL)
		return POLICY_NONE;
	time_fmt_iso_s(now, call_now(c));
	memset(&rq, 0, sizeof(rq));
	rq.action = action;
	rq.principal = c->anonymous ? NULL : c->account.account_id;
	rq.owner = owner;
	rq.resource = key != NULL ?
	    arena_printf(c->a, "acs:oss:%s:%s:%s/%s", b->region,
	    b->owner_account_id, b->name, key) :
	    arena_printf(c->a, "acs:oss:%s:%s:%s", b->region,
	    b->owner_account_id, b->name);
	rq.source_ip = c->req->peer;
	rq.secure = c->oss->tls;
	rq.user_agent = call_header(c, "user-agent");
	rq.referer = call_header(c, "referer");
	rq.access_id = c->anonymous ? NULL : c->claimed_ak;
	rq.current_time = now;
	rq.prefix = call_query(c, "prefix");
	rq.delimiter = call_query(c, "delimiter");
	rq.sse = call_header(c, "x-oss-server-side-encryption");
	if (rq.action == NULL || rq.resource == NULL) {
		*ret = ERR_NOMEM;
		return POLICY_NONE;
	}
	return policy_eval(p, &rq, blocked);
}

static enum policy_verdict
policy_verdict(struct call *c, const struct bucket *b, const char *action,
    const char *key, bool owner, bool blocked, enum err *ret)
{
	struct policy *p;

	*ret = policy_load(c, b, &p);
	if (*ret != ERR_OK)
		return POLICY_NONE;
	return policy_judge(c, p, b, action, key, owner, blocked, ret);
}

static enum err
acl_verdict(const struct bucket *b, const char *object_acl, bool write)
{
	switch (bucket_acl_decide(b->acl, object_acl, write)) {
	case ACL_ALLOW:
		return ERR_OK;
	case ACL_DENY_OBJECT:
		return write ? ERR_OBJECT_WRITE_DENIED : ERR_OBJECT_READ_DENIED;
	case ACL_DENY_BUCKET:
	default:
		return ERR_ACCESS_DENIED;
	}
}

/* The ACL decides for everybody the policy did not: the object's own ACL
 * when it has one, else the bucket's (bucket_acl_decide). */
static enum err
acl_check(struct call *c, bool blocked)
{
	unsigned f = c->route->flags;
	bool write = (f & R_WRITE) != 0;
	const char *object_acl = NULL;
	struct object o;
	enum err r;

	if ((f & R_OWNER) || !(f & (R_READ | R_WRITE)))
		return ERR_ACCESS_DENIED;
	if (blocked)
		return ERR_ACCESS_DENIED;
	if (c->level == LEVEL_OBJECT) {
		/* Each version has its own ACL (oss-api-2.md §1.3). */
		const char *vid = (f & R_VERSION_ID) ?
		    call_query(c, "versionId") : NULL;

		if (vid != NULL)
			r = object_get_version(c->api->db, c->a, c->bucket.id,
			    c->key, vid, &o);
		else
			r = object_get(c->api->db, c->a, c->bucket.id, c->key,
			    &o);
		if (r == ERR_OK && !o.delete_marker)
			object_acl = o.acl;
		else if (r != ERR_OK && r != ERR_NO_SUCH_KEY &&
		    r != ERR_NO_SUCH_VERSION)
			return r;
	}
	return acl_verdict(&c->bucket, object_acl, write);
}

static bool
any_match(const struct xml_node *list, const char *ref)
{
	for (const struct xml_node *n = list != NULL ? list->child : NULL;
	    n != NULL; n = n->next)
		if (policy_glob(n->text, ref, true))
			return true;
	return false;
}

/* §5.1: only anonymous and presigned requests; a signed header is never
 * checked. */
static enum err
referer_check(struct call *c)
{
	const struct xml_node *white, *black;
	struct xml_node *root;
	const char *ref, *t;
	char *r;
	enum err e;

	if (!c->anonymous && !c->presigned)
		return ERR_OK;
	e = conf_get_xml(c, CONF_REFERER, &root);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	white = xml_child(root, "RefererList");
	black = xml_child(root, "RefererBlacklist");
	ref = call_header(c, "referer");
	if (ref == NULL || *ref == '\0') {
		t = xml_child_text(root, "AllowEmptyReferer");
		if (white == NULL || white->child == NULL ||
		    (t != NULL && strcmp(t, "true") == 0))
			return ERR_OK;
		return ERR_REFERER_DENIED;
	}
	r = arena_strdup(c->a, ref);
	if (r == NULL)
		return ERR_NOMEM;
	t = xml_child_text(root, "AllowTruncateQueryString");
	if (t == NULL || strcmp(t, "true") == 0)
		r[strcspn(r, "?")] = '\0';
	t = xml_child_text(root, "TruncatePath");
	if (t != NULL && strcmp(t, "true") == 0) {
		char *host = strstr(r, "://");

		host = host != NULL ? host + 3 : r;
		host[strcspn(host, "/?")] = '\0';
	}
	if (any_match(black, r))
		return ERR_REFERER_DENIED;
	if (white == NULL || white->child == NULL || any_match(white, r))
		return ERR_OK;
	return ERR_REFERER_DENIED;
}

/* §5.5: a Requester-pays bucket serves others only when they say they
 * pay; nobody can charge an anonymous requester. */
static enum err
payer_check(struct call *c)
{
	struct xml_node *root;
	const char *payer, *h;
	enum err r;

	r = conf_get_xml(c, CONF_PAYMENT, &root);
	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r != ERR_OK)
		return r;
	payer = xml_child_text(root, "Payer");
	if (payer == NULL || strcmp(payer, "Requester") != 0)
		return ERR_OK;
	if (c->anonymous)
		return ERR_ANONYMOUS_DENIED;
	h = call_header(c, "x-oss-request-payer");
	if (h == NULL || strcasecmp(h, "requester") != 0)
		return ERR_REQUEST_PAYER_DENIED;
	return call_resp_header(c, "x-oss-request-charged", "requester");
}

enum err
access_check(struct call *c)
{
	unsigned f = c->route->flags;
	enum policy_verdict v;
	bool owner, blocked;
	enum err r;

	if (f & (R_ANONYMOUS | R_FORM))
		return ERR_OK;	/* R_FORM: postobject.c decides */
	if (!(f & R_BUCKET)) {
		/* Service level and PutBucket: an identity is required. */
		return c->anonymous ? ERR_ANONYMOUS_DENIED : ERR_OK;
	}
	owner = !c->anonymous && c->bucket.owner == c->account.id;
	blocked = !owner && conf_public_blocked(c);
	v = policy_verdict(c, &c->bucket, action_of(c),
	    c->level == LEVEL_OBJECT ? c->key : NULL, owner, blocked, &r);
	if (r != ERR_OK)
		return r;
	if (v == POLICY_DENY)
		return ERR_POLICY_DENIED;
	if (!owner && v != POLICY_ALLOW) {
		r = acl_check(c, blocked);
		if (r != ERR_OK)
			return r;
	}
	r = referer_check(c);
	if (r == ERR_OK && !owner)
		r = payer_check(c);
	return r;
}

enum err
access_object(struct call *c, const struct bucket *b, const char *action,
    const char *key, const char *object_acl, bool write)
{
	enum policy_verdict v;
	bool owner, blocked;
	enum err r;

	owner = !c->anonymous && b->owner == c->account.id;
	blocked = !owner && public_blocked(c, b);
	v = policy_verdict(c, b, action, key, owner, blocked, &r);
	if (r != ERR_OK)
		return r;
	if (v == POLICY_DENY)
		return ERR_POLICY_DENIED;
	if (owner || v == POLICY_ALLOW)
		return ERR_OK;
	if (blocked)
		return ERR_ACCESS_DENIED;
	return acl_verdict(b, object_acl, write);
}

enum err
access_keys_denied(struct call *c, const char *action,
    const char *const *keys, size_t n, enum err *refused)
{
	struct policy *p;
	bool owner, blocked;
	enum err r;

	owner = !c->anonymous && c->bucket.owner == c->account.id;
	blocked = !owner && conf_public_blocked(c);
	r = policy_load(c, &c->bucket, &p);
	for (size_t i = 0; i < n && r == ERR_OK; i++)
		refused[i] = policy_judge(c, p, &c->bucket, action, keys[i],
		    owner, blocked, &r) == POLICY_DENY ? ERR_POLICY_DENIED :
		    ERR_OK;
	return r;
}
