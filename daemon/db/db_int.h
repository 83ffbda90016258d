/* SPDX-License-Identifier: ISC */
/*
 * db_int.h: what the db/ sources share: the row seal (seal.c) and the
 * installed audit chain hash with the per-connection bookkeeping that lets
 * a commit carry the audit row of the request being served (audit_db.c).
 */
#ifndef COFFER_DB_DB_INT_H
#define COFFER_DB_DB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct sqlite3;
struct sqlite3_stmt;
struct seal_state;
struct pg_st;

/* A statement of either engine (db.c, db_pg.c); db_stmt.c dispatches on
 * which one is set. */
struct db_st {
	struct sqlite3_stmt	*lite;
	struct pg_st		*pg;
};

#include <pthread.h>

#include "db/seal.h"

/* The seal's state of one database (seal.c, seal_fn.c, seal_anchor.c). */
struct seal_state {
	uint8_t		*key;		/* sodium_malloc, read-only once set */
	pthread_mutex_t	 lock;		/* anchor file and fault */
	int		 anchor_fd;	/* -1: none */
	int64_t		 anchored;	/* sequence in the file, -1 none */
	enum db_seal_fault fault;
};

/* Makes the default VFS one that writes each commit's WAL frames in one
 * call (wal_vfs.c); before the first connection opens. */
int db_wal_vfs_register(void);

/* The checkpoint thread (db_ckpt.c): kick returns false when there is
 * none (the caller checkpoints); db_checkpoint (db.c) is its work. */
struct db_ckpt;
struct db_ckpt *db_ckpt_new(struct db *db);
bool db_ckpt_kick(struct db_ckpt *k);
void db_ckpt_free(struct db_ckpt *k);
void db_checkpoint(struct db *db);

/* db_tx_begin for a migration that rewrites tables (SQLite): foreign-key
 * enforcement off on the connection the transaction runs on, back on when
 * it ends (db.c). */
enum err db_tx_begin_fk_off(struct db *db);

struct seal_state *seal_state_new(void);
void seal_state_free(struct seal_state *s);
/* One value of a MAC into h, a crypto_generichash_state: type (SEAL_*,
 * or SQLite's FLOAT code 2), big-endian length, bytes (seal_mac.c). */
void seal_absorb(void *h, int type, const void *p, size_t len);
void seal_absorb_i64(void *h, int64_t v);
/* What a row with MAC mac adds to its table's set hash: a keyed hash, so
 * one who reads every MAC still cannot compute a set's sum (seal_fn.c). */
void seal_item(const struct seal_state *s, const void *mac, size_t n,
    uint8_t out[static DB_SEAL_ACC_BYTES]);
/* Registers the coffer_* SQL functions on a new connection. */
int seal_register(struct seal_state *s, struct sqlite3 *h);
struct seal_state *db_seal_state(struct db *db);
/* db_tx_commit(): before COMMIT, inside the transaction (reads the seal's
 * sequence if the anchor must move), and after it (true: durable). */
void seal_tx_precommit(struct db *db);
void seal_tx_end(struct db *db, bool durable);
/* The seal row as stored (seal.c): each set's count and sum, which is
 * NULL until it is first summed; the seal MAC covers that NULL. */
enum { SEAL_OBJECTS, SEAL_POLICIES, SEAL_OBJWORM, SEAL_SETS };
struct seal_set {
	int64_t	n;
	uint8_t	acc[DB_SEAL_ACC_BYTES];
	bool	null;
};
struct seal_row {
	int64_t		sealed, seq, policies_seq;
	struct seal_set	t[SEAL_SETS];
};
/* Reads the row; with check, a sealed row whose MAC fails (or a malformed
 * sum) is ERR_CORRUPT. */
enum err seal_row_read(struct db *db, struct seal_row *w, bool check);
/* The values the row's MAC covers, in the form the trigger seal_mac of
 * schema/0013_object_worm.sql writes: the ObjectWorm pair only once it
 * left its first values. Returns how many. */
#define SEAL_ROW_V_N	9
size_t seal_row_v(const struct seal_row *w,
    struct seal_v v[static SEAL_ROW_V_N]);

/* PostgreSQL (seal_pg.c): before COMMIT, the journal's notes folded into
 * the seal row (an error refuses the commit); the transaction rewrote the
 * seal row itself; it ended without a commit. */
enum err seal_pg_precommit(struct db *db);
void seal_pg_rewrote(void);
void seal_pg_rollback(void);

#include "db/db.h"

struct db_audit_mac {
	db_audit_mac_fn	*fn;
	void		*ctx;
};

/* db.c */
const struct db_audit_mac *db_audit_mac_get(struct db *db);
void db_audit_mac_put(struct db *db, db_audit_mac_fn *fn, void *ctx);
/* Counts a row appended to the audit table in this thread's open
 * transaction: such rows are records, not the changes they record. */
void db_tx_count_audit_row(struct db *db);

/* migrate_pg.c: the schema of a PostgreSQL database. */
enum err db_migrate_pg(struct db *db, int upto);
int db_schema_version_pg(struct db *db);

/* audit_db.c: the chained insert; the caller holds a transaction. */
enum err db_audit_insert(struct db *db, int64_t time_ms, const char *actor,
    const char *action, const char *target, const char *result,
    const char *detail);

#endif
