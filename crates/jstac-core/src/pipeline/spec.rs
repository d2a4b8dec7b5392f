//! What a pipeline file says: typed serde structures, read from TOML (see
//! `super::read`) or, in tests and benches, from JSON.
//!
//! Shapes only: a key of the wrong type or not known is refused here;
//! what the values mean (a table, a column, a normaliser, a date format) is
//! checked by [`PipelineSpec::check`](super::check).

use std::collections::BTreeMap;
use std::fmt;

use jstac_normalise::date::ExcelDateSystem;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

/// A pipeline file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// Defaults to the file name without `.toml`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The source agency (`police`, `nca`, `border-force`, `immigration-enforcement`, `hmrc`, `glaa`, `nrm`).
    pub agency: String,
    /// The agency's dataset this pipeline reads; part of every stable key.
    pub dataset: String,
    /// The plugin that reads the files (`csv`).
    pub plugin: String,
    pub source: SourceSpec,
    #[serde(default)]
    pub entities: BTreeMap<String, EntitySpec>,
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// `[lookups.NAME]`: source values (agency codes) and the warehouse
    /// values they stand for, used by column rules with `lookup = "NAME"`.
    #[serde(default)]
    pub lookups: BTreeMap<String, BTreeMap<String, String>>,
    /// `[grading]`: the 3x5x2 grading of each record; see
    /// [`crate::grading`].
    #[serde(default)]
    pub grading: Option<GradingSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// A path or glob, relative to the pipeline file.
    pub path: String,
    /// Options for the plugin, checked against its JSON Schema; a table.
    #[serde(default = "empty_object")]
    pub options: Json,
}

fn empty_object() -> Json {
    Json::Object(Default::default())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitySpec {
    pub table: String,
    /// The source fields that identify an entity; a value table's rows
    /// have none (they are keyed by their owner and their value).
    #[serde(default)]
    pub key: Vec<String>,
    /// A value table's owner: the entity (of this pipeline) whose values
    /// these are.
    #[serde(default)]
    pub of: Option<String>,
    /// The rule applies only to records (or group elements) that match.
    #[serde(default)]
    pub when: Option<WhenSpec>,
    /// A record whose key fields are partly empty has no such entity (it
    /// still loads its others), instead of going to quarantine.
    #[serde(default)]
    pub optional: bool,
    /// Key fields that may be empty (part of the key as empty text).
    #[serde(default)]
    pub may_be_empty: Vec<String>,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSpec>,
}

/// `when = { field = "Group Type", equals = "Individual" }`: a condition
/// on one source field, compared trimmed and ignoring case. `equals` takes
/// one value or a list; `not_equals` likewise; `present = true` (not
/// empty) or `false` (empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhenSpec {
    pub field: String,
    #[serde(default)]
    pub equals: Option<OneOrMany>,
    #[serde(default)]
    pub not_equals: Option<OneOrMany>,
    #[serde(default)]
    pub present: Option<bool>,
}

/// One string or a list of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ManyVisitor;
        impl<'de> Visitor<'de> for ManyVisitor {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, one: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![one.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut many = Vec::new();
                while let Some(one) = seq.next_element::<String>()? {
                    many.push(one);
                }
                if many.is_empty() {
                    return Err(de::Error::invalid_length(0, &self));
                }
                Ok(OneOrMany(many))
            }
        }
        deserializer.deserialize_any(ManyVisitor)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSpec>,
}

/// A column rule: `columns.reference = "CrimeRef"` (a field, typed as the
/// column) or a table (`{ field = "DOB", format = "%d/%m/%Y" }`,
/// `{ value = "crime" }`, ...).
pub type ColumnSpec = FieldOr<RuleSpec>;

/// A bare source field name, a list of them (joined), or a table that may
/// name one (`{ field = ... }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldOr<T> {
    Field(String),
    Fields(Vec<String>),
    Table(T),
}

/// A table with an optional `field` key, which a bare field name fills.
pub trait WithField: Default + Clone {
    fn with_field(field: String) -> Self;
    /// A bare list of fields; `None` where a list means nothing.
    fn with_fields(fields: Vec<String>) -> Option<Self>;
}

impl<T: WithField> FieldOr<T> {
    /// The table this stands for: a bare field is `{ field = "..." }`, a
    /// bare list `{ field = [...] }` where the table takes one.
    pub fn table(&self) -> Option<T> {
        match self {
            FieldOr::Field(field) => Some(T::with_field(field.clone())),
            FieldOr::Fields(fields) => T::with_fields(fields.clone()),
            FieldOr::Table(table) => Some(table.clone()),
        }
    }
}

/// Not `#[serde(untagged)]`: a mistake inside a table is reported as itself
/// (`unknown field "formt"`), not as "matches no variant".
impl<'de, T: Deserialize<'de>> Deserialize<'de> for FieldOr<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldOrVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for FieldOrVisitor<T> {
            type Value = FieldOr<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a source field name or a table such as { field = \"...\" } or { value = \"...\" }",
                )
            }
            fn visit_str<E: de::Error>(self, field: &str) -> Result<FieldOr<T>, E> {
                Ok(FieldOr::Field(field.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FieldOr<T>, A::Error> {
                let mut fields = Vec::new();
                while let Some(field) = seq.next_element::<String>()? {
                    fields.push(field);
                }
                if fields.is_empty() {
                    return Err(de::Error::invalid_length(0, &self));
                }
                Ok(FieldOr::Fields(fields))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldOr<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(FieldOr::Table)
            }
        }
        deserializer.deserialize_any(FieldOrVisitor(std::marker::PhantomData))
    }
}

