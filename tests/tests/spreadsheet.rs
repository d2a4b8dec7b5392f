//! The spreadsheet plugin end to end: the real binary and plugin library,
//! the bundled Border Force (XLSX), GLAA (ODS) and HMRC (XLS) pipelines on
//! their synthetic samples, and workbooks that must be refused.

use jstac_tests::{Sandbox, stderr, stdout, workspace_root};
use serde_json::json;

fn pipeline(name: &str) -> String {
    workspace_root()
        .join("pipelines")
        .join(format!("{name}.toml"))
        .to_str()
        .expect("utf-8 path")
        .to_owned()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        workspace_root()
            .join("tests/fixtures/spreadsheet")
            .join(name),
    )
    .expect("fixture")
}

fn counts(sandbox: &Sandbox, dataset: &str) -> (i64, i64, i64) {
    (
        sandbox.count(&format!("persons WHERE dataset = '{dataset}'")),
        sandbox.count(&format!("events WHERE dataset = '{dataset}'")),
        sandbox.count(&format!("links WHERE dataset = '{dataset}'")),
    )
}

/// Runs a bundled pipeline twice: the first run loads the sample (its one
/// error cell quarantined when it has one: bad data under `--strict`), the
/// second adds nothing.
fn run_twice(sandbox: &Sandbox, name: &str, summary: &str, quarantined: bool) {
    let first = sandbox.jstac(&["run", "--strict", &pipeline(name)]);
    assert_eq!(
        first.status.code(),
        Some(if quarantined { 65 } else { 0 }),
        "{name}: {}{}",
        stdout(&first),
        stderr(&first)
    );
    assert!(
        stdout(&first).contains(summary),
        "{name}: {}",
        stdout(&first)
    );
    let second = sandbox.jstac(&["run", &pipeline(name)]);
    assert_eq!(second.status.code(), Some(0), "{name}: {}", stderr(&second));
    assert!(
        stdout(&second).contains("0 loaded, 1 skipped"),
        "{name}: {}",
        stdout(&second)
    );
}

#[test]
fn the_bundled_pipelines_validate() {
    let sandbox = Sandbox::new();
    for name in [
        "border_force_encounters",
        "glaa_licence_register",
        "glaa_inspections",
        "hmrc_nmw_enforcement",
    ] {
        let output = sandbox.jstac(&["validate", &pipeline(name)]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}{}",
            stdout(&output),
            stderr(&output)
        );
    }
}

#[test]
fn border_force_xlsx_loads_once_with_its_failed_lookup_quarantined() {
    let sandbox = Sandbox::new();
    run_twice(
        &sandbox,
        "border_force_encounters",
        "28 read, 27 loaded, 1 quarantined",
        true,
    );
    // 28 rows: 27 people (one met twice), 16 encounters; the row with the
    // failed port lookup is neither. Links: 27 person-encounter, and 19
    // person-document (20 documents; the person met twice shows the same
    // passport both times), and 15 encounter-port links (13 ports).
    assert_eq!(counts(&sandbox, "bf-safeguarding-encounters"), (26, 15, 61));
    assert_eq!(
        sandbox.count("objects WHERE dataset = 'bf-safeguarding-encounters'"),
        19
    );
    assert_eq!(
        sandbox.count("locations WHERE dataset = 'bf-safeguarding-encounters'"),
        13
    );
    assert_eq!(
        sandbox.query("SELECT locator, field, reason FROM quarantine"),
        [json!({
            "locator": "bf_safeguarding_encounters_2016q2.xlsx: Encounters!A22",
            "field": "Port",
            "reason": "entities.encounter.columns.location: error value #N/A at Encounters!E22 in the source"
        })]
    );
    // Date cells, cached formula values and the hidden lookup sheet passed over.
    assert_eq!(
        sandbox.query(
            "SELECT e.occurred_from, e.location, p.date_of_birth, l.age_at_event, p.source_locator
             FROM events e JOIN links l ON l.to_key = e.event_key JOIN persons p ON p.person_key = l.from_key
             WHERE e.reference = 'BF-SE-16-0401' AND p.given_names = 'Ana'"
        ),
        [json!({
            "occurred_from": "2016-04-03",
            "location": "Dover Eastern Docks",
            "date_of_birth": "1997-02-14",
            "age_at_event": 19,
            "source_locator": "bf_safeguarding_encounters_2016q2.xlsx: Encounters!A6"
        })]
    );
}

