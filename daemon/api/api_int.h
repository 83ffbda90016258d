/* SPDX-License-Identifier: ISC */
/*
 * api_int.h: the daemon's shared context (struct api): what both listeners
 * (daemon/oss/, daemon/kmsd/), the object data path (daemon/object/) and
 * the admin CLI hand each other. Nothing here knows a request.
 */
#ifndef COFFER_API_API_INT_H
#define COFFER_API_API_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "api/reqstats.h"
#include "base/gate.h"

struct api {
	struct db		*db;
	struct store		*store;
	struct kms		*kms;
	const struct clock	*clock;
	char			 region[64];
	char			 domains[API_MAX_DOMAINS][256];
	unsigned		 ndomains;
	unsigned		 max_buckets;
	bool			 test_clock;
	bool			 test_hooks;
	struct dns_txt		*dns;
	char			 version[32];
	int64_t			 started_ms;
	/* /-/metrics: each listener's counters, owned by the listener
	 * (oss_open, kmsd_open), rendered together by the OSS one. */
	struct reqstats		 oss_stats;
	struct reqstats		 kms_stats;
	struct gate		 gate;		/* root_key.c */
	/* Access-log lines between their request and the next spill into
	 * the database (access_log.c). */
	pthread_mutex_t		 alog_mu;
	struct alog_entry	*alog_head, **alog_tail;
	size_t			 alog_bytes;
	uint64_t		 alog_dropped;
	struct auth_key_cache	*ak_cache;	/* account.c */
};

/* The access-log queue's lifetime (access_log.c), with api_open/close. */
void api_access_log_init(struct api *api);
void api_access_log_free(struct api *api);

/* In a transaction: the MAC of every sealed row that has none (first
 * start), or of every sealed row (every: a root-key rotation, under the
 * new key); WORM policies, ObjectWorm configurations and the clock row
 * are always all MACed again (seal_check.c). */
enum err api_seal_tables(struct db *db, bool every);

/* The /-/health document into b (initialised here; the caller frees it
 * on failure as on success). */
struct buf;
enum err api_health_json(struct api *api, struct buf *b);
/* The HTTP status of /-/health: 503 while this process cannot serve
 * (another node rotated the root key past it), so a balancer takes it
 * out; 200 otherwise, also while the database is away (every node
 * answers 503 in OSS or KMS form then, better than the balancer's page). */
int api_health_status(struct api *api);

/* The associated data a sealed access-key secret is bound to (account.c):
 * "ak" || access key id, so a sealed secret copied to another access key
 * does not open. ad holds 2 + akl bytes; returns that length. */
size_t api_secret_ad(uint8_t *ad, const void *ak, size_t akl);

#endif
