//! `jstac pipeline test`: runs each pipeline's test (`crate::pipeline_test`)
//! and prints what passed, what was updated and every difference; exit 1
//! when rows differ.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::pipeline_test::{self, TestOutcome};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct PipelineArgs {
    #[command(subcommand)]
    command: PipelineCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PipelineCommand {
    /// Run pipelines (all in the pipelines directory by default) on the
    /// fixtures in tests/NAME/input/ beside each, into a temporary
    /// warehouse, and compare the rows with tests/NAME/expected/*.jsonl.
    /// Exit 1 when they differ.
    Test {
        pipelines: Vec<PathBuf>,
        /// Write the expected files from this run's rows (review the diff before committing).
        #[arg(long)]
        update: bool,
    },
}

pub async fn run(settings: &Settings, args: PipelineArgs) -> Result<ExitCode> {
    let PipelineCommand::Test { pipelines, update } = args.command;
    let paths = settings.pipeline_files(pipelines)?;
    let mut failed = false;
    let mut worst = None;
    for path in &paths {
        match pipeline_test::test_pipeline(settings, path, update).await {
            Ok(TestOutcome::Passed(summary)) => println!("ok: {summary}"),
            Ok(TestOutcome::Updated(summary)) => println!("updated: {summary}"),
            Ok(TestOutcome::Failed(differences)) => {
                failed = true;
                println!("FAILED: {}", path.display());
                for difference in &differences {
                    println!("  {difference}");
                }
                println!(
                    "  (if the change is intended: jstac pipeline test --update {})",
                    path.display()
                );
            }
            Err((failure, message)) => {
                eprintln!("error: {message}");
                worst = worst.max(Some(failure));
            }
        }
    }
    let passed = !failed && worst.is_none();
    if paths.len() > 1 || !passed {
        println!(
            "pipeline tests: {} pipeline(s), {}",
            paths.len(),
            if passed { "all passed" } else { "FAILED" }
        );
    }
    Ok(match worst {
        Some(failure) => ExitCode::from(failure.exit_code()),
        None if failed => ExitCode::from(1),
        None => ExitCode::SUCCESS,
    })
}