#[test]
fn glaa_ods_sheets_are_bound_by_name_and_share_their_licences() {
    let sandbox = Sandbox::new();
    run_twice(
        &sandbox,
        "glaa_licence_register",
        "18 read, 18 loaded, 0 quarantined",
        false,
    );
    // Links: principal authority to licence and to provider, provider to
    // licence (the licence's period).
    assert_eq!(counts(&sandbox, "glaa-licensing"), (18, 18, 54));
    assert_eq!(
        sandbox.count("organisations WHERE dataset = 'glaa-licensing'"),
        18
    );
    run_twice(
        &sandbox,
        "glaa_inspections",
        "18 read, 17 loaded, 1 quarantined",
        true,
    );
    // 17 inspections join the 18 licences and labour providers they
    // inspected; no new licence, no new provider.
    assert_eq!(counts(&sandbox, "glaa-licensing"), (18, 35, 88));
    assert_eq!(
        sandbox.count("organisations WHERE dataset = 'glaa-licensing'"),
        18
    );
    assert_eq!(
        sandbox.query(
            "SELECT o.name, l.valid_from, l.valid_to FROM organisations o
             JOIN links l ON l.from_key = o.organisation_key AND l.role = 'licence holder'
             WHERE o.registration_number = 'GLAA-0100232'"
        ),
        [json!({
            "name": "Wash Shellfish Gatherers Ltd",
            "valid_from": "2012-06-01",
            "valid_to": "2016-05-18"
        })]
    );
    assert_eq!(
        sandbox.query("SELECT locator, field, reason FROM quarantine"),
        [json!({
            "locator": "glaa_licensing_2016.ods: Inspections!A23",
            "field": "Outcome",
            "reason": "entities.inspection.columns.status: error value Err:502 at Inspections!E23 in the source"
        })]
    );
    assert_eq!(
        sandbox.query(
            "SELECT status, occurred_from, occurred_to, category FROM events WHERE reference = 'GLAA-0100232'"
        ),
        [json!({
            "status": "Revoked",
            "occurred_from": "2012-06-01",
            "occurred_to": "2016-05-18",
            "category": "Shellfish gathering"
        })]
    );
}

#[test]
fn hmrc_xls_loads_once_with_its_division_by_zero_quarantined() {
    let sandbox = Sandbox::new();
    run_twice(
        &sandbox,
        "hmrc_nmw_enforcement",
        "24 read, 23 loaded, 1 quarantined",
        true,
    );
    // Links: worker to case, employer to case, worker to employer.
    assert_eq!(counts(&sandbox, "hmrc-nmw-enforcement"), (23, 9, 55));
    assert_eq!(
        sandbox.count("organisations WHERE dataset = 'hmrc-nmw-enforcement'"),
        9
    );
    assert_eq!(
        sandbox.query("SELECT locator, field, reason FROM quarantine"),
        [json!({
            "locator": "hmrc_nmw_cases_2016.xls: 'NMW cases'!A20",
            "field": "Total Arrears (£)",
            "reason": "entities.case.columns.amount_gbp: error value #DIV/0! at 'NMW cases'!H20 in the source"
        })]
    );
    assert_eq!(
        sandbox.query(
            "SELECT amount_gbp, occurred_from, occurred_to FROM events WHERE reference = 'NMW-16-00418'"
        ),
        [json!({ "amount_gbp": 3921.6, "occurred_from": "2016-01-25", "occurred_to": "2016-05-13" })]
    );
}

const CASES: &str = r#"
agency = "hmrc"
dataset = "test"
plugin = "spreadsheet"

[source]
path = "data/*"

[entities.case]
table = "events"
key = ["Ref"]
columns.reference = "Ref"
columns.occurred_from = "Opened"
"#;

#[test]
fn an_error_cell_quarantines_its_record_only_when_the_field_is_mapped() {
    for name in ["cases.xls", "cases.xlsb", "cases.ods"] {
        let sandbox = Sandbox::new();
        sandbox.write("p.toml", CASES);
        sandbox.write(&format!("data/{name}"), fixture(name));
        let output = sandbox.jstac(&["run", "p.toml"]);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        assert!(
            stdout(&output).contains("3 read, 3 loaded, 0 quarantined"),
            "{name}: {}",
            stdout(&output)
        );

        let sandbox = Sandbox::new();
        sandbox.write("p.toml", format!("{CASES}columns.status = \"Status\"\n"));
        sandbox.write(&format!("data/{name}"), fixture(name));
        let output = sandbox.jstac(&["run", "--strict", "p.toml"]);
        assert_eq!(
            output.status.code(),
            Some(65),
            "{name}: {}",
            stderr(&output)
        );
        assert!(
            stdout(&output).contains("3 read, 2 loaded, 1 quarantined"),
            "{name}: {}",
            stdout(&output)
        );
        assert_eq!(
            sandbox.query("SELECT locator, field, reason FROM quarantine"),
            [json!({
                "locator": format!("{name}: Cases!A6"),
                "field": "Status",
                "reason": "entities.case.columns.status: error value #N/A at Cases!F6 in the source"
            })],
            "{name}"
        );
    }
}

#[test]
fn files_that_are_not_workbooks_are_rejected_and_the_run_goes_on() {
    let sandbox = Sandbox::new();
    sandbox.write("p.toml", CASES);
    sandbox.write("data/a_export.xls", "Ref,Opened\nC1,01/03/2016\n");
    let xlsx =
        std::fs::read(workspace_root().join(
            "pipelines/samples/border_force_encounters/bf_safeguarding_encounters_2016q2.xlsx",
        ))
        .expect("sample");
    sandbox.write("data/b_cut.xlsx", &xlsx[..xlsx.len() / 2]);
    sandbox.write("data/c_cases.xls", fixture("cases.xls"));
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(65), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(
            "a_export.xls: looks like CSV text, not a spreadsheet; read it with the csv plugin"
        ),
        "{err}"
    );
    assert!(
        err.contains("b_cut.xlsx: is not a complete zip archive"),
        "{err}"
    );
    assert!(
        stdout(&output).contains("1 loaded, 0 skipped, 2 failed"),
        "{}",
        stdout(&output)
    );
    assert_eq!(sandbox.count("events WHERE dataset = 'test'"), 3);
}
