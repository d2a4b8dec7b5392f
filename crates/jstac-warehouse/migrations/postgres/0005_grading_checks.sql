-- jstac warehouse schema v5 changes how SQLite checks a source record's
-- grading (see migrations/sqlite/0005_grading_checks.sql: its IN lists
-- cost a temporary B-tree per row). PostgreSQL's IN lists cost nothing of
-- the kind, so nothing changes here; the migration keeps both backends'
-- schema versions in step.
SELECT 1;
