//! Schema v6 (`0006_values.sql`): the value tables and the analyst views
//! over them, on both backends. The same rows, inserted by the same SQL
//! into a SQLite file and a PostgreSQL database, read the same through
//! every new view; and a v5 warehouse holding data migrates to v6 with its
//! values shown by the views, nothing copied.

use serde_json::{Value as Json, json};
use sqlx::{PgPool, SqlitePool};

use crate::db::Db;
use crate::migrate::schema_version;
use crate::tests::{create_postgres, sqlite_warehouse};
use crate::{QueryResult, Warehouse};

/// The views of v6, each with the order that makes its rows comparable.
const VALUE_VIEWS: &[&str] = &[
    "SELECT * FROM analyst_person_names ORDER BY person_key, kind, full_name",
    "SELECT * FROM analyst_person_birth_dates ORDER BY person_key, earliest, latest",
    "SELECT * FROM analyst_person_nationalities ORDER BY person_key, kind, country",
    "SELECT * FROM analyst_person_identifiers ORDER BY person_key, identifier_type, identifier",
    "SELECT * FROM analyst_person_addresses ORDER BY person_key, kind, postcode",
    "SELECT * FROM analyst_organisation_names ORDER BY organisation_key, kind, full_name",
    "SELECT * FROM analyst_organisation_identifiers
     ORDER BY organisation_key, identifier_type, identifier",
    "SELECT * FROM analyst_persons ORDER BY person_key",
    "SELECT * FROM analyst_run_quality ORDER BY run_id",
];

/// Runs: police/nominals loaded a file in runs 1 and 2 (run 2 skipped a
/// record no rule applies to), found nothing new in run 3 and failed in
/// run 4: run 2 is the dataset's latest, so what it asserted is current.
const RUNS: &[&str] = &[
    "INSERT INTO ingest_runs (run_id, pipeline, pipeline_path, agency, dataset, plugin,
                             plugin_version, started_at, finished_at, status, files_loaded,
                             records_read, records_loaded, records_quarantined, records_skipped,
                             host, process_id)
     VALUES (1, 'p', 'p.toml', 'police', 'nominals', 'csv', '1.0', '2026-01-01T00:00:00.000Z',
             '2026-01-01T00:01:00.000Z', 'succeeded', 1, 2, 2, 0, 0, 'h', 1),
            (2, 'p', 'p.toml', 'police', 'nominals', 'csv', '1.0', '2026-02-01T00:00:00.000Z',
             '2026-02-01T00:01:00.000Z', 'succeeded', 1, 3, 2, 0, 1, 'h', 1),
            (3, 'p', 'p.toml', 'police', 'nominals', 'csv', '1.0', '2026-03-01T00:00:00.000Z',
             '2026-03-01T00:01:00.000Z', 'succeeded', 0, 0, 0, 0, 0, 'h', 1),
            (4, 'p', 'p.toml', 'police', 'nominals', 'csv', '1.0', '2026-04-01T00:00:00.000Z',
             '2026-04-01T00:01:00.000Z', 'failed', 0, 0, 0, 0, 0, 'h', 1)",
    "INSERT INTO source_files (file_id, run_id, pipeline, path, size_bytes, sha256, records_read,
                              records_loaded, records_skipped, loaded_at)
     VALUES (1, 1, 'p', 'in/a.csv', 10, 'aa', 2, 2, 0, '2026-01-01T00:00:30.000Z'),
            (2, 2, 'p', 'in/b.csv', 10, 'bb', 3, 2, 1, '2026-02-01T00:00:30.000Z')",
    "INSERT INTO source_records VALUES (1, 0, 1, 'line 2', '1', 'A', 'P', '{}'),
                                       (1, 1, 1, 'line 3', NULL, NULL, NULL, '{}'),
                                       (2, 0, 2, 'line 2', '2', 'B', 'C', '{}')",
    "INSERT INTO field_stats (run_id, file_id, rule, field, normaliser, normalised, unmatched,
                             quarantined, not_known)
     VALUES (2, 2, 'entities.person.columns.nationality', 'Nationality', 'country', 1, 0, 0, 2)",
];

