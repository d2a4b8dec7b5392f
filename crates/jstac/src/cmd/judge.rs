//! `jstac judge A B same|different|unsure --note "…"`: an analyst's
//! verdict on two person records (person keys or resolved IDs). Stored
//! with who and when; it overrides the model in this and every later
//! resolution, which runs at once.

use std::process::ExitCode;

use anyhow::{Result, bail};
use jstac_resolve::Verdict;
use jstac_warehouse::{Reference, Warehouse};

use crate::settings::Settings;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum VerdictArg {
    Same,
    Different,
    Unsure,
}

#[derive(Debug, clap::Args)]
pub struct JudgeArgs {
    /// A person key or a resolved ID.
    pub a: String,
    /// Another person key or resolved ID.
    pub b: String,
    #[arg(value_enum)]
    pub verdict: VerdictArg,
    /// Why (kept with the judgement).
    #[arg(long)]
    pub note: Option<String>,
    /// Who judges (default: the user name of the environment, `USER`).
    #[arg(long)]
    pub by: Option<String>,
}

/// The person records a reference stands for.
async fn records(warehouse: &Warehouse, reference: &str) -> Result<Vec<String>> {
    Ok(match warehouse.resolve_reference(reference).await? {
        Reference::Record { key, .. } => vec![key],
        Reference::Resolved(id) => warehouse
            .resolved_records(&id)
            .await?
            .into_iter()
            .map(|r| r.person_key)
            .collect(),
        Reference::Retired { id, now } => {
            let to: Vec<String> = now.into_iter().map(|(n, _)| n).collect();
            bail!(
                "{id} is no longer a resolved person: it now leads to {}",
                to.join(", ")
            )
        }
        Reference::Unknown => bail!("no person record or resolved person {reference}"),
    })
}

pub async fn run(settings: &Settings, args: JudgeArgs) -> Result<ExitCode> {
    let warehouse = Warehouse::open(&settings.warehouse_url).await?;
    let verdict = match args.verdict {
        VerdictArg::Same => Verdict::Same,
        VerdictArg::Different => Verdict::Different,
        VerdictArg::Unsure => Verdict::Unsure,
    };
    let by = args
        .by
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".to_owned());
    let (a, b) = (
        records(&warehouse, &args.a).await?,
        records(&warehouse, &args.b).await?,
    );
    if a.iter().any(|k| b.contains(k)) {
        bail!(
            "{} and {} share a record: judge two different records or persons",
            args.a,
            args.b
        );
    }
    // "same" joins the two (one pair is enough: each side's own links hold
    // it together); "different" and "unsure" are about every pair across.
    let pairs: Vec<(&String, &String)> = match verdict {
        Verdict::Same => vec![(&a[0], &b[0])],
        _ => a
            .iter()
            .flat_map(|x| b.iter().map(move |y| (x, y)))
            .collect(),
    };
    for (x, y) in &pairs {
        warehouse
            .add_judgement(x, y, verdict, args.note.as_deref(), &by)
            .await?;
    }
    println!(
        "judged {} {} {} ({} record pair(s))",
        args.a,
        verdict.as_str(),
        args.b,
        pairs.len()
    );
    let summary = crate::resolve::resolve(settings, &warehouse, false).await?;
    warehouse.close().await;
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}
