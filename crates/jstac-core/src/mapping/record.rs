//! The per-record work of [`Mapping::map_into`]: each record's values
//! converted (normalised, looked up), its entities keyed, its rows and
//! links emitted, or the record quarantined whole with the reason.

use jstac_normalise::name::{PersonName, match_key_of_parts};

use super::batch::{EntityRow, EntityRows, FieldCounts, LinkRow, MappedBatch, QuarantineEntry};
use super::compile::{ColumnMap, EntityMap, Extra, GradeMap, Mapping, Source};
use super::input::{FieldShape, SourceRecords};
use super::json::raw_record;
use super::key::{Key, entity_key, link_key};
use crate::convert::{ConvertError, Kind, Value};
use crate::grading::Grading;
use crate::normalise::{NamePart, NormaliseError, Normalised, OnInvalid, Transform};

impl Mapping {
    /// An empty batch shaped for this mapping.
    pub fn new_batch(&self) -> MappedBatch {
        MappedBatch {
            locators: Vec::new(),
            gradings: Vec::new(),
            raws: Vec::new(),
            entities: self
                .entities
                .iter()
                .map(|e| EntityRows {
                    table: e.table,
                    columns: e
                        .columns
                        .iter()
                        .map(|c| c.column)
                        .chain(e.extras.iter().map(Extra::column))
                        .collect(),
                    rows: Vec::new(),
                    superseded: Vec::new(),
                })
                .collect(),
            link_columns: self
                .links
                .iter()
                .map(|l| l.columns.iter().map(|c| c.column).collect())
                .collect(),
            links: Vec::new(),
            quarantine: Vec::new(),
            read: 0,
            loaded: 0,
            skipped: 0,
            field_counts: vec![FieldCounts::default(); self.counted.len()],
        }
    }

    /// Maps every record of `records` into `out`. A record either yields all
    /// its rows or goes to quarantine whole.
    pub fn map_into<R: SourceRecords + ?Sized>(&self, records: &R, out: &mut MappedBatch) {
        let mut keys: Vec<Vec<Emitted>> = vec![Vec::new(); self.entities.len()];
        let mut outcomes: Vec<Outcome> = Vec::new();
        let mut raw_capacity = 32 * self.raw_keys.len() + 2;
        for row in 0..records.len() {
            out.read += 1;
            if let Some(reason) = records.reject(row) {
                out.quarantine.push(QuarantineEntry {
                    locator: records.locator(row).to_owned(),
                    field: None,
                    reason: reason.to_owned(),
                    raw: records.raw(row).unwrap_or_default().to_owned(),
                });
                continue;
            }
            let record = out.locators.len();
            let marks: Vec<usize> = out.entities.iter().map(|e| e.rows.len()).collect();
            let link_mark = out.links.len();
            outcomes.clear();
            let mapped = self.grading_of(records, row).and_then(|grading| {
                self.map_record(records, row, record, out, &mut keys, &mut outcomes)
                    .map(|()| grading)
            });
            match mapped {
                Ok(grading) => {
                    out.locators.push(records.locator(row).to_owned());
                    out.gradings.push(grading);
                    out.raws.push(raw_record(
                        &self.raw_keys,
                        &self.shapes,
                        records,
                        row,
                        &mut raw_capacity,
                    ));
                    out.loaded += 1;
                    for outcome in &outcomes {
                        let counts = &mut out.field_counts[outcome.counted];
                        if outcome.unmatched {
                            counts.unmatched += 1;
                        } else {
                            counts.normalised += 1;
                        }
                    }
                }
                Err(error) => {
                    for (entity, mark) in out.entities.iter_mut().zip(marks) {
                        entity.rows.truncate(mark);
                    }
                    out.links.truncate(link_mark);
                    if let Some(counted) = error.counted {
                        out.field_counts[counted].quarantined += 1;
                    }
                    out.quarantine.push(QuarantineEntry {
                        locator: records.locator(row).to_owned(),
                        field: error.field,
                        reason: error.reason,
                        raw: raw_record(
                            &self.raw_keys,
                            &self.shapes,
                            records,
                            row,
                            &mut raw_capacity,
                        ),
                    });
                }
            }
        }
        // An extract names a crime on each of its rows: of adjacent rows with
        // one key only the last is kept, as the upsert would keep it.
        for entity in &mut out.entities {
            entity.keep_last_of_runs();
        }
    }

