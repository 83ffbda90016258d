/* SPDX-License-Identifier: ISC */
/*
 * service.c: service-level operations (ListBuckets) and the daemon's own
 * /-/health and /-/metrics endpoints.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "base/str.h"
#include "codec/json.h"
#include "codec/xml.h"
#include "db/db.h"

enum err
h_health(struct call *c)
{
	struct buf b;
	enum err r;

	r = api_health_json(c->api, &b);
	if (r != ERR_OK) {
		buf_free(&b);
		return r;
	}
	call_resp_buf(c, api_health_status(c->api), "application/json", &b);
	return ERR_OK;
}

enum err
h_metrics(struct call *c)
{
	struct buf b;
	enum err r;

	buf_init(&b, 8 * 1024 * 1024);
	r = metrics_render(c->oss, &b);
	if (r != ERR_OK)
		return r;
	call_resp_buf(c, 200, "text/plain; version=0.0.4", &b);
	return ERR_OK;
}

struct list_buckets_ctx {
	struct call		*c;
	struct xml_writer	*w;
};

static void
list_one_bucket(void *ctx, const struct bucket *b)
{
	struct list_buckets_ctx *l = ctx;
	struct xml_writer *w = l->w;
	char t[TIME_ISO_BYTES];

	time_fmt_iso_ms(t, b->created_ms);
	xml_open(w, "Bucket");
	xml_elem(w, "CreationDate", t);
	xml_elemf(w, "ExtranetEndpoint", "oss-%s.aliyuncs.com", b->region);
	xml_elemf(w, "IntranetEndpoint", "oss-%s-internal.aliyuncs.com",
	    b->region);
	xml_elemf(w, "Location", "oss-%s", b->region);
	xml_elem(w, "Name", b->name);
	xml_elem(w, "Region", b->region);
	xml_elem(w, "StorageClass", b->storage_class);
	xml_close(w, "Bucket");
}

enum err
h_list_buckets(struct call *c)
{
	const char *prefix = call_query(c, "prefix");
	const char *marker = call_query(c, "marker");
	const char *mk = call_query(c, "max-keys");
	struct bucket_list_opts o = { prefix, marker, 100 };
	char next[BUCKET_NAME_MAX + 1];
	struct list_buckets_ctx l;
	struct xml_writer w, iw;
	bool truncated, paged;
	struct buf b, items;
	uint64_t v;
	enum err r;

	if (mk != NULL) {
		if (!str_to_u64(mk, 1000, &v) || v == 0) {
			c->x.arg_name = "max-keys";
			c->x.arg_value = mk;
			return ERR_INVALID_ARGUMENT;
		}
		o.max_keys = (unsigned)v;
	}
	paged = prefix || marker || mk;
	/* The page is listed first: IsTruncated precedes the buckets. */
	buf_init(&items, 16 * 1024 * 1024);
	xml_writer_init(&iw, &items);
	l.c = c;
	l.w = &iw;
	r = bucket_list(c->api->db, c->account.id, &o, list_one_bucket, &l,
	    &truncated, next);
	if (r == ERR_OK)
		r = xml_writer_finish(&iw);
	if (r != ERR_OK) {
		buf_free(&items);
		return r;
	}
	buf_init(&b, 17 * 1024 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "ListAllMyBucketsResult");
	if (paged) {
		xml_elem(&w, "Prefix", prefix ? prefix : "");
		xml_elem(&w, "Marker", marker ? marker : "");
		xml_elem_u64(&w, "MaxKeys", o.max_keys);
		xml_elem_bool(&w, "IsTruncated", truncated);
		if (truncated)
			xml_elem(&w, "NextMarker", next);
	}
	xml_open(&w, "Owner");
	xml_elem(&w, "ID", c->account.account_id);
	xml_elem(&w, "DisplayName", c->account.account_id);
	xml_close(&w, "Owner");
	xml_open(&w, "Buckets");
	if (w.err == ERR_OK)
		w.err = buf_append(&b, buf_cstr(&items), items.len);
	buf_free(&items);
	xml_close(&w, "Buckets");
	xml_close(&w, "ListAllMyBucketsResult");
	r = xml_writer_finish(&w);
	if (r != ERR_OK)
		return r;
	call_resp_buf(c, 200, "application/xml", &b);
	return ERR_OK;
}
