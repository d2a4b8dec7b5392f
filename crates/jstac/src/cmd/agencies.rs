//! `jstac agencies`: the agencies pipelines may name: the bundled ones and
//! the deployment's own (`[agencies.CODE]` in `jstac.toml`).

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use crate::output::{self, Format};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct AgenciesArgs {
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub fn run(settings: &Settings, args: AgenciesArgs) -> Result<ExitCode> {
    let rows: Vec<Vec<serde_json::Value>> = settings
        .registry
        .iter()
        .map(|agency| {
            vec![
                json!(agency.code),
                json!(agency.name),
                json!(agency.kind.name()),
                json!(agency.origin.name()),
            ]
        })
        .collect();
    let columns = ["code", "name", "kind", "source"].map(String::from);
    output::print(&columns, &rows, args.format)?;
    Ok(ExitCode::SUCCESS)
}