    fn map_record<R: SourceRecords + ?Sized>(
        &self,
        records: &R,
        row: usize,
        record: usize,
        out: &mut MappedBatch,
        keys: &mut [Vec<Emitted>],
        outcomes: &mut Vec<Outcome>,
    ) -> Result<(), RecordError> {
        for (index, entity) in self.entities.iter().enumerate() {
            keys[index].clear();
            if entity.list_fields.is_empty() {
                let at = At { row, element: None };
                if let Some(key) =
                    self.map_entity(entity, index, records, at, record, out, outcomes)?
                {
                    keys[index].push((key, None));
                }
                continue;
            }
            let lengths: Vec<usize> = entity
                .list_fields
                .iter()
                .map(|&f| records.list_len(f, row))
                .collect();
            let n = lengths.iter().copied().max().unwrap_or(0);
            if lengths.iter().any(|&len| len != n) {
                let described: Vec<String> = entity
                    .list_fields
                    .iter()
                    .zip(&lengths)
                    .map(|(&f, len)| format!("{:?} has {len}", self.fields[f]))
                    .collect();
                return Err(RecordError::new(
                    None,
                    format!(
                        "entities.{}: its repeated fields differ in length ({}); are they from one group?",
                        entity.name,
                        described.join(", ")
                    ),
                ));
            }
            for element in 0..n {
                let at = At {
                    row,
                    element: Some(element),
                };
                if let Some(key) =
                    self.map_entity(entity, index, records, at, record, out, outcomes)?
                {
                    keys[index].push((key, Some(element)));
                }
            }
        }
        for (rule, link) in self.links.iter().enumerate() {
            let (from, to) = (&keys[link.from], &keys[link.to]);
            let pairs: Vec<(&Emitted, &Emitted)> = match (from.first(), to.first()) {
                (None, _) | (_, None) => continue,
                // Both repeated: element i of one goes with element i of the
                // other, so the two groups must be the same length.
                (Some((_, Some(_))), Some((_, Some(_)))) => {
                    let length = |e: usize| {
                        self.entities[e]
                            .list_fields
                            .first()
                            .map_or(0, |&f| records.list_len(f, row))
                    };
                    let (from_n, to_n) = (length(link.from), length(link.to));
                    if from_n != to_n {
                        return Err(RecordError::new(
                            None,
                            format!(
                                "links[{rule}]: both ends are repeated, with {from_n} and {to_n} elements; are they from one group?"
                            ),
                        ));
                    }
                    from.iter()
                        .filter_map(|f| to.iter().find(|t| t.1 == f.1).map(|t| (f, t)))
                        .collect()
                }
                _ => from
                    .iter()
                    .flat_map(|f| to.iter().map(move |t| (f, t)))
                    .collect(),
            };
            for ((from_key, from_element), (to_key, to_element)) in pairs {
                let at = At {
                    row,
                    element: from_element.or(*to_element),
                };
                let values = self.convert_columns(&link.columns, &[], records, at, outcomes)?;
                let role = match link.role.map(|i| &values[i]) {
                    Some(Value::Text(role)) => role.as_str(),
                    _ => "",
                };
                out.links.push(LinkRow {
                    rule,
                    key: link_key(from_key, to_key, role),
                    from_table: self.entities[link.from].table.name,
                    from_key: *from_key,
                    to_table: self.entities[link.to].table.name,
                    to_key: *to_key,
                    record,
                    values,
                });
            }
        }
        Ok(())
    }

