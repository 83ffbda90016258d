/* SPDX-License-Identifier: ISC */
/*
 * kms_db.c: every SQL statement of the CMK tables (schema/0002_kms.sql) and
 * the audit rows kms/ writes. No logic beyond mapping rows: callers decide,
 * these functions store. Key updates are compare-and-set on the stored
 * state and the generation, so a lost race surfaces as ERR_CONFLICT rather
 * than a silent overwrite. Sealed material passes through as opaque bytes.
 */
#include <stdint.h>
#include <string.h>

#include "base/str.h"
#include "db/db.h"
#include "kms/kms_int.h"

#define KEY_COLS \
    "k.id, k.key_id, k.account, a.account_id, k.state, k.generation," \
    " k.description, k.key_spec, k.key_usage, k.origin, k.protection," \
    " k.managed, k.created_ms, k.delete_ms, k.deletion_protection," \
    " k.deletion_protection_desc, k.rotation, k.rotation_interval_s," \
    " k.last_rotation_ms, k.primary_version, k.material_expire_ms," \
    " k.material_fp, (SELECT v.material FROM kms_key_versions v" \
    " WHERE v.key = k.id AND v.version_id = k.primary_version)"
#define KEY_NCOLS 23
#define KEY_FROM " FROM kms_keys k JOIN accounts a ON a.id = k.account"

static const char SQL_KEY_BY_ID[] =
    "SELECT " KEY_COLS KEY_FROM " WHERE k.key_id = ?";
static const char SQL_KEY_BY_ROWID[] =
    "SELECT " KEY_COLS KEY_FROM " WHERE k.id = ?";
static const char SQL_KEY_BY_ALIAS[] =
    "SELECT " KEY_COLS KEY_FROM
    " JOIN kms_aliases al ON al.key = k.id WHERE al.account = ? AND al.name = ?";
static const char SQL_KEY_BY_VERSION[] =
    "SELECT " KEY_COLS ", vv.created_ms, vv.material, vv.legacy_blobs"
    " FROM kms_key_versions vv"
    " JOIN kms_keys k ON k.id = vv.key JOIN accounts a ON a.id = k.account"
    " WHERE vv.version_id = ?";
static const char SQL_KEY_LIST[] =
    "SELECT " KEY_COLS KEY_FROM " WHERE k.account = ? ORDER BY k.id";
/* ListKeys: the account's keys not yet destroyed (kms_state_effective).
 * TotalCount is the stored count (kms_key_counts, schema 0021) less the
 * destroyed keys the sweep has not removed yet, which kms_keys_deletion
 * finds among few; a page starts at the block of 1024 row ids holding
 * its first key (kms_key_blocks) and steps over fewer than 1024 entries
 * of kms_keys_list from there, whatever the page number. Only the page's
 * rows are read for their key ids, never the material. */
#define NOT_DESTROYED \
    " NOT (k.state = 'PendingDeletion' AND k.delete_ms <= ?2)"
static const char SQL_KEY_COUNT_STORED[] =
    "SELECT keys FROM kms_key_counts WHERE account = ?1";
/* SQLite's planner needs the index named; PostgreSQL's picks it. */
#define KEY_COUNT_DESTROYED(hint) \
    "SELECT count(*) FROM kms_keys k" hint \
    " WHERE k.state = 'PendingDeletion' AND k.delete_ms <= ?2" \
    " AND k.account = ?1 AND k.id < ?3"
static const char SQL_KEY_COUNT_DESTROYED[] =
    KEY_COUNT_DESTROYED(" INDEXED BY kms_keys_deletion");
static const char PG_KEY_COUNT_DESTROYED[] = KEY_COUNT_DESTROYED("");
static const char SQL_KEY_BLOCKS[] =
    "SELECT block, n FROM kms_key_blocks WHERE account = ?1 ORDER BY block";
#define KEY_BLOCK_SHIFT 10	/* kms_key_blocks.block = id >> 10 */
#define KEY_PAGE(hint) \
    "SELECT k.key_id, a.account_id FROM kms_keys k" hint \
    " JOIN accounts a ON a.id = k.account" \
    " WHERE k.account = ?1 AND k.id >= ?5 AND" NOT_DESTROYED \
    " ORDER BY k.id LIMIT ?3 OFFSET ?4"
static const char SQL_KEY_PAGE[] = KEY_PAGE(" INDEXED BY kms_keys_list");
static const char PG_KEY_PAGE[] = KEY_PAGE("");
static const char SQL_KEY_INSERT[] =
    "INSERT INTO kms_keys (key_id, account, state, description, key_spec,"
    " key_usage, origin, protection, managed, created_ms, delete_ms,"
    " deletion_protection, deletion_protection_desc, rotation,"
    " rotation_interval_s, last_rotation_ms, primary_version,"
    " material_expire_ms, material_fp)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " RETURNING id";
