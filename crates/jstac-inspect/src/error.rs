//! The crate's error type, a leaf every module may use.

/// Why a file could not be inspected. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("{path}: {message}")]
    Unreadable { path: String, message: String },
}

impl InspectError {
    pub(crate) fn new(path: &std::path::Path, message: impl Into<String>) -> Self {
        InspectError::Unreadable {
            path: path.display().to_string(),
            message: message.into(),
        }
    }
}
