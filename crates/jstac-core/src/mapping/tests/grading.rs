//! Each record's grading and its fields as read (`raws`).

use super::*;

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
            Some("O'NEIL \"Jo\"\\\n\té"),
            Some("victim"),
        ],
        vec![Some("CR2"), Some("31/02/2016"), None, None, None],
    ]);
    assert_eq!((out.loaded, out.raws.len()), (1, 1));
    assert_eq!(out.raws.len(), out.locators.len());
    assert_eq!(
        out.raws[0],
        r#"{"CrimeRef":" CR1 ","Date":"02/03/2016","PersonRef":"N1","Surname":"O'NEIL \"Jo\"\\\n\té","Role":"victim"}"#
    );
    let parsed: serde_json::Value = serde_json::from_str(&out.raws[0]).unwrap();
    assert_eq!(parsed["Surname"], "O'NEIL \"Jo\"\\\n\té");
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
