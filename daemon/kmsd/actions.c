/* SPDX-License-Identifier: ISC */
/*
 * actions.c: the KMS action table and its handlers.
 *
 * Each handler reads its parameters (params.c), calls one kms/
 * operation and writes the members of the reply object with the field
 * names, types and wrapping of spec kms-api.md §1.1-1.2 and of the
 * @alicloud/kms20160120 response models: PascalCase names, dates as
 * "2021-04-12T06:00:54Z", empty strings for what does not apply, lists
 * wrapped twice (Keys.Key[], Aliases.Alias[], ...), counts as numbers.
 * Handlers never format errors: they return an enum err (and may name the
 * parameter in c->err_param) for dispatch.c to render.
 */
#include <stdio.h>
#include <string.h>

#include "kmsd/kmsd_int.h"
#include "base/str.h"

/* ---- output helpers ---- */

static void
put_time(struct json_writer *w, const char *key, int64_t ms)
{
	char t[TIME_ISO_BYTES];

	if (ms == 0) {
		json_str(w, key, "");
		return;
	}
	time_fmt_iso_s(t, ms);
	json_str(w, key, t);
}

static const char *
key_arn(struct kms_call *c, const char *account_id, const char *key_id)
{
	return arena_printf(c->a, "acs:kms:%s:%s:key/%s", c->api->region,
	    account_id, key_id);
}

static const char *
alias_arn(struct kms_call *c, const char *alias)
{
	return arena_printf(c->a, "acs:kms:%s:%s:%s", c->api->region,
	    c->who.account_id, alias);
}

static void
put_key_metadata(struct kms_call *c, const struct kms_key_meta *m)
{
	struct json_writer *w = &c->w;
	const char *rot = "Disabled";
	char interval[32] = "";

	/* KMS: rotation is Suspended while the key cannot rotate (Disabled,
	 * PendingDeletion, PendingImport). */
	if (m->rotation)
		rot = m->state == KMS_KEY_ENABLED ? "Enabled" : "Suspended";
	if (m->rotation_interval_s > 0)
		snprintf(interval, sizeof(interval), "%llds",
		    (long long)m->rotation_interval_s);
	json_obj_open(w, "KeyMetadata");
	json_str(w, "Arn", key_arn(c, m->creator, m->key_id));
	json_str(w, "AutomaticRotation", rot);
	put_time(w, "CreationDate", m->created_ms);
	json_str(w, "Creator", m->creator);
	json_str(w, "DKMSInstanceId", "");
	put_time(w, "DeleteDate", m->state == KMS_KEY_PENDING_DELETION ?
	    m->delete_ms : 0);
	json_str(w, "DeletionProtection", m->deletion_protection ? "Enabled" :
	    "Disabled");
	json_str(w, "DeletionProtectionDescription",
	    m->deletion_protection_desc);
	json_str(w, "Description", m->description);
	json_str(w, "KeyId", m->key_id);
	json_str(w, "KeySpec", m->key_spec);
	json_str(w, "KeyState", kms_state_name(m->state));
	json_str(w, "KeyUsage", m->key_usage);
	put_time(w, "LastRotationDate", m->last_rotation_ms);
	put_time(w, "MaterialExpireTime", m->material_expire_ms);
	put_time(w, "NextRotationDate", m->rotation ? m->last_rotation_ms +
	    m->rotation_interval_s * 1000 : 0);
	json_str(w, "Origin", m->origin);
	json_str(w, "PrimaryKeyVersion", m->primary_version);
	json_str(w, "ProtectionLevel", m->protection_level);
	json_str(w, "RotationInterval", interval);
	json_obj_close(w);
}

static void
put_page(struct kms_call *c, uint64_t total, uint64_t number, uint64_t size)
{
	json_u64(&c->w, "TotalCount", total);
	json_u64(&c->w, "PageNumber", number);
	json_u64(&c->w, "PageSize", size);
}

