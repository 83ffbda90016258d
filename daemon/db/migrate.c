/* SPDX-License-Identifier: ISC */
/*
 * migrate.c: applies the embedded schema/NNNN_*.sql files.
 *
 * PRAGMA user_version records the last applied file. Each missing file runs
 * in its own transaction together with the version bump, so a crash leaves
 * the database at a whole version. A database newer than this binary is
 * refused rather than guessed at.
 *
 * A file that rebuilds a table other tables reference says so with the
 * line FK_OFF_MARK: it then runs with foreign keys off (they cannot be
 * switched inside a transaction) and commits only if foreign_key_check
 * finds every reference still whole, as SQLite's procedure for changing a
 * table's constraints prescribes.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "db/db.h"
#include "db/db_int.h"

struct schema_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct schema_migration schema_migrations[];
extern const int schema_migration_count;

enum err db_migrate(struct db *db, int upto);

#define FK_OFF_MARK	"-- coffer-migrate: foreign-keys-off"

/* ERR_CORRUPT when a reference is left dangling. */
static enum err
fk_check(sqlite3 *h, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK)
		return ERR_IO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		log_errx("db: migration %s: table %s has a row whose %s "
		    "reference is dangling", name, sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ERR_OK : rc == SQLITE_ROW ? ERR_CORRUPT :
	    ERR_IO;
}

int
db_schema_latest(void)
{
	return schema_migration_count > 0 ?
	    schema_migrations[schema_migration_count - 1].version : 0;
}

int
db_schema_version(struct db *db)
{
	sqlite3 *h;
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (db_is_pg(db))
		return db_schema_version_pg(db);
	h = db_conn(db);
	if (h == NULL)
		return -1;
	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

enum err
db_migrate(struct db *db, int upto)
{
	sqlite3 *h;
	int have;
	enum err r;

	if (db_is_pg(db))
		return db_migrate_pg(db, upto);
	have = db_schema_version(db);
	if (have < 0)
		return ERR_IO;
	if (have > db_schema_latest()) {
		log_errx("db: schema version %d is newer than this binary's "
		    "(%d): the data dir was written by a newer release; run "
		    "that release or a later one (there is no downgrade)",
		    have, db_schema_latest());
		return ERR_CORRUPT;
	}
	for (int i = 0; i < schema_migration_count; i++) {
		const struct schema_migration *m = &schema_migrations[i];
		char *errmsg = NULL;
		char bump[64];

		bool fk_off = strstr(m->sql, FK_OFF_MARK) != NULL;

		if (m->version <= have || m->version > upto)
			continue;
		r = fk_off ? db_tx_begin_fk_off(db) : db_tx_begin(db);
		if (r != ERR_OK)
			return r;
		/* The connection of the transaction (db.c: the writer). */
		h = db_conn(db);
		if (sqlite3_exec(h, m->sql, NULL, NULL, &errmsg) != SQLITE_OK) {
			log_errx("db: migration %s: %s", m->name,
			    errmsg ? errmsg : "?");
			sqlite3_free(errmsg);
			db_tx_rollback(db);
			return ERR_CORRUPT;
		}
		snprintf(bump, sizeof(bump), "PRAGMA user_version=%d",
		    m->version);
		r = fk_off ? fk_check(h, m->name) : ERR_OK;
		if (r == ERR_OK)
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
