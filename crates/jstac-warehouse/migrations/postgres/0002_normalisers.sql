-- jstac warehouse schema v2 (normalisers), PostgreSQL: as
-- migrations/sqlite/0002_normalisers.sql.

ALTER TABLE persons ADD COLUMN nationality_text TEXT;
ALTER TABLE persons ADD COLUMN name_key TEXT;

ALTER TABLE events ADD COLUMN category_text TEXT;

CREATE TABLE objects (
    object_key     TEXT PRIMARY KEY,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    object_type    TEXT,
    identifier     TEXT,
    country        TEXT,
    first_run_id   BIGINT NOT NULL,
    last_run_id    BIGINT NOT NULL,
    source_file_id BIGINT NOT NULL,
    source_locator TEXT NOT NULL
);

CREATE TABLE field_stats (
    run_id      BIGINT NOT NULL REFERENCES ingest_runs (run_id),
    file_id     BIGINT NOT NULL REFERENCES source_files (file_id),
    rule        TEXT   NOT NULL,
    field       TEXT   NOT NULL,
    normaliser  TEXT   NOT NULL,
    normalised  BIGINT NOT NULL,
    unmatched   BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    PRIMARY KEY (file_id, rule)
);
CREATE INDEX field_stats_by_run ON field_stats (run_id);

-- SUM of bigint is numeric in PostgreSQL: cast back, so both backends
-- give integers.
CREATE VIEW run_field_stats AS
SELECT run_id, rule, field, normaliser,
       CAST(SUM(normalised) AS BIGINT) AS normalised,
       CAST(SUM(unmatched) AS BIGINT) AS unmatched,
       CAST(SUM(quarantined) AS BIGINT) AS quarantined
FROM field_stats
GROUP BY run_id, rule, field, normaliser;
