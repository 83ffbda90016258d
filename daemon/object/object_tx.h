/* SPDX-License-Identifier: ISC */
/*
 * object_tx.h: the one way an object change commits, and the only place
 * the retention guard runs.
 *
 * object_tx_begin() opens the BEGIN IMMEDIATE transaction, loads the object
 * currently at the key and, when the change is guarded (the OSS routes
 * flagged R_MUTATES_OBJECT, and every write the daemon makes itself), runs
 * the retention guard against it: one call that reads the bucket's policy
 * row, verifies its MAC and decides. The caller then applies its change
 * with the bucket/ calls and object_tx_commit(). Because the guard runs
 * inside the transaction that commits the change, no concurrent request can
 * slip a protected object past it, and a policy row edited outside cofferd
 * refuses the change instead of reading as "no policy".
 *
 * In a versioned bucket the version the guard asks about is the one the
 * change removes or rewrites, which is not always the current one: a new
 * version or a delete marker in an Enabled bucket removes nothing; in a
 * Suspended bucket they replace the null version; a change naming a
 * version (version_id) touches that one; a change in place (in_place:
 * metadata, appends) touches the current one.
 */
#ifndef COFFER_OBJECT_OBJECT_TX_H
#define COFFER_OBJECT_OBJECT_TX_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api_int.h"
#include "bucket/bucket.h"

struct arena;

struct object_tx {
	/* what the change is (object_tx_init) */
	struct api	*api;
	struct arena	*a;
	int64_t		 bucket_id;
	const char	*bucket_name;	/* for the tamper alert */
	bool		 guard;		/* run the retention guard */
	int64_t		 now_ms;	/* business time of the change */
	enum bucket_versioning versioning;	/* of the bucket (default: none) */
	const char	*version_id;	/* the change names this version */
	bool		 in_place;	/* it rewrites the current version */
	/* The bucket owner sent x-oss-bypass-governance-retention: true:
	 * a GOVERNANCE retention does not stop this change (a COMPLIANCE
	 * one or a legal hold still does). */
	bool		 bypass_governance;
	/* where it stands */
	bool		 open;
	bool		 exists;	/* an object is at the key */
	struct object	 cur;		/* it, when exists */
	bool		 has_target;	/* the change removes or rewrites */
	struct object	 target;	/* this version (may be cur) */
};

void object_tx_init(struct object_tx *tx, struct api *api, struct arena *a,
    int64_t bucket_id, const char *bucket_name, bool guard, int64_t now_ms);
/* ERR_FILE_IMMUTABLE (retention), ERR_CORRUPT (tampered policy),
 * ERR_NO_SUCH_VERSION (version_id names none) or database errors; on error
 * no transaction is left open. key NULL: open only, for object_tx_load(). */
enum err object_tx_begin(struct object_tx *tx, const char *key);
/* Inside an open transaction: loads (and guards) the object at key, for a
 * request that changes several (DeleteMultipleObjects). On error the
 * transaction stays open; object_tx_end() rolls it back. */
enum err object_tx_load(struct object_tx *tx, const char *key);
/* Commits; on failure the transaction is rolled back. */
enum err object_tx_commit(struct object_tx *tx);
/* Rolls back if still open; safe after commit. */
void object_tx_end(struct object_tx *tx);
/* Before a body is read: the refusals object_tx_begin() would give now,
 * read without a transaction (the decision that counts is taken again at
 * commit). tx->exists / tx->cur are set even when the guard refuses
 * (callers may rank another refusal first). */
enum err object_tx_peek(struct object_tx *tx, const char *key);

#endif
