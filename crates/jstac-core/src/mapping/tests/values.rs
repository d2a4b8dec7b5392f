//! Value tables, conditions, combined fields and optional entities.

use super::*;

/// Records whose fields may be lists (a value of `a|b|c` is a list field's
/// elements, for the fields listed as lists).
struct Lists {
    rows: Vec<Vec<Option<&'static str>>>,
    lists: Vec<usize>,
}

impl SourceRecords for Lists {
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn value(&self, field: usize, row: usize) -> Option<&str> {
        if self.lists.contains(&field) {
            None
        } else {
            self.rows[row][field]
        }
    }
    fn list_len(&self, field: usize, row: usize) -> usize {
        self.rows[row][field].map_or(0, |v| v.split('|').count())
    }
    fn list_value(&self, field: usize, row: usize, index: usize) -> Option<&str> {
        self.rows[row][field]
            .and_then(|v| v.split('|').nth(index))
            .filter(|v| !v.is_empty())
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

fn sanctions_list() -> serde_json::Value {
    serde_json::json!({
        "agency": "police",
        "dataset": "list",
        "plugin": "csv",
        "source": { "path": "x.csv" },
        "entities": {
            "person": { "table": "persons", "key": ["Group"],
                "when": { "field": "Type", "equals": "Individual" },
                "columns": { "gender": "Gender" } },
            "org": { "table": "organisations", "key": ["Group"],
                "when": { "field": "Type", "equals": ["Entity", "Company"] },
                "columns": { "name": "Name6" } },
            "name": { "table": "names", "of": "person", "columns": {
                "kind": { "field": "AliasType", "lookup": "kinds" },
                "given_names": ["Name1", "Name2"],
                "family_name": "Name6" } },
            "dob": { "table": "birth_dates", "of": "person", "columns": {
                "date_of_birth": { "field": "DOB", "format": "%d/%m/%Y", "partial": true } } }
        },
        "lookups": { "kinds": { "Primary name": "primary", "AKA": "alias" } }
    })
}

const FIELDS: [&str; 8] = [
    "Group",
    "Type",
    "Gender",
    "Name1",
    "Name2",
    "Name6",
    "AliasType",
    "DOB",
];

fn column<'a>(rows: &'a EntityRows, row: usize, name: &str) -> &'a Value {
    let index = rows.columns.iter().position(|c| *c == name).unwrap();
    &rows.rows[row].values[index]
}

#[test]
fn rows_sharing_a_key_give_one_entity_and_every_value() {
    let mapping = compile(sanctions_list(), &FIELDS);
    let mut out = mapping.new_batch();
    let rows = vec![
        vec![
            Some("7"),
            Some("Individual"),
            Some("M"),
            Some("Ali"),
            Some("Hasan"),
            Some("AL-TIKRITI"),
            Some("Primary name"),
            Some("00/00/1960"),
        ],
        vec![
            Some("7"),
            Some("Individual"),
            Some("M"),
            Some("Ali"),
            None,
            Some("TIKRITI"),
            Some("AKA"),
            Some("01/07/1961"),
        ],
        vec![
            Some("8"),
            Some("Entity"),
            None,
            None,
            None,
            Some("ACME TRADING"),
            Some("Primary name"),
            None,
        ],
        vec![
            Some("9"),
            Some("Ship"),
            None,
            None,
            None,
            Some("MV X"),
            None,
            None,
        ],
    ];
    mapping.map_into(
        &Lists {
            rows,
            lists: vec![],
        },
        &mut out,
    );
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    assert_eq!((out.read, out.loaded, out.skipped), (4, 3, 1));
    let persons = &out.entities[mapping
        .entities
        .iter()
        .position(|e| e.name == "person")
        .unwrap()];
    let person_key = entity_key("police", "list", "persons", ["7"]);
    assert!(persons.rows.iter().all(|r| r.key == person_key));
    let names = &out.entities[mapping
        .entities
        .iter()
        .position(|e| e.name == "name")
        .unwrap()];
    assert_eq!(names.rows.len(), 2);
    assert_eq!(column(names, 0, "kind"), &text("primary"));
    assert_eq!(column(names, 0, "given_names"), &text("Ali Hasan"));
    assert_eq!(column(names, 1, "kind"), &text("alias"));
    assert_eq!(column(names, 1, "given_names"), &text("Ali"));
    assert_eq!(column(names, 0, "owner_table"), &text("persons"));
    assert_eq!(
        column(names, 0, "owner_key"),
        &text(std::str::from_utf8(&person_key.hex()).unwrap())
    );
    assert_eq!(column(names, 0, "name_key"), &text("al ali hasan tikriti"));
    assert_ne!(names.rows[0].key, names.rows[1].key);
    let dobs = &out.entities[mapping
        .entities
        .iter()
        .position(|e| e.name == "dob")
        .unwrap()];
    assert_eq!(column(dobs, 0, "date_of_birth"), &text("1960"));
    assert_eq!(column(dobs, 0, "precision"), &text("year"));
    assert_eq!(column(dobs, 0, "earliest"), &text("1960-01-01"));
    assert_eq!(column(dobs, 0, "latest"), &text("1960-12-31"));
    assert_eq!(column(dobs, 1, "precision"), &text("day"));
    // The organisation row has no person, so no names of a person.
    let orgs = &out.entities[mapping
        .entities
        .iter()
        .position(|e| e.name == "org")
        .unwrap()];
    assert_eq!(orgs.rows.len(), 1);
}

