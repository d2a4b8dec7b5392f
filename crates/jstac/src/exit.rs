//! Exit codes: the classes of failure a command reports, and the code of
//! each. A leaf module: the commands and the run engine use it; it uses
//! none of them.

use std::process::ExitCode;

use jstac_host::ReadError;

/// What went wrong, in the classes the exit code reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// The command was used wrongly: a missing or bad argument, a run
    /// that does not exist.
    Usage,
    /// A file the plugin could not read (or, with `--strict`, records quarantined).
    Data,
    /// A pipeline file or setting is wrong.
    Config,
    /// A plugin panicked or broke its contract.
    Plugin,
    /// The warehouse, a plugin library or the file system failed.
    Infrastructure,
}

impl Failure {
    pub fn exit_code(self) -> u8 {
        match self {
            Failure::Usage => 64,
            Failure::Data => 65,
            Failure::Config => 78,
            Failure::Plugin => 70,
            Failure::Infrastructure => 69,
        }
    }
}

impl Failure {
    /// The class of a file the plugin could not read, by the error's
    /// variant (never its text): a panic or a broken contract is the
    /// plugin's fault, anything else the file's. Every command that reads
    /// through a plugin (`run`, `validate`, `inspect`, `pipeline test`)
    /// classifies with this.
    pub fn of_read(error: &ReadError) -> (Failure, String) {
        let failure = match error {
            ReadError::Panicked { .. } | ReadError::Contract { .. } => Failure::Plugin,
            ReadError::Data { .. } => Failure::Data,
        };
        (failure, error.to_string())
    }
}

/// A command used wrongly (64, sysexits' `EX_USAGE`): main prints it as
/// one line. Raised as an `anyhow` error by commands that bail out.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// A statement the warehouse refused (65, the user's SQL is the bad
/// input): a syntax error, an unknown table, a write on a read-only
/// warehouse.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The exit code of an error that reached main: a usage mistake (64), a
/// statement the warehouse refused (65), else infrastructure (69).
pub fn of_error(error: &anyhow::Error) -> ExitCode {
    let failure = if error.downcast_ref::<Usage>().is_some() {
        Failure::Usage
    } else if error.downcast_ref::<Refused>().is_some() {
        Failure::Data
    } else {
        Failure::Infrastructure
    };
    ExitCode::from(failure.exit_code())
}

/// The exit code of the worst failure; 0 when there was none.
pub fn exit(worst: Option<Failure>) -> ExitCode {
    ExitCode::from(worst.map_or(0, Failure::exit_code))
}
