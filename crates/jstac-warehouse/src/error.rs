//! The warehouse's error type and `Result` alias: a leaf every other file
//! of the crate may use.

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
    /// A retraction could not re-derive the rows other records still
    /// assert; nothing was changed.
    #[error("{0}")]
    Rebuild(String),
}

impl From<sqlx::Error> for WarehouseError {
    fn from(error: sqlx::Error) -> Self {
        WarehouseError::Sql(error)
    }
}

pub type Result<T, E = WarehouseError> = std::result::Result<T, E>;
