//! Dates as real files write them, end to end through the real binary and
//! CSV plugin: every strftime specifier chrono documents is accepted or
//! refused by `jstac validate` (exit 0 or 78, one located line, never a
//! panic); date-times give date columns their local date; zero days and
//! months and approximate dates are partial dates; timestamps load into
//! SQLite and PostgreSQL as the same instants.

use std::process::Output;

use jstac_tests::{Sandbox, stderr, stdout};
use serde_json::{Value, json};

/// Every specifier in chrono's strftime documentation, padding modifiers,
/// and malformed ones.
const SPECIFIERS: &[&str] = &[
    "%Y", "%C", "%y", "%m", "%b", "%B", "%h", "%d", "%e", "%a", "%A", "%w", "%u", "%U", "%W", "%G",
    "%g", "%V", "%j", "%D", "%x", "%F", "%v", "%H", "%k", "%I", "%l", "%P", "%p", "%M", "%S", "%f",
    "%.f", "%.3f", "%.6f", "%.9f", "%3f", "%6f", "%9f", "%R", "%T", "%X", "%r", "%Z", "%z", "%:z",
    "%::z", "%:::z", "%#z", "%c", "%+", "%s", "%t", "%n", "%%", "%-d", "%_d", "%0d", "%", "%Q",
    "%:", "%-", "%E", "%.",
];

/// A pipeline mapping one CSV field onto `column` of events with `rule`.
fn pipeline(column: &str, rule: &str) -> String {
    format!(
        r#"agency = "police"
dataset = "dates"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.event]
table = "events"
key = ["Ref"]
columns.reference = "Ref"
columns.{column} = {rule}
"#
    )
}

/// A TOML literal string holding `text` (no format here has a quote).
fn literal(text: &str) -> String {
    assert!(!text.contains('\''), "{text}");
    format!("'{text}'")
}

/// Every specifier, alone and after `%d/%m/%Y `, as the format of a date
/// column (with and without `partial`) and of a timestamp column: each
/// `jstac validate` exits 0 or 78, and a refusal is one line naming the
/// format's key. The pipelines are validated eight at a time on threads.
#[test]
fn every_strftime_specifier_is_accepted_or_refused_without_a_panic() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", "Ref,When\nE1,23/11/2016 22:05\n");
    let mut cases = Vec::new();
    for specifier in SPECIFIERS {
        for format in [(*specifier).to_owned(), format!("%d/%m/%Y {specifier}")] {
            let format = literal(&format);
            for (column, rule) in [
                (
                    "occurred_from",
                    format!("{{ field = \"When\", format = {format} }}"),
                ),
                (
                    "occurred_from",
                    format!("{{ field = \"When\", format = {format}, partial = true }}"),
                ),
                (
                    "occurred_at",
                    format!("{{ field = \"When\", format = {format} }}"),
                ),
            ] {
                let name = format!("p{}.toml", cases.len());
                sandbox.write(&name, pipeline(column, &rule));
                cases.push((name, format.clone(), column));
            }
        }
    }
    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let chunks: Vec<_> = cases
            .chunks(cases.len().div_ceil(8))
            .map(|chunk| {
                let sandbox = &sandbox;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(name, _, _)| sandbox.jstac(&["validate", name]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks
            .into_iter()
            .flat_map(|handle| handle.join().expect("validate thread"))
            .collect()
    });
    let mut accepted = 0;
    for ((name, format, column), output) in cases.iter().zip(&outputs) {
        let errors = stderr(output);
        let context = format!("{name} ({column} format {format}): {errors}");
        assert!(!errors.contains("panicked"), "{context}");
        match output.status.code() {
            Some(0) => {
                assert!(errors.is_empty(), "{context}");
                assert!(stdout(output).starts_with("ok: "), "{context}");
                accepted += 1;
            }
            Some(78) => {
                assert_eq!(errors.lines().count(), 1, "{context}");
                let key = format!(": entities.event.columns.{column}.format: ");
                assert!(
                    errors.starts_with(&format!("{name}:12:")) && errors.contains(&key),
                    "{context}"
                );
            }
            other => panic!("exit {other:?}: {context}"),
        }
    }
    // Both outcomes happen: the test would pass vacuously otherwise.
    assert!(accepted > 20 && accepted < cases.len() / 2, "{accepted}");
}

