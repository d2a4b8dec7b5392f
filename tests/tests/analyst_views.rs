//! The analyst views of schema v4 (`0004_analyst_views.sql`) exist in a
//! new warehouse and answer over the bundled pipelines' data, plus a small
//! synthetic NRM referral extract (no bundled pipeline reads NRM data).

use jstac_tests::{Sandbox, stderr, stdout, workspace_root};
use serde_json::json;

const NRM_PIPELINE: &str = r#"
agency = "nrm"
dataset = "nrm-referrals-test"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.referral]
table = "nrm_referrals"
key = ["Ref"]

[entities.referral.columns]
reference = { field = "Ref", required = true }
referred_on = { field = "Referred", format = "%d/%m/%Y", required = true }
first_responder = "FirstResponder"
exploitation_type = { field = "Exploitation", lookup = "exploitation" }
age_group = "AgeGroup"
gender = "Gender"
nationality = { field = "Nationality", normalise = "country" }

[lookups.exploitation]
Labour = "labour"
Sexual = "sexual"
"#;

/// Synthetic referrals: two Albanian adult sexual-exploitation referrals in
/// 2016, one Vietnamese minor labour referral in 2016, one in 2017.
const NRM_CSV: &str = "Ref,Referred,FirstResponder,Exploitation,AgeGroup,Gender,Nationality
NRM-T-0001,02/03/2016,Police,Sexual,adult,F,Albanian
NRM-T-0002,17/05/2016,Local authority,Sexual,adult,F,ALB
NRM-T-0003,09/09/2016,Border Force,Labour,minor,M,Viet Nam
NRM-T-0004,11/01/2017,Police,Labour,adult,M,Vietnamese
";

fn bundled_pipelines() -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(workspace_root().join("pipelines"))
        .expect("pipelines dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| path.to_str().expect("utf-8 path").to_owned())
        .collect();
    found.sort();
    found
}

