/* SPDX-License-Identifier: ISC */
/*
 * stats_db.h: the counts behind the /-/metrics gauges.
 *
 * A scrape may come every few seconds, so each count here is answered
 * from an index or a table of one row per bucket at most, never by reading
 * every object (db_stats_objects is the one exception, see there).
 */
#ifndef COFFER_DB_STATS_DB_H
#define COFFER_DB_STATS_DB_H

#include <stdint.h>

#include "base/err.h"

struct db;

struct db_stats {
	/* CMKs by KeyState: Enabled, Disabled, PendingDeletion,
	 * PendingImport (schema/0002_kms.sql), in that order. */
	int64_t	keys[4];
	int64_t	buckets;
	/* Buckets with a retention policy: InProgress, Locked. */
	int64_t	worm[2];
};

extern const char *const db_stats_key_states[4];
extern const char *const db_stats_worm_states[2];

enum err db_stats_read(struct db *db, struct db_stats *ret);

/*
 * Objects (current versions that are not delete markers) and the bytes
 * all versions hold. One aggregate over the objects table: the caller
 * keeps the answer for a while rather than asking on every scrape. To be
 * replaced by a sum of the per-bucket counters once the buckets keep them.
 */
enum err db_stats_objects(struct db *db, int64_t *ret_objects,
    int64_t *ret_bytes);

#endif
