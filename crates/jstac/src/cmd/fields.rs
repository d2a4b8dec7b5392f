//! `jstac fields`: what each normaliser, lookup and date column did in a
//! run (default: every run of the latest `jstac run`).

use std::process::ExitCode;

use anyhow::Result;
use jstac_warehouse::Warehouse;
use serde_json::{Value as Json, json};

use crate::output::{self, Format};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct FieldsArgs {
    /// One run (default: every run of the latest `jstac run`).
    #[arg(long)]
    run: Option<i64>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub async fn run(settings: &Settings, args: FieldsArgs) -> Result<ExitCode> {
    let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
    let stats = warehouse.field_stats(args.run).await?;
    let columns = [
        "run",
        "rule",
        "field",
        "normaliser",
        "normalised",
        "unmatched",
        "quarantined",
        "not_known",
    ]
    .map(String::from);
    let rows: Vec<Vec<Json>> = stats
        .into_iter()
        .map(|f| {
            vec![
                json!(f.run_id),
                json!(f.rule),
                json!(f.field),
                json!(f.normaliser),
                json!(f.normalised),
                json!(f.unmatched),
                json!(f.quarantined),
                json!(f.not_known),
            ]
        })
        .collect();
    output::print(&columns, &rows, args.format)?;
    Ok(ExitCode::SUCCESS)
}
