-- 0014_root_key.sql: which root key sealed this data dir, and root-key
-- rotation (README "Root-key rotation"; kms/kms_rootkey_db.c, api/root_key.c).
-- Never edit after release; add a new numbered file instead.
--
-- The one row names the root key by a check value (a keyed hash under a
-- subkey of the key, never the key), so a start with another key is refused
-- by name instead of failing later on the first sealed value. It is written
-- at the first start with a key, as the seal is (0009): a migration has no
-- key.
--
-- Rotation re-seals, re-wraps and re-MACs everything under the new key in
-- one transaction, which also moves gen and check to the new key and keeps,
-- until the old key is retired, the new key sealed under the old one
-- (handover): a process still started with the old key file can then open
-- the data and finish the job, and nothing is ever readable under neither
-- key. Retiring deletes handover and prev_check, after which the old key
-- opens nothing here.
--
-- mac_sealed is the key of CMK material fingerprints (an EXTERNAL key's
-- material must come back the same after DeleteKeyMaterial, which keeps
-- only the fingerprint). It is sealed under the root key and re-sealed by
-- a rotation rather than derived from the root key: a fingerprint whose
-- material is gone cannot be recomputed under a new key.
CREATE TABLE root_key (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	gen		INTEGER NOT NULL,	-- 1, then +1 per rotation
	check_value	BLOB NOT NULL,
	mac_sealed	BLOB NOT NULL,
	rotated_ms	INTEGER,
	prev_check	BLOB,			-- the retiring key, until retired
	handover	BLOB,			-- this key sealed under that one
	-- A rotation asked of the running daemon (coffer root-key rotate):
	-- the new key sealed under the current one, picked up within a
	-- second, and the outcome the CLI waits for.
	req_check	BLOB,
	req_sealed	BLOB,
	req_ms		INTEGER,
	req_error	TEXT
) STRICT;

-- A rotation rehashes the audit chain under the new key: the one update
-- allowed besides a legacy row's first hash changes prev and hash only.
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    WHEN OLD.hash IS NOT NULL AND (NEW.id IS NOT OLD.id OR
        NEW.time_ms IS NOT OLD.time_ms OR NEW.actor IS NOT OLD.actor OR
        NEW.action IS NOT OLD.action OR NEW.target IS NOT OLD.target OR
        NEW.result IS NOT OLD.result OR NEW.detail IS NOT OLD.detail)
BEGIN
	SELECT RAISE(ABORT, 'audit rows are append-only');
END;
