//! Why a plugin could not be loaded or a file read, and whose fault a
//! failed read is.

use std::path::{Path, PathBuf};

use arrow_schema::{ArrowError, DataType};
use jstac_abi::{
    ABI_MAJOR, ABI_MINOR, LOCATOR_COLUMN, RAW_COLUMN, REJECT_COLUMN, STATUS_PANICKED, Status,
};

/// Why a library could not be used as a plugin. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot load library: {message}")]
    Library { path: PathBuf, message: String },
    #[error("{path}: not a jstac plugin (no JSTAC_PLUGIN_V1 symbol)")]
    NotAPlugin { path: PathBuf },
    #[error("{path}: not a jstac plugin (bad magic in its descriptor)")]
    BadMagic { path: PathBuf },
    #[error(
        "{path}: plugin built for jstac plugin ABI {major}.{minor}; this runner speaks ABI {ABI_MAJOR}.x (rebuild the plugin against jstac-sdk)"
    )]
    AbiVersion {
        path: PathBuf,
        major: u32,
        minor: u32,
    },
    #[error(
        "{path}: plugin descriptor is {size} bytes, smaller than ABI {ABI_MAJOR}.{ABI_MINOR} requires"
    )]
    Truncated { path: PathBuf, size: u64 },
    #[error("{path}: plugin did not describe itself: {message}")]
    Describe { path: PathBuf, message: String },
}

/// Why a plugin could not open or read a file: whose fault it is, in one
/// line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The plugin's code panicked (the SDK caught it): a bug in the plugin.
    /// A 1.3 plugin says so by its status; for an older one, whose status
    /// cannot say it, the SDK's own words are the evidence (its message
    /// starts `plugin panicked`, as every SDK since 1.0 writes it).
    #[error("{path}: {message}")]
    Panicked { path: PathBuf, message: String },
    /// The plugin broke the plugin contract: a stream or a batch this
    /// runner cannot read as the ABI describes it. A bug in the plugin.
    #[error("{path}: {violation}")]
    Contract {
        path: PathBuf,
        violation: ContractViolation,
    },
    /// The plugin could not read the file and said why: missing,
    /// unreadable, not its format, or a part it cannot parse.
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },
}

/// How a plugin's stream broke the plugin contract.
#[derive(Debug, thiserror::Error)]
pub enum ContractViolation {
    #[error("plugin returned an unusable stream: {0}")]
    UnusableStream(ArrowError),
    #[error(
        "plugin stream lacks the reserved columns {:?}",
        [LOCATOR_COLUMN, REJECT_COLUMN, RAW_COLUMN]
    )]
    MissingReservedColumns,
    #[error(
        "plugin field {name:?} has type {data_type}; this runner reads Utf8, Struct<kind: UInt8, text: Utf8> and List<Utf8> columns"
    )]
    FieldType { name: String, data_type: DataType },
    #[error("plugin sent a batch of {got} columns; its schema has {expected}")]
    ColumnCount { got: usize, expected: usize },
    #[error("plugin sent a malformed column {index}: {error}")]
    MalformedColumn { index: usize, error: ArrowError },
    #[error("plugin sent a malformed typed column: {0}")]
    MalformedTypedColumn(ArrowError),
    /// (ABI 1.3) The plugin says its `get_next` succeeded, yet its batch
    /// could not be imported.
    #[error("plugin sent a batch that cannot be imported: {0}")]
    Unimportable(String),
}

/// Classifies a failure the plugin reported itself by its 1.3 `status`. A
/// plugin older than 1.3 (`None`) cannot say it panicked, so the words its
/// SDK wrote are the best evidence left.
pub(crate) fn classify_reported(file: &Path, status: Option<Status>, message: String) -> ReadError {
    let path = file.to_owned();
    let panicked = match status {
        Some(status) => status == STATUS_PANICKED,
        None => message.starts_with(LEGACY_PANIC_PREFIX),
    };
    if panicked {
        ReadError::Panicked { path, message }
    } else {
        ReadError::Data { path, message }
    }
}

/// How the SDK has always begun a caught panic's message; evidence of a
/// panic only for plugins older than ABI 1.3.
const LEGACY_PANIC_PREFIX: &str = "plugin panicked";

#[cfg(test)]
mod tests {
    use super::*;
    use jstac_abi::STATUS_ERROR;

    fn kind(error: &ReadError) -> &'static str {
        match error {
            ReadError::Panicked { .. } => "panicked",
            ReadError::Contract { .. } => "contract",
            ReadError::Data { .. } => "data",
        }
    }

    #[test]
    fn a_1_3_plugin_is_classified_by_its_status_never_by_its_words() {
        let file = Path::new("refs.txt");
        let panicked = classify_reported(file, Some(STATUS_PANICKED), "oops".into());
        assert_eq!(kind(&panicked), "panicked");
        assert_eq!(panicked.to_string(), "refs.txt: oops");
        let said = "plugin panicked at nothing: only words".to_owned();
        assert_eq!(
            kind(&classify_reported(file, Some(STATUS_ERROR), said)),
            "data"
        );
    }

    #[test]
    fn an_older_plugin_is_classified_by_what_its_sdk_wrote() {
        let file = Path::new("refs.txt");
        let panic = "plugin panicked at src/lib.rs:40: boom".to_owned();
        assert_eq!(kind(&classify_reported(file, None, panic)), "panicked");
        let error = "line 3: a ragged row".to_owned();
        assert_eq!(kind(&classify_reported(file, None, error)), "data");
    }

    #[test]
    fn a_contract_violation_names_the_file_and_the_fault() {
        let error = ReadError::Contract {
            path: PathBuf::from("refs.txt"),
            violation: ContractViolation::MissingReservedColumns,
        };
        assert_eq!(
            error.to_string(),
            "refs.txt: plugin stream lacks the reserved columns [\"_jstac_locator\", \"_jstac_reject\", \"_jstac_raw\"]"
        );
    }
}
