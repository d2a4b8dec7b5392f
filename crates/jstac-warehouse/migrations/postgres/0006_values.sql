-- jstac warehouse schema v6 (values), PostgreSQL: as
-- migrations/sqlite/0006_values.sql (whose header says what and why), the
-- views in the same SQL, plus the analysts' grants. Here the CHECKs are
-- altered in place, and identifiers' validity dates are `date` as other
-- dates; a birth date is text on both (a partial date: `1968`, `1968-03`).

CREATE TABLE names (
    value_key      TEXT PRIMARY KEY,
    owner_table    TEXT NOT NULL,
    owner_key      TEXT NOT NULL,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    kind           TEXT,
    full_name      TEXT,
    title          TEXT,
    given_names    TEXT,
    middle_names   TEXT,
    family_name    TEXT,
    patronymic     TEXT,
    script         TEXT,
    name_key       TEXT,
    first_run_id   BIGINT NOT NULL,
    last_run_id    BIGINT NOT NULL,
    source_file_id BIGINT NOT NULL,
    source_locator TEXT NOT NULL
);
CREATE INDEX names_by_owner ON names (owner_key);
CREATE INDEX names_by_name_key ON names (name_key);

CREATE TABLE birth_dates (
    value_key      TEXT PRIMARY KEY,
    owner_table    TEXT NOT NULL,
    owner_key      TEXT NOT NULL,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    date_of_birth  TEXT,
    range_from     TEXT,
    range_to       TEXT,
    approximate    BOOLEAN,
    place_of_birth TEXT,
    date_text      TEXT,
    precision      TEXT,
    earliest       TEXT,
    latest         TEXT,
    first_run_id   BIGINT NOT NULL,
    last_run_id    BIGINT NOT NULL,
    source_file_id BIGINT NOT NULL,
    source_locator TEXT NOT NULL
);
CREATE INDEX birth_dates_by_owner ON birth_dates (owner_key);
CREATE INDEX birth_dates_by_earliest ON birth_dates (earliest);

CREATE TABLE nationalities (
    value_key      TEXT PRIMARY KEY,
    owner_table    TEXT NOT NULL,
    owner_key      TEXT NOT NULL,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    kind           TEXT,
    country        TEXT,
    country_text   TEXT,
    first_run_id   BIGINT NOT NULL,
    last_run_id    BIGINT NOT NULL,
    source_file_id BIGINT NOT NULL,
    source_locator TEXT NOT NULL
);
CREATE INDEX nationalities_by_owner ON nationalities (owner_key);

CREATE TABLE identifiers (
    value_key             TEXT PRIMARY KEY,
    owner_table           TEXT NOT NULL,
    owner_key             TEXT NOT NULL,
    agency                TEXT NOT NULL,
    dataset               TEXT NOT NULL,
    identifier_type       TEXT,
    identifier            TEXT,
    country               TEXT,
    valid_from            DATE,
    valid_to              DATE,
    note                  TEXT,
    identifier_normalised TEXT,
    country_text          TEXT,
    first_run_id          BIGINT NOT NULL,
    last_run_id           BIGINT NOT NULL,
    source_file_id        BIGINT NOT NULL,
    source_locator        TEXT NOT NULL
);
CREATE INDEX identifiers_by_owner ON identifiers (owner_key);
CREATE INDEX identifiers_by_value ON identifiers (identifier_type, identifier_normalised);

CREATE TABLE addresses (
    value_key      TEXT PRIMARY KEY,
    owner_table    TEXT NOT NULL,
    owner_key      TEXT NOT NULL,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    kind           TEXT,
    address        TEXT,
    street         TEXT,
    town           TEXT,
    region         TEXT,
    postcode       TEXT,
    country        TEXT,
    country_text   TEXT,
    first_run_id   BIGINT NOT NULL,
    last_run_id    BIGINT NOT NULL,
    source_file_id BIGINT NOT NULL,
    source_locator TEXT NOT NULL
);
CREATE INDEX addresses_by_owner ON addresses (owner_key);

