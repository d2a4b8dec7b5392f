//! A checked pipeline compiled against one file's fields, and the per-record
//! work: convert, key, and either emit rows or quarantine the record whole.

use jstac_normalise::name::{PersonName, match_key_of_parts};
use sha2::{Digest, Sha256};

use crate::catalog::TableDef;
use crate::convert::{Conversion, Kind, Value};
use crate::grading::{GradePart, GradeSource, Grading};
use crate::normalise::{NamePart, Normalised, OnInvalid, Transform};
use crate::pipeline::{CheckedPipeline, ColumnRule, SpecError, ValueSource};

/// Read access to a batch of source records, as a plugin delivered them.
pub trait SourceRecords {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Field `field` of record `row`; `None` when missing.
    fn value(&self, field: usize, row: usize) -> Option<&str>;
    /// What field `field` of record `row` holds: text unless a typed source
    /// (a spreadsheet) says otherwise.
    fn kind(&self, field: usize, row: usize) -> Kind {
        let _ = (field, row);
        Kind::Text
    }
    /// How many elements list field `field` has in record `row`.
    fn list_len(&self, field: usize, row: usize) -> usize {
        let _ = (field, row);
        0
    }
    /// Element `index` of list field `field` in record `row`.
    fn list_value(&self, field: usize, row: usize, index: usize) -> Option<&str> {
        let _ = (field, row, index);
        None
    }
    fn locator(&self, row: usize) -> &str;
    /// Why the plugin could not read the record, if it could not.
    fn reject(&self, row: usize) -> Option<&str>;
    fn raw(&self, row: usize) -> Option<&str>;
}

/// What a source field carries, as its plugin declared it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldShape {
    /// One value per record.
    #[default]
    Single,
    /// A repeated group's values: a list per record, aligned by index with
    /// the group's other list fields.
    List,
}

/// A pipeline's mapping, bound to the field order of one file.
#[derive(Debug, Clone)]
pub struct Mapping {
    agency: String,
    dataset: String,
    fields: Vec<String>,
    shapes: Vec<FieldShape>,
    entities: Vec<EntityMap>,
    links: Vec<LinkMap>,
    /// Columns whose outcomes are counted, in the order of
    /// [`MappedBatch::field_counts`].
    counted: Vec<CountedField>,
    /// The parts of each record's grading the pipeline gives.
    grading: Vec<(GradePart, GradeMap)>,
    /// Each field's name as a JSON object key with its colon (`"Surname":`),
    /// preceded by a comma for all but the first: the raw record's pieces.
    raw_keys: Vec<String>,
}

/// Where a part of the grading comes from, bound to the file's fields.
#[derive(Debug, Clone, Copy)]
enum GradeMap {
    Field(usize),
    Constant(&'static str),
}

#[derive(Debug, Clone)]
struct EntityMap {
    name: String,
    table: &'static TableDef,
    key_fields: Vec<usize>,
    columns: Vec<ColumnMap>,
    /// Columns the mapping fills itself, written after `columns`.
    extras: Vec<Extra>,
    /// The list fields it reads: when any, the entity is repeated, one row
    /// per element of its group.
    list_fields: Vec<usize>,
}

/// A column the mapping fills itself (see [`crate::catalog::Fill`]).
#[derive(Debug, Clone, Copy)]
enum Extra {
    /// The trimmed source text of this field.
    Original { column: &'static str, field: usize },
    /// The match key of the name read by the name normalisers.
    NameKey(&'static str),
    /// The family name read from a full name (the entity maps none).
    FamilyOfFullName,
    /// The given names read from a full name (the entity maps none).
    GivenOfFullName,
}

impl Extra {
    fn column(&self) -> &'static str {
        match self {
            Extra::Original { column, .. } | Extra::NameKey(column) => column,
            Extra::FamilyOfFullName => "family_name",
            Extra::GivenOfFullName => "given_names",
        }
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

/// A column whose outcomes are counted: it has a normaliser or a lookup,
/// or is a date read with options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedField {
    /// The column rule: `entities.person.columns.nationality`.
    pub rule: String,
    /// The source field it reads.
    pub field: String,
    /// `country`, `lookup offences`, `date`.
    pub normaliser: String,
}

/// What one counted column did with the values (not empty) of the records
/// it saw: values of loaded records normalised (or matched), or unmatched
/// (kept as written or nulled by `on_invalid`), and records quarantined
/// because of its value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldCounts {
    pub normalised: u64,
    pub unmatched: u64,
    pub quarantined: u64,
}

impl FieldCounts {
    pub fn add(&mut self, other: &FieldCounts) {
        self.normalised += other.normalised;
        self.unmatched += other.unmatched;
        self.quarantined += other.quarantined;
    }

    pub fn is_zero(&self) -> bool {
        *self == FieldCounts::default()
    }
}

/// A counted column with its counts, for a file or a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldStats {
    pub field: CountedField,
    pub counts: FieldCounts,
}

impl FieldStats {
    /// Zero counts for each counted column of a mapping.
    pub fn for_mapping(mapping: &Mapping) -> Vec<FieldStats> {
        mapping
            .counted_fields()
            .iter()
            .map(|field| FieldStats {
                field: field.clone(),
                counts: FieldCounts::default(),
            })
            .collect()
    }

    /// Adds a batch's counts (of the same mapping) to `stats`.
    pub fn add_batch(stats: &mut [FieldStats], batch: &MappedBatch) {
        for (stats, counts) in stats.iter_mut().zip(&batch.field_counts) {
            stats.counts.add(counts);
        }
    }

    /// Adds `more` to `stats`, column by column (matched by rule).
    pub fn merge(stats: &mut Vec<FieldStats>, more: &[FieldStats]) {
        for other in more {
            match stats.iter_mut().find(|s| s.field == other.field) {
                Some(found) => found.counts.add(&other.counts),
                None => stats.push(other.clone()),
            }
        }
    }
}

/// A counted column's outcome for one value of a record not yet loaded.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    counted: usize,
    unmatched: bool,
}

#[derive(Debug, Clone)]
struct LinkMap {
    from: usize,
    to: usize,
    columns: Vec<ColumnMap>,
    /// Index in `columns` of `role`, part of the link's key.
    role: Option<usize>,
}

#[derive(Debug, Clone)]
struct ColumnMap {
    key: String,
    column: &'static str,
    source: Source,
    conversion: Conversion,
    required: bool,
    transform: Option<Transform>,
    on_invalid: OnInvalid,
    /// Index into [`Mapping::counted`], when its outcomes are counted.
    counted: Option<usize>,
}

