//! `jstac explain ID`: a resolved person (or the one a person key belongs
//! to): its records, each link holding them together with its features'
//! weights and the total, and the strongest candidate kept apart and why.
//! Analysts may see names here: this is the analyst's own output on
//! stdout, not a log.

use std::process::ExitCode;

use anyhow::{Result, bail};
use jstac_warehouse::{Reference, Warehouse};
use serde_json::Value as Json;

use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A resolved ID, a retired one, or a person key.
    pub id: String,
}

fn features(json: &str) -> String {
    let Ok(Json::Array(items)) = serde_json::from_str::<Json>(json) else {
        return String::new();
    };
    items
        .iter()
        .map(|i| {
            format!(
                "{} {} {:+.2}",
                i["feature"].as_str().unwrap_or(""),
                i["level"]
                    .as_str()
                    .map(|l| format!("({l})"))
                    .unwrap_or_default(),
                i["weight"].as_f64().unwrap_or(0.0)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn run(settings: &Settings, args: ExplainArgs) -> Result<ExitCode> {
    let warehouse = Warehouse::open_read_only(&settings.warehouse_url).await?;
    let id = match warehouse.resolve_reference(&args.id).await? {
        Reference::Resolved(id) => id,
        Reference::Record {
            resolved: Some(id), ..
        } => {
            println!("record {} belongs to {id}", args.id);
            id
        }
        Reference::Record { resolved: None, .. } => {
            bail!(
                "record {} is not resolved yet: run `jstac resolve`",
                args.id
            )
        }
        Reference::Retired { id, now } => {
            for (to, kind) in &now {
                println!("{id}: {kind} -> {to}");
            }
            bail!("{id} is no longer a resolved person; explain one of the IDs above")
        }
        Reference::Unknown => bail!("no resolved person or person record {}", args.id),
    };
    let records = warehouse.resolved_records(&id).await?;
    let edges = warehouse.resolution_edges(&id).await?;
    warehouse.close().await;
    println!("resolved person {id}: {} record(s)", records.len());
    for r in &records {
        println!(
            "  {}  {} / {}  {}  born {}  {}",
            r.person_key,
            r.agency,
            r.dataset,
            r.name.as_deref().unwrap_or("(no name)"),
            r.date_of_birth.as_deref().unwrap_or("?"),
            r.nationality.as_deref().unwrap_or("")
        );
    }
    let (apart, links): (Vec<_>, Vec<_>) = edges.iter().partition(|e| e.kind == "kept apart");
    if !links.is_empty() {
        println!("links holding it together:");
    }
    for e in links {
        match e.weight {
            Some(w) => println!(
                "  {} - {}: total {w:+.2} (probability {:.4}): {}",
                e.a,
                e.b,
                e.probability.unwrap_or(0.0),
                features(&e.features)
            ),
            None => println!(
                "  {} - {}: {}",
                e.a,
                e.b,
                e.reason.as_deref().unwrap_or(&e.kind)
            ),
        }
    }
    for e in apart {
        println!(
            "nearest candidate kept apart: {} - {}: total {:+.2} (probability {:.4}): {}",
            e.a,
            e.b,
            e.weight.unwrap_or(0.0),
            e.probability.unwrap_or(0.0),
            features(&e.features)
        );
        println!("  why apart: {}", e.reason.as_deref().unwrap_or("-"));
    }
    Ok(ExitCode::SUCCESS)
}
