/* SPDX-License-Identifier: ISC */
/*
 * kms_cache.c: CMK versions as Decrypt needs them, without a query or an
 * unseal per request (issue 17).
 *
 * Keyed by version id (a ciphertext's prefix). An entry holds what the
 * state checks read from the key row, stored as stored (the time-driven
 * states are derived again at every hit, kms_state_effective), and the
 * version's material, unsealed, with the subkey its ciphertext blobs
 * are sealed under (kms_bind.c: derived from the material and the
 * binding, both fixed for a version), in sodium_malloc regions (locked,
 * guarded, wiped on eviction).
 *
 * Never stale: every entry was filled under one value of
 * state_version.kms (db/state_version.h), which triggers move with every
 * change of a key row, a version or the root key, in the transaction of
 * the change, whichever process writes. A lookup reads the counter first;
 * a different value wipes the whole cache before anything is served.
 * Material is unsealed, hence authenticated, before it is cached.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "db/state_version.h"
#include "kms/kms_int.h"

/* Fixed bound: KMS_CACHE_SLOTS * 32 bytes of locked memory. A slot is
 * found within KMS_CACHE_PROBES of its hash; a full run evicts the
 * first. */
#define KMS_CACHE_SLOTS		4096
#define KMS_CACHE_PROBES	8

struct cache_entry {
	char			 version[KMS_VERSION_ID_BYTES + 1]; /* "": free */
	int64_t			 account;
	char			 key_id[KMS_KEY_ID_MAX];
	char			 creator[KMS_ACCOUNT_ID_BYTES];
	char			 origin[KMS_SPEC_MAX];
	enum kms_key_state	 stored;
	int64_t			 delete_ms;
	int64_t			 material_expire_ms;
	bool			 primary_material;	/* the key's primary */
	bool			 deletion_protection;
	bool			 managed;
	bool			 legacy_blobs;
};

struct kms_cache {
	pthread_mutex_t		 lock;
	int64_t			 gen;		/* state_version.kms; -1: none */
	struct cache_entry	*e;
	uint8_t			(*mat)[KMS_MATERIAL_BYTES];	/* sodium_malloc */
	uint8_t			(*sub)[KMS_MATERIAL_BYTES];	/* sodium_malloc */
};

enum err
kms_cache_open(struct kms *k)
{
	struct kms_cache *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ERR_NOMEM;
	c->e = calloc(KMS_CACHE_SLOTS, sizeof(*c->e));
	c->mat = sodium_malloc(KMS_CACHE_SLOTS * sizeof(*c->mat));
	c->sub = sodium_malloc(KMS_CACHE_SLOTS * sizeof(*c->sub));
	if (c->e == NULL || c->mat == NULL || c->sub == NULL) {
		free(c->e);
		if (c->mat != NULL)
			sodium_free(c->mat);
		if (c->sub != NULL)
			sodium_free(c->sub);
		free(c);
		return ERR_NOMEM;
	}
	sodium_memzero(c->mat, KMS_CACHE_SLOTS * sizeof(*c->mat));
	sodium_memzero(c->sub, KMS_CACHE_SLOTS * sizeof(*c->sub));
	pthread_mutex_init(&c->lock, NULL);
	c->gen = -1;
	k->cache = c;
	return ERR_OK;
}

/* Caller holds the lock. */
static void
wipe_locked(struct kms_cache *c)
{
	sodium_memzero(c->mat, KMS_CACHE_SLOTS * sizeof(*c->mat));
	sodium_memzero(c->sub, KMS_CACHE_SLOTS * sizeof(*c->sub));
	memset(c->e, 0, KMS_CACHE_SLOTS * sizeof(*c->e));
	c->gen = -1;
}