    /// One entity row (of a record, or of one element of its group); `None`
    /// when the source has no data for it.
    #[allow(clippy::too_many_arguments)]
    fn map_entity<R: SourceRecords + ?Sized>(
        &self,
        entity: &EntityMap,
        index: usize,
        records: &R,
        at: At,
        record: usize,
        out: &mut MappedBatch,
        outcomes: &mut Vec<Outcome>,
    ) -> Result<Option<Key>, RecordError> {
        let mut key_values: Vec<Option<&str>> = Vec::with_capacity(entity.key_fields.len());
        for &field in &entity.key_fields {
            let (value, kind) = self.get(records, field, at);
            if kind == Kind::Error {
                return Err(RecordError::new(
                    Some(self.fields[field].clone()),
                    format!(
                        "entities.{}.key: error value {} in the source",
                        entity.name,
                        value.unwrap_or_default()
                    ),
                ));
            }
            key_values.push(value.map(str::trim).filter(|v| !v.is_empty()));
        }
        if let Some(missing) = key_values.iter().position(Option::is_none) {
            // An element of a repeated group is there if any of its own
            // (list) fields has a value; a record's entity if any field has.
            let counts = |f: usize| at.element.is_none() || self.shapes[f] == FieldShape::List;
            let has_value = |f: usize| {
                counts(f)
                    && self
                        .get(records, f, at)
                        .0
                        .is_some_and(|v| !v.trim().is_empty())
            };
            let has_data = entity.key_fields.iter().any(|&f| has_value(f))
                || entity
                    .columns
                    .iter()
                    .any(|c| c.field().is_some_and(has_value));
            if has_data {
                let field = &self.fields[entity.key_fields[missing]];
                return Err(RecordError::new(
                    Some(field.clone()),
                    format!("entities.{}.key: key field {field:?} is empty", entity.name),
                ));
            }
            // No data for this entity here: it is simply absent.
            return Ok(None);
        }
        let key = entity_key(
            &self.agency,
            &self.dataset,
            entity.table.name,
            key_values.iter().map(|v| v.unwrap_or_default()),
        );
        let values =
            self.convert_columns(&entity.columns, &entity.extras, records, at, outcomes)?;
        out.entities[index].rows.push(EntityRow {
            key,
            record,
            values,
        });
        Ok(Some(key))
    }

    /// A field's value and kind at `at`: a list field gives the element.
    #[inline]
    fn get<'r, R: SourceRecords + ?Sized>(
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

    /// A row's values: its columns', then the columns the mapping fills.
    fn convert_columns<R: SourceRecords + ?Sized>(
        &self,
        columns: &[ColumnMap],
        extras: &[Extra],
        records: &R,
        at: At,
        outcomes: &mut Vec<Outcome>,
    ) -> Result<Vec<Value>, RecordError> {
        let mut values = Vec::with_capacity(columns.len() + extras.len());
        let mut names = Names::default();
        for column in columns {
            let value = match &column.source {
                Source::Constant(value) => value.clone(),
                Source::Field(field) => {
                    let value = self.convert(column, *field, records, at, outcomes, &mut names)?;
                    if column.required && value == Value::Null {
                        return Err(RecordError::new(
                            Some(self.fields[*field].clone()),
                            format!("{}: required value is empty", column.key),
                        ));
                    }
                    value
                }
            };
            values.push(value);
        }
        for extra in extras {
            values.push(match extra {
                Extra::Original { field, .. } => {
                    match self.get(records, *field, at).0.map(str::trim) {
                        Some(text) if !text.is_empty() => Value::Text(text.to_owned()),
                        _ => Value::Null,
                    }
                }
                Extra::NameKey(_) => names.key(),
                Extra::FamilyOfFullName => names.of_full(|name| &name.family),
                Extra::GivenOfFullName => names.of_full(|name| &name.given),
            });
        }
        Ok(values)
    }

