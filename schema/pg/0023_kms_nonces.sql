-- pg/0023_kms_nonces.sql: the twin of 0023_kms_nonces.sql. Every node
-- inserts the fingerprint of a request's (access key, nonce) before
-- serving it, in a transaction of its own without the write lock; the
-- primary key lets exactly one insert of a pair succeed, so a replay to
-- any node is refused. The KMS housekeeping deletes expired rows.

CREATE TABLE kms_nonces (
	fp		bigint NOT NULL PRIMARY KEY,
	expires_ms	bigint NOT NULL
);
CREATE INDEX kms_nonces_expiry ON kms_nonces(expires_ms);