/* KeyMaterialExpireUnix, RotationInterval "30d" / "604800s" / ... */
static enum err
interval_param(struct kms_call *c, const char *name, int64_t *ret_s)
{
	const char *v = kp_get(c, name);
	int64_t ms;

	*ret_s = 0;
	if (v == NULL || v[0] == '\0')
		return ERR_OK;
	if (!duration_parse(v, &ms) || ms % 1000 != 0) {
		c->err_param = name;
		return ERR_INVALID_ARGUMENT;
	}
	*ret_s = ms / 1000;
	return ERR_OK;
}

/* ---- keys ---- */

static enum err
a_create_key(struct kms_call *c)
{
	struct kms_key_create_req req;
	struct kms_key_meta *m;
	struct kms_tag *tags = NULL;
	const char *origin = kp_get(c, "Origin");
	const char *spec = kp_get(c, "KeySpec");
	const char *usage = kp_get(c, "KeyUsage");
	const char *prot = kp_get(c, "ProtectionLevel");
	enum err r;

	memset(&req, 0, sizeof(req));
	/* Name the parameter the service would. */
	if (origin != NULL && strcmp(origin, "Aliyun_KMS") != 0 &&
	    strcmp(origin, "EXTERNAL") != 0)
		c->err_param = "Origin";
	else if (spec != NULL && strcmp(spec, "Aliyun_AES_256") != 0)
		c->err_param = "KeySpec";
	else if (usage != NULL && strcmp(usage, "ENCRYPT/DECRYPT") != 0)
		c->err_param = "KeyUsage";
	else if (prot != NULL && strcmp(prot, "SOFTWARE") != 0 &&
	    strcmp(prot, "HSM") != 0)
		c->err_param = "ProtectionLevel";
	if (c->err_param != NULL)
		return ERR_INVALID_ARGUMENT;
	req.description = kp_get(c, "Description");
	req.key_spec = spec;
	req.key_usage = usage;
	req.origin = origin;
	req.protection_level = prot;
	r = kp_bool(c, "EnableAutomaticRotation", false, &req.rotation);
	if (r == ERR_OK)
		r = interval_param(c, "RotationInterval", &req.rotation_interval_s);
	if (r == ERR_OK)
		r = kp_tags(c, "Tags", &tags, &req.ntags);
	if (r != ERR_OK)
		return r;
	req.tags = tags;
	m = arena_alloc(c->a, sizeof(*m));
	if (m == NULL)
		return ERR_NOMEM;
	/* The remaining invalid values: description length, interval. */
	c->err_param = req.rotation_interval_s != 0 ? "RotationInterval" :
	    "Description";
	r = kms_key_create(c->api->kms, &c->who, &req, m);
	if (r != ERR_OK)
		return r;
	put_key_metadata(c, m);
	return ERR_OK;
}

static enum err
a_describe_key(struct kms_call *c)
{
	struct kms_key_meta *m;
	const char *id;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r != ERR_OK)
		return r;
	m = arena_alloc(c->a, sizeof(*m));
	if (m == NULL)
		return ERR_NOMEM;
	r = kms_key_describe(c->api->kms, &c->who, id, m);
	if (r == ERR_OK)
		put_key_metadata(c, m);
	return r;
}

static void
list_key_id(void *ctx, const char *key_id, const char *creator)
{
	struct kms_call *c = ctx;

	json_obj_open(&c->w, NULL);
	json_str(&c->w, "KeyId", key_id);
	json_str(&c->w, "KeyArn", key_arn(c, creator, key_id));
	json_obj_close(&c->w);
}

static void
list_key(void *ctx, const struct kms_key_meta *m)
{
	list_key_id(ctx, m->key_id, m->creator);
}

