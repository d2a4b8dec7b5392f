//! A column's value for one record: reading a field (or fields made into
//! one text), normalising, looking up and converting it, splitting a text
//! that holds several values, and filling the columns the mapping derives
//! (source texts, name keys, date bounds, normalised identifiers). What it
//! refuses is a [`RecordError`] the record's mapping (`record`) turns into
//! quarantine.

use std::borrow::Cow;

use jstac_normalise::name::{PersonName, match_key_of_parts};

use super::compile::{Bound, ColumnMap, EntityMap, Extra, Mapping, Source};
use super::input::{FieldShape, SourceRecords};
use super::key::Key;
use chrono::NaiveDate;
use jstac_normalise::date::approximate_marker;

use crate::convert::{ConvertError, Kind, Value, check_text};
use crate::normalise::{NamePart, NormaliseError, Normalised, OnInvalid, Transform};
use crate::pipeline::{Combine, TemplatePart};

impl Mapping {
    /// A field's value and kind at `at`: a list field gives the element.
    #[inline]
    pub(super) fn get<'r, R: SourceRecords + ?Sized>(
        &self,
        records: &'r R,
        field: usize,
        at: At,
    ) -> (Option<&'r str>, Kind) {
        match (self.shapes[field], at.element) {
            (FieldShape::List, Some(element)) => {
                (records.list_value(field, at.row, element), Kind::Text)
            }
            (FieldShape::List, None) => (None, Kind::Text),
            (FieldShape::Single, _) => (records.value(field, at.row), records.kind(field, at.row)),
        }
    }

    /// A source's text at `at`: a field's value, or several fields' made
    /// into one.
    pub(super) fn text_of<'r, R: SourceRecords + ?Sized>(
        &self,
        records: &'r R,
        source: &Source,
        at: At,
    ) -> (Option<Cow<'r, str>>, Kind) {
        match source {
            Source::Field(field) => {
                let (value, kind) = self.get(records, *field, at);
                (value.map(Cow::Borrowed), kind)
            }
            Source::Constant(_) => (None, Kind::Text),
            Source::Combined { fields, how } => {
                let mut error = false;
                let mut value = |i: usize| -> Option<&'r str> {
                    let (text, kind) = self.get(records, fields[i], at);
                    error |= kind == Kind::Error;
                    text.map(str::trim).filter(|t| !t.is_empty())
                };
                let text = match how {
                    Combine::Coalesce => (0..fields.len()).find_map(&mut value).map(Cow::Borrowed),
                    Combine::Join(separator) => {
                        let parts: Vec<&str> = (0..fields.len()).filter_map(&mut value).collect();
                        match parts.as_slice() {
                            [] => None,
                            [one] => Some(Cow::Borrowed(*one)),
                            _ => Some(Cow::Owned(parts.join(separator))),
                        }
                    }
                    Combine::Template(parts) => {
                        let mut text = String::new();
                        let mut any = false;
                        for part in parts {
                            match part {
                                TemplatePart::Text(literal) => text.push_str(literal),
                                TemplatePart::Field(i) => {
                                    if let Some(v) = value(*i) {
                                        any = true;
                                        text.push_str(v);
                                    }
                                }
                            }
                        }
                        any.then(|| {
                            Cow::Owned(text.split_whitespace().collect::<Vec<_>>().join(" "))
                        })
                    }
                };
                (text, if error { Kind::Error } else { Kind::Text })
            }
        }
    }

    /// A row's values: its columns', then the columns the mapping fills.
    /// A value table's row has its owner; where a column's text names
    /// several values, the second and later go to `more` (column index,
    /// value).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn convert_columns<R: SourceRecords + ?Sized>(
        &self,
        columns: &[ColumnMap],
        extras: &[Extra],
        records: &R,
        at: At,
        outcomes: &mut Vec<Outcome>,
        owner: Option<(&'static str, Key)>,
        more: &mut Vec<(usize, Value)>,
    ) -> Result<Vec<Value>, RecordError> {
        let mut values = Vec::with_capacity(columns.len() + extras.len());
        let mut names = Names::default();
        for (index, column) in columns.iter().enumerate() {
            let value = match &column.source {
                Source::Constant(value) => value.clone(),
                source => {
                    let mut further = Vec::new();
                    let value = self.convert(
                        column,
                        source,
                        records,
                        at,
                        outcomes,
                        &mut names,
                        &mut further,
                    )?;
                    if column.required && value == Value::Null {
                        return Err(RecordError::new(
                            Some(self.field_names(column)),
                            format!("{}: required value is empty", column.key),
                        ));
                    }
                    more.extend(further.into_iter().map(|v| (index, v)));
                    value
                }
            };
            values.push(value);
        }
        self.fill_extras(columns, extras, records, at, owner, &names, &mut values);
        Ok(values)
    }

    /// The columns the mapping fills (`extras`), after a row's mapped
    /// values (the first `columns.len()` of `values`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fill_extras<R: SourceRecords + ?Sized>(
        &self,
        columns: &[ColumnMap],
        extras: &[Extra],
        records: &R,
        at: At,
        owner: Option<(&'static str, Key)>,
        names: &Names<'_>,
        values: &mut Vec<Value>,
    ) {
        let mapped = columns.len();
        values.truncate(mapped);
        for extra in extras {
            let value = match extra {
                Extra::Original { field, .. } => {
                    match self.get(records, *field, at).0.map(str::trim) {
                        Some(text) if !text.is_empty() => Value::Text(text.to_owned()),
                        _ => Value::Null,
                    }
                }
                Extra::OriginalOfColumn { of, .. } => {
                    match self.text_of(records, &columns[*of].source, at).0 {
                        Some(text) if !text.trim().is_empty() => {
                            Value::Text(text.trim().to_owned())
                        }
                        _ => Value::Null,
                    }
                }
                Extra::NameKey(_) => names.key(),
                Extra::FamilyOfFullName => names.of_full(|name| &name.family),
                Extra::GivenOfFullName => names.of_full(|name| &name.given),
                Extra::OwnerTable(_) => owner.map_or(Value::Null, |o| Value::Text(o.0.to_owned())),
                Extra::OwnerKey(_) => owner.map_or(Value::Null, |o| Value::Text(hex_text(&o.1))),
                Extra::DateBounds {
                    bound,
                    date,
                    from,
                    to,
                    ..
                } => {
                    let at_index = |i: &Option<usize>| i.map_or(&Value::Null, |i| &values[i]);
                    date_bound(*bound, at_index(date), at_index(from), at_index(to))
                }
                Extra::Identifier { of, .. } => match &values[..mapped][*of] {
                    Value::Text(text) => compared_identifier(text),
                    _ => Value::Null,
                },
                Extra::ValueNameKey { parts, full, .. } => {
                    let text = |i: &usize| match &values[*i] {
                        Value::Text(text) => Some(text.as_str()),
                        _ => None,
                    };
                    let mut parts = parts.iter().filter_map(text).peekable();
                    let key = if parts.peek().is_some() {
                        match_key_of_parts(parts)
                    } else {
                        full.as_ref()
                            .and_then(text)
                            .map(|full| match_key_of_parts([full]))
                            .unwrap_or_default()
                    };
                    if key.is_empty() {
                        Value::Null
                    } else {
                        Value::Text(key)
                    }
                }
                Extra::Script { from } => from
                    .iter()
                    .find_map(|&i| match &values[i] {
                        Value::Text(text) => script_of(text),
                        _ => None,
                    })
                    .map_or(Value::Null, |script| Value::Text(script.to_owned())),
                Extra::Approximate { field } => {
                    match self.get(records, *field, at).0.map(str::trim) {
                        Some(text) if !text.is_empty() => {
                            Value::Boolean(approximate_marker(text).is_some())
                        }
                        _ => Value::Null,
                    }
                }
            };
            values.push(value);
        }
    }

    /// The source fields a column reads, for a quarantine entry.
    pub(super) fn field_names(&self, column: &ColumnMap) -> String {
        column
            .fields()
            .iter()
            .map(|&f| self.fields[f].as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// One field's value for a column: normalised or looked up, converted
    /// to the column's type; an invalid value as the column's `on_invalid`
    /// says. Counted columns note their outcome in `outcomes`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn convert<'r, R: SourceRecords + ?Sized>(
        &self,
        column: &ColumnMap,
        source: &Source,
        records: &'r R,
        at: At,
        outcomes: &mut Vec<Outcome>,
        names: &mut Names<'r>,
        further: &mut Vec<Value>,
    ) -> Result<Value, RecordError> {
        let (raw_text, kind) = self.text_of(records, source, at);
        if let (Some(split), Some(text)) = (&column.split, raw_text.as_deref()) {
            let parts = split.parts(text);
            if parts.len() > 1 {
                // Several values in one text: each converted as if alone,
                // the first the row's, the rest a row each.
                let parts: Vec<String> = parts.into_iter().map(str::to_owned).collect();
                let mut first = None;
                for part in parts {
                    let value = self.convert_text(
                        column,
                        Some(Cow::Owned(part)),
                        kind,
                        outcomes,
                        names,
                        further,
                    )?;
                    if first.is_none() {
                        first = Some(value);
                    } else if value != Value::Null {
                        further.push(value);
                    }
                }
                return Ok(first.unwrap_or(Value::Null));
            }
        }
        self.convert_text(column, raw_text, kind, outcomes, names, further)
    }

    /// [`Self::convert`] of one text.
    pub(super) fn convert_text<'r>(
        &self,
        column: &ColumnMap,
        raw_text: Option<Cow<'r, str>>,
        kind: Kind,
        outcomes: &mut Vec<Outcome>,
        names: &mut Names<'r>,
        further: &mut Vec<Value>,
    ) -> Result<Value, RecordError> {
        let raw: Option<&str> = raw_text.as_deref();
        // A control character refuses the record whatever the column does
        // (normalised, looked up, `on_invalid`): see `convert::check_text`.
        if let Some(Err(reason)) = raw.map(check_text) {
            return Err(RecordError::new(
                Some(self.field_names(column)),
                format!("{}: {reason}", column.key),
            ));
        }
        let text = raw.map(str::trim).filter(|t| !t.is_empty());
        let converted = match (&column.transform, text) {
            // Blanks are null, and an error cell is refused, whatever the column does.
            (_, None) => return Ok(Value::Null),
            (Some(_), Some(_)) if kind == Kind::Error => column
                .conversion
                .apply_typed(raw, kind)
                .map_err(ValueError::from),
            (None, Some(_)) => column
                .conversion
                .apply_typed(raw, kind)
                .map_err(ValueError::from),
            (Some(Transform::Lookup(lookup)), Some(text)) => lookup
                .get(text)
                .cloned()
                .ok_or(ValueError::NotInLookup(&lookup.name)),
            (Some(Transform::Normalise(normaliser)), Some(text)) => {
                match normaliser.apply(text) {
                    Ok(Normalised::Value(value)) => {
                        match normaliser.name_part() {
                            Some(NamePart::Family) => names.family = Some(trimmed(&raw_text)),
                            Some(NamePart::Given) => names.given = Some(trimmed(&raw_text)),
                            _ => {}
                        }
                        Ok(value)
                    }
                    Ok(Normalised::FullName(name)) => {
                        names.full = Some(name);
                        // The column keeps the name as written.
                        Ok(Value::Text(text.to_owned()))
                    }
                    Ok(Normalised::Many(mut values)) => {
                        let first = if values.is_empty() {
                            Value::Null
                        } else {
                            values.remove(0)
                        };
                        further.append(&mut values);
                        Ok(first)
                    }
                    Ok(Normalised::NotKnown(_)) => {
                        if let Some(counted) = column.counted {
                            outcomes.push(Outcome {
                                counted,
                                outcome: Counted::NotKnown,
                            });
                        }
                        return Ok(Value::Null);
                    }
                    Err(reason) => Err(ValueError::from(reason)),
                }
            }
        };
        let Some(counted) = column.counted else {
            return converted.map_err(|reason| {
                RecordError::new(
                    Some(self.field_names(column)),
                    format!("{}: {reason}", column.key),
                )
            });
        };
        match converted {
            Ok(value) => {
                outcomes.push(Outcome {
                    counted,
                    outcome: Counted::Normalised,
                });
                Ok(value)
            }
            Err(reason) if kind == Kind::Error => Err(RecordError::new(
                Some(self.field_names(column)),
                format!("{}: {reason}", column.key),
            )),
            Err(reason) => match column.on_invalid {
                OnInvalid::Quarantine => Err(RecordError {
                    field: Some(self.field_names(column)),
                    reason: format!("{}: {reason}", column.key),
                    counted: Some(counted),
                }),
                OnInvalid::Keep | OnInvalid::Null => {
                    outcomes.push(Outcome {
                        counted,
                        outcome: Counted::Unmatched,
                    });
                    Ok(match (column.on_invalid, text) {
                        (OnInvalid::Keep, Some(text)) => Value::Text(text.to_owned()),
                        _ => Value::Null,
                    })
                }
            },
        }
    }
}

