//! `jstac run`: runs pipelines through the run engine (`crate::run`) and
//! prints one summary line per pipeline, with what its counted columns did.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use jstac_warehouse::{FileSummary, Warehouse};

use crate::exit::{Usage, exit};
use crate::output;
use crate::run::{
    Context, Plugins, RunReport, host_name, prepare_run, process_alive, run_prepared,
};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Pipeline files.
    pipelines: Vec<PathBuf>,
    /// Run every pipeline in the pipelines directory.
    #[arg(long, conflicts_with = "pipelines")]
    all: bool,
    /// Load files again even if their content was loaded before (rows are upserted, not duplicated).
    #[arg(long)]
    force: bool,
    /// Exit 65 when any record was quarantined, not only when a file was rejected.
    #[arg(long)]
    strict: bool,
    /// Run the one pipeline named on this file instead of its
    /// `source.path` files (what `jstac schedule` runs per inbox file).
    #[arg(long, hide = true, conflicts_with = "all")]
    file: Option<PathBuf>,
}

pub async fn run(settings: Settings, args: RunArgs) -> Result<ExitCode> {
    let RunArgs {
        pipelines,
        all,
        force,
        strict,
        file,
    } = args;
    if pipelines.is_empty() && !all {
        return Err(Usage("name the pipeline files to run, or use --all".into()).into());
    }
    if file.is_some() && pipelines.len() != 1 {
        return Err(Usage("--file runs one pipeline: name exactly one".into()).into());
    }
    let paths = settings.pipeline_files(pipelines)?;
    // Every pipeline is checked before the warehouse is opened: when none
    // can run, none is created or migrated.
    let mut plugins = Plugins::default();
    let prepared: Vec<_> = paths
        .iter()
        .map(|path| prepare_run(&settings, &mut plugins, path, file.as_deref()))
        .collect();
    let mut ctx = if prepared.iter().any(Result::is_ok) {
        let warehouse = Warehouse::open(&settings.warehouse_url).await?;
        let interrupted = warehouse
            .fail_interrupted_runs(&host_name(), process_alive)
            .await?;
        if interrupted > 0 {
            eprintln!("note: marked {interrupted} interrupted run(s) as failed");
        }
        Some(Context::new(settings, warehouse))
    } else {
        None
    };
    let mut worst = None;
    let mut total = FileSummary::default();
    let mut seconds = 0.0;
    for (path, prepared) in paths.iter().zip(prepared) {
        let report = match (prepared, ctx.as_mut()) {
            (Ok(prepared), Some(ctx)) => run_prepared(ctx, &prepared, force).await,
            // (No context only when every pipeline failed its checks.)
            (Err(failure), _) => RunReport {
                pipeline: path.display().to_string(),
                failures: vec![failure],
                ..RunReport::default()
            },
            (Ok(_), None) => unreachable!("the warehouse is opened when a pipeline is prepared"),
        };
        for (_, message) in &report.failures {
            eprintln!("error: {message}");
        }
        for note in &report.notes {
            eprintln!("note: {note}");
        }
        let secs = report.elapsed.as_secs_f64();
        println!(
            "{}: run {} | files: {} loaded, {} skipped, {} failed | records: {} read, {} loaded, {} quarantined{} | {:.2} s, {:.0} records/s",
            report.pipeline,
            report.run_id.map_or("-".to_owned(), |id| id.to_string()),
            report.files_loaded,
            report.files_skipped,
            report.files_failed,
            report.records.read,
            report.records.loaded,
            report.records.quarantined,
            skipped_note(report.records.skipped),
            secs,
            if secs > 0.0 {
                report.records.read as f64 / secs
            } else {
                0.0
            },
        );
        for line in output::field_lines(&report.fields) {
            println!("  {line}");
        }
        total.read += report.records.read;
        total.loaded += report.records.loaded;
        total.quarantined += report.records.quarantined;
        total.skipped += report.records.skipped;
        seconds += secs;
        worst = worst.max(report.worst(strict));
    }
    if paths.len() > 1 {
        println!(
            "total: {} pipelines | records: {} read, {} loaded, {} quarantined{} | {:.2} s",
            paths.len(),
            total.read,
            total.loaded,
            total.quarantined,
            skipped_note(total.skipped),
            seconds
        );
    }
    if let Some(ctx) = ctx {
        if ctx.settings.resolve.after_run && total.loaded > 0 {
            let summary = crate::resolve::resolve(&ctx.settings, &ctx.warehouse, false).await?;
            println!("{summary}");
        }
        ctx.warehouse.close().await;
    }
    if total.quarantined > 0 {
        eprintln!(
            "note: {} record(s) quarantined with their reasons; see `jstac quarantine`",
            total.quarantined
        );
    }
    Ok(exit(worst))
}

/// `, N skipped` for records no rule of the pipeline applies to; nothing
/// when there are none (most pipelines apply a rule to every record).
fn skipped_note(skipped: u64) -> String {
    if skipped == 0 {
        String::new()
    } else {
        format!(", {skipped} skipped")
    }
}
