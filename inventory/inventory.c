/* SPDX-License-Identifier: ISC */
/*
 * inventory.c: inventory configuration rules (validation, field names, the
 * Daily/Weekly schedule) and the transactions around inventory_db.c.
 *
 * The schedule is derived from stored times (created_ms, last_run_ms) and
 * the caller's business time, so a restart or a clock jump never runs a
 * slot twice: inventory_claim() moves last_run_ms forward with
 * compare-and-set before a report is written.
 */
#include <stdio.h>
#include <string.h>

#include "base/crash.h"
#include "base/str.h"
#include "db/db.h"
#include "inventory/inventory_int.h"

#define HOUR_MS	(3600LL * 1000)
#define DAY_MS	(24 * HOUR_MS)
/* OSS batches reports at midnight UTC+8 = 16:00 UTC (inventory-report.md §4). */
#define SLOT_OFFSET_MS	(16 * HOUR_MS)

static const char *const field_names[INVENTORY_FIELD__COUNT] = {
	[INVENTORY_FIELD_SIZE] = "Size",
	[INVENTORY_FIELD_STORAGE_CLASS] = "StorageClass",
	[INVENTORY_FIELD_LAST_MODIFIED] = "LastModifiedDate",
	[INVENTORY_FIELD_ETAG] = "ETag",
	[INVENTORY_FIELD_IS_MULTIPART] = "IsMultipartUploaded",
	[INVENTORY_FIELD_ENCRYPTION] = "EncryptionStatus",
	[INVENTORY_FIELD_TRANSITION_TIME] = "TransitionTime",
	[INVENTORY_FIELD_OBJECT_ACL] = "ObjectAcl",
	[INVENTORY_FIELD_TAGGING_COUNT] = "TaggingCount",
	[INVENTORY_FIELD_OBJECT_TYPE] = "ObjectType",
	[INVENTORY_FIELD_CRC64] = "Crc64",
};

static const struct {
	const char	*name;
	unsigned	 bit;
} storage_classes[] = {
	{ "Standard", INVENTORY_SC_STANDARD },
	{ "IA", INVENTORY_SC_IA },
	{ "Archive", INVENTORY_SC_ARCHIVE },
	{ "ColdArchive", INVENTORY_SC_COLD_ARCHIVE },
	{ "DeepColdArchive", INVENTORY_SC_DEEP_COLD_ARCHIVE },
};

const char *
inventory_field_name(enum inventory_field f)
{
	if ((unsigned)f >= INVENTORY_FIELD__COUNT)
		return "?";
	return field_names[f];
}

bool
inventory_field_parse(const char *name, enum inventory_field *ret)
{
	for (unsigned i = 0; i < INVENTORY_FIELD__COUNT; i++)
		if (strcmp(name, field_names[i]) == 0) {
			*ret = (enum inventory_field)i;
			return true;
		}
	return false;
}

bool
inventory_has_field(const struct inventory_config *c, enum inventory_field f)
{
	for (size_t i = 0; i < c->nfields; i++)
		if (c->fields[i] == f)
			return true;
	return false;
}

bool
inventory_dest_parse(const char *arn, char *ret)
{
	static const char pfx[] = "acs:oss:::";
	const char *name;
	size_t n;

	if (!str_has_prefix(arn, pfx))
		return false;
	name = arn + sizeof(pfx) - 1;
	n = strlen(name);
	if (n == 0 || n > INVENTORY_BUCKET_MAX || strpbrk(name, ":/") != NULL)
		return false;
	memcpy(ret, name, n + 1);
	return true;
}

unsigned
inventory_storage_class_bit(const char *sc)
{
	for (size_t i = 0; i < sizeof(storage_classes) / sizeof(storage_classes[0]); i++)
		if (strcmp(sc, storage_classes[i].name) == 0)
			return storage_classes[i].bit;
	return 0;
}

