//! The analyst views of schema v4 (`0004_analyst_views.sql`) and v6
//! (`0006_values.sql`) exist in a new warehouse and answer over the
//! bundled pipelines' data, plus a small synthetic NRM referral extract
//! (no bundled pipeline reads NRM data) and a pipeline declaring values
//! (aliases, a year of birth, a citizenship) on both backends.

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

/// The analyst views, by name.
const VIEWS: [&str; 13] = [
    "analyst_organisation_identifiers",
    "analyst_organisation_names",
    "analyst_person_addresses",
    "analyst_person_birth_dates",
    "analyst_person_identifiers",
    "analyst_person_names",
    "analyst_person_nationalities",
    "analyst_persons",
    "analyst_provenance",
    "analyst_referrals",
    "analyst_resolved_persons",
    "analyst_resolved_records",
    "analyst_run_quality",
];

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
    // A run that finds no file (in a folder that exists) creates and
    // migrates the warehouse, and records a run that read nothing.
    sandbox.write("nrm.toml", NRM_PIPELINE);
    std::fs::create_dir(sandbox.path().join("data")).expect("data folder");
    let output = sandbox.jstac(&["run", "nrm.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let views = sandbox.query(
        "SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'analyst_%' ORDER BY name",
    );
    assert_eq!(views, VIEWS.map(|name| json!({ "name": name })));
    // Over empty tables, the views answer with no rows.
    for name in VIEWS.iter().filter(|v| **v != "analyst_run_quality") {
        assert!(sandbox.query(&format!("SELECT * FROM {name}")).is_empty());
    }
    // A run that read nothing has no quarantine rate.
    assert_eq!(
        sandbox.query(
            "SELECT pipeline, records_read, records_skipped, quarantine_rate, normalised, unmatched,
                    not_known
             FROM analyst_run_quality"
        ),
        [
            json!({"pipeline": "nrm", "records_read": 0, "records_skipped": 0, "quarantine_rate": null, "normalised": 0, "unmatched": 0, "not_known": 0})
        ]
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
    // Every agency that holds a person shows in the view (the bundled
    // pipelines are any set: count, do not assume).
    let agencies = sandbox.query("SELECT COUNT(DISTINCT agency) AS n FROM persons")[0]["n"].clone();
    assert!(agencies.as_i64().unwrap() > 1, "{agencies}");
    assert_eq!(rows[0]["agencies"], agencies);
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

    // One row per run; the samples' deliberately bad records show as
    // quarantine, and the normalisers' counts are summed per run.
    let runs = sandbox.query(
        "SELECT pipeline, status, records_read, records_loaded, records_quarantined,
                records_skipped, quarantine_rate, normalised, unmatched
         FROM analyst_run_quality ORDER BY run_id",
    );
    assert_eq!(runs.len(), pipelines.len() + 1);
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
    let total = |column: &str| {
        runs.iter()
            .map(|r| r[column].as_i64().unwrap())
            .sum::<i64>()
    };
    // Each quarantined record counted once, whatever pipelines are bundled.
    assert_eq!(
        total("records_quarantined"),
        sandbox.count("quarantine"),
        "{runs:?}"
    );
    assert_eq!(
        total("records_read"),
        total("records_loaded") + total("records_quarantined") + total("records_skipped")
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

    // The value views show each person's own name and date of birth
    // (once, where a value row repeats it) and every value row of theirs:
    // at least the larger of the two, at most both together, whatever
    // the bundled pipelines declare.
    let count = |sql: &str| sandbox.query(sql)[0]["n"].as_i64().unwrap();
    for (view, value_table, own) in [
        (
            "analyst_person_names",
            "names",
            "full_name IS NOT NULL OR given_names IS NOT NULL OR family_name IS NOT NULL",
        ),
        (
            "analyst_person_birth_dates",
            "birth_dates",
            "date_of_birth IS NOT NULL",
        ),
    ] {
        let shown = count(&format!("SELECT COUNT(*) AS n FROM {view}"));
        let own = count(&format!("SELECT COUNT(*) AS n FROM persons WHERE {own}"));
        let values = count(&format!(
            "SELECT COUNT(*) AS n FROM {value_table} WHERE owner_table = 'persons'"
        ));
        assert!(
            shown >= own.max(values) && shown <= own + values,
            "{view}: {shown} rows for {own} own values and {values} value rows"
        );
    }
    assert!(count("SELECT COUNT(*) AS n FROM analyst_person_identifiers") > 0);
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM analyst_persons
             WHERE primary_name IS NULL AND (family_name IS NOT NULL OR full_name IS NOT NULL)"
        ),
        0
    );
    assert_eq!(
        count("SELECT SUM(identifiers) AS n FROM analyst_persons"),
        count("SELECT COUNT(*) AS n FROM analyst_person_identifiers")
    );
}

/// A pipeline declaring values: persons (only the individuals of a list
/// that names vessels too) with aliases, a year of birth and a
/// citizenship beside their own columns.
const VALUES_PIPELINE: &str = r#"
agency = "police"
dataset = "aliases"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.person]
table = "persons"
key = ["Ref"]
when = { field = "Type", equals = "Individual" }
columns.family_name = { field = "Surname", normalise = "family-name" }
columns.given_names = { field = "Forenames", normalise = "given-names" }
columns.date_of_birth = { field = "DOB", format = "%d/%m/%Y" }
columns.nationality = { field = "Nationality", normalise = "country" }

