//! Pipeline files: read with the `config` crate, checked before any data is read.

use std::path::{Path, PathBuf};

use jstac_core::pipeline::CheckedPipeline;
use jstac_core::{PipelineSpec, SpecError};

/// A pipeline file that has passed its static checks.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub path: PathBuf,
    pub spec: PipelineSpec,
    pub checked: CheckedPipeline,
}

/// Problems with one pipeline file, each naming the file and the key.
#[derive(Debug)]
pub struct PipelineErrors {
    pub path: PathBuf,
    pub errors: Vec<String>,
}

impl std::fmt::Display for PipelineErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {error}", self.path.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for PipelineErrors {}

impl PipelineErrors {
    pub fn from_spec(path: &Path, errors: Vec<SpecError>) -> Self {
        PipelineErrors {
            path: path.to_owned(),
            errors: errors.iter().map(ToString::to_string).collect(),
        }
    }
}

pub fn load(path: &Path) -> Result<Pipeline, PipelineErrors> {
    let fail = |message: String| PipelineErrors {
        path: path.to_owned(),
        errors: vec![message],
    };
    if !path.is_file() {
        return Err(fail("no such pipeline file".into()));
    }
    let spec: PipelineSpec = config::Config::builder()
        .add_source(config::File::from(path).format(config::FileFormat::Toml))
        .build()
        .and_then(config::Config::try_deserialize)
        .map_err(|e| fail(clean_config_error(&e.to_string(), path)))?;
    let checked = spec
        .check()
        .map_err(|errors| PipelineErrors::from_spec(path, errors))?;
    let name = spec.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Ok(Pipeline {
        name,
        path: path.to_owned(),
        spec,
        checked,
    })
}

/// `config` appends " in FILE"; the file is already at the start of our line.
fn clean_config_error(message: &str, path: &Path) -> String {
    let suffix = format!(" in {}", path.display());
    message.strip_suffix(&suffix).unwrap_or(message).to_owned()
}

/// Every `*.toml` in `dir`, sorted.
pub fn discover(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml") && path.is_file())
        .collect();
    found.sort();
    Ok(found)
}

impl Pipeline {
    /// The source files: `source.path` as a glob relative to the pipeline file.
    pub fn source_files(&self) -> Result<Vec<PathBuf>, PipelineErrors> {
        let base = self.path.parent().unwrap_or(Path::new("."));
        let pattern = base.join(&self.spec.source.path);
        let pattern = pattern.to_string_lossy();
        let paths = glob::glob(&pattern).map_err(|e| PipelineErrors {
            path: self.path.clone(),
            errors: vec![format!("source.path: bad glob pattern: {e}")],
        })?;
        let mut files: Vec<PathBuf> = paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        Ok(files)
    }
}