#[derive(Debug, Clone)]
enum Source {
    Field(usize),
    Constant(Value),
}

impl ColumnMap {
    fn field(&self) -> Option<usize> {
        match self.source {
            Source::Field(field) => Some(field),
            Source::Constant(_) => None,
        }
    }
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

/// Rows for one entity of the pipeline.
#[derive(Debug)]
pub struct EntityRows {
    pub table: &'static TableDef,
    /// Mapped column names, in the order of each row's `values`.
    pub columns: Vec<&'static str>,
    pub rows: Vec<EntityRow>,
    /// (key, record) of rows dropped for a later adjacent row with the same
    /// key (a crime named on each of its rows): their values are superseded,
    /// but their records asserted the entity all the same (provenance).
    pub superseded: Vec<(Key, usize)>,
}

/// A stable key: 128 bits of SHA-256 (see [`entity_key`]). Stored and
/// shown as 32 lower-case hex digits, whose order is the order of the bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key([u8; 16]);

impl Key {
    /// The key as 32 lower-case hex digits (ASCII), without allocating.
    pub fn hex(&self) -> [u8; 32] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (i, byte) in self.0.iter().enumerate() {
            out[2 * i] = DIGITS[usize::from(byte >> 4)];
            out[2 * i + 1] = DIGITS[usize::from(byte & 0x0f)];
        }
        out
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = self.hex();
        // Hex digits are ASCII.
        f.write_str(std::str::from_utf8(&hex).map_err(|_| std::fmt::Error)?)
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({self})")
    }
}

#[derive(Debug)]
pub struct EntityRow {
    pub key: Key,
    /// Index into [`MappedBatch::locators`].
    pub record: usize,
    pub values: Vec<Value>,
}

/// A link between two entities of the same record.
#[derive(Debug)]
pub struct LinkRow {
    /// Index of the link rule (and of [`MappedBatch::link_columns`]).
    pub rule: usize,
    pub key: Key,
    pub from_table: &'static str,
    pub from_key: Key,
    pub to_table: &'static str,
    pub to_key: Key,
    pub record: usize,
    pub values: Vec<Value>,
}

/// A record that did not load, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarantineEntry {
    pub locator: String,
    /// The source field at fault, when there is one.
    pub field: Option<String>,
    pub reason: String,
    /// The record as read: a JSON object of its fields, or the plugin's raw text.
    pub raw: String,
}

/// The result of mapping one batch.
#[derive(Debug)]
pub struct MappedBatch {
    /// Locators of loaded records, indexed by the rows' `record`.
    pub locators: Vec<String>,
    /// The 3x5x2 grading of each loaded record (as `locators`); all `None`
    /// where the pipeline has no `[grading]`.
    pub gradings: Vec<Grading>,
    /// Each loaded record's fields as read (as `locators`): a JSON object
    /// text, field name to value, list fields as arrays, typed cells as
    /// their text, in the file's field order.
    pub raws: Vec<String>,
    pub entities: Vec<EntityRows>,
    /// Mapped link column names, per link rule (in pipeline order).
    pub link_columns: Vec<Vec<&'static str>>,
    pub links: Vec<LinkRow>,
    pub quarantine: Vec<QuarantineEntry>,
    pub read: u64,
    pub loaded: u64,
    /// Per counted column (in the order of [`Mapping::counted_fields`]).
    pub field_counts: Vec<FieldCounts>,
}

impl MappedBatch {
    /// Roughly how much memory the batch holds (strings, values, rows):
    /// what the writer bounds its chunks by.
    pub fn approx_bytes(&self) -> usize {
        const STRING: usize = std::mem::size_of::<String>() + 16;
        let text = |s: &str| s.len() + STRING;
        let values = |values: &[Value]| -> usize {
            values
                .iter()
                .map(|v| {
                    std::mem::size_of::<Value>()
                        + match v {
                            Value::Text(s) | Value::Decimal(s) => s.len() + 16,
                            _ => 0,
                        }
                })
                .sum()
        };
        let entities: usize = self
            .entities
            .iter()
            .flat_map(|e| &e.rows)
            .map(|row| std::mem::size_of::<EntityRow>() + 16 + values(&row.values))
            .sum::<usize>()
            + self
                .entities
                .iter()
                .map(|e| e.superseded.len() * std::mem::size_of::<(Key, usize)>())
                .sum::<usize>();
        let links: usize = self
            .links
            .iter()
            .map(|link| std::mem::size_of::<LinkRow>() + 16 + values(&link.values))
            .sum();
        let locators: usize = self.locators.iter().map(|l| text(l)).sum();
        let raws: usize = self.raws.iter().map(|r| text(r)).sum();
        let gradings = self.gradings.len() * std::mem::size_of::<Grading>();
        let quarantine: usize = self
            .quarantine
            .iter()
            .map(|q| text(&q.locator) + text(&q.reason) + text(&q.raw))
            .sum();
        entities + links + locators + raws + gradings + quarantine
    }
}

