-- 0021_state_version.sql: change counters for the caches of hot state,
-- and per-account key counts and rank blocks for quotas and ListKeys
-- (issue 17; kms/kms_cache.c, api/ak_cache.c, kms/kms_db.c).
-- Never edit after release; add a new numbered file instead.
--
-- state_version: one row whose counters move in the transaction of every
-- change a cache could hold: auth for accounts and access keys, kms for
-- CMK rows and versions (a root-key rotation re-seals both). A cache
-- remembers the counter it was filled under and reads the row before each
-- lookup: one indexed read proves nothing it holds went stale, whichever
-- process wrote (the daemon, `coffer` on the same data dir, later another
-- node of a shared database). Triggers, not the writers, bump them, so no
-- writer can forget.
CREATE TABLE state_version (
	id	INTEGER PRIMARY KEY CHECK (id = 1),
	auth	INTEGER NOT NULL,
	kms	INTEGER NOT NULL
) STRICT;
INSERT INTO state_version (id, auth, kms) VALUES (1, 1, 1);

CREATE TRIGGER state_version_ak_insert AFTER INSERT ON access_keys
BEGIN
	UPDATE state_version SET auth = auth + 1 WHERE id = 1;
END;
CREATE TRIGGER state_version_ak_update AFTER UPDATE ON access_keys
BEGIN
	UPDATE state_version SET auth = auth + 1 WHERE id = 1;
END;
CREATE TRIGGER state_version_ak_delete AFTER DELETE ON access_keys
BEGIN
	UPDATE state_version SET auth = auth + 1 WHERE id = 1;
END;
CREATE TRIGGER state_version_account_update AFTER UPDATE ON accounts
BEGIN
	UPDATE state_version SET auth = auth + 1 WHERE id = 1;
END;
CREATE TRIGGER state_version_account_delete AFTER DELETE ON accounts
BEGIN
	UPDATE state_version SET auth = auth + 1 WHERE id = 1;
END;

CREATE TRIGGER state_version_cmk_update AFTER UPDATE ON kms_keys
BEGIN
	UPDATE state_version SET kms = kms + 1 WHERE id = 1;
END;
CREATE TRIGGER state_version_version_insert AFTER INSERT ON kms_key_versions
BEGIN
	UPDATE state_version SET kms = kms + 1 WHERE id = 1;
END;
CREATE TRIGGER state_version_version_update AFTER UPDATE ON kms_key_versions
BEGIN
	UPDATE state_version SET kms = kms + 1 WHERE id = 1;
END;
CREATE TRIGGER state_version_version_delete AFTER DELETE ON kms_key_versions
BEGIN
	UPDATE state_version SET kms = kms + 1 WHERE id = 1;
END;
CREATE TRIGGER state_version_root_key AFTER UPDATE ON root_key
BEGIN
	UPDATE state_version SET kms = kms + 1, auth = auth + 1 WHERE id = 1;
END;

-- Stored keys per account (keys), those the account created itself
-- (user_keys: not the service's managed keys) and their versions, for
-- the quota checks and ListKeys' TotalCount without counting rows.
-- Destroyed keys the sweep has not removed yet are subtracted by the
-- reader (kms_keys_deletion finds them; the sweep keeps them few).
CREATE TABLE kms_key_counts (
	account		INTEGER PRIMARY KEY,
	keys		INTEGER NOT NULL,
	user_keys	INTEGER NOT NULL,
	user_versions	INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO kms_key_counts (account, keys, user_keys)
    SELECT account, count(*), sum(managed = 0) FROM kms_keys GROUP BY account;
UPDATE kms_key_counts SET user_versions = (SELECT count(*)
    FROM kms_key_versions v JOIN kms_keys k ON k.id = v.key
    WHERE k.account = kms_key_counts.account AND k.managed = 0);

-- Stored keys per account in blocks of 1024 row ids: ListKeys finds the
-- block holding its page's first key by adding at most (keys / 1024)
-- counts, then steps over fewer than 1024 index entries, whatever the
-- page number.
CREATE TABLE kms_key_blocks (
	account		INTEGER NOT NULL,
	block		INTEGER NOT NULL,	-- kms_keys.id >> 10
	n		INTEGER NOT NULL,
	PRIMARY KEY (account, block)
) STRICT, WITHOUT ROWID;
INSERT INTO kms_key_blocks (account, block, n)
    SELECT account, id >> 10, count(*) FROM kms_keys GROUP BY 1, 2;

CREATE TRIGGER kms_key_counts_insert AFTER INSERT ON kms_keys
BEGIN
	INSERT INTO kms_key_counts (account, keys, user_keys)
	    VALUES (NEW.account, 1, NEW.managed = 0)
	    ON CONFLICT (account) DO UPDATE SET keys = keys + 1,
	    user_keys = user_keys + (NEW.managed = 0);
	INSERT INTO kms_key_blocks (account, block, n)
	    VALUES (NEW.account, NEW.id >> 10, 1)
	    ON CONFLICT (account, block) DO UPDATE SET n = n + 1;
	UPDATE state_version SET kms = kms + 1 WHERE id = 1;
END;
-- A key's versions go with it by ON DELETE CASCADE, whose row triggers
-- no longer see the key: they are counted off here, before.
CREATE TRIGGER kms_key_counts_delete_versions BEFORE DELETE ON kms_keys
    WHEN OLD.managed = 0
BEGIN
	UPDATE kms_key_counts SET user_versions = user_versions -
	    (SELECT count(*) FROM kms_key_versions WHERE key = OLD.id)
	    WHERE account = OLD.account;
END;
CREATE TRIGGER kms_key_counts_version_insert AFTER INSERT ON kms_key_versions
BEGIN
	UPDATE kms_key_counts SET user_versions = user_versions + 1
	    WHERE account = (SELECT account FROM kms_keys
	    WHERE id = NEW.key AND managed = 0);
END;
CREATE TRIGGER kms_key_counts_version_delete AFTER DELETE ON kms_key_versions
BEGIN
	UPDATE kms_key_counts SET user_versions = user_versions - 1
	    WHERE account = (SELECT account FROM kms_keys
	    WHERE id = OLD.key AND managed = 0);
END;
CREATE TRIGGER kms_key_counts_delete AFTER DELETE ON kms_keys
BEGIN
	UPDATE kms_key_counts SET keys = keys - 1,
	    user_keys = user_keys - (OLD.managed = 0)
	    WHERE account = OLD.account;
	UPDATE kms_key_blocks SET n = n - 1
	    WHERE account = OLD.account AND block = OLD.id >> 10;
	DELETE FROM kms_key_blocks
	    WHERE account = OLD.account AND block = OLD.id >> 10 AND n = 0;
	UPDATE state_version SET kms = kms + 1 WHERE id = 1;
END;
-- The counts are by account and managed, which no change may move.
CREATE TRIGGER kms_key_counts_fixed BEFORE UPDATE OF account, managed, id
    ON kms_keys WHEN NEW.account IS NOT OLD.account OR
    NEW.managed IS NOT OLD.managed OR NEW.id IS NOT OLD.id
BEGIN
	SELECT RAISE(ABORT, 'a key keeps its account, id and kind');
END;
CREATE TRIGGER kms_key_versions_fixed BEFORE UPDATE OF key
    ON kms_key_versions WHEN NEW.key IS NOT OLD.key
BEGIN
	SELECT RAISE(ABORT, 'a version keeps its key');
END;
