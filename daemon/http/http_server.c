/* SPDX-License-Identifier: ISC */
/*
 * http_server.c: the MHD daemon, its callbacks, and the translation between
 * MHD's per-connection calls and the begin/body/end/done handler contract.
 *
 * Life of a request:
 *   on_uri         request line read: allocate struct http_request (it
 *                  becomes MHD's *con_cls) and keep the raw target
 *   on_access #1   headers complete: copy them out of MHD, call begin()
 *   on_access #n   body chunks: body() or discard
 *   on_access last *upload_data_size == 0: end(), queue the response
 *   on_completed   done(), free everything
 *
 * Responses are queued on the last call, never the first, except for
 * HTTP_RESPOND from begin(): MHD 0.9.75 closes keep-alive connections when
 * a reply is queued while the request is still in its header phase, and
 * refuses one queued while the body is being received (see
 * respond_mid_body()).
 *
 * MHD's strings are only valid during a callback, so everything the
 * handler sees is copied into the request arena. MHD never percent-decodes
 * anything we read: the target is taken raw from the URI log callback and
 * the unescape callback is a no-op, so decoding happens once, in api/.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "base/clock.h"
#include "base/listen.h"
#include "base/log.h"
#include "base/str.h"

#define HTTP_DEFAULT_THREADS		4
/* ali-oss keeps idle keep-alive sockets for 15 s: stay well above. */
#define HTTP_DEFAULT_CONN_TIMEOUT_S	60
#define HTTP_DEFAULT_CONN_MEMORY	(128 * 1024)
#define HTTP_DEFAULT_ARENA_CAP		(256 * 1024)
#define HTTP_STREAM_BLOCK		(256 * 1024)
/* Streams up to this size are read out before the reply is queued. */
#define HTTP_SMALL_STREAM		(64 * 1024)
#define HTTP_ADDRESS_BYTES		LISTEN_ADDRESS_BYTES
/* How much of an unwanted body is still read after body() answered
 * HTTP_RESPOND, so the reply can be sent on a live connection. */
#define HTTP_LINGER_MAX			(16 * 1024 * 1024)

struct http_server {
	struct MHD_Daemon		*daemon;
	const struct http_handler	*handler;
	void				*ctx;
	size_t				 arena_cap;
	int				 listener_id;
	struct http_tls			*tls;
	atomic_uint			 inflight;
	atomic_bool			 quiesced;
	uint16_t			 port;
	char				 address[HTTP_ADDRESS_BYTES];
};

enum conn_phase {
	PHASE_HEADERS,	/* waiting for the first access call */
	PHASE_READ,	/* body goes to handler->body() */
	PHASE_DRAIN,	/* body is discarded, resp already filled */
	PHASE_LINGER,	/* like DRAIN, at most HTTP_LINGER_MAX more bytes */
	PHASE_QUEUED,	/* response handed to MHD */
};

/* The request as http/ sees it: the public part plus bookkeeping. */
struct conn_req {
	struct http_request	 req;
	struct http_server	*srv;
	enum conn_phase		 phase;
	bool			 begun;		/* begin() ran: done() is owed */
	uint64_t		 linger_left;	/* PHASE_LINGER budget */
};

/* A streamed body once handed to MHD. It is freed by MHD, possibly after
 * the request, so only the reader (which runs strictly before completion)
 * may touch req. */
struct stream_state {
	struct http_stream	 s;
	struct http_request	*req;
};

static void
conn_req_free(struct conn_req *r)
{
	struct http_response *resp;

	if (r == NULL)
		return;
	resp = &r->req.resp;
	free(resp->body);
	if (resp->stream.read != NULL && resp->stream.free != NULL)
		resp->stream.free(resp->stream.ctx);
	arena_free(&r->req.arena);
	free(r);
}

/*
 * MHD messages caused by clients (bad requests, resets, timeouts, limits)
 * or by our own refusals go to debug: a hostile client must not be able
 * to flood the log, and the messages that quote the request target all
 * say "request". Everything else (socket, thread, epoll failures) is a
 * warning. The formatted line is classified because MHD passes many
 * messages through a bare "%s".
 */
