/* SPDX-License-Identifier: ISC */
/*
 * migrate.c: applies the embedded schema/NNNN_*.sql files.
 *
 * PRAGMA user_version records the last applied file. Each missing file runs
 * in its own transaction together with the version bump, so a crash leaves
 * the database at a whole version. A database newer than this binary is
 * refused rather than guessed at.
 */
#include <sqlite3.h>
#include <stdio.h>

#include "base/log.h"
#include "db/db.h"

struct schema_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

enum err db_migrate(struct db *db);

int
db_schema_latest(void)
{
	return schema_migration_count > 0 ?
	    schema_migrations[schema_migration_count - 1].version : 0;
}

int
db_schema_version(struct db *db)
{
	sqlite3 *h = db_conn(db);
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (h == NULL)
		return -1;
	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

enum err
db_migrate(struct db *db)
{
	sqlite3 *h = db_conn(db);
	int have = db_schema_version(db);
	enum err r;

	if (h == NULL || have < 0)
		return ERR_IO;
	if (have > db_schema_latest()) {
		log_errx("db: schema version %d is newer than this binary (%d)",
		    have, db_schema_latest());
		return ERR_CORRUPT;
	}
	for (int i = 0; i < schema_migration_count; i++) {
		const struct schema_migration *m = &schema_migrations[i];
		char *errmsg = NULL;
		char bump[64];

		if (m->version <= have)
			continue;
		r = db_tx_begin(db);
		if (r != ERR_OK)
			return r;
		if (sqlite3_exec(h, m->sql, NULL, NULL, &errmsg) != SQLITE_OK) {
			log_errx("db: migration %s: %s", m->name,
			    errmsg ? errmsg : "?");
			sqlite3_free(errmsg);
			db_tx_rollback(db);
			return ERR_CORRUPT;
		}
		snprintf(bump, sizeof(bump), "PRAGMA user_version=%d",
		    m->version);
		r = db_exec(db, bump);
		if (r == ERR_OK)
			r = db_tx_commit(db);
		if (r != ERR_OK) {
			db_tx_rollback(db);
			return r;
		}
		log_info("db: applied migration %s", m->name);
	}
	return ERR_OK;
}
