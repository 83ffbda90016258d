-- 0017_cors.sql: bucket CORS configurations (oss/cors.c, spec oss-api-2.md
-- §3). Never edit after release; add a new numbered file instead.
-- The document is the canonical CORSConfiguration the daemon wrote from
-- the one put: GetBucketCors returns it, and every request that names the
-- bucket reads it to decide its CORS headers.

CREATE TABLE cors (
	bucket		INTEGER PRIMARY KEY REFERENCES buckets(id) ON DELETE CASCADE,
	doc		TEXT NOT NULL,
	updated_ms	INTEGER NOT NULL	-- business clock, ms since the epoch
) STRICT;
