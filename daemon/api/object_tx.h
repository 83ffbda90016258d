/* SPDX-License-Identifier: ISC */
/*
 * object_tx.h: the one way an object-changing handler commits.
 *
 * object_tx_begin() opens the BEGIN IMMEDIATE transaction, loads the object
 * currently at the key, and runs the route-driven guards against it (the
 * retention guard for R_MUTATES_OBJECT routes). Handlers then apply their
 * change with the bucket/ calls and object_tx_commit(). Because the guards
 * run inside the transaction that commits the change, no concurrent request
 * can slip a protected object past them.
 */
#ifndef COFFER_API_OBJECT_TX_H
#define COFFER_API_OBJECT_TX_H

#include <stdbool.h>

#include "api/api_int.h"

struct object_tx {
	struct call	*c;
	bool		 open;
	bool		 exists;	/* an object is at the key */
	struct object	 cur;		/* it, when exists */
};

/* ERR_FILE_IMMUTABLE (retention) or database errors; on error no
 * transaction is left open. */
enum err object_tx_begin(struct call *c, int64_t bucket_id, const char *key,
    struct object_tx *tx);
/* Commits; on failure the transaction is rolled back. */
enum err object_tx_commit(struct object_tx *tx);
/* Rolls back if still open; safe after commit. */
void object_tx_end(struct object_tx *tx);

/* The retention guard on its own, for checks before a body is read: may
 * the object `cur` of bucket_id be changed now? */
enum err object_guard(struct call *c, int64_t bucket_id,
    const struct object *cur);

#endif