static enum log_level
mhd_log_level(const char *line)
{
	static const char *const client_caused[] = {
		"request", "Request", "onnection", "remote", "lient",
		"header", "Header", "chunk", "Content-Length", "application",
		"Application",
	};

	for (size_t i = 0; i < sizeof(client_caused) /
	    sizeof(client_caused[0]); i++)
		if (strstr(line, client_caused[i]) != NULL)
			return LOG_LEVEL_DEBUG;
	return LOG_LEVEL_WARNING;
}

static void
mhd_log(void *cls, const char *fm, va_list ap)
{
	enum log_level level;
	char line[512];
	size_t n;

	(void)cls;
	if (!log_enabled(LOG_LEVEL_WARNING))
		return;
	vsnprintf(line, sizeof(line), fm, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	level = mhd_log_level(line);
	if (log_enabled(level))
		log_msg(level, "http: mhd: %s", line);
}

/* MHD would otherwise decode %XX in the path and arguments; we decode once,
 * ourselves, from the raw target. */
static size_t
mhd_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_server *srv = cls;
	struct conn_req *r;

	(void)c;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->srv = srv;
	r->phase = PHASE_HEADERS;
	arena_init(&r->req.arena, srv->arena_cap);
	/* NULL when the target alone exceeds the arena: answered with 414
	 * on the first access call. */
	r->req.uri = arena_strdup(&r->req.arena, uri);
	r->req.listener = srv->listener_id;
	r->req.start_us = clock_mono_us();
	return r;
}

struct header_walk {
	struct http_request	*req;
	size_t			 n;
	bool			 failed;
};

static enum MHD_Result
header_count(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct header_walk *w = cls;

	(void)kind;
	(void)key;
	(void)key_size;
	(void)value;
	(void)value_size;
	w->n++;
	return MHD_YES;
}

static enum MHD_Result
header_copy(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct header_walk *w = cls;
	struct http_request *req = w->req;
	char *name, *val;

	(void)kind;
	if (req->nheaders == w->n)
		return MHD_NO;
	name = arena_strndup(&req->arena, key, key_size);
	val = arena_strndup(&req->arena, value != NULL ? value : "",
	    value != NULL ? value_size : 0);
	if (name == NULL || val == NULL) {
		w->failed = true;
		return MHD_NO;
	}
	str_lower(name);
	req->headers[req->nheaders].name = name;
	req->headers[req->nheaders].value = val;
	req->nheaders++;
	return MHD_YES;
}

static void
peer_copy(struct http_request *req, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	str_copy(req->peer, sizeof(req->peer), "-");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    req->peer, sizeof(req->peer));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    req->peer, sizeof(req->peer));
}

/* The subject of the client certificate, where the listener verifies
 * them (so a name in the audit trail is one the CA vouched for). The
 * handshake required one; without it, or without memory, refuse. */
static int
peer_cert_copy(struct http_server *srv, struct http_request *req,
    struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	if (!http_tls_verifies_clients(srv->tls))
		return 0;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	req->peer_cert = http_tls_peer_subject(ci->tls_session, &req->arena);
	return req->peer_cert != NULL ? 0 :
	    MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
}

/*
 * Copies what the handler needs out of MHD. Returns 0, or the HTTP status
 * to refuse the request with when it does not fit the arena (MHD's own
 * connection memory limit normally rejects such requests first).
 */
