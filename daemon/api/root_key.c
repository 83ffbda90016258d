/* SPDX-License-Identifier: ISC */
/*
 * root_key.c: root-key rotation (api.h; README "Root-key rotation").
 *
 * One write transaction does all of it, so there is no state in between to
 * resume from: a crash before the commit leaves everything under the old
 * key and the rotation runs again from the start, a crash after it leaves
 * everything under the new one (the anchor file, which cannot be in the
 * transaction, has its own two-step move, db/seal.h). The cost is one long
 * transaction; its rate is in the closing line of the log.
 *
 * In cofferd nothing may hold a value sealed under the old key across the
 * switch: a PUT that wrapped its data key before and commits after would
 * leave an extent no key opens once the old one is retired. So the gate
 * closes first (new requests get 503 and retry), and the rotation starts
 * once everything inside has left.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/crash.h"
#include "base/log.h"
#include "bucket/bucket.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "db/seal.h"
#include "kms/kms.h"
#include "worm/retention.h"
#include "worm/worm.h"

struct gate *
api_gate(struct api *api)
{
	return &api->gate;
}

bool
api_gate_try_enter(struct api *api)
{
	return gate_try_enter(&api->gate);
}

bool
api_root_stale(struct api *api)
{
	return kms_root_stale(api->kms);
}

void
api_gate_enter(struct api *api)
{
	gate_enter(&api->gate);
}

void
api_gate_leave(struct api *api)
{
	gate_leave(&api->gate);
}

static enum err
reseal_secret(void *ctx, const struct db_sealed_row *row, uint8_t *out,
    size_t *out_len)
{
	uint8_t ad[2 + AUTH_AK_MAX];

	if (row->alen >= AUTH_AK_MAX)
		return ERR_CORRUPT;
	return kms_rekey_reseal(ctx, row->sealed, row->len, ad,
	    api_secret_ad(ad, row->a, row->alen), out, out_len);
}

static enum err
rewrap_extent(void *ctx, const struct db_sealed_row *row, uint8_t *out,
    size_t *out_len)
{
	if (row->alen != 16)
		return ERR_CORRUPT;
	return kms_rekey_rewrap(ctx, row->a, row->sealed, row->len, out,
	    out_len);
}

static enum err
refuse(struct api_rotation *rep, enum err r, const char *why)
{
	snprintf(rep->why, sizeof(rep->why), "%s", why);
	return r;
}

/* Under the old key: every sealed row, the clock and the audit chain. */
static enum err
check_old(struct db *db, struct api_rotation *rep)
{
	struct api_seal_report seal;
	struct db_audit_check audit = { 0 };
	bool whole, clock_ok;
	enum err r;

	r = api_seal_tables_whole(db, &seal, &whole);
	if (r == ERR_OK && !whole)
		return refuse(rep, ERR_CORRUPT, "sealed rows do not match their "
		    "seal (see the ALERT lines; `coffer worm verify`)");
	if (r == ERR_OK)
		r = db_clock_sealed_ok(db, &clock_ok);
	if (r == ERR_OK && !clock_ok)
		return refuse(rep, ERR_CORRUPT, "the business clock row fails "
		    "its MAC");
	if (r == ERR_OK)
		r = db_audit_verify(db, &audit);
	if (r == ERR_OK && audit.bad_id != 0)
		return refuse(rep, ERR_CORRUPT, "the audit chain does not verify "
		    "(`coffer audit verify`)");
	return r;
}

/* Under the new key, once installed: every MAC and the seal's sums. */
static enum err
remac(struct db *db, struct api_rotation *rep, int64_t *seq)
{
	struct db_seal_totals o, p, w;
	enum err r;

	r = api_seal_tables(db, true);
	if (r == ERR_OK)
		r = object_seal_totals(db, &o);
	if (r == ERR_OK)
		r = worm_seal_totals(db, &p);
	if (r == ERR_OK)
		r = object_worm_seal_totals(db, &w);
	if (r == ERR_OK && o.bad + p.bad + w.bad != 0)
		return refuse(rep, ERR_INTERNAL, "rows fail the MAC just made");
	if (r == ERR_OK)
		r = db_seal_recount(db, &o, &p, &w, seq);
	if (r == ERR_OK)
		r = db_audit_rechain(db, &rep->audit_rows);
	rep->rows = (uint64_t)(o.n + p.n + w.n);
	return r;
}

