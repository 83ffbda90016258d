/* SPDX-License-Identifier: ISC */
/*
 * rtmpd_session.c: the messages of one RTMP connection (spec
 * rtmp-ingest.md §1, §3, §5): protocol control, the commands of a publish
 * session (connect, createStream, publish, and the ones that need no
 * reply), and media, which goes to the HLS packager once the channel is
 * claimed. A refused publish gets onStatus level "error" with
 * NetStream.Publish.BadName and a description naming the OSS code, then
 * the connection closes (ffmpeg exits 1: "Server error: ...").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "rtmpd/rtmpd_int.h"

static void
send_msg(struct conn *c, uint32_t csid, uint8_t type, uint32_t msid,
    const uint8_t *p, size_t n)
{
	struct rtmp_wbuf w = { c->out, c->out_len, sizeof(c->out), false };

	rtmp_chunk_write(&w, csid, 0, type, msid, p, n, c->out_chunk);
	/* Replies are a few hundred bytes; a peer that does not read them
	 * fills the buffer and is closed by the caller's next check. */
	if (!w.overflow)
		c->out_len = w.len;
}

static void
send_u32(struct conn *c, uint8_t type, uint32_t v, int extra)
{
	uint8_t b[5] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v, (uint8_t)extra };

	send_msg(c, 2, type, 0, b, extra >= 0 ? 5 : 4);
}

static void
send_status(struct conn *c, uint32_t msid, const char *level,
    const char *code, const char *desc)
{
	uint8_t b[1024];
	struct rtmp_wbuf w = { b, 0, sizeof(b), false };

	amf0_put_string(&w, "onStatus");
	amf0_put_number(&w, 0);
	/* ffmpeg skips two values before the object: the null is needed. */
	amf0_put_null(&w);
	amf0_put_object_begin(&w);
	amf0_put_key(&w, "level");
	amf0_put_string(&w, level);
	amf0_put_key(&w, "code");
	amf0_put_string(&w, code);
	amf0_put_key(&w, "description");
	amf0_put_string(&w, desc);
	amf0_put_object_end(&w);
	if (!w.overflow)
		send_msg(c, 5, RTMP_COMMAND_AMF0, msid, b, w.len);
}

static void
on_connect(struct conn *c, double txn, struct amf0_cursor *cur)
{
	struct amf0_value obj, v;
	uint8_t b[512];
	struct rtmp_wbuf w = { b, 0, sizeof(b), false };

	if (amf0_next(cur, &obj)) {
		if (amf0_member(&obj, "app", &v))
			amf0_str_copy(&v, c->app, sizeof(c->app));
		if (amf0_member(&obj, "tcUrl", &v))
			amf0_str_copy(&v, c->tcurl, sizeof(c->tcurl));
	}
	send_u32(c, RTMP_WINDOW_ACK, 2500000, -1);
	send_u32(c, RTMP_PEER_BW, 2500000, 2);
	send_u32(c, RTMP_SET_CHUNK_SIZE, RTMPD_OUT_CHUNK, -1);
	c->out_chunk = RTMPD_OUT_CHUNK;
	amf0_put_string(&w, "_result");
	amf0_put_number(&w, txn);
	amf0_put_object_begin(&w);
	amf0_put_key(&w, "fmsVer");
	amf0_put_string(&w, "FMS/3,0,1,123");
	amf0_put_key(&w, "capabilities");
	amf0_put_number(&w, 31);
	amf0_put_object_end(&w);
	amf0_put_object_begin(&w);
	amf0_put_key(&w, "level");
	amf0_put_string(&w, "status");
	amf0_put_key(&w, "code");
	amf0_put_string(&w, "NetConnection.Connect.Success");
	amf0_put_key(&w, "description");
	amf0_put_string(&w, "Connection succeeded.");
	amf0_put_key(&w, "objectEncoding");
	amf0_put_number(&w, 0);
	amf0_put_object_end(&w);
	if (!w.overflow)
		send_msg(c, 3, RTMP_COMMAND_AMF0, 0, b, w.len);
}

static void
on_create_stream(struct conn *c, double txn)
{
	uint8_t b[64];
	struct rtmp_wbuf w = { b, 0, sizeof(b), false };

	amf0_put_string(&w, "_result");
	amf0_put_number(&w, txn);
	amf0_put_null(&w);
	amf0_put_number(&w, RTMPD_STREAM_ID);
	send_msg(c, 3, RTMP_COMMAND_AMF0, 0, b, w.len);
}

