/* SPDX-License-Identifier: ISC */
/*
 * worm_int.h: what the worm/ sources share: the typed database calls of
 * worm_db.c. Nothing outside worm/ includes this file;
 * logic files never see SQLite.
 */
#ifndef COFFER_WORM_WORM_INT_H
#define COFFER_WORM_WORM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "worm/worm.h"

/* ---- worm_db.c ---- */

/* The bucket's row, whatever its effective state; *ret_found false when
 * there is none (ret untouched). */
enum err worm_db_get(struct db *db, int64_t bucket_id,
    struct worm_policy *ret, bool *ret_found);
/* Inserts p. ERR_EXISTS when the bucket already has a row. */
enum err worm_db_insert(struct db *db, const struct worm_policy *p);
/* Compare-and-set: replaces the row equal to old (worm id, state, days,
 * created) with p. ERR_CONFLICT when the row is not old any more. */
enum err worm_db_update(struct db *db, const struct worm_policy *old,
    const struct worm_policy *p);
/* Compare-and-set delete of the row equal to old. ERR_CONFLICT otherwise. */
enum err worm_db_delete(struct db *db, const struct worm_policy *old);
/* Deletes the bucket's row if any. */
enum err worm_db_delete_bucket(struct db *db, int64_t bucket_id);
/* *ret = some object of the bucket has mtime_ms > after_ms. */
enum err worm_db_newer_object(struct db *db, int64_t bucket_id,
    int64_t after_ms, bool *ret);

/* ---- worm.c ---- */

/* ERR_OK when the policy and ObjectWorm tables are exactly the ones the
 * seal row describes (one read snapshot); ERR_CORRUPT, logged as an ALERT
 * naming bucket, otherwise. */
enum err worm_tables_trusted(struct db *db, const char *bucket);
/* The bucket's policy is in force (InProgress and not expired, or
 * Locked) at now_ms. */
enum err worm_policy_in_force(struct db *db, int64_t bucket_id,
    int64_t now_ms, bool *ret);

/* ---- object_worm_db.c (schema/0013_object_worm.sql) ---- */

struct object_worm_config;
/* The bucket's row; *ret_found false when there is none. ERR_CORRUPT when
 * it holds what the CHECK constraints forbid. */
enum err object_worm_db_get(struct db *db, int64_t bucket_id,
    struct object_worm_config *ret, bool *ret_found);
/* Inserts c, or replaces the rule of the bucket's row. */
enum err object_worm_db_put(struct db *db,
    const struct object_worm_config *c);
/* Deletes the bucket's row if any. */
enum err object_worm_db_delete_bucket(struct db *db, int64_t bucket_id);
#endif
