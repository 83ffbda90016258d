/* SPDX-License-Identifier: ISC */
/*
 * account.c: creating accounts with sealed secrets, and the credentials
 * file a newcomer's tools read. Shared by cofferd's first start and the
 * `coffer account` commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api_int.h"
#include "auth/auth.h"
#include "base/file.h"
#include "base/log.h"
#include "base/str.h"
#include "db/state_version.h"
#include "kms/kms.h"

static bool
credential_valid(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

size_t
api_secret_ad(uint8_t *ad, const void *ak, size_t akl)
{
	memcpy(ad, "ak", 2);
	memcpy(ad + 2, ak, akl);
	return 2 + akl;
}

static size_t
secret_ad(uint8_t ad[static 2 + AUTH_AK_MAX], const char *ak)
{
	return api_secret_ad(ad, ak, strlen(ak));
}

/* From the access-key cache when state_version.auth says nothing changed
 * since it was filled, else from the row (auth/auth_key_cache.c). */
enum err
api_secret_open(struct api *api, const char *ak,
    struct auth_account *ret_account, char **ret_secret, size_t *ret_cap)
{
	struct db_state_version sv;

	/* The counter before the row: a change committed in between leaves
	 * what is read below tagged with the older value. */
	return api_secret_open_at(api, db_state_version(api->db, &sv) ==
	    ERR_OK ? &sv : NULL, ak, ret_account, ret_secret, ret_cap);
}

