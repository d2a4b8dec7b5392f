//! Where the writers put their files, what they wrote, and the ground
//! truth rows they record as they go.

use std::path::{Path, PathBuf};

use crate::date::Date;
use crate::error::{Result, SynthError};
use crate::summary::Summary;
use crate::world::Person;

/// One row of the ground truth: a source record naming a person.
pub(super) struct Truth {
    pub agency: &'static str,
    pub file: String,
    pub position: String,
    pub record_ref: String,
    pub person: String,
    /// The person index, and what the record says of them.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the noise-rate tests"))]
    pub written: (usize, Written),
}

/// What a record says of the person it names, as the pipeline will read
/// it (the family name and given names as their normalisers take them):
/// kept in memory for the tests that measure the noise.
#[derive(Debug, Clone, Default)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the noise-rate tests"))]
pub(super) struct Written {
    pub family: String,
    pub given: String,
    pub dob: Option<Date>,
    pub phone: Option<String>,
    pub document: Option<String>,
}

pub(super) struct Out<'a> {
    dir: &'a Path,
    pub summary: Summary,
    pub truth: Vec<Truth>,
}

impl Out<'_> {
    pub fn new(dir: &Path) -> Out<'_> {
        Out {
            dir,
            summary: Summary::default(),
            truth: Vec::new(),
        }
    }

    pub fn path(&self, relative: &str) -> Result<PathBuf> {
        let path = self.dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SynthError::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        Ok(path)
    }

    pub fn done(&mut self, relative: &str, records: usize) {
        self.summary.files.push((PathBuf::from(relative), records));
    }

    pub fn truth(
        &mut self,
        agency: &'static str,
        file: &str,
        position: String,
        record_ref: String,
        person: &Person,
        written: Written,
    ) {
        self.truth.push(Truth {
            agency,
            file: file.to_owned(),
            position,
            record_ref,
            person: person.truth_id(),
            written: (person.id - 1, written),
        });
    }
}

/// Writes a text file whole.
pub(super) fn write_text(out: &Out, relative: &str, text: &str) -> Result<()> {
    let path = out.path(relative)?;
    std::fs::write(&path, text).map_err(io_err(&path))
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.to_owned(),
        source,
    }
}

pub(super) fn csv_err(path: &Path) -> impl FnOnce(csv::Error) -> SynthError + '_ {
    move |e| SynthError::Format {
        path: path.to_owned(),
        message: e.to_string(),
    }
}
