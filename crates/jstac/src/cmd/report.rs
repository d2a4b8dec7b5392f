//! `jstac report NAME`: the analysts' reports. Every figure is counted by
//! SQL in the warehouse (`jstac-warehouse`'s `reports.rs`); this module
//! only picks the report and prints it (a table, CSV or JSON).

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use jstac_warehouse::Warehouse;
use serde_json::Value as Json;

use crate::output::{self, Format};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub report: Report,
    #[arg(long, value_enum, default_value = "table", global = true)]
    pub format: Format,
}

#[derive(Debug, clap::Subcommand)]
pub enum Report {
    /// One year's NRM referrals: total, nationalities, change on the
    /// previous year, top 10 nationalities, exploitation types, adults and minors.
    NrmSummary {
        #[arg(long, value_parser = clap::value_parser!(i32).range(1..=9998))]
        year: i32,
    },
    /// Per agency: source records loaded, persons, and persons known to
    /// other agencies by exact key (name key and date of birth).
    AgencyCoverage,
    /// Per run and counted field: values normalised, unmatched, records quarantined.
    DataQuality {
        /// Only this run (default: every run).
        #[arg(long)]
        run: Option<i64>,
    },
}

pub async fn run(settings: &Settings, args: ReportArgs) -> Result<ExitCode> {
    let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
    let mut result = match args.report {
        Report::NrmSummary { year } => warehouse.nrm_summary(year).await,
        Report::AgencyCoverage => warehouse.agency_coverage().await,
        Report::DataQuality { run } => warehouse.data_quality(run).await,
    }
    .context("report failed")?;
    // Nationalities are ISO alpha-3 codes: add the country's name for people.
    if result.columns.first().is_some_and(|c| c == "section") {
        result.columns.insert(2, "name".to_owned());
        for row in &mut result.rows {
            let name = match (&row[0], &row[1]) {
                (Json::String(section), Json::String(code)) if section == "nationality" => {
                    jstac_normalise::country::by_alpha3(code)
                        .map_or(Json::Null, |c| Json::from(c.name))
                }
                _ => Json::Null,
            };
            row.insert(2, name);
        }
    }
    warehouse.close().await;
    output::print(&result.columns, &result.rows, args.format)?;
    Ok(ExitCode::SUCCESS)
}
