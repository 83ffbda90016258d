-- 0005_inline_extents.sql: small extents kept in the database.
-- An extent of at most one chunk (64 KiB of plaintext) may hold its single
-- sealed chunk here instead of in a blob file (same format and associated
-- data as chunk 0 of a one-chunk blob, store/store.h). It is then written in
-- the transaction that commits the object: one fsync per small PUT instead
-- of three (file, directory, database).
ALTER TABLE extents ADD COLUMN inline BLOB;
