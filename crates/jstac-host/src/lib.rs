//! Loads jstac ingest plugins and reads their record streams.
//!
//! [`Plugin::load`] opens a dynamic library with `RTLD_NOW` (a missing symbol
//! fails at load time, not mid-run), checks the descriptor's handshake before
//! calling any plugin code, and never unloads the library. [`Plugin::open`]
//! turns a file into a [`RecordStream`] of Arrow batches. A file that
//! cannot be read fails with a [`ReadError`] that says whose fault it is:
//! the plugin panicked, the plugin broke the contract, or the data is bad.

mod batch;
mod error;
mod plugin;
mod stream;

pub use batch::SourceBatch;
pub use error::{ContractViolation, LoadError, ReadError};
pub use plugin::{Plugin, PluginInfo, candidate_libraries, library_file_name};
pub use stream::RecordStream;