impl Mapping {
    /// Binds a checked pipeline to a file's fields. Every field the pipeline
    /// names must exist; each missing one is an error naming its key.
    ///
    /// An entity that reads any [`FieldShape::List`] field is repeated: each
    /// record yields one of it per element of the list (several subjects of
    /// one report), and its links are made per element.
    pub fn compile(
        pipeline: &CheckedPipeline,
        fields: &[String],
        shapes: &[FieldShape],
    ) -> Result<Mapping, Vec<SpecError>> {
        let shape = |field: usize| shapes.get(field).copied().unwrap_or_default();
        let mut errors = Vec::new();
        let mut find = |key: String, name: &str| -> usize {
            match fields.iter().position(|f| f == name) {
                Some(index) => index,
                None => {
                    errors.push(SpecError {
                        key,
                        message: format!(
                            "no field {name:?} in the file (it has {})",
                            fields
                                .iter()
                                .map(|f| format!("{f:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                    usize::MAX
                }
            }
        };
        let mut counted = Vec::new();
        let mut columns = |rules: &[ColumnRule], find: &mut dyn FnMut(String, &str) -> usize| {
            rules
                .iter()
                .map(|rule| {
                    let source = match &rule.source {
                        ValueSource::Field(name) => {
                            Source::Field(find(format!("{}.field", rule.key), name))
                        }
                        // Constants convert: the pipeline check applied them.
                        ValueSource::Constant(text) => Source::Constant(
                            rule.conversion.apply(Some(text)).unwrap_or(Value::Null),
                        ),
                    };
                    let counted = match (&rule.source, rule.counted_as()) {
                        (ValueSource::Field(field), Some(normaliser)) => {
                            counted.push(CountedField {
                                rule: rule.key.clone(),
                                field: field.clone(),
                                normaliser,
                            });
                            Some(counted.len() - 1)
                        }
                        _ => None,
                    };
                    ColumnMap {
                        key: rule.key.clone(),
                        column: rule.column,
                        source,
                        conversion: rule.conversion.clone(),
                        required: rule.required,
                        transform: rule.transform.clone(),
                        on_invalid: rule.on_invalid,
                        counted,
                    }
                })
                .collect::<Vec<_>>()
        };
        let entities: Vec<EntityMap> = pipeline
            .entities
            .iter()
            .map(|entity| {
                let key_fields: Vec<usize> = entity
                    .key_fields
                    .iter()
                    .map(|field| find(format!("entities.{}.key", entity.name), field))
                    .collect();
                let columns = columns(&entity.columns, &mut find);
                let extras = extras(entity.table, &entity.columns, &columns);
                let mut list_fields: Vec<usize> = key_fields
                    .iter()
                    .copied()
                    .chain(columns.iter().filter_map(ColumnMap::field))
                    .filter(|&f| shape(f) == FieldShape::List)
                    .collect();
                list_fields.sort_unstable();
                list_fields.dedup();
                EntityMap {
                    name: entity.name.clone(),
                    table: entity.table,
                    key_fields,
                    columns,
                    extras,
                    list_fields,
                }
            })
            .collect();
        let mut entities = entities;
        let links: Vec<LinkMap> = pipeline
            .links
            .iter()
            .map(|link| {
                let columns = columns(&link.columns, &mut find);
                LinkMap {
                    from: link.from,
                    to: link.to,
                    role: columns.iter().position(|c| c.column == "role"),
                    columns,
                }
            })
            .collect();
        let mut grading_errors = Vec::new();
        let grading: Vec<(GradePart, GradeMap)> = pipeline
            .grading
            .parts
            .iter()
            .map(|(part, source)| {
                let map = match source {
                    GradeSource::Field(name) => {
                        let key = format!("grading.{}.field", part.key());
                        let field = find(key, name);
                        if field != usize::MAX && shape(field) == FieldShape::List {
                            grading_errors.push(SpecError {
                                key: format!("grading.{}", part.key()),
                                message: format!(
                                    "field {name:?} is a repeated group's; a grading belongs to the whole record"
                                ),
                            });
                        }
                        GradeMap::Field(field)
                    }
                    GradeSource::Constant(grade) => GradeMap::Constant(grade),
                };
                (*part, map)
            })
            .collect();
        errors.append(&mut grading_errors);
        for (index, link) in links.iter().enumerate() {
            let repeated = |e: usize| entities.get(e).is_some_and(|e| !e.list_fields.is_empty());
            let reads_list = link
                .columns
                .iter()
                .filter_map(ColumnMap::field)
                .any(|f| shape(f) == FieldShape::List);
            if reads_list && !repeated(link.from) && !repeated(link.to) {
                errors.push(SpecError {
                    key: format!("links[{index}].columns"),
                    message:
                        "reads a repeated-group field, but neither end of the link is repeated"
                            .to_owned(),
                });
            }
        }
        // A repeated entity keyed only by record-level fields would give
        // every element one key, and all but one element would be lost.
        for entity in &entities {
            let keyed_by_element = entity
                .key_fields
                .iter()
                .any(|&f| f != usize::MAX && shape(f) == FieldShape::List);
            if !entity.list_fields.is_empty() && !keyed_by_element {
                errors.push(SpecError {
                    key: format!("entities.{}.key", entity.name),
                    message: format!(
                        "the entity reads repeated-group fields ({}), so its key must include one of them; otherwise every element gets the same key",
                        entity
                            .list_fields
                            .iter()
                            .map(|&f| format!("{:?}", fields[f]))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        // A link's list fields belong to the group of its repeated end: their
        // lengths are checked with that entity's.
        for link in &links {
            let end = if entities[link.from].list_fields.is_empty() {
                link.to
            } else {
                link.from
            };
            if entities[end].list_fields.is_empty() {
                continue;
            }
            let extra: Vec<usize> = link
                .columns
                .iter()
                .filter_map(ColumnMap::field)
                .filter(|&f| shape(f) == FieldShape::List)
                .collect();
            let list_fields = &mut entities[end].list_fields;
            list_fields.extend(extra);
            list_fields.sort_unstable();
            list_fields.dedup();
        }
        if errors.is_empty() {
            Ok(Mapping {
                agency: pipeline.agency.clone(),
                dataset: pipeline.dataset.clone(),
                fields: fields.to_vec(),
                shapes: (0..fields.len()).map(shape).collect(),
                entities,
                links,
                counted,
                grading,
                raw_keys: raw_keys(fields),
            })
        } else {
            Err(errors)
        }
    }

    /// The columns whose outcomes are counted, in the order of
    /// [`MappedBatch::field_counts`].
    pub fn counted_fields(&self) -> &[CountedField] {
        &self.counted
    }

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
                    out.raws
                        .push(self.raw_record(records, row, &mut raw_capacity));
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
                        raw: self.raw_record(records, row, &mut raw_capacity),
                    });
                }
            }
        }
        // An extract names a crime on each of its rows: of adjacent rows with
        // one key only the last is kept, as the upsert would keep it.
        for entity in &mut out.entities {
            keep_last_of_runs(&mut entity.rows, &mut entity.superseded);
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
            (Some(_), Some(_)) if kind == Kind::Error => column.conversion.apply_typed(raw, kind),
            (None, Some(_)) => column.conversion.apply_typed(raw, kind),
            (Some(Transform::Lookup(lookup)), Some(text)) => lookup
                .get(text)
                .cloned()
                .ok_or_else(|| format!("not in lookup {:?}", lookup.name)),
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
                    Err(reason) => Err(reason),
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

    /// The record's fields as a JSON object (field name to value, list
    /// fields as arrays, in the file's field order): a loaded record's
    /// [`MappedBatch::raws`] and a quarantined record's `raw`. Written
    /// straight into one string: it runs for every record.
    fn raw_record<R: SourceRecords + ?Sized>(
        &self,
        records: &R,
        row: usize,
        capacity: &mut usize,
    ) -> String {
        let mut out = String::with_capacity(*capacity);
        out.push('{');
        for (index, key) in self.raw_keys.iter().enumerate() {
            out.push_str(key);
            match self.shapes[index] {
                FieldShape::Single => push_json_value(&mut out, records.value(index, row)),
                FieldShape::List => {
                    out.push('[');
                    for i in 0..records.list_len(index, row) {
                        if i > 0 {
                            out.push(',');
                        }
                        push_json_value(&mut out, records.list_value(index, row, i));
                    }
                    out.push(']');
                }
            }
        }
        out.push('}');
        // The next record of the file is likely about as long.
        *capacity = (*capacity).max(out.len());
        out
    }
}

/// Each field name as a JSON object key and colon, all but the first
/// preceded by a comma: the fixed pieces of [`Mapping::raw_record`].
fn raw_keys(fields: &[String]) -> Vec<String> {
    fields
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let mut key = String::with_capacity(name.len() + 4);
            if index > 0 {
                key.push(',');
            }
            push_json_string(&mut key, name);
            key.push(':');
            key
        })
        .collect()
}

/// A JSON string, or `null` for a missing value.
#[inline]
fn push_json_value(out: &mut String, value: Option<&str>) {
    match value {
        Some(text) => push_json_string(out, text),
        None => out.push_str("null"),
    }
}

/// `text` as a JSON string, escaped as `serde_json` escapes it: `"`, `\\`
/// and control characters; everything else as it is.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let bytes = text.as_bytes();
    // Most values need no escape: one pass the compiler vectorises.
    if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escaped bytes are ASCII, so `index` is a character boundary.
        out.push_str(&text[start..index]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        } else {
            out.push_str(escape);
        }
        start = index + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// The columns an entity's mapping fills itself: the source text beside
/// each column that keeps it, the name's match key when it reads a name,
/// and the family and given names of a full name when it maps neither.
fn extras(table: &'static TableDef, rules: &[ColumnRule], columns: &[ColumnMap]) -> Vec<Extra> {
    let mut extras = Vec::new();
    for column in columns {
        if let (Source::Field(field), Some(original)) =
            (&column.source, table.original_of(column.column))
        {
            extras.push(Extra::Original {
                column: original.name,
                field: *field,
            });
        }
    }
    let parts: Vec<NamePart> = rules.iter().filter_map(ColumnRule::name_part).collect();
    if let Some(name_key) = table.name_key().filter(|_| !parts.is_empty()) {
        extras.push(Extra::NameKey(name_key.name));
    }
    if parts.contains(&NamePart::Full) {
        let maps = |name: &str| rules.iter().any(|r| r.column == name);
        if !maps("family_name") && table.column("family_name").is_some() {
            extras.push(Extra::FamilyOfFullName);
        }
        if !maps("given_names") && table.column("given_names").is_some() {
            extras.push(Extra::GivenOfFullName);
        }
    }
    extras
}

/// Drops every row whose key is the same as the next row's.
fn keep_last_of_runs(rows: &mut Vec<EntityRow>, superseded: &mut Vec<(Key, usize)>) {
    if rows.windows(2).all(|pair| pair[0].key != pair[1].key) {
        return;
    }
    let keep: Vec<bool> = (0..rows.len())
        .map(|i| rows.get(i + 1).is_none_or(|next| next.key != rows[i].key))
        .collect();
    superseded.extend(
        rows.iter()
            .zip(&keep)
            .filter(|(_, keep)| !**keep)
            .map(|(row, _)| (row.key, row.record)),
    );
    let mut keep = keep.into_iter();
    rows.retain(|_| keep.next().unwrap_or(true));
}

/// The stable key of an entity: the first 128 bits, in hex, of
/// `SHA-256(agency ␟ dataset ␟ table ␟ key value 1 ␟ key value 2 …)`, where ␟
/// is the unit separator U+001F and each key value is the source value with
/// surrounding whitespace removed. Row order never enters it, so a snapshot
/// sent again updates the same entities.
pub fn entity_key<'a>(
    agency: &str,
    dataset: &str,
    table: &str,
    values: impl IntoIterator<Item = &'a str>,
) -> Key {
    let mut hasher = Sha256::new();
    for part in [agency, dataset, table] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    for (index, value) in values.into_iter().enumerate() {
        if index > 0 {
            hasher.update([0x1f]);
        }
        hasher.update(value.as_bytes());
    }
    key128(&hasher.finalize())
}

/// The stable key of a link: `SHA-256("link" ␟ from key ␟ to key ␟ role)`, as above.
pub fn link_key(from_key: &Key, to_key: &Key, role: &str) -> Key {
    let mut hasher = Sha256::new();
    hasher.update(b"link\x1f");
    for key in [from_key, to_key] {
        hasher.update(key.hex());
        hasher.update([0x1f]);
    }
    hasher.update(role.as_bytes());
    key128(&hasher.finalize())
}

fn key128(digest: &[u8]) -> Key {
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    Key(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::PipelineSpec;
    use chrono::NaiveDate;

    /// Records as a test writes them: rows of optional strings.
    struct Rows(Vec<Vec<Option<&'static str>>>);

    impl SourceRecords for Rows {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn value(&self, field: usize, row: usize) -> Option<&str> {
            self.0[row][field]
        }
        fn locator(&self, _row: usize) -> &str {
            "line 2"
        }
        fn reject(&self, _row: usize) -> Option<&str> {
            None
        }
        fn raw(&self, _row: usize) -> Option<&str> {
            None
        }
    }

    fn mapping() -> Mapping {
        let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
            "agency": "police",
            "dataset": "test",
            "plugin": "csv",
            "source": { "path": "x.csv" },
            "entities": {
                "crime": { "table": "events", "key": ["CrimeRef"], "columns": {
                    "reference": "CrimeRef",
                    "event_type": { "value": "crime" },
                    "occurred_from": { "field": "Date", "format": "%d/%m/%Y", "required": true }
                }},
                "person": { "table": "persons", "key": ["PersonRef"], "columns": {
                    "family_name": "Surname"
                }}
            },
            "links": [{ "from": "person", "to": "crime", "columns": { "role": "Role" } }]
        }))
        .unwrap();
        let fields = ["CrimeRef", "Date", "PersonRef", "Surname", "Role"].map(String::from);
        Mapping::compile(&spec.check().unwrap(), &fields, &[]).unwrap()
    }

    fn check(rows: Vec<Vec<Option<&'static str>>>) -> MappedBatch {
        let mapping = mapping();
        let mut out = mapping.new_batch();
        mapping.map_into(&Rows(rows), &mut out);
        assert_eq!(out.read, out.loaded + out.quarantine.len() as u64);
        out
    }

    #[test]
    fn a_record_yields_its_entities_and_link() {
        let out = check(vec![vec![
            Some("CR1"),
            Some("02/03/2016"),
            Some("N1"),
            Some("HOXHA"),
            Some("victim"),
        ]]);
        assert_eq!(out.loaded, 1);
        let crime = &out.entities[0].rows[0];
        assert_eq!(crime.key, entity_key("police", "test", "events", ["CR1"]));
        assert_eq!(crime.values[0], Value::Text("crime".into()));
        assert_eq!(out.links.len(), 1);
        assert_eq!(out.links[0].from_table, "persons");
        assert_eq!(out.links[0].values, [Value::Text("victim".into())]);
    }

    #[test]
    fn keys_ignore_row_order_and_surrounding_space() {
        let a = entity_key("police", "test", "persons", ["N1"]);
        assert_eq!(a, entity_key("police", "test", "persons", ["N1"]));
        assert_ne!(a, entity_key("police", "other", "persons", ["N1"]));
        assert_ne!(a, entity_key("police", "test", "events", ["N1"]));
        let out = check(vec![vec![
            Some("CR1"),
            Some("01/01/2016"),
            Some(" N1 "),
            None,
            None,
        ]]);
        assert_eq!(out.entities[1].rows[0].key, a);
    }

    #[test]
    fn a_bad_value_quarantines_the_whole_record() {
        let out = check(vec![
            vec![
                Some("CR1"),
                Some("31/02/2016"),
                Some("N1"),
                Some("A"),
                Some("victim"),
            ],
            vec![Some("CR2"), Some(""), Some("N2"), Some("B"), Some("victim")],
            vec![
                Some("CR3"),
                Some("01/01/2016"),
                None,
                Some("C"),
                Some("suspect"),
            ],
        ]);
        assert_eq!(out.loaded, 0);
        assert!(out.entities.iter().all(|e| e.rows.is_empty()));
        assert!(out.links.is_empty());
        let reasons: Vec<_> = out
            .quarantine
            .iter()
            .map(|q| (q.field.as_deref(), q.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    Some("Date"),
                    "entities.crime.columns.occurred_from: impossible date (no such day) for format %d/%m/%Y"
                ),
                (
                    Some("Date"),
                    "entities.crime.columns.occurred_from: required value is empty"
                ),
                (
                    Some("PersonRef"),
                    "entities.person.key: key field \"PersonRef\" is empty"
                ),
            ]
        );
        assert!(out.quarantine[0].raw.contains("\"Surname\":\"A\""));
    }

    #[test]
    fn an_entity_without_any_data_is_absent() {
        let out = check(vec![vec![
            Some("CR1"),
            Some("01/01/2016"),
            None,
            Some(" "),
            Some("victim"),
        ]]);
        assert_eq!(out.loaded, 1);
        assert_eq!(out.entities[1].rows.len(), 0);
        assert!(out.links.is_empty());
    }

    #[test]
    fn a_missing_field_is_named_with_its_key() {
        let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
            "agency": "police", "dataset": "t", "plugin": "csv", "source": { "path": "x" },
            "entities": { "person": { "table": "persons", "key": ["Ref"], "columns": { "family_name": "Surnme" } } }
        }))
        .unwrap();
        let fields = ["Ref", "Surname"].map(String::from);
        let errors = Mapping::compile(&spec.check().unwrap(), &fields, &[]).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "entities.person.columns.family_name.field: no field \"Surnme\" in the file (it has \"Ref\", \"Surname\")"
        );
    }

    /// A report with a repeated group of subjects, as an XML plugin sends it.
    struct Reports {
        ids: Vec<&'static str>,
        names: Vec<Vec<Option<&'static str>>>,
        roles: Vec<Vec<Option<&'static str>>>,
    }

    impl SourceRecords for Reports {
        fn len(&self) -> usize {
            self.ids.len()
        }
        fn value(&self, field: usize, row: usize) -> Option<&str> {
            (field == 0).then(|| self.ids[row])
        }
        fn list_len(&self, field: usize, row: usize) -> usize {
            match field {
                1 => self.names[row].len(),
                2 => self.roles[row].len(),
                _ => 0,
            }
        }
        fn list_value(&self, field: usize, row: usize, index: usize) -> Option<&str> {
            match field {
                1 => self.names[row].get(index).copied().flatten(),
                2 => self.roles[row].get(index).copied().flatten(),
                _ => None,
            }
        }
        fn locator(&self, row: usize) -> &str {
            ["/Feed/Report[1]", "/Feed/Report[2]"][row]
        }
        fn reject(&self, _row: usize) -> Option<&str> {
            None
        }
        fn raw(&self, _row: usize) -> Option<&str> {
            None
        }
    }

    fn report_mapping() -> Mapping {
        let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
            "agency": "nca", "dataset": "intel", "plugin": "xml", "source": { "path": "x.xml" },
            "entities": {
                "report": { "table": "events", "key": ["Id"], "columns": { "reference": "Id" } },
                "subject": { "table": "persons", "key": ["Id", "Subject.Name"], "columns": {
                    "family_name": "Subject.Name"
                }}
            },
            "links": [{ "from": "subject", "to": "report", "columns": { "role": "Subject.Role" } }]
        }))
        .unwrap();
        let fields = ["Id", "Subject.Name", "Subject.Role"].map(String::from);
        let shapes = [FieldShape::Single, FieldShape::List, FieldShape::List];
        Mapping::compile(&spec.check().unwrap(), &fields, &shapes).unwrap()
    }

    #[test]
    fn a_repeated_entity_must_be_keyed_by_its_group() {
        let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
            "agency": "nca", "dataset": "intel", "plugin": "xml", "source": { "path": "x.xml" },
            "entities": { "subject": { "table": "persons", "key": ["Id"], "columns": {
                "family_name": "Subject.Name"
            }}}
        }))
        .unwrap();
        let fields = ["Id", "Subject.Name", "Subject.Role"].map(String::from);
        let shapes = [FieldShape::Single, FieldShape::List, FieldShape::List];
        let errors = Mapping::compile(&spec.check().unwrap(), &fields, &shapes).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key, "entities.subject.key");
        assert!(
            errors[0].message.contains("\"Subject.Name\""),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn linked_repeated_ends_of_different_lengths_quarantine_the_record() {
        let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
            "agency": "nca", "dataset": "intel", "plugin": "xml", "source": { "path": "x.xml" },
            "entities": {
                "subject": { "table": "persons", "key": ["Id", "Subject.Name"], "columns": {
                    "family_name": "Subject.Name"
                }},
                "vehicle": { "table": "persons", "key": ["Id", "Subject.Role"], "columns": {
                    "given_names": "Subject.Role"
                }}
            },
            "links": [{ "from": "subject", "to": "vehicle" }]
        }))
        .unwrap();
        let fields = ["Id", "Subject.Name", "Subject.Role"].map(String::from);
        let shapes = [FieldShape::Single, FieldShape::List, FieldShape::List];
        let mapping = Mapping::compile(&spec.check().unwrap(), &fields, &shapes).unwrap();
        let mut out = mapping.new_batch();
        let reports = Reports {
            ids: vec!["R1"],
            names: vec![vec![Some("HOXHA"), Some("NGUYEN"), Some("BEGA")]],
            roles: vec![vec![Some("car")]],
        };
        mapping.map_into(&reports, &mut out);
        assert_eq!((out.read, out.loaded), (1, 0));
        assert!(out.entities.iter().all(|e| e.rows.is_empty()));
        assert!(
            out.quarantine[0].reason.contains("3 and 1 elements"),
            "{}",
            out.quarantine[0].reason
        );
    }

    #[test]
    fn a_repeated_group_yields_one_entity_and_link_per_element() {
        let mapping = report_mapping();
        let mut out = mapping.new_batch();
        let reports = Reports {
            ids: vec!["R1", "R2"],
            names: vec![
                vec![Some("HOXHA"), Some("NGUYEN"), None],
                vec![Some("BEGA")],
            ],
            roles: vec![vec![Some("victim"), Some("suspect"), None], vec![]],
        };
        mapping.map_into(&reports, &mut out);
        // R1: three subjects, the third empty (absent). R2: its role list is
        // shorter than its name list: quarantined, naming the fields.
        assert_eq!((out.read, out.loaded), (2, 1));
        assert_eq!(out.entities[0].rows.len(), 1);
        let subjects: Vec<_> = out.entities[1].rows.iter().map(|r| &r.values).collect();
        assert_eq!(
            subjects,
            [
                &vec![Value::Text("HOXHA".into())],
                &vec![Value::Text("NGUYEN".into())]
            ]
        );
        let report_key = &out.entities[0].rows[0].key;
        let roles: Vec<_> = out
            .links
            .iter()
            .map(|l| (&l.to_key == report_key, l.values[0].clone()))
            .collect();
        assert_eq!(
            roles,
            [
                (true, Value::Text("victim".into())),
                (true, Value::Text("suspect".into()))
            ]
        );
        assert_eq!(
            out.entities[1].rows[0].key,
            entity_key("nca", "intel", "persons", ["R1", "HOXHA"])
        );
        let q = &out.quarantine[0];
        assert_eq!(q.locator, "/Feed/Report[2]");
        assert!(q.reason.contains("differ in length"), "{}", q.reason);
        assert!(q.raw.contains("\"Subject.Name\":[\"BEGA\"]"), "{}", q.raw);
    }

    /// One row of typed cells, as a spreadsheet plugin sends it.
    struct Cells(Vec<(Option<&'static str>, Kind)>);

    impl SourceRecords for Cells {
        fn len(&self) -> usize {
            1
        }
        fn value(&self, field: usize, _row: usize) -> Option<&str> {
            self.0[field].0
        }
        fn kind(&self, field: usize, _row: usize) -> Kind {
            self.0[field].1
        }
        fn locator(&self, _row: usize) -> &str {
            "Encounters!A7"
        }
        fn reject(&self, _row: usize) -> Option<&str> {
            None
        }
        fn raw(&self, _row: usize) -> Option<&str> {
            None
        }
    }

    #[test]
    fn typed_cells_convert_by_kind_and_error_cells_quarantine() {
        let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
            "agency": "border-force", "dataset": "t", "plugin": "spreadsheet", "source": { "path": "x" },
            "entities": { "person": { "table": "persons", "key": ["Ref"], "columns": {
                "date_of_birth": "DOB", "family_name": "Name"
            }}}
        }))
        .unwrap();
        let fields = ["Ref", "DOB", "Name"].map(String::from);
        let mapping = Mapping::compile(&spec.check().unwrap(), &fields, &[]).unwrap();
        let run = |cells: Vec<(Option<&'static str>, Kind)>| {
            let mut out = mapping.new_batch();
            mapping.map_into(&Cells(cells), &mut out);
            out
        };
        let out = run(vec![
            (Some("7"), Kind::Number),
            (Some("1995-03-02T00:00:00"), Kind::DateTime),
            (Some("HOXHA"), Kind::Text),
        ]);
        let date = NaiveDate::from_ymd_opt(1995, 3, 2).unwrap();
        assert_eq!(out.entities[0].rows[0].values[0], Value::Date(date));
        let out = run(vec![
            (Some("7"), Kind::Number),
            (Some("34760"), Kind::Number),
            (Some("#N/A at Encounters!C7"), Kind::Error),
        ]);
        assert_eq!(out.quarantine[0].field.as_deref(), Some("DOB"));
        assert!(
            out.quarantine[0]
                .reason
                .contains("is the cell formatted as a date")
        );
        let out = run(vec![
            (Some("7"), Kind::Number),
            (None, Kind::Text),
            (Some("#N/A at Encounters!C7"), Kind::Error),
        ]);
        assert_eq!(
            out.quarantine[0].reason,
            "entities.person.columns.family_name: error value #N/A at Encounters!C7 in the source"
        );
    }

    fn compile(spec: serde_json::Value, fields: &[&str]) -> Mapping {
        let spec: PipelineSpec = serde_json::from_value(spec).unwrap();
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        Mapping::compile(&spec.check().unwrap(), &fields, &[]).unwrap()
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn normalisers_and_lookups_store_canonical_values_beside_the_originals() {
        let mapping = compile(
            serde_json::json!({
                "agency": "police", "dataset": "t", "plugin": "csv", "source": { "path": "x" },
                "lookups": { "sexes": { "F": "female", "M": "male" } },
                "entities": { "person": { "table": "persons", "key": ["Ref"], "columns": {
                    "family_name": { "field": "Surname", "normalise": "family-name" },
                    "given_names": { "field": "Forenames", "normalise": "given-names" },
                    "nationality": { "field": "Nat", "normalise": "country" },
                    "postcode": { "field": "PC", "normalise": "postcode", "on_invalid": "null" },
                    "gender": { "field": "Sex", "lookup": "sexes", "on_invalid": "keep" },
                    "date_of_birth": { "field": "DOB", "format": ["%d/%m/%Y", "%Y"], "partial": true }
                }}}
            }),
            &["Ref", "Surname", "Forenames", "Nat", "PC", "Sex", "DOB"],
        );
        let mut out = mapping.new_batch();
        let rows = Rows(vec![
            [
                Some("N1"),
                Some("HOXHA"),
                Some("Ana"),
                Some("Albanian"),
                Some("ls14ap"),
                Some("f"),
                Some("1995"),
            ]
            .to_vec(),
            [
                Some("N2"),
                Some("NGUYEN"),
                Some("Thi Lan"),
                Some(" Viet Nam "),
                Some("nowhere"),
                Some("X"),
                Some("02/03/1990"),
            ]
            .to_vec(),
            [
                Some("N3"),
                Some("BEGA"),
                Some("Arben"),
                Some("Congo"),
                None,
                None,
                None,
            ]
            .to_vec(),
            [
                Some("N4"),
                Some("12345"),
                Some("Ana"),
                Some("ALB"),
                None,
                None,
                None,
            ]
            .to_vec(),
            [
                Some("N5"),
                Some("DOKA"),
                Some("Elira"),
                Some("ALB"),
                None,
                None,
                Some("31/02/2016"),
            ]
            .to_vec(),
            [Some("N6"), None, None, Some("N/K"), None, None, None].to_vec(),
        ]);
        mapping.map_into(&rows, &mut out);
        let persons = &out.entities[0];
        assert_eq!(
            persons.columns,
            [
                "date_of_birth",
                "family_name",
                "gender",
                "given_names",
                "nationality",
                "postcode",
                "nationality_text",
                "name_key"
            ]
        );
        let values: Vec<&Vec<Value>> = persons.rows.iter().map(|r| &r.values).collect();
        let date = NaiveDate::from_ymd_opt(1990, 3, 2).unwrap();
        assert_eq!(
            values,
            [
                &vec![
                    text("1995"),
                    text("HOXHA"),
                    text("female"),
                    text("Ana"),
                    text("ALB"),
                    text("LS1 4AP"),
                    text("Albanian"),
                    text("ana hoxha")
                ],
                &vec![
                    Value::Date(date),
                    text("NGUYEN"),
                    text("X"),
                    text("Thi Lan"),
                    text("VNM"),
                    Value::Null,
                    text("Viet Nam"),
                    text("lan nguyen thi")
                ],
                &vec![
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    text("N/K"),
                    Value::Null
                ],
            ]
        );
        let reasons: Vec<_> = out
            .quarantine
            .iter()
            .map(|q| (q.field.as_deref(), q.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    Some("Nat"),
                    "entities.person.columns.nationality: ambiguous country (could be COG or COD)"
                ),
                (
                    Some("Surname"),
                    "entities.person.columns.family_name: name contains no letters"
                ),
                (
                    Some("DOB"),
                    "entities.person.columns.date_of_birth: impossible date (no such day) for format %d/%m/%Y or %Y"
                ),
            ]
        );
        // Counted per column: values of loaded records normalised or
        // unmatched, and the records each quarantined.
        let counted: Vec<(&str, &str, FieldCounts)> = mapping
            .counted_fields()
            .iter()
            .zip(&out.field_counts)
            .map(|(field, counts)| (field.field.as_str(), field.normaliser.as_str(), *counts))
            .collect();
        let counts = |normalised, unmatched, quarantined| FieldCounts {
            normalised,
            unmatched,
            quarantined,
        };
        assert_eq!(
            counted,
            [
                ("DOB", "date", counts(2, 0, 1)),
                ("Surname", "family-name", counts(2, 0, 1)),
                ("Sex", "lookup sexes", counts(1, 1, 0)),
                ("Forenames", "given-names", counts(2, 0, 0)),
                ("Nat", "country", counts(3, 0, 1)),
                ("PC", "postcode", counts(1, 1, 0)),
            ]
        );
    }

    #[test]
    fn a_full_name_fills_the_name_parts_the_entity_does_not_map() {
        let spec = |order: &str| {
            serde_json::json!({
                "agency": "police", "dataset": "t", "plugin": "csv", "source": { "path": "x" },
                "entities": { "person": { "table": "persons", "key": ["Ref"], "columns": {
                    "full_name": { "field": "Name", "normalise": "full-name", "order": order, "on_invalid": "keep" }
                }}}
            })
        };
        let cases: &[(&str, &str, [Value; 4])] = &[
            (
                "auto",
                "HOXHA, Ana",
                [
                    text("HOXHA, Ana"),
                    text("ana hoxha"),
                    text("Hoxha"),
                    text("Ana"),
                ],
            ),
            (
                "auto",
                "Ana HOXHA",
                [
                    text("Ana HOXHA"),
                    text("ana hoxha"),
                    text("Hoxha"),
                    text("Ana"),
                ],
            ),
            (
                "auto",
                "NGUYEN Thi Lan",
                [
                    text("NGUYEN Thi Lan"),
                    text("lan nguyen thi"),
                    text("Nguyen"),
                    text("Thi Lan"),
                ],
            ),
            (
                "family-first",
                "Hoxha Ana",
                [
                    text("Hoxha Ana"),
                    text("ana hoxha"),
                    text("Hoxha"),
                    text("Ana"),
                ],
            ),
            (
                "given-first",
                "Thi Lan Nguyen",
                [
                    text("Thi Lan Nguyen"),
                    text("lan nguyen thi"),
                    text("Nguyen"),
                    text("Thi Lan"),
                ],
            ),
            // Invalid, kept as written: no key, no parts.
            (
                "auto",
                "#123",
                [text("#123"), Value::Null, Value::Null, Value::Null],
            ),
        ];
        for (order, name, expected) in cases {
            let mapping = compile(spec(order), &["Ref", "Name"]);
            let mut out = mapping.new_batch();
            mapping.map_into(&Rows(vec![vec![Some("N1"), Some(name)]]), &mut out);
            assert_eq!(
                out.entities[0].columns,
                ["full_name", "name_key", "family_name", "given_names"]
            );
            assert_eq!(out.entities[0].rows[0].values, expected, "{order} {name:?}");
        }
    }

    fn graded_mapping(grading: serde_json::Value) -> Mapping {
        compile(
            serde_json::json!({
                "agency": "nca", "dataset": "intel", "plugin": "xml", "source": { "path": "x" },
                "entities": { "report": { "table": "events", "key": ["Id"], "columns": {
                    "reference": "Id"
                }}},
                "grading": grading
            }),
            &["Id", "Src", "Intel", "Handling"],
        )
    }

    #[test]
    fn grading_is_read_from_fields_and_constants() {
        let mapping = graded_mapping(serde_json::json!({
            "source": "Src",
            "intelligence": { "field": "Intel" },
            "handling": { "value": "c" }
        }));
        let mut out = mapping.new_batch();
        mapping.map_into(
            &Rows(vec![
                vec![Some("R1"), Some("2"), Some("B"), Some("ignored")],
                vec![Some("R2"), Some(" 3 "), Some("e"), None],
            ]),
            &mut out,
        );
        assert_eq!(out.loaded, 2);
        let written: Vec<String> = out.gradings.iter().map(ToString::to_string).collect();
        assert_eq!(written, ["2/B/C", "3/E/C"]);
        assert_eq!(
            out.gradings[0],
            Grading {
                source_evaluation: Some("2"),
                intelligence_assessment: Some("B"),
                handling_code: Some("C"),
            }
        );
        assert_eq!(out.raws.len(), out.locators.len());
    }

    #[test]
    fn without_grading_every_record_is_ungraded() {
        let out = check(vec![vec![
            Some("CR1"),
            Some("02/03/2016"),
            Some("N1"),
            Some("HOXHA"),
            Some("victim"),
        ]]);
        assert_eq!(out.gradings, [Grading::default()]);
    }

    #[test]
    fn an_invalid_or_empty_grade_quarantines_the_record() {
        let mapping = graded_mapping(serde_json::json!({
            "source": "Src", "intelligence": "Intel", "handling": "Handling"
        }));
        let mut out = mapping.new_batch();
        mapping.map_into(
            &Rows(vec![
                vec![Some("R1"), Some("4"), Some("B"), Some("P")],
                vec![Some("R2"), Some("1"), Some("  "), Some("P")],
                vec![
                    Some("R3"),
                    Some("1"),
                    Some("A"),
                    Some("Lawful sharing permitted"),
                ],
                vec![Some("R4"), Some("1"), Some("a"), Some("p")],
            ]),
            &mut out,
        );
        assert_eq!((out.read, out.loaded), (4, 1));
        assert_eq!(out.gradings.len(), 1);
        assert_eq!(out.gradings[0].to_string(), "1/A/P");
        // Rows of quarantined records are not kept.
        assert_eq!(out.entities[0].rows.len(), 1);
        assert_eq!(out.entities[0].rows[0].record, 0);
        let reasons: Vec<_> = out
            .quarantine
            .iter()
            .map(|q| (q.field.as_deref(), q.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    Some("Src"),
                    "grading.source: not a source evaluation; expected 1 (reliable), 2 (untested) or 3 (not reliable)"
                ),
                (
                    Some("Intel"),
                    "grading.intelligence: intelligence assessment is empty; expected A (known directly), B (known indirectly, corroborated), C (known indirectly), D (not known) or E (suspected false)"
                ),
                (
                    Some("Handling"),
                    "grading.handling: not a handling code; expected P (lawful sharing permitted) or C (disseminate with conditions)"
                ),
            ]
        );
        // Reasons never repeat the value.
        assert!(!out.quarantine[2].reason.contains("Lawful"));
    }

    #[test]
    fn a_grading_error_cell_quarantines_and_a_grading_field_must_exist() {
        let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
            "agency": "nca", "dataset": "t", "plugin": "spreadsheet", "source": { "path": "x" },
            "entities": { "person": { "table": "persons", "key": ["Ref"], "columns": {
                "family_name": "Name"
            }}},
            "grading": { "source": "Src" }
        }))
        .unwrap();
        let checked = spec.check().unwrap();
        let fields = ["Ref", "Src", "Name"].map(String::from);
        let mapping = Mapping::compile(&checked, &fields, &[]).unwrap();
        let mut out = mapping.new_batch();
        mapping.map_into(
            &Cells(vec![
                (Some("7"), Kind::Number),
                (Some("#REF! at Intel!B7"), Kind::Error),
                (Some("HOXHA"), Kind::Text),
            ]),
            &mut out,
        );
        assert_eq!(
            out.quarantine[0].reason,
            "grading.source: error value #REF! at Intel!B7 in the source"
        );
        let fields = ["Ref", "Name"].map(String::from);
        let errors = Mapping::compile(&checked, &fields, &[]).unwrap_err();
        assert_eq!(errors[0].key, "grading.source.field");
        let fields = ["Ref", "Src", "Name"].map(String::from);
        let shapes = [FieldShape::Single, FieldShape::List, FieldShape::Single];
        let errors = Mapping::compile(&checked, &fields, &shapes).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "grading.source: field \"Src\" is a repeated group's; a grading belongs to the whole record"
        );
    }

    #[test]
    fn raws_hold_each_loaded_record_as_read() {
        let out = check(vec![
            vec![
                Some(" CR1 "),
                Some("02/03/2016"),
                Some("N1"),
                Some("O'NEIL \"Jo\"\\\n\t\u{1}é"),
                Some("victim"),
            ],
            vec![Some("CR2"), Some("31/02/2016"), None, None, None],
        ]);
        assert_eq!((out.loaded, out.raws.len()), (1, 1));
        assert_eq!(out.raws.len(), out.locators.len());
        assert_eq!(
            out.raws[0],
            r#"{"CrimeRef":" CR1 ","Date":"02/03/2016","PersonRef":"N1","Surname":"O'NEIL \"Jo\"\\\n\t\u0001é","Role":"victim"}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&out.raws[0]).unwrap();
        assert_eq!(parsed["Surname"], "O'NEIL \"Jo\"\\\n\t\u{1}é");
        // The quarantine keeps the same text for a record that did not load.
        assert_eq!(
            out.quarantine[0].raw,
            r#"{"CrimeRef":"CR2","Date":"31/02/2016","PersonRef":null,"Surname":null,"Role":null}"#
        );
        // The batch's size counts them.
        let mut without = check(vec![]);
        let empty = without.approx_bytes();
        without.raws.push("x".repeat(1000));
        assert!(without.approx_bytes() >= empty + 1000);
    }

    #[test]
    fn raws_write_list_fields_as_arrays() {
        let mapping = report_mapping();
        let mut out = mapping.new_batch();
        let reports = Reports {
            ids: vec!["R1"],
            names: vec![vec![Some("HOXHA"), None]],
            roles: vec![vec![Some("victim"), Some("suspect")]],
        };
        mapping.map_into(&reports, &mut out);
        assert_eq!(
            out.raws,
            [r#"{"Id":"R1","Subject.Name":["HOXHA",null],"Subject.Role":["victim","suspect"]}"#]
        );
    }
}
