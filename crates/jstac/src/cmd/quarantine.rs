//! `jstac quarantine`: the quarantined records of a run (default: every
//! run of the latest `jstac run`), their raw records only with `--raw`;
//! a list cut at `--limit` says so. `jstac quarantine replay` maps them
//! again through the pipeline file as it is now (`crate::rederive::replay`).

use std::process::ExitCode;

use anyhow::Result;
use jstac_warehouse::Warehouse;
use serde_json::{Value as Json, json};

use crate::exit::Failure;
use crate::output::{self, Format};
use crate::run::actor;
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct QuarantineArgs {
    #[command(subcommand)]
    command: Option<QuarantineCommand>,
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

#[derive(Debug, clap::Subcommand)]
enum QuarantineCommand {
    /// Map a run's quarantined records again through its pipeline file as
    /// it is now (after a lookup or format was fixed): those that pass load
    /// into their original file (its run, file and locators), those no rule
    /// applies to now count as skipped, the rest stay quarantined. One
    /// transaction per run; a ledger row per file changed.
    Replay {
        /// This run only (default: every run with quarantined records).
        #[arg(long)]
        run: Option<i64>,
    },
}

pub async fn run(settings: &Settings, args: QuarantineArgs) -> Result<ExitCode> {
    if let Some(QuarantineCommand::Replay { run }) = args.command {
        return replay(settings, run).await;
    }
    let QuarantineArgs {
        command: _,
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

async fn replay(settings: &Settings, run: Option<i64>) -> Result<ExitCode> {
    let warehouse = Warehouse::open(&settings.warehouse_url).await?;
    let runs = match run {
        Some(run) => vec![run],
        None => warehouse.runs_with_quarantine().await?,
    };
    if runs.is_empty() {
        println!("no quarantined record to replay");
    }
    let (mut loaded, mut skipped, mut still) = (0, 0, 0);
    for run in runs {
        let Some(mut rebuild) = warehouse.begin_replay(run).await? else {
            eprintln!("error: no run {run}");
            return Ok(ExitCode::from(Failure::Config.exit_code()));
        };
        let hashes = match crate::rederive::replay(settings, &mut rebuild).await {
            Ok(hashes) => hashes,
            Err((failure, message)) => {
                rebuild.rollback().await?;
                eprintln!("error: run {run}: {message}; nothing was replayed");
                return Ok(ExitCode::from(failure.exit_code()));
            }
        };
        let summary = match rebuild.commit_replay(&actor(), &hashes).await {
            Ok(summary) => summary,
            Err(e @ jstac_warehouse::WarehouseError::Rebuild(_)) => {
                eprintln!("error: run {run}: {e}");
                return Ok(ExitCode::from(Failure::Config.exit_code()));
            }
            Err(e) => return Err(e.into()),
        };
        for (path, file_loaded, file_skipped, file_still) in summary.files {
            println!(
                "run {run} {path}: {file_loaded} loaded, {file_skipped} skipped, {file_still} still quarantined"
            );
            loaded += file_loaded;
            skipped += file_skipped;
            still += file_still;
        }
    }
    println!("replayed: {loaded} loaded, {skipped} skipped, {still} still quarantined");
    if loaded > 0 {
        // The records now loaded are resolved like any new record.
        crate::resolve::after_change(settings, &warehouse).await?;
    }
    tracing::info!(loaded, skipped, still, "quarantine replayed");
    Ok(ExitCode::SUCCESS)
}
