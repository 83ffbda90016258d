-- pg/0024_live_holder.sql: the twin of 0024_live_holder.sql.

ALTER TABLE live_channels ADD COLUMN holder text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE live_channels ADD COLUMN beat_ms bigint NOT NULL DEFAULT 0;