/// The formats that used to panic (exit 101) validate and run.
#[test]
fn formats_with_a_time_or_an_offset_validate_and_run() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "data/a.csv",
        "Ref,When\nE1,14/04/2015 23:30\nE2,2015-04-14-04:00\n",
    );
    sandbox.write(
        "p.toml",
        pipeline(
            "occurred_from",
            "{ field = \"When\", format = ['%d/%m/%Y %H:%M', '%Y-%m-%d%:z'] }",
        ),
    );
    for command in ["validate", "run"] {
        let output = sandbox.jstac(&[command, "p.toml"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    assert_eq!(
        sandbox.query("SELECT reference, occurred_from FROM events ORDER BY reference"),
        [
            json!({"reference": "E1", "occurred_from": "2015-04-14"}),
            json!({"reference": "E2", "occurred_from": "2015-04-14"}),
        ]
    );
}

const DATES_CSV: &str = "\
Ref,When
E1,2016-06-11T23:30:00-02:00
E2,2016-06-11T09:30:00Z
E3,2016-06-11 09:30
E4,2015-04-14-04:00
E5,2015-04-14Z
E6,11/06/2016
";

/// With no format, a date column reads ISO 8601 dates and date-times as
/// their local date; anything else is quarantined with the reason.
#[test]
fn a_date_column_without_a_format_reads_iso_date_times_as_local_dates() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", DATES_CSV);
    sandbox.write("p.toml", pipeline("occurred_from", "\"When\""));
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        sandbox.query("SELECT reference, occurred_from FROM events ORDER BY reference"),
        [
            json!({"reference": "E1", "occurred_from": "2016-06-11"}),
            json!({"reference": "E2", "occurred_from": "2016-06-11"}),
            json!({"reference": "E3", "occurred_from": "2016-06-11"}),
            json!({"reference": "E4", "occurred_from": "2015-04-14"}),
            json!({"reference": "E5", "occurred_from": "2015-04-14"}),
        ]
    );
    assert_eq!(
        sandbox.query("SELECT locator, reason FROM quarantine"),
        [json!({
            "locator": "line 7",
            "reason": "entities.event.columns.occurred_from: not an ISO 8601 date (YYYY-MM-DD); give the column a format"
        })]
    );
}

const PARTIAL_CSV: &str = "\
Ref,When
E1,00/00/1980
E2,00/05/1980
E3,0/0/1980
E4,circa 1968
E5,12/03/1968?
E6,approx. 03/1968
E7,12/03/1968
";

/// Partial dates as sources write them (zero day or month, approximate
/// markers) are kept with `partial = true` and refused, saying so,
/// without it.
#[test]
fn zero_and_approximate_dates_need_partial() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", PARTIAL_CSV);
    sandbox.write(
        "p.toml",
        pipeline(
            "occurred_from",
            "{ field = \"When\", format = ['%d/%m/%Y', '%m/%Y', '%Y'], partial = true }",
        ),
    );
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rows = sandbox.query("SELECT reference, occurred_from FROM events ORDER BY reference");
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["reference"].as_str().unwrap_or_default(),
                row["occurred_from"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("E1", "1980"),
            ("E2", "1980-05"),
            ("E3", "1980"),
            ("E4", "1968"),
            ("E5", "1968-03-12"),
            ("E6", "1968-03"),
            ("E7", "1968-03-12"),
        ]
    );

    let strict = Sandbox::new();
    strict.write("data/a.csv", PARTIAL_CSV);
    strict.write(
        "p.toml",
        pipeline("occurred_from", "{ field = \"When\", format = '%d/%m/%Y' }"),
    );
    let output = strict.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let key = "entities.event.columns.occurred_from";
    let partial =
        format!("{key}: not a full date: a partial date (year or month only) needs partial = true");
    let approximate =
        format!("{key}: an approximate date (approx., circa, c., ?) needs partial = true");
    let no_match = format!("{key}: does not match date format %d/%m/%Y");
    assert_eq!(
        strict.query("SELECT locator, reason FROM quarantine ORDER BY quarantine_id"),
        [
            json!({"locator": "line 2", "reason": partial}),
            json!({"locator": "line 3", "reason": partial}),
            json!({"locator": "line 4", "reason": partial}),
            json!({"locator": "line 5", "reason": no_match}),
            json!({"locator": "line 6", "reason": approximate}),
            json!({"locator": "line 7", "reason": no_match}),
        ]
    );
    // Reasons never carry the values.
    let reasons = stdout(&strict.jstac(&["quarantine"]));
    assert!(
        !reasons.contains("1980") && !reasons.contains("1968"),
        "{reasons}"
    );
}