-- Records skipped (no rule applies to them), counted by runs and files.
ALTER TABLE ingest_runs ADD COLUMN records_skipped BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ingest_runs DROP CONSTRAINT ingest_runs_check;
ALTER TABLE ingest_runs ADD CONSTRAINT ingest_runs_check
    CHECK (records_read = records_loaded + records_quarantined + records_skipped);
ALTER TABLE source_files ADD COLUMN records_skipped BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files DROP CONSTRAINT source_files_check;
ALTER TABLE source_files ADD CONSTRAINT source_files_check
    CHECK (records_read = records_loaded + records_quarantined + records_skipped);
-- A dataset's latest run, which the views ask for each value (is it
-- current?): one row a run, so the index costs loads nothing.
CREATE INDEX ingest_runs_by_dataset ON ingest_runs (agency, dataset, run_id);

-- Values a source marks as not known, per file and counted column.
ALTER TABLE field_stats ADD COLUMN not_known BIGINT NOT NULL DEFAULT 0;
DROP VIEW run_field_stats;
CREATE VIEW run_field_stats AS
SELECT run_id, rule, field, normaliser,
       CAST(SUM(normalised) AS BIGINT) AS normalised,
       CAST(SUM(unmatched) AS BIGINT) AS unmatched,
       CAST(SUM(quarantined) AS BIGINT) AS quarantined,
       CAST(SUM(not_known) AS BIGINT) AS not_known
FROM field_stats
GROUP BY run_id, rule, field, normaliser;

-- The shared views: this text, from here to the end of the views, is the
-- same in migrations/sqlite/0006_values.sql and migrations/postgres/
-- 0006_values.sql (a test holds them equal).
DROP VIEW IF EXISTS analyst_persons;
DROP VIEW IF EXISTS analyst_run_quality;

-- Every name of each person: its `names` rows, and the person row's own
-- name as kind 'primary' unless a `names` row of the person says the same
-- (same match key and the same full text). A name given only in parts
-- shows its parts joined as full_name. `current` is 1 when the dataset's
-- latest succeeded run that loaded files asserted it (0: a later snapshot
-- stopped saying it); the file, locator and grading are those of the
-- latest record asserting it, `sources` how many records did, and
-- `entity_key` the key analyst_provenance lists them under.
CREATE VIEW analyst_person_names AS
SELECT v.person_key,
       v.agency,
       v.dataset,
       v.kind,
       v.full_name,
       v.title,
       v.given_names,
       v.middle_names,
       v.family_name,
       v.patronymic,
       v.script,
       v.name_key,
       v.first_run_id,
       v.last_run_id,
       lr.started_at AS last_seen_at,
       CASE WHEN v.last_run_id = (SELECT r.run_id
                                    FROM ingest_runs r
                                   WHERE r.agency = v.agency AND r.dataset = v.dataset
                                     AND r.status = 'succeeded' AND r.files_loaded > 0
                                   ORDER BY r.run_id DESC
                                   LIMIT 1) THEN 1 ELSE 0 END AS current,
       f.path AS file_path,
       v.source_locator,
       (SELECT CASE WHEN s.source_evaluation IS NULL
                     AND s.intelligence_assessment IS NULL
                     AND s.handling_code IS NULL THEN NULL
                    ELSE COALESCE(s.source_evaluation, '-') || '/'
                         || COALESCE(s.intelligence_assessment, '-') || '/'
                         || COALESCE(s.handling_code, '-')
               END
          FROM assertions a
          JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE a.entity_key = v.entity_key
         ORDER BY a.file_id DESC, a.record_no DESC
         LIMIT 1) AS grading,
       (SELECT COUNT(*) FROM assertions a WHERE a.entity_key = v.entity_key) AS sources,
       v.entity_key
