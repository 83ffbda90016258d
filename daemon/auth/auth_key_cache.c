/* SPDX-License-Identifier: ISC */
/*
 * auth_key_cache.c: unsealed access-key secrets and their accounts,
 * without a query or an unseal per signed request (issue 17).
 *
 * The caller reads state_version.auth (db/state_version.h) before the
 * lookup and hands it in: entries filled under another value are never
 * served, and the first lookup that sees a new value wipes everything.
 * Triggers move that counter with every change of an access key or an
 * account, whichever process commits it, so a key deleted or disabled
 * (by the daemon or by `coffer` on the same data dir) is refused on the
 * very next request. Only Active keys whose secret opened (authenticated
 * under the root key) are put here. Secrets live in one sodium_malloc
 * region: locked, guarded, wiped on eviction and on every wipe.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/str.h"

#define AK_CACHE_SLOTS		1024	/* a power of two */
#define AK_CACHE_PROBES		8

struct ak_entry {
	char			ak[AUTH_AK_MAX];	/* "": free */
	struct auth_account	account;
	size_t			len;
};

struct auth_key_cache {
	pthread_mutex_t		 lock;
	int64_t			 gen;	/* -1: none */
	struct ak_entry		*e;
	char			(*secret)[AUTH_SECRET_CACHE_MAX];	/* sodium_malloc */
};

enum err
auth_key_cache_open(struct auth_key_cache **ret)
{
	struct auth_key_cache *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ERR_NOMEM;
	c->e = calloc(AK_CACHE_SLOTS, sizeof(*c->e));
	c->secret = sodium_malloc(AK_CACHE_SLOTS * sizeof(*c->secret));
	if (c->e == NULL || c->secret == NULL) {
		free(c->e);
		if (c->secret != NULL)
			sodium_free(c->secret);
		free(c);
		return ERR_NOMEM;
	}
	sodium_memzero(c->secret, AK_CACHE_SLOTS * sizeof(*c->secret));
	pthread_mutex_init(&c->lock, NULL);
	c->gen = -1;
	*ret = c;
	return ERR_OK;
}

void
auth_key_cache_close(struct auth_key_cache *c)
{
	if (c == NULL)
		return;
	sodium_free(c->secret);		/* wipes */
	free(c->e);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void
wipe_locked(struct auth_key_cache *c)
{
	sodium_memzero(c->secret, AK_CACHE_SLOTS * sizeof(*c->secret));
	memset(c->e, 0, AK_CACHE_SLOTS * sizeof(*c->e));
	c->gen = -1;
}

static size_t
slot_of(const char *ak)
{
	uint32_t h = 2166136261u;

	for (const char *p = ak; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h & (AK_CACHE_SLOTS - 1);
}

bool
auth_key_cache_get(struct auth_key_cache *c, int64_t gen, const char *ak,
    struct auth_account *ret_account, char *secret, size_t cap)
{
	size_t s = slot_of(ak);
	bool found = false;

	pthread_mutex_lock(&c->lock);
	if (c->gen != gen) {
		wipe_locked(c);
		c->gen = gen;
	}
	for (int i = 0; i < AK_CACHE_PROBES; i++) {
		struct ak_entry *e = &c->e[(s + (size_t)i) &
		    (AK_CACHE_SLOTS - 1)];

		if (e->ak[0] == '\0')
			break;
		if (strcmp(e->ak, ak) != 0)
			continue;
		if (e->len < cap) {
			memcpy(secret, c->secret[e - c->e], e->len);
			secret[e->len] = '\0';
			*ret_account = e->account;
			found = true;
		}
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void
auth_key_cache_put(struct auth_key_cache *c, int64_t gen, const char *ak,
    const struct auth_account *account, const char *secret)
{
	size_t s = slot_of(ak), j = s, len = strlen(secret);
	struct ak_entry *e;

	if (len >= AUTH_SECRET_CACHE_MAX || strlen(ak) >= AUTH_AK_MAX)
		return;
	pthread_mutex_lock(&c->lock);
	/* Read under an older counter: something changed since. */
	if (c->gen != gen) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	for (int i = 0; i < AK_CACHE_PROBES; i++) {
		size_t t = (s + (size_t)i) & (AK_CACHE_SLOTS - 1);

		if (c->e[t].ak[0] == '\0' || strcmp(c->e[t].ak, ak) == 0) {
			j = t;
			break;
		}
	}
	e = &c->e[j];
	sodium_memzero(c->secret[j], sizeof(c->secret[j]));
	str_copy(e->ak, sizeof(e->ak), ak);
	e->account = *account;
	e->len = len;
	memcpy(c->secret[j], secret, len);
	pthread_mutex_unlock(&c->lock);
}
