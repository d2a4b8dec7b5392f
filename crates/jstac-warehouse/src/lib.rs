//! The jstac warehouse: the only crate that knows SQL.
//!
//! Two backends behind one API, chosen by the warehouse URL: a SQLite file
//! (`sqlite://PATH`, the embedded default) and PostgreSQL (`postgres://…`).
//! Each has its own migrations, embedded in the binary and kept equal by a
//! test. Loads are transactional per file ([`FileLoad`]): the file's ledger
//! row, its rows and its quarantine commit together or not at all.

/// Runs `$body` with `$pool` bound to the warehouse's pool, whichever the
/// backend: for statements whose SQL is the same on both (`$1` parameters,
/// standard SQL).
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            crate::Db::Sqlite($pool) => $body,
            crate::Db::Postgres($pool) => $body,
        }
    };
}

mod bulk;
mod load;
mod postgres;
mod read;
mod reports;
mod snapshot;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use load::{CHUNK_RECORDS, FileLoad, FileStart, FileSummary};

/// The page size of a new SQLite warehouse (an existing one keeps its own).
/// Measured on 1M police rows: 4 KiB pages 18.8 s, 16 KiB 14.4 s, 64 KiB
/// 13.0 s. Fewer, fuller pages mean fewer B-tree balances and WAL frames;
/// 16 KiB rather than 64 keeps a small upsert in a large warehouse from
/// rewriting a 64 KiB page.
pub const SQLITE_PAGE_SIZE: u32 = 16384;
pub use read::{FieldStatsRow, FileRow, QuarantineRow, QueryResult, RunFilter, RunRow};
pub use snapshot::{TableRows, VARYING_COLUMNS};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("warehouse {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error(
        "warehouse {url} has schema version {found}, newer than this jstac knows ({known}); upgrade jstac"
    )]
    SchemaTooNew { url: String, found: i64, known: i64 },
    #[error("warehouse {url}: migrating the schema: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("warehouse {url}: taking the schema lock: {source}")]
    Lock { url: String, source: std::io::Error },
    #[error("unsupported warehouse URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl(String),
    /// Shown once: sqlx's message already holds the database's (its source
    /// would repeat it).
    #[error("{0}")]
    Sql(sqlx::Error),
    #[error("warehouse: {0}")]
    Sqlite(String),
    #[error("warehouse: {0}")]
    Postgres(String),
}

impl From<sqlx::Error> for WarehouseError {
    fn from(error: sqlx::Error) -> Self {
        WarehouseError::Sql(error)
    }
}

pub type Result<T, E = WarehouseError> = std::result::Result<T, E>;

/// The highest schema version this build knows (the same on both backends).
pub fn schema_version() -> i64 {
    SQLITE_MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Which database a warehouse URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `url`, by its scheme.
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(WarehouseError::UnsupportedUrl(redact(url)))
        }
    }
}

/// `url` with any password replaced by `***`, for messages and logs: the
/// one in the user information (`user:PASSWORD@`, whatever characters it
/// holds) and a `password=` query parameter.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let (head, rest) = url.split_at(scheme_end + 3);
    let (main, query) = match rest.rfind('?') {
        Some(q) if rest[..q].contains('@') || !rest[q..].contains('@') => rest.split_at(q),
        _ => (rest, ""),
    };
    let main = match (main.rfind('@'), main.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!("{}:***{}", &main[..colon], &main[at..])
        }
        _ => main.to_owned(),
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (name, prefix) = match pair.strip_prefix('?') {
                Some(name) => (name, "?"),
                None => (pair, ""),
            };
            if name.to_ascii_lowercase().starts_with("password=") {
                format!("{prefix}password=***")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{head}{main}{}", query.join("&"))
}

pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connection pool to the warehouse.
#[derive(Clone)]
pub struct Warehouse {
    db: std::sync::Arc<Db>,
}

impl std::fmt::Debug for Warehouse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warehouse")
            .field("backend", &self.backend())
            .finish()
    }
}

/// What a run is, as recorded when it starts.
#[derive(Debug, Clone)]
pub struct RunStart<'a> {
    pub pipeline: &'a str,
    pub pipeline_path: &'a str,
    pub agency: &'a str,
    pub dataset: &'a str,
    pub plugin: &'a str,
    pub plugin_version: &'a str,
    pub host: &'a str,
    pub process_id: i64,
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub failed: bool,
    pub error: Option<String>,
    pub files_loaded: i64,
    pub files_skipped: i64,
    pub files_failed: i64,
    pub records_read: i64,
    pub records_loaded: i64,
    pub records_quarantined: i64,
}

