//! The jstac warehouse: the only crate that knows SQL.
//!
//! Two backends behind one API, chosen by the warehouse URL: a SQLite file
//! (`sqlite://PATH`, the embedded default) and PostgreSQL (`postgres://…`).
//! Each has its own migrations, embedded in the binary and kept equal by a
//! test. Loads are transactional per file ([`FileLoad`]): the file's ledger
//! row, its rows and its quarantine commit together or not at all.
//!
//! Files import only downwards, never in a circle: `lib.rs` declares and
//! re-exports; `load.rs` (one file's transaction) chooses a writer,
//! `sqlite.rs` (over `bulk.rs`) or `postgres.rs`, and both write the
//! backend-neutral plan of `chunk.rs`; `connect.rs`, `migrate.rs`,
//! `ledger.rs`, `read.rs` (and `snapshot.rs`, `reports.rs` over it) add to
//! the [`Warehouse`] handle of `db.rs`; `url.rs` and `error.rs` are leaves.

mod bulk;
mod chain;
mod chunk;
mod connect;
mod db;
mod error;
mod ledger;
mod load;
mod migrate;
mod postgres;
mod read;
mod rebuild;
mod replay;
mod reports;
mod resolution;
mod resolution_read;
mod snapshot;
mod sqlite;
mod url;
#[cfg(test)]
mod values_tests;
mod verify;

