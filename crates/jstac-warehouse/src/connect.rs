//! Opening a warehouse by URL: the connection options of each backend, the
//! lock that makes two runners take turns creating a SQLite file, and
//! closing.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use sqlx::{ConnectOptions, Connection};

use crate::bulk::Handle;
use crate::db::{Db, Warehouse};
use crate::error::{READ_ONLY, Result, WarehouseError, explain};
use crate::url::{Backend, redact};

/// The page size of a new SQLite warehouse (an existing one keeps its own).
/// Measured on 1M police rows: 4 KiB pages 18.8 s, 16 KiB 14.4 s, 64 KiB
/// 13.0 s. Fewer, fuller pages mean fewer B-tree balances and WAL frames;
/// 16 KiB rather than 64 keeps a small upsert in a large warehouse from
/// rewriting a 64 KiB page.
pub const SQLITE_PAGE_SIZE: u32 = 16384;

/// How long the first connection to a PostgreSQL server may take: a
/// refused connection fails at once, a host that drops packets after this.
const POSTGRES_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    SqliteConnectOptions::from_str(url).map_err(connect_error(url))
}

fn postgres_options(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(connect_error(url))
}

fn failed(url: &str, cause: String) -> WarehouseError {
    WarehouseError::Connect {
        url: redact(url),
        cause,
    }
}

/// A SQLite file's folder must exist (the file is created in it); said
/// so, instead of SQLite's "unable to open database file".
fn check_folder(url: &str, file: &std::path::Path) -> Result<()> {
    match file.parent() {
        Some(folder) if !folder.as_os_str().is_empty() && !folder.is_dir() => {
            let what = if folder.exists() {
                "is not a folder"
            } else {
                "does not exist"
            };
            Err(failed(
                url,
                format!("the folder {} {what}", folder.display()),
            ))
        }
        _ => Ok(()),
    }
}

/// One connection made before the pool: the pool retries a refused
/// connection until its acquire timeout and then says only that it timed
/// out; this says why, at once.
async fn check_postgres(url: &str, options: &PgConnectOptions) -> Result<()> {
    match tokio::time::timeout(POSTGRES_CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(connect_error(url)(e)),
        Err(_) => Err(failed(
            url,
            format!(
                "no answer within {} s (is the host reachable?)",
                POSTGRES_CONNECT_TIMEOUT.as_secs()
            ),
        )),
    }
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
    move |source| failed(url, explain(&source))
}

impl Warehouse {
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
                check_folder(url, options.get_filename())?;
                let _migrating = migration_lock(options.get_filename()).map_err(|source| {
                    WarehouseError::Lock {
                        url: redact(url),
                        lock: format!("{}-jstac.lock", options.get_filename().display()),
                        cause: source.to_string(),
                    }
                })?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(options)
                    .await
                    .map_err(connect_error(url))?;
                {
                    let mut connection = pool.acquire().await.map_err(connect_error(url))?;
                    let mut locked = connection.lock_handle().await?;
                    if Handle::new(&mut locked).read_only() {
                        return Err(failed(url, READ_ONLY.to_owned()));
                    }
                }
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
                check_postgres(url, &options).await?;
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

    /// Opens an existing warehouse read-only: no statement can write to it.
    pub async fn open_read_only(url: &str) -> Result<Warehouse> {
        let warehouse = match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = sqlite_options(url)?;
                let file = options.get_filename();
                if !file.as_os_str().is_empty() && file != ":memory:" && !file.exists() {
                    return Err(failed(
                        url,
                        format!(
                            "there is no warehouse file {} (`jstac run` creates it)",
                            file.display()
                        ),
                    ));
                }
                let options = options
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
                check_postgres(url, &options).await?;
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

    pub async fn close(self) {
        match &*self.db {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}
