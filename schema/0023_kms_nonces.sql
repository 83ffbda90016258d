-- 0023_kms_nonces.sql: the KMS's used SignatureNonces, where every node
-- of a cluster must see them (PostgreSQL: daemon/auth/kms_nonce.c). One
-- SQLite node keeps them in its replay log files instead and leaves this
-- table empty; it is here so that both engines have one schema. Never
-- edit after release; add a new numbered file instead.

CREATE TABLE kms_nonces (
	fp		INTEGER NOT NULL PRIMARY KEY,	-- keyed (access key, nonce)
	expires_ms	INTEGER NOT NULL	-- the request's time + 15 minutes
) STRICT, WITHOUT ROWID;
CREATE INDEX kms_nonces_expiry ON kms_nonces(expires_ms);
