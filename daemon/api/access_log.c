/* SPDX-License-Identifier: ISC */
/*
 * access_log.c: the queue between a logged request and the database.
 *
 * A request of a bucket with logging enabled must not pay for a write
 * transaction of its own (a GET would then wait for the write lock and
 * a sync), so its line is queued in memory and the main loop moves the
 * queue into the database once a second, all lines in one transaction.
 * A crash loses what the last second queued; a clean stop loses nothing
 * (main.c spills once more after the listeners have stopped).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"
#include "base/str.h"
#include "bucket/access_log.h"
#include "bucket/bucket.h"
#include "codec/xml.h"

/* Lines per INSERT transaction of a spill. */
#define SPILL_BATCH 512

struct alog_entry {
	struct alog_entry	*next;
	int64_t			 owner;		/* of the source bucket */
	int64_t			 time_ms;	/* of the request */
	char			 source[BUCKET_NAME_MAX + 1];
	char			 target[BUCKET_NAME_MAX + 1];
	char			 prefix[ACCESS_LOG_PREFIX_MAX + 1];
	size_t			 size;
	char			 line[];
};

enum err
api_access_log_parse(struct arena *a, const char *doc,
    const char **ret_target, const char **ret_prefix)
{
	const struct xml_node *on;
	struct xml_node *root;
	enum err r;

	if (doc == NULL)
		return ERR_NOT_FOUND;
	r = xml_parse(a, doc, strlen(doc), NULL, &root);
	if (r == ERR_MALFORMED_XML)
		r = ERR_CORRUPT;	/* it was well-formed when stored */
	if (r != ERR_OK)
		return r;
	on = xml_child(root, "LoggingEnabled");
	*ret_target = on != NULL ? xml_child_text(on, "TargetBucket") : NULL;
	*ret_prefix = on != NULL ? xml_child_text(on, "TargetPrefix") : NULL;
	if (*ret_prefix == NULL)
		*ret_prefix = "";
	return *ret_target != NULL ? ERR_OK : ERR_NOT_FOUND;
}

enum err
api_access_log_target(struct api *api, struct arena *a, int64_t bucket_id,
    const char **ret_target, const char **ret_prefix)
{
	const char *doc;
	enum err r;

	r = bucket_conf_get(api->db, a, bucket_id, "logging", &doc);
	if (r != ERR_OK)
		return r;
	return api_access_log_parse(a, doc, ret_target, ret_prefix);
}

void
api_access_log_add(struct api *api, const struct bucket *source,
    const char *target, const char *prefix, int64_t time_ms,
    const char *line)
{
	struct alog_entry *e;
	size_t n = strlen(line), size = sizeof(*e) + n + 1;

	pthread_mutex_lock(&api->alog_mu);
	if (api->alog_bytes + size > API_ACCESS_LOG_QUEUE_MAX) {
		api->alog_dropped++;
		pthread_mutex_unlock(&api->alog_mu);
		return;
	}
	api->alog_bytes += size;
	pthread_mutex_unlock(&api->alog_mu);

	e = malloc(size);
	if (e == NULL) {
		pthread_mutex_lock(&api->alog_mu);
		api->alog_bytes -= size;
		api->alog_dropped++;
		pthread_mutex_unlock(&api->alog_mu);
		return;
	}
	e->next = NULL;
	e->owner = source->owner;
	e->time_ms = time_ms;
	e->size = size;
	str_copy(e->source, sizeof(e->source), source->name);
	str_copy(e->target, sizeof(e->target), target);
	str_copy(e->prefix, sizeof(e->prefix), prefix);
	memcpy(e->line, line, n + 1);

	pthread_mutex_lock(&api->alog_mu);
	*api->alog_tail = e;
	api->alog_tail = &e->next;
	pthread_mutex_unlock(&api->alog_mu);
}

/* Puts list (not yet spilled) back in front of the queue. */
static void
requeue(struct api *api, struct alog_entry *list)
{
	struct alog_entry **end = &list;

	if (list == NULL)
		return;
	while (*end != NULL)
		end = &(*end)->next;
	pthread_mutex_lock(&api->alog_mu);
	*end = api->alog_head;
	if (api->alog_head == NULL)
		api->alog_tail = end;
	api->alog_head = list;
	pthread_mutex_unlock(&api->alog_mu);
}

