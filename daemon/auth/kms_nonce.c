/* SPDX-License-Identifier: ISC */
/*
 * kms_nonce.c: the KMS replay cache. A SignatureNonce, per access key, is
 * refused a second time while its request's timestamp is inside the
 * 15-minute window, across restarts too.
 *
 * Memory: 64-bit keyed fingerprints (SipHash of access key, NUL, nonce) in
 * four open-addressing tables, one per 15-minute generation of expiry, each
 * growing to max_per_generation entries; a full one refuses (Throttling)
 * rather than forget a live nonce.
 *
 * Durability without a write to SQLite or an fsync per request: each new
 * fingerprint is pwrite()n to its generation's log (kms_nonce_log.c) under
 * the cache mutex, right after the duplicate check. A killed process
 * (kill -9, a crash) loses nothing, since the page cache outlives it; only
 * the kernel going down can lose appends not yet on disk. For that the
 * logs are fdatasync'ed once a second (auth_nonce_cache_sync) and at a
 * clean stop, which also marks the state file clean. At start-up the live
 * generations are loaded back and dead files removed; if the previous run
 * did not stop cleanly and the machine has rebooted since (another boot
 * identity), its last appends may be gone, so every request signed before
 * this start is refused (SignatureNonceUsed): the barrier. It lasts at most
 * the 15-minute window, and only clients whose clocks lag see it. The
 * barrier is kept in the state file until it has expired, so a second
 * restart inside the window keeps it.
 *
 * What is not covered: after a machine crash, a request accepted in the
 * last second before it whose timestamp is later than this start (a client
 * clock ahead of ours by more than the reboot took) could be replayed once.
 *
 * Several nodes on one PostgreSQL database (settings.db) share the table
 * kms_nonces instead: a request's fingerprint is inserted in a
 * transaction of its own before it is served, and the primary key lets
 * one insert of a pair succeed across the cluster, so a replay to any
 * node is refused. The server's commit makes it durable; no barrier is
 * needed. Expired rows go with auth_nonce_prune, on one node.
 */
#include "auth/auth_int.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/str.h"

#define NONCE_GENS	4
#define NONCE_INITIAL	1024
/* Append failures are logged at most this often (every request fails). */
#define NONCE_WARN_MS	60000

_Static_assert(AUTH_NONCE_KEY_BYTES == crypto_shorthash_KEYBYTES,
    "the fingerprint key is a SipHash key");

struct nonce_gen {
	int64_t		 gen;		/* expiry / AUTH_SKEW_MS; -1 unused */
	uint64_t	*slots;		/* 0 = empty */
	size_t		 cap;		/* power of two */
	size_t		 n;
	int		 fd;		/* its log; -1 none */
	uint64_t	 pos;		/* where the next entry goes */
	uint64_t	 synced;	/* pos at the last fdatasync */
};

struct auth_nonce_cache {
	pthread_mutex_t		 lock;
	uint8_t			*key;		/* sodium_malloc */
	size_t			 max;
	int64_t			 barrier_ms;	/* fixed at open */
	struct db		*db;		/* the shared table; NULL: none */
	int			 dirfd;		/* -1: memory only */
	bool			 dir_dirty;	/* files made or removed */
	int64_t			 warned_ms;
	struct nonce_state	 state;		/* as written at open */
	struct nonce_gen	 g[NONCE_GENS];
};

static uint64_t
fingerprint(const struct auth_nonce_cache *c, const void *in, size_t n)
{
	uint64_t fp;

	crypto_shorthash((unsigned char *)&fp, in, n, c->key);
	/* 0 marks an empty slot. */
	return fp != 0 ? fp : 1;
}

static bool
gen_has(const struct nonce_gen *g, uint64_t fp)
{
	size_t mask = g->cap - 1;

	if (g->slots == NULL)
		return false;
	for (size_t i = (size_t)fp & mask;; i = (i + 1) & mask) {
		if (g->slots[i] == 0)
			return false;
		if (g->slots[i] == fp)
			return true;
	}
}

static void
gen_put(uint64_t *slots, size_t cap, uint64_t fp)
{
	size_t mask = cap - 1, i;

	for (i = (size_t)fp & mask; slots[i] != 0; i = (i + 1) & mask)
		;
	slots[i] = fp;
}

/* Room for one more at a load factor of at most 3/4, growing the table
 * (power of two) up to the cap. */
