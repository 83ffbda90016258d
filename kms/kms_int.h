/* SPDX-License-Identifier: ISC */
/*
 * kms_int.h: declarations shared by the kms/ sources only.
 *
 * Layout of the module:
 *   kms_crypto.c   root key, sealing, MACs, data-key slots and the chunk AEAD
 *   kms_rootkey.c  the root key file
 *   kms_state.c    the pure CMK transition table
 *   kms_db.c       every SQL statement of the CMK tables and the audit table
 *   kms.c          key management: resolution, transitions, aliases, tags,
 *                  versions and rotation
 *   kms_blob.c     Encrypt, Decrypt, GenerateDataKey, ReEncrypt
 *   kms_bind.c     what ciphertexts are bound to; canonical EncryptionContext
 *   kms_import.c   BYOK: RSA wrapping keys (OpenSSL), import, deletion
 *   kms_cmk.c      data keys of SSE-KMS objects, the OSS service key
 *   kms_audit.c    the audit queue and the housekeeping thread
 *   kms_rekey.c    which root key sealed the data; root-key rotation
 *   kms_rootkey_db.c  the SQL of both
 */
#ifndef COFFER_KMS_KMS_INT_H
#define COFFER_KMS_KMS_INT_H

#include <pthread.h>
#include <sodium.h>

#include "db/db.h"
#include "kms/kms.h"
#include "kms/kms_state.h"

/* Subkey ids for crypto_kdf_derive_from_key under context KMS_KDF_CONTEXT. */
enum kms_subkey {
	KMS_SUBKEY_SEAL = 1,
	KMS_SUBKEY_MAC = 2,
	KMS_SUBKEY_OSS = 3,
	KMS_SUBKEY_NONCE = 4,
	KMS_SUBKEY_ROWS = 5,
	KMS_SUBKEY_AUDIT = 6,
	KMS_SUBKEY_CHECK = 7,
};
#define KMS_KDF_CONTEXT "coffer01"

/* CMK material: 256-bit keys (Aliyun_AES_256). */
#define KMS_MATERIAL_BYTES	32
#define KMS_MATERIAL_SEALED	(KMS_MATERIAL_BYTES + KMS_SEAL_OVERHEAD)
/* "cmk" || key id || version id */
#define KMS_MATERIAL_AD_MAX	(3 + KMS_KEY_ID_MAX + KMS_VERSION_ID_BYTES)

/* The one sodium_malloc region with every long-lived key. */
struct kms_keys {
	uint8_t	root[KMS_ROOT_KEY_BYTES];
	uint8_t	seal[32];
	uint8_t	mac[32];
	uint8_t	oss[32];
	uint8_t	audit[32];
};

/* A 32-byte secret in sodium_malloc memory (guard pages, mlock, wiped on
 * release). Data keys of extents and unsealed CMK material both use these
 * slots, recycled through a free list so a request does not pay for
 * sodium_malloc's mmap/mprotect each time. */
struct kms_dek {
	uint8_t		 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	struct kms_dek	*next;
	struct kms	*kms;
};

/* One queued audit row (kms_audit.c). Fixed-size fields: targets and
 * details are truncated, never allocated. */
struct kms_audit_entry {
	int64_t	time_ms;
	char	actor[24];
	char	action[40];
	char	target[160];
	char	result[48];
	char	detail[320];	/* room for a client certificate subject */
};
#define KMS_AUDIT_QUEUE_MAX	2048
/* The flusher writes a batch at least this often. */
#define KMS_AUDIT_FLUSH_MS	250