static int
req_copy_in(struct http_request *req, struct MHD_Connection *c,
    const char *method, const char *version)
{
	struct header_walk w = { .req = req };
	const char *v;
	uint64_t len;

	if (req->uri == NULL)
		return MHD_HTTP_URI_TOO_LONG;
	req->method = arena_strdup(&req->arena, method);
	req->version = arena_strdup(&req->arena, version);
	if (req->method == NULL || req->version == NULL)
		return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
	peer_copy(req, c);

	MHD_get_connection_values_n(c, MHD_HEADER_KIND, header_count, &w);
	if (w.n > 0) {
		if (w.n > SIZE_MAX / sizeof(*req->headers))
			return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
		req->headers = arena_alloc(&req->arena,
		    w.n * sizeof(*req->headers));
		if (req->headers == NULL)
			return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
		MHD_get_connection_values_n(c, MHD_HEADER_KIND, header_copy,
		    &w);
		if (w.failed)
			return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
	}

	/* MHD already refused malformed lengths with 400. */
	v = http_header_get(req, "content-length");
	if (v != NULL && str_to_u64(v, UINT64_MAX, &len)) {
		req->has_length = true;
		req->content_length = len;
	}
	v = http_header_get(req, "transfer-encoding");
	/* The same test MHD applies before it de-chunks the body. */
	if (v != NULL && strcasecmp(v, "chunked") == 0)
		req->chunked = true;
	return 0;
}

static ssize_t
stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_state *st = cls;
	ssize_t n;

	n = st->s.read(st->s.ctx, pos, buf, max);
	if (n < 0 || (size_t)n > max)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	st->req->resp.bytes_sent += (uint64_t)n;
	return n;
}

static void
stream_free(void *cls)
{
	struct stream_state *st = cls;

	if (st->s.free != NULL)
		st->s.free(st->s.ctx);
	free(st);
}

/* MHD sends no body for HEAD but announces the response size as
 * Content-Length; a sized callback response whose reader never runs
 * announces head_length without buffering anything. */
static ssize_t
head_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* A small stream read out in full; wiped when MHD lets go of it. */
struct small_body {
	size_t	len;
	char	data[];
};

static void
small_body_free(void *cls)
{
	struct small_body *b = cls;

	explicit_bzero(b->data, b->len);
	free(b);
}

/*
 * MHD gives a callback response a zeroed block of its own and sends its
 * headers and body in separate writes; for a small object (most GETs)
 * that calloc and the second send cost more than the rest of the reply.
 * Read the stream out now and hand MHD one buffer it sends with the
 * headers. A failed read closes the connection, as it would mid-stream.
 */
static struct MHD_Response *
small_stream(struct http_request *req)
{
	struct http_stream *s = &req->resp.stream;
	size_t done = 0, len = (size_t)s->len;
	struct small_body *b;
	struct MHD_Response *m;
	ssize_t n;

	b = malloc(sizeof(*b) + len);
	if (b == NULL)
		return NULL;
	b->len = len;
	while (done < len) {
		n = s->read(s->ctx, done, b->data + done, len - done);
		if (n <= 0 || (size_t)n > len - done) {
			small_body_free(b);
			return NULL;
		}
		done += (size_t)n;
	}
	m = MHD_create_response_from_buffer_with_free_callback_cls(len,
	    b->data, small_body_free, b);
	if (m == NULL) {
		small_body_free(b);
		return NULL;
	}
	if (s->free != NULL)
		s->free(s->ctx);
	memset(s, 0, sizeof(*s));
	req->resp.bytes_sent = len;
	return m;
}

/* Moves the body or stream of resp into a new MHD response; NULL on
 * failure, with whatever was not moved still owned by the request. */
