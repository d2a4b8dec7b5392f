//! What a pipeline file says, and the checks that run before any data is read.
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

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value as Json;

use crate::catalog::{self, ColumnType, LINKS, TableDef};
use crate::convert::{Conversion, check_date_format};

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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// A path or glob, relative to the pipeline file.
    pub path: String,
    /// Options for the plugin.
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
    pub key: Vec<String>,
    #[serde(default)]
    pub columns: BTreeMap<String, Json>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub columns: BTreeMap<String, Json>,
}

/// A mistake in a pipeline file: the key it is under and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub key: String,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl SpecError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Where a column's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    Field(String),
    Constant(String),
}

/// One column rule, checked.
#[derive(Debug, Clone)]
pub struct ColumnRule {
    /// `entities.person.columns.family_name`: named in errors.
    pub key: String,
    pub column: &'static str,
    pub source: ValueSource,
    pub conversion: Conversion,
    pub required: bool,
}

/// An entity, checked.
#[derive(Debug, Clone)]
pub struct EntityRule {
    pub name: String,
    pub table: &'static TableDef,
    pub key_fields: Vec<String>,
    pub columns: Vec<ColumnRule>,
}

/// A link, checked: indices into the entity rules.
#[derive(Debug, Clone)]
pub struct LinkRule {
    pub from: usize,
    pub to: usize,
    pub columns: Vec<ColumnRule>,
}

/// A pipeline whose every key has been checked against the catalog.
#[derive(Debug, Clone)]
pub struct CheckedPipeline {
    pub agency: String,
    pub dataset: String,
    pub entities: Vec<EntityRule>,
    pub links: Vec<LinkRule>,
}

impl CheckedPipeline {
    /// Every source field the mapping reads.
    pub fn source_fields(&self) -> impl Iterator<Item = (String, &str)> {
        let entity_keys = self.entities.iter().flat_map(|entity| {
            entity
                .key_fields
                .iter()
                .map(move |field| (format!("entities.{}.key", entity.name), field.as_str()))
        });
        let columns = self
            .entities
            .iter()
            .flat_map(|e| e.columns.iter())
            .chain(self.links.iter().flat_map(|l| l.columns.iter()))
            .filter_map(|rule| match &rule.source {
                ValueSource::Field(field) => Some((format!("{}.field", rule.key), field.as_str())),
                ValueSource::Constant(_) => None,
            });
        entity_keys.chain(columns)
    }
}

const AGENCIES: &[&str] = &[
    "police",
    "nca",
    "border-force",
    "immigration-enforcement",
    "hmrc",
    "glaa",
    "nrm",
];

impl PipelineSpec {
    /// Checks everything that can be checked without the data: agency,
    /// tables, columns, types, formats, constants and links. Returns every
    /// problem, not just the first.
    pub fn check(&self) -> Result<CheckedPipeline, Vec<SpecError>> {
        let mut errors = Vec::new();
        if !AGENCIES.contains(&self.agency.as_str()) {
            errors.push(SpecError::new(
                "agency",
                format!(
                    "unknown agency {:?}; expected one of {}",
                    self.agency,
                    AGENCIES.join(", ")
                ),
            ));
        }
        if self.dataset.trim().is_empty() {
            errors.push(SpecError::new("dataset", "must not be empty"));
        }
        if self.source.path.trim().is_empty() {
            errors.push(SpecError::new("source.path", "must not be empty"));
        }
        if !self.source.options.is_object() {
            errors.push(SpecError::new("source.options", "must be a table"));
        }
        if self.entities.is_empty() {
            errors.push(SpecError::new("entities", "the pipeline maps no entities"));
        }

        let mut entities = Vec::new();
        for (name, spec) in &self.entities {
            let prefix = format!("entities.{name}");
            let Some(table) = catalog::table(&spec.table) else {
                let known: Vec<_> = catalog::TABLES.iter().map(|t| t.name).collect();
                errors.push(SpecError::new(
                    format!("{prefix}.table"),
                    format!(
                        "unknown table {:?}; expected one of {}",
                        spec.table,
                        known.join(", ")
                    ),
                ));
                continue;
            };
            if spec.key.is_empty() || spec.key.iter().any(|k| k.trim().is_empty()) {
                errors.push(SpecError::new(
                    format!("{prefix}.key"),
                    "must list one or more source fields that identify the entity",
                ));
            }
            let columns = check_columns(&prefix, table, &spec.columns, &mut errors);
            entities.push(EntityRule {
                name: name.clone(),
                table,
                key_fields: spec.key.clone(),
                columns,
            });
        }

        let mut links = Vec::new();
        for (index, spec) in self.links.iter().enumerate() {
            let prefix = format!("links[{index}]");
            let mut end = |which: &str, name: &str| {
                let found = entities.iter().position(|e| e.name == name);
                if found.is_none() && !self.entities.contains_key(name) {
                    errors.push(SpecError::new(
                        format!("{prefix}.{which}"),
                        format!("no entity {name:?} in this pipeline"),
                    ));
                }
                found
            };
            let (from, to) = (end("from", &spec.from), end("to", &spec.to));
            let columns = check_columns(&prefix, &LINKS, &spec.columns, &mut errors);
            if let (Some(from), Some(to)) = (from, to) {
                links.push(LinkRule { from, to, columns });
            }
        }

        if errors.is_empty() {
            Ok(CheckedPipeline {
                agency: self.agency.clone(),
                dataset: self.dataset.clone(),
                entities,
                links,
            })
        } else {
            Err(errors)
        }
    }
}