/// A person (p1) whose row names her, gives a date of birth, a nationality
/// and a postcode; her further values; a second person (p2) seen only in
/// run 1; an organisation (g1) with a name and a registration number.
const VALUES: &[&str] = &[
    "INSERT INTO persons (person_key, agency, dataset, family_name, given_names, date_of_birth,
                         gender, nationality, nationality_text, postcode, name_key, first_run_id,
                         last_run_id, source_file_id, source_locator)
     VALUES ('p1', 'police', 'nominals', 'HOXHA', 'Ana', '1990-01-02', 'F', 'ALB', 'Albanian',
             'B1 1AA', 'ana hoxha', 1, 2, 2, 'line 2'),
            ('p2', 'police', 'nominals', 'BEGA', NULL, NULL, NULL, NULL, NULL, NULL, 'bega',
             1, 1, 1, 'line 3')",
    // n1 is p1's own name again (its parts only), n2 an alias, n3 a
    // primary name only run 1 said.
    "INSERT INTO names (value_key, owner_table, owner_key, agency, dataset, kind, full_name,
                       given_names, middle_names, family_name, name_key, first_run_id,
                       last_run_id, source_file_id, source_locator)
     VALUES ('n1', 'persons', 'p1', 'police', 'nominals', 'primary', NULL, 'Ana', NULL, 'HOXHA',
             'ana hoxha', 1, 2, 2, 'line 2'),
            ('n2', 'persons', 'p1', 'police', 'nominals', 'alias', 'Anna HOCA', NULL, NULL, NULL,
             'anna hoca', 2, 2, 2, 'line 2'),
            ('n3', 'persons', 'p1', 'police', 'nominals', 'primary', NULL, 'Ana', 'Maria', 'HOXHA',
             'ana hoxha maria', 1, 1, 1, 'line 2'),
            ('n4', 'organisations', 'g1', 'police', 'nominals', 'alias', 'ACME', NULL, NULL, NULL,
             NULL, 2, 2, 2, 'line 2')",
    "INSERT INTO birth_dates (value_key, owner_table, owner_key, agency, dataset, date_of_birth,
                             range_from, range_to, approximate, place_of_birth, date_text,
                             precision, earliest, latest, first_run_id, last_run_id,
                             source_file_id, source_locator)
     VALUES ('b1', 'persons', 'p1', 'police', 'nominals', '1990', NULL, NULL, FALSE, 'Tirana',
             '1990', 'year', '1990-01-01', '1990-12-31', 2, 2, 2, 'line 2'),
            ('b2', 'persons', 'p1', 'police', 'nominals', NULL, '1989', '1991', TRUE, NULL,
             'c. 1990', 'range', '1989-01-01', '1991-12-31', 2, 2, 2, 'line 2')",
    "INSERT INTO nationalities (value_key, owner_table, owner_key, agency, dataset, kind, country,
                               country_text, first_run_id, last_run_id, source_file_id,
                               source_locator)
     VALUES ('x1', 'persons', 'p1', 'police', 'nominals', 'nationality', 'ALB', 'Albanian',
             2, 2, 2, 'line 2'),
            ('x2', 'persons', 'p1', 'police', 'nominals', 'citizenship', 'GRC', 'Greek',
             2, 2, 2, 'line 2')",
    "INSERT INTO identifiers (value_key, owner_table, owner_key, agency, dataset, identifier_type,
                             identifier, country, valid_from, valid_to, note,
                             identifier_normalised, country_text, first_run_id, last_run_id,
                             source_file_id, source_locator)
     VALUES ('i1', 'persons', 'p1', 'police', 'nominals', 'passport', 'AB 123456', 'ALB',
             '2015-01-01', '2025-01-01', NULL, 'AB123456', 'ALB', 2, 2, 2, 'line 2'),
            ('i2', 'organisations', 'g1', 'police', 'nominals', 'vat', 'GB 123', 'GBR', NULL,
             NULL, 'VAT registration', 'GB123', 'UK', 2, 2, 2, 'line 2')",
    "INSERT INTO addresses (value_key, owner_table, owner_key, agency, dataset, kind, address,
                           town, postcode, country, country_text, first_run_id, last_run_id,
                           source_file_id, source_locator)
     VALUES ('a1', 'persons', 'p1', 'police', 'nominals', 'home', '1 High St', 'Birmingham',
             'B2 2BB', 'GBR', 'UK', 2, 2, 2, 'line 2')",
    // A phone linked to p1 twice (two roles), and her passport again as
    // an object linked the other way round.
    "INSERT INTO objects (object_key, agency, dataset, object_type, identifier, country,
                         description, first_run_id, last_run_id, source_file_id, source_locator)
     VALUES ('o1', 'police', 'nominals', 'phone', '+447700900123', NULL, 'mobile', 2, 2, 2,
             'line 2'),
            ('o2', 'police', 'nominals', 'passport', 'AB 123456', 'ALB', NULL, 2, 2, 2,
             'line 2')",
    "INSERT INTO links (link_key, agency, dataset, from_table, from_key, to_table, to_key, role,
                       first_run_id, last_run_id, source_file_id, source_locator)
     VALUES ('l1', 'police', 'nominals', 'persons', 'p1', 'objects', 'o1', 'uses', 2, 2, 2,
             'line 2'),
            ('l2', 'police', 'nominals', 'persons', 'p1', 'objects', 'o1', 'owns', 2, 2, 2,
             'line 2'),
            ('l3', 'police', 'nominals', 'objects', 'o2', 'persons', 'p1', 'held by', 2, 2, 2,
             'line 2')",
    "INSERT INTO organisations (organisation_key, agency, dataset, name, registration_number,
                               country, first_run_id, last_run_id, source_file_id,
                               source_locator)
     VALUES ('g1', 'police', 'nominals', 'Acme Labour Ltd', '01234567', 'GBR', 2, 2, 2,
             'line 2')",
    "INSERT INTO assertions VALUES ('p1', 1, 0, 'persons', 1), ('p1', 2, 0, 'persons', 2),
                                   ('p2', 1, 1, 'persons', 1), ('n1', 1, 0, 'names', 1),
                                   ('n1', 2, 0, 'names', 2), ('n2', 2, 0, 'names', 2),
                                   ('n3', 1, 0, 'names', 1)",
];

