/* SPDX-License-Identifier: ISC */
/*
 * internal_put.c: object writes made by the daemon itself (inventory
 * reports), through the same path as PutObject (DESIGN §4): the bytes are
 * sealed into a new extent by upload.c and made durable, then the object
 * transaction (object_tx.c: the retention guard) commits the rows. A refused or failed commit removes the blob.
 * No request, no signature and no route: callers are trusted code paths
 * (jobs/, the admin CLI), handed this function by the composition root.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "object/object.h"
#include "object/object_tx.h"
#include "object/upload.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

enum err
object_internal_put(void *ctx, const struct bucket *dest, const char *key,
    const void *data, size_t len, const char *content_type,
    const char *sse_algorithm, const char *sse_kms_key_id)
{
	struct api *api = ctx;
	struct upload *u = NULL;
	struct upload_result res;
	struct extent_ref *dead = NULL;
	struct object_tx tx;
	struct object o;
	struct arena a;
	const char *cmk = NULL;
	size_t ndead = 0;
	enum err r;

	arena_init(&a, 1024 * 1024);
	if (!bucket_key_valid(key, strlen(key))) {
		r = ERR_INVALID_OBJECT_NAME;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.bucket = dest->id;
	o.key = key;
	str_copy(o.type, sizeof(o.type), "Normal");
	/* inventory-report.md §1: report objects are Standard. */
	str_copy(o.storage_class, sizeof(o.storage_class), "Standard");
	str_copy(o.acl, sizeof(o.acl), "default");
	o.tags = "";
	o.headers = arena_printf(&a, "content-type:%s\n",
	    content_type ? content_type : "application/octet-stream");
	if (o.headers == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = object_sse_choose(api, dest, sse_algorithm && sse_algorithm[0] ?
	    sse_algorithm : NULL, sse_kms_key_id && sse_kms_key_id[0] ?
	    sse_kms_key_id : NULL, NULL, &o, &cmk);
	if (r != ERR_OK)
		goto out;

	/* A CMK is looked up among the destination owner's keys. */
	r = upload_begin(api, dest->owner, cmk, &u);
	if (r == ERR_OK)
		r = upload_write(u, data, len);
	if (r == ERR_OK)
		r = upload_finish(u, &res);
	if (r != ERR_OK)
		goto out;
	hex_encode_upper(o.etag, res.md5, HASH_MD5_BYTES);
	o.size = res.len;
	o.crc64 = res.crc64;
	o.mtime_ms = clock_now_ms(api->clock);

	/* The same rule as every other write: an existing object inside
	 * its retention period is not replaced. */
	object_tx_init(&tx, api, &a, dest->id, dest->name, true,
	    clock_now_ms(api->clock));
	r = object_tx_begin(&tx, key);
	if (r != ERR_OK)
		goto out;
	r = object_replace(api->db, &a, &o, dest->versioning, &res.extent, 1,
	    &dead, &ndead);
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
	object_tx_end(&tx);
	if (err_maybe_committed(r)) {
		upload_commit(u);	/* a row may name its blob */
		u = NULL;
	}
	if (r != ERR_OK)
		goto out;
	upload_commit(u);
	u = NULL;
	for (size_t i = 0; i < ndead; i++)
		/* The start-up sweep removes what we could not. */
		if (store_unlink(api->store, dead[i].uuid) != ERR_OK)
			log_warnx("could not remove an unreferenced blob");
out:
	upload_abort(u);
	arena_free(&a);
	return r;
}
