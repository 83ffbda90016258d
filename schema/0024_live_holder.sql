-- 0024_live_holder.sql: which node holds a LiveChannel's publisher, and
-- when that node last said it still does (daemon/live/live_db.c). Nodes
-- sharing one database each clear only their own claims at start-up, and
-- a claim whose node stopped saying so (it died) is released by any node.
-- Never edit after release; add a new numbered file instead.

-- The holder's node id ('' for a node alone on its data dir).
ALTER TABLE live_channels ADD COLUMN holder TEXT NOT NULL DEFAULT '';
-- Wall-clock milliseconds of the holder's last heartbeat: not business
-- time, which a test clock moves by days at once.
ALTER TABLE live_channels ADD COLUMN beat_ms INTEGER NOT NULL DEFAULT 0;
