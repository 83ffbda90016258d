/* SPDX-License-Identifier: ISC */
/*
 * rtmpd_server.c: the RTMP listener's socket side: bind, one poll(2)
 * thread for the listening socket and every connection, bounded buffers,
 * timeouts (handshake, idle) and the once-a-second claim check that kicks
 * a publisher of a disabled channel. Messages go to rtmpd_session.c.
 *
 * One thread is enough for the few publishers a node takes: the work per
 * byte is a copy into a TS packet; the object writes at segment cuts
 * block the loop for one fsync'd commit, which the peers' socket buffers
 * absorb.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api_int.h"
#include "base/clock.h"
#include "base/listen.h"
#include "base/log.h"
#include "base/str.h"
#include "rtmpd/rtmpd_int.h"

static int64_t
mono_ms(void)
{
	return clock_mono_us() / 1000;
}

static void
conn_free(struct conn *c)
{
	session_end(c);
	rtmp_chunker_done(&c->ch);
	close(c->fd);
	free(c->in);
	free(c);
}

static void
conn_accept(struct rtmpd *d)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct conn *c;
	char ip[INET_ADDRSTRLEN];
	int fd, one = 1;

	fd = accept4(d->fd, (struct sockaddr *)&sin, &sl,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (d->nconns >= d->max_conns) {
		log_warnx("rtmp: %u connections; refusing another",
		    d->nconns);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->in = malloc(RTMPD_IN_BYTES);
	if (c == NULL || c->in == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->d = d;
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
	snprintf(c->peer, sizeof(c->peer), "%s:%u", ip, ntohs(sin.sin_port));
	c->opened_ms = c->last_in_ms = c->checked_ms = mono_ms();
	c->out_chunk = RTMP_DEFAULT_CHUNK;
	rtmp_hs_init(&c->hs);
	rtmp_chunker_init(&c->ch, RTMPD_MSG_BUFFERED);
	d->conns[d->nconns++] = c;
	log_debug("rtmp: connection from %s", c->peer);
}

static bool
conn_flush(struct conn *c)
{
	while (c->out_len > 0) {
		ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR;
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
	return true;
}

/* Consumes c->in: handshake bytes, then chunks. False closes. */
static bool
conn_process(struct conn *c)
{
	size_t off = 0, used;
	bool ok = true;

	while (ok && off < c->in_len && c->state != CONN_CLOSING) {
		if (c->state == CONN_HANDSHAKE) {
			enum rtmp_hs_state s = c->hs.state;
			enum rtmp_hs_state ns = rtmp_hs_feed(&c->hs,
			    c->in + off, c->in_len - off,
			    (uint32_t)(mono_ms() - c->opened_ms), &used);

			if (ns == RTMP_HS_BAD) {
				ok = false;
				break;
			}
			if (s == RTMP_HS_WAIT_C0C1 && ns == RTMP_HS_WAIT_C2) {
				/* out[] is empty before the handshake. */
				memcpy(c->out, c->hs.out, sizeof(c->hs.out));
				c->out_len = sizeof(c->hs.out);
			}
			if (ns == RTMP_HS_DONE)
				c->state = CONN_READY;
			if (used == 0)
				break;
			off += used;
			continue;
		}
		{
			struct rtmp_msg m;
			enum rtmp_parse p = rtmp_chunk_parse(&c->ch,
			    c->in + off, c->in_len - off, &used, &m);

			if (p == RTMP_BAD) {
				log_info("rtmp: %s: protocol error; closing",
				    c->peer);
				ok = false;
				break;
			}
			if (p == RTMP_NEED_MORE)
				break;
			off += used;
			if (p == RTMP_MESSAGE)
				ok = session_message(c, &m);
		}
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return ok;
}

static bool
conn_read(struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_len == RTMPD_IN_BYTES)
			/* Only a chunk larger than the buffer can stall
			 * here, and RTMPD_CHUNK_MAX forbids one. */
			return false;
		n = recv(c->fd, c->in + c->in_len, RTMPD_IN_BYTES - c->in_len,
		    0);
		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->in_len += (size_t)n;
		c->last_in_ms = mono_ms();
		if (!conn_process(c))
			return false;
		if (c->state == CONN_CLOSING)
			return true;
	}
}

static void
conn_drop(struct rtmpd *d, unsigned i)
{
	conn_free(d->conns[i]);
	d->conns[i] = d->conns[--d->nconns];
}

/* Claims of nodes that died (their heartbeats stopped): without this they
 * would stay Live, refusing Put/DeleteLiveChannel, until that node comes
 * back. Every node runs it; each release is a compare-and-set. */
static void
release_lost(struct rtmpd *d)
{
	struct api *api = d->api;
	unsigned n;

	if (live_sessions_release_lost(api->db, &(struct live_node){ d->node,
	    clock_wall_ms() }, clock_now_ms(api->clock), &n) != ERR_OK)
		return;	/* the next round tries again */
	if (n > 0)
		log_notice("rtmp: released %u LiveChannel claim(s) of a node "
		    "silent for %d s", n, LIVE_HOLDER_LOST_MS / 1000);
}