/// A value's substance columns a normaliser found no code for, though the
/// source wrote something it does not call "not known" (`former Soviet
/// Union`): (column index, the source text its `…_text` companion kept).
/// Such a value is kept, with its text and no code.
pub(super) fn unmatched_texts<'v>(
    entity: &EntityMap,
    values: &'v [Value],
) -> Vec<(usize, &'v str)> {
    let substance = entity.table.substance;
    let mapped = entity.columns.len();
    let mut found = Vec::new();
    for (k, extra) in entity.extras.iter().enumerate() {
        let of = match extra {
            Extra::Original { field, .. } => entity
                .columns
                .iter()
                .position(|c| matches!(c.source, Source::Field(f) if f == *field)),
            Extra::OriginalOfColumn { of, .. } => Some(*of),
            _ => None,
        };
        let Some(i) = of else { continue };
        let column = &entity.columns[i];
        let (Value::Null, Some(Value::Text(text))) = (&values[i], values.get(mapped + k)) else {
            continue;
        };
        if !substance.is_empty() && !substance.contains(&column.column) {
            continue;
        }
        let not_known = match &column.transform {
            Some(Transform::Normalise(normaliser)) => {
                matches!(normaliser.apply(text), Ok(Normalised::NotKnown(_)))
            }
            _ => false,
        };
        if !not_known {
            found.push((i, text.as_str()));
        }
    }
    found
}

