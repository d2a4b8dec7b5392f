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
            "other.toml: unknown setting \"zzz\" (the settings are warehouse_url, pipelines_dir, plugin_dirs, source_root, batch_size, schedule, agencies)"
        ]
    );

    // Known keys, and the tables' own keys, are accepted.
    sandbox.write(
        "jstac.toml",
        "batch_size = 100\n[schedule]\npoll_seconds = 5\n[agencies.leeds-cc]\nname = \"Leeds\"\nkind = \"local-authority\"\n",
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
