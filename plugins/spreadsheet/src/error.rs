//! The plugin's errors. Messages name the file, the sheet and the cell or
//! row, never a cell's value: they reach logs.

use jstac_sdk::PluginError;

/// Why a workbook cannot be read, or why reading stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not a workbook this plugin reads (wrong format, damaged,
    /// encrypted), or cannot be opened.
    #[error("{file}: {message}")]
    Open { file: String, message: String },
    /// An option does not fit this workbook (no such sheet, empty header row).
    #[error("{file}: {message}")]
    Options { file: String, message: String },
    /// A safety limit was reached; the message names the option that raises it.
    #[error("{file}: {message}")]
    Limit { file: String, message: String },
    /// Reading stopped part-way through a sheet, at `locator` (`Encounters!C7`).
    #[error("{file}: {locator}: {message}")]
    Read {
        file: String,
        locator: String,
        message: String,
    },
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The message without the file name (the runner names the file).
    pub fn message(&self) -> String {
        match self {
            Error::Open { message, .. }
            | Error::Options { message, .. }
            | Error::Limit { message, .. } => message.clone(),
            Error::Read {
                locator, message, ..
            } => format!("{locator}: {message}"),
            Error::Io { source, .. } => source.to_string(),
        }
    }
}

/// The runner shows a plugin's error after the file's path, so the file
/// name is left out.
impl From<Error> for PluginError {
    fn from(error: Error) -> PluginError {
        match error {
            Error::Read {
                locator, message, ..
            } => PluginError::Read { locator, message },
            other => PluginError::Open(other.message()),
        }
    }
}
