/* SPDX-License-Identifier: ISC */
/*
 * seal_pg.c: the seal row on PostgreSQL, kept by cofferd.
 *
 * SQLite's seal triggers fold each change of a sealed row into the seal
 * row with coffer_acc and re-MAC it with coffer_mac, functions that hold
 * the key. PostgreSQL never gets the key: its triggers only note the
 * changes in seal_journal (schema/pg/), and db_tx_commit calls
 * seal_pg_precommit just before COMMIT, which folds the notes in here,
 * with the very arithmetic of the SQLite triggers, so a seal row is the
 * same bytes on both engines.
 *
 * Before building on the seal row it checks the row's MAC, unless this
 * transaction itself rewrote the row (the first start's mark, a root-key
 * rotation's recount): a row someone edited in the database is never
 * re-MACed into looking genuine.
 */
#include <sodium.h>
#include <string.h>

#include "base/log.h"
#include "db/db_int.h"
#include "db/seal.h"

static const char SQL_JOURNAL_TAKE[] =
    "DELETE FROM seal_journal RETURNING tbl, op, old_mac, new_mac";
static const char SQL_ROW[] =
    "SELECT sealed, seq, objects_n, objects_acc, policies_seq, policies_n,"
    " policies_acc, mac, objworm_n, objworm_acc FROM seal WHERE id = 1";
static const char SQL_ROW_SET[] =
    "UPDATE seal SET seq = ?1, objects_n = ?2, objects_acc = ?3,"
    " policies_seq = ?4, policies_n = ?5, policies_acc = ?6, objworm_n = ?7,"
    " objworm_acc = ?8, mac = ?9 WHERE id = 1";

enum { T_OBJECTS, T_POLICIES, T_OBJWORM, T_N };

struct set {
	int64_t	n;
	uint8_t	acc[DB_SEAL_ACC_BYTES];
	bool	null;		/* never summed: stored as NULL */
};

struct row {
	int64_t		sealed, seq, policies_seq;
	struct set	t[T_N];
};

/* Set by this thread's transaction when it rewrote the seal row itself. */
static _Thread_local bool tx_rewrote;

void
seal_pg_rewrote(void)
{
	tx_rewrote = true;
}

static bool
col_set(struct db_st *st, int ni, int ai, struct set *s)
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
acc_v(const struct set *s)
{
	return s->null ? SEAL_NUL : SEAL_B(s->acc, DB_SEAL_ACC_BYTES);
}

/* The values the seal row's MAC covers, in the form the seal_mac trigger
 * of schema 0013 picks: the ObjectWorm pair only once it left its first
 * values. */
static size_t
row_v(const struct row *w, struct seal_v v[static 9])
{
	v[0] = SEAL_I(w->sealed);
	v[1] = SEAL_I(w->seq);
	v[2] = SEAL_I(w->t[T_OBJECTS].n);
	v[3] = acc_v(&w->t[T_OBJECTS]);
	v[4] = SEAL_I(w->policies_seq);
	v[5] = SEAL_I(w->t[T_POLICIES].n);
	v[6] = acc_v(&w->t[T_POLICIES]);
	v[7] = SEAL_I(w->t[T_OBJWORM].n);
	v[8] = acc_v(&w->t[T_OBJWORM]);
	return w->t[T_OBJWORM].n == 0 && w->t[T_OBJWORM].null ? 7 : 9;
}

static enum err
row_read(struct db *db, struct row *w, bool check)
{
	struct db_st *st = db_stmt(db, SQL_ROW);
	struct seal_v v[9];
	enum err r;

	if (st == NULL)
		return ERR_IO;
	r = db_row(st);
	if (r == ERR_OK) {
		w->sealed = db_col_i64(st, 0);
		w->seq = db_col_i64(st, 1);
		w->policies_seq = db_col_i64(st, 4);
		if (!col_set(st, 2, 3, &w->t[T_OBJECTS]) ||
		    !col_set(st, 5, 6, &w->t[T_POLICIES]) ||
		    !col_set(st, 8, 9, &w->t[T_OBJWORM]))
			r = ERR_CORRUPT;
		else if (check && w->sealed && !db_seal_mac_ok(db,
		    db_col_blob(st, 7), db_col_len(st, 7), "seal", v,
		    row_v(w, v))) {
			log_errx("seal: the seal row does not match its MAC: "
			    "it was changed in the database; the change is "
			    "refused");
			r = ERR_CORRUPT;
		}
	} else if (r == ERR_NOT_FOUND)
		r = ERR_CORRUPT;	/* the baseline creates it */
	db_stmt_done(st);
	return r;
}

