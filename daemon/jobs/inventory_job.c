/* SPDX-License-Identifier: ISC */
/*
 * inventory_job.c: writes one bucket inventory report (inventory-report.md).
 *
 * Layout in the destination bucket, for prefix P, source S, inventory I:
 *   P/S/I/data/<uuid>.csv.gz, <uuid>-1.csv.gz, ...  gzip CSV, no header
 *   P/S/I/<YYYY-MM-DDTHH-MMZ>/manifest.json         written after the data
 *   P/S/I/<YYYY-MM-DDTHH-MMZ>/manifest.checksum     MD5 hex of the manifest
 * so a manifest never names a file that is not there yet. The listing runs
 * page by page with bounded memory: one page of object rows plus the part
 * being compressed (at most part_max compressed bytes) are held at a time.
 * A bucket in which nothing matches gets no report at all (OSS-NOGEN).
 *
 * IncludedObjectVersions All on a bucket that has ever been versioned
 * lists every version and delete marker, newest first within a key, with
 * VersionId, IsLatest and IsDeleteMarker right after Key; Current, and
 * All on a never-versioned bucket, list current objects only without
 * those columns (inventory-report.md §5).
 *
 * Values the spec marks as inferred (version constant, quoting, date and
 * boolean forms) follow its recommendations; see inventory-report.md §2-3.
 */
#define ZLIB_CONST
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/rand.h"
#include "base/str.h"
#include "codec/json.h"
#include "hash/hash.h"
#include "jobs/jobs_int.h"

/* inventory-report.md §2: the OSS value is undocumented; keep one constant. */
#define MANIFEST_VERSION	"2019-09-01"
#define PAGE_KEYS		1000
#define PAGE_ARENA_MAX		(64u * 1024 * 1024)
#define ROW_MAX			(16u * 1024)
#define KEY_BUF			1400

struct part {
	char		*key;
	uint64_t	 size;
	char		 md5[2 * HASH_MD5_BYTES + 1];
};

struct report {
	struct jobs			*j;
	const struct inventory_config	*c;
	const struct bucket		*src;
	struct bucket			 dest;
	int64_t				 scan_ms;
	char				 base[KEY_BUF];	/* "P/S/I/" */
	char				 uuid[37];
	const char			*sse_alg;
	const char			*sse_key;
	z_stream			 z;
	bool				 z_live;
	struct buf			 gz;
	struct buf			 row;
	struct part			*parts;
	size_t				 nparts;
	uint64_t			 part_rows;
	uint64_t			 rows;
	bool				 versions;	/* All, versioned bucket */
	enum err			 err;
};

bool
jobs_inventory_matches(const struct inventory_config *c,
    const struct object *o, int64_t scan_ms)
{
	const struct inventory_filter *f = &c->filter;
	int64_t s = o->mtime_ms / 1000;

	/* OSS: objects modified before the scan started are listed. */
	if (o->mtime_ms > scan_ms)
		return false;
	/* A delete marker has no size and no storage class, so a filter on
	 * either cannot hold for it (the spec is silent). */
	if (o->delete_marker && (f->has_lower || f->has_upper ||
	    f->storage_classes != 0))
		return false;
	if (f->has_begin && s < (int64_t)f->begin_s)
		return false;
	if (f->has_end && s > (int64_t)f->end_s)
		return false;
	if (f->has_lower && o->size < f->lower)
		return false;
	if (f->has_upper && o->size > f->upper)
		return false;
	if (f->storage_classes != 0 &&
	    !(f->storage_classes & inventory_storage_class_bit(o->storage_class)))
		return false;
	return true;
}

bool
jobs_inventory_versions(const struct inventory_config *c,
    const struct bucket *src)
{
	/* The doc adds the version columns only when the bucket is
	 * versioned; Suspended keeps its versions, so it counts. */
	return c->all_versions && src->versioning != BUCKET_UNVERSIONED;
}

