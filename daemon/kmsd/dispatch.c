/* SPDX-License-Identifier: ISC */
/*
 * dispatch.c: the request pipeline of the KMS listener (spec
 * kms-api.md §1-2; clients.md §2, §4.2b).
 *
 *   method/size -> [body] -> decode query + form -> authenticate (v1 or
 *   ACS3, then the nonce) -> Action/Version -> action table -> handler ->
 *   audit -> JSON reply or JSON error -> access log
 *
 * Every reply, success or error, is a JSON object (the SDK throws on
 * anything else), errors carry Code/Message/RequestId with a 4xx/5xx
 * status, and kms_error_render is the only code that builds an error body.
 * Parameters may come in the query string or a form body with GET or POST;
 * both clients put them in the query, Terraform in the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kmsd/kmsd_int.h"
#include "base/clock.h"
#include "base/crash.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/str.h"
#include "codec/xml.h"
#include "db/state_version.h"

/*
 * /-/metrics counts KMS requests by action and by the Code the client saw
 * (several error values share one Code: result_of maps each to its Code's
 * row, so that no series repeats). Built once; the tables are the same for
 * every kmsd_open.
 */
static const char *result_names[ERR__COUNT];
static unsigned result_of[ERR__COUNT];
static unsigned nresult_names;

/* The Code of the error document kms_error_render writes for e. */
static const char *
wire_code(enum err e)
{
	const struct err_info *ei = err_info(e);
	int status = ei->kms_http != 0 ? ei->kms_http : ei->http;

	if (e == ERR_OK)
		return "Success";
	if (ei->kms_code != NULL)
		return ei->kms_code;
	return status >= 500 ? "InternalFailure" : "InvalidParameter";
}

static const char *
result_name(unsigned i)
{
	return i < nresult_names ? result_names[i] : NULL;
}

/* Actions, then "Health" (KMS_HEALTH_INDEX), then what matched nothing. */
#define KMS_HEALTH_INDEX ((unsigned)kms_nroutes)

static enum err
stats_init(struct api *api)
{
	const char **names;
	enum err r;

	if (nresult_names == 0)
		for (unsigned e = 0; e < ERR__COUNT; e++) {
			const char *code = wire_code((enum err)e);
			unsigned j;

			for (j = 0; j < nresult_names; j++)
				if (strcmp(result_names[j], code) == 0)
					break;
			if (j == nresult_names)
				result_names[nresult_names++] = code;
			result_of[e] = j;
		}
	names = calloc(kms_nroutes + 1, sizeof(*names));
	if (names == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < kms_nroutes; i++)
		names[i] = kms_routes[i].action;
	names[KMS_HEALTH_INDEX] = "Health";
	r = reqstats_init(&api->kms_stats, "kms", "action", names,
	    (unsigned)kms_nroutes + 1, nresult_names, result_name);
	free(names);
	return r;
}

enum err
kmsd_open(struct api *api, const struct kmsd_settings *s,
    struct kmsd **ret)
{
	uint8_t key[KMS_NONCE_KEY_BYTES];
	struct auth_nonce_settings ns = {
		.max_per_generation = KMS_NONCES_MAX,
		.key = key,
		.dir = s->nonce_dir,
		/* Every node of a cluster sees every used nonce. */
		.db = db_is_pg(api->db) ? api->db : NULL,
		.boot_id = s->test_boot_id,
		.had_state = s->had_state,
		.now_ms = clock_wall_ms(),
	};
	struct kmsd *k;
	enum err r;

	_Static_assert(KMS_NONCE_KEY_BYTES == AUTH_NONCE_KEY_BYTES,
	    "kms/ derives the replay cache's key");
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return ERR_NOMEM;
	r = stats_init(api);
	if (r != ERR_OK) {
		free(k);
		return r;
	}
	k->api = api;
	k->uri_max = s->uri_max;
	/* A root-key subkey: the fingerprints on disk stay valid across
	 * restarts. */
	kms_nonce_key(api->kms, key);
	r = auth_nonce_cache_open(&ns, &k->nonces);
	explicit_bzero(key, sizeof(key));
	if (r != ERR_OK) {
		reqstats_free(&api->kms_stats);
		free(k);
		return r;
	}
	*ret = k;
	return ERR_OK;
}

