/* SPDX-License-Identifier: ISC */
/*
 * rtmpd_hls.c: a published stream as HLS objects (spec rtmp-ingest.md §8,
 * §9). FLV payloads become TS packets in the open segment's buffer; a
 * segment is cut before the first key frame once it holds FragDuration
 * (or, with no key frame, at max(2 FragDuration, 60 s), or at
 * RTMPD_SEGMENT_MAX bytes). A cut segment is stored as the object
 * "<channel>/<ms>.ts" through object_internal_put (encrypted, durable,
 * the retention guard: the daemon's one write path), recorded for VOD
 * playlists, and the playlist "<channel>/<PlaylistName>" is rewritten with
 * the newest FragCount segments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "object/object.h"
#include "rtmpd/rtmpd_int.h"

#define ES_MAX		(RTMP_MSG_MAX + 4096)
#define FORCED_CUT_MS	60000u

enum err
hls_open(struct api *api, const struct bucket *b,
    const struct live_channel *ch, const char *playlist, int64_t session,
    struct hls **ret)
{
	struct hls *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return ERR_NOMEM;
	h->api = api;
	h->bucket = *b;
	str_copy(h->channel, sizeof(h->channel), ch->name);
	/* A session's playlistName replaces the configured one (§9). */
	str_copy(h->playlist, sizeof(h->playlist),
	    playlist[0] ? playlist : ch->playlist);
	h->session = session;
	h->frag_ms = ch->frag_duration * 1000;
	h->frag_count = ch->frag_count;
	ts_writer_init(&h->ts);
	buf_init(&h->seg, RTMPD_SEGMENT_MAX + ES_MAX);
	buf_init(&h->es, ES_MAX);
	*ret = h;
	return ERR_OK;
}

static enum err
put_object(struct hls *h, const char *name, const void *p, size_t n,
    const char *type)
{
	char key[LIVE_NAME_MAX + LIVE_PLAYLIST_MAX + 2];
	enum err r;

	snprintf(key, sizeof(key), "%s/%s", h->channel, name);
	/* A segment waits out a root-key rotation rather than lose it. */
	api_gate_enter(h->api);
	r = object_internal_put(h->api, &h->bucket, key, p, n, type, NULL,
	    NULL);
	api_gate_leave(h->api);
	return r;
}

static void
media_store(struct hls *h)
{
	if (live_session_media(h->api->db, h->bucket.id, h->channel,
	    h->session, &h->media) != ERR_OK)
		log_debug("rtmp: stat of '%s' not updated", h->channel);
}

/* Stores the open segment and the playlist; the segment is closed either
 * way (a failed write loses it, the stream goes on). */
static enum err
segment_close(struct hls *h, uint32_t end_ts)
{
	struct live_segment *s;
	struct buf pl;
	unsigned dur = end_ts - h->start_ts;
	int64_t name_ms = h->start_ms;
	enum err r;

	h->open = false;
	if (h->seg.len == 0)
		return ERR_OK;
	if (dur == 0)
		dur = 1;
	/* Names only increase, even when the business clock stands. */
	if (name_ms <= h->last_name_ms)
		name_ms = h->last_name_ms + 1;
	h->last_name_ms = name_ms;
	if (h->nwin == h->frag_count) {
		memmove(h->win, h->win + 1, (h->nwin - 1) * sizeof(h->win[0]));
		h->nwin--;
		h->media_seq++;
	}
	s = &h->win[h->nwin];
	snprintf(s->name, sizeof(s->name), "%lld.ts", (long long)name_ms);
	s->start_ms = h->start_ms;
	s->duration_ms = dur;
	r = put_object(h, s->name, h->seg.data, h->seg.len, "video/MP2T");
	buf_reset(&h->seg);
	if (r != ERR_OK)
		return r;
	h->nwin++;
	r = live_segment_add(h->api->db, h->bucket.id, h->channel, s);
	if (r != ERR_OK)
		return r;
	buf_init(&pl, 64 * 1024);
	r = live_m3u8(&pl, h->media_seq, h->win, h->nwin, false);
	if (r == ERR_OK)
		r = put_object(h, h->playlist, pl.data, pl.len,
		    "application/x-mpegURL");
	buf_free(&pl);
	h->media.video_bw = (unsigned)(h->video_bytes * 1000 / dur);
	h->media.audio_bw = (unsigned)(h->audio_bytes * 1000 / dur);
	h->video_bytes = h->audio_bytes = 0;
	media_store(h);
	log_debug("rtmp: '%s/%s' %u ms", h->channel, s->name, dur);
	return r;
}

static enum err
segment_open(struct hls *h, uint32_t ts)
{
	h->open = true;
	h->start_ts = ts;
	h->start_ms = clock_now_ms(h->api->clock);
	buf_reset(&h->seg);
	return ts_write_tables(&h->ts, &h->seg, h->aac.ok);
}

