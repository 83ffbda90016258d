-- tests/pg_schema_triggers.sql: the triggers of both engines at work.
-- tests/pg_schema.sh runs this on the SQLite migrations' database (seal
-- triggers dropped: the shell has no coffer_* functions) and on the
-- PostgreSQL baseline, each statement on its own, errors going on, then
-- compares every table's rows and the trigger errors, in order.
-- Written in SQL both take; bytes are CAST('...' AS BLOB), which the test
-- turns into bytea for PostgreSQL. Ids are given, never assigned, and no
-- statement may fail but on a trigger's RAISE.

-- Accounts and access keys: the auth counter.
INSERT INTO accounts (id, account_id, name, created_ms)
    VALUES (1, '1000000000000001', 'alice', 1000);
INSERT INTO accounts (id, account_id, name, created_ms)
    VALUES (2, '1000000000000002', 'bob', 1000);
INSERT INTO access_keys (access_key_id, account, secret_sealed, created_ms)
    VALUES ('AK1', 1, CAST('s1' AS BLOB), 1000);
INSERT INTO access_keys (access_key_id, account, secret_sealed, created_ms)
    VALUES ('AK2', 2, CAST('s2' AS BLOB), 1000);
UPDATE access_keys SET status = 'Inactive' WHERE access_key_id = 'AK1';
UPDATE accounts SET name = 'alice2' WHERE id = 1;
DELETE FROM accounts WHERE id = 2;

-- Buckets, objects, uploads, parts: the statistics.
INSERT INTO buckets (id, name, owner, region, storage_class, redundancy,
    acl, created_ms) VALUES (1, 'b1', 1, 'cn-hangzhou', 'Standard', 'LRS',
    'private', 1000);
INSERT INTO buckets (id, name, owner, region, storage_class, redundancy,
    acl, created_ms) VALUES (2, 'b2', 1, 'cn-hangzhou', 'Standard', 'LRS',
    'private', 1000);
INSERT INTO buckets (id, name, owner, region, storage_class, redundancy,
    acl, created_ms) VALUES (3, 'b3', 1, 'cn-hangzhou', 'Standard', 'LRS',
    'private', 1000);
INSERT INTO objects (id, bucket, key, type, size, etag, crc64,
    storage_class, mtime_ms) VALUES (1, 1, 'a', 'Normal', 10, 'E1', 1,
    'Standard', 2000);
INSERT INTO objects (id, bucket, key, type, size, etag, crc64,
    storage_class, mtime_ms) VALUES (2, 1, 'b', 'Normal', 20, 'E2', 2,
    'IA', 3000);
INSERT INTO objects (id, bucket, key, version_id, latest, vseq, type, size,
    etag, crc64, storage_class, mtime_ms) VALUES (3, 1, 'a', 'v2', 0, 2,
    'Normal', 30, 'E3', 3, 'Standard', 2500);
INSERT INTO objects (id, bucket, key, type, size, etag, crc64,
    storage_class, mtime_ms) VALUES (4, 1, 'c', 'DeleteMarker', 0, '', 0,
    'Standard', 4000);
UPDATE objects SET storage_class = 'IA' WHERE id = 1;
UPDATE objects SET size = 15 WHERE id = 2;
UPDATE objects SET type = 'Normal', size = 7 WHERE id = 4;
UPDATE objects SET type = 'DeleteMarker', size = 0 WHERE id = 4;
DELETE FROM objects WHERE id = 4;
DELETE FROM objects WHERE id = 3;
INSERT INTO uploads (id, upload_id, bucket, key, initiated_ms, storage_class)
    VALUES (1, 'U1', 1, 'm', 1000, 'Standard');
INSERT INTO uploads (id, upload_id, bucket, key, initiated_ms, storage_class)
    VALUES (2, 'U2', 2, 'n', 1000, 'Standard');
INSERT INTO parts (id, upload, part_number, size, etag, crc64, mtime_ms)
    VALUES (1, 1, 1, 100, 'P1', 0, 1);
