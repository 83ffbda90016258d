/* SPDX-License-Identifier: ISC */
/*
 * multipart_db.c: SQL of multipart uploads (uploads, parts, their extents).
 *
 * A part's bytes are one extent owned by the part row; completion moves the
 * listed extents to the object in part order (UPDATE, no data copy) and
 * returns the rest for unlinking after the commit.
 */
#include <string.h>

#include "base/str.h"
#include "bucket/bucket.h"
#include "bucket/bucket_int.h"
#include "db/db.h"

static const char SQL_MPU_INSERT[] =
    "INSERT INTO uploads (upload_id, bucket, key, initiated_ms,"
    " storage_class, acl, headers, tags, sse_algorithm, sse_key_id,"
    " sse_data_enc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
#define MPU_COLS "id, bucket, upload_id, key, initiated_ms, storage_class," \
	" acl, headers, tags, sse_algorithm, sse_key_id, sse_data_enc"
static const char SQL_MPU_GET[] =
    "SELECT " MPU_COLS " FROM uploads WHERE upload_id = ? AND bucket = ?"
    " AND key = ?";
static const char SQL_MPU_EXISTS[] =
    "SELECT EXISTS (SELECT 1 FROM uploads WHERE id = ?)";
static const char SQL_PART_FIND[] =
    "SELECT id FROM parts WHERE upload = ? AND part_number = ?";
static const char SQL_PART_INSERT[] =
    "INSERT INTO parts (upload, part_number, size, etag, crc64, mtime_ms)"
    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_PART_DELETE[] = "DELETE FROM parts WHERE id = ?";
static const char SQL_PART_EXTENT_UUIDS[] =
    "SELECT uuid FROM extents WHERE part = ?";
static const char SQL_PART_EXTENT_DELETE[] =
    "DELETE FROM extents WHERE part = ?";
static const char SQL_PART_EXTENT_INSERT[] =
    "INSERT INTO extents (uuid, part, seq, plain_len, wrapped_dek, wrap_key,"
    " inline, mac) VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_PARTS_LIST[] =
    "SELECT part_number, size, etag, crc64, mtime_ms FROM parts"
    " WHERE upload = ? AND part_number > ? ORDER BY part_number LIMIT ?";
static const char SQL_PARTS_IDS[] =
    "SELECT id, part_number FROM parts WHERE upload = ?";
static const char SQL_PART_EXTENTS[] =
    "SELECT id, " EXTENT_MAC_COLS " FROM extents WHERE part = ?";
static const char SQL_EXTENT_MOVE[] =
    "UPDATE extents SET object = ?1, part = NULL, seq = ?2, mac = ?3"
    " WHERE id = ?4";
static const char SQL_MPU_DELETE[] = "DELETE FROM uploads WHERE id = ?";
static const char SQL_MPU_LIST[] =
    "SELECT " MPU_COLS " FROM uploads WHERE bucket = ?1"
    " AND substr(key, 1, length(?2)) = ?2"
    " AND (key > ?3 OR (key = ?3 AND upload_id > ?4))"
    " ORDER BY key, upload_id LIMIT ?5";

enum err
mpu_create(struct db *db, struct mpu *u)
{
	struct db_st *st;
	bool own;
	enum err r;

	/* Its own transaction: where an audited request's row is added. */
	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_MPU_INSERT);
	if (st == NULL)
		return db_tx_own_end(db, own, ERR_IO);
	db_bind_text(st, 1, u->upload_id);
	db_bind_i64(st, 2, u->bucket);
	db_bind_text(st, 3, u->key);
	db_bind_i64(st, 4, u->initiated_ms);
	db_bind_text(st, 5, u->storage_class);
	db_bind_text(st, 6, u->acl[0] ? u->acl : "default");
	db_bind_text(st, 7, u->headers);
	db_bind_text(st, 8, u->tags);
	db_bind_text(st, 9, u->sse_algorithm);
	db_bind_text(st, 10, u->sse_key_id);
	db_bind_text(st, 11, u->sse_data_enc);
	r = db_one_i64(st, &u->id);
	return db_tx_own_end(db, own, r);
}