enum err
api_root_key_rotate(struct db *db, struct kms *kms, const char *state_dir,
    const uint8_t *new_root, int64_t now_ms, struct api_rotation *rep)
{
	struct kms_root_info info;
	char anchor[4200], detail[200];
	int64_t t0 = clock_mono_us(), seq = 0;
	bool committed;
	enum err r;

	memset(rep, 0, sizeof(*rep));
	snprintf(anchor, sizeof(anchor), "%s/seal.anchor", state_dir);
	r = kms_root_info(kms, &info);
	if (r != ERR_OK)
		return r;
	rep->from_gen = info.gen;
	r = kms_rekey_begin(kms, new_root);
	if (r == ERR_EXISTS)
		return refuse(rep, r, "the new key is the current root key");
	if (r != ERR_OK)
		return r;
	r = db_tx_begin(db);
	if (r != ERR_OK) {
		kms_rekey_end(kms, false);
		return r;
	}
	r = check_old(db, rep);
	if (r == ERR_OK)
		r = auth_reseal_secrets(db, reseal_secret, kms, &rep->secrets);
	if (r == ERR_OK)
		r = kms_rekey_own(kms, &rep->kms_values);
	if (r == ERR_OK)
		r = object_rewrap_oss(db, rewrap_extent, kms, &rep->data_keys);
	if (r == ERR_CORRUPT && rep->why[0] == '\0')
		refuse(rep, r, "a sealed secret or data key does not open under "
		    "the current root key");
	if (r == ERR_OK) {
		kms_rekey_switch(kms);
		r = remac(db, rep, &seq);
	}
	if (r == ERR_OK)
		r = kms_rekey_record(kms, now_ms);
	if (r == ERR_OK) {
		snprintf(detail, sizeof(detail), "generation %" PRId64 " -> %"
		    PRId64 ": %" PRIu64 " secrets, %" PRIu64 " key values, %"
		    PRIu64 " data keys, %" PRIu64 " rows, %" PRIu64
		    " audit rows", rep->from_gen, rep->from_gen + 1,
		    rep->secrets, rep->kms_values, rep->data_keys, rep->rows,
		    rep->audit_rows);
		r = db_audit_append(db, now_ms, "cli", "root-key.rotate",
		    "root-key", "ok", detail);
	}
	if (r == ERR_OK) {
		crash_point("rotate-written");
		r = db_seal_anchor_stage(db, anchor, seq);
	}
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	/* A commit whose sync failed is in the WAL, where every reader
	 * sees it: the new keys are the ones that open it. */
	committed = r == ERR_OK || r == ERR_UNSYNCED;
	kms_rekey_end(kms, committed);
	rep->ms = (clock_mono_us() - t0) / 1000;
	if (!committed)
		return r;
	crash_point("rotate-committed");
	if (db_seal_anchor_finish(db, anchor) != ERR_OK)
		log_warnx("root key: cannot move the anchor over; the next start "
		    "does");
	log_notice("root key: rotated to generation %" PRId64 " in %" PRId64
	    " ms (%s)", rep->from_gen + 1, rep->ms, detail);
	return r;
}

void
api_root_key_poll(struct api *api, const char *state_dir, unsigned drain_ms,
    void (*ping)(void *ctx), void *ctx)
{
	struct api_rotation rep;
	uint8_t *new_root;
	unsigned waited = 0;
	enum err r;

	/* A node of several: has another one rotated the key meanwhile? */
	(void)kms_root_current(api->kms, kms_data_root_gen(api->kms));
	new_root = kms_root_buf_new();
	if (new_root == NULL)
		return;
	r = kms_root_request_take(api->kms, new_root);
	if (r == ERR_NOT_FOUND)
		goto out;
	if (r != ERR_OK) {
		(void)kms_root_request_fail(api->kms, "the request does not "
		    "open under this daemon's root key");
		goto out;
	}
	log_notice("root key: rotation asked; pausing requests");
	/* In slices, so the watchdog hears from us. */
	while (!gate_close(&api->gate, 200)) {
		ping(ctx);
		waited += 200;
		if (waited % 5000 == 0)
			log_notice("root key: waiting for %u request(s) to "
			    "finish", gate_inside(&api->gate));
		if (waited >= drain_ms) {
			log_warnx("root key: requests still running after %u ms; "
			    "rotation refused", drain_ms);
			(void)kms_root_request_fail(api->kms, "requests did not "
			    "finish in time; try again");
			goto out;
		}
	}
	ping(ctx);
	r = api_root_key_rotate(api->db, api->kms, state_dir, new_root,
	    clock_now_ms(api->clock), &rep);
	gate_open(&api->gate);
	if (r != ERR_OK && r != ERR_UNSYNCED) {
		char why[200];

		snprintf(why, sizeof(why), "%s", rep.why[0] ? rep.why :
		    err_name(r));
		log_errx("root key: rotation failed: %s", why);
		(void)kms_root_request_fail(api->kms, why);
	}
out:
	kms_root_buf_free(new_root);
}