static const char SQL_KEY_UPDATE[] =
    "UPDATE kms_keys SET state = ?1, generation = generation + 1,"
    " description = ?2, delete_ms = ?3, deletion_protection = ?4,"
    " deletion_protection_desc = ?5, rotation = ?6, rotation_interval_s = ?7,"
    " last_rotation_ms = ?8, primary_version = ?9, material_expire_ms = ?10,"
    " material_fp = ?11 WHERE id = ?12 AND state = ?13 AND generation = ?14";
static const char SQL_KEY_DELETE[] = "DELETE FROM kms_keys WHERE id = ?";
static const char SQL_KEYS_DESTROYED[] =
    "SELECT id FROM kms_keys WHERE state = 'PendingDeletion'"
    " AND delete_ms <= ? ORDER BY delete_ms LIMIT ?";
static const char SQL_KEYS_ROTATION_DUE[] =
    "SELECT id FROM kms_keys WHERE rotation = 1 AND state = 'Enabled'"
    " AND origin = 'Aliyun_KMS' AND rotation_interval_s > 0"
    " AND last_rotation_ms + rotation_interval_s * 1000 <= ? LIMIT ?";

static const char SQL_VERSION_INSERT[] =
    "INSERT INTO kms_key_versions (version_id, key, created_ms, material)"
    " VALUES (?, ?, ?, ?)";
static const char SQL_VERSION_SET[] =
    "UPDATE kms_key_versions SET material = ? WHERE key = ? AND version_id = ?";
/* Versions created in one millisecond keep their insertion order. */
#define VERSION_LIST(seq) \
    "SELECT version_id, created_ms FROM kms_key_versions WHERE key = ?" \
    " ORDER BY created_ms, " seq
static const char SQL_VERSION_LIST[] = VERSION_LIST("rowid");
static const char PG_VERSION_LIST[] = VERSION_LIST("id");
static const char SQL_VERSION_COUNT[] =
    "SELECT count(*) FROM kms_key_versions WHERE key = ?";
static const char SQL_VERSION_REFUSE_LEGACY[] =
    "UPDATE kms_key_versions SET legacy_blobs = 0"
    " WHERE key = ? AND legacy_blobs = 1";

static const char SQL_ALIAS_INSERT[] =
    "INSERT INTO kms_aliases (account, name, key, created_ms)"
    " VALUES (?, ?, ?, ?)";
static const char SQL_ALIAS_GET[] =
    "SELECT key FROM kms_aliases WHERE account = ? AND name = ?";
static const char SQL_ALIAS_SET[] =
    "UPDATE kms_aliases SET key = ? WHERE account = ? AND name = ?";
static const char SQL_ALIAS_DELETE[] =
    "DELETE FROM kms_aliases WHERE account = ? AND name = ?";
static const char SQL_ALIAS_LIST[] =
    "SELECT name, key FROM kms_aliases WHERE account = ? ORDER BY name";
static const char SQL_ALIAS_LIST_KEY[] =
    "SELECT name, key FROM kms_aliases WHERE account = ? AND key = ?"
    " ORDER BY name";

/* The quotas' counts (kms_int.h): a key is destroyed once PendingDeletion
 * reaches its delete_ms, whether or not the sweep has removed it yet.
 * Keys and versions: the account's counters (schema 0021) less the
 * destroyed keys not swept yet, so a creation costs the same at 100 or
 * 100,000 keys. */
#define LIVE_KEY " NOT (k.state = 'PendingDeletion' AND k.delete_ms <= ?2)"
#define DESTROYED_USER_KEYS(hint) \
    " FROM kms_keys k" hint \
    " WHERE k.state = 'PendingDeletion' AND k.delete_ms <= ?2" \
    " AND k.account = ?1 AND k.managed = 0"
#define QUOTA_KEYS(hint) \
    "SELECT coalesce((SELECT user_keys FROM kms_key_counts" \
    " WHERE account = ?1), 0) - (SELECT count(*)" \
    DESTROYED_USER_KEYS(hint) ")"
#define QUOTA_KEY_VERSIONS(hint) \
    "SELECT coalesce((SELECT user_versions FROM kms_key_counts" \
    " WHERE account = ?1), 0) - (SELECT count(*)" \
    " FROM kms_key_versions v WHERE v.key IN (SELECT k.id" \
    DESTROYED_USER_KEYS(hint) "))"
