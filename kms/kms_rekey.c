/* SPDX-License-Identifier: ISC */
/*
 * kms_rekey.c: which root key sealed the data dir, and root-key rotation
 * (kms.h; schema/0014_root_key.sql; api/root_key.c runs a rotation).
 *
 * The key set of a rotation's new key lives in a second sodium_malloc
 * region until kms_rekey_switch swaps the two under keys_lock; the
 * caller guarantees nothing else uses the keys meanwhile (api/root_key.c
 * closes the gate and holds the write transaction), so a reader never
 * sees half a swap.
 */
#include <stdatomic.h>
#include <string.h>

#include "base/log.h"
#include "db/db.h"
#include "db/seal.h"
#include "kms/kms_int.h"

#define CHECK_DOMAIN	"coffer/root-key-check/v1"
#define HANDOVER_AD	"coffer/root-key-handover/v1"
#define REQUEST_AD	"coffer/root-key-request/v1"
#define MACKEY_AD	"coffer/fingerprint-key/v1"

void
kms_root_check_of(const uint8_t root[static KMS_ROOT_KEY_BYTES],
    uint8_t out[static KMS_CHECK_BYTES])
{
	uint8_t sub[32];

	crypto_kdf_derive_from_key(sub, sizeof(sub), KMS_SUBKEY_CHECK,
	    KMS_KDF_CONTEXT, root);
	crypto_generichash(out, KMS_CHECK_BYTES, (const uint8_t *)CHECK_DOMAIN,
	    strlen(CHECK_DOMAIN), sub, sizeof(sub));
	sodium_memzero(sub, sizeof(sub));
}

uint8_t *
kms_root_buf_new(void)
{
	if (sodium_init() < 0)
		return NULL;
	return sodium_malloc(KMS_ROOT_KEY_BYTES);
}

void
kms_root_buf_free(uint8_t *b)
{
	if (b != NULL)
		sodium_free(b);
}

bool
kms_check_equal(const uint8_t a[static KMS_CHECK_BYTES],
    const uint8_t b[static KMS_CHECK_BYTES])
{
	return sodium_memcmp(a, b, KMS_CHECK_BYTES) == 0;
}

enum err
kms_root_read(const char *path, uint8_t out[static KMS_ROOT_KEY_BYTES])
{
	return kms_rootkey_load(path, false, out);
}

void
kms_keys_derive(struct kms_keys *keys)
{
	crypto_kdf_derive_from_key(keys->seal, sizeof(keys->seal),
	    KMS_SUBKEY_SEAL, KMS_KDF_CONTEXT, keys->root);
	crypto_kdf_derive_from_key(keys->oss, sizeof(keys->oss),
	    KMS_SUBKEY_OSS, KMS_KDF_CONTEXT, keys->root);
	crypto_kdf_derive_from_key(keys->audit, sizeof(keys->audit),
	    KMS_SUBKEY_AUDIT, KMS_KDF_CONTEXT, keys->root);
}

/* The database's row key of keys (db/seal.h). */
static enum err
rows_key_set(struct kms *k, const struct kms_keys *keys)
{
	uint8_t rows[DB_SEAL_KEY_BYTES];
	enum err r;

	crypto_kdf_derive_from_key(rows, sizeof(rows), KMS_SUBKEY_ROWS,
	    KMS_KDF_CONTEXT, keys->root);
	r = db_seal_key_set(k->db, rows);
	sodium_memzero(rows, sizeof(rows));
	return r;
}

static void
seal_with(const struct kms_keys *keys, uint8_t *out, const void *in, size_t n,
    const char *ad)
{
	kms_aead_seal(out, keys->seal, in, n, ad, strlen(ad));
}

static enum err
open_with(const struct kms_keys *keys, uint8_t *out, const uint8_t *in,
    size_t n, const char *ad)
{
	return kms_aead_open(out, keys->seal, in, n, ad, strlen(ad));
}

/* The handover names the key it hands over to: its generation. */
static void
handover_ad(char *ad, size_t cap, int64_t gen)
{
	snprintf(ad, cap, "%s gen=%lld", HANDOVER_AD, (long long)gen);
}

