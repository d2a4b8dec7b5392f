//! `jstac retract`: takes a loaded file (by path or SHA-256) or a whole run
//! out of the warehouse in one transaction, re-deriving the rows its
//! records shared with others (`crate::rederive`), and chains a ledger row
//! per file saying who, when and why.

use std::process::ExitCode;

use anyhow::Result;
use jstac_warehouse::{RetractTarget, Warehouse};

use crate::exit::Failure;
use crate::rederive::{Retracted, retract};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["file", "run"])))]
pub struct RetractArgs {
    /// The loaded file: its path as loaded, or its SHA-256.
    file: Option<String>,
    /// Retract every file of this run.
    #[arg(long)]
    run: Option<i64>,
    /// Why (kept in the ledger: say it without personal data).
    #[arg(long)]
    reason: String,
}

pub async fn run(settings: &Settings, args: RetractArgs) -> Result<ExitCode> {
    let RetractArgs { file, run, reason } = args;
    let target = match (file, run) {
        (Some(file), _) => RetractTarget::File(file),
        (None, Some(run)) => RetractTarget::Run(run),
        (None, None) => anyhow::bail!("name a file or --run"),
    };
    let warehouse = Warehouse::open(&settings.warehouse_url).await?;
    let (files, summary, rederived) = match retract(settings, &warehouse, &target, &reason).await? {
        Retracted::Done(files, summary, rederived) => (files, summary, rederived),
        Retracted::NotFound => {
            eprintln!("error: no loaded file matches {target:?}");
            return Ok(ExitCode::from(Failure::Config.exit_code()));
        }
        Retracted::Refused(code) => return Ok(code),
    };
    for path in &files {
        println!("retracted {path}");
    }
    println!(
        "{} file(s), {} record(s) retracted: {} row(s) no other record asserts deleted, {} row(s) derived again from {} record(s) of {} other file(s)",
        summary.files,
        summary.records,
        summary.rows_deleted,
        summary.rows_rederived,
        rederived.records,
        rederived.files
    );
    tracing::info!(
        files = summary.files,
        records = summary.records,
        rows_deleted = summary.rows_deleted,
        rows_rederived = summary.rows_rederived,
        "retracted"
    );
    // The resolved persons that held a retracted record are resolved
    // again (as after a run), so none stays held together by it.
    crate::resolve::after_change(settings, &warehouse).await?;
    warehouse.close().await;
    Ok(ExitCode::SUCCESS)
}
