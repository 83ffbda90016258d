/* SPDX-License-Identifier: ISC */
/*
 * bucket_db.c: all SQL of the bucket module (buckets, objects, extents).
 *
 * Keys are TEXT compared with SQLite's BINARY collation, i.e. memcmp order,
 * which is the byte order OSS lists in. CRC-64 values are stored as the
 * int64 with the same bits.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "bucket/bucket_int.h"
#include "db/db.h"
#include "db/seal.h"

const char *
bucket_col_arena(struct db_st *st, int i, struct arena *a)
{
	const char *s = db_col_text(st, i);

	return arena_strndup(a, s, db_col_len(st, i));
}

/* ---- buckets ---- */

#define BUCKET_COLS \
	"b.id, b.name, b.owner, a.account_id, a.name, b.region, " \
	"b.storage_class, b.redundancy, b.acl, b.resource_group, " \
	"b.created_ms, b.sse_algorithm, b.sse_kms_key_id, b.sse_data_enc, " \
	"b.versioning"

static const char SQL_BUCKET_GET[] =
    "SELECT " BUCKET_COLS " FROM buckets b JOIN accounts a ON a.id = b.owner"
    " WHERE b.name = ?";
static const char SQL_BUCKET_COUNT[] =
    "SELECT count(*) FROM buckets WHERE owner = ?";
static const char SQL_BUCKET_INSERT[] =
    "INSERT INTO buckets (name, owner, region, storage_class, redundancy,"
    " acl, resource_group, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_BUCKET_ACL[] =
    "UPDATE buckets SET acl = ? WHERE id = ?";
static const char SQL_BUCKET_SSE[] =
    "UPDATE buckets SET sse_algorithm = ?, sse_kms_key_id = ?,"
    " sse_data_enc = ? WHERE id = ?";
static const char SQL_BUCKET_VERSIONING[] =
    "UPDATE buckets SET versioning = ? WHERE id = ?";
static const char SQL_BUCKET_HAS_OBJECTS[] =
    "SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = ?)";
static const char SQL_BUCKET_HAS_UPLOADS[] =
    "SELECT EXISTS (SELECT 1 FROM uploads WHERE bucket = ?)";
static const char SQL_BUCKET_DELETE[] = "DELETE FROM buckets WHERE id = ?";
static const char SQL_BUCKET_LIST[] =
    "SELECT " BUCKET_COLS " FROM buckets b JOIN accounts a ON a.id = b.owner"
    " WHERE b.owner = ? AND b.name > ? AND substr(b.name, 1, length(?)) = ?"
    " ORDER BY b.name LIMIT ?";
/* Counters kept by the triggers of schema/0016_bucket_stats.sql. */
static const char SQL_BUCKET_STAT[] =
    "SELECT storage_class, objects, bytes FROM bucket_class_stats"
    " WHERE bucket = ?";
static const char SQL_BUCKET_STAT_OTHER[] =
    "SELECT delete_markers, uploads, parts, parts_bytes, last_modified_ms"
    " FROM bucket_stats WHERE bucket = ?";

static void
bucket_from_row(struct db_st *st, struct bucket *b)
{
	memset(b, 0, sizeof(*b));
	b->id = db_col_i64(st, 0);
	db_col_copy(st, 1, b->name, sizeof(b->name));
	b->owner = db_col_i64(st, 2);
	db_col_copy(st, 3, b->owner_account_id, sizeof(b->owner_account_id));
	db_col_copy(st, 4, b->owner_name, sizeof(b->owner_name));
	db_col_copy(st, 5, b->region, sizeof(b->region));
	db_col_copy(st, 6, b->storage_class, sizeof(b->storage_class));
	db_col_copy(st, 7, b->redundancy, sizeof(b->redundancy));
	db_col_copy(st, 8, b->acl, sizeof(b->acl));
	db_col_copy(st, 9, b->resource_group, sizeof(b->resource_group));
	b->created_ms = db_col_i64(st, 10);
	db_col_copy(st, 11, b->sse_algorithm, sizeof(b->sse_algorithm));
	db_col_copy(st, 12, b->sse_kms_key_id, sizeof(b->sse_kms_key_id));
	db_col_copy(st, 13, b->sse_data_enc, sizeof(b->sse_data_enc));
	b->versioning = strcmp(db_col_text(st, 14), "Enabled") == 0 ?
	    BUCKET_VERSIONING_ENABLED : strcmp(db_col_text(st, 14),
	    "Suspended") == 0 ? BUCKET_VERSIONING_SUSPENDED :
	    BUCKET_UNVERSIONED;
}

const char *
bucket_versioning_name(enum bucket_versioning v)
{
	return v == BUCKET_VERSIONING_ENABLED ? "Enabled" :
	    v == BUCKET_VERSIONING_SUSPENDED ? "Suspended" : "";
}