    /// One field's value for a column: normalised or looked up, converted
    /// to the column's type; an invalid value as the column's `on_invalid`
    /// says. Counted columns note their outcome in `outcomes`.
    fn convert<'r, R: SourceRecords + ?Sized>(
        &self,
        column: &ColumnMap,
        field: usize,
        records: &'r R,
        at: At,
        outcomes: &mut Vec<Outcome>,
        names: &mut Names<'r>,
    ) -> Result<Value, RecordError> {
        let (raw, kind) = self.get(records, field, at);
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
                            Some(NamePart::Family) => names.family = Some(text),
                            Some(NamePart::Given) => names.given = Some(text),
                            _ => {}
                        }
                        Ok(value)
                    }
                    Ok(Normalised::FullName(name)) => {
                        names.full = Some(name);
                        // The column keeps the name as written.
                        Ok(Value::Text(text.to_owned()))
                    }
                    Err(reason) => Err(ValueError::from(reason)),
                }
            }
        };
        let Some(counted) = column.counted else {
            return converted.map_err(|reason| {
                RecordError::new(
                    Some(self.fields[field].clone()),
                    format!("{}: {reason}", column.key),
                )
            });
        };
        match converted {
            Ok(value) => {
                outcomes.push(Outcome {
                    counted,
                    unmatched: false,
                });
                Ok(value)
            }
            Err(reason) if kind == Kind::Error => Err(RecordError::new(
                Some(self.fields[field].clone()),
                format!("{}: {reason}", column.key),
            )),
            Err(reason) => match column.on_invalid {
                OnInvalid::Quarantine => Err(RecordError {
                    field: Some(self.fields[field].clone()),
                    reason: format!("{}: {reason}", column.key),
                    counted: Some(counted),
                }),
                OnInvalid::Keep | OnInvalid::Null => {
                    outcomes.push(Outcome {
                        counted,
                        unmatched: true,
                    });
                    Ok(match (column.on_invalid, text) {
                        (OnInvalid::Keep, Some(text)) => Value::Text(text.to_owned()),
                        _ => Value::Null,
                    })
                }
            },
        }
    }

    /// The record's grading, from the pipeline's `[grading]`: a part read
    /// from a field that is empty or not one of its grades refuses the
    /// record, naming the field and the grades allowed (never the value).
    fn grading_of<R: SourceRecords + ?Sized>(
        &self,
        records: &R,
        row: usize,
    ) -> Result<Grading, RecordError> {
        let mut grading = Grading::default();
        for &(part, map) in &self.grading {
            let grade = match map {
                GradeMap::Constant(grade) => grade,
                GradeMap::Field(field) => {
                    let key = part.key();
                    let fail = |reason: String| {
                        Err(RecordError::new(Some(self.fields[field].clone()), reason))
                    };
                    let value = records.value(field, row);
                    if records.kind(field, row) == Kind::Error {
                        // The error text is the spreadsheet's code and cell, never data.
                        let text = value.map(str::trim).unwrap_or_default();
                        return fail(format!("grading.{key}: error value {text} in the source"));
                    }
                    match value.map(str::trim).filter(|v| !v.is_empty()) {
                        None => {
                            return fail(format!(
                                "grading.{key}: {} is empty; expected {}",
                                part.describe(),
                                part.expected()
                            ));
                        }
                        Some(text) => match part.parse(text) {
                            Some(grade) => grade,
                            None => {
                                return fail(format!(
                                    "grading.{key}: not a {}; expected {}",
                                    part.describe(),
                                    part.expected()
                                ));
                            }
                        },
                    }
                }
            };
            grading.set(part, grade);
        }
        Ok(grading)
    }
}

/// The name parts a row's name normalisers read, for its match key.
#[derive(Default)]
struct Names<'r> {
    family: Option<&'r str>,
    given: Option<&'r str>,
    full: Option<PersonName>,
}

impl Names<'_> {
    fn key(&self) -> Value {
        let key = if self.family.is_some() || self.given.is_some() {
            match_key_of_parts(self.family.into_iter().chain(self.given))
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

    fn of_full(&self, part: fn(&PersonName) -> &str) -> Value {
        match self.full.as_ref().map(part) {
            Some(text) if !text.is_empty() => Value::Text(text.to_owned()),
            _ => Value::Null,
        }
    }
}

/// A counted column's outcome for one value of a record not yet loaded.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    counted: usize,
    unmatched: bool,
}

/// Where a value is read from: a record, and for a repeated entity the
/// element of its group.
#[derive(Debug, Clone, Copy)]
struct At {
    row: usize,
    element: Option<usize>,
}

/// An entity row a record yielded: its key, and its element of a repeated
/// group (`None` for a record's single row).
type Emitted = (Key, Option<usize>);

/// Why one value of a record did not become its column's value; never
/// repeats the value.
#[derive(Debug, thiserror::Error)]
enum ValueError<'a> {
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
struct RecordError {
    field: Option<String>,
    reason: String,
    counted: Option<usize>,
}

impl RecordError {
    fn new(field: Option<String>, reason: String) -> RecordError {
        RecordError {
            field,
            reason,
            counted: None,
        }
    }
}
