-- jstac warehouse schema v2 (normalisers): the source text kept beside
-- normalised and looked-up values, person name match keys, objects (POLE:
-- passports, phones, vehicles, identifiers) and per-field counts of what
-- the normalisers and lookups did. The columns below are filled by the
-- mapping, never mapped by a pipeline (see jstac-core's catalog).

-- The nationality as the source wrote it; `nationality` holds ISO 3166-1
-- alpha-3 when the pipeline normalises it.
ALTER TABLE persons ADD COLUMN nationality_text TEXT;
-- Order-, case- and accent-insensitive key of the name read by the name
-- normalisers ("HOXHA, Ana" and "Ana Hoxha" both give "ana hoxha"); the
-- name columns keep the name as written.
ALTER TABLE persons ADD COLUMN name_key TEXT;

-- The category as the source wrote it (an agency code, when `category`
-- comes from a lookup).
ALTER TABLE events ADD COLUMN category_text TEXT;

CREATE TABLE objects (
    object_key     TEXT PRIMARY KEY,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    object_type    TEXT,
    identifier     TEXT,
    country        TEXT,
    first_run_id   INTEGER NOT NULL,
    last_run_id    INTEGER NOT NULL,
    source_file_id INTEGER NOT NULL,
    source_locator TEXT NOT NULL
);

-- Per file, per counted column (a normaliser, a lookup, or a date read with
-- options): values of loaded records normalised or matched, values left
-- unmatched (kept as written or nulled by on_invalid), and records
-- quarantined for this column's value. Written in the file's transaction.
CREATE TABLE field_stats (
    run_id      INTEGER NOT NULL REFERENCES ingest_runs (run_id),
    file_id     INTEGER NOT NULL REFERENCES source_files (file_id),
    rule        TEXT    NOT NULL,
    field       TEXT    NOT NULL,
    normaliser  TEXT    NOT NULL,
    normalised  INTEGER NOT NULL,
    unmatched   INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    PRIMARY KEY (file_id, rule)
);
CREATE INDEX field_stats_by_run ON field_stats (run_id);

-- The same, per run.
CREATE VIEW run_field_stats AS
SELECT run_id, rule, field, normaliser,
       SUM(normalised) AS normalised, SUM(unmatched) AS unmatched,
       SUM(quarantined) AS quarantined
FROM field_stats
GROUP BY run_id, rule, field, normaliser;