static struct MHD_Response *
resp_create(struct http_request *req, bool head)
{
	struct http_response *resp = &req->resp;
	struct MHD_Response *m = NULL;
	struct stream_state *st;

	if (head && resp->head_length_set)
		return MHD_create_response_from_callback(resp->head_length,
		    HTTP_STREAM_BLOCK, head_reader, NULL, NULL);
	if (resp->stream.read != NULL && !head &&
	    resp->stream.len <= HTTP_SMALL_STREAM)
		return small_stream(req);
	if (resp->stream.read != NULL) {
		st = malloc(sizeof(*st));
		if (st == NULL)
			return NULL;
		st->s = resp->stream;
		st->req = req;
		m = MHD_create_response_from_callback(resp->stream.len,
		    resp->stream.len > 0 && resp->stream.len < HTTP_STREAM_BLOCK ?
		    (size_t)resp->stream.len : HTTP_STREAM_BLOCK,
		    stream_reader, st, stream_free);
		if (m == NULL) {
			free(st);
			return NULL;
		}
		/* From here MHD calls stream_free exactly once. */
		memset(&resp->stream, 0, sizeof(resp->stream));
		return m;
	}
	if (resp->body != NULL && resp->body_len > 0) {
		m = MHD_create_response_from_buffer(resp->body_len,
		    resp->body, MHD_RESPMEM_MUST_FREE);
		if (m != NULL) {
			resp->body = NULL;
			if (!head)
				resp->bytes_sent = resp->body_len;
		}
		return m;
	}
	return MHD_create_response_from_buffer(0, NULL,
	    MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result
respond(struct conn_req *r, struct MHD_Connection *c)
{
	struct http_response *resp = &r->req.resp;
	struct MHD_Response *m;
	enum MHD_Result ret;
	bool head;
	int status;

	r->phase = PHASE_QUEUED;
	head = r->req.method != NULL && strcmp(r->req.method, "HEAD") == 0;
	status = resp->status;
	if (status < 100 || status > 999)
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	m = resp_create(&r->req, head);
	if (m == NULL) {
		log_warnx("http: cannot create a response; closing");
		return MHD_NO;
	}
	for (size_t i = 0; i < resp->nheaders; i++)
		if (MHD_add_response_header(m, resp->headers[i].name,
		    resp->headers[i].value) != MHD_YES)
			log_debug("http: ignoring response header '%s'",
			    resp->headers[i].name);
	if (resp->close)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	ret = MHD_queue_response(c, (unsigned)status, m);
	/* The connection holds its own reference until it is done. */
	MHD_destroy_response(m);
	if (ret != MHD_YES)
		log_debug("http: MHD refused to queue a %d response", status);
	return ret;
}

/*
 * body() answered HTTP_RESPOND. MHD 0.9.75 accepts a response only before
 * the first body byte or after the last, so "now" cannot be honoured:
 * a small remainder is read and discarded and the reply follows on a
 * connection that stays usable; a large or unbounded one closes the
 * connection at once (no reply), which beats reading gigabytes to say no.
 */
static enum MHD_Result
respond_mid_body(struct conn_req *r)
{
	const struct http_request *req = &r->req;

	if (req->has_length &&
	    req->content_length - req->body_bytes > HTTP_LINGER_MAX) {
		log_debug("http: closing instead of reading %llu more bytes",
		    (unsigned long long)(req->content_length -
		    req->body_bytes));
		return MHD_NO;
	}
	r->phase = PHASE_LINGER;
	r->linger_left = HTTP_LINGER_MAX;
	return MHD_YES;
}

static enum MHD_Result
first_call(struct conn_req *r, struct MHD_Connection *c, const char *method,
    const char *version)
{
	struct http_server *srv = r->srv;
	struct http_request *req = &r->req;
	int refuse;

	refuse = req_copy_in(req, c, method, version);
	if (refuse == 0)
		refuse = peer_cert_copy(srv, req, c);
	if (refuse != 0) {
		/* What was copied is partial: the handler gets a fresh arena
		 * and no request fields, only the chance to word the refusal
		 * in its own protocol. */
		arena_free(&req->arena);
		arena_init(&req->arena, srv->arena_cap);
		req->uri = req->method = req->version = NULL;
		req->peer_cert = NULL;
		req->headers = NULL;
		req->nheaders = 0;
		req->resp.status = refuse;
		if (srv->handler->refuse != NULL)
			srv->handler->refuse(srv->ctx, req);
		req->resp.close = true;
		return respond(r, c);
	}
	r->begun = true;
	atomic_fetch_add(&srv->inflight, 1);
	switch (srv->handler->begin(srv->ctx, req)) {
	case HTTP_READ:
		r->phase = PHASE_READ;
		return MHD_YES;
	case HTTP_DRAIN:
		r->phase = PHASE_DRAIN;
		return MHD_YES;
	case HTTP_RESPOND:
	default:
		return respond(r, c);
	}
}

/*
 * MHD 0.9.75 drives epoll edge-triggered and takes a recv() shorter than
 * its buffer to mean the socket is drained: a FIN that arrived together
 * with the last bytes raises no further edge and is never read. An upload
 * its client abandoned would then sit until conn_timeout with its temp
 * file and per-IP slot, and hold up SIGTERM's drain. So while a body is
 * still owed, look for that FIN here: one non-blocking peek per chunk.
 * (A FIN arriving later raises an edge of its own and MHD sees it.)
 */
static bool
peer_gone(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	ssize_t n;
	char b;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return false;
	n = recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct conn_req *r = *con_cls;
	size_t n;

	(void)url;
	if (r == NULL)
		return MHD_NO;	/* on_uri could not allocate */
	if (r->phase == PHASE_HEADERS)
		return first_call(r, c, method, version);
	n = *upload_data_size;
	if (n > 0) {
		*upload_data_size = 0;
		r->req.body_bytes += n;
		/* A body cut short can never complete: close now. */
		if (r->req.has_length &&
		    r->req.body_bytes < r->req.content_length &&
		    peer_gone(c)) {
			log_debug("http: client left after %llu of %llu body "
			    "bytes", (unsigned long long)r->req.body_bytes,
			    (unsigned long long)r->req.content_length);
			return MHD_NO;
		}
		if (r->phase == PHASE_LINGER) {
			if (n > r->linger_left)
				return MHD_NO;
			r->linger_left -= n;
			return MHD_YES;
		}
		if (r->phase != PHASE_READ)
			return MHD_YES;
		if (srv->handler->body == NULL) {
			r->phase = PHASE_DRAIN;
			return MHD_YES;
		}
		switch (srv->handler->body(srv->ctx, &r->req, upload_data,
		    n)) {
		case HTTP_READ:
			return MHD_YES;
		case HTTP_DRAIN:
			r->phase = PHASE_DRAIN;
			return MHD_YES;
		case HTTP_RESPOND:
		default:
			return respond_mid_body(r);
		}
	}
	if (r->phase == PHASE_QUEUED)
		return MHD_YES;
	if (r->phase == PHASE_READ && srv->handler->end != NULL)
		srv->handler->end(srv->ctx, &r->req);
	return respond(r, c);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct conn_req *r = *con_cls;

	(void)c;
	if (r == NULL)
		return;
	*con_cls = NULL;
	if (r->begun) {
		srv->handler->done(srv->ctx, &r->req,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
		atomic_fetch_sub(&srv->inflight, 1);
	}
	conn_req_free(r);
}

/*
 * TLS: each new connection gets the credentials current when it is
 * accepted (its session exists, its handshake has not begun), and gives
 * them back when it closes; see http_tls.c.
 */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		http_tls_session_end(srv->tls, *socket_context);
		*socket_context = NULL;
		return;
	}
	*socket_context = NULL;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci != NULL && ci->tls_session != NULL)
		*socket_context = http_tls_session_begin(srv->tls,
		    ci->tls_session);
	/* Without credentials the handshake fails: no certificate. */
}

