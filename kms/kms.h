/* SPDX-License-Identifier: ISC */
/*
 * kms.h: keys (L2). The only module that handles plaintext key material; it
 * exports operations, never keys.
 *
 * Key hierarchy (../shared/DESIGN.md §1):
 *   root key (32 B, DATA_DIR/root.key or $CREDENTIALS_DIRECTORY/root.key)
 *    ├─ subkey "seal": seals secrets stored in SQLite (access-key secrets,
 *    │                 CMK material)
 *    ├─ subkey "mac":  MACs rows whose tampering would break a promise
 *    ├─ subkey "oss":  wraps data keys of SSE-OSS (AES256) objects
 *    ├─ subkey "rows": seals the rows retention decisions read (handed to
 *    │                 the database by kms_open, db/seal.h)
 *    ├─ subkey "audit": keys the hash chain of the audit table
 *    └─ CMK versions:  wrap data keys of SSE-KMS objects
 *         └─ data key (32 B, random, one per extent): seals its chunks
 *
 * The root key and its subkeys live in one sodium_malloc region that is
 * PROT_NOACCESS while idle: mapped read-only by the first operation and
 * unmapped again by the housekeeping thread once no operation has used it
 * for a period (kms_crypto.c explains why not after every operation). Sealing is XChaCha20-Poly1305 with
 * a random nonce and associated data naming what is sealed, so a sealed value
 * moved to another row fails to open.
 */
#ifndef COFFER_KMS_KMS_H
#define COFFER_KMS_KMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct db;
struct clock;
struct kv;
struct kms;
struct kms_dek;

#define KMS_ROOT_KEY_BYTES	32
#define KMS_SEAL_OVERHEAD	40	/* nonce 24 + tag 16 */
#define KMS_MAC_BYTES		32
#define KMS_WRAPPED_MAX		160	/* largest wrapped data key */
#define KMS_WRAP_KEY_MAX	96	/* "oss" or "cmk:<version id>" */
#define KMS_UUID_BYTES		16

/* Customer master keys (the KMS API, spec kms-api.md §1). */
#define KMS_KEY_ID_MAX		64	/* key id + NUL; ids are 36-char UUIDs */
#define KMS_VERSION_ID_BYTES	36	/* UUID text; a ciphertext blob's prefix */
#define KMS_ACCOUNT_ID_BYTES	17	/* 16 digits + NUL */
#define KMS_ALIAS_MAX		256	/* "alias/..." 7-255 bytes + NUL */
#define KMS_DESC_CHARS		8192	/* Description: 0-8192 characters */
#define KMS_DESC_BYTES		(4 * KMS_DESC_CHARS + 1)
#define KMS_PROTECTION_DESC_MAX	1024	/* DeletionProtectionDescription */
#define KMS_SPEC_MAX		32	/* KeySpec, KeyUsage, Origin, ... */
#define KMS_PLAINTEXT_MAX	6144	/* Encrypt: 6 KB of plaintext */
#define KMS_DATA_KEY_MAX	1024	/* GenerateDataKey NumberOfBytes */
#define KMS_DATA_KEY_B64_MAX	1369	/* base64 of 1024 bytes + NUL */
#define KMS_GCM_IV_BYTES	12
#define KMS_GCM_TAG_BYTES	16
/* base64(version id || IV || ciphertext || tag) of the largest plaintext. */
#define KMS_BLOB_B64_MAX	(4 * ((KMS_VERSION_ID_BYTES + KMS_GCM_IV_BYTES + \
				    KMS_PLAINTEXT_MAX + KMS_GCM_TAG_BYTES + 2) / 3) + 1)
#define KMS_TAG_KEY_MAX		128
#define KMS_TAG_VALUE_MAX	256
#define KMS_TAGS_MAX		10	/* TagResource: up to 10 tags per key */
/* Alibaba's per-account, per-region quotas: the defaults of
 * struct kms_limits. */
#define KMS_KEYS_QUOTA		200
#define KMS_ALIASES_QUOTA	300
#define KMS_KEY_VERSIONS_QUOTA	10000
#define KMS_VERSIONS_MAX	50	/* CreateKeyVersion: up to 50 versions */
#define KMS_IMPORT_TOKEN_MAX	96
#define KMS_PUBLIC_KEY_B64_MAX	512	/* base64 of a 294-byte RSA-2048 SPKI */
#define KMS_PAGE_SIZE_MAX	100

