/* SPDX-License-Identifier: ISC */
/*
 * bucket.c: bucket-level operations (spec oss-api.md §3.1).
 */
#include <stdio.h>
#include <string.h>

#include "oss/oss_int.h"
#include "oss/object_ops.h"
#include "object/object_tx.h"
#include "base/str.h"
#include "codec/xml.h"
#include "db/db.h"
#include "inventory/inventory.h"
#include "live/live.h"
#include "object/object.h"
#include "worm/worm.h"

enum err
h_put_bucket(struct call *c)
{
	const char *acl = call_header(c, "x-oss-acl");
	const char *rg = call_header(c, "x-oss-resource-group-id");
	struct bucket want;
	bool created;
	enum err r;

	memset(&want, 0, sizeof(want));
	if (!bucket_name_valid(c->bucket_name)) {
		c->x.bucket = c->bucket_name;
		return ERR_INVALID_BUCKET_NAME;
	}
	str_copy(want.name, sizeof(want.name), c->bucket_name);
	want.owner = c->account.id;
	str_copy(want.region, sizeof(want.region), c->region);
	if (acl != NULL) {
		if (!bucket_acl_valid(acl))
			return ERR_INVALID_ACL;
		str_copy(want.acl, sizeof(want.acl), acl);
	}
	if (rg != NULL)
		str_copy(want.resource_group, sizeof(want.resource_group), rg);
	if (c->body.len > 0) {
		struct xml_node *root;
		const char *sc, *dr;

		r = call_parse_xml(c, &root);
		if (r != ERR_OK)
			return r;
		if (strcmp(root->name, "CreateBucketConfiguration") != 0)
			return ERR_MALFORMED_XML;
		sc = xml_child_text(root, "StorageClass");
		dr = xml_child_text(root, "DataRedundancyType");
		if (sc != NULL) {
			if (!bucket_storage_class_valid(sc))
				return ERR_INVALID_STORAGE_CLASS;
			str_copy(want.storage_class, sizeof(want.storage_class), sc);
		}
		if (dr != NULL) {
			if (!bucket_redundancy_valid(dr))
				return ERR_INVALID_REDUNDANCY;
			str_copy(want.redundancy, sizeof(want.redundancy), dr);
		}
	}
	r = bucket_put(c->api->db, &want, call_now(c), c->api->max_buckets,
	    &created);
	if (r != ERR_OK)
		return r;
	(void)created;
	(void)call_resp_headerf(c, "Location", "/%s", want.name);
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_delete_bucket(struct call *c)
{
	struct db *db = c->api->db;
	enum err r;

	/* One transaction: an object written meanwhile keeps the bucket, and
	 * the bucket's policy and inventories go with it (worm/ rows refer
	 * to the bucket row). */
	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = worm_bucket_deletable(db, c->bucket.id, c->bucket.name,
	    call_now(c));
	if (r == ERR_OK)
		r = worm_bucket_dropped(db, c->bucket.id);
	if (r == ERR_OK)
		r = inventory_bucket_dropped(db, c->bucket.id);
	if (r == ERR_OK)
		r = live_bucket_dropped(db, c->bucket.id);
	if (r == ERR_OK)
		r = bucket_delete(db, c->bucket.id);
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);

	if (r == ERR_BUCKET_NOT_EMPTY || r == ERR_BUCKET_NOT_EMPTY_UPLOADS ||
	    r == ERR_BUCKET_NOT_EMPTY_LIVE)
		c->x.bucket = c->bucket.name;
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 204);
	return ERR_OK;
}

