//! The checks that run before any data is read: a [`PipelineSpec`] as
//! written becomes a [`CheckedPipeline`], or every mistake it has, each
//! naming its key.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{self, ColumnType, Fill, LINKS, TableDef};
use crate::convert::{
    Conversion, DateOptions, DateRule, TimestampRule, check_date_format, check_timestamp_format,
    has_two_digit_year,
};
use crate::grading::{GradePart, GradeSource, GradingRule};
use crate::normalise::{Lookup, NamePart, Normaliser, OnInvalid, Transform, lookup_key};

use super::error::SpecError;
use super::spec::{ColumnSpec, FieldOrValue, GradingSpec, PipelineSpec, RuleSpec, WhenSpec};

/// Where a column's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    Field(String),
    Constant(String),
    /// Several fields made into one text.
    Combined {
        fields: Vec<String>,
        how: Combine,
    },
}

impl ValueSource {
    /// The source fields it reads.
    pub fn fields(&self) -> &[String] {
        match self {
            ValueSource::Field(field) => std::slice::from_ref(field),
            ValueSource::Constant(_) => &[],
            ValueSource::Combined { fields, .. } => fields,
        }
    }
}

/// How several fields make one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Combine {
    /// The values that are not empty, trimmed, joined by this.
    Join(String),
    /// The first value that is not empty.
    Coalesce,
    /// Literal text and fields (indices into the fields) in turn; runs of
    /// spaces collapse, and the text is empty when every field is.
    Template(Vec<TemplatePart>),
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    Text(String),
    Field(usize),
}

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

/// One column rule, checked.
#[derive(Debug, Clone)]
pub struct ColumnRule {
    /// `entities.person.columns.family_name`: named in errors.
    pub key: String,
    pub column: &'static str,
    pub source: ValueSource,
    pub conversion: Conversion,
    pub required: bool,
    /// A normaliser or lookup applied to the source value before the
    /// column type's conversion.
    pub transform: Option<Transform>,
    /// What an invalid value does (a normaliser's or date's reject, a
    /// lookup's miss).
    pub on_invalid: OnInvalid,
    /// Whether the mapping counts what this column did with its values
    /// (normalised, unmatched, quarantined): it has a normaliser, a
    /// lookup, or is a date read with options.
    pub counted: bool,
    /// Value tables: where one text holds several values.
    pub split: Option<Split>,
}

/// How one source text holds several values (`split = ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// At list numbers: `(1) A (2) B`, `1) A 2) B`.
    Numbered,
    /// At this separator.
    At(String),
}

impl Split {
    /// The values in `text`, trimmed (and of separators left at their
    /// ends); parts with no letter or digit (`-`) are no value. A text
    /// with no list number is one value.
    pub fn parts<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let pieces: Vec<&str> = match self {
            Split::At(separator) => text.split(separator.as_str()).collect(),
            Split::Numbered => split_numbered(text),
        };
        pieces
            .into_iter()
            .map(|p| p.trim_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';')))
            .filter(|p| p.chars().any(char::is_alphanumeric))
            .collect()
    }
}

/// `(1) A (2) B` or `1) A 2) B` into `A`, `B`: a list number is digits
/// and `)`, perhaps after `(`, at the start or after a space.
fn split_numbered(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_boundary = i == 0 || bytes[i - 1].is_ascii_whitespace();
        if at_boundary {
            let open = usize::from(bytes[i] == b'(');
            let digits = bytes[i + open..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let close = i + open + digits;
            if digits > 0 && digits <= 3 && bytes.get(close) == Some(&b')') {
                pieces.push(&text[start..i]);
                start = close + 1;
                i = start;
                continue;
            }
        }
        i += 1;
    }
    pieces.push(&text[start..]);
    pieces
}

impl ColumnRule {
    /// The label this column's counts are filed under (`country`,
    /// `lookup offences`, `date`), when it is counted.
    pub fn counted_as(&self) -> Option<String> {
        match (&self.transform, self.counted) {
            (Some(transform), _) => Some(transform.to_string()),
            (None, true) => Some("date".to_owned()),
            (None, false) => None,
        }
    }