INSERT INTO parts (id, upload, part_number, size, etag, crc64, mtime_ms)
    VALUES (2, 1, 2, 50, 'P2', 0, 1);
UPDATE parts SET size = 70 WHERE id = 2;
UPDATE parts SET upload = 2 WHERE id = 2;
DELETE FROM parts WHERE id = 1;
DELETE FROM uploads WHERE id = 1;
DELETE FROM buckets WHERE id = 3;

-- Bucket retention: a Locked policy, the clock's high-water mark.
UPDATE clock SET high_water_ms = 5000 WHERE id = 1;
INSERT INTO worm_policies (bucket, worm_id, state, days, created_ms,
    updated_ms) VALUES (2, 'W2', 'Locked', 2, 1000, 1000);
INSERT INTO objects (id, bucket, key, type, size, etag, crc64,
    storage_class, mtime_ms) VALUES (10, 2, 'p', 'Normal', 5, 'E10', 0,
    'Standard', 4000);
INSERT INTO objects (id, bucket, key, type, size, etag, crc64,
    storage_class, mtime_ms) VALUES (13, 2, 'q', 'DeleteMarker', 0, '', 0,
    'Standard', 4000);
DELETE FROM objects WHERE id = 10;
UPDATE objects SET tags = 'x=1' WHERE id = 10;
UPDATE objects SET storage_class = 'IA' WHERE id = 10;
DELETE FROM objects WHERE id = 13;
UPDATE worm_policies SET days = 3 WHERE bucket = 2;
UPDATE worm_policies SET days = 1 WHERE bucket = 2;
UPDATE worm_policies SET state = 'InProgress' WHERE bucket = 2;

-- Object retention: COMPLIANCE dates and legal holds.
INSERT INTO objects (id, bucket, key, type, size, etag, crc64,
    storage_class, mtime_ms, retain_mode, retain_until_ms) VALUES (11, 1,
    'r', 'Normal', 1, 'E11', 0, 'Standard', 1000, 'COMPLIANCE', 9000);
INSERT INTO objects (id, bucket, key, type, size, etag, crc64,
    storage_class, mtime_ms, legal_hold) VALUES (12, 1, 'h', 'Normal', 1,
    'E12', 0, 'Standard', 1000, 1);
DELETE FROM objects WHERE id = 11;
UPDATE objects SET retain_until_ms = 8000 WHERE id = 11;
UPDATE objects SET retain_mode = 'GOVERNANCE' WHERE id = 11;
UPDATE objects SET retain_until_ms = 9500 WHERE id = 11;
UPDATE objects SET etag = 'F' WHERE id = 11;
UPDATE objects SET tags = 'k=v' WHERE id = 11;
DELETE FROM objects WHERE id = 12;
UPDATE objects SET legal_hold = 0 WHERE id = 12;
DELETE FROM objects WHERE id = 12;
UPDATE clock SET high_water_ms = 10000 WHERE id = 1;
UPDATE objects SET retain_until_ms = 100 WHERE id = 11;

-- ObjectWorm cannot be undone.
UPDATE buckets SET versioning = 'Enabled' WHERE id = 1;
INSERT INTO object_worm (bucket, created_ms, updated_ms) VALUES (1, 1, 1);
UPDATE buckets SET versioning = 'Suspended' WHERE id = 1;
DELETE FROM object_worm WHERE bucket = 1;
UPDATE object_worm SET mode = 'GOVERNANCE', days = 1 WHERE bucket = 1;

-- The audit trail and its checkpoint.
INSERT INTO audit (id, time_ms, actor, action, target, result)
    VALUES (1, 1, 'cli', 'a1', 't', 'ok');
INSERT INTO audit (id, time_ms, actor, action, target, result)
    VALUES (2, 2, 'cli', 'a2', 't', 'ok');
INSERT INTO audit (id, time_ms, actor, action, target, result)
    VALUES (3, 3, 'cli', 'a3', 't', 'ok');
