/* SPDX-License-Identifier: ISC */
/*
 * db.h: the SQLite layer.
 *
 * One struct db per database file; each thread gets its own connection on
 * first use (WAL, busy_timeout, foreign_keys, synchronous=FULL), closed when
 * the thread exits or at db_close(). Only db/ (and the backup command)
 * include <sqlite3.h>: the modules' *_db.c files take prepared statements
 * from db_stmt() and use the engine-neutral calls below. Everything else
 * sees enum err only.
 *
 * Transactions are BEGIN IMMEDIATE (the write lock is taken up front, so a
 * read-then-write never deadlocks), one per thread at a time.
 */
#ifndef COFFER_DB_DB_H
#define COFFER_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct db;
struct db_st;		/* a prepared statement of this thread's connection */
struct sqlite3;

/* Opens (creating if needed) and migrates the database at path.
 * ERR_CORRUPT when the file is newer than this binary's schema. */
enum err db_open(const char *path, struct db **ret);
/* Test seam: the same, migrating no further than schema version upto, as
 * an older release left it (upgrade tests). */
enum err db_open_schema(const char *path, int upto, struct db **ret);
void db_close(struct db *db);
/* path as messages may show it: a URL without its password. */
void db_display(const char *path, char *out, size_t cap);
/* Whether path names a database server rather than a file; whether db
 * is on one. */
bool db_is_url(const char *path);
bool db_is_pg(const struct db *db);
/* Whether the database at path holds a schema already (a first start
 * finds none); false when it cannot be reached either. */
bool db_has_state(const char *path);

/* This thread's SQLite connection, for the engine's own files (db/,
 * backup); NULL only on out-of-memory/open failure. */
struct sqlite3 *db_conn(struct db *db);
/* A cached prepared statement for sql (pointer identity is the cache key:
 * pass static strings). Must be released with db_stmt_done before the same
 * sql is requested again on this thread. NULL on failure (logged). On
 * PostgreSQL, while no connection can be made, a statement whose every
 * step answers ERR_DB_UNAVAILABLE. */
struct db_st *db_stmt(struct db *db, const char *sql);
void db_stmt_done(struct db_st *st);

/* Runs inside every write transaction, right after it begins; an error
 * ends the transaction before it writes anything and is db_tx_begin's
 * (kms/: the root key this process holds is still the data dir's). */
typedef enum err db_tx_check_fn(void *ctx, struct db *db);
void db_tx_check_set(struct db *db, db_tx_check_fn *fn, void *ctx);
enum err db_tx_begin(struct db *db);
/* ERR_OK once the commit is durable. ERR_UNSYNCED: committed (visible,
 * and it may survive a crash) but not made durable; ERR_COMMIT_UNKNOWN:
 * the server's connection went during COMMIT, which may have landed.
 * Either way report a failure, yet keep what the rows name
 * (err_maybe_committed). Any other error: rolled back.
 * On SQLite it may wait for other threads' transactions, whose COMMIT
 * carries its own (db.c): never hold a lock across it that another
 * writer may need. Until then, a transaction may read their changes,
 * which can still be rolled back with the batch: keep nothing it reads
 * in a cache. */
enum err db_tx_commit(struct db *db);
/* Safe to call when no transaction is open. */
void db_tx_rollback(struct db *db);
/* Several reads that must see one state, outside a transaction: opens a
 * read-only snapshot (BEGIN DEFERRED, no write lock) unless this thread
 * is already in a transaction; returns whether it did. db_read_end() with
 * that value closes it. */
bool db_read_begin(struct db *db);
void db_read_end(struct db *db, bool opened);
/* The statement text for this database's engine, where one text cannot
 * serve both (an index hint, SQLite's rowid): both static strings, as
 * db_stmt's cache is keyed by the pointer. */
const char *db_sql(struct db *db, const char *sqlite, const char *pg);
/* Background work that must run on one node at a time: whether this
 * thread's connection holds the cluster's lease on it, taking it when no
 * node holds it. Always true on SQLite, where one process owns the data
 * dir. On PostgreSQL the lease belongs to the connection and ends with it
 * (a node's death, a lost connection); another node's next call then
 * takes it. Call it before each round of the work, on the thread that
 * does the work. */
