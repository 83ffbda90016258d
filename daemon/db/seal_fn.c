/* SPDX-License-Identifier: ISC */
/*
 * seal_fn.c: the SQL functions of the seal (seal.h): coffer_mac,
 * coffer_mac_ok, coffer_acc, coffer_sum.
 *
 * The set hash is the sum mod 2^256 of a keyed hash of each row's MAC
 * rather than of the MAC itself: an attacker who can read the database
 * sees every MAC, but without the key cannot compute what a row adds, so
 * cannot pick a set of old genuine rows that sums to the current value.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <string.h>

#include "db/db_int.h"
#include "db/seal.h"

/* ---- the SQL functions ---- */

/* One value in a form no other sequence of values shares: type, length,
 * bytes (integers big-endian), as seal_mac.c computes it in C. */
static void
absorb(crypto_generichash_state *h, sqlite3_value *v)
{
	int t = sqlite3_value_type(v);

	switch (t) {
	case SQLITE_INTEGER:
		seal_absorb_i64(h, sqlite3_value_int64(v));
		break;
	case SQLITE_TEXT:
		seal_absorb(h, t, sqlite3_value_text(v),
		    (size_t)sqlite3_value_bytes(v));
		break;
	case SQLITE_BLOB:
		seal_absorb(h, t, sqlite3_value_blob(v),
		    (size_t)sqlite3_value_bytes(v));
		break;
	case SQLITE_FLOAT: {
		/* Never stored in sealed columns (STRICT tables); hashed
		 * by its bits so it still differs from everything else. */
		double d = sqlite3_value_double(v);
		uint8_t n8[8];

		memcpy(n8, &d, 8);
		seal_absorb(h, t, n8, sizeof(n8));
		break;
	}
	default:	/* NULL */
		seal_absorb(h, t, NULL, 0);
		break;
	}
}

static void
mac_of(const struct seal_state *s, int argc, sqlite3_value **argv,
    uint8_t out[static 32])
{
	crypto_generichash_state h;
	static const uint8_t tag = 'M';

	crypto_generichash_init(&h, s->key, DB_SEAL_KEY_BYTES, 32);
	crypto_generichash_update(&h, &tag, 1);
	for (int i = 0; i < argc; i++)
		absorb(&h, argv[i]);
	crypto_generichash_final(&h, out, 32);
	sodium_memzero(&h, sizeof(h));
}

static const char NO_KEY[] =
    "coffer: sealed rows can only be written by cofferd or the coffer CLI"
    " with the root key";

static void
fn_mac(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const struct seal_state *s = sqlite3_user_data(cx);
	uint8_t mac[32];

	if (s->key == NULL) {
		sqlite3_result_error(cx, NO_KEY, -1);
		return;
	}
	mac_of(s, argc, argv, mac);
	sqlite3_result_blob(cx, mac, sizeof(mac), SQLITE_TRANSIENT);
}

static void
fn_mac_ok(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const struct seal_state *s = sqlite3_user_data(cx);
	uint8_t want[32];
	int ok = 0;

	if (s->key != NULL && argc >= 2 &&
	    sqlite3_value_type(argv[0]) == SQLITE_BLOB &&
	    sqlite3_value_bytes(argv[0]) == 32) {
		mac_of(s, argc - 1, argv + 1, want);
		ok = crypto_verify_32(want, sqlite3_value_blob(argv[0])) == 0;
	}
	sqlite3_result_int(cx, ok);
}

/* acc from a column: NULL (an empty set) or exactly 32 bytes. */
static bool
acc_load(sqlite3_value *v, uint8_t acc[static DB_SEAL_ACC_BYTES])
{
	memset(acc, 0, DB_SEAL_ACC_BYTES);
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return true;
	if (sqlite3_value_type(v) != SQLITE_BLOB ||
	    sqlite3_value_bytes(v) != DB_SEAL_ACC_BYTES)
		return false;
	memcpy(acc, sqlite3_value_blob(v), DB_SEAL_ACC_BYTES);
	return true;
}

static void
fn_acc(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const struct seal_state *s = sqlite3_user_data(cx);
	uint8_t acc[DB_SEAL_ACC_BYTES], item[DB_SEAL_ACC_BYTES];

	(void)argc;
	if (s->key == NULL) {
		sqlite3_result_error(cx, NO_KEY, -1);
		return;
	}
	if (!acc_load(argv[0], acc)) {
		sqlite3_result_error(cx, "coffer: malformed set hash", -1);
		return;
	}
	/* A row without a MAC (sealed at the first start) adds nothing. */
	if (sqlite3_value_type(argv[1]) == SQLITE_BLOB) {
		seal_item(s, sqlite3_value_blob(argv[1]),
		    (size_t)sqlite3_value_bytes(argv[1]), item);
		if (sqlite3_value_int(argv[2]) >= 0)
			sodium_add(acc, item, sizeof(acc));
		else
			sodium_sub(acc, item, sizeof(acc));
	}
	sqlite3_result_blob(cx, acc, sizeof(acc), SQLITE_TRANSIENT);
}

static void
fn_sum_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const struct seal_state *s = sqlite3_user_data(cx);
	uint8_t *acc = sqlite3_aggregate_context(cx, DB_SEAL_ACC_BYTES);
	uint8_t item[DB_SEAL_ACC_BYTES];

	(void)argc;
	if (acc == NULL) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	if (s->key == NULL || sqlite3_value_type(argv[0]) != SQLITE_BLOB)
		return;
	seal_item(s, sqlite3_value_blob(argv[0]),
	    (size_t)sqlite3_value_bytes(argv[0]), item);
	sodium_add(acc, item, DB_SEAL_ACC_BYTES);
}

static void
fn_sum_final(sqlite3_context *cx)
{
	uint8_t zero[DB_SEAL_ACC_BYTES] = { 0 };
	uint8_t *acc = sqlite3_aggregate_context(cx, 0);

	sqlite3_result_blob(cx, acc != NULL ? acc : zero, DB_SEAL_ACC_BYTES,
	    SQLITE_TRANSIENT);
}

int
seal_register(struct seal_state *s, sqlite3 *h)
{
	/* INNOCUOUS: the schema's triggers call them with trusted_schema
	 * off. */
	const int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc;

	rc = sqlite3_create_function(h, "coffer_mac", -1, f, s, fn_mac, NULL,
	    NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(h, "coffer_mac_ok", -1, f, s,
		    fn_mac_ok, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(h, "coffer_acc", 3, f, s, fn_acc,
		    NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(h, "coffer_sum", 1, f, s, NULL,
		    fn_sum_step, fn_sum_final);
	return rc;
}

