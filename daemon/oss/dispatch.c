/* SPDX-License-Identifier: ISC */
/*
 * dispatch.c: the request pipeline of the OSS listener, and its lifetime.
 *
 *   parse target -> match route -> authenticate -> load bucket -> access
 *   -> body limits -> route begin -> [body] -> handler -> audit -> render
 *   -> log
 *
 * Every check above the handler is driven by the route's flags, so a handler
 * cannot forget one. Errors found before the body is read are answered after
 * draining a small body (keeping the connection), or at once for a large or
 * 100-continue upload (the client then never sends it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oss/oss_int.h"
#include "object/upload.h"
#include "base/crash.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/str.h"
#include "kms/kms.h"
#include "auth/s3.h"

/* Bodies up to this size are read and discarded when we already know the
 * answer, so the keep-alive connection survives. */
#define DRAIN_MAX (1024 * 1024)
/* OSS: PutObject and UploadPart take at most 5 GiB. */
#define OBJECT_MAX (5ULL * 1024 * 1024 * 1024)

/* Headers every OSS response carries. */
static void
add_common_headers(struct call *c)
{
	(void)call_resp_header(c, "Server", "AliyunOSS");
	(void)call_resp_header(c, "x-oss-request-id", c->request_id);
}

/* Names the scheme we do not implement: the Authorization header's first
 * word, or the presigned URL's algorithm. */
static void
unsupported_extra(struct call *c)
{
	const char *auth = call_header(c, "authorization");
	const char *alg = call_query(c, "X-Amz-Algorithm");

	if (auth != NULL) {
		const char *sp = strchr(auth, ' ');

		c->x.arg_name = "Authorization";
		c->x.arg_value = sp != NULL ? arena_strndup(c->a, auth,
		    (size_t)(sp - auth)) : auth;
	} else if (alg != NULL) {
		c->x.arg_name = "X-Amz-Algorithm";
		c->x.arg_value = alg;
	}
}

static enum err
authenticate(struct call *c)
{
	struct http_request *req = c->req;
	struct auth_input in = {
		.method = req->method,
		.bucket = c->bucket_name,
		.key = c->key,
		.headers = req->headers,
		.nheaders = req->nheaders,
		.query = c->query,
		.nquery = c->nquery,
		.region = c->region,
		.now_ms = clock_wall_ms(),
		.vhost = c->vhost,
		.raw_path = c->raw_path,
	};
	struct auth_parsed p;
	char *secret = NULL;
	size_t cap = 0;
	struct buf sts;
	enum err r;

	buf_init(&sts, 64 * 1024);
	memset(&p, 0, sizeof(p));
	r = auth_parse(&in, &p);
	if (r == ERR_TIME_SKEWED) {
		char t[TIME_ISO_BYTES];

		time_fmt_iso_ms(t, p.request_ms);
		c->x.request_time = arena_strdup(c->a, t);
		time_fmt_iso_ms(t, in.now_ms);
		c->x.server_time = arena_strdup(c->a, t);
	}
	if (r == ERR_AUTH_UNSUPPORTED)
		unsupported_extra(c);
	if (r != ERR_OK)
		goto out;
	if (p.kind == AUTH_ANONYMOUS) {
		c->anonymous = true;
		c->amz_signed = "*";
		goto out;
	}
	c->claimed_ak = arena_strdup(c->a, p.access_key_id);
	c->presigned = p.kind == AUTH_V1_QUERY || p.kind == AUTH_V2_QUERY ||
	    p.kind == AUTH_V4_QUERY;
	r = api_secret_open(c->api, p.access_key_id,
	    &c->account, &secret, &cap);
	if (r == ERR_INVALID_ACCESS_KEY_ID || r == ERR_ACCESS_KEY_DISABLED)
		c->x.ak = arena_strdup(c->a, p.access_key_id);
	if (r != ERR_OK)
		goto out;
	r = auth_verify(&in, &p, secret, &sts);
	c->authed = r == ERR_OK;
	c->s3_signed = c->authed && (p.kind == AUTH_S3V2_HEADER ||
	    p.kind == AUTH_S3V2_QUERY || p.kind == AUTH_S3V4_HEADER ||
	    p.kind == AUTH_S3V4_QUERY);
	if (c->s3_signed)
		c->amz_signed = p.kind == AUTH_S3V4_HEADER ||
		    p.kind == AUTH_S3V4_QUERY ?
		    arena_strdup(c->a, p.additional) : "*";
	if (r == ERR_OK)
		r = s3_body_begin(c, &in, &p, secret);
	if (r == ERR_SIGNATURE_MISMATCH || r == ERR_SIGNATURE_MISMATCH_V4) {
		c->x.ak = arena_strdup(c->a, p.access_key_id);
		c->x.sig = arena_strdup(c->a, p.signature);
		c->x.sts = arena_strdup(c->a, buf_cstr(&sts));
	}
out:
	if (secret != NULL) {
		explicit_bzero(secret, cap);
		free(secret);
	}
	buf_free(&sts);
	return r;
}