struct kms {
	struct db		*db;
	const struct clock	*clock;
	struct kms_limits	 limits;	/* every field set (kms_open) */
	struct kms_keys		*keys;		/* sodium_malloc, NOACCESS at rest */
	/* Root-key rotation (kms_rekey.c): the other key set while one
	 * runs (the new one, then the old one once switched), and the
	 * generation of the root key in keys. */
	struct kms_keys		*rekey_other;
	bool			 rekey_switched;
	_Atomic int64_t		 root_gen;	/* read by the tx check */
	_Atomic bool		 root_stale;	/* another process rotated */
	bool			 root_adopted;	/* given the previous key */
	pthread_mutex_t		 keys_lock;	/* guards users and protection */
	unsigned		 keys_users;
	bool			 keys_readable;	/* PROT_READ now */
	bool			 keys_used;	/* acquired since the last idle check */
	pthread_mutex_t		 dek_lock;	/* guards the free list */
	struct kms_dek		*dek_free;
	unsigned		 dek_free_count;
	/* audit queue (kms_audit.c) */
	pthread_mutex_t		 audit_lock;	/* guards everything below */
	pthread_cond_t		 audit_wake;	/* flusher: work or stop */
	pthread_cond_t		 audit_space;	/* producers: room again */
	struct kms_audit_entry	*audit_q;	/* KMS_AUDIT_QUEUE_MAX */
	struct kms_audit_entry	*audit_spare;	/* the batch being written */
	unsigned		 audit_n;
	bool			 audit_running;	/* flusher thread started */
	bool			 audit_stop;
	bool			 audit_busy;	/* a batch is being written */
	pthread_t		 audit_thread;
	uint64_t		 audit_dropped;
	struct kms_cache	*cache;		/* kms_cache.c */
};

/* Makes keys readable for the duration of an operation; pair with
 * kms_keys_release. Thread-safe and nestable across threads. */
const struct kms_keys *kms_keys_acquire(struct kms *k);
void kms_keys_release(struct kms *k);
/* Makes the keys inaccessible again when nothing used them since the
 * previous call (the housekeeping thread calls it every
 * KMS_AUDIT_FLUSH_MS). */
void kms_keys_idle(struct kms *k);
/* The audit chain's keyed hash (db.h db_audit_mac_fn; ctx: the kms),
 * installed by kms_open. */
void kms_audit_chain_mac(void *ctx, uint8_t *out, const void *p, size_t n);

/* Root key file handling (kms_rootkey.c). ret must be 32 writable bytes. */
enum err kms_rootkey_load(const char *path, bool create,
    uint8_t ret[static KMS_ROOT_KEY_BYTES]);

/* XChaCha20-Poly1305 with a random nonce: out = nonce || ct || tag
 * (n + KMS_SEAL_OVERHEAD bytes). */
void kms_aead_seal(uint8_t *out, const uint8_t *key, const void *in, size_t n,
    const void *ad, size_t adlen);
/* ERR_CORRUPT when it does not authenticate. */
enum err kms_aead_open(uint8_t *out, const uint8_t *key, const uint8_t *in,
    size_t n, const void *ad, size_t adlen) __attribute__((warn_unused_result));
/* A wiped secret slot; NULL on out-of-memory. Free with kms_dek_free. */
struct kms_dek *kms_dek_alloc(struct kms *k);

/* Associated data of a data key wrapped under "oss", and of one wrapped
 * under a CMK before format v2: "dek" || extent uuid || wrap_key, so a
 * wrapped key moved to another extent, or presented as wrapped by another
 * key, fails to open. Returns its length. */
#define KMS_WRAP_AD_MAX (3 + KMS_UUID_BYTES + KMS_WRAP_KEY_MAX)
size_t kms_wrap_ad(uint8_t ad[static KMS_WRAP_AD_MAX], const uint8_t *uuid,
    const char *wrap_key);
/* SSE-KMS data keys under a CMK version (kms_cmk.c); errors as
 * kms_dek_create / kms_dek_open. */
enum err kms_cmk_wrap(struct kms *k, int64_t account, const char *cmk_id,
    const uint8_t *uuid, const uint8_t *dek, uint8_t *wrapped,
    size_t *ret_len, char *wrap_key);
enum err kms_cmk_unwrap(struct kms *k, int64_t account, const char *wrap_key,
    const uint8_t *uuid, const uint8_t *wrapped, size_t len, uint8_t *dek);

/* ---- ciphertext binding (kms_bind.c) ---- */

/* Whose ciphertext it is: format v2 binds every ciphertext to the owning
 * account, the key and the version (kms_bind.c has the encoding). */
enum kms_bind_purpose {
	KMS_BIND_BLOB,		/* Encrypt, GenerateDataKey, ReEncrypt blobs */
	KMS_BIND_DEK,		/* data keys of SSE-KMS extents */
};
struct kms_binding {
	enum kms_bind_purpose	 purpose;
	const char		*account_id;	/* 16 digits */
	const char		*key_id;
	const char		*version_id;
};
/* lp(tag) || lp(account) || lp(key) || lp(version); tags are < 32 bytes. */
#define KMS_BINDING_MAX	(4 * 4 + 32 + KMS_ACCOUNT_ID_BYTES + KMS_KEY_ID_MAX + \
			    KMS_VERSION_ID_BYTES)
