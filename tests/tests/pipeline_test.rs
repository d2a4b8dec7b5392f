//! `jstac pipeline test`: every bundled pipeline passes its own test (this
//! is how CI runs them), and a test fails readably when a row changes.

use std::path::{Path, PathBuf};

use jstac_tests::{Sandbox, stderr, stdout, workspace_root};

fn bundled_pipelines() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("pipelines"))
        .expect("pipelines dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    found.sort();
    found
}

#[test]
fn every_bundled_pipeline_passes_its_test() {
    let pipelines = bundled_pipelines();
    assert!(pipelines.len() >= 7, "{pipelines:?}");
    for pipeline in &pipelines {
        let stem = pipeline.file_stem().unwrap().to_str().unwrap();
        let dir = workspace_root().join("pipelines/tests").join(stem);
        assert!(
            dir.join("input").is_dir() && dir.join("expected").is_dir(),
            "pipeline {stem} has no test: add pipelines/tests/{stem}/input/ and run `jstac pipeline test --update`"
        );
    }
    let sandbox = Sandbox::new();
    let mut args = vec!["pipeline", "test"];
    let paths: Vec<&str> = pipelines.iter().map(|p| p.to_str().unwrap()).collect();
    args.extend(&paths);
    let output = sandbox.jstac(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    for pipeline in &pipelines {
        let stem = pipeline.file_stem().unwrap().to_str().unwrap();
        assert!(
            stdout(&output).contains(&format!("ok: {stem}: ")),
            "{}",
            stdout(&output)
        );
    }
    assert!(
        stdout(&output).contains("all passed"),
        "{}",
        stdout(&output)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn a_changed_row_fails_naming_table_key_and_column_and_update_accepts_it() {
    let sandbox = Sandbox::new();
    let root = workspace_root().join("pipelines");
    std::fs::create_dir_all(sandbox.path().join("pipelines")).unwrap();
    std::fs::copy(
        root.join("police_msa_crimes.toml"),
        sandbox.path().join("pipelines/police_msa_crimes.toml"),
    )
    .unwrap();
    copy_dir(
        &root.join("tests/police_msa_crimes"),
        &sandbox.path().join("pipelines/tests/police_msa_crimes"),
    );
    let pipeline = "pipelines/police_msa_crimes.toml";
    let passed = sandbox.jstac(&["pipeline", "test", pipeline]);
    assert_eq!(passed.status.code(), Some(0), "{}", stdout(&passed));

    // Change one expected value, drop a quarantine row: the test fails.
    let expected = sandbox
        .path()
        .join("pipelines/tests/police_msa_crimes/expected");
    let persons = std::fs::read_to_string(expected.join("persons.jsonl")).unwrap();
    assert!(persons.contains("\"family_name\":\"NGUYEN\""));
    std::fs::write(
        expected.join("persons.jsonl"),
        persons.replace("\"family_name\":\"NGUYEN\"", "\"family_name\":\"NGUYN\""),
    )
    .unwrap();
    let quarantine = std::fs::read_to_string(expected.join("quarantine.jsonl")).unwrap();
    let first_line = quarantine.lines().next().unwrap().to_owned();
    std::fs::write(
        expected.join("quarantine.jsonl"),
        quarantine.replacen(&format!("{first_line}\n"), "", 1),
    )
    .unwrap();
    let failed = sandbox.jstac(&["pipeline", "test", pipeline]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let out = stdout(&failed);
    assert!(
        out.contains("FAILED: pipelines/police_msa_crimes.toml"),
        "{out}"
    );
    assert!(
        out.lines().any(|line| line.contains("persons ")
            && line.contains("(line 2): family_name: expected \"NGUYN\", actual \"NGUYEN\"")),
        "{out}"
    );
    assert!(
        out.contains(&format!("quarantine: unexpected row {first_line}")),
        "{out}"
    );

    // --update accepts the actual rows; the test passes again.
    let updated = sandbox.jstac(&["pipeline", "test", "--update", pipeline]);
    assert_eq!(updated.status.code(), Some(0), "{}", stderr(&updated));
    assert!(stdout(&updated).starts_with("updated: police_msa_crimes"));
    let passed = sandbox.jstac(&["pipeline", "test", pipeline]);
    assert_eq!(passed.status.code(), Some(0), "{}", stdout(&passed));
    assert_eq!(
        std::fs::read_to_string(expected.join("quarantine.jsonl")).unwrap(),
        quarantine
    );
}

#[test]
fn a_pipeline_without_fixtures_is_a_configuration_error() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "pipelines/new.toml",
        "agency = \"police\"\ndataset = \"new\"\nplugin = \"csv\"\n[source]\npath = \"x/*.csv\"\n[entities.p]\ntable = \"persons\"\nkey = [\"Ref\"]\n",
    );
    let output = sandbox.jstac(&["pipeline", "test", "pipelines/new.toml"]);
    assert_eq!(output.status.code(), Some(78), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("pipelines/new.toml: no test fixtures: put a few sample files in pipelines/tests/new/input"),
        "{}",
        stderr(&output)
    );
}
