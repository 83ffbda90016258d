-- 0010_audit_chain.sql: the audit table becomes a hash chain (README
-- "Audit trail", daemon/db/audit_db.c). Never edit after release; add a
-- new numbered file instead.
--
-- Each row keeps the hash of the row before it (prev; 32 zero bytes for
-- the first) and its own: keyed BLAKE2b-256, under a subkey of the root
-- key, over prev, the row id and every field. An edited, deleted,
-- inserted or moved row therefore breaks the chain at that row, and
-- nobody without the root key can mend it. SQL cannot compute a keyed
-- hash, so the rows that exist when this migration runs are chained, in
-- id order, by the first process that opens the data dir with the root
-- key (db_audit_set_mac); legacy_max says which rows those are, so a row
-- appended later without a hash is never taken for one of them.

ALTER TABLE audit ADD COLUMN prev BLOB;
ALTER TABLE audit ADD COLUMN hash BLOB;

CREATE TABLE audit_chain (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	legacy_max	INTEGER NOT NULL,		-- rows 1..legacy_max predate the chain
	legacy_done	INTEGER NOT NULL DEFAULT 0	-- 1 once they are chained
) STRICT;
INSERT INTO audit_chain (id, legacy_max)
    SELECT 1, coalesce(max(id), 0) FROM audit;

-- Append-only against mistakes in our own code; an editor with the file
-- drops these first, which is what the chain is for. The one update
-- allowed gives a legacy row its hash.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    WHEN OLD.hash IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'audit rows are append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit rows are append-only');
END;