#define HINT_DELETION " INDEXED BY kms_keys_deletion"
static const char SQL_QUOTA_KEYS[] = QUOTA_KEYS(HINT_DELETION);
static const char PG_QUOTA_KEYS[] = QUOTA_KEYS("");
static const char SQL_QUOTA_KEY_VERSIONS[] = QUOTA_KEY_VERSIONS(HINT_DELETION);
static const char PG_QUOTA_KEY_VERSIONS[] = QUOTA_KEY_VERSIONS("");
static const char SQL_QUOTA_ALIASES[] =
    "SELECT count(*) FROM (SELECT 1 FROM kms_aliases al"
    " JOIN kms_keys k ON k.id = al.key WHERE al.account = ?1"
    " AND substr(al.name, 1, 10) <> 'alias/acs/' AND" LIVE_KEY
    " LIMIT ?3) x";

static const char SQL_TAG_PUT[] =
    "INSERT INTO kms_tags (key, tag_key, tag_value) VALUES (?, ?, ?)"
    " ON CONFLICT (key, tag_key) DO UPDATE SET tag_value = excluded.tag_value";
static const char SQL_TAG_DELETE[] =
    "DELETE FROM kms_tags WHERE key = ? AND tag_key = ?";
static const char SQL_TAG_COUNT[] =
    "SELECT count(*) FROM kms_tags WHERE key = ?";
static const char SQL_TAG_HAS[] =
    "SELECT EXISTS (SELECT 1 FROM kms_tags WHERE key = ? AND tag_key = ?)";
static const char SQL_TAG_LIST[] =
    "SELECT tag_key, tag_value FROM kms_tags WHERE key = ? ORDER BY tag_key";

static const char SQL_TOKEN_INSERT[] =
    "INSERT INTO kms_import_tokens (token, key, algorithm, private_key,"
    " expire_ms) VALUES (?, ?, ?, ?, ?)";
static const char SQL_TOKEN_GET[] =
    "SELECT key, algorithm, private_key, expire_ms FROM kms_import_tokens"
    " WHERE token = ?";
/* An expired token loses its private key at once but stays known for a
 * month, so ImportKeyMaterial answers ExpiredImportToken, not
 * InvalidImportToken, whenever the periodic purge happened to run. */
static const char SQL_TOKEN_WIPE[] =
    "UPDATE kms_import_tokens SET private_key = ?2 WHERE expire_ms <= ?1"
    " AND length(private_key) > 0";
/* 30 days in ms, written out: PostgreSQL multiplies integer literals in
 * 32 bits. */
static const char SQL_TOKEN_PURGE[] =
    "DELETE FROM kms_import_tokens WHERE expire_ms <= ? - 2592000000";

static const char SQL_ACCOUNT_ID[] =
    "SELECT account_id FROM accounts WHERE id = ?";

static const char SQL_AUDIT_LIST[] =
    "SELECT id, time_ms, actor, action, target, result, detail FROM"
    " (SELECT * FROM audit ORDER BY id DESC LIMIT ?) a ORDER BY id";

/* Reads the KEY_COLS of the current row; ERR_CORRUPT for a state the
 * CHECK constraint should have kept out. */
