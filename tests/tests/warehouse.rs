//! The warehouse on both backends: every test here runs against a SQLite
//! file and against a real PostgreSQL server (a fresh database each), with
//! the real binary and plugin libraries.

use jstac_tests::{Sandbox, psql, skip_or_fail, stderr, stdout, workspace_root};
use serde_json::Value;

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

/// What the two backends must agree on after the same runs: every data
/// table in key order, the views analysts read, and the provenance tables.
/// Run and file ids agree too, since both warehouses start empty and the
/// runs are the same.
const COMPARED: &[&str] = &[
    "SELECT * FROM persons ORDER BY person_key",
    "SELECT * FROM events ORDER BY event_key",
    "SELECT * FROM objects ORDER BY object_key",
    "SELECT * FROM locations ORDER BY location_key",
    "SELECT * FROM organisations ORDER BY organisation_key",
    "SELECT * FROM nrm_referrals ORDER BY referral_key",
    "SELECT * FROM links ORDER BY link_key",
    "SELECT * FROM assertions ORDER BY entity_key, file_id, record_no",
    "SELECT * FROM source_records ORDER BY file_id, record_no",
    "SELECT locator, field, reason, raw_record FROM quarantine ORDER BY quarantine_id",
    "SELECT file_id, pipeline, path, size_bytes, sha256, records_read, records_loaded, records_quarantined,
            records_skipped
     FROM source_files ORDER BY file_id",
    "SELECT * FROM run_field_stats ORDER BY run_id, rule",
    "SELECT * FROM person_provenance ORDER BY person_key",
    // Not the times runs started and finished: they differ between the two.
    "SELECT person_key, agency, dataset, family_name, given_names, full_name, name_key,
            date_of_birth, gender, nationality, nationality_text, postcode, first_run_id,
            last_run_id, source_records
     FROM analyst_persons ORDER BY person_key",
    "SELECT * FROM analyst_referrals ORDER BY year, nationality, exploitation_type, age_group",
    "SELECT run_id, pipeline, agency, dataset, status, files_loaded, records_read,
            records_loaded, records_quarantined, records_skipped, quarantine_rate, normalised,
            unmatched, not_known
     FROM analyst_run_quality ORDER BY run_id",
    "SELECT * FROM analyst_provenance ORDER BY entity_key, run_id, sha256, record_no",
    // The views of each value (without last_seen_at, a run's start:
    // see `without_times`), and the persons' summary of them; in key
    // order (the backends put NULLs at opposite ends of an ORDER BY).
    "SELECT * FROM analyst_person_names ORDER BY person_key, entity_key",
    "SELECT * FROM analyst_person_birth_dates ORDER BY person_key, entity_key",
    "SELECT * FROM analyst_person_nationalities ORDER BY person_key, entity_key",
    "SELECT * FROM analyst_person_identifiers ORDER BY person_key, entity_key",
    "SELECT * FROM analyst_person_addresses ORDER BY person_key, entity_key",
    "SELECT * FROM analyst_organisation_names ORDER BY organisation_key, entity_key",
    "SELECT * FROM analyst_organisation_identifiers ORDER BY organisation_key, entity_key",
    "SELECT person_key, primary_name, all_names, all_dates_of_birth, all_nationalities, names,
            identifiers
     FROM analyst_persons ORDER BY person_key",
];