enum err
jobs_inventory_schema(struct buf *b, const struct inventory_config *c,
    bool versions)
{
	enum err r = buf_puts(b, "Bucket, Key");

	if (r == ERR_OK && versions)
		r = buf_puts(b, ", VersionId, IsLatest, IsDeleteMarker");

	/* Columns are in the documented order, not the request's. */
	for (unsigned f = 0; f < INVENTORY_FIELD__COUNT && r == ERR_OK; f++)
		if (inventory_has_field(c, (enum inventory_field)f))
			r = buf_printf(b, ", %s",
			    inventory_field_name((enum inventory_field)f));
	return r;
}

/* One CSV field: double-quoted, embedded quotes doubled (S3 style). */
static enum err
put_field(struct buf *b, bool first, const char *v)
{
	enum err r = first ? ERR_OK : buf_putc(b, ',');

	if (r == ERR_OK)
		r = buf_putc(b, '"');
	for (; *v != '\0' && r == ERR_OK; v++)
		r = *v == '"' ? buf_puts(b, "\"\"") : buf_putc(b, *v);
	if (r == ERR_OK)
		r = buf_putc(b, '"');
	return r;
}

static unsigned
tag_count(const char *tags)
{
	unsigned n = 0;

	if (tags == NULL || *tags == '\0')
		return 0;
	for (n = 1; *tags != '\0'; tags++)
		if (*tags == '&')
			n++;
	return n;
}

static void
field_value(const struct object *o, enum inventory_field f, char *v,
    size_t cap)
{
	/* A delete marker has a time and nothing else: the rest stays
	 * empty, as S3 leaves fields that do not apply. */
	if (o->delete_marker && f != INVENTORY_FIELD_LAST_MODIFIED) {
		str_copy(v, cap, "");
		return;
	}
	switch (f) {
	case INVENTORY_FIELD_SIZE:
		snprintf(v, cap, "%llu", (unsigned long long)o->size);
		break;
	case INVENTORY_FIELD_STORAGE_CLASS:
		str_copy(v, cap, o->storage_class);
		break;
	case INVENTORY_FIELD_LAST_MODIFIED:
		if (cap >= TIME_ISO_BYTES)
			time_fmt_iso_ms(v, o->mtime_ms);
		break;
	case INVENTORY_FIELD_ETAG:
		/* As in ListObjects, without the quotes. */
		str_copy(v, cap, o->etag);
		break;
	case INVENTORY_FIELD_IS_MULTIPART:
		str_copy(v, cap, strcmp(o->type, "Multipart") == 0 ? "true" :
		    "false");
		break;
	case INVENTORY_FIELD_ENCRYPTION:
		/* Server-side encryption as the client asked for it; every
		 * byte is sealed at rest regardless. */
		str_copy(v, cap, o->sse_algorithm[0] != '\0' ? "true" : "false");
		break;
	case INVENTORY_FIELD_TRANSITION_TIME:
		/* Lifecycle transitions do not record when they
		 * happened (the objects table has no column for it). */
		str_copy(v, cap, "");
		break;
	case INVENTORY_FIELD_OBJECT_ACL:
		str_copy(v, cap, o->acl);
		break;
	case INVENTORY_FIELD_TAGGING_COUNT:
		snprintf(v, cap, "%u", tag_count(o->tags));
		break;
	case INVENTORY_FIELD_OBJECT_TYPE:
		str_copy(v, cap, o->type);
		break;
	case INVENTORY_FIELD_CRC64:
		snprintf(v, cap, "%llu", (unsigned long long)o->crc64);
		break;
	default:
		str_copy(v, cap, "");
		break;
	}
}

enum err
jobs_inventory_row(struct buf *b, const char *bucket, const struct object *o,
    const struct inventory_config *c, bool versions)
{
	struct buf key;
	char v[64];
	enum err r;

	buf_init(&key, 3 * BUCKET_KEY_MAX + 1);
	/* OSS: keys are URL-encoded in the lists (doc). */
	r = url_encode(&key, o->key, strlen(o->key), true);
	if (r != ERR_OK)
		return r;
	r = put_field(b, true, bucket);
	if (r == ERR_OK)
		r = put_field(b, false, buf_cstr(&key));
	buf_free(&key);
	if (r == ERR_OK && versions)
		r = put_field(b, false, o->version_id);
	if (r == ERR_OK && versions)
		r = put_field(b, false, o->latest ? "true" : "false");
	if (r == ERR_OK && versions)
		r = put_field(b, false, o->delete_marker ? "true" : "false");
	for (unsigned f = 0; f < INVENTORY_FIELD__COUNT && r == ERR_OK; f++) {
		if (!inventory_has_field(c, (enum inventory_field)f))
			continue;
		field_value(o, (enum inventory_field)f, v, sizeof(v));
		r = put_field(b, false, v);
	}
	if (r == ERR_OK)
		r = buf_putc(b, '\n');
	return r;
}

