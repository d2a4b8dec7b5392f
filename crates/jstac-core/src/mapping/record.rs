//! The per-record work of [`Mapping::map_into`]: each record's values
//! converted (normalised, looked up), its entities keyed, its rows and
//! links emitted, or the record quarantined whole with the reason.

use super::batch::{EntityRow, EntityRows, FieldCounts, LinkRow, MappedBatch, QuarantineEntry};
use super::column::{
    At, Counted, Names, Outcome, RecordError, hex_text, unmatched_texts, value_text,
};
use super::compile::{EntityMap, Extra, GradeMap, Mapping};
use super::input::{FieldShape, SourceRecords};
use super::json::{bounded_raw, raw_record};
use super::key::{Key, entity_key, link_key};

use crate::convert::{Kind, Value};
use crate::grading::Grading;

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

/// An entity row a record yielded: its key, and its element of a repeated
/// group (`None` for a record's single row).
type Emitted = (Key, Option<usize>);