void
kmsd_tick(struct kmsd *k)
{
	struct db *db = k->api->db;

	if (auth_nonce_cache_sync(k->nonces) != ERR_OK)
		log_warnx("kms nonces: cannot sync the logs; retrying in 1 s");
	/* A minute past expiry: the nodes' clocks may differ a little. */
	if (db_is_pg(db) && db_lead(db, DB_LEASE_KMS) &&
	    auth_nonce_prune(db, clock_wall_ms() - 60000, NULL) != ERR_OK)
		log_warnx("kms nonces: cannot delete expired ones; retrying "
		    "in 1 s");
}

void
kmsd_close(struct kmsd *k)
{
	if (k == NULL)
		return;
	auth_nonce_cache_close(k->nonces);
	reqstats_free(&k->api->kms_stats);
	free(k);
}

/* KMS RequestIds are UUIDs in upper case. */
static void
request_id_new(char out[static 37])
{
	uint8_t b[16];
	char hex[33];

	rand_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	hex_encode_upper(hex, b, sizeof(b));
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
	    hex + 16, hex + 20);
}

/* Format=XML (any case) in the raw query string. Refusals decided before
 * the parameters are decoded (method, sizes) still answer in the format
 * asked for; "Format" and "XML" need no percent-encoding, and a client
 * that encodes them anyway gets JSON until decode_request looks again. */
static bool
query_wants_xml(const char *uri)
{
	const char *p = uri != NULL ? strchr(uri, '?') : NULL;

	while (p != NULL) {
		p++;
		if (strncmp(p, "Format=", 7) == 0 &&
		    strncasecmp(p + 7, "XML", 3) == 0 &&
		    (p[10] == '&' || p[10] == '\0'))
			return true;
		p = strchr(p, '&');
	}
	return false;
}

/* Decodes "a=1&b=2" ('+' is a space: both SDKs and form bodies encode a
 * literal plus as %2B) into arena pairs. */
static enum err
decode_pairs(struct arena *a, const char *s, size_t len, struct kv **ret,
    size_t *ret_n)
{
	size_t count = 1, i = 0;
	const char *end = s + len;
	struct kv *kv;

	for (const char *p = s; p < end; p++)
		if (*p == '&')
			count++;
	if (count > KMS_PARAMS_MAX)
		return ERR_ENTITY_TOO_LARGE;
	kv = arena_alloc(a, count * sizeof(*kv));
	if (kv == NULL)
		return ERR_NOMEM;
	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		size_t l = amp ? (size_t)(amp - s) : (size_t)(end - s);
		const char *eq = memchr(s, '=', l);
		size_t kl = eq ? (size_t)(eq - s) : l;
		size_t vl = eq ? l - kl - 1 : 0;
		char *k, *v;

		if (l > 0) {
			k = arena_alloc(a, kl + 1);
			v = arena_alloc(a, vl + 1);
			if (k == NULL || v == NULL)
				return ERR_NOMEM;
			if (url_decode(k, s, kl, true) < 0 ||
			    url_decode(v, eq ? eq + 1 : "", vl, true) < 0)
				return ERR_INVALID_ARGUMENT;
			kv[i].name = k;
			kv[i].value = v;
			i++;
		}
		if (amp == NULL)
			break;
		s = amp + 1;
	}
	*ret = kv;
	*ret_n = i;
	return ERR_OK;
}

