//! A record's life through the real binary, on SQLite and PostgreSQL:
//! `jstac retract` takes a file out as if it had never loaded (the
//! warehouse equals one loaded without it), loading it again puts it back,
//! and `jstac verify` passes on a lawful history and names the table and
//! file of each change made with plain SQL.

use std::process::Command;

use jstac_tests::{Sandbox, psql, stderr, stdout};
use serde_json::Value;

const PIPELINE: &str = r#"
agency = "police"
dataset = "lifecycle-test"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.person]
table = "persons"
key = ["Person ID"]

[entities.person.columns]
family_name = "Surname"
given_names = "Forenames"
date_of_birth = { field = "DOB", format = ["%d/%m/%Y"] }

[entities.alias]
table = "names"
of = "person"

[entities.alias.columns]
kind = { value = "alias" }
full_name = "Alias"

[entities.case]
table = "events"
key = ["Case"]

[entities.case.columns]
reference = "Case"

[[links]]
from = "person"
to = "case"

[links.columns]
role = { value = "subject" }
"#;

const HEADER: &str = "Person ID,Surname,Forenames,DOB,Alias,Case\n";
// Synthetic people. P2 is in files 1 and 2 (file 2 corrects the date of
// birth and adds an alias), P3 in files 2 and 3 (the same), P5 only in
// file 2 (with its case C9), P1 and P4 in one file each.
const FILES: [(&str, &str); 3] = [
    (
        "f1.csv",
        "P1,ADAMS,Ann,01/01/1980,,C1\nP2,BROWN,Bob,02/02/1970,,C1\n",
    ),
    (
        "f2.csv",
        "P2,BROWN,Bob,03/03/1971,Bobby Brown,C2\nP3,CLARK,Cy,04/04/1990,,C2\nP5,EVANS,Eve,05/05/1985,Evie,C9\n",
    ),
    (
        "f3.csv",
        "P3,CLARK,Cy,04/04/1990,,C3\nP4,DAVIS,Dee,06/06/1960,,C3\n",
    ),
];

fn load(sandbox: &Sandbox, names: &[&str]) {
    sandbox.write("p.toml", PIPELINE);
    for name in names {
        let (_, rows) = FILES.iter().find(|(n, _)| n == name).expect("a file");
        sandbox.write(&format!("data/{name}"), format!("{HEADER}{rows}"));
        let output = sandbox.jstac(&["run", "p.toml", "--strict"]);
        assert!(
            output.status.success(),
            "run failed: {}{}",
            stdout(&output),
            stderr(&output)
        );
    }
}

/// Every entity, value, link and assertion row, with run and file ids
/// replaced by the file's name (ids differ between warehouses), sorted;
/// without `provenance`, entity rows without which run and record first
/// and last asserted them (their values and assertions only).
fn state(sandbox: &Sandbox, provenance: bool) -> Vec<String> {
    let name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_owned();
    let mut runs = std::collections::HashMap::new();
    let mut files = std::collections::HashMap::new();
    for row in sandbox.query("SELECT run_id, file_id, path FROM ledger WHERE kind = 'load'") {
        runs.insert(
            row["run_id"].to_string(),
            name(row["path"].as_str().unwrap()),
        );
        files.insert(
            row["file_id"].to_string(),
            name(row["path"].as_str().unwrap()),
        );
    }
    let mut out = Vec::new();
    for (table, key) in [
        ("persons", "person_key"),
        ("events", "event_key"),
        ("names", "value_key"),
        ("links", "link_key"),
        ("assertions", "entity_key, record_no"),
    ] {
        for mut row in sandbox.query(&format!("SELECT * FROM {table} ORDER BY {key}")) {
            let object = row.as_object_mut().unwrap();
            for (column, map) in [
                ("first_run_id", &runs),
                ("last_run_id", &runs),
                ("run_id", &runs),
                ("source_file_id", &files),
                ("file_id", &files),
            ] {
                if let Some(value) = object.get_mut(column) {
                    *value = Value::String(map[&value.to_string()].clone());
                }
            }
            if !provenance && table != "assertions" {
                for column in [
                    "first_run_id",
                    "last_run_id",
                    "source_file_id",
                    "source_locator",
                ] {
                    object.remove(column);
                }
            }
            out.push(format!("{table} {row}"));
        }
    }
    out.sort();
    out
}

