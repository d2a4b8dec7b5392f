//! Write a jstac ingest plugin: implement [`Plugin`] and [`RecordReader`],
//! then call [`export_plugin!`] once.
//!
//! ```ignore
//! struct MyFormat;
//! impl jstac_sdk::Plugin for MyFormat {
//!     const NAME: &'static str = "myformat";
//!     const VERSION: &'static str = env!("CARGO_PKG_VERSION");
//!     const FORMATS: &'static [&'static str] = &["myf"];
//!     type Options = MyOptions; // serde + schemars, #[serde(deny_unknown_fields)]
//!     type Reader = MyReader;
//!     fn open(path: &std::path::Path, options: MyOptions) -> Result<MyReader, jstac_sdk::PluginError> { ... }
//! }
//! jstac_sdk::export_plugin!(MyFormat);
//! ```
//!
//! The SDK owns everything unsafe: the descriptor and handshake, the Arrow
//! stream, and the rule that a panic never crosses `extern "C"` (it becomes
//! an error of the run, reported to the host as a panic: ABI 1.3).

mod batch;
mod export;
mod ffi;
mod plugin;
#[cfg(feature = "testing")]
pub mod testing;

pub use batch::{BatchBuilder, Cell, FieldKind};
pub use jstac_abi as abi;
/// The normalisers pipelines use (countries, names, dates, postcodes,
/// identifiers), for a plugin that needs one while reading, e.g. to tell a
/// header row from data; pure functions, reasons that never echo values.
pub use jstac_normalise as normalise;
pub use plugin::{Plugin, PluginError, RecordReader};

#[doc(hidden)]
pub use ffi::{check_options, describe, last_stream_status, open};
