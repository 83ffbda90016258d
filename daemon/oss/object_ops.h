/* SPDX-License-Identifier: ISC */
/* object_ops.h: what several OSS handlers do to an object (object_ops.c). */
#ifndef COFFER_OSS_OBJECT_OPS_H
#define COFFER_OSS_OBJECT_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "hash/hash.h"
#include "oss/oss_int.h"

struct object_tx;
struct upload;
struct upload_result;

/* The object transaction (object/object_tx.h) of this request: guarded
 * when the route is R_MUTATES_OBJECT. */
enum err call_tx_begin(struct call *c, int64_t bucket_id, const char *key,
    struct object_tx *tx);
/* The same for a change of version vid (metadata of a version). */
enum err call_tx_begin_version(struct call *c, int64_t bucket_id,
    const char *key, const char *vid, struct object_tx *tx);
/* The same for a change that rewrites the current version (appends). */
enum err call_tx_begin_in_place(struct call *c, int64_t bucket_id,
    const char *key, struct object_tx *tx);
/* The bucket owner sent x-oss-bypass-governance-retention: true. */
bool call_bypass_governance(const struct call *c);
/* The early refusal before a body (object_tx_peek): *ret_cur and
 * *ret_exists are set even when the guard refuses. */
enum err call_tx_peek(struct call *c, int64_t bucket_id, const char *key,
    struct object *ret_cur, bool *ret_exists);

/* Parses what PutObject-like requests (Put, Append, InitiateMultipartUpload,
 * Copy with REPLACE) carry for the new object: x-oss-object-acl,
 * x-oss-storage-class, x-oss-tagging, stored headers and user metadata, and
 * the SSE headers or the bucket default. *ret_cmk: CMK for SSE-KMS, or NULL. */
enum err object_prepare(struct call *c, struct object *o, const char **ret_cmk);
/* The same without the encryption: for what holds no data (symlinks). */
enum err object_prepare_meta(struct call *c, struct object *o);
enum err object_parse_forbid_overwrite(struct call *c, bool *ret);
enum err object_parse_sse(struct call *c, struct object *o,
    const char **ret_cmk);
enum err object_collect_headers(struct call *c, const char **ret);
enum err object_check_tagging(struct call *c, const char *t);
/* Content-MD5, x-oss-hash-crc64ecma and a V4 payload hash to verify. */
enum err object_parse_integrity(struct call *c, struct upload *u);
/* Verifies a Content-MD5 header against a buffered body (absent: OK). */
enum err object_check_content_md5(struct call *c, const void *body, size_t n);

/* The one write path of a whole new object (PutObject, PostObject): what
 * the request carries for it and the upload its body goes into. */
struct object_put {
	struct object	 o;
	bool		 forbid_overwrite;
	uint8_t		 md5[HASH_MD5_BYTES];	/* of the body, at commit */
};
/* Before the body: x-oss-forbid-overwrite (moot in a versioned bucket),
 * object_prepare, the early FileAlreadyExists and retention refusals,
 * then c->upload begins under the object's key. */
enum err object_put_begin(struct call *c, struct object_put *p);
/* After the body: finishes c->upload, re-checks forbid-overwrite and
 * retention and writes the rows in one transaction, then the reply's
 * ETag, CRC, SSE and version headers. The status is the caller's. */
enum err object_put_commit(struct call *c, struct object_put *p);

/* c->key of c->bucket, the version ?versionId names or else the current
 * one; NoSuchKey / NoSuchVersion carry the Key extra. A current delete
 * marker is NoSuchKey with x-oss-delete-marker and its x-oss-version-id.
 * object_load_any hands out a marker named by its id; object_load
 * answers NoSuchKey for it (it has no data, ACL or tags). */
enum err object_load_any(struct call *c, struct object *o);
enum err object_load(struct call *c, struct object *o);
/* x-oss-version-id: o's, in a versioned bucket or when asked by id. */
void object_echo_version(struct call *c, const struct object *o);
/* If-Match ... with an optional header prefix ("x-oss-copy-source-"). */
enum err object_check_conditions(struct call *c, const struct object *o,
    const char *prefix);
/* Frozen storage classes are readable only while restored. */
bool object_readable(struct call *c, const struct object *o);
/* The x-oss-restore value for o now, or NULL. */
const char *object_restore_header(struct call *c, const struct object *o);
/* ETag, Last-Modified, CRC and (unless meta_only) type, class, stored
 * headers with response-* overrides, SSE, tagging count, restore. */
void object_emit_headers(struct call *c, const struct object *o,
    bool meta_only);
void object_echo_sse(struct call *c, const struct object *o);

/* What a delete did: removed version version_id for good, or (in a
 * versioned bucket without a version id) added the delete marker
 * version_id; marker: the version removed or added is a delete marker. */
struct delete_outcome {
	bool	marker;
	char	version_id[BUCKET_VERSION_ID_MAX + 1];
};
/* Inside tx: deletes version vid of key, or (vid NULL) the key as the
 * bucket's versioning says; the guard runs on what goes. A missing key is
 * success (OSS DeleteObject is idempotent); a missing version is
 * ERR_NO_SUCH_VERSION. */
enum err object_delete_in_tx(struct call *c, struct object_tx *tx,
    const char *key, const char *vid, struct delete_outcome *ret,
    struct extent_ref **ret_dead, size_t *ret_ndead);
/* The same in its own transaction, then unlinks the blobs. */
enum err object_delete_one(struct call *c, const char *key, const char *vid,
    struct delete_outcome *ret);
/* Compare-and-set of metadata on the object as read (StaleFile). */
enum err object_update_metadata(struct call *c, const struct object *read,
    const char *headers, const char *acl, const char *tags);
/* Records a finished part extent of upload u. */
enum err multipart_commit_part(struct call *c, const struct mpu *u,
    unsigned number, const struct upload_result *res, struct mpu_part *ret);
/* Unlinks blobs of rows that a committed transaction removed. */
void object_unlink_dead(struct call *c, const struct extent_ref *dead,
    size_t n);

/* ---- symlinks (symlink_target.c) ---- */
bool object_is_symlink(const struct object *o);
/* Link's target as stored (URL-encoded), NULL when it has none. */
const char *symlink_target_encoded(struct call *c, const struct object *link);
/* Link's target key, decoded (ERR_CORRUPT when unreadable). */
enum err symlink_target(struct call *c, const struct object *link,
    const char **ret);
/* Makes o a link to target: type, ETag, no data, the target line added
 * to o->headers. */
enum err symlink_make(struct call *c, struct object *o, const char *target);
/* Stores link o (made by symlink_make) at the request's key, as any
 * object write: FileAlreadyExists (forbid) before the WORM and retention
 * refusals of call_tx_begin, the version rules of object_replace
 * (symlink.c). */
enum err symlink_store(struct call *c, struct object *o, bool forbid);
/* A link made from this request's headers keeps a Content-Type only when
 * the request sent one (else GET shows the target's). */
enum err symlink_request_type(struct call *c, struct object *o);
/* Link o (as loaded) becomes what GET and HEAD of it answer: the current
 * version of its target in the same bucket for data, size, ETag, class
 * and encryption; the link for the rest. ERR_SYMLINK_TARGET_NOT_EXIST,
 * ERR_INVALID_TARGET_TYPE (a link to a link), or the target's access
 * refusal. o->id is then the target's, whose extents hold the data. */
enum err symlink_follow(struct call *c, struct object *o);

#endif
