/* SPDX-License-Identifier: ISC */
/*
 * auth.h: request authentication (L2).
 *
 * Two halves:
 *  - signature checking for OSS V1 (HMAC-SHA1), V2 (OSS2, HMAC-SHA256) and
 *    V4 (OSS4-HMAC-SHA256), each as a header and a presigned query: pure functions
 *    of the request and the secret, checked against the vectors of
 *    ../shared/spec/oss-api.md §5 and spec/clients.md §1.3;
 *  - accounts and access keys (auth_db.c), with secrets stored only in the
 *    sealed form the caller hands in: auth/ never sees the root key.
 *
 * Signature comparison is constant-time. Time checks use the wall clock the
 * caller passes (never the business clock).
 */
#ifndef COFFER_AUTH_AUTH_H
#define COFFER_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/kv.h"
#include "db/db.h"

struct db;

enum auth_kind {
	AUTH_ANONYMOUS,
	AUTH_V1_HEADER,		/* Authorization: OSS ak:sig */
	AUTH_V1_QUERY,		/* ?OSSAccessKeyId=&Expires=&Signature= */
	AUTH_V2_HEADER,		/* Authorization: OSS2 AccessKeyId:...,Signature:... */
	AUTH_V2_QUERY,		/* ?x-oss-signature-version=OSS2&x-oss-access-key-id=... */
	AUTH_V4_HEADER,		/* Authorization: OSS4-HMAC-SHA256 ... */
	AUTH_V4_QUERY,		/* ?x-oss-signature-version=OSS4-HMAC-SHA256... */
	/* Amazon S3's signatures, which OSS accepts too (auth/s3.h) */
	AUTH_S3V2_HEADER,	/* Authorization: AWS ak:sig */
	AUTH_S3V2_QUERY,	/* ?AWSAccessKeyId=&Expires=&Signature= */
	AUTH_S3V4_HEADER,	/* Authorization: AWS4-HMAC-SHA256 ... */
	AUTH_S3V4_QUERY,	/* ?X-Amz-Algorithm=AWS4-HMAC-SHA256&... */
};

/* What a request looks like to the signer. All strings are NUL-terminated;
 * header names are lower-case; query names and values are percent-decoded,
 * in the order received (duplicates kept). bucket/key are decoded; NULL or
 * "" when absent. */
struct auth_input {
	const char		*method;
	const char		*bucket;
	const char		*key;
	const struct kv		*headers;
	size_t			 nheaders;
	const struct kv		*query;
	size_t			 nquery;
	const char		*region;	/* region of the endpoint, "cn-hangzhou" */
	int64_t			 now_ms;	/* wall clock */
	/* The request target's path as sent (undecoded, no query) and
	 * whether the Host named the bucket: Amazon's signatures sign the
	 * path the client wrote. NULL: rebuilt from bucket and key. */
	const char		*raw_path;
	bool			 vhost;
};

#define AUTH_AK_MAX 128

struct auth_parsed {
	enum auth_kind	 kind;
	char		 access_key_id[AUTH_AK_MAX];
	char		 signature[128];	/* as provided (b64 or hex) */
	int64_t		 request_ms;		/* Date / x-oss-date / sign time */
	int64_t		 expires_ms;		/* presigned: expiry; else 0 */
	/* V4 only (S3 V4: product is the service) */
	char		 date[9];		/* yyyymmdd of the credential */
	char		 region[64];
	char		 product[32];
	/* V2 and V4 (S3 V4: SignedHeaders) */
	char		 additional[1024];	/* "h1;h2" */
};

