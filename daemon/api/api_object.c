/* SPDX-License-Identifier: ISC */
/*
 * api_object.c: PutObject, GetObject, HeadObject, GetObjectMeta,
 * DeleteObject and object ACLs (spec oss-api.md §3.2).
 *
 * Write path (DESIGN §4): the body streams into an encrypted temp file
 * (upload.c) that is fsync'd and renamed before one BEGIN IMMEDIATE
 * transaction re-checks the preconditions and writes the rows; the reply
 * goes out only after COMMIT. A refused or failed commit removes the blob.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/object_ops.h"
#include "api/object_reader.h"
#include "api/object_tx.h"
#include "api/upload.h"
#include "base/log.h"
#include "base/str.h"
#include "codec/xml.h"
#include "db/db.h"
#include "store/store.h"

/* OSS: user metadata (x-oss-meta-*) may total at most 8 KB. */
#define USER_META_MAX 8192
#define TAGS_MAX 10

/* Standard headers kept with an object and returned on GET/HEAD, stored
 * under their lower-case names. */
static const struct {
	const char *lname;
	const char *name;
} stored_headers[] = {
	{ "content-type", "Content-Type" },
	{ "cache-control", "Cache-Control" },
	{ "content-disposition", "Content-Disposition" },
	{ "content-encoding", "Content-Encoding" },
	{ "content-language", "Content-Language" },
	{ "expires", "Expires" },
};

struct put_op {
	struct object	 o;
	bool		 forbid_overwrite;
};

static bool
header_value_ok(const char *v)
{
	return strpbrk(v, "\r\n") == NULL;
}

/* Collects the headers stored with an object into "name:value\n" lines. */
enum err
object_collect_headers(struct call *c, const char **ret)
{
	struct http_request *req = c->req;
	size_t meta = 0;
	struct buf b;
	bool have_type = false;
	enum err r = ERR_OK;

	buf_init(&b, 64 * 1024);
	for (size_t i = 0; i < sizeof(stored_headers) / sizeof(stored_headers[0]); i++) {
		const char *v = call_header(c, stored_headers[i].lname);
		if (v == NULL)
			continue;
		if (!header_value_ok(v)) {
			r = ERR_INVALID_ARGUMENT;
			c->x.arg_name = stored_headers[i].name;
			goto out;
		}
		if (i == 0)
			have_type = true;
		r = buf_printf(&b, "%s:%s\n", stored_headers[i].lname, v);
		if (r != ERR_OK)
			goto out;
	}
	if (!have_type) {
		/* OSS answers application/octet-stream for objects uploaded
		 * without a type. */
		r = buf_puts(&b, "content-type:application/octet-stream\n");
		if (r != ERR_OK)
			goto out;
	}
	for (size_t i = 0; i < req->nheaders; i++) {
		const char *n = req->headers[i].name, *v = req->headers[i].value;
		size_t vl;
		const char *tv;

		if (!str_has_prefix(n, "x-oss-meta-") || n[11] == '\0')
			continue;
		vl = strlen(v);
		tv = str_trim(v, &vl);
		meta += strlen(n) - 11 + vl;
		if (meta > USER_META_MAX || !header_value_ok(v)) {
			r = ERR_INVALID_ARGUMENT;
			c->x.arg_name = n;
			goto out;
		}
		r = buf_printf(&b, "%s:%.*s\n", n, (int)vl, tv);
		if (r != ERR_OK)
			goto out;
	}
	*ret = arena_strndup(c->a, buf_cstr(&b), b.len);
	if (*ret == NULL)
		r = ERR_NOMEM;
out:
	buf_free(&b);
	return r;
}

