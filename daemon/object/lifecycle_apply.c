/* SPDX-License-Identifier: ISC */
/*
 * lifecycle_apply.c: the changes a lifecycle run makes (oss-api-2.md
 * §2.4, §2.6), each in one object transaction with its audit row.
 *
 * The runner (jobs/lifecycle_job.c) decides from a listing; here the
 * decision meets the row as it is now. An object changed since it was
 * listed (another generation) is left for the next run: the rules are
 * asked again then. An expiry runs the retention guard of object_tx.c in
 * the transaction that deletes, so a protected object is never removed,
 * whatever the listing said; a transition does not (transitions are
 * allowed under retention, §2.6). Blobs go only after the commit.
 *
 * In a versioned bucket (§2.5) the change names the version it was
 * decided for: removing the current version adds a delete marker
 * (nothing goes, Enabled; the null version is replaced, Suspended), and
 * removing a non-current version or a delete marker removes it for good,
 * through the same guard.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "base/buf.h"
#include "base/crash.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/str.h"
#include "db/db.h"
#include "lifecycle/lifecycle.h"
#include "object/object.h"
#include "object/object_tx.h"
#include "store/store.h"

static void
unlink_dead(struct api *api, const struct extent_ref *dead, size_t n)
{
	for (size_t i = 0; i < n; i++)
		/* The start-up sweep removes what we could not. */
		if (store_unlink(api->store, dead[i].uuid) != ERR_OK)
			log_warnx("could not remove an unreferenced blob");
}

/*
 * The access-log line of a change, when the bucket logs: OSS records
 * lifecycle work as ExpireObject or CommitTransition with SyncRequest
 * "lifecycle" (oss-api-2.md §2.4). No client, so no address, request,
 * status or requester, but a request id of its own, as every line has;
 * the fields are those of oss/access_line.c.
 */
static void
access_line(struct api *api, struct arena *a, const struct bucket *b,
    const struct object *o, const char *storage_class, int64_t now_ms)
{
	const char *target, *prefix;
	char t[TIME_CLF_BYTES], size[24], id[25];
	struct buf key, line;

	if (api_access_log_target(api, a, b->id, &target, &prefix) != ERR_OK)
		return;
	time_fmt_clf(t, now_ms);
	rand_request_id(id);
	if (o->delete_marker)
		str_copy(size, sizeof(size), "-");
	else
		snprintf(size, sizeof(size), "%llu",
		    (unsigned long long)o->size);
	buf_init(&key, 4 * BUCKET_KEY_MAX);
	buf_init(&line, 16 * 1024);
	if (url_encode(&key, o->key, strlen(o->key), true) == ERR_OK &&
	    buf_printf(&line, "- - - [%s] \"-\" - - - \"-\" \"-\" \"-\" "
	    "\"%s\" \"true\" \"-\" \"%s\" \"%s\" \"%s\" %s - \"-\" - "
	    "\"%s\" - \"lifecycle\" \"%s\" \"%s\" \"-\" \"-\"", t, id,
	    storage_class == NULL ? "ExpireObject" : "CommitTransition",
	    b->name, buf_cstr(&key), size, b->owner_account_id,
	    o->storage_class[0] ? o->storage_class : "-",
	    storage_class != NULL ? storage_class : "-") == ERR_OK)
		api_access_log_add(api, b, target, prefix, now_ms,
		    buf_cstr(&line));
	buf_free(&key);
	buf_free(&line);
}