#[test]
fn the_same_value_twice_is_one_key() {
    let mapping = compile(sanctions_list(), &FIELDS);
    let mut out = mapping.new_batch();
    let row = vec![
        Some("7"),
        Some("Individual"),
        None,
        Some("Ali"),
        None,
        Some("X"),
        Some("AKA"),
        None,
    ];
    mapping.map_into(
        &Lists {
            rows: vec![row.clone(), row],
            lists: vec![],
        },
        &mut out,
    );
    let names = &out.entities[mapping
        .entities
        .iter()
        .position(|e| e.name == "name")
        .unwrap()];
    // Adjacent equal keys are one row, as the upsert would make them.
    assert_eq!(names.rows.len(), 1);
    assert_eq!(names.superseded.len(), 1);
}

#[test]
fn a_repeated_group_gives_one_value_per_element_of_one_entity() {
    let spec = serde_json::json!({
        "agency": "police", "dataset": "un", "plugin": "xml",
        "source": { "path": "x.xml" },
        "entities": {
            "person": { "table": "persons", "key": ["Id"], "columns": {} },
            "primary": { "table": "names", "of": "person", "columns": {
                "kind": { "value": "primary" },
                "full_name": { "template": "{First} {Second} {Third}" } } },
            "alias": { "table": "names", "of": "person", "columns": {
                "kind": { "value": "alias" }, "full_name": "Alias.Name" } },
            "range": { "table": "birth_dates", "of": "person", "columns": {
                "date_of_birth": { "coalesce": ["Dob.Date", "Dob.Year"], "format": ["%Y-%m-%d", "%Y"], "partial": true },
                "range_from": { "field": "Dob.From", "format": "%Y", "partial": true },
                "range_to": { "field": "Dob.To", "format": "%Y", "partial": true } } }
        }
    });
    let fields = [
        "Id",
        "First",
        "Second",
        "Third",
        "Alias.Name",
        "Dob.Date",
        "Dob.Year",
        "Dob.From",
        "Dob.To",
    ];
    let shapes: Vec<FieldShape> = (0..fields.len())
        .map(|i| {
            if i >= 4 {
                FieldShape::List
            } else {
                FieldShape::Single
            }
        })
        .collect();
    let spec: PipelineSpec = serde_json::from_value(spec).unwrap();
    let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    let mapping = Mapping::compile(&spec.check().unwrap(), &fields, &shapes).unwrap();
    let mut out = mapping.new_batch();
    let rows = vec![vec![
        Some("6908"),
        Some("ABDUL"),
        None,
        Some("RAHMAN"),
        Some("Abu Ali|Ali Rahman|"),
        Some("1955-01-01||"),
        Some("|1968|"),
        Some("||1957"),
        Some("||1962"),
    ]];
    mapping.map_into(
        &Lists {
            rows,
            lists: (4..9).collect(),
        },
        &mut out,
    );
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let by = |name: &str| {
        &out.entities[mapping
            .entities
            .iter()
            .position(|e| e.name == name)
            .unwrap()]
    };
    assert_eq!(by("person").rows.len(), 1);
    assert_eq!(column(by("primary"), 0, "full_name"), &text("ABDUL RAHMAN"));
    let aliases = by("alias");
    assert_eq!(aliases.rows.len(), 2, "the empty third alias is no value");
    let dates = by("range");
    assert_eq!(dates.rows.len(), 3);
    let dates: Vec<(&Value, &Value, &Value, &Value)> = (0..3)
        .map(|i| {
            (
                column(dates, i, "date_of_birth"),
                column(dates, i, "precision"),
                column(dates, i, "earliest"),
                column(dates, i, "latest"),
            )
        })
        .collect();
    assert_eq!(
        dates[0],
        (
            &Value::Date(NaiveDate::from_ymd_opt(1955, 1, 1).unwrap()),
            &text("day"),
            &text("1955-01-01"),
            &text("1955-01-01")
        )
    );
    assert_eq!(
        dates[1],
        (
            &text("1968"),
            &text("year"),
            &text("1968-01-01"),
            &text("1968-12-31")
        )
    );
    assert_eq!(
        dates[2],
        (
            &Value::Null,
            &text("range"),
            &text("1957-01-01"),
            &text("1962-12-31")
        )
    );
}

