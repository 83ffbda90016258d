/* SPDX-License-Identifier: ISC */
/*
 * lifecycle.c: PutBucketLifecycle, GetBucketLifecycle and
 * DeleteBucketLifecycle (spec oss-api-2.md §2.1-2.3).
 *
 * The document is parsed and checked by lifecycle/ and stored in its
 * canonical form (generated IDs filled in), so Get returns what the rules
 * really are. The daily runner is daemon/jobs/lifecycle_job.c.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "oss/object_ops.h"
#include "base/buf.h"
#include "lifecycle/lifecycle.h"

enum err
h_put_lifecycle(struct call *c)
{
	struct lifecycle_config cfg;
	struct xml_node *root;
	const char *h;
	struct buf b;
	bool overlap;
	enum err r;

	/* oss-api-2.md §2.3: a Content-MD5 that does not match the body is
	 * InvalidDigest here, where object uploads say BadDigest. */
	r = object_check_content_md5(c, c->body.data, c->body.len);
	if (r == ERR_BAD_DIGEST)
		r = ERR_INVALID_DIGEST;
	if (r == ERR_OK)
		r = call_parse_xml(c, &root);
	if (r == ERR_OK)
		r = lifecycle_parse(c->a, root, &cfg);
	if (r != ERR_OK)
		return r;
	h = call_header(c, "x-oss-allow-same-action-overlap");
	overlap = h != NULL && strcmp(h, "true") == 0;
	r = lifecycle_check(&cfg, overlap, c->bucket.storage_class);
	if (r != ERR_OK)
		return r;
	buf_init(&b, 16u << 20);
	r = lifecycle_write(&b, &cfg);
	if (r == ERR_OK)
		r = lifecycle_put(c->api->db, c->bucket.id, buf_cstr(&b),
		    call_now(c), c->account.account_id, c->bucket.name);
	buf_free(&b);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_lifecycle(struct call *c)
{
	const char *doc;
	struct buf b;
	enum err r;

	r = lifecycle_get(c->api->db, c->a, c->bucket.id, &doc);
	if (r == ERR_NO_SUCH_LIFECYCLE)
		c->x.bucket = c->bucket.name;
	if (r != ERR_OK)
		return r;
	buf_init(&b, 16u << 20);
	r = buf_puts(&b, doc);
	if (r != ERR_OK) {
		buf_free(&b);
		return r;
	}
	call_resp_buf(c, 200, "application/xml", &b);
	return ERR_OK;
}

enum err
h_delete_lifecycle(struct call *c)
{
	enum err r;

	/* 204 whether or not there was one (PY1: twice is fine). */
	r = lifecycle_delete(c->api->db, c->bucket.id, call_now(c),
	    c->account.account_id, c->bucket.name);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 204);
	return ERR_OK;
}
