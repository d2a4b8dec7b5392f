//! The warehouse handle: a pool of one backend's connections, shared by
//! every part of the crate, and what those parts write the same way on
//! both backends.

use sqlx::{PgPool, SqlitePool};

use crate::url::Backend;

/// Runs `$body` with `$pool` bound to the warehouse's pool, whichever the
/// backend: for statements whose SQL is the same on both (`$1` parameters,
/// standard SQL).
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connection pool to the warehouse.
#[derive(Clone)]
pub struct Warehouse {
    pub(crate) db: std::sync::Arc<Db>,
}

impl std::fmt::Debug for Warehouse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warehouse")
            .field("backend", &self.backend())
            .finish()
    }
}

impl Warehouse {
    pub(crate) fn new(db: Db) -> Warehouse {
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
}

/// The time now, as the warehouse writes times on both backends: ISO 8601
/// UTC with milliseconds (`2026-11-29T12:00:00.000Z`), so text order is
/// time order.
pub(crate) fn now_utc() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
