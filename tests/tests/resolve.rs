//! `jstac resolve`, `judge` and `explain` on `jstac synth`'s data, on
//! SQLite and PostgreSQL: resolution runs after a run, a second resolution
//! changes no ID, `explain` shows the weights that joined a cluster, a
//! judgement "different" splits a cluster and it stays split, the views
//! cover every record, and both backends resolve the same way.

use jstac_tests::{Sandbox, stderr, stdout, workspace_root};
use serde_json::Value as Json;

fn jstac(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    let output = sandbox
        .command(args)
        .env_remove("JSTAC_SOURCE_ROOT")
        .env("JSTAC_PIPELINES_DIR", workspace_root().join("pipelines"))
        .output()
        .expect("running jstac");
    assert!(
        output.status.success(),
        "jstac {args:?}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    output
}

fn members(sandbox: &Sandbox) -> Vec<(String, String)> {
    sandbox
        .query("SELECT person_key, resolved_id FROM resolved_members ORDER BY person_key")
        .into_iter()
        .map(|r| {
            (
                r["person_key"].as_str().unwrap().to_owned(),
                r["resolved_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn id_of(sandbox: &Sandbox, key: &str) -> String {
    sandbox.query(&format!(
        "SELECT resolved_id FROM resolved_members WHERE person_key = '{key}'"
    ))[0]["resolved_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Loads synth data (resolving after the run), and checks everything the
/// commands promise; returns the membership after the first resolution.
fn resolve_on(sandbox: &Sandbox) -> Vec<(String, String)> {
    jstac(sandbox, &["synth", "--out", "data", "--seed", "2016"]);
    let run = stdout(&jstac(sandbox, &["run", "--all", "--source-root", "data"]));
    assert!(run.contains("resolve: resolution 1 |"), "{run}");
    let first = members(sandbox);
    let persons = sandbox.count("persons");
    assert_eq!(first.len() as i64, persons);

    // Again on the same data: no ID changes.
    let again = stdout(&jstac(sandbox, &["resolve"]));
    assert!(
        again.contains("| 0 records changed ID, 0 merges, 0 splits |"),
        "{again}"
    );
    assert!(again.contains("model reused"), "{again}");
    assert_eq!(members(sandbox), first);

    // The views: every record once, every resolved person once.
    assert_eq!(sandbox.count("analyst_resolved_records"), persons);
    let ids =
        sandbox.query("SELECT COUNT(DISTINCT resolved_id) AS n FROM resolved_members")[0]["n"]
            .as_i64()
            .unwrap();
    assert_eq!(sandbox.count("analyst_resolved_persons"), ids);
    assert!(ids < persons, "some records resolve together");

    // A resolved person of several agencies, and why.
    let rows: Vec<Json> = sandbox.query(
        "SELECT resolved_id, records FROM analyst_resolved_persons \
         WHERE agency_count >= 2 AND records = 2 ORDER BY resolved_id LIMIT 1",
    );
    let id = rows[0]["resolved_id"].as_str().unwrap().to_owned();
    let explain = stdout(&jstac(sandbox, &["explain", &id]));
    assert!(
        explain.contains(&format!("resolved person {id}: 2 record(s)")),
        "{explain}"
    );
    assert!(explain.contains("links holding it together:"), "{explain}");
    assert!(
        explain.contains("name (") && explain.contains("total +"),
        "{explain}"
    );

    // An analyst says its two records are different: the cluster splits,
    // the split is recorded, and it stays split when resolved again.
    let keys: Vec<String> = sandbox
        .query(&format!(
            "SELECT person_key FROM analyst_resolved_records WHERE resolved_id = '{id}' \
             ORDER BY person_key"
        ))
        .iter()
        .map(|r| r["person_key"].as_str().unwrap().to_owned())
        .collect();
    let judged = stdout(&jstac(
        sandbox,
        &[
            "judge",
            &keys[0],
            &keys[1],
            "different",
            "--note",
            "test",
            "--by",
            "tester",
        ],
    ));
    assert!(judged.contains("1 splits"), "{judged}");
    assert_ne!(id_of(sandbox, &keys[0]), id_of(sandbox, &keys[1]));
    assert_eq!(
        sandbox.count(&format!(
            "resolved_history WHERE old_id = '{id}' AND kind = 'split'"
        )),
        1
    );
    jstac(sandbox, &["resolve", "--retrain"]);
    assert_ne!(id_of(sandbox, &keys[0]), id_of(sandbox, &keys[1]));
    let apart = stdout(&jstac(sandbox, &["explain", &keys[0]]));
    assert!(apart.contains("an analyst judged"), "{apart}");
    // And "same" joins them again, whatever the model.
    jstac(sandbox, &["judge", &keys[0], &keys[1], "same"]);
    assert_eq!(id_of(sandbox, &keys[0]), id_of(sandbox, &keys[1]));
    first
}

#[test]
fn resolution_is_stable_explained_judged_and_the_same_on_both_backends() {
    let sqlite = resolve_on(&Sandbox::new());
    let postgres = resolve_on(&Sandbox::postgres());
    assert_eq!(sqlite, postgres, "both backends resolve alike");
}
