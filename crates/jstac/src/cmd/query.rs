//! `jstac query SQL`: a read-only query against the warehouse (the SQL is
//! the user's; the warehouse opens read-only).

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use jstac_warehouse::Warehouse;

use crate::exit::Refused;
use crate::output::{self, Format};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    sql: String,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub async fn run(settings: &Settings, args: QueryArgs) -> Result<ExitCode> {
    let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
    let result = match warehouse.query(&args.sql).await {
        Ok(result) => result,
        Err(e) => match e.refused_statement() {
            Some(reason) => return Err(Refused(format!("query refused: {reason}")).into()),
            None => return Err(e).context("query failed"),
        },
    };
    output::print(&result.columns, &result.rows, args.format)?;
    Ok(ExitCode::SUCCESS)
}
