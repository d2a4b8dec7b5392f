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
