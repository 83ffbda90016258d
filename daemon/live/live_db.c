/* SPDX-License-Identifier: ISC */
/*
 * live_db.c: all SQL of LiveChannels (schema/0008_live.sql). Changes of a
 * channel are compare-and-set on its session column inside one BEGIN
 * IMMEDIATE transaction with an audit row, so "a publisher is connected"
 * is decided by the database, never by a cache.
 *
 * Nodes sharing one database: a claim names its node (holder) and carries
 * that node's heartbeat (beat_ms, wall clock). A node clears only its own
 * claims at start-up; one whose node fell silent is released by whichever
 * node notices first (live_sessions_release_lost, and a claim attempt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/str.h"
#include "db/db.h"
#include "live/live.h"

#define COLS \
	"bucket, name, description, status, frag_duration, frag_count," \
	" playlist, modified_ms, session, connected_ms, remote_addr, width," \
	" height, frame_rate, video_bw, video_codec, sample_rate, audio_bw," \
	" audio_codec, holder, beat_ms"

static const char SQL_GET[] =
    "SELECT " COLS " FROM live_channels WHERE bucket = ? AND name = ?";
static const char SQL_UPSERT[] =
    "INSERT INTO live_channels (bucket, name, description, status,"
    " frag_duration, frag_count, playlist, modified_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (bucket, name) DO UPDATE SET description = excluded.description,"
    " status = excluded.status, frag_duration = excluded.frag_duration,"
    " frag_count = excluded.frag_count, playlist = excluded.playlist,"
    " modified_ms = excluded.modified_ms WHERE live_channels.session = 0";
static const char SQL_DELETE[] =
    "DELETE FROM live_channels WHERE bucket = ? AND name = ? AND session = 0";
static const char SQL_STATUS[] =
    "UPDATE live_channels SET status = ?, modified_ms = ?"
    " WHERE bucket = ? AND name = ?";
static const char SQL_LIST[] =
    "SELECT " COLS " FROM live_channels WHERE bucket = ? AND name > ?"
    " AND substr(name, 1, length(?3)) = ?3 ORDER BY name LIMIT ?";
static const char SQL_HISTORY[] =
    "SELECT start_ms, end_ms, remote_addr, result FROM live_history"
    " WHERE bucket = ? AND channel = ? ORDER BY id DESC LIMIT ?";
static const char SQL_ANY[] =
    "SELECT count(*) FROM live_channels WHERE bucket = ?";
static const char SQL_DROP_HISTORY[] =
    "DELETE FROM live_history WHERE bucket = ?";
static const char SQL_DROP_SEGMENTS[] =
    "DELETE FROM live_segments WHERE bucket = ?";
static const char SQL_HISTORY_ADD[] =
    "INSERT INTO live_history (bucket, channel, start_ms, end_ms,"
    " remote_addr, result) VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_CLAIM[] =
    "UPDATE live_channels SET session = ?, connected_ms = ?, remote_addr = ?,"
    " holder = ?, beat_ms = ?, width = 0, height = 0, frame_rate = 0,"
    " video_bw = 0, video_codec = '', sample_rate = 0, audio_bw = 0,"
    " audio_codec = ''"
    " WHERE bucket = ? AND name = ? AND session = 0 AND status = 'enabled'";
static const char SQL_CHECK[] =
    "SELECT status, session FROM live_channels WHERE bucket = ? AND name = ?";
static const char SQL_MEDIA[] =
    "UPDATE live_channels SET width = ?, height = ?, frame_rate = ?,"
    " video_bw = ?, video_codec = ?, sample_rate = ?, audio_bw = ?,"
    " audio_codec = ? WHERE bucket = ? AND name = ? AND session = ?";
static const char SQL_RELEASE[] =
    "UPDATE live_channels SET session = 0 WHERE bucket = ? AND name = ?"
    " AND session = ?";
static const char SQL_HISTORY_END[] =
    "UPDATE live_history SET end_ms = ? WHERE id = ? AND end_ms = 0";
static const char SQL_BEAT[] =
    "UPDATE live_channels SET beat_ms = ? WHERE bucket = ? AND name = ?"
    " AND session = ?";
/* The claims of a node (?2 text), or those silent since ?3 (?2 NULL). */
#define HELD_BY \
    " session <> 0 AND (holder = ?2 OR (?2 IS NULL AND beat_ms < ?3))"
