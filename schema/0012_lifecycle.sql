-- 0012_lifecycle.sql: bucket lifecycle configurations (lifecycle/, spec
-- oss-api-2.md §2) and where the daily runner (daemon/jobs/) stands.
-- Never edit after release; add a new numbered file instead.
-- Times are business-clock milliseconds since the Unix epoch; days are
-- day numbers (ms / 86400000), a run being named by its 00:00 UTC.

CREATE TABLE lifecycles (
	bucket		INTEGER PRIMARY KEY REFERENCES buckets(id) ON DELETE CASCADE,
	doc		TEXT NOT NULL,			-- the canonical LifecycleConfiguration
	config_gen	INTEGER NOT NULL DEFAULT 1,	-- bumped by every Put
	updated_ms	INTEGER NOT NULL,
	last_day	INTEGER NOT NULL,		-- last completed daily run
	run_day		INTEGER NOT NULL DEFAULT 0,	-- run in progress (0: none)
	phase		INTEGER NOT NULL DEFAULT 0 CHECK (phase IN (0, 1)),	-- objects, uploads
	cursor		TEXT NOT NULL DEFAULT '',	-- last key done in the phase
	scanned		INTEGER NOT NULL DEFAULT 0,	-- counters of the current or last run
	expired		INTEGER NOT NULL DEFAULT 0,
	transitioned	INTEGER NOT NULL DEFAULT 0,
	skipped		INTEGER NOT NULL DEFAULT 0,	-- expiries refused by retention
	aborted		INTEGER NOT NULL DEFAULT 0,
	progress_ms	INTEGER NOT NULL DEFAULT 0	-- business time of the last progress write
) STRICT;
