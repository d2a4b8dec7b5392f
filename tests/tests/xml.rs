//! The XML plugin end to end: the bundled NCA and Immigration Enforcement
//! pipelines and small sandbox feeds, through the real binary, the real
//! plugin library and a real SQLite warehouse.

use jstac_tests::{Sandbox, stderr, stdout, workspace_root};
use serde_json::json;

fn pipeline(name: &str) -> String {
    workspace_root()
        .join("pipelines")
        .join(name)
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

/// Persons, events and links of one agency.
fn counts(sandbox: &Sandbox, agency: &str) -> (i64, i64, i64) {
    let of = |table: &str| sandbox.count(&format!("{table} WHERE agency = '{agency}'"));
    (of("persons"), of("events"), of("links"))
}

#[test]
fn the_xml_pipelines_load_their_samples_once() {
    let sandbox = Sandbox::new();
    let nca = pipeline("nca_intelligence.toml");
    let ie = pipeline("ie_encounters.toml");

    let validated = sandbox.jstac(&["validate", &nca, &ie]);
    assert_eq!(validated.status.code(), Some(0), "{}", stderr(&validated));

    let first = sandbox.jstac(&["run", &nca, &ie]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let out = stdout(&first);
    // NCA: 22 reports naming 48 subjects (2016 Q1 prefixed, Q2 default namespace).
    assert!(
        out.contains(
            "files: 2 loaded, 0 skipped, 0 failed | records: 22 read, 22 loaded, 0 quarantined"
        ),
        "{out}"
    );
    // IE: 20 encounters (ISO-8859-1 and UTF-16) of 18 people, 35 person-encounter
    // links, 21 person-document links (a passport per link) and 20
    // encounter-premises links (7 premises). NCA: 48 subject-report links and
    // 22 report-location links (10 locations).
    assert!(
        out.contains(
            "files: 2 loaded, 0 skipped, 0 failed | records: 20 read, 20 loaded, 0 quarantined"
        ),
        "{out}"
    );
    assert_eq!(counts(&sandbox, "nca"), (48, 22, 70));
    assert_eq!(counts(&sandbox, "immigration-enforcement"), (18, 20, 76));
    let locations = |agency: &str| sandbox.count(&format!("locations WHERE agency = '{agency}'"));
    assert_eq!(
        (locations("nca"), locations("immigration-enforcement")),
        (10, 7)
    );
    assert_eq!(
        sandbox.count("objects WHERE agency = 'immigration-enforcement'"),
        21
    );

    let second = sandbox.jstac(&["run", &nca, &ie]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(
        stdout(&second)
            .matches("files: 0 loaded, 2 skipped, 0 failed | records: 0 read")
            .count(),
        2,
        "a second run adds nothing: {}",
        stdout(&second)
    );
    assert_eq!(counts(&sandbox, "nca"), (48, 22, 70));
    assert_eq!(counts(&sandbox, "immigration-enforcement"), (18, 20, 76));

    let forced = sandbox.jstac(&["run", "--force", &nca, &ie]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(counts(&sandbox, "nca"), (48, 22, 70));
    assert_eq!(counts(&sandbox, "immigration-enforcement"), (18, 20, 76));

    // Both encodings decoded: ISO-8859-1 (Q3) and UTF-16 (Q4).
    let names = sandbox.query(
        "SELECT family_name, given_names, date_of_birth FROM persons \
         WHERE family_name IN ('LEFÈVRE', 'ĐẶNG', 'WIŚNIEWSKA') ORDER BY family_name",
    );
    assert_eq!(
        names,
        [
            json!({"family_name": "LEFÈVRE", "given_names": "Françoise", "date_of_birth": "1972-08-04"}),
            json!({"family_name": "WIŚNIEWSKA", "given_names": "Małgorzata", "date_of_birth": "1990-10-18"}),
            json!({"family_name": "ĐẶNG", "given_names": "Thị Hoa", "date_of_birth": "1988-03-07"}),
        ]
    );
    // Every row is located by record path, ordinal and line.
    let located =
        sandbox.query("SELECT source_locator FROM events WHERE reference = 'IE-ENC-2016-04602'");
    assert_eq!(
        located,
        [json!({"source_locator": "/ie:EncounterReturn/ie:Encounter[2], line 27"})]
    );
}

#[test]
fn a_report_naming_several_subjects_yields_several_persons_linked_to_one_event() {
    let sandbox = Sandbox::new();
    let output = sandbox.jstac(&["run", &pipeline("nca_intelligence.toml")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let linked = sandbox.query(
        "SELECT p.family_name, l.role, p.source_locator \
         FROM events e \
         JOIN links l ON l.to_key = e.event_key AND l.to_table = 'events' \
         JOIN persons p ON p.person_key = l.from_key AND l.from_table = 'persons' \
         WHERE e.reference = 'NCA-IR-2016-000106' ORDER BY p.family_name",
    );
    let locator = "/ir:IntelligenceFeed/ir:Report[6], line 114";
    assert_eq!(
        linked,
        [
            json!({"family_name": "BROWN", "role": "victim", "source_locator": locator}),
            json!({"family_name": "KRASNIQI", "role": "associate", "source_locator": locator}),
            json!({"family_name": "POPESCU", "role": "suspect", "source_locator": locator}),
            json!({"family_name": "SMITH", "role": "associate", "source_locator": locator}),
        ]
    );
    // The same subject id in another report is another person.
    assert_eq!(
        sandbox.count(
            "(SELECT DISTINCT l.to_key FROM links l WHERE l.agency = 'nca' AND l.to_table = 'events') AS d"
        ),
        22
    );
}

const PIPELINE: &str = r#"
agency = "nca"
dataset = "test"
plugin = "xml"

[source]
path = "data/*.xml"

[source.options]
record = "/i:Feed/i:Report"
namespaces = { i = "urn:example:intel" }
fields = { Id = "@id", Created = "i:Created" }
groups.Subject = { path = "i:Subject", fields = { Id = "@id", Name = "i:Name" } }

[entities.report]
table = "events"
key = ["Id"]
columns.reference = "Id"
columns.reported_on = { field = "Created", format = "%Y-%m-%d" }

[entities.subject]
table = "persons"
key = ["Id", "Subject.Id"]
columns.family_name = "Subject.Name"

[[links]]
from = "subject"
to = "report"
columns.role = { value = "subject" }
"#;

#[test]
fn a_truncated_file_loads_nothing_and_names_the_line() {
    let sandbox = Sandbox::new();
    sandbox.write("p.toml", PIPELINE);
    sandbox.write(
        "data/a.xml",
        "<Feed xmlns=\"urn:example:intel\">\n<Report id=\"R1\"><Created>2016-01-02</Created><Subject id=\"S1\"><Name>HOXHA</Name></Subject></Report>\n<Report id=\"R2\"><Created>2016-01-0",
    );
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(65), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "line 3 (byte 167): the file ends inside 3 open element(s) (truncated?) (in record /i:Feed/i:Report[2], line 3)"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("HOXHA"), "no values in errors");
    for table in ["persons", "events", "links", "source_files"] {
        assert_eq!(
            sandbox.count(table),
            0,
            "{table}: the whole file rolls back"
        );
    }
}

#[test]
fn an_entity_reference_quarantines_its_record_and_never_reads_the_entity() {
    let sandbox = Sandbox::new();
    let secret = sandbox.write("secret.txt", "SECRET-FILE-CONTENT-93b2");
    sandbox.write("p.toml", PIPELINE);
    sandbox.write(
        "data/a.xml",
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE Feed [<!ENTITY xxe SYSTEM \"file://{}\">]>\n<i:Feed xmlns:i=\"urn:example:intel\">\n\
             <i:Report id=\"R1\"><i:Created>2016-01-02</i:Created><i:Subject id=\"S1\"><i:Name>&xxe;</i:Name></i:Subject></i:Report>\n\
             <i:Report id=\"R2\"><i:Created>2016-01-03</i:Created><i:Subject id=\"S1\"><i:Name>BEGA</i:Name></i:Subject><i:Subject id=\"S2\"><i:Name>TRAN</i:Name></i:Subject></i:Report>\n\
             </i:Feed>\n",
            secret.display()
        ),
    );
    // Quarantine alone is not a failure: the run succeeds and says so.
    let output = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("1 record(s) quarantined"),
        "{}",
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("2 read, 1 loaded, 1 quarantined"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        sandbox.query("SELECT locator, reason FROM quarantine"),
        [json!({
            "locator": "/i:Feed/i:Report[1], line 4",
            "reason": "entity reference &xxe; is not allowed: only the five predefined entities and character references are read (DTD entities are never expanded)"
        })]
    );
    let everything = format!(
        "{}{}{}",
        sandbox.data_snapshot(),
        stdout(&sandbox.jstac(&["quarantine", "--raw"])),
        stderr(&output)
    );
    assert!(!everything.contains("SECRET-FILE"), "{everything}");
    assert_eq!(
        sandbox.query("SELECT family_name FROM persons ORDER BY 1"),
        [
            json!({"family_name": "BEGA"}),
            json!({"family_name": "TRAN"})
        ]
    );
}

#[test]
fn xml_option_mistakes_are_caught_before_reading() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.xml", "<Feed/>");
    sandbox.write(
        "p.toml",
        PIPELINE.replace("record = ", "recrod = \"x\"\nrecord = "),
    );
    let output = sandbox.jstac(&["validate", "p.toml"]);
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("'recrod' was unexpected"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_undeclared_prefix_is_a_pipeline_mistake_not_a_failure_of_each_file() {
    let sandbox = Sandbox::new();
    sandbox.write("data/a.xml", "<Feed/>");
    sandbox.write("data/b.xml", "<Feed/>");
    sandbox.write(
        "p.toml",
        PIPELINE.replace("Name = \"i:Name\"", "Name = \"x:Name\""),
    );
    // The schema cannot see it; the plugin's own check (ABI 1.2) does, once,
    // before any file is read.
    for command in [&["validate", "p.toml"][..], &["run", "p.toml"][..]] {
        let output = sandbox.jstac(command);
        assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
        let errors = stderr(&output);
        assert!(errors.contains("source.options"), "{errors}");
        assert!(errors.contains("\"x\""), "{errors}");
        assert!(!errors.contains("b.xml"), "{errors}");
    }
    // Checked before the warehouse is opened: none is even created.
    assert!(!sandbox.warehouse().exists());
}