/* MHD insists on a certificate source at start; on_connection installs
 * per-session credentials that carry their own, so this is never the one
 * a handshake uses. */
static int
no_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
    int nreqs, const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
    gnutls_pcert_st **pcert, unsigned int *pcert_length,
    gnutls_privkey_t *pkey)
{
	(void)session;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	(void)pcert;
	(void)pkey;
	*pcert_length = 0;
	return -1;
}

static uint16_t
bound_port(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *di;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (di != NULL && di->port != 0)
		return di->port;
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
	if (di == NULL || getsockname(di->listen_fd, (struct sockaddr *)&ss,
	    &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

enum err
http_server_start(const struct http_settings *s, struct http_server **ret)
{
	struct http_server *srv = NULL;
	struct listen_sock own, *sock = s != NULL ? s->sock : NULL;
	struct MHD_OptionItem extra[6];
	unsigned flags, threads, timeout;
	size_t memory, nextra = 0;
	enum err r = ERR_OK;
	bool v6;

	if (s == NULL || s->handler == NULL || s->handler->begin == NULL ||
	    s->handler->done == NULL)
		return ERR_INVALID_ARGUMENT;
	own.fd = -1;
	if (sock == NULL) {
		char why[128];

		/* Not logged unless the bind failed: the caller validates
		 * its configuration and says which setting was wrong. */
		r = listen_open(s->listen, &own, why, sizeof(why));
		if (r == ERR_IO)
			log_errx("http: cannot listen on '%s': %s", s->listen,
			    why);
		if (r != ERR_OK)
			goto out;
		sock = &own;
	}
	v6 = sock->v6;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	srv->handler = s->handler;
	srv->ctx = s->ctx;
	srv->listener_id = s->listener_id;
	srv->tls = s->tls;
	srv->arena_cap = s->arena_cap != 0 ? s->arena_cap :
	    HTTP_DEFAULT_ARENA_CAP;
	atomic_init(&srv->inflight, 0);
	atomic_init(&srv->quiesced, false);

	threads = s->threads != 0 ? s->threads : HTTP_DEFAULT_THREADS;
	timeout = s->conn_timeout_s != 0 ? s->conn_timeout_s :
	    HTTP_DEFAULT_CONN_TIMEOUT_S;
	memory = s->conn_memory != 0 ? s->conn_memory :
	    HTTP_DEFAULT_CONN_MEMORY;
	/* Options whose "unset" must not reach MHD as 0: a pool of one is
	 * no pool, and a connection limit of 0 would refuse everyone. */
	if (threads > 1)
		extra[nextra++] = (struct MHD_OptionItem){
		    MHD_OPTION_THREAD_POOL_SIZE, threads, NULL };
	if (s->conn_limit != 0)
		extra[nextra++] = (struct MHD_OptionItem){
		    MHD_OPTION_CONNECTION_LIMIT, s->conn_limit, NULL };
	if (s->tls != NULL) {
		extra[nextra++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTP_TLS_PRIORITY };
		extra[nextra++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)no_cert };
		extra[nextra++] = (struct MHD_OptionItem){
		    MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection,
		    srv };
	}
	extra[nextra++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	/* epoll, whose missed FINs peer_gone() makes up for: poll() sees
	 * them too, but cost 10-20 % of the small-request rate (4 KiB GETs,
	 * KMS Decrypt over 64 connections) in A/B runs. */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (s->tls != NULL)
		flags |= MHD_USE_TLS;
	/* The socket is bound already (listen.c): MHD takes it over and
	 * closes it when it stops. */
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_access, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)NULL,
	    MHD_OPTION_LISTEN_SOCKET, sock->fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_ip_limit,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)srv,
	    MHD_OPTION_UNESCAPE_CALLBACK, mhd_unescape, (void *)NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)srv,
	    MHD_OPTION_ARRAY, extra,
	    MHD_OPTION_END);
	if (srv->daemon == NULL) {
		log_errx("http: cannot listen on '%s'", s->listen != NULL ?
		    s->listen : sock->address);
		r = ERR_IO;
		goto out;
	}
	sock->fd = -1;
	srv->port = bound_port(srv->daemon);
	snprintf(srv->address, sizeof(srv->address), "%s", sock->address);
	*ret = srv;
	srv = NULL;
out:
	listen_close(&own);
	free(srv);
	return r;
}

uint16_t
http_server_port(const struct http_server *srv)
{
	return srv->port;
}

const char *
http_server_address(const struct http_server *srv)
{
	return srv->address;
}

void
http_server_quiesce(struct http_server *srv)
{
	MHD_socket fd;

	if (srv == NULL || atomic_exchange(&srv->quiesced, true))
		return;
	/* MHD hands the listening socket back; closing it makes new
	 * connects fail at once instead of queueing in the backlog. */
	fd = MHD_quiesce_daemon(srv->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

unsigned
http_server_inflight(const struct http_server *srv)
{
	return atomic_load(&srv->inflight);
}

unsigned
http_server_connections(const struct http_server *srv)
{
	const union MHD_DaemonInfo *di;

	di = MHD_get_daemon_info(srv->daemon,
	    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di != NULL ? di->num_connections : 0;
}

void
http_server_stop(struct http_server *srv)
{
	if (srv == NULL)
		return;
	/* Closes every connection; on_completed runs for each, so done()
	 * is still called exactly once per begun request. */
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
