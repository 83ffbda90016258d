/* SPDX-License-Identifier: ISC */
/*
 * object_worm.c: the ObjectWorm configuration operations (retention.h).
 *
 * Like the policy transitions of worm.c, each change is one BEGIN
 * IMMEDIATE transaction that checks the sealed tables first, asks the
 * other module's precondition inside it, writes and appends its audit row;
 * refusals are audited after the rollback.
 */
#include <stdio.h>
#include <string.h>

#include "base/crash.h"
#include "base/log.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "worm/retention.h"
#include "worm/worm_int.h"

static void
detail_of(const struct object_worm_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "mode=%s days=%u years=%u",
	    c->mode == RETENTION_NONE ? "none" : retention_mode_name(c->mode),
	    (unsigned)c->days, (unsigned)c->years);
}

static void
audit_refusal(const struct worm_op *op, enum err r, const char *detail)
{
	if (db_tx_begin(op->db) != ERR_OK)
		return;
	if (db_audit_append(op->db, op->now_ms, op->actor, "objectworm.put",
	    op->bucket_name, err_info(r)->code, detail) == ERR_OK)
		(void)db_tx_commit(op->db);
	else
		db_tx_rollback(op->db);
}

enum err
object_worm_put(const struct worm_op *op, const struct object_worm_config *want)
{
	struct object_worm_config cur, next;
	bool found = false, policy = false;
	char detail[96];
	enum err r;

	detail_of(want, detail, sizeof(detail));
	/* §1.10: enabling cannot be undone. */
	if (!want->enabled) {
		audit_refusal(op, ERR_OBJECT_WORM_DISABLE, detail);
		return ERR_OBJECT_WORM_DISABLE;
	}
	r = db_tx_begin(op->db);
	if (r != ERR_OK)
		return r;
	r = worm_tables_trusted(op->db, op->bucket_name);
	if (r == ERR_OK && op->precondition != NULL)
		r = op->precondition(op->pre_ctx, op->db);
	/* §1.10: mutually exclusive with a bucket retention policy. An
	 * expired InProgress one is no policy. */
	if (r == ERR_OK)
		r = worm_policy_in_force(op->db, op->bucket_id, op->now_ms,
		    &policy);
	if (r == ERR_OK && policy)
		r = ERR_OBJECT_WORM_BUCKET_WORM;
	if (r == ERR_OK)
		r = object_worm_db_get(op->db, op->bucket_id, &cur, &found);
	if (r != ERR_OK) {
		db_tx_rollback(op->db);
		if (err_info(r)->http < 500 || r == ERR_CORRUPT)
			audit_refusal(op, r, detail);
		return r;
	}
	next = *want;
	next.bucket_id = op->bucket_id;
	/* DECIDE: putting it again replaces the default rule (it binds
	 * only versions written afterwards); creation time stays. */
	next.created_ms = found ? cur.created_ms : op->now_ms;
	next.updated_ms = op->now_ms;
	r = object_worm_db_put(op->db, &next);
	if (r == ERR_OK) {
		db_seal_anchor_on_commit(op->db);
		r = db_audit_append(op->db, op->now_ms, op->actor,
		    "objectworm.put", op->bucket_name, "ok", detail);
	}
	if (r == ERR_OK) {
		crash_point("objectworm-written");
		r = db_tx_commit(op->db);
	} else
		db_tx_rollback(op->db);
	return r;
}

enum err
object_worm_get(struct db *db, int64_t bucket_id, const char *bucket_name,
    struct object_worm_config *ret)
{
	bool found = false;
	enum err r;

	r = worm_tables_trusted(db, bucket_name);
	if (r == ERR_OK)
		r = object_worm_db_get(db, bucket_id, ret, &found);
	if (r == ERR_OK && !found)
		r = ERR_NO_SUCH_OBJECT_WORM;
	return r;
}

enum err
object_worm_require(struct db *db, int64_t bucket_id, const char *bucket_name,
    int64_t now_ms)
{
	struct object_worm_config c;
	bool found = false;
	enum err r;

	r = worm_tables_trusted(db, bucket_name);
	if (r == ERR_OK)
		r = object_worm_db_get(db, bucket_id, &c, &found);
	if (r != ERR_OK)
		return r;
	if (!found)
		return ERR_OBJECT_WORM_DISABLED;
	db_seal_anchor_on_commit(db);
	/* The backstop triggers compare with the persisted mark: bring it
	 * to the time the caller decides at. */
	return db_clock_raise(db, now_ms);
}

enum err
object_worm_absent(struct db *db, int64_t bucket_id, const char *bucket_name,
    enum err refusal)
{
	struct object_worm_config c;
	bool found = false;
	enum err r;

	r = worm_tables_trusted(db, bucket_name);
	if (r == ERR_OK)
		r = object_worm_db_get(db, bucket_id, &c, &found);
	if (r != ERR_OK)
		return r;
	return found ? refusal : ERR_OK;
}

enum err
object_worm_bucket_dropped(struct db *db, int64_t bucket_id)
{
	return object_worm_db_delete_bucket(db, bucket_id);
}
