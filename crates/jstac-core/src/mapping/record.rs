//! The per-record work of [`Mapping::map_into`]: each record's values
//! converted (normalised, looked up), its entities keyed, its rows and
//! links emitted, or the record quarantined whole with the reason.

use std::borrow::Cow;

use jstac_normalise::name::{PersonName, match_key_of_parts};

use super::batch::{EntityRow, EntityRows, FieldCounts, LinkRow, MappedBatch, QuarantineEntry};
use super::compile::{Bound, ColumnMap, EntityMap, Extra, GradeMap, Mapping, Source};
use super::input::{FieldShape, SourceRecords};
use super::json::{bounded_raw, raw_record};
use super::key::{Key, entity_key, link_key};
use chrono::NaiveDate;
use jstac_normalise::date::approximate_marker;

use crate::convert::{ConvertError, Kind, Value, check_text};
use crate::grading::Grading;
use crate::normalise::{NamePart, NormaliseError, Normalised, OnInvalid, Transform};
use crate::pipeline::{Combine, TemplatePart};

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
                    raw: bounded_raw(records.raw(row).unwrap_or_default().to_owned()),
                });
                continue;
            }
            let record = out.locators.len();
            let marks: Vec<usize> = out.entities.iter().map(|e| e.rows.len()).collect();
            let link_mark = out.links.len();
            outcomes.clear();
            let mapped = self.grading_of(records, row).and_then(|grading| {
                self.map_record(records, row, record, out, &mut keys, &mut outcomes)
                    .map(|applied| (grading, applied))
            });
            match mapped {
                Ok((_, false)) => {
                    // No rule applies to the record: the pipeline's routing.
                    out.skipped += 1;
                }
                Ok((grading, true)) => {
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
                        match outcome.outcome {
                            Counted::Normalised => counts.normalised += 1,
                            Counted::Unmatched => counts.unmatched += 1,
                            Counted::NotKnown => counts.not_known += 1,
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
                        raw: bounded_raw(raw_record(
                            &self.raw_keys,
                            &self.shapes,
                            records,
                            row,
                            &mut raw_capacity,
                        )),
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

    /// Maps one record's entities, values and links; `false` when no
    /// entity rule applies to it (every one's `when` said no).
    fn map_record<R: SourceRecords + ?Sized>(
        &self,
        records: &R,
        row: usize,
        record: usize,
        out: &mut MappedBatch,
        keys: &mut [Vec<Emitted>],
        outcomes: &mut Vec<Outcome>,
    ) -> Result<bool, RecordError> {
        let mut applied = false;
        // Entities first, then the values their owners have.
        for values in [false, true] {
            for (index, entity) in self.entities.iter().enumerate() {
                if entity.owner.is_some() != values {
                    continue;
                }
                keys[index].clear();
                if entity.spill_only {
                    continue;
                }
                if let Some(owner) = entity.owner {
                    let owners = keys[owner].clone();
                    self.map_values(entity, index, &owners, records, row, record, out, outcomes)?;
                    continue;
                }
                if entity.list_fields.is_empty() {
                    let at = At { row, element: None };
                    if !self.applies(entity, records, at) {
                        continue;
                    }
                    applied = true;
                    if let Some(key) =
                        self.map_entity(entity, index, records, at, record, out, outcomes)?
                    {
                        keys[index].push((key, None));
                    }
                    continue;
                }
                let n = self.group_length(entity, records, row)?;
                if entity.when.is_none() {
                    applied = true;
                }
                for element in 0..n {
                    let at = At {
                        row,
                        element: Some(element),
                    };
                    if !self.applies(entity, records, at) {
                        continue;
                    }
                    applied = true;
                    if let Some(key) =
                        self.map_entity(entity, index, records, at, record, out, outcomes)?
                    {
                        keys[index].push((key, Some(element)));
                    }
                }
            }
        }
        if !applied {
            return Ok(false);
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
                let values = self.convert_columns(
                    &link.columns,
                    &[],
                    records,
                    at,
                    outcomes,
                    None,
                    &mut Vec::new(),
                )?;
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
        Ok(true)
    }

    /// The number of elements of a repeated entity's group in a record:
    /// its list fields must agree.
    fn group_length<R: SourceRecords + ?Sized>(
        &self,
        entity: &EntityMap,
        records: &R,
        row: usize,
    ) -> Result<usize, RecordError> {
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
        Ok(n)
    }

    /// Whether the entity's `when` holds at `at` (always, without one).
    fn applies<R: SourceRecords + ?Sized>(&self, entity: &EntityMap, records: &R, at: At) -> bool {
        match &entity.when {
            None => true,
            Some((field, condition)) => condition.holds(self.get(records, *field, at).0),
        }
    }

    /// A value table's rows of one record: for each owner the record
    /// yielded, its values (one per element of the value's group, when it
    /// reads one; element by element when the owner is of the same group).
    #[allow(clippy::too_many_arguments)]
    fn map_values<R: SourceRecords + ?Sized>(
        &self,
        entity: &EntityMap,
        index: usize,
        owners: &[Emitted],
        records: &R,
        row: usize,
        record: usize,
        out: &mut MappedBatch,
        outcomes: &mut Vec<Outcome>,
    ) -> Result<(), RecordError> {
        let Some(first) = owners.first() else {
            return Ok(());
        };
        let owner_table = entity
            .owner
            .map_or("", |owner| self.entities[owner].table.name);
        if entity.list_fields.is_empty() {
            for &(owner, element) in owners {
                let at = At { row, element };
                if self.applies(entity, records, at) {
                    self.map_value(
                        entity,
                        index,
                        records,
                        at,
                        record,
                        (owner_table, owner),
                        out,
                        outcomes,
                    )?;
                }
            }
            return Ok(());
        }
        let n = self.group_length(entity, records, row)?;
        let owner_repeated = first.1.is_some();
        if owner_repeated {
            let owner_n = entity
                .owner
                .and_then(|owner| self.entities[owner].list_fields.first())
                .map_or(0, |&f| records.list_len(f, row));
            if owner_n != n {
                return Err(RecordError::new(
                    None,
                    format!(
                        "entities.{}: its owner has {owner_n} elements and its values {n}; a repeated owner's values must be of its own group",
                        entity.name
                    ),
                ));
            }
        }
        for element in 0..n {
            let owner = if owner_repeated {
                match owners.iter().find(|o| o.1 == Some(element)) {
                    Some(&(owner, _)) => owner,
                    None => continue,
                }
            } else {
                first.0
            };
            let at = At {
                row,
                element: Some(element),
            };
            if self.applies(entity, records, at) {
                self.map_value(
                    entity,
                    index,
                    records,
                    at,
                    record,
                    (owner_table, owner),
                    out,
                    outcomes,
                )?;
            }
        }
        Ok(())
    }

    /// One value (or, where a normaliser finds several in one text, one
    /// row per value), keyed by its owner and what it says; none when every
    /// field it reads is empty.
    #[allow(clippy::too_many_arguments)]
    fn map_value<R: SourceRecords + ?Sized>(
        &self,
        entity: &EntityMap,
        index: usize,
        records: &R,
        at: At,
        record: usize,
        owner: (&'static str, Key),
        out: &mut MappedBatch,
        outcomes: &mut Vec<Outcome>,
    ) -> Result<(), RecordError> {
        let mut more = Vec::new();
        let values = self.convert_columns(
            &entity.columns,
            &entity.extras,
            records,
            at,
            outcomes,
            Some(owner),
            &mut more,
        )?;
        let substance = entity.table.substance;
        let has_data = entity.columns.iter().zip(&values).any(|(column, value)| {
            !column.fields().is_empty()
                && *value != Value::Null
                && (substance.is_empty() || substance.contains(&column.column))
        });
        if !has_data && unmatched_texts(entity, &values).is_empty() {
            return Ok(());
        }
        let key = self.value_key(entity, owner, &values);
        out.entities[index].rows.push(EntityRow {
            key,
            record,
            values: values.clone(),
        });
        // Further values one text named (`British/Irish`, `(1) A (2) B`):
        // a row each, with the columns filled from them made again.
        for (column, value) in more {
            let mut values = values.clone();
            values[column] = value;
            self.fill_extras(
                &entity.columns,
                &entity.extras,
                records,
                at,
                Some(owner),
                &Names::default(),
                &mut values,
            );
            let key = self.value_key(entity, owner, &values);
            out.entities[index].rows.push(EntityRow {
                key,
                record,
                values,
            });
        }
        Ok(())
    }

    /// A value's key: its table, owner and mapped columns' values (and the
    /// source text of a value no code was found for: two such are two
    /// values).
    fn value_key(&self, entity: &EntityMap, owner: (&'static str, Key), values: &[Value]) -> Key {
        let owner_key = hex_text(&owner.1);
        let parts: Vec<String> = entity
            .columns
            .iter()
            .zip(values)
            .filter(|(_, value)| **value != Value::Null)
            .map(|(column, value)| format!("{}={}", column.column, value_text(value)))
            .chain(
                unmatched_texts(entity, values)
                    .into_iter()
                    .map(|(i, text)| format!("{}~{text}", entity.columns[i].column)),
            )
            .collect();
        entity_key(
            &self.agency,
            &self.dataset,
            entity.table.name,
            [owner.0, owner_key.as_str()]
                .into_iter()
                .chain(parts.iter().map(String::as_str)),
        )
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
        for &part in &entity.may_be_empty {
            if key_values[part].is_none() {
                key_values[part] = Some("");
            }
        }
        if let Some(missing) = key_values.iter().position(Option::is_none) {
            if entity.optional {
                // The source has no whole key for it here: no such entity.
                return Ok(None);
            }
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
                    .any(|c| c.fields().iter().any(|&f| has_value(f)));
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
        // A column's further values (a second nationality) have no place
        // in an entity row: its spill value rule takes them all.
        let mut more = Vec::new();
        let values = self.convert_columns(
            &entity.columns,
            &entity.extras,
            records,
            at,
            outcomes,
            None,
            &mut more,
        )?;
        out.entities[index].rows.push(EntityRow {
            key,
            record,
            values,
        });
        if let Some(spill) = entity.spill.filter(|_| !more.is_empty()) {
            let rule = &self.entities[spill];
            self.map_value(
                rule,
                spill,
                records,
                at,
                record,
                (entity.table.name, key),
                out,
                outcomes,
            )?;
        }
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

    /// A source's text at `at`: a field's value, or several fields' made
    /// into one.
    fn text_of<'r, R: SourceRecords + ?Sized>(
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
    fn convert_columns<R: SourceRecords + ?Sized>(
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
    fn fill_extras<R: SourceRecords + ?Sized>(
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
    fn field_names(&self, column: &ColumnMap) -> String {
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
    fn convert<'r, R: SourceRecords + ?Sized>(
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
    fn convert_text<'r>(
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

/// The writing system of a text's first letter, by its Unicode block.
/// A value's substance columns a normaliser found no code for, though the
/// source wrote something it does not call "not known" (`former Soviet
/// Union`): (column index, the source text its `…_text` companion kept).
/// Such a value is kept, with its text and no code.
fn unmatched_texts<'v>(entity: &EntityMap, values: &'v [Value]) -> Vec<(usize, &'v str)> {
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

fn script_of(text: &str) -> Option<&'static str> {
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
fn hex_text(key: &Key) -> String {
    String::from_utf8_lossy(&key.hex()).into_owned()
}

/// A source text trimmed, borrowed where it was.
fn trimmed<'r>(raw: &Option<Cow<'r, str>>) -> Cow<'r, str> {
    match raw {
        Some(Cow::Borrowed(text)) => Cow::Borrowed(text.trim()),
        Some(Cow::Owned(text)) => Cow::Owned(text.trim().to_owned()),
        None => Cow::Borrowed(""),
    }
}

/// A value as the text a value's key is made of.
fn value_text(value: &Value) -> Cow<'_, str> {
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
fn date_bound(bound: Bound, date: &Value, from: &Value, to: &Value) -> Value {
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
fn partial_span(text: &str) -> Option<(NaiveDate, NaiveDate, &'static str)> {
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
fn compared_identifier(text: &str) -> Value {
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
struct Names<'r> {
    family: Option<Cow<'r, str>>,
    given: Option<Cow<'r, str>>,
    full: Option<PersonName>,
}

impl Names<'_> {
    fn key(&self) -> Value {
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
    outcome: Counted,
}

/// What a counted column did with one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    Normalised,
    Unmatched,
    NotKnown,
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
