-- 0016_bucket_stats.sql: GetBucketStat from counters, not from a scan of
-- every object of the bucket, and an index that pages ListKeys (issue 17).
-- Never edit after release; add a new numbered file instead.
--
-- The counters are kept by triggers, so they change in the transaction
-- of whatever changes objects, uploads or parts: no writer (PUT, copy,
-- append, multipart, delete, lifecycle, restore, the daemon's own writes)
-- can forget them, and a crash leaves them as whole as the rows. The
-- seal triggers of 0009/0011 are left as they are; these only add.
--
-- bucket_class_stats: versions that hold data (every type but
-- DeleteMarker), counted and summed per storage class.
-- bucket_stats: delete markers, multipart uploads and their parts, and
-- the newest Last-Modified of any version stored (it does not go back
-- when that version is deleted: OSS documents LastModifiedTime as the
-- time the statistics were last updated, never as a fact about a row).

CREATE TABLE bucket_class_stats (
	bucket		INTEGER NOT NULL,
	storage_class	TEXT NOT NULL,
	objects		INTEGER NOT NULL DEFAULT 0,
	bytes		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (bucket, storage_class)
) STRICT, WITHOUT ROWID;

CREATE TABLE bucket_stats (
	bucket		INTEGER PRIMARY KEY,
	delete_markers	INTEGER NOT NULL DEFAULT 0,
	uploads		INTEGER NOT NULL DEFAULT 0,
	parts		INTEGER NOT NULL DEFAULT 0,
	parts_bytes	INTEGER NOT NULL DEFAULT 0,
	last_modified_ms INTEGER NOT NULL DEFAULT 0
) STRICT;

-- What is already there.
INSERT INTO bucket_stats (bucket) SELECT id FROM buckets;
INSERT INTO bucket_class_stats (bucket, storage_class, objects, bytes)
SELECT bucket, storage_class, count(*), sum(size) FROM objects
WHERE type <> 'DeleteMarker' GROUP BY bucket, storage_class;
UPDATE bucket_stats SET
    delete_markers = (SELECT count(*) FROM objects o
	WHERE o.bucket = bucket_stats.bucket AND o.type = 'DeleteMarker'),
    last_modified_ms = (SELECT coalesce(max(mtime_ms), 0) FROM objects o
	WHERE o.bucket = bucket_stats.bucket AND o.type <> 'DeleteMarker'),
    uploads = (SELECT count(*) FROM uploads u
	WHERE u.bucket = bucket_stats.bucket),
    parts = (SELECT count(*) FROM parts p JOIN uploads u ON u.id = p.upload
	WHERE u.bucket = bucket_stats.bucket),
    parts_bytes = (SELECT coalesce(sum(p.size), 0) FROM parts p
	JOIN uploads u ON u.id = p.upload WHERE u.bucket = bucket_stats.bucket);

CREATE TRIGGER stats_buckets_insert AFTER INSERT ON buckets
BEGIN
	INSERT OR IGNORE INTO bucket_stats (bucket) VALUES (NEW.id);
END;
CREATE TRIGGER stats_buckets_delete AFTER DELETE ON buckets
BEGIN
	DELETE FROM bucket_stats WHERE bucket = OLD.id;
	DELETE FROM bucket_class_stats WHERE bucket = OLD.id;
END;

-- A row counts as (+1, +size) in its class when it holds data, as one
-- delete marker otherwise. An update is the old row out, the new row in.
CREATE TRIGGER stats_objects_insert AFTER INSERT ON objects
BEGIN
	INSERT OR IGNORE INTO bucket_class_stats (bucket, storage_class)
	    SELECT NEW.bucket, NEW.storage_class
	    WHERE NEW.type <> 'DeleteMarker';
	UPDATE bucket_class_stats SET objects = objects + 1,
	    bytes = bytes + NEW.size
	    WHERE bucket = NEW.bucket AND storage_class = NEW.storage_class
	      AND NEW.type <> 'DeleteMarker';
	UPDATE bucket_stats SET
	    delete_markers = delete_markers + (NEW.type = 'DeleteMarker'),
	    last_modified_ms = CASE WHEN NEW.type <> 'DeleteMarker'
		AND NEW.mtime_ms > last_modified_ms THEN NEW.mtime_ms
		ELSE last_modified_ms END
	    WHERE bucket = NEW.bucket;
END;
CREATE TRIGGER stats_objects_delete AFTER DELETE ON objects
BEGIN
	UPDATE bucket_class_stats SET objects = objects - 1,
	    bytes = bytes - OLD.size
	    WHERE bucket = OLD.bucket AND storage_class = OLD.storage_class
	      AND OLD.type <> 'DeleteMarker';
	UPDATE bucket_stats SET delete_markers = delete_markers - 1
	    WHERE bucket = OLD.bucket AND OLD.type = 'DeleteMarker';
END;
CREATE TRIGGER stats_objects_update
AFTER UPDATE OF bucket, type, size, storage_class, mtime_ms ON objects
BEGIN
	UPDATE bucket_class_stats SET objects = objects - 1,
	    bytes = bytes - OLD.size
	    WHERE bucket = OLD.bucket AND storage_class = OLD.storage_class
	      AND OLD.type <> 'DeleteMarker';
	UPDATE bucket_stats SET delete_markers = delete_markers - 1
	    WHERE bucket = OLD.bucket AND OLD.type = 'DeleteMarker';
	INSERT OR IGNORE INTO bucket_class_stats (bucket, storage_class)
	    SELECT NEW.bucket, NEW.storage_class
	    WHERE NEW.type <> 'DeleteMarker';
	UPDATE bucket_class_stats SET objects = objects + 1,
	    bytes = bytes + NEW.size
	    WHERE bucket = NEW.bucket AND storage_class = NEW.storage_class
	      AND NEW.type <> 'DeleteMarker';
	UPDATE bucket_stats SET
	    delete_markers = delete_markers + (NEW.type = 'DeleteMarker'),
	    last_modified_ms = CASE WHEN NEW.type <> 'DeleteMarker'
		AND NEW.mtime_ms > last_modified_ms THEN NEW.mtime_ms
		ELSE last_modified_ms END
	    WHERE bucket = NEW.bucket;
END;

CREATE TRIGGER stats_uploads_insert AFTER INSERT ON uploads
BEGIN
	UPDATE bucket_stats SET uploads = uploads + 1 WHERE bucket = NEW.bucket;
END;
CREATE TRIGGER stats_uploads_delete AFTER DELETE ON uploads
BEGIN
	UPDATE bucket_stats SET uploads = uploads - 1 WHERE bucket = OLD.bucket;
END;
-- parts.upload references uploads: a part goes before its upload does.
CREATE TRIGGER stats_parts_insert AFTER INSERT ON parts
BEGIN
	UPDATE bucket_stats SET parts = parts + 1,
	    parts_bytes = parts_bytes + NEW.size
	    WHERE bucket = (SELECT bucket FROM uploads WHERE id = NEW.upload);
END;
CREATE TRIGGER stats_parts_delete AFTER DELETE ON parts
BEGIN
	UPDATE bucket_stats SET parts = parts - 1,
	    parts_bytes = parts_bytes - OLD.size
	    WHERE bucket = (SELECT bucket FROM uploads WHERE id = OLD.upload);
END;
CREATE TRIGGER stats_parts_update AFTER UPDATE OF upload, size ON parts
BEGIN
	UPDATE bucket_stats SET parts = parts - 1,
	    parts_bytes = parts_bytes - OLD.size
	    WHERE bucket = (SELECT bucket FROM uploads WHERE id = OLD.upload);
	UPDATE bucket_stats SET parts = parts + 1,
	    parts_bytes = parts_bytes + NEW.size
	    WHERE bucket = (SELECT bucket FROM uploads WHERE id = NEW.upload);
END;

-- ListKeys (kms/kms_db.c): the count and the page skip over index entries
-- that hold everything the "not destroyed" test reads, instead of reading
-- every key's row and material.
CREATE INDEX kms_keys_list ON kms_keys(account, id, state, delete_ms);