static void
refuse(struct conn *c, uint32_t msid, const char *what, enum err r)
{
	const struct err_info *e = err_info(r);
	char desc[256];

	snprintf(desc, sizeof(desc), "%s: %s", e->code, e->msg);
	log_notice("rtmp: %s: publish to '%s' refused: %s (%s)", c->peer,
	    what, e->code, e->ec ? e->ec : "-");
	send_status(c, msid, "error", "NetStream.Publish.BadName", desc);
	c->state = CONN_CLOSING;
}

static void
on_publish(struct conn *c, uint32_t msid, struct amf0_cursor *cur)
{
	struct api *api = c->d->api;
	struct amf0_value v;
	struct live_channel *ch = NULL;
	struct bucket b;
	char name[2048], channel[LIVE_NAME_MAX + 1], playlist[LIVE_PLAYLIST_MAX + 1];
	char what[LIVE_NAME_MAX + 80];
	int64_t session = 0;
	enum err r;

	if (c->state == CONN_PUBLISHING)
		return;
	(void)amf0_next(cur, &v);	/* null */
	if (!amf0_next(cur, &v) || !amf0_str_copy(&v, name, sizeof(name))) {
		refuse(c, msid, "?", ERR_INVALID_ARGUMENT);
		return;
	}
	r = session_authorize(c, name, &b, channel, sizeof(channel),
	    playlist, sizeof(playlist));
	snprintf(what, sizeof(what), "%s/%s", r == ERR_OK ? b.name : "?",
	    r == ERR_OK ? channel : "?");
	if (r != ERR_OK) {
		refuse(c, msid, what, r);
		return;
	}
	ch = malloc(sizeof(*ch));
	if (ch == NULL) {
		refuse(c, msid, what, ERR_NOMEM);
		return;
	}
	c->beat_ms = clock_wall_ms();
	r = live_session_claim(api->db, b.id, channel,
	    &(struct live_node){ c->d->node, c->beat_ms }, c->peer,
	    clock_now_ms(api->clock), &session, ch);
	if (r == ERR_OK)
		r = hls_open(api, &b, ch, playlist, session, &c->hls);
	if (r != ERR_OK) {
		if (session != 0)
			(void)live_session_end(api->db, b.id, channel, session,
			    clock_now_ms(api->clock));
		free(ch);
		refuse(c, msid, what, r);
		return;
	}
	free(ch);
	{
		uint8_t sb[6] = { 0, 0, 0, 0, 0, RTMPD_STREAM_ID };

		send_msg(c, 2, RTMP_USER_CONTROL, 0, sb, sizeof(sb));
	}
	send_status(c, msid, "status", "NetStream.Publish.Start",
	    "Start publishing");
	c->state = CONN_PUBLISHING;
	log_notice("rtmp: %s: publishing '%s' (session %lld)", c->peer, what,
	    (long long)session);
}

static bool
on_command(struct conn *c, const struct rtmp_msg *m, size_t skip)
{
	struct amf0_cursor cur = { m->data + skip, m->len - skip };
	struct amf0_value name, txn;

	if (m->len < skip || !amf0_next(&cur, &name) ||
	    name.type != AMF0_STRING)
		return false;
	if (!amf0_next(&cur, &txn))
		txn.num = 0;
	if (amf0_str_eq(&name, "connect"))
		on_connect(c, txn.num, &cur);
	else if (amf0_str_eq(&name, "createStream"))
		on_create_stream(c, txn.num);
	else if (amf0_str_eq(&name, "publish"))
		on_publish(c, m->msid, &cur);
	else if (amf0_str_eq(&name, "deleteStream") ||
	    amf0_str_eq(&name, "closeStream") ||
	    amf0_str_eq(&name, "FCUnpublish")) {
		/* The end of the session: the rest is the socket closing. */
		if (c->state == CONN_PUBLISHING) {
			session_end(c);
			c->state = CONN_READY;
		}
	}
	/* releaseStream, FCPublish, _checkbw and others need no reply
	 * (ffmpeg does not wait for one). */
	return true;
}

