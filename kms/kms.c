/* SPDX-License-Identifier: ISC */
/*
 * kms.c: customer master key management: resolving key references, the
 * transaction runner every state change goes through, and the management
 * operations built on it (create, enable/disable, deletion, aliases, tags,
 * versions, rotation). The cryptographic operations are in kms_blob.c, BYOK
 * in kms_import.c.
 *
 * The runner (kms_change_run) is the one place that implements STYLE rule
 * 23: BEGIN IMMEDIATE, re-read the row, ask the pure table (kms_state.c)
 * with the effective state at this instant, apply, compare-and-set UPDATE
 * on (state, generation), audit row, COMMIT. A refused or failed change
 * rolls back completely and is audited afterwards in its own small
 * transaction, so the audit trail shows refusals without a refusal ever
 * leaving half a change behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crash.h"
#include "base/kv.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "kms/kms_int.h"

#define ROTATION_DEFAULT_S	(365LL * 86400)
#define ROTATION_MIN_S		(7LL * 86400)
#define ROTATION_CREATE_MAX_S	(365LL * 86400)
#define ROTATION_UPDATE_MAX_S	(730LL * 86400)
#define DELETION_DAYS_MIN	7
#define DELETION_DAYS_MAX	366
#define TICK_BATCH		64

int64_t
kms_now(const struct kms *k)
{
	return clock_now_ms(k->clock);
}

void
kms_uuid(char out[static KMS_VERSION_ID_BYTES + 1])
{
	uint8_t b[16];
	char hex[33];

	randombytes_buf(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);	/* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	hex_encode(hex, b, sizeof(b));
	snprintf(out, KMS_VERSION_ID_BYTES + 1, "%.8s-%.4s-%.4s-%.4s-%.12s",
	    hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

size_t
kms_material_ad(uint8_t ad[static KMS_MATERIAL_AD_MAX], const char *key_id,
    const char *version_id)
{
	size_t kl = strnlen(key_id, KMS_KEY_ID_MAX - 1);
	size_t vl = strnlen(version_id, KMS_VERSION_ID_BYTES);

	memcpy(ad, "cmk", 3);
	memcpy(ad + 3, key_id, kl);
	memcpy(ad + 3 + kl, version_id, vl);
	return 3 + kl + vl;
}

void
kms_material_seal(struct kms *k, uint8_t *out, const char *key_id,
    const char *version_id, const uint8_t *material)
{
	uint8_t ad[KMS_MATERIAL_AD_MAX];

	(void)kms_seal(k, out, material, KMS_MATERIAL_BYTES, ad,
	    kms_material_ad(ad, key_id, version_id));
}

enum err
kms_material_open(struct kms *k, const char *key_id, const char *version_id,
    const uint8_t *sealed, size_t sealed_len, struct kms_dek **ret)
{
	uint8_t ad[KMS_MATERIAL_AD_MAX];
	struct kms_dek *d;
	enum err r;

	if (sealed_len != KMS_MATERIAL_SEALED)
		return ERR_CORRUPT;
	d = kms_dek_alloc(k);
	if (d == NULL)
		return ERR_NOMEM;
	r = kms_unseal(k, d->key, sealed, sealed_len, ad,
	    kms_material_ad(ad, key_id, version_id));
	if (r != ERR_OK) {
		log_errx("kms: material of key '%s' version '%s' does not "
		    "open", key_id, version_id);
		kms_dek_free(d);
		return ERR_CORRUPT;
	}
	*ret = d;
	return ERR_OK;
}

/* Splits "acs:kms:<region>:<account>:<resource>"; false when malformed. */
static bool
arn_split(const char *arn, char *account, size_t acap, const char **resource)
{
	const char *p = arn + 8, *c1, *c2;	/* past "acs:kms:" */

	c1 = strchr(p, ':');
	if (c1 == NULL)
		return false;
	c2 = strchr(c1 + 1, ':');
	if (c2 == NULL || (size_t)(c2 - c1 - 1) >= acap)
		return false;
	memcpy(account, c1 + 1, (size_t)(c2 - c1 - 1));
	account[c2 - c1 - 1] = '\0';
	*resource = c2 + 1;
	return true;
}

enum err
kms_key_resolve(struct kms *k, const struct kms_caller *who,
    const char *key_ref, int64_t now_ms, struct kms_key_row *ret)
{
	char account[32];
	const char *ref = key_ref;
	bool alias;
	enum err r;

	if (ref == NULL || ref[0] == '\0')
		return ERR_KEY_NOT_FOUND;
	if (str_has_prefix(ref, "acs:kms:")) {
		/* KMS: an ARN names the account; without RAM policies no
		 * account may use another's keys, so a foreign ARN is simply
		 * not found. */
		if (!arn_split(ref, account, sizeof(account), &ref))
			return ERR_KEY_NOT_FOUND;
		alias = str_has_prefix(ref, "alias/");
		if (strcmp(account, who->account_id) != 0)
			return alias ? ERR_ALIAS_NOT_FOUND : ERR_KEY_NOT_FOUND;
		if (!alias) {
			if (!str_has_prefix(ref, "key/"))
				return ERR_KEY_NOT_FOUND;
			ref += 4;
		}
	} else
		alias = str_has_prefix(ref, "alias/");
	if (alias) {
		r = kms_db_key_get_by_alias(k->db, who->account, ref, now_ms,
		    ret);
		if (r == ERR_NOT_FOUND ||
		    (r == ERR_OK && ret->m.state == KMS_KEY_DESTROYED))
			return ERR_ALIAS_NOT_FOUND;
		return r;
	}
	if (strlen(ref) >= KMS_KEY_ID_MAX)
		return ERR_KEY_NOT_FOUND;
	r = kms_db_key_get(k->db, ref, now_ms, ret);
	if (r == ERR_NOT_FOUND)
		return ERR_KEY_NOT_FOUND;
	if (r != ERR_OK)
		return r;
	if (ret->account != who->account ||
	    ret->m.state == KMS_KEY_DESTROYED)
		return ERR_KEY_NOT_FOUND;
	return ERR_OK;
}