static const char SQL_HELD_COUNT[] =
    "SELECT count(*) FROM live_channels WHERE" HELD_BY;
static const char SQL_HELD_END[] =
    "UPDATE live_history SET end_ms = ?1 WHERE end_ms = 0 AND id IN"
    " (SELECT session FROM live_channels WHERE" HELD_BY ")";
static const char SQL_HELD_RELEASE[] =
    "UPDATE live_channels SET session = 0 WHERE" HELD_BY;
static const char SQL_SEGMENT_ADD[] =
    "INSERT INTO live_segments (bucket, channel, name, start_ms, duration_ms)"
    " VALUES (?, ?, ?, ?, ?)";
static const char SQL_SEGMENTS[] =
    "SELECT name, start_ms, duration_ms FROM live_segments WHERE bucket = ?"
    " AND channel = ? AND start_ms BETWEEN ? AND ? ORDER BY start_ms LIMIT ?";

static void
from_row(struct db_st *st, struct live_channel *c)
{
	char status[16];

	memset(c, 0, sizeof(*c));
	c->bucket_id = db_col_i64(st, 0);
	db_col_copy(st, 1, c->name, sizeof(c->name));
	db_col_copy(st, 2, c->description, sizeof(c->description));
	db_col_copy(st, 3, status, sizeof(status));
	c->disabled = strcmp(status, "disabled") == 0;
	c->frag_duration = (unsigned)db_col_i64(st, 4);
	c->frag_count = (unsigned)db_col_i64(st, 5);
	db_col_copy(st, 6, c->playlist, sizeof(c->playlist));
	c->modified_ms = db_col_i64(st, 7);
	c->session = db_col_i64(st, 8);
	c->connected_ms = db_col_i64(st, 9);
	db_col_copy(st, 10, c->remote_addr, sizeof(c->remote_addr));
	c->media.width = (unsigned)db_col_i64(st, 11);
	c->media.height = (unsigned)db_col_i64(st, 12);
	c->media.frame_rate = (unsigned)db_col_i64(st, 13);
	c->media.video_bw = (unsigned)db_col_i64(st, 14);
	db_col_copy(st, 15, c->media.video_codec, sizeof(c->media.video_codec));
	c->media.sample_rate = (unsigned)db_col_i64(st, 16);
	c->media.audio_bw = (unsigned)db_col_i64(st, 17);
	db_col_copy(st, 18, c->media.audio_codec, sizeof(c->media.audio_codec));
	db_col_copy(st, 19, c->holder, sizeof(c->holder));
	c->beat_ms = db_col_i64(st, 20);
}

enum err
live_channel_get(struct db *db, int64_t bucket, const char *name,
    struct live_channel *ret)
{
	struct db_st *st = db_stmt(db, SQL_GET);
	enum err r;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, name);
	rc = db_row(st);
	if (rc == ERR_OK) {
		from_row(st, ret);
		r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_NO_SUCH_LIVE_CHANNEL : db_end(rc);
	db_stmt_done(st);
	return r;
}

static enum err
audit(struct db *db, int64_t now_ms, const char *actor, const char *action,
    int64_t bucket, const char *name, enum err r)
{
	char target[LIVE_NAME_MAX + 32];

	snprintf(target, sizeof(target), "%lld/%s", (long long)bucket, name);
	return db_audit_append(db, now_ms, actor, action, target,
	    r == ERR_OK ? "ok" : err_name(r), NULL);
}

/* Runs the statement prepared by the caller and commits with an audit row;
 * a lost compare-and-set is told apart by reading the row again. */