static enum err
row_read(struct db_st *st, int64_t now_ms, struct kms_key_row *row)
{
	struct kms_key_meta *m = &row->m;
	const void *fp, *mat;
	char state[32];

	memset(row, 0, sizeof(*row));
	row->id = db_col_i64(st, 0);
	db_col_copy(st, 1, m->key_id, sizeof(m->key_id));
	row->account = db_col_i64(st, 2);
	db_col_copy(st, 3, m->creator, sizeof(m->creator));
	db_col_copy(st, 4, state, sizeof(state));
	if (!kms_state_parse(state, &row->stored))
		return ERR_CORRUPT;
	row->generation = db_col_i64(st, 5);
	db_col_copy(st, 6, m->description, sizeof(m->description));
	db_col_copy(st, 7, m->key_spec, sizeof(m->key_spec));
	db_col_copy(st, 8, m->key_usage, sizeof(m->key_usage));
	db_col_copy(st, 9, m->origin, sizeof(m->origin));
	db_col_copy(st, 10, m->protection_level, sizeof(m->protection_level));
	m->managed = db_col_i64(st, 11) != 0;
	m->created_ms = db_col_i64(st, 12);
	m->delete_ms = db_col_i64(st, 13);
	m->deletion_protection = db_col_i64(st, 14) != 0;
	db_col_copy(st, 15, m->deletion_protection_desc,
	    sizeof(m->deletion_protection_desc));
	m->rotation = db_col_i64(st, 16) != 0;
	m->rotation_interval_s = db_col_i64(st, 17);
	m->last_rotation_ms = db_col_i64(st, 18);
	db_col_copy(st, 19, m->primary_version, sizeof(m->primary_version));
	m->material_expire_ms = db_col_i64(st, 20);
	fp = db_col_blob(st, 21);
	if (fp != NULL && db_col_len(st, 21) == KMS_MAC_BYTES) {
		memcpy(row->fp, fp, KMS_MAC_BYTES);
		row->has_fp = true;
	}
	/* The primary version's sealed material comes with the row, so an
	 * Encrypt needs one query, not two. Usable material: present and
	 * not expired. */
	row->primary_sealed_len = 0;
	mat = db_col_blob(st, 22);
	if (mat != NULL) {
		if (db_col_len(st, 22) != KMS_MATERIAL_SEALED)
			return ERR_CORRUPT;
		memcpy(row->primary_sealed, mat, KMS_MATERIAL_SEALED);
		row->primary_sealed_len = KMS_MATERIAL_SEALED;
	}
	m->has_material = mat != NULL &&
	    (m->material_expire_ms == 0 || now_ms < m->material_expire_ms);
	m->state = kms_state_effective(row->stored, m->delete_ms,
	    m->material_expire_ms, now_ms);
	return ERR_OK;
}

/* Runs a prepared single-row key query. */
static enum err
key_one(struct db_st *st, int64_t now_ms, struct kms_key_row *ret)
{
	enum err r;
	enum err rc;

	rc = db_row(st);
	if (rc == ERR_OK)
		r = row_read(st, now_ms, ret);
	else if (rc == ERR_NOT_FOUND)
		r = ERR_NOT_FOUND;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
kms_db_key_get(struct db *db, const char *key_id, int64_t now_ms,
    struct kms_key_row *ret)
{
	struct db_st *st = db_stmt(db, SQL_KEY_BY_ID);

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, key_id);
	return key_one(st, now_ms, ret);
}

enum err
kms_db_key_get_by_id(struct db *db, int64_t id, int64_t now_ms,
    struct kms_key_row *ret)
{
	struct db_st *st = db_stmt(db, SQL_KEY_BY_ROWID);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, id);
	return key_one(st, now_ms, ret);
}

enum err
kms_db_key_get_by_alias(struct db *db, int64_t account, const char *alias,
    int64_t now_ms, struct kms_key_row *ret)
{
	struct db_st *st = db_stmt(db, SQL_KEY_BY_ALIAS);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	db_bind_text(st, 2, alias);
	return key_one(st, now_ms, ret);
}

