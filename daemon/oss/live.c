/* SPDX-License-Identifier: ISC */
/*
 * live.c: the LiveChannel operations (spec oss-api.md §3.7, rtmp-ingest.md
 * §9): configuration, status, stat, history, listing and VOD playlists.
 * Whether a publisher is connected is the channel row's claim (live/), so
 * ChannelStillLive is decided in the same transaction as the change. The
 * RTMP side is daemon/rtmpd/; PublishUrls name its address, path style
 * (rtmp://ADDR/<bucket>/live/<channel>), and PlayUrls the OSS listener's.
 */
#include <stdlib.h>
#include <string.h>

#include "oss/oss_int.h"
#include "base/str.h"
#include "codec/xml.h"
#include "live/live.h"
#include "object/object.h"

#define LIVE_XML_MAX	(1024 * 1024)

static bool
uint_text(const char *s, unsigned lo, unsigned hi, unsigned *ret)
{
	uint64_t v;

	if (s == NULL || !str_to_u64(s, hi, &v) || v < lo)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* LiveChannelConfiguration -> ch (DOCS PutLiveChannel). */
static enum err
parse_config(struct call *c, struct live_channel *ch)
{
	const struct xml_node *root, *target;
	const char *s, *fd, *fc;
	struct xml_node *doc;
	enum err r;

	r = call_parse_xml(c, &doc);
	if (r != ERR_OK)
		return r;
	root = doc;
	if (strcmp(root->name, "LiveChannelConfiguration") != 0)
		return ERR_MALFORMED_XML;
	s = xml_child_text(root, "Description");
	if (s != NULL && str_copy(ch->description, sizeof(ch->description), s) >=
	    sizeof(ch->description))
		return ERR_INVALID_ARGUMENT;
	s = xml_child_text(root, "Status");
	if (s != NULL && strcmp(s, "enabled") != 0 &&
	    strcmp(s, "disabled") != 0)
		return ERR_INVALID_ARGUMENT;
	ch->disabled = s != NULL && strcmp(s, "disabled") == 0;
	target = xml_child(root, "Target");
	if (target == NULL)
		return ERR_INVALID_ARGUMENT;
	s = xml_child_text(target, "Type");
	if (s == NULL || strcmp(s, "HLS") != 0)
		return ERR_INVALID_ARGUMENT;
	/* Defaults apply only when both are absent (DOCS). */
	fd = xml_child_text(target, "FragDuration");
	fc = xml_child_text(target, "FragCount");
	ch->frag_duration = 5;
	ch->frag_count = 3;
	if ((fd == NULL) != (fc == NULL))
		return ERR_INVALID_ARGUMENT;
	if (fd != NULL && (!uint_text(fd, 1, 100, &ch->frag_duration) ||
	    !uint_text(fc, 1, 100, &ch->frag_count)))
		return ERR_INVALID_ARGUMENT;
	s = xml_child_text(target, "PlaylistName");
	str_copy(ch->playlist, sizeof(ch->playlist),
	    s != NULL ? s : "playlist.m3u8");
	if (s != NULL && strlen(s) >= sizeof(ch->playlist))
		return ERR_INVALID_ARGUMENT;
	return live_channel_check(ch);
}

/* The channel of an object-level request: the key, without '/'. */
static enum err
channel_name(struct call *c, const char **ret)
{
	if (c->key == NULL || !live_name_valid(c->key)) {
		c->x.arg_name = "live";
		return ERR_INVALID_ARGUMENT;
	}
	*ret = c->key;
	return ERR_OK;
}

static void
write_urls(struct call *c, struct xml_writer *w, const struct live_channel *ch)
{
	const struct oss *o = c->oss;

	xml_open(w, "PublishUrls");
	if (o->publish_base[0] != '\0')
		xml_elemf(w, "Url", "%s/%s/live/%s", o->publish_base,
		    c->bucket.name, ch->name);
	xml_close(w, "PublishUrls");
	xml_open(w, "PlayUrls");
	xml_elemf(w, "Url", "%s/%s/%s/%s", o->play_base, c->bucket.name,
	    ch->name, ch->playlist);
	xml_close(w, "PlayUrls");
}

enum err
h_put_live_channel(struct call *c)
{
	struct live_channel *ch;
	struct xml_writer w;
	struct buf b;
	const char *name;
	enum err r;

	r = channel_name(c, &name);
	if (r != ERR_OK)
		return r;
	ch = arena_zalloc(c->a, sizeof(*ch));
	if (ch == NULL)
		return ERR_NOMEM;
	ch->bucket_id = c->bucket.id;
	str_copy(ch->name, sizeof(ch->name), name);
	r = parse_config(c, ch);
	if (r == ERR_OK)
		r = live_channel_put(c->api->db, ch, call_now(c),
		    c->account.account_id);
	if (r != ERR_OK)
		return r;
	buf_init(&b, LIVE_XML_MAX);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "CreateLiveChannelResult");
	write_urls(c, &w, ch);
	xml_close(&w, "CreateLiveChannelResult");
	return call_resp_xml(c, &w, &b);
}

