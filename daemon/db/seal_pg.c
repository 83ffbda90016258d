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
static const char SQL_ROW_SET[] =
    "UPDATE seal SET seq = ?1, objects_n = ?2, objects_acc = ?3,"
    " policies_seq = ?4, policies_n = ?5, policies_acc = ?6, objworm_n = ?7,"
    " objworm_acc = ?8, mac = ?9 WHERE id = 1";

/* Set by this thread's transaction when it rewrote the seal row itself. */
static _Thread_local bool tx_rewrote;

void
seal_pg_rewrote(void)
{
	tx_rewrote = true;
}

static enum err
row_read(struct db *db, struct seal_row *w, bool check)
{
	enum err r = seal_row_read(db, w, check);

	if (r == ERR_CORRUPT)
		log_errx("seal: the seal row is malformed or does not match "
		    "its MAC: it was changed in the database; the change is "
		    "refused");
	return r;
}

/* coffer_acc: acc +/- H(mac); a NULL mac adds nothing, yet the set is no
 * longer "never summed". */
static void
acc_add(const struct seal_state *ss, struct seal_set *s, const void *mac,
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
		return SEAL_OBJECTS;
	if (strcmp(name, "policies") == 0)
		return SEAL_POLICIES;
	if (strcmp(name, "objworm") == 0)
		return SEAL_OBJWORM;
	return -1;
}

/* One note, as the SQLite trigger for its table and operation would. */
static enum err
fold(const struct seal_state *ss, struct seal_row *w, struct db_st *st)
{
	int t = table_of(db_col_text(st, 0));
	char op = db_col_text(st, 1)[0];
	const void *old = db_col_null(st, 2) ? NULL : db_col_blob(st, 2);
	const void *new = db_col_null(st, 3) ? NULL : db_col_blob(st, 3);
	struct seal_set *s;

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
	if (t == SEAL_POLICIES)
		w->policies_seq++;
	w->seq++;
	return ERR_OK;
}

static enum err
row_write(struct db *db, const struct seal_row *w)
{
	struct db_st *st;
	struct seal_v v[SEAL_ROW_V_N];
	uint8_t mac[DB_SEAL_MAC_BYTES];
	enum err r;

	r = db_seal_mac(db, "seal", v, seal_row_v(w, v), mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_ROW_SET);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, w->seq);
	db_bind_i64(st, 7, w->t[SEAL_OBJWORM].n);
	for (int t = 0; t < SEAL_SETS; t++) {
		static const int acc_param[SEAL_SETS] = { 3, 6, 8 };

		if (!w->t[t].null)
			db_bind_blob(st, acc_param[t], w->t[t].acc,
			    DB_SEAL_ACC_BYTES);
	}
	db_bind_i64(st, 2, w->t[SEAL_OBJECTS].n);
	db_bind_i64(st, 4, w->policies_seq);
	db_bind_i64(st, 5, w->t[SEAL_POLICIES].n);
	db_bind_blob(st, 9, mac, sizeof(mac));
	return db_changed_one(db, db_step_done(st));
}

enum err
seal_pg_precommit(struct db *db)
{
	const struct seal_state *ss = db_seal_state(db);
	bool rewrote = tx_rewrote;
	struct db_st *st;
	struct seal_row w;
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
