/* SPDX-License-Identifier: ISC */
/*
 * cors.c: PutBucketCors, GetBucketCors, DeleteBucketCors and the preflight
 * OPTIONS request (spec oss-api-2.md §3). The rules themselves, and the
 * headers they put on every other response of the bucket, are
 * cors_rules.c's.
 */
#include "oss/oss_int.h"
#include "oss/object_ops.h"

enum err
h_put_cors(struct call *c)
{
	struct buf b;
	enum err r;

	r = object_check_content_md5(c, c->body.data, c->body.len);
	if (r == ERR_BAD_DIGEST)
		r = ERR_INVALID_DIGEST;
	if (r != ERR_OK)
		return r;
	buf_init(&b, 256 * 1024);
	r = cors_canonical(c, &b);
	if (r == ERR_OK)
		r = conf_put(c, CONF_CORS, buf_cstr(&b));
	buf_free(&b);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_cors(struct call *c)
{
	const char *doc;
	struct buf b;
	enum err r;

	r = cors_doc(c, &doc);
	if (r == ERR_NO_SUCH_CORS)
		c->x.bucket = c->bucket.name;
	if (r != ERR_OK)
		return r;
	buf_init(&b, 256 * 1024);
	r = buf_puts(&b, doc);
	if (r != ERR_OK) {
		buf_free(&b);
		return r;
	}
	call_resp_buf(c, 200, "application/xml", &b);
	return ERR_OK;
}

enum err
h_delete_cors(struct call *c)
{
	enum err r;

	r = conf_delete(c, CONF_CORS);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 204);
	return ERR_OK;
}

/* Browsers send a preflight unsigned, so the route is anonymous and the
 * bucket is loaded here. */
enum err
h_options(struct call *c)
{
	enum err r;

	r = call_load_bucket(c);
	if (r != ERR_OK)
		return r;
	r = cors_preflight(c);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}