enum err
kms_row_apply(const struct kms_key_row *row, enum kms_action action,
    enum kms_key_state *ret_to)
{
	struct kms_state_input in = {
		.state = row->m.state,
		.external = strcmp(row->m.origin, "EXTERNAL") == 0,
		.has_material = row->m.has_material,
		.deletion_protection = row->m.deletion_protection,
		.managed = row->m.managed,
	};

	return kms_state_apply(&in, action, ret_to);
}

enum err
kms_quota_check(struct kms *k, enum kms_quota what, int64_t account,
    int64_t now_ms, unsigned n)
{
	unsigned max = what == KMS_QUOTA_KEYS ? k->limits.keys :
	    what == KMS_QUOTA_ALIASES ? k->limits.aliases :
	    k->limits.key_versions;
	int64_t count = 0;
	enum err r;

	/* Counting up to the quota is enough to decide. */
	r = kms_db_quota_count(k->db, what, account, now_ms, max, &count);
	if (r != ERR_OK)
		return r;
	return count + n > max ? ERR_KMS_LIMIT_EXCEEDED : ERR_OK;
}

/* Best effort: the audit row of a refused or failed change, in its own
 * transaction (the change itself was rolled back). */
static void
audit_refusal(struct kms *k, int64_t now, const struct kms_caller *who,
    const char *action, const char *target, enum err r, const char *detail)
{
	if (db_tx_begin(k->db) != ERR_OK)
		return;
	if (kms_audit_tx(k, now, who->actor, action, target, r, detail) !=
	    ERR_OK || db_tx_commit(k->db) != ERR_OK)
		db_tx_rollback(k->db);
}

