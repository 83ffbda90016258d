/* SPDX-License-Identifier: ISC */
/*
 * seal.c: see seal.h. The database's seal key, the seal row and the fault
 * start-up found. The SQL functions are in seal_fn.c, the anchor file in
 * seal_anchor.c.
 */
#include "db/seal.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "db/db.h"
#include "db/db_int.h"

static const char SQL_SEAL_READ[] =
    "SELECT sealed, seq, objects_n, objects_acc, policies_seq, policies_n,"
    " policies_acc, mac, objworm_n, objworm_acc FROM seal WHERE id = 1";
/* An empty set is stored as NULL, as before any row existed, so the seal
 * row keeps the MAC form of its initial values (0013). */
static const char SQL_SEAL_RECOUNT[] =
    "UPDATE seal SET objects_n = ?1, objects_acc = CASE WHEN ?1 = 0 THEN"
    " NULL ELSE ?2 END, policies_n = ?3, policies_acc = CASE WHEN ?3 = 0"
    " THEN NULL ELSE ?4 END, objworm_n = ?5, objworm_acc = CASE WHEN"
    " ?5 = 0 THEN NULL ELSE ?6 END, policies_seq = policies_seq + 1,"
    " seq = seq + 1 WHERE id = 1 AND sealed = 1 RETURNING seq";
static const char SQL_SEAL_MARK[] =
    "UPDATE seal SET sealed = 1, seq = seq + 1 WHERE id = 1";

struct seal_state *
seal_state_new(void)
{
	struct seal_state *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->anchor_fd = -1;
	s->anchored = -1;
	return s;
}