enum err
api_secret_open_at(struct api *api, const struct db_state_version *sv,
    const char *ak, struct auth_account *ret_account, char **ret_secret,
    size_t *ret_cap)
{
	uint8_t ad[2 + AUTH_AK_MAX];
	uint8_t *sealed = NULL;
	size_t sealed_len = 0, cap;
	char *secret = NULL;
	/* Not from a write transaction: see kms_version_load. */
	bool cached = api->ak_cache != NULL && sv != NULL &&
	    !db_in_write_tx(api->db);
	enum err r;

	if (strlen(ak) >= AUTH_AK_MAX)
		return ERR_INVALID_ACCESS_KEY_ID;
	if (sv != NULL && !kms_root_current(api->kms, sv->root_gen))
		return ERR_ROOT_KEY_STALE;
	if (cached) {
		secret = calloc(1, AUTH_SECRET_CACHE_MAX);
		if (secret == NULL)
			return ERR_NOMEM;
		if (auth_key_cache_get(api->ak_cache, sv->auth, ak, ret_account,
		    secret, AUTH_SECRET_CACHE_MAX)) {
			*ret_secret = secret;
			*ret_cap = AUTH_SECRET_CACHE_MAX;
			return ERR_OK;
		}
		free(secret);
		secret = NULL;
	}
	r = auth_key_lookup(api->db, ak, ret_account, &sealed, &sealed_len);
	if (r == ERR_NOT_FOUND)
		r = ERR_INVALID_ACCESS_KEY_ID;
	if (r != ERR_OK)
		goto out;
	if (sealed_len <= KMS_SEAL_OVERHEAD) {
		r = ERR_CORRUPT;
		goto out;
	}
	cap = sealed_len - KMS_SEAL_OVERHEAD + 1;
	secret = calloc(1, cap);
	if (secret == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = kms_unseal(api->kms, secret, sealed, sealed_len, ad,
	    secret_ad(ad, ak));
	if (r != ERR_OK) {
		log_errx("access key '%s': sealed secret does not open", ak);
		free(secret);
		goto out;
	}
	if (cached)
		auth_key_cache_put(api->ak_cache, sv->auth, ak, ret_account,
		    secret);
	*ret_secret = secret;
	*ret_cap = cap;
out:
	free(sealed);
	return r;
}

enum err
api_account_create(struct db *db, struct kms *kms, const char *name,
    const char *access_key_id, const char *secret, int64_t now_ms,
    struct auth_account *ret, char *ret_ak, char *ret_secret)
{
	char ak[AUTH_AK_MAX], sk[API_SECRET_MAX], acct[AUTH_ACCOUNT_ID_BYTES];
	uint8_t sealed[API_SECRET_MAX + KMS_SEAL_OVERHEAD];
	uint8_t ad[2 + AUTH_AK_MAX];
	size_t skl;
	enum err r;

	if (!auth_account_name_valid(name))
		return ERR_INVALID_ARGUMENT;
	if (access_key_id != NULL) {
		if (!credential_valid(access_key_id, 8, AUTH_AK_MAX - 1))
			return ERR_INVALID_ARGUMENT;
		str_copy(ak, sizeof(ak), access_key_id);
	} else
		auth_gen_access_key_id(ak);
	if (secret != NULL) {
		if (!credential_valid(secret, 8, API_SECRET_MAX - 1))
			return ERR_INVALID_ARGUMENT;
		str_copy(sk, sizeof(sk), secret);
	} else
		auth_gen_secret(sk);
	auth_gen_account_id(acct);
	skl = strlen(sk);
	r = kms_seal(kms, sealed, sk, skl, ad, secret_ad(ad, ak));
	if (r == ERR_OK)
		r = auth_account_create(db, name, acct, ak, sealed,
		    skl + KMS_SEAL_OVERHEAD, now_ms, ret);
	if (r == ERR_OK) {
		str_copy(ret_ak, AUTH_AK_MAX, ak);
		str_copy(ret_secret, API_SECRET_MAX, sk);
	}
	explicit_bzero(sk, sizeof(sk));
	return r;
}

enum err
api_write_credentials(const char *data_dir, const char *ak,
    const char *secret, const char *region)
{
	char path[4096], text[512 + AUTH_AK_MAX + API_SECRET_MAX];
	int n;

	if (snprintf(path, sizeof(path), "%s/credentials", data_dir) >=
	    (int)sizeof(path))
		return ERR_INVALID_ARGUMENT;
	/* The format of ~/.alibabacloud/credentials (Alibaba Cloud CLI). */
	n = snprintf(text, sizeof(text), "[default]\ntype = access_key\n"
	    "access_key_id = %s\naccess_key_secret = %s\nregion_id = %s\n",
	    ak, secret, region);
	if (n < 0 || n >= (int)sizeof(text))
		return ERR_INVALID_ARGUMENT;
	if (file_replace(path, text, (size_t)n, 0600) != ERR_OK) {
		log_warn("cannot write '%s'", path);
		return ERR_IO;
	}
	return ERR_OK;
}

enum err
api_root_account_init(struct db *db, struct kms *kms, const char *data_dir,
    const char *region, const char *ak, const char *sk, int64_t now_ms,
    struct auth_account *ret, char *ret_ak, bool *ret_created)
{
	char secret[API_SECRET_MAX];
	int64_t count = 0;
	enum err r;

	*ret_created = false;
	r = auth_account_count(db, &count);
	if (r != ERR_OK || count > 0)
		return r;
	if ((ak == NULL) != (sk == NULL))
		return ERR_CONFLICT;
	r = api_account_create(db, kms, "root", ak, sk, now_ms, ret, ret_ak,
	    secret);
	if (r == ERR_OK)
		r = api_write_credentials(data_dir, ret_ak, secret, region);
	explicit_bzero(secret, sizeof(secret));
	*ret_created = r == ERR_OK;
	return r;
}

enum err
api_access_key_create(struct db *db, struct kms *kms, const char *account,
    int64_t now_ms, char *ret_ak, char *ret_secret)
{
	uint8_t sealed[API_SECRET_MAX + KMS_SEAL_OVERHEAD];
	char ak[AUTH_AK_MAX], sk[API_SECRET_MAX];
	uint8_t ad[2 + AUTH_AK_MAX];
	struct auth_account a;
	size_t skl;
	enum err r;

	r = auth_account_get(db, account, &a);
	if (r != ERR_OK)
		return r;
	auth_gen_access_key_id(ak);
	auth_gen_secret(sk);
	skl = strlen(sk);
	r = kms_seal(kms, sealed, sk, skl, ad, secret_ad(ad, ak));
	if (r == ERR_OK)
		r = auth_key_add(db, a.id, ak, sealed, skl + KMS_SEAL_OVERHEAD,
		    now_ms);
	if (r == ERR_OK) {
		str_copy(ret_ak, AUTH_AK_MAX, ak);
		str_copy(ret_secret, API_SECRET_MAX, sk);
	}
	explicit_bzero(sk, sizeof(sk));
	return r;
}