void
kms_cache_wipe(struct kms *k)
{
	struct kms_cache *c = k->cache;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	wipe_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void
kms_cache_close(struct kms *k)
{
	struct kms_cache *c = k->cache;

	if (c == NULL)
		return;
	sodium_free(c->mat);	/* wipes */
	sodium_free(c->sub);
	free(c->e);
	pthread_mutex_destroy(&c->lock);
	free(c);
	k->cache = NULL;
}

/* FNV-1a over the version id: ids are random UUIDs, any mix will do. */
static size_t
slot_of(const char *version)
{
	uint32_t h = 2166136261u;

	for (const char *p = version; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h & (KMS_CACHE_SLOTS - 1);
}

/* The slot holding version, or -1. Caller holds the lock. */
static long
find_locked(const struct kms_cache *c, const char *version)
{
	size_t s = slot_of(version);

	for (int i = 0; i < KMS_CACHE_PROBES; i++) {
		size_t j = (s + (size_t)i) & (KMS_CACHE_SLOTS - 1);

		if (strcmp(c->e[j].version, version) == 0)
			return (long)j;
		if (c->e[j].version[0] == '\0')
			return -1;
	}
	return -1;
}

/* The row fields the Decrypt checks read (kms_row_apply, blob_open,
 * the audit target); the others stay as they were. */
static void
entry_to_row(const struct cache_entry *e, int64_t now_ms,
    struct kms_key_row *row, struct kms_version_row *v)
{
	struct kms_key_meta *m = &row->m;

	row->account = e->account;
	row->stored = e->stored;
	str_copy(m->key_id, sizeof(m->key_id), e->key_id);
	str_copy(m->creator, sizeof(m->creator), e->creator);
	str_copy(m->origin, sizeof(m->origin), e->origin);
	m->delete_ms = e->delete_ms;
	m->material_expire_ms = e->material_expire_ms;
	m->deletion_protection = e->deletion_protection;
	m->managed = e->managed;
	m->has_material = e->primary_material &&
	    (m->material_expire_ms == 0 || now_ms < m->material_expire_ms);
	m->state = kms_state_effective(e->stored, e->delete_ms,
	    e->material_expire_ms, now_ms);
	v->legacy_blobs = e->legacy_blobs;
	v->sealed_len = KMS_MATERIAL_SEALED;	/* present: it is cached */
}

static void
row_to_entry(const struct kms_key_row *row, const struct kms_version_row *v,
    const char *version, struct cache_entry *e)
{
	memset(e, 0, sizeof(*e));
	str_copy(e->version, sizeof(e->version), version);
	e->account = row->account;
	str_copy(e->key_id, sizeof(e->key_id), row->m.key_id);
	str_copy(e->creator, sizeof(e->creator), row->m.creator);
	str_copy(e->origin, sizeof(e->origin), row->m.origin);
	e->stored = row->stored;
	e->delete_ms = row->m.delete_ms;
	e->material_expire_ms = row->m.material_expire_ms;
	e->primary_material = row->primary_sealed_len > 0;
	e->deletion_protection = row->m.deletion_protection;
	e->managed = row->m.managed;
	e->legacy_blobs = v->legacy_blobs;
}

/* Serves from the cache when it was filled under gen. */
static bool
hit(struct kms *k, int64_t gen, const char *version, int64_t now_ms,
    struct kms_key_row *row, struct kms_version_row *v, struct kms_dek *d,
    struct kms_dek *ds)
{
	struct kms_cache *c = k->cache;
	long j;

	pthread_mutex_lock(&c->lock);
	if (c->gen != gen) {
		wipe_locked(c);
		c->gen = gen;
	}
	j = find_locked(c, version);
	if (j >= 0) {
		entry_to_row(&c->e[j], now_ms, row, v);
		memcpy(d->key, c->mat[j], KMS_MATERIAL_BYTES);
		memcpy(ds->key, c->sub[j], KMS_MATERIAL_BYTES);
	}
	pthread_mutex_unlock(&c->lock);
	return j >= 0;
}

static void
insert(struct kms *k, int64_t gen, const char *version,
    const struct kms_key_row *row, const struct kms_version_row *v,
    const struct kms_dek *d, const struct kms_dek *ds)
{
	struct kms_cache *c = k->cache;
	size_t s = slot_of(version), j = s;

	pthread_mutex_lock(&c->lock);
	/* Filled under an older counter: a change came in between. */
	if (c->gen != gen) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	for (int i = 0; i < KMS_CACHE_PROBES; i++) {
		size_t t = (s + (size_t)i) & (KMS_CACHE_SLOTS - 1);

		if (c->e[t].version[0] == '\0' ||
		    strcmp(c->e[t].version, version) == 0) {
			j = t;
			break;
		}
	}
	row_to_entry(row, v, version, &c->e[j]);
	memcpy(c->mat[j], d->key, KMS_MATERIAL_BYTES);
	memcpy(c->sub[j], ds->key, KMS_MATERIAL_BYTES);
	pthread_mutex_unlock(&c->lock);
}

enum err
kms_version_load(struct kms *k, int64_t state_kms, const char *version,
    int64_t now_ms, struct kms_key_row *row, struct kms_version_row *v,
    struct kms_dek **ret_mat, struct kms_dek **ret_sub)
{
	struct db_state_version sv = { .kms = state_kms };
	struct kms_dek *d = NULL, *ds = NULL;
	struct kms_binding b;
	bool cached;
	enum err r;

	*ret_mat = NULL;
	*ret_sub = NULL;
	/* The counter before the rows: see the file comment. Not inside a
	 * write transaction: it may read changes that are rolled back
	 * later (db.h), under a counter value a later change reuses. */
	cached = k->cache != NULL && !db_in_write_tx(k->db) &&
	    (state_kms > 0 || db_state_version(k->db, &sv) == ERR_OK);
	if (cached) {
		d = kms_dek_alloc(k);
		ds = kms_dek_alloc(k);
		if (d == NULL || ds == NULL) {
			kms_dek_free(d);
			kms_dek_free(ds);
			return ERR_NOMEM;
		}
		if (hit(k, sv.kms, version, now_ms, row, v, d, ds)) {
			*ret_mat = d;
			*ret_sub = ds;
			return ERR_OK;
		}
		kms_dek_free(d);
		kms_dek_free(ds);
		d = ds = NULL;
	}
	r = kms_db_key_get_by_version(k->db, version, now_ms, row, v);
	if (r != ERR_OK || v->sealed_len == 0)
		return r;
	/* Material that does not open is the caller's ERR_CORRUPT, after
	 * the state checks (logged by kms_material_open). */
	if (kms_material_open(k, row->m.key_id, version, v->sealed,
	    v->sealed_len, &d) != ERR_OK)
		return ERR_OK;
	b = (struct kms_binding){ KMS_BIND_BLOB, row->m.creator,
	    row->m.key_id, version };
	r = kms_bind_subkey(k, d, &b, &ds);
	if (r != ERR_OK) {
		kms_dek_free(d);
		return r;
	}
	if (cached)
		insert(k, sv.kms, version, row, v, d, ds);
	*ret_mat = d;
	*ret_sub = ds;
	return ERR_OK;
}
