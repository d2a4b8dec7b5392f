//! A checked pipeline compiled against one file's fields, and the per-record
//! work: convert, key, and either emit rows or quarantine the record whole.
//!
//! One concern per file; each uses only the files listed after it:
//!
//! - `stats`: a counted column's totals for a file or a run ([`FieldStats`]).
//! - `record`: the per-record work ([`Mapping::map_into`]): the record's
//!   entities, values and links, keyed, or the record quarantined.
//! - `column`: one column's value for a record: read, normalise, look up,
//!   convert, split, and the columns the mapping fills.
//! - `compile`: a pipeline bound to one file's fields ([`Mapping::compile`]).
//! - `batch`: what mapping a batch yields ([`MappedBatch`]: rows, links,
//!   quarantine, counts).
//! - `json`: each record's fields as one JSON object, written directly.
//! - `key`: stable entity and link keys ([`Key`], [`entity_key`]).
//! - `input`: read access to a plugin's batch ([`SourceRecords`]).

mod batch;
mod column;
mod compile;
mod input;
mod json;
mod key;
mod record;
mod stats;

pub use batch::{EntityRow, EntityRows, FieldCounts, LinkRow, MappedBatch, QuarantineEntry};
pub use compile::{BindError, CountedField, Mapping};
pub use input::{FieldShape, SourceRecords};
pub use key::{Key, entity_key, link_key};
pub use stats::FieldStats;

#[cfg(test)]
mod tests;
