/* SPDX-License-Identifier: ISC */
/* object_tx.c: see object_tx.h. */
#include "object/object_tx.h"

#include "base/crash.h"
#include "db/db.h"
#include "object/object.h"
#include "worm/retention.h"
#include "worm/worm.h"

void
object_tx_init(struct object_tx *tx, struct api *api, struct arena *a,
    int64_t bucket_id, const char *bucket_name, bool guard, int64_t now_ms)
{
	tx->api = api;
	tx->a = a;
	tx->bucket_id = bucket_id;
	tx->bucket_name = bucket_name != NULL ? bucket_name : "";
	tx->guard = guard;
	tx->now_ms = now_ms;
	tx->open = false;
	tx->exists = false;
	tx->versioning = BUCKET_UNVERSIONED;
	tx->version_id = NULL;
	tx->in_place = false;
	tx->bypass_governance = false;
	tx->has_target = false;
}

/* The retention guard: the only caller of worm_object_guard. */
static enum err
guard(struct object_tx *tx)
{
	struct worm_object o = { 0 };
	/* A delete marker holds no data: removing one only uncovers the
	 * version under it (schema/0011_versions.sql). It is asked about
	 * as a new key is, so a forged policy still refuses the change. */
	bool protectable = tx->has_target && !tx->target.delete_marker;

	if (!tx->guard)
		return ERR_OK;
	if (protectable) {
		o.mtime_ms = tx->target.mtime_ms;
		o.sealed = tx->target.sealed;
		retention_from_row(tx->target.retain_mode,
		    tx->target.retain_until_ms, tx->target.legal_hold, &o);
	}
	o.bypass_governance = tx->bypass_governance;
	/* The business clock never runs backwards (db/clock_db.c), so a
	 * wall clock set back cannot shorten a retention period here. A new
	 * key is not protected, but a forged policy still refuses it. */
	return worm_object_guard(tx->api->db, tx->bucket_id, tx->bucket_name,
	    protectable ? &o : NULL, tx->now_ms);
}

/* Which version the change removes or rewrites (object_tx.h). */
static enum err
find_target(struct object_tx *tx, const char *key)
{
	enum err r = ERR_OK;

	tx->has_target = false;
	if (tx->version_id != NULL) {
		r = object_get_version(tx->api->db, tx->a, tx->bucket_id, key,
		    tx->version_id, &tx->target);
		tx->has_target = r == ERR_OK;
	} else if (tx->versioning == BUCKET_UNVERSIONED ||
	    (tx->in_place && tx->exists)) {
		if (tx->exists) {
			tx->target = tx->cur;
			tx->has_target = true;
		}
	} else if (tx->versioning == BUCKET_VERSIONING_SUSPENDED) {
		r = object_get_version(tx->api->db, tx->a, tx->bucket_id, key,
		    "null", &tx->target);
		tx->has_target = r == ERR_OK;
		if (r == ERR_NO_SUCH_VERSION)
			r = ERR_OK;
	}
	return r;
}

enum err
object_tx_load(struct object_tx *tx, const char *key)
{
	enum err r;

	tx->exists = false;
	r = object_get(tx->api->db, tx->a, tx->bucket_id, key, &tx->cur);
	if (r == ERR_OK)
		tx->exists = true;
	else if (r == ERR_NO_SUCH_KEY)
		r = ERR_OK;
	if (r == ERR_OK)
		r = find_target(tx, key);
	if (r == ERR_OK)
		r = guard(tx);
	return r;
}

enum err
object_tx_begin(struct object_tx *tx, const char *key)
{
	enum err r;

	tx->open = false;
	tx->exists = false;
	r = db_tx_begin(tx->api->db);
	if (r != ERR_OK)
		return r;
	tx->open = true;
	if (key != NULL)
		r = object_tx_load(tx, key);
	if (r != ERR_OK)
		object_tx_end(tx);
	return r;
}

enum err
object_tx_peek(struct object_tx *tx, const char *key)
{
	/* Reads only, outside a transaction: taking the write lock before
	 * every body would serialise uploads for an answer that is only
	 * early, not final. */
	tx->open = false;
	return object_tx_load(tx, key);
}

enum err
object_tx_commit(struct object_tx *tx)
{
	enum err r;

	r = db_tx_commit(tx->api->db);
	tx->open = false;
	if (r == ERR_OK)
		crash_point("object-committed");
	return r;
}

void
object_tx_end(struct object_tx *tx)
{
	if (tx->open) {
		db_tx_rollback(tx->api->db);
		tx->open = false;
	}
}