#define KMS_BLOB_AD_BYTES	crypto_hash_sha256_BYTES
#define KMS_DEK_AD_MAX		(KMS_BINDING_MAX + KMS_UUID_BYTES)
#define KMS_CONTEXT_PAIRS_MAX	64

/* An EncryptionContext in canonical order; points into the caller's pairs. */
struct kms_context {
	const struct kv	*pairs[KMS_CONTEXT_PAIRS_MAX];
	size_t		 n;
};
/* Sorts ctx bytewise by key. ERR_INVALID_ARGUMENT for a duplicate key, more
 * than KMS_CONTEXT_PAIRS_MAX pairs or more than 8 KiB of text. */
enum err kms_context_canon(const struct kv *ctx, size_t n,
    struct kms_context *ret) __attribute__((warn_unused_result));
/* The v2 key for b derived from a version's material, in a fresh slot
 * (free with kms_dek_free). ERR_NOMEM. */
enum err kms_bind_subkey(struct kms *k, const struct kms_dek *material,
    const struct kms_binding *b, struct kms_dek **ret)
    __attribute__((warn_unused_result));
/* Associated data of a v2 blob: binding and context, hashed. */
void kms_bind_blob_ad(uint8_t ad[static KMS_BLOB_AD_BYTES],
    const struct kms_binding *b, const struct kms_context *c);
/* Associated data of a legacy blob: SHA-256("k1=v1&k2=v2"), or nothing
 * (returns 0) without a context. For reading old blobs only. */
size_t kms_bind_blob_ad_legacy(uint8_t ad[static KMS_BLOB_AD_BYTES],
    const struct kms_context *c);
/* Associated data of a v2 wrapped data key: binding || extent uuid.
 * Returns its length. */
size_t kms_bind_dek_ad(uint8_t ad[static KMS_DEK_AD_MAX],
    const struct kms_binding *b, const uint8_t *uuid);

/* ---- stored CMK rows (kms_db.c) ---- */

struct kms_key_row {
	int64_t			 id;		/* rowid */
	int64_t			 account;
	int64_t			 generation;
	enum kms_key_state	 stored;	/* as stored; m.state is effective */
	bool			 has_fp;
	uint8_t			 fp[KMS_MAC_BYTES];
	/* the primary version's sealed material (0: none) */
	uint8_t			 primary_sealed[KMS_MATERIAL_SEALED];
	size_t			 primary_sealed_len;
	struct kms_key_meta	 m;
};

/* Lookups fill *ret with m.state = kms_state_effective(now_ms); ERR_NOT_FOUND
 * when there is no such row. */
enum err kms_db_key_get(struct db *db, const char *key_id, int64_t now_ms,
    struct kms_key_row *ret);
enum err kms_db_key_get_by_alias(struct db *db, int64_t account,
    const char *alias, int64_t now_ms, struct kms_key_row *ret);
/* One stored version, as a ciphertext naming it needs it. */
struct kms_version_row {
	int64_t	created_ms;
	uint8_t	sealed[KMS_MATERIAL_SEALED];
	size_t	sealed_len;	/* 0: no material */
	bool	legacy_blobs;	/* existed before migration 0006: also
				 * opens ciphertexts of the unbound form */
};
/* The key a version belongs to, and the version itself. */
enum err kms_db_key_get_by_version(struct db *db, const char *version_id,
    int64_t now_ms, struct kms_key_row *ret, struct kms_version_row *ret_v);
/* Calls fn for every key of account (destroyed ones too), oldest first. */
enum err kms_db_key_list(struct db *db, int64_t account, int64_t now_ms,
    void (*fn)(void *ctx, const struct kms_key_row *row), void *ctx);
/* ListKeys without filters: key ids [offset, offset + limit) of account's
 * keys not destroyed at now_ms, oldest first; *ret_total counts them all.
 * Reads neither the material nor the rest of the row. */
enum err kms_db_key_page(struct db *db, int64_t account, int64_t now_ms,
    uint64_t offset, uint64_t limit,
    void (*fn)(void *ctx, const char *key_id, const char *creator),
    void *ctx, uint64_t *ret_total);
/* Inserts row (id and generation are set on success). */
enum err kms_db_key_insert(struct db *db, struct kms_key_row *row);
/* Compare-and-set: writes every mutable column of nrow where the row still
 * has old's stored state and generation, and bumps the generation.
 * ERR_CONFLICT when it lost the race. */
