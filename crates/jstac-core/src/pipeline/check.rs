//! The checks that run before any data is read: a [`PipelineSpec`] as
//! written becomes a [`CheckedPipeline`], or every mistake it has, each
//! naming its key.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{self, LINKS, TableDef};
use crate::grading::{GradePart, GradeSource, GradingRule};
use crate::normalise::lookup_key;

use super::column::{ColumnRule, Context, ValueSource, check_columns, field_or_value, toml_key};
use super::error::SpecError;
use super::spec::{GradingSpec, PipelineSpec, WhenSpec};

/// A checked `when`: the field and what its value must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: String,
    pub test: Test,
}

/// What a `when` field's value (trimmed, case folded) must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// One of these (already folded).
    Equals(Vec<String>),
    /// None of these (already folded).
    NotEquals(Vec<String>),
    /// Not empty (`true`) or empty (`false`).
    Present(bool),
}

impl Condition {
    /// Whether a value (`None` for a missing one) passes.
    pub fn holds(&self, value: Option<&str>) -> bool {
        let value = value.map(str::trim).unwrap_or_default();
        match &self.test {
            Test::Present(present) => value.is_empty() != *present,
            Test::Equals(any) => any.iter().any(|v| fold_eq(v, value)),
            Test::NotEquals(none) => !none.iter().any(|v| fold_eq(v, value)),
        }
    }
}

/// `folded` (lower case) equals `value` ignoring case.
fn fold_eq(folded: &str, value: &str) -> bool {
    if value.is_ascii() {
        folded.len() == value.len() && folded.eq_ignore_ascii_case(value)
    } else {
        value.to_lowercase() == folded
    }
}

/// An entity, checked.
#[derive(Debug, Clone)]
pub struct EntityRule {
    pub name: String,
    pub table: &'static TableDef,
    pub key_fields: Vec<String>,
    pub columns: Vec<ColumnRule>,
    /// For a value table: the index of the owning entity's rule.
    pub owner: Option<usize>,
    /// The rule applies only where this holds.
    pub when: Option<Condition>,
    /// An incomplete key means no such entity, not a quarantined record.
    pub optional: bool,
    /// Indices into `key_fields` of the parts that may be empty.
    pub may_be_empty: Vec<usize>,
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
    /// Each record's grading, where the pipeline gives one.
    pub grading: GradingRule,
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
        let conditions = self.entities.iter().filter_map(|entity| {
            entity.when.as_ref().map(|when| {
                (
                    format!("entities.{}.when.field", entity.name),
                    when.field.as_str(),
                )
            })
        });
        let columns = self
            .entities
            .iter()
            .flat_map(|e| e.columns.iter())
            .chain(self.links.iter().flat_map(|l| l.columns.iter()))
            .flat_map(|rule| {
                rule.source
                    .fields()
                    .iter()
                    .map(move |field| (format!("{}.field", rule.key), field.as_str()))
            });
        entity_keys
            .chain(conditions)
            .chain(columns)
            .chain(self.grading.fields())
    }
}

