/* SPDX-License-Identifier: ISC */
/*
 * inventory.h: bucket inventory configurations (L2, part of worm/; spec
 * oss-api.md §3.5, inventory-report.md).
 *
 * This is the configuration side only: validation, create-only storage,
 * lookup, listing and the Daily/Weekly schedule. Producing a report needs
 * buckets, objects and the store, which worm/ may not touch (same layer), so
 * the report writer lives in daemon/jobs/ and calls in here for the
 * configuration and the schedule.
 *
 * Checks that need other modules (the destination bucket exists and is the
 * caller's; the bucket name is valid) are made by api/ before
 * inventory_create. Thread-safe: each call uses the calling thread's
 * database connection.
 */
#ifndef COFFER_WORM_INVENTORY_H
#define COFFER_WORM_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct db;

#define INVENTORY_ID_MAX		192	/* bytes (EC 0020-00000044) */
#define INVENTORY_PREFIX_MAX		1023	/* filter and destination prefix */
#define INVENTORY_BUCKET_MAX		63
#define INVENTORY_ACCOUNT_MAX		32
#define INVENTORY_ARN_MAX		256
#define INVENTORY_KEY_ID_MAX		255
#define INVENTORY_PER_BUCKET_MAX	1000
#define INVENTORY_LIST_PAGE		100

/* Optional fields, in CSV column order (inventory-report.md §3.1: the
 * documented sequence, then the newer fields in GO2's order). */
enum inventory_field {
	INVENTORY_FIELD_SIZE,
	INVENTORY_FIELD_STORAGE_CLASS,
	INVENTORY_FIELD_LAST_MODIFIED,
	INVENTORY_FIELD_ETAG,
	INVENTORY_FIELD_IS_MULTIPART,
	INVENTORY_FIELD_ENCRYPTION,
	INVENTORY_FIELD_TRANSITION_TIME,
	INVENTORY_FIELD_OBJECT_ACL,
	INVENTORY_FIELD_TAGGING_COUNT,
	INVENTORY_FIELD_OBJECT_TYPE,
	INVENTORY_FIELD_CRC64,
	INVENTORY_FIELD__COUNT
};

enum inventory_sse {
	INVENTORY_SSE_NONE,
	INVENTORY_SSE_OSS,	/* <SSE-OSS/>: report objects AES256 */
	INVENTORY_SSE_KMS,	/* <SSE-KMS><KeyId/>: report objects KMS */
};

enum inventory_frequency {
	INVENTORY_DAILY,
	INVENTORY_WEEKLY,
};

/* Storage classes for the filter, as a bit set (0 = any). */
#define INVENTORY_SC_STANDARD		0x01
#define INVENTORY_SC_IA			0x02
#define INVENTORY_SC_ARCHIVE		0x04
#define INVENTORY_SC_COLD_ARCHIVE	0x08
#define INVENTORY_SC_DEEP_COLD_ARCHIVE	0x10

struct inventory_filter {
	char		prefix[INVENTORY_PREFIX_MAX + 1];
	bool		has_begin, has_end, has_lower, has_upper;
	uint64_t	begin_s, end_s;		/* LastModify*TimeStamp, Unix s */
	uint64_t	lower, upper;		/* {Lower,Upper}SizeBound, bytes */
	char		storage_class[128];	/* as given, e.g. "Standard,IA" */
	unsigned	storage_classes;	/* parsed; 0 = any */
};

/* One configuration (a plain record of about 3 KiB; no owned pointers). */
struct inventory_config {
	int64_t			bucket_id;
	char			id[INVENTORY_ID_MAX + 1];
	bool			enabled;
	char			account_id[INVENTORY_ACCOUNT_MAX + 1];
	char			role_arn[INVENTORY_ARN_MAX + 1];
	char			dest_bucket[INVENTORY_BUCKET_MAX + 1];	/* name */
	char			dest_prefix[INVENTORY_PREFIX_MAX + 1];
	enum inventory_sse	sse;
	char			sse_key_id[INVENTORY_KEY_ID_MAX + 1];
	enum inventory_frequency frequency;
	bool			all_versions;	/* IncludedObjectVersions All */
	uint8_t			fields[INVENTORY_FIELD__COUNT];	/* request order */
	size_t			nfields;
	struct inventory_filter	filter;
	int64_t			created_ms;
	int64_t			last_run_ms;	/* slot of the last run, 0: none */
	int64_t			next_run_ms;
};

