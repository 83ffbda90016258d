-- 0022_cors_config.sql: a bucket's CORS configuration becomes one more
-- kind of bucket_configs (0018), read and written like the others; the
-- table of 0017 goes. Never edit after release; add a new numbered file
-- instead.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt
-- with 'cors' among its kinds, every row copied, then renamed over.

CREATE TABLE bucket_configs_new (
	bucket		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	kind		TEXT NOT NULL CHECK (kind IN ('policy', 'referer',
			    'tagging', 'requestPayment', 'website', 'logging',
			    'publicAccessBlock', 'cors')),
	doc		TEXT NOT NULL,		-- canonical form, as Get returns it
	updated_ms	INTEGER NOT NULL,
	PRIMARY KEY (bucket, kind)
) STRICT, WITHOUT ROWID;

INSERT INTO bucket_configs_new (bucket, kind, doc, updated_ms)
    SELECT bucket, kind, doc, updated_ms FROM bucket_configs;
INSERT INTO bucket_configs_new (bucket, kind, doc, updated_ms)
    SELECT bucket, 'cors', doc, updated_ms FROM cors;

DROP TABLE bucket_configs;
ALTER TABLE bucket_configs_new RENAME TO bucket_configs;
DROP TABLE cors;
