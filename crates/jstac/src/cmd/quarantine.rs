//! `jstac quarantine`: the quarantined records of a run (default: every
//! run of the latest `jstac run`), their raw records only with `--raw`;
//! a list cut at `--limit` says so.

use std::process::ExitCode;

use anyhow::Result;
use jstac_warehouse::Warehouse;
use serde_json::{Value as Json, json};

use crate::output::{self, Format};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct QuarantineArgs {
    /// One run (default: every run of the latest `jstac run`).
    #[arg(long)]
    run: Option<i64>,
    /// At most this many records (a longer list says it was cut).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..))]
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
    let mut entries = warehouse.quarantine(run, limit + 1).await?;
    let cut = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
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
    let of = match run {
        Some(run) => format!("run {run}"),
        None => "the latest `jstac run`".to_owned(),
    };
    if cut {
        eprintln!(
            "note: the first {limit} quarantined records of {of} shown; there are more (--limit N)"
        );
    } else if rows.is_empty() {
        eprintln!("note: no record quarantined in {of}");
    }
    Ok(ExitCode::SUCCESS)
}
