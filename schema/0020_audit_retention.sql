-- 0020_audit_retention.sql: the audit trail may lose its oldest rows, once
-- they are exported (README "Audit trail", jobs/audit_job.c,
-- db/audit_prune_db.c). Never edit after release; add a new numbered file
-- instead.
--
-- The checkpoint is where the trail now starts: rows 1..last_id are gone
-- (they are in the export file), last_hash is row last_id's hash, which
-- the first kept row carries as its prev. Verification starts from it, so
-- the kept rows chain as before and the export file proves its own rows
-- by ending on the same hash. rekeyed_upto: the rows up to it were
-- exported under a root key rotated away since; their hashes can only be
-- checked by how they link, not recomputed.

CREATE TABLE audit_checkpoint (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	last_id		INTEGER NOT NULL CHECK (last_id >= 0),
	last_hash	BLOB NOT NULL CHECK (length(last_hash) = 32),
	rekeyed_upto	INTEGER NOT NULL DEFAULT 0,
	time_ms		INTEGER NOT NULL DEFAULT 0	-- of the last prune
) STRICT;
INSERT INTO audit_checkpoint (id, last_id, last_hash)
    VALUES (1, 0, zeroblob(32));

-- The one deletion allowed: rows at or below the checkpoint, which moves
-- first in the same transaction (audit_prune_db.c). The checkpoint only
-- moves forward, onto a row that exists, with that row's hash, and never
-- past the newest row (the next append reads its prev from there).
DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    WHEN OLD.id > (SELECT last_id FROM audit_checkpoint WHERE id = 1)
BEGIN
	SELECT RAISE(ABORT, 'audit rows are append-only');
END;
CREATE TRIGGER audit_checkpoint_forward BEFORE UPDATE OF last_id, last_hash
    ON audit_checkpoint
    WHEN NEW.last_id < OLD.last_id
	OR (NEW.last_id > OLD.last_id AND NOT EXISTS (SELECT 1 FROM audit
	    WHERE id = NEW.last_id AND hash = NEW.last_hash
	    AND id < (SELECT max(id) FROM audit)))
	OR (NEW.last_id = OLD.last_id AND NEW.last_hash != OLD.last_hash)
BEGIN
	SELECT RAISE(ABORT, 'the audit checkpoint only moves forward');
END;
CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
BEGIN
	SELECT RAISE(ABORT, 'the audit checkpoint cannot be deleted');
END;