enum err
kms_change_run(struct kms *k, const struct kms_caller *who,
    const char *key_ref, struct kms_change *ch)
{
	struct kms_key_row *old = NULL, *nrow = NULL;
	const char *target = key_ref;
	enum kms_key_state to;
	int64_t now = kms_now(k);
	bool in_tx = false;
	enum err r;

	old = malloc(sizeof(*old));
	nrow = malloc(sizeof(*nrow));
	if (old == NULL || nrow == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	r = db_tx_begin(k->db);
	if (r != ERR_OK)
		goto out;
	in_tx = true;
	r = kms_key_resolve(k, who, key_ref, now, old);
	if (r != ERR_OK)
		goto out;
	target = old->m.key_id;
	r = kms_row_apply(old, ch->action, &to);
	if (r != ERR_OK)
		goto out;
	*nrow = *old;
	/* Only a real transition is written as a state: an action that
	 * keeps the effective state keeps the stored one too. */
	if (to != old->m.state) {
		nrow->stored = to;
		nrow->m.state = to;
		if (to != KMS_KEY_PENDING_DELETION)
			nrow->m.delete_ms = 0;
	}
	if (ch->apply != NULL) {
		r = ch->apply(k, now, old, nrow, ch->arg);
		if (r != ERR_OK)
			goto out;
	}
	if (ch->write_row) {
		r = kms_db_key_update(k->db, old, nrow);
		if (r != ERR_OK)
			goto out;
		nrow->generation = old->generation + 1;
	}
	r = kms_audit_tx(k, now, who->actor, kms_action_name(ch->action),
	    target, ERR_OK, ch->detail);
	if (r != ERR_OK)
		goto out;
	crash_point("kms-key-written");
	r = db_tx_commit(k->db);
	in_tx = false;
	if (r == ERR_OK)
		crash_point("kms-key-committed");
	if (r == ERR_OK && ch->ret_row != NULL)
		*ch->ret_row = *nrow;
out:
	if (in_tx)
		db_tx_rollback(k->db);
	if (r != ERR_OK && r != ERR_NOMEM)
		audit_refusal(k, now, who, kms_action_name(ch->action),
		    target, r, ch->detail);
	free(old);
	free(nrow);
	return r;
}

/* ---- create ---- */

static bool
desc_valid(const char *s, size_t max_chars)
{
	size_t n = strlen(s), chars = 0;

	if (!str_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	return chars <= max_chars;
}

static bool
tag_valid(const struct kms_tag *t)
{
	size_t kl, vl;

	if (t->key == NULL || t->value == NULL)
		return false;
	kl = strlen(t->key);
	vl = strlen(t->value);
	/* KMS: tag keys 1-128 characters, not starting with "aliyun" or
	 * "acs:" (reserved); values up to 256. */
	return kl >= 1 && kl <= KMS_TAG_KEY_MAX && vl <= KMS_TAG_VALUE_MAX &&
	    str_utf8_valid(t->key, kl) && str_utf8_valid(t->value, vl) &&
	    !str_has_prefix(t->key, "aliyun") && !str_has_prefix(t->key, "acs:");
}

/* New material for a version: random, sealed, wiped. */
static void
material_new(struct kms *k, uint8_t sealed[static KMS_MATERIAL_SEALED],
    const char *key_id, const char *version_id)
{
	uint8_t m[KMS_MATERIAL_BYTES];

	randombytes_buf(m, sizeof(m));
	kms_material_seal(k, sealed, key_id, version_id, m);
	sodium_memzero(m, sizeof(m));
}

enum err
kms_key_create(struct kms *k, const struct kms_caller *who,
    const struct kms_key_create_req *req, struct kms_key_meta *ret)
{
	struct kms_key_row *row;
	uint8_t sealed[KMS_MATERIAL_SEALED];
	const char *desc = req->description ? req->description : "";
	const char *spec = req->key_spec ? req->key_spec : "Aliyun_AES_256";
	const char *usage = req->key_usage ? req->key_usage : "ENCRYPT/DECRYPT";
	const char *origin = req->origin ? req->origin : "Aliyun_KMS";
	const char *prot = req->protection_level ? req->protection_level :
	    "SOFTWARE";
	int64_t now = kms_now(k);
	bool external, in_tx = false;
	enum err r;

	/* KMS: Origin is case-sensitive; only symmetric AES-256 keys and
	 * software protection exist here. */
	if (strcmp(origin, "Aliyun_KMS") != 0 && strcmp(origin, "EXTERNAL") != 0)
		return ERR_INVALID_ARGUMENT;
	if (strcmp(spec, "Aliyun_AES_256") != 0 ||
	    strcmp(usage, "ENCRYPT/DECRYPT") != 0)
		return ERR_INVALID_ARGUMENT;
	if (strcmp(prot, "HSM") == 0)
		return ERR_KMS_UNSUPPORTED_PROTECTION;
	if (strcmp(prot, "SOFTWARE") != 0)
		return ERR_INVALID_ARGUMENT;
	if (!desc_valid(desc, KMS_DESC_CHARS))
		return ERR_INVALID_ARGUMENT;
	external = strcmp(origin, "EXTERNAL") == 0;
	/* KMS: BYOK keys never rotate. */
	if (external && req->rotation)
		return ERR_KMS_UNSUPPORTED_ORIGIN;
	if (req->rotation_interval_s != 0 &&
	    (req->rotation_interval_s < ROTATION_MIN_S ||
	    req->rotation_interval_s > ROTATION_CREATE_MAX_S))
		return ERR_INVALID_ARGUMENT;
	/* KMS: CreateKey takes up to 20 tags, twice what TagResource
	 * allows on a key. */
	if (req->ntags > 2 * (size_t)k->limits.tags)
		return ERR_KMS_LIMIT_EXCEEDED;
	for (size_t i = 0; i < req->ntags; i++)
		if (!tag_valid(&req->tags[i]))
			return ERR_INVALID_ARGUMENT;

	row = calloc(1, sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	kms_uuid(row->m.key_id);
	kms_uuid(row->m.primary_version);
	row->account = who->account;
	str_copy(row->m.creator, sizeof(row->m.creator), who->account_id);
	row->stored = external ? KMS_KEY_PENDING_IMPORT : KMS_KEY_ENABLED;
	row->m.state = row->stored;
	str_copy(row->m.description, sizeof(row->m.description), desc);
	str_copy(row->m.key_spec, sizeof(row->m.key_spec), spec);
	str_copy(row->m.key_usage, sizeof(row->m.key_usage), usage);
	str_copy(row->m.origin, sizeof(row->m.origin), origin);
	str_copy(row->m.protection_level, sizeof(row->m.protection_level), prot);
	row->m.created_ms = now;
	row->m.last_rotation_ms = now;
	row->m.rotation = req->rotation;
	if (req->rotation || req->rotation_interval_s != 0)
		row->m.rotation_interval_s = req->rotation_interval_s != 0 ?
		    req->rotation_interval_s : ROTATION_DEFAULT_S;
	row->m.has_material = !external;

	r = db_tx_begin(k->db);
	if (r != ERR_OK)
		goto out;
	in_tx = true;
	/* A key brings its first version: both quotas, decided under the
	 * write lock so that concurrent creations cannot both fit. */
	r = kms_quota_check(k, KMS_QUOTA_KEYS, who->account, now, 1);
	if (r == ERR_OK)
		r = kms_quota_check(k, KMS_QUOTA_KEY_VERSIONS, who->account, now,
		    1);
	if (r == ERR_OK)
		r = kms_db_key_insert(k->db, row);
	if (r != ERR_OK)
		goto out;
	if (!external)
		material_new(k, sealed, row->m.key_id, row->m.primary_version);
	r = kms_db_version_insert(k->db, row->id, row->m.primary_version, now,
	    external ? NULL : sealed, sizeof(sealed));
	for (size_t i = 0; r == ERR_OK && i < req->ntags; i++)
		r = kms_db_tag_put(k->db, row->id, req->tags[i].key,
		    req->tags[i].value);
	if (r == ERR_OK)
		r = kms_audit_tx(k, now, who->actor, "CreateKey", row->m.key_id,
		    ERR_OK, external ? "origin=EXTERNAL" : "origin=Aliyun_KMS");
	if (r != ERR_OK)
		goto out;
	crash_point("kms-key-written");
	r = db_tx_commit(k->db);
	in_tx = false;
	if (r == ERR_OK) {
		crash_point("kms-key-committed");
		*ret = row->m;
	}
out:
	if (in_tx)
		db_tx_rollback(k->db);
	sodium_memzero(sealed, sizeof(sealed));
	free(row);
	return r;
}

/* ---- reads ---- */

enum err
kms_key_describe(struct kms *k, const struct kms_caller *who,
    const char *key_ref, struct kms_key_meta *ret)
{
	struct kms_key_row *row;
	enum kms_key_state to;
	enum err r;

	row = malloc(sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	r = kms_key_resolve(k, who, key_ref, kms_now(k), row);
	if (r == ERR_OK)
		r = kms_row_apply(row, KMS_ACT_DESCRIBE_KEY, &to);
	if (r == ERR_OK) {
		kms_rotate_if_due(k, row);
		*ret = row->m;
	}
	kms_audit_queue_call(k, who, "DescribeKey", r == ERR_OK ?
	    row->m.key_id : key_ref, r, NULL);
	free(row);
	return r;
}

struct list_ctx {
	const struct kms_key_filter	*filters;
	size_t				 nfilters;
	uint64_t			 offset, limit, total;
	void				(*fn)(void *, const struct kms_key_meta *);
	void				*ctx;
};

static const char *
filter_field(const struct kms_key_row *row, const char *key)
{
	const struct kms_key_meta *m = &row->m;

	if (strcmp(key, "KeyState") == 0)
		return kms_state_name(m->state);
	if (strcmp(key, "KeySpec") == 0)
		return m->key_spec;
	if (strcmp(key, "KeyUsage") == 0)
		return m->key_usage;
	if (strcmp(key, "ProtectionLevel") == 0)
		return m->protection_level;
	if (strcmp(key, "CreatorType") == 0)
		return m->managed ? "Service" : "User";
	if (strcmp(key, "Origin") == 0)
		return m->origin;
	return NULL;
}

static void
list_one(void *arg, const struct kms_key_row *row)
{
	struct list_ctx *l = arg;

	if (row->m.state == KMS_KEY_DESTROYED)
		return;
	for (size_t i = 0; i < l->nfilters; i++) {
		const char *v = filter_field(row, l->filters[i].key);
		bool any = false;

		for (size_t j = 0; v != NULL && j < l->filters[i].nvalues; j++)
			if (strcmp(v, l->filters[i].values[j]) == 0)
				any = true;
		if (!any)
			return;
	}
	if (l->total >= l->offset && l->total - l->offset < l->limit)
		l->fn(l->ctx, &row->m);
	l->total++;
}

enum err
kms_key_list(struct kms *k, const struct kms_caller *who,
    const struct kms_key_filter *filters, size_t nfilters, uint64_t offset,
    uint64_t limit, void (*fn)(void *ctx, const struct kms_key_meta *m),
    void *ctx, uint64_t *ret_total)
{
	struct list_ctx l = { filters, nfilters, offset, limit, 0, fn, ctx };
	struct kms_key_row probe;
	enum err r;

	/* Unknown filter keys are refused up front, not silently empty. */
	memset(&probe, 0, sizeof(probe));
	for (size_t i = 0; i < nfilters; i++)
		if (filters[i].key == NULL ||
		    filter_field(&probe, filters[i].key) == NULL)
			return ERR_INVALID_ARGUMENT;
	r = kms_db_key_list(k->db, who->account, kms_now(k), list_one, &l);
	if (r == ERR_OK)
		*ret_total = l.total;
	kms_audit_queue_call(k, who, "ListKeys", "", r, NULL);
	return r;
}

enum err
kms_key_list_ids(struct kms *k, const struct kms_caller *who,
    uint64_t offset, uint64_t limit,
    void (*fn)(void *ctx, const char *key_id, const char *creator),
    void *ctx, uint64_t *ret_total)
{
	enum err r;

	r = kms_db_key_page(k->db, who->account, kms_now(k), offset, limit, fn,
	    ctx, ret_total);
	kms_audit_queue(k, who->actor, "ListKeys", "", r, NULL);
	return r;
}

/* ---- state transitions ---- */

static enum err
simple(struct kms *k, const struct kms_caller *who, const char *key_ref,
    enum kms_action action, enum err (*apply)(struct kms *, int64_t,
    const struct kms_key_row *, struct kms_key_row *, void *), void *arg,
    const char *detail)
{
	struct kms_change ch = {
		.action = action,
		.apply = apply,
		.arg = arg,
		.write_row = true,
		.detail = detail,
	};

	return kms_change_run(k, who, key_ref, &ch);
}

enum err
kms_key_enable(struct kms *k, const struct kms_caller *who,
    const char *key_ref)
{
	return simple(k, who, key_ref, KMS_ACT_ENABLE_KEY, NULL, NULL, NULL);
}

enum err
kms_key_disable(struct kms *k, const struct kms_caller *who,
    const char *key_ref)
{
	return simple(k, who, key_ref, KMS_ACT_DISABLE_KEY, NULL, NULL, NULL);
}

static enum err
apply_schedule(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const unsigned *days = arg;

	(void)k;
	(void)old;
	nrow->m.delete_ms = now + (int64_t)*days * CLOCK_DAY_MS;
	return ERR_OK;
}

enum err
kms_key_schedule_deletion(struct kms *k, const struct kms_caller *who,
    const char *key_ref, unsigned days)
{
	char detail[32];

	/* KMS: PendingWindowInDays 7-366 (current SDK docs). */
	if (days < DELETION_DAYS_MIN || days > DELETION_DAYS_MAX)
		return ERR_INVALID_ARGUMENT;
	snprintf(detail, sizeof(detail), "days=%u", days);
	return simple(k, who, key_ref, KMS_ACT_SCHEDULE_KEY_DELETION,
	    apply_schedule, &days, detail);
}

enum err
kms_key_cancel_deletion(struct kms *k, const struct kms_caller *who,
    const char *key_ref)
{
	return simple(k, who, key_ref, KMS_ACT_CANCEL_KEY_DELETION, NULL, NULL,
	    NULL);
}

static enum err
apply_description(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	(void)k;
	(void)now;
	(void)old;
	str_copy(nrow->m.description, sizeof(nrow->m.description), arg);
	return ERR_OK;
}

enum err
kms_key_set_description(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *description)
{
	if (description == NULL || !desc_valid(description, KMS_DESC_CHARS))
		return ERR_INVALID_ARGUMENT;
	return simple(k, who, key_ref, KMS_ACT_UPDATE_KEY_DESCRIPTION,
	    apply_description, (void *)(uintptr_t)description, NULL);
}

struct protection_arg {
	bool		 on;
	const char	*desc;
};

static enum err
apply_protection(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct protection_arg *p = arg;

	(void)k;
	(void)now;
	(void)old;
	nrow->m.deletion_protection = p->on;
	str_copy(nrow->m.deletion_protection_desc,
	    sizeof(nrow->m.deletion_protection_desc), p->on ? p->desc : "");
	return ERR_OK;
}

enum err
kms_key_set_deletion_protection(struct kms *k, const struct kms_caller *who,
    const char *key_ref, bool on, const char *description)
{
	struct protection_arg p = { on, description ? description : "" };

	if (!desc_valid(p.desc, KMS_PROTECTION_DESC_MAX) ||
	    strlen(p.desc) > KMS_PROTECTION_DESC_MAX)
		return ERR_INVALID_ARGUMENT;
	return simple(k, who, key_ref, KMS_ACT_SET_DELETION_PROTECTION,
	    apply_protection, &p, on ? "on" : "off");
}

struct rotation_arg {
	bool	on;
	int64_t	interval_s;
};

static enum err
apply_rotation(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct rotation_arg *a = arg;

	(void)k;
	(void)old;
	nrow->m.rotation = a->on;
	if (a->interval_s != 0)
		nrow->m.rotation_interval_s = a->interval_s;
	else if (nrow->m.rotation_interval_s == 0 && a->on)
		nrow->m.rotation_interval_s = ROTATION_DEFAULT_S;
	/* The next rotation is counted from the last one; one that is
	 * already overdue happens at the next look. Turning rotation on for
	 * a key that never rotated counts from now, not from its creation. */
	if (a->on && !old->m.rotation)
		nrow->m.last_rotation_ms = now;
	return ERR_OK;
}

enum err
kms_key_set_rotation(struct kms *k, const struct kms_caller *who,
    const char *key_ref, bool on, int64_t interval_s)
{
	struct rotation_arg a = { on, interval_s };
	char detail[48];

	/* KMS: RotationInterval 7-730 days for UpdateRotationPolicy. */
	if (interval_s != 0 && (interval_s < ROTATION_MIN_S ||
	    interval_s > ROTATION_UPDATE_MAX_S))
		return ERR_INVALID_ARGUMENT;
	snprintf(detail, sizeof(detail), "rotation=%s interval=%llds",
	    on ? "on" : "off", (long long)interval_s);
	return simple(k, who, key_ref, KMS_ACT_UPDATE_ROTATION_POLICY,
	    apply_rotation, &a, detail);
}

/* ---- versions and rotation ---- */

enum err
kms_rotate_in_tx(struct kms *k, struct kms_key_row *row, int64_t now_ms,
    struct kms_version_info *ret)
{
	struct kms_key_row *nrow;
	uint8_t sealed[KMS_MATERIAL_SEALED];
	int64_t count = 0;
	enum err r;

	r = kms_db_version_count(k->db, row->id, &count);
	if (r != ERR_OK)
		return r;
	if (count >= KMS_VERSIONS_MAX)
		return ERR_KMS_LIMIT_EXCEEDED;
	nrow = malloc(sizeof(*nrow));
	if (nrow == NULL)
		return ERR_NOMEM;
	*nrow = *row;
	kms_uuid(nrow->m.primary_version);
	nrow->m.last_rotation_ms = now_ms;
	material_new(k, sealed, nrow->m.key_id, nrow->m.primary_version);
	r = kms_db_version_insert(k->db, row->id, nrow->m.primary_version,
	    now_ms, sealed, sizeof(sealed));
	sodium_memzero(sealed, sizeof(sealed));
	if (r == ERR_OK)
		r = kms_db_key_update(k->db, row, nrow);
	if (r == ERR_OK) {
		nrow->generation = row->generation + 1;
		if (ret != NULL) {
			str_copy(ret->key_id, sizeof(ret->key_id),
			    nrow->m.key_id);
			str_copy(ret->version_id, sizeof(ret->version_id),
			    nrow->m.primary_version);
			ret->created_ms = now_ms;
		}
		*row = *nrow;
	}
	free(nrow);
	return r;
}

static bool
rotation_due(const struct kms_key_row *row, int64_t now)
{
	const struct kms_key_meta *m = &row->m;

	return m->rotation && m->state == KMS_KEY_ENABLED &&
	    m->rotation_interval_s > 0 && strcmp(m->origin, "EXTERNAL") != 0 &&
	    now >= m->last_rotation_ms + m->rotation_interval_s * 1000;
}

void
kms_rotate_if_due(struct kms *k, struct kms_key_row *row)
{
	struct kms_key_row *cur;
	int64_t now = kms_now(k);
	enum kms_key_state to;
	enum err r;

	if (!rotation_due(row, now))
		return;
	cur = malloc(sizeof(*cur));
	if (cur == NULL)
		return;
	r = db_tx_begin(k->db);
	if (r != ERR_OK)
		goto out;
	/* Another thread may have rotated meanwhile: decide again on the
	 * row as it is inside the transaction. */
	r = kms_db_key_get_by_id(k->db, row->id, now, cur);
	if (r == ERR_OK && rotation_due(cur, now) &&
	    kms_row_apply(cur, KMS_ACT_ROTATE, &to) == ERR_OK) {
		r = kms_rotate_in_tx(k, cur, now, NULL);
		if (r == ERR_OK)
			r = kms_audit_tx(k, now, "kms", "RotateKey",
			    cur->m.key_id, ERR_OK, cur->m.primary_version);
	}
	if (r == ERR_OK)
		r = db_tx_commit(k->db);
	else
		db_tx_rollback(k->db);
	if (r != ERR_OK)
		log_warnx("kms: automatic rotation of '%s': %s", row->m.key_id,
		    err_name(r));
	else if (kms_db_key_get_by_id(k->db, row->id, now, cur) == ERR_OK)
		*row = *cur;
out:
	free(cur);
}

static enum err
apply_version(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	enum err r;

	r = kms_quota_check(k, KMS_QUOTA_KEY_VERSIONS, old->account, now, 1);
	if (r != ERR_OK)
		return r;
	return kms_rotate_in_tx(k, nrow, now, arg);
}

enum err
kms_key_version_create(struct kms *k, const struct kms_caller *who,
    const char *key_ref, struct kms_version_info *ret)
{
	struct kms_version_info v;
	struct kms_change ch = {
		.action = KMS_ACT_CREATE_KEY_VERSION,
		.apply = apply_version,
		.arg = &v,
		/* kms_rotate_in_tx wrote the row itself. */
		.write_row = false,
	};
	enum err r;

	r = kms_change_run(k, who, key_ref, &ch);
	if (r == ERR_OK)
		*ret = v;
	return r;
}

struct version_ctx {
	const char		*key_id;
	const char		*want;		/* describe: the version */
	struct kms_version_info	*found;
	uint64_t		 offset, limit, total;
	void			(*fn)(void *, const struct kms_version_info *);
	void			*ctx;
};

static void
version_one(void *arg, const char *version_id, int64_t created_ms)
{
	struct version_ctx *v = arg;
	struct kms_version_info info;

	memset(&info, 0, sizeof(info));
	str_copy(info.key_id, sizeof(info.key_id), v->key_id);
	str_copy(info.version_id, sizeof(info.version_id), version_id);
	info.created_ms = created_ms;
	if (v->want != NULL) {
		if (strcmp(v->want, version_id) == 0)
			*v->found = info;
		v->total += strcmp(v->want, version_id) == 0;
		return;
	}
	if (v->total >= v->offset && v->total - v->offset < v->limit)
		v->fn(v->ctx, &info);
	v->total++;
}

static enum err
versions(struct kms *k, const struct kms_caller *who, const char *key_ref,
    enum kms_action action, struct version_ctx *v)
{
	struct kms_key_row *row;
	enum kms_key_state to;
	enum err r;

	row = malloc(sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	r = kms_key_resolve(k, who, key_ref, kms_now(k), row);
	if (r == ERR_OK)
		r = kms_row_apply(row, action, &to);
	if (r == ERR_OK) {
		kms_rotate_if_due(k, row);
		v->key_id = row->m.key_id;
		r = kms_db_version_list(k->db, row->id, version_one, v);
	}
	kms_audit_queue_call(k, who, kms_action_name(action), r == ERR_OK ?
	    row->m.key_id : key_ref, r, v->want);
	free(row);
	return r;
}

enum err
kms_key_version_describe(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *version_id, struct kms_version_info *ret)
{
	struct kms_version_info found;
	struct version_ctx v = { .want = version_id, .found = &found };
	enum err r;

	if (version_id == NULL)
		return ERR_KMS_KEY_VERSION_NOT_FOUND;
	r = versions(k, who, key_ref, KMS_ACT_DESCRIBE_KEY_VERSION, &v);
	if (r == ERR_OK && v.total == 0)
		r = ERR_KMS_KEY_VERSION_NOT_FOUND;
	if (r == ERR_OK)
		*ret = found;
	return r;
}

enum err
kms_key_version_list(struct kms *k, const struct kms_caller *who,
    const char *key_ref, uint64_t offset, uint64_t limit,
    void (*fn)(void *ctx, const struct kms_version_info *v), void *ctx,
    uint64_t *ret_total)
{
	struct version_ctx v = { .offset = offset, .limit = limit, .fn = fn,
	    .ctx = ctx };
	enum err r;

	r = versions(k, who, key_ref, KMS_ACT_LIST_KEY_VERSIONS, &v);
	if (r == ERR_OK)
		*ret_total = v.total;
	return r;
}

/* ---- aliases ---- */

static bool
alias_valid(const char *a)
{
	size_t n = strlen(a);

	/* KMS: AliasName 1-255 characters, "alias/" prefix; "alias/acs" is
	 * reserved for the cloud services' own keys. */
	if (n <= 6 || n >= KMS_ALIAS_MAX || !str_has_prefix(a, "alias/") ||
	    str_has_prefix(a, "alias/acs"))
		return false;
	for (size_t i = 6; i < n; i++) {
		char c = a[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '/'))
			return false;
	}
	return true;
}

struct alias_arg {
	const struct kms_caller	*who;
	const char		*alias;
};

/* An existing alias whose key is destroyed no longer exists: drop it so
 * the name can be used again (the sweep would, later). */
static enum err
alias_clear_stale(struct kms *k, int64_t now, const struct alias_arg *a,
    bool *ret_exists)
{
	struct kms_key_row *row;
	int64_t key = 0;
	enum err r;

	r = kms_db_alias_get(k->db, a->who->account, a->alias, &key);
	if (r == ERR_NOT_FOUND) {
		*ret_exists = false;
		return ERR_OK;
	}
	if (r != ERR_OK)
		return r;
	row = malloc(sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	r = kms_db_key_get_by_id(k->db, key, now, row);
	*ret_exists = true;
	if (r == ERR_OK && row->m.state == KMS_KEY_DESTROYED) {
		r = kms_db_alias_delete(k->db, a->who->account, a->alias);
		*ret_exists = false;
	}
	free(row);
	return r;
}

static enum err
apply_alias_create(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct alias_arg *a = arg;
	bool exists;
	enum err r;

	(void)nrow;
	r = alias_clear_stale(k, now, a, &exists);
	if (r != ERR_OK)
		return r;
	if (exists)
		return ERR_KMS_ALIAS_EXISTS;
	r = kms_quota_check(k, KMS_QUOTA_ALIASES, a->who->account, now, 1);
	if (r != ERR_OK)
		return r;
	r = kms_db_alias_insert(k->db, a->who->account, a->alias, old->id, now);
	return r == ERR_EXISTS ? ERR_KMS_ALIAS_EXISTS : r;
}

enum err
kms_alias_create(struct kms *k, const struct kms_caller *who,
    const char *alias, const char *key_ref)
{
	struct alias_arg a = { who, alias };
	struct kms_change ch = {
		.action = KMS_ACT_CREATE_ALIAS,
		.apply = apply_alias_create,
		.arg = &a,
		.detail = alias,
	};

	if (alias == NULL || !alias_valid(alias))
		return ERR_INVALID_ARGUMENT;
	return kms_change_run(k, who, key_ref, &ch);
}

static enum err
apply_alias_update(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct alias_arg *a = arg;
	bool exists;
	enum err r;

	(void)nrow;
	r = alias_clear_stale(k, now, a, &exists);
	if (r != ERR_OK)
		return r;
	if (!exists)
		return ERR_ALIAS_NOT_FOUND;
	return kms_db_alias_set(k->db, a->who->account, a->alias, old->id);
}

enum err
kms_alias_update(struct kms *k, const struct kms_caller *who,
    const char *alias, const char *key_ref)
{
	struct alias_arg a = { who, alias };
	struct kms_change ch = {
		.action = KMS_ACT_UPDATE_ALIAS,
		.apply = apply_alias_update,
		.arg = &a,
		.detail = alias,
	};

	if (alias == NULL || !str_has_prefix(alias, "alias/"))
		return ERR_ALIAS_NOT_FOUND;
	/* Service aliases follow their service, not the user. */
	if (str_has_prefix(alias, "alias/acs/"))
		return ERR_ACCESS_DENIED;
	return kms_change_run(k, who, key_ref, &ch);
}

static enum err
apply_alias_delete(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct alias_arg *a = arg;

	(void)now;
	(void)old;
	(void)nrow;
	return kms_db_alias_delete(k->db, a->who->account, a->alias);
}

enum err
kms_alias_delete(struct kms *k, const struct kms_caller *who,
    const char *alias)
{
	struct alias_arg a = { who, alias };
	struct kms_change ch = {
		.action = KMS_ACT_DELETE_ALIAS,
		.apply = apply_alias_delete,
		.arg = &a,
		.detail = alias,
	};

	if (alias == NULL || !str_has_prefix(alias, "alias/") ||
	    strlen(alias) >= KMS_ALIAS_MAX)
		return ERR_ALIAS_NOT_FOUND;
	if (str_has_prefix(alias, "alias/acs/"))
		return ERR_ACCESS_DENIED;
	/* The alias names the key whose state the table judges. */
	return kms_change_run(k, who, alias, &ch);
}

struct alias_list_ctx {
	struct kms			*k;
	int64_t				 now;
	uint64_t			 offset, limit, total;
	void				(*fn)(void *, const struct kms_alias_info *);
	void				*ctx;
	struct kms_key_row		*row;
	enum err			 err;
};

static void
alias_one(void *arg, const char *name, int64_t key)
{
	struct alias_list_ctx *l = arg;
	struct kms_alias_info a;
	enum err r;

	r = kms_db_key_get_by_id(l->k->db, key, l->now, l->row);
	if (r != ERR_OK) {
		if (l->err == ERR_OK)
			l->err = r;
		return;
	}
	if (l->row->m.state == KMS_KEY_DESTROYED)
		return;
	if (l->total >= l->offset && l->total - l->offset < l->limit) {
		str_copy(a.name, sizeof(a.name), name);
		str_copy(a.key_id, sizeof(a.key_id), l->row->m.key_id);
		l->fn(l->ctx, &a);
	}
	l->total++;
}

enum err
kms_alias_list(struct kms *k, const struct kms_caller *who,
    const char *key_ref, uint64_t offset, uint64_t limit,
    void (*fn)(void *ctx, const struct kms_alias_info *a), void *ctx,
    uint64_t *ret_total)
{
	struct alias_list_ctx l = { k, kms_now(k), offset, limit, 0, fn, ctx,
	    NULL, ERR_OK };
	int64_t key = 0;
	enum kms_key_state to;
	enum err r = ERR_OK;

	l.row = malloc(sizeof(*l.row));
	if (l.row == NULL)
		return ERR_NOMEM;
	if (key_ref != NULL) {
		r = kms_key_resolve(k, who, key_ref, l.now, l.row);
		if (r == ERR_OK)
			r = kms_row_apply(l.row, KMS_ACT_LIST_ALIASES_BY_KEY_ID,
			    &to);
		key = l.row->id;
	}
	if (r == ERR_OK)
		r = kms_db_alias_list(k->db, who->account, key, alias_one, &l);
	if (r == ERR_OK)
		r = l.err;
	if (r == ERR_OK)
		*ret_total = l.total;
	kms_audit_queue_call(k, who, key_ref != NULL ? "ListAliasesByKeyId" :
	    "ListAliases", key_ref != NULL ? key_ref : "", r, NULL);
	free(l.row);
	return r;
}

/* ---- tags ---- */

struct tags_arg {
	const struct kms_tag	*tags;
	const char *const	*keys;
	size_t			 n;
};

static enum err
apply_tag_add(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct tags_arg *t = arg;
	int64_t count = 0;
	enum err r = ERR_OK;

	(void)now;
	(void)nrow;
	for (size_t i = 0; r == ERR_OK && i < t->n; i++)
		r = kms_db_tag_put(k->db, old->id, t->tags[i].key,
		    t->tags[i].value);
	if (r == ERR_OK)
		r = kms_db_tag_count(k->db, old->id, &count);
	if (r == ERR_OK && count > k->limits.tags)
		r = ERR_KMS_LIMIT_EXCEEDED;
	return r;
}

enum err
kms_tag_add(struct kms *k, const struct kms_caller *who, const char *key_ref,
    const struct kms_tag *tags, size_t n)
{
	struct tags_arg t = { tags, NULL, n };
	struct kms_change ch = {
		.action = KMS_ACT_TAG_RESOURCE,
		.apply = apply_tag_add,
		.arg = &t,
	};

	if (n == 0)
		return ERR_INVALID_ARGUMENT;
	if (n > k->limits.tags)
		return ERR_KMS_LIMIT_EXCEEDED;
	for (size_t i = 0; i < n; i++)
		if (!tag_valid(&tags[i]))
			return ERR_INVALID_ARGUMENT;
	return kms_change_run(k, who, key_ref, &ch);
}

static enum err
apply_tag_remove(struct kms *k, int64_t now, const struct kms_key_row *old,
    struct kms_key_row *nrow, void *arg)
{
	const struct tags_arg *t = arg;
	enum err r = ERR_OK;

	(void)now;
	(void)nrow;
	for (size_t i = 0; r == ERR_OK && i < t->n; i++)
		r = kms_db_tag_delete(k->db, old->id, t->keys[i]);
	return r;
}

enum err
kms_tag_remove(struct kms *k, const struct kms_caller *who,
    const char *key_ref, const char *const *keys, size_t n)
{
	struct tags_arg t = { NULL, keys, n };
	struct kms_change ch = {
		.action = KMS_ACT_UNTAG_RESOURCE,
		.apply = apply_tag_remove,
		.arg = &t,
	};

	if (n == 0 || n > k->limits.tags)
		return ERR_INVALID_ARGUMENT;
	return kms_change_run(k, who, key_ref, &ch);
}

struct tag_list_ctx {
	const char	*key_id;
	void		(*fn)(void *, const char *, const char *, const char *);
	void		*ctx;
};

static void
tag_one(void *arg, const char *tag_key, const char *tag_value)
{
	struct tag_list_ctx *t = arg;

	t->fn(t->ctx, t->key_id, tag_key, tag_value);
}

enum err
kms_tag_list(struct kms *k, const struct kms_caller *who, const char *key_ref,
    void (*fn)(void *ctx, const char *key_id, const char *tag_key,
    const char *tag_value), void *ctx)
{
	struct kms_key_row *row;
	struct tag_list_ctx t = { NULL, fn, ctx };
	enum kms_key_state to;
	enum err r;

	row = malloc(sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	r = kms_key_resolve(k, who, key_ref, kms_now(k), row);
	if (r == ERR_OK)
		r = kms_row_apply(row, KMS_ACT_LIST_RESOURCE_TAGS, &to);
	if (r == ERR_OK) {
		t.key_id = row->m.key_id;
		r = kms_db_tag_list(k->db, row->id, tag_one, &t);
	}
	kms_audit_queue_call(k, who, "ListResourceTags", r == ERR_OK ?
	    row->m.key_id : key_ref, r, NULL);
	free(row);
	return r;
}

/* ---- housekeeping ---- */

/* Deletes one destroyed key (crypto-shredding its versions' material) if
 * it still is destroyed inside the transaction. */
static void
purge_one(struct kms *k, int64_t id, int64_t now, struct kms_key_row *row)
{
	enum err r;

	if (db_tx_begin(k->db) != ERR_OK)
		return;
	r = kms_db_key_get_by_id(k->db, id, now, row);
	if (r == ERR_OK && row->m.state == KMS_KEY_DESTROYED) {
		r = kms_db_key_delete(k->db, id);
		if (r == ERR_OK)
			r = kms_audit_tx(k, now, "kms", "DeleteKey",
			    row->m.key_id, ERR_OK, "deletion window ended");
	}
	if (r == ERR_OK)
		r = db_tx_commit(k->db);
	if (r != ERR_OK) {
		db_tx_rollback(k->db);
		if (r != ERR_NOT_FOUND)
			log_warnx("kms: cannot delete destroyed key %lld: %s",
			    (long long)id, err_name(r));
	}
}

enum err
kms_tick(struct kms *k)
{
	int64_t ids[TICK_BATCH];
	struct kms_key_row *row;
	int64_t now = kms_now(k);
	size_t n = 0;
	enum err r;

	/* This node's queued audit rows, wherever the rest runs. */
	(void)kms_audit_flush(k);
	if (!db_lead(k->db, DB_LEASE_KMS))
		return ERR_OK;
	row = malloc(sizeof(*row));
	if (row == NULL)
		return ERR_NOMEM;
	r = kms_db_keys_destroyed(k->db, now, ids, TICK_BATCH, &n);
	for (size_t i = 0; r == ERR_OK && i < n; i++)
		purge_one(k, ids[i], now, row);
	if (r == ERR_OK)
		r = kms_db_keys_rotation_due(k->db, now, ids, TICK_BATCH, &n);
	for (size_t i = 0; r == ERR_OK && i < n; i++)
		if (kms_db_key_get_by_id(k->db, ids[i], now, row) == ERR_OK)
			kms_rotate_if_due(k, row);
	if (r == ERR_OK && db_tx_begin(k->db) == ERR_OK) {
		if (kms_db_token_purge(k->db, now) != ERR_OK ||
		    db_tx_commit(k->db) != ERR_OK)
			db_tx_rollback(k->db);
	}
	free(row);
	return r;
}