pub use chain::LedgerRow;
pub use connect::SQLITE_PAGE_SIZE;
pub use db::Warehouse;
pub use error::{Result, WarehouseError};
pub use ledger::{RunOutcome, RunStart};
pub use load::{CHUNK_RECORDS, FileLoad, FileStart, FileSummary};
pub use migrate::schema_version;
pub use read::{FieldStatsRow, FileRow, LoadedFile, QuarantineRow, QueryResult, RunFilter, RunRow};
pub use rebuild::{
    Rebuild, ReplayFile, ReplayRecord, RetractSummary, RetractTarget, RetractedFile, RowDifference,
};
pub use replay::{QuarantinedRecord, ReplaySummary, ReplayedFile};
pub use resolution::ResolutionState;
pub use resolution_read::{Reference, ResolvedRecord, StoredEdge};
pub use snapshot::{TableRows, VARYING_COLUMNS};
pub use url::{Backend, redact};
pub use verify::LedgerProblem;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jstac_core::catalog::{ColumnType, Fill, LINKS, TABLES, TableDef};
    use sqlx::{PgPool, SqlitePool};

    use super::*;
    use crate::connect::sqlite_options;
    use crate::db::Db;

    /// Each table's and view's columns in order, as (name, SQLite type
    /// class): what both backends must agree on.
    type Schema = BTreeMap<String, Vec<(String, String)>>;

    async fn sqlite_schema(pool: &SqlitePool) -> Schema {
        let names: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')
             AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
        )
        .fetch_all(pool)
        .await
        .expect("tables");
        let mut schema = Schema::new();
        for (name, kind) in names {
            let columns: Vec<(String, String)> =
                sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                    .bind(&name)
                    .fetch_all(pool)
                    .await
                    .expect("table info");
            schema.insert(format!("{kind} {name}"), columns);
        }
        schema
    }

    /// PostgreSQL's schema with each type given as the SQLite type that
    /// holds the same values: `date`, `timestamptz` and `text` as TEXT, `bigint` and
    /// `boolean` as INTEGER, `numeric` as NUMERIC. (Views' column types are
    /// left out: SQLite declares none for computed columns.)
    async fn postgres_schema(pool: &PgPool) -> Schema {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT CASE t.table_type WHEN 'VIEW' THEN 'view ' ELSE 'table ' END || c.table_name,
                    c.column_name::text, c.data_type::text
             FROM information_schema.columns c
             JOIN information_schema.tables t
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '\\_sqlx%'
             ORDER BY c.table_name, c.ordinal_position",
        )
        .fetch_all(pool)
        .await
        .expect("columns");
        let mut schema = Schema::new();
        for (table, column, ty) in rows {
            let ty = match ty.as_str() {
                "text" | "date" | "timestamp with time zone" => "TEXT",
                "bigint" | "boolean" => "INTEGER",
                "numeric" => "NUMERIC",
                other => other,
            };
            schema
                .entry(table)
                .or_default()
                .push((column, ty.to_owned()));
        }
        schema
    }

    /// A fresh PostgreSQL database on the test server (`jstac-test-support`:
    /// `JSTAC_TEST_POSTGRES_URL` or this machine's), dropped with the value.
    pub(crate) fn create_postgres(name: &str) -> jstac_test_support::PostgresDatabase {
        jstac_test_support::PostgresDatabase::create(&format!("jstac_unit_{name}"))
    }

    pub(crate) async fn sqlite_warehouse(dir: &tempfile::TempDir) -> (Warehouse, SqlitePool) {
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let warehouse = Warehouse::open(&url).await.expect("opens");
        let pool = match &*warehouse.db {
            Db::Sqlite(pool) => pool.clone(),
            Db::Postgres(_) => unreachable!("a sqlite URL"),
        };
        (warehouse, pool)
    }

    /// A v4 warehouse (gradings checked by `IN` lists) migrates to v5 (and
    /// on to the latest version) with its source records as they were, the
    /// provenance view over them working, and the same grading rules
    /// enforced.
    #[tokio::test]
    async fn a_v4_sqlite_warehouse_migrates_to_v5_keeping_its_records() {
        let dir = tempfile::tempdir().expect("temp dir");
        let v4 = tempfile::tempdir().expect("temp dir");
        let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        for entry in std::fs::read_dir(&all).expect("migrations") {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("name").to_owned();
            if name.to_string_lossy().as_ref() < "0005" {
                std::fs::copy(&path, v4.path().join(name)).expect("copy");
            }
        }
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let pool = SqlitePool::connect_with(sqlite_options(&url).unwrap().create_if_missing(true))
            .await
            .expect("connects");
        sqlx::migrate::Migrator::new(v4.path())
            .await
            .expect("v4 migrations")
            .run(&pool)
            .await
            .expect("migrates to v4");
        for sql in [
            "INSERT INTO ingest_runs (run_id, pipeline, pipeline_path, agency, dataset, plugin,
                                     plugin_version, started_at, status, host, process_id)
             VALUES (1, 'p', 'p.toml', 'nca', 'd', 'xml', '1.0', '2026-01-01', 'succeeded', 'h', 1)",
            "INSERT INTO source_files (file_id, run_id, pipeline, path, size_bytes, sha256, loaded_at)
             VALUES (1, 1, 'p', 'f.xml', 1, 'ab', '2026-01-01')",
            "INSERT INTO source_records VALUES (1, 1, 1, '/r[1]', '2', 'B', 'P', '{\"a\":\"x\"}'),
                                               (1, 2, 1, '/r[2]', NULL, NULL, NULL, '{}')",
            "INSERT INTO assertions VALUES ('k1', 1, 1, 'persons', 1), ('k2', 1, 2, 'persons', 1)",
        ] {
            sqlx::query(sql).execute(&pool).await.expect(sql);
        }
        pool.close().await;

        let warehouse = Warehouse::open(&url).await.expect("migrates to v5");
        let Db::Sqlite(pool) = &*warehouse.db else {
            unreachable!("a sqlite URL")
        };
        let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(pool)
            .await
            .expect("version");
        assert_eq!(version, schema_version());
        // Rebuilt: no IN list left, its key and NOT NULLs kept.
        let table: String = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'source_records'",
        )
        .fetch_one(pool)
        .await
        .expect("table sql");
        assert!(!table.contains(" IN ("), "{table}");
        for (sql, refused) in [
            (
                "INSERT INTO source_records VALUES (1, 1, 1, 'x', NULL, NULL, NULL, '{}')",
                "UNIQUE constraint failed",
            ),
            (
                "INSERT INTO source_records VALUES (1, 9, 1, 'x', NULL, NULL, NULL, NULL)",
                "NOT NULL constraint failed",
            ),
        ] {
            let error = sqlx::query(sql).execute(pool).await.expect_err(sql);
            assert!(error.to_string().contains(refused), "{sql}: {error}");
        }
        // The view over it is back, with the columns of a new warehouse's.
        let view_columns = |pool: SqlitePool| async move {
            sqlx::query_scalar::<_, String>(
                "SELECT name FROM pragma_table_info('analyst_provenance') ORDER BY cid",
            )
            .fetch_all(&pool)
            .await
            .expect("view columns")
        };
        let fresh_dir = tempfile::tempdir().expect("temp dir");
        let (fresh, fresh_pool) = sqlite_warehouse(&fresh_dir).await;
        let expected = view_columns(fresh_pool).await;
        assert!(expected.contains(&"grading".to_owned()), "{expected:?}");
        assert_eq!(view_columns(pool.clone()).await, expected);
        fresh.close().await;
        type Record = (
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        );
        let records: Vec<Record> = sqlx::query_as(
            "SELECT record_no, locator, source_evaluation, intelligence_assessment, handling_code, raw
             FROM source_records ORDER BY record_no",
        )
        .fetch_all(pool)
        .await
        .expect("records");
        let text = |s: &str| Some(s.to_owned());
        assert_eq!(
            records,
            vec![
                (
                    1,
                    "/r[1]".into(),
                    text("2"),
                    text("B"),
                    text("P"),
                    r#"{"a":"x"}"#.into()
                ),
                (2, "/r[2]".into(), None, None, None, "{}".into()),
            ]
        );
        let gradings: Vec<Option<String>> =
            sqlx::query_scalar("SELECT grading FROM analyst_provenance ORDER BY record_no")
                .fetch_all(pool)
                .await
                .expect("provenance view");
        assert_eq!(gradings, vec![text("2/B/P"), None]);
        let insert = |no: i64, grade: [&'static str; 3]| {
            sqlx::query(
                "INSERT INTO source_records VALUES (1, $1, 1, 'x', NULLIF($2, ''), NULLIF($3, ''), NULLIF($4, ''), '{}')",
            )
            .bind(no)
            .bind(grade[0])
            .bind(grade[1])
            .bind(grade[2])
            .execute(pool)
        };
        insert(3, ["3", "E", "C"]).await.expect("a valid grading");
        insert(4, ["1", "", ""]).await.expect("a partial grading");
        for (no, bad) in [
            (5, ["4", "A", "P"]),
            (6, ["1", "F", "P"]),
            (7, ["1", "A", "X"]),
        ] {
            let error = insert(no, bad).await.expect_err("an invalid grading");
            assert!(
                error.to_string().contains("CHECK constraint failed"),
                "{error}"
            );
        }
        warehouse.close().await;
    }

    /// The catalog (what pipelines map, what the mapping fills) and the
    /// migrated schema name the same columns with the same types.
    #[tokio::test]
    async fn the_catalog_matches_the_migrated_schema() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (warehouse, pool) = sqlite_warehouse(&dir).await;
        let schema = sqlite_schema(&pool).await;
        for table in TABLES.iter().copied().chain([&LINKS]) {
            let columns = &schema[&format!("table {}", table.name)];
            let type_of = |name: &str| {
                columns
                    .iter()
                    .find(|(column, _)| column == name)
                    .map(|(_, ty)| ty.as_str())
            };
            assert_eq!(type_of(table.key_column), Some("TEXT"), "{}", table.name);
            for column in table.columns {
                let sql = match column.ty {
                    ColumnType::Text | ColumnType::Date | ColumnType::Timestamp => "TEXT",
                    ColumnType::Integer | ColumnType::Boolean => "INTEGER",
                    ColumnType::Decimal => "NUMERIC",
                };
                assert_eq!(
                    type_of(column.name),
                    Some(sql),
                    "{}.{}",
                    table.name,
                    column.name
                );
            }
            for column in table.filled {
                assert_eq!(
                    type_of(column.name),
                    Some("TEXT"),
                    "{}.{}",
                    table.name,
                    column.name
                );
            }
            // A value table: its key, owner, agency and dataset, the
            // mapped columns, the filled ones, then where it was seen.
            if table.is_value_table() {
                let owner = ["owner_table", "owner_key"];
                let expected: Vec<&str> =
                    [table.key_column, owner[0], owner[1], "agency", "dataset"]
                        .into_iter()
                        .chain(table.columns.iter().map(|c| c.name))
                        .chain(
                            table
                                .filled
                                .iter()
                                .map(|c| c.name)
                                .filter(|c| !owner.contains(c)),
                        )
                        .chain([
                            "first_run_id",
                            "last_run_id",
                            "source_file_id",
                            "source_locator",
                        ])
                        .collect();
                let actual: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
                assert_eq!(actual, expected, "{}", table.name);
            }
        }
        warehouse.close().await;
    }

    /// The two backends' migrations make the same tables and views with the
    /// same columns in the same order, of types holding the same values;
    /// on PostgreSQL, catalog columns have their natural types (dates
    /// `date`, flags `boolean`, amounts `numeric`, integers `bigint`;
    /// partial dates, such as a year of birth, `text`).
    #[tokio::test]
    async fn postgres_and_sqlite_migrations_make_the_same_schema() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (sqlite, sqlite_pool) = sqlite_warehouse(&dir).await;
        let database = create_postgres("schema");
        let postgres = Warehouse::open(database.url())
            .await
            .expect("opens postgres");
        let Db::Postgres(pg_pool) = &*postgres.db else {
            unreachable!("a postgres URL")
        };

        let lite = sqlite_schema(&sqlite_pool).await;
        let pg = postgres_schema(pg_pool).await;
        assert_eq!(
            lite.keys().collect::<Vec<_>>(),
            pg.keys().collect::<Vec<_>>(),
            "tables and views"
        );
        for (name, columns) in &lite {
            let names = |columns: &[(String, String)]| {
                columns.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>()
            };
            assert_eq!(names(columns), names(&pg[name]), "{name}: columns");
            if name.starts_with("table ") {
                assert_eq!(columns, &pg[name], "{name}: column types");
            }
        }

        for table in TABLES.iter().copied().chain([&LINKS]) {
            for column in table.columns {
                let partial = holds_partial_dates(table);
                let ty: String = sqlx::query_scalar(
                    "SELECT data_type::text FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
                )
                .bind(table.name)
                .bind(column.name)
                .fetch_one(pg_pool)
                .await
                .expect("column type");
                let expected = match column.ty {
                    ColumnType::Text => "text",
                    ColumnType::Date if partial => "text",
                    ColumnType::Date => "date",
                    ColumnType::Timestamp => "timestamp with time zone",
                    ColumnType::Integer => "bigint",
                    ColumnType::Boolean => "boolean",
                    ColumnType::Decimal => "numeric",
                };
                assert_eq!(ty, expected, "{}.{}", table.name, column.name);
            }
        }
        assert_eq!(postgres.backend(), Backend::Postgres);
        sqlite.close().await;
        postgres.close().await;
    }

    /// A table whose dates may be partial (`1968`, `1968-03`: the mapping
    /// fills their precision): its date columns are text on PostgreSQL too.
    pub(crate) fn holds_partial_dates(table: &TableDef) -> bool {
        table
            .filled
            .iter()
            .any(|column| matches!(column.fill, Fill::PrecisionOf(_)))
    }

    /// A PostgreSQL warehouse migrated by a newer jstac is refused, naming
    /// both versions, and the password is not shown.
    #[tokio::test]
    async fn a_newer_postgres_schema_is_refused() {
        let database = create_postgres("too_new");
        let url = database.url();
        let warehouse = Warehouse::open(url).await.expect("opens");
        let Db::Postgres(pool) = &*warehouse.db else {
            unreachable!("a postgres URL")
        };
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (999, 'from the future', true, '\\x00', 0)",
        )
        .execute(pool)
        .await
        .expect("fake a newer migration");
        warehouse.close().await;
        let error = Warehouse::open(url).await.expect_err("refused");
        let message = error.to_string();
        assert!(
            message.contains("schema version 999") && message.contains("upgrade jstac"),
            "{message}"
        );
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact("postgres://jstac:s3cret@db.example:5432/warehouse"),
            "postgres://jstac:***@db.example:5432/warehouse"
        );
        assert_eq!(
            redact("postgres://jstac@db.example/warehouse"),
            "postgres://jstac@db.example/warehouse"
        );
        assert_eq!(redact("sqlite://warehouse.db"), "sqlite://warehouse.db");
        assert_eq!(
            redact("postgres://jstac:pa/ss@word@db/warehouse?sslmode=require"),
            "postgres://jstac:***@db/warehouse?sslmode=require"
        );
        assert_eq!(
            redact("postgres://jstac@db/warehouse?sslmode=require&password=s3cret"),
            "postgres://jstac@db/warehouse?sslmode=require&password=***"
        );
        assert_eq!(
            redact("postgres://db/warehouse?password=s3cret"),
            "postgres://db/warehouse?password=***"
        );
        assert!(matches!(
            Backend::of_url("mysql://x:pw@h/db"),
            Err(WarehouseError::UnsupportedUrl(url)) if url == "mysql://x:***@h/db"
        ));
    }
}