/* Detects the scheme and parses its parameters; needs no secret.
 * ERR_OK with kind AUTH_ANONYMOUS when there is no authentication at all.
 * Errors (the OSS codes of spec §1.4/§5):
 *   ERR_AUTH_MALFORMED       unparsable Authorization / V4 credential;
 *                            V2: a listed additional header not sent
 *   ERR_AUTH_UNSUPPORTED     a scheme or signature version OSS does not know
 *   ERR_AUTH_BOTH            header and query signature together
 *   ERR_QUERY_AUTH_INCOMPLETE  V1 query missing one of its three params
 *   ERR_EXPIRES_INVALID      V1 Expires not a number
 *   ERR_REQUEST_EXPIRED      presigned URL past its expiry
 *   ERR_DATE_MISSING         no usable Date / x-oss-date
 *   ERR_TIME_SKEWED          header-signed request > 15 min from now_ms
 *   ERR_V4_BAD_REGION / ERR_V4_BAD_PRODUCT / ERR_V4_BAD_DATE
 * On error *ret is still filled as far as parsing got (the access key id
 * and times are used for error extras). */
enum err auth_parse(const struct auth_input *in, struct auth_parsed *ret);

/* Recomputes the signature with secret and compares in constant time.
 * ERR_OK, or ERR_SIGNATURE_MISMATCH (V1) / ERR_SIGNATURE_MISMATCH_V4 with the
 * server's string-to-sign appended to ret_sts (may be NULL) for the error
 * body. For V4 it also accepts ali-oss's encoding of empty non-sub-resource
 * query values as "k=" (spec/clients.md §1.3 caveat). */
enum err auth_verify(const struct auth_input *in, const struct auth_parsed *p,
    const char *secret, struct buf *ret_sts);

/* What OSS makes of a query key (subres.c, the one table the router and
 * the signers share). */
#define SR_SIGNED	0x1	/* V1 signs it */
#define SR_SIGNED_OPT	0x2	/* V1: signed by some clients only; both verify */
#define SR_OPERATION	0x4	/* selects an operation: a route must name it */
unsigned auth_subres(const char *name);
/* SR_SIGNED or SR_SIGNED_OPT. */
bool auth_is_subresource(const char *name);

/* Building blocks, exported for tests and for the e2e signer. */
/* V1 string-to-sign; date is the Date/x-oss-date/Expires value to use.
 * with_optional: whether the SR_SIGNED_OPT keys enter the resource. */
enum err auth_v1_string_to_sign(const struct auth_input *in,
    const char *date, bool query_auth, bool with_optional, struct buf *out);
/* base64(HMAC-SHA1(secret, sts)) into out[29]. False when the MAC could
 * not be computed (out of memory): a server fault, not a mismatch. */
bool auth_v1_sign(char out[static 29], const char *secret, const char *sts,
    size_t n);
/* V2 string-to-sign (sig_v2.c); date is the Date / x-oss-date value, or
 * x-oss-expires for a presigned URL. additional: "h1;h2" or "". flags:
 * AUTH_V2_JS_ENCODE: leave !'()* unencoded, as encodeURIComponent does
 * (the Tea SDKs); AUTH_V2_EMPTY_ROOT: the service resource is "" rather
 * than "%2F" (the Tea SDKs again). */
#define AUTH_V2_JS_ENCODE	0x1
#define AUTH_V2_EMPTY_ROOT	0x2
enum err auth_v2_string_to_sign(const struct auth_input *in, const char *date,
    const char *additional, bool query_auth, unsigned flags, struct buf *out);
/* base64(HMAC-SHA256(secret, sts)) into out[45]. */
void auth_v2_sign(char out[static 45], const char *secret, const char *sts,
    size_t n);
/* V4 canonical request and string-to-sign. additional: "h1;h2" or "". */
enum err auth_v4_canonical_request(const struct auth_input *in,
    const char *additional, bool query_auth, bool empty_as_equals,
    struct buf *out);
enum err auth_v4_string_to_sign(const char *iso_time, const char *date,
    const char *region, const char *product, const char *canonical_request,
    size_t n, struct buf *out);
/* hex(HMAC-SHA256(signing key, sts)) into out[65]. */
void auth_v4_sign(char out[static 65], const char *secret, const char *date,
    const char *region, const char *product, const char *sts, size_t n);

/* ---- accounts and access keys (auth_db.c) ---- */

#define AUTH_ACCOUNT_ID_BYTES 17	/* 16 digits + NUL */
#define AUTH_NAME_MAX 64

struct auth_account {
	int64_t	id;				/* row id */
	char	account_id[AUTH_ACCOUNT_ID_BYTES];
	char	name[AUTH_NAME_MAX + 1];
	int64_t	created_ms;
};

