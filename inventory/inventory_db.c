/* SPDX-License-Identifier: ISC */
/*
 * inventory_db.c: all SQL of the inventory configurations
 * (schema/0004_inventory.sql). Optional numbers of the filter are NULL when
 * absent; the optional fields are stored as their wire names in request
 * order, so GetBucketInventory echoes what was put.
 */
#include <string.h>

#include "base/buf.h"
#include "base/str.h"
#include "db/db.h"
#include "inventory/inventory_int.h"

#define COLS \
	"bucket, inventory_id, enabled, account_id, role_arn, dest_bucket," \
	" dest_prefix, sse, sse_key_id, frequency, versions, fields, f_prefix," \
	" f_begin_s, f_end_s, f_lower, f_upper, f_storage_class, created_ms," \
	" last_run_ms, next_run_ms"

static const char SQL_INSERT[] =
    "INSERT INTO inventories (" COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_EXISTS[] =
    "SELECT EXISTS (SELECT 1 FROM inventories WHERE bucket = ?"
    " AND inventory_id = ?)";
static const char SQL_COUNT[] =
    "SELECT count(*) FROM inventories WHERE bucket = ?";
static const char SQL_GET[] =
    "SELECT " COLS " FROM inventories WHERE bucket = ? AND inventory_id = ?";
static const char SQL_DELETE[] =
    "DELETE FROM inventories WHERE bucket = ? AND inventory_id = ?";
static const char SQL_DELETE_BUCKET[] =
    "DELETE FROM inventories WHERE bucket = ?";
static const char SQL_LIST[] =
    "SELECT " COLS " FROM inventories WHERE bucket = ? AND inventory_id > ?"
    " ORDER BY inventory_id LIMIT ?";
static const char SQL_DUE[] =
    "SELECT i.bucket, b.name, i.inventory_id FROM inventories i"
    " JOIN buckets b ON b.id = i.bucket"
    " WHERE i.enabled = 1 AND i.next_run_ms <= ?"
    " ORDER BY i.next_run_ms LIMIT ?";
static const char SQL_SET_RUN[] =
    "UPDATE inventories SET last_run_ms = ?, next_run_ms = ?"
    " WHERE bucket = ? AND inventory_id = ? AND last_run_ms = ?";

static const char *const sse_names[] = {
	[INVENTORY_SSE_NONE] = "",
	[INVENTORY_SSE_OSS] = "SSE-OSS",
	[INVENTORY_SSE_KMS] = "SSE-KMS",
};

static void
bind_opt(struct db_st *st, int i, bool has, uint64_t v)
{
	/* Filter values were bounded by the parser to what an int64 holds. */
	if (has)
		db_bind_i64(st, i, (int64_t)v);
	else
		db_bind_null(st, i);
}

static bool
col_opt(struct db_st *st, int i, uint64_t *ret)
{
	if (db_col_null(st, i))
		return false;
	*ret = (uint64_t)db_col_i64(st, i);
	return true;
}

/* The row at st (COLS order) -> c. ERR_CORRUPT for values the schema's
 * checks or our writer would never have produced. */
