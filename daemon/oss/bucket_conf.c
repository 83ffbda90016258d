/* SPDX-License-Identifier: ISC */
/*
 * bucket_conf.c: the bucket configurations kept as XML documents
 * (oss-api-2.md §5.1-5.5): tags, referer, request payment, website,
 * logging, and the public access block.
 *
 * Each Put checks the document, then stores its canonical form (conf_io.c)
 * in one audited transaction; Get answers it, or the documented default or
 * 404 when there is none. The rules these documents carry are applied in
 * access.c (referer, payer, public access block) and website.c.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "codec/xml.h"
#include "oss/object_ops.h"
#include "base/str.h"

#define BUCKET_TAGS_MAX		20
#define BUCKET_TAG_KEY_MAX	64
#define BUCKET_TAG_VALUE_MAX	128

/* Content-MD5 (InvalidDigest, as for every bucket configuration), then the
 * body, whose root must be named root. */
static enum err
body(struct call *c, const char *root, struct xml_node **ret)
{
	enum err r;

	r = object_check_content_md5(c, c->body.data, c->body.len);
	if (r == ERR_BAD_DIGEST)
		r = ERR_INVALID_DIGEST;
	if (r == ERR_OK)
		r = call_parse_xml(c, ret);
	if (r == ERR_OK && strcmp((*ret)->name, root) != 0)
		r = ERR_MALFORMED_XML;
	return r;
}

static bool
is_bool(const char *s)
{
	return s != NULL && (strcmp(s, "true") == 0 ||
	    strcmp(s, "false") == 0);
}

static enum err
answer_or(struct call *c, const char *kind, const char *dflt, enum err none)
{
	const char *doc;
	enum err r;

	r = conf_get(c, kind, &doc);
	if (r == ERR_NOT_FOUND) {
		if (dflt == NULL)
			return none;
		doc = dflt;
	} else if (r != ERR_OK)
		return r;
	return conf_answer(c, doc, "application/xml");
}

static enum err
deleted(struct call *c, const char *kind)
{
	enum err r = conf_delete(c, kind);

	if (r == ERR_OK)
		call_resp_empty(c, 204);
	return r;
}

static enum err
stored(struct call *c, const char *kind, const struct xml_node *root)
{
	enum err r = conf_put_xml(c, kind, root);

	if (r == ERR_OK)
		call_resp_empty(c, 200);
	return r;
}

/* ---- tags (§5.4) ---- */

static enum err
tag_check(const struct xml_node *set)
{
	const struct xml_node *t, *u;

	if (xml_count(set, "Tag") > BUCKET_TAGS_MAX)
		return ERR_TOO_MANY_BUCKET_TAGS;
	for (t = xml_child(set, "Tag"); t != NULL; t = xml_next_same(t)) {
		const char *k = xml_child_text(t, "Key");
		const char *v = xml_child_text(t, "Value");
		size_t kl = k != NULL ? strlen(k) : 0;

		if (kl == 0 || kl > BUCKET_TAG_KEY_MAX ||
		    !str_utf8_valid(k, kl))
			return ERR_BUCKET_TAG_FORMAT;
		if (strncmp(k, "http://", 7) == 0 ||
		    strncmp(k, "https://", 8) == 0 ||
		    strncmp(k, "Aliyun", 6) == 0)
			return ERR_BUCKET_TAG_RESERVED;
		if (strncmp(k, "acs", 3) == 0)
			return ERR_BUCKET_TAG_ACS;
		if (v != NULL && (strlen(v) > BUCKET_TAG_VALUE_MAX ||
		    !str_utf8_valid(v, strlen(v))))
			return ERR_BUCKET_TAG_FORMAT;
		for (u = xml_child(set, "Tag"); u != t; u = xml_next_same(u))
			if (strcmp(xml_child_text(u, "Key"), k) == 0)
				return ERR_BUCKET_TAG_FORMAT;
	}
	return ERR_OK;
}

enum err
h_put_bucket_tags(struct call *c)
{
	const struct xml_node *set;
	struct xml_node *root;
	enum err r;

	r = body(c, "Tagging", &root);
	if (r != ERR_OK)
		return r;
	set = xml_child(root, "TagSet");
	if (set == NULL)
		return ERR_MALFORMED_XML;
	r = tag_check(set);
	if (r != ERR_OK)
		return r;
	return stored(c, CONF_TAGGING, root);
}

