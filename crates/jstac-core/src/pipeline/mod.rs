//! Pipeline files: what they say ([`spec`]), the checks that run before any
//! data is read ([`check`]), and reading their TOML text with every mistake
//! located ([`read`]).
//!
//! ```toml
//! agency = "police"
//! dataset = "wyp-msa-crimes"
//! plugin = "csv"
//!
//! [source]
//! path = "samples/police/*.csv"     # relative to the pipeline file
//! options = { delimiter = "," }     # checked against the plugin's schema
//!
//! [entities.crime]
//! table = "events"
//! key = ["CrimeRef"]                # source fields forming the stable key
//! columns.reference = "CrimeRef"    # shorthand: a field, typed as the column
//! columns.event_type = { value = "crime" }
//! columns.occurred_from = { field = "DateFrom", type = "date", format = "%d/%m/%Y" }
//!
//! [[links]]
//! from = "person"
//! to = "crime"
//! columns.role = "Role"
//! ```
//!
//! Files import downwards only: `read` → `check` → `column` → `spec`;
//! `read`, `check` and `column` → `error`; `spec` is a leaf.

pub mod check;
pub mod column;
pub mod error;
pub mod read;
pub mod spec;
#[cfg(test)]
mod tests;

pub use check::{CheckedPipeline, Condition, EntityRule, LinkRule, Test};
pub use column::{ColumnRule, Combine, Split, TemplatePart, ValueSource};
pub use error::{Located, Location, SpecError};
pub use read::{KeySpans, PipelineFile};
pub use spec::{
    ColumnSpec, EntitySpec, ExcelSystem, FieldOr, FieldOrValue, Formats, GradeSpec, GradingSpec,
    LinkSpec, PipelineSpec, RuleSpec, SourceSpec, WithField,
};
