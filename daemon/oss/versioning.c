/* SPDX-License-Identifier: ISC */
/*
 * versioning.c: PutBucketVersioning and GetBucketVersioning
 * (oss-api-2.md §1.1).
 *
 * A bucket goes from never versioned to Enabled and between Enabled and
 * Suspended, never back. What a state means for each write is in
 * bucket/version_db.c; which version a change may remove, in
 * object/object_tx.c.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "codec/xml.h"
#include "db/db.h"
#include "worm/retention.h"
#include "worm/worm.h"

/* In the caller's transaction: versioning of a bucket under a retention
 * policy may not be suspended (§1.9: Suspended writes replace the null
 * version, which the policy protects), nor of one with ObjectWorm. */
static enum err
suspend_allowed(struct call *c)
{
	struct worm_policy p;
	struct worm_op op = {
		.db = c->api->db, .bucket_id = c->bucket.id,
		.bucket_name = c->bucket.name, .actor = "",
		.now_ms = call_now(c),
	};
	enum err r = worm_get(&op, &p);

	if (r == ERR_OK)
		return ERR_VERSIONING_WORM;
	if (r != ERR_NO_SUCH_WORM)
		return r;
	/* §1.10: enabling ObjectWorm made versioning irreversible too. */
	return object_worm_absent(c->api->db, c->bucket.id, c->bucket.name,
	    ERR_VERSIONING_OBJECT_WORM);
}

enum err
h_put_bucket_versioning(struct call *c)
{
	enum bucket_versioning v;
	struct xml_node *root;
	const char *status;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "VersioningConfiguration") != 0)
		return ERR_MALFORMED_XML;
	/* A missing or unknown Status is MalformedXML in live tests, though
	 * the API page says InvalidArgument (oss-api-2.md §1.1). */
	status = xml_child_text(root, "Status");
	if (status == NULL)
		return ERR_MALFORMED_XML;
	if (strcmp(status, "Enabled") == 0)
		v = BUCKET_VERSIONING_ENABLED;
	else if (strcmp(status, "Suspended") == 0)
		v = BUCKET_VERSIONING_SUSPENDED;
	else
		return ERR_MALFORMED_XML;
	r = db_tx_begin(c->api->db);
	if (r != ERR_OK)
		return r;
	if (v == BUCKET_VERSIONING_SUSPENDED)
		r = suspend_allowed(c);
	if (r == ERR_OK)
		r = bucket_set_versioning(c->api->db, c->bucket.id, v);
	if (r == ERR_OK)
		r = db_tx_commit(c->api->db);
	else
		db_tx_rollback(c->api->db);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_bucket_versioning(struct call *c)
{
	struct xml_writer w;
	struct buf b;

	buf_init(&b, 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "VersioningConfiguration");
	/* Never versioned: the root without a Status (live tests). */
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		xml_elem(&w, "Status",
		    bucket_versioning_name(c->bucket.versioning));
	xml_close(&w, "VersioningConfiguration");
	return call_resp_xml(c, &w, &b);
}