FROM (
    SELECT n.owner_key AS person_key, n.agency, n.dataset, n.kind,
           COALESCE(n.full_name,
                    NULLIF(TRIM(COALESCE(n.given_names || ' ', '')
                                || COALESCE(n.middle_names || ' ', '')
                                || COALESCE(n.patronymic || ' ', '')
                                || COALESCE(n.family_name, '')), '')) AS full_name,
           n.title, n.given_names, n.middle_names, n.family_name, n.patronymic, n.script,
           n.name_key,
           n.first_run_id, n.last_run_id, n.source_file_id, n.source_locator,
           n.value_key AS entity_key
      FROM names n
     WHERE n.owner_table = 'persons'
    UNION ALL
    SELECT p.person_key, p.agency, p.dataset, 'primary', p.full_text, NULL, p.given_names,
           NULL, p.family_name, NULL, NULL, p.name_key,
           p.first_run_id, p.last_run_id, p.source_file_id, p.source_locator, p.person_key
      FROM (SELECT person_key, agency, dataset, given_names, family_name, name_key,
                   first_run_id, last_run_id, source_file_id, source_locator,
                   COALESCE(full_name, NULLIF(TRIM(COALESCE(given_names || ' ', '')
                                                   || COALESCE(family_name, '')), '')) AS full_text
              FROM persons) p
     WHERE p.full_text IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM names n
                        WHERE n.owner_key = p.person_key AND n.owner_table = 'persons'
                          AND (n.name_key = p.name_key
                               OR (n.name_key IS NULL AND p.name_key IS NULL))
                          AND COALESCE(n.full_name,
                                       NULLIF(TRIM(COALESCE(n.given_names || ' ', '')
                                                   || COALESCE(n.middle_names || ' ', '')
                                                   || COALESCE(n.patronymic || ' ', '')
                                                   || COALESCE(n.family_name, '')), '')) = p.full_text)
) v
LEFT JOIN ingest_runs lr ON lr.run_id = v.last_run_id
LEFT JOIN source_files f ON f.file_id = v.source_file_id;

-- Every date of birth of each person: day, month or year (`1968`,
-- `1968-03`, `1968-03-05`) or a range, with its precision, whether it is
-- approximate (0/1), the first and last day it can mean, and the text the
-- source gave; plus the person row's own date (precision 'day') unless a
-- `birth_dates` row of the person gives the same date.
CREATE VIEW analyst_person_birth_dates AS
SELECT v.person_key,
       v.agency,
       v.dataset,
       v.date_of_birth,
       v.range_from,
       v.range_to,
       v.precision,
       v.approximate,
       v.earliest,
       v.latest,
       v.date_text,
       v.place_of_birth,
       v.first_run_id,
       v.last_run_id,
       lr.started_at AS last_seen_at,
       CASE WHEN v.last_run_id = (SELECT r.run_id
                                    FROM ingest_runs r
                                   WHERE r.agency = v.agency AND r.dataset = v.dataset
                                     AND r.status = 'succeeded' AND r.files_loaded > 0
                                   ORDER BY r.run_id DESC
                                   LIMIT 1) THEN 1 ELSE 0 END AS current,
       f.path AS file_path,
       v.source_locator,
       (SELECT CASE WHEN s.source_evaluation IS NULL
                     AND s.intelligence_assessment IS NULL
                     AND s.handling_code IS NULL THEN NULL
                    ELSE COALESCE(s.source_evaluation, '-') || '/'
                         || COALESCE(s.intelligence_assessment, '-') || '/'
                         || COALESCE(s.handling_code, '-')
               END
          FROM assertions a
          JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE a.entity_key = v.entity_key
         ORDER BY a.file_id DESC, a.record_no DESC
         LIMIT 1) AS grading,
       (SELECT COUNT(*) FROM assertions a WHERE a.entity_key = v.entity_key) AS sources,
       v.entity_key