/// The writing system of a text's first letter, by its Unicode block.
pub(super) fn script_of(text: &str) -> Option<&'static str> {
    let letter = text.chars().find(|c| c.is_alphabetic())?;
    Some(match u32::from(letter) {
        0x0000..=0x024F | 0x1E00..=0x1EFF => "Latin",
        0x0370..=0x03FF | 0x1F00..=0x1FFF => "Greek",
        0x0400..=0x052F => "Cyrillic",
        0x0530..=0x058F => "Armenian",
        0x0590..=0x05FF => "Hebrew",
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => "Arabic",
        0x0900..=0x097F => "Devanagari",
        0x0E00..=0x0E7F => "Thai",
        0x10A0..=0x10FF => "Georgian",
        0x1100..=0x11FF | 0xAC00..=0xD7AF => "Hangul",
        0x3040..=0x30FF => "Japanese",
        0x4E00..=0x9FFF | 0x3400..=0x4DBF => "Han",
        _ => "Other",
    })
}

/// A key as its 32 hex digits.
pub(super) fn hex_text(key: &Key) -> String {
    String::from_utf8_lossy(&key.hex()).into_owned()
}

/// A source text trimmed, borrowed where it was.
pub(super) fn trimmed<'r>(raw: &Option<Cow<'r, str>>) -> Cow<'r, str> {
    match raw {
        Some(Cow::Borrowed(text)) => Cow::Borrowed(text.trim()),
        Some(Cow::Owned(text)) => Cow::Owned(text.trim().to_owned()),
        None => Cow::Borrowed(""),
    }
}

