/* SPDX-License-Identifier: ISC */
/*
 * postobject.c: PostObject, the browser form upload (spec oss-api-2.md §4).
 *
 * The form streams through codec/form.c. Fields before the file part are
 * held (at most POST_PRE_MAX bytes of values); when the file part begins,
 * the whole request is decided before a byte of the file is taken: the
 * policy's signature (V1 or V4), its expiration and conditions, access,
 * the key, the object's headers and encryption, forbid-overwrite and
 * retention. From there on it is PutObject (object_put_begin and
 * object_put_commit, object_ops.c): the same upload, the same commit, so
 * the same refusals. Parts after the file are ignored, as OSS does.
 *
 * Form fields stand in for the request headers PutObject reads: the
 * request's own object headers (its Content-Type is multipart/form-data)
 * are dropped, so object_prepare and friends see the form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oss/object_ops.h"
#include "object/upload.h"
#include "base/str.h"
#include "codec/form.h"
#include "codec/post_policy.h"
#include "codec/xml.h"
#include "hash/hash.h"

/* V4 (oss-api-2.md §4.3): x-oss-date at most 15 minutes ahead of the
 * server's clock, and the form valid at most 7 days after it. */
#define POST_V4_SKEW_MS		(15LL * 60 * 1000)
#define POST_V4_VALID_MS	(7LL * 24 * 3600 * 1000)

/* Values of the fields before the file, all together. */
#define POST_PRE_MAX	(64 * 1024)
#define POST_FIELDS_MAX	128

enum post_phase { P_FIELDS, P_FILE, P_DONE };

struct form_op {
	struct form	 form;
	struct kv	 field[POST_FIELDS_MAX];
	size_t		 nfields;
	size_t		 pre_bytes;
	const char	*cur;		/* name of the field being read */
	enum post_phase	 phase;
	const char	*filename;
	const char	*file_type;
	struct object_put put;
	uint64_t	 len;
	bool		 ranged;
	int64_t		 min, max;
};

static const char *
field(const struct form_op *op, const char *name)
{
	for (size_t i = 0; i < op->nfields; i++)
		if (strcasecmp(op->field[i].name, name) == 0)
			return op->field[i].value;
	return NULL;
}

enum err
h_post_object_begin(struct call *c)
{
	struct form_op *op;
	enum err r;

	op = arena_zalloc(c->a, sizeof(*op));
	if (op == NULL)
		return ERR_NOMEM;
	c->op = op;
	r = form_init(&op->form, call_header(c, "content-type"));
	if (r != ERR_OK)
		return r;
	buf_init(&c->body, POST_PRE_MAX);
	return ERR_OK;
}

/* The headers an object takes from the form; the request's own go. */
static bool
form_object_header(const char *lname)
{
	return str_has_prefix(lname, "content-") ||
	    strcmp(lname, "cache-control") == 0 ||
	    strcmp(lname, "expires") == 0 ||
	    str_has_prefix(lname, "x-oss-");
}

static enum err
form_as_headers(struct call *c, struct form_op *op)
{
	struct http_request *req = c->req;
	const char *ct;
	struct kv *h;
	size_t n = 0;

	h = arena_alloc(c->a, (req->nheaders + op->nfields + 1) * sizeof(*h));
	if (h == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < req->nheaders; i++)
		if (!form_object_header(req->headers[i].name))
			h[n++] = req->headers[i];
	for (size_t i = 0; i < op->nfields; i++) {
		char *name = arena_strdup(c->a, op->field[i].name);

		if (name == NULL)
			return ERR_NOMEM;
		str_lower(name);
		/* x-oss-tagging cannot be set by a form (PostObject page);
		 * the signature fields are not headers of the object. */
		if (!form_object_header(name) || strcmp(name, "content-type") == 0 ||
		    strcmp(name, "x-oss-tagging") == 0 ||
		    strcmp(name, "x-oss-content-type") == 0 ||
		    str_has_prefix(name, "x-oss-signature") ||
		    strcmp(name, "x-oss-credential") == 0 ||
		    strcmp(name, "x-oss-date") == 0 ||
		    strcmp(name, "x-oss-security-token") == 0)
			continue;
		h[n].name = name;
		h[n++].value = op->field[i].value;
	}
	/* x-oss-content-type, then the Content-Type field, then the file
	 * part's own (oss-api-2.md §4.2). */
	ct = field(op, "x-oss-content-type");
	if (ct == NULL)
		ct = field(op, "content-type");
	if (ct == NULL)
		ct = op->file_type;
	if (ct != NULL) {
		h[n].name = "content-type";
		h[n++].value = ct;
	}
	req->headers = h;
	req->nheaders = n;
	return ERR_OK;
}

