-- 0009_seal.sql: tamper evidence for every fact a retention decision reads
-- (reliability.md T21; README "What WORM guarantees").
-- Never edit after release; add a new numbered file instead.
--
-- Rows that carry a promise hold a MAC made under a root-key subkey by the
-- SQL function coffer_mac(domain, fields...), which only cofferd and the
-- coffer CLI register (db/seal.c): object rows over (bucket, key, type,
-- size, etag, crc64, mtime_ms), WORM policy rows over (bucket, worm_id,
-- state, days, created_ms, updated_ms), the clock row over its high-water
-- mark and test offset. A MAC proves a row is genuine, not that it is
-- current or that no row is missing, so the one seal row below also keeps
-- a count and an additive set hash of the MACs of each table, maintained by
-- the triggers in the same transaction as every change, and a sequence
-- number that only grows. The seal row is MACed itself (trigger seal_mac),
-- and its sequence number is copied outside the database after every
-- change that touched a retention policy or an object under one (the
-- anchor file, db/seal.c), so putting back an older copy of the whole file
-- is noticed at start.
--
-- The sqlite3 shell has no coffer_* functions: with these triggers in place
-- it cannot change an object or a policy at all, and dropping the triggers
-- leaves a set hash that no longer matches.

CREATE TABLE seal (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	sealed		INTEGER NOT NULL DEFAULT 0,	-- 0 until the first start that has the root key
	seq		INTEGER NOT NULL DEFAULT 0,	-- +1 per change of a sealed table
	objects_n	INTEGER NOT NULL DEFAULT 0,
	objects_acc	BLOB,				-- sum of H(mac) mod 2^256; NULL is zero
	policies_seq	INTEGER NOT NULL DEFAULT 0,	-- +1 per change of worm_policies
	policies_n	INTEGER NOT NULL DEFAULT 0,
	policies_acc	BLOB,
	mac		BLOB				-- over every column above
) STRICT;
-- Policy rows of earlier versions carry a MAC of another form; the first
-- start with the key seals every row as it stands (db/seal.h).
UPDATE worm_policies SET mac = NULL;
INSERT INTO seal (id, objects_n, policies_n) VALUES (1,
    (SELECT count(*) FROM objects), (SELECT count(*) FROM worm_policies));

ALTER TABLE clock ADD COLUMN mac BLOB;		-- over (high_water_ms, offset_ms)
-- Over (object, part, seq, uuid, plain_len, wrapped_dek, wrap_key): an
-- extent row moved to another object or place is refused when read.
ALTER TABLE extents ADD COLUMN mac BLOB;

CREATE TRIGGER seal_mac AFTER UPDATE OF seq ON seal
BEGIN
	UPDATE seal SET mac = coffer_mac('seal', sealed, seq, objects_n,
	    objects_acc, policies_seq, policies_n, policies_acc) WHERE id = 1;
END;

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

CREATE TRIGGER seal_policies_insert AFTER INSERT ON worm_policies
BEGIN
	UPDATE seal SET policies_acc = coffer_acc(policies_acc, NEW.mac, 1),
	    policies_n = policies_n + 1, policies_seq = policies_seq + 1,
	    seq = seq + 1 WHERE id = 1;
END;
CREATE TRIGGER seal_policies_delete AFTER DELETE ON worm_policies
BEGIN
	UPDATE seal SET policies_acc = coffer_acc(policies_acc, OLD.mac, -1),
	    policies_n = policies_n - 1, policies_seq = policies_seq + 1,
	    seq = seq + 1 WHERE id = 1;
END;
CREATE TRIGGER seal_policies_update AFTER UPDATE ON worm_policies
BEGIN
	UPDATE seal SET policies_acc = coffer_acc(coffer_acc(policies_acc,
	    OLD.mac, -1), NEW.mac, 1), policies_seq = policies_seq + 1,
	    seq = seq + 1 WHERE id = 1;
END;