static enum err
finish_cas(struct db *db, struct db_st *st, int64_t bucket, const char *name,
    int64_t now_ms, const char *actor, const char *action)
{
	struct live_channel cur;
	enum err r;

	r = db_changed_one(db, db_step_done(st));
	if (r == ERR_CONFLICT) {
		r = live_channel_get(db, bucket, name, &cur);
		if (r == ERR_OK)
			r = ERR_CHANNEL_STILL_LIVE;
	}
	if (r == ERR_OK || r == ERR_CHANNEL_STILL_LIVE) {
		enum err a = audit(db, now_ms, actor, action, bucket, name, r);

		if (a != ERR_OK)
			r = a;
	}
	if (r == ERR_OK || r == ERR_CHANNEL_STILL_LIVE) {
		enum err c = db_tx_commit(db);

		if (c != ERR_OK)
			return c;
		return r;
	}
	db_tx_rollback(db);
	return r;
}

enum err
live_channel_put(struct db *db, const struct live_channel *ch, int64_t now_ms,
    const char *actor)
{
	struct db_st *st;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_UPSERT);
	if (st == NULL) {
		db_tx_rollback(db);
		return ERR_IO;
	}
	db_bind_i64(st, 1, ch->bucket_id);
	db_bind_text(st, 2, ch->name);
	db_bind_text(st, 3, ch->description);
	db_bind_text(st, 4, ch->disabled ? "disabled" : "enabled");
	db_bind_i64(st, 5, (int)ch->frag_duration);
	db_bind_i64(st, 6, (int)ch->frag_count);
	db_bind_text(st, 7, ch->playlist);
	db_bind_i64(st, 8, now_ms);
	return finish_cas(db, st, ch->bucket_id, ch->name, now_ms, actor,
	    "live.put");
}

enum err
live_channel_delete(struct db *db, int64_t bucket, const char *name,
    int64_t now_ms, const char *actor)
{
	struct db_st *st;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_DELETE);
	if (st == NULL) {
		db_tx_rollback(db);
		return ERR_IO;
	}
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, name);
	return finish_cas(db, st, bucket, name, now_ms, actor, "live.delete");
}

enum err
live_channel_set_status(struct db *db, int64_t bucket, const char *name,
    bool disabled, int64_t now_ms, const char *actor)
{
	struct db_st *st;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_STATUS);
	if (st == NULL) {
		db_tx_rollback(db);
		return ERR_IO;
	}
	db_bind_text(st, 1, disabled ? "disabled" : "enabled");
	db_bind_i64(st, 2, now_ms);
	db_bind_i64(st, 3, bucket);
	db_bind_text(st, 4, name);
	r = db_changed_one(db, db_step_done(st));
	if (r == ERR_CONFLICT)
		r = ERR_NO_SUCH_LIVE_CHANNEL;
	if (r == ERR_OK)
		r = audit(db, now_ms, actor, disabled ? "live.disable" :
		    "live.enable", bucket, name, r);
	return db_tx_end(db, r);
}

enum err
live_channel_list(struct db *db, int64_t bucket, const char *prefix,
    const char *marker, unsigned max, live_list_fn fn, void *ctx,
    bool *ret_truncated)
{
	struct db_st *st = db_stmt(db, SQL_LIST);
	struct live_channel *c;
	unsigned n = 0;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	c = malloc(sizeof(*c));
	if (c == NULL) {
		db_stmt_done(st);
		return ERR_NOMEM;
	}
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, marker ? marker : "");
	db_bind_text(st, 3, prefix ? prefix : "");
	/* One more than asked tells whether the page is the last. */
	db_bind_i64(st, 4, (int64_t)max + 1);
	*ret_truncated = false;
	while ((rc = db_row(st)) == ERR_OK) {
		if (n == max) {
			*ret_truncated = true;
			break;
		}
		from_row(st, c);
		fn(ctx, c);
		n++;
	}
	db_stmt_done(st);
	free(c);
	return rc == ERR_OK || rc == ERR_NOT_FOUND ? ERR_OK : db_end(rc);
}

