/* SPDX-License-Identifier: ISC */
/* state_version.c: see state_version.h. */
#include "db/state_version.h"

#include <sqlite3.h>

#include "db/db.h"

static const char SQL_STATE_VERSION[] =
    "SELECT auth, kms FROM state_version WHERE id = 1";

enum err
db_state_version(struct db *db, struct db_state_version *ret)
{
	sqlite3_stmt *st;
	enum err r;
	int rc;

	st = db_stmt(db, SQL_STATE_VERSION);
	if (st == NULL)
		return ERR_NOT_FOUND;	/* no table yet: logged, not fatal */
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->auth = sqlite3_column_int64(st, 0);
		ret->kms = sqlite3_column_int64(st, 1);
		r = ERR_OK;
	} else
		r = rc == SQLITE_DONE ? ERR_NOT_FOUND : db_err(rc);
	db_stmt_done(st);
	return r;
}