/// Every bundled pipeline loads into both backends, twice (the second run
/// adds nothing), and every table and view reads the same on both.
#[test]
fn bundled_pipelines_load_the_same_into_sqlite_and_postgres() {
    let pipelines = bundled_pipelines();
    let mut args = vec!["run"];
    args.extend(pipelines.iter().map(String::as_str));
    let sandboxes = [Sandbox::new(), Sandbox::postgres()];
    for sandbox in &sandboxes {
        let first = sandbox.jstac(&args);
        assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
        let files = sandbox.count("source_files");
        let persons = sandbox.count("persons");
        assert!(
            files >= 9 && persons > 100,
            "{files} files, {persons} persons"
        );
        let second = sandbox.jstac(&args);
        assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
        assert!(
            stdout(&second).contains("records: 0 read, 0 loaded, 0 quarantined"),
            "{}",
            stdout(&second)
        );
        assert_eq!(sandbox.count("source_files"), files);
        assert_eq!(sandbox.count("persons"), persons);
    }
    let [sqlite, postgres] = &sandboxes;
    for sql in COMPARED {
        let (lite, pg) = (sqlite.query(sql), postgres.query(sql));
        assert!(
            !lite.is_empty()
                || sql.contains("locations")
                || sql.contains("organisations")
                || sql.contains("nrm_"),
            "{sql}: no rows"
        );
        assert_eq!(lite.len(), pg.len(), "{sql}: row counts");
        for (a, b) in lite.iter().zip(&pg) {
            assert_eq!(without_times(a), without_times(&same_as_sqlite(b)), "{sql}");
        }
    }
    // The analysts' reports, computed by each warehouse's SQL.
    for report in [
        &[
            "report",
            "nrm-summary",
            "--year",
            "2016",
            "--format",
            "json",
        ][..],
        &["report", "agency-coverage", "--format", "json"],
        &["report", "data-quality", "--format", "json"],
    ] {
        let outputs: Vec<Value> = [sqlite, postgres]
            .iter()
            .map(|sandbox| {
                let output = sandbox.jstac(report);
                assert_eq!(
                    output.status.code(),
                    Some(0),
                    "{report:?}: {}",
                    stderr(&output)
                );
                serde_json::from_slice(&output.stdout).expect("report JSON")
            })
            .collect();
        assert_eq!(outputs[0], outputs[1], "{report:?}");
        assert_ne!(outputs[0], Value::Null);
    }
}

/// A row without `last_seen_at`: when a run started differs between the
/// two backends' runs.
fn without_times(row: &Value) -> Value {
    let mut row = row.clone();
    if let Value::Object(map) = &mut row {
        map.remove("last_seen_at");
    }
    row
}

/// PostgreSQL booleans as SQLite stores them (0 and 1); everything else is
/// already shown alike.
fn same_as_sqlite(row: &Value) -> Value {
    let mut row = row.clone();
    if let Value::Object(map) = &mut row {
        for value in map.values_mut() {
            if let Value::Bool(b) = value {
                *value = Value::from(i64::from(*b));
            }
        }
    }
    row
}

const SNAPSHOT_PIPELINE: &str = r#"
agency = "police"
dataset = "nominals"
plugin = "csv"

[source]
path = "inbox/*.csv"

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = "Surname"
columns.date_of_birth = { field = "DOB", format = "%d/%m/%Y" }
columns.postcode = { field = "Postcode", normalise = "postcode" }
"#;

