//! What a run of the generator wrote.

use std::path::PathBuf;

/// What was written: each file (relative to the output directory) and its
/// record count (rows or XML records).
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub files: Vec<(PathBuf, usize)>,
    pub persons: usize,
    pub truth_rows: usize,
}

impl Summary {
    pub fn records(&self) -> usize {
        self.files.iter().map(|(_, n)| n).sum()
    }
}
