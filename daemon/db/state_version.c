/* SPDX-License-Identifier: ISC */
/* state_version.c: see state_version.h. */
#include "db/state_version.h"


#include "db/db.h"

static const char SQL_STATE_VERSION[] =
    "SELECT auth, kms, coalesce((SELECT gen FROM root_key WHERE id = 1), 0)"
    " FROM state_version WHERE id = 1";

enum err
db_state_version(struct db *db, struct db_state_version *ret)
{
	struct db_st *st;
	enum err r;
	enum err rc;

	st = db_stmt(db, SQL_STATE_VERSION);
	if (st == NULL)
		return ERR_NOT_FOUND;	/* no table yet: logged, not fatal */
	rc = db_row(st);
	if (rc == ERR_OK) {
		ret->auth = db_col_i64(st, 0);
		ret->kms = db_col_i64(st, 1);
		ret->root_gen = db_col_i64(st, 2);
		r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : db_end(rc);
	db_stmt_done(st);
	return r;
}
