/* SPDX-License-Identifier: ISC */
/*
 * restore.c: RestoreObject and CleanRestoredObject (spec oss-api.md
 * §3.8).
 *
 * A restore is two timestamps on the object: when the running restore
 * completes and when the restored copy expires. The state (frozen,
 * restoring, restored) is derived from them and the business clock, so
 * `coffer clock advance` finishes a restore without any background job.
 */
#include <string.h>

#include "oss/object_ops.h"
#include "base/str.h"
#include "codec/xml.h"

/* Completion time by class and tier (spec §3.8: Archive about a minute;
 * ColdArchive Expedited <= 1 h, Standard 2-5 h, Bulk 5-12 h; DeepColdArchive
 * Expedited <= 12 h, Standard <= 48 h). We take the upper bounds. */
static bool
restore_duration(const char *sc, const char *tier, int64_t *ret_ms)
{
	if (strcmp(sc, "Archive") == 0) {
		*ret_ms = 60 * CLOCK_SECOND_MS;
		return true;
	}
	if (strcmp(sc, "ColdArchive") == 0) {
		if (strcmp(tier, "Expedited") == 0)
			*ret_ms = 1 * CLOCK_HOUR_MS;
		else if (strcmp(tier, "Standard") == 0)
			*ret_ms = 5 * CLOCK_HOUR_MS;
		else if (strcmp(tier, "Bulk") == 0)
			*ret_ms = 12 * CLOCK_HOUR_MS;
		else
			return false;
		return true;
	}
	if (strcmp(tier, "Expedited") == 0)
		*ret_ms = 12 * CLOCK_HOUR_MS;
	else if (strcmp(tier, "Standard") == 0)
		*ret_ms = 48 * CLOCK_HOUR_MS;
	else
		return false;
	return true;
}

enum err
h_restore_object(struct call *c)
{
	const char *tier = "Standard";
	struct object o;
	int64_t now, dur, days = 1, max_days;
	enum err r;

	r = object_load(c, &o);
	if (r != ERR_OK)
		return r;
	if (!bucket_storage_class_frozen(o.storage_class))
		return ERR_OPERATION_NOT_SUPPORTED;
	max_days = strcmp(o.storage_class, "Archive") == 0 ? 7 : 365;
	if (c->body.len > 0) {
		struct xml_node *root;
		const struct xml_node *jp;
		const char *d;

		r = call_parse_xml(c, &root);
		if (r != ERR_OK)
			return r;
		if (strcmp(root->name, "RestoreRequest") != 0)
			return ERR_MALFORMED_XML;
		d = xml_child_text(root, "Days");
		if (d != NULL && !str_to_i64(d, 1, max_days, &days)) {
			c->x.arg_name = "Days";
			c->x.arg_value = d;
			return ERR_INVALID_ARGUMENT;
		}
		jp = xml_child(root, "JobParameters");
		if (jp != NULL && xml_child_text(jp, "Tier") != NULL)
			tier = xml_child_text(jp, "Tier");
	}
	if (!restore_duration(o.storage_class, tier, &dur))
		return ERR_INVALID_RESTORE_TIER;
	now = call_now(c);
	if (o.restore_state != 0 && now < o.restore_done_ms)
		return ERR_RESTORE_IN_PROGRESS;
	if (o.restore_state != 0 && now < o.restore_expiry_ms) {
		/* Restored: each call extends the window (spec §3.8: Archive
		 * by one day per call), never past the class's maximum counted
		 * from the end of the restore. */
		int64_t add = strcmp(o.storage_class, "Archive") == 0 ? 1 : days;
		int64_t expiry = o.restore_expiry_ms + add * CLOCK_DAY_MS;
		int64_t cap = o.restore_done_ms + max_days * CLOCK_DAY_MS;

		if (expiry > cap)
			expiry = cap;
		r = object_set_restore(c->api->db, &o, 2, o.restore_done_ms,
		    expiry, o.restore_tier, NULL);
		if (r != ERR_OK)
			return r;
		object_echo_version(c, &o);
		call_resp_empty(c, 200);
		return ERR_OK;
	}
	r = object_set_restore(c->api->db, &o, 1, now + dur,
	    now + dur + days * CLOCK_DAY_MS, tier, NULL);
	if (r != ERR_OK)
		return r;
	(void)call_resp_header(c, "x-oss-object-restore-priority", tier);
	object_echo_version(c, &o);
	call_resp_empty(c, 202);
	return ERR_OK;
}

enum err
h_clean_restored_object(struct call *c)
{
	struct object o;
	int64_t now;
	enum err r;

	r = object_load(c, &o);
	if (r != ERR_OK)
		return r;
	if (!bucket_storage_class_frozen(o.storage_class))
		return ERR_OPERATION_NOT_SUPPORTED;
	now = call_now(c);
	if (o.restore_state != 0 && now < o.restore_done_ms)
		return ERR_RESTORE_NOT_FINISHED;
	if (o.restore_state == 0 || now >= o.restore_expiry_ms)
		return ERR_RESTORE_FILE_STALE;
	r = object_set_restore(c->api->db, &o, 0, 0, 0, "", NULL);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}
