/* SPDX-License-Identifier: ISC */
/*
 * live.h: LiveChannels (L2; spec oss-api.md §3.7, rtmp-ingest.md §6, §8,
 * §9): configuration validation and storage, the publisher's claim on a
 * channel, the publish history, the segment records behind VOD playlists,
 * the m3u8 text and the RTMP URL's string to sign.
 *
 * The claim is the one place where "is a publisher connected" is decided:
 * a compare-and-set on the channel row, in the transaction that opens the
 * history record, so two publishers, or a publisher and DeleteLiveChannel,
 * cannot both win. The RTMP listener (daemon/rtmpd/) claims and releases;
 * the OSS handlers read. Thread-safe: each call uses the calling thread's
 * database connection.
 */
#ifndef COFFER_LIVE_LIVE_H
#define COFFER_LIVE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct db;
struct buf;
struct kv;

#define LIVE_NAME_MAX		1023	/* object-name rules, no '/' */
#define LIVE_DESC_MAX		128
#define LIVE_PLAYLIST_MAX	128
#define LIVE_ADDR_MAX		64
#define LIVE_HISTORY_MAX	10	/* GetLiveChannelHistory */
#define LIVE_LIST_MAX		1000	/* ListLiveChannel max-keys */
#define LIVE_VOD_SPAN_MS	(24LL * 3600 * 1000)
#define LIVE_VOD_SEGMENTS_MAX	20000
#define LIVE_HOLDER_MAX		17	/* a node id (16 hex digits) or "" */
/* A publisher's node says every LIVE_BEAT_MS (wall clock) that it still
 * holds the claim; one silent for LIVE_HOLDER_LOST_MS is taken to have
 * died, and any node releases its claims. */
#define LIVE_BEAT_MS		5000
#define LIVE_HOLDER_LOST_MS	20000

struct live_media {
	unsigned	width, height, frame_rate, video_bw;
	char		video_codec[16];	/* "" until a sequence header */
	unsigned	sample_rate, audio_bw;
	char		audio_codec[16];
};

struct live_channel {
	int64_t			bucket_id;
	char			name[LIVE_NAME_MAX + 1];
	char			description[LIVE_DESC_MAX + 1];
	bool			disabled;
	unsigned		frag_duration, frag_count;
	char			playlist[LIVE_PLAYLIST_MAX + 1];
	int64_t			modified_ms;
	/* the publisher, when session != 0 */
	int64_t			session;
	int64_t			connected_ms;
	char			remote_addr[LIVE_ADDR_MAX];
	char			holder[LIVE_HOLDER_MAX];	/* its node */
	int64_t			beat_ms;	/* wall clock */
	struct live_media	media;
};

struct live_record {
	int64_t	start_ms, end_ms;
	char	remote_addr[LIVE_ADDR_MAX];
	char	result[32];
};

struct live_segment {
	char		name[32];	/* "<ms>.ts" */
	int64_t		start_ms;
	unsigned	duration_ms;
};

/* ---- validation (live.c) ---- */
bool live_name_valid(const char *name);
/* 6..128 bytes, ends ".m3u8", no '/'. */
bool live_playlist_valid(const char *name);
/* Range checks of a configuration about to be stored: ERR_INVALID_ARGUMENT. */
enum err live_channel_check(const struct live_channel *ch);

/* ---- configuration (live_db.c) ---- */
/* Creates or overwrites (keeping status rules of the caller's ch).
 * ERR_CHANNEL_STILL_LIVE while a publisher holds it. */
enum err live_channel_put(struct db *db, const struct live_channel *ch,
    int64_t now_ms, const char *actor);
/* ERR_NO_SUCH_LIVE_CHANNEL when absent. */
enum err live_channel_get(struct db *db, int64_t bucket, const char *name,
    struct live_channel *ret);
/* ERR_CHANNEL_STILL_LIVE while published; ERR_NO_SUCH_LIVE_CHANNEL. The
 * segments and playlists stay (they are objects). */
enum err live_channel_delete(struct db *db, int64_t bucket, const char *name,
    int64_t now_ms, const char *actor);