static enum err
decode_request(struct kms_call *c)
{
	const char *uri = c->req->uri, *q = strchr(uri, '?');
	const char *ct = http_header_get(c->req, "content-type");
	enum err r;

	c->path = q != NULL ? arena_strndup(c->a, uri, (size_t)(q - uri)) : uri;
	if (c->path == NULL)
		return ERR_NOMEM;
	r = decode_pairs(c->a, q != NULL ? q + 1 : "", q != NULL ?
	    strlen(q + 1) : 0, &c->query, &c->nquery);
	if (r != ERR_OK)
		return r;
	if (ct != NULL && strncasecmp(ct, "application/x-www-form-urlencoded",
	    33) == 0 && c->body.len > 0) {
		r = decode_pairs(c->a, buf_cstr(&c->body), c->body.len,
		    &c->form, &c->nform);
		if (r != ERR_OK)
			return r;
	}
	c->nparams = c->nquery + c->nform;
	if (c->nparams > KMS_PARAMS_MAX)
		return ERR_ENTITY_TOO_LARGE;
	c->params = arena_alloc(c->a, (c->nparams + 1) * sizeof(*c->params));
	if (c->params == NULL)
		return ERR_NOMEM;
	if (c->nquery > 0)
		memcpy(c->params, c->query, c->nquery * sizeof(*c->params));
	if (c->nform > 0)
		memcpy(c->params + c->nquery, c->form,
		    c->nform * sizeof(*c->params));
	/* Terraform may put Format in the body. */
	if (kp_get(c, "Format") != NULL)
		c->xml = strcasecmp(kp_get(c, "Format"), "XML") == 0;
	return ERR_OK;
}

static enum err
authenticate(struct kms_call *c)
{
	struct http_request *req = c->req;
	struct auth_kms_input in = {
		.method = req->method,
		.path = c->path,
		.query = c->query,
		.nquery = c->nquery,
		.form = c->form,
		.nform = c->nform,
		.headers = req->headers,
		.nheaders = req->nheaders,
		.body = c->body.data,
		.body_len = c->body.len,
		.now_ms = clock_wall_ms(),
	};
	struct auth_kms_parsed p;
	struct db_state_version sv;
	bool has_sv;
	char *secret = NULL;
	size_t cap = 0;
	struct buf sts;
	enum err r;

	buf_init(&sts, 64 * 1024);
	r = auth_kms_parse(&in, &p);
	if (r == ERR_KMS_MISSING_PARAMETER)
		c->err_param = p.missing;
	if (r != ERR_OK)
		goto out;
	c->claimed_ak = arena_strdup(c->a, p.access_key_id);
	/* One read of the change counters for the request's caches, before
	 * any row they hold (db/state_version.h). */
	has_sv = db_state_version(c->api->db, &sv) == ERR_OK;
	r = api_secret_open_at(c->api, has_sv ? &sv : NULL, p.access_key_id,
	    &c->account, &secret, &cap);
	if (r != ERR_OK)
		goto out;
	r = auth_kms_verify(&in, &p, secret, &sts);
	if (r == ERR_SIGNATURE_MISMATCH)
		c->err_detail = arena_strdup(c->a, buf_cstr(&sts));
	if (r != ERR_OK)
		goto out;
	/* Only a verified request may spend a nonce: otherwise anyone could
	 * burn a client's future nonces. */
	r = auth_nonce_check(c->ak->nonces, p.access_key_id, p.nonce,
	    p.request_ms, in.now_ms);
	if (r != ERR_OK)
		goto out;
	c->authenticated = true;
	c->who.account = c->account.id;
	str_copy(c->who.account_id, sizeof(c->who.account_id),
	    c->account.account_id);
	c->who.actor = c->who.account_id;
	c->who.client_cert = c->req->peer_cert;
	c->who.state_kms = has_sv ? sv.kms : 0;
out:
	if (secret != NULL) {
		explicit_bzero(secret, cap);
		free(secret);
	}
	buf_free(&sts);
	return r;
}

static enum err
route(struct kms_call *c)
{
	const char *action = kp_get(c, "Action");
	const char *version = kp_get(c, "Version");

	/* v1 carries Action/Version as parameters, ACS3 as headers. */
	if (action == NULL)
		action = http_header_get(c->req, "x-acs-action");
	if (version == NULL)
		version = http_header_get(c->req, "x-acs-version");
	if (action == NULL || action[0] == '\0') {
		c->err_param = "Action";
		return ERR_KMS_MISSING_PARAMETER;
	}
	c->action = action;
	if (version == NULL || version[0] == '\0') {
		c->err_param = "Version";
		return ERR_KMS_MISSING_PARAMETER;
	}
	if (strcmp(version, KMS_API_VERSION) != 0) {
		c->err_param = "Version";
		return ERR_INVALID_ARGUMENT;
	}
	for (size_t i = 0; i < kms_nroutes; i++)
		if (strcmp(kms_routes[i].action, action) == 0) {
			c->route = &kms_routes[i];
			return ERR_OK;
		}
	return ERR_NOT_IMPLEMENTED;
}

