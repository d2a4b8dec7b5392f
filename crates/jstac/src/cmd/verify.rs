//! `jstac verify`: the hash-chained ledger recomputed, each loaded file's
//! rows digested again, and every entity, link and value row derived again
//! from the records (in a transaction rolled back) and compared. Exit 1
//! naming each table and file that differ.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use jstac_warehouse::Warehouse;

use crate::rederive::{pipeline_sha256, rederive};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// At most this many differing rows reported per table.
    #[arg(long, default_value_t = 20)]
    limit: i64,
}

pub async fn run(settings: &Settings, args: VerifyArgs) -> Result<ExitCode> {
    let warehouse = Warehouse::open(&settings.warehouse_url).await?;
    let mut problems: Vec<String> = warehouse
        .check_ledger()
        .await?
        .into_iter()
        .map(|p| {
            format!(
                "{}: {}{}",
                p.table,
                p.file.map(|f| format!("file {f}: ")).unwrap_or_default(),
                p.message
            )
        })
        .collect();
    let mut rebuild = warehouse.begin_verify().await?;
    let rederived = match rederive(settings, &mut rebuild).await {
        Ok(done) => done,
        Err((failure, message)) => {
            rebuild.rollback().await?;
            eprintln!("error: rows cannot be derived again from their records: {message}");
            return Ok(ExitCode::from(failure.exit_code()));
        }
    };
    for row in rebuild.differences(args.limit).await? {
        problems.push(format!(
            "{}: {}row {} {} outside jstac (not what its records give)",
            row.table,
            row.file.map(|f| format!("file {f}: ")).unwrap_or_default(),
            row.key,
            match row.what {
                "missing" => "deleted or changed",
                _ => "changed or added",
            }
        ));
    }
    // A pipeline edited since a file loaded gives other rows: say so, as
    // the likely cause of differences in its rows.
    let mut changed = Vec::new();
    for link in warehouse.ledger_loads().await? {
        if let Some(path) = warehouse.run_pipeline_path(link.run_id).await? {
            let now = pipeline_sha256(Path::new(&path)).unwrap_or_default();
            if now != link.pipeline_sha256 && !changed.contains(&path) {
                changed.push(path);
            }
        }
    }
    for path in &changed {
        eprintln!(
            "note: pipeline {path} changed since it loaded files: their rows were derived with today's"
        );
    }
    if problems.is_empty() {
        println!(
            "verified: the ledger's chain, every loaded file's rows, and every row derived again from {} record(s) of {} file(s)",
            rederived.records, rederived.files
        );
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        println!("{problem}");
    }
    eprintln!(
        "error: {} difference(s) found: the warehouse was changed outside jstac",
        problems.len()
    );
    Ok(ExitCode::from(1))
}