enum err
kms_root_open(struct kms *k)
{
	struct kms_root_row row;
	uint8_t check[KMS_CHECK_BYTES], sealed[32 + KMS_SEAL_OVERHEAD];
	char ad[96];
	enum err r;

	r = kms_db_root_read(k->db, &row);
	if (r != ERR_OK)
		return r;
	kms_root_check_of(k->keys->root, check);
	if (!row.present) {
		/* First start with a key (or the first after the upgrade to
		 * 0014): the fingerprint key is the one earlier versions
		 * derived, so fingerprints already stored stay valid. */
		crypto_kdf_derive_from_key(k->keys->mac, sizeof(k->keys->mac),
		    KMS_SUBKEY_MAC, KMS_KDF_CONTEXT, k->keys->root);
		seal_with(k->keys, sealed, k->keys->mac, 32, MACKEY_AD);
		r = db_tx_begin(k->db);
		if (r == ERR_OK)
			r = kms_db_root_insert(k->db, check, sealed,
			    sizeof(sealed));
		if (r == ERR_OK)
			r = db_tx_commit(k->db);
		else
			db_tx_rollback(k->db);
		if (r == ERR_EXISTS)	/* another process was first */
			return kms_root_open(k);
		atomic_store(&k->root_gen, 1);
		return r;
	}
	if (sodium_memcmp(check, row.check, KMS_CHECK_BYTES) != 0) {
		if (!row.has_prev || !row.has_handover ||
		    sodium_memcmp(check, row.prev_check, KMS_CHECK_BYTES) != 0) {
			log_errx("kms: the root key is not the one that sealed "
			    "this data dir (root key generation %lld)",
			    (long long)row.gen);
			return ERR_ROOT_KEY_MISMATCH;
		}
		/* The previous key, the rotation not retired yet: it opens
		 * the new one. */
		handover_ad(ad, sizeof(ad), row.gen);
		if (row.handover_len != KMS_ROOT_KEY_BYTES + KMS_SEAL_OVERHEAD ||
		    open_with(k->keys, k->keys->root, row.handover,
		    row.handover_len, ad) != ERR_OK) {
			log_errx("kms: the root key handover does not open");
			return ERR_ROOT_KEY_MISMATCH;
		}
		kms_keys_derive(k->keys);
		kms_root_check_of(k->keys->root, check);
		if (sodium_memcmp(check, row.check, KMS_CHECK_BYTES) != 0)
			return ERR_ROOT_KEY_MISMATCH;
		log_warnx("kms: this root key was rotated (now generation %lld); "
		    "using the new key it hands over. Install the new key and "
		    "run `coffer root-key rotate --new-key FILE` again to retire "
		    "the old one", (long long)row.gen);
		r = rows_key_set(k, k->keys);
		if (r != ERR_OK)
			return r;
		k->root_adopted = true;
	}
	if (row.mac_sealed_len != 32 + KMS_SEAL_OVERHEAD ||
	    open_with(k->keys, k->keys->mac, row.mac_sealed, row.mac_sealed_len,
	    MACKEY_AD) != ERR_OK) {
		log_errx("kms: the fingerprint key does not open");
		return ERR_CORRUPT;
	}
	atomic_store(&k->root_gen, row.gen);
	return ERR_OK;
}

enum err
kms_root_info(struct kms *k, struct kms_root_info *ret)
{
	struct kms_root_row row;
	enum err r;

	memset(ret, 0, sizeof(*ret));
	r = kms_db_root_read(k->db, &row);
	if (r == ERR_OK && !row.present)
		r = ERR_NOT_FOUND;
	if (r != ERR_OK)
		return r;
	ret->gen = row.gen;
	memcpy(ret->check, row.check, KMS_CHECK_BYTES);
	ret->retiring = row.has_handover;
	ret->requested = row.has_request;
	memcpy(ret->request_check, row.req_check, KMS_CHECK_BYTES);
	snprintf(ret->request_error, sizeof(ret->request_error), "%s",
	    row.req_error);
	ret->given_is_old = k->root_adopted;
	return ERR_OK;
}

