/* SPDX-License-Identifier: ISC */
/*
 * seal.h: tamper evidence for the rows a retention decision reads
 * (schema/0009_seal.sql explains the tables and triggers).
 *
 * The database gets a 32-byte key derived from the root key (kms_open()
 * hands it over) and registers on every connection the SQL functions the
 * schema and the *_db.c files use:
 *   coffer_mac(domain, v...)          keyed BLAKE2b-256 over a canonical,
 *                                     typed, length-prefixed encoding
 *   coffer_mac_ok(mac, domain, v...)  1 when mac is that, in constant time
 *   coffer_acc(acc, mac, +1|-1)       acc +/- H(mac) mod 2^256 (set hash)
 *   coffer_sum(mac)                   aggregate: sum of H(mac)
 * Without the key coffer_mac and coffer_acc fail, so nothing can write a
 * sealed table unsealed, and coffer_mac_ok answers 0.
 *
 * The anchor file (next to meta.db) holds the seal sequence number of the
 * last commit that touched a retention policy or an object under one;
 * db_tx_commit() advances it, after the commit is durable and before the
 * caller answers, for transactions that called db_seal_anchor_on_commit().
 * A database whose seal is behind its anchor was put back from an older
 * copy.
 */
#ifndef COFFER_DB_SEAL_H
#define COFFER_DB_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"

struct db;

#define DB_SEAL_KEY_BYTES	32
#define DB_SEAL_ACC_BYTES	32
#define DB_SEAL_MAC_BYTES	32

/*
 * A row's MAC computed in C (seal_mac.c), over the values it covers in
 * order. A value's type is part of what is hashed, coded as SQLite codes
 * its storage classes, so coffer_mac over the stored row gives the same
 * bytes: bind an integer column as SEAL_I, text as SEAL_T, bytes as
 * SEAL_B, and NULL as SEAL_NUL.
 */
enum seal_vt { SEAL_INT = 1, SEAL_TEXT = 3, SEAL_BLOB = 4, SEAL_NULL = 5 };
struct seal_v {
	enum seal_vt	 t;
	int64_t		 i;
	const void	*p;
	size_t		 n;
};
#define SEAL_I(x)	((struct seal_v){ .t = SEAL_INT, .i = (x) })
#define SEAL_T(s)	((struct seal_v){ .t = SEAL_TEXT, .p = (s), \
			    .n = strlen(s) })
#define SEAL_TN(s, len)	((struct seal_v){ .t = SEAL_TEXT, .p = (s), \
			    .n = (len) })
#define SEAL_B(b, len)	((struct seal_v){ .t = SEAL_BLOB, .p = (b), \
			    .n = (len) })
#define SEAL_NUL	((struct seal_v){ .t = SEAL_NULL })
#define SEAL_N(a)	(sizeof(a) / sizeof((a)[0]))

/* out = the MAC of domain over v[0..n). ERR_INTERNAL without the key. */
enum err db_seal_mac(struct db *db, const char *domain,
    const struct seal_v *v, size_t n, uint8_t out[static DB_SEAL_MAC_BYTES]);
/* Whether mac (len bytes) is that MAC, compared in constant time; false
 * without the key. */
bool db_seal_mac_ok(struct db *db, const void *mac, size_t len,
    const char *domain, const struct seal_v *v, size_t n);

/* Copies key into locked memory; every connection, present and future,
 * seals with it from then on. */
enum err db_seal_key_set(struct db *db, const uint8_t key[static DB_SEAL_KEY_BYTES]);
bool db_seal_has_key(struct db *db);

struct db_seal {
	bool	sealed;		/* false until the first start with the key */
	int64_t	seq;
	int64_t	objects_n;
	uint8_t	objects_acc[DB_SEAL_ACC_BYTES];
	int64_t	policies_seq;
	int64_t	policies_n;
	uint8_t	policies_acc[DB_SEAL_ACC_BYTES];
	int64_t	objworm_n;			/* ObjectWorm configurations */
	uint8_t	objworm_acc[DB_SEAL_ACC_BYTES];
};
/* A sealed table recomputed from its rows (each module's *_db.c). */
struct db_seal_totals {
	int64_t	n;				/* rows */
	uint8_t	acc[DB_SEAL_ACC_BYTES];		/* their set hash */
	int64_t	bad;				/* rows whose MAC fails */
};

/*
 * A sealed table recomputed: its rows counted, their set hash summed and
 * their MACs checked in C, a page at a time (the database holds no key to
 * do it with). page_sql takes ?1 = the last key seen (-1 at
 * first) and ?2 = a page size and returns rows in the order of an integer
 * key, column key_col, with each row's MAC in column mac_col; ok says
 * whether the current row's MAC holds.
 */
struct db_st;
typedef bool db_seal_row_ok_fn(struct db *db, struct db_st *st);
enum err db_seal_totals_walk(struct db *db, const char *page_sql,
    int key_col, int mac_col, db_seal_row_ok_fn *ok,
    struct db_seal_totals *ret);

/* Reads the seal row. ERR_CORRUPT when it is sealed and its MAC fails. */
enum err db_seal_read(struct db *db, struct db_seal *ret);
/* In a transaction: marks the seal as covering every row (first start). */
enum err db_seal_mark_sealed(struct db *db);
bool db_seal_acc_equal(const uint8_t a[static DB_SEAL_ACC_BYTES],
    const uint8_t b[static DB_SEAL_ACC_BYTES]);

/* ---- the anchor ---- */

/* Opens (creating) the anchor file. *ret_seq is the sequence it holds, -1
 * for a new file. ERR_CORRUPT when its MAC fails. */
enum err db_seal_anchor_open(struct db *db, const char *path,
    int64_t *ret_seq);
/* Rewrites the anchor to seq, durably (start-up, an operator's
 * acknowledgement). */
enum err db_seal_anchor_write(struct db *db, int64_t seq);
/* Root-key rotation: before its commit, the anchor at seq under the new
 * key goes to "<path>.next"; after the commit, _finish moves it over the
 * anchor. db_seal_anchor_open takes ".next" when the anchor fails and
 * ".next" opens (a crash between the two), and drops it otherwise. */
enum err db_seal_anchor_stage(struct db *db, const char *path, int64_t seq);
enum err db_seal_anchor_finish(struct db *db, const char *path);
/* In a transaction, after every sealed row was MACed again under a new
 * key: counts and set hashes from the tables as they now are, and the
 * sequence moved on. *ret_seq: the seal's new sequence. */
enum err db_seal_recount(struct db *db, const struct db_seal_totals *objects,
    const struct db_seal_totals *policies, const struct db_seal_totals *objworm,
    int64_t *ret_seq);
/* Re-reads the anchor file (another process may have rewritten it). */
enum err db_seal_anchor_reread(struct db *db, int64_t *ret_seq);
/* In a transaction: its commit must advance the anchor. */
void db_seal_anchor_on_commit(struct db *db);

/* ---- what start-up found ---- */

enum db_seal_fault {
	DB_SEAL_OK,
	DB_SEAL_ROLLBACK,	/* the seal is behind the anchor */
	DB_SEAL_TAMPERED,	/* a MAC or a set hash does not match */
};
void db_seal_fault_set(struct db *db, enum db_seal_fault f);
/* The fault in force. A rollback clears itself once the anchor file was
 * rewritten to the database's sequence (coffer worm acknowledge-rollback);
 * tampering stays until the next start finds the tables whole. */
enum db_seal_fault db_seal_fault(struct db *db);
const char *db_seal_fault_name(enum db_seal_fault f);

#endif
