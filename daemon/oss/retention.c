/* SPDX-License-Identifier: ISC */
/*
 * retention.c: object-level retention (ObjectWorm; spec oss-api.md §3.4,
 * oss-api-2.md §1.10): PutBucketObjectWormConfiguration,
 * GetBucketObjectWormConfiguration, Put/GetObjectRetention and
 * Put/GetObjectLegalHold.
 *
 * The handlers translate the wire; worm/ decides (retention.c, pure) and
 * keeps the configuration (sealed rows). A version's retention and hold
 * are changed in the object transaction of that version, after worm/ has
 * checked the seal and that the bucket has ObjectWorm, so no concurrent
 * change can slip between the decision and the write. These changes are
 * not guarded by the retention they change: extending a protected
 * version's retention or lifting its hold is what they are for.
 */
#include <string.h>

#include "oss/object_ops.h"
#include "base/str.h"
#include "codec/xml.h"
#include "object/object_tx.h"
#include "worm/retention.h"

/* ---- the bucket's configuration ---- */

/* Inside object_worm_put's transaction: §1.10, versioning must be
 * Enabled first. Read again here, not from the request's copy. */
static enum err
versioning_enabled(void *ctx, struct db *db)
{
	struct call *c = ctx;
	struct bucket b;
	enum err r = bucket_get(db, c->bucket.name, &b);

	if (r != ERR_OK)
		return r;
	return b.versioning == BUCKET_VERSIONING_ENABLED ? ERR_OK :
	    ERR_OBJECT_WORM_VERSIONING;
}

/* <Rule><DefaultRetention><Mode/><Days/>|<Years/></DefaultRetention></Rule> */
static enum err
parse_rule(const struct xml_node *rule, struct object_worm_config *ret)
{
	const struct xml_node *dr = xml_child(rule, "DefaultRetention");
	const char *days, *years;
	uint64_t n;

	if (dr == NULL ||
	    !retention_mode_parse(xml_child_text(dr, "Mode"), &ret->mode))
		return ERR_INVALID_OBJECT_WORM;
	days = xml_child_text(dr, "Days");
	years = xml_child_text(dr, "Years");
	/* One of the two, a positive whole number in range. */
	if ((days == NULL) == (years == NULL))
		return ERR_INVALID_OBJECT_WORM;
	if (days != NULL) {
		if (!str_to_u64(days, RETENTION_DAYS_MAX, &n) || n == 0)
			return ERR_INVALID_OBJECT_WORM;
		ret->days = (uint32_t)n;
	} else {
		if (!str_to_u64(years, RETENTION_YEARS_MAX, &n) || n == 0)
			return ERR_INVALID_OBJECT_WORM;
		ret->years = (uint32_t)n;
	}
	return ERR_OK;
}

enum err
h_put_object_worm(struct call *c)
{
	struct object_worm_config want;
	const struct xml_node *rule;
	struct xml_node *root;
	struct worm_op op;
	const char *enabled;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "ObjectWormConfiguration") != 0)
		return ERR_MALFORMED_XML;
	enabled = xml_child_text(root, "ObjectWormEnabled");
	if (enabled == NULL)
		return ERR_MALFORMED_XML;
	memset(&want, 0, sizeof(want));
	want.bucket_id = c->bucket.id;
	if (strcmp(enabled, "Enabled") == 0)
		want.enabled = true;
	else if (strcmp(enabled, "Disabled") != 0)
		return ERR_INVALID_OBJECT_WORM;
	rule = xml_child(root, "Rule");
	if (rule != NULL && want.enabled) {
		r = parse_rule(rule, &want);
		if (r != ERR_OK)
			return r;
	}
	memset(&op, 0, sizeof(op));
	op.db = c->api->db;
	op.bucket_id = c->bucket.id;
	op.bucket_name = c->bucket.name;
	op.actor = c->account.account_id;
	op.now_ms = call_now(c);
	op.precondition = versioning_enabled;
	op.pre_ctx = c;
	r = object_worm_put(&op, &want);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_object_worm(struct call *c)
{
	struct object_worm_config cfg;
	struct xml_writer w;
	struct buf b;
	enum err r;

	r = object_worm_get(c->api->db, c->bucket.id, c->bucket.name, &cfg);
	if (r != ERR_OK)
		return r;
	buf_init(&b, 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "ObjectWormConfiguration");
	xml_elem(&w, "ObjectWormEnabled", "Enabled");
	if (cfg.mode != RETENTION_NONE) {
		xml_open(&w, "Rule");
		xml_open(&w, "DefaultRetention");
		xml_elem(&w, "Mode", retention_mode_name(cfg.mode));
		if (cfg.years > 0)
			xml_elem_u64(&w, "Years", cfg.years);
		else
			xml_elem_u64(&w, "Days", cfg.days);
		xml_close(&w, "DefaultRetention");
		xml_close(&w, "Rule");
	}
	xml_close(&w, "ObjectWormConfiguration");
	return call_resp_xml(c, &w, &b);
}

/* ---- a version's retention and legal hold ---- */

/*
 * Opens the transaction of the version the request names (?versionId, or
 * the current one), after checking that the bucket has ObjectWorm. On
 * success tx->target is that version, sealed, neither a delete marker nor
 * Appendable (§1.10: those cannot carry a retention), and the transaction
 * is open.
 */
