/* SPDX-License-Identifier: ISC */
/*
 * object_worm_db.c: all SQL of the ObjectWorm configurations
 * (schema/0013_object_worm.sql). Rows are sealed like the WORM policies:
 * every write binds the MAC computed here (objworm_v lists what it
 * covers, for writer and checker alike), the triggers keep the seal row's
 * count and set hash.
 */
#include <string.h>

#include "db/db.h"
#include "db/seal.h"
#include "worm/retention.h"
#include "worm/worm_int.h"

/* The MAC covers every column but itself. */
#define OBJWORM_COLS \
    "bucket, enabled, mode, days, years, created_ms, updated_ms, mac"
static const char SQL_GET[] =
    "SELECT " OBJWORM_COLS " FROM object_worm WHERE bucket = ?";
/* ?7 is the MAC of the row either branch leaves (object_worm_db_put). */
static const char SQL_PUT[] =
    "INSERT INTO object_worm (" OBJWORM_COLS ") VALUES (?1, 1, ?2, ?3, ?4,"
    " ?5, ?6, ?7) ON CONFLICT (bucket) DO UPDATE SET mode = ?2, days = ?3,"
    " years = ?4, updated_ms = ?6, mac = ?7";
/* Only an empty bucket is deleted; one with versions keeps its row (the
 * caller's DeleteBucket answers BucketNotEmpty and rolls back). */
static const char SQL_DELETE_BUCKET[] =
    "DELETE FROM object_worm WHERE bucket = ?1"
    " AND NOT EXISTS (SELECT 1 FROM objects WHERE bucket = ?1)";
static const char SQL_PAGE[] =
    "SELECT " OBJWORM_COLS " FROM object_worm WHERE bucket > ?1"
    " ORDER BY bucket LIMIT ?2";
/* One row at a time, so a row is rewritten only after the statement that
 * read it is done (the walk never meets its own writes). */
static const char SQL_NEXT[] =
    "SELECT " OBJWORM_COLS " FROM object_worm WHERE bucket > ?"
    " ORDER BY bucket LIMIT 1";
static const char SQL_SET_MAC[] =
    "UPDATE object_worm SET mac = ?2 WHERE bucket = ?1";

/* A row as the table holds it, mode with its stored length, so the MAC
 * covers exactly the bytes coffer_mac would. */
struct objworm_row {
	int64_t		 bucket;
	int64_t		 enabled;
	const char	*mode;
	size_t		 mode_len;
	int64_t		 days;
	int64_t		 years;
	int64_t		 created_ms;
	int64_t		 updated_ms;
};
#define OBJWORM_V_N	7

static void
objworm_v(const struct objworm_row *w, struct seal_v v[static OBJWORM_V_N])
{
	v[0] = SEAL_I(w->bucket);
	v[1] = SEAL_I(w->enabled);
	v[2] = SEAL_TN(w->mode, w->mode_len);
	v[3] = SEAL_I(w->days);
	v[4] = SEAL_I(w->years);
	v[5] = SEAL_I(w->created_ms);
	v[6] = SEAL_I(w->updated_ms);
}

static enum err
objworm_mac(struct db *db, const struct objworm_row *w,
    uint8_t out[static DB_SEAL_MAC_BYTES])
{
	struct seal_v v[OBJWORM_V_N];

	objworm_v(w, v);
	return db_seal_mac(db, "objworm", v, OBJWORM_V_N, out);
}

static bool
objworm_mac_ok(struct db *db, const struct objworm_row *w, const void *mac,
    size_t len)
{
	struct seal_v v[OBJWORM_V_N];

	objworm_v(w, v);
	return db_seal_mac_ok(db, mac, len, "objworm", v, OBJWORM_V_N);
}

/* The current row of an OBJWORM_COLS statement; valid until its next
 * step. */
