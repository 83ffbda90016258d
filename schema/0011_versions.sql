-- 0011_versions.sql: object versions, delete markers and per-version
-- retention (oss-api-2.md §1, §1.10).
-- Never edit after release; add a new numbered file instead.
-- coffer-migrate: foreign-keys-off
--
-- Every version of a key is a row of objects, as the current object was:
-- its own extents, data keys, ACL, tags and encryption. At most one row per
-- key is the latest (the partial unique index); a delete marker is a row of
-- type 'DeleteMarker' with no extents. Rows written while the bucket was
-- never versioned, or Suspended, have version id 'null' (at most one per
-- key). vseq orders the versions of a key, newest highest; noncurrent_ms is
-- when a version stopped being the latest (NoncurrentDays counts from it).
--
-- SQLite cannot drop the UNIQUE (bucket, key) constraint in place, so the
-- table is rebuilt (the documented procedure: foreign keys off for this
-- migration, which the migration runner checks with foreign_key_check
-- before it commits). Rows keep their id, so extent rows stay attached,
-- and their MAC: the MAC below covers the old seven fields while a row
-- has the defaults of every new promise, and all of them otherwise, so an
-- existing row still verifies and a changed retention or version id does
-- not.

ALTER TABLE buckets ADD COLUMN versioning TEXT NOT NULL DEFAULT ''
    CHECK (versioning IN ('', 'Enabled', 'Suspended'));

CREATE TABLE objects_new (
	id		INTEGER PRIMARY KEY,
	bucket		INTEGER NOT NULL REFERENCES buckets(id),
	key		TEXT NOT NULL,
	version_id	TEXT NOT NULL DEFAULT 'null',
	latest		INTEGER NOT NULL DEFAULT 1 CHECK (latest IN (0, 1)),
	vseq		INTEGER NOT NULL DEFAULT 1,
	noncurrent_ms	INTEGER NOT NULL DEFAULT 0,
	type		TEXT NOT NULL,			-- Normal | Appendable | Multipart | DeleteMarker
	size		INTEGER NOT NULL,
	etag		TEXT NOT NULL,
	crc64		INTEGER NOT NULL,
	storage_class	TEXT NOT NULL,
	mtime_ms	INTEGER NOT NULL,
	generation	INTEGER NOT NULL DEFAULT 1,
	acl		TEXT NOT NULL DEFAULT 'default',
	headers		TEXT NOT NULL DEFAULT '',
	tags		TEXT NOT NULL DEFAULT '',
	sse_algorithm	TEXT NOT NULL DEFAULT '',
	sse_key_id	TEXT NOT NULL DEFAULT '',
	sse_data_enc	TEXT NOT NULL DEFAULT '',
	restore_state	INTEGER NOT NULL DEFAULT 0,
	restore_done_ms	INTEGER NOT NULL DEFAULT 0,
	restore_expiry_ms INTEGER NOT NULL DEFAULT 0,
	restore_tier	TEXT NOT NULL DEFAULT '',
	-- object-level retention (ObjectWorm): '' | COMPLIANCE | GOVERNANCE
	retain_mode	TEXT NOT NULL DEFAULT '',
	retain_until_ms	INTEGER NOT NULL DEFAULT 0,
	legal_hold	INTEGER NOT NULL DEFAULT 0 CHECK (legal_hold IN (0, 1)),
	mac		BLOB,
	UNIQUE (bucket, key, version_id)
) STRICT;

INSERT INTO objects_new (id, bucket, key, type, size, etag, crc64,
    storage_class, mtime_ms, generation, acl, headers, tags, sse_algorithm,
    sse_key_id, sse_data_enc, restore_state, restore_done_ms,
    restore_expiry_ms, restore_tier, mac)
SELECT id, bucket, key, type, size, etag, crc64, storage_class, mtime_ms,
    generation, acl, headers, tags, sse_algorithm, sse_key_id, sse_data_enc,
    restore_state, restore_done_ms, restore_expiry_ms, restore_tier, mac
FROM objects;

DROP TABLE objects;
ALTER TABLE objects_new RENAME TO objects;

CREATE UNIQUE INDEX objects_latest ON objects(bucket, key) WHERE latest = 1;
CREATE INDEX objects_versions ON objects(bucket, key, vseq DESC);