enum err
live_history(struct db *db, int64_t bucket, const char *name,
    struct live_record *ret, unsigned *ret_n)
{
	struct db_st *st = db_stmt(db, SQL_HISTORY);
	unsigned n = 0;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, name);
	db_bind_i64(st, 3, LIVE_HISTORY_MAX);
	while ((rc = db_row(st)) == ERR_OK && n < LIVE_HISTORY_MAX) {
		ret[n].start_ms = db_col_i64(st, 0);
		ret[n].end_ms = db_col_i64(st, 1);
		db_col_copy(st, 2, ret[n].remote_addr,
		    sizeof(ret[n].remote_addr));
		db_col_copy(st, 3, ret[n].result, sizeof(ret[n].result));
		n++;
	}
	db_stmt_done(st);
	if (rc != ERR_OK && rc != ERR_NOT_FOUND)
		return db_end(rc);
	*ret_n = n;
	return ERR_OK;
}

static enum err
exec_bucket(struct db *db, const char *sql, int64_t bucket)
{
	struct db_st *st = db_stmt(db, sql);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	return db_step_done(st);
}

enum err
live_bucket_dropped(struct db *db, int64_t bucket)
{
	int64_t n = 0;
	enum err r;

	r = db_query_i64(db, SQL_ANY, bucket, &n);
	if (r != ERR_OK)
		return r;
	/* OSS: LiveChannels keep a bucket (EC 0015-00000303). */
	if (n != 0)
		return ERR_BUCKET_NOT_EMPTY_LIVE;
	r = exec_bucket(db, SQL_DROP_HISTORY, bucket);
	if (r == ERR_OK)
		r = exec_bucket(db, SQL_DROP_SEGMENTS, bucket);
	return r;
}

static enum err
history_add(struct db *db, int64_t bucket, const char *name, int64_t now_ms,
    bool closed, const char *remote, const char *result, int64_t *ret_id)
{
	struct db_st *st = db_stmt(db, SQL_HISTORY_ADD);
	int64_t id;
	enum err r;

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, name);
	db_bind_i64(st, 3, now_ms);
	db_bind_i64(st, 4, closed ? now_ms : 0);
	db_bind_text(st, 5, remote);
	db_bind_text(st, 6, result);
	r = db_one_i64(st, &id);
	if (r == ERR_OK && ret_id != NULL)
		*ret_id = id;
	return r;
}

/* In the caller's transaction: ends the history records of the claims
 * HELD_BY selects (holder, or silent since lost_ms when holder is NULL)
 * and releases them; *ret_n how many. Both statements take the same
 * parameters (SQL_HELD_RELEASE leaves ?1 unused). */
static enum err
release_held(struct db *db, const char *holder, int64_t lost_ms,
    int64_t now_ms, int64_t *ret_n)
{
	static const char *const sql[] = { SQL_HELD_END, SQL_HELD_RELEASE };
	struct db_st *st;
	enum err r;

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		st = db_stmt(db, sql[i]);
		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, now_ms);
		if (holder != NULL)
			db_bind_text(st, 2, holder);
		else
			db_bind_null(st, 2);
		db_bind_i64(st, 3, lost_ms);
		r = db_step_done(st);
		if (r != ERR_OK)
			return r;
	}
	*ret_n = db_changes(db);
	return ERR_OK;
}