static enum err
a_list_keys(struct kms_call *c)
{
	struct kms_key_filter *f = NULL;
	uint64_t number, size, total = 0;
	size_t nf = 0;
	enum err r;

	r = kp_page(c, &number, &size);
	if (r == ERR_OK)
		r = kp_filters(c, "Filters", &f, &nf);
	if (r != ERR_OK)
		return r;
	c->err_param = "Filters";
	json_obj_open(&c->w, "Keys");
	json_arr_open(&c->w, "Key");
	/* Without filters only ids are needed: a page of its own. */
	if (nf == 0)
		r = kms_key_list_ids(c->api->kms, &c->who, (number - 1) * size,
		    size, list_key_id, c, &total);
	else
		r = kms_key_list(c->api->kms, &c->who, f, nf,
		    (number - 1) * size, size, list_key, c, &total);
	json_arr_close(&c->w);
	json_obj_close(&c->w);
	if (r == ERR_OK)
		put_page(c, total, number, size);
	return r;
}

static enum err
key_op(struct kms_call *c, enum err (*fn)(struct kms *,
    const struct kms_caller *, const char *))
{
	const char *id;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r != ERR_OK)
		return r;
	return fn(c->api->kms, &c->who, id);
}

static enum err
a_enable_key(struct kms_call *c)
{
	return key_op(c, kms_key_enable);
}

static enum err
a_disable_key(struct kms_call *c)
{
	return key_op(c, kms_key_disable);
}

static enum err
a_cancel_key_deletion(struct kms_call *c)
{
	return key_op(c, kms_key_cancel_deletion);
}

static enum err
a_delete_key_material(struct kms_call *c)
{
	return key_op(c, kms_material_delete);
}

static enum err
a_schedule_key_deletion(struct kms_call *c)
{
	const char *id, *days;
	uint64_t d;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_need(c, "PendingWindowInDays", &days);
	if (r != ERR_OK)
		return r;
	/* KMS: 7-366 days. */
	r = kp_u64(c, "PendingWindowInDays", 7, 366, 0, &d);
	if (r != ERR_OK)
		return r;
	return kms_key_schedule_deletion(c->api->kms, &c->who, id, (unsigned)d);
}

static enum err
a_update_key_description(struct kms_call *c)
{
	const char *id, *desc = kp_get(c, "Description");
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r != ERR_OK)
		return r;
	if (desc == NULL) {
		c->err_param = "Description";
		return ERR_KMS_MISSING_PARAMETER;
	}
	c->err_param = "Description";
	return kms_key_set_description(c->api->kms, &c->who, id, desc);
}

static enum err
a_set_deletion_protection(struct kms_call *c)
{
	const char *arn = kp_get(c, "ProtectedResourceArn");
	const char *flag;
	bool on;
	enum err r;

	/* KMS: the key is named by its ARN here; a KeyId is accepted too. */
	if (arn == NULL || arn[0] == '\0')
		arn = kp_get(c, "KeyId");
	if (arn == NULL || arn[0] == '\0') {
		c->err_param = "ProtectedResourceArn";
		return ERR_KMS_MISSING_PARAMETER;
	}
	r = kp_need(c, "EnableDeletionProtection", &flag);
	if (r == ERR_OK)
		r = kp_bool(c, "EnableDeletionProtection", false, &on);
	if (r != ERR_OK)
		return r;
	c->err_param = "DeletionProtectionDescription";
	return kms_key_set_deletion_protection(c->api->kms, &c->who, arn, on,
	    kp_get(c, "DeletionProtectionDescription"));
}

/* ---- cryptographic operations ---- */

