-- jstac warehouse schema v3 (POLE), PostgreSQL: as
-- migrations/sqlite/0003_pole.sql, plus the analysts' role.
--
-- Locations, organisations and NRM
-- referrals beside persons, events and objects; links with a period; every
-- loaded source record kept with its grading and raw values; and every
-- entity's assertions, so each entity traces to the records that said it
-- and what each of them said (its history).

ALTER TABLE objects ADD COLUMN description TEXT;

ALTER TABLE links ADD COLUMN valid_from DATE;
ALTER TABLE links ADD COLUMN valid_to DATE;

CREATE TABLE locations (
    location_key   TEXT PRIMARY KEY,
    agency         TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    location_type  TEXT,
    name           TEXT,
    address        TEXT,
    town           TEXT,
    postcode       TEXT,
    country        TEXT,
    country_text   TEXT,
    latitude       NUMERIC,
    longitude      NUMERIC,
    first_run_id   BIGINT  NOT NULL,
    last_run_id    BIGINT  NOT NULL,
    source_file_id BIGINT  NOT NULL,
    source_locator TEXT NOT NULL
);

CREATE TABLE organisations (
    organisation_key    TEXT PRIMARY KEY,
    agency              TEXT NOT NULL,
    dataset             TEXT NOT NULL,
    organisation_type   TEXT,
    name                TEXT,
    registration_number TEXT,
    status              TEXT,
    sector              TEXT,
    postcode            TEXT,
    country             TEXT,
    first_run_id        BIGINT  NOT NULL,
    last_run_id         BIGINT  NOT NULL,
    source_file_id      BIGINT  NOT NULL,
    source_locator      TEXT NOT NULL
);

CREATE TABLE nrm_referrals (
    referral_key           TEXT PRIMARY KEY,
    agency                 TEXT NOT NULL,
    dataset                TEXT NOT NULL,
    reference              TEXT,
    referred_on            DATE,
    first_responder        TEXT,
    exploitation_type      TEXT,
    exploitation_type_text TEXT,
    age_group              TEXT,
    gender                 TEXT,
    nationality            TEXT,
    nationality_text       TEXT,
    exploited_in           TEXT,
    reasonable_grounds     TEXT,
    reasonable_grounds_on  DATE,
    conclusive_grounds     TEXT,
    conclusive_grounds_on  DATE,
    first_run_id           BIGINT  NOT NULL,
    last_run_id            BIGINT  NOT NULL,
    source_file_id         BIGINT  NOT NULL,
    source_locator         TEXT NOT NULL
);

-- Every loaded source record: where it is in its file, its 3x5x2 grading
-- (source evaluation 1-3, intelligence assessment A-E, handling code P/C;
-- NULL where the source does not grade), and its fields as read (a JSON
-- object). Numbered within the file in read order.
CREATE TABLE source_records (
    file_id                 BIGINT  NOT NULL,
    record_no               BIGINT  NOT NULL,
    run_id                  BIGINT  NOT NULL,
    locator                 TEXT    NOT NULL,
    source_evaluation       TEXT CHECK (source_evaluation IN ('1', '2', '3')),
    intelligence_assessment TEXT CHECK (intelligence_assessment IN ('A', 'B', 'C', 'D', 'E')),
    handling_code           TEXT CHECK (handling_code IN ('P', 'C')),
    raw                     TEXT    NOT NULL,
    PRIMARY KEY (file_id, record_no)
);

-- Which source records asserted which entity or link: an entity's
-- assertions are its provenance and, with each record's raw values, its
-- history (what each run said); first and last seen are its first and last.
-- (The mapped values are not copied here: the entity row holds the latest,
-- the record its source's words. Measured: copying them cost a third of a
-- load.)
CREATE TABLE assertions (
    entity_key   TEXT    NOT NULL,
    file_id      BIGINT  NOT NULL,
    record_no    BIGINT  NOT NULL,
    entity_table TEXT    NOT NULL,
    run_id       BIGINT  NOT NULL,
    PRIMARY KEY (entity_key, file_id, record_no)
);

-- The analysts' group role: it reads the analyst views (granted with
-- them) and never the raw, provenance or quarantine tables. A DBA grants
-- it to login roles (GRANT jstac_analyst TO alice). Created here when the
-- migrating role may create roles; roles are shared by the whole server,
-- so a second warehouse on the same server reuses it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jstac_analyst')
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user
                   AND (rolsuper OR rolcreaterole)) THEN
        CREATE ROLE jstac_analyst NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another warehouse's migration created it first
END
$$;