[entities.alias]
table = "names"
of = "person"
when = { field = "Alias", present = true }
columns.kind = { value = "alias" }
columns.full_name = { field = "Alias", normalise = "full-name" }

[entities.born]
table = "birth_dates"
of = "person"
when = { field = "BornAbout", present = true }
columns.date_of_birth = { field = "BornAbout", format = ["%Y", "%Y-%m-%d"], partial = true }
columns.approximate = { value = "true", type = "boolean" }

[entities.citizenship]
table = "nationalities"
of = "person"
when = { field = "Citizenship", present = true }
columns.kind = { value = "citizenship" }
columns.country = { field = "Citizenship", normalise = "country" }
"#;

/// Synthetic: Ana HOXHA twice (the second record calls her by her own
/// name as an alias), Arben BEGA, and a vessel no rule applies to.
const VALUES_CSV: &str = "Ref,Type,Surname,Forenames,DOB,Nationality,Alias,BornAbout,Citizenship
R1,Individual,HOXHA,Ana,02/01/1990,Albanian,Anna HOCA,1990,Greek
R2,Individual,BEGA,Arben,,ALB,,,
V1,Vessel,,,,,,,
R1,Individual,HOXHA,Ana,02/01/1990,Albanian,Ana HOXHA,,
";

/// What the value views and analyst_persons show after the pipeline, on
/// one backend (times aside, which differ between runs).
fn values_shown(sandbox: &Sandbox) -> Vec<Vec<serde_json::Value>> {
    sandbox.write("p.toml", VALUES_PIPELINE);
    sandbox.write("data/aliases.csv", VALUES_CSV);
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("records: 4 read, 3 loaded, 0 quarantined, 1 skipped"),
        "{}",
        stdout(&output)
    );
    [
        "SELECT records_read, records_loaded, records_skipped, quarantine_rate
         FROM analyst_run_quality",
        "SELECT records_read, records_loaded, records_skipped FROM source_files",
        "SELECT n.kind, n.full_name, n.family_name, n.current, n.sources, n.source_locator, p.family_name AS person
         FROM analyst_person_names n JOIN persons p ON p.person_key = n.person_key
         ORDER BY n.full_name",
        "SELECT date_of_birth, precision, approximate, earliest, latest, date_text
         FROM analyst_person_birth_dates ORDER BY earliest",
        "SELECT kind, country FROM analyst_person_nationalities ORDER BY country, kind",
        "SELECT family_name, primary_name, all_names, all_dates_of_birth, all_nationalities, names
         FROM analyst_persons ORDER BY family_name",
    ]
    .iter()
    .map(|sql| sandbox.query(sql))
    .collect()
}

#[test]
fn values_a_pipeline_declares_show_in_the_views_alike_on_both_backends() {
    let lite = values_shown(&Sandbox::new());
    let pg = values_shown(&Sandbox::postgres());
    assert_eq!(lite, pg);
    let [runs, files, names, birth_dates, nationalities, persons] = &lite[..] else {
        unreachable!("one result a query")
    };
    // The vessel was read and skipped: not bad data.
    assert_eq!(
        runs,
        &[
            json!({"records_read": 4, "records_loaded": 3, "records_skipped": 1, "quarantine_rate": 0.0})
        ]
    );
    assert_eq!(
        files,
        &[json!({"records_read": 4, "records_loaded": 3, "records_skipped": 1})]
    );
    // Ana's own name is also one of her names rows (an alias), so it is
    // shown once, as that row; the alias said twice is one row.
    assert_eq!(
        names,
        &[
            json!({"kind": "alias", "full_name": "Ana HOXHA", "family_name": "Hoxha", "current": 1, "sources": 1, "source_locator": "line 5", "person": "HOXHA"}),
            json!({"kind": "alias", "full_name": "Anna HOCA", "family_name": "Hoca", "current": 1, "sources": 1, "source_locator": "line 2", "person": "HOXHA"}),
            json!({"kind": "primary", "full_name": "Arben BEGA", "family_name": "BEGA", "current": 1, "sources": 1, "source_locator": "line 3", "person": "BEGA"}),
        ]
    );
    assert_eq!(
        birth_dates,
        &[
            json!({"date_of_birth": "1990", "precision": "year", "approximate": 1, "earliest": "1990-01-01", "latest": "1990-12-31", "date_text": "1990"}),
            json!({"date_of_birth": "1990-01-02", "precision": "day", "approximate": 0, "earliest": "1990-01-02", "latest": "1990-01-02", "date_text": null}),
        ]
    );
    assert_eq!(
        nationalities,
        &[
            json!({"kind": "nationality", "country": "ALB"}),
            json!({"kind": "nationality", "country": "ALB"}),
            json!({"kind": "citizenship", "country": "GRC"}),
        ]
    );
    assert_eq!(
        persons,
        &[
            json!({"family_name": "BEGA", "primary_name": "Arben BEGA", "all_names": "Arben BEGA", "all_dates_of_birth": null, "all_nationalities": "ALB", "names": 1}),
            json!({"family_name": "HOXHA", "primary_name": "Ana HOXHA", "all_names": "Ana HOXHA; Anna HOCA", "all_dates_of_birth": "1990; 1990-01-02", "all_nationalities": "ALB; GRC", "names": 2}),
        ]
    );
}