static enum err
a_encrypt(struct kms_call *c)
{
	char *blob;
	struct kms_crypto_result res;
	const char *id, *plain;
	struct kv *ctx;
	size_t nctx;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_need(c, "Plaintext", &plain);
	if (r == ERR_OK)
		r = kp_context(c, "EncryptionContext", &ctx, &nctx);
	if (r != ERR_OK)
		return r;
	/* KMS: Plaintext is an opaque string of at most 6 KB, returned
	 * unchanged by Decrypt (spec §1.2). A parameter error comes before
	 * any look-up of the key. */
	if (strlen(plain) > KMS_PLAINTEXT_MAX) {
		c->err_param = "Plaintext";
		return ERR_INVALID_ARGUMENT;
	}
	blob = arena_alloc(c->a, KMS_BLOB_B64_MAX);
	if (blob == NULL)
		return ERR_NOMEM;
	c->err_param = "EncryptionContext";
	r = kms_encrypt(c->api->kms, &c->who, id, ctx, nctx, plain,
	    strlen(plain), blob, &res);
	if (r != ERR_OK)
		return r;
	json_str(&c->w, "CiphertextBlob", blob);
	json_str(&c->w, "KeyId", res.key_id);
	json_str(&c->w, "KeyVersionId", res.version_id);
	return ERR_OK;
}

static enum err
a_decrypt(struct kms_call *c)
{
	uint8_t plain[KMS_PLAINTEXT_MAX];
	struct kms_crypto_result res;
	const char *blob;
	struct kv *ctx;
	size_t nctx, n = 0;
	enum err r;

	r = kp_need(c, "CiphertextBlob", &blob);
	if (r == ERR_OK)
		r = kp_context(c, "EncryptionContext", &ctx, &nctx);
	if (r != ERR_OK)
		return r;
	c->err_param = "EncryptionContext";
	r = kms_decrypt(c->api->kms, &c->who, blob, ctx, nctx, plain, &n, &res);
	if (r == ERR_OK) {
		json_str(&c->w, "KeyId", res.key_id);
		json_str(&c->w, "KeyVersionId", res.version_id);
		json_str_n(&c->w, "Plaintext", (const char *)plain, n);
	}
	explicit_bzero(plain, sizeof(plain));
	return r;
}

static enum err
data_key(struct kms_call *c, bool with_plaintext)
{
	char plain[KMS_DATA_KEY_B64_MAX];
	char *blob;
	struct kms_crypto_result res;
	const char *id, *spec = kp_get(c, "KeySpec");
	struct kv *ctx;
	size_t nctx;
	uint64_t nbytes;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_context(c, "EncryptionContext", &ctx, &nctx);
	if (r != ERR_OK)
		return r;
	/* KMS: NumberOfBytes (1-1024) wins over KeySpec (AES_256: 32,
	 * AES_128: 16); the default is 32. */
	if (spec != NULL && spec[0] != '\0' && strcmp(spec, "AES_256") != 0 &&
	    strcmp(spec, "AES_128") != 0) {
		c->err_param = "KeySpec";
		return ERR_INVALID_ARGUMENT;
	}
	r = kp_u64(c, "NumberOfBytes", 1, KMS_DATA_KEY_MAX,
	    spec != NULL && strcmp(spec, "AES_128") == 0 ? 16 : 32, &nbytes);
	if (r != ERR_OK)
		return r;
	blob = arena_alloc(c->a, KMS_BLOB_B64_MAX);
	if (blob == NULL)
		return ERR_NOMEM;
	c->err_param = "EncryptionContext";
	r = kms_generate_data_key(c->api->kms, &c->who, id, ctx, nctx,
	    (size_t)nbytes, with_plaintext ? plain : NULL, blob, &res);
	if (r == ERR_OK) {
		json_str(&c->w, "CiphertextBlob", blob);
		json_str(&c->w, "KeyId", res.key_id);
		json_str(&c->w, "KeyVersionId", res.version_id);
		if (with_plaintext)
			json_str(&c->w, "Plaintext", plain);
	}
	explicit_bzero(plain, sizeof(plain));
	return r;
}

static enum err
a_generate_data_key(struct kms_call *c)
{
	return data_key(c, true);
}

static enum err
a_generate_data_key_without_plaintext(struct kms_call *c)
{
	return data_key(c, false);
}