async fn execute(db: &Db, statements: &[&'static str]) {
    for sql in statements {
        match db {
            Db::Sqlite(pool) => sqlx::query(*sql).execute(pool).await.map(drop),
            Db::Postgres(pool) => sqlx::query(*sql).execute(pool).await.map(drop),
        }
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    }
}

/// Rows as JSON objects, keyed by column.
fn objects(result: &QueryResult) -> Vec<Json> {
    result
        .rows
        .iter()
        .map(|row| Json::Object(result.columns.iter().cloned().zip(row.clone()).collect()))
        .collect()
}

/// Each column of `rows`, picked by name.
fn pick(rows: &[Json], columns: &[&str]) -> Vec<Json> {
    rows.iter()
        .map(|row| {
            Json::Object(
                columns
                    .iter()
                    .map(|&c| (c.to_owned(), row[c].clone()))
                    .collect(),
            )
        })
        .collect()
}

/// Every v6 view, read the same on both backends; returns what SQLite read.
async fn same_on_both(sqlite: &Warehouse, postgres: &Warehouse) -> Vec<Vec<Json>> {
    let mut read = Vec::new();
    for sql in VALUE_VIEWS {
        let lite = sqlite.query(sql).await.expect(sql);
        let pg = postgres.query(sql).await.expect(sql);
        assert_eq!(lite.columns, pg.columns, "{sql}: columns");
        assert_eq!(objects(&lite), objects(&pg), "{sql}");
        read.push(objects(&lite));
    }
    read
}

/// Both views sections of 0006 (from the shared views' opening comment to
/// their end) are one text: the house rule that analysts' SQL is the same
/// on both backends.
#[test]
fn the_value_views_are_the_same_sql_on_both_backends() {
    let shared = |migration: &str| {
        let start = migration
            .find("-- The shared views:")
            .expect("the shared views' start");
        let end = migration
            .find("-- (end of the shared views)")
            .expect("the shared views' end");
        migration[start..end].to_owned()
    };
    let sqlite = shared(include_str!("../migrations/sqlite/0006_values.sql"));
    let postgres = shared(include_str!("../migrations/postgres/0006_values.sql"));
    assert_eq!(sqlite, postgres);
    // Nothing PostgreSQL lacks, and nothing SQLite before 3.44 cannot
    // parse (DuckDB reads SQLite through its own 3.38): lists joined by
    // string_agg as a window, never with an ORDER BY inside the call.
    let lower = sqlite.to_lowercase();
    for word in [
        "strftime",
        "printf",
        "group_concat",
        "is not distinct",
        "iif(",
    ] {
        assert!(!lower.contains(word), "{word}");
    }
    for (at, _) in lower.match_indices("string_agg(") {
        let call = &lower[at..];
        let close = call.find(')').expect("a closed call");
        assert!(
            call[close..].starts_with(") over ("),
            "{}",
            &call[..close + 1]
        );
    }
}

/// Value rows inserted into both backends: the views show each person's
/// values once (the person row's own value unless a value row repeats
/// it), which are current, their sources and grading; analyst_persons is
/// one row a person with the primary name and every name, date of birth
/// and nationality; and every view reads the same on SQLite and
/// PostgreSQL.
#[tokio::test]
async fn the_value_views_read_the_same_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (sqlite, _) = sqlite_warehouse(&dir).await;
    let database = create_postgres("value_views");
    let postgres = Warehouse::open(database.url())
        .await
        .expect("opens postgres");
    for warehouse in [&sqlite, &postgres] {
        execute(&warehouse.db, RUNS).await;
        execute(&warehouse.db, VALUES).await;
    }
    let read = same_on_both(&sqlite, &postgres).await;
    let [
        names,
        birth_dates,
        nationalities,
        identifiers,
        addresses,
        organisation_names,
        organisation_identifiers,
        persons,
        runs,
    ] = &read[..]
    else {
        unreachable!("one result a view")
    };

    // p1's own name is n1's (the parts joined): shown once, as n1; n3 was
    // said only by run 1, so it is not current. p2 has only its own.
    assert_eq!(
        pick(
            names,
            &[
                "person_key",
                "kind",
                "full_name",
                "current",
                "file_path",
                "grading",
                "sources",
                "entity_key"
            ]
        ),
        [
            json!({"person_key": "p1", "kind": "alias", "full_name": "Anna HOCA", "current": 1, "file_path": "in/b.csv", "grading": "2/B/C", "sources": 1, "entity_key": "n2"}),
            json!({"person_key": "p1", "kind": "primary", "full_name": "Ana HOXHA", "current": 1, "file_path": "in/b.csv", "grading": "2/B/C", "sources": 2, "entity_key": "n1"}),
            json!({"person_key": "p1", "kind": "primary", "full_name": "Ana Maria HOXHA", "current": 0, "file_path": "in/a.csv", "grading": "1/A/P", "sources": 1, "entity_key": "n3"}),
            json!({"person_key": "p2", "kind": "primary", "full_name": "BEGA", "current": 0, "file_path": "in/a.csv", "grading": null, "sources": 1, "entity_key": "p2"}),
        ]
    );
    assert_eq!(names[1]["last_seen_at"], "2026-02-01T00:00:00.000Z");
    assert_eq!(
        pick(
            birth_dates,
            &[
                "date_of_birth",
                "range_from",
                "range_to",
                "precision",
                "approximate",
                "earliest",
                "latest",
                "date_text"
            ]
        ),
        [
            json!({"date_of_birth": null, "range_from": "1989", "range_to": "1991", "precision": "range", "approximate": 1, "earliest": "1989-01-01", "latest": "1991-12-31", "date_text": "c. 1990"}),
            json!({"date_of_birth": "1990", "range_from": null, "range_to": null, "precision": "year", "approximate": 0, "earliest": "1990-01-01", "latest": "1990-12-31", "date_text": "1990"}),
            json!({"date_of_birth": "1990-01-02", "range_from": null, "range_to": null, "precision": "day", "approximate": 0, "earliest": "1990-01-02", "latest": "1990-01-02", "date_text": null}),
        ]
    );
    // ALB is a nationalities row: the person row's own is not repeated.
    assert_eq!(
        pick(
            nationalities,
            &["kind", "country", "country_text", "entity_key"]
        ),
        [
            json!({"kind": "citizenship", "country": "GRC", "country_text": "Greek", "entity_key": "x2"}),
            json!({"kind": "nationality", "country": "ALB", "country_text": "Albanian", "entity_key": "x1"}),
        ]
    );
    // The passport once (the identifiers row; the object repeats it), the
    // phone once though linked twice.
    assert_eq!(
        pick(
            identifiers,
            &[
                "identifier_type",
                "identifier",
                "identifier_normalised",
                "country",
                "valid_from",
                "valid_to",
                "note",
                "entity_key"
            ]
        ),
        [
            json!({"identifier_type": "passport", "identifier": "AB 123456", "identifier_normalised": "AB123456", "country": "ALB", "valid_from": "2015-01-01", "valid_to": "2025-01-01", "note": null, "entity_key": "i1"}),
            json!({"identifier_type": "phone", "identifier": "+447700900123", "identifier_normalised": null, "country": null, "valid_from": null, "valid_to": null, "note": "mobile", "entity_key": "o1"}),
        ]
    );
    assert_eq!(
        pick(
            addresses,
            &["kind", "address", "town", "postcode", "country"]
        ),
        [
            json!({"kind": "home", "address": "1 High St", "town": "Birmingham", "postcode": "B2 2BB", "country": "GBR"}),
            json!({"kind": "recorded", "address": null, "town": null, "postcode": "B1 1AA", "country": null}),
        ]
    );
    assert_eq!(
        pick(
            organisation_names,
            &["organisation_key", "kind", "full_name", "current"]
        ),
        [
            json!({"organisation_key": "g1", "kind": "alias", "full_name": "ACME", "current": 1}),
            json!({"organisation_key": "g1", "kind": "primary", "full_name": "Acme Labour Ltd", "current": 1}),
        ]
    );
    assert_eq!(
        pick(
            organisation_identifiers,
            &["identifier_type", "identifier", "country", "note"]
        ),
        [
            json!({"identifier_type": "company number", "identifier": "01234567", "country": "GBR", "note": null}),
            json!({"identifier_type": "vat", "identifier": "GB 123", "country": "GBR", "note": "VAT registration"}),
        ]
    );

    // One row a person; the v4 columns as they were, then the values.
    assert_eq!(
        pick(
            persons,
            &[
                "person_key",
                "family_name",
                "date_of_birth",
                "source_records",
                "primary_name",
                "all_names",
                "all_dates_of_birth",
                "all_nationalities",
                "names",
                "identifiers"
            ]
        ),
        [
            json!({"person_key": "p1", "family_name": "HOXHA", "date_of_birth": "1990-01-02", "source_records": 2, "primary_name": "Ana HOXHA", "all_names": "Ana HOXHA; Ana Maria HOXHA; Anna HOCA", "all_dates_of_birth": "1989/1991; 1990; 1990-01-02", "all_nationalities": "ALB; GRC", "names": 3, "identifiers": 2}),
            json!({"person_key": "p2", "family_name": "BEGA", "date_of_birth": null, "source_records": 1, "primary_name": "BEGA", "all_names": "BEGA", "all_dates_of_birth": null, "all_nationalities": null, "names": 1, "identifiers": 0}),
        ]
    );

    // Skipped records are the pipeline's routing: run 2's rate is of the
    // two records a rule applied to.
    assert_eq!(
        pick(
            runs,
            &[
                "run_id",
                "records_read",
                "records_quarantined",
                "records_skipped",
                "quarantine_rate",
                "not_known"
            ]
        ),
        [
            json!({"run_id": 1, "records_read": 2, "records_quarantined": 0, "records_skipped": 0, "quarantine_rate": 0.0, "not_known": 0}),
            json!({"run_id": 2, "records_read": 3, "records_quarantined": 0, "records_skipped": 1, "quarantine_rate": 0.0, "not_known": 2}),
            json!({"run_id": 3, "records_read": 0, "records_quarantined": 0, "records_skipped": 0, "quarantine_rate": null, "not_known": 0}),
            json!({"run_id": 4, "records_read": 0, "records_quarantined": 0, "records_skipped": 0, "quarantine_rate": null, "not_known": 0}),
        ]
    );
    sqlite.close().await;
    postgres.close().await;
}

