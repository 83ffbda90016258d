/* SPDX-License-Identifier: ISC */
/*
 * seal_anchor.c: the anchor file (seal.h): the seal's sequence number
 * outside the database, advanced after every durable commit that touched a
 * retention policy or an object under one.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/crash.h"
#include "base/file.h"
#include "base/log.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/seal.h"

#define ANCHOR_BYTES	128

static const char SQL_SEAL_SEQ[] = "SELECT seq FROM seal WHERE id = 1";

/* The transaction of this thread must advance the anchor; its sequence is
 * read before COMMIT. One transaction per thread at a time (db.h). */
static _Thread_local bool tx_anchor;
static _Thread_local int64_t tx_anchor_seq = -1;

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
anchor_load_fd(struct seal_state *s, int fd, int64_t *ret)
{
	char buf[ANCHOR_BYTES];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	if (n < 0)
		return ERR_IO;
	return anchor_parse(s, buf, (size_t)n, ret);
}

static enum err
anchor_load(struct seal_state *s, int64_t *ret)
{
	return anchor_load_fd(s, s->anchor_fd, ret);
}

static enum err
anchor_store_fd(struct seal_state *s, int fd, int64_t seq)
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
	if (pwrite(fd, buf, ANCHOR_BYTES, 0) != ANCHOR_BYTES ||
	    fdatasync(fd) != 0)
		return ERR_IO;
	return ERR_OK;
}

static enum err
anchor_store(struct seal_state *s, int64_t seq)
{
	enum err r = anchor_store_fd(s, s->anchor_fd, seq);

	if (r == ERR_OK)
		s->anchored = seq;
	return r;
}

/*
 * A root-key rotation re-MACs the anchor with the rest, but the file cannot
 * change in the same transaction as the database: the new anchor goes to
 * "<anchor>.next" before the commit and over the anchor after it. The
 * anchor that opens under the key of the data is the one that counts:
 * the old file before the commit, ".next" after it.
 */
static void
anchor_next_path(char *out, size_t cap, const char *path)
{
	snprintf(out, cap, "%s.next", path);
}

/* The anchor failed under this key: a rotation committed, its anchor not
 * yet moved over. */
static enum err
anchor_take_next(struct seal_state *s, const char *path)
{
	char next[4200];
	int64_t seq;
	enum err r;
	int fd;

	anchor_next_path(next, sizeof(next), path);
	fd = open(next, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ERR_CORRUPT;
	r = anchor_load_fd(s, fd, &seq);
	close(fd);
	if (r != ERR_OK || seq < 0)
		return ERR_CORRUPT;
	r = anchor_store(s, seq);
	if (r == ERR_OK && unlink(next) == 0)
		(void)file_sync_parent(path);
	if (r == ERR_OK)
		log_notice("seal: the anchor of the root-key rotation is in "
		    "place (sequence %" PRId64 ")", seq);
	return r;
}

enum err
db_seal_anchor_stage(struct db *db, const char *path, int64_t seq)
{
	struct seal_state *s = db_seal_state(db);
	char next[4200];
	enum err r;
	int fd;

	anchor_next_path(next, sizeof(next), path);
	fd = open(next, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return ERR_IO;
	r = anchor_store_fd(s, fd, seq);
	close(fd);
	if (r == ERR_OK)
		(void)file_sync_parent(path);
	return r;
}

enum err
db_seal_anchor_finish(struct db *db, const char *path)
{
	struct seal_state *s = db_seal_state(db);
	enum err r;

	pthread_mutex_lock(&s->lock);
	if (s->anchor_fd < 0)
		s->anchor_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	r = s->anchor_fd < 0 ? ERR_IO : anchor_take_next(s, path);
	pthread_mutex_unlock(&s->lock);
	return r;
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
	if (r == ERR_CORRUPT)
		r = anchor_take_next(s, path);
	else {
		char next[4200];

		/* A rotation that never committed left it. */
		anchor_next_path(next, sizeof(next), path);
		(void)unlink(next);
	}
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
	/* Outside a transaction (an early answer before the body) there is
	 * nothing to anchor yet. */
	if (db_in_tx(db))
		tx_anchor = true;
}

void
seal_tx_precommit(struct db *db)
{
	struct db_st *st;

	if (!tx_anchor)
		return;
	tx_anchor_seq = -1;
	st = db_stmt(db, SQL_SEAL_SEQ);
	if (st == NULL)
		return;
	if (db_row(st) == ERR_OK)
		tx_anchor_seq = db_col_i64(st, 0);
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