/* ---- the run ---- */

static void
uuid_v4(char out[static 37])
{
	uint8_t u[16];
	char h[33];

	rand_bytes(u, sizeof(u));
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	hex_encode(h, u, sizeof(u));
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
	    h + 16, h + 20);
}

/* Formats an object key; ERR_INVALID_OBJECT_NAME when it would exceed
 * OSS's 1023 bytes. */
static enum err __attribute__((format(printf, 2, 3)))
key_fmt(char out[static KEY_BUF], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, KEY_BUF, fmt, ap);
	va_end(ap);
	if (n < 0 || n > BUCKET_KEY_MAX)
		return ERR_INVALID_OBJECT_NAME;
	return ERR_OK;
}

static enum err
put(struct report *r, const char *key, const void *p, size_t n,
    const char *type)
{
	return r->j->s.put_object(r->j->s.put_ctx, &r->dest, key, p, n, type,
	    r->sse_alg, r->sse_key);
}

/* Feeds n bytes (flush: Z_NO_FLUSH or Z_FINISH) into the current part. */
static enum err
z_feed(struct report *r, const void *p, size_t n, int flush)
{
	unsigned char out[16384];
	enum err e = ERR_OK;
	int rc;

	r->z.next_in = p;
	r->z.avail_in = (uInt)n;
	do {
		r->z.next_out = out;
		r->z.avail_out = sizeof(out);
		rc = deflate(&r->z, flush);
		if (rc == Z_STREAM_ERROR)
			return ERR_INTERNAL;
		if (sizeof(out) > r->z.avail_out)
			e = buf_append(&r->gz, out, sizeof(out) - r->z.avail_out);
		if (e != ERR_OK)
			return e;
	} while (r->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return ERR_OK;
}

static enum err
part_flush(struct report *r)
{
	uint8_t md5[HASH_MD5_BYTES];
	struct part *np, *p;
	char key[KEY_BUF], sfx[16];
	enum err e;

	e = z_feed(r, "", 0, Z_FINISH);
	if (e != ERR_OK)
		return e;
	/* Parts: <uuid>.csv.gz, <uuid>-1.csv.gz, ... (doc). */
	if (r->nparts == 0)
		sfx[0] = '\0';
	else
		snprintf(sfx, sizeof(sfx), "-%u", (unsigned)(r->nparts % 1000000u));
	e = key_fmt(key, "%sdata/%s%s.csv.gz", r->base, r->uuid, sfx);
	if (e != ERR_OK)
		return e;
	np = realloc(r->parts, (r->nparts + 1) * sizeof(*np));
	if (np == NULL)
		return ERR_NOMEM;
	r->parts = np;
	p = &r->parts[r->nparts];
	memset(p, 0, sizeof(*p));
	p->key = strdup(key);
	if (p->key == NULL)
		return ERR_NOMEM;
	r->nparts++;
	p->size = r->gz.len;
	hash_md5(md5, r->gz.data ? r->gz.data : "", r->gz.len);
	hex_encode(p->md5, md5, sizeof(md5));
	e = put(r, key, r->gz.data ? r->gz.data : "", r->gz.len,
	    "application/x-gzip");
	if (e != ERR_OK)
		return e;
	buf_reset(&r->gz);
	r->part_rows = 0;
	return deflateReset(&r->z) == Z_OK ? ERR_OK : ERR_INTERNAL;
}

static void
on_object(void *ctx, const struct object *o)
{
	struct report *r = ctx;

	if (r->err != ERR_OK || !jobs_inventory_matches(r->c, o, r->scan_ms))
		return;
	buf_reset(&r->row);
	r->err = jobs_inventory_row(&r->row, r->src->name, o, r->c,
	    r->versions);
	if (r->err == ERR_OK)
		r->err = z_feed(r, r->row.data, r->row.len, Z_NO_FLUSH);
	if (r->err != ERR_OK)
		return;
	r->part_rows++;
	r->rows++;
	if (r->j->s.progress != NULL)
		r->j->s.progress(r->j->s.progress_ctx, 1, (uint64_t)o->size);
	if (r->gz.len >= r->j->s.part_max)
		r->err = part_flush(r);
}

static enum err
list_versions(struct report *r)
{
	const struct inventory_filter *f = &r->c->filter;
	struct version_list_cb cb = { .version = on_object, .ctx = r };
	char *km = NULL, *vm = NULL;
	enum err e = ERR_OK;

	for (;;) {
		struct version_list_opts o = {
			.prefix = f->prefix[0] ? f->prefix : NULL,
			.key_marker = km,
			.vid_marker = vm,
			.max_keys = PAGE_KEYS,
		};
		struct version_list_next next = { .truncated = false };
		struct arena a;

		if (jobs_stopping(r->j)) {
			e = ERR_SHUTTING_DOWN;
			break;
		}
		arena_init(&a, PAGE_ARENA_MAX);
		e = object_list_versions(r->j->s.db, &a, r->src->id, &o, &cb,
		    &next);
		free(km);
		free(vm);
		km = vm = NULL;
		if (e == ERR_OK && r->err != ERR_OK)
			e = r->err;
		if (e == ERR_OK && next.truncated) {
			km = strdup(next.key_marker);
			vm = strdup(next.vid_marker);
			if (km == NULL || vm == NULL)
				e = ERR_NOMEM;
		}
		arena_free(&a);
		if (e != ERR_OK || !next.truncated)
			break;
	}
	free(km);
	free(vm);
	return e;
}

static enum err
list_all(struct report *r)
{
	const struct inventory_filter *f = &r->c->filter;
	struct object_list_cb cb = { .object = on_object, .ctx = r };
	char *marker = NULL;
	enum err e = ERR_OK;

	for (;;) {
		struct object_list_opts o = {
			.prefix = f->prefix[0] ? f->prefix : NULL,
			.marker = marker,
			.max_keys = PAGE_KEYS,
		};
		struct arena a;
		const char *next = NULL;
		bool truncated = false;

		if (jobs_stopping(r->j)) {
			e = ERR_SHUTTING_DOWN;
			break;
		}
		arena_init(&a, PAGE_ARENA_MAX);
		e = object_list(r->j->s.db, &a, r->src->id, &o, &cb, &truncated,
		    &next);
		free(marker);
		marker = NULL;
		if (e == ERR_OK && r->err != ERR_OK)
			e = r->err;
		if (e == ERR_OK && truncated) {
			marker = next ? strdup(next) : NULL;
			if (marker == NULL)
				e = ERR_NOMEM;
		}
		arena_free(&a);
		if (e != ERR_OK || !truncated)
			break;
	}
	free(marker);
	return e;
}

static enum err
write_manifest(struct report *r, char *ret_key, size_t cap)
{
	struct json_writer w;
	struct buf b, schema;
	uint8_t md5[HASH_MD5_BYTES];
	char dir[KEY_BUF], key[KEY_BUF], t[TIME_ISO_BYTES], ts[24], sum[33];
	enum err e;

	/* The dated folder: scan start, minutes, '-' for ':' (doc). */
	time_fmt_iso_s(t, r->scan_ms);
	snprintf(ts, sizeof(ts), "%.13s-%.2sZ", t, t + 14);
	e = key_fmt(dir, "%s%s/", r->base, ts);
	if (e == ERR_OK)
		e = key_fmt(key, "%smanifest.checksum", dir);
	if (e != ERR_OK)
		return e;

	buf_init(&schema, 4096);
	e = jobs_inventory_schema(&schema, r->c, r->versions);
	if (e != ERR_OK)
		return e;
	buf_init(&b, 64 * 1024 * 1024);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_str(&w, "sourceBucket", r->src->name);
	{
		char arn[INVENTORY_BUCKET_MAX + 16];

		snprintf(arn, sizeof(arn), "acs:oss:::%s", r->dest.name);
		json_str(&w, "destinationBucket", arn);
	}
	json_str(&w, "version", MANIFEST_VERSION);
	{
		char ms[24];

		/* S3's form: epoch milliseconds as a string. */
		snprintf(ms, sizeof(ms), "%lld", (long long)r->scan_ms);
		json_str(&w, "creationTimestamp", ms);
	}
	json_str(&w, "fileFormat", "CSV");
	json_str(&w, "fileSchema", buf_cstr(&schema));
	json_arr_open(&w, "files");
	for (size_t i = 0; i < r->nparts; i++) {
		json_obj_open(&w, NULL);
		json_str(&w, "key", r->parts[i].key);
		json_u64(&w, "size", r->parts[i].size);
		json_str(&w, "MD5checksum", r->parts[i].md5);
		json_obj_close(&w);
	}
	json_arr_close(&w);
	json_obj_close(&w);
	buf_free(&schema);
	e = json_writer_finish(&w);
	if (e != ERR_OK)
		return e;

	e = key_fmt(key, "%smanifest.json", dir);
	if (e == ERR_OK)
		e = put(r, key, b.data, b.len, "application/json");
	if (e == ERR_OK) {
		hash_md5(md5, b.data, b.len);
		hex_encode(sum, md5, sizeof(md5));
		str_copy(ret_key, cap, key);
		e = key_fmt(key, "%smanifest.checksum", dir);
	}
	if (e == ERR_OK)
		e = put(r, key, sum, strlen(sum), "text/plain");
	buf_free(&b);
	return e;
}

enum err
jobs_report(struct jobs *j, const struct inventory_config *c,
    const struct bucket *src, int64_t scan_ms, char *ret_key, size_t cap)
{
	struct report *r;
	size_t plen;
	enum err e;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return ERR_NOMEM;
	r->j = j;
	r->c = c;
	r->src = src;
	r->scan_ms = scan_ms;
	buf_init(&r->gz, 2 * j->s.part_max + 1024 * 1024);
	buf_init(&r->row, ROW_MAX);
	if (cap > 0)
		ret_key[0] = '\0';

	/* The destination must still exist and belong to the source's owner
	 * (it may have been deleted or re-created since PutBucketInventory). */
	e = bucket_get(j->s.db, c->dest_bucket, &r->dest);
	if (e != ERR_OK)
		goto out;
	if (r->dest.owner != src->owner) {
		e = ERR_INVENTORY_DEST_NOT_OWNED;
		goto out;
	}
	if (c->sse == INVENTORY_SSE_OSS)
		r->sse_alg = "AES256";
	else if (c->sse == INVENTORY_SSE_KMS) {
		r->sse_alg = "KMS";
		r->sse_key = c->sse_key_id;
	}
	/* "P/S/I/"; a prefix that ends in '/' is not doubled. */
	plen = strlen(c->dest_prefix);
	if (plen > 0 && c->dest_prefix[plen - 1] == '/')
		plen--;
	if (plen > 0)
		e = key_fmt(r->base, "%.*s/%s/%s/", (int)plen, c->dest_prefix,
		    src->name, c->id);
	else
		e = key_fmt(r->base, "%s/%s/", src->name, c->id);
	if (e != ERR_OK)
		goto out;
	uuid_v4(r->uuid);
	if (deflateInit2(&r->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		e = ERR_NOMEM;
		goto out;
	}
	r->z_live = true;

	r->versions = jobs_inventory_versions(c, src);
	e = r->versions ? list_versions(r) : list_all(r);
	if (e == ERR_OK && r->part_rows > 0)
		e = part_flush(r);
	/* OSS-NOGEN: nothing matched, no report at all. */
	if (e == ERR_OK && r->rows > 0)
		e = write_manifest(r, ret_key, cap);
out:
	if (r->z_live)
		deflateEnd(&r->z);
	for (size_t i = 0; i < r->nparts; i++)
		free(r->parts[i].key);
	free(r->parts);
	buf_free(&r->gz);
	buf_free(&r->row);
	free(r);
	return e;
}