/// A column rule as a table. Every key is optional here; which ones a
/// column needs, and which go together, is checked.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// A source field, or a list of them joined (empty ones left out)...
    pub field: Option<OneOrMany>,
    /// ...or the first of these fields that is not empty...
    pub coalesce: Option<OneOrMany>,
    /// ...or fields in a text: `"{FIRST_NAME} {SECOND_NAME}"` (`{{` and
    /// `}}` for braces; spaces left by empty fields collapse)...
    pub template: Option<String>,
    /// ...or a constant.
    pub value: Option<String>,
    /// The column's type, when written: must be the column's.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// Date formats (`"%d/%m/%Y"` or a list of them).
    pub format: Option<Formats>,
    #[serde(default)]
    pub required: bool,
    /// A normaliser's name (`country`, `full-name`, ...).
    pub normalise: Option<String>,
    /// The order a full name is written in.
    pub order: Option<String>,
    /// A `[lookups.NAME]` table's name.
    pub lookup: Option<String>,
    /// `quarantine`, `keep` or `null`.
    pub on_invalid: Option<String>,
    /// Dates: partial dates (a year, a month) allowed.
    pub partial: Option<bool>,
    /// Dates: the workbook's date system for serial numbers.
    pub excel: Option<ExcelSystem>,
    /// Dates: the first year a two-digit year can mean.
    pub pivot: Option<i64>,
    /// What joins a list of fields (a space unless given).
    pub join: Option<String>,
    /// Value tables: one text holds several values, split at this
    /// separator (`";"`), or at list numbers (`"numbered"`: `(1) A (2) B`).
    pub split: Option<String>,
}

impl WithField for RuleSpec {
    fn with_field(field: String) -> Self {
        RuleSpec {
            field: Some(OneOrMany(vec![field])),
            ..RuleSpec::default()
        }
    }

    fn with_fields(fields: Vec<String>) -> Option<Self> {
        Some(RuleSpec {
            field: Some(OneOrMany(fields)),
            ..RuleSpec::default()
        })
    }
}

/// `format = "%d/%m/%Y"` or `format = ["%d/%m/%Y", "%Y"]`: one or more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formats(pub Vec<String>);

impl<'de> Deserialize<'de> for Formats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FormatsVisitor;
        impl<'de> Visitor<'de> for FormatsVisitor {
            type Value = Formats;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date format string or a list of them")
            }
            fn visit_str<E: de::Error>(self, format: &str) -> Result<Formats, E> {
                Ok(Formats(vec![format.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Formats, A::Error> {
                let mut formats = Vec::new();
                while let Some(format) = seq.next_element::<String>()? {
                    formats.push(format);
                }
                if formats.is_empty() {
                    return Err(de::Error::invalid_length(0, &self));
                }
                Ok(Formats(formats))
            }
        }
        deserializer.deserialize_any(FormatsVisitor)
    }
}

/// `excel = "1900"` or `"1904"` (the numbers work too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExcelSystem(pub ExcelDateSystem);

impl<'de> Deserialize<'de> for ExcelSystem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExcelVisitor;
        const EXPECTED: &str = "\"1900\" or \"1904\" (the workbook's date system)";
        impl Visitor<'_> for ExcelVisitor {
            type Value = ExcelSystem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ExcelSystem, E> {
                match text {
                    "1900" => Ok(ExcelSystem(ExcelDateSystem::Excel1900)),
                    "1904" => Ok(ExcelSystem(ExcelDateSystem::Excel1904)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(text), &EXPECTED)),
                }
            }
            fn visit_i64<E: de::Error>(self, year: i64) -> Result<ExcelSystem, E> {
                match year {
                    1900 => Ok(ExcelSystem(ExcelDateSystem::Excel1900)),
                    1904 => Ok(ExcelSystem(ExcelDateSystem::Excel1904)),
                    _ => Err(E::invalid_value(de::Unexpected::Signed(year), &EXPECTED)),
                }
            }
            fn visit_u64<E: de::Error>(self, year: u64) -> Result<ExcelSystem, E> {
                self.visit_i64(i64::try_from(year).unwrap_or(i64::MAX))
            }
        }
        deserializer.deserialize_any(ExcelVisitor)
    }
}

/// `[grading]`: each part a field or a constant.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingSpec {
    pub source: Option<GradeSpec>,
    pub intelligence: Option<GradeSpec>,
    pub handling: Option<GradeSpec>,
}

/// One part of `[grading]`: `"GradingSource"` (a field),
/// `{ field = "GradingSource" }` or `{ value = "P" }`.
pub type GradeSpec = FieldOr<FieldOrValue>;

/// `{ field = "..." }` or `{ value = "..." }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldOrValue {
    pub field: Option<String>,
    pub value: Option<String>,
}

impl WithField for FieldOrValue {
    fn with_field(field: String) -> Self {
        FieldOrValue {
            field: Some(field),
            value: None,
        }
    }

    fn with_fields(_: Vec<String>) -> Option<Self> {
        None
    }
}
