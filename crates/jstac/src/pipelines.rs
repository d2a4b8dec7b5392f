//! Pipeline files: read with the `toml` crate (`jstac_core::pipeline::read`),
//! checked before any data is read; every mistake named by file, line,
//! column and key.

use std::path::{Path, PathBuf};

use jstac_core::pipeline::{CheckedPipeline, KeySpans, Located, PipelineFile};
use jstac_core::{AgencyRegistry, PipelineSpec, SpecError};

/// A pipeline file that has passed its static checks.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub path: PathBuf,
    pub spec: PipelineSpec,
    pub checked: CheckedPipeline,
    /// Where each key is written, to place mistakes found later (a field
    /// the file lacks, a plugin option) at their line and column.
    pub spans: KeySpans,
}

/// The mistakes of a pipeline file's text, each with its line and column
/// where it has one: `pipelines/x.toml:12:15: entities.person.columns.family_name.normalise: ...`.
#[derive(Debug)]
pub struct FileErrors {
    pub path: PathBuf,
    pub errors: Vec<Located>,
}

impl std::fmt::Display for FileErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, located) in self.errors.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            match located.location {
                Some(location) => write!(f, "{}:{location}: ", self.path.display())?,
                None => write!(f, "{}: ", self.path.display())?,
            }
            write!(f, "{}", located.error)?;
        }
        Ok(())
    }
}

impl std::error::Error for FileErrors {}