static enum err
version_tx(struct call *c, struct object_tx *tx)
{
	struct object *v = &tx->target;
	enum err r;

	object_tx_init(tx, c->api, c->a, c->bucket.id, c->bucket.name, false,
	    call_now(c));
	tx->versioning = c->bucket.versioning;
	tx->version_id = call_query(c, "versionId");
	tx->in_place = true;
	r = object_tx_begin(tx, NULL);
	if (r != ERR_OK)
		return r;
	r = object_worm_require(c->api->db, c->bucket.id, c->bucket.name,
	    tx->now_ms);
	if (r == ERR_OK)
		r = object_tx_load(tx, c->key);
	if (r == ERR_OK && !tx->has_target)
		r = ERR_NO_SUCH_KEY;
	if (r == ERR_NO_SUCH_KEY || r == ERR_NO_SUCH_VERSION)
		c->x.key = c->key;
	if (r == ERR_OK && (v->delete_marker ||
	    strcmp(v->type, "Appendable") == 0))
		r = ERR_RETENTION_NOT_ALLOWED;
	/* Its retention is about to be decided on: only a genuine row. */
	if (r == ERR_OK && !v->sealed)
		r = ERR_CORRUPT;
	if (r != ERR_OK)
		object_tx_end(tx);
	return r;
}

static enum err
version_commit(struct call *c, struct object_tx *tx, enum err r)
{
	if (r == ERR_OK)
		r = object_tx_commit(tx);
	object_tx_end(tx);
	if (r != ERR_OK)
		return r;
	(void)call_resp_header(c, "x-oss-version-id", tx->target.version_id);
	call_resp_empty(c, 200);
	return ERR_OK;
}

/* The version for a GET: named or current, sealed, not a marker. */
static enum err
version_read(struct call *c, struct object *o)
{
	const char *vid = call_query(c, "versionId");
	enum err r;

	if (vid != NULL)
		r = object_get_version(c->api->db, c->a, c->bucket.id, c->key,
		    vid, o);
	else
		r = object_get(c->api->db, c->a, c->bucket.id, c->key, o);
	if (r == ERR_NO_SUCH_KEY || r == ERR_NO_SUCH_VERSION)
		c->x.key = c->key;
	if (r == ERR_OK && o->delete_marker)
		r = ERR_RETENTION_NOT_ALLOWED;
	if (r == ERR_OK && !o->sealed)
		r = ERR_CORRUPT;
	if (r == ERR_OK)
		(void)call_resp_header(c, "x-oss-version-id", o->version_id);
	return r;
}

enum err
h_put_object_retention(struct call *c)
{
	enum retention_mode mode = RETENTION_NONE;
	struct worm_object cur = { 0 };
	const char *m, *until;
	struct xml_node *root;
	struct object_tx tx;
	int64_t until_ms = 0;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "Retention") != 0)
		return ERR_MALFORMED_XML;
	m = xml_child_text(root, "Mode");
	until = xml_child_text(root, "RetainUntilDate");
	/* DECIDE: an empty <Retention/> removes it (where that is allowed:
	 * none in force, or GOVERNANCE with the owner's bypass); otherwise
	 * both elements are needed. */
	if ((m == NULL) != (until == NULL))
		return ERR_INVALID_RETENTION;
	if (m != NULL && (!retention_mode_parse(m, &mode) ||
	    !time_parse_iso(until, &until_ms)))
		return ERR_INVALID_RETENTION;
	r = version_tx(c, &tx);
	if (r != ERR_OK)
		return r;
	retention_from_row(tx.target.retain_mode, tx.target.retain_until_ms,
	    tx.target.legal_hold, &cur);
	cur.bypass_governance = call_bypass_governance(c);
	r = retention_change_allowed(&cur, mode, until_ms, tx.now_ms);
	if (r == ERR_OK)
		r = object_set_retention(c->api->db, &tx.target,
		    retention_mode_name(mode), until_ms, NULL);
	return version_commit(c, &tx, r);
}

enum err
h_get_object_retention(struct call *c)
{
	char t[TIME_ISO_BYTES];
	struct xml_writer w;
	struct object o;
	struct buf b;
	enum err r;

	r = version_read(c, &o);
	if (r != ERR_OK)
		return r;
	/* DECIDE: a version that never had one is 404, as for the
	 * configuration; one whose date has passed is still shown. */
	if (o.retain_mode[0] == '\0')
		return ERR_NO_SUCH_RETENTION;
	time_fmt_iso_ms(t, o.retain_until_ms);
	buf_init(&b, 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "Retention");
	xml_elem(&w, "Mode", o.retain_mode);
	xml_elem(&w, "RetainUntilDate", t);
	xml_close(&w, "Retention");
	return call_resp_xml(c, &w, &b);
}

enum err
h_put_object_legal_hold(struct call *c)
{
	struct xml_node *root;
	struct object_tx tx;
	const char *s;
	bool on;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "LegalHold") != 0)
		return ERR_MALFORMED_XML;
	s = xml_child_text(root, "Status");
	if (s != NULL && strcmp(s, "ON") == 0)
		on = true;
	else if (s != NULL && strcmp(s, "OFF") == 0)
		on = false;
	else
		return ERR_INVALID_LEGAL_HOLD;
	r = version_tx(c, &tx);
	if (r != ERR_OK)
		return r;
	/* A hold has no rule but its owner's word: ON and OFF are both
	 * always allowed (the route is the owner's only). */
	r = object_set_legal_hold(c->api->db, &tx.target, on, NULL);
	return version_commit(c, &tx, r);
}

enum err
h_get_object_legal_hold(struct call *c)
{
	struct xml_writer w;
	struct object o;
	struct buf b;
	enum err r;

	r = version_read(c, &o);
	if (r != ERR_OK)
		return r;
	/* DECIDE: never set reads as OFF, not 404. */
	buf_init(&b, 512);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "LegalHold");
	xml_elem(&w, "Status", o.legal_hold ? "ON" : "OFF");
	xml_close(&w, "LegalHold");
	return call_resp_xml(c, &w, &b);
}
