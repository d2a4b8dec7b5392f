//! The plugin's error type, and how the SDK reports it; a leaf every
//! module may use.

use jstac_sdk::PluginError;

/// Why a document could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    /// The options are wrong (a bad path, an undeclared prefix).
    #[error("{0}")]
    Options(String),
    /// The file's encoding cannot be read.
    #[error("{0}")]
    Encoding(String),
    /// The document is not well-formed XML, or breaks a limit; reading stops.
    #[error("line {line}{}: {message}", byte.map(|b| format!(" (byte {b})")).unwrap_or_default())]
    Malformed {
        line: u64,
        /// Byte offset in the file, for UTF-8 files.
        byte: Option<u64>,
        message: String,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<XmlError> for PluginError {
    fn from(error: XmlError) -> Self {
        match error {
            XmlError::Malformed {
                line,
                byte,
                message,
            } => PluginError::Read {
                locator: match byte {
                    Some(byte) => format!("line {line} (byte {byte})"),
                    None => format!("line {line}"),
                },
                message,
            },
            XmlError::Io(error) => PluginError::Io(error),
            other => PluginError::Open(other.to_string()),
        }
    }
}
