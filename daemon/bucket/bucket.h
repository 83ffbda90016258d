/* SPDX-License-Identifier: ISC */
/*
 * bucket.h: buckets and object metadata (L2).
 *
 * This module owns the buckets, objects, uploads, parts and extents tables
 * (SQL in bucket_db.c) and the OSS rules that depend on them alone: name
 * validation, PutBucket's conflict variants, BucketNotEmpty, listing with
 * prefix/delimiter/marker. It knows nothing about encryption, signatures or
 * WORM: api/ composes those around the calls below. Functions marked "in a
 * transaction" must run between db_tx_begin and db_tx_commit of the calling
 * thread; api/ runs its policy checks in the same transaction.
 *
 * Strings in returned records point into the caller's arena unless they are
 * fixed arrays. Thread-safe (each thread uses its own db connection).
 */
#ifndef COFFER_BUCKET_BUCKET_H
#define COFFER_BUCKET_BUCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"
#include "db/seal.h"

struct db;

#define BUCKET_NAME_MAX		63
#define BUCKET_KEY_MAX		1023
#define BUCKET_UUID_BYTES	16
#define BUCKET_WRAPPED_MAX	160
#define BUCKET_WRAP_KEY_MAX	96
#define BUCKET_MAX_PARTS	10000
#define BUCKET_VERSION_ID_MAX	63	/* ids this daemon makes (48 bytes) */

/* PutBucketVersioning's states; a bucket never returns to NONE. */
enum bucket_versioning {
	BUCKET_UNVERSIONED,
	BUCKET_VERSIONING_ENABLED,
	BUCKET_VERSIONING_SUSPENDED,
};
/* "" for UNVERSIONED, else Enabled / Suspended. */
const char *bucket_versioning_name(enum bucket_versioning v);

/* OSS: 3-63 chars of [a-z0-9-], not starting or ending with '-'. */
bool bucket_name_valid(const char *name);
/* OSS: 1-1023 bytes of UTF-8, not starting with '/' or '\'. */
bool bucket_key_valid(const char *key, size_t len);
bool bucket_storage_class_valid(const char *sc);
/* Archive, ColdArchive, DeepColdArchive: data must be restored to be read. */
bool bucket_storage_class_frozen(const char *sc);
bool bucket_redundancy_valid(const char *dr);
bool bucket_acl_valid(const char *acl);		/* private|public-read|public-read-write */
bool bucket_object_acl_valid(const char *acl);	/* the above or "default" */

/*
 * The OSS ACL rule for a requester who does not own the bucket (anonymous,
 * or another account; oss-api-2.md §6). The owner is always allowed and
 * never asks. object_acl: the target object's ACL, or NULL when the
 * request names no existing object.
 *
 *   effective = object_acl unless NULL or "default", else bucket_acl
 *   read  allowed iff effective is public-read or public-read-write
 *   write allowed iff effective is public-read-write
 *
 * The verdict says which ACL refused, for the error message.
 */
enum acl_verdict {
	ACL_ALLOW,
	ACL_DENY_BUCKET,	/* the bucket ACL decided */
	ACL_DENY_OBJECT,	/* the object's own ACL decided */
};
enum acl_verdict bucket_acl_decide(const char *bucket_acl,
    const char *object_acl, bool write);

struct bucket {
	int64_t	id;
	char	name[BUCKET_NAME_MAX + 1];
	int64_t	owner;				/* accounts.id */
	char	owner_account_id[17];
	char	owner_name[65];
	char	region[64];			/* "cn-hangzhou" */
	char	storage_class[24];
	char	redundancy[8];
	char	acl[24];
	char	resource_group[64];
	int64_t	created_ms;
	char	sse_algorithm[8];		/* "", AES256, KMS, SM4 */
	char	sse_kms_key_id[256];
	char	sse_data_enc[8];
	enum bucket_versioning versioning;
};

/* A version id as a client may send one: "null", or 1-256 bytes of
 * URL-safe base64-like characters (oss-api-2.md §1.2: real ids hold '.'). */
bool bucket_version_id_valid(const char *v);

/* ERR_NO_SUCH_BUCKET when absent. */
enum err bucket_get(struct db *db, const char *name, struct bucket *ret);

