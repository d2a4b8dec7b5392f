//! The warehouse's error type and `Result` alias: a leaf every other file
//! of the crate may use.

/// Every variant's message is said once: a cause is kept as text in the
/// user's terms (`explain`), never as a `source` a caller's error chain
/// would print again.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("warehouse {url}: {cause}")]
    Connect { url: String, cause: String },
    #[error(
        "warehouse {url} has schema version {found}, newer than this jstac knows ({known}); upgrade jstac"
    )]
    SchemaTooNew { url: String, found: i64, known: i64 },
    #[error("warehouse {url}: migrating the schema: {cause}")]
    Migrate { url: String, cause: String },
    #[error("warehouse {url}: taking the schema lock {lock}: {cause}")]
    Lock {
        url: String,
        lock: String,
        cause: String,
    },
    #[error("unsupported warehouse URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl(String),
    /// The database's own words, in `explain`'s terms.
    #[error("{}", explain(.0))]
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

/// Why a SQLite warehouse cannot be written, in the user's terms.
pub(crate) const READ_ONLY: &str = "the database file is read-only (its permissions, an immutable file, a read-only mount or mode=ro); loading must write to it";

/// A database error in the user's terms: the database's message without
/// sqlx's wrapping or the server's source line (`at line 948`), what an
/// SQLite result code means for a warehouse file, and a refused
/// connection said as such.
pub(crate) fn explain(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => {
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let primary = db
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .map_or(0, |code| code & 0xff);
                match primary {
                    5 | 6 => "the database file is locked by another process".to_owned(),
                    8 => READ_ONLY.to_owned(),
                    11 => "the database file is damaged".to_owned(),
                    13 => "the disk is full".to_owned(),
                    14 => "cannot open the database file (its folder is missing or may not be written, or the file may not be read)".to_owned(),
                    26 => "the file is not a SQLite database".to_owned(),
                    _ => db.message().to_owned(),
                }
            } else {
                db.message().to_owned()
            }
        }
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "connection refused (is the server running and listening on that host and port?)"
                    .to_owned()
            }
            _ => format!("cannot connect: {io}"),
        },
        sqlx::Error::PoolTimedOut => "no connection within the time allowed".to_owned(),
        sqlx::Error::Configuration(e) => format!("bad URL: {e}"),
        sqlx::Error::Tls(e) => format!("TLS: {e}"),
        other => other.to_string(),
    }
}

/// A migration failure in the user's terms.
pub(crate) fn explain_migrate(error: &sqlx::migrate::MigrateError) -> String {
    match error {
        sqlx::migrate::MigrateError::Execute(e) => explain(e),
        sqlx::migrate::MigrateError::ExecuteMigration(e, version) => {
            format!("migration {version}: {}", explain(e))
        }
        other => other.to_string(),
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
