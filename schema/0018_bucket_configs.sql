-- 0018_bucket_configs.sql: the bucket configurations stored as documents
-- and read back as they were accepted (spec oss-api-2.md §5): bucket
-- policy, referer, tags, request payment, website, logging and public
-- access block. One row per bucket and kind; none means "not configured".
-- Never edit after release; add a new numbered file instead.
-- Times are business-clock milliseconds since the Unix epoch.

CREATE TABLE bucket_configs (
	bucket		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	kind		TEXT NOT NULL CHECK (kind IN ('policy', 'referer',
			    'tagging', 'requestPayment', 'website', 'logging',
			    'publicAccessBlock')),
	doc		TEXT NOT NULL,		-- canonical form, as Get returns it
	updated_ms	INTEGER NOT NULL,
	PRIMARY KEY (bucket, kind)
) STRICT, WITHOUT ROWID;