enum err
h_head_bucket(struct call *c)
{
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_bucket_info(struct call *c)
{
	const struct bucket *bk = &c->bucket;
	char t[TIME_ISO_BYTES];
	struct xml_writer w;
	struct buf b;

	time_fmt_iso_ms(t, bk->created_ms);
	buf_init(&b, 64 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "BucketInfo");
	xml_open(&w, "Bucket");
	xml_elem(&w, "AccessMonitor", "Disabled");
	xml_elem(&w, "CreationDate", t);
	xml_elemf(&w, "ExtranetEndpoint", "oss-%s.aliyuncs.com", bk->region);
	xml_elemf(&w, "IntranetEndpoint", "oss-%s-internal.aliyuncs.com",
	    bk->region);
	xml_elemf(&w, "Location", "oss-%s", bk->region);
	xml_elem(&w, "StorageClass", bk->storage_class);
	xml_elem(&w, "TransferAcceleration", "Disabled");
	xml_elem(&w, "CrossRegionReplication", "Disabled");
	xml_elem(&w, "DataRedundancyType", bk->redundancy);
	xml_elem(&w, "Name", bk->name);
	xml_elem(&w, "ResourceGroupId", bk->resource_group);
	if (bk->versioning != BUCKET_UNVERSIONED)
		xml_elem(&w, "Versioning", bucket_versioning_name(bk->versioning));
	xml_open(&w, "Owner");
	xml_elem(&w, "DisplayName", bk->owner_account_id);
	xml_elem(&w, "ID", bk->owner_account_id);
	xml_close(&w, "Owner");
	xml_open(&w, "AccessControlList");
	xml_elem(&w, "Grant", bk->acl);
	xml_close(&w, "AccessControlList");
	xml_open(&w, "ServerSideEncryptionRule");
	xml_elem(&w, "SSEAlgorithm",
	    bk->sse_algorithm[0] ? bk->sse_algorithm : "None");
	if (bk->sse_kms_key_id[0])
		xml_elem(&w, "KMSMasterKeyID", bk->sse_kms_key_id);
	if (bk->sse_data_enc[0])
		xml_elem(&w, "KMSDataEncryption", bk->sse_data_enc);
	xml_close(&w, "ServerSideEncryptionRule");
	xml_open(&w, "BucketPolicy");
	xml_elem(&w, "LogBucket", "");
	xml_elem(&w, "LogPrefix", "");
	xml_close(&w, "BucketPolicy");
	xml_close(&w, "Bucket");
	xml_close(&w, "BucketInfo");
	return call_resp_xml(c, &w, &b);
}

enum err
h_get_bucket_location(struct call *c)
{
	struct xml_writer w;
	struct buf b;

	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_elemf(&w, "LocationConstraint", "oss-%s", c->bucket.region);
	return call_resp_xml(c, &w, &b);
}

enum err
h_get_bucket_stat(struct call *c)
{
	static const char *const names[5] = { "Standard", "InfrequentAccess",
	    "Archive", "ColdArchive", "DeepColdArchive" };
	struct bucket_stat st;
	struct xml_writer w;
	struct buf b;
	enum err r;

	r = bucket_stat(c->api->db, c->bucket.id, &st);
	if (r != ERR_OK)
		return r;
	buf_init(&b, 16 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "BucketStat");
	xml_elem_u64(&w, "Storage", st.storage);
	xml_elem_u64(&w, "ObjectCount", st.objects);
	xml_elem_u64(&w, "MultipartUploadCount", st.uploads);
	xml_elem_u64(&w, "LiveChannelCount", 0);
	xml_elem_i64(&w, "LastModifiedTime", st.last_modified_ms / 1000);
	for (int i = 0; i < 5; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%sStorage", names[i]);
		xml_elem_u64(&w, name, st.per_class_storage[i]);
		if (i > 0) {
			snprintf(name, sizeof(name), "%sRealStorage", names[i]);
			xml_elem_u64(&w, name, st.per_class_storage[i]);
		}
		snprintf(name, sizeof(name), "%sObjectCount", names[i]);
		xml_elem_u64(&w, name, st.per_class_objects[i]);
	}
	xml_elem_u64(&w, "MultipartPartCount", st.parts);
	xml_elem_u64(&w, "DeleteMarkerCount", st.delete_markers);
	xml_close(&w, "BucketStat");
	return call_resp_xml(c, &w, &b);
}

enum err
h_get_bucket_acl(struct call *c)
{
	struct xml_writer w;
	struct buf b;

	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	oss_xml_acl(&w, c->bucket.owner_account_id, c->bucket.acl);
	return call_resp_xml(c, &w, &b);
}

enum err
h_put_bucket_acl(struct call *c)
{
	const char *acl = call_header(c, "x-oss-acl");
	enum err r;

	if (acl == NULL || !bucket_acl_valid(acl))
		return ERR_INVALID_ACL;
	r = bucket_set_acl(c->api->db, c->bucket.id, acl);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

/* ---- ListObjects (V1) and ListObjectsV2 ---- */

struct list_ctx {
	struct call		*c;
	struct xml_writer	*w;
	bool			 url;		/* encoding-type=url */
	bool			 owner;		/* emit <Owner> */
	unsigned		 count;
};

static void
list_object(void *ctx, const struct object *o)
{
	struct list_ctx *l = ctx;
	struct xml_writer *w = l->w;
	char t[TIME_ISO_BYTES];
	const char *restore;

	time_fmt_iso_ms(t, o->mtime_ms);
	xml_open(w, "Contents");
	xml_elem_url(l->w, "Key", o->key, l->url);
	xml_elem(w, "LastModified", t);
	xml_elemf(w, "ETag", "\"%s\"", o->etag);
	xml_elem(w, "Type", o->type);
	xml_elem_u64(w, "Size", o->size);
	xml_elem(w, "StorageClass", o->storage_class);
	if (l->owner) {
		xml_open(w, "Owner");
		xml_elem(w, "ID", l->c->bucket.owner_account_id);
		xml_elem(w, "DisplayName", l->c->bucket.owner_account_id);
		xml_close(w, "Owner");
	}
	restore = object_restore_header(l->c, o);
	if (restore != NULL)
		xml_elem(w, "RestoreInfo", restore);
	xml_close(w, "Contents");
	l->count++;
}

static void
list_prefix(void *ctx, const char *cp)
{
	struct list_ctx *l = ctx;

	xml_open(l->w, "CommonPrefixes");
	xml_elem_url(l->w, "Prefix", cp, l->url);
	xml_close(l->w, "CommonPrefixes");
	l->count++;
}

enum err
h_list_objects(struct call *c)
{
	const char *lt = call_query(c, "list-type");
	bool v2 = lt != NULL && strcmp(lt, "2") == 0;
	const char *prefix = call_query(c, "prefix");
	const char *delim = call_query(c, "delimiter");
	const char *mk = call_query(c, "max-keys");
	const char *enc = call_query(c, "encoding-type");
	const char *marker = NULL, *token = NULL, *start_after = NULL;
	const char *fetch_owner = call_query(c, "fetch-owner");
	struct object_list_opts o;
	struct object_list_cb cb;
	struct list_ctx l;
	struct xml_writer w, iw;
	struct buf b, items;
	const char *next = NULL;
	bool truncated = false;
	uint64_t v;
	enum err r;

	memset(&o, 0, sizeof(o));
	o.max_keys = 100;
	if (lt != NULL && !v2) {
		c->x.arg_name = "list-type";
		c->x.arg_value = lt;
		return ERR_INVALID_ARGUMENT;
	}
	if (mk != NULL) {
		if (!str_to_u64(mk, 1000, &v)) {
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
	if (delim != NULL && delim[0] == '\0')
		delim = NULL;
	if (v2) {
		token = call_query(c, "continuation-token");
		start_after = call_query(c, "start-after");
		if (token != NULL && token[0] != '\0') {
			size_t tl = strlen(token);
			char *dec = arena_alloc(c->a, tl + 1);
			int n = dec ? b64_decode(dec, tl, token, tl) : -1;

			if (n < 0) {
				c->x.arg_name = "continuation-token";
				c->x.arg_value = token;
				return ERR_INVALID_ARGUMENT;
			}
			dec[n] = '\0';
			marker = dec;
		} else
			marker = start_after;
	} else
		marker = call_query(c, "marker");
	o.prefix = prefix && prefix[0] ? prefix : NULL;
	o.marker = marker && marker[0] ? marker : NULL;
	o.delimiter = delim;

	buf_init(&items, 64 * 1024 * 1024);
	xml_writer_init(&iw, &items);
	l.c = c;
	l.w = &iw;
	l.url = enc != NULL;
	l.owner = !v2 || (fetch_owner && strcmp(fetch_owner, "true") == 0);
	l.count = 0;
	cb.object = list_object;
	cb.prefix = list_prefix;
	cb.ctx = &l;
	if (o.max_keys > 0)
		r = object_list(c->api->db, c->a, c->bucket.id, &o, &cb,
		    &truncated, &next);
	else
		r = ERR_OK;
	if (r == ERR_OK)
		r = xml_writer_finish(&iw);
	if (r != ERR_OK) {
		buf_free(&items);
		return r;
	}

	buf_init(&b, 65 * 1024 * 1024);
	xml_writer_init(&w, &b);
	l.w = &w;
	xml_decl(&w);
	xml_open(&w, "ListBucketResult");
	xml_elem(&w, "Name", c->bucket.name);
	xml_elem_url(l.w, "Prefix", prefix, l.url);
	if (v2) {
		if (start_after != NULL)
			xml_elem_url(l.w, "StartAfter", start_after, l.url);
		if (token != NULL)
			xml_elem(&w, "ContinuationToken", token);
	} else
		xml_elem_url(l.w, "Marker", marker, l.url);
	xml_elem_u64(&w, "MaxKeys", o.max_keys);
	xml_elem_url(l.w, "Delimiter", delim, l.url);
	if (enc != NULL)
		xml_elem(&w, "EncodingType", "url");
	xml_elem_bool(&w, "IsTruncated", truncated);
	if (truncated && next != NULL) {
		if (v2) {
			size_t nl = strlen(next), cap = b64_encoded_len(nl) + 1;
			char *tok = arena_alloc(c->a, cap);

			if (tok == NULL || b64_encode(tok, cap, next, nl) < 0)
				w.err = ERR_NOMEM;
			else
				xml_elem(&w, "NextContinuationToken", tok);
		} else
			xml_elem_url(l.w, "NextMarker", next, l.url);
	}
	if (v2)
		xml_elem_u64(&w, "KeyCount", l.count);
	if (w.err == ERR_OK)
		w.err = buf_append(&b, buf_cstr(&items), items.len);
	buf_free(&items);
	xml_close(&w, "ListBucketResult");
	return call_resp_xml(c, &w, &b);
}

/* ---- DeleteMultipleObjects ---- */

#define DELETE_MULTI_MAX 1000

/* Appends n dead extents to the growing list *v (arena). */
static enum err
dead_append(struct call *c, struct extent_ref **v, size_t *n, size_t *cap,
    const struct extent_ref *add, size_t nadd)
{
	if (*n + nadd > *cap) {
		size_t ncap = (*n + nadd) * 2;
		struct extent_ref *nv = arena_alloc(c->a, ncap * sizeof(*nv));

		if (nv == NULL)
			return ERR_NOMEM;
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
		*cap = ncap;
	}
	if (nadd > 0)
		memcpy(*v + *n, add, nadd * sizeof(*add));
	*n += nadd;
	return ERR_OK;
}

/* One key the request could not delete, as S3's DeleteObjects lists it
 * (Key, the VersionId asked for, Code, Message), with the EC an OSS
 * error document carries. */
static void
delete_error(struct list_ctx *l, const struct xml_node *obj, enum err e)
{
	const char *vid = xml_child_text(obj, "VersionId");

	xml_open(l->w, "Error");
	xml_elem_url(l->w, "Key", xml_child_text(obj, "Key"), l->url);
	if (vid != NULL)
		xml_elem(l->w, "VersionId", vid);
	xml_elem(l->w, "Code", err_info(e)->code);
	xml_elem(l->w, "Message", err_info(e)->msg);
	xml_elem(l->w, "EC", err_info(e)->ec);
	xml_close(l->w, "Error");
}

enum err
h_delete_multiple(struct call *c)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0, cap = 0;
	const char *enc = call_query(c, "encoding-type");
	struct delete_outcome *outs;
	enum err *refused;
	const char **keys;
	struct object_tx tx;
	const struct xml_node *obj;
	struct xml_node *root;
	struct xml_writer w;
	const char *quiet_s;
	struct list_ctx l;
	struct buf b;
	bool quiet;
	size_t n, i;
	enum err r;

	r = object_check_content_md5(c, c->body.data, c->body.len);
	if (r != ERR_OK)
		return r;
	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "Delete") != 0)
		return ERR_MALFORMED_XML;
	quiet_s = xml_child_text(root, "Quiet");
	quiet = quiet_s != NULL && strcmp(quiet_s, "true") == 0;
	n = xml_count(root, "Object");
	if (n == 0 || n > DELETE_MULTI_MAX)
		return ERR_MALFORMED_XML;
	/* Validate every entry before deleting any. */
	for (obj = xml_child(root, "Object"); obj; obj = xml_next_same(obj)) {
		const char *key = xml_child_text(obj, "Key");
		const char *vid = xml_child_text(obj, "VersionId");

		if (key == NULL || !bucket_key_valid(key, strlen(key))) {
			c->x.key = key;
			return ERR_INVALID_OBJECT_NAME;
		}
		r = call_check_version_id(c, vid);
		if (r != ERR_OK)
			return r;
	}
	/* The request was let in for the bucket; the bucket policy may
	 * still deny oss:DeleteObject on some keys: those stay, and answer
	 * an <Error> entry of their own. */
	outs = arena_zalloc(c->a, n * sizeof(*outs));
	refused = arena_zalloc(c->a, n * sizeof(*refused));
	keys = arena_alloc(c->a, n * sizeof(*keys));
	if (outs == NULL || refused == NULL || keys == NULL)
		return ERR_NOMEM;
	i = 0;
	for (obj = xml_child(root, "Object"); obj;
	    obj = xml_next_same(obj), i++)
		keys[i] = xml_child_text(obj, "Key");
	r = access_keys_denied(c, "oss:DeleteObject", keys, n, refused);
	if (r != ERR_OK)
		return r;
	/* All or nothing, in one transaction: one protected entry refuses
	 * the whole request (409 FileImmutable) and nothing is deleted. */
	r = call_tx_begin(c, c->bucket.id, NULL, &tx);
	if (r != ERR_OK)
		return r;
	i = 0;
	for (obj = xml_child(root, "Object"); obj && r == ERR_OK;
	    obj = xml_next_same(obj), i++) {
		const char *key = xml_child_text(obj, "Key");
		struct extent_ref *d = NULL;
		size_t nd = 0;

		if (refused[i] != ERR_OK)
			continue;
		r = object_delete_in_tx(c, &tx, key, xml_child_text(obj,
		    "VersionId"), &outs[i], &d, &nd);
		/* A version that is gone is deleted already, as in OSS:
		 * asking again succeeds. */
		if (r == ERR_NO_SUCH_VERSION) {
			r = ERR_OK;
			continue;
		}
		if (r == ERR_OK)
			r = dead_append(c, &dead, &ndead, &cap, d, nd);
	}
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	object_tx_end(&tx);
	if (r != ERR_OK)
		return r;
	object_unlink_dead(c, dead, ndead);

	buf_init(&b, 16 * 1024 * 1024);
	xml_writer_init(&w, &b);
	l.c = c;
	l.w = &w;
	l.url = enc != NULL && strcmp(enc, "url") == 0;
	xml_decl(&w);
	xml_open(&w, "DeleteResult");
	if (l.url)
		xml_elem(&w, "EncodingType", "url");
	i = 0;
	for (obj = xml_child(root, "Object"); obj;
	    obj = xml_next_same(obj), i++) {
		const char *vid = xml_child_text(obj, "VersionId");

		/* Quiet lists only the failures (oss-api-2.md §1.6). */
		if (refused[i] != ERR_OK) {
			delete_error(&l, obj, refused[i]);
			continue;
		}
		if (quiet)
			continue;
		xml_open(&w, "Deleted");
		xml_elem_url(l.w, "Key", xml_child_text(obj, "Key"), l.url);
		/* oss-api-2.md §1.6: the version named, and a marker's id
		 * when one was added or removed. */
		if (vid != NULL)
			xml_elem(&w, "VersionId", vid);
		if (outs[i].marker) {
			xml_elem(&w, "DeleteMarker", "true");
			xml_elem(&w, "DeleteMarkerVersionId",
			    outs[i].version_id);
		}
		xml_close(&w, "Deleted");
	}
	xml_close(&w, "DeleteResult");
	return call_resp_xml(c, &w, &b);
}