enum err
live_session_claim(struct db *db, int64_t bucket, const char *name,
    const struct live_node *node, const char *remote, int64_t now_ms,
    int64_t *ret_session, struct live_channel *ret)
{
	struct live_channel *ch = ret;
	struct db_st *st;
	int64_t id = 0, n;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = live_channel_get(db, bucket, name, ch);
	if (r == ERR_OK && ch->session != 0 &&
	    ch->beat_ms < node->wall_ms - LIVE_HOLDER_LOST_MS) {
		/* Its node died: the claim goes, with every other of it. */
		r = release_held(db, NULL, node->wall_ms - LIVE_HOLDER_LOST_MS,
		    now_ms, &n);
		if (r == ERR_OK)
			r = live_channel_get(db, bucket, name, ch);
	}
	if (r != ERR_OK)
		goto fail;
	if (ch->disabled) {
		/* The refusal is part of the channel's history. */
		r = history_add(db, bucket, name, now_ms, true, remote,
		    "LiveChannelDisabled", NULL);
		if (r == ERR_OK)
			r = audit(db, now_ms, "rtmp", "live.publish", bucket,
			    name, ERR_LIVE_CHANNEL_DISABLED);
		if (r == ERR_OK)
			r = db_tx_commit(db);
		else
			db_tx_rollback(db);
		return r == ERR_OK ? ERR_LIVE_CHANNEL_DISABLED : r;
	}
	if (ch->session != 0) {
		r = ERR_CHANNEL_STILL_LIVE;
		goto fail;
	}
	r = history_add(db, bucket, name, now_ms, false, remote, "", &id);
	if (r != ERR_OK)
		goto fail;
	st = db_stmt(db, SQL_CLAIM);
	if (st == NULL) {
		r = ERR_IO;
		goto fail;
	}
	db_bind_i64(st, 1, id);
	db_bind_i64(st, 2, now_ms);
	db_bind_text(st, 3, remote);
	db_bind_text(st, 4, node->id);
	db_bind_i64(st, 5, node->wall_ms);
	db_bind_i64(st, 6, bucket);
	db_bind_text(st, 7, name);
	r = db_changed_one(db, db_step_done(st));
	if (r == ERR_CONFLICT)
		r = ERR_CHANNEL_STILL_LIVE;
	if (r == ERR_OK)
		r = audit(db, now_ms, "rtmp", "live.publish", bucket, name, r);
	if (r != ERR_OK)
		goto fail;
	r = db_tx_commit(db);
	if (r != ERR_OK)
		return r;
	ch->session = id;
	ch->connected_ms = now_ms;
	str_copy(ch->remote_addr, sizeof(ch->remote_addr), remote);
	str_copy(ch->holder, sizeof(ch->holder), node->id);
	ch->beat_ms = node->wall_ms;
	*ret_session = id;
	return ERR_OK;
fail:
	db_tx_rollback(db);
	return r;
}

enum err
live_session_check(struct db *db, int64_t bucket, const char *name,
    int64_t session, int64_t beat_ms)
{
	struct db_st *st;
	enum err r;
	enum err rc;

	if (beat_ms != 0) {
		st = db_stmt(db, SQL_BEAT);
		if (st == NULL)
			return ERR_IO;
		db_bind_i64(st, 1, beat_ms);
		db_bind_i64(st, 2, bucket);
		db_bind_text(st, 3, name);
		db_bind_i64(st, 4, session);
		r = db_step_done(st);
		if (r != ERR_OK)
			return r;
	}
	st = db_stmt(db, SQL_CHECK);
	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, name);
	rc = db_row(st);
	if (rc == ERR_OK) {
		const char *status = db_col_text(st, 0);

		if (db_col_i64(st, 1) != session)
			r = ERR_NO_SUCH_LIVE_CHANNEL;
		else if (strcmp(status, "enabled") != 0)
			r = ERR_LIVE_CHANNEL_DISABLED;
		else
			r = ERR_OK;
	} else
		r = rc == ERR_NOT_FOUND ? ERR_NO_SUCH_LIVE_CHANNEL : db_end(rc);
	db_stmt_done(st);
	return r;
}

enum err
live_session_media(struct db *db, int64_t bucket, const char *name,
    int64_t session, const struct live_media *m)
{
	struct db_st *st = db_stmt(db, SQL_MEDIA);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, (int)m->width);
	db_bind_i64(st, 2, (int)m->height);
	db_bind_i64(st, 3, (int)m->frame_rate);
	db_bind_i64(st, 4, (int)m->video_bw);
	db_bind_text(st, 5, m->video_codec);
	db_bind_i64(st, 6, (int)m->sample_rate);
	db_bind_i64(st, 7, (int)m->audio_bw);
	db_bind_text(st, 8, m->audio_codec);
	db_bind_i64(st, 9, bucket);
	db_bind_text(st, 10, name);
	db_bind_i64(st, 11, session);
	return db_step_done(st);
}