/* x-oss-tagging: "k1=v1&k2=v2", URL-encoded; OSS limits (spec §3.9). */
enum err
object_check_tagging(struct call *c, const char *t)
{
	char keys[TAGS_MAX][129];
	size_t ntags = 0;
	const char *p = t;

	if (t[0] == '\0')
		return ERR_OK;
	while (p != NULL) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t kl = eq ? (size_t)(eq - p) : len;
		size_t vl = eq ? len - kl - 1 : 0;
		char k[3 * 128 + 1], v[3 * 256 + 1];
		int dk, dv;

		if (ntags == TAGS_MAX)
			return ERR_TOO_MANY_TAGS;
		if (kl == 0 || kl >= sizeof(k) || vl >= sizeof(v))
			return ERR_INVALID_TAG;
		dk = url_decode(k, p, kl, true);
		dv = url_decode(v, eq ? eq + 1 : "", vl, true);
		if (dk <= 0 || dk > 128 || dv < 0 || dv > 256)
			return ERR_INVALID_TAG;
		for (size_t i = 0; i < ntags; i++)
			if (strcmp(keys[i], k) == 0)
				return ERR_REPEATED_TAGS;
		memcpy(keys[ntags++], k, (size_t)dk + 1);
		p = amp ? amp + 1 : NULL;
	}
	(void)c;
	return ERR_OK;
}

enum err
object_parse_forbid_overwrite(struct call *c, bool *ret)
{
	const char *v = call_header(c, "x-oss-forbid-overwrite");

	*ret = false;
	if (v == NULL)
		return ERR_OK;
	if (strcasecmp(v, "true") == 0)
		*ret = true;
	else if (strcasecmp(v, "false") != 0)
		return ERR_INVALID_FORBID_OVERWRITE;
	return ERR_OK;
}

/* Decides the object's encryption from the SSE headers or the bucket
 * default (spec §4). *ret_cmk is the CMK id for SSE-KMS, else NULL. */
enum err
object_parse_sse(struct call *c, struct object *o, const char **ret_cmk)
{
	return api_sse_choose(c->api, &c->bucket,
	    call_header(c, "x-oss-server-side-encryption"),
	    call_header(c, "x-oss-server-side-encryption-key-id"),
	    call_header(c, "x-oss-server-side-data-encryption"), o, ret_cmk);
}

enum err
object_parse_integrity(struct call *c, struct upload *u)
{
	const char *md5 = call_header(c, "content-md5");
	const char *crc = call_header(c, "x-oss-hash-crc64ecma");
	const char *sha = call_header(c, "x-oss-content-sha256");

	if (md5 != NULL) {
		uint8_t d[HASH_MD5_BYTES + 2];
		if (b64_decode(d, sizeof(d), md5, strlen(md5)) != HASH_MD5_BYTES)
			return ERR_INVALID_DIGEST;
		upload_expect_md5(u, d);
	}
	if (crc != NULL) {
		uint64_t v;
		if (!str_to_u64(crc, UINT64_MAX, &v)) {
			c->x.arg_name = "x-oss-hash-crc64ecma";
			c->x.arg_value = crc;
			return ERR_INVALID_ARGUMENT;
		}
		upload_expect_crc64(u, v);
	}
	if (sha != NULL && strcmp(sha, "UNSIGNED-PAYLOAD") != 0) {
		uint8_t d[HASH_SHA256_BYTES];
		if (!hex_decode(d, sizeof(d), sha, strlen(sha))) {
			c->x.arg_name = "x-oss-content-sha256";
			c->x.arg_value = sha;
			return ERR_INVALID_ARGUMENT;
		}
		upload_expect_sha256(u, d);
	}
	return ERR_OK;
}

enum err
object_check_content_md5(struct call *c, const void *body, size_t n)
{
	const char *md5 = call_header(c, "content-md5");
	uint8_t want[HASH_MD5_BYTES + 2], got[HASH_MD5_BYTES];

	if (md5 == NULL)
		return ERR_OK;
	if (b64_decode(want, sizeof(want), md5, strlen(md5)) != HASH_MD5_BYTES)
		return ERR_INVALID_DIGEST;
	hash_md5(got, body, n);
	return memcmp(want, got, HASH_MD5_BYTES) == 0 ? ERR_OK : ERR_BAD_DIGEST;
}

