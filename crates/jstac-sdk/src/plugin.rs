//! The plugin author's side of the contract: the [`Plugin`] and
//! [`RecordReader`] traits and the [`PluginError`] they report.

use std::path::Path;

use crate::batch::{BatchBuilder, FieldKind};

/// An error a plugin reports; the host shows it with the file it was reading.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The file cannot be read at all (missing, unreadable, wrong format).
    #[error("{0}")]
    Open(String),
    /// Reading stopped part-way through the file.
    #[error("{locator}: {message}")]
    Read { locator: String, message: String },
    /// An I/O error from the operating system.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One input format. Implemented by a unit struct; the SDK calls it.
pub trait Plugin: 'static {
    /// Short name pipelines use to pick the plugin (`plugin = "csv"`).
    const NAME: &'static str;
    /// The plugin's own version (usually `env!("CARGO_PKG_VERSION")`).
    const VERSION: &'static str;
    /// File formats read, as extensions without the dot.
    const FORMATS: &'static [&'static str];
    /// Options from the pipeline file's `[source.options]`. Derive
    /// `Deserialize` and `JsonSchema` and use `#[serde(deny_unknown_fields)]`:
    /// the runner checks pipeline options against the generated schema before
    /// any data is read.
    type Options: serde::de::DeserializeOwned + schemars::JsonSchema;
    /// Reads the records of one opened file.
    type Reader: RecordReader;

    /// Opens a file and reads as far as its field names (a header row).
    fn open(path: &Path, options: Self::Options) -> Result<Self::Reader, PluginError>;

    /// Checks options beyond their JSON Schema, before any file is read
    /// (`jstac validate`, and every run): each problem is a JSON pointer
    /// into the options (`/record`; empty for the whole table) and what is
    /// wrong. Report here what `open` would otherwise fail on for every file.
    fn check(options: &Self::Options) -> Vec<(String, String)> {
        let _ = options;
        Vec::new()
    }
}

/// Pulls the records of one file, a batch at a time.
pub trait RecordReader: Send + 'static {
    /// The source field names, in the order values are pushed.
    fn fields(&self) -> &[String];

    /// What field `index` holds; every field is [`FieldKind::Text`] unless
    /// the reader says otherwise.
    fn field_kind(&self, index: usize) -> FieldKind {
        let _ = index;
        FieldKind::Text
    }

    /// Appends records to `batch` until [`BatchBuilder::is_full`] or the end
    /// of the file. Returns `Ok(false)` once the file is exhausted.
    fn read_batch(&mut self, batch: &mut BatchBuilder) -> Result<bool, PluginError>;
}
