/* SPDX-License-Identifier: ISC */
/*
 * db_pg.h: the PostgreSQL engine behind db.h, for db.c and db_stmt.c only.
 *
 * A data dir's database may live on a PostgreSQL server (db_open with a
 * postgresql:// URL) so several cofferd nodes share one state. Each thread
 * has its own connection, as with SQLite; statements are the same texts,
 * their ?N placeholders rewritten to $N once, and prepared on first use
 * with the types of their first binding. Results are read whole (binary
 * format), so a caller may run another statement while reading one, as
 * SQLite allows.
 *
 * Write transactions take one cluster-wide advisory lock first: writers
 * of every node queue there as the threads of one process queue on
 * BEGIN IMMEDIATE, so every compare-and-set the modules decide on keeps
 * its single-writer meaning across nodes. Reads take no lock.
 */
#ifndef COFFER_DB_DB_PG_H
#define COFFER_DB_DB_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct db_st;
struct pg_conn;

/* Whether path names a PostgreSQL database rather than a file. */
bool pg_is_url(const char *path);

/* A connection for this thread; NULL when the server cannot be reached
 * (logged without the password). */
struct pg_conn *pg_conn_open(const char *url);
void pg_conn_close(struct pg_conn *c);
/* The connection is lost (server restart, failover): the next use of the
 * thread's connection opens a new one. */
bool pg_conn_broken(const struct pg_conn *c);

struct db_st *pg_stmt(struct pg_conn *c, const char *sql);
struct db_st *pg_stmt_down(void);
bool pg_lead(struct pg_conn *c, unsigned lease);
void pg_stmt_done(struct db_st *st);
/* Runs sql (no parameters, any number of statements, rows discarded). */
enum err pg_exec(struct pg_conn *c, const char *sql);
/* BEGIN with the cluster-wide write lock; BEGIN a read-only snapshot. */
enum err pg_begin_write(struct pg_conn *c);
enum err pg_begin_read(struct pg_conn *c);
/* ERR_OK only when the server says the transaction committed;
 * ERR_COMMIT_UNKNOWN when the connection went during COMMIT (the
 * outcome is unknown: the caller keeps what the rows would name). */
enum err pg_commit(struct pg_conn *c);
void pg_rollback(struct pg_conn *c);
bool pg_in_tx(struct pg_conn *c);
/* Rows changed by every statement of this connection so far, and by the
 * last one. */
int64_t pg_total_changes(const struct pg_conn *c);
int64_t pg_changes(const struct pg_conn *c);

void pg_bind_i64(struct db_st *st, int i, int64_t v);
void pg_bind_text(struct db_st *st, int i, const char *s, size_t n);
void pg_bind_blob(struct db_st *st, int i, const void *p, size_t n);
void pg_bind_null(struct db_st *st, int i);
enum err pg_row(struct db_st *st);
int64_t pg_col_i64(struct db_st *st, int i);
const char *pg_col_text(struct db_st *st, int i);
const void *pg_col_blob(struct db_st *st, int i);
size_t pg_col_len(struct db_st *st, int i);
bool pg_col_null(struct db_st *st, int i);

/* SQLite's ?N / ? placeholders as $N, outside quotes and comments; the
 * number of parameters in *nparams, those that occur as bits of *used
 * (bit N-1, N <= 64; the caller zeroes it). NULL when out of memory. */
char *pg_placeholders(const char *sql, int *nparams, uint64_t *used);
/* SQLSTATE (and connection state) -> enum err. */
enum err pg_err(const char *sqlstate, bool conn_bad);

#endif