enum db_lease { DB_LEASE_JOBS, DB_LEASE_KMS };
bool db_lead(struct db *db, enum db_lease lease);
/* Runs sql (no parameters, no rows) on this thread's connection. */
enum err db_exec(struct db *db, const char *sql);

/* SQLite result code -> enum err (SQLITE_OK/ROW/DONE -> ERR_OK). */
enum err db_err(int rc);

/*
 * ---- statements, for the *_db.c files (db_stmt.c) ----
 *
 * The modules speak to the database only through these, never through
 * an engine's own API, so one set of *_db.c files can serve more than
 * one engine. Parameters are numbered from 1 (?1 in the SQL), columns
 * from 0. Bound strings and bytes must outlive the statement's steps.
 */
void db_bind_i64(struct db_st *st, int i, int64_t v);
/* NULL binds "". */
void db_bind_text(struct db_st *st, int i, const char *s);
void db_bind_textn(struct db_st *st, int i, const char *s, size_t n);
/* p NULL binds SQL NULL. */
void db_bind_blob(struct db_st *st, int i, const void *p, size_t n);
void db_bind_null(struct db_st *st, int i);

/* One step: ERR_OK with a row to read, ERR_NOT_FOUND past the last row,
 * else the failure (db_err). */
enum err db_row(struct db_st *st);
/* A walk's outcome from its last step: ERR_NOT_FOUND (past the last row)
 * and ERR_OK (stopped at a row) are ERR_OK, a failure stays one. */
enum err db_end(enum err step);
/* Columns of the current row. NULL reads as 0, "" or (NULL, 0). Texts
 * and bytes are valid until the next step or db_stmt_done. */
int64_t db_col_i64(struct db_st *st, int i);
const char *db_col_text(struct db_st *st, int i);
const void *db_col_blob(struct db_st *st, int i);
/* Bytes of a text or blob column. */
size_t db_col_len(struct db_st *st, int i);
bool db_col_null(struct db_st *st, int i);
/* Column i copied into dst[cap] (truncated, always terminated). */
void db_col_copy(struct db_st *st, int i, char *dst, size_t cap);
/* Rows changed by this thread's last INSERT, UPDATE or DELETE. */
int64_t db_changes(struct db *db);
/* Whether this thread has a transaction open. */
bool db_in_tx(struct db *db);
/* Whether it has a write transaction open (db_tx_begin). */
bool db_in_write_tx(struct db *db);

/* Steps a statement that returns no row and releases it: ERR_OK, a
 * db_err() code (ERR_EXISTS on a unique or foreign-key clash), or
 * ERR_INTERNAL when it returned a row. */
enum err db_step_done(struct db_st *st);
/* Steps a statement expected to return one row and reads column 0 as an
 * integer into *ret (ERR_NOT_FOUND: no row), then releases it. */
enum err db_one_i64(struct db_st *st, int64_t *ret);
/* r unless ERR_OK; then ERR_OK iff the last statement changed exactly one
 * row, else ERR_CONFLICT (a compare-and-set lost). */
enum err db_changed_one(struct db *db, enum err r);
/* The first column of the first row of sql with ?1 = arg; ERR_NOT_FOUND
 * when there is no row. */
enum err db_query_i64(struct db *db, const char *sql, int64_t arg,
    int64_t *ret);

/* Steps sql with ?1 = arg, a statement that returns no row. */
enum err db_step_i64(struct db *db, const char *sql, int64_t arg);

/*
 * Rewrites one sealed column of a table, every row, in the caller's
 * transaction (root-key rotation). select_sql takes ?1 = the last rowid
 * seen and ?2 = a batch size and returns, ordered by rowid, the rowid, the
 * sealed bytes and up to two columns naming them (NULL when unused);
 * update_sql takes ?1 = the new bytes and ?2 = the rowid. fn writes the
 * new bytes for a row into out (cap in *out_len, length out), or fails
 * and stops the walk. *count gets the rows rewritten.
 */
