/* SPDX-License-Identifier: ISC */
/*
 * multipart.c: multipart upload (spec oss-api.md §3.3).
 *
 * Each part is streamed into its own encrypted extent under the upload's
 * encryption settings. CompleteMultipartUpload checks the client's part list
 * (ascending, existing, ETags matching, every part but the last at least
 * 100 KB) and then, in the guarded object transaction, moves the parts'
 * extents to the object: no byte is copied a second time.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oss/object_ops.h"
#include "object/object_tx.h"
#include "object/upload.h"
#include "base/rand.h"
#include "base/str.h"
#include "codec/xml.h"
#include "db/db.h"

/* OSS: every part but the last must have at least 100 KB. */
#define PART_MIN (100 * 1024)
#define PART_MAX (5ULL * 1024 * 1024 * 1024)

static bool
encoding_url(struct call *c, enum err *r)
{
	const char *enc = call_query(c, "encoding-type");

	*r = ERR_OK;
	if (enc == NULL)
		return false;
	if (strcmp(enc, "url") != 0) {
		c->x.arg_name = "encoding-type";
		c->x.arg_value = enc;
		*r = ERR_INVALID_ARGUMENT;
	}
	return true;
}

enum err
h_initiate_multipart(struct call *c)
{
	struct object o;
	struct mpu u;
	struct object cur;
	bool exists = false;
	struct xml_writer w;
	struct buf b;
	const char *cmk = NULL;
	uint8_t id[16];
	bool forbid, url;
	enum err r;

	url = encoding_url(c, &r);
	if (r != ERR_OK)
		return r;
	memset(&o, 0, sizeof(o));
	r = object_parse_forbid_overwrite(c, &forbid);
	if (r == ERR_OK)
		r = object_prepare(c, &o, &cmk);
	if (r != ERR_OK)
		return r;
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		forbid = false;
	/* FileAlreadyExists is reported before a retention refusal. */
	r = call_tx_peek(c, c->bucket.id, c->key, &cur, &exists);
	if (exists && forbid)
		return ERR_FILE_EXISTS;
	if (r != ERR_OK)
		return r;
	(void)cmk;
	memset(&u, 0, sizeof(u));
	rand_bytes(id, sizeof(id));
	hex_encode_upper(u.upload_id, id, sizeof(id));
	u.bucket = c->bucket.id;
	u.key = c->key;
	u.initiated_ms = call_now(c);
	str_copy(u.storage_class, sizeof(u.storage_class), o.storage_class);
	str_copy(u.acl, sizeof(u.acl), o.acl);
	u.headers = o.headers;
	u.tags = o.tags;
	str_copy(u.sse_algorithm, sizeof(u.sse_algorithm), o.sse_algorithm);
	str_copy(u.sse_key_id, sizeof(u.sse_key_id), o.sse_key_id);
	str_copy(u.sse_data_enc, sizeof(u.sse_data_enc), o.sse_data_enc);
	r = mpu_create(c->api->db, &u);
	if (r != ERR_OK)
		return r;
	buf_init(&b, 16 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "InitiateMultipartUploadResult");
	xml_elem(&w, "Bucket", c->bucket.name);
	xml_elem_url(&w, "Key", c->key, url);
	xml_elem(&w, "UploadId", u.upload_id);
	if (url)
		xml_elem(&w, "EncodingType", "url");
	xml_close(&w, "InitiateMultipartUploadResult");
	object_echo_sse(c, &o);
	return call_resp_xml(c, &w, &b);
}

struct part_op {
	struct mpu	 u;
	unsigned	 number;
};

static enum err
parse_part_number(struct call *c, unsigned *ret)
{
	const char *pn = call_query(c, "partNumber");
	uint64_t v;

	if (pn == NULL || !str_to_u64(pn, BUCKET_MAX_PARTS, &v) || v == 0)
		return ERR_INVALID_PART_NUMBER;
	*ret = (unsigned)v;
	return ERR_OK;
}

static enum err
load_upload(struct call *c, struct mpu *u)
{
	const char *id = call_query(c, "uploadId");

	if (id == NULL || strlen(id) >= MPU_ID_BYTES)
		return ERR_NO_SUCH_UPLOAD;
	return mpu_get(c->api->db, c->a, c->bucket.id, c->key, id, u);
}