enum err kms_db_key_update(struct db *db, const struct kms_key_row *old,
    const struct kms_key_row *nrow);
/* Deletes a key row and everything hanging off it (versions with their
 * material, aliases, tags, tokens). */
enum err kms_db_key_delete(struct db *db, int64_t id);
/* Rows that are destroyed at now_ms (PendingDeletion past delete_ms),
 * and Enabled keys whose automatic rotation is due: up to max ids each. */
enum err kms_db_keys_destroyed(struct db *db, int64_t now_ms, int64_t *ids,
    size_t max, size_t *ret_n);
enum err kms_db_keys_rotation_due(struct db *db, int64_t now_ms,
    int64_t *ids, size_t max, size_t *ret_n);
enum err kms_db_key_get_by_id(struct db *db, int64_t id, int64_t now_ms,
    struct kms_key_row *ret);

enum err kms_db_version_insert(struct db *db, int64_t key,
    const char *version_id, int64_t created_ms, const uint8_t *sealed,
    size_t sealed_len);
/* sealed NULL clears the material. */
enum err kms_db_version_set_material(struct db *db, int64_t key,
    const char *version_id, const uint8_t *sealed, size_t sealed_len);
enum err kms_db_version_list(struct db *db, int64_t key,
    void (*fn)(void *ctx, const char *version_id, int64_t created_ms),
    void *ctx);
enum err kms_db_version_count(struct db *db, int64_t key, int64_t *ret);
/* Clears legacy_blobs on every version of key; *ret_n: how many had it. */
enum err kms_db_versions_refuse_legacy(struct db *db, int64_t key,
    unsigned *ret_n);

/* What the account's quotas count (kms.h, struct kms_limits): its own
 * keys, its aliases other than alias/acs/..., the versions of its own keys;
 * keys destroyed at now_ms (and their aliases and versions) excluded. The
 * count stops at cap, so its cost is bounded by the quota, not by how
 * many rows exist. */
enum kms_quota {
	KMS_QUOTA_KEYS,
	KMS_QUOTA_ALIASES,
	KMS_QUOTA_KEY_VERSIONS,
};
enum err kms_db_quota_count(struct db *db, enum kms_quota what,
    int64_t account, int64_t now_ms, int64_t cap, int64_t *ret);

/* ERR_EXISTS when the account has the alias already. */
enum err kms_db_alias_insert(struct db *db, int64_t account, const char *name,
    int64_t key, int64_t now_ms);
/* ERR_NOT_FOUND when absent. */
enum err kms_db_alias_get(struct db *db, int64_t account, const char *name,
    int64_t *ret_key);
enum err kms_db_alias_set(struct db *db, int64_t account, const char *name,
    int64_t key);
enum err kms_db_alias_delete(struct db *db, int64_t account,
    const char *name);
/* key 0: every alias of account. fn gets the target's row id. By name. */
enum err kms_db_alias_list(struct db *db, int64_t account, int64_t key,
    void (*fn)(void *ctx, const char *name, int64_t key), void *ctx);

enum err kms_db_tag_put(struct db *db, int64_t key, const char *tag_key,
    const char *tag_value);
enum err kms_db_tag_delete(struct db *db, int64_t key, const char *tag_key);
enum err kms_db_tag_count(struct db *db, int64_t key, int64_t *ret);
enum err kms_db_tag_has(struct db *db, int64_t key, const char *tag_key,
    bool *ret);
enum err kms_db_tag_list(struct db *db, int64_t key,
    void (*fn)(void *ctx, const char *tag_key, const char *tag_value),
    void *ctx);

enum err kms_db_token_insert(struct db *db, const char *token, int64_t key,
    const char *algorithm, const uint8_t *sealed, size_t sealed_len,
    int64_t expire_ms);
/* algorithm: 32 bytes; sealed: cap bytes. ERR_NOT_FOUND. */
enum err kms_db_token_get(struct db *db, const char *token, int64_t *ret_key,
    char *algorithm, uint8_t *sealed, size_t cap, size_t *ret_len,
    int64_t *ret_expire_ms);
enum err kms_db_token_purge(struct db *db, int64_t now_ms);

/* The 16-digit account id of an accounts row; ERR_NOT_FOUND. */
enum err kms_db_account_id(struct db *db, int64_t account, char *out,
    size_t cap);