struct db_sealed_row {
	int64_t		 id;
	const uint8_t	*sealed;
	size_t		 len;
	const void	*a, *b;		/* the naming columns, bytes */
	size_t		 alen, blen;
};
typedef enum err db_reseal_fn(void *ctx, const struct db_sealed_row *row,
    uint8_t *out, size_t *out_len);
#define DB_SEALED_MAX	4096	/* largest sealed value rewritten */
enum err db_reseal(struct db *db, const char *select_sql,
    const char *update_sql, db_reseal_fn *fn, void *ctx, uint64_t *count);

/* Ends the open transaction: commits when r is ERR_OK, else rolls back.
 * Returns the outcome (the commit's error, or r). */
enum err db_tx_end(struct db *db, enum err r);

/* For a change that may run alone or inside the caller's transaction:
 * opens one when none is open (*own = true), so the change commits with
 * its audit row (below). db_tx_own_end commits what db_tx_own_begin
 * opened when r is ERR_OK, else rolls it back, and returns the outcome. */
enum err db_tx_own_begin(struct db *db, bool *own);
enum err db_tx_own_end(struct db *db, bool own, enum err r);

/*
 * ---- the audit trail (audit_db.c, schema 0010) ----
 *
 * The audit table is a hash chain: each row stores the hash of the row
 * before it and its own, a keyed hash (the mac installed below) over
 * that and every field of the row. Appends read the newest row by its
 * primary key inside the write transaction, so the chain has one order
 * whichever process writes.
 */
#define DB_AUDIT_HASH_BYTES 32

/* out = keyed hash of p[0..n). */
typedef void db_audit_mac_fn(void *ctx, uint8_t out[DB_AUDIT_HASH_BYTES],
    const void *p, size_t n);
/* Installs the chain's keyed hash (kms_open does, with a root-key
 * subkey), before any thread appends; mac NULL removes it, after the
 * last. Chains the rows written before schema 0010 on the first call.
 * Without a mac every append fails with ERR_AUDIT_UNAVAILABLE. */
enum err db_audit_set_mac(struct db *db, db_audit_mac_fn *mac, void *ctx);
/* Appends one row (in the caller's transaction, else in one of its
 * own); actor NULL is "daemon". */
enum err db_audit_append(struct db *db, int64_t time_ms, const char *actor,
    const char *action, const char *target, const char *result,
    const char *detail);

/*
 * The request this thread is serving, for the listeners: while a scope
 * is set, every transaction that changes anything but the audit table
 * commits with the request's row in it (result "ok"), so a change and its
 * record are one commit; when that row cannot be written, the commit
 * fails (ERR_AUDIT_UNAVAILABLE) and nothing changes. A write outside a
 * transaction under a scope is refused (it could not carry the row).
 * The strings must outlive the scope. A thread may serve several
 * requests in turn (MHD's pool), so a listener sets its scope around
 * each callback and clears it (NULL) before returning.
 */
struct db_audit_req {
	int64_t		 time_ms;	/* business time of the request */
	const char	*actor;		/* account id, "anonymous", ... */
	const char	*action;	/* "oss.PutObject", "kms.CreateKey" */
	const char	*target;	/* "bucket/key", a key id */
	const char	*detail;	/* "request=<id>" */
	unsigned	 rows;		/* rows its commits carried so far */
	bool		 closed;
};
void db_audit_scope(struct db *db, struct db_audit_req *req);
/* Ends the request's record with its outcome (result "ok" or an error
 * code) and clears the scope: a row of its own, in its own transaction,
 * unless a commit already recorded "ok". Idempotent. */
enum err db_audit_close(struct db *db, struct db_audit_req *req,
    const char *result);

/* The walk of `coffer audit verify`: rows and head when intact; else
 * bad_id, the first row that does not chain, and why. ERR_OK whenever
 * the walk finished, broken or not. at_id (input, 0: none) asks for the
 * hash of that row, to compare with a head recorded elsewhere. */