static enum err
a_reencrypt(struct kms_call *c)
{
	struct kms_crypto_result dst, src;
	const char *blob, *dest;
	char *out;
	struct kv *sctx, *dctx;
	size_t ns, nd;
	enum err r;

	r = kp_need(c, "CiphertextBlob", &blob);
	if (r == ERR_OK)
		r = kp_need(c, "DestinationKeyId", &dest);
	if (r == ERR_OK)
		r = kp_context(c, "SourceEncryptionContext", &sctx, &ns);
	if (r == ERR_OK)
		r = kp_context(c, "DestinationEncryptionContext", &dctx, &nd);
	if (r != ERR_OK)
		return r;
	out = arena_alloc(c->a, KMS_BLOB_B64_MAX);
	if (out == NULL)
		return ERR_NOMEM;
	c->err_param = "SourceEncryptionContext";
	r = kms_reencrypt(c->api->kms, &c->who, blob, sctx, ns, dest, dctx, nd,
	    out, &dst, &src);
	if (r != ERR_OK)
		return r;
	json_str(&c->w, "CiphertextBlob", out);
	json_str(&c->w, "KeyId", dst.key_id);
	json_str(&c->w, "KeyVersionId", dst.version_id);
	json_str(&c->w, "SourceKeyId", src.key_id);
	json_str(&c->w, "SourceKeyVersionId", src.version_id);
	return ERR_OK;
}

/* ---- BYOK ---- */

static enum err
a_get_parameters_for_import(struct kms_call *c)
{
	struct kms_import_params p;
	const char *id, *alg, *spec;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_need(c, "WrappingAlgorithm", &alg);
	if (r == ERR_OK)
		r = kp_need(c, "WrappingKeySpec", &spec);
	if (r != ERR_OK)
		return r;
	c->err_param = strcmp(spec, "RSA_2048") != 0 ? "WrappingKeySpec" :
	    "WrappingAlgorithm";
	r = kms_import_params_get(c->api->kms, &c->who, id, alg, spec, &p);
	if (r != ERR_OK)
		return r;
	json_str(&c->w, "KeyId", p.key_id);
	json_str(&c->w, "ImportToken", p.token);
	json_str(&c->w, "PublicKey", p.public_key_b64);
	put_time(&c->w, "TokenExpireTime", p.expire_ms);
	return ERR_OK;
}

static enum err
a_import_key_material(struct kms_call *c)
{
	const char *id, *material, *token;
	uint64_t expire;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_need(c, "EncryptedKeyMaterial", &material);
	if (r == ERR_OK)
		r = kp_need(c, "ImportToken", &token);
	if (r == ERR_OK)
		r = kp_u64(c, "KeyMaterialExpireUnix", 0, INT64_MAX / 1000, 0,
		    &expire);
	if (r != ERR_OK)
		return r;
	c->err_param = "KeyMaterialExpireUnix";
	return kms_import_material(c->api->kms, &c->who, id, token, material,
	    (int64_t)expire);
}

/* ---- aliases ---- */

static enum err
alias_op(struct kms_call *c, enum err (*fn)(struct kms *,
    const struct kms_caller *, const char *, const char *))
{
	const char *alias, *id;
	enum err r;

	r = kp_need(c, "AliasName", &alias);
	if (r == ERR_OK)
		r = kp_need(c, "KeyId", &id);
	if (r != ERR_OK)
		return r;
	c->err_param = "AliasName";
	return fn(c->api->kms, &c->who, alias, id);
}

static enum err
a_create_alias(struct kms_call *c)
{
	return alias_op(c, kms_alias_create);
}

static enum err
a_update_alias(struct kms_call *c)
{
	return alias_op(c, kms_alias_update);
}

static enum err
a_delete_alias(struct kms_call *c)
{
	const char *alias;
	enum err r;

	r = kp_need(c, "AliasName", &alias);
	if (r != ERR_OK)
		return r;
	return kms_alias_delete(c->api->kms, &c->who, alias);
}

