/* SPDX-License-Identifier: ISC */
/* stats_db.c: see stats_db.h. */
#include "db/stats_db.h"

#include <string.h>

#include "db/db.h"

const char *const db_stats_key_states[4] = {
	"Enabled", "Disabled", "PendingDeletion", "PendingImport",
};
const char *const db_stats_worm_states[2] = { "InProgress", "Locked" };

/* Served by the kms_keys_deletion index (state, delete_ms). */
static const char SQL_KEYS[] =
    "SELECT state, count(*) FROM kms_keys GROUP BY state";
static const char SQL_BUCKETS[] = "SELECT count(*) FROM buckets";
static const char SQL_WORM[] =
    "SELECT state, count(*) FROM worm_policies GROUP BY state";
/* The counters GetBucketStat reads (schema/0016_bucket_stats.sql): a
 * row per bucket and storage class, never a row per object. */
static const char SQL_OBJECTS[] =
    "SELECT coalesce(sum(objects), 0), coalesce(sum(bytes), 0)"
    " FROM bucket_class_stats";

static enum err
by_state(struct db *db, const char *sql, const char *const *states,
    size_t n, int64_t *ret)
{
	struct db_st *st = db_stmt(db, sql);
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	memset(ret, 0, n * sizeof(*ret));
	while ((rc = db_row(st)) == ERR_OK) {
		const char *s = db_col_text(st, 0);

		for (size_t i = 0; i < n; i++)
			if (strcmp(s, states[i]) == 0)
				ret[i] = db_col_i64(st, 1);
	}
	db_stmt_done(st);
	return db_end(rc);
}

enum err
db_stats_read(struct db *db, struct db_stats *ret)
{
	bool opened = db_read_begin(db);
	enum err r;

	r = by_state(db, SQL_KEYS, db_stats_key_states, 4, ret->keys);
	if (r == ERR_OK)
		r = db_query_i64(db, SQL_BUCKETS, 0, &ret->buckets);
	if (r == ERR_OK)
		r = by_state(db, SQL_WORM, db_stats_worm_states, 2, ret->worm);
	db_read_end(db, opened);
	return r;
}

enum err
db_stats_objects(struct db *db, int64_t *ret_objects, int64_t *ret_bytes)
{
	struct db_st *st = db_stmt(db, SQL_OBJECTS);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	rc = db_row(st);
	r = db_end(rc);
	if (rc == ERR_OK) {
		*ret_objects = db_col_i64(st, 0);
		*ret_bytes = db_col_i64(st, 1);
	} else if (r == ERR_OK)
		r = ERR_INTERNAL;
	db_stmt_done(st);
	return r;
}
