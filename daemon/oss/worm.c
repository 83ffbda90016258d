/* SPDX-License-Identifier: ISC */
/*
 * worm.c: bucket retention (WORM) policy operations (spec oss-api.md
 * §3.4, clients.md §1.5): InitiateBucketWorm, AbortBucketWorm,
 * CompleteBucketWorm, ExtendBucketWorm, GetBucketWorm.
 *
 * The handlers only translate the wire: worm/ decides (pure table) and
 * persists (one transaction with an audit row each; policy rows are sealed
 * by the database layer, db/seal.h).
 */
#include <string.h>

#include "oss/oss_int.h"
#include "base/log.h"
#include "base/str.h"
#include "codec/xml.h"
#include "worm/retention.h"
#include "worm/worm.h"

/* op lives on the caller's stack for one call. */
static void
op_init(struct call *c, struct worm_op *op)
{
	memset(op, 0, sizeof(*op));
	op->db = c->api->db;
	op->bucket_id = c->bucket.id;
	op->bucket_name = c->bucket.name;
	op->actor = c->anonymous ? "anonymous" : c->account.account_id;
	/* Business time: never earlier than any time already handed out,
	 * whatever the wall clock does (db/clock_db.c). */
	op->now_ms = call_now(c);
}

/* <root><RetentionPeriodInDays>N</RetentionPeriodInDays></root> */
static enum err
parse_days(struct call *c, const char *root_name, uint64_t *ret)
{
	struct xml_node *root;
	const char *v;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, root_name) != 0)
		return ERR_MALFORMED_XML;
	v = xml_child_text(root, "RetentionPeriodInDays");
	if (v == NULL)
		return ERR_MALFORMED_XML;
	/* Out of range or not a number: the configuration is invalid. The
	 * range itself is the state machine's guard. */
	if (!str_to_u64(v, UINT32_MAX, ret))
		return ERR_INVALID_WORM;
	return ERR_OK;
}

/* Versioning x WORM (oss-api-2.md §1.9): a policy protects every version
 * of a bucket whose versioning is Enabled or was never enabled; a
 * Suspended bucket would replace null versions, so it cannot get one.
 * Read in the policy's transaction (PutBucketVersioning checks the other
 * way round in its own). ObjectWorm excludes a policy (§1.10: the two
 * are mutually exclusive either way round). */
static enum err
initiate_allowed(void *ctx, struct db *db)
{
	struct call *c = ctx;
	struct bucket b;
	enum err r = bucket_get(db, c->bucket.name, &b);

	if (r != ERR_OK)
		return r;
	if (b.versioning == BUCKET_VERSIONING_SUSPENDED)
		return ERR_WORM_VERSIONING_SUSPENDED;
	return object_worm_absent(db, b.id, b.name, ERR_WORM_OBJECT_WORM);
}

enum err
h_initiate_worm(struct call *c)
{
	struct worm_policy p;
	struct worm_op op;
	uint64_t days;
	enum err r;

	r = parse_days(c, "InitiateWormConfiguration", &days);
	if (r != ERR_OK)
		return r;
	op_init(c, &op);
	op.precondition = initiate_allowed;
	op.pre_ctx = c;
	r = worm_initiate(&op, days, &p);
	if (r != ERR_OK)
		return r;
	/* ali-oss reads the id only from this header (clients.md §1.5). */
	(void)call_resp_header(c, "x-oss-worm-id", p.worm_id);
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_abort_worm(struct call *c)
{
	struct worm_op op;
	enum err r;

	op_init(c, &op);
	r = worm_abort(&op);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 204);
	return ERR_OK;
}

enum err
h_complete_worm(struct call *c)
{
	struct worm_op op;
	enum err r;

	op_init(c, &op);
	r = worm_complete(&op, call_query(c, "wormId"));
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_extend_worm(struct call *c)
{
	struct worm_op op;
	uint64_t days;
	enum err r;

	r = parse_days(c, "ExtendWormConfiguration", &days);
	if (r != ERR_OK)
		return r;
	op_init(c, &op);
	r = worm_extend(&op, call_query(c, "wormId"), days);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_worm(struct call *c)
{
	struct worm_policy p;
	struct worm_op op;
	struct xml_writer w;
	char t[TIME_ISO_BYTES];
	struct buf b;
	enum err r;

	op_init(c, &op);
	r = worm_get(&op, &p);
	if (r != ERR_OK)
		return r;
	/* OSS shows CreationDate without fraction or zone:
	 * 2020-10-15T15:50:32 (spec §3.4). */
	time_fmt_iso_local(t, p.created_ms);
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "WormConfiguration");
	xml_elem(&w, "WormId", p.worm_id);
	xml_elem(&w, "State", worm_state_name(p.state));
	xml_elem_u64(&w, "RetentionPeriodInDays", p.days);
	xml_elem(&w, "CreationDate", t);
	xml_close(&w, "WormConfiguration");
	r = xml_writer_finish(&w);
	if (r != ERR_OK)
		return r;
	call_resp_buf(c, 200, "application/xml", &b);
	return ERR_OK;
}