enum err
kms_db_key_get_by_version(struct db *db, const char *version_id,
    int64_t now_ms, struct kms_key_row *ret, struct kms_version_row *ret_v)
{
	struct db_st *st = db_stmt(db, SQL_KEY_BY_VERSION);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, version_id);
	rc = db_row(st);
	if (rc == ERR_OK) {
		const void *p = db_col_blob(st, KEY_NCOLS + 1);
		int n = db_col_len(st, KEY_NCOLS + 1);

		r = row_read(st, now_ms, ret);
		ret_v->created_ms = db_col_i64(st, KEY_NCOLS);
		ret_v->legacy_blobs =
		    db_col_i64(st, KEY_NCOLS + 2) != 0;
		ret_v->sealed_len = 0;
		if (r == ERR_OK && p != NULL) {
			if (n != KMS_MATERIAL_SEALED)
				r = ERR_CORRUPT;
			else {
				memcpy(ret_v->sealed, p, (size_t)n);
				ret_v->sealed_len = (size_t)n;
			}
		}
	} else if (rc == ERR_NOT_FOUND)
		r = ERR_NOT_FOUND;
	else
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
kms_db_key_list(struct db *db, int64_t account, int64_t now_ms,
    void (*fn)(void *ctx, const struct kms_key_row *row), void *ctx)
{
	struct db_st *st = db_stmt(db, SQL_KEY_LIST);
	struct kms_key_row row;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	while ((rc = db_row(st)) == ERR_OK) {
		r = row_read(st, now_ms, &row);
		if (r != ERR_OK)
			break;
		fn(ctx, &row);
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

/* ?1 account, ?2 now_ms, ?3 below this row id: destroyed keys the sweep
 * has not removed. */
static enum err
destroyed_before(struct db *db, int64_t account, int64_t now_ms,
    int64_t id, int64_t *ret)
{
	struct db_st *st = db_stmt(db, db_sql(db, SQL_KEY_COUNT_DESTROYED,
	    PG_KEY_COUNT_DESTROYED));
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	db_bind_i64(st, 2, now_ms);
	db_bind_i64(st, 3, id);
	rc = db_row(st);
	if (rc == ERR_OK)
		*ret = db_col_i64(st, 0);
	r = rc == ERR_OK ? ERR_OK : db_end(rc);
	db_stmt_done(st);
	return r;
}

/* The first row id of the block holding the stored key of rank offset,
 * and how many stored keys come before it. */
static enum err
page_block(struct db *db, int64_t account, uint64_t offset,
    int64_t *ret_id, uint64_t *ret_before)
{
	struct db_st *st = db_stmt(db, SQL_KEY_BLOCKS);
	uint64_t before = 0;
	int64_t block = 0;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	while ((rc = db_row(st)) == ERR_OK) {
		int64_t n = db_col_i64(st, 1);

		block = db_col_i64(st, 0);
		if (n > 0 && before + (uint64_t)n > offset)
			break;
		before += n > 0 ? (uint64_t)n : 0;
	}
	db_stmt_done(st);
	if (rc != ERR_OK && rc != ERR_NOT_FOUND)
		return db_end(rc);
	if (rc == ERR_NOT_FOUND)
		block++;	/* past every block: nothing to find there */
	*ret_id = block << KEY_BLOCK_SHIFT;
	*ret_before = before;
	return ERR_OK;
}

enum err
kms_db_key_page(struct db *db, int64_t account, int64_t now_ms,
    uint64_t offset, uint64_t limit,
    void (*fn)(void *ctx, const char *key_id, const char *creator),
    void *ctx, uint64_t *ret_total)
{
	int64_t stored = 0, gone = 0, from = 0;
	uint64_t before = 0, live_before;
	bool opened;
	struct db_st *st;
	enum err r;
	enum err rc;

	/* The counts and the page from one snapshot. */
	opened = db_read_begin(db);
	r = db_query_i64(db, SQL_KEY_COUNT_STORED, account, &stored);
	if (r == ERR_NOT_FOUND) {
		stored = 0;
		r = ERR_OK;
	}
	if (r == ERR_OK)
		r = destroyed_before(db, account, now_ms, INT64_MAX, &gone);
	if (r != ERR_OK)
		goto out;
	*ret_total = stored > gone ? (uint64_t)(stored - gone) : 0;
	if (offset >= *ret_total || limit == 0)
		goto out;
	r = page_block(db, account, offset, &from, &before);
	if (r == ERR_OK)
		r = destroyed_before(db, account, now_ms, from, &gone);
	if (r != ERR_OK)
		goto out;
	/* Live keys below from: at most offset, so the page starts at or
	 * after from. */
	live_before = before - (uint64_t)gone;
	st = db_stmt(db, db_sql(db, SQL_KEY_PAGE, PG_KEY_PAGE));
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	db_bind_i64(st, 1, account);
	db_bind_i64(st, 2, now_ms);
	db_bind_i64(st, 3, limit > INT64_MAX ? INT64_MAX :
	    (int64_t)limit);
	db_bind_i64(st, 4, (int64_t)(offset - live_before));
	db_bind_i64(st, 5, from);
	while ((rc = db_row(st)) == ERR_OK) {
		const char *id = db_col_text(st, 0);
		const char *creator = db_col_text(st, 1);

		fn(ctx, id, creator);
	}
	r = rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
	db_stmt_done(st);
out:
	db_read_end(db, opened);
	return r;
}

static void
bind_fp(struct db_st *st, int i, const struct kms_key_row *row)
{
	if (row->has_fp)
		db_bind_blob(st, i, row->fp, KMS_MAC_BYTES);
	else
		db_bind_null(st, i);
}

enum err
kms_db_key_insert(struct db *db, struct kms_key_row *row)
{
	struct db_st *st = db_stmt(db, SQL_KEY_INSERT);
	const struct kms_key_meta *m = &row->m;
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, m->key_id);
	db_bind_i64(st, 2, row->account);
	db_bind_text(st, 3, kms_state_name(row->stored));
	db_bind_text(st, 4, m->description);
	db_bind_text(st, 5, m->key_spec);
	db_bind_text(st, 6, m->key_usage);
	db_bind_text(st, 7, m->origin);
	db_bind_text(st, 8, m->protection_level);
	db_bind_i64(st, 9, m->managed);
	db_bind_i64(st, 10, m->created_ms);
	db_bind_i64(st, 11, m->delete_ms);
	db_bind_i64(st, 12, m->deletion_protection);
	db_bind_text(st, 13, m->deletion_protection_desc);
	db_bind_i64(st, 14, m->rotation);
	db_bind_i64(st, 15, m->rotation_interval_s);
	db_bind_i64(st, 16, m->last_rotation_ms);
	db_bind_text(st, 17, m->primary_version);
	db_bind_i64(st, 18, m->material_expire_ms);
	bind_fp(st, 19, row);
	r = db_one_i64(st, &row->id);
	if (r != ERR_OK)
		return r;
	row->generation = 1;
	return ERR_OK;
}

enum err
kms_db_key_update(struct db *db, const struct kms_key_row *old,
    const struct kms_key_row *nrow)
{
	struct db_st *st = db_stmt(db, SQL_KEY_UPDATE);
	const struct kms_key_meta *m = &nrow->m;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, kms_state_name(nrow->stored));
	db_bind_text(st, 2, m->description);
	db_bind_i64(st, 3, m->delete_ms);
	db_bind_i64(st, 4, m->deletion_protection);
	db_bind_text(st, 5, m->deletion_protection_desc);
	db_bind_i64(st, 6, m->rotation);
	db_bind_i64(st, 7, m->rotation_interval_s);
	db_bind_i64(st, 8, m->last_rotation_ms);
	db_bind_text(st, 9, m->primary_version);
	db_bind_i64(st, 10, m->material_expire_ms);
	bind_fp(st, 11, nrow);
	db_bind_i64(st, 12, old->id);
	db_bind_text(st, 13, kms_state_name(old->stored));
	db_bind_i64(st, 14, old->generation);
	return db_changed_one(db, db_step_done(st));
}