enum err
bucket_get(struct db *db, const char *name, struct bucket *ret)
{
	struct db_st *st = db_stmt(db, SQL_BUCKET_GET);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, name);
	rc = db_row(st);
	if (rc == ERR_OK) {
		bucket_from_row(st, ret);
		r = ERR_OK;
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_NO_SUCH_BUCKET;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
bucket_put(struct db *db, const struct bucket *want, int64_t now_ms,
    unsigned max_buckets, bool *ret_created)
{
	struct bucket have;
	struct db_st *st;
	int64_t count;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = bucket_get(db, want->name, &have);
	if (r == ERR_OK) {
		/* OSS: the owner may repeat PutBucket; it then only updates
		 * the ACL. Location, storage class and redundancy are fixed
		 * at creation (409 page, rows 2-4). */
		if (have.owner != want->owner)
			r = ERR_BUCKET_TAKEN;
		else if (strcmp(have.region, want->region) != 0)
			r = ERR_BUCKET_LOCATION;
		else if (want->storage_class[0] != '\0' &&
		    strcmp(have.storage_class, want->storage_class) != 0)
			r = ERR_BUCKET_STORAGE_CLASS;
		else if (want->redundancy[0] != '\0' &&
		    strcmp(have.redundancy, want->redundancy) != 0)
			r = ERR_BUCKET_REDUNDANCY;
		else if (want->acl[0] != '\0')
			r = bucket_set_acl(db, have.id, want->acl);
		if (r == ERR_OK)
			*ret_created = false;
		goto out;
	}
	if (r != ERR_NO_SUCH_BUCKET)
		goto out;
	r = db_query_i64(db, SQL_BUCKET_COUNT, want->owner, &count);
	if (r != ERR_OK)
		goto out;
	if (count >= (int64_t)max_buckets) {
		r = ERR_TOO_MANY_BUCKETS;
		goto out;
	}
	st = db_stmt(db, SQL_BUCKET_INSERT);
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	db_bind_text(st, 1, want->name);
	db_bind_i64(st, 2, want->owner);
	db_bind_text(st, 3, want->region);
	db_bind_text(st, 4, want->storage_class[0] ? want->storage_class : "Standard");
	db_bind_text(st, 5, want->redundancy[0] ? want->redundancy : "LRS");
	db_bind_text(st, 6, want->acl[0] ? want->acl : "private");
	db_bind_text(st, 7, want->resource_group);
	db_bind_i64(st, 8, now_ms);
	r = db_step_done(st);
	if (r == ERR_OK)
		*ret_created = true;
out:
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

/* The single-statement changes below run in a transaction of their own
 * (db_tx_own_begin), which is where an audited request's row is added. */
enum err
bucket_set_acl(struct db *db, int64_t bucket_id, const char *acl)
{
	struct db_st *st;
	bool own;
	enum err r;

	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_BUCKET_ACL);
	if (st == NULL)
		return db_tx_own_end(db, own, ERR_IO);
	db_bind_text(st, 1, acl);
	db_bind_i64(st, 2, bucket_id);
	return db_tx_own_end(db, own, db_step_done(st));
}

enum err
bucket_set_encryption(struct db *db, int64_t bucket_id, const char *algorithm,
    const char *kms_key_id, const char *data_enc)
{
	struct db_st *st;
	bool own;
	enum err r;

	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_BUCKET_SSE);
	if (st == NULL)
		return db_tx_own_end(db, own, ERR_IO);
	db_bind_text(st, 1, algorithm);
	db_bind_text(st, 2, kms_key_id);
	db_bind_text(st, 3, data_enc);
	db_bind_i64(st, 4, bucket_id);
	return db_tx_own_end(db, own, db_step_done(st));
}

enum err
bucket_set_versioning(struct db *db, int64_t bucket_id,
    enum bucket_versioning v)
{
	struct db_st *st;
	bool own;
	enum err r;

	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_BUCKET_VERSIONING);
	if (st == NULL)
		return db_tx_own_end(db, own, ERR_IO);
	db_bind_text(st, 1, bucket_versioning_name(v));
	db_bind_i64(st, 2, bucket_id);
	return db_tx_own_end(db, own, db_step_done(st));
}

