//! The plugin contract, checked for every real plugin library the build
//! produced (`libjstac_plugin_*` beside the runner), through the host as
//! the runner uses it. A plugin keeps its fixture in
//! `plugins/NAME/compliance.json`: `file` (relative to that directory),
//! `options`, and the number of `records` the file holds. A new plugin
//! without one fails here, so none can skip the contract.
//!
//! Checked: the handshake is accepted and the plugin is named as its
//! library; its options schema is valid JSON Schema, accepts the fixture's
//! options and refuses an unknown option; a missing file and a garbage
//! file each give one line naming the file (at open or at the first
//! batch), never a panic, and as bad data (the file's fault, not the
//! plugin's); every record of the fixture has a locator, and every
//! rejected record a reason and its raw text. Panics are contained by the
//! SDK, not by each plugin: the misbehaving test plugin panics at open and
//! mid-stream, and both become errors the host knows for panics, from a
//! 1.3 plugin by its status and from a 1.2 one by the SDK's words. A
//! stream that breaks the contract is the plugin's fault too.

use std::path::{Path, PathBuf};

use jstac_host::{ContractViolation, Plugin, ReadError};
use jstac_tests::{build, library, target_dir, workspace_root};
use serde_json::{Value as Json, json};

fn plugin_libraries() -> Vec<PathBuf> {
    build();
    jstac_host::candidate_libraries(&[target_dir()])
}

fn plugin_name(library: &Path) -> String {
    let stem = library.file_name().unwrap().to_string_lossy();
    stem.trim_start_matches(std::env::consts::DLL_PREFIX)
        .trim_start_matches("jstac_plugin_")
        .trim_end_matches(std::env::consts::DLL_SUFFIX)
        .to_owned()
}

/// One record as the host sees it: locator, reject reason, raw text.
type Seen = (String, Option<String>, Option<String>);

/// Opens and reads a whole file; the error, if any, as the host gives it.
fn read_all(plugin: &Plugin, file: &Path, options: &Json) -> Result<Vec<Seen>, ReadError> {
    let mut stream = plugin.open(file, options, 7)?;
    let mut records = Vec::new();
    while let Some(batch) = stream.next_batch() {
        let batch = batch?;
        for row in 0..batch.len() {
            records.push((
                batch.locator(row).to_owned(),
                batch.reject(row).map(str::to_owned),
                batch.raw(row).map(str::to_owned),
            ));
        }
    }
    Ok(records)
}

