/* SPDX-License-Identifier: ISC */
/* object_tx.c: see object_tx.h. */
#include "api/object_tx.h"

#include "db/db.h"
#include "worm/worm.h"

enum err
object_guard(struct call *c, int64_t bucket_id, const struct object *cur)
{
	/* The business clock never runs backwards (db/clock_db.c), so a
	 * wall clock set back cannot shorten a retention period here. */
	return worm_object_guard(c->api->db, bucket_id, cur->mtime_ms,
	    call_now(c));
}

enum err
object_tx_begin(struct call *c, int64_t bucket_id, const char *key,
    struct object_tx *tx)
{
	enum err r;

	tx->c = c;
	tx->open = false;
	tx->exists = false;
	r = db_tx_begin(c->api->db);
	if (r != ERR_OK)
		return r;
	tx->open = true;
	r = object_get(c->api->db, c->a, bucket_id, key, &tx->cur);
	if (r == ERR_OK)
		tx->exists = true;
	else if (r == ERR_NO_SUCH_KEY)
		r = ERR_OK;
	if (r == ERR_OK && tx->exists && c->route != NULL &&
	    (c->route->flags & R_MUTATES_OBJECT))
		r = object_guard(c, bucket_id, &tx->cur);
	if (r != ERR_OK)
		object_tx_end(tx);
	return r;
}

enum err
object_tx_commit(struct object_tx *tx)
{
	enum err r;

	r = db_tx_commit(tx->c->api->db);
	tx->open = false;
	return r;
}

void
object_tx_end(struct object_tx *tx)
{
	if (tx->open) {
		db_tx_rollback(tx->c->api->db);
		tx->open = false;
	}
}