enum err
bucket_delete(struct db *db, int64_t bucket_id)
{
	bool own_tx = !db_in_tx(db);
	struct db_st *st;
	int64_t any;
	enum err r;

	if (own_tx) {
		r = db_tx_begin(db);
		if (r != ERR_OK)
			return r;
	}
	r = db_query_i64(db, SQL_BUCKET_HAS_OBJECTS, bucket_id, &any);
	if (r == ERR_OK && any)
		r = ERR_BUCKET_NOT_EMPTY;
	if (r == ERR_OK)
		r = db_query_i64(db, SQL_BUCKET_HAS_UPLOADS, bucket_id, &any);
	if (r == ERR_OK && any)
		r = ERR_BUCKET_NOT_EMPTY_UPLOADS;
	if (r != ERR_OK)
		goto out;
	st = db_stmt(db, SQL_BUCKET_DELETE);
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	db_bind_i64(st, 1, bucket_id);
	r = db_step_done(st);
out:
	if (!own_tx)
		return r;
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

enum err
bucket_list(struct db *db, int64_t owner, const struct bucket_list_opts *o,
    void (*fn)(void *ctx, const struct bucket *b), void *ctx,
    bool *ret_truncated, char *ret_next_marker)
{
	struct db_st *st = db_stmt(db, SQL_BUCKET_LIST);
	const char *prefix = o->prefix ? o->prefix : "";
	struct bucket b;
	unsigned n = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	*ret_truncated = false;
	ret_next_marker[0] = '\0';
	db_bind_i64(st, 1, owner);
	db_bind_text(st, 2, o->marker ? o->marker : "");
	db_bind_text(st, 3, prefix);
	db_bind_text(st, 4, prefix);
	db_bind_i64(st, 5, (int64_t)o->max_keys + 1);
	while ((rc = db_row(st)) == ERR_OK) {
		bucket_from_row(st, &b);
		if (n == o->max_keys) {
			*ret_truncated = true;
			break;
		}
		fn(ctx, &b);
		str_copy(ret_next_marker, BUCKET_NAME_MAX + 1, b.name);
		n++;
	}
	if (rc != ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

static int
class_index(const char *sc)
{
	static const char *const names[] = { "Standard", "IA", "Archive",
	    "ColdArchive", "DeepColdArchive" };

	for (int i = 0; i < 5; i++)
		if (strcmp(sc, names[i]) == 0)
			return i;
	return 0;
}

enum err
bucket_stat(struct db *db, int64_t bucket_id, struct bucket_stat *ret)
{
	struct db_st *st = db_stmt(db, SQL_BUCKET_STAT);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	memset(ret, 0, sizeof(*ret));
	db_bind_i64(st, 1, bucket_id);
	while ((rc = db_row(st)) == ERR_OK) {
		const char *sc = db_col_text(st, 0);
		int i = class_index(sc ? sc : "");
		uint64_t cnt = (uint64_t)db_col_i64(st, 1);
		uint64_t bytes = (uint64_t)db_col_i64(st, 2);

		ret->objects += cnt;
		ret->storage += bytes;
		ret->per_class_objects[i] += cnt;
		ret->per_class_storage[i] += bytes;
	}
	if (rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_BUCKET_STAT_OTHER);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket_id);
	rc = db_row(st);
	if (rc == ERR_OK) {
		ret->delete_markers = (uint64_t)db_col_i64(st, 0);
		ret->uploads = (uint64_t)db_col_i64(st, 1);
		ret->parts = (uint64_t)db_col_i64(st, 2);
		ret->parts_storage = (uint64_t)db_col_i64(st, 3);
		ret->last_modified_ms = db_col_i64(st, 4);
	} else if (rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

/* ---- objects ---- */

static const char SQL_OBJECT_GET[] =
    "SELECT " OBJECT_COLS ", mac FROM objects"
    " WHERE bucket = ? AND key = ? AND latest = 1";
/* The start-up checks walk whole tables a page at a time and check each
 * row's MAC in C (the database holds no key to check with). */
static const char SQL_OBJECT_PAGE[] =
    "SELECT " OBJECT_COLS ", mac FROM objects WHERE id > ?1"
    " ORDER BY id LIMIT ?2";
static const char SQL_EXTENT_PAGE[] =
    "SELECT " EXTENT_MAC_COLS ", id FROM extents WHERE id > ?1"
    " ORDER BY id LIMIT ?2";
/* Objects whose extents do not add up to their size (a row deleted). */
static const char SQL_SIZES_BAD[] =
    "SELECT count(*) FROM objects o WHERE o.size <> (SELECT"
    " coalesce(sum(e.plain_len), 0) FROM extents e WHERE e.object = o.id)"
    " AND ?1 = ?1";
static const char SQL_BUCKET_NAME[] = "SELECT name FROM buckets WHERE id = ?";
static const char SQL_OBJECT_EXTENTS[] =
    "SELECT uuid, plain_len, wrapped_dek, wrap_key, inline, "
    EXTENT_MAC_COLS " FROM extents WHERE object = ? ORDER BY seq";
/* A new version gets the bucket's default retention (ObjectWorm,
 * schema/0013_object_worm.sql): Last-Modified plus the rule's days, or
 * years of 365 days. object_insert reads the rule in the writer's
 * transaction, so no writer (Put, Copy, Complete, the daemon's own
 * writes) can leave it out; an Appendable object cannot carry a
 * retention. */
static const char SQL_OBJECT_WORM_RULE[] =
    "SELECT mode, days, years FROM object_worm WHERE bucket = ?";
static const char SQL_OBJECT_INSERT[] =
    "INSERT INTO objects (bucket, key, type, size, etag, crc64,"
    " storage_class, mtime_ms, generation, acl, headers, tags,"
    " sse_algorithm, sse_key_id, sse_data_enc, version_id, latest, vseq,"
    " retain_mode, retain_until_ms, mac)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?10, ?11, ?12,"
    " ?13, ?14, ?15, 1, ?16, ?17, ?18, ?19) RETURNING id";
static const char SQL_OBJECT_UPDATE[] =
    "UPDATE objects SET type = ?3, size = ?4, etag = ?5, crc64 = ?6,"
    " storage_class = ?7, mtime_ms = ?8, generation = generation + 1,"
    " acl = ?9, headers = ?10, tags = ?11, sse_algorithm = ?12,"
    " sse_key_id = ?13, sse_data_enc = ?14, restore_state = 0,"
    " restore_done_ms = 0, restore_expiry_ms = 0, restore_tier = '',"
    " mac = ?15 WHERE id = ?1 AND bucket = ?2 RETURNING generation";
static const char SQL_EXTENT_UUIDS[] =
    "SELECT uuid FROM extents WHERE object = ?";
static const char SQL_EXTENT_DELETE_OBJECT[] =
    "DELETE FROM extents WHERE object = ?";
static const char SQL_EXTENT_INSERT[] =
    "INSERT INTO extents (uuid, object, seq, plain_len, wrapped_dek,"
    " wrap_key, inline, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* Sealing every row as it stands, a page at a time in rowid order: the
 * rows not sealed yet (first start with a key), or all of them again under
 * a new key (root-key rotation). ?1 = the last id seen, ?2 = the page. */
static const char SQL_OBJECT_UNSEALED[] =
    "SELECT " OBJECT_COLS " FROM objects WHERE id > ?1 AND mac IS NULL"
    " ORDER BY id LIMIT ?2";
static const char SQL_OBJECT_EVERY[] =
    "SELECT " OBJECT_COLS " FROM objects WHERE id > ?1 ORDER BY id"
    " LIMIT ?2";
static const char SQL_OBJECT_SEAL[] =
    "UPDATE objects SET mac = ?1 WHERE id = ?2";
static const char SQL_EXTENT_UNSEALED[] =
    "SELECT id, " EXTENT_MAC_COLS " FROM extents WHERE id > ?1"
    " AND mac IS NULL ORDER BY id LIMIT ?2";
static const char SQL_EXTENT_EVERY[] =
    "SELECT id, " EXTENT_MAC_COLS " FROM extents WHERE id > ?1"
    " ORDER BY id LIMIT ?2";
static const char SQL_EXTENT_SEAL[] =
    "UPDATE extents SET mac = ?1 WHERE id = ?2";
static const char SQL_EXTENTS_OSS[] =
    "SELECT id, wrapped_dek, uuid, NULL FROM extents WHERE id > ?1"
    " AND wrap_key = 'oss' ORDER BY id LIMIT ?2";
static const char SQL_EXTENT_REWRAP[] =
    "UPDATE extents SET wrapped_dek = ?1 WHERE id = ?2";
static const char SQL_OBJECT_DELETE[] = "DELETE FROM objects WHERE id = ?";
static const char SQL_OBJECT_META[] =
    "UPDATE objects SET headers = coalesce(?1, headers),"
    " acl = coalesce(?2, acl), tags = coalesce(?3, tags),"
    " generation = generation + 1"
    " WHERE id = ?4 AND generation = ?5 RETURNING generation";
/* "key >= ?2" is implied by the OR but, unlike it, gives the planner a
 * range to seek to: a page after a marker starts at the marker, not at the
 * bucket's first key. objects_latest holds current versions only, so the
 * scan does not step over every older version of each key either. */
#define OBJECT_SCAN(hint) \
    "SELECT " OBJECT_COLS " FROM objects" hint \
    " WHERE bucket = ?1 AND latest = 1 AND key >= ?2" \
    " AND (key > ?2 OR (?3 <> 0 AND key = ?2)) AND type <> 'DeleteMarker'" \
    " ORDER BY key LIMIT ?4"
/* SQLite's planner needs the index named; PostgreSQL's picks it. */
static const char SQL_OBJECT_SCAN[] =
    OBJECT_SCAN(" INDEXED BY objects_latest");
static const char PG_OBJECT_SCAN[] = OBJECT_SCAN("");
static const char SQL_EXTENT_EXISTS[] =
    "SELECT EXISTS (SELECT 1 FROM extents WHERE uuid = ?)";

void
object_from_row(struct db_st *st, struct arena *a, struct object *o)
{
	memset(o, 0, sizeof(*o));
	o->id = db_col_i64(st, 0);
	o->bucket = db_col_i64(st, 1);
	o->key = bucket_col_arena(st, 2, a);
	db_col_copy(st, 3, o->type, sizeof(o->type));
	o->size = (uint64_t)db_col_i64(st, 4);
	db_col_copy(st, 5, o->etag, sizeof(o->etag));
	o->crc64 = (uint64_t)db_col_i64(st, 6);
	db_col_copy(st, 7, o->storage_class, sizeof(o->storage_class));
	o->mtime_ms = db_col_i64(st, 8);
	o->generation = db_col_i64(st, 9);
	db_col_copy(st, 10, o->acl, sizeof(o->acl));
	o->headers = bucket_col_arena(st, 11, a);
	o->tags = bucket_col_arena(st, 12, a);
	db_col_copy(st, 13, o->sse_algorithm, sizeof(o->sse_algorithm));
	db_col_copy(st, 14, o->sse_key_id, sizeof(o->sse_key_id));
	db_col_copy(st, 15, o->sse_data_enc, sizeof(o->sse_data_enc));
	o->restore_state = db_col_i64(st, 16);
	o->restore_done_ms = db_col_i64(st, 17);
	o->restore_expiry_ms = db_col_i64(st, 18);
	db_col_copy(st, 19, o->restore_tier, sizeof(o->restore_tier));
	db_col_copy(st, 20, o->version_id, sizeof(o->version_id));
	o->latest = db_col_i64(st, 21) != 0;
	o->vseq = db_col_i64(st, 22);
	o->noncurrent_ms = db_col_i64(st, 23);
	db_col_copy(st, 24, o->retain_mode, sizeof(o->retain_mode));
	o->retain_until_ms = db_col_i64(st, 25);
	o->legal_hold = db_col_i64(st, 26) != 0;
	o->delete_marker = strcmp(o->type, "DeleteMarker") == 0;
}

enum err
object_get_one(struct db *db, struct db_st *st, struct arena *a,
    struct object *ret, enum err none)
{
	enum err r;
	enum err rc;

	rc = db_row(st);
	if (rc == ERR_OK) {
		object_from_row(st, a, ret);
		ret->sealed = bucket_object_row_mac_ok(db, st, OBJECT_NCOLS);
		r = ret->key && ret->headers && ret->tags ? ERR_OK : ERR_NOMEM;
	} else
		r = rc == ERR_NOT_FOUND ? none : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
object_get(struct db *db, struct arena *a, int64_t bucket, const char *key,
    struct object *ret)
{
	struct db_st *st = db_stmt(db, SQL_OBJECT_GET);
	enum err r;

	ret->delete_marker = false;
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, key);
	r = object_get_one(db, st, a, ret, ERR_NO_SUCH_KEY);
	return r == ERR_OK && ret->delete_marker ? ERR_NO_SUCH_KEY : r;
}

enum err
object_extents(struct db *db, struct arena *a, int64_t object_id,
    struct extent **ret, size_t *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_OBJECT_EXTENTS);
	struct extent *v = NULL;
	size_t n = 0, cap = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, object_id);
	while ((rc = db_row(st)) == ERR_OK) {
		struct extent *e;
		const void *blob;
		int len;

		r = arena_grow(a, (void **)&v, n, &cap, sizeof(*v));
		if (r != ERR_OK)
			break;
		e = &v[n];
		memset(e, 0, sizeof(*e));
		blob = db_col_blob(st, 0);
		len = db_col_len(st, 0);
		if (len != BUCKET_UUID_BYTES) {
			r = ERR_CORRUPT;
			break;
		}
		memcpy(e->uuid, blob, BUCKET_UUID_BYTES);
		e->plain_len = (uint64_t)db_col_i64(st, 1);
		blob = db_col_blob(st, 2);
		len = db_col_len(st, 2);
		if (len <= 0 || len > BUCKET_WRAPPED_MAX) {
			r = ERR_CORRUPT;
			break;
		}
		memcpy(e->wrapped, blob, (size_t)len);
		e->wrapped_len = (size_t)len;
		db_col_copy(st, 3, e->wrap_key, sizeof(e->wrap_key));
		if (!bucket_extent_row_mac_ok(db, st, 5)) {
			log_errx("ALERT: an extent of object #%lld fails its "
			    "MAC (moved or edited outside cofferd?)",
			    (long long)object_id);
			r = ERR_CORRUPT;
			break;
		}
		if (!db_col_null(st, 4)) {
			size_t il = db_col_len(st, 4);
			uint8_t *d = arena_alloc(a, il ? il : 1);

			if (d == NULL) {
				r = ERR_NOMEM;
				break;
			}
			memcpy(d, db_col_blob(st, 4), il);
			e->inline_data = d;
			e->inline_len = il;
		}
		n++;
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND && rc != ERR_OK)
		r = db_end(rc);
	db_stmt_done(st);
	if (r == ERR_OK) {
		*ret = v;
		*ret_n = n;
	}
	return r;
}

/* Collects the uuids of an object's extents and deletes their rows. */
enum err
extents_release(struct db *db, struct arena *a, int64_t object_id,
    struct extent_ref **ret_dead, size_t *ret_ndead)
{
	struct db_st *st = db_stmt(db, SQL_EXTENT_UUIDS);
	struct extent_ref *v = NULL;
	size_t n = 0, cap = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, object_id);
	while ((rc = db_row(st)) == ERR_OK) {
		if (db_col_len(st, 0) != BUCKET_UUID_BYTES) {
			r = ERR_CORRUPT;
			break;
		}
		r = arena_grow(a, (void **)&v, n, &cap, sizeof(*v));
		if (r != ERR_OK)
			break;
		memcpy(v[n++].uuid, db_col_blob(st, 0),
		    BUCKET_UUID_BYTES);
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND && rc != ERR_OK)
		r = db_end(rc);
	db_stmt_done(st);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_EXTENT_DELETE_OBJECT);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, object_id);
	r = db_step_done(st);
	if (r == ERR_OK) {
		*ret_dead = v;
		*ret_ndead = n;
	}
	return r;
}