fn check_columns(
    prefix: &str,
    table: &'static TableDef,
    columns: &BTreeMap<String, Json>,
    errors: &mut Vec<SpecError>,
) -> Vec<ColumnRule> {
    let mut rules = Vec::new();
    for (name, spec) in columns {
        let key = format!("{prefix}.columns.{name}");
        let Some(column) = table.column(name) else {
            let known: Vec<_> = table.columns.iter().map(|c| c.name).collect();
            errors.push(SpecError::new(
                key,
                format!(
                    "table {} has no column {name:?}; it has {}",
                    table.name,
                    known.join(", ")
                ),
            ));
            continue;
        };
        match check_column(&key, column.ty, spec) {
            Ok((source, conversion, required)) => rules.push(ColumnRule {
                key,
                column: column.name,
                source,
                conversion,
                required,
            }),
            Err(mut found) => errors.append(&mut found),
        }
    }
    rules
}

const RULE_KEYS: &[&str] = &["field", "value", "type", "format", "required"];

fn check_column(
    key: &str,
    column_type: ColumnType,
    spec: &Json,
) -> Result<(ValueSource, Conversion, bool), Vec<SpecError>> {
    let mut errors = Vec::new();
    let table = match spec {
        Json::String(field) => {
            let mut table = serde_json::Map::new();
            table.insert("field".into(), Json::String(field.clone()));
            table
        }
        Json::Object(table) => table.clone(),
        _ => {
            return Err(vec![SpecError::new(
                key,
                "expected a source field name or a table such as { field = \"...\", type = \"date\", format = \"%d/%m/%Y\" }",
            )]);
        }
    };
    for unknown in table.keys().filter(|k| !RULE_KEYS.contains(&k.as_str())) {
        errors.push(SpecError::new(
            format!("{key}.{unknown}"),
            format!("unknown key; expected one of {}", RULE_KEYS.join(", ")),
        ));
    }
    let text = |name: &str, errors: &mut Vec<SpecError>| match table.get(name) {
        None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(SpecError::new(format!("{key}.{name}"), "must be a string"));
            None
        }
    };
    let field = text("field", &mut errors);
    let value = text("value", &mut errors);
    let source = match (field, value) {
        (Some(field), None) if !field.trim().is_empty() => Some(ValueSource::Field(field)),
        (None, Some(value)) => Some(ValueSource::Constant(value)),
        (Some(_), Some(_)) => {
            errors.push(SpecError::new(key, "give either field or value, not both"));
            None
        }
        _ => {
            errors.push(SpecError::new(
                key,
                "needs a source field (field = \"...\") or a constant (value = \"...\")",
            ));
            None
        }
    };
    let ty = match text("type", &mut errors) {
        None => Some(column_type),
        Some(name) => match ColumnType::from_name(&name) {
            Some(ty) if ty == column_type => Some(ty),
            Some(ty) => {
                errors.push(SpecError::new(
                    format!("{key}.type"),
                    format!("column is {}, not {}", column_type.name(), ty.name()),
                ));
                None
            }
            None => {
                let known: Vec<_> = ColumnType::ALL.iter().map(|t| t.name()).collect();
                errors.push(SpecError::new(
                    format!("{key}.type"),
                    format!(
                        "unknown type {name:?}; expected one of {}",
                        known.join(", ")
                    ),
                ));
                None
            }
        },
    };
    let formats: Vec<String> = match table.get("format") {
        None => Vec::new(),
        Some(Json::String(format)) => vec![format.clone()],
        Some(Json::Array(items)) if items.iter().all(Json::is_string) && !items.is_empty() => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Some(_) => {
            errors.push(SpecError::new(
                format!("{key}.format"),
                "must be a date format string or a list of them",
            ));
            Vec::new()
        }
    };
    let required = match table.get("required") {
        None => false,
        Some(Json::Bool(required)) => *required,
        Some(_) => {
            errors.push(SpecError::new(
                format!("{key}.required"),
                "must be true or false",
            ));
            false
        }
    };
    let conversion = match ty {
        Some(ColumnType::Date) => {
            if formats.is_empty() && table.contains_key("format") {
                None
            } else {
                for format in &formats {
                    if let Err(message) = check_date_format(format) {
                        errors.push(SpecError::new(format!("{key}.format"), message));
                    }
                }
                Some(Conversion::Date { formats })
            }
        }
        Some(other) => {
            if table.contains_key("format") {
                errors.push(SpecError::new(
                    format!("{key}.format"),
                    format!("only dates take a format; this column is {}", other.name()),
                ));
            }
            Some(match other {
                ColumnType::Text => Conversion::Text,
                ColumnType::Integer => Conversion::Integer,
                ColumnType::Decimal => Conversion::Decimal,
                ColumnType::Boolean => Conversion::Boolean,
                ColumnType::Date => unreachable!("handled above"),
            })
        }
        None => None,
    };
    if let (Some(ValueSource::Constant(value)), Some(conversion)) = (&source, &conversion)
        && let Err(reason) = conversion.apply(Some(value))
    {
        errors.push(SpecError::new(format!("{key}.value"), reason));
    }
    match (source, conversion) {
        (Some(source), Some(conversion)) if errors.is_empty() => Ok((source, conversion, required)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_like: Json) -> PipelineSpec {
        serde_json::from_value(toml_like).expect("spec deserializes")
    }

    fn errors(spec: &PipelineSpec) -> Vec<String> {
        spec.check()
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn base() -> Json {
        serde_json::json!({
            "agency": "police",
            "dataset": "test",
            "plugin": "csv",
            "source": { "path": "x.csv" },
            "entities": {
                "person": {
                    "table": "persons",
                    "key": ["Ref"],
                    "columns": {
                        "family_name": "Surname",
                        "date_of_birth": { "field": "DOB", "format": "%d/%m/%Y" }
                    }
                }
            }
        })
    }

    #[test]
    fn a_good_pipeline_checks() {
        let checked = spec(base()).check().expect("valid");
        assert_eq!(checked.entities.len(), 1);
        let fields: Vec<_> = checked.source_fields().map(|(_, f)| f.to_owned()).collect();
        assert_eq!(fields, ["Ref", "DOB", "Surname"]);
    }

    #[test]
    fn each_mistake_names_its_key() {
        let mut json = base();
        json["agency"] = "interpol".into();
        let columns = &mut json["entities"]["person"]["columns"];
        columns["shoe_size"] = "Shoes".into();
        columns["date_of_birth"] = serde_json::json!({ "field": "DOB", "type": "dat" });
        columns["gender"] = serde_json::json!({ "field": "G", "value": "F" });
        columns["given_names"] = serde_json::json!({ "field": "F", "formt": "x" });
        json["links"] = serde_json::json!([{ "from": "person", "to": "crime" }]);
        let found = errors(&spec(json));
        let expected = [
            "agency: unknown agency \"interpol\"; expected one of police, nca, border-force, immigration-enforcement, hmrc, glaa, nrm",
            "entities.person.columns.date_of_birth.type: unknown type \"dat\"; expected one of text, integer, decimal, boolean, date",
            "entities.person.columns.gender: give either field or value, not both",
            "entities.person.columns.given_names.formt: unknown key; expected one of field, value, type, format, required",
            "entities.person.columns.shoe_size: table persons has no column \"shoe_size\"; it has family_name, given_names, full_name, date_of_birth, gender, nationality, postcode",
            "links[0].to: no entity \"crime\" in this pipeline",
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn date_formats_must_name_a_full_date() {
        let mut json = base();
        // No format: ISO 8601 text and typed date cells only.
        json["entities"]["person"]["columns"]["date_of_birth"] = "DOB".into();
        assert_eq!(errors(&spec(json.clone())), Vec::<String>::new());
        json["entities"]["person"]["columns"]["date_of_birth"] =
            serde_json::json!({ "field": "DOB", "format": "%m/%Y" });
        assert_eq!(
            errors(&spec(json)),
            [
                "entities.person.columns.date_of_birth.format: date format \"%m/%Y\" does not name a full date (day, month and year)"
            ]
        );
    }

    #[test]
    fn constants_are_converted_when_checked() {
        let mut json = base();
        json["entities"]["person"]["columns"]["date_of_birth"] =
            serde_json::json!({ "value": "yesterday", "format": "%Y-%m-%d" });
        assert_eq!(
            errors(&spec(json)),
            ["entities.person.columns.date_of_birth.value: does not match date format %Y-%m-%d"]
        );
    }
}