/* The error document in XML (Format=XML): the JSON document's fields in
 * the same order, under the <KMS> root of the XML responses (spec §1.5). */
static enum err
error_xml(struct buf *b, const char *request_id, const char *host,
    const char *code, const char *msg, const char *recommend, int status)
{
	struct xml_writer w;

	xml_writer_init(&w, b);
	xml_decl(&w);
	xml_open(&w, "KMS");
	xml_elem(&w, "RequestId", request_id);
	xml_elem(&w, "HostId", host);
	xml_elem(&w, "Code", code);
	xml_elem(&w, "Message", msg);
	xml_elem(&w, "Recommend", recommend);
	xml_elem_i64(&w, "HttpStatus", status);
	xml_close(&w, "KMS");
	return xml_writer_finish(&w);
}

static enum err
error_json(struct buf *b, const char *request_id, const char *host,
    const char *code, const char *msg, const char *recommend, int status)
{
	struct json_writer w;

	json_writer_init(&w, b);
	json_obj_open(&w, NULL);
	json_str(&w, "RequestId", request_id);
	json_str(&w, "HostId", host);
	json_str(&w, "Code", code);
	json_str(&w, "Message", msg);
	json_str(&w, "Recommend", recommend);
	json_i64(&w, "HttpStatus", status);
	json_obj_close(&w);
	return json_writer_finish(&w);
}

/*
 * The audit row of a mutating action (README "Audit trail"): the Action
 * parameter names the route as soon as the parameters are decoded, so a
 * request refused by authentication, the nonce check or its own handler
 * is recorded like an accepted one. The handler runs under the row's
 * scope, so the transaction of its change carries the row; the outcome
 * is recorded before the reply is rendered, and a success that cannot be
 * recorded is answered as a failure.
 */
static void
audit_start(struct kms_call *c)
{
	const char *action = kp_get(c, "Action");
	const char *id = kp_get(c, "KeyId"), *alias = kp_get(c, "AliasName");

	if (action == NULL)
		action = http_header_get(c->req, "x-acs-action");
	if (action == NULL)
		return;
	for (size_t i = 0; i < kms_nroutes; i++)
		if (kms_routes[i].mutates &&
		    strcmp(kms_routes[i].action, action) == 0) {
			c->audited = true;
			c->audit.action = arena_printf(c->a, "kms.%s",
			    kms_routes[i].action);
			break;
		}
	if (!c->audited)
		return;
	if (id == NULL || id[0] == '\0')
		id = kp_get(c, "ProtectedResourceArn");
	c->audit.time_ms = clock_now_ms(c->api->clock);
	c->audit.actor = "anonymous";
	c->audit.target = alias != NULL && alias[0] != '\0' ?
	    arena_printf(c->a, "%s %s", alias, id != NULL ? id : "") :
	    id != NULL ? id : "";
	/* Under mutual TLS, the client certificate the handshake verified. */
	c->audit.detail = c->req->peer_cert != NULL ?
	    arena_printf(c->a, "request=%s client_cert=%s", c->request_id,
	    c->req->peer_cert) :
	    arena_printf(c->a, "request=%s", c->request_id);
	if (c->audit.action == NULL || c->audit.target == NULL ||
	    c->audit.detail == NULL)
		c->audited = false;	/* out of memory: refused anyway */
}

static void
audit_actor(struct kms_call *c)
{
	if (c->authenticated)
		c->audit.actor = c->who.account_id;
	else if (c->claimed_ak != NULL)
		c->audit.actor = arena_printf(c->a, "ak:%s", c->claimed_ak);
	if (c->audit.actor == NULL)
		c->audit.actor = "anonymous";
}

