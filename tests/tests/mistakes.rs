//! A data engineer's mistakes (issue 19, cases 7 to 14): each is reported
//! once, in one line naming what to fix, with the exit code a scheduler
//! acts on (64 usage, 65 bad data or a query refused, 69 infrastructure,
//! 78 a pipeline or setting wrong).

use jstac_tests::{Sandbox, stderr, stdout};

const PIPELINE: &str = r#"agency = "police"
dataset = "crimes"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = "Surname"
"#;

/// The error lines of a command, without their `error: ` prefix.
fn error_lines(output: &std::process::Output) -> Vec<String> {
    stderr(output)
        .lines()
        .map(|line| line.strip_prefix("error: ").unwrap_or(line).to_owned())
        .collect()
}

/// A plugin name no installed plugin has is the pipeline's mistake (78),
/// one line at the `plugin` key naming the plugins there are; a plugin
/// that is there but will not load stays infrastructure (69, in
/// `foundation.rs`).
#[test]
fn an_unknown_plugin_is_a_pipeline_mistake() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", "Ref,Surname\nN1,HOXHA\n");
    sandbox.write("p.toml", PIPELINE.replace("\"csv\"", "\"csvv\""));
    for command in ["validate", "run"] {
        let output = sandbox.jstac(&[command, "p.toml"]);
        assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
        let lines = error_lines(&output);
        assert_eq!(lines.len(), 1, "jstac {command}: {lines:?}");
        assert!(
            lines[0].starts_with(
                "p.toml:3:1: plugin: no plugin is called \"csvv\"; the plugins installed are csv, spreadsheet, "
            ),
            "jstac {command}: {lines:?}"
        );
        assert!(lines[0].contains(", xml"), "{lines:?}");
    }
}

