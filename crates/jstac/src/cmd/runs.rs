//! `jstac runs`: the run history, filtered, and one run in detail.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, TimeDelta, Utc};
use jstac_warehouse::{RunFilter, RunRow, Warehouse};
use serde_json::{Value as Json, json};

use crate::exit::{Failure, Usage};
use crate::output::{self, Format};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    command: Option<RunsCommand>,
    /// Only runs of this pipeline (its name).
    #[arg(long)]
    pipeline: Option<String>,
    /// Only runs with this status.
    #[arg(long, value_enum)]
    status: Option<Status>,
    /// Only runs started since: an RFC 3339 date or datetime
    /// (2026-11-29, 2026-11-29T08:00:00Z) or a duration back from now
    /// (30m, 24h, 7d, 2w).
    #[arg(long)]
    since: Option<String>,
    #[arg(long, default_value_t = 20)]
    limit: i64,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum RunsCommand {
    /// One run: its status and counts, the files it loaded (path, SHA-256,
    /// counts), what each normaliser and lookup did, and its error.
    Show {
        run: i64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

pub async fn run(settings: &Settings, args: RunsArgs) -> Result<ExitCode> {
    let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
    let code = match args.command {
        Some(RunsCommand::Show { run, format }) => show(&warehouse, run, format).await?,
        None => {
            list(
                &warehouse,
                args.pipeline,
                args.status,
                args.since.as_deref(),
                args.limit,
                args.format,
            )
            .await?
        }
    };
    warehouse.close().await;
    Ok(code)
}

/// A run's status, as `--status` names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Status {
    Running,
    Succeeded,
    Failed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
        }
    }
}

/// `--since`: an RFC 3339 datetime (`2026-11-29T08:00:00Z`), a date
/// (`2026-11-29`, midnight UTC), or a duration back from now as the
/// `humantime` crate reads it (`30m`, `24h`, `7d`, `2w`, `1h 30m`).
/// Returns the UTC time in the warehouse's own format, so text order is
/// time order.
fn parse_since(text: &str, now: DateTime<Utc>) -> Result<String, SinceError> {
    let text = text.trim();
    let at = if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        at.with_timezone(&Utc)
    } else if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        date.and_time(NaiveTime::MIN).and_utc()
    } else {
        let error = || SinceError(text.to_owned());
        let back = humantime::parse_duration(text).map_err(|_| error())?;
        let back = TimeDelta::from_std(back).map_err(|_| error())?;
        now.checked_sub_signed(back).ok_or_else(error)?
    };
    Ok(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// `--since` text that is neither a date nor a duration (or a duration
/// reaching back before any representable time).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "--since {0:?}: expected an RFC 3339 date or datetime (2026-11-29, 2026-11-29T08:00:00Z) or a duration (30m, 24h, 7d, 2w)"
)]
struct SinceError(String);

const RUN_COLUMNS: [&str; 14] = [
    "run",
    "pipeline",
    "plugin",
    "started_at",
    "finished_at",
    "status",
    "files_loaded",
    "files_skipped",
    "files_failed",
    "read",
    "loaded",
    "quarantined",
    "skipped",
    "error",
];

fn run_row(r: RunRow) -> Vec<Json> {
    vec![
        json!(r.run_id),
        json!(r.pipeline),
        json!(format!("{} {}", r.plugin, r.plugin_version)),
        json!(r.started_at),
        json!(r.finished_at),
        json!(r.status),
        json!(r.files_loaded),
        json!(r.files_skipped),
        json!(r.files_failed),
        json!(r.records_read),
        json!(r.records_loaded),
        json!(r.records_quarantined),
        json!(r.records_skipped),
        json!(r.error),
    ]
}

fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|&n| n.to_owned()).collect()
}

/// `jstac runs [--pipeline P] [--status S] [--since T]`: newest first.
async fn list(
    warehouse: &Warehouse,
    pipeline: Option<String>,
    status: Option<Status>,
    since: Option<&str>,
    limit: i64,
    format: Format,
) -> Result<ExitCode> {
    let since = match since.map(|s| parse_since(s, Utc::now())).transpose() {
        Ok(since) => since,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(Failure::Usage.exit_code()));
        }
    };
    let filter = RunFilter {
        pipeline,
        status: status.map(|s| s.as_str().to_owned()),
        since,
    };
    let rows: Vec<Vec<Json>> = warehouse
        .runs(&filter, limit)
        .await?
        .into_iter()
        .map(run_row)
        .collect();
    output::print(&columns(&RUN_COLUMNS), &rows, format)?;
    Ok(ExitCode::SUCCESS)
}

