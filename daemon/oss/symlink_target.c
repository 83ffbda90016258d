/* SPDX-License-Identifier: ISC */
/*
 * symlink_target.c: what a symlink is to the handlers that meet one
 * (oss-api-2.md §5.7). A link is an object version of type "Symlink" with
 * no extents: nothing of it is ever decrypted. Its target is kept among the
 * stored headers, URL-encoded on one "x-oss-symlink-target:" line, so it
 * is under the row's MAC like the rest of its metadata; no request header
 * can put that line into another object (object_collect_headers keeps only
 * the standard headers and x-oss-meta-*).
 */
#include <string.h>

#include "oss/object_ops.h"
#include "base/log.h"
#include "base/str.h"
#include "hash/hash.h"

#define TARGET_LINE "x-oss-symlink-target"

bool
object_is_symlink(const struct object *o)
{
	return strcmp(o->type, "Symlink") == 0;
}

const char *
symlink_target_encoded(struct call *c, const struct object *link)
{
	return object_header(c->a, link->headers, TARGET_LINE);
}

enum err
symlink_target(struct call *c, const struct object *link, const char **ret)
{
	const char *enc = symlink_target_encoded(c, link);
	char *dec;
	int n;

	if (enc == NULL)
		return ERR_CORRUPT;
	dec = arena_alloc(c->a, strlen(enc) + 1);
	if (dec == NULL)
		return ERR_NOMEM;
	n = url_decode(dec, enc, strlen(enc), false);
	if (n <= 0 || !bucket_key_valid(dec, (size_t)n))
		return ERR_CORRUPT;
	*ret = dec;
	return ERR_OK;
}

enum err
symlink_make(struct call *c, struct object *o, const char *target)
{
	uint8_t md5[HASH_MD5_BYTES];
	struct buf b;
	enum err r;

	buf_init(&b, 3 * BUCKET_KEY_MAX + 1);
	r = url_encode(&b, target, strlen(target), true);
	/* A copy of a link keeps the line it has. */
	if (r == ERR_OK && o->headers != NULL &&
	    object_header(c->a, o->headers, TARGET_LINE) != NULL)
		;
	else if (r == ERR_OK) {
		o->headers = arena_printf(c->a, "%s" TARGET_LINE ":%s\n",
		    o->headers != NULL ? o->headers : "", buf_cstr(&b));
		if (o->headers == NULL)
			r = ERR_NOMEM;
	}
	buf_free(&b);
	if (r != ERR_OK)
		return r;
	str_copy(o->type, sizeof(o->type), "Symlink");
	/* A link holds no data: its ETag names what it points to. */
	hash_md5(md5, target, strlen(target));
	hex_encode_upper(o->etag, md5, HASH_MD5_BYTES);
	o->size = 0;
	o->crc64 = 0;
	o->sse_algorithm[0] = '\0';
	o->sse_key_id[0] = '\0';
	o->sse_data_enc[0] = '\0';
	return ERR_OK;
}

enum err
symlink_follow(struct call *c, struct object *o)
{
	struct object t;
	const char *key;
	enum err r;

	r = symlink_target(c, o, &key);
	if (r == ERR_CORRUPT)
		log_errx("ALERT: symlink '%s/%s' has no readable target",
		    c->bucket.name, o->key);
	if (r != ERR_OK)
		return r;
	r = object_get(c->api->db, c->a, c->bucket.id, key, &t);
	if (r == ERR_NO_SUCH_KEY) {
		c->x.key = c->key;
		return ERR_SYMLINK_TARGET_NOT_EXIST;
	}
	if (r != ERR_OK)
		return r;
	if (!t.sealed) {
		log_errx("ALERT: object '%s/%s' fails its MAC (edited outside "
		    "cofferd?); refusing to serve it", c->bucket.name, key);
		return ERR_CORRUPT;
	}
	/* One level only. */
	if (object_is_symlink(&t))
		return ERR_INVALID_TARGET_TYPE;
	/* The link's ACL was judged with the request; the target's is
	 * judged as a read of it. */
	r = access_check_read(c, key, t.acl);
	if (r != ERR_OK)
		return r;
	/* The target's data, what describes it and its state; the link's
	 * identity, type, ACL, metadata and tags. */
	o->id = t.id;
	o->size = t.size;
	str_copy(o->etag, sizeof(o->etag), t.etag);
	o->crc64 = t.crc64;
	str_copy(o->storage_class, sizeof(o->storage_class), t.storage_class);
	o->mtime_ms = t.mtime_ms;
	memcpy(o->sse_algorithm, t.sse_algorithm, sizeof(o->sse_algorithm));
	memcpy(o->sse_key_id, t.sse_key_id, sizeof(o->sse_key_id));
	memcpy(o->sse_data_enc, t.sse_data_enc, sizeof(o->sse_data_enc));
	o->restore_state = t.restore_state;
	o->restore_done_ms = t.restore_done_ms;
	o->restore_expiry_ms = t.restore_expiry_ms;
	memcpy(o->restore_tier, t.restore_tier, sizeof(o->restore_tier));
	return ERR_OK;
}
