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

/* The name of the "name:value" line at p, and its length with the '\n'. */
static size_t
line_at(const char *p, size_t *ret_namelen)
{
	const char *eol = strchr(p, '\n');
	size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
	const char *colon = memchr(p, ':', len);

	*ret_namelen = colon != NULL ? (size_t)(colon - p) : 0;
	return len;
}

static bool
has_header(struct call *c, const char *headers, const char *p, size_t nl)
{
	char *name = arena_strndup(c->a, p, nl);

	return name == NULL || object_header(c->a, headers, name) != NULL;
}

enum err
symlink_request_type(struct call *c, struct object *o)
{
	struct buf b;
	enum err r = ERR_OK;

	if (call_header(c, "content-type") != NULL || o->headers == NULL)
		return ERR_OK;
	/* object_collect_headers supplies the type PutObject defaults to;
	 * a link that was given none shows its target's. */
	buf_init(&b, 64 * 1024);
	for (const char *p = o->headers; *p != '\0' && r == ERR_OK;) {
		size_t nl, len = line_at(p, &nl);

		if (!(nl == 12 && strncmp(p, "content-type", 12) == 0))
			r = buf_append(&b, p, len);
		p += len;
	}
	if (r == ERR_OK) {
		o->headers = arena_strndup(c->a, buf_cstr(&b), b.len);
		if (o->headers == NULL)
			r = ERR_NOMEM;
	}
	buf_free(&b);
	return r;
}

/* The link's headers, then the target's standard ones the link lacks
 * (never the target's user metadata). */
static enum err
merge_headers(struct call *c, struct object *o, const char *target_headers)
{
	struct buf b;
	enum err r;

	buf_init(&b, 128 * 1024);
	r = buf_puts(&b, o->headers);
	for (const char *p = target_headers; p != NULL && *p != '\0' &&
	    r == ERR_OK;) {
		size_t nl, len = line_at(p, &nl);

		if (nl > 0 && !str_has_prefix(p, "x-oss-meta-") &&
		    !has_header(c, o->headers, p, nl))
			r = buf_append(&b, p, len);
		p += len;
	}
	if (r == ERR_OK) {
		o->headers = arena_strndup(c->a, buf_cstr(&b), b.len);
		if (o->headers == NULL)
			r = ERR_NOMEM;
	}
	buf_free(&b);
	return r;
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
	r = access_object(c, &c->bucket, "oss:GetObject", key, t.acl, false);
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
	r = merge_headers(c, o, t.headers);
	if (r != ERR_OK)
		return r;
	o->restore_state = t.restore_state;
	o->restore_done_ms = t.restore_done_ms;
	o->restore_expiry_ms = t.restore_expiry_ms;
	memcpy(o->restore_tier, t.restore_tier, sizeof(o->restore_tier));
	return ERR_OK;
}