    /// The part of a person's name this column reads, if it has a name normaliser.
    pub fn name_part(&self) -> Option<NamePart> {
        match &self.transform {
            Some(Transform::Normalise(normaliser)) => normaliser.name_part(),
            _ => None,
        }
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

/// What checking column rules needs besides the rules: the pipeline's
/// lookups, which of them are used, and where mistakes go.
struct Context<'a> {
    lookups: &'a BTreeMap<String, Vec<(String, String)>>,
    used_lookups: &'a mut BTreeSet<String>,
    errors: &'a mut Vec<SpecError>,
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

/// A key as TOML writes it: bare when it can be, quoted otherwise.
pub(crate) fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
}

fn check_columns(
    prefix: &str,
    table: &'static TableDef,
    columns: &BTreeMap<String, ColumnSpec>,
    context: &mut Context<'_>,
) -> Vec<ColumnRule> {
    let mut rules: Vec<ColumnRule> = Vec::new();
    for (name, spec) in columns {
        let key = format!("{prefix}.columns.{}", toml_key(name));
        let Some(column) = table.column(name) else {
            let message = match table.filled_column(name).map(|f| f.fill) {
                Some(Fill::OriginalOf(original)) => format!(
                    "filled by the mapping with the source text of {original}; map {original} instead"
                ),
                Some(Fill::NameKey) => "filled by the mapping with the name's match key; give the name columns normalise = \"family-name\", \"given-names\" or \"full-name\"".to_owned(),
                Some(fill) => format!(
                    "filled by the mapping with {}",
                    catalog::FilledDef { name: "", fill }.describe()
                ),
                None => {
                    let known: Vec<_> = table.columns.iter().map(|c| c.name).collect();
                    format!(
                        "table {} has no column {name:?}; it has {}",
                        table.name,
                        known.join(", ")
                    )
                }
            };
            context.errors.push(SpecError::new(key, message));
            continue;
        };
        let Some(spec) = spec.table() else {
            context.errors.push(SpecError::new(
                key,
                "a list of fields is not a column rule here",
            ));
            continue;
        };
        match check_column(&key, table, column.ty, &spec, context) {
            Ok(mut rule) => {
                rule.column = column.name;
                if let Some(part) = rule.name_part()
                    && let Some(other) = rules.iter().find(|r| r.name_part() == Some(part))
                {
                    let what = match part {
                        NamePart::Family => "a family name",
                        NamePart::Given => "given names",
                        NamePart::Full => "a full name",
                    };
                    context.errors.push(SpecError::new(
                        format!("{key}.normalise"),
                        format!("the entity already reads {what} ({})", other.key),
                    ));
                }
                rules.push(rule);
            }
            Err(mut found) => context.errors.append(&mut found),
        }
    }
    rules
}

/// Where a value comes from, given `field` and `value` as written: one
/// of them, not both, and a field not blank. The column rules and the
/// grading's parts share it.
fn field_or_value(
    key: &str,
    spec: &FieldOrValue,
    errors: &mut Vec<SpecError>,
) -> Option<ValueSource> {
    match (&spec.field, &spec.value) {
        (Some(field), None) if !field.trim().is_empty() => Some(ValueSource::Field(field.clone())),
        (None, Some(value)) => Some(ValueSource::Constant(value.clone())),
        (Some(_), Some(_)) => {
            errors.push(SpecError::new(key, "give either field or value, not both"));
            None
        }
        _ => {
            errors.push(SpecError::new(
                key,
                "needs a source field (a field name, or field = \"...\") or a constant (value = \"...\")",
            ));
            None
        }
    }
}

/// A column rule's source: one field, a constant, or several fields
/// joined, coalesced or put in a template; exactly one way.
fn column_source(key: &str, spec: &RuleSpec, errors: &mut Vec<SpecError>) -> Option<ValueSource> {
    let given = [
        spec.field.is_some(),
        spec.value.is_some(),
        spec.coalesce.is_some(),
        spec.template.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        errors.push(SpecError::new(
            key,
            "give one of field, value, coalesce or template",
        ));
        return None;
    }
    let blank = |fields: &[String]| fields.iter().any(|f| f.trim().is_empty());
    if spec.join.is_some() && !matches!(&spec.field, Some(f) if f.0.len() > 1) {
        errors.push(SpecError::new(
            format!("{key}.join"),
            "joins a list of fields (field = [\"A\", \"B\"])",
        ));
    }
    match (&spec.field, &spec.coalesce, &spec.template) {
        (Some(fields), _, _) if blank(&fields.0) => {
            errors.push(SpecError::new(
                format!("{key}.field"),
                "a field name is empty",
            ));
            None
        }
        (Some(fields), _, _) if fields.0.len() == 1 => {
            Some(ValueSource::Field(fields.0[0].clone()))
        }
        (Some(fields), _, _) => Some(ValueSource::Combined {
            fields: fields.0.clone(),
            how: Combine::Join(spec.join.clone().unwrap_or_else(|| " ".to_owned())),
        }),
        (_, Some(fields), _) if blank(&fields.0) => {
            errors.push(SpecError::new(
                format!("{key}.coalesce"),
                "a field name is empty",
            ));
            None
        }
        (_, Some(fields), _) => Some(ValueSource::Combined {
            fields: fields.0.clone(),
            how: Combine::Coalesce,
        }),
        (_, _, Some(template)) => match parse_template(template) {
            Ok((fields, parts)) => Some(ValueSource::Combined {
                fields,
                how: Combine::Template(parts),
            }),
            Err(message) => {
                errors.push(SpecError::new(format!("{key}.template"), message));
                None
            }
        },
        (None, None, None) => field_or_value(
            key,
            &FieldOrValue {
                field: None,
                value: spec.value.clone(),
            },
            errors,
        ),
    }
}

/// `"{A} {B}"`: its fields (each once) and its parts.
fn parse_template(template: &str) -> Result<(Vec<String>, Vec<TemplatePart>), String> {
    let mut fields: Vec<String> = Vec::new();
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(format!("{{{name} is not closed with }}")),
                    }
                }
                if name.trim().is_empty() {
                    return Err("{} names no field".to_owned());
                }
                if !text.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                }
                let index = match fields.iter().position(|f| *f == name) {
                    Some(index) => index,
                    None => {
                        fields.push(name);
                        fields.len() - 1
                    }
                };
                parts.push(TemplatePart::Field(index));
            }
            '}' => return Err("a } without its { (write }} for a brace)".to_owned()),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(TemplatePart::Text(text));
    }
    if fields.is_empty() {
        return Err(
            "names no field; write fields as {FIELD} (or use value = ... for a constant)"
                .to_owned(),
        );
    }
    Ok((fields, parts))
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