/// Reads and checks the pipeline file at `path`; its agency must be one
/// of `agencies`. The path is kept (and shown, and recorded with its
/// runs) without `.` and `..`.
pub fn load(path: &Path, agencies: &AgencyRegistry) -> Result<Pipeline, FileErrors> {
    let path = &path_clean::clean(path);
    let fail = |message: String| FileErrors {
        path: path.to_owned(),
        errors: vec![Located {
            location: None,
            error: SpecError::new("", message),
        }],
    };
    if !path.is_file() {
        return Err(fail("no such pipeline file".into()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let PipelineFile {
        spec,
        checked,
        spans,
    } = PipelineFile::read(&text).map_err(|errors| FileErrors {
        path: path.to_owned(),
        errors,
    })?;
    if let Some(message) = agencies.unknown(&spec.agency) {
        return Err(FileErrors {
            path: path.to_owned(),
            errors: vec![spans.locate(SpecError::new("agency", message))],
        });
    }
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
        spans,
    })
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
    /// Mistakes found after the file was read (a mapped field the source
    /// lacks, a plugin option the plugin refuses), each placed at the line
    /// and column of its key, and `context` (e.g. `[reading FILE]`)
    /// appended to each message.
    pub fn errors(&self, errors: Vec<SpecError>, context: Option<&str>) -> FileErrors {
        let errors = errors
            .into_iter()
            .map(|mut error| {
                if let Some(context) = context {
                    error.message.push(' ');
                    error.message.push_str(context);
                }
                self.spans.locate(error)
            })
            .collect();
        FileErrors {
            path: self.path.clone(),
            errors,
        }
    }

    /// The source files: `source.path` as a glob relative to the pipeline
    /// file; or, with a source root (`--source-root`, `source_root`,
    /// `JSTAC_SOURCE_ROOT`), relative to the root with the path's first
    /// folder dropped: `samples/nrm_referrals/*.csv` becomes
    /// `ROOT/nrm_referrals/*.csv` (what `jstac synth --out ROOT` writes). An
    /// absolute `source.path` is used as it is. A folder that does not
    /// exist is the pipeline's mistake, unless under a source root (which
    /// need not hold every pipeline's feed).
    pub fn source_files(&self, root: Option<&Path>) -> Result<Vec<PathBuf>, FileErrors> {
        let base = self.path.parent().unwrap_or(Path::new("."));
        let error =
            |key: &str, message: String| self.errors(vec![SpecError::new(key, message)], None);
        let pattern = match root {
            Some(root) if Path::new(&self.spec.source.path).is_relative() => {
                if !root.is_dir() {
                    return Err(error(
                        "",
                        format!("source root {} is not a folder", root.display()),
                    ));
                }
                let rest = under_root(&self.spec.source.path).map_err(|reason| {
                    error("source.path", format!("{reason} (with a source root)"))
                })?;
                // A root holds the feeds of some pipelines (what `jstac
                // synth` wrote), not of every one: a folder missing under
                // it means no file, which the caller notes.
                if !root.join(literal_folder(&rest)).is_dir() {
                    return Ok(Vec::new());
                }
                // The root is a folder name, not a pattern: `[` or `*` in it
                // must match themselves.
                format!(
                    "{}/{}",
                    glob::Pattern::escape(&root.to_string_lossy()),
                    rest.to_string_lossy()
                )
            }
            _ => {
                let path = Path::new(&self.spec.source.path);
                let folder = base.join(literal_folder(path));
                if !(folder.as_os_str().is_empty() || folder.is_dir()) {
                    return Err(error(
                        "source.path",
                        format!("the folder {} does not exist", folder.display()),
                    ));
                }
                base.join(path).to_string_lossy().into_owned()
            }
        };
        let paths = glob::glob(&pattern)
            .map_err(|e| error("source.path", format!("bad glob pattern: {e}")))?;
        // Stored and shown as `samples/x/a.csv`, not
        // `pipelines/../samples/x/a.csv`: cleaned lexically, symlinks kept.
        let mut files: Vec<PathBuf> = paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .map(path_clean::clean)
            .collect();
        files.sort();
        Ok(files)
    }
}

/// The folder a glob's files must be in: its components up to the first
/// that holds a wildcard, or all but the file name when none does
/// (`data/2024-*/x.csv` → `data`; `data/a.csv` → `data`). Empty for a
/// pattern in the current folder.
fn literal_folder(pattern: &Path) -> PathBuf {
    let components: Vec<_> = pattern.components().collect();
    let literal = components
        .iter()
        .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
        .count();
    components[..literal.min(components.len().saturating_sub(1))]
        .iter()
        .collect()
}

impl Pipeline {
    /// The note for a pipeline whose folder holds no file it matches: not
    /// a fault (an inbox may be empty today), but said.
    pub fn no_files_note(&self, root: Option<&Path>) -> String {
        let under = match root {
            Some(root) if Path::new(&self.spec.source.path).is_relative() => {
                format!(" (under the source root {})", root.display())
            }
            _ => String::new(),
        };
        format!(
            "{}: source.path: no file matches {:?}{under}",
            self.path.display(),
            self.spec.source.path
        )
    }
}

/// A relative `source.path` without its first folder (`samples/x/*.csv` →
/// `x/*.csv`). Refused when there is no plain first folder to drop: one
/// component only (`*.csv`), or a start in `.` or `..`.
fn under_root(path: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let mut components = Path::new(path).components();
    match (components.next(), components.as_path()) {
        (Some(Component::Normal(first)), rest)
            if !rest.as_os_str().is_empty()
                && !first.to_string_lossy().contains(['*', '?', '[']) =>
        {
            if rest
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
            {
                Err(format!("{path:?} holds . or .. after its first folder"))
            } else {
                Ok(rest.to_owned())
            }
        }
        _ => Err(format!(
            "{path:?} has no first folder to replace with the root (write it like samples/NAME/*.csv)"
        )),
    }
}

#[cfg(test)]
mod source_root_tests {
    use super::{literal_folder, under_root};
    use std::path::{Path, PathBuf};

    #[test]
    fn the_folder_of_a_glob_is_its_part_before_any_wildcard() {
        for (pattern, folder) in [
            ("data/*.csv", "data"),
            ("data/a.csv", "data"),
            ("a/b/2024-*/c/*.xml", "a/b"),
            ("*.csv", ""),
            ("x.csv", ""),
            ("/srv/in/*.csv", "/srv/in"),
            ("../samples/x/[ab].csv", "../samples/x"),
        ] {
            assert_eq!(literal_folder(Path::new(pattern)), PathBuf::from(folder));
        }
    }

    #[test]
    fn a_source_root_replaces_the_first_folder() {
        assert_eq!(
            under_root("samples/nrm_referrals/*.csv"),
            Ok(PathBuf::from("nrm_referrals/*.csv"))
        );
        for refused in [
            "*.csv",
            "./samples/x/*.csv",
            "../x/*.csv",
            "samples/../x/*.csv",
            "sam*/x.csv",
        ] {
            assert!(under_root(refused).is_err(), "{refused}");
        }
    }
}
