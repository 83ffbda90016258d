/* SPDX-License-Identifier: ISC */
/*
 * migrate_pg.c: the schema of a PostgreSQL database.
 *
 * A new database gets schema/pg/'s baseline, the state SQLite's
 * migrations reach at its number; each later file is the twin of the
 * SQLite migration of the same number (schema/embed.cmake refuses a build
 * where one is missing), so a version means the same on both engines.
 * Each step is one write transaction under the cluster's write lock that
 * reads the version again first: nodes started together migrate once.
 */
#include <stddef.h>

#include "base/log.h"
#include "db/db_int.h"

struct schema_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct schema_migration schema_pg_migrations[];
extern const int schema_pg_migration_count;

static const char SQL_VERSION[] =
    "SELECT version FROM schema_version WHERE ?1 = ?1";
static const char SQL_HAS_VERSION[] =
    "SELECT count(*) FROM information_schema.tables"
    " WHERE table_schema = current_schema()"
    " AND table_name = 'schema_version' AND ?1 = ?1";
static const char SQL_SET_VERSION[] =
    "UPDATE schema_version SET version = ?1";

int
db_schema_version_pg(struct db *db)
{
	int64_t has = 0, v = -1;

	if (db_query_i64(db, SQL_HAS_VERSION, 0, &has) != ERR_OK)
		return -1;
	if (has == 0)
		return 0;
	if (db_query_i64(db, SQL_VERSION, 0, &v) != ERR_OK)
		return -1;
	return (int)v;
}

static enum err
apply(struct db *db, const struct schema_migration *m)
{
	enum err r = db_tx_begin(db);
	int have;

	if (r != ERR_OK)
		return r;
	have = db_schema_version_pg(db);
	if (have < 0)
		r = ERR_DB_UNAVAILABLE;
	else if (have < m->version) {
		log_info("db: postgresql: applying %s", m->name);
		r = db_exec(db, m->sql);
		if (r == ERR_OK)
			r = db_step_i64(db, SQL_SET_VERSION, m->version);
	}
	return db_tx_end(db, r);
}

enum err
db_migrate_pg(struct db *db, int upto)
{
	const struct schema_migration *base = &schema_pg_migrations[0];
	int have = db_schema_version_pg(db);
	enum err r;

	if (have < 0)
		return ERR_DB_UNAVAILABLE;
	if (upto == 0 || have >= upto) {
		if (have > db_schema_latest()) {
			log_errx("db: schema version %d is newer than this "
			    "binary's (%d): run that release or a later one",
			    have, db_schema_latest());
			return ERR_CORRUPT;
		}
		return ERR_OK;
	}
	if (base->sql == NULL || (have == 0 && upto < base->version)) {
		log_errx("db: this build has no PostgreSQL schema for version "
		    "%d", upto);
		return ERR_INTERNAL;
	}
	for (int i = 0; i < schema_pg_migration_count; i++) {
		const struct schema_migration *m = &schema_pg_migrations[i];

		if (m->version > upto)
			break;
		if (m->version <= have)
			continue;
		/* The baseline only starts an empty database. */
		if (i == 0 && have != 0)
			continue;
		r = apply(db, m);
		if (r != ERR_OK) {
			log_errx("db: postgresql: %s failed: %s", m->name,
			    err_name(r));
			return r;
		}
	}
	return ERR_OK;
}
