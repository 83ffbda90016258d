/* SPDX-License-Identifier: ISC */
/*
 * copy.c: CopyObject and UploadPartCopy (spec oss-api.md §3.2, §3.3).
 *
 * The source is decrypted chunk by chunk and re-encrypted under the target's
 * own data key and settings; a copy of an object onto itself only rewrites
 * its metadata (OSS uses the request's metadata for a self-copy whatever the
 * directive says), through the same compare-and-set as other metadata
 * changes, so it can answer 409 StaleFile.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oss/object_ops.h"
#include "object/object_reader.h"
#include "object/object_tx.h"
#include "object/upload.h"
#include "base/log.h"
#include "base/str.h"
#include "codec/xml.h"
#include "db/db.h"

#define COPY_BUF (1024 * 1024)

struct copy_source {
	struct bucket	bucket;
	struct object	obj;
	const char	*vid;		/* the version named, or NULL */
};

/* x-oss-copy-source: "/bucket/url-encoded-key[?versionId=...]". */
static enum err
load_source(struct call *c, struct copy_source *s)
{
	const char *h = call_header(c, "x-oss-copy-source");
	const char *qm;
	char *dec, *slash, *vid = NULL;
	int n;
	enum err r;

	if (h == NULL || h[0] == '\0')
		return ERR_INVALID_COPY_SOURCE;
	dec = arena_alloc(c->a, strlen(h) + 1);
	if (dec == NULL)
		return ERR_NOMEM;
	/* The query (versionId, the only one OSS defines) is not part of
	 * the key: split it first. */
	qm = strchr(h, '?');
	n = url_decode(dec, h, qm ? (size_t)(qm - h) : strlen(h), false);
	if (n < 0)
		return ERR_INVALID_COPY_SOURCE;
	if (qm != NULL) {
		if (strncmp(qm + 1, "versionId=", 10) != 0)
			return ERR_INVALID_COPY_SOURCE;
		vid = arena_alloc(c->a, strlen(qm + 11) + 1);
		if (vid == NULL)
			return ERR_NOMEM;
		if (url_decode(vid, qm + 11, strlen(qm + 11), false) < 0)
			return ERR_INVALID_COPY_SOURCE;
		r = call_check_version_id(c, vid);
		if (r != ERR_OK)
			return r;
	}
	if (dec[0] == '/')
		dec++;
	slash = strchr(dec, '/');
	if (slash == NULL || slash[1] == '\0')
		return ERR_INVALID_COPY_SOURCE;
	*slash = '\0';
	if (!bucket_name_valid(dec)) {
		c->x.bucket = dec;
		return ERR_INVALID_BUCKET_NAME;
	}
	if (!bucket_key_valid(slash + 1, strlen(slash + 1))) {
		c->x.key = slash + 1;
		return ERR_INVALID_OBJECT_NAME;
	}
	r = bucket_get(c->api->db, dec, &s->bucket);
	if (r == ERR_NO_SUCH_BUCKET)
		c->x.bucket = dec;
	if (r != ERR_OK)
		return r;
	/* Reading the source needs the same rights as GetObject on it
	 * (oss-api-2.md §5.6: CopyObject is oss:GetObject on the source as
	 * well as oss:PutObject on the target): the source bucket's policy,
	 * then the object's ACL, else the bucket's, for all but the owner. */
	s->vid = vid;
	if (vid != NULL) {
		r = object_get_version(c->api->db, c->a, s->bucket.id,
		    slash + 1, vid, &s->obj);
		/* A marker has nothing to copy (oss-api-2.md §1.4). */
		if (r == ERR_OK && s->obj.delete_marker)
			r = ERR_NO_SUCH_KEY;
	} else
		r = object_get(c->api->db, c->a, s->bucket.id, slash + 1,
		    &s->obj);
	if (r == ERR_OK || r == ERR_NO_SUCH_KEY || r == ERR_NO_SUCH_VERSION) {
		enum err a = access_object(c, &s->bucket, "oss:GetObject",
		    slash + 1, r == ERR_OK ? s->obj.acl : NULL, false);

		if (a != ERR_OK)
			return a;
	}
	if (r == ERR_NO_SUCH_KEY || r == ERR_NO_SUCH_VERSION)
		c->x.key = slash + 1;
	if (r != ERR_OK)
		return r;
	if (!object_readable(c, &s->obj))
		return ERR_INVALID_OBJECT_STATE;
	return object_check_conditions(c, &s->obj, "x-oss-copy-source-");
}