/// A value as the text a value's key is made of.
pub(super) fn value_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Null => Cow::Borrowed(""),
        Value::Text(text) | Value::Decimal(text) => Cow::Borrowed(text),
        Value::Integer(n) => Cow::Owned(n.to_string()),
        Value::Boolean(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Date(date) => Cow::Owned(date.to_string()),
        Value::Timestamp(at) => Cow::Owned(at.to_rfc3339()),
    }
}

/// A date value's precision or bound, from its date (a full date, or a
/// partial one as ISO text: `1968`, `1968-03`) and range.
pub(super) fn date_bound(bound: Bound, date: &Value, from: &Value, to: &Value) -> Value {
    let range = *from != Value::Null || *to != Value::Null;
    let span = |value: &Value| -> Option<(NaiveDate, NaiveDate, &'static str)> {
        match value {
            Value::Date(date) => Some((*date, *date, "day")),
            Value::Text(text) => partial_span(text),
            _ => None,
        }
    };
    let text = |date: NaiveDate| Value::Text(date.format("%Y-%m-%d").to_string());
    if range {
        let (first, last) = (span(from), span(to));
        return match bound {
            Bound::Precision => Value::Text("range".to_owned()),
            Bound::Earliest => first.or(last).map_or(Value::Null, |s| text(s.0)),
            Bound::Latest => last.or(first).map_or(Value::Null, |s| text(s.1)),
        };
    }
    match (span(date), bound) {
        (None, _) => Value::Null,
        (Some((_, _, precision)), Bound::Precision) => Value::Text(precision.to_owned()),
        (Some((first, _, _)), Bound::Earliest) => text(first),
        (Some((_, last, _)), Bound::Latest) => text(last),
    }
}