enum err
kms_rekey_begin(struct kms *k, const uint8_t new_root[static KMS_ROOT_KEY_BYTES])
{
	const struct kms_keys *cur;
	struct kms_keys *n;
	bool same;

	if (k->rekey_other != NULL)
		return ERR_INTERNAL;
	n = sodium_malloc(sizeof(*n));
	if (n == NULL)
		return ERR_NOMEM;
	cur = kms_keys_acquire(k);
	same = sodium_memcmp(cur->root, new_root, KMS_ROOT_KEY_BYTES) == 0;
	memcpy(n->root, new_root, KMS_ROOT_KEY_BYTES);
	kms_keys_derive(n);
	/* Fingerprints outlive the material they fingerprint: the key
	 * moves over unchanged (schema 0014). */
	memcpy(n->mac, cur->mac, sizeof(n->mac));
	kms_keys_release(k);
	if (same) {
		sodium_free(n);
		return ERR_EXISTS;
	}
	k->rekey_other = n;
	k->rekey_switched = false;
	return ERR_OK;
}

/* The old and the new key set, whichever side of the switch we are. */
static void
rekey_sets(struct kms *k, const struct kms_keys **old,
    const struct kms_keys **new)
{
	*old = k->rekey_switched ? k->rekey_other : k->keys;
	*new = k->rekey_switched ? k->keys : k->rekey_other;
}

enum err
kms_rekey_reseal(struct kms *k, const uint8_t *sealed, size_t len,
    const void *ad, size_t adlen, uint8_t *out, size_t *out_len)
{
	const struct kms_keys *old, *new;
	uint8_t *plain;
	enum err r;

	if (k->rekey_other == NULL || len < KMS_SEAL_OVERHEAD ||
	    *out_len < len)
		return ERR_INTERNAL;
	plain = sodium_malloc(len);
	if (plain == NULL)
		return ERR_NOMEM;
	rekey_sets(k, &old, &new);
	(void)kms_keys_acquire(k);
	r = kms_aead_open(plain, old->seal, sealed, len, ad, adlen);
	if (r == ERR_OK) {
		kms_aead_seal(out, new->seal, plain, len - KMS_SEAL_OVERHEAD,
		    ad, adlen);
		*out_len = len;
	}
	kms_keys_release(k);
	sodium_free(plain);
	return r;
}

enum err
kms_rekey_rewrap(struct kms *k, const uint8_t *uuid, const uint8_t *wrapped,
    size_t len, uint8_t *out, size_t *out_len)
{
	const struct kms_keys *old, *new;
	uint8_t ad[KMS_WRAP_AD_MAX];
	struct kms_dek *d;
	size_t adlen = kms_wrap_ad(ad, uuid, "oss");
	enum err r;

	if (k->rekey_other == NULL || len != 32 + KMS_SEAL_OVERHEAD ||
	    *out_len < len)
		return ERR_CORRUPT;
	d = kms_dek_alloc(k);
	if (d == NULL)
		return ERR_NOMEM;
	rekey_sets(k, &old, &new);
	(void)kms_keys_acquire(k);
	r = kms_aead_open(d->key, old->oss, wrapped, len, ad, adlen);
	if (r == ERR_OK) {
		kms_aead_seal(out, new->oss, d->key, sizeof(d->key), ad, adlen);
		*out_len = len;
	}
	kms_keys_release(k);
	kms_dek_free(d);
	return r;
}

static enum err
reseal_material(void *ctx, const struct db_sealed_row *row, uint8_t *out,
    size_t *out_len)
{
	uint8_t ad[KMS_MATERIAL_AD_MAX];
	char key_id[KMS_KEY_ID_MAX], version_id[KMS_VERSION_ID_BYTES + 1];

	if (row->alen >= sizeof(key_id) || row->blen >= sizeof(version_id))
		return ERR_CORRUPT;
	memcpy(key_id, row->a, row->alen);
	key_id[row->alen] = '\0';
	memcpy(version_id, row->b, row->blen);
	version_id[row->blen] = '\0';
	return kms_rekey_reseal(ctx, row->sealed, row->len, ad,
	    kms_material_ad(ad, key_id, version_id), out, out_len);
}

