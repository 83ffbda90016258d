/* SPDX-License-Identifier: ISC */
/*
 * state_version.h: the change counters of schema/0021_state_version.sql.
 *
 * Triggers move them in the transaction of every change a cache could
 * hold, whichever process writes. A cache reads them before a lookup and
 * serves only what it filled under the same values; a filler reads them
 * before the rows it caches, so a change committed in between leaves the
 * entry tagged with the older value and it is never served.
 */
#ifndef COFFER_DB_STATE_VERSION_H
#define COFFER_DB_STATE_VERSION_H

#include <stdint.h>

#include "base/err.h"

struct db;

struct db_state_version {
	int64_t	auth;	/* accounts, access keys */
	int64_t	kms;	/* CMKs, their versions, the root key */
	/* The root key's generation (0: none yet), in the same read: a node
	 * another one rotated past answers 503 rather than fail to open
	 * what the new key sealed (kms_root_current). */
	int64_t	root_gen;
};

/* ERR_NOT_FOUND on a database older than schema 0021: cache nothing. */
enum err db_state_version(struct db *db, struct db_state_version *ret);

#endif