static void
mpu_from_row(struct db_st *st, struct arena *a, struct mpu *u)
{
	memset(u, 0, sizeof(*u));
	u->id = db_col_i64(st, 0);
	u->bucket = db_col_i64(st, 1);
	db_col_copy(st, 2, u->upload_id, sizeof(u->upload_id));
	u->key = bucket_col_arena(st, 3, a);
	u->initiated_ms = db_col_i64(st, 4);
	db_col_copy(st, 5, u->storage_class, sizeof(u->storage_class));
	db_col_copy(st, 6, u->acl, sizeof(u->acl));
	u->headers = bucket_col_arena(st, 7, a);
	u->tags = bucket_col_arena(st, 8, a);
	db_col_copy(st, 9, u->sse_algorithm, sizeof(u->sse_algorithm));
	db_col_copy(st, 10, u->sse_key_id, sizeof(u->sse_key_id));
	db_col_copy(st, 11, u->sse_data_enc, sizeof(u->sse_data_enc));
}

enum err
mpu_get(struct db *db, struct arena *a, int64_t bucket, const char *key,
    const char *upload_id, struct mpu *ret)
{
	struct db_st *st = db_stmt(db, SQL_MPU_GET);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, upload_id);
	db_bind_i64(st, 2, bucket);
	db_bind_text(st, 3, key);
	rc = db_row(st);
	if (rc == ERR_OK) {
		mpu_from_row(st, a, ret);
		r = ret->key && ret->headers && ret->tags ? ERR_OK : ERR_NOMEM;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_NO_SUCH_UPLOAD : db_end(rc);
	db_stmt_done(st);
	return r;
}

/* Appends the uuids of part row's extents to *dead and deletes them. */
static enum err
part_release(struct db *db, struct arena *a, int64_t part,
    struct extent_ref **dead, size_t *ndead, size_t *cap)
{
	struct db_st *st = db_stmt(db, SQL_PART_EXTENT_UUIDS);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, part);
	while ((rc = db_row(st)) == ERR_OK) {
		if (db_col_len(st, 0) != BUCKET_UUID_BYTES) {
			r = ERR_CORRUPT;
			break;
		}
		r = arena_grow(a, (void **)dead, *ndead, cap, sizeof(**dead));
		if (r != ERR_OK)
			break;
		memcpy((*dead)[(*ndead)++].uuid, db_col_blob(st, 0),
		    BUCKET_UUID_BYTES);
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND && rc != ERR_OK)
		r = db_end(rc);
	db_stmt_done(st);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_PART_EXTENT_DELETE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, part);
	return db_step_done(st);
}

static enum err
part_delete_row(struct db *db, int64_t part)
{
	return db_step_i64(db, SQL_PART_DELETE, part);
}

enum err
mpu_part_put(struct db *db, struct arena *a, int64_t u,
    const struct mpu_part *p, const struct extent *ext,
    struct extent_ref **ret_dead, size_t *ret_ndead)
{
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct extent_ref *dead = NULL;
	size_t ndead = 0, cap = 0;
	struct db_st *st;
	int64_t exists = 0, part;
	enum err r;
	enum err rc;

	r = db_query_i64(db, SQL_MPU_EXISTS, u, &exists);
	if (r != ERR_OK)
		return r;
	if (!exists)
		return ERR_NO_SUCH_UPLOAD;
	st = db_stmt(db, SQL_PART_FIND);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, u);
	db_bind_i64(st, 2, p->number);
	rc = db_row(st);
	part = rc == ERR_OK ? db_col_i64(st, 0) : 0;
	db_stmt_done(st);
	if (rc != ERR_OK && rc != ERR_NOT_FOUND)
		return db_end(rc);
	if (part != 0) {
		r = part_release(db, a, part, &dead, &ndead, &cap);
		if (r == ERR_OK)
			r = part_delete_row(db, part);
		if (r != ERR_OK)
			return r;
	}
	st = db_stmt(db, SQL_PART_INSERT);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, u);
	db_bind_i64(st, 2, p->number);
	db_bind_i64(st, 3, (int64_t)p->size);
	db_bind_text(st, 4, p->etag);
	db_bind_i64(st, 5, (int64_t)p->crc64);
	db_bind_i64(st, 6, p->mtime_ms);
	r = db_one_i64(st, &part);
	if (r != ERR_OK)
		return r;
	r = bucket_extent_mac(db, 0, part, 0, ext, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_PART_EXTENT_INSERT);
	if (st == NULL)
		return ERR_IO;
	db_bind_blob(st, 1, ext->uuid, BUCKET_UUID_BYTES);
	db_bind_i64(st, 2, part);
	db_bind_i64(st, 3, (int64_t)ext->plain_len);
	db_bind_blob(st, 4, ext->wrapped, ext->wrapped_len);
	db_bind_text(st, 5, ext->wrap_key);
	bucket_bind_inline(st, 6, ext);
	db_bind_blob(st, 7, mac, sizeof(mac));
	r = db_step_done(st);
	if (r == ERR_OK) {
		*ret_dead = dead;
		*ret_ndead = ndead;
	}
	return r;
}

