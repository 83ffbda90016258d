/* SPDX-License-Identifier: ISC */
/*
 * http.h: the libmicrohttpd adapter (L1). The only code that sees MHD.
 *
 * A server owns one listening socket served by an epoll thread pool. For each
 * request it creates a struct http_request, copies everything the
 * application needs out of MHD (raw URI, headers, peer), and drives four
 * callbacks of a struct http_handler:
 *
 *   begin(req)        headers complete; decide whether to read the body
 *   body(req, p, n)   zero or more body chunks (Content-Length or chunked)
 *   end(req)          body complete; fill req->resp
 *   done(req, ok)     response sent or connection lost; free app state
 *
 * The handler never blocks MHD's bookkeeping: responses are queued only after
 * the body was consumed (MHD 0.9.75 closes keep-alive connections otherwise)
 * unless begin/body ask for an early reply with HTTP_RESPOND.
 *
 * With http_settings.tls the listener speaks HTTPS only (http_tls.h): MHD's
 * own GnuTLS, the credentials of the moment installed on each connection,
 * and, under mutual TLS, the verified client's subject in req->peer_cert.
 *
 * Knows nothing about OSS: no XML, no error table. Thread-safe.
 */
#ifndef COFFER_HTTP_HTTP_H
#define COFFER_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/kv.h"
#include "http/http_tls.h"


/* A streamed response body. read() fills up to max bytes at pos and returns
 * the count, 0 only at the end, or -1 to abort the connection (the client
 * sees a truncated body, as with any server failing mid-stream). */
struct http_stream {
	uint64_t	 len;
	ssize_t		(*read)(void *ctx, uint64_t pos, char *buf, size_t max);
	void		(*free)(void *ctx);
	void		*ctx;
};

struct http_response {
	int			 status;	/* 0 = not filled (becomes 500) */
	struct kv		*headers;	/* arena; names as given */
	size_t			 nheaders;
	size_t			 cap;
	char			*body;		/* malloc'd, owned by http/ */
	size_t			 body_len;
	struct http_stream	 stream;	/* used when stream.read != NULL */
	/* HEAD replies: the Content-Length to announce with no body. */
	bool			 head_length_set;
	uint64_t		 head_length;
	bool			 close;		/* send Connection: close */
	uint64_t		 bytes_sent;	/* filled by http/ before done() */
};

struct http_request {
	struct arena		 arena;		/* request-scoped, capped */
	const char		*method;	/* "GET", "PUT", ... */
	const char		*uri;		/* raw request target, undecoded */
	const char		*version;	/* "HTTP/1.1" */
	struct kv		*headers;	/* names lower-cased, in arena */
	size_t			 nheaders;
	char			 peer[64];	/* "127.0.0.1" */
	/* Subject DN of the client certificate verified by the listener's
	 * client CA (mutual TLS), in the arena; NULL without one. */
	const char		*peer_cert;
	bool			 has_length;	/* Content-Length present */
	uint64_t		 content_length;
	bool			 chunked;	/* Transfer-Encoding: chunked */
	uint64_t		 body_bytes;	/* received so far */
	int64_t			 start_us;	/* clock_mono_us() at arrival */
	int			 listener;	/* http_settings.listener_id */
	struct http_response	 resp;
	void			*app;		/* owned by the handler */
};

/* First value of header lname (lower-case), or NULL. */
const char *http_header_get(const struct http_request *req, const char *lname);
/* Adds a response header (strings copied into the request arena). */
enum err http_resp_header(struct http_request *req, const char *name,
    const char *value);
/* Replaces any body with a copy of p[0..n). */
enum err http_resp_body(struct http_request *req, const void *p, size_t n);
/* Takes ownership of a malloc'd body. */
void http_resp_body_take(struct http_request *req, char *p, size_t n);

enum http_next {
	HTTP_READ,	/* deliver the body to body(), then call end() */
	HTTP_DRAIN,	/* resp is filled: read and discard the body, then send */
	HTTP_RESPOND,	/* resp is filled: send now; an unread body closes
			   the connection afterwards */
};

struct http_handler {
	enum http_next	(*begin)(void *ctx, struct http_request *req);
	enum http_next	(*body)(void *ctx, struct http_request *req,
			    const char *p, size_t n);
	void		(*end)(void *ctx, struct http_request *req);
	void		(*done)(void *ctx, struct http_request *req,
			    bool completed);
	/* Optional. A request http/ refuses before begin(), because its
	 * target or headers do not fit the request arena: resp.status is
	 * the refusal (414 or 431) and may be changed, the arena is empty,
	 * uri, method and headers are NULL. Fills resp like begin() would;
	 * done() is not called. Without it the refusal has no body. The
	 * connection is closed after the reply. */
	void		(*refuse)(void *ctx, struct http_request *req);
};

struct listen_sock;

struct http_settings {
	const char		*listen;	/* "127.0.0.1:8420"; port 0 = any */
	/* Bound already (base/listen.h); NULL: bind listen here. Its fd is
	 * taken over on success (set to -1), left to the caller on failure. */
	struct listen_sock	*sock;
	unsigned		 threads;	/* epoll pool size */
	unsigned		 conn_timeout_s;/* idle and slow-client timeout */
	unsigned		 conn_limit;	/* total connections */
	unsigned		 per_ip_limit;	/* connections per client IP */
	size_t			 conn_memory;	/* MHD per-connection memory */
	size_t			 arena_cap;	/* per-request arena cap */
	int			 listener_id;	/* copied to req->listener */
	struct http_tls		*tls;		/* NULL: plain HTTP */
	const struct http_handler *handler;
	void			*ctx;
};

struct http_server;

/* ERR_INVALID_ARGUMENT for a bad listen address, ERR_NOT_FOUND for a name
 * that does not resolve, ERR_IO when the socket cannot be bound (logged). */
enum err http_server_start(const struct http_settings *s,
    struct http_server **ret);
/* Bound port (useful with port 0) and the "addr:port" string. */
uint16_t http_server_port(const struct http_server *srv);
const char *http_server_address(const struct http_server *srv);
/* Stops accepting new connections; in-flight requests continue. */
void http_server_quiesce(struct http_server *srv);
/* Requests between begin() and done(). */
unsigned http_server_inflight(const struct http_server *srv);
/* Client connections open now (idle keep-alive ones included). */
unsigned http_server_connections(const struct http_server *srv);
/* Closes everything and frees srv; NULL-safe. */
void http_server_stop(struct http_server *srv);

#endif