enum err kms_db_audit_insert(struct db *db, const struct kms_audit_entry *e);
enum err kms_db_audit_list(struct db *db, unsigned limit,
    void (*fn)(void *ctx, const struct kms_audit_row *row), void *ctx);

/* ---- shared helpers (kms.c) ---- */

/* One state change for kms_change_run: the action judged by the table,
 * then apply (optional) edits nrow (a copy of old with the new state) and
 * may run more SQL in the same transaction; write_row makes the runner
 * compare-and-set the key row to nrow. An error from apply rolls
 * everything back. */
struct kms_change {
	enum kms_action		 action;
	enum err		(*apply)(struct kms *k, int64_t now,
				    const struct kms_key_row *old,
				    struct kms_key_row *nrow, void *arg);
	void			*arg;
	bool			 write_row;
	const char		*detail;	/* audit detail */
	struct kms_key_row	*ret_row;	/* optional: the row after */
};
/* BEGIN IMMEDIATE; resolve key_ref for who at the business time; the pure
 * table; apply; CAS update; audit row; COMMIT. Refusals and failures roll
 * back and are audited in a transaction of their own. */
enum err kms_change_run(struct kms *k, const struct kms_caller *who,
    const char *key_ref, struct kms_change *ch);

int64_t kms_now(const struct kms *k);
/* Resolves a key_ref for who (see kms.h), judged at now_ms. */
enum err kms_key_resolve(struct kms *k, const struct kms_caller *who,
    const char *key_ref, int64_t now_ms, struct kms_key_row *ret);
/* kms_state_apply on a row. */
enum err kms_row_apply(const struct kms_key_row *row, enum kms_action action,
    enum kms_key_state *ret_to) __attribute__((warn_unused_result));
/* Unseals a version's material into a fresh slot. ERR_CORRUPT when it does
 * not open (moved or tampered row). */
enum err kms_material_open(struct kms *k, const char *key_id,
    const char *version_id, const uint8_t *sealed, size_t sealed_len,
    struct kms_dek **ret) __attribute__((warn_unused_result));
/*
 * The version cache (kms_cache.c): a version's key row (the fields the
 * state checks read, m.state derived at now_ms) and its material, from
 * the cache when nothing changed since it was filled, else from the
 * database, and the subkey of the version's ciphertext blobs
 * (kms_bind_subkey, KMS_BIND_BLOB). state_kms: the caller's
 * state_version.kms (struct kms_caller), 0 to read it here. *ret_mat and
 * *ret_sub stay NULL when the version has no material or it
 * does not open (logged): the caller's ERR_KEY_PENDING_IMPORT or
 * ERR_CORRUPT, after its state checks. ERR_NOT_FOUND: no such version.
 */
enum err kms_version_load(struct kms *k, int64_t state_kms,
    const char *version_id, int64_t now_ms, struct kms_key_row *row,
    struct kms_version_row *v, struct kms_dek **ret_mat,
    struct kms_dek **ret_sub);
enum err kms_cache_open(struct kms *k);
/* Forgets and wipes every entry (root-key rotation). */
void kms_cache_wipe(struct kms *k);
void kms_cache_close(struct kms *k);
/* Seals 32 bytes of material for (key_id, version_id) into out
 * (KMS_MATERIAL_SEALED bytes). */
void kms_material_seal(struct kms *k, uint8_t *out, const char *key_id,
    const char *version_id, const uint8_t *material);
/* A random UUID (version 4), lower-case, 36 characters + NUL. */
void kms_uuid(char out[static KMS_VERSION_ID_BYTES + 1]);
/* Inside the caller's transaction: ERR_KMS_LIMIT_EXCEEDED when adding n
 * more of what to the account would pass its quota. */
enum err kms_quota_check(struct kms *k, enum kms_quota what, int64_t account,
    int64_t now_ms, unsigned n);
/* Rotates row's key to a new primary version inside the caller's
 * transaction (compare-and-set on row). Updates *row. */
enum err kms_rotate_in_tx(struct kms *k, struct kms_key_row *row,
    int64_t now_ms, struct kms_version_info *ret);
/* Rotates the key of row if its automatic rotation is due (own
 * transaction); re-reads *row afterwards. Never fails the caller's
 * operation: a lost race or error leaves *row as it was. */
void kms_rotate_if_due(struct kms *k, struct kms_key_row *row);

