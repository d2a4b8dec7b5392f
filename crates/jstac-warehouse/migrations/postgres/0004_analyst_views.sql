-- jstac warehouse schema v4 (analyst views), PostgreSQL: the same views as
-- migrations/sqlite/0004_analyst_views.sql, in the same SQL, plus the
-- analysts' grants.
--
-- The questions analysts ask most, as views over the POLE tables, the run
-- history and the provenance of schema v3. One difference: the year of a
-- date is to_char(…, 'YYYY') here, whatever the analyst's DateStyle (a
-- date cast to text follows it).

-- Each person as one agency's dataset names them, with when the person
-- was first and last seen (runs and their start times) and how many source
-- records assert it (its assertions; 0 before the provenance writer).
CREATE VIEW analyst_persons AS
SELECT p.person_key,
       p.agency,
       p.dataset,
       p.family_name,
       p.given_names,
       p.full_name,
       p.name_key,
       p.date_of_birth,
       p.gender,
       p.nationality,
       p.nationality_text,
       p.postcode,
       p.first_run_id,
       fr.started_at AS first_seen_at,
       p.last_run_id,
       lr.started_at AS last_seen_at,
       (SELECT COUNT(*)
          FROM assertions a
         WHERE a.entity_key = p.person_key
           AND a.entity_table = 'persons') AS source_records
FROM persons p
LEFT JOIN ingest_runs fr ON fr.run_id = p.first_run_id
LEFT JOIN ingest_runs lr ON lr.run_id = p.last_run_id;

-- NRM referrals counted by year referred ('YYYY'), nationality (alpha-3),
-- exploitation type and age group (adult / minor).
CREATE VIEW analyst_referrals AS
SELECT to_char(referred_on, 'YYYY') AS year,
       nationality,
       exploitation_type,
       age_group,
       COUNT(*) AS referrals
FROM nrm_referrals
GROUP BY to_char(referred_on, 'YYYY'), nationality, exploitation_type, age_group;

-- Per run: its pipeline and outcome, records read, loaded and quarantined,
-- the share quarantined (NULL when nothing was read), and what the
-- normalisers and lookups did over the run (values normalised or matched,
-- values left unmatched; 0 when the pipeline counts no column).
CREATE VIEW analyst_run_quality AS
SELECT r.run_id,
       r.pipeline,
       r.agency,
       r.dataset,
       r.status,
       r.started_at,
       r.finished_at,
       r.files_loaded,
       r.records_read,
       r.records_loaded,
       r.records_quarantined,
       CASE WHEN r.records_read = 0 THEN NULL
            ELSE CAST(r.records_quarantined AS DOUBLE PRECISION) / r.records_read
       END AS quarantine_rate,
       COALESCE(s.normalised, 0) AS normalised,
       COALESCE(s.unmatched, 0) AS unmatched
FROM ingest_runs r
LEFT JOIN (SELECT run_id,
                  SUM(normalised) AS normalised,
                  SUM(unmatched) AS unmatched
             FROM field_stats
            GROUP BY run_id) s ON s.run_id = r.run_id;

-- Where each fact came from: per assertion, the entity (or link) it is
-- about, the agency, run, pipeline and plugin that loaded it, the file
-- (path, SHA-256) and record (locator), the record's 3x5x2 grading written
-- like 2/B/P (a part not given is '-'; NULL when the source does not
-- grade). Not the record as read: raw records hold every field the
-- source sent (unmapped free text included) and stay in source_records,
-- which analysts' roles cannot read.
CREATE VIEW analyst_provenance AS
SELECT a.entity_table,
       a.entity_key,
       r.agency,
       r.dataset,
       a.run_id,
       r.pipeline,
       r.plugin,
       r.plugin_version,
       f.path AS file_path,
       f.sha256,
       s.record_no,
       s.locator,
       CASE WHEN s.source_evaluation IS NULL
             AND s.intelligence_assessment IS NULL
             AND s.handling_code IS NULL THEN NULL
            ELSE COALESCE(s.source_evaluation, '-') || '/'
                 || COALESCE(s.intelligence_assessment, '-') || '/'
                 || COALESCE(s.handling_code, '-')
       END AS grading,
       s.handling_code
FROM assertions a
JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
JOIN source_files f ON f.file_id = a.file_id
JOIN ingest_runs r ON r.run_id = a.run_id;

-- The analysts' role reads these views (which read the tables with their
-- owner's rights) and nothing else: no grant on any table, so raw,
-- provenance and quarantine tables stay closed to it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jstac_analyst') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO jstac_analyst', current_database());
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO jstac_analyst', current_schema());
        GRANT SELECT ON analyst_persons, analyst_referrals, analyst_run_quality,
                        analyst_provenance
            TO jstac_analyst;
    END IF;
END
$$;
