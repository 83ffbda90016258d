/* SPDX-License-Identifier: ISC */
/*
 * worm.c: WORM policy operations and the retention guard.
 *
 * Each operation is one BEGIN IMMEDIATE transaction: read the row, check its
 * MAC, ask the pure table in worm_state.c, write with compare-and-set, append
 * the audit row, commit. The audit row is in the same transaction, so a
 * change that cannot be recorded does not happen (fail closed). Refusals are
 * recorded too, after the rollback, on a best-effort basis.
 */
#include <stdio.h>
#include <string.h>

#include "base/crash.h"
#include "base/err.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/str.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "db/seal.h"
#include "worm/retention.h"
#include "worm/worm_int.h"

static void
alert(const char *bucket, const char *what)
{
	log_errx("ALERT: bucket '%s': %s (edited outside cofferd?); refusing "
	    "the change", bucket != NULL ? bucket : "?", what);
}

/* ERR_OK when worm_policies and object_worm are exactly the tables the
 * seal row describes: every row genuine, none missing, none put back from
 * an older state. */
static enum err
policies_match(struct db *db, const char *bucket)
{
	struct db_seal seal;
	struct db_seal_totals t;
	enum db_seal_fault f;
	enum err r;

	f = db_seal_fault(db);
	if (f != DB_SEAL_OK) {
		log_errx("ALERT: bucket '%s': the database was found %s at "
		    "start; WORM changes are refused", bucket != NULL ?
		    bucket : "?", f == DB_SEAL_ROLLBACK ? "rolled back to an "
		    "older copy" : "edited outside cofferd");
		return ERR_CORRUPT;
	}
	r = db_seal_read(db, &seal);
	if (r == ERR_CORRUPT || (r == ERR_OK && !seal.sealed)) {
		alert(bucket, "the seal row fails its MAC");
		return ERR_CORRUPT;
	}
	if (r == ERR_OK)
		r = worm_seal_totals(db, &t);
	if (r != ERR_OK)
		return r;
	if (t.bad != 0 || t.n != seal.policies_n ||
	    !db_seal_acc_equal(t.acc, seal.policies_acc)) {
		alert(bucket, "the WORM policies do not match their seal (a "
		    "policy row deleted, edited or put back)");
		return ERR_CORRUPT;
	}
	/* The same for ObjectWorm: a configuration row gone must not read
	 * as "never enabled". */
	r = object_worm_seal_totals(db, &t);
	if (r != ERR_OK)
		return r;
	if (t.bad != 0 || t.n != seal.objworm_n ||
	    !db_seal_acc_equal(t.acc, seal.objworm_acc)) {
		alert(bucket, "the ObjectWorm configurations do not match their "
		    "seal (a configuration row deleted, edited or put back)");
		return ERR_CORRUPT;
	}
	return ERR_OK;
}

enum err
worm_tables_trusted(struct db *db, const char *bucket)
{
	/* The seal row and the table must be read in one snapshot, or a
	 * policy committed between the two reads would look like tampering
	 * (the early check before a body runs outside a transaction). */
	bool snap = db_read_begin(db);
	enum err r = policies_match(db, bucket);

	db_read_end(db, snap);
	return r;
}

static void
detail_of(const struct worm_policy *p, char *out, size_t cap)
{
	snprintf(out, cap, "wormId=%s state=%s days=%u", p->worm_id,
	    worm_state_name(p->state), (unsigned)p->days);
}

static void
audit_refusal(const struct worm_op *op, enum worm_action a, enum err r,
    const char *detail)
{
	char action[32];

	snprintf(action, sizeof(action), "worm.%s", worm_action_name(a));
	if (db_tx_begin(op->db) != ERR_OK)
		return;
	if (db_audit_append(op->db, op->now_ms, op->actor, action,
	    op->bucket_name, err_info(r)->code, detail) == ERR_OK)
		(void)db_tx_commit(op->db);
	else
		db_tx_rollback(op->db);
}

/* One transition. ret (may be NULL) receives the row afterwards. */
static enum err
transition(const struct worm_op *op, const struct worm_event *ev,
    struct worm_policy *ret)
{
	struct worm_policy cur, next;
	bool found = false;
	enum worm_state to;
	char action[32], detail[128];
	enum err r;

	snprintf(action, sizeof(action), "worm.%s",
	    worm_action_name(ev->action));
	detail[0] = '\0';
	r = db_tx_begin(op->db);
	if (r != ERR_OK)
		return r;
	r = worm_tables_trusted(op->db, op->bucket_name);
	if (r == ERR_OK && op->precondition != NULL)
		r = op->precondition(op->pre_ctx, op->db);
	if (r == ERR_OK)
		r = worm_db_get(op->db, op->bucket_id, &cur, &found);
	if (r != ERR_OK)
		goto refused;
	r = worm_state_apply(found ? &cur : NULL, op->now_ms, ev, &to);
	if (r != ERR_OK)
		goto refused;

