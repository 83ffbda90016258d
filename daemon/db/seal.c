/* SPDX-License-Identifier: ISC */
/*
 * seal.c: see seal.h. The SQL functions, the seal row and the anchor file.
 *
 * The set hash is the sum mod 2^256 of a keyed hash of each row's MAC
 * rather than of the MAC itself: an attacker who can read the database
 * sees every MAC, but without the key cannot compute what a row adds, so
 * cannot pick a set of old genuine rows that sums to the current value.
 */
#include "db/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crash.h"
#include "base/log.h"
#include "db/db.h"
#include "db/db_int.h"

#define ANCHOR_BYTES	128

struct seal_state {
	uint8_t		*key;		/* sodium_malloc, read-only once set */
	pthread_mutex_t	 lock;		/* anchor file and fault */
	int		 anchor_fd;	/* -1: none */
	int64_t		 anchored;	/* sequence in the file, -1 none */
	enum db_seal_fault fault;
};

/* The transaction of this thread must advance the anchor; its sequence is
 * read before COMMIT. One transaction per thread at a time (db.h). */
static _Thread_local bool tx_anchor;
static _Thread_local int64_t tx_anchor_seq = -1;

static const char SQL_SEAL_READ[] =
    "SELECT sealed, seq, objects_n, objects_acc, policies_seq, policies_n,"
    " policies_acc, coffer_mac_ok(mac, 'seal', sealed, seq, objects_n,"
    " objects_acc, policies_seq, policies_n, policies_acc)"
    " FROM seal WHERE id = 1";
static const char SQL_SEAL_SEQ[] = "SELECT seq FROM seal WHERE id = 1";
static const char SQL_SEAL_MARK[] =
    "UPDATE seal SET sealed = 1, seq = seq + 1 WHERE id = 1";

struct seal_state *
seal_state_new(void)
{
	struct seal_state *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->anchor_fd = -1;
	s->anchored = -1;
	return s;
}

