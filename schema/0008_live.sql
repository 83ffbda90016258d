-- 0008_live.sql: LiveChannels (daemon/live/, spec oss-api.md §3.7,
-- rtmp-ingest.md §9): the channel configuration, the publisher that holds
-- it, the publish history and the HLS segments written for VOD playlists.
-- Never edit after release; add a new numbered file instead.
-- Times are business-clock milliseconds since the Unix epoch.
--
-- A publisher claims its channel by compare-and-set on session (0: none),
-- in the same transaction that opens its history row; the session id is
-- that row's id. PutLiveChannel and DeleteLiveChannel only touch a row
-- whose session is 0 (409 ChannelStillLive otherwise). The daemon clears
-- every claim at start-up: a crash leaves no channel Live.

CREATE TABLE live_channels (
	id		INTEGER PRIMARY KEY,
	bucket		INTEGER NOT NULL REFERENCES buckets(id),	-- no cascade: DeleteBucket refuses (BucketNotEmpty)
	name		TEXT NOT NULL,
	description	TEXT NOT NULL DEFAULT '',
	status		TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
	frag_duration	INTEGER NOT NULL CHECK (frag_duration BETWEEN 1 AND 100),
	frag_count	INTEGER NOT NULL CHECK (frag_count BETWEEN 1 AND 100),
	playlist	TEXT NOT NULL,
	modified_ms	INTEGER NOT NULL,
	session		INTEGER NOT NULL DEFAULT 0,	-- live_history.id of the publisher
	connected_ms	INTEGER NOT NULL DEFAULT 0,
	remote_addr	TEXT NOT NULL DEFAULT '',
	-- what the publisher sends (GetLiveChannelStat); 0 until known
	width		INTEGER NOT NULL DEFAULT 0,
	height		INTEGER NOT NULL DEFAULT 0,
	frame_rate	INTEGER NOT NULL DEFAULT 0,
	video_bw	INTEGER NOT NULL DEFAULT 0,	-- bytes/s over the last segment
	video_codec	TEXT NOT NULL DEFAULT '',
	sample_rate	INTEGER NOT NULL DEFAULT 0,
	audio_bw	INTEGER NOT NULL DEFAULT 0,
	audio_codec	TEXT NOT NULL DEFAULT '',
	UNIQUE (bucket, name)
) STRICT;

CREATE TABLE live_history (
	id		INTEGER PRIMARY KEY,
	bucket		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	channel		TEXT NOT NULL,
	start_ms	INTEGER NOT NULL,
	end_ms		INTEGER NOT NULL DEFAULT 0,	-- 0 while publishing
	remote_addr	TEXT NOT NULL,
	result		TEXT NOT NULL DEFAULT ''	-- '' or the refusal (LiveChannelDisabled)
) STRICT;
CREATE INDEX live_history_channel ON live_history(bucket, channel, id);

CREATE TABLE live_segments (
	id		INTEGER PRIMARY KEY,
	bucket		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	channel		TEXT NOT NULL,
	name		TEXT NOT NULL,			-- "<ms>.ts", under "<channel>/"
	start_ms	INTEGER NOT NULL,
	duration_ms	INTEGER NOT NULL
) STRICT;
CREATE INDEX live_segments_time ON live_segments(bucket, channel, start_ms);