FROM (
    SELECT b.owner_key AS person_key, b.agency, b.dataset, b.date_of_birth, b.range_from,
           b.range_to, b.precision, COALESCE(CAST(b.approximate AS INTEGER), 0) AS approximate,
           b.earliest, b.latest, b.date_text, b.place_of_birth,
           b.first_run_id, b.last_run_id, b.source_file_id, b.source_locator,
           b.value_key AS entity_key
      FROM birth_dates b
     WHERE b.owner_table = 'persons'
    UNION ALL
    SELECT p.person_key, p.agency, p.dataset, CAST(p.date_of_birth AS TEXT), NULL, NULL, 'day', 0,
           CAST(p.date_of_birth AS TEXT), CAST(p.date_of_birth AS TEXT), NULL, NULL,
           p.first_run_id, p.last_run_id, p.source_file_id, p.source_locator, p.person_key
      FROM persons p
     WHERE p.date_of_birth IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM birth_dates b
                        WHERE b.owner_key = p.person_key AND b.owner_table = 'persons'
                          AND b.date_of_birth = CAST(p.date_of_birth AS TEXT))
) v
LEFT JOIN ingest_runs lr ON lr.run_id = v.last_run_id
LEFT JOIN source_files f ON f.file_id = v.source_file_id;

-- Every nationality or citizenship of each person (ISO 3166-1 alpha-3, and
-- the source's text); plus the person row's own nationality (kind
-- 'nationality') unless a `nationalities` row of the person gives it.
CREATE VIEW analyst_person_nationalities AS
SELECT v.person_key,
       v.agency,
       v.dataset,
       v.kind,
       v.country,
       v.country_text,
       v.first_run_id,
       v.last_run_id,
       lr.started_at AS last_seen_at,
       CASE WHEN v.last_run_id = (SELECT r.run_id
                                    FROM ingest_runs r
                                   WHERE r.agency = v.agency AND r.dataset = v.dataset
                                     AND r.status = 'succeeded' AND r.files_loaded > 0
                                   ORDER BY r.run_id DESC
                                   LIMIT 1) THEN 1 ELSE 0 END AS current,
       f.path AS file_path,
       v.source_locator,
       (SELECT CASE WHEN s.source_evaluation IS NULL
                     AND s.intelligence_assessment IS NULL
                     AND s.handling_code IS NULL THEN NULL
                    ELSE COALESCE(s.source_evaluation, '-') || '/'
                         || COALESCE(s.intelligence_assessment, '-') || '/'
                         || COALESCE(s.handling_code, '-')
               END
          FROM assertions a
          JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE a.entity_key = v.entity_key
         ORDER BY a.file_id DESC, a.record_no DESC
         LIMIT 1) AS grading,
       (SELECT COUNT(*) FROM assertions a WHERE a.entity_key = v.entity_key) AS sources,
       v.entity_key
FROM (
    SELECT x.owner_key AS person_key, x.agency, x.dataset, x.kind, x.country, x.country_text,
           x.first_run_id, x.last_run_id, x.source_file_id, x.source_locator,
           x.value_key AS entity_key
      FROM nationalities x
     WHERE x.owner_table = 'persons'
    UNION ALL
    SELECT p.person_key, p.agency, p.dataset, 'nationality', p.nationality, p.nationality_text,
           p.first_run_id, p.last_run_id, p.source_file_id, p.source_locator, p.person_key
      FROM persons p
     WHERE (p.nationality IS NOT NULL OR p.nationality_text IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM nationalities x
                        WHERE x.owner_key = p.person_key AND x.owner_table = 'persons'
                          AND (x.country = p.nationality
                               OR (x.country IS NULL AND p.nationality IS NULL
                                   AND x.country_text = p.nationality_text)))
) v
LEFT JOIN ingest_runs lr ON lr.run_id = v.last_run_id
LEFT JOIN source_files f ON f.file_id = v.source_file_id;

-- Every identifier of each person (passport, national ID or NI number,
-- driving licence, phone, e-mail, vehicle...): its `identifiers` rows, and
-- the objects linked to the person in either direction (object_type as
-- identifier_type, the description as note), unless an `identifiers` row
-- of the person has the same type and identifier. Validity dates as ISO
-- text.
CREATE VIEW analyst_person_identifiers AS
SELECT v.person_key,
       v.agency,
       v.dataset,
       v.identifier_type,
       v.identifier,
       v.identifier_normalised,
       v.country,
       v.valid_from,
       v.valid_to,
       v.note,
       v.first_run_id,
       v.last_run_id,
       lr.started_at AS last_seen_at,
       CASE WHEN v.last_run_id = (SELECT r.run_id
                                    FROM ingest_runs r
                                   WHERE r.agency = v.agency AND r.dataset = v.dataset
                                     AND r.status = 'succeeded' AND r.files_loaded > 0
                                   ORDER BY r.run_id DESC
                                   LIMIT 1) THEN 1 ELSE 0 END AS current,
       f.path AS file_path,
       v.source_locator,
       (SELECT CASE WHEN s.source_evaluation IS NULL
                     AND s.intelligence_assessment IS NULL
                     AND s.handling_code IS NULL THEN NULL
                    ELSE COALESCE(s.source_evaluation, '-') || '/'
                         || COALESCE(s.intelligence_assessment, '-') || '/'
                         || COALESCE(s.handling_code, '-')
               END
          FROM assertions a
          JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE a.entity_key = v.entity_key
         ORDER BY a.file_id DESC, a.record_no DESC
         LIMIT 1) AS grading,
       (SELECT COUNT(*) FROM assertions a WHERE a.entity_key = v.entity_key) AS sources,
       v.entity_key
FROM (
    SELECT i.owner_key AS person_key, i.agency, i.dataset, i.identifier_type, i.identifier,
           i.identifier_normalised, i.country, CAST(i.valid_from AS TEXT) AS valid_from,
           CAST(i.valid_to AS TEXT) AS valid_to, i.note,
           i.first_run_id, i.last_run_id, i.source_file_id, i.source_locator,
           i.value_key AS entity_key
      FROM identifiers i
     WHERE i.owner_table = 'persons'
    UNION ALL
    SELECT po.person_key, o.agency, o.dataset, o.object_type, o.identifier, NULL, o.country,
           NULL, NULL, o.description,
           o.first_run_id, o.last_run_id, o.source_file_id, o.source_locator, o.object_key
      FROM (SELECT from_key AS person_key, to_key AS object_key
              FROM links WHERE from_table = 'persons' AND to_table = 'objects'
            UNION
            SELECT to_key, from_key
              FROM links WHERE from_table = 'objects' AND to_table = 'persons') po
      JOIN objects o ON o.object_key = po.object_key
     WHERE NOT EXISTS (SELECT 1 FROM identifiers i
                        WHERE i.owner_key = po.person_key AND i.owner_table = 'persons'
                          AND (i.identifier_type = o.object_type
                               OR (i.identifier_type IS NULL AND o.object_type IS NULL))
                          AND i.identifier = o.identifier)
) v
LEFT JOIN ingest_runs lr ON lr.run_id = v.last_run_id
LEFT JOIN source_files f ON f.file_id = v.source_file_id;

-- Every address of each person; plus the person row's own postcode (kind
-- 'recorded') unless an `addresses` row of the person has that postcode.
CREATE VIEW analyst_person_addresses AS
SELECT v.person_key,
       v.agency,
       v.dataset,
       v.kind,
       v.address,
       v.street,
       v.town,
       v.region,
       v.postcode,
       v.country,
       v.country_text,
       v.first_run_id,
       v.last_run_id,
       lr.started_at AS last_seen_at,
       CASE WHEN v.last_run_id = (SELECT r.run_id
                                    FROM ingest_runs r
                                   WHERE r.agency = v.agency AND r.dataset = v.dataset
                                     AND r.status = 'succeeded' AND r.files_loaded > 0
                                   ORDER BY r.run_id DESC
                                   LIMIT 1) THEN 1 ELSE 0 END AS current,
       f.path AS file_path,
       v.source_locator,
       (SELECT CASE WHEN s.source_evaluation IS NULL
                     AND s.intelligence_assessment IS NULL
                     AND s.handling_code IS NULL THEN NULL
                    ELSE COALESCE(s.source_evaluation, '-') || '/'
                         || COALESCE(s.intelligence_assessment, '-') || '/'
                         || COALESCE(s.handling_code, '-')
               END
          FROM assertions a
          JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE a.entity_key = v.entity_key
         ORDER BY a.file_id DESC, a.record_no DESC
         LIMIT 1) AS grading,
       (SELECT COUNT(*) FROM assertions a WHERE a.entity_key = v.entity_key) AS sources,
       v.entity_key