fn jstac_ok(sandbox: &Sandbox, args: &[&str]) -> String {
    let output = sandbox.jstac(args);
    assert!(
        output.status.success(),
        "jstac {args:?} failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Plain SQL on the warehouse, as someone bypassing jstac would write it.
fn tamper(sandbox: &Sandbox, sql: &str) {
    let output = if sandbox.is_postgres() {
        psql(&sandbox.warehouse_url, sql)
    } else {
        Command::new("sqlite3")
            .arg(sandbox.warehouse())
            .arg(sql)
            .output()
            .expect("sqlite3 runs")
    };
    assert!(output.status.success(), "{sql}: {}", stderr(&output));
}

/// Resolution followed the retraction: every person is a member of one
/// resolved person, and no retracted record is a member of any.
fn resolved_alike(sandbox: &Sandbox) {
    assert_eq!(
        sandbox.count("resolved_members WHERE person_key NOT IN (SELECT person_key FROM persons)"),
        0,
        "a retracted record is still resolved"
    );
    assert_eq!(sandbox.count("resolved_members"), sandbox.count("persons"));
}

fn retract_the_middle_file(make: fn() -> Sandbox) {
    let sandbox = make();
    load(&sandbox, &["f1.csv", "f2.csv", "f3.csv"]);
    let three = state(&sandbox, false);
    assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));

    let sha =
        sandbox.query("SELECT sha256 FROM source_files WHERE path LIKE '%f2.csv'")[0]["sha256"]
            .as_str()
            .unwrap()
            .to_owned();
    let out = jstac_ok(
        &sandbox,
        &["retract", &sha, "--reason", "agency withdrew the file"],
    );
    assert!(out.contains("retracted data/f2.csv"), "{out}");

    let without = make();
    load(&without, &["f1.csv", "f3.csv"]);
    assert_eq!(state(&sandbox, true), state(&without, true));
    assert_eq!(sandbox.count("source_records"), 4);
    // The ledger's row says what went, when, by whom and why, not the data.
    let rows = sandbox.query("SELECT kind, path, reason, actor FROM ledger ORDER BY seq");
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[3]["kind"], "retract");
    assert_eq!(rows[3]["reason"], "agency withdrew the file");
    assert!(!rows[3]["actor"].as_str().unwrap().is_empty());
    assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));
    resolved_alike(&sandbox);

    // Loading file 2 again: it is now the latest, so the warehouse is one
    // loaded from files 1, 3, 2; as files 2 and 3 agree on P3, that is the
    // three-file state but for which file P3 was first and last seen in.
    load(&sandbox, &["f2.csv"]);
    let reordered = make();
    load(&reordered, &["f1.csv", "f3.csv", "f2.csv"]);
    assert_eq!(state(&sandbox, true), state(&reordered, true));
    assert_eq!(state(&sandbox, false), three);
    assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));

    // A whole run: file 3's run takes P4 and C3 with it.
    let run =
        sandbox.query("SELECT run_id FROM source_files WHERE path LIKE '%f3.csv'")[0]["run_id"]
            .to_string();
    jstac_ok(&sandbox, &["retract", "--run", &run, "--reason", "test"]);
    assert_eq!(
        sandbox.count("persons WHERE family_name = 'DAVIS'"),
        0,
        "P4 went with its only file"
    );
    assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));
    resolved_alike(&sandbox);
    // Nothing matches: exit 78, nothing changed.
    let output = sandbox.jstac(&["retract", "no-such-file", "--reason", "x"]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
}