static enum err
gen_reserve(struct nonce_gen *g, size_t max)
{
	uint64_t *ns;
	size_t ncap;

	if (g->n + 1 > max)
		return ERR_KMS_THROTTLED;
	if (g->slots != NULL && (g->n + 1) * 4 <= g->cap * 3)
		return ERR_OK;
	ncap = g->slots == NULL ? NONCE_INITIAL : g->cap * 2;
	ns = calloc(ncap, sizeof(*ns));
	if (ns == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < g->cap; i++)
		if (g->slots[i] != 0)
			gen_put(ns, ncap, g->slots[i]);
	free(g->slots);
	g->slots = ns;
	g->cap = ncap;
	return ERR_OK;
}

/* Empties a slot; with remove, its log goes too (the generation is
 * dead). */
static void
gen_clear(struct auth_nonce_cache *c, struct nonce_gen *g, bool remove)
{
	if (g->fd >= 0)
		close(g->fd);
	if (remove && c->dirfd >= 0 && g->gen >= 0) {
		nonce_log_remove(c->dirfd, g->gen);
		c->dir_dirty = true;
	}
	free(g->slots);
	g->slots = NULL;
	g->cap = g->n = 0;
	g->fd = -1;
	g->pos = g->synced = 0;
	g->gen = -1;
}

/* The slot's log, created if need be. */
static enum err
gen_log_open(struct auth_nonce_cache *c, struct nonce_gen *g)
{
	enum err r;

	if (c->dirfd < 0 || g->fd >= 0)
		return ERR_OK;
	r = nonce_log_open(c->dirfd, g->gen, &g->fd, &g->pos);
	if (r != ERR_OK)
		return r;
	g->synced = g->pos;
	c->dir_dirty = true;
	return ERR_OK;
}

/* ---- start-up ---- */

struct load_ctx {
	struct auth_nonce_cache	*c;
	bool			 trusted;	/* logs made with this key */
	int64_t			 now_ms;
	size_t			 dropped;
};

static enum nonce_log_use
load_use(void *arg, int64_t gen)
{
	struct load_ctx *l = arg;
	int64_t cur = l->now_ms / AUTH_SKEW_MS;

	if (!l->trusted || (gen + 1) * AUTH_SKEW_MS <= l->now_ms)
		return NONCE_LOG_REMOVE;
	/* Generations ahead of the ring (the wall clock went back) have no
	 * slot of their own: left for a later start to judge. */
	if (gen > cur + NONCE_GENS - 1)
		return NONCE_LOG_KEEP;
	l->c->g[gen % NONCE_GENS].gen = gen;
	return NONCE_LOG_LOAD;
}

static void
load_fp(void *arg, int64_t gen, uint64_t fp)
{
	struct load_ctx *l = arg;
	struct nonce_gen *g = &l->c->g[gen % NONCE_GENS];

	if (fp == 0 || gen_has(g, fp))
		return;
	if (gen_reserve(g, l->c->max) != ERR_OK) {
		l->dropped++;
		return;
	}
	gen_put(g->slots, g->cap, fp);
	g->n++;
}

/* Decides the barrier from the previous run's state, loads what can be
 * trusted and records this run as started (not clean) before any request
 * is served. */
