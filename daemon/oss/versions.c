/* SPDX-License-Identifier: ISC */
/*
 * versions.c: ListObjectVersions, GET /?versions (oss-api-2.md §1.5).
 *
 * ListObjects' parameters with a two-part cursor (key-marker,
 * version-id-marker), every version and delete marker of a key newest
 * first, and common prefixes after the versions as the documented
 * skeleton has them. What a page holds and where the next one starts is
 * bucket/version_listing.c's; this file reads the query and writes XML.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "oss/object_ops.h"
#include "base/str.h"
#include "codec/xml.h"

/* OSS refuses longer prefix, markers and delimiter (PY1 real tests). */
#define VERSIONS_PARAM_MAX	1024
#define VERSIONS_MAX_KEYS	1000

struct versions_ctx {
	struct call		*c;
	struct xml_writer	 items;		/* Version and DeleteMarker */
	struct xml_writer	 prefixes;	/* CommonPrefixes */
	bool			 url;
};

/* <name>v</name>, with encoding-type=url every byte outside RFC 3986's
 * unreserved set encoded, '/' included (the SDK fixture of §1.5 has
 * <Delimiter>%2F</Delimiter>). */
static void
elem(struct versions_ctx *l, struct xml_writer *w, const char *name,
    const char *v)
{
	struct buf t;

	if (v == NULL)
		v = "";
	if (!l->url) {
		xml_elem(w, name, v);
		return;
	}
	buf_init(&t, 16 * 1024);
	if (url_encode(&t, v, strlen(v), false) == ERR_OK)
		xml_elem(w, name, buf_cstr(&t));
	else if (w->err == ERR_OK)
		w->err = ERR_NOMEM;
	buf_free(&t);
}

static void
owner(struct versions_ctx *l, struct xml_writer *w)
{
	xml_open(w, "Owner");
	xml_elem(w, "ID", l->c->bucket.owner_account_id);
	xml_elem(w, "DisplayName", l->c->bucket.owner_account_id);
	xml_close(w, "Owner");
}

static void
list_version(void *ctx, const struct object *o)
{
	struct versions_ctx *l = ctx;
	struct xml_writer *w = &l->items;
	char t[TIME_ISO_BYTES];
	const char *restore;

	time_fmt_iso_ms(t, o->mtime_ms);
	xml_open(w, o->delete_marker ? "DeleteMarker" : "Version");
	elem(l, w, "Key", o->key);
	xml_elem(w, "VersionId", o->version_id);
	xml_elem_bool(w, "IsLatest", o->latest);
	xml_elem(w, "LastModified", t);
	if (o->delete_marker) {
		owner(l, w);
		xml_close(w, "DeleteMarker");
		return;
	}
	xml_elemf(w, "ETag", "\"%s\"", o->etag);
	xml_elem(w, "Type", o->type);
	xml_elem_u64(w, "Size", o->size);
	xml_elem(w, "StorageClass", o->storage_class);
	owner(l, w);
	/* The x-oss-restore value HeadObject gives this version. */
	restore = object_restore_header(l->c, o);
	if (restore != NULL)
		xml_elem(w, "RestoreInfo", restore);
	xml_close(w, "Version");
}

static void
list_prefix(void *ctx, const char *cp)
{
	struct versions_ctx *l = ctx;

	xml_open(&l->prefixes, "CommonPrefixes");
	elem(l, &l->prefixes, "Prefix", cp);
	xml_close(&l->prefixes, "CommonPrefixes");
}

/* A parameter over VERSIONS_PARAM_MAX bytes is InvalidArgument. */
static enum err
param(struct call *c, const char *name, const char **ret)
{
	const char *v = call_query(c, name);

	*ret = v;
	if (v != NULL && strlen(v) > VERSIONS_PARAM_MAX) {
		c->x.arg_name = name;
		c->x.arg_value = v;
		return ERR_INVALID_ARGUMENT;
	}
	return ERR_OK;
}