/// The v5 part of the data: a person with a name, a date of birth, a
/// nationality and a postcode, a passport linked to her, their run, file,
/// record and assertions, a quarantined record and a field's counts.
const V5_DATA: &[&str] = &[
    "INSERT INTO ingest_runs (run_id, pipeline, pipeline_path, agency, dataset, plugin,
                             plugin_version, started_at, status, files_loaded, records_read,
                             records_loaded, records_quarantined, host, process_id)
     VALUES (1, 'p', 'p.toml', 'police', 'nominals', 'csv', '1.0', '2026-01-01T00:00:00.000Z',
             'succeeded', 1, 2, 1, 1, 'h', 1)",
    "INSERT INTO source_files (file_id, run_id, pipeline, path, size_bytes, sha256, records_read,
                              records_loaded, records_quarantined, loaded_at)
     VALUES (1, 1, 'p', 'in/a.csv', 10, 'aa', 2, 1, 1, '2026-01-01T00:00:30.000Z')",
    "INSERT INTO source_records VALUES (1, 0, 1, 'line 2', '1', 'A', 'P', '{}')",
    "INSERT INTO quarantine (quarantine_id, run_id, file_id, locator, field, reason, raw_record)
     VALUES (1, 1, 1, 'line 3', 'DOB', 'not a date', '{}')",
    "INSERT INTO field_stats (run_id, file_id, rule, field, normaliser, normalised, unmatched,
                             quarantined)
     VALUES (1, 1, 'entities.person.columns.nationality', 'Nationality', 'country', 1, 0, 0)",
    "INSERT INTO persons (person_key, agency, dataset, family_name, given_names, full_name,
                         date_of_birth, nationality, nationality_text, postcode, name_key,
                         first_run_id, last_run_id, source_file_id, source_locator)
     VALUES ('p1', 'police', 'nominals', 'HOXHA', 'Ana', NULL, '1990-01-02', 'ALB', 'Albanian',
             'B1 1AA', 'ana hoxha', 1, 1, 1, 'line 2')",
    "INSERT INTO objects (object_key, agency, dataset, object_type, identifier, country,
                         first_run_id, last_run_id, source_file_id, source_locator)
     VALUES ('o1', 'police', 'nominals', 'passport', 'AB 123456', 'ALB', 1, 1, 1, 'line 2')",
    "INSERT INTO links (link_key, agency, dataset, from_table, from_key, to_table, to_key, role,
                       first_run_id, last_run_id, source_file_id, source_locator)
     VALUES ('l1', 'police', 'nominals', 'persons', 'p1', 'objects', 'o1', 'holds', 1, 1, 1,
             'line 2')",
    "INSERT INTO assertions VALUES ('p1', 1, 0, 'persons', 1), ('o1', 1, 0, 'objects', 1),
                                   ('l1', 1, 0, 'links', 1)",
];

