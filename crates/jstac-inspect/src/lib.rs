//! What `jstac inspect` knows about a new agency file, so a data engineer
//! can go from the file to a pipeline without reading jstac's source.
//!
//! - [`detect`]: the format from the content, never the extension (zip
//!   parts, OLE2 magic, ODS mimetype, XML prolog, else text), the CSV
//!   delimiter and the text encoding; spreadsheet sheets with their hidden
//!   flag. Workbooks are identified and their sheets listed by
//!   `jstac-workbook`, the spreadsheet plugin's own identification.
//! - [`xml`]: a bounded streaming pass over an XML file: the repeated
//!   element paths with their counts, and plugin options (record path,
//!   fields, repeated groups) for the best candidate.
//! - [`profile`]: field types inferred from sampled values (checked with
//!   the mapping's own conversions, so a guessed date format parses every
//!   sampled value), null rates, and samples, masked unless asked.
//! - [`stub`]: the starting pipeline file.
//!
//! This crate reads only a bounded prefix of a file; it loads no plugin:
//! the binary reads the sampled records through the plugin, so what is
//! inspected is what a run will read.

#![forbid(unsafe_code)]

pub mod detect;
mod error;
pub mod mask;
pub mod profile;
pub mod stub;
pub mod xml;

pub use detect::{Detected, SheetInfo, TextEncoding, detect, sheets};
pub use error::InspectError;
pub use mask::mask;
pub use profile::{FieldProfile, FieldReport, Inferred};