fn check_plugin(library: &Path, scratch: &Path) -> Vec<String> {
    let name = plugin_name(library);
    let mut problems = Vec::new();
    let mut fail = |message: String| problems.push(format!("{name}: {message}"));
    let plugin = match Plugin::load(library) {
        Ok(plugin) => plugin,
        Err(e) => {
            fail(format!("handshake or describe refused: {e}"));
            return problems;
        }
    };
    if plugin.info().name != name {
        fail(format!(
            "calls itself {:?}, its library says {name:?}",
            plugin.info().name
        ));
    }
    if let Err(e) = jsonschema::meta::validate(&plugin.info().options_schema) {
        fail(format!("options schema is not valid JSON Schema: {e}"));
    }

    let fixture_path = workspace_root()
        .join("plugins")
        .join(&name)
        .join("compliance.json");
    let Ok(text) = std::fs::read_to_string(&fixture_path) else {
        fail(format!(
            "no compliance fixture: add {}",
            fixture_path.display()
        ));
        return problems;
    };
    let fixture: Json = serde_json::from_str(&text).expect("compliance.json is JSON");
    let options = fixture["options"].clone();
    let file = fixture_path
        .parent()
        .unwrap()
        .join(fixture["file"].as_str().expect("file"));
    if let Some((at, message)) = plugin.check_options(&options).first() {
        fail(format!(
            "refuses its own fixture's options: {at}: {message}"
        ));
    }
    let mut unknown = options.clone();
    unknown["no_such_option"] = json!(1);
    let refused = plugin.check_options(&unknown);
    if !refused
        .iter()
        .any(|(_, message)| message.contains("no_such_option"))
    {
        fail(format!(
            "accepts an unknown option (got {refused:?}); use #[serde(deny_unknown_fields)]"
        ));
    }

    // Unreadable files: one line that names the file.
    let missing = scratch.join(format!("missing-{name}.dat"));
    let garbage = scratch.join(format!("garbage-{name}.dat"));
    std::fs::write(
        &garbage,
        b"\xff\xfe\x00\x01garbage\x00\xc3\x28<\x00\n\x00\x9f,\x01\n",
    )
    .unwrap();
    for (what, path) in [("a missing file", &missing), ("a garbage file", &garbage)] {
        match read_all(&plugin, path, &options) {
            Ok(records)
                if records.iter().all(|(_, reject, _)| reject.is_some())
                    && what == "a garbage file"
                    && !records.is_empty() => {}
            Ok(records) => fail(format!(
                "{what} read as {} record(s) without an error",
                records.len()
            )),
            Err(error) => {
                if !matches!(error, ReadError::Data { .. }) {
                    fail(format!("{what}: not reported as bad data: {error:?}"));
                }
                let message = error.to_string();
                if message.lines().count() != 1 {
                    fail(format!("{what}: error is not one line: {message:?}"));
                }
                if !message.contains(&path.display().to_string()) {
                    fail(format!("{what}: error does not name the file: {message:?}"));
                }
            }
        }
    }

    // The fixture: every record located, every rejected one explained.
    match read_all(&plugin, &file, &options) {
        Err(error) => fail(format!("cannot read its fixture: {error}")),
        Ok(records) => {
            let expected = fixture["records"].as_u64().expect("records") as usize;
            if records.len() != expected {
                fail(format!(
                    "fixture gave {} records, compliance.json says {expected}",
                    records.len()
                ));
            }
            for (index, (locator, reject, raw)) in records.iter().enumerate() {
                if locator.trim().is_empty() {
                    fail(format!("record {index} has no locator"));
                }
                if let Some(reason) = reject
                    && (reason.trim().is_empty() || raw.is_none())
                {
                    fail(format!(
                        "rejected record at {locator} lacks a reason or its raw text"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn every_plugin_keeps_the_contract() {
    let libraries = plugin_libraries();
    let names: Vec<String> = libraries.iter().map(|l| plugin_name(l)).collect();
    for required in ["csv", "spreadsheet", "xml", "template"] {
        assert!(
            names.iter().any(|n| n == required),
            "no {required} plugin library in {}: {names:?}",
            target_dir().display()
        );
    }
    let scratch = tempfile::tempdir().unwrap();
    let problems: Vec<String> = libraries
        .iter()
        .flat_map(|l| check_plugin(l, scratch.path()))
        .collect();
    assert!(
        problems.is_empty(),
        "plugin contract broken:\n{}",
        problems.join("\n")
    );
}

/// Panics at open and mid-stream are [`ReadError::Panicked`], a plugin's
/// own error is [`ReadError::Data`], and the plugin stays usable.
fn check_panics_and_errors(crate_name: &str) {
    let plugin = Plugin::load(&library(crate_name)).expect("loads");
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("refs.txt");
    std::fs::write(&file, "R1\nR2\nR3\n").unwrap();
    for mode in ["panic_at_open", "panic_mid_stream"] {
        let error = read_all(&plugin, &file, &json!({ "mode": mode })).expect_err(mode);
        assert!(
            matches!(error, ReadError::Panicked { .. }),
            "{crate_name} {mode}: {error:?}"
        );
        let error = error.to_string();
        assert!(error.contains("plugin panicked"), "{mode}: {error}");
        assert!(error.contains("refs.txt"), "{mode}: {error}");
        assert_eq!(error.lines().count(), 1, "{mode}: {error}");
    }
    let error = read_all(&plugin, &file, &json!({ "mode": "error_mid_stream" }))
        .expect_err("error_mid_stream");
    assert!(
        matches!(error, ReadError::Data { .. }),
        "{crate_name}: {error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("line 3: deliberate error mid-stream"),
        "{error}"
    );
    // Still usable after both panics.
    let records = read_all(&plugin, &file, &json!({ "mode": "none" })).expect("reads");
    assert_eq!(records.len(), 3);
}

#[test]
fn panics_in_a_plugin_become_errors_and_the_host_carries_on() {
    check_panics_and_errors("jstac-testplugin-misbehave");
}

/// A plugin built for ABI 1.2 has no `last_stream_status` (the test
/// plugin's aborts the process if called): it loads, its 1.2 option check
/// runs, and its panics are still told from its errors.
#[test]
fn a_plugin_built_for_abi_1_2_still_loads_and_its_panics_are_panics() {
    let plugin = Plugin::load(&library("jstac-testplugin-misbehave-abi-1-2")).expect("loads");
    assert_eq!(plugin.info().name, "misbehave");
    assert!(plugin.check_options(&json!({ "mode": "none" })).is_empty());
    let refused = plugin.check_options(&json!({ "mode": "none", "extra": 1 }));
    assert!(!refused.is_empty(), "{refused:?}");
    check_panics_and_errors("jstac-testplugin-misbehave-abi-1-2");
}

#[test]
fn a_stream_that_breaks_the_contract_is_the_plugins_fault() {
    let plugin = Plugin::load(&library("jstac-testplugin-bad-stream")).expect("loads");
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("refs.txt");
    std::fs::write(&file, "R1\n").unwrap();

    let error = read_all(&plugin, &file, &json!({ "mode": "no_reserved_columns" }))
        .expect_err("no reserved columns");
    assert!(
        matches!(
            error,
            ReadError::Contract {
                violation: ContractViolation::MissingReservedColumns,
                ..
            }
        ),
        "{error:?}"
    );

    let error =
        read_all(&plugin, &file, &json!({ "mode": "invalid_utf8" })).expect_err("invalid UTF-8");
    assert!(
        matches!(
            error,
            ReadError::Contract {
                violation: ContractViolation::MalformedColumn { index: 0, .. },
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("refs.txt") && message.contains("plugin sent a malformed column 0"),
        "{message}"
    );
}
