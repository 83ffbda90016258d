/* SPDX-License-Identifier: ISC */
/* object_ops.h: object helpers shared by the api/ handlers. */
#ifndef COFFER_API_OBJECT_OPS_H
#define COFFER_API_OBJECT_OPS_H

#include <stddef.h>

#include "api/api_int.h"

/* The x-oss-restore value for o at the current business time, or NULL
 * when the object was never restored or its restored copy expired. */
const char *object_restore_header(struct call *c, const struct object *o);
/* Verifies a Content-MD5 header against a buffered body (absent: OK). */
enum err object_check_content_md5(struct call *c, const void *body, size_t n);
/* Deletes c->bucket's key in one transaction and unlinks its blobs;
 * a missing key is success (OSS DeleteObject is idempotent). */
enum err object_delete_one(struct call *c, const char *key);
/* Unlinks blobs of rows that a committed transaction removed. */
void object_unlink_dead(struct call *c, const struct extent_ref *dead,
    size_t n);

#endif
