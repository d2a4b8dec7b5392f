//! `jstac plugins`: the plugins found on the search path, their versions
//! and formats, and why any failed to load.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::{Value as Json, json};

use crate::exit::{Failure, exit};
use crate::output::{self, Format};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct PluginsArgs {
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub fn run(settings: &Settings, args: PluginsArgs) -> Result<ExitCode> {
    let dirs = settings.plugin_search_path();
    let mut rows = Vec::new();
    let mut failed = false;
    for path in jstac_host::candidate_libraries(&dirs) {
        match jstac_host::Plugin::load(&path) {
            Ok(plugin) => {
                let info = plugin.info();
                rows.push(vec![
                    json!(info.name),
                    json!(info.version),
                    json!(info.formats.join(", ")),
                    json!(path.display().to_string()),
                    json!("ok"),
                ]);
            }
            Err(e) => {
                failed = true;
                rows.push(vec![
                    Json::Null,
                    Json::Null,
                    Json::Null,
                    json!(path.display().to_string()),
                    json!(e.to_string()),
                ]);
            }
        }
    }
    let columns = ["name", "version", "formats", "path", "status"].map(String::from);
    output::print(&columns, &rows, args.format)?;
    Ok(exit(failed.then_some(Failure::Infrastructure)))
}