enum err
h_upload_part_begin(struct call *c)
{
	struct part_op *op;
	enum err r;

	op = arena_zalloc(c->a, sizeof(*op));
	if (op == NULL)
		return ERR_NOMEM;
	c->op = op;
	r = parse_part_number(c, &op->number);
	if (r == ERR_OK)
		r = load_upload(c, &op->u);
	if (r != ERR_OK)
		return r;
	if (c->req->has_length && c->req->content_length > PART_MAX)
		return ERR_ENTITY_TOO_LARGE;
	r = upload_begin(c->api, c->bucket.owner,
	    op->u.sse_key_id[0] ? op->u.sse_key_id : NULL,
	    &c->upload);
	if (r != ERR_OK)
		return r;
	return object_parse_integrity(c, c->upload);
}



enum err
h_upload_part(struct call *c)
{
	struct part_op *op = c->op;
	struct upload_result res;
	struct mpu_part p;
	char md5b64[32];
	enum err r;

	r = upload_finish(c->upload, &res);
	if (r == ERR_OK)
		r = multipart_commit_part(c, &op->u, op->number, &res, &p);
	if (r != ERR_OK)
		return r;
	upload_commit(c->upload);
	c->upload = NULL;
	(void)call_resp_headerf(c, "ETag", "\"%s\"", p.etag);
	b64_encode(md5b64, sizeof(md5b64), res.md5, HASH_MD5_BYTES);
	(void)call_resp_header(c, "Content-MD5", md5b64);
	(void)call_resp_headerf(c, "x-oss-hash-crc64ecma", "%llu",
	    (unsigned long long)p.crc64);
	call_resp_empty(c, 200);
	return ERR_OK;
}

/* A part ETag as a client echoes it: quotes optional, any case. */
static bool
etag_equal(const char *given, const char *stored)
{
	size_t n = strlen(given);

	if (n >= 2 && given[0] == '"' && given[n - 1] == '"') {
		given++;
		n -= 2;
	}
	return n == strlen(stored) && strncasecmp(given, stored, n) == 0;
}

/* The client's part list, or every part for x-oss-complete-all. */
static enum err
requested_parts(struct call *c, const struct mpu_part *have, size_t nhave,
    unsigned **ret, size_t *ret_n)
{
	const char *all = call_header(c, "x-oss-complete-all");
	const struct xml_node *part;
	struct xml_node *root;
	unsigned *v, prev = 0;
	size_t n = 0;
	enum err r;

	if (all != NULL && strcasecmp(all, "yes") == 0) {
		if (c->body.len > 0)
			return ERR_COMPLETE_ALL_WITH_BODY;
		v = arena_alloc(c->a, (nhave ? nhave : 1) * sizeof(*v));
		if (v == NULL)
			return ERR_NOMEM;
		for (size_t i = 0; i < nhave; i++)
			v[i] = have[i].number;
		*ret = v;
		*ret_n = nhave;
		return nhave ? ERR_OK : ERR_MALFORMED_XML;
	}
	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "CompleteMultipartUpload") != 0)
		return ERR_MALFORMED_XML;
	n = xml_count(root, "Part");
	if (n == 0 || n > BUCKET_MAX_PARTS)
		return ERR_MALFORMED_XML;
	v = arena_alloc(c->a, n * sizeof(*v));
	if (v == NULL)
		return ERR_NOMEM;
	n = 0;
	for (part = xml_child(root, "Part"); part; part = xml_next_same(part)) {
		const char *pn = xml_child_text(part, "PartNumber");
		const char *etag = xml_child_text(part, "ETag");
		const struct mpu_part *found = NULL;
		uint64_t num;

		if (pn == NULL || etag == NULL)
			return ERR_MALFORMED_XML;
		if (!str_to_u64(pn, BUCKET_MAX_PARTS, &num) || num == 0)
			return ERR_INVALID_PART_NUMBER;
		if (num <= prev)
			return ERR_INVALID_PART_ORDER;
		prev = (unsigned)num;
		for (size_t i = 0; i < nhave; i++)
			if (have[i].number == num)
				found = &have[i];
		if (found == NULL || !etag_equal(etag, found->etag))
			return ERR_INVALID_PART;
		v[n++] = (unsigned)num;
	}
	*ret = v;
	*ret_n = n;
	return ERR_OK;
}

