//! The test harness: builds the workspace once, then runs the real `jstac`
//! binary with real plugin libraries in a fresh temporary directory.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

pub use jstac_test_support::{
    POSTGRES_URL, PostgresDatabase, postgres_admin_url, psql, skip_or_fail, under_ci,
};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// `target/<profile>`, where cargo put the binary and the plugin libraries.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_owned()
}

/// Builds the runner and every plugin (test plugins included) once per test binary.
pub fn build() {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(workspace_root())
            .args(["build", "--workspace", "--quiet"]);
        if target_dir().ends_with("release") {
            command.arg("--release");
        }
        let output = command.output().expect("running cargo build");
        assert!(
            output.status.success(),
            "cargo build --workspace failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// The path of a cdylib built by this workspace, by crate name.
pub fn library(crate_name: &str) -> PathBuf {
    build();
    target_dir().join(format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        crate_name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    ))
}

/// The shared conformance data, if this checkout has `../shared` beside it.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = workspace_root().parent()?.join("shared");
    dir.is_dir().then_some(dir)
}

/// A temporary working directory with its own warehouse and plugin directory.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    /// The warehouse URL every command gets.
    pub warehouse_url: String,
    /// The PostgreSQL database behind `warehouse_url`, dropped with the sandbox.
    postgres: Option<PostgresDatabase>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A sandbox whose warehouse is a SQLite file in it (`warehouse.db`).
    pub fn new() -> Sandbox {
        build();
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("plugins")).expect("plugins dir");
        let warehouse_url = format!("sqlite://{}", dir.path().join("warehouse.db").display());
        Sandbox {
            dir,
            warehouse_url,
            postgres: None,
        }
    }

    /// A sandbox whose warehouse is a fresh database on the PostgreSQL test
    /// server.
    pub fn postgres() -> Sandbox {
        let mut sandbox = Sandbox::new();
        let database = PostgresDatabase::create("jstac_it");
        sandbox.warehouse_url = database.url().to_owned();
        sandbox.postgres = Some(database);
        sandbox
    }

    /// Whether the warehouse is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn warehouse(&self) -> PathBuf {
        self.path().join("warehouse.db")
    }

    /// Installs a test library as plugin `name` in the sandbox's plugin directory.
    pub fn install_plugin(&self, crate_name: &str, name: &str) {
        let file = format!(
            "{}jstac_plugin_{name}{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        );
        std::fs::copy(library(crate_name), self.path().join("plugins").join(file))
            .expect("copy plugin");
    }

    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write");
        path
    }

    /// The real binary in the sandbox, with its warehouse and plugins, to
    /// start as a child (`jstac schedule`).
    pub fn command(&self, args: &[&str]) -> Command {
        let warehouse = &self.warehouse_url;
        let plugins = self.path().join("plugins");
        let mut command = Command::new(target_dir().join("jstac"));
        command
            .current_dir(self.path())
            .env_remove("JSTAC_WAREHOUSE_URL")
            .env_remove("JSTAC_PLUGIN_DIRS")
            .args(["--warehouse", warehouse, "--plugin-dir"])
            .arg(&plugins)
            .args(args);
        command
    }

    /// Runs the real binary in the sandbox.
    pub fn jstac(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("running jstac")
    }

    /// Runs `jstac query` and returns its rows as JSON objects.
    pub fn query(&self, sql: &str) -> Vec<serde_json::Value> {
        let output = self.jstac(&["query", "--format", "json", sql]);
        assert!(output.status.success(), "query failed: {}", stderr(&output));
        serde_json::from_slice(&output.stdout).expect("query JSON")
    }

    /// `SELECT COUNT(*) FROM` `from` (a table, or a table and its `WHERE`
    /// clause), through `jstac query`.
    pub fn count(&self, from: &str) -> i64 {
        self.query(&format!("SELECT COUNT(*) AS n FROM {from}"))[0]["n"]
            .as_i64()
            .unwrap_or_else(|| panic!("COUNT(*) FROM {from} is not an integer"))
    }

    /// Every row of the data tables, as text: to check a failed run changed nothing.
    pub fn data_snapshot(&self) -> String {
        ["persons", "events", "links", "quarantine", "source_files"]
            .iter()
            .map(|table| {
                format!(
                    "{table}: {:?}",
                    self.query(&format!("SELECT * FROM {table} ORDER BY 1"))
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