enum err
object_prepare(struct call *c, struct object *o, const char **ret_cmk)
{
	const char *acl, *sc, *tags;
	enum err r;

	o->bucket = c->bucket.id;
	o->key = c->key;
	acl = call_header(c, "x-oss-object-acl");
	if (acl != NULL && !bucket_object_acl_valid(acl))
		return ERR_INVALID_ACL;
	str_copy(o->acl, sizeof(o->acl), acl ? acl : "default");
	sc = call_header(c, "x-oss-storage-class");
	if (sc != NULL && !bucket_storage_class_valid(sc))
		return ERR_INVALID_STORAGE_CLASS;
	str_copy(o->storage_class, sizeof(o->storage_class),
	    sc ? sc : c->bucket.storage_class);
	tags = call_header(c, "x-oss-tagging");
	if (tags != NULL) {
		r = object_check_tagging(c, tags);
		if (r != ERR_OK)
			return r;
	}
	o->tags = tags ? tags : "";
	r = object_collect_headers(c, &o->headers);
	if (r != ERR_OK)
		return r;
	return object_parse_sse(c, o, ret_cmk);
}

enum err
h_put_object_begin(struct call *c)
{
	struct put_op *op;
	const char *cmk = NULL;
	struct object cur;
	bool exists = false;
	enum err r;

	op = arena_zalloc(c->a, sizeof(*op));
	if (op == NULL)
		return ERR_NOMEM;
	c->op = op;
	str_copy(op->o.type, sizeof(op->o.type), "Normal");
	r = object_parse_forbid_overwrite(c, &op->forbid_overwrite);
	if (r != ERR_OK)
		return r;
	r = object_prepare(c, &op->o, &cmk);
	if (r != ERR_OK)
		return r;
	/* Refuse before accepting the body; checked again at commit. */
	/* FileAlreadyExists is reported before a retention refusal. */
	r = object_tx_peek(c, c->bucket.id, c->key, &cur, &exists);
	if (exists && op->forbid_overwrite)
		return ERR_FILE_EXISTS;
	if (r != ERR_OK)
		return r;
	r = upload_begin(c->api, c->bucket.owner, cmk, &c->upload);
	if (r != ERR_OK)
		return r;
	return object_parse_integrity(c, c->upload);
}

void
object_unlink_dead(struct call *c, const struct extent_ref *dead, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum err r = store_unlink(c->api->store, dead[i].uuid);
		/* The start-up sweep removes what we could not. */
		if (r != ERR_OK)
			log_warnx("could not remove an unreferenced blob: %s",
			    err_name(r));
	}
}

void
object_echo_sse(struct call *c, const struct object *o)
{
	if (o->sse_algorithm[0] == '\0')
		return;
	(void)call_resp_header(c, "x-oss-server-side-encryption",
	    o->sse_algorithm);
	if (o->sse_key_id[0] != '\0')
		(void)call_resp_header(c, "x-oss-server-side-encryption-key-id",
		    o->sse_key_id);
	if (o->sse_data_enc[0] != '\0')
		(void)call_resp_header(c, "x-oss-server-side-data-encryption",
		    o->sse_data_enc);
}

enum err
h_put_object(struct call *c)
{
	struct put_op *op = c->op;
	struct object *o = &op->o;
	struct upload_result res;
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct object_tx tx;
	char md5b64[32];
	enum err r;

	r = upload_finish(c->upload, &res);
	if (r != ERR_OK)
		return r;
	hex_encode_upper(o->etag, res.md5, HASH_MD5_BYTES);
	o->size = res.len;
	o->crc64 = res.crc64;
	o->mtime_ms = call_now(c);

	r = object_tx_begin(c, o->bucket, o->key, &tx);
	if (r != ERR_OK)
		return r;	/* dispatch aborts the upload: blob removed */
	if (tx.exists && op->forbid_overwrite)
		r = ERR_FILE_EXISTS;
	if (r == ERR_OK)
		r = object_replace(c->api->db, c->a, o, &res.extent, 1, &dead,
		    &ndead);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	object_tx_end(&tx);
	if (r != ERR_OK)
		return r;
	upload_commit(c->upload);
	c->upload = NULL;
	object_unlink_dead(c, dead, ndead);

	(void)call_resp_headerf(c, "ETag", "\"%s\"", o->etag);
	b64_encode(md5b64, sizeof(md5b64), res.md5, HASH_MD5_BYTES);
	(void)call_resp_header(c, "Content-MD5", md5b64);
	(void)call_resp_headerf(c, "x-oss-hash-crc64ecma", "%llu",
	    (unsigned long long)o->crc64);
	object_echo_sse(c, o);
	call_resp_empty(c, 200);
	return ERR_OK;
}