static void
on_data(struct conn *c, const struct rtmp_msg *m)
{
	struct amf0_cursor cur = { m->data, m->len };
	struct amf0_value v, meta, f;
	unsigned w = 0, h = 0, fps = 0;

	if (c->hls == NULL || !amf0_next(&cur, &v))
		return;
	/* Some clients omit @setDataFrame (spec §7). */
	if (amf0_str_eq(&v, "@setDataFrame") && !amf0_next(&cur, &v))
		return;
	if (!amf0_str_eq(&v, "onMetaData") || !amf0_next(&cur, &meta))
		return;
	if (amf0_member(&meta, "width", &f) && f.type == AMF0_NUMBER &&
	    f.num >= 0 && f.num < 100000)
		w = (unsigned)f.num;
	if (amf0_member(&meta, "height", &f) && f.type == AMF0_NUMBER &&
	    f.num >= 0 && f.num < 100000)
		h = (unsigned)f.num;
	if (amf0_member(&meta, "framerate", &f) && f.type == AMF0_NUMBER &&
	    f.num >= 0 && f.num < 10000)
		fps = (unsigned)(f.num + 0.5);
	hls_metadata(c->hls, w, h, fps);
}

bool
session_message(struct conn *c, const struct rtmp_msg *m)
{
	const uint8_t *p = m->data;

	switch (m->type) {
	case RTMP_SET_CHUNK_SIZE:
		if (m->len < 4)
			return false;
		{
			uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			    (uint32_t)p[2] << 8 | p[3];

			if (v < 1 || v > RTMPD_CHUNK_MAX)
				return false;
			c->ch.chunk_size = v;
		}
		return true;
	case RTMP_ABORT:
		if (m->len >= 4)
			rtmp_chunk_abort(&c->ch, (uint32_t)p[0] << 24 |
			    (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
		return true;
	case RTMP_USER_CONTROL:
		/* PingRequest -> PingResponse with the same timestamp. */
		if (m->len >= 6 && p[0] == 0 && p[1] == 6) {
			uint8_t b[6] = { 0, 7, p[2], p[3], p[4], p[5] };

			send_msg(c, 2, RTMP_USER_CONTROL, 0, b, sizeof(b));
		}
		return true;
	case RTMP_COMMAND_AMF0:
		return on_command(c, m, 0);
	case RTMP_COMMAND_AMF3:
		/* AMF3 command: one format byte, then AMF0 (spec §3). */
		return on_command(c, m, 1);
	case RTMP_DATA_AMF0:
		on_data(c, m);
		return true;
	case RTMP_VIDEO:
	case RTMP_AUDIO:
		if (c->state != CONN_PUBLISHING || c->hls == NULL)
			return true;
		{
			enum err r = m->type == RTMP_VIDEO ?
			    hls_video(c->hls, m->ts, p, m->len) :
			    hls_audio(c->hls, m->ts, p, m->len);

			if (r == ERR_OK || r == ERR_INVALID_ARGUMENT)
				return true;
			log_warnx("rtmp: %s: cannot store the stream: %s; "
			    "closing", c->peer, err_name(r));
			return false;
		}
	default:
		/* Acks, bandwidth, aggregates: nothing we need. */
		return true;
	}
}

bool
session_check(struct conn *c)
{
	struct hls *h = c->hls;
	int64_t wall = clock_wall_ms(), beat = 0;
	enum err r;

	if (h == NULL)
		return true;
	if (wall - c->beat_ms >= LIVE_BEAT_MS)
		beat = wall;
	r = live_session_check(c->d->api->db, h->bucket.id, h->channel,
	    h->session, beat);
	if (r == ERR_OK && beat != 0)
		c->beat_ms = beat;
	/* A database that does not answer decides nothing: keep going, and
	 * learn on a later round whether another node took the claim. */
	if (r != ERR_LIVE_CHANNEL_DISABLED && r != ERR_NO_SUCH_LIVE_CHANNEL)
		return true;
	log_notice("rtmp: %s: '%s/%s' %s; disconnecting the publisher",
	    c->peer, h->bucket.name, h->channel,
	    r == ERR_LIVE_CHANNEL_DISABLED ? "was disabled" : "is gone");
	return false;
}

void
session_end(struct conn *c)
{
	struct hls *h = c->hls;
	struct api *api = c->d->api;
	int64_t bucket, session;
	char channel[LIVE_NAME_MAX + 1];

	if (h == NULL)
		return;
	bucket = h->bucket.id;
	session = h->session;
	str_copy(channel, sizeof(channel), h->channel);
	c->hls = NULL;
	hls_close(h);
	if (live_session_end(api->db, bucket, channel, session,
	    clock_now_ms(api->clock)) != ERR_OK)
		log_warnx("rtmp: could not release channel '%s'; the next "
		    "start releases it", channel);
	log_notice("rtmp: %s: publishing of '%s' ended", c->peer, channel);
}