/* The code the client is told (kms_error_render's choice). */
static const char *
kms_err_code(enum err r)
{
	const struct err_info *ei = err_info(r);
	int status = ei->kms_http != 0 ? ei->kms_http : ei->http;

	if (r == ERR_OK)
		return "ok";
	if (ei->kms_code != NULL)
		return ei->kms_code;
	return status >= 500 ? "InternalFailure" : "InvalidParameter";
}

static enum err
audit_finish(struct kms_call *c, enum err r)
{
	enum err a;

	if (!c->audited || c->audit.closed)
		return r;
	audit_actor(c);
	a = db_audit_close(c->api->db, &c->audit, kms_err_code(r));
	if (a == ERR_OK)
		return r;
	log_errx("audit: cannot record %s %s (%s): %s", c->audit.action,
	    kms_err_code(r), c->audit.detail, err_name(a));
	return r == ERR_OK ? ERR_AUDIT_UNAVAILABLE : r;
}

/* The one renderer of KMS errors: the KMS columns of the err table, a
 * parameter name where the code has one, the body shape of spec §1.5, in
 * JSON or, when the request asked for it, XML. */
static void
kms_error_render(struct kms_call *c)
{
	const struct err_info *ei = err_info(c->err);
	const char *code = ei->kms_code != NULL ? ei->kms_code : ei->code;
	const char *msg = ei->kms_msg != NULL ? ei->kms_msg : ei->msg;
	int status = ei->kms_http != 0 ? ei->kms_http : ei->http;
	char recommend[160], host[96], *text = NULL;
	struct buf b;
	size_t len;
	char *p;

	/* Internal values without KMS columns are internal failures. */
	if (ei->kms_code == NULL && status >= 500) {
		code = "InternalFailure";
		msg = "The request processing has failed due to some unknown "
		    "error.";
		status = 500;
	} else if (ei->kms_code == NULL) {
		code = "InvalidParameter";
		msg = "The specified parameter is not valid.";
		status = 400;
	}
	if (c->err_param != NULL && c->err == ERR_KMS_MISSING_PARAMETER)
		text = arena_printf(c->a, "The parameter \"%s\" is needed but "
		    "not provided.", c->err_param);
	else if (c->err_param != NULL && strcmp(code, "InvalidParameter") == 0 &&
	    c->err == ERR_INVALID_ARGUMENT)
		text = arena_printf(c->a, "The specified parameter \"%s\" is not "
		    "valid.", c->err_param);
	else if (c->err_detail != NULL && c->err == ERR_SIGNATURE_MISMATCH)
		text = arena_printf(c->a, "%s server string to sign is:%s", msg,
		    c->err_detail);
	if (text != NULL)
		msg = text;
	snprintf(recommend, sizeof(recommend),
	    "https://api.aliyun.com/troubleshoot?q=%s&product=Kms", code);
	snprintf(host, sizeof(host), "kms.%s.aliyuncs.com", c->api->region);
	buf_init(&b, 256 * 1024);
	if ((c->xml ? error_xml : error_json)(&b, c->request_id, host, code, msg,
	    recommend, status) != ERR_OK) {
		buf_init(&b, 256);
		(void)buf_puts(&b, c->xml ? "<KMS><Code>InternalFailure</Code>"
		    "</KMS>" : "{\"Code\":\"InternalFailure\"}");
		status = 500;
	}
	c->req->resp.status = status;
	(void)http_resp_header(c->req, "Content-Type", c->xml ?
	    "application/xml;charset=utf-8" : "application/json;charset=utf-8");
	p = buf_steal(&b, &len);
	http_resp_body_take(c->req, p, len);
}

/* A success in XML (Format=XML): the JSON reply's members under
 * <ActionResponse>, the root KMS's "Sample responses" give successes
 * (errors keep <KMS>, error_xml). Replaces c->out. */
