//! What every jstac test shares, whichever crate it lives in: the
//! integration harness (`jstac-tests`) re-exports it, and a library's own
//! `#[cfg(test)]` code takes it as a dev-dependency. Standard library only,
//! so depending on it costs nothing.
//!
//! - [`POSTGRES_URL`] and [`postgres_admin_url`]: the PostgreSQL test server.
//! - [`PostgresDatabase`]: a fresh database on it, dropped with the value.
//! - [`skip_or_fail`]: a test whose server or file is missing skips, saying
//!   why, but fails under CI (`CI` set), where everything must be there.
#![forbid(unsafe_code)]

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The PostgreSQL server the tests use unless `JSTAC_TEST_POSTGRES_URL` says
/// otherwise: this machine's, as `.ci/run` starts it (trust auth, database
/// `test` to connect to first).
pub const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The PostgreSQL test server: `JSTAC_TEST_POSTGRES_URL`, or [`POSTGRES_URL`].
pub fn postgres_admin_url() -> String {
    std::env::var("JSTAC_TEST_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL.to_owned())
}

/// Whether the tests run under CI: the `CI` variable is set (GitHub Actions,
/// GitLab and most others set `CI=true`).
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|value| !value.is_empty())
}

/// Skips the calling test because `reason` (a missing server, file or
/// tool, and how to provide it) — by returning, after saying so on stderr —
/// or, under CI, fails it with that reason: CI must run every test.
///
/// ```ignore
/// let Some(shared) = shared_dir() else {
///     return skip_or_fail("../shared/conformance is not beside this checkout");
/// };
/// ```
#[track_caller]
pub fn skip_or_fail(reason: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_owned();
    assert!(
        !under_ci(),
        "{test} cannot run: {reason} (CI is set, so this fails instead of skipping)"
    );
    eprintln!("SKIPPED {test}: {reason}");
}

/// Runs SQL on a PostgreSQL server with `psql` and returns its unaligned,
/// tuples-only output; panics, saying why, if `psql` cannot be started.
pub fn psql(url: &str, sql: &str) -> Output {
    Command::new("psql")
        .args([url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .unwrap_or_else(|error| {
            panic!("PostgreSQL tests need psql and a server ({error}); .ci/run installs and starts them")
        })
}

/// A fresh database on the PostgreSQL test server, dropped (with its
/// connections) when the value is, a failing test included.
#[derive(Debug)]
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    /// Creates `PREFIX_PID_N` on the test server; panics, saying how to
    /// provide the server, if it is not there.
    pub fn create(prefix: &str) -> PostgresDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let admin_url = postgres_admin_url();
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("JSTAC_TEST_POSTGRES_URL names no database: {admin_url}"),
        };
        let output = psql(&admin_url, &format!("CREATE DATABASE {name}"));
        assert!(
            output.status.success(),
            "PostgreSQL tests need a server at {admin_url} (set JSTAC_TEST_POSTGRES_URL, or run .ci/run, \
             which starts this machine's): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        PostgresDatabase {
            admin_url,
            name,
            url,
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // Best effort: a database left behind by a killed test is named
        // after its process and never reused.
        let _ = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}