/* ---- reads ---- */

const char *
object_restore_header(struct call *c, const struct object *o)
{
	char t[TIME_RFC1123_BYTES];
	int64_t now;

	if (o->restore_state == 0)
		return NULL;
	now = call_now(c);
	if (now < o->restore_done_ms)
		return "ongoing-request=\"true\"";
	if (now >= o->restore_expiry_ms)
		return NULL;
	time_fmt_rfc1123(t, o->restore_expiry_ms);
	return arena_printf(c->a, "ongoing-request=\"false\", expiry-date=\"%s\"",
	    t);
}

/* Readable now: not frozen, or restored and not yet expired. */
bool
object_readable(struct call *c, const struct object *o)
{
	int64_t now;

	if (!bucket_storage_class_frozen(o->storage_class))
		return true;
	now = call_now(c);
	return o->restore_state != 0 && now >= o->restore_done_ms &&
	    now < o->restore_expiry_ms;
}

static bool
etag_matches(const char *cond, const char *etag)
{
	/* Lists like "a", "b" and the "*" wildcard; quotes optional. */
	const char *p = cond;
	size_t el = strlen(etag);

	while (*p != '\0') {
		const char *end;
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 1 && *p == '*')
			return true;
		if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
			p++;
			len -= 2;
		}
		if (len == el && strncasecmp(p, etag, el) == 0)
			return true;
		p = end ? end + 1 : p + len;
	}
	return false;
}

/* RFC 9110 §13.2.2 order; OSS uses the same headers (spec §3.2). */
enum err
object_check_conditions(struct call *c, const struct object *o,
    const char *prefix)
{
	char name[64];
	const char *v;
	int64_t t;
	int64_t mtime_s = o->mtime_ms / 1000;

	snprintf(name, sizeof(name), "%sif-match", prefix);
	v = call_header(c, name);
	if (v != NULL && !etag_matches(v, o->etag)) {
		c->x.condition = "If-Match";
		return ERR_PRECONDITION_FAILED;
	}
	snprintf(name, sizeof(name), "%sif-unmodified-since", prefix);
	if (v == NULL && (v = call_header(c, name)) != NULL &&
	    time_parse_rfc1123(v, &t) && mtime_s > t / 1000) {
		c->x.condition = "If-Unmodified-Since";
		return ERR_PRECONDITION_FAILED;
	}
	snprintf(name, sizeof(name), "%sif-none-match", prefix);
	v = call_header(c, name);
	if (v != NULL && etag_matches(v, o->etag))
		return ERR_NOT_MODIFIED;
	snprintf(name, sizeof(name), "%sif-modified-since", prefix);
	if (v == NULL && (v = call_header(c, name)) != NULL &&
	    time_parse_rfc1123(v, &t) && mtime_s <= t / 1000)
		return ERR_NOT_MODIFIED;
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

void
object_emit_headers(struct call *c, const struct object *o, bool meta_only)
{
	char t[TIME_RFC1123_BYTES];
	const char *p;

	time_fmt_rfc1123(t, o->mtime_ms);
	(void)call_resp_headerf(c, "ETag", "\"%s\"", o->etag);
	(void)call_resp_header(c, "Last-Modified", t);
	(void)call_resp_headerf(c, "x-oss-hash-crc64ecma", "%llu",
	    (unsigned long long)o->crc64);
	if (meta_only)
		return;
	(void)call_resp_header(c, "Accept-Ranges", "bytes");
	(void)call_resp_header(c, "x-oss-object-type", o->type);
	(void)call_resp_header(c, "x-oss-storage-class", o->storage_class);
	if (strcmp(o->type, "Appendable") == 0)
		(void)call_resp_headerf(c, "x-oss-next-append-position", "%llu",
		    (unsigned long long)o->size);
	p = object_restore_header(c, o);
	if (p != NULL)
		(void)call_resp_header(c, "x-oss-restore", p);
	if (o->tags[0] != '\0') {
		unsigned n = 1;
		for (const char *q = o->tags; *q; q++)
			n += *q == '&';
		(void)call_resp_headerf(c, "x-oss-tagging-count", "%u", n);
	}
	object_echo_sse(c, o);
	/* Stored headers; response-* query parameters override the first
	 * six (spec §3.2). */
	for (p = o->headers; p != NULL && *p != '\0';) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *colon = memchr(p, ':', len);
		const char *name = NULL;
		char *ln, *val;

		if (colon == NULL)
			break;
		ln = arena_strndup(c->a, p, (size_t)(colon - p));
		val = arena_strndup(c->a, colon + 1, len - (size_t)(colon - p) - 1);
		if (ln == NULL || val == NULL)
			break;
		for (size_t i = 0; i < sizeof(stored_headers) / sizeof(stored_headers[0]); i++)
			if (strcmp(ln, stored_headers[i].lname) == 0) {
				char q[64];
				snprintf(q, sizeof(q), "response-%s", ln);
				name = stored_headers[i].name;
				if (call_query(c, q) != NULL)
					name = NULL;	/* overridden below */
				break;
			}
		if (name == NULL && str_has_prefix(ln, "x-oss-meta-"))
			name = ln;
		if (name != NULL)
			(void)call_resp_header(c, name, val);
		p = eol ? eol + 1 : NULL;
	}
	for (size_t i = 0; i < sizeof(stored_headers) / sizeof(stored_headers[0]); i++) {
		char q[64];
		const char *v;

		snprintf(q, sizeof(q), "response-%s", stored_headers[i].lname);
		v = call_query(c, q);
		if (v != NULL && header_value_ok(v))
			(void)call_resp_header(c, stored_headers[i].name, v);
	}
}