/* Valid account names: 1-64 of [A-Za-z0-9_.-]. */
bool auth_account_name_valid(const char *name);
/* Generators: "LTAI" + 20 [A-Za-z0-9]; 30 [A-Za-z0-9]; 16 digits. */
void auth_gen_access_key_id(char out[static 25]);
void auth_gen_secret(char out[static 31]);
void auth_gen_account_id(char out[static AUTH_ACCOUNT_ID_BYTES]);

/* Creates an account and its first access key (sealed secret given) in one
 * transaction. ERR_EXISTS when the name or access key id is taken. */
enum err auth_account_create(struct db *db, const char *name,
    const char *account_id, const char *access_key_id,
    const uint8_t *sealed, size_t sealed_len, int64_t now_ms,
    struct auth_account *ret);
enum err auth_account_get(struct db *db, const char *name,
    struct auth_account *ret);
/* Calls fn for every account, ordered by name. */
enum err auth_account_list(struct db *db,
    void (*fn)(void *ctx, const struct auth_account *a,
    const char *access_key_id), void *ctx);
/* ERR_NOT_FOUND; ERR_CONFLICT when the account still owns buckets. */
enum err auth_account_delete(struct db *db, const char *name);
/*
 * Unsealed secrets of Active access keys (auth_key_cache.c), each valid
 * while state_version.auth (db/state_version.h) keeps the value gen it
 * was read under: the caller reads the counter before the lookup and
 * before the row it puts. Bounded; thread-safe.
 */
#define AUTH_SECRET_CACHE_MAX 160	/* longer secrets are not cached */
struct auth_key_cache;
enum err auth_key_cache_open(struct auth_key_cache **ret);
void auth_key_cache_close(struct auth_key_cache *c);
/* true: ak's account and secret (NUL-terminated, when it fits in cap). */
bool auth_key_cache_get(struct auth_key_cache *c, int64_t gen,
    const char *ak, struct auth_account *ret_account, char *secret,
    size_t cap);
void auth_key_cache_put(struct auth_key_cache *c, int64_t gen,
    const char *ak, const struct auth_account *account, const char *secret);
/* Looks up an access key: its account and sealed secret (malloc'd; caller
 * frees). ERR_NOT_FOUND when unknown, ERR_ACCESS_KEY_DISABLED when it is
 * Inactive. */
enum err auth_key_lookup(struct db *db, const char *access_key_id,
    struct auth_account *ret_account, uint8_t **ret_sealed,
    size_t *ret_sealed_len);
/* ---- an account's access keys (rotation; schema/0015) ---- */

/* Active keys an account may hold at once: the one in use and its
 * successor. */
#define AUTH_ACTIVE_KEYS_MAX 2

struct auth_key_info {
	char	access_key_id[AUTH_AK_MAX];
	bool	active;
	int64_t	created_ms;
};

/* Adds a key (sealed secret as for auth_account_create) to the account
 * with row id account. ERR_CONFLICT when the account holds
 * AUTH_ACTIVE_KEYS_MAX active keys already; ERR_EXISTS when the id is
 * taken. */
enum err auth_key_add(struct db *db, int64_t account, const char *access_key_id,
    const uint8_t *sealed, size_t sealed_len, int64_t now_ms);
/* The account's keys, oldest first. */
enum err auth_key_list(struct db *db, int64_t account,
    void (*fn)(void *ctx, const struct auth_key_info *k), void *ctx);
/* Active -> Inactive, or back (ERR_CONFLICT past AUTH_ACTIVE_KEYS_MAX).
 * ERR_NOT_FOUND when the account has no such key; ERR_OK when it is in
 * that state already. */
enum err auth_key_set_active(struct db *db, int64_t account,
    const char *access_key_id, bool active);
/* Deletes the key. ERR_NOT_FOUND when the account has no such key. */
enum err auth_key_delete(struct db *db, int64_t account,
    const char *access_key_id);

/* Root-key rotation: every access key's sealed secret through fn
 * (db_reseal; the naming column is the access key id). */
