//! `jstac resolve`: which person records of different agencies and
//! datasets are one person (see `crate::resolve` and `jstac-resolve`).

use std::process::ExitCode;

use anyhow::Result;
use jstac_warehouse::Warehouse;

use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct ResolveArgs {
    /// Train a new model even when the stored one fits the data.
    #[arg(long)]
    pub retrain: bool,
}

pub async fn run(settings: &Settings, args: ResolveArgs) -> Result<ExitCode> {
    let warehouse = Warehouse::open(&settings.warehouse_url).await?;
    let summary = crate::resolve::resolve(settings, &warehouse, args.retrain).await?;
    warehouse.close().await;
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}