/* A Host that is a custom domain names the bucket it is attached to.
 * Unknown names answer as OSS does for a bucket it does not have. */
static enum err
resolve_cname(struct call *c)
{
	struct cname cn;
	enum err r;

	r = cname_lookup(c->api->db, c->cname_host, &cn);
	if (r == ERR_OK && cn.img)
		r = ERR_NOT_FOUND;	/* an image-processing domain */
	if (r == ERR_NOT_FOUND) {
		c->x.bucket = c->cname_host;
		return ERR_NO_SUCH_BUCKET;
	}
	if (r != ERR_OK)
		return r;
	c->bucket_name = arena_strdup(c->a, cn.bucket_name);
	return c->bucket_name != NULL ? ERR_OK : ERR_NOMEM;
}

/* versionId is never ignored: an operation that takes one resolves it,
 * any other refuses it. */
static enum err
check_version_id(struct call *c)
{
	const char *v = call_query(c, "versionId");

	if (v == NULL)
		return ERR_OK;
	if (!(c->route->flags & R_VERSION_ID)) {
		c->x.arg_name = "versionId";
		c->x.arg_value = v;
		return ERR_VERSION_ID_NOT_ACCEPTED;
	}
	return call_check_version_id(c, v);
}

static enum err
check_body(struct call *c)
{
	const struct http_request *req = c->req;
	unsigned f = c->route->flags;

	if (f & (R_BODY_STREAM | R_FORM)) {
		if (!req->has_length && !req->chunked)
			return ERR_MISSING_CONTENT_LENGTH;
		if (req->has_length && req->content_length > OBJECT_MAX)
			return ERR_ENTITY_TOO_LARGE;
	} else if (f & R_BODY_XML) {
		if (req->has_length && req->content_length > c->route->max_body)
			return ERR_ENTITY_TOO_LARGE;
		buf_init(&c->body, c->route->max_body);
	}
	return ERR_OK;
}

/* The bucket, the key's validity and the access decision. */
static enum err
bucket_access(struct call *c)
{
	enum err r;

	if (c->route->flags & R_BUCKET) {
		r = call_load_bucket(c);
		if (r != ERR_OK)
			return r;
		/* OSS: a bucket answers only on its own region's endpoint;
		 * hosts that name no region (IP, localhost, --domain) are the
		 * daemon's own and serve every region. */
		if (c->region_explicit &&
		    strcmp(c->region, c->bucket.region) != 0) {
			c->x.endpoint = arena_printf(c->a, "oss-%s.aliyuncs.com",
			    c->bucket.region);
			return ERR_WRONG_ENDPOINT;
		}
	}
	if (c->level == LEVEL_OBJECT &&
	    !bucket_key_valid(c->key, strlen(c->key))) {
		c->x.key = c->key;
		return ERR_INVALID_OBJECT_NAME;
	}
	r = website_reroute(c);
	if (r == ERR_OK)
		r = access_check(c);
	if (r == ERR_OK)
		r = check_version_id(c);
	return r;
}

static enum err
pipeline(struct call *c)
{
	enum err r, match;
	size_t nheaders;
	bool snap;

	r = router_parse_target(c);
	if (r == ERR_OK && c->cname_host != NULL)
		r = resolve_cname(c);
	if (r != ERR_OK)
		return r;
	match = router_match(c);
	if (match == ERR_OK && (c->route->flags & R_ANONYMOUS))
		return ERR_OK;
	nheaders = c->req->nheaders;
	/* A form is signed by its policy, not by the request (postobject.c);
	 * it is anonymous until the policy's signature is checked. */
	if (match == ERR_OK && (c->route->flags & R_FORM))
		c->anonymous = true;
	else {
		r = authenticate(c);
		if (r == ERR_OK)
			r = s3_alias_headers(c);
	}
	if (r != ERR_OK)
		return r;
	/* A twin header may select another route (x-amz-copy-source:
	 * CopyObject, not PutObject). */
	if (c->req->nheaders != nheaders)
		match = router_match(c);
	if (match != ERR_OK)
		return match;
	/* The checks read the bucket, its configurations and the object's
	 * ACL: one snapshot, so they agree, and one read lock instead of
	 * one per statement (a 4 KiB GET spent a quarter of its CPU taking
	 * and dropping SQLite's WAL locks). */
	snap = db_read_begin(c->api->db);
	r = bucket_access(c);
	db_read_end(c->api->db, snap);
	if (r != ERR_OK)
		return r;
	r = check_body(c);
	if (r != ERR_OK)
		return r;
	if (c->route->begin != NULL) {
		call_audit_enter(c);
		r = c->route->begin(c);
		call_audit_leave(c);
	}
	return r;
}