/* Streams source plaintext [start, start+len) into u. */
static enum err
copy_bytes(struct call *c, const struct copy_source *s, uint64_t start,
    uint64_t len, struct upload *u)
{
	struct object_reader *rd = NULL;
	struct extent *ext = NULL;
	size_t next = 0;
	char *buf = NULL;
	uint64_t pos = 0;
	enum err r;

	r = object_extents(c->api->db, c->a, s->obj.id, &ext, &next);
	/* The source is served as GetObject would: a row edited outside
	 * cofferd is not copied. */
	if (r == ERR_OK && (!s->obj.sealed ||
	    !object_extents_whole(&s->obj, ext, next))) {
		log_errx("ALERT: copy source '%s/%s' fails its seal (edited "
		    "outside cofferd?)", s->bucket.name, s->obj.key);
		r = ERR_CORRUPT;
	}
	if (r == ERR_OK)
		r = object_reader_open(c->api, s->bucket.owner, ext, next,
		    start, len, &rd);
	if (r != ERR_OK)
		return r;
	buf = malloc(COPY_BUF);
	if (buf == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	while (pos < len && r == ERR_OK) {
		size_t n = len - pos > COPY_BUF ? COPY_BUF : (size_t)(len - pos);

		r = object_reader_read_all(rd, pos, buf, n);
		if (r == ERR_OK)
			r = upload_write(u, buf, n);
		pos += n;
	}
out:
	if (buf != NULL) {
		explicit_bzero(buf, COPY_BUF);
		free(buf);
	}
	object_reader_free(rd);
	return r;
}

static enum err
directive(struct call *c, const char *name, const char *copy,
    const char *replace, bool *ret_replace)
{
	const char *v = call_header(c, name);

	*ret_replace = false;
	if (v == NULL || strcasecmp(v, copy) == 0)
		return ERR_OK;
	if (strcasecmp(v, replace) == 0) {
		*ret_replace = true;
		return ERR_OK;
	}
	c->x.arg_name = name;
	c->x.arg_value = v;
	return ERR_INVALID_ARGUMENT;
}

static enum err
copy_result(struct call *c, const struct copy_source *s,
    const struct object *o)
{
	char t[TIME_ISO_BYTES];
	struct xml_writer w;
	struct buf b;
	enum err r;

	time_fmt_iso_ms(t, o->mtime_ms);
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "CopyObjectResult");
	xml_elem(&w, "LastModified", t);
	xml_elemf(&w, "ETag", "\"%s\"", o->etag);
	xml_close(&w, "CopyObjectResult");
	r = xml_writer_finish(&w);
	if (r != ERR_OK)
		return r;
	(void)call_resp_headerf(c, "x-oss-hash-crc64ecma", "%llu",
	    (unsigned long long)o->crc64);
	object_echo_sse(c, o);
	/* oss-api-2.md §1.3: the source version read, the version made. */
	if (s->bucket.versioning != BUCKET_UNVERSIONED || s->vid != NULL)
		(void)call_resp_header(c, "x-oss-copy-source-version-id",
		    s->obj.version_id);
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		(void)call_resp_header(c, "x-oss-version-id", o->version_id);
	call_resp_buf(c, 200, "application/xml", &b);
	return ERR_OK;
}

/* Self-copy: OSS rewrites the metadata only, from the request. */
static enum err
copy_metadata(struct call *c, const struct copy_source *s, bool tag_replace)
{
	const char *headers = NULL, *acl = call_header(c, "x-oss-object-acl");
	const char *tags = NULL;
	enum err r;

	if (acl != NULL && !bucket_object_acl_valid(acl))
		return ERR_INVALID_ACL;
	r = object_collect_headers(c, &headers);
	if (r != ERR_OK)
		return r;
	if (tag_replace) {
		tags = call_header(c, "x-oss-tagging");
		if (tags == NULL)
			tags = "";
		r = object_check_tagging(c, tags);
		if (r != ERR_OK)
			return r;
	}
	r = object_update_metadata(c, &s->obj, headers, acl, tags);
	if (r != ERR_OK)
		return r;
	return copy_result(c, s, &s->obj);
}

