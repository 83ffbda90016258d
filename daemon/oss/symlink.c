/* SPDX-License-Identifier: ISC */
/*
 * symlink.c: PutSymlink and GetSymlink (oss-api-2.md §5.7). A link is
 * written like any object version (forbid-overwrite, the retention guard,
 * versioning), but holds no data, so no body is read and nothing is
 * encrypted; the target is not checked until a GET or HEAD follows it.
 */
#include <string.h>

#include "oss/object_ops.h"
#include "object/object_tx.h"
#include "base/str.h"

enum err
symlink_store(struct call *c, struct object *o, bool forbid)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct object_tx tx;
	struct object cur;
	bool exists = false;
	enum err r;

	/* FileAlreadyExists is reported before a retention refusal. */
	r = call_tx_peek(c, c->bucket.id, c->key, &cur, &exists);
	if (exists && forbid)
		return ERR_FILE_EXISTS;
	if (r != ERR_OK)
		return r;
	r = call_tx_begin(c, c->bucket.id, c->key, &tx);
	if (r != ERR_OK)
		return r;
	if (tx.exists && forbid)
		r = ERR_FILE_EXISTS;
	if (r == ERR_OK)
		r = object_replace(c->api->db, c->a, o, c->bucket.versioning,
		    NULL, 0, &dead, &ndead);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	object_tx_end(&tx);
	if (r == ERR_OK)
		object_unlink_dead(c, dead, ndead);
	return r;
}

enum err
h_put_symlink(struct call *c)
{
	const char *h = call_header(c, "x-oss-symlink-target");
	struct object o;
	bool forbid;
	char *target = NULL;
	int n = 0;
	enum err r;

	/* The PutSymlink page: an Archive bucket takes no links. */
	if (bucket_storage_class_frozen(c->bucket.storage_class))
		return ERR_OPERATION_NOT_SUPPORTED;
	if (h != NULL) {
		target = arena_alloc(c->a, strlen(h) + 1);
		if (target == NULL)
			return ERR_NOMEM;
		/* The header is URL-encoded, as a key in a path is. */
		n = url_decode(target, h, strlen(h), false);
	}
	if (h == NULL || n <= 0 || !bucket_key_valid(target, (size_t)n)) {
		c->x.arg_name = "x-oss-symlink-target";
		c->x.arg_value = h;
		return ERR_INVALID_ARGUMENT;
	}
	r = object_parse_forbid_overwrite(c, &forbid);
	if (r != ERR_OK)
		return r;
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		forbid = false;	/* oss-api-2.md §1.8, as for PutObject */
	memset(&o, 0, sizeof(o));
	r = object_prepare_meta(c, &o);
	if (r == ERR_OK)
		r = symlink_request_type(c, &o);
	if (r == ERR_OK)
		r = symlink_make(c, &o, target);
	if (r != ERR_OK)
		return r;
	o.mtime_ms = call_now(c);

	r = symlink_store(c, &o, forbid);
	if (r != ERR_OK)
		return r;
	(void)call_resp_headerf(c, "ETag", "\"%s\"", o.etag);
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		(void)call_resp_header(c, "x-oss-version-id", o.version_id);
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_symlink(struct call *c)
{
	char t[TIME_RFC1123_BYTES];
	const char *target, *p;
	struct object o;
	enum err r;

	r = object_load(c, &o);
	if (r != ERR_OK)
		return r;
	if (!object_is_symlink(&o))
		return ERR_NOT_SYMLINK;
	target = symlink_target_encoded(c, &o);
	if (target == NULL)
		return ERR_CORRUPT;
	time_fmt_rfc1123(t, o.mtime_ms);
	(void)call_resp_header(c, "x-oss-symlink-target", target);
	(void)call_resp_headerf(c, "ETag", "\"%s\"", o.etag);
	(void)call_resp_header(c, "Last-Modified", t);
	object_echo_version(c, &o);
	/* The link's own user metadata. */
	for (p = o.headers; p != NULL && *p != '\0';) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *colon = memchr(p, ':', len);

		if (colon != NULL && str_has_prefix(p, "x-oss-meta-")) {
			char *name = arena_strndup(c->a, p, (size_t)(colon - p));
			char *val = arena_strndup(c->a, colon + 1,
			    len - (size_t)(colon - p) - 1);

			if (name != NULL && val != NULL)
				(void)call_resp_header(c, name, val);
		}
		p = eol ? eol + 1 : NULL;
	}
	call_resp_empty(c, 200);
	return ERR_OK;
}