void
bucket_bind_inline(struct db_st *st, int i, const struct extent *e)
{
	if (e->inline_data != NULL)
		db_bind_blob(st, i, e->inline_data, e->inline_len);
	else
		db_bind_null(st, i);
}

static void
bind_object_fields(struct db_st *st, const struct object *o, int first)
{
	/* type, size, etag, crc64, storage_class, mtime_ms */
	db_bind_text(st, first, o->type);
	db_bind_i64(st, first + 1, (int64_t)o->size);
	db_bind_text(st, first + 2, o->etag);
	db_bind_i64(st, first + 3, (int64_t)o->crc64);
	db_bind_text(st, first + 4, o->storage_class);
	db_bind_i64(st, first + 5, o->mtime_ms);
}

static void
bind_object_meta(struct db_st *st, const struct object *o, int first)
{
	/* acl, headers, tags, sse_algorithm, sse_key_id, sse_data_enc */
	db_bind_text(st, first, o->acl[0] ? o->acl : "default");
	db_bind_text(st, first + 1, o->headers);
	db_bind_text(st, first + 2, o->tags);
	db_bind_text(st, first + 3, o->sse_algorithm);
	db_bind_text(st, first + 4, o->sse_key_id);
	db_bind_text(st, first + 5, o->sse_data_enc);
}