-- The seal triggers of 0009, as they were.
CREATE TRIGGER seal_objects_insert AFTER INSERT ON objects
BEGIN
	UPDATE seal SET objects_acc = coffer_acc(objects_acc, NEW.mac, 1),
	    objects_n = objects_n + 1, seq = seq + 1 WHERE id = 1;
END;
CREATE TRIGGER seal_objects_delete AFTER DELETE ON objects
BEGIN
	UPDATE seal SET objects_acc = coffer_acc(objects_acc, OLD.mac, -1),
	    objects_n = objects_n - 1, seq = seq + 1 WHERE id = 1;
END;
CREATE TRIGGER seal_objects_update AFTER UPDATE OF mac ON objects
WHEN OLD.mac IS NOT NEW.mac
BEGIN
	UPDATE seal SET objects_acc = coffer_acc(coffer_acc(objects_acc,
	    OLD.mac, -1), NEW.mac, 1), seq = seq + 1 WHERE id = 1;
END;

-- The backstops of 0003 for bucket retention, now per version: every
-- version is protected for the bucket's period from its own Last-Modified.
-- A delete marker holds no data (removing one uncovers the version under
-- it), so it is not protected.
CREATE TRIGGER worm_objects_no_delete BEFORE DELETE ON objects
WHEN OLD.type <> 'DeleteMarker' AND EXISTS (SELECT 1
    FROM worm_policies w, clock c
    WHERE w.bucket = OLD.bucket AND c.id = 1
      AND (w.state = 'Locked' OR w.created_ms + 86400000 > c.high_water_ms)
      AND OLD.mtime_ms + w.days * 86400000 > c.high_water_ms)
BEGIN
	SELECT RAISE(ABORT, 'worm: FileImmutable');
END;

CREATE TRIGGER worm_objects_no_rewrite
BEFORE UPDATE OF bucket, key, version_id, type, size, etag, crc64, mtime_ms,
    acl, headers, tags, sse_algorithm, sse_key_id, sse_data_enc ON objects
WHEN OLD.type <> 'DeleteMarker' AND EXISTS (SELECT 1
    FROM worm_policies w, clock c
    WHERE w.bucket = OLD.bucket AND c.id = 1
      AND (w.state = 'Locked' OR w.created_ms + 86400000 > c.high_water_ms)
      AND OLD.mtime_ms + w.days * 86400000 > c.high_water_ms)
BEGIN
	SELECT RAISE(ABORT, 'worm: FileImmutable');
END;

-- The same for object-level retention: a legal hold, or a COMPLIANCE
-- retention date still ahead, keeps the version (GOVERNANCE may be
-- bypassed by its owner, so only the guard enforces it), and a
-- COMPLIANCE date can only move later while it holds.
CREATE TRIGGER retention_objects_no_delete BEFORE DELETE ON objects
WHEN OLD.legal_hold = 1 OR (OLD.retain_mode = 'COMPLIANCE' AND
    OLD.retain_until_ms > (SELECT high_water_ms FROM clock WHERE id = 1))
BEGIN
	SELECT RAISE(ABORT, 'retention: FileImmutable');
END;

CREATE TRIGGER retention_objects_no_rewrite
BEFORE UPDATE OF bucket, key, version_id, type, size, etag, crc64, mtime_ms,
    headers, sse_algorithm, sse_key_id, sse_data_enc ON objects
WHEN OLD.legal_hold = 1 OR (OLD.retain_mode = 'COMPLIANCE' AND
    OLD.retain_until_ms > (SELECT high_water_ms FROM clock WHERE id = 1))
BEGIN
	SELECT RAISE(ABORT, 'retention: FileImmutable');
END;

CREATE TRIGGER retention_objects_no_shorten
BEFORE UPDATE OF retain_mode, retain_until_ms ON objects
WHEN OLD.retain_mode = 'COMPLIANCE' AND
    OLD.retain_until_ms > (SELECT high_water_ms FROM clock WHERE id = 1)
    AND (NEW.retain_mode <> 'COMPLIANCE' OR
         NEW.retain_until_ms < OLD.retain_until_ms)
BEGIN
	SELECT RAISE(ABORT, 'retention: a COMPLIANCE date cannot be shortened');
END;
