//! `jstac runs` filters and `jstac runs show ID`.

use jstac_tests::{Sandbox, stderr, stdout, workspace_root};
use serde_json::Value;

fn misbehave_pipeline(mode: &str) -> String {
    format!(
        "agency = \"police\"\ndataset = \"bad\"\nplugin = \"misbehave\"\n[source]\npath = \"data/refs.txt\"\noptions = {{ mode = \"{mode}\" }}\n[entities.p]\ntable = \"persons\"\nkey = [\"Ref\"]\ncolumns.family_name = \"Ref\"\n"
    )
}

fn runs_json(sandbox: &Sandbox, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["runs", "--format", "json"];
    all.extend_from_slice(args);
    let output = sandbox.jstac(&all);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("runs JSON")
}

fn ids(runs: &[Value]) -> Vec<i64> {
    runs.iter()
        .map(|r| r["run"].as_i64().expect("run id"))
        .collect()
}

#[test]
fn runs_filter_by_pipeline_status_and_since_and_show_one_run() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin("jstac-testplugin-misbehave", "misbehave");
    let police = workspace_root().join("pipelines/police_msa_crimes.toml");
    let police = police.to_str().expect("utf-8 path");
    assert_eq!(sandbox.jstac(&["run", police]).status.code(), Some(0));
    sandbox.write("data/refs.txt", "R1\nR2\nR3\n");
    sandbox.write("bad.toml", misbehave_pipeline("error_mid_stream"));
    assert_eq!(sandbox.jstac(&["run", "bad.toml"]).status.code(), Some(65));

    assert_eq!(ids(&runs_json(&sandbox, &[])), [2, 1]);
    assert_eq!(ids(&runs_json(&sandbox, &["--status", "failed"])), [2]);
    assert_eq!(ids(&runs_json(&sandbox, &["--status", "succeeded"])), [1]);
    assert!(runs_json(&sandbox, &["--status", "running"]).is_empty());
    assert_eq!(ids(&runs_json(&sandbox, &["--pipeline", "bad"])), [2]);
    assert_eq!(
        ids(&runs_json(
            &sandbox,
            &["--pipeline", "police_msa_crimes", "--status", "failed"]
        )),
        [] as [i64; 0]
    );
    assert_eq!(ids(&runs_json(&sandbox, &["--since", "1h"])), [2, 1]);
    assert_eq!(
        ids(&runs_json(&sandbox, &["--since", "2000-01-01"])),
        [2, 1]
    );
    assert!(runs_json(&sandbox, &["--since", "2999-01-01T00:00:00Z"]).is_empty());
    let bad = sandbox.jstac(&["runs", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(64), "a usage mistake");
    assert!(stderr(&bad).contains("--since"), "{}", stderr(&bad));

    // One run in JSON: the run, its file with its SHA-256 and counts, and
    // what its normalisers did.
    let output = sandbox.jstac(&["runs", "show", "1", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let shown: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(shown["run"]["status"], "succeeded");
    let files = shown["files"].as_array().expect("files");
    assert_eq!(files.len(), 1);
    assert!(
        files[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("wyp_msa_2016.csv")
    );
    assert_eq!(files[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(files[0]["read"], 55);
    // Records no rule applies to: none here, as in the run.
    assert_eq!(files[0]["skipped"], 0);
    assert_eq!(shown["run"]["skipped"], 0);
    assert!(!shown["fields"].as_array().expect("fields").is_empty());

    // The failed run as a table: its error, no files.
    let output = sandbox.jstac(&["runs", "show", "2"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("failed"), "{text}");
    assert!(text.contains("deliberate error mid-stream"), "{text}");
    // CSV: sections separated by a blank line.
    let output = sandbox.jstac(&["runs", "show", "1", "--format", "csv"]);
    let text = stdout(&output);
    assert!(text.starts_with("run,pipeline,"), "{text}");
    assert!(text.contains("\n\nfile,path,size_bytes,sha256,"), "{text}");

    let missing = sandbox.jstac(&["runs", "show", "99"]);
    assert_ne!(missing.status.code(), Some(0));
    assert!(
        stderr(&missing).contains("no run 99"),
        "{}",
        stderr(&missing)
    );
}