UPDATE audit SET detail = 'legacy' WHERE id = 1;
UPDATE audit SET hash = CAST('h1' AS BLOB) WHERE id = 1;
UPDATE audit SET hash = CAST('h1 rehashed' AS BLOB),
    prev = CAST('p' AS BLOB) WHERE id = 1;
UPDATE audit SET detail = 'edited' WHERE id = 1;
UPDATE audit SET hash = CAST('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AS BLOB)
    WHERE id = 2;
DELETE FROM audit WHERE id = 1;
UPDATE audit_checkpoint SET last_id = 3,
    last_hash = CAST('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' AS BLOB) WHERE id = 1;
UPDATE audit_checkpoint SET last_id = 2,
    last_hash = CAST('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' AS BLOB) WHERE id = 1;
UPDATE audit_checkpoint SET last_id = 2,
    last_hash = CAST('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AS BLOB),
    time_ms = 7 WHERE id = 1;
UPDATE audit_checkpoint SET last_id = 1,
    last_hash = CAST('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AS BLOB) WHERE id = 1;
UPDATE audit_checkpoint SET
    last_hash = CAST('cccccccccccccccccccccccccccccccc' AS BLOB) WHERE id = 1;
DELETE FROM audit WHERE id = 1;
DELETE FROM audit WHERE id = 3;
DELETE FROM audit_checkpoint WHERE id = 1;

-- KMS keys: counts, rank blocks, the kms counter, fixed columns.
INSERT INTO kms_keys (id, key_id, account, state, key_spec, key_usage,
    origin, protection, managed, created_ms, last_rotation_ms,
    primary_version) VALUES (1, 'K1', 1, 'Enabled', 'Aliyun_AES_256',
    'ENCRYPT/DECRYPT', 'Aliyun_KMS', 'SOFTWARE', 0, 1, 1, 'V1');
INSERT INTO kms_keys (id, key_id, account, state, key_spec, key_usage,
    origin, protection, managed, created_ms, last_rotation_ms,
    primary_version) VALUES (1025, 'K2', 1, 'Enabled', 'Aliyun_AES_256',
    'ENCRYPT/DECRYPT', 'Aliyun_KMS', 'SOFTWARE', 1, 1, 1, 'V3');
INSERT INTO kms_keys (id, key_id, account, state, key_spec, key_usage,
    origin, protection, managed, created_ms, last_rotation_ms,
    primary_version) VALUES (2, 'K3', 1, 'Enabled', 'Aliyun_AES_256',
    'ENCRYPT/DECRYPT', 'Aliyun_KMS', 'SOFTWARE', 0, 1, 1, 'V4');
INSERT INTO kms_key_versions (version_id, key, created_ms)
    VALUES ('V1', 1, 1);
INSERT INTO kms_key_versions (version_id, key, created_ms)
    VALUES ('V2', 1, 2);
INSERT INTO kms_key_versions (version_id, key, created_ms)
    VALUES ('V3', 1025, 1);
INSERT INTO kms_key_versions (version_id, key, created_ms)
    VALUES ('V4', 2, 1);
INSERT INTO kms_key_versions (version_id, key, created_ms)
    VALUES ('V5', 2, 2);
UPDATE kms_keys SET description = 'd' WHERE id = 1;
UPDATE kms_keys SET managed = 1 WHERE id = 1;
UPDATE kms_keys SET account = 1 WHERE id = 1;
UPDATE kms_key_versions SET key = 2 WHERE version_id = 'V2';
UPDATE kms_key_versions SET material = CAST('m' AS BLOB)
    WHERE version_id = 'V2';
DELETE FROM kms_key_versions WHERE version_id = 'V5';
DELETE FROM kms_keys WHERE id = 1;
DELETE FROM kms_keys WHERE id = 1025;

-- The root key: both counters.
INSERT INTO root_key (id, gen, check_value, mac_sealed)
    VALUES (1, 1, CAST('c' AS BLOB), CAST('m' AS BLOB));
UPDATE root_key SET gen = 2 WHERE id = 1;
