-- jstac warehouse schema v1 (foundation): runs, files, persons, events,
-- links and quarantine. Entity tables are keyed by stable keys derived from
-- agency, dataset and the source's own key values (see ARCHITECTURE.md).
--
-- Entity and link rows name their source file without a REFERENCES
-- clause: the loader writes them in the transaction that inserted that
-- file's ledger row, so the reference holds by construction, and a foreign
-- key would make every upsert keep a statement journal (measured: 11% of a
-- load).

CREATE TABLE ingest_runs (
    run_id              INTEGER PRIMARY KEY,
    pipeline            TEXT    NOT NULL,
    pipeline_path       TEXT    NOT NULL,
    agency              TEXT    NOT NULL,
    dataset             TEXT    NOT NULL,
    plugin              TEXT    NOT NULL,
    plugin_version      TEXT    NOT NULL,
    started_at          TEXT    NOT NULL,
    finished_at         TEXT,
    status              TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    error               TEXT,
    files_loaded        INTEGER NOT NULL DEFAULT 0,
    files_skipped       INTEGER NOT NULL DEFAULT 0,
    files_failed        INTEGER NOT NULL DEFAULT 0,
    records_read        INTEGER NOT NULL DEFAULT 0,
    records_loaded      INTEGER NOT NULL DEFAULT 0,
    records_quarantined INTEGER NOT NULL DEFAULT 0,
    host                TEXT    NOT NULL,
    process_id          INTEGER NOT NULL,
    CHECK (records_read = records_loaded + records_quarantined)
);

-- One row per file landed; written in the same transaction as its data, so
-- it is also the exactly-once ledger (pipeline, sha256).
CREATE TABLE source_files (
    file_id             INTEGER PRIMARY KEY,
    run_id              INTEGER NOT NULL REFERENCES ingest_runs (run_id),
    pipeline            TEXT    NOT NULL,
    path                TEXT    NOT NULL,
    size_bytes          INTEGER NOT NULL,
    sha256              TEXT    NOT NULL,
    records_read        INTEGER NOT NULL DEFAULT 0,
    records_loaded      INTEGER NOT NULL DEFAULT 0,
    records_quarantined INTEGER NOT NULL DEFAULT 0,
    loaded_at           TEXT    NOT NULL,
    CHECK (records_read = records_loaded + records_quarantined)
);
CREATE INDEX source_files_ledger ON source_files (pipeline, sha256);

CREATE TABLE persons (
    person_key     TEXT PRIMARY KEY,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    family_name    TEXT,
    given_names    TEXT,
    full_name      TEXT,
    date_of_birth  TEXT,
    gender         TEXT,
    nationality    TEXT,
    postcode       TEXT,
    first_run_id   INTEGER NOT NULL,
    last_run_id    INTEGER NOT NULL,
    source_file_id INTEGER NOT NULL,
    source_locator TEXT NOT NULL
);

CREATE TABLE events (
    event_key       TEXT PRIMARY KEY,
    agency          TEXT NOT NULL,
    dataset         TEXT NOT NULL,
    event_type      TEXT,
    reference       TEXT,
    category        TEXT,
    status          TEXT,
    occurred_from   TEXT,
    occurred_to     TEXT,
    reported_on     TEXT,
    postcode        TEXT,
    location        TEXT,
    organised_crime INTEGER,
    amount_gbp      NUMERIC,
    first_run_id    INTEGER NOT NULL,
    last_run_id     INTEGER NOT NULL,
    source_file_id  INTEGER NOT NULL,
    source_locator  TEXT NOT NULL
);

CREATE TABLE links (
    link_key       TEXT PRIMARY KEY,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    from_table     TEXT NOT NULL,
    from_key       TEXT NOT NULL,
    to_table       TEXT NOT NULL,
    to_key         TEXT NOT NULL,
    role           TEXT,
    age_at_event   INTEGER,
    first_run_id   INTEGER NOT NULL,
    last_run_id    INTEGER NOT NULL,
    source_file_id INTEGER NOT NULL,
    source_locator TEXT NOT NULL
);

CREATE TABLE quarantine (
    quarantine_id INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES ingest_runs (run_id),
    file_id       INTEGER NOT NULL REFERENCES source_files (file_id),
    locator       TEXT    NOT NULL,
    field         TEXT,
    reason        TEXT    NOT NULL,
    raw_record    TEXT    NOT NULL
);
CREATE INDEX quarantine_by_run ON quarantine (run_id);

-- Where each person came from: agency, file, line.
CREATE VIEW person_provenance AS
SELECT p.person_key, p.agency, p.dataset, p.family_name, p.given_names,
       f.path AS source_path, f.sha256 AS source_sha256, p.source_locator,
       p.first_run_id, p.last_run_id
FROM persons p
JOIN source_files f ON f.file_id = p.source_file_id;