/* A link copies as a link to the same key (the CopyObject page): there
 * is no data to read or encrypt. */
static enum err
copy_symlink(struct call *c, const struct copy_source *s, struct object *o,
    bool forbid, bool meta_replace, bool tag_replace)
{
	const char *target;
	enum err r;

	r = symlink_target(c, &s->obj, &target);
	if (r != ERR_OK)
		return r;
	if (!meta_replace)
		o->headers = s->obj.headers;
	else
		r = symlink_request_type(c, o);
	if (!tag_replace)
		o->tags = s->obj.tags;
	if (r == ERR_OK)
		r = symlink_make(c, o, target);
	if (r != ERR_OK)
		return r;
	o->mtime_ms = call_now(c);
	r = symlink_store(c, o, forbid);
	if (r != ERR_OK)
		return r;
	return copy_result(c, s, o);
}

enum err
h_copy_object(struct call *c)
{
	struct copy_source s;
	struct upload_result res;
	struct upload *u = NULL;
	struct extent_ref *dead = NULL;
	struct object_tx tx;
	struct object o, cur;
	const char *cmk = NULL;
	bool forbid, meta_replace, tag_replace, self, exists = false;
	size_t ndead = 0;
	enum err r;

	r = object_parse_forbid_overwrite(c, &forbid);
	if (r == ERR_OK)
		r = directive(c, "x-oss-metadata-directive", "COPY", "REPLACE",
		    &meta_replace);
	if (r == ERR_OK)
		r = directive(c, "x-oss-tagging-directive", "Copy", "Replace",
		    &tag_replace);
	if (r == ERR_OK)
		r = load_source(c, &s);
	if (r != ERR_OK)
		return r;
	memset(&o, 0, sizeof(o));
	r = object_prepare(c, &o, &cmk);
	if (r != ERR_OK)
		return r;
	/* A versioned bucket keeps what a write would overwrite (§1.8),
	 * and takes no copy of an appendable object (the CopyObject page;
	 * its error is not given: this one is OSS's for such refusals). */
	if (c->bucket.versioning != BUCKET_UNVERSIONED) {
		forbid = false;
		if (strcmp(s.obj.type, "Appendable") == 0)
			return ERR_OPERATION_NOT_SUPPORTED;
	}
	self = s.bucket.id == c->bucket.id && strcmp(s.obj.key, c->key) == 0;
	if (self && forbid)
		return ERR_FILE_EXISTS;
	if (object_is_symlink(&s.obj))
		return copy_symlink(c, &s, &o, forbid, meta_replace,
		    tag_replace);
	/* A self-copy that keeps class and encryption is a metadata change,
	 * unless the bucket keeps versions: then, as a copy of an older
	 * version onto its key, it makes a new current version. */
	if (self && c->bucket.versioning == BUCKET_UNVERSIONED &&
	    call_header(c, "x-oss-storage-class") == NULL &&
	    call_header(c, "x-oss-server-side-encryption") == NULL)
		return copy_metadata(c, &s, tag_replace);

	/* Refuse early what the commit would refuse. */
	/* FileAlreadyExists is reported before a retention refusal. */
	r = call_tx_peek(c, c->bucket.id, c->key, &cur, &exists);
	if (exists && forbid)
		return ERR_FILE_EXISTS;
	if (r != ERR_OK)
		return r;
	str_copy(o.type, sizeof(o.type), "Normal");
	if (!meta_replace)
		o.headers = s.obj.headers;
	if (!tag_replace)
		o.tags = s.obj.tags;
	r = upload_begin(c->api, c->bucket.owner, cmk, &u);
	if (r == ERR_OK)
		r = copy_bytes(c, &s, 0, s.obj.size, u);
	if (r == ERR_OK)
		r = upload_finish(u, &res);
	if (r != ERR_OK)
		goto out;
	hex_encode_upper(o.etag, res.md5, HASH_MD5_BYTES);
	o.size = res.len;
	o.crc64 = res.crc64;
	o.mtime_ms = call_now(c);
	r = call_tx_begin(c, c->bucket.id, c->key, &tx);
	if (r != ERR_OK)
		goto out;
	if (tx.exists && forbid)
		r = ERR_FILE_EXISTS;
	if (r == ERR_OK)
		r = object_replace(c->api->db, c->a, &o, c->bucket.versioning,
		    &res.extent, 1, &dead,
		    &ndead);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	object_tx_end(&tx);
	if (r == ERR_OK || err_maybe_committed(r)) {
		upload_commit(u);	/* a row may name its blob */
		u = NULL;
	}
	if (r == ERR_OK) {
		object_unlink_dead(c, dead, ndead);
		r = copy_result(c, &s, &o);
	}
out:
	upload_abort(u);
	return r;
}