enum err
mpu_parts(struct db *db, struct arena *a, int64_t u, unsigned marker,
    unsigned max, struct mpu_part **ret, size_t *ret_n, bool *ret_truncated)
{
	struct db_st *st = db_stmt(db, SQL_PARTS_LIST);
	struct mpu_part *v = NULL;
	size_t n = 0, cap = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	*ret_truncated = false;
	db_bind_i64(st, 1, u);
	db_bind_i64(st, 2, marker);
	db_bind_i64(st, 3, (int64_t)max + 1);
	while ((rc = db_row(st)) == ERR_OK) {
		if (n == max) {
			*ret_truncated = true;
			break;
		}
		r = arena_grow(a, (void **)&v, n, &cap, sizeof(*v));
		if (r != ERR_OK)
			break;
		v[n].number = (unsigned)db_col_i64(st, 0);
		v[n].size = (uint64_t)db_col_i64(st, 1);
		db_col_copy(st, 2, v[n].etag, sizeof(v[n].etag));
		v[n].crc64 = (uint64_t)db_col_i64(st, 3);
		v[n].mtime_ms = db_col_i64(st, 4);
		n++;
	}
	if (r == ERR_OK && rc != ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	if (r == ERR_OK) {
		*ret = v;
		*ret_n = n;
	}
	return r;
}

struct part_id {
	int64_t		id;
	unsigned	number;
};

static enum err
part_ids(struct db *db, struct arena *a, int64_t u, struct part_id **ret,
    size_t *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_PARTS_IDS);
	struct part_id *v = NULL;
	size_t n = 0, cap = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, u);
	while ((rc = db_row(st)) == ERR_OK) {
		r = arena_grow(a, (void **)&v, n, &cap, sizeof(*v));
		if (r != ERR_OK)
			break;
		v[n].id = db_col_i64(st, 0);
		v[n].number = (unsigned)db_col_i64(st, 1);
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

struct moved {
	int64_t	id;
	bool	sealed;
	uint8_t	mac[DB_SEAL_MAC_BYTES];
};

/* Moves part's extents to (object, seq), each MACed at its new place. One
 * that fails its MAC gets none there, so the object is refused when read
 * instead of laundering the edit. */
static enum err
part_extents_move(struct db *db, struct arena *a, int64_t part,
    int64_t object, int64_t seq)
{
	struct db_st *st = db_stmt(db, SQL_PART_EXTENTS);
	struct moved *v = NULL;
	size_t n = 0, cap = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, part);
	while ((rc = db_row(st)) == ERR_OK) {
		r = arena_grow(a, (void **)&v, n, &cap, sizeof(*v));
		if (r != ERR_OK)
			break;
		v[n].id = db_col_i64(st, 0);
		v[n].sealed = bucket_extent_row_mac_ok(db, st, 1);
		if (v[n].sealed)
			r = bucket_extent_row_mac(db, st, 1, object, seq,
			    v[n].mac);
		if (r != ERR_OK)
			break;
		n++;
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND && rc != ERR_OK)
		r = db_end(rc);
	db_stmt_done(st);
	for (size_t i = 0; r == ERR_OK && i < n; i++) {
		st = db_stmt(db, SQL_EXTENT_MOVE);
		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, object);
		db_bind_i64(st, 2, seq);
		db_bind_blob(st, 3, v[i].sealed ? v[i].mac : NULL,
		    DB_SEAL_MAC_BYTES);
		db_bind_i64(st, 4, v[i].id);
		r = db_step_done(st);
	}
	return r;
}

/* Removes the upload's parts not listed in keep (their extents become
 * dead), then the listed parts' rows once their extents were moved. */