#[test]
fn an_optional_entity_with_part_of_its_key_is_absent_not_quarantined() {
    let spec = serde_json::json!({
        "agency": "police", "dataset": "people", "plugin": "csv",
        "source": { "path": "x.csv" },
        "entities": {
            "person": { "table": "persons", "key": ["Ref"], "columns": { "family_name": "Surname" } },
            "home": { "table": "locations", "key": ["Street", "Town"], "optional": true,
                "columns": { "address": "Street", "town": "Town" } },
            "flat": { "table": "locations", "key": ["Flat", "Street"], "may_be_empty": ["Flat"],
                "columns": { "name": "Flat", "address": "Street" } }
        }
    });
    let mapping = compile(spec, &["Ref", "Surname", "Street", "Town", "Flat"]);
    let mut out = mapping.new_batch();
    let rows = vec![vec![
        Some("P1"),
        Some("SMITH"),
        Some("1 High St"),
        None,
        None,
    ]];
    mapping.map_into(
        &Lists {
            rows,
            lists: vec![],
        },
        &mut out,
    );
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    assert_eq!(out.loaded, 1);
    let by = |name: &str| {
        &out.entities[mapping
            .entities
            .iter()
            .position(|e| e.name == name)
            .unwrap()]
    };
    assert_eq!(by("person").rows.len(), 1);
    assert_eq!(by("home").rows.len(), 0);
    assert_eq!(by("flat").rows.len(), 1);
    assert_eq!(
        by("flat").rows[0].key,
        entity_key("police", "people", "locations", ["", "1 High St"])
    );
}

#[test]
fn value_rules_are_checked() {
    let errors = |entities: serde_json::Value| -> Vec<String> {
        let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
            "agency": "police", "dataset": "d", "plugin": "csv",
            "source": { "path": "x.csv" }, "entities": entities
        }))
        .unwrap();
        spec.check()
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        errors(serde_json::json!({
            "crime": { "table": "events", "key": ["Ref"] },
            "n": { "table": "names", "key": ["Ref"], "of": "crime", "columns": { "full_name": "Name" } }
        })),
        [
            "entities.n.key: names rows are values of their owner (of = ...), keyed by the owner and the value; remove the key",
            "entities.n.of: entity \"crime\" is of table events; names belong to persons or organisations",
        ]
    );
    assert_eq!(
        errors(serde_json::json!({
            "n": { "table": "names", "columns": { "full_name": { "template": "{Name" } } },
            "p": { "table": "persons", "key": ["Ref"], "of": "n",
                   "when": { "field": "T", "equals": "x", "present": true } }
        })),
        [
            "entities.n.of: names rows are values of an entity: name it, of = \"ENTITY\" (an entity of persons or organisations)",
            "entities.n.columns.full_name.template: {Name is not closed with }",
            "entities.p.of: only a value table (names, birth_dates, nationalities, identifiers, addresses) has an owner; persons rows are entities of their own (link them to \"n\" with [[links]])",
            "entities.p.when: give exactly one of equals = ..., not_equals = ... or present = true/false",
        ]
    );
}