enum err
object_lifecycle_change(void *ctx, const struct bucket *b,
    const struct object *o, const char *storage_class, int64_t now_ms,
    const char *actor, const char *rule_id)
{
	struct api *api = ctx;
	struct extent_ref *dead = NULL;
	const struct object *at;
	struct object_tx tx;
	struct object gone;
	struct arena a;
	char detail[LIFECYCLE_ID_MAX + BUCKET_VERSION_ID_MAX + 96];
	size_t ndead = 0;
	bool versioned = b->versioning != BUCKET_UNVERSIONED;
	/* The change is of the version listed, unless it adds a marker. */
	bool by_version = versioned && (storage_class != NULL || !o->latest ||
	    o->delete_marker);
	int len;
	enum err r;

	arena_init(&a, 1024 * 1024);
	if (storage_class != NULL)
		len = snprintf(detail, sizeof(detail), "rule=%s class=%s->%s",
		    rule_id, o->storage_class, storage_class);
	else
		len = snprintf(detail, sizeof(detail), "rule=%s%s", rule_id,
		    !versioned ? "" : by_version ? o->delete_marker ?
		    " remove-marker" : " remove-version" : " add-marker");
	if (versioned && len > 0 && (size_t)len < sizeof(detail))
		snprintf(detail + len, sizeof(detail) - (size_t)len,
		    " versionId=%s", o->version_id);
	object_tx_init(&tx, api, &a, b->id, b->name, storage_class == NULL,
	    now_ms);
	tx.versioning = b->versioning;
	if (by_version)
		tx.version_id = o->version_id;
	r = object_tx_begin(&tx, o->key);
	if (r == ERR_NO_SUCH_VERSION)
		r = ERR_STALE_FILE;	/* gone since it was listed */
	if (r == ERR_FILE_IMMUTABLE) {
		/* Recorded, and asked again at the next daily run: the first
		 * one after the retention ends removes it. */
		(void)lifecycle_audit(api->db, now_ms, actor, "expire", b->name,
		    o->key, "skipped-retention", detail);
		goto out;
	}
	if (r != ERR_OK)
		goto out;
	at = by_version ? (tx.has_target ? &tx.target : NULL) :
	    (tx.exists ? &tx.cur : NULL);
	if (at == NULL || at->id != o->id || at->generation != o->generation) {
		r = ERR_STALE_FILE;
		goto out;
	}
	if (storage_class != NULL)
		r = object_set_storage_class(api->db, at, storage_class, NULL);
	else if (!versioned)
		r = object_delete(api->db, &a, b->id, o->key, &dead, &ndead);
	else if (by_version)
		r = object_delete_version(api->db, &a, b->id, o->key,
		    o->version_id, &gone, &dead, &ndead);
	else
		r = object_delete_marker(api->db, &a, b->id, o->key,
		    b->versioning, now_ms, &gone, &dead, &ndead);
	if (r == ERR_OK)
		r = lifecycle_audit(api->db, now_ms, actor,
		    storage_class == NULL ? "expire" : "transition", b->name,
		    o->key, "ok", detail);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	if (r == ERR_OK) {
		crash_point("lifecycle-committed");
		unlink_dead(api, dead, ndead);
		/* The operation names OSS's access log gives this work. */
		log_info("lifecycle op=%s bucket=%s key=%s %s",
		    storage_class == NULL ? "ExpireObject" : "CommitTransition",
		    b->name, o->key, detail);
		access_line(api, &a, b, o, storage_class, now_ms);
	}
out:
	object_tx_end(&tx);
	arena_free(&a);
	return r;
}

enum err
object_lifecycle_abort(void *ctx, const struct bucket *b,
    const struct mpu *u, int64_t now_ms, const char *actor,
    const char *rule_id)
{
	struct api *api = ctx;
	struct extent_ref *dead = NULL;
	struct arena a;
	char detail[LIFECYCLE_ID_MAX + 64];
	size_t ndead = 0;
	enum err r;

	arena_init(&a, 1024 * 1024);
	snprintf(detail, sizeof(detail), "rule=%s uploadId=%s", rule_id,
	    u->upload_id);
	r = db_tx_begin(api->db);
	if (r != ERR_OK)
		goto out;
	r = mpu_abort(api->db, &a, u, &dead, &ndead);
	if (r == ERR_OK)
		r = lifecycle_audit(api->db, now_ms, actor, "abort", b->name,
		    u->key, "ok", detail);
	if (r == ERR_OK)
		r = db_tx_commit(api->db);
	else
		db_tx_rollback(api->db);
	if (r == ERR_OK) {
		crash_point("lifecycle-committed");
		unlink_dead(api, dead, ndead);
		log_info("lifecycle op=AbortMultipartUpload bucket=%s key=%s %s",
		    b->name, u->key, detail);
	}
out:
	arena_free(&a);
	return r;
}