enum err
live_session_end(struct db *db, int64_t bucket, const char *name,
    int64_t session, int64_t now_ms)
{
	struct db_st *st;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	st = db_stmt(db, SQL_RELEASE);
	if (st == NULL) {
		r = ERR_IO;
		goto fail;
	}
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, name);
	db_bind_i64(st, 3, session);
	r = db_step_done(st);
	if (r != ERR_OK)
		goto fail;
	st = db_stmt(db, SQL_HISTORY_END);
	if (st == NULL) {
		r = ERR_IO;
		goto fail;
	}
	db_bind_i64(st, 1, now_ms);
	db_bind_i64(st, 2, session);
	r = db_step_done(st);
	if (r != ERR_OK)
		goto fail;
	return db_tx_commit(db);
fail:
	db_tx_rollback(db);
	return r;
}

enum err
live_sessions_reset(struct db *db, const struct live_node *node,
    int64_t now_ms)
{
	int64_t n;
	enum err r;

	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	return db_tx_end(db, release_held(db, node->id, 0, now_ms, &n));
}

enum err
live_sessions_release_lost(struct db *db, const struct live_node *node,
    int64_t now_ms, unsigned *ret_n)
{
	int64_t lost_ms = node->wall_ms - LIVE_HOLDER_LOST_MS, n = 0;
	struct db_st *st;
	enum err r;

	*ret_n = 0;
	/* Mostly there is none: a read, no write lock. */
	st = db_stmt(db, SQL_HELD_COUNT);
	if (st == NULL)
		return ERR_IO;
	db_bind_null(st, 2);
	db_bind_i64(st, 3, lost_ms);
	r = db_one_i64(st, &n);
	if (r != ERR_OK || n == 0)
		return r;
	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	r = db_tx_end(db, release_held(db, NULL, lost_ms, now_ms, &n));
	if (r == ERR_OK)
		*ret_n = (unsigned)n;
	return r;
}

enum err
live_segment_add(struct db *db, int64_t bucket, const char *channel,
    const struct live_segment *s)
{
	struct db_st *st = db_stmt(db, SQL_SEGMENT_ADD);

	if (st == NULL)
		return ERR_IO;
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, channel);
	db_bind_text(st, 3, s->name);
	db_bind_i64(st, 4, s->start_ms);
	db_bind_i64(st, 5, s->duration_ms);
	return db_step_done(st);
}

enum err
live_vod_playlist(struct db *db, int64_t bucket, const char *channel,
    int64_t from_ms, int64_t to_ms, struct buf *out)
{
	struct db_st *st = db_stmt(db, SQL_SEGMENTS);
	struct live_segment *segs = NULL;
	size_t n = 0;
	enum err r = ERR_OK;
	enum err rc;

	if (st == NULL)
		return ERR_IO;
	segs = calloc(LIVE_VOD_SEGMENTS_MAX, sizeof(*segs));
	if (segs == NULL) {
		db_stmt_done(st);
		return ERR_NOMEM;
	}
	db_bind_i64(st, 1, bucket);
	db_bind_text(st, 2, channel);
	db_bind_i64(st, 3, from_ms);
	db_bind_i64(st, 4, to_ms);
	db_bind_i64(st, 5, LIVE_VOD_SEGMENTS_MAX);
	while ((rc = db_row(st)) == ERR_OK &&
	    n < LIVE_VOD_SEGMENTS_MAX) {
		db_col_copy(st, 0, segs[n].name, sizeof(segs[n].name));
		segs[n].start_ms = db_col_i64(st, 1);
		segs[n].duration_ms = (unsigned)db_col_i64(st, 2);
		n++;
	}
	db_stmt_done(st);
	if (rc != ERR_OK && rc != ERR_NOT_FOUND)
		r = db_end(rc);
	else if (n == 0)
		r = ERR_INVALID_ARGUMENT;	/* SDK tests: no ts in range */
	else
		r = live_m3u8(out, 0, segs, n, true);
	free(segs);
	return r;
}
