/* SPDX-License-Identifier: ISC */
/*
 * api.h: the daemon's shared context (L3): what the two listeners
 * (daemon/oss/, daemon/kmsd/), the object data path (daemon/object/), the
 * jobs and the admin CLI all stand on, and the account administration
 * both programs use.
 */
#ifndef COFFER_API_API_H
#define COFFER_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct db;
struct store;
struct kms;
struct clock;
struct dns_txt;
struct http_server;
struct api;

#define API_MAX_DOMAINS 8

struct api_settings {
	struct db		*db;
	struct store		*store;
	struct kms		*kms;
	const struct clock	*clock;		/* business time */
	const char		*region;	/* default region id */
	const char		*domains[API_MAX_DOMAINS];
	unsigned		 ndomains;
	unsigned		 max_buckets;
	bool			 test_clock;
	bool			 test_hooks;
	const char		*version;
	struct dns_txt		*dns;		/* custom-domain proofs */
};

enum err api_open(const struct api_settings *s, struct api **ret);
void api_close(struct api *api);
/* The running listeners, whose open connections /-/metrics shows; NULLs
 * before they are stopped. */
void api_set_listeners(struct api *api, struct http_server *oss,
    struct http_server *kms);

/* Start-up recovery: unlinks blobs no extent row references and temp
 * files (DESIGN §2). Must run before the listeners start. */
enum err api_recover(struct api *api, unsigned *ret_removed);
/* While serving, on a data dir nodes share: the blobs no row names that
 * are old enough (store_sweep_blobs); api is a struct api (a jobs_settings
 * sweep). */
enum err api_collect_blobs(void *api, unsigned *ret_removed);

/* ---- bucket access logs (access_log.c; oss-api-2.md §5.3) ---- */

struct bucket;

/* Bytes of lines the queue holds at most; past it lines are dropped
 * (counted, and logged at the next spill). */
#define API_ACCESS_LOG_QUEUE_MAX	(32u * 1024 * 1024)

struct arena;

/* Where the bucket's access log goes: ERR_OK with its target bucket's
 * name and prefix ("" for none) in a, ERR_NOT_FOUND when logging is off.
 * Read from the database each time: a change applies to the next
 * request. */
enum err api_access_log_target(struct api *api, struct arena *a,
    int64_t bucket_id, const char **ret_target, const char **ret_prefix);
/* The same, from the bucket's stored logging document (NULL: none). */
enum err api_access_log_parse(struct arena *a, const char *doc,
    const char **ret_target, const char **ret_prefix);
/* Queues the line of a request made at time_ms (business time) to
 * source, for its logging target (target bucket name and prefix, as the
 * source's configuration reads); never waits for the database.
 * Thread-safe. */
void api_access_log_add(struct api *api, const struct bucket *source,
    const char *target, const char *prefix, int64_t time_ms,
    const char *line);
/* Moves the queued lines into the database in one transaction, each as a
 * line of the flush interval (interval_ms long, from the epoch) its
 * request was made in. A line whose target no longer exists or has
 * changed owner is dropped. On a database error the lines stay queued for
 * the next call. The main loop calls it once a second, and once more at a
 * clean stop after the listeners have stopped. */
enum err api_access_log_spill(struct api *api, int64_t interval_ms);

/* ---- the seal over retention facts (seal_check.c) ---- */

/* What a full check of the seal (schema/0009_seal.sql) found. */
struct api_seal_report {
	int	fault;			/* enum db_seal_fault */
	bool	first_sealing;		/* rows sealed as they stood (first start) */
	bool	seal_ok;		/* the seal row's MAC */
	bool	anchor_ok;		/* the anchor file's MAC */
	int64_t	seq;			/* the database's sequence */
	int64_t	anchor;			/* the anchor's, -1 none */
	int64_t	objects, objects_sealed_n, objects_bad;
	int64_t	extents_bad;		/* extents failing or missing */
	bool	objects_acc_ok;
	int64_t	policies, policies_sealed_n, policies_bad;
	bool	policies_acc_ok;
	int64_t	objworm, objworm_sealed_n, objworm_bad;	/* ObjectWorm configurations */
	bool	objworm_acc_ok;
};
/* Checks every sealed row against the seal and the seal against the anchor
 * file (STATE_DIR/seal.anchor), logs what is wrong as ALERTs and records the
 * verdict with db_seal_fault_set(). The database must have its seal key.
 * daemon true (cofferd at start): a database never sealed is sealed as it
 * stands, and the anchor is brought up to the database when it is behind.
 * ERR_OK whatever the verdict; other errors when the check could not run. */
enum err api_seal_check(struct db *db, const char *state_dir, bool daemon,
    struct api_seal_report *ret);
/* The tables against the seal without the anchor, in the caller's
 * transaction if it has one: *whole when every row authenticates and the
 * sets are the sealed ones (what a root-key rotation requires before it
 * MACs the rows again). */
enum err api_seal_tables_whole(struct db *db, struct api_seal_report *ret,
    bool *whole);
/* Operator's acknowledgement of a rollback: when the tables match their
 * seal, moves the anchor to the database's sequence (an audit row and an
 * ALERT record it). ERR_CORRUPT when the tables do not match their seal. */