impl PipelineSpec {
    /// Checks everything that can be checked without the data: agency,
    /// tables, columns, types, formats, constants and links. Returns every
    /// problem, not just the first.
    pub fn check(&self) -> Result<CheckedPipeline, Vec<SpecError>> {
        let mut errors = Vec::new();
        // Which agencies exist is the deployment's registry's business
        // (the binary checks it); here, only that it is a code.
        if !crate::agency::is_agency_code(&self.agency) {
            errors.push(SpecError::new(
                "agency",
                "an agency code: lower-case letters, digits and '-' (see `jstac agencies`)",
            ));
        }
        if self.dataset.trim().is_empty() {
            errors.push(SpecError::new("dataset", "must not be empty"));
        } else if self.dataset.chars().any(char::is_control) {
            errors.push(SpecError::new(
                "dataset",
                "must not contain control characters",
            ));
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

        let grading = check_grading(self.grading.as_ref(), &mut errors);
        let lookups = check_lookups(&self.lookups, &mut errors);
        let mut used_lookups = BTreeSet::new();
        let mut context = Context {
            lookups: &lookups,
            used_lookups: &mut used_lookups,
            errors: &mut errors,
        };

        let mut entities = Vec::new();
        for (name, spec) in &self.entities {
            let errors = &mut *context.errors;
            let prefix = format!("entities.{}", toml_key(name));
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
            if table.is_value_table() {
                check_value_entity(&prefix, table, spec, &self.entities, errors);
            } else {
                if spec.key.is_empty() || spec.key.iter().any(|k| k.trim().is_empty()) {
                    errors.push(SpecError::new(
                        format!("{prefix}.key"),
                        "must list one or more source fields that identify the entity",
                    ));
                }
                if let Some(of) = &spec.of {
                    errors.push(SpecError::new(
                        format!("{prefix}.of"),
                        format!(
                            "only a value table ({}) has an owner; {} rows are entities of their own (link them to {of:?} with [[links]])",
                            value_tables().join(", "),
                            table.name
                        ),
                    ));
                }
            }
            let mut may_be_empty = Vec::new();
            for field in &spec.may_be_empty {
                match spec.key.iter().position(|k| k == field) {
                    Some(index) => may_be_empty.push(index),
                    None => errors.push(SpecError::new(
                        format!("{prefix}.may_be_empty"),
                        format!("{field:?} is not one of the key's fields"),
                    )),
                }
            }
            let when = spec
                .when
                .as_ref()
                .and_then(|when| check_when(&format!("{prefix}.when"), when, errors));
            let columns = check_columns(&prefix, table, &spec.columns, &mut context);
            entities.push(EntityRule {
                name: name.clone(),
                table,
                key_fields: spec.key.clone(),
                columns,
                owner: None,
                when,
                optional: spec.optional,
                may_be_empty,
            });
        }
        // Owners by index, now that every rule has one.
        for entity in &mut entities {
            if let Some(of) = self.entities.get(&entity.name).and_then(|s| s.of.as_ref()) {
                entity.owner = self
                    .entities
                    .keys()
                    .filter(|name| catalog::table(&self.entities[*name].table).is_some())
                    .position(|name| name == of);
            }
        }

        let mut links = Vec::new();
        for (index, spec) in self.links.iter().enumerate() {
            let prefix = format!("links[{index}]");
            let mut end = |which: &str, name: &str| {
                let found = entities.iter().position(|e| e.name == name);
                if let Some(found) = found.filter(|&i| entities[i].table.is_value_table()) {
                    context.errors.push(SpecError::new(
                        format!("{prefix}.{which}"),
                        format!(
                            "{name:?} is a value of its owner ({} rows), not an entity to link",
                            entities[found].table.name
                        ),
                    ));
                    return None;
                }
                if found.is_none() && !self.entities.contains_key(name) {
                    context.errors.push(SpecError::new(
                        format!("{prefix}.{which}"),
                        format!("no entity {name:?} in this pipeline"),
                    ));
                }
                found
            };
            let (from, to) = (end("from", &spec.from), end("to", &spec.to));
            let columns = check_columns(&prefix, &LINKS, &spec.columns, &mut context);
            if let (Some(from), Some(to)) = (from, to) {
                links.push(LinkRule { from, to, columns });
            }
        }

        for name in lookups.keys().filter(|name| !used_lookups.contains(*name)) {
            errors.push(SpecError::new(
                format!("lookups.{}", toml_key(name)),
                format!("not used by any column (lookup = {name:?})"),
            ));
        }

        if errors.is_empty() {
            Ok(CheckedPipeline {
                agency: self.agency.clone(),
                dataset: self.dataset.clone(),
                entities,
                links,
                grading,
            })
        } else {
            Err(errors)
        }
    }
}

/// The value tables' names, for messages.
fn value_tables() -> Vec<&'static str> {
    catalog::TABLES
        .iter()
        .filter(|t| t.is_value_table())
        .map(|t| t.name)
        .collect()
}

/// A value table's rule: an owner (`of`) that is an entity of this
/// pipeline whose table may own these values, and no key of its own.
fn check_value_entity(
    prefix: &str,
    table: &'static TableDef,
    spec: &super::spec::EntitySpec,
    all: &BTreeMap<String, super::spec::EntitySpec>,
    errors: &mut Vec<SpecError>,
) {
    if !spec.key.is_empty() {
        errors.push(SpecError::new(
            format!("{prefix}.key"),
            format!(
                "{} rows are values of their owner (of = ...), keyed by the owner and the value; remove the key",
                table.name
            ),
        ));
    }
    if spec.optional || !spec.may_be_empty.is_empty() {
        errors.push(SpecError::new(
            format!("{prefix}.optional"),
            "a value table has no key: a value with no data is simply absent",
        ));
    }
    let owners = table.owners.join(" or ");
    let Some(of) = &spec.of else {
        errors.push(SpecError::new(
            format!("{prefix}.of"),
            format!(
                "{} rows are values of an entity: name it, of = \"ENTITY\" (an entity of {owners})",
                table.name
            ),
        ));
        return;
    };
    match all.get(of) {
        None => errors.push(SpecError::new(
            format!("{prefix}.of"),
            format!("no entity {of:?} in this pipeline"),
        )),
        Some(owner) if !table.owners.contains(&owner.table.as_str()) => {
            errors.push(SpecError::new(
                format!("{prefix}.of"),
                format!(
                    "entity {of:?} is of table {}; {} belong to {owners}",
                    owner.table, table.name
                ),
            ))
        }
        Some(_) => {}
    }
}

