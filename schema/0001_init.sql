-- 0001_init.sql: accounts, buckets, objects as lists of encrypted extents,
-- multipart uploads, the business clock and the audit trail.
-- Never edit after release; add a new numbered file instead.
-- Times are milliseconds since the Unix epoch (business clock unless noted).

CREATE TABLE clock (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	test_mode	INTEGER NOT NULL DEFAULT 0,	-- set by the daemon at start
	offset_ms	INTEGER NOT NULL DEFAULT 0,	-- test clock: business = wall + offset
	high_water_ms	INTEGER NOT NULL DEFAULT 0	-- highest business time handed out
) STRICT;
INSERT INTO clock (id) VALUES (1);

CREATE TABLE accounts (
	id		INTEGER PRIMARY KEY,
	account_id	TEXT NOT NULL UNIQUE,		-- 16 digits, as Alibaba Cloud
	name		TEXT NOT NULL UNIQUE,
	created_ms	INTEGER NOT NULL
) STRICT;

CREATE TABLE access_keys (
	access_key_id	TEXT PRIMARY KEY,
	account		INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	secret_sealed	BLOB NOT NULL,			-- sealed under the root key ("ak" || id)
	created_ms	INTEGER NOT NULL
) STRICT;
CREATE INDEX access_keys_account ON access_keys(account);

CREATE TABLE buckets (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	owner		INTEGER NOT NULL REFERENCES accounts(id),
	region		TEXT NOT NULL,			-- "cn-hangzhou"
	storage_class	TEXT NOT NULL,			-- Standard | IA | Archive | ColdArchive | DeepColdArchive
	redundancy	TEXT NOT NULL,			-- LRS | ZRS
	acl		TEXT NOT NULL,			-- private | public-read | public-read-write
	resource_group	TEXT NOT NULL DEFAULT '',
	created_ms	INTEGER NOT NULL,
	sse_algorithm	TEXT NOT NULL DEFAULT '',	-- '' | AES256 | KMS | SM4 (bucket default)
	sse_kms_key_id	TEXT NOT NULL DEFAULT '',
	sse_data_enc	TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX buckets_owner ON buckets(owner, name);

-- One row per current object. Standard headers and x-oss-meta-* are kept as
-- "name:value\n" lines in headers (values cannot contain newlines).
CREATE TABLE objects (
	id		INTEGER PRIMARY KEY,
	bucket		INTEGER NOT NULL REFERENCES buckets(id),
	key		TEXT NOT NULL,			-- UTF-8, compared bytewise
	type		TEXT NOT NULL,			-- Normal | Appendable | Multipart
	size		INTEGER NOT NULL,
	etag		TEXT NOT NULL,			-- upper-case hex, "-N" for multipart
	crc64		INTEGER NOT NULL,		-- uint64 stored as its int64 bit pattern
	storage_class	TEXT NOT NULL,
	mtime_ms	INTEGER NOT NULL,
	generation	INTEGER NOT NULL DEFAULT 1,	-- metadata generation (StaleFile CAS)
	acl		TEXT NOT NULL DEFAULT 'default',
	headers		TEXT NOT NULL DEFAULT '',
	tags		TEXT NOT NULL DEFAULT '',	-- URL-query form k1=v1&k2=v2
	sse_algorithm	TEXT NOT NULL DEFAULT '',	-- AES256 | KMS | SM4
	sse_key_id	TEXT NOT NULL DEFAULT '',	-- CMK id for KMS
	sse_data_enc	TEXT NOT NULL DEFAULT '',
	restore_state	INTEGER NOT NULL DEFAULT 0,	-- 0 none, 1 restoring, 2 restored
	restore_done_ms	INTEGER NOT NULL DEFAULT 0,	-- when the running restore completes
	restore_expiry_ms INTEGER NOT NULL DEFAULT 0,	-- when the restored copy expires
	restore_tier	TEXT NOT NULL DEFAULT '',
	mac		BLOB,				-- root-key MAC over the row's promises
	UNIQUE (bucket, key)
) STRICT;

CREATE TABLE uploads (
	id		INTEGER PRIMARY KEY,
	upload_id	TEXT NOT NULL UNIQUE,
	bucket		INTEGER NOT NULL REFERENCES buckets(id),
	key		TEXT NOT NULL,
	initiated_ms	INTEGER NOT NULL,
	storage_class	TEXT NOT NULL,
	acl		TEXT NOT NULL DEFAULT 'default',
	headers		TEXT NOT NULL DEFAULT '',
	tags		TEXT NOT NULL DEFAULT '',
	sse_algorithm	TEXT NOT NULL DEFAULT '',
	sse_key_id	TEXT NOT NULL DEFAULT '',
	sse_data_enc	TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX uploads_bucket_key ON uploads(bucket, key, upload_id);

CREATE TABLE parts (
	id		INTEGER PRIMARY KEY,
	upload		INTEGER NOT NULL REFERENCES uploads(id),
	part_number	INTEGER NOT NULL,
	size		INTEGER NOT NULL,
	etag		TEXT NOT NULL,
	crc64		INTEGER NOT NULL,
	mtime_ms	INTEGER NOT NULL,
	UNIQUE (upload, part_number)
) STRICT;

-- An extent is one encrypted blob file (DATA_DIR/blobs/xx/<uuid hex>) with
-- its own data key, owned by exactly one object or one part. Completing a
-- multipart upload moves part extents to the object: no data is copied.
CREATE TABLE extents (
	id		INTEGER PRIMARY KEY,
	uuid		BLOB NOT NULL UNIQUE,		-- 16 random bytes, bound into every chunk
	object		INTEGER REFERENCES objects(id),
	part		INTEGER REFERENCES parts(id),
	seq		INTEGER NOT NULL,		-- order within the object
	plain_len	INTEGER NOT NULL,
	wrapped_dek	BLOB NOT NULL,
	wrap_key	TEXT NOT NULL,			-- "oss" or "cmk:<key version id>"
	CHECK ((object IS NULL) <> (part IS NULL))
) STRICT;
CREATE INDEX extents_object ON extents(object, seq);
CREATE INDEX extents_part ON extents(part);

CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	time_ms		INTEGER NOT NULL,
	actor		TEXT NOT NULL,			-- account id, "cli" or "daemon"
	action		TEXT NOT NULL,
	target		TEXT NOT NULL,
	result		TEXT NOT NULL,			-- "ok" or an error code
	detail		TEXT NOT NULL DEFAULT ''
) STRICT;
