/* SPDX-License-Identifier: ISC */
/*
 * seal_check.c: the full check of the seal at start and for
 * `coffer worm verify`, and the operator's acknowledgement of a rollback.
 *
 * The guard (worm/worm.c) checks the policies against the seal on every
 * decision, which is cheap because there are few. Objects are many, so the
 * guard checks only the MAC of the object it decides on; a deleted object
 * row shows only here, in the count and set hash over the whole table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"
#include "bucket/bucket.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "db/seal.h"
#include "worm/retention.h"
#include "worm/worm.h"

#define BAD_LISTED	10

static void
bad_object(void *ctx, const char *bucket, const char *key)
{
	(void)ctx;
	log_errx("ALERT: object '%s/%s' fails its MAC (edited outside cofferd?)",
	    bucket, key);
}

enum err
api_seal_tables(struct db *db, bool every)
{
	enum err r;

	r = object_seal_all(db, every);
	if (r == ERR_OK)
		r = worm_seal_all(db);
	if (r == ERR_OK)
		r = object_worm_seal_all(db);
	if (r == ERR_OK)
		r = db_clock_seal(db);
	return r;
}

/* First start with a key: everything as it stands becomes the sealed
 * state. Logged, because it is trust on first use. */
static enum err
first_sealing(struct db *db)
{
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = api_seal_tables(db, false);
	if (r == ERR_OK)
		r = db_seal_mark_sealed(db);
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

static void alert_tables(const struct api_seal_report *rep);

/* Tables against the seal row, in one read transaction. */
static enum err
tables_check(struct db *db, struct api_seal_report *rep, struct db_seal *seal)
{
	struct db_seal_totals o, p, w;
	enum err r;

	/* One snapshot, without the write lock: `coffer worm verify` runs
	 * beside a serving daemon and must not stall its writers for a
	 * whole-table scan. */
	bool snap = db_read_begin(db);

	r = db_seal_read(db, seal);
	rep->seal_ok = r == ERR_OK && seal->sealed;
	if (r == ERR_CORRUPT)
		r = ERR_OK;
	if (r == ERR_OK)
		r = object_seal_totals(db, &o);
	if (r == ERR_OK)
		r = worm_seal_totals(db, &p);
	if (r == ERR_OK)
		r = object_worm_seal_totals(db, &w);
	if (r == ERR_OK && o.bad > 0)
		r = object_seal_bad(db, BAD_LISTED, bad_object, NULL);
	if (r == ERR_OK)
		r = object_seal_extents_bad(db, &rep->extents_bad);
	db_read_end(db, snap);
	if (r != ERR_OK)
		return r;
	rep->seq = seal->seq;
	rep->objects = o.n;
	rep->objects_sealed_n = seal->objects_n;
	rep->objects_bad = o.bad;
	rep->objects_acc_ok = db_seal_acc_equal(o.acc, seal->objects_acc);
	rep->policies = p.n;
	rep->policies_sealed_n = seal->policies_n;
	rep->policies_bad = p.bad;
	rep->policies_acc_ok = db_seal_acc_equal(p.acc, seal->policies_acc);
	rep->objworm = w.n;
	rep->objworm_sealed_n = seal->objworm_n;
	rep->objworm_bad = w.bad;
	rep->objworm_acc_ok = db_seal_acc_equal(w.acc, seal->objworm_acc);
	return ERR_OK;
}

/* Whether the sets are the sealed ones. An object row that fails its MAC
 * (or an extent that does) is not a reason to stop every change: nothing
 * serves it (GET answers 500) and the guard refuses to decide on it under
 * a policy; it is reported, and `coffer worm verify` fails. */
static bool
tables_whole(const struct api_seal_report *rep)
{
	return rep->seal_ok && rep->policies_bad == 0 &&
	    rep->objects == rep->objects_sealed_n &&
	    rep->policies == rep->policies_sealed_n && rep->objects_acc_ok &&
	    rep->policies_acc_ok && rep->objworm_bad == 0 &&
	    rep->objworm == rep->objworm_sealed_n && rep->objworm_acc_ok;
}

enum err
api_seal_tables_whole(struct db *db, struct api_seal_report *rep, bool *whole)
{
	struct db_seal seal;
	enum err r;

	memset(rep, 0, sizeof(*rep));
	r = tables_check(db, rep, &seal);
	if (r != ERR_OK)
		return r;
	*whole = tables_whole(rep) && rep->objects_bad == 0 &&
	    rep->extents_bad == 0;
	if (!*whole)
		alert_tables(rep);
	return ERR_OK;
}

static void
alert_tables(const struct api_seal_report *rep)
{
	if (!rep->seal_ok)
		log_errx("ALERT: the seal row fails its MAC (edited outside "
		    "cofferd?)");
	if (rep->objects != rep->objects_sealed_n || !rep->objects_acc_ok)
		log_errx("ALERT: the object rows do not match their seal: %"
		    PRId64 " rows, %" PRId64 " sealed%s (rows deleted, added "
		    "or put back)", rep->objects, rep->objects_sealed_n,
		    rep->objects_acc_ok ? "" : ", set hash differs");
	if (rep->policies != rep->policies_sealed_n || !rep->policies_acc_ok ||
	    rep->policies_bad > 0)
		log_errx("ALERT: the WORM policy rows do not match their seal: %"
		    PRId64 " rows, %" PRId64 " sealed, %" PRId64 " failing "
		    "their MAC%s", rep->policies, rep->policies_sealed_n,
		    rep->policies_bad, rep->policies_acc_ok ? "" :
		    ", set hash differs");
	if (rep->objworm != rep->objworm_sealed_n || !rep->objworm_acc_ok ||
	    rep->objworm_bad > 0)
		log_errx("ALERT: the ObjectWorm configuration rows do not "
		    "match their seal: %" PRId64 " rows, %" PRId64 " sealed, %"
		    PRId64 " failing their MAC%s", rep->objworm,
		    rep->objworm_sealed_n, rep->objworm_bad,
		    rep->objworm_acc_ok ? "" : ", set hash differs");
}

enum err
api_seal_check(struct db *db, const char *state_dir, bool daemon,
    struct api_seal_report *rep)
{
	char path[4200];
	struct db_seal seal;
	enum err r;

	memset(rep, 0, sizeof(*rep));
	rep->anchor = -1;
	snprintf(path, sizeof(path), "%s/seal.anchor", state_dir);
	r = db_seal_anchor_open(db, path, &rep->anchor);
	rep->anchor_ok = r == ERR_OK;
	if (r != ERR_OK && r != ERR_CORRUPT)
		return r;
	r = db_seal_read(db, &seal);
	if (r == ERR_OK && !seal.sealed && daemon &&
	    rep->anchor <= seal.seq) {
		r = first_sealing(db);
		if (r != ERR_OK)
			return r;
		rep->first_sealing = true;
		log_warnx("seal: first start with sealed rows: the objects, "
		    "policies and clock as they stand are now the sealed state");
	} else if (r != ERR_OK && r != ERR_CORRUPT)
		return r;
	r = tables_check(db, rep, &seal);
	if (r != ERR_OK)
		return r;

	rep->fault = DB_SEAL_OK;
	if (rep->objects_bad > 0)
		log_errx("ALERT: %" PRId64 " object row(s) fail their MAC "
		    "(edited outside cofferd?); they are not served",
		    rep->objects_bad);
	if (rep->extents_bad > 0)
		log_errx("ALERT: %" PRId64 " extent row(s) fail their MAC or "
		    "are missing (edited outside cofferd?); their objects are "
		    "not served", rep->extents_bad);
	if (!tables_whole(rep) || !rep->anchor_ok) {
		alert_tables(rep);
		if (!rep->anchor_ok)
			log_errx("ALERT: the anchor file '%s' fails its MAC", path);
		rep->fault = DB_SEAL_TAMPERED;
	} else if (rep->anchor > rep->seq) {
		log_errx("ALERT: the database is at seal sequence %" PRId64
		    " but the anchor says %" PRId64 ": it was put back from "
		    "an older copy. Object and WORM changes are refused until "
		    "an operator runs `coffer worm acknowledge-rollback`",
		    rep->seq, rep->anchor);
		rep->fault = DB_SEAL_ROLLBACK;
	} else if (daemon && rep->anchor < rep->seq) {
		/* Behind after a crash between a commit and its anchor
		 * write, or a new file: the database is the newer one. */
		r = db_seal_anchor_write(db, rep->seq);
		if (r != ERR_OK)
			return r;
		rep->anchor = rep->seq;
	}
	db_seal_fault_set(db, (enum db_seal_fault)rep->fault);
	if (rep->fault == DB_SEAL_OK)
		log_notice("seal: sequence %" PRId64 ", anchor %" PRId64 ", %"
		    PRId64 " objects, %" PRId64 " WORM policies and %" PRId64
		    " ObjectWorm configurations match their seal", rep->seq,
		    rep->anchor, rep->objects, rep->policies, rep->objworm);
	return ERR_OK;
}

enum err
api_seal_accept_rollback(struct db *db, const char *state_dir, int64_t now_ms,
    struct api_seal_report *rep)
{
	char detail[128];
	enum err r;

	r = api_seal_check(db, state_dir, false, rep);
	if (r != ERR_OK)
		return r;
	if (rep->fault == DB_SEAL_TAMPERED)
		return ERR_CORRUPT;
	if (rep->fault == DB_SEAL_OK)
		return ERR_OK;
	snprintf(detail, sizeof(detail), "anchor %" PRId64 " -> %" PRId64,
	    rep->anchor, rep->seq);
	r = db_tx_begin(db);
	if (r == ERR_OK)
		r = db_audit_append(db, now_ms, "cli", "seal.accept-rollback",
		    "seal.anchor", "ok", detail);
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	if (r == ERR_OK)
		r = db_seal_anchor_write(db, rep->seq);
	if (r != ERR_OK)
		return r;
	log_errx("ALERT: an operator accepted the rollback of the database "
	    "(%s); changes are accepted again", detail);
	rep->anchor = rep->seq;
	rep->fault = DB_SEAL_OK;
	db_seal_fault_set(db, DB_SEAL_OK);
	return ERR_OK;
}
