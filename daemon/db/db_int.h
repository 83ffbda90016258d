/* SPDX-License-Identifier: ISC */
/*
 * db_int.h: what db.c and seal.c share. Nothing outside db/ includes it.
 */
#ifndef COFFER_DB_DB_INT_H
#define COFFER_DB_DB_INT_H

#include <stdbool.h>
#include <stdint.h>

struct db;
struct sqlite3;
struct seal_state;

struct seal_state *seal_state_new(void);
void seal_state_free(struct seal_state *s);
/* Registers the coffer_* SQL functions on a new connection. */
int seal_register(struct seal_state *s, struct sqlite3 *h);
struct seal_state *db_seal_state(struct db *db);
/* db_tx_commit(): before COMMIT, inside the transaction (reads the seal's
 * sequence if the anchor must move), and after it (true: durable). */
void seal_tx_precommit(struct db *db);
void seal_tx_end(struct db *db, bool durable);

#endif