static enum err
extents_insert(struct db *db, int64_t object_id, const struct extent *ext,
    size_t n)
{
	enum err r = ERR_OK;

	for (size_t i = 0; i < n && r == ERR_OK; i++) {
		uint8_t mac[DB_SEAL_MAC_BYTES];
		struct db_st *st;

		r = bucket_extent_mac(db, object_id, 0, (int64_t)i, &ext[i],
		    mac);
		if (r != ERR_OK)
			return r;
		st = db_stmt(db, SQL_EXTENT_INSERT);
		if (st == NULL)
			return ERR_IO;
		db_bind_blob(st, 1, ext[i].uuid, BUCKET_UUID_BYTES);
		db_bind_i64(st, 2, object_id);
		db_bind_i64(st, 3, (int64_t)i);
		db_bind_i64(st, 4, (int64_t)ext[i].plain_len);
		db_bind_blob(st, 5, ext[i].wrapped, ext[i].wrapped_len);
		db_bind_text(st, 6, ext[i].wrap_key);
		bucket_bind_inline(st, 7, &ext[i]);
		db_bind_blob(st, 8, mac, sizeof(mac));
		r = db_step_done(st);
	}
	return r;
}

/* A new version's retention: the bucket's ObjectWorm rule, if any. */
static enum err
default_retention(struct db *db, struct object *o)
{
	struct db_st *st;
	enum err rc;

	o->retain_mode[0] = '\0';
	o->retain_until_ms = 0;
	o->legal_hold = false;
	if (strcmp(o->type, "Appendable") == 0)
		return ERR_OK;
	st = db_stmt(db, SQL_OBJECT_WORM_RULE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, o->bucket);
	rc = db_row(st);
	if (rc == ERR_OK) {
		db_col_copy(st, 0, o->retain_mode, sizeof(o->retain_mode));
		if (o->retain_mode[0] != '\0')
			o->retain_until_ms = o->mtime_ms + (db_col_i64(st, 1) +
			    db_col_i64(st, 2) * 365) * 86400000;
	}
	db_stmt_done(st);
	return rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}