/// The migrations before v6 of one backend, copied to `into`.
fn migrations_before_v6(backend: &str, into: &std::path::Path) -> std::path::PathBuf {
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(&all).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        if name.to_string_lossy().as_ref() < "0006" {
            std::fs::copy(&path, into.join(name)).expect("copy");
        }
    }
    into.to_owned()
}

/// What a v5 warehouse holding [`V5_DATA`] shows once migrated to v6.
async fn v6_shows_the_v5_values(warehouse: &Warehouse) {
    let read = |sql: &'static str| async move { objects(&warehouse.query(sql).await.expect(sql)) };
    assert_eq!(
        pick(
            &read("SELECT * FROM analyst_person_names").await,
            &[
                "person_key",
                "kind",
                "full_name",
                "given_names",
                "family_name",
                "name_key",
                "current",
                "grading",
                "sources"
            ]
        ),
        [
            json!({"person_key": "p1", "kind": "primary", "full_name": "Ana HOXHA", "given_names": "Ana", "family_name": "HOXHA", "name_key": "ana hoxha", "current": 1, "grading": "1/A/P", "sources": 1})
        ]
    );
    assert_eq!(
        pick(
            &read("SELECT * FROM analyst_person_birth_dates").await,
            &["date_of_birth", "precision", "earliest", "latest"]
        ),
        [
            json!({"date_of_birth": "1990-01-02", "precision": "day", "earliest": "1990-01-02", "latest": "1990-01-02"})
        ]
    );
    assert_eq!(
        pick(
            &read("SELECT * FROM analyst_person_nationalities").await,
            &["kind", "country", "country_text"]
        ),
        [json!({"kind": "nationality", "country": "ALB", "country_text": "Albanian"})]
    );
    assert_eq!(
        pick(
            &read("SELECT * FROM analyst_person_identifiers").await,
            &[
                "person_key",
                "identifier_type",
                "identifier",
                "country",
                "entity_key"
            ]
        ),
        [
            json!({"person_key": "p1", "identifier_type": "passport", "identifier": "AB 123456", "country": "ALB", "entity_key": "o1"})
        ]
    );
    assert_eq!(
        pick(
            &read("SELECT * FROM analyst_person_addresses").await,
            &["kind", "postcode"]
        ),
        [json!({"kind": "recorded", "postcode": "B1 1AA"})]
    );
    assert_eq!(
        pick(
            &read("SELECT * FROM analyst_persons").await,
            &[
                "person_key",
                "family_name",
                "source_records",
                "primary_name",
                "all_names",
                "all_dates_of_birth",
                "all_nationalities",
                "names",
                "identifiers"
            ]
        ),
        [
            json!({"person_key": "p1", "family_name": "HOXHA", "source_records": 1, "primary_name": "Ana HOXHA", "all_names": "Ana HOXHA", "all_dates_of_birth": "1990-01-02", "all_nationalities": "ALB", "names": 1, "identifiers": 1})
        ]
    );
    // The run and file ledgers, quarantine and field counts kept, with no
    // record skipped and no value marked not known.
    assert_eq!(
        read(
            "SELECT r.records_read, r.records_quarantined, r.records_skipped, f.records_skipped AS file_skipped,
                    (SELECT COUNT(*) FROM quarantine) AS quarantined,
                    (SELECT SUM(not_known) FROM field_stats) AS not_known
             FROM ingest_runs r JOIN source_files f ON f.run_id = r.run_id"
        )
        .await,
        [json!({"records_read": 2, "records_quarantined": 1, "records_skipped": 0, "file_skipped": 0, "quarantined": 1, "not_known": 0})]
    );
}