enum err
kms_db_key_delete(struct db *db, int64_t id)
{
	struct db_st *st = db_stmt(db, SQL_KEY_DELETE);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, id);
	return db_step_done(st);
}

static enum err
id_list(struct db *db, const char *sql, int64_t now_ms, int64_t *ids,
    size_t max, size_t *ret_n)
{
	struct db_st *st = db_stmt(db, sql);
	size_t n = 0;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, now_ms);
	db_bind_i64(st, 2, (int64_t)max);
	while ((rc = db_row(st)) == ERR_OK && n < max)
		ids[n++] = db_col_i64(st, 0);
	db_stmt_done(st);
	if (rc != ERR_OK && rc != ERR_NOT_FOUND)
		return db_end(rc);
	*ret_n = n;
	return ERR_OK;
}

enum err
kms_db_keys_destroyed(struct db *db, int64_t now_ms, int64_t *ids,
    size_t max, size_t *ret_n)
{
	return id_list(db, SQL_KEYS_DESTROYED, now_ms, ids, max, ret_n);
}

enum err
kms_db_keys_rotation_due(struct db *db, int64_t now_ms, int64_t *ids,
    size_t max, size_t *ret_n)
{
	return id_list(db, SQL_KEYS_ROTATION_DUE, now_ms, ids, max, ret_n);
}

/* ---- versions ---- */

enum err
kms_db_version_insert(struct db *db, int64_t key, const char *version_id,
    int64_t created_ms, const uint8_t *sealed, size_t sealed_len)
{
	struct db_st *st = db_stmt(db, SQL_VERSION_INSERT);

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, version_id);
	db_bind_i64(st, 2, key);
	db_bind_i64(st, 3, created_ms);
	if (sealed != NULL)
		db_bind_blob(st, 4, sealed, sealed_len);
	else
		db_bind_null(st, 4);
	return db_step_done(st);
}

enum err
kms_db_version_set_material(struct db *db, int64_t key,
    const char *version_id, const uint8_t *sealed, size_t sealed_len)
{
	struct db_st *st = db_stmt(db, SQL_VERSION_SET);

	if (st == NULL)
		return ERR_IO;
	if (sealed != NULL)
		db_bind_blob(st, 1, sealed, sealed_len);
	else
		db_bind_null(st, 1);
	db_bind_i64(st, 2, key);
	db_bind_text(st, 3, version_id);
	return db_changed_one(db, db_step_done(st));
}

enum err
kms_db_version_list(struct db *db, int64_t key,
    void (*fn)(void *ctx, const char *version_id, int64_t created_ms),
    void *ctx)
{
	struct db_st *st = db_stmt(db, db_sql(db, SQL_VERSION_LIST,
	    PG_VERSION_LIST));
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, key);
	while ((rc = db_row(st)) == ERR_OK) {
		const char *v = db_col_text(st, 0);

		fn(ctx, v, db_col_i64(st, 1));
	}
	db_stmt_done(st);
	return rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}

