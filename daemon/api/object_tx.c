/* SPDX-License-Identifier: ISC */
/* object_tx.c: see object_tx.h. */
#include "api/object_tx.h"

#include "db/db.h"
#include "worm/worm.h"

/* The retention guard: the only caller of worm_object_guard. */
static enum err
guard(struct object_tx *tx)
{
	struct worm_mac_ops mac;
	enum err r;

	if (!tx->guard)
		return ERR_OK;
	api_worm_mac(tx->api, &mac);
	/* The business clock never runs backwards (db/clock_db.c), so a
	 * wall clock set back cannot shorten a retention period here. A new
	 * key is not protected, but a forged policy still refuses it. */
	r = worm_object_guard(tx->api->db, &mac, tx->bucket_id,
	    tx->exists ? &tx->cur.mtime_ms : NULL, tx->now_ms);
	api_worm_alert(tx->bucket_name, r);
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
		r = guard(tx);
	return r;
}

static enum err
begin(struct object_tx *tx, const char *key)
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

static void
init_call(struct object_tx *tx, struct call *c, int64_t bucket_id)
{
	tx->api = c->api;
	tx->a = c->a;
	tx->bucket_id = bucket_id;
	tx->bucket_name = c->have_bucket ? c->bucket.name : "";
	tx->guard = c->route != NULL &&
	    (c->route->flags & R_MUTATES_OBJECT) != 0;
	tx->now_ms = call_now(c);
}

enum err
object_tx_begin(struct call *c, int64_t bucket_id, const char *key,
    struct object_tx *tx)
{
	init_call(tx, c, bucket_id);
	return begin(tx, key);
}

enum err
object_tx_begin_internal(struct api *api, struct arena *a, int64_t bucket_id,
    const char *bucket_name, const char *key, struct object_tx *tx)
{
	tx->api = api;
	tx->a = a;
	tx->bucket_id = bucket_id;
	tx->bucket_name = bucket_name;
	tx->guard = true;
	tx->now_ms = clock_now_ms(api->clock);
	return begin(tx, key);
}

enum err
object_tx_peek(struct call *c, int64_t bucket_id, const char *key,
    struct object *ret_cur, bool *ret_exists)
{
	struct object_tx tx;
	enum err r;

	/* Reads only, outside a transaction: taking the write lock before
	 * every body would serialise uploads for an answer that is only
	 * early, not final. */
	init_call(&tx, c, bucket_id);
	tx.open = false;
	r = object_tx_load(&tx, key);
	*ret_exists = tx.exists;
	if (tx.exists)
		*ret_cur = tx.cur;
	return r;
}

enum err
object_tx_commit(struct object_tx *tx)
{
	enum err r;

	r = db_tx_commit(tx->api->db);
	tx->open = false;
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
