//! The jstac warehouse: the only crate that knows SQL.
//!
//! A SQLite file (the embedded default) whose schema is created and upgraded
//! by migrations embedded in the binary. Loads are transactional per file
//! ([`FileLoad`]): the file's ledger row, its rows and its quarantine commit
//! together or not at all.

mod bulk;
mod load;
mod read;
mod reports;
mod snapshot;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

pub use load::{CHUNK_RECORDS, FileLoad, FileStart, FileSummary};
pub use read::{FieldStatsRow, FileRow, QuarantineRow, QueryResult, RunFilter, RunRow};
pub use snapshot::{TableRows, VARYING_COLUMNS};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

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
    #[error("unsupported warehouse URL {0:?}: use sqlite://PATH")]
    UnsupportedUrl(String),
    #[error("{0}")]
    Sql(#[from] sqlx::Error),
    #[error("warehouse: {0}")]
    Sqlite(String),
}

pub type Result<T, E = WarehouseError> = std::result::Result<T, E>;

/// The highest schema version this build knows.
pub fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// A connection pool to the warehouse.
#[derive(Debug, Clone)]
pub struct Warehouse {
    pool: SqlitePool,
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

fn connect_options(url: &str) -> Result<SqliteConnectOptions> {
    if !url.starts_with("sqlite:") {
        return Err(WarehouseError::UnsupportedUrl(url.to_owned()));
    }
    SqliteConnectOptions::from_str(url).map_err(|source| WarehouseError::Connect {
        url: url.to_owned(),
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

impl Warehouse {
    /// Opens (creating if needed) the warehouse for loading and brings its
    /// schema up to date. Refuses a schema newer than this build knows.
    pub async fn open(url: &str) -> Result<Warehouse> {
        let options = connect_options(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        // Two runners opening a new warehouse at once would both create it
        // and both run migration 1: a lock file beside it takes turns.
        let _migrating =
            migration_lock(options.get_filename()).map_err(|source| WarehouseError::Lock {
                url: url.to_owned(),
                source,
            })?;
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .map_err(|source| WarehouseError::Connect {
                url: url.to_owned(),
                source,
            })?;
        let warehouse = Warehouse { pool };
        warehouse.check_version(url).await?;
        MIGRATOR
            .run(&warehouse.pool)
            .await
            .map_err(|source| WarehouseError::Migrate {
                url: url.to_owned(),
                source,
            })?;
        Ok(warehouse)
    }

    /// Opens an existing warehouse read-only: no statement can write to it.
    pub async fn open_read_only(url: &str) -> Result<Warehouse> {
        let options = connect_options(url)?
            .read_only(true)
            .busy_timeout(Duration::from_secs(30))
            .pragma("query_only", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|source| WarehouseError::Connect {
                url: url.to_owned(),
                source,
            })?;
        let warehouse = Warehouse { pool };
        warehouse.check_version(url).await?;
        Ok(warehouse)
    }

    async fn check_version(&self, url: &str) -> Result<()> {
        let has_table: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&self.pool)
        .await?;
        if !has_table {
            return Ok(());
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await?;
        let known = schema_version();
        match found {
            Some(found) if found > known => Err(WarehouseError::SchemaTooNew {
                url: url.to_owned(),
                found,
                known,
            }),
            _ => Ok(()),
        }
    }

    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Records the start of a run; returns its id.
    pub async fn begin_run(&self, run: &RunStart<'_>) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO ingest_runs (pipeline, pipeline_path, agency, dataset, plugin, plugin_version,
                                      started_at, status, host, process_id)
             VALUES (?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'running', ?, ?)
             RETURNING run_id",
        )
        .bind(run.pipeline)
        .bind(run.pipeline_path)
        .bind(run.agency)
        .bind(run.dataset)
        .bind(run.plugin)
        .bind(run.plugin_version)
        .bind(run.host)
        .bind(run.process_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Records how a run ended.
    pub async fn finish_run(&self, run_id: i64, outcome: &RunOutcome) -> Result<()> {
        sqlx::query(
            "UPDATE ingest_runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                    status = ?, error = ?, files_loaded = ?, files_skipped = ?, files_failed = ?,
                    records_read = ?, records_loaded = ?, records_quarantined = ?
             WHERE run_id = ?",
        )
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks as failed every run still `running` on `host` whose process is
    /// gone (it was killed): their files' transactions were never committed.
    pub async fn fail_interrupted_runs(
        &self,
        host: &str,
        is_alive: impl Fn(i64) -> bool,
    ) -> Result<u64> {
        let running: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT run_id, process_id FROM ingest_runs WHERE status = 'running' AND host = ?",
        )
        .bind(host)
        .fetch_all(&self.pool)
        .await?;
        let mut n = 0;
        for (run_id, pid) in running {
            if is_alive(pid) {
                continue;
            }
            sqlx::query(
                "UPDATE ingest_runs SET status = 'failed', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                        error = 'interrupted: process ' || process_id || ' ended before the run finished; its uncommitted file was rolled back'
                 WHERE run_id = ? AND status = 'running'",
            )
            .bind(run_id)
            .execute(&self.pool)
            .await?;
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
        let row = sqlx::query(
            "SELECT file_id, run_id FROM source_files WHERE pipeline = ? AND sha256 = ? LIMIT 1",
        )
        .bind(pipeline)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
}

#[cfg(test)]
mod tests {
    use jstac_core::catalog::{ColumnType, LINKS, TABLES};

    use super::*;

    /// The catalog (what pipelines map, what the mapping fills) and the
    /// migrated schema name the same columns with the same types.
    #[tokio::test]
    async fn the_catalog_matches_the_migrated_schema() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let warehouse = Warehouse::open(&url).await.expect("opens");
        for table in TABLES.iter().copied().chain([&LINKS]) {
            let columns: Vec<(String, String)> =
                sqlx::query_as("SELECT name, type FROM pragma_table_info(?)")
                    .bind(table.name)
                    .fetch_all(&warehouse.pool)
                    .await
                    .expect("table info");
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
}