/// The time now, as the warehouse writes times on both backends: ISO 8601
/// UTC with milliseconds (`2026-11-29T12:00:00.000Z`), so text order is
/// time order.
pub(crate) fn now_utc() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    SqliteConnectOptions::from_str(url).map_err(|source| WarehouseError::Connect {
        url: redact(url),
        source,
    })
}

fn postgres_options(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(|source| WarehouseError::Connect {
        url: redact(url),
        source,
    })
}

/// An exclusive lock on `DB-jstac.lock`, held while a warehouse is created
/// or migrated; `None` for an in-memory database.
fn migration_lock(db: &std::path::Path) -> std::io::Result<Option<std::fs::File>> {
    let name = db.as_os_str();
    if name.is_empty() || name == ":memory:" {
        return Ok(None);
    }
    let mut lock_path = name.to_owned();
    lock_path.push("-jstac.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)?;
    // Blocks until the other runner has finished migrating (milliseconds).
    file.lock()?;
    Ok(Some(file))
}

fn connect_error(url: &str) -> impl FnOnce(sqlx::Error) -> WarehouseError + '_ {
    move |source| WarehouseError::Connect {
        url: redact(url),
        source,
    }
}

impl Warehouse {
    fn new(db: Db) -> Warehouse {
        Warehouse {
            db: std::sync::Arc::new(db),
        }
    }

