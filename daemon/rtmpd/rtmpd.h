/* SPDX-License-Identifier: ISC */
/*
 * rtmpd.h: the RTMP ingest listener (spec rtmp-ingest.md): one thread that
 * polls every connection, runs the handshake, the chunk stream and the
 * publish commands, authenticates the publisher by the signed RTMP URL,
 * claims the LiveChannel (live/) and writes the stream as HLS objects
 * through the daemon's own write path (object/internal_put.c).
 */
#ifndef COFFER_RTMPD_RTMPD_H
#define COFFER_RTMPD_RTMPD_H

#include "base/err.h"

struct api;
struct rtmpd;

struct listen_sock;

struct rtmpd_settings {
	const char	*listen;	/* HOST:PORT; port 0 picks one */
	/* Bound already (base/listen.h); NULL: bind listen here. Its fd is
	 * taken over, also on failure. */
	struct listen_sock *sock;
	struct api	*api;
	/* The node id its claims name (live.h, struct live_node); "" for a
	 * node alone on its data dir. */
	const char	*node;
	unsigned	 max_conns;	/* beyond it, new sockets are closed */
	unsigned	 idle_s;	/* no byte for this long: closed */
};

/* Binds, clears publisher claims left by a previous run of this node
 * and starts the thread, which also releases the claims of nodes that
 * died (live_sessions_release_lost). ERR_INVALID_ARGUMENT /
 * ERR_NOT_FOUND / ERR_IO as listen_open. */
enum err rtmpd_start(const struct rtmpd_settings *s, struct rtmpd **ret);
/* "127.0.0.1:1935": the bound address. */
const char *rtmpd_address(const struct rtmpd *d);
/* NULL-safe: ends every session (their last segment is written) and joins
 * the thread. */
void rtmpd_stop(struct rtmpd *d);

#endif
