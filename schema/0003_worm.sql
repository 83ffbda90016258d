-- 0003_worm.sql: bucket retention (WORM) policies (worm/, spec oss-api.md §3.4).
-- Never edit after release; add a new numbered file instead.
-- Times are business-clock milliseconds since the Unix epoch.
--
-- One row per bucket at most. An InProgress row older than 24 hours is
-- expired: the code treats it as absent (derived on read, never flipped by a
-- timer) and a new InitiateBucketWorm replaces it. Aborting deletes the row,
-- so an aborted or replaced wormId is unknown afterwards. Every change and
-- refusal is also written to the audit table by worm_db.c.

CREATE TABLE worm_policies (
	bucket		INTEGER PRIMARY KEY REFERENCES buckets(id),	-- no cascade: DeleteBucket must drop it on purpose
	worm_id		TEXT NOT NULL UNIQUE,		-- 32 upper-case hex digits
	state		TEXT NOT NULL CHECK (state IN ('InProgress', 'Locked')),
	days		INTEGER NOT NULL CHECK (days BETWEEN 1 AND 25550),
	created_ms	INTEGER NOT NULL,
	updated_ms	INTEGER NOT NULL,		-- last Complete/Extend
	mac		BLOB				-- root-key MAC over (bucket, worm_id, state, days, created_ms)
) STRICT;

-- Defence in depth for code paths that bypass worm/ (a bug, a future admin
-- tool): a Locked policy can never be weakened, whatever the SQL. This does
-- not stop an offline edit with the sqlite3 shell (it can drop triggers);
-- the MAC column is what detects that.
CREATE TRIGGER worm_policies_locked_update BEFORE UPDATE ON worm_policies
WHEN OLD.state = 'Locked' AND (NEW.state <> 'Locked' OR NEW.days < OLD.days
    OR NEW.worm_id <> OLD.worm_id OR NEW.created_ms <> OLD.created_ms
    OR NEW.bucket <> OLD.bucket)
BEGIN
	SELECT RAISE(ABORT, 'worm: a Locked policy cannot be shortened or unlocked');
END;

-- The same backstop for objects: while an object is inside the retention
-- period of its bucket's effective policy it cannot be deleted, nor its
-- content, metadata, tags, ACL or encryption changed (spec §1.3 row 11).
-- Storage class and restore state may change (OSS lets lifecycle move a
-- protected object to a colder class; a restore is a read). "Now"
-- here is the persisted high-water mark of the business clock, which trails
-- business time by at most a second, so the trigger errs on the protective
-- side. worm_object_guard() answers FileImmutable before these ever fire;
-- a path that forgot the guard gets a constraint error instead of a deletion.
CREATE TRIGGER worm_objects_no_delete BEFORE DELETE ON objects
WHEN EXISTS (SELECT 1 FROM worm_policies w, clock c
    WHERE w.bucket = OLD.bucket AND c.id = 1
      AND (w.state = 'Locked' OR w.created_ms + 86400000 > c.high_water_ms)
      AND OLD.mtime_ms + w.days * 86400000 > c.high_water_ms)
BEGIN
	SELECT RAISE(ABORT, 'worm: FileImmutable');
END;

CREATE TRIGGER worm_objects_no_rewrite
BEFORE UPDATE OF bucket, key, type, size, etag, crc64, mtime_ms, acl, headers,
    tags, sse_algorithm, sse_key_id, sse_data_enc ON objects
WHEN EXISTS (SELECT 1 FROM worm_policies w, clock c
    WHERE w.bucket = OLD.bucket AND c.id = 1
      AND (w.state = 'Locked' OR w.created_ms + 86400000 > c.high_water_ms)
      AND OLD.mtime_ms + w.days * 86400000 > c.high_water_ms)
BEGIN
	SELECT RAISE(ABORT, 'worm: FileImmutable');
END;
