-- jstac warehouse schema v9 (a record's life): the hash-chained ledger.
--
-- One row per event that changes what the warehouse holds: a file loaded
-- ('load'), a file retracted ('retract'). Rows are only ever added; each
-- holds the hash of the row before it (prev_hash) and its own hash over
-- its fields (see jstac-warehouse/src/chain.rs), so `jstac verify` finds a
-- row changed, added or deleted outside jstac. rows_digest is the SHA-256
-- of the rows the file loaded (its source records, assertions and
-- quarantine, read back in key order); a retraction's is of the rows it
-- removed. No personal value is ever written here.
CREATE TABLE ledger (
    seq             INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('load', 'retract')),
    at              TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    file_id         INTEGER NOT NULL,
    run_id          INTEGER NOT NULL,
    pipeline        TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    sha256          TEXT    NOT NULL,
    pipeline_sha256 TEXT    NOT NULL,
    plugin          TEXT    NOT NULL,
    plugin_version  TEXT    NOT NULL,
    reason          TEXT,
    records         INTEGER NOT NULL,
    rows_digest     TEXT    NOT NULL,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL
);
CREATE INDEX ledger_by_file ON ledger (file_id);
