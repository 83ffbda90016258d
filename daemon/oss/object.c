/* SPDX-License-Identifier: ISC */
/*
 * object.c: PutObject, GetObject, HeadObject, GetObjectMeta,
 * DeleteObject and object ACLs (spec oss-api.md §3.2).
 *
 * Write path (DESIGN §4, object_put_* in object_ops.c, shared with
 * PostObject): the body streams into an encrypted temp file (upload.c)
 * that is fsync'd and renamed before one BEGIN IMMEDIATE transaction
 * re-checks the preconditions and writes the rows; the reply goes out only
 * after COMMIT. A refused or failed commit removes the blob.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oss/object_ops.h"
#include "object/object_reader.h"
#include "object/upload.h"
#include "base/log.h"
#include "base/str.h"
#include "codec/xml.h"
#include "db/db.h"
#include "store/store.h"

enum err
h_put_object_begin(struct call *c)
{
	struct object_put *op;
	enum err r;

	op = arena_zalloc(c->a, sizeof(*op));
	if (op == NULL)
		return ERR_NOMEM;
	c->op = op;
	r = object_put_begin(c, op);
	if (r != ERR_OK)
		return r;
	return object_parse_integrity(c, c->upload);
}

enum err
h_put_object(struct call *c)
{
	struct object_put *op = c->op;
	char md5b64[32];
	enum err r;

	r = object_put_commit(c, op);
	if (r != ERR_OK)
		return r;
	b64_encode(md5b64, sizeof(md5b64), op->md5, HASH_MD5_BYTES);
	(void)call_resp_header(c, "Content-MD5", md5b64);
	call_resp_empty(c, 200);
	return ERR_OK;
}

/* Parses a single "bytes=a-b" range. False when absent or not
 * satisfiable (OSS then serves the whole object, spec §3.2). */
static bool
parse_range(const char *h, uint64_t size, uint64_t *ret_start,
    uint64_t *ret_len, bool *ret_unsatisfiable)
{
	const char *dash;
	uint64_t a, b;

	*ret_unsatisfiable = false;
	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return false;
	h += 6;
	dash = strchr(h, '-');
	if (dash == NULL)
		return false;
	if (dash == h) {
		/* Suffix: the last b bytes. */
		if (!str_to_u64(dash + 1, UINT64_MAX, &b) || b == 0) {
			*ret_unsatisfiable = true;
			return false;
		}
		if (b > size)
			b = size;
		if (size == 0) {
			*ret_unsatisfiable = true;
			return false;
		}
		*ret_start = size - b;
		*ret_len = b;
		return true;
	}
	if (!str_to_u64n(h, (size_t)(dash - h), UINT64_MAX, &a))
		return false;
	if (dash[1] == '\0')
		b = size ? size - 1 : 0;
	else if (!str_to_u64(dash + 1, UINT64_MAX, &b) || b < a)
		return false;
	if (a >= size) {
		*ret_unsatisfiable = true;
		return false;
	}
	if (b >= size)
		b = size - 1;
	*ret_start = a;
	*ret_len = b - a + 1;
	return true;
}

static enum err serve_object(struct call *c, bool head, int status);

/* A website's ErrorDocument for the object that is missing: served with
 * the configured status when it exists and the requester may read it,
 * else the NoSuchKey the request has earned. */
static enum err
serve_error_document(struct call *c, bool head)
{
	const char *key = c->web_error_key;
	struct object e;
	enum err r;

	c->web_error_key = NULL;
	if (!bucket_key_valid(key, strlen(key)))
		return ERR_NO_SUCH_KEY;
	r = object_get(c->api->db, c->a, c->bucket.id, key, &e);
	if (r == ERR_OK)
		r = access_object(c, &c->bucket, "oss:GetObject", key,
		    e.acl, false);
	if (r != ERR_OK)
		return r == ERR_NOMEM || r == ERR_IO ? r : ERR_NO_SUCH_KEY;
	memset(&c->x, 0, sizeof(c->x));
	c->key = key;
	return serve_object(c, head, c->web_error_status);
}