enum err auth_reseal_secrets(struct db *db, db_reseal_fn *fn, void *ctx,
    uint64_t *count);

/* Number of accounts (first-start detection). */
enum err auth_account_count(struct db *db, int64_t *ret);

/*
 * ---- KMS RPC signatures (kms_sig.c) ----
 *
 * The KMS listener accepts both signatures real clients send (spec
 * kms-api.md §2): v1 RPC (HMAC-SHA1, SignatureVersion 1.0) over every query
 * and form parameter, and ACS3-HMAC-SHA256 over a canonical request rebuilt
 * from the SignedHeaders the client lists. Pure functions of the request
 * and the secret, checked against the spec's vectors in test_kms_sig.c.
 * Credentials are the access keys of auth_db.c, as for OSS.
 */

enum auth_kms_kind {
	AUTH_KMS_NONE,		/* no signature at all */
	AUTH_KMS_V1,		/* ?...&SignatureMethod=HMAC-SHA1&Signature= */
	AUTH_KMS_ACS3,		/* Authorization: ACS3-HMAC-SHA256 ... */
};

/* What a KMS request looks like to the signer. Names and values are
 * percent-decoded ('+' as space), in arrival order; header names are
 * lower-case. path is the request target's path as sent ("/"). form is the
 * decoded application/x-www-form-urlencoded body (NULL when there is
 * none); body is the raw body, for the ACS3 payload hash. */
struct auth_kms_input {
	const char		*method;
	const char		*path;
	const struct kv		*query;
	size_t			 nquery;
	const struct kv		*form;
	size_t			 nform;
	const struct kv		*headers;
	size_t			 nheaders;
	const void		*body;
	size_t			 body_len;
	int64_t			 now_ms;	/* wall clock */
};

#define AUTH_KMS_NONCE_MAX	129
#define AUTH_KMS_SIGNED_MAX	1024

struct auth_kms_parsed {
	enum auth_kms_kind	 kind;
	char			 access_key_id[AUTH_AK_MAX];
	char			 signature[128];
	char			 nonce[AUTH_KMS_NONCE_MAX];
	int64_t			 request_ms;	/* Timestamp / x-acs-date */
	char			 signed_headers[AUTH_KMS_SIGNED_MAX];	/* ACS3 */
	const char		*missing;	/* the missing parameter's name */
};

/* Detects the scheme and checks its parameters and time; needs no secret.
 * Errors (KMS codes of err.c): ERR_ANONYMOUS_DENIED (no signature:
 * MissingParameter Signature); ERR_KMS_MISSING_PARAMETER with ret->missing
 * set (AccessKeyId, Signature, SignatureMethod, SignatureVersion,
 * SignatureNonce); ERR_AUTH_MALFORMED (IncompleteSignature: unparsable
 * Authorization, another algorithm or version, a SignedHeaders list without
 * the date and nonce headers); ERR_DATE_MISSING (IllegalTimestamp: no or
 * unparsable Timestamp / x-acs-date); ERR_TIME_SKEWED (IllegalTimestamp:
 * more than 15 minutes from now_ms). */
enum err auth_kms_parse(const struct auth_kms_input *in,
    struct auth_kms_parsed *ret);
/* Recomputes the signature with secret and compares in constant time:
 * ERR_OK or ERR_SIGNATURE_MISMATCH, with the server's string-to-sign
 * appended to ret_sts (may be NULL) for the error message. */
enum err auth_kms_verify(const struct auth_kms_input *in,
    const struct auth_kms_parsed *p, const char *secret, struct buf *ret_sts);

/* Building blocks, exported for tests. v1: every parameter of both lists
 * but Signature, RFC 3986-encoded, sorted by encoded name, joined; then
 * METHOD&%2F&percentEncode(that). */
enum err auth_kms_v1_string_to_sign(const char *method, const struct kv *a,
    size_t na, const struct kv *b, size_t nb, struct buf *out);
/* base64(HMAC-SHA1(secret + "&", sts)) into out[29]. False when it could
 * not be computed (out of memory). */
