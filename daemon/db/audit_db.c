/* SPDX-License-Identifier: ISC */
/*
 * audit_db.c: the one writer of the audit table (schemas 0001, 0010), its
 * hash chain and the chain's verification.
 *
 * Row n's hash is mac(M) with
 *
 *   M = lp("coffer/audit/v1") || prev || be64(id) || be64(time_ms)
 *       || lp(actor) || lp(action) || lp(target) || lp(result) || lp(detail)
 *
 * where lp(x) = be32(length) || x and prev is row n-1's hash (32 zero
 * bytes for the first row). The id is hashed, so a row moved to another
 * place breaks the chain even with its own fields intact; prev ties each
 * row to the one before, so a deleted or inserted row breaks it at the
 * row after the gap. Cutting rows off the end leaves a shorter chain that
 * still verifies: the head (db_audit_head) is what an external record
 * compares against. Retention (schema 0020, audit_prune_db.c) removes a
 * prefix: the chain then starts at the checkpoint, whose hash the first
 * kept row carries as its prev, and every walk here starts from there.
 *
 * The mac is the caller's (db.h, db_audit_set_mac): keyed BLAKE2b under a
 * root-key subkey, computed inside kms/, so the key never enters this
 * layer and only a holder of the root key can extend the chain.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "db/db.h"
#include "db/db_int.h"

#define AUDIT_DOMAIN	"coffer/audit/v1"
/* Rows hashed per statement while (re)chaining. */
#define CHAIN_BATCH	256

static const char SQL_HEAD[] =
    "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
static const char SQL_INSERT[] =
    "INSERT INTO audit (id, time_ms, actor, action, target, result, detail,"
    " prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_WALK[] =
    "SELECT id, time_ms, actor, action, target, result, detail, prev, hash"
    " FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char SQL_CHAIN_STATE[] =
    "SELECT legacy_max, legacy_done FROM audit_chain WHERE id = 1";
static const char SQL_LEGACY_SET[] =
    "UPDATE audit SET prev = ?, hash = ? WHERE id = ? AND hash IS NULL";
static const char SQL_RECHAIN_SET[] =
    "UPDATE audit SET prev = ?, hash = ? WHERE id = ?";
static const char SQL_LEGACY_DONE[] =
    "UPDATE audit_chain SET legacy_done = 1 WHERE id = 1";
static const char SQL_REKEYED[] =
    "UPDATE audit_checkpoint SET rekeyed_upto = last_id WHERE id = 1";

struct audit_fields {
	int64_t		 id;
	int64_t		 time_ms;
	const char	*s[5];		/* actor action target result detail */
	size_t		 n[5];
};

static void
put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static enum err
put_lp(struct buf *b, const void *p, size_t n)
{
	uint8_t len[4];

	if (n > UINT32_MAX)
		return ERR_ENTITY_TOO_LARGE;
	put_be(len, n, 4);
	if (buf_append(b, len, 4) != ERR_OK)
		return ERR_NOMEM;
	return n == 0 ? ERR_OK : buf_append(b, p, n);
}

/* hash = mac(M) of the comment above. */
static enum err
row_hash(const struct db_audit_mac *mac, const uint8_t *prev,
    const struct audit_fields *f, uint8_t hash[static DB_AUDIT_HASH_BYTES])
{
	uint8_t num[16];
	struct buf b;
	enum err r;

	if (mac->fn == NULL)
		return ERR_AUDIT_UNAVAILABLE;
	buf_init(&b, 64 * 1024 * 1024);
	put_be(num, (uint64_t)f->id, 8);
	put_be(num + 8, (uint64_t)f->time_ms, 8);
	r = put_lp(&b, AUDIT_DOMAIN, strlen(AUDIT_DOMAIN));
	if (r == ERR_OK)
		r = buf_append(&b, prev, DB_AUDIT_HASH_BYTES);
	if (r == ERR_OK)
		r = buf_append(&b, num, sizeof(num));
	for (int i = 0; r == ERR_OK && i < 5; i++)
		r = put_lp(&b, f->s[i], f->n[i]);
	if (r == ERR_OK)
		mac->fn(mac->ctx, hash, b.data, b.len);
	buf_free(&b);
	return r;
}