/// A source folder that does not exist is the pipeline's mistake (78) in
/// `run` and `validate`, naming the folder at `source.path`; an existing
/// folder with no file matching is a note, and exit 0.
#[test]
fn a_missing_source_folder_is_a_pipeline_mistake() {
    let sandbox = Sandbox::new();
    sandbox.write("p.toml", PIPELINE);
    for command in ["validate", "run"] {
        let output = sandbox.jstac(&[command, "p.toml"]);
        assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
        assert_eq!(
            error_lines(&output),
            ["p.toml:6:1: source.path: the folder data does not exist"],
            "jstac {command}"
        );
    }
    std::fs::create_dir(sandbox.path().join("data")).unwrap();
    for command in ["validate", "run"] {
        let output = sandbox.jstac(&[command, "p.toml"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            stderr(&output).lines().collect::<Vec<_>>(),
            ["note: p.toml: source.path: no file matches \"data/*.csv\""],
            "jstac {command}"
        );
    }
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert!(
        stdout(&output).contains("files: 0 loaded"),
        "{}",
        stdout(&output)
    );
}

/// A settings key jstac does not know is an error (78) naming it and the
/// nearest known key, before anything is opened: `warehouse_ulr` was
/// ignored and the data went to the default warehouse.
#[test]
fn an_unknown_settings_key_is_refused_with_the_nearest_one() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", "Ref,Surname\nN1,HOXHA\n");
    sandbox.write("p.toml", PIPELINE);
    sandbox.write("jstac.toml", "warehouse_ulr = \"sqlite://elsewhere.db\"\n");
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    assert_eq!(
        error_lines(&output),
        ["jstac.toml: unknown setting \"warehouse_ulr\" (did you mean \"warehouse_url\"?)"]
    );
    assert!(!sandbox.warehouse().exists(), "nothing loaded anywhere");

    sandbox.write("other.toml", "batch_size = 10\nzzz = 1\n");
    let output = sandbox.jstac(&["--config", "other.toml", "validate", "p.toml"]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    assert_eq!(
        error_lines(&output),
        [
            "other.toml: unknown setting \"zzz\" (the settings are warehouse_url, pipelines_dir, plugin_dirs, source_root, batch_size, schedule, agencies, resolve)"
        ]
    );

    // Known keys, and the tables' own keys, are accepted.
    sandbox.write(
        "jstac.toml",
        "batch_size = 100\n[schedule]\npoll_seconds = 5\n[agencies.leeds-cc]\nname = \"Leeds\"\nkind = \"local-authority\"\n[resolve]\nthreshold = 0.99\n",
    );
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// Usage mistakes exit 64 and a query the warehouse refuses 65 (sysexits'
/// `EX_USAGE` and `EX_DATAERR`), each one line; they were 69, which a
/// scheduler retries as an outage.
#[test]
fn usage_mistakes_exit_64_and_a_refused_query_65() {
    for sandbox in [Sandbox::new(), Sandbox::postgres()] {
        sandbox.write("data/a.csv", "Ref,Surname\nN1,HOXHA\n");
        sandbox.write("p.toml", PIPELINE);
        assert_eq!(sandbox.jstac(&["run", "p.toml"]).status.code(), Some(0));
        for (args, line) in [
            (&["run"][..], "name the pipeline files to run, or use --all"),
            (
                &["runs", "show", "999"][..],
                "no run 999 in the warehouse (see `jstac runs`)",
            ),
        ] {
            let output = sandbox.jstac(args);
            assert_eq!(
                output.status.code(),
                Some(64),
                "{args:?}: {}",
                stderr(&output)
            );
            assert_eq!(error_lines(&output), [line], "{args:?}");
        }
        let output = sandbox.jstac(&["run", "--no-such-flag"]);
        assert_eq!(output.status.code(), Some(64), "{}", stderr(&output));

        let refused = if sandbox.is_postgres() {
            "query refused: syntax error at or near \"SELEC\""
        } else {
            "query refused: near \"SELEC\": syntax error"
        };
        let output = sandbox.jstac(&["query", "SELEC 1"]);
        assert_eq!(output.status.code(), Some(65), "{}", stderr(&output));
        assert_eq!(error_lines(&output), [refused]);
        let output = sandbox.jstac(&["query", "DELETE FROM persons"]);
        assert_eq!(output.status.code(), Some(65), "{}", stderr(&output));
        assert_eq!(sandbox.count("persons"), 1);
    }
    let help = Sandbox::new().jstac(&["--help"]);
    assert!(
        stdout(&help).contains("64 usage (a missing or bad argument, no such run)"),
        "{}",
        stdout(&help)
    );
}

/// A warehouse that cannot be opened or written is said once, in one line
/// with its path or URL (password hidden) and the cause in the user's
/// terms: no SQLite result codes repeated, no PostgreSQL source line, a
/// refused connection said at once instead of a pool timing out after 30 s.
#[test]
fn a_warehouse_that_cannot_be_used_is_one_clear_line() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", "Ref,Surname\nN1,HOXHA\n");
    sandbox.write("p.toml", PIPELINE);
    assert_eq!(sandbox.jstac(&["run", "p.toml"]).status.code(), Some(0));
    sandbox.write("data/b.csv", "Ref,Surname\nN2,SMITH\n");

    let jstac_at = |url: &str, args: &[&str]| {
        std::process::Command::new(jstac_tests::target_dir().join("jstac"))
            .current_dir(sandbox.path())
            .env_remove("JSTAC_WAREHOUSE_URL")
            .args(["--warehouse", url])
            .args(args)
            .output()
            .expect("running jstac")
    };
    let run_on = |url: &str| {
        let output = jstac_at(url, &["run", "p.toml"]);
        assert_eq!(output.status.code(), Some(69), "{url}: {}", stderr(&output));
        error_lines(&output)
    };
    // Read-only (what permissions, an immutable file or a read-only mount
    // give too; the tests may run as root, whom permissions do not stop).
    let read_only = format!("{}?mode=ro", sandbox.warehouse_url);
    assert_eq!(
        run_on(&read_only),
        [format!(
            "warehouse {read_only}: the database file is read-only (its permissions, an immutable file, a read-only mount or mode=ro); loading must write to it"
        )]
    );
    assert_eq!(sandbox.count("persons"), 1, "nothing written");
    assert_eq!(
        run_on("sqlite://no/such/folder/w.db"),
        ["warehouse sqlite://no/such/folder/w.db: the folder no/such/folder does not exist"]
    );
    let output = jstac_at("sqlite://nothing.db", &["runs"]);
    assert_eq!(output.status.code(), Some(69));
    assert_eq!(
        error_lines(&output),
        [
            "warehouse sqlite://nothing.db: there is no warehouse file nothing.db (`jstac run` creates it)"
        ]
    );
    assert!(!sandbox.path().join("nothing.db").exists());

    // A closed port: refused at once, said so.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let closed = format!("postgres://jstac:s3cret@127.0.0.1:{port}/jstac");
    let shown = closed.replace("s3cret", "***");
    assert_eq!(
        run_on(&closed),
        [format!(
            "warehouse {shown}: connection refused (is the server running and listening on that host and port?)"
        )]
    );

    // A database the server does not have: its own words, no source line.
    let admin = jstac_tests::postgres_admin_url();
    let (server, _) = admin.rsplit_once('/').expect("a database in the URL");
    let missing = format!(
        "{}/jstac_no_such_database_{}",
        server.replacen("postgres@", "postgres:s3cret@", 1),
        std::process::id()
    );
    let lines = run_on(&missing);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with(&format!(
            "/jstac_no_such_database_{}: database \"jstac_no_such_database_{}\" does not exist",
            std::process::id(),
            std::process::id()
        )),
        "{lines:?}"
    );
    assert!(!lines[0].contains("s3cret"), "{lines:?}");
}