/*
 * Quotas (Rejected.LimitExceeded). Per account: keys, aliases and key
 * versions (all keys together) the account created; what the service made
 * for itself (the OSS service key and its alias/acs/ alias) and destroyed
 * keys do not count. Per key: tags. 0 means the default above. Each check
 * runs in the transaction of the insert it guards, so concurrent creations
 * cannot pass it together.
 */
struct kms_limits {
	unsigned	 keys;		/* KMS_KEYS_QUOTA */
	unsigned	 aliases;	/* KMS_ALIASES_QUOTA */
	unsigned	 key_versions;	/* KMS_KEY_VERSIONS_QUOTA */
	unsigned	 tags;		/* KMS_TAGS_MAX per key; CreateKey 2x */
};

struct kms_settings {
	const char		*root_key_path;
	bool			 create_root_key;	/* create when missing */
	struct db		*db;
	const struct clock	*clock;
	struct kms_limits	 limits;
};

/* Loads (or creates, 0600) the root key. ERR_NOT_FOUND when it is missing
 * and create_root_key is false; ERR_CORRUPT when it is not 32 bytes.
 * Installs the audit chain's keyed hash on s->db (db_audit_set_mac), so
 * every process that holds the root key appends to and verifies one
 * chain; kms_close removes it. */
enum err kms_open(const struct kms_settings *s, struct kms **ret);
void kms_close(struct kms *k);

/*
 * ---- the root key's identity and its rotation (kms_rekey.c) ----
 *
 * The data dir records which root key sealed it by a check value (a keyed
 * hash under a subkey, never the key) and a generation (schema 0014).
 * kms_open refuses another key with ERR_ROOT_KEY_MISMATCH. A rotation
 * runs in one write transaction of the caller (api/root_key.c):
 * kms_rekey_begin, then every sealed value of the other modules through
 * kms_rekey_reseal / kms_rekey_rewrap and kms/'s own with kms_rekey_own,
 * kms_rekey_switch (from then on every seal, MAC and the database's row
 * key are the new key's), the other modules' MACs again, kms_rekey_record,
 * commit, kms_rekey_end. Until kms_root_retire, the new key stays sealed
 * under the old one, so a process given the old key still opens the data.
 */
#define KMS_CHECK_BYTES		32
void kms_root_check_of(const uint8_t root[static KMS_ROOT_KEY_BYTES],
    uint8_t out[static KMS_CHECK_BYTES]);
/* Room for a root key outside kms/: locked, guarded, wiped when freed.
 * NULL when out of memory. */
uint8_t *kms_root_buf_new(void);
void kms_root_buf_free(uint8_t *b);
bool kms_check_equal(const uint8_t a[static KMS_CHECK_BYTES],
    const uint8_t b[static KMS_CHECK_BYTES]);
/* Reads a 32-byte key file (kms_rootkey.c rules) into out. */
enum err kms_root_read(const char *path, uint8_t out[static KMS_ROOT_KEY_BYTES]);
struct kms_root_info {
	int64_t	 gen;
	uint8_t	 check[KMS_CHECK_BYTES];	/* of the key in force */
	bool	 retiring;	/* the previous key is not retired yet */
	bool	 given_is_old;	/* this process was given the previous key */
	bool	 requested;	/* a rotation waits for the daemon */
	uint8_t	 request_check[KMS_CHECK_BYTES];
	char	 request_error[256];	/* "" unless the daemon refused it */
};
enum err kms_root_info(struct kms *k, struct kms_root_info *ret);
enum err kms_rekey_begin(struct kms *k, const uint8_t new_root[static KMS_ROOT_KEY_BYTES]);
/* A value sealed with kms_seal under ad, sealed again under the new key
 * (*out_len: capacity in, length out). ERR_CORRUPT when it does not open. */
enum err kms_rekey_reseal(struct kms *k, const uint8_t *sealed, size_t len,
    const void *ad, size_t adlen, uint8_t *out, size_t *out_len);
/* A data key wrapped under "oss" for extent uuid, wrapped under the new
 * key's "oss". */
enum err kms_rekey_rewrap(struct kms *k, const uint8_t *uuid,
    const uint8_t *wrapped, size_t len, uint8_t *out, size_t *out_len);
