//! The plugin's reading, on its fixture. ADAPT: expect your format's records.

use std::path::Path;

use jstac_plugin_template::{Record, TemplateOptions, TemplatePlugin};
use jstac_sdk::Plugin as _;

fn options() -> TemplateOptions {
    let compliance: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("compliance.json"))
            .expect("compliance.json"),
    )
    .expect("compliance.json is JSON");
    serde_json::from_value(compliance["options"].clone()).expect("options")
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample.txt")
}

fn read_all() -> Vec<Record> {
    let mut reader = TemplatePlugin::open(&fixture(), options()).expect("opens");
    let mut records = Vec::new();
    while let Some(record) = reader.next_record().expect("reads") {
        records.push(record);
    }
    records
}

fn good(line: u64, values: &[Option<&str>]) -> Record {
    Record::Good {
        line,
        values: values.iter().map(|v| v.map(str::to_owned)).collect(),
    }
}

#[test]
fn the_fixture_reads_as_records_located_by_line() {
    let records = read_all();
    assert_eq!(records.len(), 5);
    assert_eq!(
        records[0],
        good(3, &[Some("N0000001"), Some("HOXHA"), Some("02/03/1995")])
    );
    assert_eq!(
        records[1],
        good(4, &[Some("N0000002"), Some("TRAN"), Some("14/11/1988")])
    );
    // The blank line 5 is not a record; an all-blank column is missing.
    assert_eq!(
        records[2],
        good(6, &[Some("N0000003"), Some("NGUYEN"), None])
    );
    match &records[3] {
        Record::Reject { line, reason, raw } => {
            assert_eq!(*line, 7);
            assert_eq!(
                reason,
                "line has 8 characters; the last column starts at character 29"
            );
            assert_eq!(raw, "N0000004");
        }
        other => panic!("line 7 should be rejected: {other:?}"),
    }
    assert_eq!(
        records[4],
        good(
            8,
            &[Some("N0000005"), Some("SMITH-JONES"), Some("05/05/1985")]
        )
    );
}

#[test]
fn a_binary_file_is_refused_at_open() {
    let dir = std::env::temp_dir().join(format!("jstac-template-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("binary.dat");
    std::fs::write(&path, b"\x00\x01\x02garbage").unwrap();
    let error = TemplatePlugin::open(&path, options())
        .err()
        .expect("refused");
    assert!(error.to_string().contains("binary"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_option_is_refused() {
    let error = serde_json::from_value::<TemplateOptions>(serde_json::json!({
        "columns": [{ "name": "Ref", "start": 1, "width": 8 }],
        "delimiter": ","
    }))
    .unwrap_err();
    assert!(
        error.to_string().contains("unknown field `delimiter`"),
        "{error}"
    );
}