enum err
h_get_bucket_tags(struct call *c)
{
	return answer_or(c, CONF_TAGGING,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Tagging><TagSet></TagSet></Tagging>", ERR_OK);
}

/* Whether key is one of the comma-separated names in list. */
static bool
listed(const char *list, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = list; *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (n == kl && strncmp(p, key, n) == 0)
			return true;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return false;
}

/* DELETE /?tagging removes the set; ?tagging=k1,k2 only those keys. */
enum err
h_delete_bucket_tags(struct call *c)
{
	const char *keys = call_query(c, "tagging");
	struct xml_node *root, *set, **pp;
	enum err r;

	if (keys == NULL || *keys == '\0')
		return deleted(c, CONF_TAGGING);
	r = conf_get_xml(c, CONF_TAGGING, &root);
	if (r == ERR_NOT_FOUND) {
		call_resp_empty(c, 204);
		return ERR_OK;
	}
	if (r != ERR_OK)
		return r;
	set = root->child;
	if (set == NULL)
		return ERR_CORRUPT;
	for (pp = &set->child; *pp != NULL;) {
		const char *k = xml_child_text(*pp, "Key");

		if (k != NULL && listed(keys, k))
			*pp = (*pp)->next;
		else
			pp = &(*pp)->next;
	}
	r = conf_put_xml(c, CONF_TAGGING, root);
	if (r == ERR_OK)
		call_resp_empty(c, 204);
	return r;
}

/* ---- referer (§5.1) ---- */

static bool
referers_ok(const struct xml_node *list)
{
	for (const struct xml_node *n = list != NULL ? list->child : NULL;
	    n != NULL; n = n->next)
		if (strcmp(n->name, "Referer") != 0)
			return false;
	return true;
}

enum err
h_put_bucket_referer(struct call *c)
{
	const struct xml_node *list;
	struct xml_node *root;
	const char *t;
	enum err r;

	r = body(c, "RefererConfiguration", &root);
	if (r != ERR_OK)
		return r;
	list = xml_child(root, "RefererList");
	if (!is_bool(xml_child_text(root, "AllowEmptyReferer")) ||
	    list == NULL || !referers_ok(list) ||
	    !referers_ok(xml_child(root, "RefererBlacklist")))
		return ERR_MALFORMED_XML;
	t = xml_child_text(root, "AllowTruncateQueryString");
	if (t != NULL && !is_bool(t))
		return ERR_MALFORMED_XML;
	t = xml_child_text(root, "TruncatePath");
	if (t != NULL && !is_bool(t))
		return ERR_MALFORMED_XML;
	return stored(c, CONF_REFERER, root);
}

enum err
h_get_bucket_referer(struct call *c)
{
	return answer_or(c, CONF_REFERER,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<RefererConfiguration><AllowEmptyReferer>true</AllowEmptyReferer>"
	    "<RefererList></RefererList></RefererConfiguration>", ERR_OK);
}

/* ---- request payment (§5.5) ---- */

enum err
h_put_bucket_request_payment(struct call *c)
{
	struct xml_node *root;
	const char *payer;
	enum err r;

	r = body(c, "RequestPaymentConfiguration", &root);
	if (r != ERR_OK)
		return r;
	payer = xml_child_text(root, "Payer");
	if (payer == NULL || (strcmp(payer, "Requester") != 0 &&
	    strcmp(payer, "BucketOwner") != 0))
		return ERR_MALFORMED_XML;
	return stored(c, CONF_PAYMENT, root);
}

enum err
h_get_bucket_request_payment(struct call *c)
{
	return answer_or(c, CONF_PAYMENT,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<RequestPaymentConfiguration><Payer>BucketOwner</Payer>"
	    "</RequestPaymentConfiguration>", ERR_OK);
}

/* ---- website (§5.2) ---- */

enum err
h_put_bucket_website(struct call *c)
{
	const struct xml_node *idx, *errd, *rules;
	struct xml_node *root;
	const char *t;
	enum err r;

	r = body(c, "WebsiteConfiguration", &root);
	if (r != ERR_OK)
		return r;
	idx = xml_child(root, "IndexDocument");
	errd = xml_child(root, "ErrorDocument");
	rules = xml_child(root, "RoutingRules");
	if (idx == NULL && errd == NULL && rules == NULL)
		return ERR_MALFORMED_XML;
	if (idx != NULL) {
		t = xml_child_text(idx, "Suffix");
		if (t == NULL || *t == '\0' || strchr(t, '/') != NULL)
			return ERR_MALFORMED_XML;
		t = xml_child_text(idx, "SupportSubDir");
		if (t != NULL && !is_bool(t))
			return ERR_MALFORMED_XML;
		t = xml_child_text(idx, "Type");
		if (t != NULL && strcmp(t, "0") != 0 && strcmp(t, "1") != 0 &&
		    strcmp(t, "2") != 0)
			return ERR_MALFORMED_XML;
	}
	if (errd != NULL) {
		t = xml_child_text(errd, "Key");
		if (t == NULL || *t == '\0')
			return ERR_MALFORMED_XML;
		t = xml_child_text(errd, "HttpStatus");
		if (t != NULL && strcmp(t, "404") != 0 && strcmp(t, "200") != 0)
			return ERR_MALFORMED_XML;
	}
	if (rules != NULL && xml_count(rules, "RoutingRule") > 20)
		return ERR_MALFORMED_XML;
	return stored(c, CONF_WEBSITE, root);
}

enum err
h_get_bucket_website(struct call *c)
{
	enum err r = answer_or(c, CONF_WEBSITE, NULL, ERR_NO_SUCH_WEBSITE);

	if (r == ERR_NO_SUCH_WEBSITE)
		c->x.bucket = c->bucket.name;
	return r;
}

enum err
h_delete_bucket_website(struct call *c)
{
	return deleted(c, CONF_WEBSITE);
}

/* ---- logging (§5.3) ---- */

enum err
h_put_bucket_logging(struct call *c)
{
	const struct xml_node *on;
	struct xml_node *root;
	struct bucket target;
	const char *tb, *tp;
	enum err r;

	r = body(c, "BucketLoggingStatus", &root);
	if (r != ERR_OK)
		return r;
	on = xml_child(root, "LoggingEnabled");
	if (on == NULL) {	/* an empty status turns logging off */
		r = conf_delete(c, CONF_LOGGING);
		if (r == ERR_OK)
			call_resp_empty(c, 200);
		return r;
	}
	tb = xml_child_text(on, "TargetBucket");
	tp = xml_child_text(on, "TargetPrefix");
	if (tb == NULL || !bucket_name_valid(tb) ||
	    (tp != NULL && strlen(tp) > 32))
		return ERR_MALFORMED_XML;
	r = bucket_get(c->api->db, tb, &target);
	if (r == ERR_NO_SUCH_BUCKET)
		c->x.bucket = tb;
	if (r != ERR_OK)
		return r;
	if (target.owner != c->bucket.owner)
		return ERR_LOGGING_TARGET_OWNER;
	if (strcmp(target.region, c->bucket.region) != 0)
		return ERR_LOGGING_TARGET_REGION;
	return stored(c, CONF_LOGGING, root);
}

enum err
h_get_bucket_logging(struct call *c)
{
	return answer_or(c, CONF_LOGGING,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<BucketLoggingStatus></BucketLoggingStatus>", ERR_OK);
}

enum err
h_delete_bucket_logging(struct call *c)
{
	return deleted(c, CONF_LOGGING);
}

/* ---- public access block ---- */

enum err
h_put_bucket_pab(struct call *c)
{
	struct xml_node *root;
	enum err r;

	r = body(c, "PublicAccessBlockConfiguration", &root);
	if (r != ERR_OK)
		return r;
	if (!is_bool(xml_child_text(root, "BlockPublicAccess")))
		return ERR_MALFORMED_XML;
	return stored(c, CONF_PAB, root);
}

enum err
h_get_bucket_pab(struct call *c)
{
	return answer_or(c, CONF_PAB, NULL, ERR_NO_SUCH_PUBLIC_ACCESS_BLOCK);
}

enum err
h_delete_bucket_pab(struct call *c)
{
	return deleted(c, CONF_PAB);
}