#[test]
fn the_analyst_views_exist_in_a_new_warehouse() {
    let sandbox = Sandbox::new();
    // A run that finds no file creates and migrates the warehouse, and
    // records a run that read nothing.
    sandbox.write("nrm.toml", NRM_PIPELINE);
    let output = sandbox.jstac(&["run", "nrm.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let views = sandbox.query(
        "SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'analyst_%' ORDER BY name",
    );
    assert_eq!(
        views,
        [
            json!({"name": "analyst_persons"}),
            json!({"name": "analyst_provenance"}),
            json!({"name": "analyst_referrals"}),
            json!({"name": "analyst_run_quality"}),
        ]
    );
    // Over empty tables, the views answer with no rows.
    for name in ["analyst_persons", "analyst_referrals", "analyst_provenance"] {
        assert!(sandbox.query(&format!("SELECT * FROM {name}")).is_empty());
    }
    // A run that read nothing has no quarantine rate.
    assert_eq!(
        sandbox.query(
            "SELECT pipeline, records_read, quarantine_rate, normalised, unmatched FROM analyst_run_quality"
        ),
        [json!({"pipeline": "nrm", "records_read": 0, "quarantine_rate": null, "normalised": 0, "unmatched": 0})]
    );
}

#[test]
fn the_analyst_views_answer_over_the_bundled_pipelines() {
    let sandbox = Sandbox::new();
    sandbox.write("nrm.toml", NRM_PIPELINE);
    sandbox.write("data/nrm_referrals_2016.csv", NRM_CSV);
    // The bundled NRM pipeline is left out: this test's own referrals are
    // the ones counted below.
    let pipelines: Vec<String> = bundled_pipelines()
        .into_iter()
        .filter(|p| !p.ends_with("nrm_referrals.toml"))
        .collect();
    let mut args = vec!["run"];
    args.extend(pipelines.iter().map(String::as_str));
    args.push("nrm.toml");
    let output = sandbox.jstac(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );

    // One row per person, each with its first and last run's start.
    let persons = sandbox.query("SELECT COUNT(*) AS n FROM persons")[0]["n"].clone();
    let rows = sandbox.query(
        "SELECT COUNT(*) AS n, COUNT(first_seen_at) AS first, COUNT(last_seen_at) AS last,
                COUNT(DISTINCT agency) AS agencies, SUM(source_records) AS asserted
         FROM analyst_persons",
    );
    assert_eq!(rows[0]["n"], persons);
    assert!(persons.as_i64().unwrap() > 100, "{persons}");
    assert_eq!(rows[0]["first"], persons);
    assert_eq!(rows[0]["last"], persons);
    assert_eq!(rows[0]["agencies"], 6);
    // No person without a source record asserting it.
    assert_eq!(
        sandbox.query("SELECT COUNT(*) AS n FROM analyst_persons WHERE source_records = 0")[0]["n"],
        0
    );
    // Nationalities are alpha-3 with the source's text beside.
    let albanian = sandbox.query(
        "SELECT nationality, nationality_text FROM analyst_persons
         WHERE agency = 'police' AND nationality = 'ALB' LIMIT 1",
    );
    assert_eq!(albanian.len(), 1, "no Albanian in the police sample");

    assert_eq!(
        sandbox.query(
            "SELECT year, nationality, exploitation_type, age_group, referrals
             FROM analyst_referrals ORDER BY year, nationality"
        ),
        [
            json!({"year": "2016", "nationality": "ALB", "exploitation_type": "sexual", "age_group": "adult", "referrals": 2}),
            json!({"year": "2016", "nationality": "VNM", "exploitation_type": "labour", "age_group": "minor", "referrals": 1}),
            json!({"year": "2017", "nationality": "VNM", "exploitation_type": "labour", "age_group": "adult", "referrals": 1}),
        ]
    );

    // One row per run; the three deliberately bad sample records show as
    // quarantine, and the normalisers' counts are summed per run.
    let runs = sandbox.query(
        "SELECT pipeline, status, records_read, records_loaded, records_quarantined,
                quarantine_rate, normalised, unmatched
         FROM analyst_run_quality ORDER BY run_id",
    );
    assert_eq!(runs.len(), pipelines.len() + 1);
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
    let total = |column: &str| {
        runs.iter()
            .map(|r| r[column].as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!(total("records_quarantined"), 3, "{runs:?}");
    assert_eq!(
        total("records_read"),
        total("records_loaded") + total("records_quarantined")
    );
    assert!(total("normalised") > 0, "{runs:?}");
    let police = runs
        .iter()
        .find(|r| r["pipeline"] == "police_msa_crimes")
        .expect("police run");
    assert_eq!(police["quarantine_rate"], 0.0);
    assert!(police["normalised"].as_i64().unwrap() > 0);
    let quarantining = runs
        .iter()
        .find(|r| r["records_quarantined"].as_i64().unwrap() > 0)
        .expect("a run with quarantine");
    let rate = quarantining["quarantine_rate"].as_f64().unwrap();
    assert!(rate > 0.0 && rate < 1.0, "{quarantining}");

    // Provenance: one row per assertion, each with its file and record;
    // the NCA's records carry their 3x5x2 grading, written like 2/B/P.
    assert_eq!(
        sandbox.query("SELECT COUNT(*) AS n FROM analyst_provenance")[0]["n"],
        sandbox.query("SELECT COUNT(*) AS n FROM assertions")[0]["n"]
    );
    let gradings = sandbox.query(
        "SELECT DISTINCT grading FROM analyst_provenance WHERE agency = 'nca' ORDER BY grading",
    );
    assert!(!gradings.is_empty());
    for row in &gradings {
        let grading = row["grading"].as_str().expect("NCA records are graded");
        let parts: Vec<&str> = grading.split('/').collect();
        assert!(
            parts.len() == 3
                && ["1", "2", "3"].contains(&parts[0])
                && ["A", "B", "C", "D", "E"].contains(&parts[1])
                && ["P", "C"].contains(&parts[2]),
            "{grading}"
        );
    }
}