static enum err
reseal_token(void *ctx, const struct db_sealed_row *row, uint8_t *out,
    size_t *out_len)
{
	uint8_t ad[KMS_TOKEN_AD_MAX];
	char token[KMS_IMPORT_TOKEN_MAX];

	if (row->alen >= sizeof(token))
		return ERR_CORRUPT;
	memcpy(token, row->a, row->alen);
	token[row->alen] = '\0';
	return kms_rekey_reseal(ctx, row->sealed, row->len, ad,
	    kms_token_ad(ad, token), out, out_len);
}

enum err
kms_rekey_own(struct kms *k, uint64_t *count)
{
	enum err r;

	r = kms_db_reseal_material(k->db, reseal_material, k, count);
	if (r == ERR_OK)
		r = kms_db_reseal_tokens(k->db, reseal_token, k, count);
	if (r == ERR_CORRUPT)
		log_errx("kms: a sealed CMK material or import key does not "
		    "open under the current root key; nothing was rotated");
	return r;
}

void
kms_rekey_switch(struct kms *k)
{
	struct kms_keys *t;

	pthread_mutex_lock(&k->keys_lock);
	sodium_mprotect_readonly(k->rekey_other);
	sodium_mprotect_readonly(k->keys);
	t = k->keys;
	k->keys = k->rekey_other;
	k->rekey_other = t;
	k->keys_readable = true;
	k->rekey_switched = !k->rekey_switched;
	pthread_mutex_unlock(&k->keys_lock);
	/* The row key, and with kms_audit_chain_mac reading k->keys the
	 * audit chain's, follow. */
	if (rows_key_set(k, k->keys) != ERR_OK)
		log_errx("kms: cannot install the row key of the new root key");
}

enum err
kms_rekey_record(struct kms *k, int64_t now_ms)
{
	const struct kms_keys *old, *new;
	struct kms_root_row to;
	char ad[96];
	int64_t gen = atomic_load(&k->root_gen);

	if (k->rekey_other == NULL || !k->rekey_switched)
		return ERR_INTERNAL;
	rekey_sets(k, &old, &new);
	memset(&to, 0, sizeof(to));
	kms_root_check_of(new->root, to.check);
	kms_root_check_of(old->root, to.prev_check);
	seal_with(new, to.mac_sealed, new->mac, 32, MACKEY_AD);
	to.mac_sealed_len = 32 + KMS_SEAL_OVERHEAD;
	handover_ad(ad, sizeof(ad), gen + 1);
	seal_with(old, to.handover, new->root, KMS_ROOT_KEY_BYTES, ad);
	to.handover_len = KMS_ROOT_KEY_BYTES + KMS_SEAL_OVERHEAD;
	return kms_db_root_rotated(k->db, gen, &to, now_ms);
}

void
kms_rekey_end(struct kms *k, bool committed)
{
	if (k->rekey_other == NULL)
		return;
	if (!committed && k->rekey_switched)
		kms_rekey_switch(k);
	if (committed)
		atomic_fetch_add(&k->root_gen, 1);
	/* The counters moved with the re-sealed rows already; material
	 * unsealed under the old key goes now rather than at the next
	 * lookup. */
	kms_cache_wipe(k);
	pthread_mutex_lock(&k->keys_lock);
	sodium_free(k->rekey_other);	/* wipes */
	k->rekey_other = NULL;
	k->rekey_switched = false;
	pthread_mutex_unlock(&k->keys_lock);
}

enum err
kms_root_retire(struct kms *k)
{
	enum err r;

	r = db_tx_begin(k->db);
	if (r != ERR_OK)
		return r;
	r = kms_db_root_retire(k->db, atomic_load(&k->root_gen));
	if (r == ERR_CONFLICT)
		r = ERR_NOT_FOUND;
	if (r == ERR_OK)
		r = kms_audit_tx(k, kms_now(k), "cli", "RetireRootKey",
		    "root-key", ERR_OK, "the previous root key opens nothing");
	return db_tx_end(k->db, r);
}

