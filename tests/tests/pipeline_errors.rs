//! A pipeline file's mistakes, all of them, each located: `jstac validate`
//! and `jstac run` print one line per mistake, `FILE:LINE:COLUMN: KEY:
//! MESSAGE`, in the file's order, and exit 78 before any data is read.

use jstac_tests::{Sandbox, stderr};

const PIPELINE: &str = r#"agency = "police"
dataset = "crimes"
plugin = "csv"
colour = "blue"

[source]
path = "data/*.csv"

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = { field = "Surname", normalise = "nmae" }
columns.date_of_birth = { field = "DOB", format = "%m/%Y" }
"#;

#[test]
fn three_mistakes_give_three_located_lines_and_exit_78() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", "Ref,Surname,DOB\nN1,HOXHA,02/03/1995\n");
    sandbox.write("p.toml", PIPELINE);
    for command in ["validate", "run"] {
        let output = sandbox.jstac(&[command, "p.toml"]);
        assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
        // `run` starts its report of a failure with "error: ".
        let errors = stderr(&output);
        let lines: Vec<&str> = errors
            .strip_prefix("error: ")
            .unwrap_or(&errors)
            .lines()
            .collect();
        assert_eq!(
            lines,
            [
                "p.toml:4:1: colour: unknown field `colour`, expected one of `name`, `description`, `agency`, `dataset`, `plugin`, `source`, `entities`, `links`, `lookups`, `grading`",
                "p.toml:12:44: entities.person.columns.family_name.normalise: unknown normaliser \"nmae\"; expected one of country, postcode, phone, nino, passport, vehicle, family-name, given-names, full-name",
                "p.toml:13:42: entities.person.columns.date_of_birth.format: date format \"%m/%Y\" does not name a full date (day, month and year); with partial = true it may name a year or a month",
            ],
            "jstac {command}"
        );
    }
}

#[test]
fn a_file_that_is_not_toml_names_the_line_and_column() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "p.toml",
        PIPELINE.replace("table = \"persons\"", "table = persons"),
    );
    let output = sandbox.jstac(&["validate", "p.toml"]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    let errors = stderr(&output);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    assert!(errors.starts_with("p.toml:10:9: "), "{errors}");
}

/// An option the plugin refuses is placed at its key too; a mapped field
/// the file lacks is the file's fault.
#[test]
fn a_field_the_file_lacks_and_a_refused_option_are_located() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", "Ref,Surname\nN1,HOXHA\n");
    sandbox.write(
        "p.toml",
        r#"agency = "police"
dataset = "crimes"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = "Surnme"
"#,
    );
    // A field the file lacks is the file's fault (another file may have
    // it): bad data, one line naming the file and the field.
    let output = sandbox.jstac(&["validate", "p.toml"]);
    assert_eq!(output.status.code(), Some(65), "{}", stderr(&output));
    let errors = stderr(&output);
    assert_eq!(
        errors.trim_end(),
        "data/a.csv: lacks the field Surnme the pipeline reads",
        "{errors}"
    );

    sandbox.write(
        "q.toml",
        r#"agency = "police"
dataset = "crimes"
plugin = "csv"

[source]
path = "data/*.csv"
options = { delimiter = ";;" }

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = "Surname"
"#,
    );
    let output = sandbox.jstac(&["validate", "q.toml"]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    let errors = stderr(&output);
    assert!(errors.contains("q.toml:7:"), "{errors}");
    assert!(errors.contains("source.options"), "{errors}");
}