enum err api_seal_accept_rollback(struct db *db, const char *state_dir,
    int64_t now_ms, struct api_seal_report *ret);

/* ---- root-key rotation (root_key.c; README "Root-key rotation") ---- */

struct api_rotation {
	int64_t		 from_gen;
	uint64_t	 secrets;	/* access-key secrets re-sealed */
	uint64_t	 kms_values;	/* CMK material, import keys */
	uint64_t	 data_keys;	/* SSE-OSS data keys re-wrapped */
	uint64_t	 rows;		/* sealed rows MACed again */
	uint64_t	 audit_rows;	/* audit rows rehashed */
	int64_t		 ms;		/* wall time of the transaction */
	char		 why[160];	/* a refusal in words */
};
/* Everything under new_root, in one write transaction: checks that every
 * sealed row, the audit chain and every sealed value authenticate under
 * the current key (a rotation must not make a forged row genuine), then
 * re-seals, re-wraps and MACs everything again, and moves the anchor.
 * A crash at any point leaves the data under one of the two keys; the
 * next run finishes. ERR_EXISTS: new_root is the current key; ERR_CORRUPT:
 * something does not authenticate (rep->why). Nothing else may use the
 * keys meanwhile: cofferd runs it between closed gates (api_root_key_poll),
 * coffer only when no cofferd holds the data dir. */
enum err api_root_key_rotate(struct db *db, struct kms *kms,
    const char *state_dir, const uint8_t *new_root, int64_t now_ms,
    struct api_rotation *rep);
/* cofferd, once a second: runs a rotation the CLI asked for
 * (kms_root_request), closing the gate first; ping is called while it
 * waits for requests to finish and while it runs. */
void api_root_key_poll(struct api *api, const char *state_dir,
    unsigned drain_ms, void (*ping)(void *ctx), void *ctx);
/* Requests and background runs pass the gate while they use the keys
 * (base/gate.h). */
struct gate *api_gate(struct api *api);
bool api_gate_try_enter(struct api *api);
/* Whether another node rotated the root key past this process
 * (kms_root_stale): its requests answer ERR_ROOT_KEY_STALE up front
 * rather than fail to open, or take for tampering, what the new key
 * sealed. The main loop checks once a second (api_root_key_poll), signed
 * requests at once. */
bool api_root_stale(struct api *api);
void api_gate_enter(struct api *api);
void api_gate_leave(struct api *api);

/* ---- administration shared by cofferd and coffer (account.c) ---- */

struct auth_account;

/* Creates an account and its first access key. access_key_id / secret may
 * be NULL (generated) or given (COFFER_ROOT_ACCESS_KEY_*). The secret is
 * stored only sealed under the root key. ret_ak (25+) and ret_secret
 * (AUTH_SECRET_MAX) receive the credentials; ERR_EXISTS if taken. */
#define API_SECRET_MAX 129
enum err api_account_create(struct db *db, struct kms *kms, const char *name,
    const char *access_key_id, const char *secret, int64_t now_ms,
    struct auth_account *ret, char *ret_ak, char *ret_secret);
/* The secret of access key ak, unsealed, and its account: *ret_secret is
 * malloc'd and NUL-terminated, *ret_cap bytes; the caller wipes and frees
 * it. ERR_INVALID_ACCESS_KEY_ID when the key is unknown, ERR_CORRUPT when
 * its sealed secret does not open (logged). Shared by both listeners. */
enum err api_secret_open(struct api *api, const char *ak,
    struct auth_account *ret_account, char **ret_secret, size_t *ret_cap);
/* The same with the change counters the caller read before (NULL: none,
 * no cache), so one read serves the whole request. */
struct db_state_version;
enum err api_secret_open_at(struct api *api,
    const struct db_state_version *sv, const char *ak,
    struct auth_account *ret_account, char **ret_secret, size_t *ret_cap);
/* Another access key for account (by name), for rotation: ERR_NOT_FOUND
 * without the account, ERR_CONFLICT when it holds AUTH_ACTIVE_KEYS_MAX
 * active keys. ret_ak (AUTH_AK_MAX) and ret_secret (API_SECRET_MAX). */
enum err api_access_key_create(struct db *db, struct kms *kms,
    const char *account, int64_t now_ms, char *ret_ak, char *ret_secret);
/* Writes DATA_DIR/credentials (0600, Alibaba Cloud CLI INI format). */
enum err api_write_credentials(const char *data_dir, const char *ak,
    const char *secret, const char *region);
/* A data dir's first account, "root", made by whichever comes first of
 * cofferd's first start and `coffer init`: when the database holds no
 * account, creates it with ak/sk (both NULL: generated) and writes its
 * credentials to DATA_DIR/credentials (*ret_created true). Nothing when
 * an account exists. ERR_CONFLICT: only one of ak, sk given. */
enum err api_root_account_init(struct db *db, struct kms *kms,
    const char *data_dir, const char *region, const char *ak, const char *sk,
    int64_t now_ms, struct auth_account *ret, char *ret_ak,
    bool *ret_created);

#endif