static enum err
store_open(struct auth_nonce_cache *c, const struct auth_nonce_settings *s)
{
	static const char check_input[] = "coffer kms nonce log";
	struct load_ctx l = { .c = c, .now_ms = s->now_ms };
	struct nonce_state prev;
	uint64_t check;
	bool created, lost;
	enum err r, sr;

	r = nonce_dir_open(s->dir, &c->dirfd, &created);
	if (r != ERR_OK)
		return r;
	check = fingerprint(c, check_input, sizeof(check_input));
	memcpy(c->state.check, &check, sizeof(c->state.check));
	if (s->boot_id != NULL)
		str_copy(c->state.boot, sizeof(c->state.boot), s->boot_id);
	else
		nonce_boot_identity(c->state.boot);

	sr = nonce_state_read(c->dirfd, &prev);
	l.trusted = sr == ERR_OK &&
	    sodium_memcmp(prev.check, c->state.check, sizeof(prev.check)) == 0;
	if (sr == ERR_NOT_FOUND)
		/* No store yet: nonces of an earlier run (a version that
		 * kept them in memory) are unknown, unless there was none. */
		lost = s->had_state;
	else if (!l.trusted)
		lost = true;	/* unreadable, or made with another key */
	else
		lost = !prev.clean && !nonce_boot_same(prev.boot,
		    c->state.boot);
	if (lost)
		c->barrier_ms = s->now_ms / 1000 * 1000;
	/* A barrier set by an earlier start holds until it has expired. */
	if (sr == ERR_OK && prev.barrier_ms > c->barrier_ms &&
	    prev.barrier_ms + AUTH_SKEW_MS > s->now_ms)
		c->barrier_ms = prev.barrier_ms;
	if (c->barrier_ms + AUTH_SKEW_MS <= s->now_ms)
		c->barrier_ms = 0;
	if (lost)
		log_notice("kms nonces: the previous run's used nonces may be "
		    "incomplete (%s); refusing requests signed before this "
		    "start for up to 15 minutes", sr == ERR_NOT_FOUND ?
		    "no record of them" : !l.trusted ? "unreadable record" :
		    "it did not stop cleanly and the machine restarted");

	r = nonce_logs_scan(c->dirfd, load_use, load_fp, &l);
	for (int i = 0; r == ERR_OK && i < NONCE_GENS; i++)
		if (c->g[i].gen >= 0)
			r = gen_log_open(c, &c->g[i]);
	if (r != ERR_OK) {
		log_warnx("kms nonces: cannot load '%s': %s", s->dir,
		    err_name(r));
		return r;
	}
	if (l.dropped > 0)
		log_warnx("kms nonces: %zu logged nonce(s) beyond the "
		    "generation limit ignored", l.dropped);
	c->state.clean = false;
	c->state.barrier_ms = c->barrier_ms;
	r = nonce_state_write(c->dirfd, &c->state);
	if (r != ERR_OK)
		log_warnx("kms nonces: cannot write the state file in '%s': %s",
		    s->dir, err_name(r));
	c->dir_dirty = false;
	return r;
}

enum err
auth_nonce_cache_open(const struct auth_nonce_settings *s,
    struct auth_nonce_cache **ret)
{
	struct auth_nonce_cache *c;
	enum err r;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ERR_NOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->dirfd = -1;
	for (int i = 0; i < NONCE_GENS; i++) {
		c->g[i].gen = -1;
		c->g[i].fd = -1;
	}
	c->max = s->max_per_generation < NONCE_INITIAL / 2 ?
	    NONCE_INITIAL / 2 : s->max_per_generation;
	c->key = sodium_malloc(AUTH_NONCE_KEY_BYTES);
	if (c->key == NULL) {
		auth_nonce_cache_close(c);
		return ERR_NOMEM;
	}
	if (s->key != NULL)
		memcpy(c->key, s->key, AUTH_NONCE_KEY_BYTES);
	else
		crypto_shorthash_keygen(c->key);
	c->db = s->db;
	if (s->dir != NULL && s->db == NULL) {
		r = store_open(c, s);
		if (r != ERR_OK) {
			/* Not a clean stop: nothing was served. */
			if (c->dirfd >= 0)
				close(c->dirfd);
			c->dirfd = -1;
			auth_nonce_cache_close(c);
			return r;
		}
	}
	*ret = c;
	return ERR_OK;
}