/* CMK material and import keys. *count: values re-sealed. */
enum err kms_rekey_own(struct kms *k, uint64_t *count);
void kms_rekey_switch(struct kms *k);
enum err kms_rekey_record(struct kms *k, int64_t now_ms);
/* After the commit (committed) or instead of it: the old keys are wiped,
 * or put back. */
void kms_rekey_end(struct kms *k, bool committed);
/* Deletes the handover (own transaction): the previous key opens nothing
 * from now on. ERR_NOT_FOUND when there is none. */
enum err kms_root_retire(struct kms *k);
/* The CLI asks the running daemon to rotate to new_root (sealed under the
 * current key); the daemon takes it with kms_root_request_take and
 * reports a refusal with kms_root_request_fail. */
enum err kms_root_request(struct kms *k,
    const uint8_t new_root[static KMS_ROOT_KEY_BYTES], int64_t now_ms);
/* ERR_NOT_FOUND when nothing is asked; new_root is the caller's
 * sodium_malloc'd buffer. */
enum err kms_root_request_take(struct kms *k,
    uint8_t new_root[static KMS_ROOT_KEY_BYTES]);
enum err kms_root_request_fail(struct kms *k, const char *why);
enum err kms_root_request_clear(struct kms *k);
/* Whether gen, the data's root-key generation (db_state_version; 0:
 * none), is this process's. When another process rotated past it, the
 * process is stale from then on: it can open nothing the new key sealed,
 * so its requests answer ERR_ROOT_KEY_STALE (503) and its health check
 * says so, until it is restarted with the new key. */
bool kms_root_current(struct kms *k, int64_t gen);
/* The data's root-key generation as the database says now; 0 when it
 * cannot be read. */
int64_t kms_data_root_gen(struct kms *k);
bool kms_root_stale(struct kms *k);

/* out (n + KMS_SEAL_OVERHEAD) = seal(plain) under "seal", bound to ad. */
enum err kms_seal(struct kms *k, uint8_t *out, const void *plain, size_t n,
    const void *ad, size_t adlen);
/* out (n - KMS_SEAL_OVERHEAD) = open(sealed). ERR_CORRUPT on failure. */
enum err kms_unseal(struct kms *k, void *out, const uint8_t *sealed, size_t n,
    const void *ad, size_t adlen) __attribute__((warn_unused_result));

/* HMAC-SHA256 under "mac". */
void kms_mac(struct kms *k, uint8_t out[static KMS_MAC_BYTES], const void *p,
    size_t n);
bool kms_mac_verify(struct kms *k, const uint8_t mac[static KMS_MAC_BYTES],
    const void *p, size_t n) __attribute__((warn_unused_result));

/* The key of the KMS listener's replay-cache fingerprints (auth.h,
 * auth_nonce_*): root-key subkey "nonce", the same after every restart
 * without a file of its own. The one subkey that leaves kms/: it keys a
 * hash table of used SignatureNonces and protects no data, only that
 * table's resistance to crafted collisions. The caller wipes out. */
#define KMS_NONCE_KEY_BYTES	16
void kms_nonce_key(struct kms *k, uint8_t out[static KMS_NONCE_KEY_BYTES]);

/*
 * ---- data keys for objects (SSE-OSS and SSE-KMS) ----
 *
 * account is the accounts.id row of the object's owner: a CMK is found only
 * among that account's keys (by id, "alias/..." or ARN), like real OSS
 * acting for the bucket owner.
 */

/* Creates a random data key for one extent and wraps it: under "oss" when
 * cmk_id is NULL (SSE-OSS), else under the CMK's current (primary) version.
 * Fills wrapped (KMS_WRAPPED_MAX) and wrap_key (KMS_WRAP_KEY_MAX; "oss" or
 * "cmk:<key version id>") for storage, so opening works after rotation.
 * Key state is judged with the business clock at the time of the call.
 * Errors for a CMK: ERR_KEY_NOT_FOUND (unknown, another account's, or
 * destroyed), ERR_ALIAS_NOT_FOUND, ERR_KEY_DISABLED, ERR_KEY_PENDING_DELETION,
 * ERR_KEY_PENDING_IMPORT (also: imported material expired). Thread-safe. */
enum err kms_dek_create(struct kms *k, int64_t account, const char *cmk_id,
    const uint8_t uuid[static KMS_UUID_BYTES], uint8_t *wrapped,
    size_t *ret_wrapped_len, char *wrap_key, struct kms_dek **ret);
