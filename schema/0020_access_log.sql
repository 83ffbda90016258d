-- 0020_access_log.sql: bucket access logs on their way into the target
-- bucket (spec oss-api-2.md §5.3). Lines wait here from the second after
-- their request until their flush interval has ended; then each group
-- (target, prefix, source bucket, interval) is given an object key and
-- written as one object, after which its lines are deleted.
-- Never edit after release; add a new numbered file instead.
-- Times are business-clock milliseconds since the Unix epoch.

-- Lines go with their target bucket: a deleted target takes its pending
-- lines along. The source is a name only, so the lines of a deleted source
-- bucket are still delivered.
CREATE TABLE access_log_lines (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,	-- order in a file
	target		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	prefix		TEXT NOT NULL,		-- TargetPrefix
	source		TEXT NOT NULL,		-- source bucket name
	slot_ms		INTEGER NOT NULL,	-- start of its flush interval
	line		TEXT NOT NULL,		-- without the final '\n'
	-- The object key once claimed; the write of a claimed file is
	-- repeated under the same key until it succeeds.
	file		TEXT
) STRICT;
CREATE INDEX access_log_lines_pending ON access_log_lines (file, slot_ms);

-- The last sequence number given to a file name (the key without its
-- "-NNNN" suffix), so that a second file for the same interval (lines
-- that arrived after its flush, a clean stop inside the interval) never
-- replaces the first.
CREATE TABLE access_log_files (
	target		INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
	name		TEXT NOT NULL,
	seq		INTEGER NOT NULL,
	slot_ms		INTEGER NOT NULL,
	PRIMARY KEY (target, name)
) STRICT, WITHOUT ROWID;