/* AK/yyyymmdd/region/oss/aliyun_v4_request; the SignDate's form is
 * checked by the caller (it has an error of its own). */
static bool
parse_credential(struct call *c, const char *cred, char **ak, char **date,
    char **region)
{
	char *s = arena_strdup(c->a, cred), *part[5];
	size_t n = 0;

	if (s == NULL)
		return false;
	for (char *p = s; n < 5; n++) {
		part[n] = p;
		p = strchr(p, '/');
		if (p == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n != 5 || strchr(part[4], '/') != NULL || *part[0] == '\0' ||
	    *part[1] == '\0' || *part[2] == '\0' ||
	    strcmp(part[3], "oss") != 0 ||
	    strcmp(part[4], "aliyun_v4_request") != 0)
		return false;
	*ak = part[0];
	*date = part[1];
	*region = part[2];
	return true;
}

/* The V4 fields but the signature: the version, the credential and its
 * SignDate, x-oss-date on that day and within its window. */
static enum err
check_v4_fields(struct call *c, struct form_op *op, char **ak, char **day,
    char **region)
{
	const char *v4 = field(op, "x-oss-signature-version");
	const char *cred = field(op, "x-oss-credential");
	const char *xdate = field(op, "x-oss-date");
	const char *midnight;
	char t[TIME_ISO_BYTES];
	int64_t sign_ms, req_ms, now = call_now(c);

	if (strcmp(v4, "OSS4-HMAC-SHA256") != 0) {
		c->x.arg_name = "x-oss-signature-version";
		c->x.arg_value = v4;
		return ERR_INVALID_ARGUMENT;
	}
	if (cred == NULL || !parse_credential(c, cred, ak, day, region))
		return ERR_POST_BAD_CREDENTIAL;
	midnight = arena_printf(c->a, "%sT000000Z", *day);
	if (midnight == NULL)
		return ERR_NOMEM;
	if (strspn(*day, "0123456789") != 8 ||
	    !time_parse_basic(midnight, &sign_ms))
		return ERR_POST_BAD_SIGN_DATE;
	/* As a header-signed V4 request without a valid x-oss-date. */
	if (xdate == NULL || !time_parse_basic(xdate, &req_ms))
		return ERR_DATE_MISSING;
	if (strncmp(xdate, *day, 8) != 0)
		return ERR_POST_BAD_SIGN_DATE;
	if (req_ms - now > POST_V4_SKEW_MS) {
		time_fmt_iso_ms(t, req_ms);
		c->x.request_time = arena_strdup(c->a, t);
		time_fmt_iso_ms(t, now);
		c->x.server_time = arena_strdup(c->a, t);
		return ERR_TIME_SKEWED;
	}
	if (now - req_ms > POST_V4_VALID_MS)
		return ERR_REQUEST_EXPIRED;
	return ERR_OK;
}

/* The policy's signature: who is asking. No policy and no signature: an
 * anonymous form. */
static enum err
check_signature(struct call *c, struct form_op *op, const char **ret_policy)
{
	const char *policy = field(op, "policy");
	const char *v4 = field(op, "x-oss-signature-version");
	const char *ak = NULL, *sig;
	char *cak = NULL, *date = NULL, *region = NULL;
	char *secret = NULL;
	size_t cap = 0;
	enum err r;

	*ret_policy = policy;
	if (v4 != NULL) {
		r = check_v4_fields(c, op, &cak, &date, &region);
		if (r != ERR_OK)
			return r;
		sig = field(op, "x-oss-signature");
		ak = cak;
	} else {
		ak = field(op, "OSSAccessKeyId");
		sig = field(op, "Signature");
		if (ak == NULL && sig == NULL && policy == NULL)
			return ERR_OK;
		if (ak == NULL || *ak == '\0')
			return ERR_POST_NO_AK;
	}
	if (sig == NULL || *sig == '\0')
		return ERR_POST_NO_SIGNATURE;
	if (policy == NULL || *policy == '\0')
		return ERR_POST_NO_POLICY;
	c->claimed_ak = ak;
	r = api_secret_open(c->api, ak, &c->account, &secret,
	    &cap);
	if (r == ERR_INVALID_ACCESS_KEY_ID)
		c->x.ak = ak;
	if (r != ERR_OK)
		return r;
	if (v4 != NULL) {
		char want[65];

		auth_v4_sign(want, secret, date, region, "oss", policy,
		    strlen(policy));
		r = strlen(sig) == 64 && hash_equal(want, sig, 64) ? ERR_OK :
		    ERR_SIGNATURE_MISMATCH_V4;
		explicit_bzero(want, sizeof(want));
	} else {
		uint8_t mac[HASH_SHA1_BYTES];
		char want[32];

		if (!hash_hmac_sha1(mac, secret, strlen(secret), policy,
		    strlen(policy)))
			r = ERR_INTERNAL;
		else {
			b64_encode(want, sizeof(want), mac, sizeof(mac));
			r = strlen(sig) == strlen(want) &&
			    hash_equal(want, sig, strlen(want)) ? ERR_OK :
			    ERR_SIGNATURE_MISMATCH;
		}
		explicit_bzero(mac, sizeof(mac));
		explicit_bzero(want, sizeof(want));
	}
	explicit_bzero(secret, cap);
	free(secret);
	if (r == ERR_SIGNATURE_MISMATCH || r == ERR_SIGNATURE_MISMATCH_V4) {
		c->x.ak = ak;
		c->x.sig = sig;
		c->x.sts = policy;
		return r;
	}
	if (r != ERR_OK)
		return r;
	c->anonymous = false;
	c->authed = true;
	return ERR_OK;
}

static bool
cond_holds(const struct post_cond *pc, const char *v)
{
	switch (pc->op) {
	case POST_EQ:
		return v != NULL && strcmp(v, pc->value) == 0;
	case POST_STARTS_WITH:
		return str_has_prefix(v != NULL ? v : "", pc->value);
	case POST_IN:
	case POST_NOT_IN:
		for (size_t i = 0; i < pc->nlist; i++)
			if (v != NULL && strcmp(v, pc->list[i]) == 0)
				return pc->op == POST_IN;
		return pc->op == POST_NOT_IN;
	case POST_RANGE:
	default:
		return true;	/* the file's length, checked as it comes */
	}
}

/* A V4 policy must name the signature fields (§4.3); those it names are
 * checked with the other conditions. */
static const char *const v4_signed_fields[] = {
	"x-oss-signature-version", "x-oss-credential", "x-oss-date",
};

static enum err
check_v4_named(struct call *c, struct form_op *op,
    const struct post_policy *pol)
{
	size_t nf = sizeof(v4_signed_fields) / sizeof(v4_signed_fields[0]);

	for (size_t f = 0; f < nf; f++) {
		const char *name = v4_signed_fields[f];
		bool named = false;

		for (size_t i = 0; i < pol->ncond && !named; i++)
			named = strcmp(pol->cond[i].field, name) == 0;
		if (!named) {
			c->x.message = arena_printf(c->a, "Invalid according "
			    "to Policy: Policy Condition failed: [\"eq\", "
			    "\"$%s\", \"%s\"]", name, field(op, name));
			return ERR_POLICY_CONDITION;
		}
	}
	return ERR_OK;
}

static enum err
check_policy(struct call *c, struct form_op *op, const char *b64)
{
	struct post_policy pol;
	size_t n = strlen(b64);
	char *json;
	int64_t exp;
	int len;
	enum err r;

	json = arena_alloc(c->a, n + 1);
	if (json == NULL)
		return ERR_NOMEM;
	len = b64_decode(json, n + 1, b64, n);
	if (len < 0)
		return ERR_POLICY_JSON;
	r = post_policy_parse(c->a, json, (size_t)len, &pol);
	if (r != ERR_OK)
		return r;
	if (!time_parse_iso(pol.expiration, &exp))
		return ERR_POLICY_BAD_EXPIRATION;
	if (exp < call_now(c))
		return ERR_POLICY_EXPIRED;
	for (size_t i = 0; i < pol.ncond; i++) {
		const struct post_cond *pc = &pol.cond[i];
		const char *v;

		if (pc->op == POST_RANGE) {
			op->ranged = true;
			op->min = pc->min;
			op->max = pc->max;
			continue;
		}
		v = strcmp(pc->field, "bucket") == 0 ? c->bucket.name :
		    field(op, pc->field);
		if (!cond_holds(pc, v)) {
			c->x.message = arena_printf(c->a, "Invalid according "
			    "to Policy: Policy Condition failed: %s", pc->text);
			return ERR_POLICY_CONDITION;
		}
	}
	if (field(op, "x-oss-signature-version") != NULL)
		return check_v4_named(c, op, &pol);
	return ERR_OK;
}

/* The key field with ${filename} replaced by the file's name. */
static const char *
object_key(struct call *c, const char *key, const char *filename)
{
	const char *at = strstr(key, "${filename}");

	if (at == NULL)
		return key;
	return arena_printf(c->a, "%.*s%s%s", (int)(at - key), key,
	    filename != NULL ? filename : "", at + 11);
}

/* The file part begins: decide everything. */
static enum err
post_start(struct call *c, struct form_op *op)
{
	const char *policy, *key;
	enum err r;

	key = field(op, "key");
	if (key == NULL)
		return ERR_POST_FILE_COUNT;
	r = check_signature(c, op, &policy);
	if (r == ERR_OK && policy != NULL)
		r = check_policy(c, op, policy);
	if (r != ERR_OK)
		return r;
	key = object_key(c, key, op->filename);
	if (key == NULL)
		return ERR_NOMEM;
	if (!bucket_key_valid(key, strlen(key))) {
		c->x.key = key;
		return ERR_INVALID_OBJECT_NAME;
	}
	c->key = key;
	r = form_as_headers(c, op);
	if (r != ERR_OK)
		return r;
	/* Who signed the form may write the key as PutObject (§5.6 maps
	 * PostObject to oss:PutObject): bucket policy, with the form's
	 * fields as the request's headers, then the bucket's ACL. */
	r = access_object(c, &c->bucket, "oss:PutObject", key, NULL, true);
	if (r != ERR_OK)
		return r;
	return object_put_begin(c, &op->put);
}

static enum err
part_begin(void *ctx, const struct form_part *part)
{
	struct call *c = ctx;
	struct form_op *op = c->op;

	if (strcasecmp(part->name, "file") == 0) {
		const char *slash;

		op->phase = P_FILE;
		/* A browser sends the bare name; some send a path. */
		if (part->filename != NULL) {
			slash = strrchr(part->filename, '/');
			op->filename = arena_strdup(c->a, slash != NULL ?
			    slash + 1 : part->filename);
		}
		if (part->content_type != NULL)
			op->file_type = arena_strdup(c->a, part->content_type);
		return post_start(c, op);
	}
	if (op->nfields == POST_FIELDS_MAX)
		return ERR_POST_PRE_DATA_TOO_LARGE;
	op->cur = arena_strdup(c->a, part->name);
	c->body.len = 0;
	return op->cur != NULL ? ERR_OK : ERR_NOMEM;
}

static enum err
part_data(void *ctx, const char *p, size_t n)
{
	struct call *c = ctx;
	struct form_op *op = c->op;

	if (op->phase == P_FILE) {
		op->len += n;
		if (op->ranged && op->len > (uint64_t)op->max)
			return ERR_ENTITY_TOO_LARGE;
		return upload_write(c->upload, p, n);
	}
	op->pre_bytes += n;
	if (op->pre_bytes > POST_PRE_MAX)
		return ERR_POST_PRE_DATA_TOO_LARGE;
	return buf_append(&c->body, p, n);
}

static enum err
part_end(void *ctx)
{
	struct call *c = ctx;
	struct form_op *op = c->op;
	char *v;

	if (op->phase == P_FILE) {
		op->phase = P_DONE;
		return ERR_OK;
	}
	v = arena_alloc(c->a, c->body.len + 1);
	if (v == NULL)
		return ERR_NOMEM;
	memcpy(v, c->body.len ? c->body.data : "", c->body.len);
	v[c->body.len] = '\0';
	op->field[op->nfields].name = op->cur;
	op->field[op->nfields++].value = v;
	return ERR_OK;
}

static const struct form_cb post_cb = { part_begin, part_data, part_end };

enum err
post_object_body(struct call *c, const char *p, size_t n)
{
	struct form_op *op = c->op;

	if (op->phase == P_DONE)
		return ERR_OK;	/* what follows the file is ignored */
	return form_feed(&op->form, p, n, &post_cb, c);
}

/* 201: the PostResponse document. */
static enum err
post_response(struct call *c, const struct object *o)
{
	const char *host = call_header(c, "host");
	struct xml_writer w;
	struct buf b, k;
	enum err r;

	buf_init(&k, 4096);
	r = url_encode(&k, o->key, strlen(o->key), true);
	if (r != ERR_OK)
		return r;
	buf_init(&b, 64 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "PostResponse");
	xml_elem(&w, "Bucket", c->bucket.name);
	xml_elemf(&w, "Location", "http://%s/%s", host != NULL ? host : "",
	    buf_cstr(&k));
	xml_elem(&w, "Key", o->key);
	xml_elemf(&w, "ETag", "\"%s\"", o->etag);
	xml_close(&w, "PostResponse");
	buf_free(&k);
	r = xml_writer_finish(&w);
	if (r == ERR_OK)
		call_resp_buf(c, 201, "application/xml", &b);
	return r;
}

static enum err
post_redirect(struct call *c, const char *to, const struct object *o)
{
	struct buf b;
	enum err r;

	buf_init(&b, 16 * 1024);
	r = buf_printf(&b, "%s%sbucket=", to, strchr(to, '?') ? "&" : "?");
	if (r == ERR_OK)
		r = url_encode(&b, c->bucket.name, strlen(c->bucket.name),
		    false);
	if (r == ERR_OK)
		r = buf_puts(&b, "&key=");
	if (r == ERR_OK)
		r = url_encode(&b, o->key, strlen(o->key), false);
	if (r == ERR_OK)
		r = buf_printf(&b, "&etag=%%22%s%%22", o->etag);
	if (r != ERR_OK)
		return r;
	(void)call_resp_header(c, "Location", buf_cstr(&b));
	buf_free(&b);
	call_resp_empty(c, 303);
	return ERR_OK;
}

enum err
h_post_object(struct call *c)
{
	struct form_op *op = c->op;
	const struct object *o = &op->put.o;
	const char *status, *redirect;
	enum err r;

	if (op->phase == P_FIELDS)
		return form_complete(&op->form) ? ERR_POST_FILE_COUNT :
		    ERR_POST_MALFORMED;
	if (op->phase == P_FILE)
		return ERR_POST_MALFORMED;	/* the body ended in the file */
	if (op->ranged && op->len < (uint64_t)op->min)
		return ERR_ENTITY_TOO_SMALL;
	r = object_put_commit(c, &op->put);
	if (r != ERR_OK)
		return r;
	redirect = field(op, "success_action_redirect");
	if (redirect != NULL && *redirect != '\0')
		return post_redirect(c, redirect, o);
	status = field(op, "success_action_status");
	if (status != NULL && strcmp(status, "201") == 0)
		return post_response(c, o);
	call_resp_empty(c, status != NULL && strcmp(status, "200") == 0 ?
	    200 : 204);
	return ERR_OK;
}