static enum err
count_one(struct db *db, const char *sql, int64_t key, int64_t *ret)
{
	struct db_st *st = db_stmt(db, sql);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, key);
	rc = db_row(st);
	if (rc == ERR_OK)
		*ret = db_col_i64(st, 0);
	else
		r = rc == ERR_NOT_FOUND ? ERR_INTERNAL : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
kms_db_version_count(struct db *db, int64_t key, int64_t *ret)
{
	return count_one(db, SQL_VERSION_COUNT, key, ret);
}

enum err
kms_db_versions_refuse_legacy(struct db *db, int64_t key, unsigned *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_VERSION_REFUSE_LEGACY);
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, key);
	r = db_step_done(st);
	if (r == ERR_OK)
		*ret_n = (unsigned)db_changes(db);
	return r;
}

enum err
kms_db_quota_count(struct db *db, enum kms_quota what, int64_t account,
    int64_t now_ms, int64_t cap, int64_t *ret)
{
	static const char *const sql[][2] = {
		[KMS_QUOTA_KEYS] = { SQL_QUOTA_KEYS, PG_QUOTA_KEYS },
		[KMS_QUOTA_ALIASES] = { SQL_QUOTA_ALIASES, SQL_QUOTA_ALIASES },
		[KMS_QUOTA_KEY_VERSIONS] = { SQL_QUOTA_KEY_VERSIONS,
		    PG_QUOTA_KEY_VERSIONS },
	};
	struct db_st *st = db_stmt(db, db_sql(db, sql[what][0], sql[what][1]));
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	db_bind_i64(st, 2, now_ms);
	db_bind_i64(st, 3, cap);
	rc = db_row(st);
	if (rc == ERR_OK) {
		/* A quota decision needs to count no further than the cap. */
		*ret = db_col_i64(st, 0);
		if (*ret > cap)
			*ret = cap;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_INTERNAL : db_end(rc);
	db_stmt_done(st);
	return r;
}

/* ---- aliases ---- */

enum err
kms_db_alias_insert(struct db *db, int64_t account, const char *name,
    int64_t key, int64_t now_ms)
{
	struct db_st *st = db_stmt(db, SQL_ALIAS_INSERT);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	db_bind_text(st, 2, name);
	db_bind_i64(st, 3, key);
	db_bind_i64(st, 4, now_ms);
	return db_step_done(st);
}

enum err
kms_db_alias_get(struct db *db, int64_t account, const char *name,
    int64_t *ret_key)
{
	struct db_st *st = db_stmt(db, SQL_ALIAS_GET);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	db_bind_text(st, 2, name);
	rc = db_row(st);
	if (rc == ERR_OK)
		*ret_key = db_col_i64(st, 0);
	else
		r = rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
kms_db_alias_set(struct db *db, int64_t account, const char *name,
    int64_t key)
{
	struct db_st *st = db_stmt(db, SQL_ALIAS_SET);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, key);
	db_bind_i64(st, 2, account);
	db_bind_text(st, 3, name);
	return db_changed_one(db, db_step_done(st));
}

enum err
kms_db_alias_delete(struct db *db, int64_t account, const char *name)
{
	struct db_st *st = db_stmt(db, SQL_ALIAS_DELETE);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	db_bind_text(st, 2, name);
	return db_changed_one(db, db_step_done(st));
}

enum err
kms_db_alias_list(struct db *db, int64_t account, int64_t key,
    void (*fn)(void *ctx, const char *name, int64_t key), void *ctx)
{
	struct db_st *st = db_stmt(db, key != 0 ? SQL_ALIAS_LIST_KEY :
	    SQL_ALIAS_LIST);
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	if (key != 0)
		db_bind_i64(st, 2, key);
	while ((rc = db_row(st)) == ERR_OK) {
		const char *n = db_col_text(st, 0);

		fn(ctx, n, db_col_i64(st, 1));
	}
	db_stmt_done(st);
	return rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}

/* ---- tags ---- */

enum err
kms_db_tag_put(struct db *db, int64_t key, const char *tag_key,
    const char *tag_value)
{
	struct db_st *st = db_stmt(db, SQL_TAG_PUT);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, key);
	db_bind_text(st, 2, tag_key);
	db_bind_text(st, 3, tag_value);
	return db_step_done(st);
}

enum err
kms_db_tag_delete(struct db *db, int64_t key, const char *tag_key)
{
	struct db_st *st = db_stmt(db, SQL_TAG_DELETE);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, key);
	db_bind_text(st, 2, tag_key);
	return db_step_done(st);
}

