/* SPDX-License-Identifier: ISC */
/*
 * rtmpd_int.h: what the listener's files share: a connection, its publish
 * session and the HLS packager.
 */
#ifndef COFFER_RTMPD_RTMPD_INT_H
#define COFFER_RTMPD_RTMPD_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "bucket/bucket.h"
#include "live/live.h"
#include "rtmp/rtmp.h"
#include "rtmp/ts.h"
#include "rtmpd/rtmpd.h"

/* Per-connection limits: what a peer can make us hold. */
#define RTMPD_IN_BYTES		(128 * 1024)	/* read buffer */
#define RTMPD_OUT_BYTES		(16 * 1024)	/* replies */
#define RTMPD_CHUNK_MAX		65536		/* peer chunk size */
#define RTMPD_MSG_BUFFERED	(8u << 20)	/* partial messages */
#define RTMPD_SEGMENT_MAX	(64u << 20)	/* one .ts, then forced cut */
#define RTMPD_HANDSHAKE_MS	10000
#define RTMPD_CHECK_MS		1000		/* claim re-check (kick) */
#define RTMPD_OUT_CHUNK		4096
#define RTMPD_STREAM_ID		1

struct hls {
	struct api		*api;
	struct bucket		 bucket;
	char			 channel[LIVE_NAME_MAX + 1];
	char			 playlist[LIVE_PLAYLIST_MAX + 1];
	int64_t			 session;
	unsigned		 frag_ms, frag_count;
	struct flv_avc		 avc;
	struct flv_aac		 aac;
	struct ts_writer	 ts;
	struct buf		 seg;		/* the open segment */
	struct buf		 es;		/* scratch access unit */
	bool			 open;
	uint32_t		 start_ts, last_ts;	/* stream ms */
	int64_t			 start_ms, last_name_ms;	/* business */
	uint64_t		 video_bytes, audio_bytes;
	struct live_segment	 win[100];
	unsigned		 nwin;
	uint64_t		 media_seq;
	struct live_media	 media;
};

enum conn_state {
	CONN_HANDSHAKE,
	CONN_READY,		/* commands */
	CONN_PUBLISHING,
	CONN_CLOSING,		/* flush what is queued, then close */
};

struct conn {
	int			 fd;
	char			 peer[LIVE_ADDR_MAX];
	enum conn_state		 state;
	int64_t			 opened_ms, last_in_ms, checked_ms;	/* mono */
	int64_t			 beat_ms;	/* wall, last heartbeat */
	struct rtmp_hs		 hs;
	struct rtmp_chunker	 ch;
	uint8_t			*in;
	size_t			 in_len;
	uint8_t			 out[RTMPD_OUT_BYTES];
	size_t			 out_len;
	uint32_t		 out_chunk;
	char			 app[256];
	char			 tcurl[512];
	struct hls		*hls;
	struct rtmpd		*d;
};

struct rtmpd {
	struct api		*api;
	int			 fd;
	int			 wake[2];
	char			 address[80];
	unsigned		 max_conns, idle_ms;
	char			 node[LIVE_HOLDER_MAX];
	int64_t			 swept_ms;	/* mono: lost claims */
	struct conn		**conns;
	unsigned		 nconns;
	_Atomic bool		 stop;
	pthread_t		 thread;
};

/* rtmpd_session.c: one message of a connection after the handshake;
 * false closes it (after the queued bytes when state is CONN_CLOSING). */
bool session_message(struct conn *c, const struct rtmp_msg *m);
/* Periodic: kicks a publisher whose claim is gone or disabled. */
bool session_check(struct conn *c);
/* The connection ends: last segment, claim released. */
void session_end(struct conn *c);

/* rtmpd_auth.c: the bucket and channel of a publish and whether its URL
 * may publish (spec §6): ERR_OK, ERR_ACCESS_DENIED, ERR_NO_SUCH_BUCKET,
 * ERR_INVALID_ARGUMENT; *ret_playlist is the session's playlistName or "". */
enum err session_authorize(struct conn *c, const char *name,
    struct bucket *ret_bucket, char *ret_channel, size_t channel_cap,
    char *ret_playlist, size_t playlist_cap);

/* rtmpd_hls.c */
enum err hls_open(struct api *api, const struct bucket *b,
    const struct live_channel *ch, const char *playlist, int64_t session,
    struct hls **ret);
enum err hls_video(struct hls *h, uint32_t ts, const uint8_t *p, size_t n);
enum err hls_audio(struct hls *h, uint32_t ts, const uint8_t *p, size_t n);
void hls_metadata(struct hls *h, unsigned width, unsigned height,
    unsigned fps);
/* Writes the open segment and the playlist; frees h. NULL-safe. */
void hls_close(struct hls *h);

#endif