#[test]
fn a_second_nationality_in_an_entity_column_is_kept_as_values() {
    let spec = serde_json::json!({
        "agency": "police", "dataset": "people", "plugin": "csv",
        "source": { "path": "x.csv" },
        "entities": {
            "person": { "table": "persons", "key": ["Ref"], "columns": {
                "nationality": { "field": "Nat", "normalise": "country" } } }
        }
    });
    let mapping = compile(spec, &["Ref", "Nat"]);
    let mut out = mapping.new_batch();
    let rows = vec![
        vec![Some("P1"), Some("Albanian Greek")],
        vec![Some("P2"), Some("Albanian")],
        vec![Some("P3"), Some(" na")],
    ];
    mapping.map_into(
        &Lists {
            rows,
            lists: vec![],
        },
        &mut out,
    );
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    let persons = &out.entities[0];
    assert_eq!(column(persons, 0, "nationality"), &text("ALB"));
    assert_eq!(
        column(persons, 0, "nationality_text"),
        &text("Albanian Greek")
    );
    assert_eq!(column(persons, 2, "nationality"), &Value::Null);
    let spilled = &out.entities[1];
    assert_eq!(spilled.table.name, "nationalities");
    let countries: Vec<&Value> = (0..spilled.rows.len())
        .map(|i| column(spilled, i, "country"))
        .collect();
    assert_eq!(countries, [&text("ALB"), &text("GRC")]);
    assert_eq!(out.field_counts[0].not_known, 1);
    assert_eq!(out.field_counts[0].normalised, 2);
}

#[test]
fn a_split_column_gives_a_value_per_part() {
    let spec = serde_json::json!({
        "agency": "police", "dataset": "list", "plugin": "csv",
        "source": { "path": "x.csv" },
        "entities": {
            "person": { "table": "persons", "key": ["Ref"], "columns": { "gender": "Gender" } },
            "passport": { "table": "identifiers", "of": "person", "columns": {
                "identifier_type": { "value": "passport" },
                "identifier": { "field": "Passport", "split": "numbered" } } },
            "phone": { "table": "identifiers", "of": "person", "columns": {
                "identifier_type": { "value": "phone" },
                "identifier": { "field": "Phones", "split": ";" } } },
            "born": { "table": "birth_dates", "of": "person", "columns": {
                "date_of_birth": { "field": "DOB", "format": "%d/%m/%Y", "split": "numbered" } } }
        }
    });
    let mapping = compile(spec, &["Ref", "Gender", "Passport", "Phones", "DOB"]);
    let mut out = mapping.new_batch();
    let rows = vec![
        vec![
            Some("P1"),
            Some("F"),
            Some("(1) 223611 (2) C00146605. (3) -"),
            Some("0113 496 0000; ;07700 900123"),
            Some("(1) 02/03/1970 (2) 03/02/1970"),
        ],
        // No list number: the whole text is the one value.
        vec![
            Some("P2"),
            Some("M"),
            Some("A123 (issued 2010)"),
            None,
            None,
        ],
    ];
    mapping.map_into(
        &Lists {
            rows,
            lists: vec![],
        },
        &mut out,
    );
    assert!(out.quarantine.is_empty(), "{:?}", out.quarantine);
    // Rules go by name: born, passport, person, phone.
    let values = |rule: usize, column_name: &str| -> Vec<Value> {
        let rows = &out.entities[rule];
        (0..rows.rows.len())
            .map(|i| column(rows, i, column_name).clone())
            .collect()
    };
    assert_eq!(
        values(1, "identifier"),
        [
            text("223611"),
            text("C00146605"),
            text("A123 (issued 2010)")
        ]
    );
    assert_eq!(
        values(3, "identifier"),
        [text("0113 496 0000"), text("07700 900123")]
    );
    let day = |d: u32, m: u32| Value::Date(NaiveDate::from_ymd_opt(1970, m, d).unwrap());
    assert_eq!(values(0, "date_of_birth"), [day(2, 3), day(3, 2)]);
    // The columns the mapping fills are each value's own.
    assert_eq!(
        values(1, "identifier_normalised")[..2],
        [text("223611"), text("C00146605")]
    );
    assert_eq!(
        values(0, "earliest"),
        [text("1970-03-02"), text("1970-02-03")]
    );
}

#[test]
fn split_is_for_value_tables_only() {
    let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
        "agency": "police", "dataset": "list", "plugin": "csv",
        "source": { "path": "x.csv" },
        "entities": {
            "person": { "table": "persons", "key": ["Ref"], "columns": {
                "postcode": { "field": "Postcode", "split": ";" } } }
        }
    }))
    .unwrap();
    let errors: Vec<String> = spec
        .check()
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("entities.person.columns.postcode.split: only a value table"),
        "{errors:?}"
    );
}