static void
request_ad(char *ad, size_t cap, int64_t gen)
{
	snprintf(ad, cap, "%s gen=%lld", REQUEST_AD, (long long)gen);
}

enum err
kms_root_request(struct kms *k, const uint8_t new_root[static KMS_ROOT_KEY_BYTES],
    int64_t now_ms)
{
	uint8_t check[KMS_CHECK_BYTES];
	uint8_t sealed[KMS_ROOT_KEY_BYTES + KMS_SEAL_OVERHEAD];
	int64_t gen = atomic_load(&k->root_gen);
	char ad[96];
	enum err r;

	kms_root_check_of(new_root, check);
	request_ad(ad, sizeof(ad), gen);
	seal_with(kms_keys_acquire(k), sealed, new_root, KMS_ROOT_KEY_BYTES, ad);
	kms_keys_release(k);
	r = db_tx_begin(k->db);
	if (r != ERR_OK)
		return r;
	r = kms_db_root_request(k->db, gen, check, sealed, sizeof(sealed),
	    now_ms);
	return db_tx_end(k->db, r);
}

enum err
kms_root_request_take(struct kms *k, uint8_t new_root[static KMS_ROOT_KEY_BYTES])
{
	struct kms_root_row row;
	uint8_t check[KMS_CHECK_BYTES];
	char ad[96];
	enum err r;

	r = kms_db_root_read(k->db, &row);
	if (r != ERR_OK)
		return r;
	if (!row.has_request)
		return ERR_NOT_FOUND;
	if (row.gen != atomic_load(&k->root_gen) ||
	    row.req_sealed_len != KMS_ROOT_KEY_BYTES + KMS_SEAL_OVERHEAD)
		return ERR_CORRUPT;
	request_ad(ad, sizeof(ad), row.gen);
	r = open_with(kms_keys_acquire(k), new_root, row.req_sealed,
	    row.req_sealed_len, ad);
	kms_keys_release(k);
	if (r != ERR_OK)
		return ERR_CORRUPT;
	kms_root_check_of(new_root, check);
	if (sodium_memcmp(check, row.req_check, KMS_CHECK_BYTES) != 0)
		return ERR_CORRUPT;
	return ERR_OK;
}

enum err
kms_root_request_fail(struct kms *k, const char *why)
{
	enum err r = db_tx_begin(k->db);

	if (r != ERR_OK)
		return r;
	r = kms_db_root_request_fail(k->db, why);
	return db_tx_end(k->db, r);
}

enum err
kms_root_request_clear(struct kms *k)
{
	enum err r = db_tx_begin(k->db);

	if (r != ERR_OK)
		return r;
	r = kms_db_root_request_clear(k->db);
	return db_tx_end(k->db, r);
}

/* db_tx_check_fn: a write transaction of a process whose keys are not the
 * data dir's any more (another process rotated them) would seal and MAC
 * under a retired key; it is refused before it writes anything. */
enum err
kms_root_gen_check(void *ctx, struct db *db)
{
	struct kms *k = ctx;
	int64_t gen;
	enum err r;

	r = kms_db_root_gen(db, &gen);
	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r != ERR_OK)
		return r;
	if (kms_root_current(k, gen))
		return ERR_OK;
	return ERR_ROOT_KEY_STALE;
}

int64_t
kms_data_root_gen(struct kms *k)
{
	int64_t gen = 0;

	if (kms_db_root_gen(k->db, &gen) != ERR_OK)
		return 0;
	return gen;
}

bool
kms_root_current(struct kms *k, int64_t gen)
{
	int64_t mine = atomic_load(&k->root_gen);

	if (gen == 0 || gen == mine)
		return true;
	if (!atomic_exchange(&k->root_stale, true))
		log_errx("kms: the root key was rotated by another process (now "
		    "generation %lld, this process has %lld): this process "
		    "answers 503 until it is restarted with the new key",
		    (long long)gen, (long long)mine);
	return false;
}

bool
kms_root_stale(struct kms *k)
{
	return atomic_load(&k->root_stale);
}