/* Unwraps a stored data key. Same CMK errors as above (the CMK is the one
 * wrap_key names, and must belong to account), plus ERR_CORRUPT when the
 * wrapped key does not authenticate. */
enum err kms_dek_open(struct kms *k, int64_t account, const char *wrap_key,
    const uint8_t *wrapped, size_t wrapped_len,
    const uint8_t uuid[static KMS_UUID_BYTES], struct kms_dek **ret)
    __attribute__((warn_unused_result));
/* The account's default OSS service key (alias "alias/acs/oss", Enabled,
 * Aliyun_KMS, managed: it cannot be disabled or scheduled for deletion),
 * created on first use in one BEGIN IMMEDIATE transaction, so concurrent
 * first uses agree on one key. ret_key_id: KMS_KEY_ID_MAX bytes. */
enum err kms_service_key(struct kms *k, int64_t account, char *ret_key_id);
/* Wipes and frees; NULL-safe. */
void kms_dek_free(struct kms_dek *d);

/* Chunk AEAD under a data key, shaped for struct store_cipher (ctx is the
 * struct kms_dek *). out = nonce || ct || tag. */
enum err kms_dek_seal(void *dek, uint8_t *out, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen);
enum err kms_dek_open_chunk(void *dek, uint8_t *out, const uint8_t *in,
    size_t n, const uint8_t *ad, size_t adlen);

/*
 * ---- customer master keys: states ----
 *
 * The states are public; the transition table that moves keys between them
 * is the module's own (kms_state.h).
 */
enum kms_key_state {
	KMS_KEY_ENABLED,
	KMS_KEY_DISABLED,
	KMS_KEY_PENDING_DELETION,
	KMS_KEY_PENDING_IMPORT,
	KMS_KEY_DESTROYED,	/* derived: PendingDeletion past its DeleteDate */
	KMS_KEY_STATE__COUNT
};

/* "Enabled", "Disabled", "PendingDeletion", "PendingImport", "Destroyed". */
const char *kms_state_name(enum kms_key_state s);
/* Parses the four stored names; false otherwise. */
bool kms_state_parse(const char *s, enum kms_key_state *ret);

/*
 * ---- customer master keys: operations ----
 *
 * Every function below acts for one caller and sees only that caller's
 * keys. A key_ref is a key id, "alias/<name>", or an ARN
 * "acs:kms:<region>:<account id>:key/<id>" / "...:alias/<name>"; an ARN of
 * another account, an unknown id and a destroyed key are all
 * ERR_KEY_NOT_FOUND, an unknown alias ERR_ALIAS_NOT_FOUND. State refusals
 * are those of kms_state_apply. Each state change is one BEGIN IMMEDIATE
 * transaction with a compare-and-set UPDATE and its audit row; crypto
 * operations are audited through a queue flushed in batches (kms_tick,
 * or when it fills). All functions are thread-safe. Strings in results
 * are NUL-terminated copies; nothing returned points into kms/.
 */
struct kms_caller {
	int64_t		 account;	/* accounts.id */
	char		 account_id[KMS_ACCOUNT_ID_BYTES];	/* ARNs, Creator */
	const char	*actor;		/* audit actor: account id or "cli" */
	/* Under mutual TLS, the verified client certificate's subject:
	 * recorded with every audit row of the call. NULL without. */
	const char	*client_cert;
	/* state_version.kms as the caller read it at the start of its
	 * request, before any row (db/state_version.h), so the version
	 * cache needs no read of its own; 0: not read, the cache reads. */
	int64_t		 state_kms;
};

struct kms_key_meta {
	char			 key_id[KMS_KEY_ID_MAX];
	char			 creator[KMS_ACCOUNT_ID_BYTES];
	enum kms_key_state	 state;		/* effective at the call */
	char			 key_spec[KMS_SPEC_MAX];
	char			 key_usage[KMS_SPEC_MAX];
	char			 origin[KMS_SPEC_MAX];
	char			 protection_level[KMS_SPEC_MAX];
	char			 description[KMS_DESC_BYTES];
	int64_t			 created_ms;
	int64_t			 delete_ms;	/* PendingDeletion only; else 0 */
	int64_t			 last_rotation_ms;
	int64_t			 material_expire_ms;	/* 0 = never / n.a. */
	bool			 deletion_protection;
	char			 deletion_protection_desc[KMS_PROTECTION_DESC_MAX + 1];
	bool			 rotation;	/* automatic rotation configured */
	int64_t			 rotation_interval_s;	/* 0 = never configured */
	char			 primary_version[KMS_VERSION_ID_BYTES + 1];
	bool			 managed;	/* service key */
	bool			 has_material;	/* usable: present, not expired */
};

