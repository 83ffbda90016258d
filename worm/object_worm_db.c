/* SPDX-License-Identifier: ISC */
/*
 * object_worm_db.c: all SQL of the ObjectWorm configurations
 * (schema/0013_object_worm.sql). Rows are sealed like the WORM policies:
 * every write computes the MAC in the same statement, the triggers keep
 * the seal row's count and set hash.
 */
#include <string.h>

#include "db/db.h"
#include "db/seal.h"
#include "worm/retention.h"
#include "worm/worm_int.h"

/* The MAC covers every column but itself, in this order. */
#define OBJWORM_MAC_OK \
    "coffer_mac_ok(mac, 'objworm', bucket, enabled, mode, days, years," \
    " created_ms, updated_ms)"
static const char SQL_GET[] =
    "SELECT enabled, mode, days, years, created_ms, updated_ms, "
    OBJWORM_MAC_OK " FROM object_worm WHERE bucket = ?";
static const char SQL_PUT[] =
    "INSERT INTO object_worm (bucket, enabled, mode, days, years,"
    " created_ms, updated_ms, mac) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6,"
    " coffer_mac('objworm', ?1, 1, ?2, ?3, ?4, ?5, ?6))"
    " ON CONFLICT (bucket) DO UPDATE SET mode = ?2, days = ?3, years = ?4,"
    " updated_ms = ?6, mac = coffer_mac('objworm', bucket, enabled, ?2, ?3,"
    " ?4, created_ms, ?6)";
/* Only an empty bucket is deleted; one with versions keeps its row (the
 * caller's DeleteBucket answers BucketNotEmpty and rolls back). */
static const char SQL_DELETE_BUCKET[] =
    "DELETE FROM object_worm WHERE bucket = ?1"
    " AND NOT EXISTS (SELECT 1 FROM objects WHERE bucket = ?1)";
static const char SQL_TOTALS[] =
    "SELECT count(*), coffer_sum(mac), coalesce(sum(" OBJWORM_MAC_OK
    " = 0), 0) FROM object_worm";
static const char SQL_SEAL_ALL[] =
    "UPDATE object_worm SET mac = coffer_mac('objworm', bucket, enabled,"
    " mode, days, years, created_ms, updated_ms)";

enum err
object_worm_db_get(struct db *db, int64_t bucket_id,
    struct object_worm_config *ret, bool *ret_found)
{
	struct db_st *st = db_stmt(db, SQL_GET);
	struct object_worm_config c;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	*ret_found = false;
	db_bind_i64(st, 1, bucket_id);
	rc = db_row(st);
	if (rc == ERR_OK) {
		const char *mode = db_col_text(st, 1);
		int64_t days = db_col_i64(st, 2);
		int64_t years = db_col_i64(st, 3);

		memset(&c, 0, sizeof(c));
		c.bucket_id = bucket_id;
		/* The CHECK constraints allow nothing else; anything else was
		 * written behind our back. */
		c.enabled = db_col_i64(st, 0) == 1;
		if (!c.enabled)
			r = ERR_CORRUPT;
		if (mode[0] == '\0')
			c.mode = RETENTION_NONE;
		else if (!retention_mode_parse(mode, &c.mode))
			r = ERR_CORRUPT;
		if (days < 0 || days > RETENTION_DAYS_MAX || years < 0 ||
		    years > RETENTION_YEARS_MAX)
			r = ERR_CORRUPT;
		c.days = (uint32_t)days;
		c.years = (uint32_t)years;
		c.created_ms = db_col_i64(st, 4);
		c.updated_ms = db_col_i64(st, 5);
		c.sealed = db_col_i64(st, 6) == 1;
		if (r == ERR_OK) {
			*ret = c;
			*ret_found = true;
		}
	} else if (rc != ERR_NOT_FOUND)
		r = db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
object_worm_db_put(struct db *db, const struct object_worm_config *c)
{
	struct db_st *st = db_stmt(db, SQL_PUT);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, c->bucket_id);
	db_bind_text(st, 2, retention_mode_name(c->mode));
	db_bind_i64(st, 3, c->days);
	db_bind_i64(st, 4, c->years);
	db_bind_i64(st, 5, c->created_ms);
	db_bind_i64(st, 6, c->updated_ms);
	return db_step_done(st);
}

enum err
object_worm_db_delete_bucket(struct db *db, int64_t bucket_id)
{
	return db_step_i64(db, SQL_DELETE_BUCKET, bucket_id);
}

enum err
object_worm_seal_totals(struct db *db, struct db_seal_totals *ret)
{
	return db_seal_totals_query(db, SQL_TOTALS, ret);
}

enum err
object_worm_seal_all(struct db *db)
{
	struct db_st *st = db_stmt(db, SQL_SEAL_ALL);

	if (st == NULL)
		return ERR_IO;
	return db_step_done(st);
}