static enum err
from_row(struct db_st *st, struct inventory_config *c)
{
	char tmp[32], fields[256];
	const char *p;

	memset(c, 0, sizeof(*c));
	c->bucket_id = db_col_i64(st, 0);
	db_col_copy(st, 1, c->id, sizeof(c->id));
	c->enabled = db_col_i64(st, 2) != 0;
	db_col_copy(st, 3, c->account_id, sizeof(c->account_id));
	db_col_copy(st, 4, c->role_arn, sizeof(c->role_arn));
	db_col_copy(st, 5, c->dest_bucket, sizeof(c->dest_bucket));
	db_col_copy(st, 6, c->dest_prefix, sizeof(c->dest_prefix));
	db_col_copy(st, 7, tmp, sizeof(tmp));
	if (strcmp(tmp, "SSE-OSS") == 0)
		c->sse = INVENTORY_SSE_OSS;
	else if (strcmp(tmp, "SSE-KMS") == 0)
		c->sse = INVENTORY_SSE_KMS;
	else
		c->sse = INVENTORY_SSE_NONE;
	db_col_copy(st, 8, c->sse_key_id, sizeof(c->sse_key_id));
	db_col_copy(st, 9, tmp, sizeof(tmp));
	c->frequency = strcmp(tmp, "Weekly") == 0 ? INVENTORY_WEEKLY :
	    INVENTORY_DAILY;
	db_col_copy(st, 10, tmp, sizeof(tmp));
	c->all_versions = strcmp(tmp, "All") == 0;
	db_col_copy(st, 11, fields, sizeof(fields));
	for (p = fields; *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		enum inventory_field f;

		if (n == 0 || n >= sizeof(tmp) ||
		    c->nfields == INVENTORY_FIELD__COUNT)
			return ERR_CORRUPT;
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		if (!inventory_field_parse(tmp, &f))
			return ERR_CORRUPT;
		c->fields[c->nfields++] = (uint8_t)f;
		p = comma ? comma + 1 : p + n;
	}
	db_col_copy(st, 12, c->filter.prefix, sizeof(c->filter.prefix));
	c->filter.has_begin = col_opt(st, 13, &c->filter.begin_s);
	c->filter.has_end = col_opt(st, 14, &c->filter.end_s);
	c->filter.has_lower = col_opt(st, 15, &c->filter.lower);
	c->filter.has_upper = col_opt(st, 16, &c->filter.upper);
	db_col_copy(st, 17, c->filter.storage_class,
	    sizeof(c->filter.storage_class));
	if (!inventory_storage_classes_parse(c->filter.storage_class,
	    &c->filter.storage_classes))
		return ERR_CORRUPT;
	c->created_ms = db_col_i64(st, 18);
	c->last_run_ms = db_col_i64(st, 19);
	c->next_run_ms = db_col_i64(st, 20);
	return ERR_OK;
}

static enum err
query_i64(struct db *db, const char *sql, int64_t bucket, const char *id,
    int64_t *ret)
{
	struct db_st *st = db_stmt(db, sql);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	if (id != NULL)
		db_bind_text(st, 2, id);
	rc = db_row(st);
	if (rc == ERR_OK) {
		*ret = db_col_i64(st, 0);
		r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_INTERNAL : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
inventory_db_insert(struct db *db, const struct inventory_config *c)
{
	struct db_st *st;
	struct buf fields;
	int64_t n = 0;
	enum err r;
	enum err rc;

	r = query_i64(db, SQL_EXISTS, c->bucket_id, c->id, &n);
	if (r != ERR_OK)
		return r;
	/* OSS: PutBucketInventory is create-only (409). */
	if (n != 0)
		return ERR_INVENTORY_EXISTS;
	r = query_i64(db, SQL_COUNT, c->bucket_id, NULL, &n);
	if (r != ERR_OK)
		return r;
	if (n >= INVENTORY_PER_BUCKET_MAX)
		return ERR_INVENTORY_LIMIT;

	buf_init(&fields, 1024);
	for (size_t i = 0; i < c->nfields && r == ERR_OK; i++)
		r = buf_printf(&fields, "%s%s", i ? "," : "",
		    inventory_field_name(c->fields[i]));
	if (r != ERR_OK)
		return r;	/* buf freed by the failing call */
	st = db_stmt(db, SQL_INSERT);
	if (st == NULL) {
		buf_free(&fields);
		return ERR_IO;
	}
	db_bind_i64(st, 1, c->bucket_id);
	db_bind_text(st, 2, c->id);
	db_bind_i64(st, 3, c->enabled ? 1 : 0);
	db_bind_text(st, 4, c->account_id);
	db_bind_text(st, 5, c->role_arn);
	db_bind_text(st, 6, c->dest_bucket);
	db_bind_text(st, 7, c->dest_prefix);
	db_bind_text(st, 8, sse_names[c->sse]);
	db_bind_text(st, 9, c->sse_key_id);
	db_bind_text(st, 10, c->frequency == INVENTORY_WEEKLY ? "Weekly" : "Daily");
	db_bind_text(st, 11, c->all_versions ? "All" : "Current");
	db_bind_text(st, 12, buf_cstr(&fields));
	db_bind_text(st, 13, c->filter.prefix);
	bind_opt(st, 14, c->filter.has_begin, c->filter.begin_s);
	bind_opt(st, 15, c->filter.has_end, c->filter.end_s);
	bind_opt(st, 16, c->filter.has_lower, c->filter.lower);
	bind_opt(st, 17, c->filter.has_upper, c->filter.upper);
	db_bind_text(st, 18, c->filter.storage_class);
	db_bind_i64(st, 19, c->created_ms);
	db_bind_i64(st, 20, c->last_run_ms);
	db_bind_i64(st, 21, c->next_run_ms);
	rc = db_row(st);
	db_stmt_done(st);
	buf_free(&fields);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK;
	r = db_end(rc);
	return r == ERR_EXISTS ? ERR_INVENTORY_EXISTS : r;
}

enum err
inventory_db_get(struct db *db, int64_t bucket_id, const char *id,
    struct inventory_config *ret)
{
	struct db_st *st = db_stmt(db, SQL_GET);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket_id);
	db_bind_text(st, 2, id);
	rc = db_row(st);
	if (rc == ERR_OK)
		r = from_row(st, ret);
	else if (rc == ERR_NOT_FOUND)
		r = ERR_NO_SUCH_INVENTORY;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
inventory_db_delete(struct db *db, int64_t bucket_id, const char *id)
{
	struct db_st *st = db_stmt(db, SQL_DELETE);
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket_id);
	db_bind_text(st, 2, id);
	rc = db_row(st);
	db_stmt_done(st);
	if (rc != ERR_NOT_FOUND)
		return db_end(rc);
	return db_changes(db) == 1 ? ERR_OK :
	    ERR_NO_SUCH_INVENTORY;
}

enum err
inventory_db_delete_bucket(struct db *db, int64_t bucket_id)
{
	struct db_st *st = db_stmt(db, SQL_DELETE_BUCKET);
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket_id);
	rc = db_row(st);
	db_stmt_done(st);
	return rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}

