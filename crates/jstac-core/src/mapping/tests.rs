//! The mapping as a whole: pipelines compiled against fields, records in,
//! rows, links, quarantine and counts out.

use super::*;
use crate::convert::{Kind, Value};
use crate::grading::Grading;
use crate::pipeline::PipelineSpec;
use chrono::NaiveDate;

mod grading;
mod normalisers;
mod values;

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

/// A mapping of `spec` over `fields`, all single-valued.
fn compile(spec: serde_json::Value, fields: &[&str]) -> Mapping {
    let spec: PipelineSpec = serde_json::from_value(spec).unwrap();
    let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    Mapping::compile(&spec.check().unwrap(), &fields, &[]).unwrap()
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
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