bool auth_kms_v1_sign(char out[static 29], const char *secret,
    const char *sts, size_t n);
/* METHOD\nPATH\nQUERY\nHEADERS\nSIGNED\nPAYLOAD: query keys sorted and
 * left raw, values RFC 3986-encoded; one "name:v1,v2\n" line per name of
 * signed_headers ("h1;h2"), values trimmed and sorted. */
enum err auth_kms_acs3_canonical_request(const struct auth_kms_input *in,
    const char *signed_headers, const char *payload_hex, struct buf *out);
/* "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical request)). */
enum err auth_kms_acs3_string_to_sign(const char *creq, size_t n,
    struct buf *out);
/* hex(HMAC-SHA256(secret, sts)) into out[65]. */
void auth_kms_acs3_sign(char out[static 65], const char *secret,
    const char *sts, size_t n);

/*
 * Replay protection (kms_nonce.c): a SignatureNonce, per access key, is
 * remembered until its request's timestamp leaves the 15-minute window,
 * so a second use within the window is refused, also after a restart. In
 * memory, bounded (64-bit keyed fingerprints in four 15-minute generations,
 * each growing on demand up to max_per_generation entries; a full
 * generation refuses new requests rather than forgetting live nonces), and
 * appended to per-generation logs in dir without an fsync or a database
 * write per request: a killed daemon loses nothing (the page cache outlives
 * it); after a machine crash, requests signed before the next start are
 * refused for what is left of their window (the barrier).
 */
struct auth_nonce_cache;

#define AUTH_NONCE_KEY_BYTES	16

struct auth_nonce_settings {
	size_t		 max_per_generation;
	/* The fingerprint key, the same at every start (copied); NULL: a
	 * random one, which only makes sense without dir. */
	const uint8_t	*key;
	/* Where the logs and the state file live; NULL: memory only. */
	const char	*dir;
	/* A PostgreSQL database whose table kms_nonces every node shares;
	 * then dir is not used. NULL: this node's own. */
	struct db	*db;
	/* The boot's identity; NULL: the kernel's boot id, or the boot
	 * time where /proc/sys is hidden. Tests only. */
	const char	*boot_id;
	/* The data dir held an earlier run's state: with no state file,
	 * that run's nonces are unknown (set the barrier). */
	bool		 had_state;
	int64_t		 now_ms;	/* wall clock at start */
};

/* Loads what the last run left (dir), decides the barrier and records
 * this run as started. ERR_IO, ERR_NO_SPACE (logged), ERR_NOMEM. */
enum err auth_nonce_cache_open(const struct auth_nonce_settings *s,
    struct auth_nonce_cache **ret);
/* The clean stop: syncs the logs and marks the state file clean (so the
 * next start needs no barrier). Call after the last check. NULL-safe. */
void auth_nonce_cache_close(struct auth_nonce_cache *c);
/* Makes the appends so far durable (fdatasync; directory fsync after a
 * new log); about once a second, from one thread. ERR_IO. */
enum err auth_nonce_cache_sync(struct auth_nonce_cache *c);
/* Requests signed before this (ms) are refused; 0: no barrier. */
int64_t auth_nonce_barrier_ms(const struct auth_nonce_cache *c);
/* ERR_OK (now remembered), ERR_KMS_NONCE_USED (also: signed before the
 * barrier), ERR_KMS_THROTTLED when the generation is full, ERR_IO or
 * ERR_NO_SPACE when it cannot be logged (refused: it would be forgotten
 * at a restart). Thread-safe. */
enum err auth_nonce_check(struct auth_nonce_cache *c, const char *ak,
    const char *nonce, int64_t request_ms, int64_t now_ms);
/* The shared table (auth_db.c): records a fingerprint until expires_ms;
 * ERR_KMS_NONCE_USED when a node recorded it already. Its own
 * transaction, without the write lock. */
enum err auth_nonce_put(struct db *db, int64_t fp, int64_t expires_ms);
/* Deletes the rows expired before before_ms; *ret_n how many. */
enum err auth_nonce_prune(struct db *db, int64_t before_ms, int64_t *ret_n);

#endif
