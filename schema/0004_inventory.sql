-- 0004_inventory.sql: bucket inventory configurations (worm/inventory*.c,
-- spec oss-api.md §3.5) and their schedule (daemon/jobs/).
-- Never edit after release; add a new numbered file instead.
-- Times are business-clock milliseconds since the Unix epoch.

CREATE TABLE inventories (
	id		INTEGER PRIMARY KEY,
	bucket		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	inventory_id	TEXT NOT NULL,			-- the configuration's <Id>, 1..192 bytes
	enabled		INTEGER NOT NULL,
	format		TEXT NOT NULL DEFAULT 'CSV',
	account_id	TEXT NOT NULL,			-- OSSBucketDestination/AccountId as given
	role_arn	TEXT NOT NULL,
	dest_bucket	TEXT NOT NULL,			-- bucket name (from acs:oss:::name)
	dest_prefix	TEXT NOT NULL DEFAULT '',
	sse		TEXT NOT NULL DEFAULT '',	-- '' | SSE-OSS | SSE-KMS
	sse_key_id	TEXT NOT NULL DEFAULT '',
	frequency	TEXT NOT NULL CHECK (frequency IN ('Daily', 'Weekly')),
	versions	TEXT NOT NULL CHECK (versions IN ('All', 'Current')),
	fields		TEXT NOT NULL DEFAULT '',	-- OptionalFields, comma-separated, in request order
	f_prefix	TEXT NOT NULL DEFAULT '',
	f_begin_s	INTEGER,			-- LastModifyBeginTimeStamp (Unix s) or NULL
	f_end_s		INTEGER,			-- LastModifyEndTimeStamp
	f_lower		INTEGER,			-- LowerSizeBound (bytes)
	f_upper		INTEGER,			-- UpperSizeBound
	f_storage_class	TEXT NOT NULL DEFAULT '',	-- "Standard,IA" as given
	created_ms	INTEGER NOT NULL,
	last_run_ms	INTEGER NOT NULL DEFAULT 0,	-- schedule slot of the last run (0: none)
	next_run_ms	INTEGER NOT NULL,		-- next schedule slot
	UNIQUE (bucket, inventory_id)
) STRICT;
CREATE INDEX inventories_due ON inventories(next_run_ms) WHERE enabled = 1;