static enum err
object_insert(struct db *db, struct object *o, int64_t vseq)
{
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct db_st *st;
	enum err r;
	enum err rc;

	r = default_retention(db, o);
	if (r == ERR_OK)
		r = bucket_object_mac(db, o, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_OBJECT_INSERT);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, o->bucket);
	db_bind_text(st, 2, o->key);
	bind_object_fields(st, o, 3);
	bind_object_meta(st, o, 9);
	db_bind_text(st, 15, o->version_id);
	db_bind_i64(st, 16, vseq);
	db_bind_text(st, 17, o->retain_mode);
	db_bind_i64(st, 18, o->retain_until_ms);
	db_bind_blob(st, 19, mac, sizeof(mac));
	rc = db_row(st);
	if (rc == ERR_OK)
		o->id = db_col_i64(st, 0);
	db_stmt_done(st);
	if (rc != ERR_OK)
		return db_end(rc) != ERR_OK ? db_end(rc) : ERR_INTERNAL;
	o->generation = 1;
	o->vseq = vseq;
	o->latest = true;
	return ERR_OK;
}

enum err
object_replace(struct db *db, struct arena *a, struct object *o,
    enum bucket_versioning v, const struct extent *ext, size_t n,
    struct extent_ref **ret_dead, size_t *ret_ndead)
{
	struct object old;
	struct extent_ref *dead = NULL;
	size_t ndead = 0;
	struct db_st *st;
	int64_t vseq;
	enum err r;
	enum err rc;

