/* SPDX-License-Identifier: ISC */
/* api.c: lifetime of the api context and start-up recovery. */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "bucket/bucket.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "store/store.h"

enum err
api_open(const struct api_settings *s, struct api **ret)
{
	struct api *api;

	api = calloc(1, sizeof(*api));
	if (api == NULL)
		return ERR_NOMEM;
	api->db = s->db;
	api->store = s->store;
	api->kms = s->kms;
	api->clock = s->clock;
	str_copy(api->region, sizeof(api->region), s->region);
	for (unsigned i = 0; i < s->ndomains && i < API_MAX_DOMAINS; i++) {
		str_copy(api->domains[i], sizeof(api->domains[i]), s->domains[i]);
		str_lower(api->domains[i]);
		api->ndomains++;
	}
	api->max_buckets = s->max_buckets;
	api->test_clock = s->test_clock;
	api->test_hooks = s->test_hooks;
	api->dns = s->dns;
	str_copy(api->version, sizeof(api->version), s->version ? s->version : "");
	api->started_ms = clock_wall_ms();
	gate_init(&api->gate);
	if (auth_key_cache_open(&api->ak_cache) != ERR_OK) {
		gate_destroy(&api->gate);
		free(api);
		return ERR_NOMEM;
	}
	api_access_log_init(api);
	*ret = api;
	return ERR_OK;
}

void
api_close(struct api *api)
{
	if (api == NULL)
		return;
	gate_destroy(&api->gate);
	auth_key_cache_close(api->ak_cache);
	api_access_log_free(api);
	free(api);
}

void
api_set_listeners(struct api *api, struct http_server *oss,
    struct http_server *kms)
{
	atomic_store(&api->oss_stats.srv, oss);
	atomic_store(&api->kms_stats.srv, kms);
}

static bool
blob_is_live(void *ctx, const uint8_t uuid[static STORE_UUID_BYTES])
{
	struct api *api = ctx;
	bool live = true;

	/* On a database error keep the blob: deleting data is the one
	 * mistake recovery must never make. */
	if (extent_exists(api->db, uuid, &live) != ERR_OK)
		return true;
	return live;
}

enum err
api_recover(struct api *api, unsigned *ret_removed)
{
	return store_sweep(api->store, blob_is_live, api, ret_removed);
}

enum err
api_collect_blobs(void *api, unsigned *ret_removed)
{
	return store_sweep_blobs(((struct api *)api)->store, blob_is_live, api,
	    ret_removed);
}