/* PutBucket in one transaction. want->storage_class / redundancy may be ""
 * (not given: defaults Standard / LRS for a new bucket, no conflict for an
 * existing one). For an existing bucket of the same owner: ERR_BUCKET_LOCATION,
 * ERR_BUCKET_STORAGE_CLASS, ERR_BUCKET_REDUNDANCY when the request differs,
 * else the ACL is updated (when acl is not "") and *ret_created = false.
 * Another owner: ERR_BUCKET_TAKEN. ERR_TOO_MANY_BUCKETS beyond max_buckets. */
enum err bucket_put(struct db *db, const struct bucket *want, int64_t now_ms,
    unsigned max_buckets, bool *ret_created);
/* ERR_BUCKET_NOT_EMPTY (objects), ERR_BUCKET_NOT_EMPTY_UPLOADS (multipart
 * uploads), else deletes; in the caller's transaction if one is open, else
 * in its own. */
enum err bucket_delete(struct db *db, int64_t bucket_id);
enum err bucket_set_acl(struct db *db, int64_t bucket_id, const char *acl);
enum err bucket_set_encryption(struct db *db, int64_t bucket_id,
    const char *algorithm, const char *kms_key_id, const char *data_enc);
/* PutBucketVersioning: v is ENABLED or SUSPENDED. */
enum err bucket_set_versioning(struct db *db, int64_t bucket_id,
    enum bucket_versioning v);

struct bucket_list_opts {
	const char	*prefix;	/* may be NULL */
	const char	*marker;	/* names > marker; may be NULL */
	unsigned	 max_keys;	/* 1..1000 */
};
/* Buckets of owner in name order; fn called per bucket. *ret_truncated and
 * ret_next_marker (BUCKET_NAME_MAX+1 bytes) describe the next page. */
enum err bucket_list(struct db *db, int64_t owner,
    const struct bucket_list_opts *o,
    void (*fn)(void *ctx, const struct bucket *b), void *ctx,
    bool *ret_truncated, char *ret_next_marker);

/* From counters kept in the transaction of every change (schema/
 * 0016_bucket_stats.sql): the cost does not grow with the bucket. */
struct bucket_stat {
	/* Versions count as objects and storage; delete markers apart. */
	uint64_t	storage;
	uint64_t	objects;
	uint64_t	delete_markers;
	uint64_t	uploads;
	uint64_t	parts;
	uint64_t	parts_storage;
	/* newest Last-Modified of any version stored (never goes back) */
	int64_t		last_modified_ms;
	uint64_t	per_class_storage[5];	/* Standard, IA, Archive, ColdArchive, DeepColdArchive */
	uint64_t	per_class_objects[5];
};
enum err bucket_stat(struct db *db, int64_t bucket_id, struct bucket_stat *ret);

/* ---- objects ---- */

/*
 * One version of a key (schema/0011_versions.sql). A bucket that was never
 * versioned keeps one version per key, "null"; so does a Suspended one for
 * what it writes. A delete marker is a version with type "DeleteMarker",
 * no data and no extents.
 */
struct object {
	int64_t		 id;
	int64_t		 bucket;
	const char	*key;
	char		 version_id[BUCKET_VERSION_ID_MAX + 1];	/* "null" or an id */
	bool		 latest;		/* the key's current version */
	bool		 delete_marker;
	int64_t		 vseq;			/* newer versions are higher */
	int64_t		 noncurrent_ms;		/* when it stopped being latest */
	char		 type[16];		/* Normal, Appendable, Multipart, DeleteMarker */
	uint64_t	 size;
	char		 etag[48];		/* upper-case hex, no quotes */
	uint64_t	 crc64;
	char		 storage_class[24];
	int64_t		 mtime_ms;
	int64_t		 generation;		/* bumped by every change */
	char		 acl[24];
	const char	*headers;		/* "name:value\n" lines */
	const char	*tags;			/* "k1=v1&k2=v2" (URL-encoded) */
	char		 sse_algorithm[8];
	char		 sse_key_id[256];
	char		 sse_data_enc[8];
	int		 restore_state;		/* 0 none, 1 restoring, 2 restored */
	int64_t		 restore_done_ms;
	int64_t		 restore_expiry_ms;
	char		 restore_tier[16];
	/* object-level retention (ObjectWorm) */
	char		 retain_mode[12];	/* "", COMPLIANCE, GOVERNANCE */
	int64_t		 retain_until_ms;
	bool		 legal_hold;
	bool		 sealed;		/* its MAC verified (object_get*) */
};