/// A daily snapshot sent again with changes: changed rows updated, new rows
/// added, nothing duplicated, and every run's values kept as history.
fn a_changed_snapshot_updates_adds_and_keeps_history(sandbox: Sandbox) {
    sandbox.write("p.toml", SNAPSHOT_PIPELINE);
    sandbox.write(
        "inbox/day1.csv",
        "Ref,Surname,DOB,Postcode\nN1,HOXHA,02/03/1995,ls14ap\nN2,TRAN,01/01/1990,\nN3,BEGA,05/05/1985,BD1 1AA\n",
    );
    let day1 = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(day1.status.code(), Some(0), "{}", stderr(&day1));

    // Day 2: N1 moved, N2 unchanged, N3 not in the snapshot, N4 new.
    std::fs::remove_file(sandbox.path().join("inbox/day1.csv")).unwrap();
    sandbox.write(
        "inbox/day2.csv",
        "Ref,Surname,DOB,Postcode\nN1,HOXHA,02/03/1995,M1 1AE\nN2,TRAN,01/01/1990,\nN4,NGUYEN,09/09/1999,\n",
    );
    let day2 = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(day2.status.code(), Some(0), "{}", stderr(&day2));

    let persons = sandbox.query(
        "SELECT family_name, postcode, first_run_id, last_run_id FROM persons ORDER BY family_name",
    );
    let summary: Vec<(String, Value, i64, i64)> = persons
        .iter()
        .map(|p| {
            (
                p["family_name"].as_str().unwrap().to_owned(),
                p["postcode"].clone(),
                p["first_run_id"].as_i64().unwrap(),
                p["last_run_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("BEGA".into(), Value::from("BD1 1AA"), 1, 1),
            ("HOXHA".into(), Value::from("M1 1AE"), 1, 2),
            ("NGUYEN".into(), Value::Null, 2, 2),
            ("TRAN".into(), Value::Null, 1, 2),
        ],
        "{}",
        sandbox.warehouse_url
    );

    // History: what each run said about N1, oldest first, with its source.
    let history = sandbox.query(
        "SELECT a.run_id, s.raw, f.path, f.sha256, s.locator
         FROM assertions a
         JOIN persons p ON p.person_key = a.entity_key
         JOIN source_files f ON f.file_id = a.file_id
         JOIN source_records s ON s.file_id = a.file_id AND s.record_no = a.record_no
         WHERE p.family_name = 'HOXHA' ORDER BY a.run_id",
    );
    assert_eq!(history.len(), 2, "{history:?}");
    let said =
        |i: usize| -> Value { serde_json::from_str(history[i]["raw"].as_str().unwrap()).unwrap() };
    assert_eq!(said(0)["Postcode"], "ls14ap");
    assert_eq!(said(1)["Postcode"], "M1 1AE");
    assert!(history[0]["path"].as_str().unwrap().ends_with("day1.csv"));
    assert!(history[1]["path"].as_str().unwrap().ends_with("day2.csv"));
    assert_eq!(history[1]["locator"], "line 2");
    assert_eq!(history[0]["sha256"].as_str().unwrap().len(), 64);

    // Sent a third time unchanged: skipped; forced: no duplicate rows.
    let again = sandbox.jstac(&["run", "p.toml"]);
    assert!(
        stdout(&again).contains("0 loaded, 1 skipped"),
        "{}",
        stdout(&again)
    );
    let forced = sandbox.jstac(&["run", "--force", "p.toml"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(sandbox.count("persons"), 4);
    assert_eq!(sandbox.count("source_records"), 6 + 3);
}

#[test]
fn a_changed_snapshot_updates_adds_and_keeps_history_on_sqlite() {
    a_changed_snapshot_updates_adds_and_keeps_history(Sandbox::new());
}

#[test]
fn a_changed_snapshot_updates_adds_and_keeps_history_on_postgres() {
    a_changed_snapshot_updates_adds_and_keeps_history(Sandbox::postgres());
}

/// `jstac query` reads but never writes, on either backend, even when the
/// statement tries to end the read-only transaction first.
fn query_refuses_writes(sandbox: Sandbox) {
    let pipeline = workspace_root().join("pipelines/police_msa_crimes.toml");
    let run = sandbox.jstac(&["run", pipeline.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let before = sandbox.count("persons");
    for sql in [
        "DELETE FROM persons",
        "UPDATE persons SET family_name = 'X'",
        "WITH gone AS (DELETE FROM persons RETURNING 1) SELECT COUNT(*) FROM gone",
        "DROP TABLE persons",
    ] {
        let output = sandbox.jstac(&["query", sql]);
        assert_ne!(output.status.code(), Some(0), "{sql} was allowed");
        // Refused for being a write (SQLite: "readonly database";
        // PostgreSQL: "read-only transaction"), not for some other reason.
        // (SQLite has no DELETE inside WITH: a syntax error there.)
        let sqlite_syntax = !sandbox.is_postgres() && sql.starts_with("WITH");
        assert!(
            stderr(&output).to_lowercase().contains("read") || sqlite_syntax,
            "{sql}: {}",
            stderr(&output)
        );
    }
    // Ending the read-only transaction first does not help.
    let output = sandbox.jstac(&["query", "COMMIT; DELETE FROM persons"]);
    assert_ne!(output.status.code(), Some(0));
    assert_eq!(sandbox.count("persons"), before);
}

#[test]
fn query_refuses_writes_on_sqlite() {
    query_refuses_writes(Sandbox::new());
}

#[test]
fn query_refuses_writes_on_postgres() {
    query_refuses_writes(Sandbox::postgres());
}

/// A file of several chunks (more records than `CHUNK_RECORDS`), whose keys
/// recur across chunks, loads into both backends with the same rows: the
/// later chunk's values win, nothing is duplicated, every record has its
/// source record and assertions.
#[test]
fn a_file_of_several_chunks_loads_alike_on_both_backends() {
    let mut csv = String::from("Ref,Surname,DOB,Postcode\n");
    for i in 0..150_000 {
        // 100,000 people; the last 50,000 rows name the first 50,000 again.
        let person = i % 100_000;
        csv.push_str(&format!("N{person},SURNAME{i},01/01/1990,LS1 4AP\n"));
    }
    let sandboxes = [Sandbox::new(), Sandbox::postgres()];
    for sandbox in &sandboxes {
        sandbox.write("p.toml", SNAPSHOT_PIPELINE);
        sandbox.write("inbox/big.csv", &csv);
        let run = sandbox.jstac(&["run", "p.toml"]);
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        assert_eq!(sandbox.count("persons"), 100_000);
        assert_eq!(sandbox.count("source_records"), 150_000);
        assert_eq!(sandbox.count("assertions"), 150_000);
        // N0 is on lines 2 and 100002 (another chunk): the later row wins.
        let n0 = sandbox.query(
            "SELECT family_name, source_locator FROM persons
             WHERE family_name IN ('SURNAME0', 'SURNAME100000')",
        );
        assert_eq!(n0.len(), 1, "{n0:?}");
        assert_eq!(n0[0]["family_name"], "SURNAME100000");
        assert_eq!(n0[0]["source_locator"], "line 100002");
    }
    let [sqlite, postgres] = &sandboxes;
    for sql in [
        "SELECT person_key, family_name, date_of_birth, postcode, source_locator FROM persons ORDER BY person_key",
        "SELECT COUNT(*) AS n, MIN(record_no) AS first, MAX(record_no) AS last FROM source_records",
    ] {
        assert_eq!(sqlite.query(sql), postgres.query(sql), "{sql}");
    }
}

const PARALLEL_PIPELINE: &str = r#"
agency = "police"
dataset = "DATASET"
plugin = "csv"

[source]
path = "DATASET/*.csv"

[entities.crime]
table = "events"
key = ["CrimeRef"]
columns.reference = "CrimeRef"

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = "Surname"

[[links]]
from = "person"
to = "crime"
columns.role = "Role"
"#;

/// Two runners started at once on the same pipelines against one
/// PostgreSQL warehouse: every file loads exactly once, rows that several
/// files share are not duplicated, and nobody deadlocks (both finish, exit
/// 0). A second pipeline's files load beside them.
#[test]
fn two_runners_at_once_on_postgres_load_every_file_once() {
    let sandbox = Sandbox::postgres();
    for dataset in ["alpha", "beta"] {
        sandbox.write(
            &format!("{dataset}.toml"),
            PARALLEL_PIPELINE.replace("DATASET", dataset),
        );
        // Four files whose people overlap (each names people of the others,
        // in a different order), so their upserts touch the same keys.
        for file in 0..4 {
            let mut csv = String::from("CrimeRef,Ref,Surname,Role\n");
            for i in 0..1500 {
                let person = (i * 7 + file * 311) % 2000;
                csv.push_str(&format!(
                    "C{file}-{},N{person},SURNAME{person},victim\n",
                    i / 3
                ));
            }
            sandbox.write(&format!("{dataset}/f{file}.csv"), csv);
        }
    }
    // Migrate first, then hold the ledger table locked while both runners
    // start: each blocks on its first look at the ledger, so both are in
    // flight at once whatever the timing, and both find every file new
    // before either has loaded one. The advisory lock must sort them out.
    sandbox.write(
        "empty.toml",
        PARALLEL_PIPELINE
            .replace("DATASET/*.csv", "nothing/*.csv")
            .replace("DATASET", "empty"),
    );
    std::fs::create_dir(sandbox.path().join("nothing")).expect("an empty folder");
    let migrate = sandbox.jstac(&["run", "empty.toml"]);
    assert_eq!(migrate.status.code(), Some(0), "{}", stderr(&migrate));
    let outputs: Vec<_> = std::thread::scope(|scope| {
        let url = sandbox.warehouse_url.clone();
        let locker = scope.spawn(move || {
            psql(
                &url,
                "BEGIN; LOCK TABLE source_files IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;",
            )
        });
        std::thread::sleep(std::time::Duration::from_millis(500));
        let runs: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| sandbox.jstac(&["run", "alpha.toml", "beta.toml"])))
            .collect();
        let locked = locker.join().expect("locker");
        assert!(locked.status.success(), "{}", stderr(&locked));
        runs.into_iter()
            .map(|run| run.join().expect("runner"))
            .collect()
    });
    for output in &outputs {
        assert_eq!(output.status.code(), Some(0), "{}", stderr(output));
    }
    let ledger = sandbox.query(
        "SELECT pipeline, COUNT(*) AS files, COUNT(DISTINCT sha256) AS distinct_files
         FROM source_files GROUP BY pipeline ORDER BY pipeline",
    );
    assert_eq!(ledger.len(), 2, "{ledger:?}");
    for row in &ledger {
        assert_eq!(row["files"], 4, "{ledger:?}");
        assert_eq!(row["distinct_files"], 4, "{ledger:?}");
    }
    let persons = sandbox.query(
        "SELECT dataset, COUNT(*) AS n, COUNT(DISTINCT person_key) AS keys FROM persons GROUP BY dataset ORDER BY dataset",
    );
    for row in &persons {
        assert_eq!(row["n"], row["keys"]);
    }
    let expected_people = (0..4)
        .flat_map(|file| (0..1500).map(move |i| (i * 7 + file * 311) % 2000))
        .collect::<std::collections::HashSet<_>>()
        .len() as i64;
    assert_eq!(persons[0]["n"].as_i64(), Some(expected_people));
    assert_eq!(sandbox.count("events"), 2 * 4 * 500);
    assert_eq!(sandbox.count("source_records"), 2 * 4 * 1500);
}

/// A file that fails mid-stream on PostgreSQL leaves nothing but its failed
/// run record: the COPYs of its earlier chunks roll back with it.
#[test]
fn a_failed_file_leaves_postgres_as_it_was() {
    let sandbox = Sandbox::postgres();
    sandbox.install_plugin("jstac-testplugin-misbehave", "misbehave");
    // More records than a chunk before the error: rows were already COPYed.
    let lines: String = (0..100_000).map(|i| format!("N{i}\n")).collect();
    sandbox.write("data/a.txt", lines);
    sandbox.write(
        "bad.toml",
        "agency = \"police\"\ndataset = \"misbehave\"\nplugin = \"misbehave\"\n\
         [source]\npath = \"data/*.txt\"\n\
         options = { mode = \"error_mid_stream\", fail_after = 90000 }\n\
         [entities.person]\ntable = \"persons\"\nkey = [\"Ref\"]\ncolumns.family_name = \"Ref\"\n",
    );
    let bad = sandbox.jstac(&["run", "bad.toml"]);
    assert!(
        stderr(&bad).contains("deliberate error mid-stream"),
        "{}",
        stderr(&bad)
    );
    assert_ne!(bad.status.code(), Some(0), "{}", stdout(&bad));
    assert_eq!(sandbox.count("persons"), 0);
    assert_eq!(sandbox.count("assertions"), 0);
    assert_eq!(sandbox.count("source_files"), 0);
    let runs = sandbox.query("SELECT status FROM ingest_runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "failed");
}

/// On PostgreSQL the analysts' role reads the analyst views but not the
/// raw, provenance or quarantine tables.
#[test]
fn the_postgres_analyst_role_reads_views_not_raw_tables() {
    let sandbox = Sandbox::postgres();
    let pipeline = workspace_root().join("pipelines/police_msa_crimes.toml");
    let run = sandbox.jstac(&["run", pipeline.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let url = &sandbox.warehouse_url;
    let as_analyst = |sql: &str| psql(url, &format!("SET ROLE jstac_analyst; {sql}"));
    for view in ANALYST_VIEWS.iter().filter(|v| v.starts_with("analyst_")) {
        let output = as_analyst(&format!("SELECT COUNT(*) FROM {view}"));
        assert!(output.status.success(), "{view}: {}", stderr(&output));
    }
    // Every table, whatever later migrations add, and the views that are
    // not the analysts' own.
    let listed = psql(
        url,
        "SELECT table_name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name NOT LIKE 'analyst%'
         ORDER BY table_name",
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    let tables: Vec<String> = stdout(&listed).lines().map(str::to_owned).collect();
    for needed in [
        "persons",
        "quarantine",
        "source_records",
        "assertions",
        "ingest_runs",
    ] {
        assert!(tables.iter().any(|t| t == needed), "{tables:?}");
    }
    for table in &tables {
        let output = as_analyst(&format!("SELECT COUNT(*) FROM {table}"));
        assert!(!output.status.success(), "{table} readable by analysts");
        assert!(
            stderr(&output).contains("permission denied"),
            "{}",
            stderr(&output)
        );
    }
}

/// The views analysts read, on every backend.
const ANALYST_VIEWS: &[&str] = &[
    "analyst_persons",
    "analyst_referrals",
    "analyst_run_quality",
    "analyst_provenance",
    "analyst_person_names",
    "analyst_person_birth_dates",
    "analyst_person_nationalities",
    "analyst_person_identifiers",
    "analyst_person_addresses",
    "analyst_organisation_names",
    "analyst_organisation_identifiers",
    "person_provenance",
    "run_field_stats",
];

/// DuckDB attaching the SQLite warehouse reads every analyst view, with the
/// same rows as `jstac query`. Needs Python with `duckdb` and its SQLite
/// extension: `JSTAC_TEST_DUCKDB_PYTHON` (`.ci/run` installs them in a venv).
#[test]
fn duckdb_attaching_the_sqlite_warehouse_reads_the_analyst_views() {
    let Ok(python) = std::env::var("JSTAC_TEST_DUCKDB_PYTHON") else {
        return skip_or_fail(
            "JSTAC_TEST_DUCKDB_PYTHON (a Python with duckdb and its SQLite extension) is not set; \
             bash .ci/run installs them and sets it",
        );
    };
    let sandbox = Sandbox::new();
    let mut args = vec!["run".to_owned()];
    args.extend(bundled_pipelines());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = sandbox.jstac(&args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let script = r#"
import glob, json, os, sys
import duckdb, duckdb_extension_sqlite_scanner as scanner
extension = glob.glob(os.path.join(os.path.dirname(scanner.__file__), "extensions", "*", "sqlite_scanner.duckdb_extension"))[0]
db = duckdb.connect()
db.execute(f"LOAD '{extension}'")
db.execute(f"ATTACH '{sys.argv[1]}' AS w (TYPE sqlite, READ_ONLY)")
counts = {view: db.execute(f"SELECT COUNT(*) FROM w.{view}").fetchone()[0] for view in sys.argv[2:]}
print(json.dumps(counts))
"#;
    let output = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(sandbox.warehouse())
        .args(ANALYST_VIEWS)
        .output()
        .expect("running python");
    assert!(output.status.success(), "{}", stderr(&output));
    let counts: Value = serde_json::from_slice(&output.stdout).expect("JSON counts");
    for view in ANALYST_VIEWS {
        let expected = sandbox.count(view);
        assert_eq!(counts[view].as_i64(), Some(expected), "{view} in DuckDB");
    }
    assert!(counts["analyst_persons"].as_i64() > Some(100), "{counts}");
}

/// Two rules writing the same table: a person named as a suspect on one
/// line and as a victim on a later one (and the other way round for a
/// second person), and so the same link from two link rules.
const TWO_RULES_PIPELINE: &str = r#"
agency = "police"
dataset = "two-rules"
plugin = "csv"

[source]
path = "inbox/*.csv"

[entities.victim]
table = "persons"
key = ["VictimRef"]
columns.family_name = "VictimName"

[entities.suspect]
table = "persons"
key = ["SuspectRef"]
columns.family_name = "SuspectName"

[entities.crime]
table = "events"
key = ["CrimeRef"]
columns.reference = "CrimeRef"

[[links]]
from = "victim"
to = "crime"
columns.role = { value = "named" }
columns.age_at_event = { field = "VictimAge", type = "integer" }

[[links]]
from = "suspect"
to = "crime"
columns.role = { value = "named" }
columns.age_at_event = { field = "SuspectAge", type = "integer" }
"#;

/// Of two rules asserting one entity (or link), the later record wins,
/// whatever the rules' order in the pipeline and wherever chunks end: the
/// same file gives the same warehouse. And every record that named an
/// entity is among its sources.
fn the_later_record_wins_across_rules(sandbox: Sandbox) {
    sandbox.write("p.toml", TWO_RULES_PIPELINE);
    sandbox.write(
        "inbox/crimes.csv",
        "CrimeRef,VictimRef,VictimName,VictimAge,SuspectRef,SuspectName,SuspectAge\n\
         C1,,,,N1,EARLY1,30\n\
         C1,N1,LATE1,31,,,\n\
         C1,N2,EARLY2,40,,,\n\
         C1,,,,N2,LATE2,41\n\
         C2,N3,VICTIM3,50,N3,SUSPECT3,50\n",
    );
    let run = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let rows = |sql: &str| -> Vec<(String, String)> {
        sandbox
            .query(sql)
            .iter()
            .map(|row| (row["v"].to_string(), row["source_locator"].to_string()))
            .collect()
    };
    assert_eq!(
        rows("SELECT family_name AS v, source_locator FROM persons ORDER BY family_name"),
        vec![
            ("\"LATE1\"".to_owned(), "\"line 3\"".to_owned()),
            ("\"LATE2\"".to_owned(), "\"line 5\"".to_owned()),
            // One record naming N3 through both rules: rule order (rules
            // go by name: crime, suspect, victim) breaks the tie.
            ("\"VICTIM3\"".to_owned(), "\"line 6\"".to_owned()),
        ]
    );
    assert_eq!(
        rows("SELECT age_at_event AS v, source_locator FROM links ORDER BY age_at_event"),
        vec![
            ("31".to_owned(), "\"line 3\"".to_owned()),
            ("41".to_owned(), "\"line 5\"".to_owned()),
            ("50".to_owned(), "\"line 6\"".to_owned()),
        ]
    );
    // Every record asserted what it named: its person, its link, and the
    // crime, which all four rows name (adjacent rows the mapper merges
    // into the last still count as its sources).
    // (Line 6 names N3 twice but asserts it, and its link, once.)
    assert_eq!(sandbox.count("assertions"), 4 * 3 + 3);
    let crime = sandbox.query(
        "SELECT COUNT(*) AS n, MIN(record_no) AS first, MAX(record_no) AS last
         FROM assertions WHERE entity_table = 'events' AND record_no < 4",
    );
    assert_eq!(
        (&crime[0]["n"], &crime[0]["first"], &crime[0]["last"]),
        (&Value::from(4), &Value::from(0), &Value::from(3))
    );
}

#[test]
fn the_later_record_wins_across_rules_on_sqlite() {
    the_later_record_wins_across_rules(Sandbox::new());
}

#[test]
fn the_later_record_wins_across_rules_on_postgres() {
    the_later_record_wins_across_rules(Sandbox::postgres());
}
