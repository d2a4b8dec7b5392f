//! A checked pipeline compiled against one file's fields, and the per-record
//! work: convert, key, and either emit rows or quarantine the record whole.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::catalog::TableDef;
use crate::convert::{Conversion, Value};
use crate::pipeline::{CheckedPipeline, ColumnRule, SpecError, ValueSource};

/// Read access to a batch of source records, as a plugin delivered them.
pub trait SourceRecords {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Field `field` of record `row`; `None` when missing.
    fn value(&self, field: usize, row: usize) -> Option<&str>;
    fn locator(&self, row: usize) -> &str;
    /// Why the plugin could not read the record, if it could not.
    fn reject(&self, row: usize) -> Option<&str>;
    fn raw(&self, row: usize) -> Option<&str>;
}

/// A pipeline's mapping, bound to the field order of one file.
#[derive(Debug, Clone)]
pub struct Mapping {
    agency: String,
    dataset: String,
    fields: Vec<String>,
    entities: Vec<EntityMap>,
    links: Vec<LinkMap>,
}

#[derive(Debug, Clone)]
struct EntityMap {
    name: String,
    table: &'static TableDef,
    key_fields: Vec<usize>,
    columns: Vec<ColumnMap>,
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
}

#[derive(Debug, Clone)]
enum Source {
    Field(usize),
    Constant(Value),
}

/// Rows for one entity of the pipeline.
#[derive(Debug)]
pub struct EntityRows {
    pub table: &'static TableDef,
    /// Mapped column names, in the order of each row's `values`.
    pub columns: Vec<&'static str>,
    pub rows: Vec<EntityRow>,
}

#[derive(Debug)]
pub struct EntityRow {
    pub key: String,
    /// Index into [`MappedBatch::locators`].
    pub record: usize,
    pub values: Vec<Value>,
}

/// A link between two entities of the same record.
#[derive(Debug)]
pub struct LinkRow {
    /// Index of the link rule (and of [`MappedBatch::link_columns`]).
    pub rule: usize,
    pub key: String,
    pub from_table: &'static str,
    pub from_key: String,
    pub to_table: &'static str,
    pub to_key: String,
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
    pub entities: Vec<EntityRows>,
    /// Mapped link column names, per link rule (in pipeline order).
    pub link_columns: Vec<Vec<&'static str>>,
    pub links: Vec<LinkRow>,
    pub quarantine: Vec<QuarantineEntry>,
    pub read: u64,
    pub loaded: u64,
}

impl Mapping {
    /// Binds a checked pipeline to a file's fields. Every field the pipeline
    /// names must exist; each missing one is an error naming its key.
    pub fn compile(
        pipeline: &CheckedPipeline,
        fields: &[String],
    ) -> Result<Mapping, Vec<SpecError>> {
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
        let columns = |rules: &[ColumnRule], find: &mut dyn FnMut(String, &str) -> usize| {
            rules
                .iter()
                .map(|rule| ColumnMap {
                    key: rule.key.clone(),
                    column: rule.column,
                    source: match &rule.source {
                        ValueSource::Field(name) => {
                            Source::Field(find(format!("{}.field", rule.key), name))
                        }
                        ValueSource::Constant(text) => Source::Constant(
                            rule.conversion
                                .apply(Some(text))
                                .expect("constants are checked"),
                        ),
                    },
                    conversion: rule.conversion.clone(),
                    required: rule.required,
                })
                .collect::<Vec<_>>()
        };
        let entities: Vec<EntityMap> = pipeline
            .entities
            .iter()
            .map(|entity| EntityMap {
                name: entity.name.clone(),
                table: entity.table,
                key_fields: entity
                    .key_fields
                    .iter()
                    .map(|field| find(format!("entities.{}.key", entity.name), field))
                    .collect(),
                columns: columns(&entity.columns, &mut find),
            })
            .collect();
        let links = pipeline
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
        if errors.is_empty() {
            Ok(Mapping {
                agency: pipeline.agency.clone(),
                dataset: pipeline.dataset.clone(),
                fields: fields.to_vec(),
                entities,
                links,
            })
        } else {
            Err(errors)
        }
    }

