/* SPDX-License-Identifier: ISC */
/*
 * object_ops.c: what several OSS handlers do to an object, so no handler
 * file calls another: parsing the headers of a new object (metadata, ACL,
 * storage class, tags, SSE, integrity), conditions and the headers of a
 * reply, loading, deleting and the metadata compare-and-set, and recording
 * an uploaded part, and the write of a whole new object PutObject and
 * PostObject share (object_ops.h).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/crash.h"
#include "base/log.h"
#include "base/str.h"
#include "codec/xml.h"
#include "db/db.h"
#include "hash/hash.h"
#include "lifecycle/lifecycle.h"
#include "object/object.h"
#include "object/object_tx.h"
#include "object/upload.h"
#include "oss/object_ops.h"
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
	return object_sse_choose(c->api, &c->bucket,
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
	enum err r;

	r = object_prepare_meta(c, o);
	if (r != ERR_OK)
		return r;
	return object_parse_sse(c, o, ret_cmk);
}

enum err
object_prepare_meta(struct call *c, struct object *o)
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
	return object_collect_headers(c, &o->headers);
}

enum err
object_put_begin(struct call *c, struct object_put *p)
{
	const char *cmk = NULL;
	struct object cur;
	bool exists = false;
	enum err r;

	str_copy(p->o.type, sizeof(p->o.type), "Normal");
	r = object_parse_forbid_overwrite(c, &p->forbid_overwrite);
	if (r != ERR_OK)
		return r;
	/* A versioned bucket keeps what a write would overwrite, so the
	 * header has nothing to protect (oss-api-2.md §1.8). */
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		p->forbid_overwrite = false;
	r = object_prepare(c, &p->o, &cmk);
	if (r != ERR_OK)
		return r;
	/* Refuse before accepting the body; checked again at commit.
	 * FileAlreadyExists is reported before a retention refusal. */
	r = call_tx_peek(c, c->bucket.id, c->key, &cur, &exists);
	if (exists && p->forbid_overwrite)
		return ERR_FILE_EXISTS;
	if (r != ERR_OK)
		return r;
	return upload_begin(c->api, c->bucket.owner, cmk, &c->upload);
}

