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
}

impl From<sqlx::Error> for WarehouseError {
    fn from(error: sqlx::Error) -> Self {
        WarehouseError::Sql(error)
    }
}

impl WarehouseError {
    /// The database's own words when it refused a statement for what the
    /// statement says (a syntax error, an unknown table or column, a write
    /// on a read-only warehouse, a constraint), not for the state of the
    /// connection, the disk or the server; `None` for those.
    pub fn refused_statement(&self) -> Option<String> {
        let WarehouseError::Sql(sqlx::Error::Database(error)) = self else {
            return None;
        };
        let code = error.code().unwrap_or_default();
        let refused = if error
            .try_downcast_ref::<sqlx::sqlite::SqliteError>()
            .is_some()
        {
            // Primary result codes: SQLITE_ERROR, _READONLY, _CONSTRAINT,
            // _MISMATCH, _AUTH, _RANGE (the others are I/O, locks, memory).
            let primary = code.parse::<i32>().map_or(0, |c| c & 0xff);
            matches!(primary, 1 | 8 | 19 | 20 | 23 | 25)
        } else {
            // SQLSTATE classes of the connection, resources, the operator,
            // the system and internal errors are not the statement's.
            !matches!(code.get(..2), Some("08" | "53" | "57" | "58" | "XX") | None)
        };
        refused.then(|| error.message().to_owned())
    }
}

pub type Result<T, E = WarehouseError> = std::result::Result<T, E>;