    pub fn backend(&self) -> Backend {
        match &*self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens (creating a SQLite file if needed) the warehouse for loading
    /// and brings its schema up to date. Refuses a schema newer than this
    /// build knows.
    pub async fn open(url: &str) -> Result<Warehouse> {
        let warehouse = match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = sqlite_options(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true)
                    .page_size(SQLITE_PAGE_SIZE)
                    .pragma("cache_size", "-65536")
                    .pragma("temp_store", "memory");
                // Two runners opening a new warehouse at once would both
                // create it and both run migration 1: a lock file beside it
                // takes turns. (PostgreSQL migrations take an advisory lock.)
                let _migrating = migration_lock(options.get_filename()).map_err(|source| {
                    WarehouseError::Lock {
                        url: redact(url),
                        source,
                    }
                })?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(options)
                    .await
                    .map_err(connect_error(url))?;
                let warehouse = Warehouse::new(Db::Sqlite(pool));
                warehouse.migrate(url).await?;
                warehouse
            }
            Backend::Postgres => {
                // A runner that died mid-file (its machine gone, its TCP
                // connection not yet noticed) would hold its dataset's lock
                // until the server gave up on it: idle inside a transaction
                // for 15 minutes, its session ends and the lock is freed. A
                // live runner is never idle that long between chunks.
                let options = postgres_options(url)?
                    .options([("idle_in_transaction_session_timeout", "15min")]);
                let pool = PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(connect_error(url))?;
                let warehouse = Warehouse::new(Db::Postgres(pool));
                warehouse.migrate(url).await?;
                warehouse
            }
        };
        Ok(warehouse)
    }

    async fn migrate(&self, url: &str) -> Result<()> {
        self.check_version(url).await?;
        let migrated = match &*self.db {
            Db::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await,
        };
        migrated.map_err(|source| WarehouseError::Migrate {
            url: redact(url),
            source,
        })
    }

    /// Opens an existing warehouse read-only: no statement can write to it.
    pub async fn open_read_only(url: &str) -> Result<Warehouse> {
        let warehouse = match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = sqlite_options(url)?
                    .read_only(true)
                    .busy_timeout(Duration::from_secs(30))
                    .pragma("query_only", "ON");
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(connect_error(url))?;
                Warehouse::new(Db::Sqlite(pool))
            }
            Backend::Postgres => {
                // Every transaction of these sessions is read-only; queries
                // also run inside an explicit READ ONLY transaction (read.rs).
                let options =
                    postgres_options(url)?.options([("default_transaction_read_only", "on")]);
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(connect_error(url))?;
                Warehouse::new(Db::Postgres(pool))
            }
        };
        warehouse.check_version(url).await?;
        Ok(warehouse)
    }

    async fn check_version(&self, url: &str) -> Result<()> {
        let has_table: bool = match &*self.db {
            Db::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
                )
                .fetch_one(pool)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                    .fetch_one(pool)
                    .await?
            }
        };
        if !has_table {
            return Ok(());
        }
        let found: Option<i64> = with_pool!(&*self.db, |pool| {
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(pool)
                .await?
        });
        let known = schema_version();
        match found {
            Some(found) if found > known => Err(WarehouseError::SchemaTooNew {
                url: redact(url),
                found,
                known,
            }),
            _ => Ok(()),
        }
    }

    pub async fn close(self) {
        match &*self.db {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }

    /// Records the start of a run; returns its id.
    pub async fn begin_run(&self, run: &RunStart<'_>) -> Result<i64> {
        let id = with_pool!(&*self.db, |pool| {
            sqlx::query_scalar(
                "INSERT INTO ingest_runs (pipeline, pipeline_path, agency, dataset, plugin, plugin_version,
                                          started_at, status, host, process_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9)
                 RETURNING run_id",
            )
            .bind(run.pipeline)
            .bind(run.pipeline_path)
            .bind(run.agency)
            .bind(run.dataset)
            .bind(run.plugin)
            .bind(run.plugin_version)
            .bind(now_utc())
            .bind(run.host)
            .bind(run.process_id)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Records how a run ended.
    pub async fn finish_run(&self, run_id: i64, outcome: &RunOutcome) -> Result<()> {
        with_pool!(&*self.db, |pool| {
            sqlx::query(
                "UPDATE ingest_runs SET finished_at = $1,
                        status = $2, error = $3, files_loaded = $4, files_skipped = $5, files_failed = $6,
                        records_read = $7, records_loaded = $8, records_quarantined = $9
                 WHERE run_id = $10",
            )
            .bind(now_utc())
            .bind(if outcome.failed {
                "failed"
            } else {
                "succeeded"
            })
            .bind(outcome.error.as_deref())
            .bind(outcome.files_loaded)
            .bind(outcome.files_skipped)
            .bind(outcome.files_failed)
            .bind(outcome.records_read)
            .bind(outcome.records_loaded)
            .bind(outcome.records_quarantined)
            .bind(run_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Marks as failed every run still `running` on `host` whose process is
    /// gone (it was killed): their files' transactions were never committed.
    pub async fn fail_interrupted_runs(
        &self,
        host: &str,
        is_alive: impl Fn(i64) -> bool,
    ) -> Result<u64> {
        let running: Vec<(i64, i64)> = with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT run_id, process_id FROM ingest_runs WHERE status = 'running' AND host = $1",
            )
            .bind(host)
            .fetch_all(pool)
            .await?
        });
        let mut n = 0;
        for (run_id, pid) in running {
            if is_alive(pid) {
                continue;
            }
            let error = format!(
                "interrupted: process {pid} ended before the run finished; its uncommitted file was rolled back"
            );
            with_pool!(&*self.db, |pool| {
                sqlx::query(
                    "UPDATE ingest_runs SET status = 'failed', finished_at = $1, error = $2
                     WHERE run_id = $3 AND status = 'running'",
                )
                .bind(now_utc())
                .bind(&error)
                .bind(run_id)
                .execute(pool)
                .await?;
            });
            n += 1;
        }
        Ok(n)
    }

    /// The file already landed for this pipeline with this content, if any:
    /// `(file_id, run_id)`.
    pub async fn find_loaded_file(
        &self,
        pipeline: &str,
        sha256: &str,
    ) -> Result<Option<(i64, i64)>> {
        let row: Option<(i64, i64)> = with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT file_id, run_id FROM source_files WHERE pipeline = $1 AND sha256 = $2 LIMIT 1",
            )
            .bind(pipeline)
            .bind(sha256)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jstac_core::catalog::{ColumnType, LINKS, TABLES};

    use super::*;

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
    /// holds the same values: `date` and `text` as TEXT, `bigint` and
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
                "text" | "date" => "TEXT",
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
    fn create_postgres(name: &str) -> jstac_test_support::PostgresDatabase {
        jstac_test_support::PostgresDatabase::create(&format!("jstac_unit_{name}"))
    }

    async fn sqlite_warehouse(dir: &tempfile::TempDir) -> (Warehouse, SqlitePool) {
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let warehouse = Warehouse::open(&url).await.expect("opens");
        let pool = match &*warehouse.db {
            Db::Sqlite(pool) => pool.clone(),
            Db::Postgres(_) => unreachable!("a sqlite URL"),
        };
        (warehouse, pool)
    }

    /// A v4 warehouse (gradings checked by `IN` lists) migrates to v5 with
    /// its source records as they were, the provenance view over them
    /// working, and the same grading rules enforced.
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
        assert_eq!(version, 5);
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
                    ColumnType::Text | ColumnType::Date => "TEXT",
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
        }
        warehouse.close().await;
    }

    /// The two backends' migrations make the same tables and views with the
    /// same columns in the same order, of types holding the same values;
    /// on PostgreSQL, catalog columns have their natural types (dates
    /// `date`, flags `boolean`, amounts `numeric`, integers `bigint`).
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
                    ColumnType::Date => "date",
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
