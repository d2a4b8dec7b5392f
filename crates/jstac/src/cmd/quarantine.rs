//! `jstac quarantine`: the quarantined records of a run (default: the
//! latest run with any), their raw records only with `--raw`.

use std::process::ExitCode;

use anyhow::Result;
use jstac_warehouse::Warehouse;
use serde_json::{Value as Json, json};

use crate::output::{self, Format};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct QuarantineArgs {
    #[arg(long)]
    run: Option<i64>,
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// Also show the raw records (personal data).
    #[arg(long)]
    raw: bool,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub async fn run(settings: &Settings, args: QuarantineArgs) -> Result<ExitCode> {
    let QuarantineArgs {
        run,
        limit,
        raw,
        format,
    } = args;
    let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
    let entries = warehouse.quarantine(run, limit).await?;
    let mut columns = ["run", "file", "locator", "field", "reason"]
        .map(String::from)
        .to_vec();
    if raw {
        columns.push("raw_record".into());
    }
    let rows: Vec<Vec<Json>> = entries
        .into_iter()
        .map(|q| {
            let mut row = vec![
                json!(q.run_id),
                json!(q.path),
                json!(q.locator),
                json!(q.field),
                json!(q.reason),
            ];
            if raw {
                row.push(json!(q.raw_record));
            }
            row
        })
        .collect();
    output::print(&columns, &rows, format)?;
    Ok(ExitCode::SUCCESS)
}