static enum err
success_xml(struct kms_call *c)
{
	const char *root;
	struct buf x;
	enum err r;

	root = arena_printf(c->a, "%sResponse", c->route != NULL ?
	    c->route->action : "KMS");
	if (root == NULL)
		return ERR_NOMEM;
	buf_init(&x, 2 * c->out.max);
	r = json_to_xml(buf_cstr(&c->out), c->out.len, root, &x);
	if (r != ERR_OK)
		return r;
	buf_free(&c->out);
	c->out = x;
	return ERR_OK;
}

static void
reply(struct kms_call *c)
{
	(void)http_resp_header(c->req, "x-acs-request-id", c->request_id);
	if (c->err != ERR_OK) {
		kms_error_render(c);
		return;
	}
	json_str(&c->w, "RequestId", c->request_id);
	json_obj_close(&c->w);
	if (json_writer_finish(&c->w) != ERR_OK) {
		c->err = ERR_INTERNAL;
		kms_error_render(c);
		return;
	}
	if (c->xml && success_xml(c) != ERR_OK) {
		c->err = ERR_INTERNAL;
		kms_error_render(c);
		return;
	}
	{
		size_t len;
		char *p = buf_steal(&c->out, &len);

		/* A change is committed by now; only the answer is
		 * missing. */
		crash_point("kms-reply");
		c->req->resp.status = 200;
		(void)http_resp_header(c->req, "Content-Type", c->xml ?
		    "application/xml;charset=utf-8" :
		    "application/json;charset=utf-8");
		http_resp_body_take(c->req, p, len);
	}
}

/* The per-request state, in the request arena; NULL when even that
 * fails. */
static struct kms_call *
kms_call_new(struct kmsd *k, struct http_request *req)
{
	struct kms_call *c;

	c = arena_zalloc(&req->arena, sizeof(*c));
	if (c == NULL)
		return NULL;
	req->app = c;
	c->ak = k;
	c->api = k->api;
	c->req = req;
	c->a = &req->arena;
	request_id_new(c->request_id);
	buf_init(&c->body, KMS_BODY_MAX);
	buf_init(&c->out, 1024 * 1024);
	c->xml = query_wants_xml(req->uri);
	return c;
}

/* GET or HEAD /-/health: what a probe in front of the KMS listener asks,
 * the same document as the OSS listener's. */
static bool
is_health(const struct http_request *req)
{
	size_t n = strcspn(req->uri, "?");

	return n == 9 && strncmp(req->uri, "/-/health", 9) == 0 &&
	    (strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0);
}

static void
health(struct kms_call *c)
{
	struct buf b;
	size_t len;
	char *p;

	if (api_health_json(c->api, &b) != ERR_OK) {
		buf_free(&b);
		c->err = ERR_NOMEM;
		reply(c);
		return;
	}
	c->req->resp.status = api_health_status(c->api);
	(void)http_resp_header(c->req, "Content-Type", "application/json");
	p = buf_steal(&b, &len);
	http_resp_body_take(c->req, p, len);
}

static enum http_next
kms_begin(void *ctx, struct http_request *req)
{
	struct kms_call *c;

	c = kms_call_new(ctx, req);
	if (c == NULL) {
		req->resp.status = 503;
		req->resp.close = true;
		return HTTP_RESPOND;
	}
	if (is_health(req)) {
		c->health = true;
		health(c);
		return HTTP_DRAIN;
	}
	/* Closed while the root key is rotated: retry (api/root_key.c). */
	c->gated = api_gate_try_enter(c->api);
	if (!c->gated)
		c->err = ERR_ROOT_KEY_ROTATING;
	else if (api_root_stale(c->api))
		c->err = ERR_ROOT_KEY_STALE;
	/* KMS: RPC requests are GET or POST. */
	else if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "POST") != 0)
		c->err = ERR_METHOD_NOT_ALLOWED;
	else if ((c->ak->uri_max != 0 && strlen(req->uri) > c->ak->uri_max) ||
	    (req->has_length && req->content_length > KMS_BODY_MAX))
		c->err = ERR_ENTITY_TOO_LARGE;
	if (c->err != ERR_OK) {
		reply(c);
		/* A body of known, moderate size is read and dropped so that
		 * the client, still sending it, is not reset before it reads
		 * the refusal; a larger or unsized one closes the connection
		 * after the reply. */
		if (req->chunked || (req->has_length &&
		    req->content_length > KMS_DRAIN_MAX)) {
			req->resp.close = true;
			return HTTP_RESPOND;
		}
		return HTTP_DRAIN;
	}
	return HTTP_READ;
}

