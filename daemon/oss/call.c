/* SPDX-License-Identifier: ISC */
/*
 * call.c: the request as handlers see it (oss_int.h): query, headers, the
 * reply under construction, business time, version ids, the audit row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/str.h"
#include "oss/oss_int.h"

const char *
call_query(const struct call *c, const char *name)
{
	return kv_get(c->query, c->nquery, name);
}

bool
call_has_query(const struct call *c, const char *name)
{
	return kv_has(c->query, c->nquery, name);
}

const char *
call_header(const struct call *c, const char *lname)
{
	return http_header_get(c->req, lname);
}

enum err
call_resp_header(struct call *c, const char *name, const char *value)
{
	return http_resp_header(c->req, name, value);
}

enum err
call_resp_headerf(struct call *c, const char *name, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return ERR_INTERNAL;
	return http_resp_header(c->req, name, tmp);
}

void
call_resp_buf(struct call *c, int status, const char *content_type,
    struct buf *b)
{
	size_t len;
	char *p = buf_steal(b, &len);

	c->req->resp.status = status;
	if (content_type != NULL)
		(void)call_resp_header(c, "Content-Type", content_type);
	http_resp_body_take(c->req, p, len);
}

void
call_resp_empty(struct call *c, int status)
{
	c->req->resp.status = status;
}

int64_t
call_now(const struct call *c)
{
	return clock_now_ms(c->api->clock);
}

void
call_test_pause(struct call *c)
{
	const char *v = call_header(c, "x-coffer-test-pause-ms");
	uint64_t ms;

	if (!c->api->test_hooks || v == NULL || !str_to_u64(v, 60000, &ms))
		return;
	usleep((useconds_t)ms * 1000);
}

enum err
call_check_version_id(struct call *c, const char *v)
{
	if (v == NULL)
		return ERR_OK;
	if (v[0] == '\0')
		return ERR_VERSION_ID_EMPTY;
	if (!bucket_version_id_valid(v))
		return ERR_VERSION_ID_INVALID;
	/* Whether it names a version is the operation's lookup. */
	(void)c;
	return ERR_OK;
}

static void audit_fields(struct call *c);

void
call_audit_start(struct call *c)
{
	const char *m = c->req->method;

	c->audited = strcmp(m, "PUT") == 0 || strcmp(m, "POST") == 0 ||
	    strcmp(m, "DELETE") == 0;
	if (!c->audited)
		return;
	c->audit.time_ms = call_now(c);
	c->audit.detail = arena_printf(c->a, "request=%s", c->request_id);
	audit_fields(c);
}

/* Who, what and which, as far as the pipeline got. Strings go to the
 * arena (once the pipeline is through, once per request: enter runs for
 * every body chunk); on out-of-memory a field keeps its previous value. */
static void
audit_fields(struct call *c)
{
	struct db_audit_req *q = &c->audit;
	const char *s;

	if (c->authed)
		q->actor = c->account.account_id;
	else if (c->claimed_ak != NULL)
		q->actor = arena_printf(c->a, "ak:%s", c->claimed_ak);
	else
		q->actor = "anonymous";
	s = arena_printf(c->a, "oss.%s", c->route != NULL ? c->route->op :
	    c->req->method);
	if (s != NULL)
		q->action = s;
	if (c->bucket_name == NULL)
		q->target = "";
	else if (c->key == NULL)
		q->target = c->bucket_name;
	else if ((s = arena_printf(c->a, "%s/%s", c->bucket_name,
	    c->key)) != NULL)
		q->target = s;
	if (q->detail == NULL)
		q->detail = "";
	if (q->action == NULL)
		q->action = "oss.-";
}

void
call_audit_enter(struct call *c)
{
	if (!c->audited)
		return;
	if (!c->audit_final) {
		audit_fields(c);
		c->audit_final = true;
	}
	db_audit_scope(c->api->db, &c->audit);
}

void
call_audit_leave(struct call *c)
{
	if (c->audited)
		db_audit_scope(c->api->db, NULL);
}

enum err
call_audit_finish(struct call *c, enum err r)
{
	enum err a;

	if (!c->audited || c->audit.closed)
		return r;
	if (!c->audit_final)
		audit_fields(c);
	a = db_audit_close(c->api->db, &c->audit,
	    r == ERR_OK ? "ok" : err_info(r)->code);
	if (a == ERR_OK)
		return r;
	log_errx("audit: cannot record %s %s (%s): %s", c->audit.action,
	    r == ERR_OK ? "ok" : err_info(r)->code, c->audit.detail,
	    err_name(a));
	return r == ERR_OK ? ERR_AUDIT_UNAVAILABLE : r;
}

enum err
call_load_bucket(struct call *c)
{
	enum err r;

	if (!bucket_name_valid(c->bucket_name)) {
		c->x.bucket = c->bucket_name;
		return ERR_INVALID_BUCKET_NAME;
	}
	r = bucket_get(c->api->db, c->bucket_name, &c->bucket);
	if (r == ERR_NO_SUCH_BUCKET)
		c->x.bucket = c->bucket_name;
	if (r == ERR_OK)
		c->have_bucket = true;
	return r;
}
