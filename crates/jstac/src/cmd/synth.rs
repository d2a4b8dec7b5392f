//! `jstac synth`: writes the synthetic multi-agency dataset of
//! `jstac-synth` under `--out`, laid out as `pipelines/samples/` is, so
//! `jstac run --all --source-root DIR` loads it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result};

#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Output directory (created if missing; files of the same names are replaced).
    #[arg(long, default_value = "synth")]
    pub out: PathBuf,
    /// Seed: the same seed and scale write byte-identical files.
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
    /// Size factor: 1 = the calibrated sizes (3,805 NRM referrals in 2016); k multiplies every count.
    #[arg(long, default_value_t = 1)]
    pub scale: u32,
}

pub fn run(args: &SynthArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let options = jstac_synth::Options {
        seed: args.seed,
        scale: args.scale,
    };
    let summary = jstac_synth::generate(&args.out, &options)
        .with_context(|| format!("writing synthetic data under {}", args.out.display()))?;
    for (file, records) in &summary.files {
        println!("{}: {records} records", args.out.join(file).display());
    }
    println!(
        "synth: seed {} scale {} | {} files, {} records, {} synthetic persons | ground truth: {} ({} rows) | {:.2} s",
        args.seed,
        args.scale,
        summary.files.len(),
        summary.records(),
        summary.persons,
        args.out.join("ground_truth.csv").display(),
        summary.truth_rows,
        started.elapsed().as_secs_f64()
    );
    println!(
        "load it: jstac run --all --source-root {}",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