struct kms_tag {
	const char	*key;
	const char	*value;
};

struct kms_key_create_req {
	const char		*description;	/* NULL = "" */
	const char		*key_spec;	/* NULL = Aliyun_AES_256 */
	const char		*key_usage;	/* NULL = ENCRYPT/DECRYPT */
	const char		*origin;	/* NULL = Aliyun_KMS */
	const char		*protection_level;	/* NULL = SOFTWARE */
	bool			 rotation;
	int64_t			 rotation_interval_s;	/* 0 = 365 days */
	const struct kms_tag	*tags;
	size_t			 ntags;
};

/* Only Aliyun_AES_256 / ENCRYPT/DECRYPT / SOFTWARE keys exist here; other
 * specs and usages are ERR_INVALID_ARGUMENT, HSM is
 * ERR_KMS_UNSUPPORTED_PROTECTION, rotation of an EXTERNAL key
 * ERR_KMS_UNSUPPORTED_ORIGIN; ERR_KMS_LIMIT_EXCEEDED for more than twice
 * the tag limit, or when the account's key or key-version quota is
 * reached. New Aliyun_KMS keys are Enabled with one version; EXTERNAL keys
 * start PendingImport. */
enum err kms_key_create(struct kms *k, const struct kms_caller *who,
    const struct kms_key_create_req *req, struct kms_key_meta *ret);
/* Also rotates a key whose automatic rotation is due, first. */
enum err kms_key_describe(struct kms *k, const struct kms_caller *who,
    const char *key_ref, struct kms_key_meta *ret);

/* ListKeys Filters: AND across filters, OR within values. Keys:
 * KeyState, KeySpec, KeyUsage, ProtectionLevel, CreatorType (User or
 * Service), Origin; another key is ERR_INVALID_ARGUMENT. */
struct kms_key_filter {
	const char		*key;
	const char *const	*values;
	size_t			 nvalues;
};
/* Calls fn for keys [offset, offset + limit) of the caller's (not
 * destroyed) keys matching the filters, in creation order; *ret_total is
 * the number matching. */
enum err kms_key_list(struct kms *k, const struct kms_caller *who,
    const struct kms_key_filter *filters, size_t nfilters, uint64_t offset,
    uint64_t limit, void (*fn)(void *ctx, const struct kms_key_meta *m),
    void *ctx, uint64_t *ret_total);
/* ListKeys without filters: the same keys and total as kms_key_list, but
 * only their ids and creator (account id) are read, so a page costs about
 * the same whatever the number of keys. */
enum err kms_key_list_ids(struct kms *k, const struct kms_caller *who,
    uint64_t offset, uint64_t limit,
    void (*fn)(void *ctx, const char *key_id, const char *creator),
    void *ctx, uint64_t *ret_total);

enum err kms_key_enable(struct kms *k, const struct kms_caller *who,
    const char *key_ref);
enum err kms_key_disable(struct kms *k, const struct kms_caller *who,
    const char *key_ref);
/* days 7-366 (else ERR_INVALID_ARGUMENT). */
enum err kms_key_schedule_deletion(struct kms *k, const struct kms_caller *who,
    const char *key_ref, unsigned days);
/* Back to Enabled; an EXTERNAL key without usable material to
 * PendingImport. */
enum err kms_key_cancel_deletion(struct kms *k, const struct kms_caller *who,
    const char *key_ref);
enum err kms_key_set_description(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *description);
enum err kms_key_set_deletion_protection(struct kms *k,
    const struct kms_caller *who, const char *key_ref, bool on,
    const char *description);
/* interval_s 0 keeps the current interval (365 days if none); else
 * 7-730 days (ERR_INVALID_ARGUMENT). */
enum err kms_key_set_rotation(struct kms *k, const struct kms_caller *who,
    const char *key_ref, bool on, int64_t interval_s);