static enum err
load(struct call *c, struct live_channel **ret)
{
	struct live_channel *ch;
	const char *name;
	enum err r;

	r = channel_name(c, &name);
	if (r != ERR_OK)
		return r;
	ch = arena_zalloc(c->a, sizeof(*ch));
	if (ch == NULL)
		return ERR_NOMEM;
	r = live_channel_get(c->api->db, c->bucket.id, name, ch);
	if (r == ERR_OK)
		*ret = ch;
	return r;
}

enum err
h_get_live_channel(struct call *c)
{
	struct live_channel *ch;
	struct xml_writer w;
	struct buf b;
	enum err r;

	r = load(c, &ch);
	if (r != ERR_OK)
		return r;
	buf_init(&b, LIVE_XML_MAX);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "LiveChannelConfiguration");
	xml_elem(&w, "Description", ch->description);
	xml_elem(&w, "Status", ch->disabled ? "disabled" : "enabled");
	xml_open(&w, "Target");
	xml_elem(&w, "Type", "HLS");
	xml_elem_u64(&w, "FragDuration", ch->frag_duration);
	xml_elem_u64(&w, "FragCount", ch->frag_count);
	xml_elem(&w, "PlaylistName", ch->playlist);
	xml_close(&w, "Target");
	xml_close(&w, "LiveChannelConfiguration");
	return call_resp_xml(c, &w, &b);
}

enum err
h_delete_live_channel(struct call *c)
{
	const char *name;
	enum err r;

	r = channel_name(c, &name);
	if (r == ERR_OK)
		r = live_channel_delete(c->api->db, c->bucket.id, name,
		    call_now(c), c->account.account_id);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 204);
	return ERR_OK;
}

