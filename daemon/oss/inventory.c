/* SPDX-License-Identifier: ISC */
/*
 * inventory.c: bucket inventory configuration operations (spec
 * oss-api.md §3.5, clients.md §1.5): PutBucketInventory (create-only),
 * GetBucketInventory, ListBucketInventory (100 per page), and
 * DeleteBucketInventory.
 *
 * Parsing and the checks that need buckets (the destination exists, is the
 * caller's and is in the same region) are here; the rules that need nothing
 * else are worm/inventory.c's. Replies always carry <Filter>, <Destination>
 * with <RoleArn> and <Bucket>, and <Schedule>: ali-oss dereferences them
 * without checking (clients.md §4.2). Reports themselves are daemon/jobs/.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "base/str.h"
#include "codec/xml.h"
#include "inventory/inventory.h"

/* Copies text (NULL: absent = "") into dst; false when it does not fit. */
static bool
copy_text(char *dst, size_t cap, const char *text)
{
	if (text == NULL)
		text = "";
	return str_copy(dst, cap, text) < cap;
}

static bool
parse_u64(const char *text, uint64_t *ret)
{
	/* Bounded so the value fits the int64 columns. */
	return text != NULL && str_to_u64(text, INT64_MAX, ret);
}

/* An optional number: absent is fine, present must parse. */
static bool
opt_u64(const struct xml_node *n, const char *name, bool *has, uint64_t *v)
{
	const char *t = xml_child_text(n, name);

	*has = false;
	if (t == NULL)
		return true;
	if (!parse_u64(t, v))
		return false;
	*has = true;
	return true;
}

static enum err
parse_filter(const struct xml_node *n, struct inventory_filter *f)
{
	if (n == NULL)
		return ERR_OK;
	if (!copy_text(f->prefix, sizeof(f->prefix), xml_child_text(n, "Prefix")))
		return ERR_INVENTORY_INVALID;
	if (!opt_u64(n, "LastModifyBeginTimeStamp", &f->has_begin, &f->begin_s) ||
	    !opt_u64(n, "LastModifyEndTimeStamp", &f->has_end, &f->end_s) ||
	    !opt_u64(n, "LowerSizeBound", &f->has_lower, &f->lower) ||
	    !opt_u64(n, "UpperSizeBound", &f->has_upper, &f->upper))
		return ERR_INVENTORY_INVALID;
	if (!copy_text(f->storage_class, sizeof(f->storage_class),
	    xml_child_text(n, "StorageClass")) ||
	    !inventory_storage_classes_parse(f->storage_class,
	    &f->storage_classes))
		return ERR_INVENTORY_INVALID;
	return ERR_OK;
}

static enum err
parse_destination(const struct xml_node *root, struct inventory_config *cfg)
{
	const struct xml_node *d, *enc;
	const char *fmt, *bucket;

	d = xml_child(root, "Destination");
	d = d ? xml_child(d, "OSSBucketDestination") : NULL;
	if (d == NULL)
		return ERR_INVENTORY_INVALID;
	/* OSS: CSV is the only Format. */
	fmt = xml_child_text(d, "Format");
	if (fmt == NULL || strcmp(fmt, "CSV") != 0)
		return ERR_INVENTORY_INVALID;
	if (!copy_text(cfg->account_id, sizeof(cfg->account_id),
	    xml_child_text(d, "AccountId")) ||
	    !copy_text(cfg->role_arn, sizeof(cfg->role_arn),
	    xml_child_text(d, "RoleArn")) ||
	    !copy_text(cfg->dest_prefix, sizeof(cfg->dest_prefix),
	    xml_child_text(d, "Prefix")))
		return ERR_INVENTORY_INVALID;
	/* OSS: Bucket is acs:oss:::<name> (malformed: EC 0020-00000032). */
	bucket = xml_child_text(d, "Bucket");
	if (bucket == NULL || !inventory_dest_parse(bucket, cfg->dest_bucket))
		return ERR_INVENTORY_INVALID;
	enc = xml_child(d, "Encryption");
	if (enc != NULL) {
		const struct xml_node *oss = xml_child(enc, "SSE-OSS");
		const struct xml_node *kms = xml_child(enc, "SSE-KMS");

		if (oss != NULL && kms != NULL)
			return ERR_INVENTORY_INVALID;
		if (oss != NULL)
			cfg->sse = INVENTORY_SSE_OSS;
		else if (kms != NULL) {
			cfg->sse = INVENTORY_SSE_KMS;
			if (!copy_text(cfg->sse_key_id, sizeof(cfg->sse_key_id),
			    xml_child_text(kms, "KeyId")))
				return ERR_INVENTORY_INVALID;
		} else if (enc->child != NULL)
			return ERR_INVENTORY_INVALID;
	}
	return ERR_OK;
}