static struct objworm_row
objworm_row_at(struct db_st *st)
{
	struct objworm_row w = {
		.bucket = db_col_i64(st, 0),
		.enabled = db_col_i64(st, 1),
	};

	w.mode = db_col_text(st, 2);
	w.mode_len = db_col_len(st, 2);
	w.days = db_col_i64(st, 3);
	w.years = db_col_i64(st, 4);
	w.created_ms = db_col_i64(st, 5);
	w.updated_ms = db_col_i64(st, 6);
	return w;
}

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
		struct objworm_row w = objworm_row_at(st);

		memset(&c, 0, sizeof(c));
		c.bucket_id = bucket_id;
		/* The CHECK constraints allow nothing else; anything else was
		 * written behind our back. */
		c.enabled = w.enabled == 1;
		if (!c.enabled)
			r = ERR_CORRUPT;
		if (w.mode[0] == '\0')
			c.mode = RETENTION_NONE;
		else if (!retention_mode_parse(w.mode, &c.mode))
			r = ERR_CORRUPT;
		if (w.days < 0 || w.days > RETENTION_DAYS_MAX || w.years < 0 ||
		    w.years > RETENTION_YEARS_MAX)
			r = ERR_CORRUPT;
		c.days = (uint32_t)w.days;
		c.years = (uint32_t)w.years;
		c.created_ms = w.created_ms;
		c.updated_ms = w.updated_ms;
		c.sealed = objworm_mac_ok(db, &w, db_col_blob(st, 7),
		    db_col_len(st, 7));
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
	const char *mode = retention_mode_name(c->mode);
	struct objworm_row w = {
		.bucket = c->bucket_id, .enabled = 1,
		.mode = mode, .mode_len = strlen(mode),
		.days = c->days, .years = c->years,
		.created_ms = c->created_ms, .updated_ms = c->updated_ms,
	};
	uint8_t mac[DB_SEAL_MAC_BYTES];
	struct db_st *st;
	enum err r;

	/* An existing row keeps its enabled and created_ms (the upsert's
	 * update branch), so its MAC covers those as stored. The caller's
	 * write transaction keeps the row as read until the upsert. */
	st = db_stmt(db, SQL_GET);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, c->bucket_id);
	r = db_row(st);
	if (r == ERR_OK) {
		struct objworm_row cur = objworm_row_at(st);

		w.enabled = cur.enabled;
		w.created_ms = cur.created_ms;
	}
	db_stmt_done(st);
	if (r != ERR_OK && r != ERR_NOT_FOUND)
		return r;
	r = objworm_mac(db, &w, mac);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_PUT);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, c->bucket_id);
	db_bind_text(st, 2, mode);
	db_bind_i64(st, 3, c->days);
	db_bind_i64(st, 4, c->years);
	db_bind_i64(st, 5, c->created_ms);
	db_bind_i64(st, 6, c->updated_ms);
	db_bind_blob(st, 7, mac, sizeof(mac));
	return db_step_done(st);
}

enum err
object_worm_db_delete_bucket(struct db *db, int64_t bucket_id)
{
	return db_step_i64(db, SQL_DELETE_BUCKET, bucket_id);
}

static bool
row_ok(struct db *db, struct db_st *st)
{
	struct objworm_row w = objworm_row_at(st);

	return objworm_mac_ok(db, &w, db_col_blob(st, 7), db_col_len(st, 7));
}

enum err
object_worm_seal_totals(struct db *db, struct db_seal_totals *ret)
{
	return db_seal_totals_walk(db, SQL_PAGE, 0, 7, row_ok, ret);
}

enum err
object_worm_seal_all(struct db *db)
{
	int64_t after = -1;
	enum err r;

	for (;;) {
		struct db_st *st = db_stmt(db, SQL_NEXT);
		uint8_t mac[DB_SEAL_MAC_BYTES];
		struct objworm_row w;

		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, after);
		r = db_row(st);
		if (r == ERR_OK) {
			w = objworm_row_at(st);
			after = w.bucket;
			r = objworm_mac(db, &w, mac);
		}
		db_stmt_done(st);
		if (r != ERR_OK)
			return r == ERR_NOT_FOUND ? ERR_OK : r;
		st = db_stmt(db, SQL_SET_MAC);
		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, after);
		db_bind_blob(st, 2, mac, sizeof(mac));
		r = db_step_done(st);
		if (r != ERR_OK)
			return r;
	}
}