struct db_audit_check {
	int64_t		 at_id;
	bool		 at_found;
	uint8_t		 at_hash[DB_AUDIT_HASH_BYTES];
	int64_t		 rows;
	int64_t		 head_id;
	uint8_t		 head[DB_AUDIT_HASH_BYTES];
	int64_t		 legacy_max;	/* rows chained at the upgrade */
	int64_t		 pruned_upto;	/* the checkpoint: rows 1..it are gone */
	uint8_t		 start[DB_AUDIT_HASH_BYTES];	/* its hash */
	int64_t		 bad_id;	/* 0: intact */
	const char	*why;
};
enum err db_audit_verify(struct db *db, struct db_audit_check *ret);
/* In the caller's transaction: every row's prev and hash again under the
 * installed mac, in order from the checkpoint, which keeps its hash
 * (root-key rotation, after a verify under the old one). *ret_rows: the
 * rows rehashed. */
enum err db_audit_rechain(struct db *db, uint64_t *ret_rows);
/*
 * ---- retention (audit_prune_db.c, schema 0020) ----
 *
 * Rows 1..last_id were pruned, after being exported; last_hash is row
 * last_id's hash (zeros and 0 before any prune), the prev of the first
 * kept row. rekeyed_upto: the exported rows up to it were hashed under a
 * root key rotated away since.
 */
struct db_audit_checkpoint {
	int64_t		 last_id;
	uint8_t		 last_hash[DB_AUDIT_HASH_BYTES];
	int64_t		 rekeyed_upto;
	int64_t		 time_ms;	/* of the last prune, 0: none */
};
enum err db_audit_checkpoint_get(struct db *db,
    struct db_audit_checkpoint *ret);
/* Where a walk of the chain starts: the checkpoint's id and hash. */
enum err db_audit_start(struct db *db, int64_t *ret_id,
    uint8_t ret_hash[DB_AUDIT_HASH_BYTES]);
/* One row with its chain fields; the strings are the statement's and
 * live until the callback returns. */
struct db_audit_row {
	int64_t		 id;
	int64_t		 time_ms;
	const char	*actor, *action, *target, *result, *detail;
	uint8_t		 prev[DB_AUDIT_HASH_BYTES];
	uint8_t		 hash[DB_AUDIT_HASH_BYTES];
};
typedef enum err db_audit_row_fn(void *ctx, const struct db_audit_row *row);
/* The prunable prefix: rows after after_id in order while their time is
 * before before_ms, never the newest row, at most limit; fn for each
 * (an error from it stops the walk and is returned). *ret_n: rows seen. */
enum err db_audit_old_rows(struct db *db, int64_t after_id, int64_t before_ms,
    unsigned limit, db_audit_row_fn *fn, void *ctx, unsigned *ret_n);
/* In the caller's transaction: moves the checkpoint from from_id to
 * upto_id (ERR_CONFLICT when it is no longer at from_id) and deletes the
 * rows up to it. The caller has exported them. */
enum err db_audit_prune(struct db *db, int64_t from_id, int64_t upto_id,
    int64_t now_ms, uint64_t *ret_deleted);
/* Whether row's hash is the installed mac over its prev and fields (an
 * exported row checked against the current root key). */
enum err db_audit_row_check(struct db *db, const struct db_audit_row *row,
    bool *ret_ok);
/* A kept row's hash, for an exported copy of it (*ret_found false when
 * the row is not in the table). */
enum err db_audit_row_hash(struct db *db, int64_t id, bool *ret_found,
    uint8_t ret_hash[DB_AUDIT_HASH_BYTES]);

/* The newest row's id and hash (id 0 and zeros for an empty trail). */
enum err db_audit_head(struct db *db, int64_t *ret_id,
    uint8_t ret_hash[DB_AUDIT_HASH_BYTES]);

/* Schema version of this binary, and of the open database. */
int db_schema_latest(void);
int db_schema_version(struct db *db);

/* Test seam: when set, the Nth db_tx_commit (1-based, counted from the
 * call) fails with ERR_IO and rolls back. 0 disables. */
void db_fault_commit_after(struct db *db, int n);
/* Write transactions so far that waited for another thread's COMMIT
 * (db.c: batches); SQLite only. */
uint64_t db_tx_batched(struct db *db);

#endif