const TIMESTAMPS_CSV: &str = "\
Ref,Occurred,Reported
E1,2016-06-11T09:30:00+01:00,11/06/2016 10:45
E2,2016-01-15T10:00:00.750Z,15/01/2016 10:00
E3,2016-06-11 23:30,12/06/2016 01:15
E4,2016-06-11T23:30:00-02:00,
E5,2016-06-11,11/06/2016
";

/// Timestamps load through a real pipeline into SQLite and PostgreSQL
/// and read back as the same instants, ISO 8601 UTC with `Z`; an analyst
/// filters and orders them the same way on both.
#[test]
fn timestamps_load_as_the_same_instants_into_sqlite_and_postgres() {
    let columns = r#"{ field = "Occurred" }
columns.reported_at = { field = "Reported", format = "%d/%m/%Y %H:%M" }"#;
    let expected = [
        json!({"reference": "E1", "occurred_at": "2016-06-11T08:30:00Z", "reported_at": "2016-06-11T09:45:00Z"}),
        json!({"reference": "E2", "occurred_at": "2016-01-15T10:00:00Z", "reported_at": "2016-01-15T10:00:00Z"}),
        json!({"reference": "E3", "occurred_at": "2016-06-11T22:30:00Z", "reported_at": "2016-06-12T00:15:00Z"}),
        json!({"reference": "E4", "occurred_at": "2016-06-12T01:30:00Z", "reported_at": null}),
    ];
    for sandbox in [Sandbox::new(), Sandbox::postgres()] {
        let backend = if sandbox.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        };
        sandbox.write("data/a.csv", TIMESTAMPS_CSV);
        sandbox.write("p.toml", pipeline("occurred_at", columns));
        let output = sandbox.jstac(&["run", "p.toml"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{backend}: {}",
            stderr(&output)
        );
        assert_eq!(
            sandbox
                .query("SELECT reference, occurred_at, reported_at FROM events ORDER BY reference"),
            expected,
            "{backend}"
        );
        let quarantined = sandbox.query("SELECT locator, reason FROM quarantine");
        assert_eq!(
            quarantined,
            [json!({
                "locator": "line 6",
                "reason": "entities.event.columns.occurred_at: not an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS, with or without an offset); give the column a format"
            })],
            "{backend}"
        );
        // The same comparisons and order on both backends.
        let later: Vec<Value> = sandbox.query(
            "SELECT reference FROM events
             WHERE occurred_at >= '2016-06-11T09:00:00Z' ORDER BY occurred_at DESC",
        );
        assert_eq!(
            later,
            [json!({"reference": "E4"}), json!({"reference": "E3"})],
            "{backend}"
        );
    }
}

/// A timestamp column's mistakes are pipeline mistakes: located, exit 78.
#[test]
fn timestamp_column_mistakes_are_located() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", TIMESTAMPS_CSV);
    sandbox.write(
        "p.toml",
        pipeline(
            "occurred_at",
            r#"{ field = "Occurred", format = "%d/%m/%Y", partial = true }"#,
        ),
    );
    let output = sandbox.jstac(&["validate", "p.toml"]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    let errors = stderr(&output);
    assert_eq!(
        errors.lines().collect::<Vec<_>>(),
        [
            "p.toml:12:45: entities.event.columns.occurred_at.format: date-time format \"%d/%m/%Y\" does not name a date and a time of day (day, month, year, hour and minute)",
            "p.toml:12:66: entities.event.columns.occurred_at.partial: only dates take partial; this column is timestamp",
        ],
        "{errors}"
    );
}
