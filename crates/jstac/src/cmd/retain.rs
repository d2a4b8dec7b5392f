//! `jstac retain`: the loaded files past their agency's (or dataset's)
//! retention period (`[agencies.CODE] retention`, settings), each file's
//! clock starting when it loaded. A dry run by default: what would go and
//! why; `--apply` retracts them through the retraction (`jstac retract`),
//! one transaction per agency and dataset, with the reason
//! `retention: …` in the ledger. An entity a newer file still asserts
//! stays (derived again from that file), so a person is kept for the
//! period after the last record about them.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};
use jstac_warehouse::{RetractTarget, Warehouse};
use serde_json::{Value as Json, json};

use crate::output::{self, Format};
use crate::rederive::{Retracted, retract};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct RetainArgs {
    /// Retract the files past retention (default: only say which).
    #[arg(long)]
    apply: bool,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub async fn run(settings: &Settings, args: RetainArgs) -> Result<ExitCode> {
    if settings.retention.is_empty() {
        eprintln!(
            "note: no retention period in the settings ([agencies.CODE] retention = \"6y\"): every file is kept"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let warehouse = Warehouse::open(&settings.warehouse_url).await?;
    let now = Utc::now();
    // Per agency, dataset and period: the files past it.
    let mut due: BTreeMap<(String, String, String), Vec<i64>> = BTreeMap::new();
    let mut rows: Vec<Vec<Json>> = Vec::new();
    let mut records = 0;
    for file in warehouse.loaded_files().await? {
        let Some((text, period)) = settings.retention.of(&file.agency, &file.dataset) else {
            continue;
        };
        let loaded = DateTime::parse_from_rfc3339(&file.loaded_at)
            .map_err(|e| anyhow::anyhow!("{}: loaded_at {:?}: {e}", file.path, file.loaded_at))?
            .with_timezone(&Utc);
        let until = loaded + chrono::Duration::from_std(*period)?;
        if until > now {
            continue;
        }
        records += file.records_loaded;
        rows.push(vec![
            json!(file.path),
            json!(file.run_id),
            json!(file.agency),
            json!(file.dataset),
            json!(file.loaded_at),
            json!(file.records_loaded),
            json!(format!(
                "{text} after load, passed {}",
                until.format("%Y-%m-%d")
            )),
        ]);
        due.entry((file.agency, file.dataset, text.clone()))
            .or_default()
            .push(file.file_id);
    }
    let columns = [
        "file",
        "run",
        "agency",
        "dataset",
        "loaded_at",
        "records",
        "retention",
    ]
    .map(String::from);
    output::print(&columns, &rows, args.format)?;
    if !args.apply {
        eprintln!(
            "note: dry run: {} file(s), {records} record(s) past retention would be retracted (--apply to retract them)",
            rows.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (mut files, mut retracted) = (0, 0);
    for ((agency, dataset, text), ids) in due {
        let reason = format!("retention: {agency}/{dataset} files are kept {text} after they load");
        match retract(settings, &warehouse, &RetractTarget::FileIds(ids), &reason).await? {
            Retracted::Done(paths, summary, _) => {
                for path in paths {
                    println!("retracted {path}");
                }
                files += summary.files;
                retracted += summary.records;
            }
            // Retracted since listed (another retain): nothing to do.
            Retracted::NotFound => {}
            Retracted::Refused(code) => return Ok(code),
        }
    }
    println!("{files} file(s), {retracted} record(s) past retention retracted");
    if retracted > 0 {
        // As after `jstac retract`: no resolved person held by a record gone.
        crate::resolve::after_change(settings, &warehouse).await?;
    }
    tracing::info!(files, records = retracted, "retention applied");
    Ok(ExitCode::SUCCESS)
}
