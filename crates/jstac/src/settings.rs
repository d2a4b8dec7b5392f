//! Settings, layered by the `config` crate: defaults, then `jstac.toml` in
//! the working directory (or `--config FILE`), then `JSTAC_*` environment
//! variables (`JSTAC_WAREHOUSE_URL`, `JSTAC_PLUGIN_DIRS=dir1:dir2`), then
//! command-line flags.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `sqlite://PATH` (created if missing).
    pub warehouse_url: String,
    /// Where `run --all` and `validate` look for pipeline files.
    pub pipelines_dir: PathBuf,
    /// Where plugins are looked for (`libjstac_plugin_NAME.so`).
    #[serde(default)]
    pub plugin_dirs: Vec<PathBuf>,
    /// Records per batch crossing the plugin boundary.
    pub batch_size: u32,
}

impl Settings {
    pub fn load(config_file: Option<&Path>) -> Result<Settings> {
        let mut builder = config::Config::builder()
            .set_default("warehouse_url", "sqlite://warehouse.db")?
            .set_default("pipelines_dir", "pipelines")?
            .set_default("batch_size", 4096)?;
        builder = match config_file {
            Some(path) => {
                builder.add_source(config::File::from(path).format(config::FileFormat::Toml))
            }
            None => builder.add_source(
                config::File::new("jstac.toml", config::FileFormat::Toml).required(false),
            ),
        };
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("JSTAC")
                    .prefix_separator("_")
                    .try_parsing(true)
                    .list_separator(":")
                    .with_list_parse_key("plugin_dirs"),
            )
            .build()
            .and_then(config::Config::try_deserialize)
            .context("reading settings (jstac.toml and JSTAC_* variables)")?;
        Ok(settings)
    }

    /// Plugin directories: those configured, then the runner's own directory
    /// and its `plugins/` subdirectory (where `cargo build` puts them).
    pub fn plugin_search_path(&self) -> Vec<PathBuf> {
        let mut dirs = self.plugin_dirs.clone();
        if let Some(exe_dir) = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_owned))
        {
            dirs.push(exe_dir.join("plugins"));
            dirs.push(exe_dir);
        }
        dirs
    }
}
