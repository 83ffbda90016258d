/* SPDX-License-Identifier: ISC */
/*
 * access_line.c: the bucket access-log line of a request (oss-api-2.md
 * §5.3), queued when the bucket has logging enabled.
 *
 * Fields, space-separated, in OSS's order: RemoteIP - - [Time]
 * "Request-URI" HTTPStatus SentBytes RequestTime "Referer" "UserAgent"
 * "HostName" "RequestID" "LoggingFlag" "RequesterAliyunID" "Operation"
 * "BucketName" "ObjectName" ObjectSize ServerCostTime "ErrorCode"
 * RequestLength "UserID" DeltaDataSize "SyncRequest" "StorageClass"
 * "TargetStorageClass" "TransmissionAccelerationAccessPoint"
 * "AccessKeyID". A value coffer does not have is "-". Time is business
 * time in UTC. Client bytes inside quotes are escaped (\xHH for '"', '\',
 * controls and non-ASCII), so a line is one line and splits on '"'.
 */
#include <stdarg.h>
#include <string.h>

#include "oss/oss_int.h"
#include "base/str.h"

/* Longest client value kept in a field: a line stays a line, not a copy
 * of a 64 KiB request head. */
#define FIELD_MAX 4096

/* The line being written; a failed append (which frees the buffer)
 * sticks, so a half line is never queued. */
struct line {
	struct buf	b;
	enum err	r;
};

static void
put(struct line *l, const char *fmt, ...)
{
	va_list ap;

	if (l->r != ERR_OK)
		return;
	va_start(ap, fmt);
	l->r = buf_vprintf(&l->b, fmt, ap);
	va_end(ap);
}

static void
quoted(struct line *l, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	put(l, " \"%s", n == 0 ? "-" : "");
	for (size_t i = 0; i < n && i < FIELD_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
			put(l, "\\x%02X", ch);
		else if (l->r == ERR_OK)
			l->r = buf_putc(&l->b, (char)ch);
	}
	put(l, "\"");
}

static void
number(struct line *l, bool have, unsigned long long v)
{
	if (have)
		put(l, " %llu", v);
	else
		put(l, " -");
}

/* Bytes of the request as it came: request line, headers, body. */
static unsigned long long
request_length(const struct http_request *req)
{
	unsigned long long n = strlen(req->method) + strlen(req->uri) +
	    strlen(req->version) + 4;

	for (size_t i = 0; i < req->nheaders; i++)
		n += strlen(req->headers[i].name) +
		    strlen(req->headers[i].value) + 4;
	return n + 2 + req->body_bytes;
}

/* The object's size where the request shows it: what a write stored,
 * what a whole GET or a HEAD describes. */
static bool
object_size(const struct call *c, unsigned long long *ret)
{
	const struct http_request *req = c->req;
	const char *op = c->route != NULL ? c->route->op : "";

	if (c->level != LEVEL_OBJECT || c->err != ERR_OK)
		return false;
	if (strcmp(op, "PutObject") == 0 || strcmp(op, "PostObject") == 0 ||
	    strcmp(op, "AppendObject") == 0) {
		*ret = req->body_bytes;
		return true;
	}
	/* A whole GET: streamed, or small enough to be sent at once. */
	if (strcmp(op, "GetObject") == 0 && req->resp.status == 200) {
		*ret = c->resp_len;
		return true;
	}
	if (strcmp(op, "HeadObject") == 0 && req->resp.head_length_set) {
		*ret = req->resp.head_length;
		return true;
	}
	return false;
}

static void
format(struct call *c, int64_t now, int64_t us, struct line *l)
{
	const struct http_request *req = c->req;
	char t[TIME_CLF_BYTES], *rl;
	struct buf key;
	unsigned long long size = 0;
	bool known_size;
	bool known = c->authed && !c->anonymous;
	const char *host = call_header(c, "host");

	time_fmt_clf(t, now);
	put(l, "%s - - [%s]", req->peer[0] ? req->peer : "-", t);
	rl = arena_printf(c->a, "%s %s %s", req->method, req->uri,
	    req->version);
	quoted(l, rl);
	put(l, " %d %llu %lld", req->resp.status,
	    (unsigned long long)req->resp.bytes_sent, (long long)(us / 1000));
	quoted(l, call_header(c, "referer"));
	quoted(l, call_header(c, "user-agent"));
	quoted(l, host != NULL ? host : c->host);
	quoted(l, c->request_id);
	quoted(l, "true");
	quoted(l, known ? c->account.account_id : NULL);
	quoted(l, c->route != NULL ? c->route->op : NULL);
	quoted(l, c->bucket.name);
	buf_init(&key, 4 * FIELD_MAX);
	if (c->key != NULL && c->key[0] != '\0')
		(void)url_encode(&key, c->key, strlen(c->key), true);
	quoted(l, key.len ? buf_cstr(&key) : NULL);
	buf_free(&key);
	known_size = object_size(c, &size);
	number(l, known_size, size);
	put(l, " %lld", (long long)(us / 1000));
	quoted(l, c->err != ERR_OK ? err_info(c->err)->code : NULL);
	number(l, true, request_length(req));
	quoted(l, c->bucket.owner_account_id);
	number(l, false, 0);			/* DeltaDataSize */
	quoted(l, NULL);			/* SyncRequest */
	quoted(l, NULL);			/* StorageClass */
	quoted(l, NULL);			/* TargetStorageClass */
	quoted(l, NULL);			/* acceleration access point */
	quoted(l, known ? c->claimed_ak : NULL);
}

void
oss_access_line(struct call *c, int64_t us)
{
	const char *doc, *target, *prefix;
	struct line l = { .r = ERR_OK };
	int64_t now;

	if (c->bucket_name == NULL ||
	    (c->route != NULL && (c->route->flags & R_INTERNAL)))
		return;
	/* A request refused before its bucket was read (a signature, a
	 * missing route) is still the bucket's. */
	if (!c->have_bucket && (!bucket_name_valid(c->bucket_name) ||
	    bucket_get(c->api->db, c->bucket_name, &c->bucket) != ERR_OK))
		return;
	if (conf_get(c, CONF_LOGGING, &doc) != ERR_OK ||
	    api_access_log_parse(c->a, doc, &target, &prefix) != ERR_OK)
		return;
	/* Room for every field at its longest, escaped. */
	buf_init(&l.b, 256 * 1024);
	now = call_now(c);
	format(c, now, us, &l);
	if (l.r == ERR_OK)
		api_access_log_add(c->api, &c->bucket, target, prefix, now,
		    buf_cstr(&l.b));
	buf_free(&l.b);
}
