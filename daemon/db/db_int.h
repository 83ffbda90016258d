/* SPDX-License-Identifier: ISC */
/*
 * db_int.h: what db.c and audit_db.c share: the installed chain hash, and
 * the per-connection bookkeeping that lets a commit carry the audit row
 * of the request being served.
 */
#ifndef COFFER_DB_DB_INT_H
#define COFFER_DB_DB_INT_H

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

/* audit_db.c: the chained insert; the caller holds a transaction. */
enum err db_audit_insert(struct db *db, int64_t time_ms, const char *actor,
    const char *action, const char *target, const char *result,
    const char *detail);

#endif
