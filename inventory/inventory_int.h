/* SPDX-License-Identifier: ISC */
/*
 * inventory_int.h: what inventory.c and inventory_db.c share. Nothing
 * outside inventory/ includes it.
 */
#ifndef COFFER_INVENTORY_INVENTORY_INT_H
#define COFFER_INVENTORY_INVENTORY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "inventory/inventory.h"

struct db;

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