FROM (
    SELECT ad.owner_key AS person_key, ad.agency, ad.dataset, ad.kind, ad.address, ad.street,
           ad.town, ad.region, ad.postcode, ad.country, ad.country_text,
           ad.first_run_id, ad.last_run_id, ad.source_file_id, ad.source_locator,
           ad.value_key AS entity_key
      FROM addresses ad
     WHERE ad.owner_table = 'persons'
    UNION ALL
    SELECT p.person_key, p.agency, p.dataset, 'recorded', NULL, NULL, NULL, NULL, p.postcode,
           NULL, NULL,
           p.first_run_id, p.last_run_id, p.source_file_id, p.source_locator, p.person_key
      FROM persons p
     WHERE p.postcode IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM addresses ad
                        WHERE ad.owner_key = p.person_key AND ad.owner_table = 'persons'
                          AND ad.postcode = p.postcode)
) v
LEFT JOIN ingest_runs lr ON lr.run_id = v.last_run_id
LEFT JOIN source_files f ON f.file_id = v.source_file_id;

-- Every name of each organisation: its `names` rows, and the organisation
-- row's own name (kind 'primary') unless a `names` row of it says the same.
CREATE VIEW analyst_organisation_names AS
SELECT v.organisation_key,
       v.agency,
       v.dataset,
       v.kind,
       v.full_name,
       v.script,
       v.name_key,
       v.first_run_id,
       v.last_run_id,
       lr.started_at AS last_seen_at,
       CASE WHEN v.last_run_id = (SELECT r.run_id
                                    FROM ingest_runs r
                                   WHERE r.agency = v.agency AND r.dataset = v.dataset
                                     AND r.status = 'succeeded' AND r.files_loaded > 0
                                   ORDER BY r.run_id DESC
                                   LIMIT 1) THEN 1 ELSE 0 END AS current,
       f.path AS file_path,
       v.source_locator,
       (SELECT CASE WHEN s.source_evaluation IS NULL
                     AND s.intelligence_assessment IS NULL
                     AND s.handling_code IS NULL THEN NULL
                    ELSE COALESCE(s.source_evaluation, '-') || '/'
                         || COALESCE(s.intelligence_assessment, '-') || '/'
                         || COALESCE(s.handling_code, '-')
               END
          FROM assertions a
          JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE a.entity_key = v.entity_key
         ORDER BY a.file_id DESC, a.record_no DESC
         LIMIT 1) AS grading,
       (SELECT COUNT(*) FROM assertions a WHERE a.entity_key = v.entity_key) AS sources,
       v.entity_key