static void
list_alias(void *ctx, const struct kms_alias_info *a)
{
	struct kms_call *c = ctx;

	json_obj_open(&c->w, NULL);
	json_str(&c->w, "AliasName", a->name);
	json_str(&c->w, "KeyId", a->key_id);
	json_str(&c->w, "AliasArn", alias_arn(c, a->name));
	json_obj_close(&c->w);
}

static enum err
aliases(struct kms_call *c, const char *key_ref)
{
	uint64_t number, size, total = 0;
	enum err r;

	r = kp_page(c, &number, &size);
	if (r != ERR_OK)
		return r;
	json_obj_open(&c->w, "Aliases");
	json_arr_open(&c->w, "Alias");
	r = kms_alias_list(c->api->kms, &c->who, key_ref, (number - 1) * size,
	    size, list_alias, c, &total);
	json_arr_close(&c->w);
	json_obj_close(&c->w);
	if (r == ERR_OK)
		put_page(c, total, number, size);
	return r;
}

static enum err
a_list_aliases(struct kms_call *c)
{
	return aliases(c, NULL);
}

static enum err
a_list_aliases_by_key_id(struct kms_call *c)
{
	const char *id;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r != ERR_OK)
		return r;
	return aliases(c, id);
}

/* ---- versions and rotation ---- */

static void
put_version(struct kms_call *c, const char *key,
    const struct kms_version_info *v)
{
	json_obj_open(&c->w, key);
	json_str(&c->w, "KeyId", v->key_id);
	json_str(&c->w, "KeyVersionId", v->version_id);
	put_time(&c->w, "CreationDate", v->created_ms);
	json_obj_close(&c->w);
}

static enum err
a_create_key_version(struct kms_call *c)
{
	struct kms_version_info v;
	const char *id;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kms_key_version_create(c->api->kms, &c->who, id, &v);
	if (r == ERR_OK)
		put_version(c, "KeyVersion", &v);
	return r;
}

static enum err
a_describe_key_version(struct kms_call *c)
{
	struct kms_version_info v;
	const char *id, *ver;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_need(c, "KeyVersionId", &ver);
	if (r == ERR_OK)
		r = kms_key_version_describe(c->api->kms, &c->who, id, ver, &v);
	if (r == ERR_OK)
		put_version(c, "KeyVersion", &v);
	return r;
}

static void
list_version(void *ctx, const struct kms_version_info *v)
{
	put_version(ctx, NULL, v);
}

static enum err
a_list_key_versions(struct kms_call *c)
{
	uint64_t number, size, total = 0;
	const char *id;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_page(c, &number, &size);
	if (r != ERR_OK)
		return r;
	json_obj_open(&c->w, "KeyVersions");
	json_arr_open(&c->w, "KeyVersion");
	r = kms_key_version_list(c->api->kms, &c->who, id, (number - 1) * size,
	    size, list_version, c, &total);
	json_arr_close(&c->w);
	json_obj_close(&c->w);
	if (r == ERR_OK)
		put_page(c, total, number, size);
	return r;
}

static enum err
a_update_rotation_policy(struct kms_call *c)
{
	const char *id, *flag;
	int64_t interval;
	bool on;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_need(c, "EnableAutomaticRotation", &flag);
	if (r == ERR_OK)
		r = kp_bool(c, "EnableAutomaticRotation", false, &on);
	if (r == ERR_OK)
		r = interval_param(c, "RotationInterval", &interval);
	if (r != ERR_OK)
		return r;
	c->err_param = "RotationInterval";
	return kms_key_set_rotation(c->api->kms, &c->who, id, on, interval);
}

/* ---- tags ---- */

static enum err
a_tag_resource(struct kms_call *c)
{
	struct kms_tag *tags;
	const char *id, *json;
	size_t n;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_need(c, "Tags", &json);
	if (r == ERR_OK)
		r = kp_tags(c, "Tags", &tags, &n);
	if (r != ERR_OK)
		return r;
	c->err_param = "Tags";
	return kms_tag_add(c->api->kms, &c->who, id, tags, n);
}

