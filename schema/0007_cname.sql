-- 0007_cname.sql: custom domains of buckets (spec oss-api.md §3.6):
-- ownership tokens and attached domains. Never edit after release; add a
-- new numbered file instead. Times are business-clock milliseconds.

-- CreateCnameToken: one token per (bucket, domain). A token proves
-- ownership once: PutCname marks it used, and a later attach needs a new
-- one.
CREATE TABLE cname_tokens (
	bucket		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	domain		TEXT NOT NULL,
	token		TEXT NOT NULL,
	created_ms	INTEGER NOT NULL,
	expires_ms	INTEGER NOT NULL,
	used		INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
	PRIMARY KEY (bucket, domain)
);

-- A domain maps to one bucket: attached by PutCname (kind 'oss') or
-- reserved for image processing by the operator (kind 'img'). Deleting
-- the bucket removes them.
CREATE TABLE cnames (
	domain		TEXT PRIMARY KEY,
	bucket		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	kind		TEXT NOT NULL CHECK (kind IN ('oss', 'img')),
	modified_ms	INTEGER NOT NULL
);
CREATE INDEX cnames_bucket ON cnames (bucket);