#[test]
fn retracting_the_middle_file_leaves_what_files_1_and_3_give_on_sqlite() {
    retract_the_middle_file(Sandbox::new);
}

#[test]
fn retracting_the_middle_file_leaves_what_files_1_and_3_give_on_postgres() {
    retract_the_middle_file(Sandbox::postgres);
}

fn verify_names_each_change(make: fn() -> Sandbox) {
    for (sql, table) in [
        (
            "UPDATE persons SET family_name = 'SMITH' WHERE family_name = 'ADAMS'",
            "persons: file data/f1.csv",
        ),
        (
            "DELETE FROM source_records WHERE record_no = 1 AND file_id = (SELECT MIN(file_id) FROM source_files)",
            "source_records: file data/f1.csv",
        ),
        (
            "INSERT INTO persons (person_key, agency, dataset, family_name, first_run_id, last_run_id, source_file_id, source_locator)
             SELECT 'ffffffffffffffffffffffffffffffff', 'police', 'lifecycle-test', 'ZED', 1, 1, MIN(file_id), 'line 9' FROM source_files",
            "persons: file data/f1.csv",
        ),
        ("UPDATE ledger SET records = 7 WHERE seq = (SELECT MIN(seq) FROM ledger)", "ledger: file data/f1.csv"),
    ] {
        let sandbox = make();
        load(&sandbox, &["f1.csv", "f2.csv"]);
        assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));
        tamper(&sandbox, sql);
        let output = sandbox.jstac(&["verify"]);
        assert_eq!(output.status.code(), Some(1), "{sql}: {}{}", stdout(&output), stderr(&output));
        assert!(stdout(&output).contains(table), "{sql}: {}", stdout(&output));
        // Counts and keys only: no personal value in what verify says.
        assert!(!stdout(&output).contains("SMITH") && !stdout(&output).contains("ZED"));
    }
}

#[test]
fn verify_names_the_table_and_file_of_each_change_on_sqlite() {
    verify_names_each_change(Sandbox::new);
}

#[test]
fn verify_names_the_table_and_file_of_each_change_on_postgres() {
    verify_names_each_change(Sandbox::postgres);
}

/// A pipeline whose case kinds go through a lookup, before and after the
/// engineer adds the code `BURG` it lacked.
fn kinds_pipeline(fixed: bool) -> String {
    let pipeline = PIPELINE.replace(
        "reference = \"Case\"\n",
        "reference = \"Case\"\ncategory = { field = \"Kind\", lookup = \"kinds\" }\n",
    );
    let burglary = if fixed { "BURG = \"burglary\"\n" } else { "" };
    format!("{pipeline}\n[lookups.kinds]\nROB = \"robbery\"\n{burglary}")
}

const KIND_HEADER: &str = "Person ID,Surname,Forenames,DOB,Alias,Case,Kind\n";
// P2's record in file 1 has a code the lookup lacks (fixed later); P6's
// one no fix covers; P7's line the plugin rejects (its raw is the line,
// not fields: a replay leaves it). File 2, loaded after, corrects P2's date of birth:
// the replayed record must not win over it.
const KIND_FILES: [(&str, &str); 2] = [
    (
        "k1.csv",
        "P1,ADAMS,Ann,01/01/1980,,C1,ROB\nP2,BROWN,Bob,02/02/1970,Bobby,C2,BURG\nP6,FOX,Fay,07/07/1977,,C6,XYZ\nP7,GREY\n",
    ),
    ("k2.csv", "P2,BROWN,Bob,03/03/1971,,C3,ROB\n"),
];

fn load_kinds(sandbox: &Sandbox, fixed: bool) {
    sandbox.write("p.toml", kinds_pipeline(fixed));
    for (name, rows) in KIND_FILES {
        sandbox.write(&format!("data/{name}"), format!("{KIND_HEADER}{rows}"));
        let output = sandbox.jstac(&["run", "p.toml"]);
        assert!(
            output.status.success(),
            "run failed: {}{}",
            stdout(&output),
            stderr(&output)
        );
    }
}

