-- 0006_kms_blob_binding.sql: ciphertexts bound to the key that made them.
-- From this version on, every KMS ciphertext blob and every SSE-KMS data key
-- is made in format v2: encrypted under a subkey of the version's material
-- derived from (account, key id, version id), with that identity in the
-- associated data (kms/kms_bind.c). Before, the material was used as is and
-- a blob named its key only through its clear-text version-id prefix, so two
-- keys holding the same imported material accepted each other's blobs.
--
-- legacy_blobs = 1 lets a version also open the old, unbound form. Only
-- versions that exist now can hold such ciphertexts, so only they get it;
-- every version created later accepts format v2 alone.
ALTER TABLE kms_key_versions ADD COLUMN legacy_blobs INTEGER NOT NULL DEFAULT 0
    CHECK (legacy_blobs IN (0, 1));
UPDATE kms_key_versions SET legacy_blobs = 1;
