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

use crate::catalog::{self, ColumnType, Fill, LINKS, TableDef};
use crate::convert::{Conversion, DateOptions, DateRule, check_date_format, has_two_digit_year};
use crate::grading::GradingRule;
use crate::normalise::{Lookup, NamePart, Normaliser, OnInvalid, Transform, lookup_key};
use jstac_normalise::date::ExcelDateSystem;

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
    pub lookups: BTreeMap<String, Json>,
    /// `[grading]`: the 3x5x2 grading of each record (`source`,
    /// `intelligence`, `handling`), each a field or a constant; see
    /// [`crate::grading`].
    #[serde(default)]
    pub grading: Option<Json>,
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
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
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
        let columns = self
            .entities
            .iter()
            .flat_map(|e| e.columns.iter())
            .chain(self.links.iter().flat_map(|l| l.columns.iter()))
            .filter_map(|rule| match &rule.source {
                ValueSource::Field(field) => Some((format!("{}.field", rule.key), field.as_str())),
                ValueSource::Constant(_) => None,
            });
        entity_keys.chain(columns).chain(self.grading.fields())
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

        let grading = GradingRule::check(self.grading.as_ref(), &mut errors);
        let lookups = check_lookups(&self.lookups, &mut errors);
        let mut used_lookups = std::collections::BTreeSet::new();
        let mut context = Context {
            lookups: &lookups,
            used_lookups: &mut used_lookups,
            errors: &mut errors,
        };

        let mut entities = Vec::new();
        for (name, spec) in &self.entities {
            let errors = &mut *context.errors;
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
            let columns = check_columns(&prefix, table, &spec.columns, &mut context);
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

/// What checking column rules needs besides the rules: the pipeline's
/// lookups, which of them are used, and where mistakes go.
struct Context<'a> {
    lookups: &'a BTreeMap<String, Vec<(String, String)>>,
    used_lookups: &'a mut std::collections::BTreeSet<String>,
    errors: &'a mut Vec<SpecError>,
}

