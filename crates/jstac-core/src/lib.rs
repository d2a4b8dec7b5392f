//! Pipeline definitions and the mapping of source records onto the unified
//! warehouse schema. No I/O: the binary reads files, the warehouse writes.
//!
//! - [`agency`]: the agency registry (bundled and a deployment's own).
//! - [`catalog`]: the warehouse tables and columns a pipeline may target.
//! - [`pipeline`]: what a pipeline file says (typed, read from TOML with
//!   every mistake located), and its static checks.
//! - [`convert`]: typed conversions (text, integer, decimal, boolean, date).
//! - [`grading`]: the 3x5x2 grading of source records (the domain; its
//!   `[grading]` table is checked with the pipeline).
//! - [`normalise`]: the normalisers (`jstac-normalise`) and lookups as
//!   column rules apply them.
//! - [`mapping`]: a pipeline compiled against a file's fields, mapping
//!   batches of source records to rows and quarantine entries.

#![forbid(unsafe_code)]

pub mod agency;
pub mod catalog;
pub mod convert;
pub mod grading;
pub mod mapping;
pub mod normalise;
pub mod pipeline;

pub use agency::{Agency, AgencyKind, AgencyRegistry};
pub use catalog::{ColumnType, LINKS, TABLES, TableDef};
pub use convert::{Kind, Value};
pub use grading::{GradePart, Grading};
pub use mapping::{
    BindError, CountedField, EntityRows, FieldCounts, FieldShape, FieldStats, Key, LinkRow,
    MappedBatch, Mapping, QuarantineEntry, SourceRecords,
};
pub use pipeline::{Located, Location, PipelineFile, PipelineSpec, SpecError};
