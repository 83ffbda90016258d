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

/* Start-up recovery: unlinks blobs no extent row references and temp
 * files (DESIGN §2). Must run before the listeners start. */
enum err api_recover(struct api *api, unsigned *ret_removed);

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
enum err api_secret_open(struct db *db, struct kms *kms, const char *ak,
    struct auth_account *ret_account, char **ret_secret, size_t *ret_cap);
/* Writes DATA_DIR/credentials (0600, Alibaba Cloud CLI INI format). */
enum err api_write_credentials(const char *data_dir, const char *ak,
    const char *secret, const char *region);

#endif