/// `[lookups.NAME]` tables: each a non-empty table of strings whose keys
/// differ by more than case.
fn check_lookups(
    specs: &BTreeMap<String, Json>,
    errors: &mut Vec<SpecError>,
) -> BTreeMap<String, Vec<(String, String)>> {
    let mut lookups = BTreeMap::new();
    for (name, spec) in specs {
        let prefix = format!("lookups.{}", toml_key(name));
        let Json::Object(table) = spec else {
            errors.push(SpecError::new(
                prefix,
                "must be a table of source values and the warehouse values they stand for, e.g. AGR = \"Agriculture\"",
            ));
            continue;
        };
        if table.is_empty() {
            errors.push(SpecError::new(prefix, "is empty"));
            continue;
        }
        let mut entries = Vec::with_capacity(table.len());
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (key, value) in table {
            let entry_key = format!("{prefix}.{}", toml_key(key));
            let Json::String(value) = value else {
                errors.push(SpecError::new(
                    entry_key,
                    "must be a string (the warehouse value)",
                ));
                continue;
            };
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
fn toml_key(key: &str) -> String {
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
    columns: &BTreeMap<String, Json>,
    context: &mut Context<'_>,
) -> Vec<ColumnRule> {
    let mut rules: Vec<ColumnRule> = Vec::new();
    for (name, spec) in columns {
        let key = format!("{prefix}.columns.{name}");
        let Some(column) = table.column(name) else {
            let message = match table.filled_column(name).map(|f| f.fill) {
                Some(Fill::OriginalOf(original)) => format!(
                    "filled by the mapping with the source text of {original}; map {original} instead"
                ),
                Some(Fill::NameKey) => "filled by the mapping with the name's match key; give the name columns normalise = \"family-name\", \"given-names\" or \"full-name\"".to_owned(),
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
        match check_column(&key, table, column.ty, spec, context) {
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

const RULE_KEYS: &[&str] = &[
    "field",
    "value",
    "type",
    "format",
    "required",
    "normalise",
    "order",
    "lookup",
    "on_invalid",
    "partial",
    "excel",
    "pivot",
];

fn check_column(
    key: &str,
    table_def: &'static TableDef,
    column_type: ColumnType,
    spec: &Json,
    context: &mut Context<'_>,
) -> Result<ColumnRule, Vec<SpecError>> {
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
    let flag = |name: &str, errors: &mut Vec<SpecError>| match table.get(name) {
        None => false,
        Some(Json::Bool(value)) => *value,
        Some(_) => {
            errors.push(SpecError::new(
                format!("{key}.{name}"),
                "must be true or false",
            ));
            false
        }
    };
    let required = flag("required", &mut errors);

    // Date options.
    let partial = flag("partial", &mut errors);
    let excel = match table.get("excel") {
        None => None,
        Some(Json::String(s)) if s == "1900" => Some(ExcelDateSystem::Excel1900),
        Some(Json::String(s)) if s == "1904" => Some(ExcelDateSystem::Excel1904),
        Some(Json::Number(n)) if n.as_i64() == Some(1900) => Some(ExcelDateSystem::Excel1900),
        Some(Json::Number(n)) if n.as_i64() == Some(1904) => Some(ExcelDateSystem::Excel1904),
        Some(_) => {
            errors.push(SpecError::new(
                format!("{key}.excel"),
                "expected \"1900\" or \"1904\" (the workbook's date system)",
            ));
            None
        }
    };
    let pivot = match table.get("pivot") {
        None => None,
        Some(Json::Number(n)) => match n.as_i64().and_then(|y| i32::try_from(y).ok()) {
            Some(year) if (1000..=9899).contains(&year) => Some(year),
            _ => {
                errors.push(SpecError::new(
                    format!("{key}.pivot"),
                    "must be a year such as 1930 (two-digit years then mean 1930 to 2029)",
                ));
                None
            }
        },
        Some(_) => {
            errors.push(SpecError::new(
                format!("{key}.pivot"),
                "must be a year such as 1930 (two-digit years then mean 1930 to 2029)",
            ));
            None
        }
    };
    for (name, given) in [
        ("partial", table.contains_key("partial")),
        ("excel", excel.is_some()),
        ("pivot", pivot.is_some()),
    ] {
        if let Some(ty) = ty.filter(|ty| given && *ty != ColumnType::Date) {
            errors.push(SpecError::new(
                format!("{key}.{name}"),
                format!("only dates take {name}; this column is {}", ty.name()),
            ));
        }
    }
    if pivot.is_some()
        && ty == Some(ColumnType::Date)
        && !formats.iter().any(|f| has_two_digit_year(f))
    {
        errors.push(SpecError::new(
            format!("{key}.pivot"),
            "no format of this column has a two-digit year (%y)",
        ));
    }

    // Normaliser, lookup and what an invalid value does.
    let mut normaliser = text("normalise", &mut errors).and_then(|name| {
        let found = Normaliser::from_name(&name);
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
    if let Some(order) = text("order", &mut errors) {
        match (Normaliser::order_from_name(&order), normaliser) {
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
    let lookup_name = text("lookup", &mut errors);
    let lookup_entries = lookup_name.as_ref().and_then(|name| {
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
    let on_invalid = match text("on_invalid", &mut errors) {
        None => OnInvalid::default(),
        Some(name) => OnInvalid::from_name(&name).unwrap_or_else(|| {
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
    let transforms = table.contains_key("normalise") || table.contains_key("lookup");
    if table.contains_key("normalise") && table.contains_key("lookup") {
        errors.push(SpecError::new(
            key,
            "give either normalise or lookup, not both",
        ));
    }
    if transforms && matches!(source, Some(ValueSource::Constant(_))) {
        let name = if table.contains_key("normalise") {
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
    if table.contains_key("on_invalid") {
        if !transforms && ty.is_some_and(|ty| ty != ColumnType::Date) {
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
        partial,
        excel,
        pivot,
    };
    let conversion = match ty {
        Some(ColumnType::Date) => {
            if formats.is_empty() && table.contains_key("format") {
                None
            } else {
                let mut valid = true;
                for format in &formats {
                    if let Err(message) = check_date_format(format, options) {
                        errors.push(SpecError::new(format!("{key}.format"), message.to_string()));
                        valid = false;
                    }
                }
                if valid {
                    match DateRule::new(formats, options) {
                        Ok(rule) => Some(Conversion::Date(rule)),
                        Err(message) => {
                            errors
                                .push(SpecError::new(format!("{key}.format"), message.to_string()));
                            None
                        }
                    }
                } else {
                    None
                }
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
        errors.push(SpecError::new(format!("{key}.value"), reason.to_string()));
    }
    // A lookup's values are converted for this column once, here.
    let mut transform = normaliser.map(Transform::Normalise);
    if let (Some(name), Some(entries), Some(conversion)) =
        (&lookup_name, lookup_entries, &conversion)
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
    let counted = transforms
        || (ty == Some(ColumnType::Date)
            && ["partial", "excel", "pivot", "on_invalid"]
                .iter()
                .any(|k| table.contains_key(*k)));
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
        }),
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
            "entities.person.columns.given_names.formt: unknown key; expected one of field, value, type, format, required, normalise, order, lookup, on_invalid, partial, excel, pivot",
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
                "entities.person.columns.date_of_birth.format: date format \"%m/%Y\" does not name a full date (day, month and year); with partial = true it may name a year or a month"
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

    /// A pipeline whose person maps `columns` (merged over the base's), with
    /// `lookups`, and the mistakes its check reports.
    fn mistakes(columns: Json, lookups: Json) -> Vec<String> {
        let mut json = base();
        if let Json::Object(columns) = columns {
            for (name, rule) in columns {
                json["entities"]["person"]["columns"][name] = rule;
            }
        }
        json["lookups"] = lookups;
        errors(&spec(json))
    }

    #[test]
    fn good_normalisers_lookups_and_date_options_check() {
        let found = mistakes(
            serde_json::json!({
                "nationality": { "field": "Nat", "normalise": "country", "on_invalid": "keep" },
                "postcode": { "field": "PC", "normalise": "postcode", "on_invalid": "null" },
                "full_name": { "field": "Name", "normalise": "full-name", "order": "family-first" },
                "gender": { "field": "Sex", "lookup": "sexes" },
                "date_of_birth": { "field": "DOB", "format": ["%d/%m/%Y", "%m/%Y", "%Y", "%d-%b-%y"],
                                   "partial": true, "excel": "1900", "pivot": 1920 }
            }),
            serde_json::json!({ "sexes": { "F": "female", "M": "male", "N/K": "" } }),
        );
        assert_eq!(found, Vec::<String>::new());
        let mut json = base();
        json["entities"]["person"]["columns"]["nationality"] =
            serde_json::json!({ "field": "Nat", "normalise": "country" });
        json["entities"]["person"]["columns"]["family_name"] =
            serde_json::json!({ "field": "Surname", "normalise": "family-name" });
        let checked = spec(json).check().expect("valid");
        let counted: Vec<_> = checked.entities[0]
            .columns
            .iter()
            .filter_map(|c| c.counted_as().map(|n| (c.column, n)))
            .collect();
        assert_eq!(
            counted,
            [
                ("family_name", "family-name".to_owned()),
                ("nationality", "country".to_owned())
            ]
        );
    }

    #[test]
    fn each_normaliser_lookup_and_date_mistake_names_its_key() {
        let none = serde_json::json!({});
        let cases: Vec<(Json, Json, Vec<&str>)> = vec![
            (
                serde_json::json!({ "nationality": { "field": "Nat", "normalise": "contry" } }),
                none.clone(),
                vec![
                    "entities.person.columns.nationality.normalise: unknown normaliser \"contry\"; expected one of country, postcode, phone, nino, passport, vehicle, family-name, given-names, full-name",
                ],
            ),
            (
                serde_json::json!({ "date_of_birth": { "field": "DOB", "normalise": "country" } }),
                none.clone(),
                vec![
                    "entities.person.columns.date_of_birth.normalise: normaliser \"country\" gives text; this column is date",
                ],
            ),
            (
                serde_json::json!({ "nationality": { "value": "British", "normalise": "country" } }),
                none.clone(),
                vec![
                    "entities.person.columns.nationality.normalise: applies to a source field; a constant is stored as written",
                ],
            ),
            (
                serde_json::json!({ "nationality": { "field": "Nat", "normalise": "country", "lookup": "nats" } }),
                serde_json::json!({ "nats": { "AL": "ALB" } }),
                vec![
                    "entities.person.columns.nationality: give either normalise or lookup, not both",
                ],
            ),
            (
                serde_json::json!({ "full_name": { "field": "Name", "normalise": "full-name", "order": "surname-first" },
                                    "given_names": { "field": "F", "normalise": "given-names", "order": "auto" } }),
                none.clone(),
                vec![
                    "entities.person.columns.full_name.order: unknown order \"surname-first\"; expected one of given-first, family-first, auto",
                    "entities.person.columns.given_names.order: only a full name (normalise = \"full-name\") is read in an order",
                ],
            ),
            (
                serde_json::json!({ "family_name": { "field": "Surname", "normalise": "family-name" },
                                    "full_name": { "field": "Name", "normalise": "family-name" } }),
                none.clone(),
                vec![
                    "entities.person.columns.full_name.normalise: the entity already reads a family name (entities.person.columns.family_name)",
                ],
            ),
            (
                serde_json::json!({ "nationality_text": "Nat", "name_key": "Key" }),
                none.clone(),
                vec![
                    "entities.person.columns.name_key: filled by the mapping with the name's match key; give the name columns normalise = \"family-name\", \"given-names\" or \"full-name\"",
                    "entities.person.columns.nationality_text: filled by the mapping with the source text of nationality; map nationality instead",
                ],
            ),
            (
                serde_json::json!({ "gender": { "field": "Sex", "lookup": "sex" } }),
                serde_json::json!({ "sexes": { "F": "female" } }),
                vec![
                    "entities.person.columns.gender.lookup: unknown lookup \"sex\"; the pipeline's lookups are sexes",
                    "lookups.sexes: not used by any column (lookup = \"sexes\")",
                ],
            ),
            (
                serde_json::json!({ "gender": { "field": "Sex", "lookup": "sexes" } }),
                none.clone(),
                vec![
                    "entities.person.columns.gender.lookup: unknown lookup \"sexes\"; the pipeline has no [lookups] tables",
                ],
            ),
            (
                serde_json::json!({ "gender": { "field": "Sex", "lookup": "sexes" },
                                    "date_of_birth": { "field": "DOB", "lookup": "dobs" } }),
                serde_json::json!({
                    "sexes": { "F": "female", "f": "female", "M": 1, "": "none" },
                    "dobs": { "N/K": "not known" },
                    "empty": {},
                    "flat": "F=female"
                }),
                vec![
                    "lookups.dobs.\"N/K\": not an ISO 8601 date (YYYY-MM-DD); give the column a format (as entities.person.columns.date_of_birth needs)",
                    "lookups.empty: is empty",
                    "lookups.flat: must be a table of source values and the warehouse values they stand for, e.g. AGR = \"Agriculture\"",
                    "lookups.sexes.\"\": an empty source value never reaches a lookup (it is null)",
                    "lookups.sexes: source values \"F\" and \"f\" differ only in case or surrounding space (lookups ignore both)",
                    "lookups.sexes.M: must be a string (the warehouse value)",
                ],
            ),
            (
                serde_json::json!({
                    "nationality": { "field": "Nat", "normalise": "country", "on_invalid": "drop" },
                    "postcode": { "field": "PC", "on_invalid": "null" },
                    "date_of_birth": { "field": "DOB", "on_invalid": "keep" },
                    "gender": { "field": "Sex", "lookup": "sexes", "on_invalid": "null", "required": true }
                }),
                serde_json::json!({ "sexes": { "F": "female" } }),
                vec![
                    "entities.person.columns.date_of_birth.on_invalid: \"keep\" would store unconverted text in a date column; use \"null\" or \"quarantine\"",
                    "entities.person.columns.gender.on_invalid: \"null\" contradicts required = true (the record would be quarantined as empty); use \"quarantine\"",
                    "entities.person.columns.nationality.on_invalid: unknown \"drop\"; expected one of quarantine, keep, null",
                    "entities.person.columns.postcode.on_invalid: only a normaliser, a lookup or a date finds values invalid",
                ],
            ),
            (
                serde_json::json!({
                    "date_of_birth": { "field": "DOB", "format": "%d/%m/%y", "partial": "yes", "excel": "1901" },
                    "gender": { "field": "Sex", "pivot": 1930 }
                }),
                none.clone(),
                vec![
                    "entities.person.columns.date_of_birth.partial: must be true or false",
                    "entities.person.columns.date_of_birth.excel: expected \"1900\" or \"1904\" (the workbook's date system)",
                    "entities.person.columns.gender.pivot: only dates take pivot; this column is text",
                    "entities.person.columns.date_of_birth.format: date format \"%d/%m/%y\" has a two-digit year (%y); give pivot = YEAR, the first year its two digits can mean (e.g. 1930)",
                ],
            ),
            (
                serde_json::json!({
                    "date_of_birth": { "field": "DOB", "format": "%d/%m/%Y", "pivot": 30 }
                }),
                none.clone(),
                vec![
                    "entities.person.columns.date_of_birth.pivot: must be a year such as 1930 (two-digit years then mean 1930 to 2029)",
                ],
            ),
            (
                serde_json::json!({
                    "date_of_birth": { "field": "DOB", "format": ["%d/%m/%Y", "%d/%m"], "pivot": 1930, "partial": true }
                }),
                none.clone(),
                vec![
                    "entities.person.columns.date_of_birth.pivot: no format of this column has a two-digit year (%y)",
                    "entities.person.columns.date_of_birth.format: date format \"%d/%m\" does not name a year",
                ],
            ),
        ];
        for (columns, lookups, expected) in cases {
            let described = columns.to_string();
            let mut found = mistakes(columns, lookups);
            let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
            found.sort();
            expected.sort();
            assert_eq!(found, expected, "{described}");
        }
    }

    #[test]
    fn name_normalisers_need_a_table_with_a_name_key() {
        let mut json = base();
        json["entities"]["crime"] = serde_json::json!({
            "table": "events", "key": ["Ref"],
            "columns": { "location": { "field": "Officer", "normalise": "full-name" } }
        });
        assert_eq!(
            errors(&spec(json)),
            [
                "entities.crime.columns.location.normalise: normaliser \"full-name\" keys a person's name; table events has no name key"
            ]
        );
    }

    #[test]
    fn grading_is_checked_with_the_pipeline() {
        let mut json = base();
        json["grading"] = serde_json::json!({ "source": "Src", "handling": { "value": "P" } });
        let checked = spec(json.clone()).check().expect("valid");
        let fields: Vec<_> = checked.source_fields().collect();
        assert!(fields.contains(&("grading.source.field".to_owned(), "Src")));
        assert_eq!(checked.grading.parts.len(), 2);
        json["grading"] =
            serde_json::json!({ "handling": { "value": "Lawful sharing permitted" } });
        assert_eq!(
            errors(&spec(json)),
            [
                "grading.handling.value: not a handling code; expected P (lawful sharing permitted) or C (disseminate with conditions)"
            ]
        );
    }
}