/// The days a partial ISO date (`1968`, `1968-03`, `1968-03-05`) spans,
/// and its precision.
pub(super) fn partial_span(text: &str) -> Option<(NaiveDate, NaiveDate, &'static str)> {
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    match (parts.next(), parts.next()) {
        (None, _) => Some((
            NaiveDate::from_ymd_opt(year, 1, 1)?,
            NaiveDate::from_ymd_opt(year, 12, 31)?,
            "year",
        )),
        (Some(month), None) => {
            let month: u32 = month.parse().ok()?;
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)?
            };
            Some((first, next.pred_opt()?, "month"))
        }
        (Some(_), Some(_)) => {
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            Some((date, date, "day"))
        }
    }
}

/// An identifier as compared: an e-mail address in lower case; anything
/// else in upper case with only its letters and digits.
pub(super) fn compared_identifier(text: &str) -> Value {
    let compared: String = if text.contains('@') {
        text.trim().to_lowercase()
    } else {
        text.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect()
    };
    if compared.is_empty() {
        Value::Null
    } else {
        Value::Text(compared)
    }
}

/// The name parts a row's name normalisers read, for its match key.
#[derive(Default)]
pub(super) struct Names<'r> {
    pub(super) family: Option<Cow<'r, str>>,
    pub(super) given: Option<Cow<'r, str>>,
    pub(super) full: Option<PersonName>,
}

impl Names<'_> {
    pub(super) fn key(&self) -> Value {
        let key = if self.family.is_some() || self.given.is_some() {
            match_key_of_parts(
                self.family
                    .as_deref()
                    .into_iter()
                    .chain(self.given.as_deref()),
            )
        } else {
            match &self.full {
                Some(name) => name.match_key.clone(),
                None => String::new(),
            }
        };
        if key.is_empty() {
            Value::Null
        } else {
            Value::Text(key)
        }
    }

    pub(super) fn of_full(&self, part: fn(&PersonName) -> &str) -> Value {
        match self.full.as_ref().map(part) {
            Some(text) if !text.is_empty() => Value::Text(text.to_owned()),
            _ => Value::Null,
        }
    }
}

/// A counted column's outcome for one value of a record not yet loaded.
#[derive(Debug, Clone, Copy)]
pub(super) struct Outcome {
    pub(super) counted: usize,
    pub(super) outcome: Counted,
}

/// What a counted column did with one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counted {
    Normalised,
    Unmatched,
    NotKnown,
}

/// Where a value is read from: a record, and for a repeated entity the
/// element of its group.
#[derive(Debug, Clone, Copy)]
pub(super) struct At {
    pub(super) row: usize,
    pub(super) element: Option<usize>,
}

/// Why one value of a record did not become its column's value; never
/// repeats the value.
#[derive(Debug, thiserror::Error)]
pub(super) enum ValueError<'a> {
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// Not among the keys of the column's lookup (named).
    #[error("not in lookup {0:?}")]
    NotInLookup(&'a str),
    #[error(transparent)]
    Normalise(#[from] NormaliseError),
}

/// The error of one record: the field at fault, if any, the reason, and
/// the counted column whose value it was, if any.
pub(super) struct RecordError {
    pub(super) field: Option<String>,
    pub(super) reason: String,
    pub(super) counted: Option<usize>,
}

impl RecordError {
    pub(super) fn new(field: Option<String>, reason: String) -> RecordError {
        RecordError {
            field,
            reason,
            counted: None,
        }
    }
}