/// A v5 warehouse holding data migrates to v6 on SQLite: its tables
/// rebuilt for the new counts keep their rows and foreign keys, and the
/// views show its values.
#[tokio::test]
async fn a_v5_sqlite_warehouse_migrates_to_v6_showing_its_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let v5 = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let options = crate::connect::sqlite_options(&url).expect("options");
    let pool = SqlitePool::connect_with(options.create_if_missing(true))
        .await
        .expect("connects");
    sqlx::migrate::Migrator::new(migrations_before_v6("sqlite", v5.path()))
        .await
        .expect("v5 migrations")
        .run(&pool)
        .await
        .expect("migrates to v5");
    execute(&Db::Sqlite(pool.clone()), V5_DATA).await;
    pool.close().await;

    let warehouse = Warehouse::open(&url).await.expect("migrates to v6");
    let Db::Sqlite(pool) = &*warehouse.db else {
        unreachable!("a sqlite URL")
    };
    let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .expect("version");
    assert_eq!(version, schema_version());
    v6_shows_the_v5_values(&warehouse).await;
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(pool)
        .await
        .expect("foreign key check");
    assert!(broken.is_empty(), "{broken:?}");
    // The rebuilt tables still check what they checked, and the new sum.
    for (sql, refused) in [
        (
            "INSERT INTO quarantine (run_id, file_id, locator, reason, raw_record)
             VALUES (1, 99, 'x', 'y', '{}')",
            "FOREIGN KEY constraint failed",
        ),
        (
            "UPDATE ingest_runs SET records_skipped = 1",
            "CHECK constraint failed",
        ),
        (
            "UPDATE source_files SET records_read = 3",
            "CHECK constraint failed",
        ),
    ] {
        let error = sqlx::query(sql).execute(pool).await.expect_err(sql);
        assert!(error.to_string().contains(refused), "{sql}: {error}");
    }
    sqlx::query("UPDATE ingest_runs SET records_read = 3, records_skipped = 1")
        .execute(pool)
        .await
        .expect("read = loaded + quarantined + skipped");
    warehouse.close().await;
}