static enum err
parse_config(struct call *c, const struct xml_node *root,
    struct inventory_config *cfg)
{
	const struct xml_node *n;
	const char *v;
	enum err r;

	if (strcmp(root->name, "InventoryConfiguration") != 0)
		return ERR_MALFORMED_XML;
	/* OSS: missing Id is EC 0020-00000005. */
	v = xml_child_text(root, "Id");
	if (v == NULL || v[0] == '\0')
		return ERR_INVENTORY_NO_ID;
	if (!copy_text(cfg->id, sizeof(cfg->id), v))
		return ERR_INVENTORY_INVALID;
	/* The body's Id names the same configuration as the query. */
	v = call_query(c, "inventoryId");
	if (v == NULL || strcmp(v, cfg->id) != 0) {
		c->x.arg_name = "inventoryId";
		c->x.arg_value = v;
		return ERR_INVENTORY_INVALID;
	}
	v = xml_child_text(root, "IsEnabled");
	if (v == NULL || (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
		return ERR_INVENTORY_INVALID;
	cfg->enabled = strcmp(v, "true") == 0;
	r = parse_destination(root, cfg);
	if (r != ERR_OK)
		return r;
	n = xml_child(root, "Schedule");
	v = n ? xml_child_text(n, "Frequency") : NULL;
	if (v != NULL && strcmp(v, "Daily") == 0)
		cfg->frequency = INVENTORY_DAILY;
	else if (v != NULL && strcmp(v, "Weekly") == 0)
		cfg->frequency = INVENTORY_WEEKLY;
	else
		return ERR_INVENTORY_INVALID;
	r = parse_filter(xml_child(root, "Filter"), &cfg->filter);
	if (r != ERR_OK)
		return r;
	v = xml_child_text(root, "IncludedObjectVersions");
	if (v != NULL && strcmp(v, "All") == 0)
		cfg->all_versions = true;
	else if (v == NULL || strcmp(v, "Current") != 0)
		return ERR_INVENTORY_INVALID;
	n = xml_child(root, "OptionalFields");
	if (n != NULL) {
		const struct xml_node *f;

		/* More fields than exist means a duplicate: refuse before
		 * filling the fixed array. */
		if (xml_count(n, "Field") > INVENTORY_FIELD__COUNT)
			return ERR_INVENTORY_INVALID;
		for (f = xml_child(n, "Field"); f != NULL; f = xml_next_same(f)) {
			enum inventory_field x;

			/* OSS: unknown Field is EC 0020-00000036. */
			if (!inventory_field_parse(f->text, &x))
				return ERR_INVENTORY_INVALID;
			cfg->fields[cfg->nfields++] = (uint8_t)x;
		}
	}
	return inventory_config_validate(cfg);
}

/* The destination must be an existing bucket of the caller, in the same
 * region (OSS: EC 0020-00000033, 0020-00000019). */
static enum err
check_destination(struct call *c, const struct inventory_config *cfg)
{
	struct bucket d;
	enum err r;

	if (!bucket_name_valid(cfg->dest_bucket))
		return ERR_INVENTORY_INVALID;
	r = bucket_get(c->api->db, cfg->dest_bucket, &d);
	if (r == ERR_NO_SUCH_BUCKET)
		c->x.bucket = arena_strdup(c->a, cfg->dest_bucket);
	if (r != ERR_OK)
		return r;
	if (c->anonymous || d.owner != c->account.id)
		return ERR_INVENTORY_DEST_NOT_OWNED;
	if (strcmp(d.region, c->bucket.region) != 0)
		return ERR_INVENTORY_INVALID;
	return ERR_OK;
}

enum err
h_put_inventory(struct call *c)
{
	struct inventory_config *cfg;
	struct xml_node *root;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	cfg = arena_zalloc(c->a, sizeof(*cfg));
	if (cfg == NULL)
		return ERR_NOMEM;
	cfg->bucket_id = c->bucket.id;
	r = parse_config(c, root, cfg);
	if (r == ERR_OK)
		r = check_destination(c, cfg);
	if (r == ERR_OK)
		r = inventory_create(c->api->db, cfg, call_now(c),
		    c->account.account_id, c->bucket.name);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

static void
write_config(struct xml_writer *w, const struct inventory_config *cfg)
{
	const struct inventory_filter *f = &cfg->filter;
	char arn[INVENTORY_BUCKET_MAX + 16];

	xml_open(w, "InventoryConfiguration");
	xml_elem(w, "Id", cfg->id);
	xml_elem(w, "IsEnabled", cfg->enabled ? "true" : "false");
	xml_open(w, "Destination");
	xml_open(w, "OSSBucketDestination");
	xml_elem(w, "Format", "CSV");
	xml_elem(w, "AccountId", cfg->account_id);
	xml_elem(w, "RoleArn", cfg->role_arn);
	str_copy(arn, sizeof(arn), "acs:oss:::");
	str_copy(arn + 10, sizeof(arn) - 10, cfg->dest_bucket);
	xml_elem(w, "Bucket", arn);
	xml_elem(w, "Prefix", cfg->dest_prefix);
	if (cfg->sse == INVENTORY_SSE_OSS) {
		xml_open(w, "Encryption");
		xml_elem(w, "SSE-OSS", NULL);
		xml_close(w, "Encryption");
	} else if (cfg->sse == INVENTORY_SSE_KMS) {
		xml_open(w, "Encryption");
		xml_open(w, "SSE-KMS");
		xml_elem(w, "KeyId", cfg->sse_key_id);
		xml_close(w, "SSE-KMS");
		xml_close(w, "Encryption");
	}
	xml_close(w, "OSSBucketDestination");
	xml_close(w, "Destination");
	xml_open(w, "Schedule");
	xml_elem(w, "Frequency",
	    cfg->frequency == INVENTORY_WEEKLY ? "Weekly" : "Daily");
	xml_close(w, "Schedule");
	xml_open(w, "Filter");
	if (f->has_begin)
		xml_elem_u64(w, "LastModifyBeginTimeStamp", f->begin_s);
	if (f->has_end)
		xml_elem_u64(w, "LastModifyEndTimeStamp", f->end_s);
	if (f->has_lower)
		xml_elem_u64(w, "LowerSizeBound", f->lower);
	if (f->has_upper)
		xml_elem_u64(w, "UpperSizeBound", f->upper);
	if (f->storage_class[0] != '\0')
		xml_elem(w, "StorageClass", f->storage_class);
	xml_elem(w, "Prefix", f->prefix);
	xml_close(w, "Filter");
	xml_elem(w, "IncludedObjectVersions",
	    cfg->all_versions ? "All" : "Current");
	xml_open(w, "OptionalFields");
	for (size_t i = 0; i < cfg->nfields; i++)
		xml_elem(w, "Field",
		    inventory_field_name((enum inventory_field)cfg->fields[i]));
	xml_close(w, "OptionalFields");
	xml_close(w, "InventoryConfiguration");
}

static enum err
reply_xml(struct call *c, struct xml_writer *w, struct buf *b)
{
	enum err r = xml_writer_finish(w);

	if (r != ERR_OK)
		return r;
	call_resp_buf(c, 200, "application/xml", b);
	return ERR_OK;
}

enum err
h_get_inventory(struct call *c)
{
	struct inventory_config *cfg;
	struct xml_writer w;
	struct buf b;
	enum err r;

	cfg = arena_zalloc(c->a, sizeof(*cfg));
	if (cfg == NULL)
		return ERR_NOMEM;
	r = inventory_get(c->api->db, c->bucket.id, call_query(c, "inventoryId"),
	    cfg);
	if (r != ERR_OK)
		return r;
	buf_init(&b, 64 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	write_config(&w, cfg);
	return reply_xml(c, &w, &b);
}

struct list_ctx {
	struct xml_writer	*w;
	char			 last[INVENTORY_ID_MAX + 1];
};

static void
list_one(void *ctx, const struct inventory_config *cfg)
{
	struct list_ctx *l = ctx;

	write_config(l->w, cfg);
	str_copy(l->last, sizeof(l->last), cfg->id);
}

enum err
h_list_inventory(struct call *c)
{
	struct list_ctx l;
	struct xml_writer w;
	struct buf b;
	bool truncated = false;
	enum err r;

	/* 100 configurations of up to ~3 KiB each. */
	buf_init(&b, 2 * 1024 * 1024);
	xml_writer_init(&w, &b);
	memset(&l, 0, sizeof(l));
	l.w = &w;
	xml_decl(&w);
	xml_open(&w, "ListInventoryConfigurationsResult");
	/* The token is the last id of the previous page: ids are unique per
	 * bucket and listed in byte order. */
	r = inventory_list(c->api->db, c->bucket.id,
	    call_query(c, "continuation-token"), INVENTORY_LIST_PAGE, list_one,
	    &l, &truncated);
	if (r != ERR_OK) {
		buf_free(&b);
		return r;
	}
	xml_elem(&w, "IsTruncated", truncated ? "true" : "false");
	if (truncated)
		xml_elem(&w, "NextContinuationToken", l.last);
	xml_close(&w, "ListInventoryConfigurationsResult");
	return reply_xml(c, &w, &b);
}

enum err
h_delete_inventory(struct call *c)
{
	enum err r;

	r = inventory_delete(c->api->db, c->bucket.id,
	    call_query(c, "inventoryId"), call_now(c), c->account.account_id,
	    c->bucket.name);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 204);
	return ERR_OK;
}