	if (v != BUCKET_UNVERSIONED) {
		r = version_make_room(db, a, o->bucket, o->key, v, o->mtime_ms,
		    &vseq, o->version_id, &dead, &ndead);
		if (r == ERR_OK)
			r = object_insert(db, o, vseq);
		goto extents;
	}
	str_copy(o->version_id, sizeof(o->version_id), "null");
	r = object_get(db, a, o->bucket, o->key, &old);
	if (r == ERR_OK) {
		uint8_t mac[DB_SEAL_MAC_BYTES];
		struct object row = *o;

		/* The row keeps its key, version and retention. */
		row.key = old.key;
		str_copy(row.version_id, sizeof(row.version_id),
		    old.version_id);
		str_copy(row.retain_mode, sizeof(row.retain_mode),
		    old.retain_mode);
		row.retain_until_ms = old.retain_until_ms;
		row.legal_hold = old.legal_hold;
		r = bucket_object_mac(db, &row, mac);
		if (r == ERR_OK)
			r = extents_release(db, a, old.id, &dead, &ndead);
		if (r != ERR_OK)
			return r;
		st = db_stmt(db, SQL_OBJECT_UPDATE);
		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, old.id);
		db_bind_i64(st, 2, o->bucket);
		bind_object_fields(st, o, 3);
		bind_object_meta(st, o, 9);
		db_bind_blob(st, 15, mac, sizeof(mac));
		rc = db_row(st);
		if (rc == ERR_OK)
			o->generation = db_col_i64(st, 0);
		db_stmt_done(st);
		if (rc != ERR_OK)
			return db_end(rc) != ERR_OK ? db_end(rc) : ERR_INTERNAL;
		o->id = old.id;
	} else if (r == ERR_NO_SUCH_KEY)
		r = object_insert(db, o, 1);
extents:
	if (r != ERR_OK)
		return r;
	r = extents_insert(db, o->id, ext, n);
	if (r == ERR_OK) {
		*ret_dead = dead;
		*ret_ndead = ndead;
	}
	return r;
}

enum err
object_delete(struct db *db, struct arena *a, int64_t bucket, const char *key,
    struct extent_ref **ret_dead, size_t *ret_ndead)
{
	struct object old;
	struct db_st *st;
	enum err r;

	r = object_get(db, a, bucket, key, &old);
	if (r != ERR_OK)
		return r;
	r = extents_release(db, a, old.id, ret_dead, ret_ndead);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_OBJECT_DELETE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, old.id);
	return db_step_done(st);
}

enum err
object_update_meta(struct db *db, const struct object *o, const char *headers,
    const char *acl, const char *tags, int64_t *ret_gen)
{
	bool own_tx = !db_in_tx(db);
	struct db_st *st;
	enum err r = ERR_OK;
	enum err rc;

	if (own_tx) {
		r = db_tx_begin(db);
		if (r != ERR_OK)
			return r;
	}
	st = db_stmt(db, SQL_OBJECT_META);
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	if (headers)
		db_bind_text(st, 1, headers);
	if (acl)
		db_bind_text(st, 2, acl);
	if (tags)
		db_bind_text(st, 3, tags);
	db_bind_i64(st, 4, o->id);
	db_bind_i64(st, 5, o->generation);
	rc = db_row(st);
	if (rc == ERR_OK) {
		if (ret_gen != NULL)
			*ret_gen = db_col_i64(st, 0);
	} else if (rc == ERR_NOT_FOUND)
		/* OSS: someone changed the object since we read it. */
		r = ERR_STALE_FILE;
	else
		r = db_end(rc);
	db_stmt_done(st);
out:
	if (own_tx) {
		if (r == ERR_OK)
			r = db_tx_commit(db);
		else
			db_tx_rollback(db);
	}
	return r;
}