struct kms_version_info {
	char	key_id[KMS_KEY_ID_MAX];
	char	version_id[KMS_VERSION_ID_BYTES + 1];
	int64_t	created_ms;
};
/* A new primary version (manual rotation). ERR_KMS_LIMIT_EXCEEDED past
 * KMS_VERSIONS_MAX versions of the key or at the account's key-version
 * quota. Automatic rotation is the service's own act: its versions count
 * toward the quota but it is never refused by it. */
enum err kms_key_version_create(struct kms *k, const struct kms_caller *who,
    const char *key_ref, struct kms_version_info *ret);
/* ERR_KMS_KEY_VERSION_NOT_FOUND when the version is not the key's. */
enum err kms_key_version_describe(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *version_id, struct kms_version_info *ret);
/* Oldest first. */
enum err kms_key_version_list(struct kms *k, const struct kms_caller *who,
    const char *key_ref, uint64_t offset, uint64_t limit,
    void (*fn)(void *ctx, const struct kms_version_info *v), void *ctx,
    uint64_t *ret_total);

struct kms_alias_info {
	char	name[KMS_ALIAS_MAX];
	char	key_id[KMS_KEY_ID_MAX];
};
/* alias: "alias/" + 1-249 of [A-Za-z0-9_/-], not "alias/acs..." (reserved
 * for service keys): else ERR_INVALID_ARGUMENT. ERR_KMS_ALIAS_EXISTS;
 * ERR_KMS_LIMIT_EXCEEDED at the account's alias quota. */
enum err kms_alias_create(struct kms *k, const struct kms_caller *who,
    const char *alias, const char *key_ref);
enum err kms_alias_update(struct kms *k, const struct kms_caller *who,
    const char *alias, const char *key_ref);
enum err kms_alias_delete(struct kms *k, const struct kms_caller *who,
    const char *alias);
/* key_ref NULL lists every alias of the caller, else the key's. By name. */
enum err kms_alias_list(struct kms *k, const struct kms_caller *who,
    const char *key_ref, uint64_t offset, uint64_t limit,
    void (*fn)(void *ctx, const struct kms_alias_info *a), void *ctx,
    uint64_t *ret_total);

/* Adds or replaces tags; ERR_KMS_LIMIT_EXCEEDED past the tag limit. */
enum err kms_tag_add(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const struct kms_tag *tags, size_t n);
enum err kms_tag_remove(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *const *keys, size_t n);
/* fn(ctx, key_id, tag key, tag value), by tag key. */
enum err kms_tag_list(struct kms *k, const struct kms_caller *who,
    const char *key_ref, void (*fn)(void *ctx, const char *key_id,
    const char *tag_key, const char *tag_value), void *ctx);

/*
 * ---- cryptographic operations ----
 *
 * Ciphertext blobs are exactly Alibaba's shared-KMS layout (spec §3.1):
 * base64(KeyVersionId [36 ASCII] || IV [12] || AES-256-GCM ciphertext ||
 * tag [16]). A blob is bound to the account, key and version that made it
 * and to its EncryptionContext (ctx pairs, any order; keys unique; encoded
 * length-prefixed, so no two contexts collide): kms_bind.c has the format.
 * Decrypt with another context, or of a blob relabelled with another
 * version's id, fails with ERR_KMS_DECRYPT_FAILED; a blob that is not
 * base64 or too short is ERR_KMS_INVALID_CIPHERTEXT; one naming an unknown
 * version (or one of a destroyed key) ERR_KEY_NOT_FOUND.
 */
struct kms_crypto_result {
	char	key_id[KMS_KEY_ID_MAX];
	char	version_id[KMS_VERSION_ID_BYTES + 1];
};

/* plain: 1..KMS_PLAINTEXT_MAX bytes, encrypted as given (the API's opaque
 * Plaintext string). ret_blob: KMS_BLOB_B64_MAX bytes. */
enum err kms_encrypt(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const struct kv *ctx, size_t nctx,
    const void *plain, size_t n, char *ret_blob,
    struct kms_crypto_result *ret);
/* out: KMS_PLAINTEXT_MAX bytes; the caller wipes it after use. */
enum err kms_decrypt(struct kms *k, const struct kms_caller *who,
    const char *blob, const struct kv *ctx, size_t nctx, uint8_t *out,
    size_t *ret_len, struct kms_crypto_result *ret)
    __attribute__((warn_unused_result));