enum err
inventory_db_list(struct db *db, int64_t bucket_id, const char *after,
    unsigned max, void (*fn)(void *ctx, const struct inventory_config *c),
    void *ctx, bool *ret_truncated)
{
	struct db_st *st = db_stmt(db, SQL_LIST);
	struct inventory_config c;
	unsigned n = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket_id);
	db_bind_text(st, 2, after ? after : "");
	/* One more than asked tells whether the page is the last. */
	db_bind_i64(st, 3, (int64_t)max + 1);
	while ((rc = db_row(st)) == ERR_OK) {
		if (n == max)
			break;
		r = from_row(st, &c);
		if (r != ERR_OK)
			break;
		fn(ctx, &c);
		n++;
	}
	if (r == ERR_OK && rc != ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	if (r == ERR_OK)
		*ret_truncated = rc == ERR_OK;
	db_stmt_done(st);
	return r;
}

enum err
inventory_db_due(struct db *db, int64_t now_ms, struct inventory_ref *out,
    size_t max, size_t *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_DUE);
	size_t n = 0;
	enum err r = ERR_OK;
	enum err rc = ERR_NOT_FOUND;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, now_ms);
	db_bind_i64(st, 2, (int64_t)max);
	while (n < max && (rc = db_row(st)) == ERR_OK) {
		out[n].bucket_id = db_col_i64(st, 0);
		db_col_copy(st, 1, out[n].bucket_name, sizeof(out[n].bucket_name));
		db_col_copy(st, 2, out[n].id, sizeof(out[n].id));
		n++;
	}
	if (n < max && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	if (r == ERR_OK)
		*ret_n = n;
	return r;
}

enum err
inventory_db_set_run(struct db *db, int64_t bucket_id, const char *id,
    int64_t old_last, int64_t last, int64_t next)
{
	struct db_st *st = db_stmt(db, SQL_SET_RUN);
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, last);
	db_bind_i64(st, 2, next);
	db_bind_i64(st, 3, bucket_id);
	db_bind_text(st, 4, id);
	db_bind_i64(st, 5, old_last);
	rc = db_row(st);
	db_stmt_done(st);
	if (rc != ERR_NOT_FOUND)
		return db_end(rc);
	return db_changes(db) == 1 ? ERR_OK : ERR_CONFLICT;
}