enum err
h_complete_multipart(struct call *c)
{
	struct mpu_part *have = NULL;
	struct extent_ref *dead = NULL;
	struct object_tx tx;
	struct xml_writer w;
	struct hash_md5 md5;
	struct object o;
	struct mpu u;
	struct buf b;
	unsigned *want = NULL;
	size_t nhave = 0, nwant = 0, ndead = 0;
	uint8_t digest[HASH_MD5_BYTES];
	bool forbid, truncated, url;
	enum err r;

	url = encoding_url(c, &r);
	if (r == ERR_OK)
		r = object_parse_forbid_overwrite(c, &forbid);
	if (r != ERR_OK)
		return r;
	/* A versioned bucket keeps what a write would overwrite (§1.8). */
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		forbid = false;
	r = call_tx_begin(c, c->bucket.id, c->key, &tx);
	if (r != ERR_OK)
		return r;
	r = load_upload(c, &u);
	if (r == ERR_OK)
		r = mpu_parts(c->api->db, c->a, u.id, 0, BUCKET_MAX_PARTS, &have,
		    &nhave, &truncated);
	if (r == ERR_OK)
		r = requested_parts(c, have, nhave, &want, &nwant);
	if (r == ERR_OK && tx.exists && forbid)
		r = ERR_FILE_EXISTS_MPU;
	if (r != ERR_OK)
		goto out;
	memset(&o, 0, sizeof(o));
	o.bucket = c->bucket.id;
	o.key = c->key;
	str_copy(o.type, sizeof(o.type), "Multipart");
	hash_md5_init(&md5);
	for (size_t i = 0; i < nwant; i++) {
		const struct mpu_part *p = NULL;
		uint8_t pm[HASH_MD5_BYTES];

		for (size_t k = 0; k < nhave; k++)
			if (have[k].number == want[i])
				p = &have[k];
		if (p == NULL || !hex_decode(pm, sizeof(pm), p->etag,
		    strlen(p->etag))) {
			r = ERR_INVALID_PART;
			goto out;
		}
		/* OSS: every part but the last has at least 100 KB. */
		if (i + 1 < nwant && p->size < PART_MIN) {
			r = ERR_ENTITY_TOO_SMALL;
			goto out;
		}
		hash_md5_update(&md5, pm, sizeof(pm));
		o.crc64 = hash_crc64_combine(o.crc64, p->crc64, p->size);
		o.size += p->size;
	}
	hash_md5_final(&md5, digest);
	hex_encode_upper(o.etag, digest, sizeof(digest));
	/* At most "-10000": 6 bytes after the 32 hex digits. */
	snprintf(o.etag + 32, sizeof(o.etag) - 32, "-%u", (unsigned)nwant % 100000u);
	str_copy(o.storage_class, sizeof(o.storage_class), u.storage_class);
	str_copy(o.acl, sizeof(o.acl), u.acl);
	o.headers = u.headers;
	o.tags = u.tags;
	str_copy(o.sse_algorithm, sizeof(o.sse_algorithm), u.sse_algorithm);
	str_copy(o.sse_key_id, sizeof(o.sse_key_id), u.sse_key_id);
	str_copy(o.sse_data_enc, sizeof(o.sse_data_enc), u.sse_data_enc);
	o.mtime_ms = call_now(c);
	r = mpu_complete(c->api->db, c->a, &u, want, nwant, &o,
	    c->bucket.versioning, &dead, &ndead);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
out:
	object_tx_end(&tx);
	if (r != ERR_OK)
		return r;
	object_unlink_dead(c, dead, ndead);
	(void)call_resp_headerf(c, "x-oss-hash-crc64ecma", "%llu",
	    (unsigned long long)o.crc64);
	(void)call_resp_headerf(c, "ETag", "\"%s\"", o.etag);
	object_echo_sse(c, &o);
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		(void)call_resp_header(c, "x-oss-version-id", o.version_id);
	buf_init(&b, 16 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "CompleteMultipartUploadResult");
	if (url)
		xml_elem(&w, "EncodingType", "url");
	{
		struct buf loc;

		buf_init(&loc, 8 * 1024);
		(void)buf_printf(&loc, "http://%s.oss-%s.aliyuncs.com/",
		    c->bucket.name, c->bucket.region);
		(void)url_encode(&loc, c->key, strlen(c->key), true);
		xml_elem(&w, "Location", buf_cstr(&loc));
		buf_free(&loc);
	}
	xml_elem(&w, "Bucket", c->bucket.name);
	xml_elem_url(&w, "Key", c->key, url);
	xml_elemf(&w, "ETag", "\"%s\"", o.etag);
	xml_close(&w, "CompleteMultipartUploadResult");
	return call_resp_xml(c, &w, &b);
}

