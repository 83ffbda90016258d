/* SPDX-License-Identifier: ISC */
/*
 * object.h: the object data path that the OSS handlers and the daemon's
 * own jobs share: which encryption a new object gets and writes the daemon
 * makes itself. The streaming parts have their own
 * headers: upload.h (encrypt and store a body), object_reader.h (decrypt
 * ranges), object_tx.h (the guarded transaction).
 */
#ifndef COFFER_OBJECT_OBJECT_H
#define COFFER_OBJECT_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct api;
struct bucket;
struct mpu;
struct object;

/* The new object's encryption from the SSE headers (alg, kid, data: the
 * x-oss-server-side-encryption, -key-id and -data-encryption values, NULL
 * when absent) or bucket b's default; fills o's sse_* fields. *ret_cmk: the
 * CMK for SSE-KMS (the owner's service key when none is named), else NULL. */
enum err object_sse_choose(struct api *api, const struct bucket *b,
    const char *alg, const char *kid, const char *data, struct object *o,
    const char **ret_cmk);

/* A jobs_put_object_fn (jobs/jobs.h) for main.c and the CLI; ctx is the
 * struct api. Stores data as the object key of dest through the PutObject
 * path (encrypted upload, fsync, the guarded transaction, then the reply):
 * ERR_FILE_IMMUTABLE when key is a protected object. sse_algorithm NULL
 * uses dest's default encryption; "AES256" or "KMS" (with sse_kms_key_id)
 * override it. Thread-safe. */
enum err object_internal_put(void *ctx, const struct bucket *dest,
    const char *key, const void *data, size_t len, const char *content_type,
    const char *sse_algorithm, const char *sse_kms_key_id);

/* The lifecycle actions of jobs/ (struct jobs_lifecycle_ops); ctx is the
 * struct api. object_lifecycle_change: storage_class NULL expires o (the
 * retention guard runs in the deleting transaction: ERR_FILE_IMMUTABLE,
 * audited as a skip, when it protects o), else transitions it. Both take
 * o as it was listed: ERR_STALE_FILE when it changed or went since.
 * object_lifecycle_abort: aborts upload u, its parts and their blobs. Each
 * change commits with its audit row; blobs are unlinked after the commit. */
enum err object_lifecycle_change(void *ctx, const struct bucket *b,
    const struct object *o, const char *storage_class, int64_t now_ms,
    const char *actor, const char *rule_id);
enum err object_lifecycle_abort(void *ctx, const struct bucket *b,
    const struct mpu *u, int64_t now_ms, const char *actor,
    const char *rule_id);

#endif