/* Allowed while live: disabling is how a publisher is kicked. */
enum err live_channel_set_status(struct db *db, int64_t bucket,
    const char *name, bool disabled, int64_t now_ms, const char *actor);
/* Calls fn for up to max channels with prefix, names after marker, in
 * name order; *ret_truncated when more follow. */
typedef void (*live_list_fn)(void *ctx, const struct live_channel *ch);
enum err live_channel_list(struct db *db, int64_t bucket, const char *prefix,
    const char *marker, unsigned max, live_list_fn fn, void *ctx,
    bool *ret_truncated);
/* Up to LIVE_HISTORY_MAX most recent records, newest first. */
enum err live_history(struct db *db, int64_t bucket, const char *name,
    struct live_record *ret, unsigned *ret_n);
/* In DeleteBucket's transaction: ERR_BUCKET_NOT_EMPTY_LIVE while any
 * channel exists, else drops the bucket's history and segment rows. */
enum err live_bucket_dropped(struct db *db, int64_t bucket);

/* ---- publishers (live_db.c) ---- */
/* The node a claim is made on: its id (state_dir's node-id; "" for a node
 * alone on its data dir) and the wall clock of its heartbeats. */
struct live_node {
	const char	*id;
	int64_t		 wall_ms;
};
/* Claims the channel for a publisher from remote: ERR_OK with *ret_session
 * and the channel; ERR_LIVE_CHANNEL_DISABLED (the attempt is recorded in
 * the history), ERR_CHANNEL_STILL_LIVE (another publisher holds it),
 * ERR_NO_SUCH_LIVE_CHANNEL. A claim whose node is lost (no heartbeat for
 * LIVE_HOLDER_LOST_MS) is released first. */
enum err live_session_claim(struct db *db, int64_t bucket, const char *name,
    const struct live_node *node, const char *remote, int64_t now_ms,
    int64_t *ret_session, struct live_channel *ret);
/* Whether session still holds an enabled channel: ERR_OK, or
 * ERR_LIVE_CHANNEL_DISABLED / ERR_NO_SUCH_LIVE_CHANNEL (kick it). With
 * beat_ms != 0 it also records the holder's heartbeat. */
enum err live_session_check(struct db *db, int64_t bucket, const char *name,
    int64_t session, int64_t beat_ms);
enum err live_session_media(struct db *db, int64_t bucket, const char *name,
    int64_t session, const struct live_media *m);
/* Releases the claim (if still held) and closes the history record. */
enum err live_session_end(struct db *db, int64_t bucket, const char *name,
    int64_t session, int64_t now_ms);
/* Start-up: no publisher of this node survives its restart. Releases the
 * claims of node->id. */
enum err live_sessions_reset(struct db *db, const struct live_node *node,
    int64_t now_ms);
/* Releases every claim whose node's last heartbeat is older than
 * node->wall_ms - LIVE_HOLDER_LOST_MS; *ret_n how many. Any node may run
 * it: it is a compare-and-set on each claim. */
enum err live_sessions_release_lost(struct db *db,
    const struct live_node *node, int64_t now_ms, unsigned *ret_n);

/* ---- segments and playlists ---- */
enum err live_segment_add(struct db *db, int64_t bucket, const char *channel,
    const struct live_segment *s);
/* The VOD playlist (with #EXT-X-ENDLIST) of the channel's segments that
 * start in [from_ms, to_ms]: ERR_INVALID_ARGUMENT when there is none. */
enum err live_vod_playlist(struct db *db, int64_t bucket, const char *channel,
    int64_t from_ms, int64_t to_ms, struct buf *out);
/* The m3u8 text of n segments (RFC 8216; spec §8). */
enum err live_m3u8(struct buf *out, uint64_t media_seq,
    const struct live_segment *s, size_t n, bool endlist);

/* ---- RTMP URL signature (spec §6) ---- */
/* Expires "\n" sorted "key:value\n" of the other params "/" bucket "/"
 * channel. params are decoded name/value pairs; OSSAccessKeyId, Expires,
 * Signature and security-token are left out. */
enum err live_rtmp_string_to_sign(struct buf *out, const char *expires,
    const struct kv *params, size_t nparams, const char *bucket,
    const char *channel);

#endif
