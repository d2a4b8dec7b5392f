-- jstac warehouse schema v7 (timestamps): events carry instants beside
-- their dates: when the event happened and when it was reported, each a
-- date and a time of day. Both are kept in UTC to the second as ISO 8601
-- text, `YYYY-MM-DDTHH:MM:SSZ`, which sorts and compares as the instants
-- do; the loader converts every offset (and London local time) to UTC.
-- PostgreSQL keeps the same instants as `timestamptz`.

ALTER TABLE events ADD COLUMN occurred_at TEXT;
ALTER TABLE events ADD COLUMN reported_at TEXT;