    /// An empty batch shaped for this mapping.
    pub fn new_batch(&self) -> MappedBatch {
        MappedBatch {
            locators: Vec::new(),
            entities: self
                .entities
                .iter()
                .map(|e| EntityRows {
                    table: e.table,
                    columns: e.columns.iter().map(|c| c.column).collect(),
                    rows: Vec::new(),
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
        }
    }

    /// Maps every record of `records` into `out`. A record either yields all
    /// its rows or goes to quarantine whole.
    pub fn map_into<R: SourceRecords + ?Sized>(&self, records: &R, out: &mut MappedBatch) {
        let mut keys: Vec<Option<String>> = vec![None; self.entities.len()];
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
            match self.map_record(records, row, record, out, &mut keys) {
                Ok(()) => {
                    out.locators.push(records.locator(row).to_owned());
                    out.loaded += 1;
                }
                Err((field, reason)) => {
                    for (entity, mark) in out.entities.iter_mut().zip(marks) {
                        entity.rows.truncate(mark);
                    }
                    out.links.truncate(link_mark);
                    out.quarantine.push(QuarantineEntry {
                        locator: records.locator(row).to_owned(),
                        field,
                        reason,
                        raw: self.raw_record(records, row),
                    });
                }
            }
        }
    }

    fn map_record<R: SourceRecords + ?Sized>(
        &self,
        records: &R,
        row: usize,
        record: usize,
        out: &mut MappedBatch,
        keys: &mut [Option<String>],
    ) -> Result<(), (Option<String>, String)> {
        for (index, entity) in self.entities.iter().enumerate() {
            keys[index] = None;
            let key_values: Vec<Option<&str>> = entity
                .key_fields
                .iter()
                .map(|&field| {
                    records
                        .value(field, row)
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                })
                .collect();
            let missing_key = key_values.iter().position(Option::is_none);
            if let Some(missing) = missing_key {
                let has_data = key_values.iter().any(Option::is_some)
                    || entity.columns.iter().any(|c| match c.source {
                        Source::Field(f) => {
                            records.value(f, row).is_some_and(|v| !v.trim().is_empty())
                        }
                        Source::Constant(_) => false,
                    });
                if has_data {
                    let field = &self.fields[entity.key_fields[missing]];
                    return Err((
                        Some(field.clone()),
                        format!("entities.{}.key: key field {field:?} is empty", entity.name),
                    ));
                }
                // No data for this entity in this record: it is simply absent.
                continue;
            }
            let key = entity_key(
                &self.agency,
                &self.dataset,
                entity.table.name,
                key_values.iter().map(|v| v.unwrap_or_default()),
            );
            let values = self.convert_columns(&entity.columns, records, row)?;
            out.entities[index].rows.push(EntityRow {
                key: key.clone(),
                record,
                values,
            });
            keys[index] = Some(key);
        }
        for (rule, link) in self.links.iter().enumerate() {
            let (Some(from_key), Some(to_key)) = (&keys[link.from], &keys[link.to]) else {
                continue;
            };
            let values = self.convert_columns(&link.columns, records, row)?;
            let role = match link.role.map(|i| &values[i]) {
                Some(Value::Text(role)) => role.as_str(),
                _ => "",
            };
            out.links.push(LinkRow {
                rule,
                key: link_key(from_key, to_key, role),
                from_table: self.entities[link.from].table.name,
                from_key: from_key.clone(),
                to_table: self.entities[link.to].table.name,
                to_key: to_key.clone(),
                record,
                values,
            });
        }
        Ok(())
    }

    fn convert_columns<R: SourceRecords + ?Sized>(
        &self,
        columns: &[ColumnMap],
        records: &R,
        row: usize,
    ) -> Result<Vec<Value>, (Option<String>, String)> {
        let mut values = Vec::with_capacity(columns.len());
        for column in columns {
            let value = match &column.source {
                Source::Constant(value) => value.clone(),
                Source::Field(field) => {
                    let value = column
                        .conversion
                        .apply(records.value(*field, row))
                        .map_err(|reason| {
                            (
                                Some(self.fields[*field].clone()),
                                format!("{}: {reason}", column.key),
                            )
                        })?;
                    if column.required && value == Value::Null {
                        return Err((
                            Some(self.fields[*field].clone()),
                            format!("{}: required value is empty", column.key),
                        ));
                    }
                    value
                }
            };
            values.push(value);
        }
        Ok(values)
    }

    /// The record's fields as a JSON object, for the quarantine.
    fn raw_record<R: SourceRecords + ?Sized>(&self, records: &R, row: usize) -> String {
        let object: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let value = records
                    .value(index, row)
                    .map_or(serde_json::Value::Null, |v| {
                        serde_json::Value::String(v.to_owned())
                    });
                (name.clone(), value)
            })
            .collect();
        serde_json::Value::Object(object).to_string()
    }
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
) -> String {
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
    hex128(&hasher.finalize())
}

/// The stable key of a link: `SHA-256("link" ␟ from key ␟ to key ␟ role)`, as above.
pub fn link_key(from_key: &str, to_key: &str, role: &str) -> String {
    let mut hasher = Sha256::new();
    for part in ["link", from_key, to_key] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    hasher.update(role.as_bytes());
    hex128(&hasher.finalize())
}

fn hex128(digest: &[u8]) -> String {
    let mut text = String::with_capacity(32);
    for byte in &digest[..16] {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::PipelineSpec;

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
        Mapping::compile(&spec.check().unwrap(), &fields).unwrap()
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
        let errors = Mapping::compile(&spec.check().unwrap(), &fields).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "entities.person.columns.family_name.field: no field \"Surnme\" in the file (it has \"Ref\", \"Surname\")"
        );
    }
}