/* ---- the root_key row (kms_rootkey_db.c, schema 0014) ---- */

struct kms_root_row {
	bool	 present;
	int64_t	 gen;
	uint8_t	 check[KMS_CHECK_BYTES];
	uint8_t	 mac_sealed[32 + KMS_SEAL_OVERHEAD];
	size_t	 mac_sealed_len;
	bool	 has_prev;
	uint8_t	 prev_check[KMS_CHECK_BYTES];
	bool	 has_handover;
	uint8_t	 handover[KMS_ROOT_KEY_BYTES + KMS_SEAL_OVERHEAD];
	size_t	 handover_len;
	bool	 has_request;
	uint8_t	 req_check[KMS_CHECK_BYTES];
	uint8_t	 req_sealed[KMS_ROOT_KEY_BYTES + KMS_SEAL_OVERHEAD];
	size_t	 req_sealed_len;
	char	 req_error[256];
};
enum err kms_db_root_read(struct db *db, struct kms_root_row *ret);
enum err kms_db_root_insert(struct db *db,
    const uint8_t check[static KMS_CHECK_BYTES], const uint8_t *mac_sealed,
    size_t len);
enum err kms_db_root_gen(struct db *db, int64_t *ret);
/* Compare-and-set on from_gen: gen + 1 and to's check, mac_sealed,
 * prev_check and handover; clears the request. */
enum err kms_db_root_rotated(struct db *db, int64_t from_gen,
    const struct kms_root_row *to, int64_t now_ms);
enum err kms_db_root_retire(struct db *db, int64_t gen);
enum err kms_db_root_request(struct db *db, int64_t gen,
    const uint8_t check[static KMS_CHECK_BYTES], const uint8_t *sealed,
    size_t len, int64_t now_ms);
enum err kms_db_root_request_fail(struct db *db, const char *why);
enum err kms_db_root_request_clear(struct db *db);
enum err kms_db_reseal_material(struct db *db, db_reseal_fn *fn, void *ctx,
    uint64_t *count);
enum err kms_db_reseal_tokens(struct db *db, db_reseal_fn *fn, void *ctx,
    uint64_t *count);
/* kms_open: which key sealed the data (kms_rekey.c). Loads the material
 * fingerprint key; adopts the newer key from the handover when the given
 * one is the retiring one. */
enum err kms_root_open(struct kms *k);
/* db_tx_check_fn of every write transaction (kms_open installs it). */
enum err kms_root_gen_check(void *ctx, struct db *db);
/* Derives every subkey of keys->root but the fingerprint key. */
void kms_keys_derive(struct kms_keys *keys);
/* The material of an EXTERNAL key and an import token's private key are
 * sealed with these (kms.c, kms_import.c); root-key rotation re-seals. */
size_t kms_material_ad(uint8_t ad[static KMS_MATERIAL_AD_MAX],
    const char *key_id, const char *version_id);
#define KMS_TOKEN_AD_MAX	(3 + KMS_IMPORT_TOKEN_MAX)
size_t kms_token_ad(uint8_t ad[static KMS_TOKEN_AD_MAX], const char *token);

/* ---- audit (kms_audit.c) ---- */

/* Fills an entry: result is "ok" for ERR_OK, else the error's KMS code. */
void kms_audit_fill(struct kms_audit_entry *e, int64_t time_ms,
    const char *actor, const char *action, const char *target, enum err r,
    const char *detail);
/* Writes one row now, inside the caller's transaction. */
enum err kms_audit_tx(struct kms *k, int64_t time_ms, const char *actor,
    const char *action, const char *target, enum err r, const char *detail);
/* Queues one row for the flusher (crypto operations). Blocks briefly when
 * the queue is full. */
void kms_audit_queue(struct kms *k, const char *actor, const char *action,
    const char *target, enum err r, const char *detail);
/* The same for a caller's operation: actor and, under mutual TLS, the
 * client certificate's subject in the detail. */
void kms_audit_queue_call(struct kms *k, const struct kms_caller *who,
    const char *action, const char *target, enum err r, const char *detail);
/* Starts the housekeeping thread (audit batches, key protection); if it
 * cannot start, audit rows are written synchronously and the keys are
 * re-protected at kms_close only. */
void kms_audit_start(struct kms *k);
/* Stops the flusher and writes what is queued (kms_close). */
void kms_audit_shutdown(struct kms *k);
enum err kms_audit_init(struct kms *k);

#endif
