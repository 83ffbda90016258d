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
#include "base/rand.h"
#include "base/str.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "worm/worm_int.h"

static void
mac_sign(const struct worm_op *op, struct worm_policy *p)
{
	uint8_t in[WORM_MAC_INPUT_BYTES];

	if (op->mac == NULL) {
		p->has_mac = false;
		return;
	}
	worm_policy_mac_input(p, in);
	op->mac->sign(op->mac->ctx, p->mac, in, sizeof(in));
	p->has_mac = true;
}

static enum err
mac_check_with(const struct worm_mac_ops *mac, const struct worm_policy *p)
{
	uint8_t in[WORM_MAC_INPUT_BYTES];

	if (mac == NULL)
		return ERR_OK;
	/* A row without a MAC was not written by us: as suspicious as a
	 * wrong one. */
	if (!p->has_mac)
		return ERR_CORRUPT;
	worm_policy_mac_input(p, in);
	return mac->verify(mac->ctx, p->mac, in, sizeof(in)) ?
	    ERR_OK : ERR_CORRUPT;
}

static enum err
mac_check(const struct worm_op *op, const struct worm_policy *p)
{
	return mac_check_with(op->mac, p);
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
	r = worm_db_get(op->db, op->bucket_id, &cur, &found);
	if (r == ERR_OK && found)
		r = mac_check(op, &cur);
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
		mac_sign(op, &next);
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
		mac_sign(op, &next);
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
	r = db_audit_append(op->db, op->now_ms, op->actor, action,
	    op->bucket_name, "ok", detail);
	if (r == ERR_OK) {
		crash_point("worm-written");
		r = db_tx_commit(op->db);
	} else
		db_tx_rollback(op->db);
	if (r == ERR_OK)
		crash_point("worm-committed");
	if (r == ERR_OK && ret != NULL)
		*ret = next;
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

	r = worm_db_get(op->db, op->bucket_id, &cur, &found);
	if (r != ERR_OK)
		return r;
	if (found) {
		r = mac_check(op, &cur);
		if (r != ERR_OK)
			return r;
	}
	r = worm_state_apply(found ? &cur : NULL, op->now_ms, &ev, &to);
	if (r != ERR_OK)
		return r;
	*ret = cur;
	return ERR_OK;
}

enum err
worm_verify(const struct worm_op *op)
{
	struct worm_policy cur;
	bool found = false;
	enum err r;

	r = worm_db_get(op->db, op->bucket_id, &cur, &found);
	if (r != ERR_OK || !found)
		return r;
	return mac_check(op, &cur);
}

enum err
worm_object_guard(struct db *db, const struct worm_mac_ops *mac,
    int64_t bucket_id, const int64_t *object_mtime_ms, int64_t now_ms)
{
	struct worm_policy p;
	bool found = false;
	enum err r;

	/* now_ms is business time: max(stored high-water mark, clock), so
	 * a wall clock moved back never ends a retention period early. */
	r = worm_db_get(db, bucket_id, &p, &found);
	if (r != ERR_OK)
		return r;	/* fail closed: no answer, no mutation */
	if (!found)
		return ERR_OK;
	r = mac_check_with(mac, &p);
	if (r != ERR_OK || object_mtime_ms == NULL)
		return r;
	/* OSS: delete/overwrite/modify of an object inside the retention
	 * period of the bucket's policy is 409 FileImmutable. */
	return worm_protects(&p, *object_mtime_ms, now_ms) ?
	    ERR_FILE_IMMUTABLE : ERR_OK;
}

enum err
worm_bucket_deletable(struct db *db, const struct worm_mac_ops *mac,
    int64_t bucket_id, int64_t now_ms)
{
	struct worm_policy p;
	bool found = false, newer = false;
	enum worm_state s;
	enum err r;

	r = worm_db_get(db, bucket_id, &p, &found);
	if (r != ERR_OK || !found)
		return r;
	r = mac_check_with(mac, &p);
	if (r != ERR_OK)
		return r;
	s = worm_state_effective(&p, now_ms);
	if (s != WORM_STATE_IN_PROGRESS && s != WORM_STATE_LOCKED)
		return ERR_OK;
	/* Protected iff mtime + days > now, i.e. mtime > now - days. */
	r = worm_db_newer_object(db, bucket_id,
	    now_ms - (int64_t)p.days * WORM_DAY_MS, &newer);
	if (r != ERR_OK)
		return r;
	return newer ? ERR_FILE_IMMUTABLE : ERR_OK;
}

enum err
worm_bucket_dropped(struct db *db, int64_t bucket_id)
{
	struct worm_policy p;
	struct db_clock_state clk;
	bool found = false;
	char target[32], detail[128];
	enum err r;

	r = worm_db_get(db, bucket_id, &p, &found);
	if (r != ERR_OK)
		return r;
	r = worm_db_delete_bucket(db, bucket_id);
	if (r != ERR_OK || !found)
		return r;
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