fn replay_after_fixing_a_lookup(make: fn() -> Sandbox) {
    let sandbox = make();
    load_kinds(&sandbox, false);
    assert_eq!(sandbox.count("quarantine"), 3);
    let run =
        sandbox.query("SELECT run_id FROM source_files WHERE path LIKE '%k1.csv'")[0]["run_id"]
            .to_string();

    // The pipeline fixed: P2's record loads into file 1, P6's stays.
    sandbox.write("p.toml", kinds_pipeline(true));
    let out = jstac_ok(&sandbox, &["quarantine", "replay", "--run", &run]);
    assert!(
        out.contains("data/k1.csv: 1 loaded, 0 skipped, 2 still quarantined"),
        "{out}"
    );
    // The record now loaded is resolved like any new one.
    resolved_alike(&sandbox);
    // As if file 1 had loaded through the fixed pipeline in the first
    // place: same rows, provenance (run, file, locator) and record numbers.
    let fresh = make();
    load_kinds(&fresh, true);
    assert_eq!(state(&sandbox, true), state(&fresh, true));
    assert_eq!(
        sandbox.count("persons WHERE family_name = 'BROWN' AND date_of_birth = '1971-03-03'"),
        1,
        "file 2, loaded after, still says P2's date of birth"
    );
    assert_eq!(sandbox.count("quarantine"), 2);
    // Counts reconcile: read = loaded + quarantined + skipped, for the file
    // and its run.
    for table in [
        "source_files WHERE path LIKE '%k1.csv'",
        &format!("ingest_runs WHERE run_id = {run}"),
    ] {
        let row = &sandbox.query(&format!(
            "SELECT records_read, records_loaded, records_quarantined, records_skipped FROM {table}"
        ))[0];
        assert_eq!(
            [
                &row["records_read"],
                &row["records_loaded"],
                &row["records_quarantined"],
                &row["records_skipped"]
            ],
            [4, 2, 2, 0].map(Value::from).each_ref(),
            "{table}"
        );
    }
    let ledger = sandbox.query("SELECT kind, reason FROM ledger ORDER BY seq");
    assert_eq!(ledger.len(), 3, "{ledger:?}");
    assert!(
        ledger[2]["reason"]
            .as_str()
            .unwrap()
            .starts_with("quarantine replay: 1 loaded"),
        "{ledger:?}"
    );
    assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));

    // A second replay loads nothing and changes nothing.
    let before = state(&sandbox, true);
    let out = jstac_ok(&sandbox, &["quarantine", "replay"]);
    assert!(
        out.contains("replayed: 0 loaded, 0 skipped, 2 still quarantined"),
        "{out}"
    );
    assert_eq!(state(&sandbox, true), before);
    assert_eq!(sandbox.count("ledger"), 3);
    assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));

    // A retraction after a replay takes the replayed record with its file.
    jstac_ok(&sandbox, &["retract", "data/k1.csv", "--reason", "test"]);
    assert_eq!(sandbox.count("persons WHERE family_name = 'ADAMS'"), 0);
    assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));
}

#[test]
fn quarantine_replay_after_fixing_a_lookup_loads_what_now_passes_on_sqlite() {
    replay_after_fixing_a_lookup(Sandbox::new);
}

#[test]
fn quarantine_replay_after_fixing_a_lookup_loads_what_now_passes_on_postgres() {
    replay_after_fixing_a_lookup(Sandbox::postgres);
}