/* Answers with c->err now; drains a small body first so the connection can
 * be reused. */
static enum http_next
fail_early(struct call *c, enum err r)
{
	const struct http_request *req = c->req;
	const char *expect = call_header(c, "expect");

	c->err = call_audit_finish(c, r);
	upload_abort(c->upload);
	c->upload = NULL;
	oss_error_render(c);
	cors_decorate(c);
	add_common_headers(c);
	if (expect != NULL || req->chunked ||
	    (req->has_length && req->content_length - req->body_bytes > DRAIN_MAX)) {
		c->req->resp.close = true;
		return HTTP_RESPOND;
	}
	return HTTP_DRAIN;
}

static enum http_next
oss_begin(void *ctx, struct http_request *req)
{
	struct call *c;
	enum err r;

	c = arena_zalloc(&req->arena, sizeof(*c));
	if (c == NULL) {
		req->resp.status = 503;
		req->resp.close = true;
		return HTTP_RESPOND;
	}
	req->app = c;
	c->oss = ctx;
	c->api = c->oss->api;
	c->req = req;
	c->a = &req->arena;
	c->route_index = api_nroutes;
	c->head = strcmp(req->method, "HEAD") == 0;
	buf_init(&c->body, 0);
	rand_request_id(c->request_id);
	/* Closed while the root key is rotated: retry (api/root_key.c). */
	c->gated = api_gate_try_enter(c->api);
	if (!c->gated)
		return fail_early(c, ERR_ROOT_KEY_ROTATING);
	/* /-/health still says why (and answers 503 for the balancer). */
	if (api_root_stale(c->api) && strncmp(req->uri, "/-/", 3) != 0)
		return fail_early(c, ERR_ROOT_KEY_STALE);
	call_audit_start(c);
	r = pipeline(c);
	if (r != ERR_OK)
		return fail_early(c, r);
	return HTTP_READ;
}

static enum err
body_sink(void *ctx, const char *p, size_t n)
{
	struct call *c = ctx;
	unsigned f = c->route->flags;
	enum err r = ERR_OK;

	if (f & R_BODY_STREAM) {
		call_audit_enter(c);
		r = upload_write(c->upload, p, n);
		call_audit_leave(c);
	} else if (f & R_FORM) {
		call_audit_enter(c);
		r = post_object_body(c, p, n);
		call_audit_leave(c);
	} else if (f & R_BODY_XML)
		r = buf_append(&c->body, p, n);
	/* Other routes ignore a body they do not expect. */
	return r;
}

static enum http_next
oss_body(void *ctx, struct http_request *req, const char *p, size_t n)
{
	struct call *c = req->app;
	enum err r;

	(void)ctx;
	if (c->s3 != NULL)
		r = s3_body_feed(c, p, n, body_sink);
	else
		r = body_sink(c, p, n);
	if (r != ERR_OK)
		return fail_early(c, r);
	return HTTP_READ;
}