	switch (ev->action) {
	case WORM_ACTION_INITIATE:
		memset(&next, 0, sizeof(next));
		next.bucket_id = op->bucket_id;
		{
			uint8_t id[16];

			rand_bytes(id, sizeof(id));
			hex_encode_upper(next.worm_id, id, sizeof(id));
		}
		next.state = WORM_STATE_IN_PROGRESS;
		next.days = (uint32_t)ev->days;
		next.created_ms = op->now_ms;
		next.updated_ms = op->now_ms;
		/* An expired row is replaced: its id becomes unknown. */
		if (found)
			r = worm_db_delete(op->db, &cur);
		if (r == ERR_OK)
			r = worm_db_insert(op->db, &next);
		break;
	case WORM_ACTION_ABORT:
		next = cur;
		r = worm_db_delete(op->db, &cur);
		break;
	case WORM_ACTION_COMPLETE:
	case WORM_ACTION_EXTEND:
		next = cur;
		next.state = to;
		if (ev->action == WORM_ACTION_EXTEND)
			next.days = (uint32_t)ev->days;
		if (next.state == cur.state && next.days == cur.days)
			break;	/* locking a Locked policy: nothing to write */
		next.updated_ms = op->now_ms;
		r = worm_db_update(op->db, &cur, &next);
		break;
	default:
		r = ERR_INTERNAL;
		break;
	}
	if (r != ERR_OK) {
		db_tx_rollback(op->db);
		return r;
	}
	detail_of(&next, detail, sizeof(detail));
	db_seal_anchor_on_commit(op->db);
	r = db_audit_append(op->db, op->now_ms, op->actor, action,
	    op->bucket_name, "ok", detail);
	if (r == ERR_OK) {
		crash_point("worm-written");
		r = db_tx_commit(op->db);
	} else
		db_tx_rollback(op->db);
	if (r == ERR_OK)
		crash_point("worm-committed");
	if (r == ERR_OK && ret != NULL) {
		*ret = next;
		ret->sealed = true;	/* the row's MAC was made by the SQL */
	}
	return r;

refused:
	db_tx_rollback(op->db);
	if (found)
		detail_of(&cur, detail, sizeof(detail));
	/* Client refusals and tampering belong in the trail; database
	 * trouble does not (it would likely fail again). */
	if (err_info(r)->http < 500 || r == ERR_CORRUPT)
		audit_refusal(op, ev->action, r, detail);
	return r;
}

enum err
worm_initiate(const struct worm_op *op, uint64_t days, struct worm_policy *ret)
{
	struct worm_event ev = { .action = WORM_ACTION_INITIATE, .days = days };

	return transition(op, &ev, ret);
}

enum err
worm_abort(const struct worm_op *op)
{
	struct worm_event ev = { .action = WORM_ACTION_ABORT };

	return transition(op, &ev, NULL);
}

enum err
worm_complete(const struct worm_op *op, const char *worm_id)
{
	struct worm_event ev = {
		.action = WORM_ACTION_COMPLETE, .worm_id = worm_id,
	};

	return transition(op, &ev, NULL);
}

enum err
worm_extend(const struct worm_op *op, const char *worm_id, uint64_t days)
{
	struct worm_event ev = {
		.action = WORM_ACTION_EXTEND, .worm_id = worm_id, .days = days,
	};

	return transition(op, &ev, NULL);
}

enum err
worm_get(const struct worm_op *op, struct worm_policy *ret)
{
	struct worm_event ev = { .action = WORM_ACTION_GET };
	struct worm_policy cur;
	bool found = false;
	enum worm_state to;
	enum err r;

	r = worm_tables_trusted(op->db, op->bucket_name);
	if (r == ERR_OK)
		r = worm_db_get(op->db, op->bucket_id, &cur, &found);
	if (r != ERR_OK)
		return r;
	r = worm_state_apply(found ? &cur : NULL, op->now_ms, &ev, &to);
	if (r != ERR_OK)
		return r;
	*ret = cur;
	return ERR_OK;
}

enum err
worm_policy_in_force(struct db *db, int64_t bucket_id, int64_t now_ms,
    bool *ret)
{
	struct worm_policy p;
	bool found = false;
	enum worm_state s;
	enum err r;

	*ret = false;
	r = worm_db_get(db, bucket_id, &p, &found);
	if (r != ERR_OK || !found)
		return r;
	s = worm_state_effective(&p, now_ms);
	*ret = s == WORM_STATE_IN_PROGRESS || s == WORM_STATE_LOCKED;
	return ERR_OK;
}