FROM (
    SELECT n.owner_key AS organisation_key, n.agency, n.dataset, n.kind,
           COALESCE(n.full_name,
                    NULLIF(TRIM(COALESCE(n.given_names || ' ', '')
                                || COALESCE(n.middle_names || ' ', '')
                                || COALESCE(n.patronymic || ' ', '')
                                || COALESCE(n.family_name, '')), '')) AS full_name,
           n.script, n.name_key,
           n.first_run_id, n.last_run_id, n.source_file_id, n.source_locator,
           n.value_key AS entity_key
      FROM names n
     WHERE n.owner_table = 'organisations'
    UNION ALL
    SELECT o.organisation_key, o.agency, o.dataset, 'primary', o.name, NULL, NULL,
           o.first_run_id, o.last_run_id, o.source_file_id, o.source_locator, o.organisation_key
      FROM organisations o
     WHERE o.name IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM names n
                        WHERE n.owner_key = o.organisation_key AND n.owner_table = 'organisations'
                          AND COALESCE(n.full_name,
                                       NULLIF(TRIM(COALESCE(n.given_names || ' ', '')
                                                   || COALESCE(n.middle_names || ' ', '')
                                                   || COALESCE(n.patronymic || ' ', '')
                                                   || COALESCE(n.family_name, '')), '')) = o.name)
) v
LEFT JOIN ingest_runs lr ON lr.run_id = v.last_run_id
LEFT JOIN source_files f ON f.file_id = v.source_file_id;