/* A random data key of nbytes (1..KMS_DATA_KEY_MAX). As Alibaba does, the
 * blob encrypts the key's base64 text, so Decrypt of the blob returns the
 * same string as ret_plain_b64 (KMS_DATA_KEY_B64_MAX bytes; NULL for
 * GenerateDataKeyWithoutPlaintext). */
enum err kms_generate_data_key(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const struct kv *ctx, size_t nctx, size_t nbytes,
    char *ret_plain_b64, char *ret_blob, struct kms_crypto_result *ret);
/* Decrypts blob (source context) and encrypts it under dest_ref. */
enum err kms_reencrypt(struct kms *k, const struct kms_caller *who,
    const char *blob, const struct kv *src_ctx, size_t nsrc,
    const char *dest_ref, const struct kv *dest_ctx, size_t ndest,
    char *ret_blob, struct kms_crypto_result *ret_dest,
    struct kms_crypto_result *ret_src);
/* Stops every version of key_ref from opening ciphertexts of the unbound
 * form made before migration 0006 (KMS blobs and SSE-KMS data keys); run it
 * once the key's old ciphertexts are re-encrypted (README, "Ciphertext
 * binding"). Irreversible. Allowed in every state but destroyed: it only
 * narrows what opens. *ret_n: the versions that still accepted the old
 * form. One transaction with its audit row. */
enum err kms_key_refuse_legacy(struct kms *k, const struct kms_caller *who,
    const char *key_ref, unsigned *ret_n);

/*
 * ---- BYOK (spec §1.4) ----
 */
struct kms_import_params {
	char	key_id[KMS_KEY_ID_MAX];
	char	token[KMS_IMPORT_TOKEN_MAX];
	char	public_key_b64[KMS_PUBLIC_KEY_B64_MAX];	/* SPKI DER */
	int64_t	expire_ms;
};
/* A fresh RSA-2048 key pair and a token valid 24 hours for this key.
 * algorithm: RSAES_PKCS1_V1_5 | RSAES_OAEP_SHA_1 | RSAES_OAEP_SHA_256,
 * key_spec RSA_2048 (else ERR_INVALID_ARGUMENT); ERR_KMS_UNSUPPORTED_ORIGIN
 * for a key that is not EXTERNAL. */
enum err kms_import_params_get(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *algorithm, const char *key_spec,
    struct kms_import_params *ret);
/* encrypted_b64: the 32-byte material wrapped with the token's public key
 * and algorithm. expire_unix_s: 0 = never, else a future time (else
 * ERR_INVALID_ARGUMENT). ERR_KMS_INVALID_IMPORT_TOKEN (unknown, or
 * another key's), ERR_KMS_EXPIRED_IMPORT_TOKEN, ERR_KMS_INVALID_KEY_MATERIAL
 * (does not unwrap, not 32 bytes, or not the material imported before). */
enum err kms_import_material(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *token, const char *encrypted_b64,
    int64_t expire_unix_s);
/* For the admin CLI, which holds the root key anyway: imports n bytes of
 * raw material (must be 32) with the same state, expiry and same-material
 * rules, without a token or wrapping. */
enum err kms_import_material_raw(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const uint8_t *material, size_t n,
    int64_t expire_unix_s);
enum err kms_material_delete(struct kms *k, const struct kms_caller *who,
    const char *key_ref);

/*
 * ---- audit and housekeeping ----
 */
struct kms_audit_row {
	int64_t		 id;
	int64_t		 time_ms;
	const char	*actor;
	const char	*action;
	const char	*target;
	const char	*result;	/* "ok" or the KMS error code */
	const char	*detail;
};
/* Flushes the queue, then calls fn for the newest limit rows of the audit
 * table (every module's), oldest first. */
enum err kms_audit_list(struct kms *k, unsigned limit,
    void (*fn)(void *ctx, const struct kms_audit_row *row), void *ctx);
/* Writes queued crypto-operation audit rows now. */
enum err kms_audit_flush(struct kms *k);
/* Housekeeping, called about once a second by the daemon: flushes the
 * audit queue, rotates keys whose automatic rotation is due, deletes
 * destroyed keys (their sealed material with them) and expired import
 * tokens. Correctness never depends on it: reads derive states. */
enum err kms_tick(struct kms *k);

#endif