/* Equality of two hashes without an early exit. */
static bool
hash_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (int i = 0; i < DB_AUDIT_HASH_BYTES; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

/* The newest row. ERR_CORRUPT when it has no hash: the trail was not
 * chained (an append then would start a second chain). */
static enum err
head_read(struct db *db, int64_t *ret_id, uint8_t hash[DB_AUDIT_HASH_BYTES])
{
	struct db_st *st = db_stmt(db, SQL_HEAD);
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	*ret_id = 0;
	memset(hash, 0, DB_AUDIT_HASH_BYTES);
	rc = db_row(st);
	if (rc == ERR_OK) {
		*ret_id = db_col_i64(st, 0);
		if (db_col_len(st, 1) != DB_AUDIT_HASH_BYTES)
			r = ERR_CORRUPT;
		else
			memcpy(hash, db_col_blob(st, 1),
			    DB_AUDIT_HASH_BYTES);
	} else if (rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
db_audit_insert(struct db *db, int64_t time_ms, const char *actor,
    const char *action, const char *target, const char *result,
    const char *detail)
{
	const char *v[5] = { actor != NULL ? actor : "daemon", action, target,
	    result, detail };
	uint8_t prev[DB_AUDIT_HASH_BYTES], hash[DB_AUDIT_HASH_BYTES];
	struct audit_fields f;
	int64_t last;
	struct db_st *st;
	enum err r;

	r = head_read(db, &last, prev);
	if (r == ERR_CORRUPT)
		log_errx("audit: the newest row (%lld) has no hash; refusing "
		    "to append", (long long)last);
	if (r != ERR_OK)
		return r;
	f.id = last + 1;
	f.time_ms = time_ms;
	for (int i = 0; i < 5; i++) {
		f.s[i] = v[i] != NULL ? v[i] : "";
		f.n[i] = strlen(f.s[i]);
	}
	r = row_hash(db_audit_mac_get(db), prev, &f, hash);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_INSERT);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, f.id);
	db_bind_i64(st, 2, time_ms);
	for (int i = 0; i < 5; i++)
		db_bind_text(st, 3 + i, f.s[i]);
	db_bind_blob(st, 8, prev, sizeof(prev));
	db_bind_blob(st, 9, hash, sizeof(hash));
	r = db_step_done(st);
	if (r == ERR_OK)
		db_tx_count_audit_row(db);
	return r;
}

enum err
db_audit_append(struct db *db, int64_t time_ms, const char *actor,
    const char *action, const char *target, const char *result,
    const char *detail)
{
	bool own;
	enum err r;

	/* The head must not move between reading it and appending: an
	 * append always runs in a write transaction. */
	r = db_tx_own_begin(db, &own);
	if (r != ERR_OK)
		return r;
	r = db_audit_insert(db, time_ms, actor, action, target, result, detail);
	return db_tx_own_end(db, own, r);
}

/* Row fields of a walk statement's current row. */
static void
fields_of(struct db_st *st, struct audit_fields *f)
{
	f->id = db_col_i64(st, 0);
	f->time_ms = db_col_i64(st, 1);
	for (int i = 0; i < 5; i++) {
		f->s[i] = db_col_text(st, 2 + i);
		f->n[i] = db_col_len(st, 2 + i);
	}
}

struct legacy_row {
	int64_t	id;
	uint8_t	prev[DB_AUDIT_HASH_BYTES];
	uint8_t	hash[DB_AUDIT_HASH_BYTES];
};

/* Gives the rows 1..upto their hashes under the installed mac, in
 * batches (a row is updated only after the statement reading it is
 * reset), in the transaction of the caller: the rows that predate the
 * chain (set_sql SQL_LEGACY_SET), or every row again under a new key
 * (SQL_RECHAIN_SET). */
static enum err
chain_rows(struct db *db, int64_t upto, const char *set_sql)
{
	const struct db_audit_mac *mac = db_audit_mac_get(db);
	uint8_t prev[DB_AUDIT_HASH_BYTES];
	struct legacy_row *rows;
	int64_t after;
	enum err r;

	r = db_audit_start(db, &after, prev);
	if (r != ERR_OK)
		return r;
	rows = calloc(CHAIN_BATCH, sizeof(*rows));
	if (rows == NULL)
		return ERR_NOMEM;
	while (r == ERR_OK && after < upto) {
		struct db_st *st = db_stmt(db, SQL_WALK);
		size_t n = 0;
		enum err rc = ERR_NOT_FOUND;

		if (st == NULL) {
			r = ERR_IO;
			break;
		}
		db_bind_i64(st, 1, after);
		db_bind_i64(st, 2, CHAIN_BATCH);
		while (r == ERR_OK && (rc = db_row(st)) == ERR_OK) {
			struct audit_fields f;

			fields_of(st, &f);
			if (f.id > upto)
				break;
			rows[n].id = f.id;
			memcpy(rows[n].prev, prev, sizeof(prev));
			r = row_hash(mac, prev, &f, rows[n].hash);
			memcpy(prev, rows[n].hash, sizeof(prev));
			n++;
		}
		db_stmt_done(st);
		if (r == ERR_OK && rc != ERR_OK && rc != ERR_NOT_FOUND)
			r = db_end(rc);
		for (size_t i = 0; r == ERR_OK && i < n; i++) {
			st = db_stmt(db, set_sql);
			if (st == NULL) {
				r = ERR_IO;
				break;
			}
			db_bind_blob(st, 1, rows[i].prev, DB_AUDIT_HASH_BYTES);
			db_bind_blob(st, 2, rows[i].hash, DB_AUDIT_HASH_BYTES);
			db_bind_i64(st, 3, rows[i].id);
			r = db_changed_one(db, db_step_done(st));
		}
		if (n < CHAIN_BATCH || (n > 0 && rows[n - 1].id >= upto))
			break;
		after = rows[n - 1].id;
	}
	free(rows);
	return r;
}

enum err
db_audit_rechain(struct db *db, uint64_t *ret_rows)
{
	uint8_t head[DB_AUDIT_HASH_BYTES];
	int64_t last, start = 0;
	enum err r;

	r = head_read(db, &last, head);
	if (r == ERR_OK)
		r = db_audit_start(db, &start, head);
	if (r == ERR_OK && last > 0)
		r = chain_rows(db, last, SQL_RECHAIN_SET);
	/* The checkpoint keeps its hash (the first kept row's prev, and the
	 * last line of the export file); the exported rows before it were
	 * hashed under the key going away. */
	if (r == ERR_OK) {
		struct db_st *st = db_stmt(db, SQL_REKEYED);

		r = st != NULL ? db_step_done(st) : ERR_IO;
	}
	if (r == ERR_OK)
		*ret_rows = (uint64_t)(last - start);
	return r;
}

enum err
db_audit_set_mac(struct db *db, db_audit_mac_fn *mac, void *ctx)
{
	struct db_st *st;
	int64_t legacy_max = 0, chained = 0;
	bool done = true;
	enum err r;
	enum err rc;

	db_audit_mac_put(db, mac, ctx);
	if (mac == NULL)
		return ERR_OK;
	/* Read first: a verifier of a read-only copy must not need the
	 * write lock once the legacy rows are chained. */
	if (db_query_i64(db, "SELECT legacy_done FROM audit_chain WHERE id = ?",
	    1, &chained) == ERR_OK && chained != 0)
		return ERR_OK;
	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_CHAIN_STATE);
	if (st == NULL) {
		r = ERR_IO;
		goto out;
	}
	rc = db_row(st);
	if (rc == ERR_OK) {
		legacy_max = db_col_i64(st, 0);
		done = db_col_i64(st, 1) != 0;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_CORRUPT : db_end(rc);
	db_stmt_done(st);
	if (r != ERR_OK || done)
		goto out;
	if (legacy_max > 0) {
		r = chain_rows(db, legacy_max, SQL_LEGACY_SET);
		if (r == ERR_OK)
			log_notice("audit: chained the %lld row(s) written "
			    "before the chain existed", (long long)legacy_max);
	}
	if (r == ERR_OK) {
		st = db_stmt(db, SQL_LEGACY_DONE);
		r = st != NULL ? db_step_done(st) : ERR_IO;
	}
out:
	if (r == ERR_OK)
		return db_tx_commit(db);
	db_tx_rollback(db);
	log_errx("audit: cannot prepare the hash chain: %s", err_name(r));
	return r;
}

enum err
db_audit_verify(struct db *db, struct db_audit_check *ret)
{
	const struct db_audit_mac *mac = db_audit_mac_get(db);
	uint8_t prev[DB_AUDIT_HASH_BYTES], want[DB_AUDIT_HASH_BYTES];
	int64_t after;
	struct db_st *st;
	enum err r = ERR_OK;
	int64_t at_id = ret->at_id, after_prev = 0;
	bool more = true, snap;
	enum err rc = ERR_NOT_FOUND;

	memset(ret, 0, sizeof(*ret));
	ret->at_id = at_id;
	if (mac->fn == NULL)
		return ERR_AUDIT_UNAVAILABLE;
	(void)db_query_i64(db, "SELECT legacy_max FROM audit_chain WHERE id = ?",
	    1, &ret->legacy_max);
	/* One read transaction (or the caller's): a daemon appending or
	 * pruning meanwhile does not move the rows under the walk. */
	snap = db_read_begin(db);
	r = db_audit_start(db, &after, prev);
	ret->pruned_upto = after;
	memcpy(ret->start, prev, sizeof(prev));
	while (r == ERR_OK && more && ret->bad_id == 0) {
		unsigned n = 0;

		st = db_stmt(db, SQL_WALK);
		if (st == NULL) {
			r = ERR_IO;
			break;
		}
		db_bind_i64(st, 1, after);
		db_bind_i64(st, 2, 4096);
		while ((rc = db_row(st)) == ERR_OK) {
			struct audit_fields f;

			n++;
			fields_of(st, &f);
			after_prev = after;
			after = f.id;
			if (db_col_len(st, 7) != DB_AUDIT_HASH_BYTES ||
			    db_col_len(st, 8) != DB_AUDIT_HASH_BYTES) {
				ret->bad_id = f.id;
				ret->why = "the row has no hash (not written by "
				    "cofferd)";
				break;
			}
			if (!hash_equal(db_col_blob(st, 7), prev)) {
				ret->bad_id = f.id;
				if (f.id != after_prev + 1)
					ret->why = "the rows before it are "
					    "missing (deleted)";
				else if (f.id == ret->pruned_upto + 1 &&
				    ret->pruned_upto > 0)
					ret->why = "it does not follow the "
					    "checkpoint (the checkpoint or the "
					    "row was changed)";
				else
					ret->why = "it does not follow the row "
					    "before it (a row was deleted, "
					    "inserted or moved here)";
				break;
			}
			r = row_hash(mac, prev, &f, want);
			if (r != ERR_OK)
				break;
			if (!hash_equal(db_col_blob(st, 8), want)) {
				ret->bad_id = f.id;
				ret->why = "its fields do not match its hash (the "
				    "row was changed)";
				break;
			}
			memcpy(prev, want, sizeof(prev));
			if (f.id == at_id) {
				memcpy(ret->at_hash, want, sizeof(want));
				ret->at_found = true;
			}
			ret->rows++;
			ret->head_id = f.id;
		}
		if (r == ERR_OK && ret->bad_id == 0 && rc != ERR_NOT_FOUND)
			r = db_end(rc);
		db_stmt_done(st);
		more = n == 4096;
	}
	db_read_end(db, snap);
	memcpy(ret->head, prev, sizeof(prev));
	return r;
}

enum err
db_audit_head(struct db *db, int64_t *ret_id,
    uint8_t ret_hash[DB_AUDIT_HASH_BYTES])
{
	return head_read(db, ret_id, ret_hash);
}

enum err
db_audit_row_check(struct db *db, const struct db_audit_row *row, bool *ret_ok)
{
	uint8_t want[DB_AUDIT_HASH_BYTES];
	struct audit_fields f;
	const char *v[5] = { row->actor, row->action, row->target, row->result,
	    row->detail };
	enum err r;

	f.id = row->id;
	f.time_ms = row->time_ms;
	for (int i = 0; i < 5; i++) {
		f.s[i] = v[i] != NULL ? v[i] : "";
		f.n[i] = strlen(f.s[i]);
	}
	r = row_hash(db_audit_mac_get(db), row->prev, &f, want);
	if (r == ERR_OK)
		*ret_ok = hash_equal(want, row->hash);
	return r;
}