-- Every identifier of each organisation; plus the organisation row's own
-- registration number (identifier_type 'company number', its country the
-- organisation's) unless an `identifiers` row of it gives that number.
CREATE VIEW analyst_organisation_identifiers AS
SELECT v.organisation_key,
       v.agency,
       v.dataset,
       v.identifier_type,
       v.identifier,
       v.identifier_normalised,
       v.country,
       v.valid_from,
       v.valid_to,
       v.note,
       v.first_run_id,
       v.last_run_id,
       lr.started_at AS last_seen_at,
       CASE WHEN v.last_run_id = (SELECT r.run_id
                                    FROM ingest_runs r
                                   WHERE r.agency = v.agency AND r.dataset = v.dataset
                                     AND r.status = 'succeeded' AND r.files_loaded > 0
                                   ORDER BY r.run_id DESC
                                   LIMIT 1) THEN 1 ELSE 0 END AS current,
       f.path AS file_path,
       v.source_locator,
       (SELECT CASE WHEN s.source_evaluation IS NULL
                     AND s.intelligence_assessment IS NULL
                     AND s.handling_code IS NULL THEN NULL
                    ELSE COALESCE(s.source_evaluation, '-') || '/'
                         || COALESCE(s.intelligence_assessment, '-') || '/'
                         || COALESCE(s.handling_code, '-')
               END
          FROM assertions a
          JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE a.entity_key = v.entity_key
         ORDER BY a.file_id DESC, a.record_no DESC
         LIMIT 1) AS grading,
       (SELECT COUNT(*) FROM assertions a WHERE a.entity_key = v.entity_key) AS sources,
       v.entity_key
FROM (
    SELECT i.owner_key AS organisation_key, i.agency, i.dataset, i.identifier_type, i.identifier,
           i.identifier_normalised, i.country, CAST(i.valid_from AS TEXT) AS valid_from,
           CAST(i.valid_to AS TEXT) AS valid_to, i.note,
           i.first_run_id, i.last_run_id, i.source_file_id, i.source_locator,
           i.value_key AS entity_key
      FROM identifiers i
     WHERE i.owner_table = 'organisations'
    UNION ALL
    SELECT o.organisation_key, o.agency, o.dataset, 'company number', o.registration_number,
           NULL, o.country, NULL, NULL, NULL,
           o.first_run_id, o.last_run_id, o.source_file_id, o.source_locator, o.organisation_key
      FROM organisations o
     WHERE o.registration_number IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM identifiers i
                        WHERE i.owner_key = o.organisation_key AND i.owner_table = 'organisations'
                          AND i.identifier_type = 'company number'
                          AND i.identifier = o.registration_number)
) v
LEFT JOIN ingest_runs lr ON lr.run_id = v.last_run_id
LEFT JOIN source_files f ON f.file_id = v.source_file_id;

