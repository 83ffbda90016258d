/* SPDX-License-Identifier: ISC */
/*
 * test_audit_mac.h: a stand-in for the audit chain's keyed hash, for unit
 * tests of modules that write audit rows without opening kms/ (which
 * installs the real one). Appends are refused without any (db.h).
 */
#ifndef COFFER_TEST_AUDIT_MAC_H
#define COFFER_TEST_AUDIT_MAC_H

#include <stdint.h>

#include "db/db.h"

/* FNV-1a spread over 32 bytes: deterministic, not a MAC. */
static inline void
test_audit_toy_mac(void *ctx, uint8_t out[DB_AUDIT_HASH_BYTES],
    const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ULL;

	(void)ctx;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	for (int i = 0; i < DB_AUDIT_HASH_BYTES; i++) {
		h = (h ^ (uint64_t)i) * 1099511628211ULL;
		out[i] = (uint8_t)(h >> 56);
	}
}

static inline int
test_audit_mac_install(struct db *db)
{
	return db_audit_set_mac(db, test_audit_toy_mac, NULL) == ERR_OK ?
	    0 : -1;
}

#endif
