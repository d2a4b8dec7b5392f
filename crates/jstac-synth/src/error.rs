//! Why the dataset could not be written.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("writing {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("scale must be at least 1")]
    Scale,
}

pub type Result<T> = std::result::Result<T, SynthError>;
