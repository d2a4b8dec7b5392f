//! `jstac inspect FILE`: prints what the inspection (`crate::inspect`)
//! found, as text or JSON, or only the starting pipeline file (`--stub`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::inspect::{self, Request};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    file: PathBuf,
    /// Records to sample, at most.
    #[arg(long, default_value_t = 1000)]
    sample: usize,
    /// Spreadsheets: the sheet to read, by name or 0-based index (default: the first visible worksheet).
    #[arg(long)]
    sheet: Option<String>,
    /// XML: the record element path (default: the shallowest element that repeats).
    #[arg(long)]
    record: Option<String>,
    /// Show sample values as they are: personal data.
    #[arg(long)]
    unmask: bool,
    /// Print only the starting pipeline file.
    #[arg(long, conflicts_with = "format")]
    stub: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: InspectFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InspectFormat {
    Text,
    Json,
}

pub fn run(settings: &Settings, args: InspectArgs) -> Result<ExitCode> {
    let InspectArgs {
        file,
        sample,
        sheet,
        record,
        unmask,
        stub,
        format,
    } = args;
    let request = Request {
        file,
        sample: sample.max(1),
        sheet,
        record,
    };
    let inspection = match inspect::inspect(settings, &request) {
        Ok(inspection) => inspection,
        Err((failure, message)) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(failure.exit_code()));
        }
    };
    if unmask && !stub {
        eprintln!(
            "warning: sample values are shown unmasked: they are personal data; do not paste them into tickets, chats or logs"
        );
    }
    if stub {
        print!("{}", inspection.pipeline);
    } else if format == InspectFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&inspect::to_json(&inspection, unmask))?
        );
    } else {
        inspect::print_text(&inspection, unmask);
    }
    Ok(ExitCode::SUCCESS)
}