static void
release(struct api *api, struct alog_entry *e)
{
	pthread_mutex_lock(&api->alog_mu);
	api->alog_bytes -= e->size;
	pthread_mutex_unlock(&api->alog_mu);
	free(e);
}

/* The target's id when it exists and belongs to the source's owner: the
 * owner was checked by PutBucketLogging, but the target may have been
 * deleted and its name taken by another account since. *ret_id 0: drop
 * the line. */
static enum err
target_of(struct api *api, const struct alog_entry *e, struct bucket *cache,
    int64_t *ret_id)
{
	enum err r = ERR_OK;

	if (strcmp(cache->name, e->target) != 0) {
		r = bucket_get(api->db, e->target, cache);
		if (r != ERR_OK)
			memset(cache, 0, sizeof(*cache));
		if (r == ERR_NO_SUCH_BUCKET)
			r = ERR_OK;
	}
	*ret_id = cache->owner == e->owner ? cache->id : 0;
	return r;
}

enum err
api_access_log_spill(struct api *api, int64_t interval_ms)
{
	struct access_log_line batch[SPILL_BATCH];
	struct alog_entry *list, *taken[SPILL_BATCH];
	struct bucket *cache;
	uint64_t dropped, strays = 0, stored = 0;
	enum err r = ERR_OK;

	pthread_mutex_lock(&api->alog_mu);
	list = api->alog_head;
	api->alog_head = NULL;
	api->alog_tail = &api->alog_head;
	dropped = api->alog_dropped;
	api->alog_dropped = 0;
	pthread_mutex_unlock(&api->alog_mu);
	if (dropped > 0)
		log_warnx("access log: %llu line(s) dropped: more than %u MiB "
		    "were waiting for the database", (unsigned long long)dropped,
		    API_ACCESS_LOG_QUEUE_MAX / (1024 * 1024));
	if (list == NULL)
		return ERR_OK;
	cache = calloc(1, sizeof(*cache));
	if (cache == NULL) {
		requeue(api, list);
		return ERR_NOMEM;
	}
	while (list != NULL) {
		size_t n = 0;

		while (list != NULL && n < SPILL_BATCH) {
			struct alog_entry *e = list;
			int64_t target;

			r = target_of(api, e, cache, &target);
			if (r != ERR_OK)
				break;
			list = e->next;
			if (target == 0) {
				strays++;
				release(api, e);
				continue;
			}
			e->next = NULL;
			batch[n] = (struct access_log_line){ .target = target,
			    .prefix = e->prefix, .source = e->source,
			    .slot_ms = e->time_ms - e->time_ms % interval_ms,
			    .line = e->line };
			taken[n++] = e;
		}
		if (r == ERR_OK && n > 0)
			r = access_log_append(api->db, batch, n);
		if (r != ERR_OK) {
			/* Keep the order: this batch, then the rest. */
			for (size_t i = n; i-- > 0;) {
				taken[i]->next = list;
				list = taken[i];
			}
			requeue(api, list);
			break;
		}
		for (size_t i = 0; i < n; i++)
			release(api, taken[i]);
		stored += n;
	}
	free(cache);
	if (stored > 0)
		log_debug("access log: %llu line(s) stored",
		    (unsigned long long)stored);
	if (strays > 0)
		log_warnx("access log: %llu line(s) dropped: their target "
		    "bucket is gone or belongs to another account",
		    (unsigned long long)strays);
	if (r != ERR_OK)
		log_warnx("access log: cannot store the queued lines: %s; "
		    "retrying", err_name(r));
	return r;
}

void
api_access_log_init(struct api *api)
{
	pthread_mutex_init(&api->alog_mu, NULL);
	api->alog_tail = &api->alog_head;
}

void
api_access_log_free(struct api *api)
{
	struct alog_entry *e, *next;

	for (e = api->alog_head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	pthread_mutex_destroy(&api->alog_mu);
}