/// Pipelines are checked before the warehouse is opened: when none can
/// run, no warehouse is created or migrated (SQLite file or PostgreSQL
/// tables); when one can, it runs and the other is reported.
#[test]
fn pipelines_that_fail_their_checks_create_no_warehouse() {
    for sandbox in [Sandbox::new(), Sandbox::postgres()] {
        sandbox.write("data/a.csv", "Ref,Surname\nN1,HOXHA\n");
        sandbox.write("p.toml", PIPELINE);
        sandbox.write(
            "bad.toml",
            PIPELINE.replace("table = \"persons\"", "table = \"people\""),
        );
        sandbox.write("nofolder.toml", PIPELINE.replace("data/", "nothere/"));
        let output = sandbox.jstac(&["run", "bad.toml", "nofolder.toml"]);
        assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
        if sandbox.is_postgres() {
            let tables = sandbox
                .query("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = current_schema()");
            assert_eq!(tables[0]["n"], 0, "no table created");
        } else {
            let names: Vec<_> = std::fs::read_dir(sandbox.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with("warehouse"))
                .collect();
            assert!(names.is_empty(), "{names:?}");
        }
        let output = sandbox.jstac(&["run", "bad.toml", "p.toml"]);
        assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
        assert_eq!(sandbox.count("persons"), 1);
    }
}

