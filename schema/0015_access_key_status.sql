-- 0015_access_key_status.sql: access keys an operator can disable
-- (`coffer account key disable`, README "The admin CLI").
-- Never edit after release; add a new numbered file instead.
--
-- An account may hold several keys so that one can be rotated: a new key
-- is created, clients move to it, the old one is disabled (its requests
-- are refused at once, InvalidAccessKeyId / Forbidden.AccessKey) and
-- finally deleted. At most two are Active at a time (auth_db.c). Existing
-- keys stay Active.

ALTER TABLE access_keys ADD COLUMN status TEXT NOT NULL DEFAULT 'Active'
    CHECK (status IN ('Active', 'Inactive'));