fn check_column(
    key: &str,
    table_def: &'static TableDef,
    column_type: ColumnType,
    spec: &RuleSpec,
    context: &mut Context<'_>,
) -> Result<ColumnRule, Vec<SpecError>> {
    let mut errors = Vec::new();
    let source = column_source(key, spec, &mut errors);
    let ty = match &spec.ty {
        None => Some(column_type),
        Some(name) => match ColumnType::from_name(name) {
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
    let formats: Vec<String> = spec.format.clone().map(|f| f.0).unwrap_or_default();
    let required = spec.required;
    let split = match spec.split.as_deref() {
        None => None,
        Some(_) if !table_def.is_value_table() => {
            errors.push(SpecError::new(
                format!("{key}.split"),
                "only a value table's column holds several values (an entity row has one per column); map them with a value rule (of = \"ENTITY\")",
            ));
            None
        }
        Some("") => {
            errors.push(SpecError::new(
                format!("{key}.split"),
                "is empty; give a separator (\";\") or \"numbered\" for (1) A (2) B",
            ));
            None
        }
        Some("numbered") => Some(Split::Numbered),
        Some(separator) => Some(Split::At(separator.to_owned())),
    };

    // Date options.
    let excel = spec.excel.map(|system| system.0);
    let pivot = match spec.pivot {
        None => None,
        Some(year) => match i32::try_from(year) {
            Ok(year) if (1000..=9899).contains(&year) => Some(year),
            _ => {
                errors.push(SpecError::new(
                    format!("{key}.pivot"),
                    "must be a year such as 1930 (two-digit years then mean 1930 to 2029)",
                ));
                None
            }
        },
    };
    // Timestamps take a date's options but partial: an instant is whole.
    let dated = ty.is_some_and(|ty| matches!(ty, ColumnType::Date | ColumnType::Timestamp));
    for (name, given, takes) in [
        (
            "partial",
            spec.partial.is_some(),
            ty == Some(ColumnType::Date),
        ),
        ("excel", excel.is_some(), dated),
        ("pivot", pivot.is_some(), dated),
    ] {
        if let Some(ty) = ty.filter(|_| given && !takes) {
            errors.push(SpecError::new(
                format!("{key}.{name}"),
                format!("only dates take {name}; this column is {}", ty.name()),
            ));
        }
    }
    if pivot.is_some() && dated && !formats.iter().any(|f| has_two_digit_year(f)) {
        errors.push(SpecError::new(
            format!("{key}.pivot"),
            "no format of this column has a two-digit year (%y)",
        ));
    }

    // Normaliser, lookup and what an invalid value does.
    let mut normaliser = spec.normalise.as_ref().and_then(|name| {
        let found = Normaliser::from_name(name);
        if found.is_none() {
            errors.push(SpecError::new(
                format!("{key}.normalise"),
                format!(
                    "unknown normaliser {name:?}; expected one of {}",
                    Normaliser::NAMES.join(", ")
                ),
            ));
        }
        found
    });
    if let Some(order) = &spec.order {
        match (Normaliser::order_from_name(order), normaliser) {
            (None, _) => errors.push(SpecError::new(
                format!("{key}.order"),
                format!(
                    "unknown order {order:?}; expected one of {}",
                    Normaliser::ORDERS.join(", ")
                ),
            )),
            (Some(order), Some(Normaliser::FullName(_))) => {
                normaliser = Some(Normaliser::FullName(order));
            }
            (Some(_), _) => errors.push(SpecError::new(
                format!("{key}.order"),
                "only a full name (normalise = \"full-name\") is read in an order",
            )),
        }
    }
    let lookup_entries = spec.lookup.as_ref().and_then(|name| {
        let found = context.lookups.get(name);
        if found.is_some() {
            context.used_lookups.insert(name.clone());
        } else if context.lookups.is_empty() {
            errors.push(SpecError::new(
                format!("{key}.lookup"),
                format!("unknown lookup {name:?}; the pipeline has no [lookups] tables"),
            ));
        } else {
            let known: Vec<&str> = context.lookups.keys().map(String::as_str).collect();
            errors.push(SpecError::new(
                format!("{key}.lookup"),
                format!(
                    "unknown lookup {name:?}; the pipeline's lookups are {}",
                    known.join(", ")
                ),
            ));
        }
        found
    });
    let on_invalid = match &spec.on_invalid {
        None => OnInvalid::default(),
        Some(name) => OnInvalid::from_name(name).unwrap_or_else(|| {
            errors.push(SpecError::new(
                format!("{key}.on_invalid"),
                format!(
                    "unknown {name:?}; expected one of {}",
                    OnInvalid::NAMES.join(", ")
                ),
            ));
            OnInvalid::default()
        }),
    };
    let transforms = spec.normalise.is_some() || spec.lookup.is_some();
    if spec.normalise.is_some() && spec.lookup.is_some() {
        errors.push(SpecError::new(
            key,
            "give either normalise or lookup, not both",
        ));
    }
    if transforms && matches!(source, Some(ValueSource::Constant(_))) {
        let name = if spec.normalise.is_some() {
            "normalise"
        } else {
            "lookup"
        };
        errors.push(SpecError::new(
            format!("{key}.{name}"),
            "applies to a source field; a constant is stored as written",
        ));
    }
    if let Some(normaliser) = normaliser {
        if let Some(ty) = ty.filter(|ty| *ty != ColumnType::Text) {
            errors.push(SpecError::new(
                format!("{key}.normalise"),
                format!(
                    "normaliser {:?} gives text; this column is {}",
                    normaliser.name(),
                    ty.name()
                ),
            ));
        }
        if normaliser.name_part().is_some() && table_def.name_key().is_none() {
            errors.push(SpecError::new(
                format!("{key}.normalise"),
                format!(
                    "normaliser {:?} keys a person's name; table {} has no name key",
                    normaliser.name(),
                    table_def.name
                ),
            ));
        }
    }
    if spec.on_invalid.is_some() {
        if !transforms && ty.is_some() && !dated {
            errors.push(SpecError::new(
                format!("{key}.on_invalid"),
                "only a normaliser, a lookup or a date finds values invalid",
            ));
        } else if on_invalid == OnInvalid::Keep
            && let Some(ty) = ty.filter(|ty| *ty != ColumnType::Text)
        {
            errors.push(SpecError::new(
                format!("{key}.on_invalid"),
                format!(
                    "\"keep\" would store unconverted text in a {} column; use \"null\" or \"quarantine\"",
                    ty.name()
                ),
            ));
        } else if on_invalid == OnInvalid::Null && required {
            errors.push(SpecError::new(
                format!("{key}.on_invalid"),
                "\"null\" contradicts required = true (the record would be quarantined as empty); use \"quarantine\"",
            ));
        }
    }

    let options = DateOptions {
        partial: spec.partial.unwrap_or(false),
        excel,
        pivot,
    };
    let conversion = match ty {
        Some(ty @ (ColumnType::Date | ColumnType::Timestamp)) => {
            dated_conversion(key, ty, formats, options, &mut errors)
        }
        Some(other) => {
            if spec.format.is_some() {
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
                ColumnType::Date | ColumnType::Timestamp => unreachable!("handled above"),
            })
        }
        None => None,
    };
    if let (Some(ValueSource::Constant(value)), Some(conversion)) = (&source, &conversion)
        && let Err(reason) = conversion.apply(Some(value))
    {
        errors.push(SpecError::new(format!("{key}.value"), reason.to_string()));
    }
    // A lookup's values are converted for this column once, here.
    let mut transform = normaliser.map(Transform::Normalise);
    if let (Some(name), Some(entries), Some(conversion)) =
        (&spec.lookup, lookup_entries, &conversion)
    {
        let mut converted = Vec::with_capacity(entries.len());
        for (source_value, warehouse_value) in entries {
            match conversion.apply(Some(warehouse_value)) {
                Ok(value) => converted.push((source_value.clone(), value)),
                Err(reason) => errors.push(SpecError::new(
                    format!("lookups.{}.{}", toml_key(name), toml_key(source_value)),
                    format!("{reason} (as {key} needs)"),
                )),
            }
        }
        transform = Some(Transform::Lookup(Lookup::new(name, converted)));
    }
    let date_options = spec.partial.is_some()
        || spec.excel.is_some()
        || spec.pivot.is_some()
        || spec.on_invalid.is_some();
    let counted = transforms || (dated && date_options);
    match (source, conversion) {
        (Some(source), Some(conversion)) if errors.is_empty() => Ok(ColumnRule {
            key: key.to_owned(),
            column: "",
            source,
            conversion,
            required,
            transform,
            on_invalid,
            counted,
            split,
        }),
        _ => Err(errors),
    }
}

/// A date or timestamp column's conversion, each of its formats checked
/// (every mistake reported).
fn dated_conversion(
    key: &str,
    ty: ColumnType,
    formats: Vec<String>,
    options: DateOptions,
    errors: &mut Vec<SpecError>,
) -> Option<Conversion> {
    let timestamp = ty == ColumnType::Timestamp;
    let check = if timestamp {
        check_timestamp_format
    } else {
        check_date_format
    };
    let mut valid = true;
    for format in &formats {
        if let Err(message) = check(format, options) {
            errors.push(SpecError::new(format!("{key}.format"), message.to_string()));
            valid = false;
        }
    }
    if !valid {
        return None;
    }
    let conversion = if timestamp {
        TimestampRule::new(formats, options).map(Conversion::Timestamp)
    } else {
        DateRule::new(formats, options).map(Conversion::Date)
    };
    conversion
        .map_err(|message| {
            errors.push(SpecError::new(format!("{key}.format"), message.to_string()))
        })
        .ok()
}
