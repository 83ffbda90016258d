-- 0002_kms.sql: customer master keys, their versions, aliases, tags and
-- BYOK import tokens (kms/, spec kms-api.md §1).
-- Never edit after release; add a new numbered file instead.
-- Times are business-clock milliseconds since the Unix epoch.
--
-- Only stored states live here. Time-driven states are derived on read
-- (kms_state.c): a PendingDeletion key whose delete_ms has passed is
-- destroyed (absent from every API), and imported material past
-- material_expire_ms makes the key PendingImport. A periodic sweep removes
-- destroyed keys afterwards (crypto-shredding their versions' material).
-- Every state change is a compare-and-set on (state, generation) with its
-- audit row in the same transaction (kms_db.c).

CREATE TABLE kms_keys (
	id		INTEGER PRIMARY KEY,
	key_id		TEXT NOT NULL UNIQUE,			-- UUID, 36 characters
	account		INTEGER NOT NULL REFERENCES accounts(id),
	state		TEXT NOT NULL CHECK (state IN ('Enabled', 'Disabled',
			    'PendingDeletion', 'PendingImport')),
	generation	INTEGER NOT NULL DEFAULT 1,		-- bumped by every update (CAS)
	description	TEXT NOT NULL DEFAULT '',
	key_spec	TEXT NOT NULL,				-- Aliyun_AES_256
	key_usage	TEXT NOT NULL,				-- ENCRYPT/DECRYPT
	origin		TEXT NOT NULL CHECK (origin IN ('Aliyun_KMS', 'EXTERNAL')),
	protection	TEXT NOT NULL,				-- SOFTWARE
	managed		INTEGER NOT NULL DEFAULT 0,		-- service key (alias/acs/...)
	created_ms	INTEGER NOT NULL,
	delete_ms	INTEGER NOT NULL DEFAULT 0,		-- PendingDeletion: DeleteDate
	deletion_protection INTEGER NOT NULL DEFAULT 0,
	deletion_protection_desc TEXT NOT NULL DEFAULT '',
	rotation	INTEGER NOT NULL DEFAULT 0,		-- automatic rotation on
	rotation_interval_s INTEGER NOT NULL DEFAULT 0,		-- 0: never configured
	last_rotation_ms INTEGER NOT NULL,
	primary_version	TEXT NOT NULL,				-- kms_key_versions.version_id
	material_expire_ms INTEGER NOT NULL DEFAULT 0,		-- EXTERNAL: 0 = never
	material_fp	BLOB					-- EXTERNAL: keyed fingerprint of the material
) STRICT;
CREATE INDEX kms_keys_account ON kms_keys(account, id);
CREATE INDEX kms_keys_deletion ON kms_keys(state, delete_ms);

-- One row per version. material is the 32-byte key sealed under the root
-- key's "seal" subkey with associated data "cmk" || key_id || version_id;
-- NULL for an EXTERNAL key whose material was never imported or deleted.
CREATE TABLE kms_key_versions (
	version_id	TEXT PRIMARY KEY,			-- UUID, the ciphertext blob's prefix
	key		INTEGER NOT NULL REFERENCES kms_keys(id) ON DELETE CASCADE,
	created_ms	INTEGER NOT NULL,
	material	BLOB
) STRICT;
CREATE INDEX kms_key_versions_key ON kms_key_versions(key, created_ms);

CREATE TABLE kms_aliases (
	account		INTEGER NOT NULL REFERENCES accounts(id),
	name		TEXT NOT NULL,				-- "alias/..."
	key		INTEGER NOT NULL REFERENCES kms_keys(id) ON DELETE CASCADE,
	created_ms	INTEGER NOT NULL,
	PRIMARY KEY (account, name)
) STRICT;
CREATE INDEX kms_aliases_key ON kms_aliases(key, name);

CREATE TABLE kms_tags (
	key		INTEGER NOT NULL REFERENCES kms_keys(id) ON DELETE CASCADE,
	tag_key		TEXT NOT NULL,
	tag_value	TEXT NOT NULL,
	PRIMARY KEY (key, tag_key)
) STRICT;

-- GetParametersForImport: one RSA-2048 key pair per call, valid 24 hours,
-- bound to one CMK. private_key is the PKCS#8 DER sealed with associated
-- data "imp" || token.
CREATE TABLE kms_import_tokens (
	token		TEXT PRIMARY KEY,
	key		INTEGER NOT NULL REFERENCES kms_keys(id) ON DELETE CASCADE,
	algorithm	TEXT NOT NULL,				-- RSAES_PKCS1_V1_5 | RSAES_OAEP_SHA_1 | RSAES_OAEP_SHA_256
	private_key	BLOB NOT NULL,
	expire_ms	INTEGER NOT NULL
) STRICT;
CREATE INDEX kms_import_tokens_key ON kms_import_tokens(key);
CREATE INDEX kms_import_tokens_expiry ON kms_import_tokens(expire_ms);