/* status: 0 for the usual 200/206, else that one (an error document). */
static enum err
serve_object(struct call *c, bool head, int status)
{
	const char *behavior = call_header(c, "x-oss-range-behavior");
	struct object o;
	struct extent *ext = NULL;
	size_t next = 0;
	struct object_reader *rd = NULL;
	uint64_t start = 0, len;
	bool ranged, unsat = false;
	enum err r;

	if (c->web_redirect != NULL) {
		(void)call_resp_header(c, "Location", c->web_redirect);
		call_resp_empty(c, 302);
		return ERR_OK;
	}
	r = object_load_any(c, &o);
	if (r == ERR_NO_SUCH_KEY && c->web_error_key != NULL)
		return serve_error_document(c, head);
	if (r == ERR_OK && o.delete_marker) {
		/* A marker named by its id: only DELETE applies to it. */
		c->x.marker_version_id = arena_strndup(c->a, o.version_id,
		    strlen(o.version_id));
		c->x.allow = "DELETE";
		c->x.method = head ? "HEAD" : "GET";
		c->x.resource_type = "DeleteMarker";
		return ERR_METHOD_NOT_ALLOWED;
	}
	/* A link answers with its target's data (one level). */
	if (r == ERR_OK && object_is_symlink(&o))
		r = symlink_follow(c, &o);
	if (r != ERR_OK)
		return r;
	r = object_check_conditions(c, &o, "");
	if (r == ERR_NOT_MODIFIED) {
		/* 304 still tells the client which version it has. */
		object_emit_headers(c, &o, true);
		return r;
	}
	if (r != ERR_OK)
		return r;
	if (!head && !object_readable(c, &o))
		return ERR_INVALID_OBJECT_STATE;
	len = o.size;
	ranged = status == 0 && parse_range(call_header(c, "range"), o.size,
	    &start, &len, &unsat);
	if (unsat && behavior != NULL && strcmp(behavior, "standard") == 0)
		return ERR_INVALID_RANGE;
	if (!ranged) {
		start = 0;
		len = o.size;
	}
	/* HEAD of an SSE-KMS object needs the CMK too (OSS answers the key
	 * state conflicts there), so it opens the key without reading. */
	if (!head || strcmp(o.sse_algorithm, "KMS") == 0) {
		r = object_extents(c->api->db, c->a, o.id, &ext, &next);
		if (r == ERR_OK && !object_extents_whole(&o, ext, next)) {
			log_errx("ALERT: object '%s/%s': its extents do not add "
			    "up to its size (a row deleted outside cofferd?)",
			    c->bucket.name, c->key);
			r = ERR_CORRUPT;
		}
		if (r != ERR_OK)
			return r;
		r = object_reader_open(c->api, c->bucket.owner, ext, next, start,
		    len, &rd);
		if (r != ERR_OK)
			return r;
		/* Key-state and integrity errors must come before the 200. */
		r = object_reader_prepare(rd);
		if (r != ERR_OK) {
			object_reader_free(rd);
			return r;
		}
	}
	object_emit_headers(c, &o, false);
	if (ranged)
		(void)call_resp_headerf(c, "Content-Range", "bytes %llu-%llu/%llu",
		    (unsigned long long)start,
		    (unsigned long long)(start + len - 1),
		    (unsigned long long)o.size);
	c->req->resp.status = status != 0 ? status : ranged ? 206 : 200;
	if (head) {
		object_reader_free(rd);
		c->req->resp.head_length_set = true;
		c->req->resp.head_length = len;
		return ERR_OK;
	}
	c->req->resp.stream.len = len;
	c->req->resp.stream.read = object_reader_read;
	c->req->resp.stream.free = object_reader_free;
	c->req->resp.stream.ctx = rd;
	return ERR_OK;
}

enum err
h_get_object(struct call *c)
{
	return serve_object(c, false, 0);
}

enum err
h_head_object(struct call *c)
{
	return serve_object(c, true, 0);
}

enum err
h_get_object_meta(struct call *c)
{
	struct object o;
	enum err r;

	r = object_load(c, &o);
	if (r == ERR_OK && object_is_symlink(&o))
		r = symlink_follow(c, &o);
	if (r != ERR_OK)
		return r;
	object_emit_headers(c, &o, true);
	if (object_is_symlink(&o))
		(void)call_resp_header(c, "x-oss-object-type", "Symlink");
	c->req->resp.status = 200;
	c->req->resp.head_length_set = true;
	c->req->resp.head_length = o.size;
	return ERR_OK;
}

enum err
h_delete_object(struct call *c)
{
	struct delete_outcome d;
	enum err r;

	r = object_delete_one(c, c->key, call_query(c, "versionId"), &d);
	if (r != ERR_OK)
		return r;
	if (d.marker)
		(void)call_resp_header(c, "x-oss-delete-marker", "true");
	if (d.version_id[0] != '\0')
		(void)call_resp_header(c, "x-oss-version-id", d.version_id);
	call_resp_empty(c, 204);
	return ERR_OK;
}

enum err
h_put_object_acl(struct call *c)
{
	const char *acl = call_header(c, "x-oss-object-acl");
	struct object o;
	enum err r;

	if (acl == NULL || !bucket_object_acl_valid(acl))
		return ERR_INVALID_ACL;
	r = object_load(c, &o);
	if (r != ERR_OK)
		return r;
	r = object_update_metadata(c, &o, NULL, acl, NULL);
	if (r != ERR_OK)
		return r;
	object_echo_version(c, &o);
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_object_acl(struct call *c)
{
	struct object o;
	struct xml_writer w;
	struct buf b;
	enum err r;

	r = object_load(c, &o);
	if (r != ERR_OK)
		return r;
	object_echo_version(c, &o);
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	oss_xml_acl(&w, c->bucket.owner_account_id, o.acl);
	return call_resp_xml(c, &w, &b);
}