/* coffer_acc: acc +/- H(mac); a NULL mac adds nothing, yet the set is no
 * longer "never summed". */
static void
acc_add(const struct seal_state *ss, struct set *s, const void *mac,
    size_t n, int sign)
{
	uint8_t item[DB_SEAL_ACC_BYTES];

	s->null = false;
	if (mac == NULL)
		return;
	seal_item(ss, mac, n, item);
	if (sign > 0)
		sodium_add(s->acc, item, sizeof(item));
	else
		sodium_sub(s->acc, item, sizeof(item));
}

static int
table_of(const char *name)
{
	if (strcmp(name, "objects") == 0)
		return T_OBJECTS;
	if (strcmp(name, "policies") == 0)
		return T_POLICIES;
	if (strcmp(name, "objworm") == 0)
		return T_OBJWORM;
	return -1;
}

/* One note, as the SQLite trigger for its table and operation would. */
static enum err
fold(const struct seal_state *ss, struct row *w, struct db_st *st)
{
	int t = table_of(db_col_text(st, 0));
	char op = db_col_text(st, 1)[0];
	const void *old = db_col_null(st, 2) ? NULL : db_col_blob(st, 2);
	const void *new = db_col_null(st, 3) ? NULL : db_col_blob(st, 3);
	struct set *s;

	if (t < 0 || (op != 'I' && op != 'D' && op != 'U'))
		return ERR_CORRUPT;
	s = &w->t[t];
	if (op == 'D' || op == 'U')
		acc_add(ss, s, old, db_col_len(st, 2), -1);
	if (op == 'I' || op == 'U')
		acc_add(ss, s, new, db_col_len(st, 3), 1);
	if (op == 'I')
		s->n++;
	else if (op == 'D')
		s->n--;
	if (t == T_POLICIES)
		w->policies_seq++;
	w->seq++;
	return ERR_OK;
}

static enum err
row_write(struct db *db, const struct row *w)
{
	struct db_st *st;
	struct seal_v v[9];
	uint8_t mac[DB_SEAL_MAC_BYTES];
	enum err r;

	r = db_seal_mac(db, "seal", v, row_v(w, v), mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_ROW_SET);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, w->seq);
	db_bind_i64(st, 7, w->t[T_OBJWORM].n);
	for (int t = 0; t < T_N; t++) {
		static const int acc_param[T_N] = { 3, 6, 8 };

		if (!w->t[t].null)
			db_bind_blob(st, acc_param[t], w->t[t].acc,
			    DB_SEAL_ACC_BYTES);
	}
	db_bind_i64(st, 2, w->t[T_OBJECTS].n);
	db_bind_i64(st, 4, w->policies_seq);
	db_bind_i64(st, 5, w->t[T_POLICIES].n);
	db_bind_blob(st, 9, mac, sizeof(mac));
	return db_changed_one(db, db_step_done(st));
}

enum err
seal_pg_precommit(struct db *db)
{
	const struct seal_state *ss = db_seal_state(db);
	bool rewrote = tx_rewrote;
	struct db_st *st;
	struct row w;
	unsigned notes = 0;
	enum err r, rc;

	tx_rewrote = false;
	st = db_stmt(db, SQL_JOURNAL_TAKE);
	if (st == NULL)
		return ERR_IO;
	/* Results are read whole: the notes stay readable while the seal
	 * row is read and written. */
	rc = db_row(st);
	if (rc != ERR_OK && rc != ERR_NOT_FOUND) {
		db_stmt_done(st);
		return rc;
	}
	if (rc == ERR_NOT_FOUND && !rewrote) {
		db_stmt_done(st);
		return ERR_OK;
	}
	r = row_read(db, &w, !rewrote);
	for (; r == ERR_OK && rc == ERR_OK; rc = db_row(st)) {
		r = fold(ss, &w, st);
		notes++;
	}
	if (r == ERR_OK && rc != ERR_NOT_FOUND)
		r = rc;
	db_stmt_done(st);
	if (r == ERR_OK && notes > 0 && ss->key == NULL)
		r = ERR_INTERNAL;	/* db_seal_mac logs why */
	if (r == ERR_OK)
		r = row_write(db, &w);
	return r;
}

void
seal_pg_rollback(void)
{
	tx_rewrote = false;
}
