/* SPDX-License-Identifier: ISC */
/*
 * worm.h: bucket retention (WORM) policies (L2; spec oss-api.md §3.4,
 * reliability.md §1).
 *
 * A bucket has at most one policy. InitiateBucketWorm creates it InProgress;
 * it already protects objects, and unless CompleteBucketWorm locks it within
 * 24 hours it expires and is treated as absent. A Locked policy can only be
 * lengthened (ExtendBucketWorm) and never removed while the bucket exists.
 * An object is protected while object mtime + days > now.
 *
 * The rules live in a pure transition table (worm_state.c); the operations
 * below run each transition as one BEGIN IMMEDIATE transaction with a
 * compare-and-set write and an audit row (worm.c, SQL in worm_db.c). States
 * that depend on time (an expired InProgress policy, the end of an object's
 * retention) are derived from stored timestamps and the caller's now_ms.
 *
 * Time: every now_ms passed here must be business time from the daemon's
 * clock (base/clock.h via db/clock_db.c), which is max(stored high-water
 * mark, wall clock [+ test offset]) and so never moves backwards: a wall
 * clock set back, even across a restart, cannot shorten a retention period.
 *
 * Tamper evidence (schema/0009_seal.sql, db/seal.h): policy rows carry a
 * MAC under a root-key subkey and the seal row keeps the count and set hash
 * of all of them. Before any decision worm/ checks that the table is the
 * one the seal describes, so a deleted, edited, swapped or replayed policy
 * row is ERR_CORRUPT (refuse, never guess), logged as an ALERT; so is an
 * object row whose MAC fails under an effective policy (its mtime cannot
 * be trusted), and so is a database the start-up check found rolled back
 * or tampered with (db_seal_fault).
 *
 * Thread-safety: all functions are safe to call from any thread; each uses
 * the calling thread's database connection.
 */
#ifndef COFFER_WORM_WORM_H
#define COFFER_WORM_WORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "db/seal.h"

struct db;

#define WORM_ID_BYTES		33	/* 32 upper-case hex digits + NUL */
#define WORM_DAYS_MIN		1
#define WORM_DAYS_MAX		25550	/* 70 years (ossutil, ExtendBucketWorm doc) */
#define WORM_DAY_MS		(24LL * 3600 * 1000)
#define WORM_IN_PROGRESS_MS	WORM_DAY_MS	/* unlocked policies last 24 h */

/* Effective states. NONE and EXPIRED are never stored as such: NONE is the
 * absence of a row, EXPIRED an InProgress row older than 24 hours. */
enum worm_state {
	WORM_STATE_NONE,
	WORM_STATE_IN_PROGRESS,
	WORM_STATE_LOCKED,
	WORM_STATE_EXPIRED,
	WORM_STATE__COUNT
};

enum worm_action {
	WORM_ACTION_INITIATE,
	WORM_ACTION_ABORT,
	WORM_ACTION_COMPLETE,
	WORM_ACTION_EXTEND,
	WORM_ACTION_GET,
	WORM_ACTION__COUNT
};

/* A policy row (a plain record; copy freely). */
struct worm_policy {
	int64_t		bucket_id;
	char		worm_id[WORM_ID_BYTES];
	enum worm_state	state;		/* as stored: IN_PROGRESS or LOCKED */
	uint32_t	days;
	int64_t		created_ms;
	int64_t		updated_ms;
	bool		sealed;		/* its MAC verified when read */
};

/* Object-level retention of one version (ObjectWorm; worm/retention.h).
 * Ordered by strength: COMPLIANCE can never be weakened. */
enum retention_mode {
	RETENTION_NONE,
	RETENTION_GOVERNANCE,
	RETENTION_COMPLIANCE,
};

/* What the guard needs of the version a change removes or rewrites. */
struct worm_object {
	int64_t		mtime_ms;
	bool		sealed;		/* its row's MAC verified */
	/* its own retention (covered by the row's MAC) */
	enum retention_mode retain_mode;
	int64_t		retain_until_ms;
	bool		legal_hold;
	/* The request carries x-oss-bypass-governance-retention: true and
	 * comes from the bucket owner (set by the caller, never by a row). */
	bool		bypass_governance;
};

/* What a transition is asked to do. */
struct worm_event {
	enum worm_action action;
	const char	*worm_id;	/* COMPLETE, EXTEND; NULL otherwise */
	uint64_t	 days;		/* INITIATE, EXTEND, as the client sent it */
};

/* ---- worm_state.c: pure, no I/O ---- */

/* "InProgress", "Locked" (wire names); "None"/"Expired" for the derived
 * states (logs and tests only). */
const char *worm_state_name(enum worm_state s);
const char *worm_action_name(enum worm_action a);

/* The effective state of p at now_ms; p NULL means no policy row. */
enum worm_state worm_state_effective(const struct worm_policy *p,
    int64_t now_ms);