enum err
h_put_live_channel_status(struct call *c)
{
	const char *name, *s = call_query(c, "status");
	enum err r;

	r = channel_name(c, &name);
	if (r != ERR_OK)
		return r;
	if (s == NULL || (strcmp(s, "enabled") != 0 &&
	    strcmp(s, "disabled") != 0)) {
		c->x.arg_name = "status";
		c->x.arg_value = s;
		return ERR_INVALID_ARGUMENT;
	}
	/* Allowed while live: disabling kicks the publisher (rtmpd checks
	 * its claim every second). */
	r = live_channel_set_status(c->api->db, c->bucket.id, name,
	    strcmp(s, "disabled") == 0, call_now(c), c->account.account_id);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_live_channel_stat(struct call *c)
{
	struct live_channel *ch;
	const struct live_media *m;
	struct xml_writer w;
	struct buf b;
	char t[TIME_ISO_BYTES];
	enum err r;

	r = load(c, &ch);
	if (r != ERR_OK)
		return r;
	m = &ch->media;
	buf_init(&b, LIVE_XML_MAX);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "LiveChannelStat");
	if (ch->disabled && ch->session == 0)
		xml_elem(&w, "Status", "Disabled");
	else if (ch->session == 0)
		xml_elem(&w, "Status", "Idle");
	else {
		xml_elem(&w, "Status", "Live");
		time_fmt_iso_ms(t, ch->connected_ms);
		xml_elem(&w, "ConnectedTime", t);
		xml_elem(&w, "RemoteAddr", ch->remote_addr);
		/* Sample order (DOCS); each once its stream was seen. */
		if (m->video_codec[0] != '\0') {
			xml_open(&w, "Video");
			xml_elem_u64(&w, "Width", m->width);
			xml_elem_u64(&w, "Height", m->height);
			xml_elem_u64(&w, "FrameRate", m->frame_rate);
			xml_elem_u64(&w, "Bandwidth", m->video_bw);
			xml_elem(&w, "Codec", m->video_codec);
			xml_close(&w, "Video");
		}
		if (m->audio_codec[0] != '\0') {
			xml_open(&w, "Audio");
			xml_elem_u64(&w, "Bandwidth", m->audio_bw);
			xml_elem_u64(&w, "SampleRate", m->sample_rate);
			xml_elem(&w, "Codec", m->audio_codec);
			xml_close(&w, "Audio");
		}
	}
	xml_close(&w, "LiveChannelStat");
	return call_resp_xml(c, &w, &b);
}

enum err
h_get_live_channel_history(struct call *c)
{
	struct live_record rec[LIVE_HISTORY_MAX];
	struct live_channel *ch;
	struct xml_writer w;
	struct buf b;
	char t[TIME_ISO_BYTES];
	unsigned n = 0;
	enum err r;

	r = load(c, &ch);
	if (r == ERR_OK)
		r = live_history(c->api->db, c->bucket.id, ch->name, rec, &n);
	if (r != ERR_OK)
		return r;
	buf_init(&b, LIVE_XML_MAX);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "LiveChannelHistory");
	for (unsigned i = 0; i < n; i++) {
		xml_open(&w, "LiveRecord");
		time_fmt_iso_ms(t, rec[i].start_ms);
		xml_elem(&w, "StartTime", t);
		/* A session still running has no end yet. */
		if (rec[i].end_ms != 0) {
			time_fmt_iso_ms(t, rec[i].end_ms);
			xml_elem(&w, "EndTime", t);
		}
		xml_elem(&w, "RemoteAddr", rec[i].remote_addr);
		xml_close(&w, "LiveRecord");
	}
	xml_close(&w, "LiveChannelHistory");
	return call_resp_xml(c, &w, &b);
}

struct list_ctx {
	struct call		*c;
	struct xml_writer	*w;
	char			 last[LIVE_NAME_MAX + 1];
};

static void
list_one(void *ctx, const struct live_channel *ch)
{
	struct list_ctx *l = ctx;
	char t[TIME_ISO_BYTES];

	xml_open(l->w, "LiveChannel");
	xml_elem(l->w, "Name", ch->name);
	xml_elem(l->w, "Description", ch->description);
	xml_elem(l->w, "Status", ch->disabled ? "disabled" : "enabled");
	time_fmt_iso_ms(t, ch->modified_ms);
	xml_elem(l->w, "LastModified", t);
	write_urls(l->c, l->w, ch);
	xml_close(l->w, "LiveChannel");
	str_copy(l->last, sizeof(l->last), ch->name);
}