static void
oss_end(void *ctx, struct http_request *req)
{
	struct call *c = req->app;
	enum err r;

	(void)ctx;
	/* A body that is not what was signed never reaches the handler:
	 * nothing of it is stored. */
	r = s3_body_end(c);
	if (r == ERR_OK) {
		call_audit_enter(c);
		r = c->route->handler(c);
		call_audit_leave(c);
		/* What is read after the answer (its CORS headers, the access
		 * log's target) sees what the handler changed. */
		if (strcmp(req->method, "GET") != 0 && !c->head)
			c->conf.bucket = 0;
	} else {
		upload_abort(c->upload);
		c->upload = NULL;
	}
	/* Before anything is sent: a success that cannot be recorded is
	 * answered as a failure. */
	r = call_audit_finish(c, r);
	if (r != ERR_OK) {
		c->err = r;
		/* Headers a failed handler may have set are not for the
		 * error response, except on 304, which still names the
		 * version the client has (ETag, Last-Modified). */
		if (r != ERR_NOT_MODIFIED)
			req->resp.nheaders = 0;
		free(req->resp.body);
		req->resp.body = NULL;
		req->resp.body_len = 0;
		if (req->resp.stream.free != NULL)
			req->resp.stream.free(req->resp.stream.ctx);
		memset(&req->resp.stream, 0, sizeof(req->resp.stream));
		req->resp.head_length_set = false;
		oss_error_render(c);
	}
	if (r == ERR_OK)
		s3_response_fixup(c);
	/* http/ hands the body over to MHD: the access log's object size
	 * is read here. */
	c->resp_len = req->resp.stream.read != NULL ? req->resp.stream.len :
	    req->resp.body_len;
	if (req->resp.status == 0)
		req->resp.status = 200;
	/* Everything a successful change does is done by now; only the
	 * answer is missing. */
	if (r == ERR_OK && strcmp(req->method, "GET") != 0 && !c->head)
		crash_point("oss-reply");
	cors_decorate(c);
	add_common_headers(c);
}

static void
log_access(const struct call *c, const struct http_request *req, int64_t us,
    bool completed)
{
	const struct err_info *ei = err_info(c->err);
	struct buf key;

	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	/* Keys are client bytes: log them URL-encoded. */
	buf_init(&key, 4096);
	if (c->key != NULL)
		(void)url_encode(&key, c->key, strlen(c->key), true);
	log_info("access id=%s peer=%s account=%s op=%s method=%s bucket=%s "
	    "key=%s status=%d code=%s in=%llu out=%llu us=%lld%s",
	    c->request_id, req->peer,
	    c->anonymous || c->account.account_id[0] == '\0' ? "-" :
	    c->account.account_id,
	    c->route ? c->route->op : "-", req->method,
	    c->bucket_name ? c->bucket_name : "-",
	    key.len ? buf_cstr(&key) : "-", req->resp.status,
	    c->err == ERR_OK ? "-" : ei->code,
	    (unsigned long long)req->body_bytes,
	    (unsigned long long)req->resp.bytes_sent, (long long)us,
	    completed ? "" : " aborted");
	buf_free(&key);
}

static void
oss_done(void *ctx, struct http_request *req, bool completed)
{
	struct call *c = req->app;
	int64_t us = clock_mono_us() - req->start_us;

	(void)ctx;
	if (c == NULL)
		return;
	if (err_maybe_committed(c->err))
		upload_commit(c->upload);	/* a row may name its blob */
	else
		upload_abort(c->upload);
	c->upload = NULL;
	s3_body_free(c);
	buf_free(&c->body);
	/* A request that ended without an answer of ours (the client went
	 * away during the body) still leaves its row. */
	if (c->audited && !c->audit.closed)
		(void)db_audit_close(c->api->db, &c->audit, "aborted");
	if (c->err != ERR_OK && err_info(c->err)->http >= 500)
		log_errx("request %s failed: %s", c->request_id,
		    err_name(c->err));
	reqstats_record(&c->api->oss_stats, c->route_index, req->resp.status,
	    0, req->body_bytes, req->resp.bytes_sent, us);
	log_access(c, req, us, completed);
	oss_access_line(c, us);
	if (c->gated)
		api_gate_leave(c->api);
}

static const struct http_handler oss_handler = {
	.begin = oss_begin,
	.body = oss_body,
	.end = oss_end,
	.done = oss_done,
};

const struct http_handler *
oss_http_handler(void)
{
	return &oss_handler;
}

enum err
oss_open(struct api *api, struct oss **ret)
{
	struct oss *oss = calloc(1, sizeof(*oss));
	enum err r;

	if (oss == NULL)
		return ERR_NOMEM;
	oss->api = api;
	r = metrics_init(oss);
	if (r != ERR_OK) {
		free(oss);
		return r;
	}
	*ret = oss;
	return ERR_OK;
}

void
oss_set_urls(struct oss *oss, const char *play_base,
    const char *publish_base, bool tls)
{
	str_copy(oss->play_base, sizeof(oss->play_base), play_base);
	str_copy(oss->publish_base, sizeof(oss->publish_base),
	    publish_base != NULL ? publish_base : "");
	oss->tls = tls;
}

void
oss_close(struct oss *oss)
{
	if (oss == NULL)
		return;
	metrics_free(oss);
	free(oss);
}