/* Applies ev to the policy cur (NULL: none) at now_ms. On ERR_OK, *ret_to is
 * the state after the transition (GET and an idempotent COMPLETE leave it
 * unchanged). Refusals, in the order they are checked:
 *   ERR_NO_SUCH_WORM     ABORT/GET without an effective policy
 *   ERR_NO_SUCH_WORM_ID  COMPLETE/EXTEND without an effective policy or with
 *                        another wormId (unknown, aborted, replaced)
 *   ERR_WORM_EXISTS      INITIATE while a policy is InProgress or Locked
 *   ERR_WORM_LOCKED      ABORT of a Locked policy
 *   ERR_INVALID_WORM     days outside 1..25550 (INITIATE, EXTEND), EXTEND of
 *                        a policy that is not Locked, EXTEND that does not
 *                        lengthen the period
 * *ret_to is untouched on failure. */
enum err worm_state_apply(const struct worm_policy *cur, int64_t now_ms,
    const struct worm_event *ev, enum worm_state *ret_to);

/* True when p (which may be NULL) protects an object last modified at
 * mtime_ms: the policy is InProgress (not expired) or Locked and
 * mtime_ms + days * 24 h > now_ms. One millisecond before the end the object
 * is protected; at the end it is not. */
bool worm_protects(const struct worm_policy *p, int64_t mtime_ms,
    int64_t now_ms);

/* ---- worm.c: operations ---- */

/* The context of one operation. bucket_name is the audit target, actor
 * the audit actor (account id, "cli" or "daemon"); now_ms is business
 * time. */
struct worm_op {
	struct db			*db;
	int64_t				 bucket_id;
	const char			*bucket_name;
	const char			*actor;
	int64_t				 now_ms;
	/* Optional: a refusal that depends on another module's state (the
	 * bucket's versioning), asked inside the transaction before the
	 * transition so that no concurrent change slips between. */
	enum err			(*precondition)(void *ctx, struct db *db);
	void				*pre_ctx;
};

/* Each of these runs one transaction: check the policies against the seal
 * (ERR_CORRUPT on any mismatch), read the row, apply the transition table,
 * write with compare-and-set (ERR_CONFLICT if the row changed meanwhile,
 * which BEGIN IMMEDIATE makes impossible in practice), append an audit row
 * and commit. A refusal is returned as listed for worm_state_apply and also
 * recorded in the audit table (best effort, in its own transaction).
 * Database failures: ERR_IO, ERR_DB_BUSY, ERR_NOMEM. */

/* New InProgress policy with a fresh random wormId; replaces an expired one.
 * *ret (may be NULL) receives the new row. */
enum err worm_initiate(const struct worm_op *op, uint64_t days,
    struct worm_policy *ret);
/* Deletes an InProgress policy. */
enum err worm_abort(const struct worm_op *op);
/* Locks the InProgress policy worm_id; locking a Locked one is a no-op. */
enum err worm_complete(const struct worm_op *op, const char *worm_id);
/* Lengthens the Locked policy worm_id to days. */
enum err worm_extend(const struct worm_op *op, const char *worm_id,
    uint64_t days);
/* The effective policy (no transaction, no audit). ERR_NO_SUCH_WORM when
 * there is none or it expired; ERR_CORRUPT when the policies do not match
 * the seal. */
enum err worm_get(const struct worm_op *op, struct worm_policy *ret);

/* ---- the seal over policy rows (worm_db.c) ---- */

/* Recomputes count, set hash and failing MACs over the whole table. */
enum err worm_seal_totals(struct db *db, struct db_seal_totals *ret);
/* In a transaction: MACs every policy row (first start with a key). */
enum err worm_seal_all(struct db *db);

/* ---- enforcement, called by api/ inside the caller's transaction ---- */

/* The one retention guard. Checks the policies and ObjectWorm
 * configurations against the seal, reads the bucket's policy and
 * configuration and decides: ERR_CORRUPT when anything it reads was
 * edited outside cofferd (refuse, never guess; logged as an ALERT naming
 * bucket_name), ERR_FILE_IMMUTABLE when the policy (InProgress and not
 * expired, or Locked) protects obj or its own retention does
 * (retention_protects), else ERR_OK. obj NULL: no object at the
 * key yet. Must run inside the BEGIN IMMEDIATE transaction that commits the
 * mutation, so a concurrent Initiate cannot slip between check and write;
 * under an effective policy it marks that transaction as moving the seal's
 * anchor. now_ms: business time, which never goes backwards
 * (db/clock_db.c). */
enum err worm_object_guard(struct db *db, int64_t bucket_id,
    const char *bucket_name, const struct worm_object *obj, int64_t now_ms);
/* ERR_FILE_IMMUTABLE when any object of the bucket is still protected,
 * ERR_CORRUPT as above, else ERR_OK. For DeleteBucket, in its
 * transaction. */
enum err worm_bucket_deletable(struct db *db, int64_t bucket_id,
    const char *bucket_name, int64_t now_ms);
/* Deletes the bucket's policy, with an audit row, and its ObjectWorm
 * configuration. For DeleteBucket of an empty bucket, in its transaction,
 * before the bucket row goes (the rows reference it). */
enum err worm_bucket_dropped(struct db *db, int64_t bucket_id);

#endif