static void *
rtmpd_main(void *arg)
{
	struct rtmpd *d = arg;
	struct pollfd *pfd;

	pfd = calloc(d->max_conns + 2, sizeof(*pfd));
	if (pfd == NULL) {
		log_errx("rtmp: out of memory; listener stopped");
		return NULL;
	}
	while (!d->stop) {
		int64_t now;
		unsigned n = 2;

		pfd[0].fd = d->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = d->wake[0];
		pfd[1].events = POLLIN;
		for (unsigned i = 0; i < d->nconns; i++, n++) {
			struct conn *c = d->conns[i];

			pfd[n].fd = c->fd;
			pfd[n].events = (short)((c->state != CONN_CLOSING &&
			    c->out_len < RTMPD_OUT_BYTES / 2 ? POLLIN : 0) |
			    (c->out_len > 0 ? POLLOUT : 0));
			pfd[n].revents = 0;
		}
		if (poll(pfd, n, 250) < 0 && errno != EINTR)
			break;
		now = mono_ms();
		/* Back to front: conn_drop moves the last one into i. */
		for (unsigned i = d->nconns; i-- > 0;) {
			struct conn *c = d->conns[i];
			short re = i + 2 < n ? pfd[i + 2].revents : 0;
			bool ok = true;

			if (re & (POLLERR | POLLHUP | POLLNVAL) &&
			    !(re & POLLIN))
				ok = false;
			if (ok && (re & POLLIN))
				ok = conn_read(c);
			if (ok && c->out_len > 0)
				ok = conn_flush(c);
			if (ok && c->state == CONN_CLOSING && c->out_len == 0)
				ok = false;
			if (ok && c->state == CONN_HANDSHAKE &&
			    now - c->opened_ms > RTMPD_HANDSHAKE_MS)
				ok = false;
			if (ok && now - c->last_in_ms > (int64_t)d->idle_ms) {
				log_info("rtmp: %s: idle; closing", c->peer);
				ok = false;
			}
			if (ok && c->state == CONN_PUBLISHING &&
			    now - c->checked_ms >= RTMPD_CHECK_MS) {
				c->checked_ms = now;
				ok = session_check(c);
			}
			if (!ok)
				conn_drop(d, i);
		}
		if (now - d->swept_ms >= LIVE_BEAT_MS) {
			d->swept_ms = now;
			release_lost(d);
		}
		if (pfd[0].revents & POLLIN)
			conn_accept(d);
	}
	while (d->nconns > 0)
		conn_drop(d, d->nconns - 1);
	free(pfd);
	return NULL;
}

enum err
rtmpd_start(const struct rtmpd_settings *s, struct rtmpd **ret)
{
	struct listen_sock own, *sock = s->sock;
	struct rtmpd *d = NULL;
	char why[128];
	enum err r;

	own.fd = -1;
	if (sock == NULL) {
		r = listen_open(s->listen, &own, why, sizeof(why));
		if (r == ERR_IO)
			log_warnx("rtmp: cannot listen on '%s': %s", s->listen,
			    why);
		if (r != ERR_OK)
			return r;
		sock = &own;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		listen_close(sock);
		return ERR_NOMEM;
	}
	/* The socket is ours from here (closed by rtmpd_stop or below). */
	d->fd = sock->fd;
	sock->fd = -1;
	snprintf(d->address, sizeof(d->address), "%s", sock->address);
	d->api = s->api;
	str_copy(d->node, sizeof(d->node), s->node != NULL ? s->node : "");
	d->max_conns = s->max_conns ? s->max_conns : 64;
	d->idle_ms = (s->idle_s ? s->idle_s : 60) * 1000;
	d->wake[0] = d->wake[1] = -1;
	d->conns = calloc(d->max_conns, sizeof(*d->conns));
	if (d->conns == NULL) {
		r = ERR_NOMEM;
		goto fail;
	}
	/* Whoever held a channel here before a restart is gone. */
	r = live_sessions_reset(d->api->db, &(struct live_node){ d->node,
	    clock_wall_ms() }, clock_now_ms(d->api->clock));
	if (r != ERR_OK)
		goto fail;
	r = ERR_IO;
	if (pipe2(d->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		goto fail;
	if (pthread_create(&d->thread, NULL, rtmpd_main, d) != 0)
		goto fail;
	*ret = d;
	return ERR_OK;
fail:
	if (d->fd >= 0)
		close(d->fd);
	if (d->wake[0] >= 0) {
		close(d->wake[0]);
		close(d->wake[1]);
	}
	free(d->conns);
	free(d);
	return r;
}

const char *
rtmpd_address(const struct rtmpd *d)
{
	return d->address;
}

void
rtmpd_stop(struct rtmpd *d)
{
	if (d == NULL)
		return;
	d->stop = true;
	(void)!write(d->wake[1], "x", 1);
	pthread_join(d->thread, NULL);
	close(d->fd);
	close(d->wake[0]);
	close(d->wake[1]);
	free(d->conns);
	free(d);
}
