/* SPDX-License-Identifier: ISC */
/*
 * db.h: the SQLite layer.
 *
 * One struct db per database file; each thread gets its own connection on
 * first use (WAL, busy_timeout, foreign_keys, synchronous=FULL), closed when
 * the thread exits or at db_close(). Only db/ and the modules' *_db.c files
 * include <sqlite3.h>; they take prepared statements from db_stmt() and map
 * result codes with db_err(). Everything else sees enum err only.
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
struct sqlite3;
struct sqlite3_stmt;

/* Opens (creating if needed) and migrates the database at path.
 * ERR_CORRUPT when the file is newer than this binary's schema. */
enum err db_open(const char *path, struct db **ret);
void db_close(struct db *db);

/* This thread's connection; NULL only on out-of-memory/open failure. */
struct sqlite3 *db_conn(struct db *db);
/* A cached prepared statement for sql (pointer identity is the cache key:
 * pass static strings). Must be released with db_stmt_done before the same
 * sql is requested again on this thread. NULL on failure (logged). */
struct sqlite3_stmt *db_stmt(struct db *db, const char *sql);
void db_stmt_done(struct sqlite3_stmt *st);

enum err db_tx_begin(struct db *db);
/* ERR_OK once the commit is durable. ERR_UNSYNCED: committed (visible,
 * and it may survive a crash) but not made durable: report a failure, yet
 * keep what the rows name. Any other error: rolled back. */
enum err db_tx_commit(struct db *db);
/* Safe to call when no transaction is open. */
void db_tx_rollback(struct db *db);
/* Runs sql (no parameters, no rows) on this thread's connection. */
enum err db_exec(struct db *db, const char *sql);

/* SQLite result code -> enum err (SQLITE_OK/ROW/DONE -> ERR_OK). */
enum err db_err(int rc);

/* ---- statement helpers for the *_db.c files (db_stmt.c) ---- */

/* Binds s as text (NULL binds ""); the string must outlive the step. */
int db_bind_text(struct sqlite3_stmt *st, int i, const char *s);
/* Column i as text; "" for NULL. Valid until the next step or reset. */
const char *db_col_text(struct sqlite3_stmt *st, int i);
/* Column i copied into dst[cap] (truncated, always terminated). */
void db_col_copy(struct sqlite3_stmt *st, int i, char *dst, size_t cap);
/* Steps a statement that returns no row and releases it: ERR_OK, a
 * db_err() code (ERR_EXISTS on a unique or foreign-key clash), or
 * ERR_INTERNAL when it returned a row. */
enum err db_step_done(struct sqlite3_stmt *st);
/* r unless ERR_OK; then ERR_OK iff the last statement changed exactly one
 * row, else ERR_CONFLICT (a compare-and-set lost). */
enum err db_changed_one(struct db *db, enum err r);
/* Appends one row to the audit table (in the caller's transaction, if
 * any); actor NULL is "daemon". */
enum err db_audit_append(struct db *db, int64_t time_ms, const char *actor,
    const char *action, const char *target, const char *result,
    const char *detail);
/* The first column of the first row of sql with ?1 = arg; ERR_NOT_FOUND
 * when there is no row. */
enum err db_query_i64(struct db *db, const char *sql, int64_t arg,
    int64_t *ret);

/* Schema version of this binary, and of the open database. */
int db_schema_latest(void);
int db_schema_version(struct db *db);

/* Test seam: when set, the Nth db_tx_commit (1-based, counted from the
 * call) fails with ERR_IO and rolls back. 0 disables. */
void db_fault_commit_after(struct db *db, int n);

#endif
