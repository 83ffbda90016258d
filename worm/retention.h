/* SPDX-License-Identifier: ISC */
/*
 * retention.h: object-level retention (ObjectWorm; spec oss-api.md §3.4,
 * oss-api-2.md §1.10).
 *
 * A bucket with versioning Enabled may enable ObjectWorm, for good: from
 * then on each version can carry its own retention (a mode and a date)
 * and a legal hold, and versions written afterwards get the bucket's
 * default retention, if the configuration has a rule. A version under a
 * legal hold, or under a retention whose date is ahead, cannot be removed
 * or rewritten; GOVERNANCE yields to its owner's explicit bypass,
 * COMPLIANCE to nothing. The decision is the one guard of worm.h
 * (worm_object_guard); the pure rules are in retention.c, the
 * configuration operations in object_worm.c, its SQL in object_worm_db.c.
 *
 * Tamper evidence as for bucket policies: configuration rows are sealed
 * (schema/0013_object_worm.sql) and checked against the seal before any
 * decision; the retention columns of a version are under its row's MAC.
 */
#ifndef COFFER_WORM_RETENTION_H
#define COFFER_WORM_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "worm/worm.h"

#define RETENTION_DAYS_MAX	36500	/* DECIDE: 100 years; no page gives a bound */
#define RETENTION_YEARS_MAX	100
#define RETENTION_YEAR_DAYS	365	/* DECIDE: a year of the rule is 365 days */

/* A bucket's ObjectWorm configuration. */
struct object_worm_config {
	int64_t			bucket_id;
	bool			enabled;	/* false: never enabled */
	enum retention_mode	mode;		/* default retention; NONE: no rule */
	uint32_t		days;		/* exactly one of days, years */
	uint32_t		years;		/* when mode is not NONE */
	int64_t			created_ms;
	int64_t			updated_ms;
	bool			sealed;		/* its MAC verified when read */
};

/* ---- retention.c: pure, no I/O ---- */

/* "", "GOVERNANCE", "COMPLIANCE" (wire and column values). */
const char *retention_mode_name(enum retention_mode m);
/* False for anything but the three names above. */
bool retention_mode_parse(const char *s, enum retention_mode *ret);

/* Fills o's retention from a version's columns (mode "", COMPLIANCE or
 * GOVERNANCE). A mode cofferd never writes reads as COMPLIANCE, the
 * strictest: whether the row is believed at all is its MAC's business. */
void retention_from_row(const char *mode, int64_t until_ms, bool legal_hold,
    struct worm_object *o);

/* The default retention period of c in milliseconds, 0 for none. */
int64_t retention_default_ms(const struct object_worm_config *c);

/* Whether the version's own retention forbids removing or rewriting it at
 * now_ms: a legal hold always; COMPLIANCE while now < until; GOVERNANCE
 * while now < until unless o->bypass_governance. At the date itself the
 * version is free, as for bucket policies. */
bool retention_protects(const struct worm_object *o, int64_t now_ms);

/* PutObjectRetention: may cur's retention become (mode, until_ms) at
 * now_ms? mode NONE with until 0 asks to remove it. Refusals:
 *   ERR_RETENTION_DATE_PAST     a date not after now_ms
 *   ERR_RETENTION_NOT_EXTENDED  a COMPLIANCE retention still in force
 *                               made earlier, weaker or removed; a
 *                               GOVERNANCE one made earlier or removed
 *                               without cur->bypass_governance
 * A retention whose date has passed no longer binds. */
enum err retention_change_allowed(const struct worm_object *cur,
    enum retention_mode mode, int64_t until_ms, int64_t now_ms);

/* ---- object_worm.c: operations (worm_op of worm.h for the context) ---- */

/* PutBucketObjectWormConfiguration in one transaction: the seal checked,
 * op->precondition asked (versioning Enabled: the caller's module), no
 * effective bucket policy (ERR_OBJECT_WORM_BUCKET_WORM), then the row
 * written (new, or its rule replaced) with an audit row. want->enabled
 * false is ERR_OBJECT_WORM_DISABLE. */
enum err object_worm_put(const struct worm_op *op,
    const struct object_worm_config *want);
/* The configuration; ERR_NO_SUCH_OBJECT_WORM when never enabled,
 * ERR_CORRUPT when the rows do not match the seal. */
enum err object_worm_get(struct db *db, int64_t bucket_id,
    const char *bucket_name, struct object_worm_config *ret);
/* Inside the caller's transaction: the seal checked, then ERR_OK when
 * ObjectWorm is enabled on the bucket, ERR_OBJECT_WORM_DISABLED when
 * not. Marks the transaction as moving the seal's anchor and raises the
 * clock's mark to now_ms (the backstop triggers' "now"). For changes of
 * a version's retention or legal hold. */
enum err object_worm_require(struct db *db, int64_t bucket_id,
    const char *bucket_name, int64_t now_ms);
/* ERR_OK when the bucket never enabled ObjectWorm, else `refusal`
 * (ERR_CORRUPT when the rows do not match the seal). In the caller's
 * transaction, for InitiateBucketWorm, PutBucketVersioning Suspended and
 * AppendObject. */
enum err object_worm_absent(struct db *db, int64_t bucket_id,
    const char *bucket_name, enum err refusal);
/* In DeleteBucket's transaction, before the bucket row goes. */
enum err object_worm_bucket_dropped(struct db *db, int64_t bucket_id);

/* ---- the seal over configuration rows (object_worm_db.c) ---- */

enum err object_worm_seal_totals(struct db *db, struct db_seal_totals *ret);
/* In a transaction: MACs every row (first start with a key). */
enum err object_worm_seal_all(struct db *db);

#endif