/* Cuts when the open segment is too long or too big for any frame. */
static enum err
maybe_force_cut(struct hls *h, uint32_t ts)
{
	uint32_t limit = 2 * h->frag_ms > FORCED_CUT_MS ? 2 * h->frag_ms :
	    FORCED_CUT_MS;
	enum err r;

	if (!h->open || (ts - h->start_ts < limit &&
	    h->seg.len < RTMPD_SEGMENT_MAX))
		return ERR_OK;
	r = segment_close(h, ts);
	if (r == ERR_OK)
		r = segment_open(h, ts);
	return r;
}

enum err
hls_video(struct hls *h, uint32_t ts, const uint8_t *p, size_t n)
{
	bool key, idr = false;
	int32_t cts;
	enum err r;

	/* H.264 only (doc); FLV codec 7, and at least the 5-byte header. */
	if (n < 5 || (p[0] & 0x0f) != 7)
		return ERR_INVALID_ARGUMENT;
	key = (p[0] >> 4) == 1;
	if (p[1] == 0) {
		r = flv_avc_config(&h->avc, p + 5, n - 5);
		if (r == ERR_OK) {
			str_copy(h->media.video_codec,
			    sizeof(h->media.video_codec), "H264");
			media_store(h);
		}
		return r;
	}
	if (p[1] != 1 || !h->avc.ok)
		return ERR_INVALID_ARGUMENT;
	cts = (int32_t)((uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]);
	if (cts & 0x800000)
		cts -= 0x1000000;
	buf_reset(&h->es);
	r = flv_avc_annexb(&h->avc, p + 5, n - 5, &h->es, &idr);
	if (r != ERR_OK)
		return r == ERR_INVALID_ARGUMENT ? r : r;
	if (key && h->open && ts - h->start_ts >= h->frag_ms) {
		r = segment_close(h, ts);
		if (r != ERR_OK)
			return r;
	}
	/* A segment starts with a key frame; frames before the first one
	 * cannot be decoded and are dropped. */
	if (!h->open) {
		if (!key)
			return ERR_OK;
		r = segment_open(h, ts);
		if (r != ERR_OK)
			return r;
	} else {
		r = maybe_force_cut(h, ts);
		if (r != ERR_OK)
			return r;
	}
	h->last_ts = ts;
	h->video_bytes += n;
	return ts_write_pes(&h->ts, &h->seg, true,
	    (uint64_t)((int64_t)ts + cts) * 90, (uint64_t)ts * 90, key,
	    (const uint8_t *)h->es.data, h->es.len);
}

enum err
hls_audio(struct hls *h, uint32_t ts, const uint8_t *p, size_t n)
{
	uint8_t adts[7];
	enum err r;

	/* AAC only; other audio is dropped (doc). */
	if (n < 2 || (p[0] >> 4) != 10)
		return ERR_INVALID_ARGUMENT;
	if (p[1] == 0) {
		r = flv_aac_config(&h->aac, p + 2, n - 2);
		if (r == ERR_OK) {
			str_copy(h->media.audio_codec,
			    sizeof(h->media.audio_codec), "AAC");
			h->media.sample_rate = h->aac.sample_rate;
			media_store(h);
		}
		return r;
	}
	if (!h->aac.ok || !h->open)
		return ERR_OK;
	r = maybe_force_cut(h, ts);
	if (r != ERR_OK)
		return r;
	if (n - 2 > 8191 - 7)
		return ERR_INVALID_ARGUMENT;
	flv_aac_adts(&h->aac, n - 2, adts);
	buf_reset(&h->es);
	r = buf_append(&h->es, adts, sizeof(adts));
	if (r == ERR_OK)
		r = buf_append(&h->es, p + 2, n - 2);
	if (r != ERR_OK)
		return r;
	h->audio_bytes += n;
	if (ts > h->last_ts)
		h->last_ts = ts;
	return ts_write_pes(&h->ts, &h->seg, false, (uint64_t)ts * 90,
	    (uint64_t)ts * 90, false, (const uint8_t *)h->es.data, h->es.len);
}

void
hls_metadata(struct hls *h, unsigned width, unsigned height, unsigned fps)
{
	h->media.width = width;
	h->media.height = height;
	h->media.frame_rate = fps;
	media_store(h);
}

void
hls_close(struct hls *h)
{
	if (h == NULL)
		return;
	if (h->open && segment_close(h, h->last_ts + 1) != ERR_OK)
		log_warnx("rtmp: the last segment of '%s' was not stored",
		    h->channel);
	buf_free(&h->seg);
	buf_free(&h->es);
	free(h);
}
