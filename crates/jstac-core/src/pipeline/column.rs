//! Column rules, checked: where a column's value comes from (a field, a
//! constant, fields joined, coalesced or templated), its type and date
//! formats, normaliser or lookup, what an invalid value does, and how one
//! text holding several values is split. `check` runs these for every
//! entity's and link's columns.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{self, ColumnType, Fill, TableDef};
use crate::convert::{
    Conversion, DateOptions, DateRule, TimestampRule, check_date_format, check_timestamp_format,
    has_two_digit_year,
};
use crate::normalise::{Lookup, NamePart, Normaliser, OnInvalid, Transform};

use super::error::SpecError;
use super::spec::{ColumnSpec, FieldOrValue, RuleSpec};

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

/// What checking column rules needs besides the rules: the pipeline's
/// lookups, which of them are used, and where mistakes go.
pub(super) struct Context<'a> {
    pub(super) lookups: &'a BTreeMap<String, Vec<(String, String)>>,
    pub(super) used_lookups: &'a mut BTreeSet<String>,
    pub(super) errors: &'a mut Vec<SpecError>,
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

pub(super) fn check_columns(
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
pub(super) fn field_or_value(
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
pub(super) fn column_source(
    key: &str,
    spec: &RuleSpec,
    errors: &mut Vec<SpecError>,
) -> Option<ValueSource> {
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
pub(super) fn parse_template(template: &str) -> Result<(Vec<String>, Vec<TemplatePart>), String> {
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

pub(super) fn check_column(
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
pub(super) fn dated_conversion(
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