struct extent {
	uint8_t		 uuid[BUCKET_UUID_BYTES];
	uint64_t	 plain_len;
	uint8_t		 wrapped[BUCKET_WRAPPED_MAX];
	size_t		 wrapped_len;
	char		 wrap_key[BUCKET_WRAP_KEY_MAX];
	/* Small extents: the sealed chunk itself (no blob file); NULL for
	 * extents stored as blob files. Borrowed (arena or the upload). */
	const uint8_t	*inline_data;
	size_t		 inline_len;
};

/* A blob that no row references any more: unlink after the commit. */
struct extent_ref {
	uint8_t		 uuid[BUCKET_UUID_BYTES];
};

/* The current version of key. ERR_NO_SUCH_KEY when there is none or it
 * is a delete marker; *ret then holds the marker (ret->delete_marker). */
enum err object_get(struct db *db, struct arena *a, int64_t bucket,
    const char *key, struct object *ret);
/* Version vid of key (a delete marker included). ERR_NO_SUCH_VERSION
 * when absent. */
enum err object_get_version(struct db *db, struct arena *a, int64_t bucket,
    const char *key, const char *vid, struct object *ret);
/* The object's extents in order (arena). ERR_CORRUPT when one fails its
 * MAC (moved from another object or edited outside cofferd). */
enum err object_extents(struct db *db, struct arena *a, int64_t object_id,
    struct extent **ret, size_t *ret_n);
/* True when ext[0..n) add up to o's size: an extent row deleted outside
 * cofferd leaves a hole that no MAC can show. */
bool object_extents_whole(const struct object *o, const struct extent *ext,
    size_t n);

/* In a transaction: makes o (with its extents, in order) the current
 * version at (o->bucket, o->key) as a bucket in state v writes it:
 * unversioned, it replaces the current object; Enabled, it is a new
 * version with a new id and the current one becomes non-current (at
 * o->mtime_ms); Suspended, it is the null version, replacing the key's
 * null version wherever it stands. o->id, o->version_id and o->generation
 * are set. Extents of a replaced version are returned in *ret_dead (arena)
 * for unlinking after the commit. */
enum err object_replace(struct db *db, struct arena *a, struct object *o,
    enum bucket_versioning v, const struct extent *ext, size_t n,
    struct extent_ref **ret_dead, size_t *ret_ndead);
/* In a transaction: removes the current version of (bucket, key), as an
 * unversioned bucket does. ERR_NO_SUCH_KEY when absent. */
enum err object_delete(struct db *db, struct arena *a, int64_t bucket,
    const char *key, struct extent_ref **ret_dead, size_t *ret_ndead);
/* In a transaction: DeleteObject without a version id in a versioned
 * bucket: a delete marker becomes the current version (Enabled: with a new
 * id; Suspended: the null one, replacing the null version). *ret_marker
 * gets it. */
enum err object_delete_marker(struct db *db, struct arena *a, int64_t bucket,
    const char *key, enum bucket_versioning v, int64_t now_ms,
    struct object *ret_marker, struct extent_ref **ret_dead,
    size_t *ret_ndead);
/* In a transaction: removes version vid of key for good; when it was the
 * current one the next newest becomes current. ERR_NO_SUCH_VERSION when
 * absent; *ret_old gets the version removed. */
enum err object_delete_version(struct db *db, struct arena *a, int64_t bucket,
    const char *key, const char *vid, struct object *ret_old,
    struct extent_ref **ret_dead, size_t *ret_ndead);
/* Compare-and-set of the mutable metadata (NULL fields stay): succeeds only
 * when the stored generation still equals o->generation, and bumps it.
 * ERR_STALE_FILE otherwise. Runs its own transaction unless one is open. */
enum err object_update_meta(struct db *db, const struct object *o,
    const char *headers, const char *acl, const char *tags, int64_t *ret_gen);