/* The version's own retention (ObjectWorm). enabled: the bucket has it. */
static enum err
retention_guard(struct db *db, const char *bucket_name, bool enabled,
    const struct worm_object *obj, int64_t now_ms)
{
	bool carries = obj != NULL && (obj->legal_hold ||
	    obj->retain_mode != RETENTION_NONE);

	if (!enabled && !carries)
		return ERR_OK;
	db_seal_anchor_on_commit(db);
	if (obj == NULL)
		return ERR_OK;
	/* Its date or hold may have been cleared, or forged, outside
	 * cofferd: the row's MAC is all that vouches for them. */
	if (!obj->sealed) {
		alert(bucket_name, "an object version under ObjectWorm fails "
		    "its MAC (its retention cannot be trusted)");
		return ERR_CORRUPT;
	}
	if (retention_protects(obj, now_ms))
		return ERR_FILE_IMMUTABLE;
	/* The backstop triggers compare with the persisted mark. */
	return db_clock_raise(db, now_ms);
}

enum err
worm_object_guard(struct db *db, int64_t bucket_id, const char *bucket_name,
    const struct worm_object *obj, int64_t now_ms)
{
	struct object_worm_config ow;
	struct worm_policy p;
	bool found = false, ow_found = false;
	enum worm_state s;
	enum err r;

	/* now_ms is business time: max(stored high-water mark, clock), so
	 * a wall clock moved back never ends a retention period early. */
	r = worm_tables_trusted(db, bucket_name);
	if (r == ERR_OK)
		r = object_worm_db_get(db, bucket_id, &ow, &ow_found);
	if (r == ERR_OK)
		r = retention_guard(db, bucket_name, ow_found, obj, now_ms);
	if (r == ERR_OK)
		r = worm_db_get(db, bucket_id, &p, &found);
	if (r != ERR_OK || !found)
		return r;	/* fail closed: no answer, no mutation */
	s = worm_state_effective(&p, now_ms);
	if (s != WORM_STATE_IN_PROGRESS && s != WORM_STATE_LOCKED)
		return ERR_OK;
	/* Whatever this transaction commits, an older copy of the database
	 * must not be able to undo it unnoticed. */
	db_seal_anchor_on_commit(db);
	if (obj == NULL)
		return ERR_OK;
	if (!obj->sealed) {
		alert(bucket_name, "an object row under the retention policy "
		    "fails its MAC (its last-modified time cannot be trusted)");
		return ERR_CORRUPT;
	}
	/* OSS: delete/overwrite/modify of an object inside the retention
	 * period of the bucket's policy is 409 FileImmutable. */
	if (worm_protects(&p, obj->mtime_ms, now_ms))
		return ERR_FILE_IMMUTABLE;
	/* The triggers' "now" is the persisted mark, up to a second behind:
	 * bring it to the time this decision was taken at. */
	return db_clock_raise(db, now_ms);
}

enum err
worm_bucket_deletable(struct db *db, int64_t bucket_id,
    const char *bucket_name, int64_t now_ms)
{
	struct worm_policy p;
	bool found = false, newer = false;
	enum worm_state s;
	enum err r;

	r = worm_tables_trusted(db, bucket_name);
	if (r == ERR_OK)
		r = worm_db_get(db, bucket_id, &p, &found);
	if (r != ERR_OK || !found)
		return r;
	s = worm_state_effective(&p, now_ms);
	if (s != WORM_STATE_IN_PROGRESS && s != WORM_STATE_LOCKED)
		return ERR_OK;
	db_seal_anchor_on_commit(db);
	/* Protected iff mtime + days > now, i.e. mtime > now - days. */
	r = worm_db_newer_object(db, bucket_id,
	    now_ms - (int64_t)p.days * WORM_DAY_MS, &newer);
	if (r != ERR_OK)
		return r;
	return newer ? ERR_FILE_IMMUTABLE : db_clock_raise(db, now_ms);
}

enum err
worm_bucket_dropped(struct db *db, int64_t bucket_id)
{
	struct worm_policy p;
	struct db_clock_state clk;
	bool found = false;
	char target[32], detail[128];
	enum err r;

	/* An empty bucket takes its ObjectWorm configuration along. */
	r = object_worm_bucket_dropped(db, bucket_id);
	if (r == ERR_OK)
		r = worm_db_get(db, bucket_id, &p, &found);
	if (r != ERR_OK)
		return r;
	r = worm_db_delete_bucket(db, bucket_id);
	if (r != ERR_OK || !found)
		return r;
	db_seal_anchor_on_commit(db);
	/* OSS: deleting an empty bucket deletes its policy; keep the end of
	 * the policy's history in the trail. The bucket's name is about to
	 * go, so the target is its id. */
	snprintf(target, sizeof(target), "bucket#%lld", (long long)bucket_id);
	detail_of(&p, detail, sizeof(detail));
	r = db_clock_read(db, &clk);
	if (r != ERR_OK)
		return r;
	return db_audit_append(db, clk.now_ms, "daemon", "worm.drop", target,
	    "ok", detail);
}