void
seal_state_free(struct seal_state *s)
{
	if (s == NULL)
		return;
	if (s->key != NULL)
		sodium_free(s->key);
	if (s->anchor_fd >= 0)
		close(s->anchor_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

enum err
db_seal_key_set(struct db *db, const uint8_t key[static DB_SEAL_KEY_BYTES])
{
	struct seal_state *s = db_seal_state(db);

	/* Set once per process in cofferd and coffer (kms_open); a second
	 * key (tests opening another root key) replaces it in place. */
	if (s->key == NULL) {
		if (sodium_init() < 0)
			return ERR_INTERNAL;
		s->key = sodium_malloc(DB_SEAL_KEY_BYTES);
		if (s->key == NULL)
			return ERR_NOMEM;
	} else
		sodium_mprotect_readwrite(s->key);
	memcpy(s->key, key, DB_SEAL_KEY_BYTES);
	sodium_mprotect_readonly(s->key);
	return ERR_OK;
}

bool
db_seal_has_key(struct db *db)
{
	return db_seal_state(db)->key != NULL;
}

/* ---- the SQL functions ---- */

/* One value in a form no other sequence of values shares: type, length,
 * bytes (integers big-endian). */
static void
absorb(crypto_generichash_state *h, sqlite3_value *v)
{
	uint8_t hdr[5], n8[8];
	const void *p = NULL;
	uint32_t len = 0;
	int t = sqlite3_value_type(v);

	switch (t) {
	case SQLITE_INTEGER: {
		uint64_t x = (uint64_t)sqlite3_value_int64(v);

		for (int i = 0; i < 8; i++)
			n8[i] = (uint8_t)(x >> (56 - 8 * i));
		p = n8;
		len = 8;
		break;
	}
	case SQLITE_TEXT:
		p = sqlite3_value_text(v);
		len = (uint32_t)sqlite3_value_bytes(v);
		break;
	case SQLITE_BLOB:
		p = sqlite3_value_blob(v);
		len = (uint32_t)sqlite3_value_bytes(v);
		break;
	case SQLITE_FLOAT: {
		/* Never stored in sealed columns (STRICT tables); hashed
		 * by its bits so it still differs from everything else. */
		double d = sqlite3_value_double(v);

		memcpy(n8, &d, 8);
		p = n8;
		len = 8;
		break;
	}
	default:	/* NULL */
		break;
	}
	hdr[0] = (uint8_t)t;
	hdr[1] = (uint8_t)(len >> 24);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 8);
	hdr[4] = (uint8_t)len;
	crypto_generichash_update(h, hdr, sizeof(hdr));
	if (len > 0 && p != NULL)
		crypto_generichash_update(h, p, len);
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

/* What a row with MAC mac adds to its table's set hash. */
static void
item_of(const struct seal_state *s, const void *mac, size_t n,
    uint8_t out[static DB_SEAL_ACC_BYTES])
{
	crypto_generichash_state h;
	static const uint8_t tag = 'S';

	crypto_generichash_init(&h, s->key, DB_SEAL_KEY_BYTES,
	    DB_SEAL_ACC_BYTES);
	crypto_generichash_update(&h, &tag, 1);
	crypto_generichash_update(&h, mac, n);
	crypto_generichash_final(&h, out, DB_SEAL_ACC_BYTES);
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
		item_of(s, sqlite3_value_blob(argv[1]),
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
	item_of(s, sqlite3_value_blob(argv[0]),
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

/* ---- the seal row ---- */

static bool
col_acc(sqlite3_stmt *st, int i, uint8_t out[static DB_SEAL_ACC_BYTES])
{
	memset(out, 0, DB_SEAL_ACC_BYTES);
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return true;
	if (sqlite3_column_bytes(st, i) != DB_SEAL_ACC_BYTES)
		return false;
	memcpy(out, sqlite3_column_blob(st, i), DB_SEAL_ACC_BYTES);
	return true;
}

enum err
db_seal_read(struct db *db, struct db_seal *ret)
{
	sqlite3_stmt *st = db_stmt(db, SQL_SEAL_READ);
	enum err r = ERR_OK;
	int rc;

	if (st == NULL)
		return ERR_IO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(ret, 0, sizeof(*ret));
		ret->sealed = sqlite3_column_int(st, 0) != 0;
		ret->seq = sqlite3_column_int64(st, 1);
		ret->objects_n = sqlite3_column_int64(st, 2);
		ret->policies_seq = sqlite3_column_int64(st, 4);
		ret->policies_n = sqlite3_column_int64(st, 5);
		if (!col_acc(st, 3, ret->objects_acc) ||
		    !col_acc(st, 6, ret->policies_acc))
			r = ERR_CORRUPT;
		if (ret->sealed && sqlite3_column_int(st, 7) != 1)
			r = ERR_CORRUPT;
	} else
		/* The row is created by the migration and never deleted. */
		r = rc == SQLITE_DONE ? ERR_CORRUPT : db_err(rc);
	db_stmt_done(st);
	return r;
}

enum err
db_seal_mark_sealed(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, SQL_SEAL_MARK);

	if (st == NULL)
		return ERR_IO;
	return db_step_done(st);
}

bool
db_seal_acc_equal(const uint8_t a[static DB_SEAL_ACC_BYTES],
    const uint8_t b[static DB_SEAL_ACC_BYTES])
{
	return sodium_memcmp(a, b, DB_SEAL_ACC_BYTES) == 0;
}

/* ---- the anchor file ---- */

/* "coffer-anchor 1 seq=N mac=HEX\n", space-padded to ANCHOR_BYTES so a
 * rewrite is one aligned write of one sector. */
static void
anchor_mac(const struct seal_state *s, int64_t seq, uint8_t out[static 32])
{
	crypto_generichash_state h;
	uint8_t b[9];

	b[0] = 'A';
	for (int i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
	crypto_generichash_init(&h, s->key, DB_SEAL_KEY_BYTES, 32);
	crypto_generichash_update(&h, b, sizeof(b));
	crypto_generichash_final(&h, out, 32);
}

static enum err
anchor_parse(const struct seal_state *s, const char *buf, size_t n,
    int64_t *ret)
{
	char line[ANCHOR_BYTES + 1], hex[65];
	uint8_t mac[32], want[32];
	int64_t seq;

	if (n == 0) {
		*ret = -1;
		return ERR_OK;
	}
	memcpy(line, buf, n);
	line[n] = '\0';
	if (sscanf(line, "coffer-anchor 1 seq=%" SCNd64 " mac=%64s", &seq,
	    hex) != 2 || seq < 0 || strlen(hex) != 64 ||
	    sodium_hex2bin(mac, sizeof(mac), hex, 64, NULL, NULL, NULL) != 0)
		return ERR_CORRUPT;
	anchor_mac(s, seq, want);
	if (crypto_verify_32(want, mac) != 0)
		return ERR_CORRUPT;
	*ret = seq;
	return ERR_OK;
}

static enum err
anchor_load(struct seal_state *s, int64_t *ret)
{
	char buf[ANCHOR_BYTES];
	ssize_t n = pread(s->anchor_fd, buf, sizeof(buf), 0);

	if (n < 0)
		return ERR_IO;
	return anchor_parse(s, buf, (size_t)n, ret);
}

static enum err
anchor_store(struct seal_state *s, int64_t seq)
{
	char buf[ANCHOR_BYTES + 1], hex[65];
	uint8_t mac[32];
	int n;

	anchor_mac(s, seq, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	n = snprintf(buf, sizeof(buf), "coffer-anchor 1 seq=%" PRId64
	    " mac=%s", seq, hex);
	memset(buf + n, ' ', (size_t)(ANCHOR_BYTES - n));
	buf[ANCHOR_BYTES - 1] = '\n';
	if (pwrite(s->anchor_fd, buf, ANCHOR_BYTES, 0) != ANCHOR_BYTES ||
	    fdatasync(s->anchor_fd) != 0)
		return ERR_IO;
	s->anchored = seq;
	return ERR_OK;
}

enum err
db_seal_anchor_open(struct db *db, const char *path, int64_t *ret_seq)
{
	struct seal_state *s = db_seal_state(db);
	enum err r;
	int fd;

	if (s->key == NULL)
		return ERR_INVALID_ARGUMENT;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("seal: cannot open the anchor '%s'", path);
		return ERR_IO;
	}
	pthread_mutex_lock(&s->lock);
	if (s->anchor_fd >= 0)
		close(s->anchor_fd);
	s->anchor_fd = fd;
	r = anchor_load(s, &s->anchored);
	if (r == ERR_OK)
		*ret_seq = s->anchored;
	pthread_mutex_unlock(&s->lock);
	return r;
}

enum err
db_seal_anchor_write(struct db *db, int64_t seq)
{
	struct seal_state *s = db_seal_state(db);
	enum err r;

	pthread_mutex_lock(&s->lock);
	r = s->anchor_fd >= 0 ? anchor_store(s, seq) : ERR_INVALID_ARGUMENT;
	pthread_mutex_unlock(&s->lock);
	return r;
}

enum err
db_seal_anchor_reread(struct db *db, int64_t *ret_seq)
{
	struct seal_state *s = db_seal_state(db);
	enum err r = ERR_INVALID_ARGUMENT;

	pthread_mutex_lock(&s->lock);
	if (s->anchor_fd >= 0)
		r = anchor_load(s, &s->anchored);
	if (r == ERR_OK)
		*ret_seq = s->anchored;
	pthread_mutex_unlock(&s->lock);
	return r;
}

void
db_seal_anchor_on_commit(struct db *db)
{
	sqlite3 *h = db_conn(db);

	/* Outside a transaction (an early answer before the body) there is
	 * nothing to anchor yet. */
	if (h != NULL && !sqlite3_get_autocommit(h))
		tx_anchor = true;
}

void
seal_tx_precommit(struct db *db)
{
	sqlite3_stmt *st;

	if (!tx_anchor)
		return;
	tx_anchor_seq = -1;
	st = db_stmt(db, SQL_SEAL_SEQ);
	if (st == NULL)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		tx_anchor_seq = sqlite3_column_int64(st, 0);
	db_stmt_done(st);
}

void
seal_tx_end(struct db *db, bool durable)
{
	struct seal_state *s = db_seal_state(db);
	int64_t seq = tx_anchor_seq;

	tx_anchor = false;
	tx_anchor_seq = -1;
	if (!durable || seq < 0)
		return;
	crash_point("anchor-pending");
	pthread_mutex_lock(&s->lock);
	/* Commits finish out of order; the file only moves forward. A
	 * failed write leaves the anchor behind, which can hide a later
	 * rollback but never reports a false one. */
	if (s->anchor_fd >= 0 && seq > s->anchored &&
	    anchor_store(s, seq) != ERR_OK)
		log_warn("seal: cannot advance the anchor to %" PRId64, seq);
	pthread_mutex_unlock(&s->lock);
}

/* ---- faults ---- */

void
db_seal_fault_set(struct db *db, enum db_seal_fault f)
{
	struct seal_state *s = db_seal_state(db);

	pthread_mutex_lock(&s->lock);
	s->fault = f;
	pthread_mutex_unlock(&s->lock);
}

enum db_seal_fault
db_seal_fault(struct db *db)
{
	struct seal_state *s = db_seal_state(db);
	enum db_seal_fault f;
	struct db_seal cur;
	int64_t anchored;

	pthread_mutex_lock(&s->lock);
	f = s->fault;
	pthread_mutex_unlock(&s->lock);
	if (f != DB_SEAL_ROLLBACK)
		return f;
	if (db_seal_anchor_reread(db, &anchored) != ERR_OK ||
	    db_seal_read(db, &cur) != ERR_OK || !cur.sealed ||
	    cur.seq < anchored)
		return f;
	log_notice("seal: the anchor was set to the database's sequence "
	    "%" PRId64 "; changes are accepted again", cur.seq);
	db_seal_fault_set(db, DB_SEAL_OK);
	return DB_SEAL_OK;
}

const char *
db_seal_fault_name(enum db_seal_fault f)
{
	switch (f) {
	case DB_SEAL_OK:
		return "ok";
	case DB_SEAL_ROLLBACK:
		return "rollback";
	case DB_SEAL_TAMPERED:
		return "tampered";
	}
	return "?";
}