bool
inventory_storage_classes_parse(const char *s, unsigned *ret)
{
	unsigned bits = 0;
	const char *p = s;

	if (*s == '\0') {
		*ret = 0;
		return true;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char item[32];
		unsigned bit;

		if (n == 0 || n >= sizeof(item))
			return false;
		memcpy(item, p, n);
		item[n] = '\0';
		bit = inventory_storage_class_bit(item);
		if (bit == 0)
			return false;
		bits |= bit;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*ret = bits;
	return true;
}

static bool
text_ok(const char *s, size_t max, bool allow_empty)
{
	size_t n = strnlen(s, max + 1);

	if (n > max || (!allow_empty && n == 0))
		return false;
	return str_utf8_valid(s, n);
}

static bool
digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

enum err
inventory_config_validate(const struct inventory_config *c)
{
	const struct inventory_filter *f = &c->filter;
	bool seen[INVENTORY_FIELD__COUNT] = { false };
	unsigned sc;

	/* OSS: missing <Id> is EC 0020-00000005; an over-long or non-UTF-8
	 * one 0020-00000044. */
	if (c->id[0] == '\0')
		return ERR_INVENTORY_NO_ID;
	if (!text_ok(c->id, INVENTORY_ID_MAX, false))
		return ERR_INVENTORY_INVALID;
	/* OSS: RoleArn is required (0020-00000014), acs:ram::<uid>:role/<n>. */
	if (!text_ok(c->role_arn, INVENTORY_ARN_MAX, false) ||
	    !str_has_prefix(c->role_arn, "acs:ram::") ||
	    strstr(c->role_arn, ":role/") == NULL)
		return ERR_INVENTORY_INVALID;
	if (!digits(c->account_id) ||
	    strlen(c->account_id) > INVENTORY_ACCOUNT_MAX)
		return ERR_INVENTORY_INVALID;
	if (c->dest_bucket[0] == '\0')
		return ERR_INVENTORY_INVALID;
	/* OSS: prefixes up to 1023 bytes of UTF-8 (0020-00000038). */
	if (!text_ok(c->dest_prefix, INVENTORY_PREFIX_MAX, true) ||
	    !text_ok(f->prefix, INVENTORY_PREFIX_MAX, true))
		return ERR_INVENTORY_INVALID;
	if (c->sse == INVENTORY_SSE_KMS &&
	    !text_ok(c->sse_key_id, INVENTORY_KEY_ID_MAX, false))
		return ERR_INVENTORY_INVALID;
	if (c->sse != INVENTORY_SSE_KMS && c->sse_key_id[0] != '\0')
		return ERR_INVENTORY_INVALID;
	if (c->frequency != INVENTORY_DAILY && c->frequency != INVENTORY_WEEKLY)
		return ERR_INVENTORY_INVALID;
	/* OSS: an unknown <Field> is EC 0020-00000036. */
	if (c->nfields > INVENTORY_FIELD__COUNT)
		return ERR_INVENTORY_INVALID;
	for (size_t i = 0; i < c->nfields; i++) {
		if (c->fields[i] >= INVENTORY_FIELD__COUNT || seen[c->fields[i]])
			return ERR_INVENTORY_INVALID;
		seen[c->fields[i]] = true;
	}
	if (f->has_begin && f->has_end && f->begin_s > f->end_s)
		return ERR_INVENTORY_INVALID;
	if (f->has_lower && f->has_upper && f->lower > f->upper)
		return ERR_INVENTORY_INVALID;
	if (!inventory_storage_classes_parse(f->storage_class, &sc) ||
	    sc != f->storage_classes)
		return ERR_INVENTORY_INVALID;
	return ERR_OK;
}

/* The first slot strictly after the configuration was created. */
static int64_t
first_slot(const struct inventory_config *c)
{
	int64_t t = c->created_ms < 0 ? 0 : c->created_ms;

	/* Adding a day keeps the dividend >= 0, so the division floors. */
	return (t - SLOT_OFFSET_MS + DAY_MS) / DAY_MS * DAY_MS + SLOT_OFFSET_MS;
}

static int64_t
period(const struct inventory_config *c)
{
	return c->frequency == INVENTORY_WEEKLY ? 7 * DAY_MS : DAY_MS;
}

int64_t
inventory_slot(const struct inventory_config *c, int64_t now_ms)
{
	int64_t a = first_slot(c), p = period(c);

	if (now_ms < a)
		return 0;
	return a + (now_ms - a) / p * p;
}

int64_t
inventory_next_slot(const struct inventory_config *c, int64_t now_ms)
{
	int64_t a = first_slot(c);

	if (now_ms < a)
		return a;
	return inventory_slot(c, now_ms) + period(c);
}

static void
audit_target(char *out, size_t cap, const char *bucket_name, const char *id)
{
	snprintf(out, cap, "%s/%s", bucket_name ? bucket_name : "?", id);
}

enum err
inventory_create(struct db *db, const struct inventory_config *c,
    int64_t now_ms, const char *actor, const char *bucket_name)
{
	struct inventory_config row = *c;
	char target[INVENTORY_BUCKET_MAX + INVENTORY_ID_MAX + 8];
	char detail[INVENTORY_BUCKET_MAX + 64];
	enum err r;

	r = inventory_config_validate(c);
	if (r != ERR_OK)
		return r;
	row.created_ms = now_ms;
	row.last_run_ms = 0;
	row.next_run_ms = inventory_next_slot(&row, now_ms);
	audit_target(target, sizeof(target), bucket_name, c->id);
	snprintf(detail, sizeof(detail), "dest=%s frequency=%s",
	    c->dest_bucket, c->frequency == INVENTORY_WEEKLY ? "Weekly" :
	    "Daily");
	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = inventory_db_insert(db, &row);
	if (r == ERR_OK)
		r = db_audit_append(db, now_ms, actor, "inventory.put", target, "ok",
		    detail);
	if (r == ERR_OK) {
		crash_point("inventory-written");
		r = db_tx_commit(db);
	} else
		db_tx_rollback(db);
	if (r == ERR_OK)
		crash_point("inventory-committed");
	return r;
}

enum err
inventory_get(struct db *db, int64_t bucket_id, const char *id,
    struct inventory_config *ret)
{
	return inventory_db_get(db, bucket_id, id, ret);
}

enum err
inventory_delete(struct db *db, int64_t bucket_id, const char *id,
    int64_t now_ms, const char *actor, const char *bucket_name)
{
	char target[INVENTORY_BUCKET_MAX + INVENTORY_ID_MAX + 8];
	enum err r;

	audit_target(target, sizeof(target), bucket_name, id);
	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = inventory_db_delete(db, bucket_id, id);
	if (r == ERR_OK)
		r = db_audit_append(db, now_ms, actor, "inventory.delete", target,
		    "ok", "");
	if (r == ERR_OK) {
		crash_point("inventory-written");
		r = db_tx_commit(db);
	} else
		db_tx_rollback(db);
	if (r == ERR_OK)
		crash_point("inventory-committed");
	return r;
}

enum err
inventory_list(struct db *db, int64_t bucket_id, const char *after,
    unsigned max, void (*fn)(void *ctx, const struct inventory_config *c),
    void *ctx, bool *ret_truncated)
{
	return inventory_db_list(db, bucket_id, after, max, fn, ctx,
	    ret_truncated);
}

enum err
inventory_due(struct db *db, int64_t now_ms, struct inventory_ref *out,
    size_t max, size_t *ret_n)
{
	return inventory_db_due(db, now_ms, out, max, ret_n);
}

enum err
inventory_claim(struct db *db, const struct inventory_config *c,
    int64_t now_ms)
{
	int64_t slot = inventory_slot(c, now_ms);
	enum err r;

	/* A jump over several slots claims only the latest one: one
	 * report, as OSS would not produce the ones it missed either. */
	if (slot == 0 || slot <= c->last_run_ms)
		return ERR_CONFLICT;
	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = inventory_db_set_run(db, c->bucket_id, c->id, c->last_run_ms, slot,
	    inventory_next_slot(c, now_ms));
	if (r == ERR_OK)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	return r;
}

enum err
inventory_audit_run(struct db *db, int64_t now_ms, const char *actor,
    const char *bucket_name, const char *id, enum err result,
    const char *detail)
{
	char target[INVENTORY_BUCKET_MAX + INVENTORY_ID_MAX + 8];

	audit_target(target, sizeof(target), bucket_name, id);
	return db_audit_append(db, now_ms, actor, "inventory.run", target,
	    result == ERR_OK ? "ok" : err_info(result)->code,
	    detail ? detail : "");
}

enum err
inventory_bucket_dropped(struct db *db, int64_t bucket_id)
{
	return inventory_db_delete_bucket(db, bucket_id);
}