/// `jstac runs show ID`: the run, its files (path, SHA-256, counts), what
/// each counted column did, and its error. A table or CSV prints these as
/// sections separated by a blank line; JSON prints one object.
async fn show(warehouse: &Warehouse, run_id: i64, format: Format) -> Result<ExitCode> {
    let Some(run) = warehouse.run(run_id).await? else {
        return Err(Usage(format!(
            "no run {run_id} in the warehouse (see `jstac runs`)"
        ))
        .into());
    };
    let error = run.error.clone();
    let run = run_row(run);
    let file_columns = columns(&[
        "file",
        "path",
        "size_bytes",
        "sha256",
        "read",
        "loaded",
        "quarantined",
        "skipped",
        "loaded_at",
    ]);
    let files: Vec<Vec<Json>> = warehouse
        .run_files(run_id)
        .await?
        .into_iter()
        .map(|f| {
            vec![
                json!(f.file_id),
                json!(f.path),
                json!(f.size_bytes),
                json!(f.sha256),
                json!(f.records_read),
                json!(f.records_loaded),
                json!(f.records_quarantined),
                json!(f.records_skipped),
                json!(f.loaded_at),
            ]
        })
        .collect();
    let field_columns = columns(&[
        "rule",
        "field",
        "normaliser",
        "normalised",
        "unmatched",
        "quarantined",
        "not_known",
    ]);
    let fields: Vec<Vec<Json>> = warehouse
        .field_stats(Some(run_id))
        .await?
        .into_iter()
        .map(|f| {
            vec![
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
    let run_columns = columns(&RUN_COLUMNS);
    match format {
        Format::Json => {
            let document = json!({
                "run": output::objects(&run_columns, std::slice::from_ref(&run)).pop(),
                "files": output::objects(&file_columns, &files),
                "fields": output::objects(&field_columns, &fields),
            });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        Format::Csv => {
            output::print(&run_columns, std::slice::from_ref(&run), format)?;
            println!();
            output::print(&file_columns, &files, format)?;
            if !fields.is_empty() {
                println!();
                output::print(&field_columns, &fields, format)?;
            }
        }
        Format::Table => {
            let summary: Vec<Vec<Json>> = run_columns
                .iter()
                .zip(&run)
                .filter(|(name, _)| name.as_str() != "error")
                .map(|(name, value)| vec![json!(name), value.clone()])
                .collect();
            output::print(&columns(&["run", ""]), &summary, format)?;
            println!("\nfiles loaded by this run:");
            output::print(&file_columns, &files, format)?;
            if !fields.is_empty() {
                println!("\nnormalisers and lookups:");
                output::print(&field_columns, &fields, format)?;
            }
            if let Some(error) = error {
                println!("\nerror:");
                for line in error.lines() {
                    println!("  {line}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn since_reads_datetimes_dates_and_durations() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
            .single()
            .expect("valid time");
        assert_eq!(
            parse_since("2026-11-28T08:30:00+01:00", now).as_deref(),
            Ok("2026-11-28T07:30:00.000Z")
        );
        assert_eq!(
            parse_since("2026-11-01", now).as_deref(),
            Ok("2026-11-01T00:00:00.000Z")
        );
        assert_eq!(
            parse_since("24h", now).as_deref(),
            Ok("2026-11-28T12:00:00.000Z")
        );
        assert_eq!(
            parse_since("7d", now).as_deref(),
            Ok("2026-11-22T12:00:00.000Z")
        );
        assert_eq!(
            parse_since("30m", now).as_deref(),
            Ok("2026-11-29T11:30:00.000Z")
        );
        assert_eq!(
            parse_since("2w", now).as_deref(),
            Ok("2026-11-15T12:00:00.000Z")
        );
        assert_eq!(
            parse_since(" 1h 30m ", now).as_deref(),
            Ok("2026-11-29T10:30:00.000Z")
        );
        for bad in [
            "",
            "yesterday",
            "7",
            "7x",
            "h",
            "-1h",
            "2026-13-01",
            "99999999999999999999d",
            "300000000y",
        ] {
            assert!(parse_since(bad, now).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_since("7 parsecs", now).map_err(|e| e.to_string()),
            Err("--since \"7 parsecs\": expected an RFC 3339 date or datetime (2026-11-29, 2026-11-29T08:00:00Z) or a duration (30m, 24h, 7d, 2w)".to_owned())
        );
    }
}