struct object_list_opts {
	const char	*prefix;
	const char	*marker;	/* keys > marker */
	const char	*delimiter;	/* one or more bytes, or NULL */
	unsigned	 max_keys;	/* 1..1000; keys + common prefixes */
};
struct object_list_cb {
	void	(*object)(void *ctx, const struct object *o);
	void	(*prefix)(void *ctx, const char *common_prefix);
	void	*ctx;
};
/* Objects in byte order of key, folding keys that contain the delimiter
 * after the prefix into common prefixes (each reported once). When more
 * remain, *ret_truncated is set and *ret_next_marker (arena) is the last key
 * or common prefix returned. */
enum err object_list(struct db *db, struct arena *a, int64_t bucket,
    const struct object_list_opts *o, const struct object_list_cb *cb,
    bool *ret_truncated, const char **ret_next_marker);

struct version_list_opts {
	const char	*prefix;
	const char	*key_marker;	/* keys > marker, or this key's older versions */
	const char	*vid_marker;	/* with key_marker: versions after this one */
	const char	*delimiter;
	unsigned	 max_keys;	/* 1..1000; versions + markers + prefixes */
};
struct version_list_cb {
	void	(*version)(void *ctx, const struct object *o);
	void	(*prefix)(void *ctx, const char *common_prefix);
	void	*ctx;
};
struct version_list_next {
	bool		 truncated;
	const char	*key_marker;	/* arena */
	const char	*vid_marker;	/* "" after a common prefix */
};
/* ListObjectVersions: every version and delete marker in key order,
 * newest first within a key, with common prefixes folded as object_list
 * does. ERR_NO_SUCH_VERSION-free: a vid_marker that names no version of
 * key_marker resumes after the key (oss-api-2.md §1.5). */
enum err object_list_versions(struct db *db, struct arena *a, int64_t bucket,
    const struct version_list_opts *o, const struct version_list_cb *cb,
    struct version_list_next *ret);

/* How many versions (delete markers included) key has. */
enum err object_version_count(struct db *db, int64_t bucket, const char *key,
    int64_t *ret);

/* True when some extent row names uuid (start-up sweep). */
enum err extent_exists(struct db *db, const uint8_t uuid[static BUCKET_UUID_BYTES],
    bool *ret);

/* ---- helpers for the headers column ---- */

/* Value of header name (lower-case) in a "name:value\n" list, copied into
 * the arena; NULL when absent. */
const char *object_header(struct arena *a, const char *headers,
    const char *name);

/* ---- the seal over object rows (schema/0009_seal.sql) ---- */

/* Recomputes over the whole table, for comparison with the seal row. */
enum err object_seal_totals(struct db *db, struct db_seal_totals *ret);
/* Extent rows failing their MAC plus objects whose extents do not add up
 * to their size. */
enum err object_seal_extents_bad(struct db *db, int64_t *ret);
/* Up to max objects whose MAC fails, for the alert. */
enum err object_seal_bad(struct db *db, unsigned max,
    void (*cb)(void *ctx, const char *bucket, const char *key), void *ctx);
/* In a transaction: MACs every row that has none (first start), or every
 * row (every: root-key rotation, under the new key). */
enum err object_seal_all(struct db *db, bool every);
/* Root-key rotation, in the caller's transaction: the data keys of
 * SSE-OSS extents through fn (db_reseal). */
enum err object_rewrap_oss(struct db *db, db_reseal_fn *fn, void *ctx,
    uint64_t *count);

/* ---- appendable objects, tags, restore (object_update_db.c) ---- */

/* In a transaction: adds ext as the last extent of the Appendable object o
 * (as read, with its generation) and sets size, crc64, etag and mtime from
 * o. ERR_STALE_FILE when the object changed since it was read. */
enum err object_append_extent(struct db *db, struct object *o,
    const struct extent *ext);
/* Compare-and-set of the restore columns (see object_update_meta). */
enum err object_set_restore(struct db *db, const struct object *o, int state,
    int64_t done_ms, int64_t expiry_ms, const char *tier, int64_t *ret_gen);
