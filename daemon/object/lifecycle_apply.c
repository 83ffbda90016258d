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
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "base/crash.h"
#include "base/log.h"
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

enum err
object_lifecycle_change(void *ctx, const struct bucket *b,
    const struct object *o, const char *storage_class, int64_t now_ms,
    const char *actor, const char *rule_id)
{
	struct api *api = ctx;
	struct extent_ref *dead = NULL;
	struct object_tx tx;
	struct arena a;
	char detail[LIFECYCLE_ID_MAX + 64];
	size_t ndead = 0;
	enum err r;

	arena_init(&a, 1024 * 1024);
	if (storage_class != NULL)
		snprintf(detail, sizeof(detail), "rule=%s class=%s->%s",
		    rule_id, o->storage_class, storage_class);
	else
		snprintf(detail, sizeof(detail), "rule=%s", rule_id);
	object_tx_init(&tx, api, &a, b->id, b->name, storage_class == NULL,
	    now_ms);
	r = object_tx_begin(&tx, o->key);
	if (r == ERR_FILE_IMMUTABLE) {
		/* Recorded, and asked again at the next daily run: the first
		 * one after the retention ends removes it. */
		(void)lifecycle_audit(api->db, now_ms, actor, "expire", b->name,
		    o->key, "skipped-retention", detail);
		goto out;
	}
	if (r != ERR_OK)
		goto out;
	if (!tx.exists || tx.cur.generation != o->generation) {
		r = ERR_STALE_FILE;
		goto out;
	}
	if (storage_class == NULL)
		r = object_delete(api->db, &a, b->id, o->key, &dead, &ndead);
	else
		r = object_set_storage_class(api->db, &tx.cur, storage_class,
		    NULL);
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