void
auth_nonce_cache_close(struct auth_nonce_cache *c)
{
	bool synced = true;

	if (c == NULL)
		return;
	for (int i = 0; i < NONCE_GENS; i++)
		if (c->g[i].fd >= 0 && fdatasync(c->g[i].fd) != 0)
			synced = false;
	if (c->dirfd >= 0) {
		if (fsync(c->dirfd) != 0)
			synced = false;
		/* Clean only if every entry is on disk: the next start then
		 * trusts the logs whatever happens to the machine meanwhile. */
		c->state.clean = synced;
		if (!synced || nonce_state_write(c->dirfd, &c->state) != ERR_OK)
			log_warnx("kms nonces: logs not synced at stop; the next "
			    "start treats this stop as a crash");
	}
	for (int i = 0; i < NONCE_GENS; i++)
		gen_clear(c, &c->g[i], false);
	if (c->dirfd >= 0)
		close(c->dirfd);
	sodium_free(c->key);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int64_t
auth_nonce_barrier_ms(const struct auth_nonce_cache *c)
{
	return c->barrier_ms;
}

/* ---- the request path ---- */

enum err
auth_nonce_check(struct auth_nonce_cache *c, const char *ak,
    const char *nonce, int64_t request_ms, int64_t now_ms)
{
	uint8_t in[AUTH_AK_MAX + AUTH_KMS_NONCE_MAX + 1];
	size_t al = strnlen(ak, AUTH_AK_MAX - 1);
	size_t nl = strnlen(nonce, AUTH_KMS_NONCE_MAX - 1);
	int64_t gen = (request_ms + AUTH_SKEW_MS) / AUTH_SKEW_MS;
	struct nonce_gen *g;
	uint64_t fp;
	enum err r = ERR_OK;

	/* Signed before a start that may have lost the previous run's
	 * nonces: it may be a replay of one of them. */
	if (request_ms < c->barrier_ms)
		return ERR_KMS_NONCE_USED;
	/* A nonce is per access key: the same value from two keys is two
	 * nonces. */
	memcpy(in, ak, al);
	in[al] = '\0';
	memcpy(in + al + 1, nonce, nl);
	fp = fingerprint(c, in, al + 1 + nl);
	if (c->db != NULL)
		return auth_nonce_put(c->db, (int64_t)fp,
		    request_ms + AUTH_SKEW_MS);
	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < NONCE_GENS; i++) {
		/* A generation whose every expiry has passed is dead. */
		if (c->g[i].gen < 0 || (c->g[i].gen + 1) * AUTH_SKEW_MS <= now_ms)
			continue;
		if (gen_has(&c->g[i], fp)) {
			r = ERR_KMS_NONCE_USED;
			goto out;
		}
	}
	g = &c->g[gen % NONCE_GENS];
	if (g->gen != gen) {
		/* The slot's previous generation is at least four windows
		 * old: every nonce in it has expired, and so has its log. */
		gen_clear(c, g, true);
		g->gen = gen;
	}
	r = gen_reserve(g, c->max);
	if (r == ERR_OK)
		r = gen_log_open(c, g);
	/* On disk (the page cache) before the request may proceed: from
	 * here a restart remembers it. */
	if (r == ERR_OK && g->fd >= 0) {
		r = nonce_log_append(g->fd, g->pos, fp);
		if (r == ERR_OK)
			g->pos += 8;
	}
	if (r == ERR_OK) {
		gen_put(g->slots, g->cap, fp);
		g->n++;
	} else if (r != ERR_KMS_THROTTLED &&
	    now_ms - c->warned_ms >= NONCE_WARN_MS) {
		c->warned_ms = now_ms;
		log_warnx("kms nonces: cannot record a used nonce: %s; "
		    "refusing requests", err_name(r));
	}
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}

enum err
auth_nonce_cache_sync(struct auth_nonce_cache *c)
{
	int fds[NONCE_GENS];
	int64_t gens[NONCE_GENS];
	uint64_t pos[NONCE_GENS];
	bool dir;
	enum err r = ERR_OK;

	if (c->dirfd < 0)
		return ERR_OK;
	/* fdatasync takes milliseconds: never under the lock requests
	 * take. A duplicate descriptor survives the slot being recycled
	 * meanwhile. */
	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < NONCE_GENS; i++) {
		struct nonce_gen *g = &c->g[i];

		fds[i] = -1;
		gens[i] = g->gen;
		pos[i] = g->pos;
		if (g->fd >= 0 && g->pos > g->synced)
			fds[i] = dup(g->fd);
	}
	dir = c->dir_dirty;
	c->dir_dirty = false;
	pthread_mutex_unlock(&c->lock);

	for (int i = 0; i < NONCE_GENS; i++) {
		if (fds[i] < 0)
			continue;
		if (fdatasync(fds[i]) == 0) {
			pthread_mutex_lock(&c->lock);
			if (c->g[i].gen == gens[i] && c->g[i].synced < pos[i])
				c->g[i].synced = pos[i];
			pthread_mutex_unlock(&c->lock);
		} else
			r = ERR_IO;
		close(fds[i]);
	}
	if (dir && fsync(c->dirfd) != 0) {
		pthread_mutex_lock(&c->lock);
		c->dir_dirty = true;
		pthread_mutex_unlock(&c->lock);
		r = ERR_IO;
	}
	return r;
}