enum err
h_list_live_channels(struct call *c)
{
	const char *prefix = call_query(c, "prefix");
	const char *marker = call_query(c, "marker");
	const char *mk = call_query(c, "max-keys");
	struct list_ctx l = { .c = c };
	struct xml_writer w;
	unsigned max = 100;
	bool truncated = false;
	struct buf b;
	enum err r;

	if (mk != NULL && !uint_text(mk, 1, LIVE_LIST_MAX, &max)) {
		c->x.arg_name = "max-keys";
		c->x.arg_value = mk;
		return ERR_INVALID_ARGUMENT;
	}
	buf_init(&b, 16 * 1024 * 1024);
	xml_writer_init(&w, &b);
	l.w = &w;
	xml_decl(&w);
	xml_open(&w, "ListLiveChannelResult");
	xml_elem(&w, "Prefix", prefix ? prefix : "");
	xml_elem(&w, "Marker", marker ? marker : "");
	xml_elem_u64(&w, "MaxKeys", max);
	r = live_channel_list(c->api->db, c->bucket.id, prefix, marker, max,
	    list_one, &l, &truncated);
	if (r != ERR_OK) {
		buf_free(&b);
		return r;
	}
	xml_elem(&w, "IsTruncated", truncated ? "true" : "false");
	xml_elem(&w, "NextMarker", truncated ? l.last : "");
	xml_close(&w, "ListLiveChannelResult");
	return call_resp_xml(c, &w, &b);
}

/* startTime and endTime (Unix s): end > start, span ≤ 1 day (DOCS). */
static enum err
vod_range(struct call *c, int64_t *ret_from, int64_t *ret_to)
{
	uint64_t s, e;

	if (!str_to_u64(call_query(c, "startTime") ?
	    call_query(c, "startTime") : "", INT64_MAX / 1000, &s) ||
	    !str_to_u64(call_query(c, "endTime") ?
	    call_query(c, "endTime") : "", INT64_MAX / 1000, &e) ||
	    e <= s || (int64_t)(e - s) * 1000 > LIVE_VOD_SPAN_MS) {
		c->x.arg_name = "startTime";
		return ERR_INVALID_ARGUMENT;
	}
	*ret_from = (int64_t)s * 1000;
	*ret_to = (int64_t)e * 1000;
	return ERR_OK;
}

/* The channel's VOD playlist text for the request's range, in b. */
static enum err
vod_build(struct call *c, const char *channel, struct buf *b)
{
	struct live_channel *ch;
	int64_t from, to;
	enum err r;

	r = vod_range(c, &from, &to);
	if (r != ERR_OK)
		return r;
	ch = arena_zalloc(c->a, sizeof(*ch));
	if (ch == NULL)
		return ERR_NOMEM;
	r = live_channel_get(c->api->db, c->bucket.id, channel, ch);
	if (r != ERR_OK)
		return r;
	buf_init(b, 4 * 1024 * 1024);
	r = live_vod_playlist(c->api->db, c->bucket.id, channel, from, to, b);
	if (r == ERR_INVALID_ARGUMENT)
		c->x.arg_name = "startTime";
	return r;
}

enum err
h_post_vod_playlist(struct call *c)
{
	const char *slash = c->key ? strchr(c->key, '/') : NULL;
	char *channel;
	struct buf b;
	enum err r;

	/* POST /<channel>/<name>.m3u8?vod: stored as that object. */
	if (slash == NULL || !live_playlist_valid(slash + 1)) {
		c->x.arg_name = "vod";
		return ERR_INVALID_ARGUMENT;
	}
	channel = arena_strndup(c->a, c->key, (size_t)(slash - c->key));
	if (channel == NULL)
		return ERR_NOMEM;
	r = vod_build(c, channel, &b);
	if (r != ERR_OK)
		return r;
	r = object_internal_put(c->api, &c->bucket, c->key, b.data, b.len,
	    "application/x-mpegURL", NULL, NULL);
	buf_free(&b);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_vod_playlist(struct call *c)
{
	const char *name;
	struct buf b;
	enum err r;

	r = channel_name(c, &name);
	if (r == ERR_OK)
		r = vod_build(c, name, &b);
	if (r != ERR_OK)
		return r;
	call_resp_buf(c, 200, "application/x-mpegURL", &b);
	return ERR_OK;
}
