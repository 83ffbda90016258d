/* SPDX-License-Identifier: ISC */
/*
 * audit_db.c: the one writer of the audit table (schema 0002), shared by
 * the modules whose changes leave a trail (worm/, inventory/, kms/).
 */
#include <sqlite3.h>

#include "db/db.h"

static const char SQL_AUDIT[] =
    "INSERT INTO audit (time_ms, actor, action, target, result, detail)"
    " VALUES (?, ?, ?, ?, ?, ?)";

enum err
db_audit_append(struct db *db, int64_t time_ms, const char *actor,
    const char *action, const char *target, const char *result,
    const char *detail)
{
	sqlite3_stmt *st = db_stmt(db, SQL_AUDIT);

	if (st == NULL)
		return ERR_IO;
	sqlite3_bind_int64(st, 1, time_ms);
	db_bind_text(st, 2, actor != NULL ? actor : "daemon");
	db_bind_text(st, 3, action);
	db_bind_text(st, 4, target);
	db_bind_text(st, 5, result);
	db_bind_text(st, 6, detail);
	return db_step_done(st);
}