enum err
h_list_object_versions(struct call *c)
{
	const char *prefix, *delim, *km, *vm;
	const char *mk = call_query(c, "max-keys");
	const char *enc = call_query(c, "encoding-type");
	struct version_list_opts o;
	struct version_list_next next;
	struct version_list_cb cb;
	struct versions_ctx l;
	struct xml_writer w;
	struct buf b, items, prefixes;
	uint64_t v;
	enum err r;

	memset(&o, 0, sizeof(o));
	memset(&next, 0, sizeof(next));
	o.max_keys = 100;
	if ((r = param(c, "prefix", &prefix)) != ERR_OK ||
	    (r = param(c, "delimiter", &delim)) != ERR_OK ||
	    (r = param(c, "key-marker", &km)) != ERR_OK ||
	    (r = param(c, "version-id-marker", &vm)) != ERR_OK)
		return r;
	if (mk != NULL) {
		if (!str_to_u64(mk, VERSIONS_MAX_KEYS, &v) || v == 0) {
			c->x.arg_name = "max-keys";
			c->x.arg_value = mk;
			return ERR_INVALID_ARGUMENT;
		}
		o.max_keys = (unsigned)v;
	}
	if (enc != NULL && strcmp(enc, "url") != 0) {
		c->x.arg_name = "encoding-type";
		c->x.arg_value = enc;
		return ERR_INVALID_ARGUMENT;
	}
	if (vm != NULL && vm[0] != '\0' && !bucket_version_id_valid(vm)) {
		c->x.arg_name = "version-id-marker";
		c->x.arg_value = vm;
		return ERR_VERSION_ID_MARKER_INVALID;
	}
	o.prefix = prefix && prefix[0] ? prefix : NULL;
	o.delimiter = delim && delim[0] ? delim : NULL;
	o.key_marker = km && km[0] ? km : NULL;
	/* Without a key marker a version id marker has nothing to stand
	 * in, and the listing starts at the beginning (S3 refuses the
	 * pair; OSS is silent and ali-oss checks it before sending). */
	o.vid_marker = o.key_marker && vm && vm[0] ? vm : NULL;

	buf_init(&items, 64 * 1024 * 1024);
	buf_init(&prefixes, 16 * 1024 * 1024);
	xml_writer_init(&l.items, &items);
	xml_writer_init(&l.prefixes, &prefixes);
	l.c = c;
	l.url = enc != NULL;
	cb.version = list_version;
	cb.prefix = list_prefix;
	cb.ctx = &l;
	r = object_list_versions(c->api->db, c->a, c->bucket.id, &o, &cb,
	    &next);
	if (r == ERR_OK)
		r = xml_writer_finish(&l.items);
	if (r == ERR_OK)
		r = xml_writer_finish(&l.prefixes);
	if (r != ERR_OK) {
		buf_free(&items);
		buf_free(&prefixes);
		return r;
	}

	buf_init(&b, 81 * 1024 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "ListVersionsResult");
	xml_elem(&w, "Name", c->bucket.name);
	elem(&l, &w, "Prefix", prefix);
	elem(&l, &w, "KeyMarker", km);
	xml_elem(&w, "VersionIdMarker", vm ? vm : "");
	xml_elem_u64(&w, "MaxKeys", o.max_keys);
	elem(&l, &w, "Delimiter", delim);
	if (l.url)
		xml_elem(&w, "EncodingType", "url");
	xml_elem_bool(&w, "IsTruncated", next.truncated);
	if (next.truncated) {
		elem(&l, &w, "NextKeyMarker", next.key_marker);
		xml_elem(&w, "NextVersionIdMarker", next.vid_marker);
	}
	if (w.err == ERR_OK)
		w.err = buf_append(&b, buf_cstr(&items), items.len);
	if (w.err == ERR_OK)
		w.err = buf_append(&b, buf_cstr(&prefixes), prefixes.len);
	buf_free(&items);
	buf_free(&prefixes);
	xml_close(&w, "ListVersionsResult");
	return call_resp_xml(c, &w, &b);
}