static enum err
a_untag_resource(struct kms_call *c)
{
	const char **keys;
	const char *id, *json;
	size_t n;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r == ERR_OK)
		r = kp_need(c, "TagKeys", &json);
	if (r == ERR_OK)
		r = kp_strings(c, "TagKeys", &keys, &n);
	if (r != ERR_OK)
		return r;
	c->err_param = "TagKeys";
	return kms_tag_remove(c->api->kms, &c->who, id, keys, n);
}

static void
list_tag(void *ctx, const char *key_id, const char *tag_key,
    const char *tag_value)
{
	struct kms_call *c = ctx;

	json_obj_open(&c->w, NULL);
	json_str(&c->w, "KeyId", key_id);
	json_str(&c->w, "TagKey", tag_key);
	json_str(&c->w, "TagValue", tag_value);
	json_obj_close(&c->w);
}

static enum err
a_list_resource_tags(struct kms_call *c)
{
	const char *id;
	enum err r;

	r = kp_need(c, "KeyId", &id);
	if (r != ERR_OK)
		return r;
	json_obj_open(&c->w, "Tags");
	json_arr_open(&c->w, "Tag");
	r = kms_tag_list(c->api->kms, &c->who, id, list_tag, c);
	json_arr_close(&c->w);
	json_obj_close(&c->w);
	return r;
}

static enum err
a_describe_regions(struct kms_call *c)
{
	json_obj_open(&c->w, "Regions");
	json_arr_open(&c->w, "Region");
	json_obj_open(&c->w, NULL);
	json_str(&c->w, "RegionId", c->api->region);
	json_obj_close(&c->w);
	json_arr_close(&c->w);
	json_obj_close(&c->w);
	return ERR_OK;
}

const struct kms_route kms_routes[] = {
	{ "CancelKeyDeletion", a_cancel_key_deletion, true },
	{ "CreateAlias", a_create_alias, true },
	{ "CreateKey", a_create_key, true },
	{ "CreateKeyVersion", a_create_key_version, true },
	{ "Decrypt", a_decrypt, false },
	{ "DeleteAlias", a_delete_alias, true },
	{ "DeleteKeyMaterial", a_delete_key_material, true },
	{ "DescribeKey", a_describe_key, false },
	{ "DescribeKeyVersion", a_describe_key_version, false },
	{ "DescribeRegions", a_describe_regions, false },
	{ "DisableKey", a_disable_key, true },
	{ "EnableKey", a_enable_key, true },
	{ "Encrypt", a_encrypt, false },
	{ "GenerateDataKey", a_generate_data_key, false },
	{ "GenerateDataKeyWithoutPlaintext",
	    a_generate_data_key_without_plaintext, false },
	{ "GetParametersForImport", a_get_parameters_for_import, true },
	{ "ImportKeyMaterial", a_import_key_material, true },
	{ "ListAliases", a_list_aliases, false },
	{ "ListAliasesByKeyId", a_list_aliases_by_key_id, false },
	{ "ListKeyVersions", a_list_key_versions, false },
	{ "ListKeys", a_list_keys, false },
	{ "ListResourceTags", a_list_resource_tags, false },
	{ "ReEncrypt", a_reencrypt, false },
	{ "ScheduleKeyDeletion", a_schedule_key_deletion, true },
	{ "SetDeletionProtection", a_set_deletion_protection, true },
	{ "TagResource", a_tag_resource, true },
	{ "UntagResource", a_untag_resource, true },
	{ "UpdateAlias", a_update_alias, true },
	{ "UpdateKeyDescription", a_update_key_description, true },
	{ "UpdateRotationPolicy", a_update_rotation_policy, true },
};
const size_t kms_nroutes = sizeof(kms_routes) / sizeof(kms_routes[0]);