/* "bytes=a-b" of x-oss-copy-source-range; absent = the whole object. */
static enum err
copy_range(struct call *c, uint64_t size, uint64_t *start, uint64_t *len)
{
	const char *h = call_header(c, "x-oss-copy-source-range");
	const char *dash;
	uint64_t a, b;

	*start = 0;
	*len = size;
	if (h == NULL)
		return ERR_OK;
	if (strncmp(h, "bytes=", 6) != 0 || (dash = strchr(h + 6, '-')) == NULL ||
	    !str_to_u64n(h + 6, (size_t)(dash - h - 6), UINT64_MAX, &a) ||
	    !str_to_u64(dash + 1, UINT64_MAX, &b) || b < a || a >= size)
		return ERR_INVALID_RANGE;
	if (b >= size)
		b = size - 1;
	*start = a;
	*len = b - a + 1;
	return ERR_OK;
}

enum err
h_upload_part_copy(struct call *c)
{
	const char *id = call_query(c, "uploadId");
	const char *pn = call_query(c, "partNumber");
	struct copy_source s;
	struct upload_result res;
	struct upload *up = NULL;
	struct mpu_part p;
	struct mpu u;
	uint64_t start, len, num;
	char t[TIME_ISO_BYTES];
	struct xml_writer w;
	struct buf b;
	enum err r;

	if (pn == NULL || !str_to_u64(pn, BUCKET_MAX_PARTS, &num) || num == 0)
		return ERR_INVALID_PART_NUMBER;
	if (id == NULL || strlen(id) >= MPU_ID_BYTES)
		return ERR_NO_SUCH_UPLOAD;
	r = mpu_get(c->api->db, c->a, c->bucket.id, c->key, id, &u);
	if (r == ERR_OK)
		r = load_source(c, &s);
	if (r == ERR_OK)
		r = copy_range(c, s.obj.size, &start, &len);
	if (r != ERR_OK)
		return r;
	r = upload_begin(c->api, c->bucket.owner,
	    u.sse_key_id[0] ? u.sse_key_id : NULL, &up);
	if (r == ERR_OK)
		r = copy_bytes(c, &s, start, len, up);
	if (r == ERR_OK)
		r = upload_finish(up, &res);
	if (r == ERR_OK)
		r = multipart_commit_part(c, &u, (unsigned)num, &res, &p);
	if (r != ERR_OK && !err_maybe_committed(r)) {
		upload_abort(up);
		return r;
	}
	upload_commit(up);	/* on ERR_UNSYNCED too: a row may name its blob */
	if (r != ERR_OK)
		return r;
	time_fmt_iso_ms(t, p.mtime_ms);
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "CopyPartResult");
	xml_elem(&w, "LastModified", t);
	xml_elemf(&w, "ETag", "\"%s\"", p.etag);
	xml_close(&w, "CopyPartResult");
	r = xml_writer_finish(&w);
	if (r != ERR_OK)
		return r;
	/* ali-oss reads the part ETag from the header, as for UploadPart. */
	(void)call_resp_headerf(c, "ETag", "\"%s\"", p.etag);
	(void)call_resp_headerf(c, "x-oss-hash-crc64ecma", "%llu",
	    (unsigned long long)p.crc64);
	call_resp_buf(c, 200, "application/xml", &b);
	return ERR_OK;
}