/* In a transaction, compare-and-set on the version as read: its
 * retention (mode "", COMPLIANCE or GOVERNANCE; until 0 with "") or its
 * legal hold (ObjectWorm). The row's MAC is recomputed from o with the new
 * values, so o must be the row as read, not a copy changed since (its
 * generation only proves the row did not change). ERR_STALE_FILE when the
 * version changed since it was read, or is a delete marker or Appendable.
 * The rules are the caller's (worm/retention.h); the backstop triggers of
 * schema/0011_versions.sql refuse a COMPLIANCE date moved earlier. */
enum err object_set_retention(struct db *db, const struct object *o,
    const char *mode, int64_t until_ms, int64_t *ret_gen);
enum err object_set_legal_hold(struct db *db, const struct object *o, bool on,
    int64_t *ret_gen);
/* In a transaction: a lifecycle transition of o (as read) to
 * storage_class, compare-and-set like the above. A restored copy does not
 * survive it: an object moved into a frozen class must be restored again
 * to be read. */
enum err object_set_storage_class(struct db *db, const struct object *o,
    const char *storage_class, int64_t *ret_gen);

/* ---- multipart uploads (multipart_db.c) ---- */

#define MPU_ID_BYTES 33

struct mpu {
	int64_t		 id;			/* row id */
	int64_t		 bucket;
	char		 upload_id[MPU_ID_BYTES];	/* 32 upper-case hex */
	const char	*key;
	int64_t		 initiated_ms;
	char		 storage_class[24];
	char		 acl[24];
	const char	*headers;
	const char	*tags;
	char		 sse_algorithm[8];
	char		 sse_key_id[256];
	char		 sse_data_enc[8];
};

struct mpu_part {
	unsigned	 number;
	uint64_t	 size;
	char		 etag[48];		/* upper-case hex MD5 */
	uint64_t	 crc64;
	int64_t		 mtime_ms;
};

/* Inserts u (u->upload_id must be set); sets u->id. */
enum err mpu_create(struct db *db, struct mpu *u);
/* ERR_NO_SUCH_UPLOAD unless upload_id is an upload of (bucket, key). */
enum err mpu_get(struct db *db, struct arena *a, int64_t bucket,
    const char *key, const char *upload_id, struct mpu *ret);
/* In a transaction: records part p of upload row u with its extent,
 * replacing an earlier upload of the same number (its extent is returned
 * as dead). ERR_NO_SUCH_UPLOAD when the upload is gone. */
enum err mpu_part_put(struct db *db, struct arena *a, int64_t u,
    const struct mpu_part *p, const struct extent *ext,
    struct extent_ref **ret_dead, size_t *ret_ndead);
/* Parts with number > marker in order, at most max (arena). */
enum err mpu_parts(struct db *db, struct arena *a, int64_t u, unsigned marker,
    unsigned max, struct mpu_part **ret, size_t *ret_n, bool *ret_truncated);
/* In a transaction: makes o the current object at (u->bucket, u->key) as
 * object_replace does for a bucket in state v, built from the listed
 * parts' extents in order without copying data; the upload, its other
 * parts and a replaced version's extents go (dead). */
enum err mpu_complete(struct db *db, struct arena *a, const struct mpu *u,
    const unsigned *numbers, size_t n, struct object *o,
    enum bucket_versioning v, struct extent_ref **ret_dead,
    size_t *ret_ndead);
/* In a transaction: removes the upload and its parts (dead extents). */
enum err mpu_abort(struct db *db, struct arena *a, const struct mpu *u,
    struct extent_ref **ret_dead, size_t *ret_ndead);

struct mpu_list_opts {
	const char	*prefix;
	const char	*key_marker;
	const char	*upload_id_marker;
	unsigned	 max;
};
/* Uploads of bucket ordered by key, then upload id. */
enum err mpu_list(struct db *db, struct arena *a, int64_t bucket,
    const struct mpu_list_opts *o,
    void (*fn)(void *ctx, const struct mpu *u), void *ctx,
    bool *ret_truncated);

/* ---- custom domains (cname_db.c; spec oss-api.md §3.6) ---- */

#define CNAME_DOMAIN_MAX	253
#define CNAME_TOKEN_CHARS	32	/* lower-case hex */

/* A lower-case DNS name of two or more labels (letters, digits, '-', no
 * label starting or ending with '-'), at most 253 bytes, not an IP address
 * and not under aliyuncs.com. */
bool cname_domain_valid(const char *domain);