static enum err
parts_drop(struct db *db, struct arena *a, const struct part_id *ids,
    size_t nids, struct extent_ref **dead, size_t *ndead, size_t *cap)
{
	enum err r = ERR_OK;

	for (size_t i = 0; i < nids && r == ERR_OK; i++) {
		r = part_release(db, a, ids[i].id, dead, ndead, cap);
		if (r == ERR_OK)
			r = part_delete_row(db, ids[i].id);
	}
	return r;
}

enum err
mpu_complete(struct db *db, struct arena *a, const struct mpu *u,
    const unsigned *numbers, size_t n, struct object *o,
    enum bucket_versioning v, struct extent_ref **ret_dead, size_t *ret_ndead)
{
	struct extent_ref *dead = NULL, *odead = NULL;
	size_t ndead = 0, cap = 0, nodead = 0, nids = 0;
	struct part_id *ids = NULL;
	struct db_st *st;
	enum err r;

	r = part_ids(db, a, u->id, &ids, &nids);
	if (r != ERR_OK)
		return r;
	r = object_replace(db, a, o, v, NULL, 0, &odead, &nodead);
	if (r != ERR_OK)
		return r;
	/* Move the listed parts' extents to the object, in order. */
	for (size_t i = 0; i < n; i++) {
		int64_t part = 0;

		for (size_t k = 0; k < nids; k++)
			if (ids[k].number == numbers[i])
				part = ids[k].id;
		if (part == 0)
			return ERR_INVALID_PART;
		r = part_extents_move(db, a, part, o->id, (int64_t)i);
		if (r != ERR_OK)
			return r;
	}
	/* Listed parts now own no extent; every part row goes, and the
	 * unlisted ones take their extents with them. */
	r = parts_drop(db, a, ids, nids, &dead, &ndead, &cap);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_MPU_DELETE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, u->id);
	r = db_step_done(st);
	if (r != ERR_OK)
		return r;
	for (size_t i = 0; i < nodead; i++) {
		r = arena_grow(a, (void **)&dead, ndead, &cap, sizeof(*dead));
		if (r != ERR_OK)
			return r;
		dead[ndead++] = odead[i];
	}
	*ret_dead = dead;
	*ret_ndead = ndead;
	return ERR_OK;
}

enum err
mpu_abort(struct db *db, struct arena *a, const struct mpu *u,
    struct extent_ref **ret_dead, size_t *ret_ndead)
{
	struct extent_ref *dead = NULL;
	size_t ndead = 0, cap = 0, nids = 0;
	struct part_id *ids = NULL;
	struct db_st *st;
	enum err r;

	r = part_ids(db, a, u->id, &ids, &nids);
	if (r == ERR_OK)
		r = parts_drop(db, a, ids, nids, &dead, &ndead, &cap);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_MPU_DELETE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, u->id);
	r = db_step_done(st);
	if (r == ERR_OK) {
		*ret_dead = dead;
		*ret_ndead = ndead;
	}
	return r;
}

enum err
mpu_list(struct db *db, struct arena *a, int64_t bucket,
    const struct mpu_list_opts *o, void (*fn)(void *ctx, const struct mpu *u),
    void *ctx, bool *ret_truncated)
{
	struct db_st *st = db_stmt(db, SQL_MPU_LIST);
	struct mpu u;
	unsigned n = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	*ret_truncated = false;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, o->prefix);
	db_bind_text(st, 3, o->key_marker);
	/* Without an upload-id marker, uploads of the marker key itself are
	 * skipped (S3/OSS semantics): "~" sorts after every hex id. */
	db_bind_text(st, 4, o->upload_id_marker && o->upload_id_marker[0] ?
	    o->upload_id_marker : (o->key_marker && o->key_marker[0] ? "~" : ""));
	db_bind_i64(st, 5, (int64_t)o->max + 1);
	while ((rc = db_row(st)) == ERR_OK) {
		if (n == o->max) {
			*ret_truncated = true;
			break;
		}
		mpu_from_row(st, a, &u);
		if (u.key == NULL || u.headers == NULL || u.tags == NULL) {
			r = ERR_NOMEM;
			break;
		}
		fn(ctx, &u);
		n++;
	}
	if (r == ERR_OK && rc != ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}