/// A `when` table: a field and exactly one test.
fn check_when(key: &str, spec: &WhenSpec, errors: &mut Vec<SpecError>) -> Option<Condition> {
    if spec.field.trim().is_empty() {
        errors.push(SpecError::new(
            format!("{key}.field"),
            "must name a source field",
        ));
        return None;
    }
    let fold = |values: &[String]| values.iter().map(|v| v.trim().to_lowercase()).collect();
    let test = match (&spec.equals, &spec.not_equals, spec.present) {
        (Some(any), None, None) => Test::Equals(fold(&any.0)),
        (None, Some(none), None) => Test::NotEquals(fold(&none.0)),
        (None, None, Some(present)) => Test::Present(present),
        _ => {
            errors.push(SpecError::new(
                key,
                "give exactly one of equals = ..., not_equals = ... or present = true/false",
            ));
            return None;
        }
    };
    Some(Condition {
        field: spec.field.clone(),
        test,
    })
}

/// `[lookups.NAME]` tables: each a non-empty table of strings whose keys
/// differ by more than case.
fn check_lookups(
    specs: &BTreeMap<String, BTreeMap<String, String>>,
    errors: &mut Vec<SpecError>,
) -> BTreeMap<String, Vec<(String, String)>> {
    let mut lookups = BTreeMap::new();
    for (name, table) in specs {
        let prefix = format!("lookups.{}", toml_key(name));
        if table.is_empty() {
            errors.push(SpecError::new(prefix, "is empty"));
            continue;
        }
        let mut entries = Vec::with_capacity(table.len());
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (key, value) in table {
            let entry_key = format!("{prefix}.{}", toml_key(key));
            let folded = lookup_key(key);
            if folded.is_empty() {
                errors.push(SpecError::new(
                    entry_key,
                    "an empty source value never reaches a lookup (it is null)",
                ));
                continue;
            }
            if let Some(other) = seen.insert(folded, key) {
                errors.push(SpecError::new(
                    prefix.clone(),
                    format!(
                        "source values {other:?} and {key:?} differ only in case or surrounding space (lookups ignore both)"
                    ),
                ));
            }
            entries.push((key.clone(), value.clone()));
        }
        lookups.insert(name.clone(), entries);
    }
    lookups
}

/// Checks a `[grading]` table: each part's field or constant. Mistakes go
/// to `errors`, each naming its key.
fn check_grading(spec: Option<&GradingSpec>, errors: &mut Vec<SpecError>) -> GradingRule {
    let mut rule = GradingRule::default();
    let Some(spec) = spec else {
        return rule;
    };
    if *spec == GradingSpec::default() {
        errors.push(SpecError::new(
            "grading",
            "is empty; give source, intelligence and/or handling",
        ));
    }
    for (part, given) in [
        (GradePart::Source, &spec.source),
        (GradePart::Intelligence, &spec.intelligence),
        (GradePart::Handling, &spec.handling),
    ] {
        let Some(given) = given else { continue };
        let key = format!("grading.{}", part.key());
        let Some(given) = given.table() else {
            errors.push(SpecError::new(
                key,
                "a grading part is one field or a constant, not a list",
            ));
            continue;
        };
        match field_or_value(&key, &given, errors) {
            Some(ValueSource::Field(field)) => rule.parts.push((part, GradeSource::Field(field))),
            Some(ValueSource::Constant(value)) => match part.parse(&value) {
                Some(grade) => rule.parts.push((part, GradeSource::Constant(grade))),
                None => errors.push(SpecError::new(
                    format!("{key}.value"),
                    format!("not a {}; expected {}", part.describe(), part.expected()),
                )),
            },
            Some(ValueSource::Combined { .. }) | None => {}
        }
    }
    rule
}