/// The same on PostgreSQL, whose CHECKs are altered in place.
#[tokio::test]
async fn a_v5_postgres_warehouse_migrates_to_v6_showing_its_values() {
    let database = create_postgres("v5_to_v6");
    let v5 = tempfile::tempdir().expect("temp dir");
    let pool = PgPool::connect(database.url()).await.expect("connects");
    sqlx::migrate::Migrator::new(migrations_before_v6("postgres", v5.path()))
        .await
        .expect("v5 migrations")
        .run(&pool)
        .await
        .expect("migrates to v5");
    execute(&Db::Postgres(pool.clone()), V5_DATA).await;
    pool.close().await;

    let warehouse = Warehouse::open(database.url())
        .await
        .expect("migrates to v6");
    v6_shows_the_v5_values(&warehouse).await;
    let Db::Postgres(pool) = &*warehouse.db else {
        unreachable!("a postgres URL")
    };
    let error = sqlx::query("UPDATE ingest_runs SET records_skipped = 1")
        .execute(pool)
        .await
        .expect_err("read = loaded + quarantined + skipped");
    assert!(error.to_string().contains("ingest_runs_check"), "{error}");
    sqlx::query("UPDATE ingest_runs SET records_read = 3, records_skipped = 1")
        .execute(pool)
        .await
        .expect("read = loaded + quarantined + skipped");
    warehouse.close().await;
}
