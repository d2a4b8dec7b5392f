//! The jstac XML plugin, on `quick-xml`: streams the records of agency XML
//! feeds (NCA intelligence reports, Immigration Enforcement encounters).
//!
//! A pipeline names the record element (or several, for a file holding
//! two kinds of record, with an optional field naming each record's
//! element), the fields to read (child elements, attributes, text) and any
//! repeated groups (several subjects of one report), all by
//! namespace-aware paths; see [`XmlOptions`]. A repeated group's fields
//! reach the runner as list columns, aligned by index, so the mapping can
//! emit one entity per group element. A field holds one value: a path that
//! matches two elements in one record (or one group element) quarantines
//! the record, naming the field, rather than keep one and drop the other.
//!
//! **Streaming**: one record's values are held at a time; memory does not
//! grow with the file. Nothing recurses, so nesting depth cannot overflow
//! the stack; `max_depth` bounds it anyway.
//!
//! **Safety**: the DTD is never processed. No external entity is fetched or
//! read and no entity is expanded; only the five predefined entities and
//! numeric character references are decoded. A record that uses any other
//! entity is quarantined (its raw text holds the reference, never what it
//! might point to).
//!
//! **Faults**: a document that is not well-formed (truncated, a mismatched
//! tag, a forbidden character, bytes invalid in its encoding, nesting deeper
//! than `max_depth` outside a record, a token larger than `max_record_bytes`) stops the file
//! with an error naming the line (and, for UTF-8 files, the byte). The
//! runner then rolls the whole file back: a truncated file loads nothing
//! and can be sent again. A well-formed record that cannot be read (a
//! forbidden entity, a record over `max_record_bytes`, nesting deeper than
//! `max_depth` inside it) goes to quarantine
//! with its locator and reason, and reading goes on. Never half a record.
//!
//! **Encodings**: UTF-8 (with or without byte-order mark), UTF-16 LE/BE
//! (byte-order mark or `<?xml` pattern), and any ASCII-compatible encoding
//! named by the XML declaration (ISO-8859-1 is read as its superset
//! Windows-1252, as the WHATWG encoding standard does).
//!
//! **Locators**: `/Feed/Report[3], line 12`: the record path that matched,
//! the record's ordinal among that path's records in the file (1-based,
//! rejected records included) and the line its start tag is on.

#![forbid(unsafe_code)]

mod error;
mod input;
mod options;
mod reader;

use std::path::Path;

use jstac_sdk::{BatchBuilder, Cell, FieldKind, Plugin, PluginError, RecordReader};

pub use error::XmlError;
pub use options::{
    DEFAULT_MAX_DEPTH, DEFAULT_MAX_RECORD_BYTES, FieldDef, FieldShape, GroupOptions, RecordPaths,
    XmlOptions,
};
pub use reader::{Locator, Next, Record, Value, XmlRecords};

pub struct XmlPlugin;

impl Plugin for XmlPlugin {
    const NAME: &'static str = "xml";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const FORMATS: &'static [&'static str] = &["xml"];
    type Options = XmlOptions;
    type Reader = XmlReader;

    fn open(path: &Path, options: XmlOptions) -> Result<XmlReader, PluginError> {
        let records = XmlRecords::open(path, &options)?;
        let names = records.fields().iter().map(|f| f.name.clone()).collect();
        Ok(XmlReader { records, names })
    }

    /// Paths and prefixes are compiled before any file is read, so a bad
    /// path is a pipeline mistake (`jstac validate`, exit 78), not a failure
    /// of every file.
    fn check(options: &XmlOptions) -> Vec<(String, String)> {
        match options::Compiled::new(options) {
            Ok(_) => Vec::new(),
            Err(error) => vec![(String::new(), error.to_string())],
        }
    }
}

jstac_sdk::export_plugin!(XmlPlugin);

/// The plugin's [`RecordReader`]: [`XmlRecords`] into Arrow batches.
pub struct XmlReader {
    records: XmlRecords,
    names: Vec<String>,
}

impl RecordReader for XmlReader {
    fn fields(&self) -> &[String] {
        &self.names
    }

    fn field_kind(&self, index: usize) -> FieldKind {
        match self.records.fields().get(index).map(|f| f.shape) {
            Some(FieldShape::List) => FieldKind::List,
            _ => FieldKind::Text,
        }
    }

    fn read_batch(&mut self, batch: &mut BatchBuilder) -> Result<bool, PluginError> {
        while !batch.is_full() {
            match self.records.advance()? {
                Next::End => return Ok(false),
                Next::Rejected => batch.push_reject(
                    format_args!("{}", self.records.locator()),
                    self.records.reject_reason(),
                    &self.records.raw(),
                ),
                Next::Record => push_record(&self.records, batch),
            }
        }
        Ok(true)
    }
}

fn push_record(records: &XmlRecords, batch: &mut BatchBuilder) {
    let fields = records.fields();
    let lists: Vec<Vec<Option<&str>>> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| match field.shape {
            FieldShape::List => records.list(index).collect(),
            FieldShape::Single => Vec::new(),
        })
        .collect();
    let cells: Vec<Cell<'_>> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| match field.shape {
            FieldShape::List => Cell::List(&lists[index]),
            FieldShape::Single => records.text(index).map_or(Cell::Null, Cell::Text),
        })
        .collect();
    batch.push_cells(format_args!("{}", records.locator()), &cells);
}
