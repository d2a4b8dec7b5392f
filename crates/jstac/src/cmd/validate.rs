//! `jstac validate`: checks pipeline files against their plugin and the
//! field names of their source files, without loading anything (plugins
//! are needed, the warehouse is not).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::exit::{Failure, exit};
use crate::pipelines;
use crate::run::{bind, check_options, find_plugin};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    pipelines: Vec<PathBuf>,
}

pub fn run(settings: &Settings, args: ValidateArgs) -> Result<ExitCode> {
    let paths = settings.pipeline_files(args.pipelines)?;
    let mut worst = None;
    for path in &paths {
        match validate(settings, path) {
            Ok(summary) => println!("ok: {} ({summary})", path.display()),
            Err((failure, message)) => {
                eprintln!("{message}");
                worst = worst.max(Some(failure));
            }
        }
    }
    Ok(exit(worst))
}

/// One pipeline file: its spec, its plugin and options, and its mapping
/// compiled against the field names of each source file (their headers;
/// no records are read).
fn validate(settings: &Settings, path: &Path) -> Result<String, (Failure, String)> {
    let pipeline =
        pipelines::load(path, &settings.registry).map_err(|e| (Failure::Config, e.to_string()))?;
    let plugin = find_plugin(settings, &pipeline.spec.plugin).map_err(|e| e.failure(&pipeline))?;
    check_options(&pipeline, &plugin)?;
    let files = pipeline
        .source_files(settings.source_root.as_deref())
        .map_err(|e| (Failure::Config, e.to_string()))?;
    if files.is_empty() {
        eprintln!(
            "note: {}",
            pipeline.no_files_note(settings.source_root.as_deref())
        );
    }
    // A file that cannot be read or lacks fields is bad data (65), as
    // `run` rejects it; every file is looked at.
    let mut failures = Vec::new();
    for file in &files {
        let checked = plugin
            .open(file, &pipeline.spec.source.options, 1)
            .map_err(|e| Failure::of_read(&e))
            .and_then(|stream| bind(&pipeline, file, stream.fields(), &stream.shapes()));
        if let Err(failure) = checked {
            failures.push(failure);
        }
    }
    if let Some(worst) = failures.iter().map(|(failure, _)| *failure).max() {
        let lines: Vec<String> = failures.into_iter().map(|(_, line)| line).collect();
        return Err((worst, lines.join("\n")));
    }
    Ok(format!(
        "plugin {} {}, {} file(s)",
        plugin.info().name,
        plugin.info().version,
        files.len()
    ))
}