fn retain_past_a_one_day_retention(make: fn() -> Sandbox) {
    let sandbox = make();
    load(&sandbox, &["f1.csv", "f2.csv", "f3.csv"]);
    // Files 1 and 2 (and their runs) loaded in 2020; file 3 today.
    for sql in [
        "UPDATE source_files SET loaded_at = '2020-01-01T00:00:00.000Z' WHERE path NOT LIKE '%f3.csv'",
        "UPDATE ingest_runs SET started_at = '2020-01-01T00:00:00.000Z'
         WHERE run_id IN (SELECT run_id FROM source_files WHERE path NOT LIKE '%f3.csv')",
    ] {
        tamper(&sandbox, sql);
    }
    // The dataset's own period overrides its agency's.
    sandbox.write(
        "jstac.toml",
        "[agencies.police]\nretention = \"100y\"\n\n[agencies.police.datasets.lifecycle-test]\nretention = \"1d\"\n",
    );
    let before = state(&sandbox, true);

    // The dry run lists files 1 and 2 and changes nothing.
    let output = sandbox.jstac(&["retain", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listed: Vec<Value> = serde_json::from_str(&stdout(&output)).expect("JSON");
    let paths: Vec<&str> = listed.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(paths, ["data/f1.csv", "data/f2.csv"], "{listed:?}");
    assert!(
        listed[0]["retention"]
            .as_str()
            .unwrap()
            .starts_with("1d after load"),
        "{listed:?}"
    );
    assert!(
        stderr(&output).contains("dry run: 2 file(s), 5 record(s)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(state(&sandbox, true), before);
    assert_eq!(sandbox.count("ledger"), 3);

    let out = jstac_ok(&sandbox, &["retain", "--apply"]);
    assert!(
        out.contains("retracted data/f1.csv") && out.contains("retracted data/f2.csv"),
        "{out}"
    );
    assert!(!out.contains("retracted data/f3.csv"), "{out}");
    resolved_alike(&sandbox);
    let only_three = make();
    load(&only_three, &["f3.csv"]);
    assert_eq!(state(&sandbox, true), state(&only_three, true));
    let reasons = sandbox.query("SELECT reason FROM ledger WHERE kind = 'retract' ORDER BY seq");
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    for reason in &reasons {
        assert_eq!(
            reason["reason"],
            "retention: police/lifecycle-test files are kept 1d after they load"
        );
    }
    assert!(jstac_ok(&sandbox, &["verify"]).contains("verified"));
    // Nothing left past retention.
    let out = jstac_ok(&sandbox, &["retain", "--apply"]);
    assert!(out.contains("0 file(s), 0 record(s)"), "{out}");
    assert_eq!(sandbox.count("source_files"), 1);
}

#[test]
fn retain_apply_retracts_exactly_the_files_past_retention_on_sqlite() {
    retain_past_a_one_day_retention(Sandbox::new);
}

#[test]
fn retain_apply_retracts_exactly_the_files_past_retention_on_postgres() {
    retain_past_a_one_day_retention(Sandbox::postgres);
}

#[test]
fn a_retention_setting_that_is_no_period_or_no_agency_is_refused() {
    let sandbox = Sandbox::new();
    for (settings, said) in [
        (
            "[agencies.police]\nretention = \"six years\"\n",
            "agencies.police.retention \"six years\"",
        ),
        (
            "[agencies.police.datasets.x]\nretention = \"0d\"\n",
            "agencies.police.datasets.x.retention must be above zero",
        ),
        (
            "[agencies.no-such]\nretention = \"1y\"\n",
            "agencies.no-such: not a bundled agency",
        ),
    ] {
        sandbox.write("jstac.toml", settings);
        let output = sandbox.jstac(&["retain"]);
        assert_eq!(output.status.code(), Some(78), "{settings}");
        assert!(
            stderr(&output).contains(said),
            "{settings}: {}",
            stderr(&output)
        );
    }
    sandbox.write("jstac.toml", "");
    let output = sandbox.jstac(&["retain"]);
    assert!(output.status.success());
    assert!(
        stderr(&output).contains("no retention period"),
        "{}",
        stderr(&output)
    );
}
