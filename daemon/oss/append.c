/* SPDX-License-Identifier: ISC */
/*
 * append.c: AppendObject (spec oss-api.md §3.2, 409 page row 7).
 *
 * Each append is one new encrypted extent added to the object's list; the
 * sealed chunks of earlier appends are never rewritten (DESIGN §2), so a
 * crash leaves either the old or the new length. Position and type are
 * checked before the body is accepted and again, compare-and-set on the
 * object's generation, in the committing transaction: of two clients
 * appending at the same position exactly one wins, the other gets 409
 * PositionNotEqualToLength with the new length.
 */
#include <string.h>

#include "oss/object_ops.h"
#include "object/object_tx.h"
#include "object/upload.h"
#include "base/str.h"
#include "worm/retention.h"

/* OSS: an appendable object grows to at most 5 GiB. */
#define APPEND_MAX (5ULL * 1024 * 1024 * 1024)

struct append_op {
	struct object	 o;		/* the object as it should become */
	uint64_t	 position;
};

/* Checks position against the object currently at the key. */
static enum err
check_position(struct call *c, bool exists, const struct object *cur,
    uint64_t position)
{
	uint64_t len = exists ? cur->size : 0;

	if (exists && strcmp(cur->type, "Appendable") != 0)
		return ERR_OBJECT_NOT_APPENDABLE;
	/* OSS: position must equal the current length; 0 for a new object
	 * (409 page: "Position is 0 and no appendable object ... exists"). */
	if (position != len) {
		c->x.has_next_append = true;
		c->x.next_append = len;
		return ERR_POSITION_NOT_EQUAL;
	}
	return ERR_OK;
}

enum err
h_append_object_begin(struct call *c)
{
	const char *pos = call_query(c, "position");
	struct append_op *op;
	const char *cmk = NULL;
	struct object cur;
	bool exists;
	bool forbid;
	enum err r;

	op = arena_zalloc(c->a, sizeof(*op));
	if (op == NULL)
		return ERR_NOMEM;
	c->op = op;
	if (pos == NULL || pos[0] == '\0')
		return ERR_APPEND_POSITION_MISSING;
	if (!str_to_u64(pos, APPEND_MAX, &op->position)) {
		c->x.arg_name = "position";
		c->x.arg_value = pos;
		return ERR_INVALID_ARGUMENT;
	}
	/* Accepted for compatibility, meaningless for appends. */
	r = object_parse_forbid_overwrite(c, &forbid);
	if (r != ERR_OK)
		return r;
	str_copy(op->o.type, sizeof(op->o.type), "Appendable");
	r = object_prepare(c, &op->o, &cmk);
	if (r != ERR_OK)
		return r;
	/* OSS: AppendObject cannot name a CMK explicitly. */
	if (call_header(c, "x-oss-server-side-encryption-key-id") != NULL) {
		c->x.arg_name = "x-oss-server-side-encryption-key-id";
		return ERR_INVALID_ARGUMENT;
	}
	/* §1.10: enabling ObjectWorm disables AppendObject (asked again in
	 * the transaction that would commit the append). */
	r = object_worm_absent(c->api->db, c->bucket.id, c->bucket.name,
	    ERR_APPEND_OBJECT_WORM);
	if (r != ERR_OK)
		return r;
	/* A wrong position is reported before a retention refusal. */
	r = call_tx_peek(c, c->bucket.id, c->key, &cur, &exists);
	if (r == ERR_OK || exists) {
		enum err p = check_position(c, exists, &cur, op->position);

		if (p != ERR_OK)
			return p;
	}
	if (r != ERR_OK)
		return r;
	if (exists) {
		/* Later appends keep the object's encryption. */
		str_copy(op->o.sse_algorithm, sizeof(op->o.sse_algorithm),
		    cur.sse_algorithm);
		str_copy(op->o.sse_key_id, sizeof(op->o.sse_key_id),
		    cur.sse_key_id);
		cmk = op->o.sse_key_id[0] ? op->o.sse_key_id : NULL;
	}
	if (c->req->has_length && op->position + c->req->content_length >
	    APPEND_MAX)
		return ERR_ENTITY_TOO_LARGE;
	r = upload_begin(c->api, c->bucket.owner, cmk, &c->upload);
	if (r != ERR_OK)
		return r;
	return object_parse_integrity(c, c->upload);
}

/* ETag of an appendable object: a chain over the appends' MD5s, so it
 * changes with every append without rehashing the whole object. */
static void
chain_etag(char out[48], const char *prev, const uint8_t md5[HASH_MD5_BYTES])
{
	uint8_t buf[32 + HASH_MD5_BYTES], d[HASH_MD5_BYTES];
	size_t pl = strlen(prev);

	if (pl > 32)
		pl = 32;
	memcpy(buf, prev, pl);
	memcpy(buf + pl, md5, HASH_MD5_BYTES);
	hash_md5(d, buf, pl + HASH_MD5_BYTES);
	hex_encode_upper(out, d, HASH_MD5_BYTES);
}

enum err
h_append_object(struct call *c)
{
	struct append_op *op = c->op;
	struct object *o = &op->o;
	struct extent_ref *dead = NULL;
	struct upload_result res;
	struct object_tx tx;
	size_t ndead = 0;
	enum err r;

	r = upload_finish(c->upload, &res);
	if (r != ERR_OK)
		return r;
	/* An append extends the current version in place; no version is
	 * made unless the key has none (oss-api-2.md §1.3). */
	r = call_tx_begin_in_place(c, c->bucket.id, c->key, &tx);
	if (r != ERR_OK)
		return r;
	r = object_worm_absent(c->api->db, c->bucket.id, c->bucket.name,
	    ERR_APPEND_OBJECT_WORM);
	if (r == ERR_OK)
		r = check_position(c, tx.exists, &tx.cur, op->position);
	if (r != ERR_OK)
		goto out;
	if (tx.exists) {
		struct object next = tx.cur;

		next.size = tx.cur.size + res.len;
		next.crc64 = hash_crc64_combine(tx.cur.crc64, res.crc64, res.len);
		chain_etag(next.etag, tx.cur.etag, res.md5);
		next.mtime_ms = call_now(c);
		r = object_append_extent(c->api->db, &next, &res.extent);
		if (r == ERR_STALE_FILE) {
			c->x.has_next_append = true;
			c->x.next_append = tx.cur.size;
			r = ERR_POSITION_NOT_EQUAL;
		}
		*o = next;
	} else {
		o->size = res.len;
		o->crc64 = res.crc64;
		hex_encode_upper(o->etag, res.md5, HASH_MD5_BYTES);
		o->mtime_ms = call_now(c);
		r = object_replace(c->api->db, c->a, o, c->bucket.versioning,
		    &res.extent, 1, &dead,
		    &ndead);
	}
	if (r == ERR_OK)
		r = object_tx_commit(&tx);
out:
	object_tx_end(&tx);
	if (r != ERR_OK)
		return r;
	upload_commit(c->upload);
	c->upload = NULL;
	object_unlink_dead(c, dead, ndead);
	(void)call_resp_headerf(c, "ETag", "\"%s\"", o->etag);
	(void)call_resp_headerf(c, "x-oss-next-append-position", "%llu",
	    (unsigned long long)o->size);
	(void)call_resp_headerf(c, "x-oss-hash-crc64ecma", "%llu",
	    (unsigned long long)o->crc64);
	object_echo_sse(c, o);
	if (c->bucket.versioning != BUCKET_UNVERSIONED)
		(void)call_resp_header(c, "x-oss-version-id", o->version_id);
	call_resp_empty(c, 200);
	return ERR_OK;
}