/// `quarantine` and `fields` show every run of the latest `jstac run` by
/// default (after `run --all`, not only its last pipeline), say when a list
/// is cut at `--limit`, and `--run` picks one run.
#[test]
fn quarantine_and_fields_cover_the_latest_invocation_and_say_when_cut() {
    for sandbox in [Sandbox::new(), Sandbox::postgres()] {
        let dated = |dataset: &str, folder: &str| {
            PIPELINE
                .replace("crimes", dataset)
                .replace("data/", &format!("{folder}/"))
                + "columns.nationality = { field = \"Nat\", normalise = \"country\" }\n"
        };
        sandbox.write("a.toml", dated("alpha", "a"));
        sandbox.write("b.toml", dated("beta", "b"));
        let bad = |n: usize| {
            let mut text = String::from("Ref,Surname,Nat\nN0,GOOD,Albanian\n");
            for i in 1..=n {
                text.push_str(&format!("N{i},BAD,Atlantis\n"));
            }
            text
        };
        sandbox.write("a/1.csv", bad(2));
        sandbox.write("b/1.csv", bad(3));
        let output = sandbox.jstac(&["run", "a.toml", "b.toml"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

        let runs_of = |args: &[&str]| -> Vec<i64> {
            let output = sandbox.jstac(&[args, &["--format", "json"][..]].concat());
            assert!(output.status.success(), "{}", stderr(&output));
            let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
            rows.iter()
                .map(|row| row["run"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(runs_of(&["quarantine"]), [1, 1, 2, 2, 2]);
        assert_eq!(runs_of(&["fields"]), [1, 2]);
        assert_eq!(runs_of(&["quarantine", "--run", "1"]), [1, 1]);

        let cut = sandbox.jstac(&["quarantine", "--limit", "4", "--format", "csv"]);
        assert_eq!(stdout(&cut).lines().count(), 5, "a header and 4 rows");
        assert_eq!(
            stderr(&cut).trim_end(),
            "note: the first 4 quarantined records of the latest `jstac run` shown; there are more (--limit N)"
        );
        let whole = sandbox.jstac(&["quarantine", "--limit", "5", "--format", "csv"]);
        assert_eq!(stderr(&whole), "");

        // A later invocation is the default now, even with nothing quarantined.
        sandbox.write("a/2.csv", "Ref,Surname,Nat\nN9,GOOD,Albanian\n");
        assert!(sandbox.jstac(&["run", "a.toml"]).status.success());
        assert_eq!(runs_of(&["quarantine"]), [] as [i64; 0]);
        assert_eq!(runs_of(&["fields"]), [3]);
        let none = sandbox.jstac(&["quarantine"]);
        assert_eq!(
            stderr(&none).trim_end(),
            "note: no record quarantined in the latest `jstac run`"
        );
    }
}

/// `jstac run NAME` (and `validate NAME`) finds `pipelines/NAME.toml`, as
/// `run --all` names pipelines; source and pipeline paths are stored and
/// shown without `..` (`src/x/1.csv`, not `pipelines/../src/x/1.csv`).
#[test]
fn a_pipeline_runs_by_name_and_its_paths_are_normalised() {
    let sandbox = Sandbox::new();
    sandbox.write("src/x/1.csv", "Ref,Surname\nN1,HOXHA\n");
    sandbox.write(
        "pipelines/alpha.toml",
        PIPELINE.replace("data/*.csv", "../src/x/*.csv"),
    );
    for name in ["alpha", "alpha.toml"] {
        let output = sandbox.jstac(&["validate", name]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            stdout(&output).trim_end(),
            "ok: pipelines/alpha.toml (plugin csv 0.1.0, 1 file(s))"
        );
    }
    let output = sandbox.jstac(&["run", "alpha"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("1 loaded"), "{}", stdout(&output));
    assert_eq!(
        sandbox.query("SELECT path FROM source_files"),
        [serde_json::json!({"path": "src/x/1.csv"})]
    );
    assert_eq!(
        sandbox.query("SELECT DISTINCT source_path FROM person_provenance"),
        [serde_json::json!({"source_path": "src/x/1.csv"})]
    );
    let output = sandbox.jstac(&["run", "--force", "./pipelines/../pipelines/alpha.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        sandbox.query("SELECT DISTINCT pipeline_path FROM ingest_runs"),
        [serde_json::json!({"pipeline_path": "pipelines/alpha.toml"})]
    );
    // A name that is no pipeline stays a missing file (78).
    let output = sandbox.jstac(&["run", "beta"]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
}
