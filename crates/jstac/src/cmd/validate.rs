//! `jstac validate`: checks pipeline files against their plugin and the
//! field names of their source files, without loading anything (plugins
//! are needed, the warehouse is not).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::exit::{Failure, exit};
use crate::pipelines;
use crate::run::{check_options, find_plugin};
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
    let plugin = find_plugin(settings, &pipeline.spec.plugin).map_err(|e| {
        (
            Failure::Infrastructure,
            format!("{}: plugin: {e}", path.display()),
        )
    })?;
    check_options(&pipeline, &plugin)?;
    let files = pipeline
        .source_files(settings.source_root.as_deref())
        .map_err(|e| (Failure::Config, e.to_string()))?;
    for file in &files {
        let stream = plugin
            .open(file, &pipeline.spec.source.options, 1)
            .map_err(|e| Failure::of_read(&e))?;
        jstac_core::Mapping::compile(&pipeline.checked, stream.fields(), &stream.shapes())
            .map_err(|errors| {
                let context = format!("[reading {}]", file.display());
                (
                    Failure::Config,
                    pipeline.errors(errors, Some(&context)).to_string(),
                )
            })?;
    }
    Ok(format!(
        "plugin {} {}, {} file(s)",
        plugin.info().name,
        plugin.info().version,
        files.len()
    ))
}
