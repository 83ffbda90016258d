-- 0013_object_worm.sql: object-level retention (ObjectWorm) configuration
-- (oss-api.md §3.4, oss-api-2.md §1.10; worm/object_worm.c).
-- Never edit after release; add a new numbered file instead.
--
-- One row per bucket that has ever enabled ObjectWorm. Enabling cannot be
-- undone, so the row is never deleted while the bucket exists, and its
-- enabled column is 1 by construction: a bucket without a row is one that
-- never enabled it. That absence is only trustworthy because the rows are
-- sealed like the WORM policies (0009_seal.sql): each carries a MAC over
-- every column but itself, and the seal row keeps their count and set hash,
-- so a row deleted with the sqlite3 shell, or put back from an earlier
-- state, no longer matches and worm/ refuses to decide.
--
-- The per-version retention itself (mode, date, legal hold) lives in the
-- objects rows (0011_versions.sql), under each version's MAC; the rule here
-- only gives versions written afterwards their default.

CREATE TABLE object_worm (
	bucket		INTEGER PRIMARY KEY REFERENCES buckets(id),	-- no cascade: DeleteBucket drops it on purpose
	enabled		INTEGER NOT NULL DEFAULT 1 CHECK (enabled = 1),
	mode		TEXT NOT NULL DEFAULT ''			-- default retention; '' = no rule
	    CHECK (mode IN ('', 'COMPLIANCE', 'GOVERNANCE')),
	days		INTEGER NOT NULL DEFAULT 0 CHECK (days BETWEEN 0 AND 36500),
	years		INTEGER NOT NULL DEFAULT 0 CHECK (years BETWEEN 0 AND 100),
	created_ms	INTEGER NOT NULL,
	updated_ms	INTEGER NOT NULL,
	mac		BLOB	-- over (bucket, enabled, mode, days, years, created_ms, updated_ms)
) STRICT;

-- Backstops for code paths that bypass worm/: the configuration of a
-- bucket that still holds versions cannot go, and versioning of a bucket
-- with ObjectWorm cannot leave Enabled (§1.10: both are irreversible).
CREATE TRIGGER object_worm_no_delete BEFORE DELETE ON object_worm
WHEN EXISTS (SELECT 1 FROM objects WHERE bucket = OLD.bucket)
BEGIN
	SELECT RAISE(ABORT, 'objectworm: the configuration cannot be removed');
END;
CREATE TRIGGER object_worm_keeps_versioning
BEFORE UPDATE OF versioning ON buckets
WHEN NEW.versioning <> 'Enabled' AND EXISTS (SELECT 1 FROM object_worm
    WHERE bucket = OLD.id)
BEGIN
	SELECT RAISE(ABORT, 'objectworm: versioning must stay Enabled');
END;

-- The seal grows a count and a set hash for these rows. The seal row's own
-- MAC covers them once either has left its initial value; until then it
-- is the MAC of 0009's columns only, so a database sealed before this
-- migration still verifies without the root key at migration time (the
-- same device as the object MAC of 0011). db/seal.c checks with the same
-- expression.
ALTER TABLE seal ADD COLUMN objworm_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE seal ADD COLUMN objworm_acc BLOB;

DROP TRIGGER seal_mac;
CREATE TRIGGER seal_mac AFTER UPDATE OF seq ON seal
BEGIN
	UPDATE seal SET mac = CASE WHEN objworm_n = 0 AND objworm_acc IS NULL
	    THEN coffer_mac('seal', sealed, seq, objects_n, objects_acc,
	        policies_seq, policies_n, policies_acc)
	    ELSE coffer_mac('seal', sealed, seq, objects_n, objects_acc,
	        policies_seq, policies_n, policies_acc, objworm_n, objworm_acc)
	    END WHERE id = 1;
END;

CREATE TRIGGER seal_objworm_insert AFTER INSERT ON object_worm
BEGIN
	UPDATE seal SET objworm_acc = coffer_acc(objworm_acc, NEW.mac, 1),
	    objworm_n = objworm_n + 1, seq = seq + 1 WHERE id = 1;
END;
CREATE TRIGGER seal_objworm_delete AFTER DELETE ON object_worm
BEGIN
	UPDATE seal SET objworm_acc = coffer_acc(objworm_acc, OLD.mac, -1),
	    objworm_n = objworm_n - 1, seq = seq + 1 WHERE id = 1;
END;
CREATE TRIGGER seal_objworm_update AFTER UPDATE ON object_worm
BEGIN
	UPDATE seal SET objworm_acc = coffer_acc(coffer_acc(objworm_acc,
	    OLD.mac, -1), NEW.mac, 1), seq = seq + 1 WHERE id = 1;
END;
