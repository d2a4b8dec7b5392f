-- jstac warehouse schema v8 (resolution): which person records of
-- different agencies and datasets are one person (`jstac resolve`).
--
-- resolution_runs: each resolution (when, records, clusters, and the
-- Fellegi-Sunter model as JSON, reused by later runs). resolved_members:
-- each person record's resolved ID (stable: a re-run on the same data
-- changes none). resolved_history: old ID -> new ID when clusters merge or
-- split, so a saved ID still leads somewhere. resolution_edges: the pairs
-- that hold each cluster together and the strongest candidate kept apart,
-- with per-feature weights (JSON), for `jstac explain`. judgements: an
-- analyst's same / different / unsure on two records, which overrides the
-- model in every later resolution.

CREATE TABLE resolution_runs (
    resolution_id   INTEGER PRIMARY KEY,
    started_at      TEXT    NOT NULL,
    finished_at     TEXT    NOT NULL,
    records         INTEGER NOT NULL,
    candidate_pairs INTEGER NOT NULL,
    matched_pairs   INTEGER NOT NULL,
    clusters        INTEGER NOT NULL,
    changed_records INTEGER NOT NULL,
    last_run_id     INTEGER NOT NULL,
    model_trained   INTEGER NOT NULL,
    model           TEXT    NOT NULL
);

CREATE TABLE resolved_members (
    person_key    TEXT PRIMARY KEY,
    resolved_id   TEXT    NOT NULL,
    resolution_id INTEGER NOT NULL
);
CREATE INDEX resolved_members_by_id ON resolved_members (resolved_id);

CREATE TABLE resolved_history (
    old_id        TEXT    NOT NULL,
    new_id        TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('merge', 'split')),
    why           TEXT    NOT NULL,
    resolution_id INTEGER NOT NULL,
    changed_at    TEXT    NOT NULL
);
CREATE INDEX resolved_history_by_old ON resolved_history (old_id);

CREATE TABLE resolution_edges (
    resolved_id   TEXT    NOT NULL,
    a             TEXT    NOT NULL,
    b             TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    weight        NUMERIC,
    probability   NUMERIC,
    features      TEXT    NOT NULL,
    reason        TEXT,
    resolution_id INTEGER NOT NULL
);
CREATE INDEX resolution_edges_by_id ON resolution_edges (resolved_id);

CREATE TABLE judgements (
    judgement_id INTEGER PRIMARY KEY,
    a            TEXT NOT NULL,
    b            TEXT NOT NULL,
    verdict      TEXT NOT NULL CHECK (verdict IN ('same', 'different', 'unsure')),
    note         TEXT,
    judged_by    TEXT NOT NULL,
    judged_at    TEXT NOT NULL
);

-- The shared views: this text, from here to the end of the views, is the
-- same on both backends.

-- One row per resolved person: every name, date of birth and
-- nationality of its records (joined with '; '), its agencies, how many
-- records and agencies, and when it was first and last seen (the start
-- of the first and last run that asserted any of its records).
CREATE VIEW analyst_resolved_persons AS
SELECT g.resolved_id,
       g.records,
       g.agencies AS agency_count,
       (SELECT string_agg(d.x, '; ') OVER (ORDER BY d.x ROWS BETWEEN UNBOUNDED PRECEDING
                                                           AND UNBOUNDED FOLLOWING)
          FROM (SELECT DISTINCT p.agency AS x
                  FROM resolved_members rm JOIN persons p ON p.person_key = rm.person_key
                 WHERE rm.resolved_id = g.resolved_id) d
         LIMIT 1) AS agencies,
       (SELECT string_agg(d.x, '; ') OVER (ORDER BY d.x ROWS BETWEEN UNBOUNDED PRECEDING
                                                           AND UNBOUNDED FOLLOWING)
          FROM (SELECT DISTINCT w.full_name AS x
                  FROM resolved_members rm
                  JOIN analyst_person_names w ON w.person_key = rm.person_key
                 WHERE rm.resolved_id = g.resolved_id) d
         WHERE d.x IS NOT NULL
         LIMIT 1) AS names,
       (SELECT string_agg(d.x, '; ') OVER (ORDER BY d.x ROWS BETWEEN UNBOUNDED PRECEDING
                                                           AND UNBOUNDED FOLLOWING)
          FROM (SELECT DISTINCT CASE WHEN w.date_of_birth IS NOT NULL THEN w.date_of_birth
                                    WHEN w.range_from IS NOT NULL OR w.range_to IS NOT NULL
                                    THEN COALESCE(w.range_from, '..') || '/'
                                         || COALESCE(w.range_to, '..')
                               END AS x
                  FROM resolved_members rm
                  JOIN analyst_person_birth_dates w ON w.person_key = rm.person_key
                 WHERE rm.resolved_id = g.resolved_id) d
         WHERE d.x IS NOT NULL
         LIMIT 1) AS dates_of_birth,
       (SELECT string_agg(d.x, '; ') OVER (ORDER BY d.x ROWS BETWEEN UNBOUNDED PRECEDING
                                                           AND UNBOUNDED FOLLOWING)
          FROM (SELECT DISTINCT w.country AS x
                  FROM resolved_members rm
                  JOIN analyst_person_nationalities w ON w.person_key = rm.person_key
                 WHERE rm.resolved_id = g.resolved_id) d
         WHERE d.x IS NOT NULL
         LIMIT 1) AS nationalities,
       fr.started_at AS first_seen_at,
       lr.started_at AS last_seen_at
FROM (SELECT rm.resolved_id,
             COUNT(*) AS records,
             COUNT(DISTINCT p.agency) AS agencies,
             MIN(p.first_run_id) AS first_run_id,
             MAX(p.last_run_id) AS last_run_id
        FROM resolved_members rm
        JOIN persons p ON p.person_key = rm.person_key
       GROUP BY rm.resolved_id) g
LEFT JOIN ingest_runs fr ON fr.run_id = g.first_run_id
LEFT JOIN ingest_runs lr ON lr.run_id = g.last_run_id;

-- Resolved ID to each of its person records: agency, dataset, the
-- record's own name and date of birth, and the grading of the latest
-- source record asserting it (`2/B/P`).
CREATE VIEW analyst_resolved_records AS
SELECT rm.resolved_id,
       p.person_key,
       p.agency,
       p.dataset,
       p.family_name,
       p.given_names,
       p.full_name,
       CAST(p.date_of_birth AS TEXT) AS date_of_birth,
       p.nationality,
       p.first_run_id,
       p.last_run_id,
       (SELECT CASE WHEN s.source_evaluation IS NULL
                     AND s.intelligence_assessment IS NULL
                     AND s.handling_code IS NULL THEN NULL
                    ELSE COALESCE(s.source_evaluation, '-') || '/'
                         || COALESCE(s.intelligence_assessment, '-') || '/'
                         || COALESCE(s.handling_code, '-')
               END
          FROM assertions a
          JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE a.entity_key = p.person_key
         ORDER BY a.file_id DESC, a.record_no DESC
         LIMIT 1) AS grading
FROM resolved_members rm
JOIN persons p ON p.person_key = rm.person_key;
-- (end of the shared views)