/* A configuration named by bucket and id (schedule results). */
struct inventory_ref {
	int64_t	bucket_id;
	char	bucket_name[INVENTORY_BUCKET_MAX + 1];
	char	id[INVENTORY_ID_MAX + 1];
};

/* ---- inventory.c: pure helpers ---- */

/* Wire name ("Size", "LastModifiedDate", ...) of a field. */
const char *inventory_field_name(enum inventory_field f);
/* False for a name outside the allowed set (EC 0020-00000036). */
bool inventory_field_parse(const char *name, enum inventory_field *ret);
/* True when c selects field f. */
bool inventory_has_field(const struct inventory_config *c,
    enum inventory_field f);
/* "acs:oss:::name" -> name (ret holds INVENTORY_BUCKET_MAX + 1 bytes).
 * False when malformed (EC 0020-00000032). The name is not checked further:
 * api/ applies the bucket naming rules and looks it up. */
bool inventory_dest_parse(const char *arn, char *ret);
/* "Standard,IA" -> bits. False for an unknown class or an empty item. */
bool inventory_storage_classes_parse(const char *s, unsigned *ret);
/* The bit of one storage class name, 0 when unknown. */
unsigned inventory_storage_class_bit(const char *sc);

/* Checks everything that needs no other module: id (1..192 bytes of
 * UTF-8), role ARN, account id, prefixes (<= 1023 bytes of UTF-8), KMS key
 * id, field list (allowed names, no duplicates), filter bounds (begin <= end,
 * lower <= upper). ERR_INVENTORY_NO_ID for an empty id, else
 * ERR_INVENTORY_INVALID. */
enum err inventory_config_validate(const struct inventory_config *c);

/* Schedule (inventory-report.md §4): reports run at 16:00 UTC (midnight
 * UTC+8, when OSS batches them), daily, or weekly on the weekday of the
 * first such instant after the configuration was created. The first report
 * is the first slot after creation.
 * inventory_slot: the latest slot <= now_ms, or 0 when none has come yet.
 * inventory_next_slot: the first slot > now_ms. */
int64_t inventory_slot(const struct inventory_config *c, int64_t now_ms);
int64_t inventory_next_slot(const struct inventory_config *c, int64_t now_ms);

/* ---- inventory.c: storage ---- */

/* Creates c (validated again; created_ms and the schedule are set from
 * now_ms) with an audit row. ERR_INVENTORY_EXISTS (409, create-only),
 * ERR_INVENTORY_LIMIT (over 1000), validation errors as above. */
enum err inventory_create(struct db *db, const struct inventory_config *c,
    int64_t now_ms, const char *actor, const char *bucket_name);
/* ERR_NO_SUCH_INVENTORY when absent. */
enum err inventory_get(struct db *db, int64_t bucket_id, const char *id,
    struct inventory_config *ret);
/* Deletes with an audit row; ERR_NO_SUCH_INVENTORY when absent. */
enum err inventory_delete(struct db *db, int64_t bucket_id, const char *id,
    int64_t now_ms, const char *actor, const char *bucket_name);
/* Configurations of the bucket with id > after (NULL: from the start), in
 * byte order of id, at most max; fn is called for each. *ret_truncated tells
 * whether more follow. */
enum err inventory_list(struct db *db, int64_t bucket_id, const char *after,
    unsigned max, void (*fn)(void *ctx, const struct inventory_config *c),
    void *ctx, bool *ret_truncated);
/* Up to max enabled configurations whose next slot is <= now_ms. */
enum err inventory_due(struct db *db, int64_t now_ms,
    struct inventory_ref *out, size_t max, size_t *ret_n);
/* Claims the run of c for the slot due at now_ms (compare-and-set on the
 * stored last run, so two schedulers, restarts or clock jumps run each slot
 * at most once, and a jump over several slots runs one report).
 * ERR_CONFLICT when another run claimed it first or nothing is due. */
enum err inventory_claim(struct db *db, const struct inventory_config *c,
    int64_t now_ms);
/* Records a report run in the audit table (action "inventory.run", target
 * "bucket/id", result "ok" or the error's OSS code, detail e.g. the
 * manifest key). Best effort: returns the database error but callers may
 * ignore it. */
enum err inventory_audit_run(struct db *db, int64_t now_ms, const char *actor,
    const char *bucket_name, const char *id, enum err result,
    const char *detail);

/* Deletes every configuration of the bucket. For DeleteBucket, in its
 * transaction, before the bucket row goes (the rows reference it). */
enum err inventory_bucket_dropped(struct db *db, int64_t bucket_id);

#endif
