/* SPDX-License-Identifier: ISC */
/*
 * test_seal.h: gives a unit test's database what kms_open() and the
 * daemon's first start give a real one: its seal key, and a seal row that
 * covers the tables (db/seal.h). Without it nothing can write an object,
 * a WORM policy or the clock.
 */
#ifndef COFFER_TEST_SEAL_H
#define COFFER_TEST_SEAL_H

#include <string.h>

#include "db/db.h"
#include "db/seal.h"

static inline int
test_db_seal(struct db *db)
{
	uint8_t key[DB_SEAL_KEY_BYTES];

	memset(key, 0x5a, sizeof(key));
	if (db_seal_key_set(db, key) != ERR_OK || db_tx_begin(db) != ERR_OK)
		return -1;
	if (db_seal_mark_sealed(db) != ERR_OK) {
		db_tx_rollback(db);
		return -1;
	}
	return db_tx_commit(db) == ERR_OK ? 0 : -1;
}

#endif
