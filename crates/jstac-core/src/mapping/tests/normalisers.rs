//! Normalisers, lookups and names: canonical values beside the originals,
//! and the counts of each counted column.

use super::*;

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
        not_known: 0,
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
            (
                "Nat",
                "country",
                FieldCounts {
                    not_known: 1,
                    ..counts(2, 0, 1)
                }
            ),
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