void
seal_state_free(struct seal_state *s)
{
	if (s == NULL)
		return;
	if (s->key != NULL)
		sodium_free(s->key);
	if (s->anchor_fd >= 0)
		close(s->anchor_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

enum err
db_seal_key_set(struct db *db, const uint8_t key[static DB_SEAL_KEY_BYTES])
{
	struct seal_state *s = db_seal_state(db);

	/* Set once per process in cofferd and coffer (kms_open); a second
	 * key (tests opening another root key) replaces it in place. */
	if (s->key == NULL) {
		if (sodium_init() < 0)
			return ERR_INTERNAL;
		s->key = sodium_malloc(DB_SEAL_KEY_BYTES);
		if (s->key == NULL)
			return ERR_NOMEM;
	} else
		sodium_mprotect_readwrite(s->key);
	memcpy(s->key, key, DB_SEAL_KEY_BYTES);
	sodium_mprotect_readonly(s->key);
	return ERR_OK;
}

bool
db_seal_has_key(struct db *db)
{
	return db_seal_state(db)->key != NULL;
}
/* ---- the seal row ---- */

static bool
col_set(struct db_st *st, int ni, int ai, struct seal_set *s)
{
	s->n = db_col_i64(st, ni);
	s->null = db_col_null(st, ai);
	memset(s->acc, 0, sizeof(s->acc));
	if (s->null)
		return true;
	if (db_col_len(st, ai) != DB_SEAL_ACC_BYTES)
		return false;
	memcpy(s->acc, db_col_blob(st, ai), DB_SEAL_ACC_BYTES);
	return true;
}

static struct seal_v
acc_v(const struct seal_set *s)
{
	return s->null ? SEAL_NUL : SEAL_B(s->acc, DB_SEAL_ACC_BYTES);
}

size_t
seal_row_v(const struct seal_row *w, struct seal_v v[static SEAL_ROW_V_N])
{
	v[0] = SEAL_I(w->sealed);
	v[1] = SEAL_I(w->seq);
	v[2] = SEAL_I(w->t[SEAL_OBJECTS].n);
	v[3] = acc_v(&w->t[SEAL_OBJECTS]);
	v[4] = SEAL_I(w->policies_seq);
	v[5] = SEAL_I(w->t[SEAL_POLICIES].n);
	v[6] = acc_v(&w->t[SEAL_POLICIES]);
	v[7] = SEAL_I(w->t[SEAL_OBJWORM].n);
	v[8] = acc_v(&w->t[SEAL_OBJWORM]);
	return w->t[SEAL_OBJWORM].n == 0 && w->t[SEAL_OBJWORM].null ? 7 :
	    SEAL_ROW_V_N;
}

enum err
seal_row_read(struct db *db, struct seal_row *w, bool check)
{
	struct db_st *st = db_stmt(db, SQL_SEAL_READ);
	struct seal_v v[SEAL_ROW_V_N];
	enum err r;

	memset(w, 0, sizeof(*w));
	if (st == NULL)
		return ERR_IO;
	r = db_row(st);
	if (r == ERR_OK) {
		bool sums_ok;

		w->sealed = db_col_i64(st, 0);
		w->seq = db_col_i64(st, 1);
		w->policies_seq = db_col_i64(st, 4);
		/* Every set read, even after a malformed one (reports show
		 * them all). */
		sums_ok = col_set(st, 2, 3, &w->t[SEAL_OBJECTS]);
		sums_ok &= col_set(st, 5, 6, &w->t[SEAL_POLICIES]);
		sums_ok &= col_set(st, 8, 9, &w->t[SEAL_OBJWORM]);
		if (!sums_ok)
			r = ERR_CORRUPT;
		else if (check && w->sealed && !db_seal_mac_ok(db,
		    db_col_blob(st, 7), db_col_len(st, 7), "seal", v,
		    seal_row_v(w, v)))
			r = ERR_CORRUPT;
	} else if (r == ERR_NOT_FOUND)
		r = ERR_CORRUPT;	/* the migration creates it, for good */
	db_stmt_done(st);
	return r;
}

enum err
db_seal_read(struct db *db, struct db_seal *ret)
{
	struct seal_row w;
	enum err r;

	/* A row whose MAC fails (ERR_CORRUPT) is still reported as read. */
	r = seal_row_read(db, &w, true);
	if (r != ERR_OK && r != ERR_CORRUPT)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->sealed = w.sealed != 0;
	ret->seq = w.seq;
	ret->objects_n = w.t[SEAL_OBJECTS].n;
	ret->policies_seq = w.policies_seq;
	ret->policies_n = w.t[SEAL_POLICIES].n;
	ret->objworm_n = w.t[SEAL_OBJWORM].n;
	memcpy(ret->objects_acc, w.t[SEAL_OBJECTS].acc, DB_SEAL_ACC_BYTES);
	memcpy(ret->policies_acc, w.t[SEAL_POLICIES].acc, DB_SEAL_ACC_BYTES);
	memcpy(ret->objworm_acc, w.t[SEAL_OBJWORM].acc, DB_SEAL_ACC_BYTES);
	return r;
}

#define TOTALS_PAGE	512

enum err
db_seal_totals_walk(struct db *db, const char *page_sql, int key_col,
    int mac_col, db_seal_row_ok_fn *ok, struct db_seal_totals *ret)
{
	const struct seal_state *s = db_seal_state(db);
	uint8_t item[DB_SEAL_ACC_BYTES];
	int64_t after = -1, seen;
	enum err r = ERR_OK;

	memset(ret, 0, sizeof(*ret));
	if (s->key == NULL)
		return ERR_INTERNAL;
	do {
		struct db_st *st = db_stmt(db, page_sql);

		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, after);
		db_bind_i64(st, 2, TOTALS_PAGE);
		seen = 0;
		/* As count(*), coffer_sum(mac) and coffer_mac_ok did: every
		 * row counts, a row without a MAC adds nothing and fails. */
		while ((r = db_row(st)) == ERR_OK) {
			ret->n++;
			seen++;
			after = db_col_i64(st, key_col);
			if (!db_col_null(st, mac_col)) {
				seal_item(s, db_col_blob(st, mac_col),
				    db_col_len(st, mac_col), item);
				sodium_add(ret->acc, item, sizeof(item));
			}
			if (!ok(db, st))
				ret->bad++;
		}
		db_stmt_done(st);
		r = db_end(r);
	} while (r == ERR_OK && seen == TOTALS_PAGE);
	return r;
}

enum err
db_seal_mark_sealed(struct db *db)
{
	struct db_st *st = db_stmt(db, SQL_SEAL_MARK);

	if (st == NULL)
		return ERR_IO;
	if (db_is_pg(db))
		seal_pg_rewrote();	/* no trigger MACs it there */
	return db_step_done(st);
}

bool
db_seal_acc_equal(const uint8_t a[static DB_SEAL_ACC_BYTES],
    const uint8_t b[static DB_SEAL_ACC_BYTES])
{
	return sodium_memcmp(a, b, DB_SEAL_ACC_BYTES) == 0;
}
/* ---- faults ---- */

void
db_seal_fault_set(struct db *db, enum db_seal_fault f)
{
	struct seal_state *s = db_seal_state(db);

	pthread_mutex_lock(&s->lock);
	s->fault = f;
	pthread_mutex_unlock(&s->lock);
}

enum db_seal_fault
db_seal_fault(struct db *db)
{
	struct seal_state *s = db_seal_state(db);
	enum db_seal_fault f;
	struct db_seal cur;
	int64_t anchored;

	pthread_mutex_lock(&s->lock);
	f = s->fault;
	pthread_mutex_unlock(&s->lock);
	if (f != DB_SEAL_ROLLBACK)
		return f;
	if (db_seal_anchor_reread(db, &anchored) != ERR_OK ||
	    db_seal_read(db, &cur) != ERR_OK || !cur.sealed ||
	    cur.seq < anchored)
		return f;
	log_notice("seal: the anchor was set to the database's sequence "
	    "%" PRId64 "; changes are accepted again", cur.seq);
	db_seal_fault_set(db, DB_SEAL_OK);
	return DB_SEAL_OK;
}

const char *
db_seal_fault_name(enum db_seal_fault f)
{
	switch (f) {
	case DB_SEAL_OK:
		return "ok";
	case DB_SEAL_ROLLBACK:
		return "rollback";
	case DB_SEAL_TAMPERED:
		return "tampered";
	}
	return "?";
}


enum err
db_seal_recount(struct db *db, const struct db_seal_totals *objects,
    const struct db_seal_totals *policies, const struct db_seal_totals *objworm,
    int64_t *ret_seq)
{
	const struct db_seal_totals *t[3] = { objects, policies, objworm };
	struct db_st *st = db_stmt(db, SQL_SEAL_RECOUNT);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	if (db_is_pg(db))
		seal_pg_rewrote();
	for (int i = 0; i < 3; i++) {
		db_bind_i64(st, 1 + 2 * i, t[i]->n);
		db_bind_blob(st, 2 + 2 * i, t[i]->acc, DB_SEAL_ACC_BYTES);
	}
	rc = db_row(st);
	if (rc == ERR_OK) {
		*ret_seq = db_col_i64(st, 0);
		r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_CONFLICT : db_end(rc);
	db_stmt_done(st);
	return r;
}
