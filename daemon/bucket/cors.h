/* SPDX-License-Identifier: ISC */
/* cors.h: the stored CORS configuration of a bucket (cors_db.c). */
#ifndef COFFER_BUCKET_CORS_H
#define COFFER_BUCKET_CORS_H

#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

/* Replaces the bucket's document (audited "cors.put"). */
enum err cors_put(struct db *db, int64_t bucket_id, const char *doc,
    int64_t now_ms, const char *actor, const char *bucket_name);
/* The document, or ERR_NO_SUCH_CORS. */
enum err cors_get(struct db *db, struct arena *a, int64_t bucket_id,
    const char **ret_doc);
/* ERR_OK whether or not there was one. */
enum err cors_delete(struct db *db, int64_t bucket_id, int64_t now_ms,
    const char *actor, const char *bucket_name);

#endif