enum err
object_put_commit(struct call *c, struct object_put *p)
{
	struct object *o = &p->o;
	struct upload_result res;
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct object_tx tx;
	enum err r;

	r = upload_finish(c->upload, &res);
	if (r != ERR_OK)
		return r;
	memcpy(p->md5, res.md5, HASH_MD5_BYTES);
	hex_encode_upper(o->etag, res.md5, HASH_MD5_BYTES);
	o->size = res.len;
	o->crc64 = res.crc64;
	o->mtime_ms = call_now(c);

	r = call_tx_begin(c, o->bucket, o->key, &tx);
	if (r != ERR_OK)
		return r;	/* dispatch aborts the upload: blob removed */
	if (tx.exists && p->forbid_overwrite)
		r = ERR_FILE_EXISTS;
	if (r == ERR_OK)
		r = object_replace(c->api->db, c->a, o, c->bucket.versioning,
		    &res.extent, 1, &dead, &ndead);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	object_tx_end(&tx);
	if (r != ERR_OK)
		return r;
	upload_commit(c->upload);
	c->upload = NULL;
	object_unlink_dead(c, dead, ndead);

	(void)call_resp_headerf(c, "ETag", "\"%s\"", o->etag);
	(void)call_resp_headerf(c, "x-oss-hash-crc64ecma", "%llu",
	    (unsigned long long)o->crc64);
	object_echo_sse(c, o);
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		(void)call_resp_header(c, "x-oss-version-id", o->version_id);
	return ERR_OK;
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

/* x-oss-expiration (oss-api-2.md §2.4) when a current Expiration rule of
 * the bucket selects o. Best effort: a configuration that cannot be read
 * only loses the header, never the object. */
static void
emit_expiration(struct call *c, const struct object *o)
{
	struct lifecycle_object lo = {
		.key = o->key, .size = o->size, .tags = o->tags,
		.mtime_ms = o->mtime_ms, .storage_class = o->storage_class,
		.is_latest = true,
	};
	struct lifecycle_config cfg;
	char t[TIME_RFC1123_BYTES];
	const char *doc, *rule;
	int64_t at;

	if (lifecycle_get(c->api->db, c->a, c->bucket.id, &doc) != ERR_OK ||
	    lifecycle_parse_text(c->a, doc, strlen(doc), &cfg) != ERR_OK ||
	    !lifecycle_expiry(&cfg, &lo, &at, &rule))
		return;
	time_fmt_rfc1123(t, at);
	(void)call_resp_headerf(c, "x-oss-expiration",
	    "expiry-date=\"%s\", rule-id=\"%s\"", t, rule);
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
	object_echo_version(c, o);
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
	emit_expiration(c, o);
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

void
object_echo_version(struct call *c, const struct object *o)
{
	if (c->bucket.versioning != BUCKET_UNVERSIONED ||
	    call_query(c, "versionId") != NULL)
		(void)call_resp_header(c, "x-oss-version-id", o->version_id);
}

/* The error answered for a delete marker names it (oss-api-2.md §1.4). */
static void
echo_marker(struct call *c, const struct object *m)
{
	c->x.marker_version_id = arena_strndup(c->a, m->version_id,
	    strlen(m->version_id));
}

enum err
object_load_any(struct call *c, struct object *o)
{
	const char *vid = call_query(c, "versionId");
	enum err r;

	if (vid != NULL)
		r = object_get_version(c->api->db, c->a, c->bucket.id, c->key,
		    vid, o);
	else
		r = object_get(c->api->db, c->a, c->bucket.id, c->key, o);
	/* The current version is a delete marker: the key does not exist,
	 * and the answer says why (oss-api-2.md §1.4). */
	if (r == ERR_NO_SUCH_KEY && o->delete_marker)
		echo_marker(c, o);
	if (r == ERR_NO_SUCH_KEY || r == ERR_NO_SUCH_VERSION)
		c->x.key = c->key;
	/* A row edited outside cofferd (size, etag, type...) would describe
	 * the stored bytes wrongly: answer nothing rather than that. */
	if (r == ERR_OK && !o->sealed) {
		log_errx("ALERT: object '%s/%s' fails its MAC (edited outside "
		    "cofferd?); refusing to serve it", c->bucket.name, c->key);
		r = ERR_CORRUPT;
	}
	return r;
}

enum err
object_load(struct call *c, struct object *o)
{
	enum err r = object_load_any(c, o);

	/* A delete marker named by its id has no data, ACL or tags. */
	if (r == ERR_OK && o->delete_marker) {
		echo_marker(c, o);
		c->x.key = c->key;
		r = ERR_NO_SUCH_KEY;
	}
	return r;
}

/* ---- deletes and ACL ---- */

enum err
object_delete_in_tx(struct call *c, struct object_tx *tx, const char *key,
    const char *vid, struct delete_outcome *ret, struct extent_ref **ret_dead,
    size_t *ret_ndead)
{
	struct object o;
	enum err r;

	memset(ret, 0, sizeof(*ret));
	*ret_dead = NULL;
	*ret_ndead = 0;
	tx->version_id = vid;
	r = object_tx_load(tx, key);
	if (r != ERR_OK)
		return r;
	if (vid != NULL) {
		/* For good: the version named, marker or data. */
		r = object_delete_version(c->api->db, c->a, c->bucket.id, key,
		    vid, &o, ret_dead, ret_ndead);
		if (r == ERR_OK) {
			ret->marker = o.delete_marker;
			str_copy(ret->version_id, sizeof(ret->version_id), vid);
		}
	} else if (c->bucket.versioning != BUCKET_UNVERSIONED) {
		/* Versioned: nothing goes, a delete marker comes. */
		r = object_delete_marker(c->api->db, c->a, c->bucket.id, key,
		    c->bucket.versioning, tx->now_ms, &o, ret_dead, ret_ndead);
		if (r == ERR_OK) {
			ret->marker = true;
			str_copy(ret->version_id, sizeof(ret->version_id),
			    o.version_id);
		}
	} else if (tx->exists)
		r = object_delete(c->api->db, c->a, c->bucket.id, key,
		    ret_dead, ret_ndead);
	return r;
}

enum err
object_delete_one(struct call *c, const char *key, const char *vid,
    struct delete_outcome *ret)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct object_tx tx;
	enum err r;

	r = call_tx_begin(c, c->bucket.id, NULL, &tx);
	if (r != ERR_OK)
		return r;
	r = object_delete_in_tx(c, &tx, key, vid, ret, &dead, &ndead);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	object_tx_end(&tx);
	if (r == ERR_NO_SUCH_VERSION)
		c->x.key = key;
	if (r == ERR_OK)
		object_unlink_dead(c, dead, ndead);
	return r;
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
	r = call_tx_begin_version(c, read->bucket, read->key,
	    read->version_id, &tx);
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

/* Records a finished part extent and answers with its ETag. */
enum err
multipart_commit_part(struct call *c, const struct mpu *u, unsigned number,
    const struct upload_result *res, struct mpu_part *ret)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct mpu_part p;
	enum err r;

	memset(&p, 0, sizeof(p));
	p.number = number;
	p.size = res->len;
	hex_encode_upper(p.etag, res->md5, HASH_MD5_BYTES);
	p.crc64 = res->crc64;
	p.mtime_ms = call_now(c);
	r = db_tx_begin(c->api->db);
	if (r != ERR_OK)
		return r;
	r = mpu_part_put(c->api->db, c->a, u->id, &p, &res->extent, &dead,
	    &ndead);
	if (r == ERR_OK)
		r = db_tx_commit(c->api->db);
	else
		db_tx_rollback(c->api->db);
	if (r != ERR_OK)
		return r;
	crash_point("part-committed");
	object_unlink_dead(c, dead, ndead);
	*ret = p;
	return ERR_OK;
}

/* x-oss-bypass-governance-retention: true from the bucket owner. Anyone
 * else who may write (a public-read-write bucket) cannot lift a
 * GOVERNANCE retention. */
bool
call_bypass_governance(const struct call *c)
{
	const char *v = call_header(c, "x-oss-bypass-governance-retention");

	return v != NULL && strcasecmp(v, "true") == 0 && c->have_bucket &&
	    !c->anonymous && c->account.id == c->bucket.owner;
}

static void
call_tx_init(struct call *c, int64_t bucket_id, struct object_tx *tx)
{
	object_tx_init(tx, c->api, c->a, bucket_id,
	    c->have_bucket ? c->bucket.name : "", c->route != NULL &&
	    (c->route->flags & R_MUTATES_OBJECT) != 0, call_now(c));
	if (c->have_bucket && bucket_id == c->bucket.id)
		tx->versioning = c->bucket.versioning;
	tx->bypass_governance = call_bypass_governance(c);
}

enum err
call_tx_begin(struct call *c, int64_t bucket_id, const char *key,
    struct object_tx *tx)
{
	call_tx_init(c, bucket_id, tx);
	return object_tx_begin(tx, key);
}

enum err
call_tx_begin_version(struct call *c, int64_t bucket_id, const char *key,
    const char *vid, struct object_tx *tx)
{
	call_tx_init(c, bucket_id, tx);
	tx->version_id = vid;
	return object_tx_begin(tx, key);
}

enum err
call_tx_begin_in_place(struct call *c, int64_t bucket_id, const char *key,
    struct object_tx *tx)
{
	call_tx_init(c, bucket_id, tx);
	tx->in_place = true;
	return object_tx_begin(tx, key);
}

enum err
call_tx_peek(struct call *c, int64_t bucket_id, const char *key,
    struct object *ret_cur, bool *ret_exists)
{
	struct object_tx tx;
	enum err r;

	call_tx_init(c, bucket_id, &tx);
	r = object_tx_peek(&tx, key);
	*ret_exists = tx.exists;
	if (tx.exists)
		*ret_cur = tx.cur;
	return r;
}