enum err
object_load(struct call *c, struct object *o)
{
	enum err r = object_get(c->api->db, c->a, c->bucket.id, c->key, o);

	if (r == ERR_NO_SUCH_KEY)
		c->x.key = c->key;
	return r;
}

static enum err
serve_object(struct call *c, bool head)
{
	const char *behavior = call_header(c, "x-oss-range-behavior");
	struct object o;
	struct extent *ext = NULL;
	size_t next = 0;
	struct object_reader *rd = NULL;
	uint64_t start = 0, len;
	bool ranged, unsat;
	enum err r;

	r = object_load(c, &o);
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
	ranged = parse_range(call_header(c, "range"), o.size, &start, &len,
	    &unsat);
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
	c->req->resp.status = ranged ? 206 : 200;
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
	return serve_object(c, false);
}

enum err
h_head_object(struct call *c)
{
	return serve_object(c, true);
}

enum err
h_get_object_meta(struct call *c)
{
	struct object o;
	enum err r;

	r = object_load(c, &o);
	if (r != ERR_OK)
		return r;
	object_emit_headers(c, &o, true);
	c->req->resp.status = 200;
	c->req->resp.head_length_set = true;
	c->req->resp.head_length = o.size;
	return ERR_OK;
}

/* ---- deletes and ACL ---- */

enum err
object_delete_one(struct call *c, const char *key)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct object_tx tx;
	enum err r;

	r = object_tx_begin(c, c->bucket.id, key, &tx);
	if (r != ERR_OK)
		return r;
	if (tx.exists) {
		r = object_delete(c->api->db, c->a, c->bucket.id, key, &dead,
		    &ndead);
		if (r == ERR_OK)
			r = object_tx_commit(&tx);
	}
	object_tx_end(&tx);
	if (r == ERR_OK)
		object_unlink_dead(c, dead, ndead);
	return r;
}

enum err
h_delete_object(struct call *c)
{
	enum err r = object_delete_one(c, c->key);

	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 204);
	return ERR_OK;
}

enum err
object_update_metadata(struct call *c, const struct object *read,
    const char *headers, const char *acl, const char *tags)
{
	struct object_tx tx;
	enum err r;

	/* The generation was read before; a change committed since makes
	 * this one fail with StaleFile instead of silently losing it. */
	call_test_pause(c);
	r = object_tx_begin(c, read->bucket, read->key, &tx);
	if (r != ERR_OK)
		return r;
	if (!tx.exists)
		r = ERR_STALE_FILE;
	else
		r = object_update_meta(c->api->db, read, headers, acl, tags,
		    NULL);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	object_tx_end(&tx);
	return r;
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
	call_resp_empty(c, 200);
	return ERR_OK;
}