enum err
kms_db_tag_count(struct db *db, int64_t key, int64_t *ret)
{
	return count_one(db, SQL_TAG_COUNT, key, ret);
}

enum err
kms_db_tag_has(struct db *db, int64_t key, const char *tag_key, bool *ret)
{
	struct db_st *st = db_stmt(db, SQL_TAG_HAS);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, key);
	db_bind_text(st, 2, tag_key);
	rc = db_row(st);
	if (rc == ERR_OK)
		*ret = db_col_i64(st, 0) != 0;
	else
		r = rc == ERR_NOT_FOUND ? ERR_INTERNAL : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
kms_db_tag_list(struct db *db, int64_t key,
    void (*fn)(void *ctx, const char *tag_key, const char *tag_value),
    void *ctx)
{
	struct db_st *st = db_stmt(db, SQL_TAG_LIST);
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, key);
	while ((rc = db_row(st)) == ERR_OK) {
		const char *tk = db_col_text(st, 0);
		const char *tv = db_col_text(st, 1);

		fn(ctx, tk, tv);
	}
	db_stmt_done(st);
	return rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}

/* ---- import tokens ---- */

enum err
kms_db_token_insert(struct db *db, const char *token, int64_t key,
    const char *algorithm, const uint8_t *sealed, size_t sealed_len,
    int64_t expire_ms)
{
	struct db_st *st = db_stmt(db, SQL_TOKEN_INSERT);

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, token);
	db_bind_i64(st, 2, key);
	db_bind_text(st, 3, algorithm);
	db_bind_blob(st, 4, sealed, sealed_len);
	db_bind_i64(st, 5, expire_ms);
	return db_step_done(st);
}

enum err
kms_db_token_get(struct db *db, const char *token, int64_t *ret_key,
    char *algorithm, uint8_t *sealed, size_t cap, size_t *ret_len,
    int64_t *ret_expire_ms)
{
	struct db_st *st = db_stmt(db, SQL_TOKEN_GET);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_text(st, 1, token);
	rc = db_row(st);
	if (rc == ERR_OK) {
		const void *p = db_col_blob(st, 2);
		int n = db_col_len(st, 2);

		/* An expired token's key is wiped (SQL_TOKEN_WIPE): length 0. */
		if ((n > 0 && p == NULL) || n < 0 || (size_t)n > cap)
			r = ERR_CORRUPT;
		else {
			*ret_key = db_col_i64(st, 0);
			db_col_copy(st, 1, algorithm, 32);
			if (n > 0)
				memcpy(sealed, p, (size_t)n);
			*ret_len = (size_t)n;
			*ret_expire_ms = db_col_i64(st, 3);
		}
	} else
		r = rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
kms_db_token_purge(struct db *db, int64_t now_ms)
{
	struct db_st *st = db_stmt(db, SQL_TOKEN_WIPE);
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, now_ms);
	db_bind_blob(st, 2, "", 0);
	r = db_step_done(st);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_TOKEN_PURGE);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, now_ms);
	return db_step_done(st);
}

enum err
kms_db_account_id(struct db *db, int64_t account, char *out, size_t cap)
{
	struct db_st *st = db_stmt(db, SQL_ACCOUNT_ID);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, account);
	rc = db_row(st);
	if (rc == ERR_OK)
		db_col_copy(st, 0, out, cap);
	else
		r = rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : db_end(rc);
	db_stmt_done(st);
	return r;
}

/* ---- audit ---- */

enum err
kms_db_audit_insert(struct db *db, const struct kms_audit_entry *e)
{
	return db_audit_append(db, e->time_ms, e->actor, e->action, e->target,
	    e->result, e->detail);
}

enum err
kms_db_audit_list(struct db *db, unsigned limit,
    void (*fn)(void *ctx, const struct kms_audit_row *row), void *ctx)
{
	struct db_st *st = db_stmt(db, SQL_AUDIT_LIST);
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, limit);
	while ((rc = db_row(st)) == ERR_OK) {
		struct kms_audit_row row;
		const char *s[5];

		for (int i = 0; i < 5; i++)
			s[i] = db_col_text(st, 2 + i);
		row.id = db_col_i64(st, 0);
		row.time_ms = db_col_i64(st, 1);
		row.actor = s[0];
		row.action = s[1];
		row.target = s[2];
		row.result = s[3];
		row.detail = s[4];
		fn(ctx, &row);
	}
	db_stmt_done(st);
	return rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}
