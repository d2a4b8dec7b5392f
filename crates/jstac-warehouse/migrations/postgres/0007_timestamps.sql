-- jstac warehouse schema v7 (timestamps), PostgreSQL: as
-- migrations/sqlite/0007_timestamps.sql, the instants as `timestamptz`
-- (shown by jstac as ISO 8601 UTC text, as SQLite holds them).

ALTER TABLE events ADD COLUMN occurred_at TIMESTAMPTZ;
ALTER TABLE events ADD COLUMN reported_at TIMESTAMPTZ;