enum err
h_abort_multipart(struct call *c)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct mpu u;
	enum err r;

	r = db_tx_begin(c->api->db);
	if (r != ERR_OK)
		return r;
	r = load_upload(c, &u);
	if (r == ERR_OK)
		r = mpu_abort(c->api->db, c->a, &u, &dead, &ndead);
	if (r == ERR_OK)
		r = db_tx_commit(c->api->db);
	else
		db_tx_rollback(c->api->db);
	if (r != ERR_OK)
		return r;
	object_unlink_dead(c, dead, ndead);
	call_resp_empty(c, 204);
	return ERR_OK;
}

struct list_uploads_ctx {
	struct call		*c;
	struct xml_writer	*w;
	struct xml_writer	*pw;		/* CommonPrefixes */
	bool			 url;
	const char		*prefix;
	const char		*delim;
	const char		*last_key;
	const char		*last_id;
	const char		*last_cp;
};

static void
list_upload(void *ctx, const struct mpu *u)
{
	struct list_uploads_ctx *l = ctx;
	size_t pl = l->prefix ? strlen(l->prefix) : 0;
	char t[TIME_ISO_BYTES];
	const char *d;

	l->last_key = u->key;
	l->last_id = u->upload_id;
	/* Keys with the delimiter after the prefix fold into one common
	 * prefix each; uploads come in key order, so equal prefixes are
	 * adjacent. */
	d = l->delim ? strstr(u->key + pl, l->delim) : NULL;
	if (d != NULL) {
		size_t n = (size_t)(d - u->key) + strlen(l->delim);
		char *cp = arena_strndup(l->c->a, u->key, n);

		if (cp == NULL) {
			l->w->err = ERR_NOMEM;
			return;
		}
		if (l->last_cp == NULL || strcmp(l->last_cp, cp) != 0) {
			xml_open(l->pw, "CommonPrefixes");
			xml_elem_url(l->pw, "Prefix", cp, l->url);
			xml_close(l->pw, "CommonPrefixes");
			l->last_cp = cp;
		}
		return;
	}

	time_fmt_iso_ms(t, u->initiated_ms);
	xml_open(l->w, "Upload");
	xml_elem_url(l->w, "Key", u->key, l->url);
	xml_elem(l->w, "UploadId", u->upload_id);
	xml_elem(l->w, "StorageClass", u->storage_class);
	xml_elem(l->w, "Initiated", t);
	xml_close(l->w, "Upload");
}

static enum err
query_max(struct call *c, const char *name, unsigned dflt, unsigned *ret)
{
	const char *v = call_query(c, name);
	uint64_t n;

	*ret = dflt;
	if (v == NULL)
		return ERR_OK;
	if (!str_to_u64(v, 1000, &n) || n == 0) {
		c->x.arg_name = name;
		c->x.arg_value = v;
		return ERR_INVALID_ARGUMENT;
	}
	*ret = (unsigned)n;
	return ERR_OK;
}

