/* SPDX-License-Identifier: ISC */
/*
 * worm_int.h: what the worm/ sources share: the typed database calls of
 * worm_db.c and inventory_db.c. Nothing outside worm/ includes this file;
 * logic files never see SQLite.
 */
#ifndef COFFER_WORM_WORM_INT_H
#define COFFER_WORM_WORM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "worm/inventory.h"
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
/* Appends one row to the audit table (in the caller's transaction, if
 * any). */
enum err worm_db_audit(struct db *db, int64_t time_ms, const char *actor,
    const char *action, const char *target, const char *result,
    const char *detail);

/* ---- inventory_db.c ---- */

/* Inserts c unless (bucket, id) exists (ERR_INVENTORY_EXISTS) or the bucket
 * has INVENTORY_PER_BUCKET_MAX configurations (ERR_INVENTORY_LIMIT). */
enum err inventory_db_insert(struct db *db, const struct inventory_config *c);
enum err inventory_db_get(struct db *db, int64_t bucket_id, const char *id,
    struct inventory_config *ret);
/* ERR_NO_SUCH_INVENTORY when absent. */
enum err inventory_db_delete(struct db *db, int64_t bucket_id,
    const char *id);
enum err inventory_db_delete_bucket(struct db *db, int64_t bucket_id);
enum err inventory_db_list(struct db *db, int64_t bucket_id,
    const char *after, unsigned max,
    void (*fn)(void *ctx, const struct inventory_config *c), void *ctx,
    bool *ret_truncated);
enum err inventory_db_due(struct db *db, int64_t now_ms,
    struct inventory_ref *out, size_t max, size_t *ret_n);
/* Compare-and-set of the schedule columns. ERR_CONFLICT when last_run_ms is
 * no longer old_last. */
enum err inventory_db_set_run(struct db *db, int64_t bucket_id,
    const char *id, int64_t old_last, int64_t last, int64_t next);

#endif
