//! The schema: each backend's migrations, embedded in the binary, and the
//! version check that refuses a warehouse newer than this build.

use crate::db::{Db, Warehouse, with_pool};
use crate::error::{Result, WarehouseError, explain_migrate};
use crate::url::redact;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The highest schema version this build knows (the same on both backends).
pub fn schema_version() -> i64 {
    SQLITE_MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

impl Warehouse {
    pub(crate) async fn migrate(&self, url: &str) -> Result<()> {
        self.check_version(url).await?;
        let migrated = match &*self.db {
            Db::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await,
        };
        migrated.map_err(|source| WarehouseError::Migrate {
            url: redact(url),
            cause: explain_migrate(&source),
        })
    }

    pub(crate) async fn check_version(&self, url: &str) -> Result<()> {
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
}
