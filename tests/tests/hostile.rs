//! Hostile and real-world input (issue 19): no record lost in silence,
//! every error one clear line with the exit code a scheduler acts on.

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

fn rows(n: usize) -> String {
    let mut text = String::from("Ref,Surname\n");
    for i in 1..=n {
        text.push_str(&format!("N{i},SURNAME{i}\n"));
    }
    text
}

/// A stray `"` on line 11 of 1,000 rows opens a quoted field that never
/// closes: the file is rejected (65) at the line the field opened, saying
/// how many lines it swallowed, and nothing of it loads.
#[test]
fn an_unterminated_quote_rejects_the_file_at_the_line_it_opened() {
    let sandbox = Sandbox::new();
    let text = rows(1000).replacen("N10,SURNAME10", "N10,\"SURNAME10", 1);
    sandbox.write("data/a.csv", &text);
    sandbox.write("p.toml", PIPELINE);
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(65), "{}", stderr(&output));
    let errors = stderr(&output);
    assert!(
        errors.contains(
            "line 11: a quoted field opened on line 11 is never closed: lines 11-1001 (991 lines) are not read as records"
        ),
        "{errors}"
    );
    assert_eq!(sandbox.count("persons"), 0);
    assert!(stdout(&output).contains("1 failed"), "{}", stdout(&output));

    // A quoted field closed at the very end of a file without a final line
    // end is no fault.
    let sandbox = Sandbox::new();
    sandbox.write("data/a.csv", "Ref,Surname\nN1,\"SUR\nNAME\"\"\"");
    sandbox.write("p.toml", PIPELINE);
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(sandbox.count("persons"), 1);
}

/// NUL and the other C0 control characters (tab, CR and LF aside) in a text
/// value quarantine the record, naming the field and the character, never
/// the value, on every backend and whatever the column does (a normalised
/// name column too). A tab is kept.
#[test]
fn a_control_character_in_a_text_value_quarantines_the_record() {
    for sandbox in [Sandbox::new(), Sandbox::postgres()] {
        sandbox.write(
            "data/a.csv",
            "Ref,Surname,Given\nN1,HO\0XHA,ANA\nN2,SMITH,JO\u{1}HN\nN3,JONES,MA\tRY\n",
        );
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
columns.family_name = { field = "Surname", normalise = "family-name" }
columns.given_names = "Given"
"#,
        );
        let output = sandbox.jstac(&["run", "p.toml"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            stdout(&output).contains("3 read, 1 loaded, 2 quarantined"),
            "{}",
            stdout(&output)
        );
        let quarantined =
            sandbox.query("SELECT locator, field, reason FROM quarantine ORDER BY locator");
        assert_eq!(
            quarantined,
            [
                serde_json::json!({"locator": "line 2", "field": "Surname",
                    "reason": "entities.person.columns.family_name: contains the control character U+0000"}),
                serde_json::json!({"locator": "line 3", "field": "Given",
                    "reason": "entities.person.columns.given_names: contains the control character U+0001"}),
            ],
            "postgres: {}",
            sandbox.is_postgres()
        );
        assert_eq!(sandbox.count("persons"), 1);
    }
}

/// XML nested deeper than `max_depth` inside one record quarantines that
/// record (the reader skips to its end) and the records around it load;
/// nesting too deep outside any record still rejects the file, with the
/// plugin's own words and none of the Arrow stream's wrapping.
#[test]
fn xml_too_deep_inside_a_record_quarantines_that_record() {
    let sandbox = Sandbox::new();
    let deep = "<x>".repeat(20) + &"</x>".repeat(20);
    sandbox.write(
        "data/a.xml",
        format!(
            "<Feed>\n<P><Ref>N1</Ref><Name>ONE</Name></P>\n<P><Ref>N2</Ref><Name>TWO</Name>{deep}</P>\n<P><Ref>N3</Ref><Name>THREE</Name></P>\n</Feed>\n"
        ),
    );
    sandbox.write(
        "p.toml",
        r#"agency = "police"
dataset = "crimes"
plugin = "xml"

[source]
path = "data/*.xml"

[source.options]
record = "/Feed/P"
fields = { Ref = "Ref", Name = "Name" }
max_depth = 10

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = "Name"
"#,
    );
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("3 read, 2 loaded, 1 quarantined"),
        "{}",
        stdout(&output)
    );
    let quarantined = sandbox.query("SELECT reason FROM quarantine");
    assert_eq!(
        quarantined,
        [serde_json::json!({"reason": "elements nested deeper than max_depth (10)"})]
    );

    // Too deep outside any record: the file is rejected, in the plugin's words.
    sandbox.write(
        "data/b.xml",
        format!(
            "<Feed>{}<P><Ref>N4</Ref></P>{}</Feed>\n",
            "<y>".repeat(20),
            "</y>".repeat(20)
        ),
    );
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(65), "{}", stderr(&output));
    let errors = stderr(&output);
    assert_eq!(
        errors.trim_end(),
        "error: data/b.xml: line 1 (byte 33): elements nested deeper than max_depth (10)",
        "{errors}"
    );
}

