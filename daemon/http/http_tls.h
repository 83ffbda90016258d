/* SPDX-License-Identifier: ISC */
/*
 * http_tls.h: TLS credentials of a listener, re-readable at run time (L1).
 *
 * A struct http_tls names a PEM certificate chain, its private key and,
 * for mutual TLS, a CA that client certificates must chain to. It is
 * handed to http_server_start() through http_settings.tls; the server
 * installs the credentials of the moment on each new connection.
 * http_tls_reload() re-reads the files for the connections that follow.
 * Thread-safe.
 */
#ifndef COFFER_HTTP_HTTP_TLS_H
#define COFFER_HTTP_HTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"

#define HTTP_TLS_PATH_MAX	4096
/* TLS 1.2 and 1.3 only, AEAD suites with forward secrecy, ours first. */
#define HTTP_TLS_PRIORITY \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:" \
	"-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE"

struct http_tls;

/* Loads the files (client_ca NULL or "" for no client verification).
 * ERR_IO or ERR_INVALID_ARGUMENT, logged by path, on a file that cannot be
 * read or used. */
enum err http_tls_open(const char *cert, const char *key,
    const char *client_ca, struct http_tls **ret);
/* Re-reads the files; on failure the credentials in use stay. */
enum err http_tls_reload(struct http_tls *tls);
bool http_tls_verifies_clients(const struct http_tls *tls);
/* After http_server_stop() of every server using it; NULL-safe. */
void http_tls_close(struct http_tls *tls);

/* For http_server.c: install the current credentials on a new GnuTLS
 * session (returns the reference to hand back, NULL on failure), release
 * it when the connection closes, and copy the peer certificate's subject
 * DN into a (NULL without a certificate, or out of memory). */
void *http_tls_session_begin(struct http_tls *tls, void *session);
void http_tls_session_end(struct http_tls *tls, void *gen);
const char *http_tls_peer_subject(void *session, struct arena *a);

#endif