enum err
h_list_multipart_uploads(struct call *c)
{
	struct mpu_list_opts o;
	struct list_uploads_ctx l;
	struct xml_writer w, iw, pw;
	struct buf b, items, prefixes;
	const char *delim = call_query(c, "delimiter");
	bool truncated, url;
	char *last_id = NULL;
	enum err r;

	url = encoding_url(c, &r);
	if (r != ERR_OK)
		return r;
	memset(&o, 0, sizeof(o));
	o.prefix = call_query(c, "prefix");
	o.key_marker = call_query(c, "key-marker");
	o.upload_id_marker = call_query(c, "upload-id-marker");
	r = query_max(c, "max-uploads", 1000, &o.max);
	if (r != ERR_OK)
		return r;
	if (delim != NULL && delim[0] == '\0')
		delim = NULL;
	buf_init(&items, 16 * 1024 * 1024);
	buf_init(&prefixes, 16 * 1024 * 1024);
	xml_writer_init(&iw, &items);
	xml_writer_init(&pw, &prefixes);
	memset(&l, 0, sizeof(l));
	l.c = c;
	l.w = &iw;
	l.pw = &pw;
	l.url = url;
	l.prefix = o.prefix;
	l.delim = delim;
	r = mpu_list(c->api->db, c->a, c->bucket.id, &o, list_upload, &l,
	    &truncated);
	if (r == ERR_OK && l.last_id != NULL) {
		/* The list callback's strings live in the arena already. */
		last_id = arena_strdup(c->a, l.last_id);
		if (last_id == NULL)
			r = ERR_NOMEM;
	}
	if (r == ERR_OK)
		r = xml_writer_finish(&iw);
	if (r == ERR_OK)
		r = xml_writer_finish(&pw);
	if (r != ERR_OK) {
		buf_free(&items);
		buf_free(&prefixes);
		return r;
	}
	buf_init(&b, 17 * 1024 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "ListMultipartUploadsResult");
	xml_elem(&w, "Bucket", c->bucket.name);
	xml_elem_url(&w, "KeyMarker", o.key_marker, url);
	xml_elem(&w, "UploadIdMarker", o.upload_id_marker ? o.upload_id_marker : "");
	xml_elem_url(&w, "NextKeyMarker", truncated ? l.last_key : "", url);
	xml_elem(&w, "NextUploadIdMarker", truncated && last_id ? last_id : "");
	xml_elem_url(&w, "Delimiter", delim, url);
	xml_elem_url(&w, "Prefix", o.prefix, url);
	xml_elem_u64(&w, "MaxUploads", o.max);
	xml_elem_bool(&w, "IsTruncated", truncated);
	if (url)
		xml_elem(&w, "EncodingType", "url");
	if (w.err == ERR_OK)
		w.err = buf_append(&b, buf_cstr(&items), items.len);
	if (w.err == ERR_OK)
		w.err = buf_append(&b, buf_cstr(&prefixes), prefixes.len);
	buf_free(&items);
	buf_free(&prefixes);
	xml_close(&w, "ListMultipartUploadsResult");
	return call_resp_xml(c, &w, &b);
}

enum err
h_list_parts(struct call *c)
{
	const char *pm = call_query(c, "part-number-marker");
	struct mpu_part *parts = NULL;
	struct xml_writer w;
	struct mpu u;
	struct buf b;
	size_t n = 0;
	unsigned max;
	uint64_t marker = 0;
	bool truncated, url;
	enum err r;

	url = encoding_url(c, &r);
	if (r == ERR_OK)
		r = query_max(c, "max-parts", 1000, &max);
	if (r != ERR_OK)
		return r;
	if (pm != NULL && !str_to_u64(pm, BUCKET_MAX_PARTS, &marker)) {
		c->x.arg_name = "part-number-marker";
		c->x.arg_value = pm;
		return ERR_INVALID_ARGUMENT;
	}
	r = load_upload(c, &u);
	if (r == ERR_OK)
		r = mpu_parts(c->api->db, c->a, u.id, (unsigned)marker, max,
		    &parts, &n, &truncated);
	if (r != ERR_OK)
		return r;
	buf_init(&b, 16 * 1024 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "ListPartsResult");
	xml_elem(&w, "Bucket", c->bucket.name);
	xml_elem_url(&w, "Key", c->key, url);
	xml_elem(&w, "UploadId", u.upload_id);
	xml_elem_u64(&w, "PartNumberMarker", marker);
	xml_elem_u64(&w, "NextPartNumberMarker", n ? parts[n - 1].number : 0);
	xml_elem_u64(&w, "MaxParts", max);
	xml_elem_bool(&w, "IsTruncated", truncated);
	xml_elem(&w, "StorageClass", u.storage_class);
	if (url)
		xml_elem(&w, "EncodingType", "url");
	for (size_t i = 0; i < n; i++) {
		char t[TIME_ISO_BYTES];

		time_fmt_iso_ms(t, parts[i].mtime_ms);
		xml_open(&w, "Part");
		xml_elem_u64(&w, "PartNumber", parts[i].number);
		xml_elem(&w, "LastModified", t);
		xml_elemf(&w, "ETag", "\"%s\"", parts[i].etag);
		xml_elemf(&w, "HashCrc64ecma", "%llu",
		    (unsigned long long)parts[i].crc64);
		xml_elem_u64(&w, "Size", parts[i].size);
		xml_close(&w, "Part");
	}
	xml_close(&w, "ListPartsResult");
	return call_resp_xml(c, &w, &b);
}