enum err
object_rows_each(struct db_st *st, struct arena *a,
    bool (*fn)(void *ctx, const struct object *o), void *ctx)
{
	struct object o;
	enum err r = ERR_OK;
	enum err rc;

	while ((rc = db_row(st)) == ERR_OK) {
		object_from_row(st, a, &o);
		if (o.key == NULL || o.headers == NULL || o.tags == NULL) {
			r = ERR_NOMEM;
			break;
		}
		if (!fn(ctx, &o))
			break;
	}
	if (r == ERR_OK && rc != ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
object_scan(struct db *db, struct arena *a, int64_t bucket, const char *from,
    size_t from_len, bool inclusive, unsigned limit,
    bool (*fn)(void *ctx, const struct object *o), void *ctx)
{
	struct db_st *st = db_stmt(db, db_sql(db, SQL_OBJECT_SCAN,
	    PG_OBJECT_SCAN));

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_textn(st, 2, from, from_len);
	db_bind_i64(st, 3, inclusive ? 1 : 0);
	db_bind_i64(st, 4, limit);
	return object_rows_each(st, a, fn, ctx);
}

enum err
extent_exists(struct db *db, const uint8_t uuid[static BUCKET_UUID_BYTES],
    bool *ret)
{
	struct db_st *st = db_stmt(db, SQL_EXTENT_EXISTS);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_blob(st, 1, uuid, BUCKET_UUID_BYTES);
	rc = db_row(st);
	if (rc == ERR_OK) {
		*ret = db_col_i64(st, 0) != 0;
		r = ERR_OK;
	} else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

/* ---- the seal over objects (schema/0009_seal.sql) ---- */

#define SEAL_PAGE	256

static bool
object_ok(struct db *db, struct db_st *st)
{
	return bucket_object_row_mac_ok(db, st, OBJECT_NCOLS);
}

static bool
extent_ok(struct db *db, struct db_st *st)
{
	return bucket_extent_row_mac_ok(db, st, 0);
}

enum err
object_seal_totals(struct db *db, struct db_seal_totals *ret)
{
	return db_seal_totals_walk(db, SQL_OBJECT_PAGE, 0, OBJECT_NCOLS,
	    object_ok, ret);
}

enum err
object_seal_extents_bad(struct db *db, int64_t *ret)
{
	struct db_seal_totals t;
	int64_t sizes = 0;
	enum err r;

	r = db_seal_totals_walk(db, SQL_EXTENT_PAGE, 8, 7, extent_ok, &t);
	if (r == ERR_OK)
		r = db_query_i64(db, SQL_SIZES_BAD, 0, &sizes);
	if (r == ERR_OK)
		*ret = t.bad + sizes;
	return r;
}

enum err
object_seal_bad(struct db *db, unsigned max,
    void (*cb)(void *ctx, const char *bucket, const char *key), void *ctx)
{
	int64_t after = -1, seen;
	unsigned found = 0;
	enum err r = ERR_OK;

	do {
		struct db_st *st = db_stmt(db, SQL_OBJECT_PAGE);

		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, after);
		db_bind_i64(st, 2, SEAL_PAGE);
		seen = 0;
		while (found < max && (r = db_row(st)) == ERR_OK) {
			struct db_st *b;

			seen++;
			after = db_col_i64(st, 0);
			if (object_ok(db, st))
				continue;
			found++;
			b = db_stmt(db, SQL_BUCKET_NAME);
			if (b == NULL) {
				r = ERR_IO;
				break;
			}
			db_bind_i64(b, 1, db_col_i64(st, 1));
			r = db_row(b);
			if (r == ERR_OK || r == ERR_NOT_FOUND)
				cb(ctx, r == ERR_OK ? db_col_text(b, 0) : "?",
				    db_col_text(st, 2));
			db_stmt_done(b);
			r = db_end(r);
			if (r != ERR_OK)
				break;
		}
		db_stmt_done(st);
		if (found == max)
			return ERR_OK;
		r = db_end(r);
	} while (r == ERR_OK && seen == SEAL_PAGE);
	return r;
}

struct sealed_row {
	int64_t	id;
	uint8_t	mac[DB_SEAL_MAC_BYTES];
};
typedef enum err row_mac_fn(struct db *db, struct db_st *st, uint8_t *out);

/* One page of select_sql's rows after *after, each MACed as it stands by
 * mac_fn, then written back; *ret_n: rows in the page. The page is read
 * whole before the first write, so no statement writes the rows another
 * is still stepping over. */
static enum err
seal_page(struct db *db, const char *select_sql, const char *update_sql,
    row_mac_fn *mac_fn, struct sealed_row *page, int64_t *after,
    size_t *ret_n)
{
	struct db_st *st = db_stmt(db, select_sql);
	size_t n = 0;
	enum err r = ERR_OK;
	enum err rc = ERR_NOT_FOUND;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, *after);
	db_bind_i64(st, 2, SEAL_PAGE);
	while (r == ERR_OK && (rc = db_row(st)) == ERR_OK) {
		page[n].id = *after = db_col_i64(st, 0);
		r = mac_fn(db, st, page[n].mac);
		n++;
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	for (size_t i = 0; r == ERR_OK && i < n; i++) {
		st = db_stmt(db, update_sql);
		if (st == NULL)
			return ERR_IO;
		db_bind_blob(st, 1, page[i].mac, DB_SEAL_MAC_BYTES);
		db_bind_i64(st, 2, page[i].id);
		r = db_step_done(st);
	}
	*ret_n = n;
	return r;
}

static enum err
object_row_mac(struct db *db, struct db_st *st, uint8_t *out)
{
	return bucket_object_row_mac(db, st, out);
}

static enum err
extent_row_mac(struct db *db, struct db_st *st, uint8_t *out)
{
	return bucket_extent_row_mac(db, st, 1, 0, 0, out);
}

static enum err
seal_rows(struct db *db, const char *select_sql, const char *update_sql,
    row_mac_fn *mac_fn)
{
	struct sealed_row *page = calloc(SEAL_PAGE, sizeof(*page));
	int64_t after = INT64_MIN;
	size_t n;
	enum err r;

	if (page == NULL)
		return ERR_NOMEM;
	do
		r = seal_page(db, select_sql, update_sql, mac_fn, page, &after,
		    &n);
	while (r == ERR_OK && n == SEAL_PAGE);
	free(page);
	return r;
}

enum err
object_seal_all(struct db *db, bool every)
{
	enum err r;

	r = seal_rows(db, every ? SQL_OBJECT_EVERY : SQL_OBJECT_UNSEALED,
	    SQL_OBJECT_SEAL, object_row_mac);
	if (r == ERR_OK)
		r = seal_rows(db, every ? SQL_EXTENT_EVERY :
		    SQL_EXTENT_UNSEALED, SQL_EXTENT_SEAL, extent_row_mac);
	return r;
}

enum err
object_rewrap_oss(struct db *db, db_reseal_fn *fn, void *ctx, uint64_t *count)
{
	return db_reseal(db, SQL_EXTENTS_OSS, SQL_EXTENT_REWRAP, fn, ctx, count);
}