/// A file's own shortcomings (empty, lacking fields the pipeline reads) are
/// bad data: 65, one line naming the file and what it lacks, that file
/// rejected and the others loaded; `validate` says the same.
#[test]
fn an_empty_file_or_one_lacking_fields_is_bad_data() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a_empty.csv", "");
    sandbox.write("data/b_other.csv", "Id,Name\nN1,HOXHA\n");
    sandbox.write("data/c_good.csv", "Ref,Surname\nN1,HOXHA\n");
    sandbox.write("p.toml", PIPELINE);
    for command in ["validate", "run"] {
        let output = sandbox.jstac(&[command, "p.toml"]);
        assert_eq!(output.status.code(), Some(65), "{}", stderr(&output));
        let errors = stderr(&output);
        assert_eq!(
            errors
                .lines()
                .map(|line| line.strip_prefix("error: ").unwrap_or(line))
                .collect::<Vec<_>>(),
            [
                "data/a_empty.csv: is empty",
                "data/b_other.csv: lacks the fields Ref, Surname the pipeline reads",
            ],
            "jstac {command}"
        );
    }
    assert_eq!(sandbox.count("persons"), 1);
}

/// A 20 MiB field (over the default `max_field_bytes` of 1 MiB)
/// quarantines its record with the field's name and size, the records
/// around it load, and the quarantine keeps 64 KiB of its text with a
/// marker. A record the mapping quarantines keeps a cut text too.
#[test]
fn a_field_over_the_size_limit_quarantines_its_record_with_a_cut_raw_text() {
    for sandbox in [Sandbox::new(), Sandbox::postgres()] {
        let big = "x".repeat(20 * 1024 * 1024);
        // Under the limit, but quarantined by the mapping (a NUL).
        let nul = format!("A\0{}", "y".repeat(100 * 1024));
        sandbox.write(
            "data/a.csv",
            format!("Ref,Surname\nN1,ONE\nN2,\"{big}\"\nN3,THREE\nN4,{nul}\n"),
        );
        sandbox.write("p.toml", PIPELINE);
        let output = sandbox.jstac(&["run", "p.toml"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            stdout(&output).contains("4 read, 2 loaded, 2 quarantined"),
            "{}",
            stdout(&output)
        );
        let quarantined = sandbox.query(
            "SELECT locator, reason, LENGTH(raw_record) AS len, SUBSTR(raw_record, LENGTH(raw_record) - 40) AS tail \
             FROM quarantine ORDER BY locator",
        );
        assert_eq!(quarantined.len(), 2, "{quarantined:?}");
        assert_eq!(quarantined[0]["locator"], "line 3");
        assert_eq!(
            quarantined[0]["reason"],
            format!(
                "field 2 (Surname) is larger than the limit of 1 MiB ({} bytes); raise max_field_bytes if it is real",
                big.len()
            )
        );
        assert_eq!(quarantined[1]["locator"], "line 5");
        // Each marker gives the whole record's length: the CSV line, and
        // the record as JSON, `{"Ref":"N4","Surname":"A\u0000yy…"}`.
        for (row, total) in quarantined.iter().zip([big.len() + 5, 25 + nul.len() + 5]) {
            let len = row["len"].as_i64().expect("length");
            assert!(len > 60_000 && len < 70_000, "{row}");
            let tail = row["tail"].as_str().expect("tail");
            assert!(
                tail.ends_with(&format!("[truncated: {total} bytes in all]")),
                "{row}"
            );
        }
        assert_eq!(sandbox.count("persons"), 2);
    }
}