/* A target or header block too large for the request arena (http.h): the
 * same error document as a target past uri_max. */
static void
kms_refuse(void *ctx, struct http_request *req)
{
	struct kms_call *c = kms_call_new(ctx, req);

	if (c == NULL)
		return;
	c->err = ERR_ENTITY_TOO_LARGE;
	reply(c);
	log_info("kms access id=%s peer=- account=- action=- method=- "
	    "status=%d code=InvalidParameter refused=too-large",
	    c->request_id, req->resp.status);
}

static enum http_next
kms_body(void *ctx, struct http_request *req, const char *p, size_t n)
{
	struct kms_call *c = req->app;
	enum err r;

	(void)ctx;
	if (c->err != ERR_OK)
		return HTTP_READ;
	r = buf_append(&c->body, p, n);
	if (r != ERR_OK) {
		c->err = r;
		reply(c);
		req->resp.close = true;
		return HTTP_RESPOND;
	}
	return HTTP_READ;
}

static void
kms_end(void *ctx, struct http_request *req)
{
	struct kms_call *c = req->app;
	enum err r;

	(void)ctx;
	if (c->req->resp.status != 0)
		return;		/* answered early */
	r = decode_request(c);
	if (r == ERR_OK)
		audit_start(c);
	if (r == ERR_OK)
		r = authenticate(c);
	if (r == ERR_OK)
		r = route(c);
	if (r == ERR_OK) {
		json_writer_init(&c->w, &c->out);
		json_obj_open(&c->w, NULL);
		if (c->audited) {
			audit_actor(c);
			db_audit_scope(c->api->db, &c->audit);
		}
		r = c->route->fn(c);
		if (c->audited)
			db_audit_scope(c->api->db, NULL);
	}
	c->err = audit_finish(c, r);
	reply(c);
}

static void
kms_done(void *ctx, struct http_request *req, bool completed)
{
	struct kms_call *c = req->app;
	int64_t us = clock_mono_us() - req->start_us;
	const struct err_info *ei;

	(void)ctx;
	if (c == NULL)
		return;
	if (c->gated)
		api_gate_leave(c->api);
	buf_free(&c->body);
	buf_free(&c->out);
	reqstats_record(&c->api->kms_stats, c->health ? KMS_HEALTH_INDEX :
	    c->route != NULL ? (unsigned)(c->route - kms_routes) : ~0u,
	    req->resp.status, result_of[c->err < ERR__COUNT ? c->err : ERR_INTERNAL],
	    req->body_bytes, req->resp.bytes_sent, us);
	ei = err_info(c->err);
	if (c->err != ERR_OK && (ei->kms_http != 0 ? ei->kms_http : ei->http) >= 500)
		log_errx("kms request %s failed: %s", c->request_id,
		    err_name(c->err));
	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	log_info("kms access id=%s peer=%s account=%s action=%s method=%s "
	    "status=%d code=%s in=%llu out=%llu us=%lld%s", c->request_id,
	    req->peer, c->authenticated ? c->account.account_id : "-",
	    c->route != NULL ? c->route->action : c->health ? "-/health" : "-",
	    req->method,
	    req->resp.status, c->err == ERR_OK ? "-" :
	    (ei->kms_code != NULL ? ei->kms_code : ei->code),
	    (unsigned long long)req->body_bytes,
	    (unsigned long long)req->resp.bytes_sent, (long long)us,
	    completed ? "" : " aborted");
}

static const struct http_handler kms_handler = {
	.begin = kms_begin,
	.body = kms_body,
	.end = kms_end,
	.done = kms_done,
	.refuse = kms_refuse,
};

const struct http_handler *
kmsd_http_handler(void)
{
	return &kms_handler;
}