struct cname_token {
	char	domain[CNAME_DOMAIN_MAX + 1];
	char	token[CNAME_TOKEN_CHARS + 1];
	int64_t	created_ms;
	int64_t	expires_ms;
	bool	used;
};

struct cname {
	char	domain[CNAME_DOMAIN_MAX + 1];
	int64_t	bucket;
	char	bucket_name[BUCKET_NAME_MAX + 1];
	bool	img;		/* reserved for image processing */
	int64_t	modified_ms;
};

/* Who holds domain; ERR_NOT_FOUND when nobody. */
enum err cname_lookup(struct db *db, const char *domain, struct cname *ret);
/* Whether bucket may attach domain: ERR_CNAME_EXISTS (*ret_img: held by an
 * image-processing reservation) when another holds it, ERR_EXISTS when the
 * bucket has it already, else ERR_OK. Outside a transaction a hint only;
 * cname_attach asks again inside its own. */
enum err cname_check(struct db *db, int64_t bucket, const char *domain,
    bool *ret_img);
/* CreateCnameToken, in one transaction: the bucket's valid unused token for
 * domain, else fresh (CNAME_TOKEN_CHARS) valid for ttl_ms. */
enum err cname_token_issue(struct db *db, int64_t bucket, const char *domain,
    const char *fresh, int64_t now_ms, int64_t ttl_ms,
    struct cname_token *ret);
/* ERR_NO_SUCH_CNAME_TOKEN when the bucket never asked for one. */
enum err cname_token_get(struct db *db, int64_t bucket, const char *domain,
    struct cname_token *ret);
/* PutCname, in one transaction: domain is free (else ERR_CNAME_EXISTS,
 * *ret_img), proven (the token found published) is the bucket's current
 * token (ERR_CNAME_NEED_VERIFY), unused (ERR_CNAME_TOKEN_USED) and
 * unexpired (ERR_CNAME_TOKEN_EXPIRED); it is then used up and the domain
 * attached. Attaching a domain the bucket has already is ERR_OK. */
enum err cname_attach(struct db *db, int64_t bucket, const char *domain,
    const char *proven, int64_t now_ms, bool *ret_img);
/* Inserts a holder (img: an image-processing reservation), in the caller's
 * transaction if any; ERR_CNAME_EXISTS when the domain is held. */
enum err cname_insert(struct db *db, int64_t bucket, const char *domain,
    bool img, int64_t now_ms);
/* DeleteCname; ERR_NO_SUCH_CNAME when the bucket does not have it. */
enum err cname_detach(struct db *db, int64_t bucket, const char *domain);
/* The holders of bucket's domains (bucket 0: every bucket's), by domain. */
enum err cname_list(struct db *db, int64_t bucket,
    void (*fn)(void *ctx, const struct cname *c), void *ctx);

/* ---- stored bucket configurations (bucket_conf_db.c) ---- */

/* kind: policy, referer, tagging, requestPayment, website, logging,
 * publicAccessBlock, cors (the CHECK of schemas 0018 and 0022). */
struct bucket_conf_change {
	int64_t		 bucket;
	const char	*bucket_name;	/* audit target */
	const char	*kind;
	const char	*actor;		/* audit actor */
	int64_t		 now_ms;
};

/* ERR_NOT_FOUND when the bucket has no document of that kind. */
enum err bucket_conf_get(struct db *db, struct arena *a, int64_t bucket,
    const char *kind, const char **ret_doc);
/* Every document of the bucket, in one statement (so one snapshot): at
 * most cap (BUCKET_CONF_KINDS holds them all; more is ERR_CORRUPT). */
#define BUCKET_CONF_KINDS	8
struct bucket_conf_doc {
	const char	*kind;
	const char	*doc;
};
enum err bucket_conf_all(struct db *db, struct arena *a, int64_t bucket,
    struct bucket_conf_doc *ret, size_t cap, size_t *ret_n);
/* Inserts or replaces; audited in the same transaction. */
enum err bucket_conf_put(struct db *db, const struct bucket_conf_change *ch,
    const char *doc);
/* ERR_OK whether or not there was one. */
enum err bucket_conf_delete(struct db *db, const struct bucket_conf_change *ch);

#endif