-- Each person as one agency's dataset names them (the v4 columns, in
-- order), with when the person was first and last seen and how many
-- source records assert it; then, over the value views above: the primary
-- name (kind 'primary' first, then current, then the latest run, then
-- alphabetical; else any name), every distinct name, date of birth (a
-- range as FROM/TO, an open end as ..) and nationality, each list
-- alphabetical and joined with '; ', and how many names and identifiers
-- (counted in one pass: objects are found through links, which have no
-- index by entity, as one would cost every load).
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
           AND a.entity_table = 'persons') AS source_records,
       (SELECT w.full_name
          FROM analyst_person_names w
         WHERE w.person_key = p.person_key AND w.full_name IS NOT NULL
         ORDER BY CASE WHEN w.kind = 'primary' THEN 0 ELSE 1 END, w.current DESC,
                  w.last_run_id DESC, w.full_name
         LIMIT 1) AS primary_name,
       (SELECT string_agg(d.x, '; ') OVER (ORDER BY d.x ROWS BETWEEN UNBOUNDED PRECEDING
                                                           AND UNBOUNDED FOLLOWING)
          FROM (SELECT DISTINCT w.full_name AS x
                  FROM analyst_person_names w
                 WHERE w.person_key = p.person_key) d
         WHERE d.x IS NOT NULL
         LIMIT 1) AS all_names,
       (SELECT string_agg(d.x, '; ') OVER (ORDER BY d.x ROWS BETWEEN UNBOUNDED PRECEDING
                                                           AND UNBOUNDED FOLLOWING)
          FROM (SELECT DISTINCT CASE WHEN w.date_of_birth IS NOT NULL THEN w.date_of_birth
                                    WHEN w.range_from IS NOT NULL OR w.range_to IS NOT NULL
                                    THEN COALESCE(w.range_from, '..') || '/'
                                         || COALESCE(w.range_to, '..')
                               END AS x
                  FROM analyst_person_birth_dates w
                 WHERE w.person_key = p.person_key) d
         WHERE d.x IS NOT NULL
         LIMIT 1) AS all_dates_of_birth,
       (SELECT string_agg(d.x, '; ') OVER (ORDER BY d.x ROWS BETWEEN UNBOUNDED PRECEDING
                                                           AND UNBOUNDED FOLLOWING)
          FROM (SELECT DISTINCT w.country AS x
                  FROM analyst_person_nationalities w
                 WHERE w.person_key = p.person_key) d
         WHERE d.x IS NOT NULL
         LIMIT 1) AS all_nationalities,
       (SELECT COUNT(*) FROM analyst_person_names w
         WHERE w.person_key = p.person_key) AS names,
       COALESCE(ids.n, 0) AS identifiers
FROM persons p
LEFT JOIN ingest_runs fr ON fr.run_id = p.first_run_id
LEFT JOIN ingest_runs lr ON lr.run_id = p.last_run_id
LEFT JOIN (SELECT person_key, COUNT(*) AS n
             FROM analyst_person_identifiers
            GROUP BY person_key) ids ON ids.person_key = p.person_key;

-- Per run: its pipeline and outcome, records read, loaded, quarantined and
-- skipped (no rule of the pipeline applies to them: its routing, not bad
-- data), the share quarantined of the records a rule applied to (NULL when
-- there were none), and what the normalisers and lookups did over the run
-- (values normalised or matched, left unmatched, marked not known by the
-- source; 0 when the pipeline counts no column).
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
       r.records_skipped,
       CASE WHEN r.records_read - r.records_skipped <= 0 THEN NULL
            ELSE CAST(r.records_quarantined AS DOUBLE PRECISION)
                 / (r.records_read - r.records_skipped)
       END AS quarantine_rate,
       COALESCE(s.normalised, 0) AS normalised,
       COALESCE(s.unmatched, 0) AS unmatched,
       COALESCE(s.not_known, 0) AS not_known
FROM ingest_runs r
LEFT JOIN (SELECT run_id,
                  SUM(normalised) AS normalised,
                  SUM(unmatched) AS unmatched,
                  SUM(not_known) AS not_known
             FROM field_stats
            GROUP BY run_id) s ON s.run_id = r.run_id;
-- (end of the shared views)

-- The analysts' role reads the analyst views, new and re-made (a view
-- dropped loses its grants), and still no table.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jstac_analyst') THEN
        GRANT SELECT ON analyst_persons, analyst_run_quality, analyst_person_names,
                        analyst_person_birth_dates, analyst_person_nationalities,
                        analyst_person_identifiers, analyst_person_addresses,
                        analyst_organisation_names, analyst_organisation_identifiers
            TO jstac_analyst;
    END IF;
END
$$;
