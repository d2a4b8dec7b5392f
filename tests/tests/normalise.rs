//! Normalisers and lookups end to end: the real binary and CSV plugin on a
//! small file of messy nationalities, names in both orders, postcodes,
//! phones and agency codes, into a real SQLite warehouse.

use jstac_tests::{Sandbox, stderr, stdout};
use serde_json::json;

const PIPELINE: &str = r#"
agency = "nrm"
dataset = "referrals"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.person]
table = "persons"
key = ["Ref"]

[entities.person.columns]
full_name = { field = "Name", normalise = "full-name", order = "auto" }
nationality = { field = "Nationality", normalise = "country" }
postcode = { field = "Postcode", normalise = "postcode", on_invalid = "null" }
date_of_birth = { field = "DOB", format = ["%d/%m/%Y", "%m/%Y", "%Y"], partial = true }

[entities.referral]
table = "events"
key = ["Ref"]

[entities.referral.columns]
event_type = { value = "nrm referral" }
reference = "Ref"
category = { field = "Exploitation", lookup = "exploitation", on_invalid = "keep" }

[entities.phone]
table = "objects"
key = ["Phone"]

[entities.phone.columns]
object_type = { value = "phone" }
identifier = { field = "Phone", normalise = "phone" }

[[links]]
from = "person"
to = "referral"
columns.role = { value = "potential victim" }

[[links]]
from = "person"
to = "phone"
columns.role = { value = "user" }

[lookups.exploitation]
SEX = "sexual"
LAB = "labour"
CRIM = "criminal"
DOM = "domestic servitude"
"#;

/// Synthetic referrals: the same two people written four ways, and the
/// nationalities, postcodes and codes agencies send.
const CSV: &str = "\
Ref,Name,Nationality,Postcode,Phone,Exploitation,DOB
R1,\"HOXHA, Ana\",ALB,ls14ap,07700 900123,SEX,1995
R2,Ana HOXHA,Albanian,LS1 4AP,,lab,02/03/1995
R3,NGUYEN Thi Lan,Viet Nam,BD1 1HY,+44 7700 900456,CRIM,03/1990
R4,Thi Lan NGUYEN,Republic of Albania,LS1 4CP,,DOM,
R5,Arben BEGA,Congo,HX1 1UN,07700 900789,LAB,1988
R6,Elira DOKA,Albanian,,,XYZ,
";

/// Values that must never reach a message or a log.
const PERSONAL: &[&str] = &[
    "HOXHA", "NGUYEN", "BEGA", "DOKA", "Congo", "Albanian", "LS1 4CP",
];

#[test]
fn messy_values_load_normalised_with_their_originals_and_are_counted() {
    let sandbox = Sandbox::new();
    sandbox.write("p.toml", PIPELINE);
    sandbox.write("data/referrals.csv", CSV);

    let output = sandbox.jstac(&["--log-format", "json", "run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary = stdout(&output);
    assert!(
        summary.contains("records: 6 read, 5 loaded, 1 quarantined"),
        "{summary}"
    );
    // One compact line per counted column: values of loaded records
    // normalised or unmatched, and records quarantined for the column.
    for line in [
        "  person.full_name (full-name): 5 normalised\n",
        "  person.nationality (country): 5 normalised, 1 quarantined\n",
        "  person.postcode (postcode): 3 normalised, 1 unmatched\n",
        "  person.date_of_birth (date): 3 normalised\n",
        "  referral.category (lookup exploitation): 4 normalised, 1 unmatched\n",
        "  phone.identifier (phone): 2 normalised\n",
    ] {
        assert!(summary.contains(line), "{line:?} in:\n{summary}");
    }
    // Logs (JSON, at info) name fields, rules and counts, never values.
    let logs = stderr(&output);
    assert!(
        logs.contains("\"rule\":\"entities.person.columns.nationality\""),
        "{logs}"
    );
    for value in PERSONAL {
        assert!(!logs.contains(value), "{value:?} in the logs:\n{logs}");
        assert!(!summary.contains(value), "{value:?} in the summary");
    }

    // Alpha-3 with the text as written beside it; names as written, with a
    // match key that does not care about order or case, and their parts.
    assert_eq!(
        sandbox.query(
            "SELECT full_name, family_name, given_names, name_key, nationality, nationality_text,
                    postcode, date_of_birth
             FROM persons ORDER BY source_locator"
        ),
        [
            json!({"full_name": "HOXHA, Ana", "family_name": "Hoxha", "given_names": "Ana",
                   "name_key": "ana hoxha", "nationality": "ALB", "nationality_text": "ALB",
                   "postcode": "LS1 4AP", "date_of_birth": "1995"}),
            json!({"full_name": "Ana HOXHA", "family_name": "Hoxha", "given_names": "Ana",
                   "name_key": "ana hoxha", "nationality": "ALB", "nationality_text": "Albanian",
                   "postcode": "LS1 4AP", "date_of_birth": "1995-03-02"}),
            json!({"full_name": "NGUYEN Thi Lan", "family_name": "Nguyen", "given_names": "Thi Lan",
                   "name_key": "lan nguyen thi", "nationality": "VNM", "nationality_text": "Viet Nam",
                   "postcode": "BD1 1HY", "date_of_birth": "1990-03"}),
            json!({"full_name": "Thi Lan NGUYEN", "family_name": "Nguyen", "given_names": "Thi Lan",
                   "name_key": "lan nguyen thi", "nationality": "ALB",
                   "nationality_text": "Republic of Albania", "postcode": null, "date_of_birth": null}),
            json!({"full_name": "Elira DOKA", "family_name": "Doka", "given_names": "Elira",
                   "name_key": "doka elira", "nationality": "ALB", "nationality_text": "Albanian",
                   "postcode": null, "date_of_birth": null}),
        ]
    );
    // The lookup matches codes whatever their case; an unknown code is kept
    // as written (on_invalid = "keep"), and the code is kept beside.
    assert_eq!(
        sandbox.query("SELECT reference, category, category_text FROM events ORDER BY reference"),
        [
            json!({"reference": "R1", "category": "sexual", "category_text": "SEX"}),
            json!({"reference": "R2", "category": "labour", "category_text": "lab"}),
            json!({"reference": "R3", "category": "criminal", "category_text": "CRIM"}),
            json!({"reference": "R4", "category": "domestic servitude", "category_text": "DOM"}),
            json!({"reference": "R6", "category": "XYZ", "category_text": "XYZ"}),
        ]
    );
    assert_eq!(
        sandbox.query("SELECT object_type, identifier FROM objects ORDER BY identifier"),
        [
            json!({"object_type": "phone", "identifier": "+447700900123"}),
            json!({"object_type": "phone", "identifier": "+447700900456"}),
        ]
    );
    // The ambiguous nationality quarantines its record, saying why without
    // repeating the value.
    assert_eq!(
        sandbox.query("SELECT locator, field, reason FROM quarantine"),
        [json!({"locator": "line 6", "field": "Nationality",
                "reason": "entities.person.columns.nationality: ambiguous country (could be COG or COD)"})]
    );

    // The counts are in the warehouse, per file and per run.
    let stats = "SELECT rule, field, normaliser, normalised, unmatched, quarantined
                 FROM run_field_stats WHERE run_id = 1 ORDER BY rule";
    let expected = [
        json!({"rule": "entities.person.columns.date_of_birth", "field": "DOB", "normaliser": "date",
               "normalised": 3, "unmatched": 0, "quarantined": 0}),
        json!({"rule": "entities.person.columns.full_name", "field": "Name", "normaliser": "full-name",
               "normalised": 5, "unmatched": 0, "quarantined": 0}),
        json!({"rule": "entities.person.columns.nationality", "field": "Nationality", "normaliser": "country",
               "normalised": 5, "unmatched": 0, "quarantined": 1}),
        json!({"rule": "entities.person.columns.postcode", "field": "Postcode", "normaliser": "postcode",
               "normalised": 3, "unmatched": 1, "quarantined": 0}),
        json!({"rule": "entities.phone.columns.identifier", "field": "Phone", "normaliser": "phone",
               "normalised": 2, "unmatched": 0, "quarantined": 0}),
        json!({"rule": "entities.referral.columns.category", "field": "Exploitation",
               "normaliser": "lookup exploitation", "normalised": 4, "unmatched": 1, "quarantined": 0}),
    ];
    assert_eq!(sandbox.query(stats), expected);
    let per_file = sandbox.query("SELECT COUNT(*) AS n FROM field_stats WHERE file_id = 1");
    assert_eq!(per_file, [json!({"n": 6})]);
    let listed = sandbox.jstac(&["fields", "--format", "csv"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    assert!(
        stdout(&listed)
            .contains("1,entities.person.columns.nationality,Nationality,country,5,0,1,0"),
        "{}",
        stdout(&listed)
    );

    // A file already loaded adds no counts; a forced reload counts again,
    // under its own run, and duplicates no row.
    let again = sandbox.jstac(&["run", "p.toml"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(!stdout(&again).contains("normalised"), "{}", stdout(&again));
    let forced = sandbox.jstac(&["run", "--force", "p.toml"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(
        sandbox.query(&stats.replace("run_id = 1", "run_id = 3")),
        expected
    );
    assert_eq!(
        sandbox.query("SELECT COUNT(*) AS n FROM persons"),
        [json!({"n": 5})]
    );
}

#[test]
fn normaliser_and_lookup_mistakes_are_reported_before_any_data_is_read() {
    let sandbox = Sandbox::new();
    sandbox.write("data/referrals.csv", CSV);
    let broken = PIPELINE
        .replace("normalise = \"country\"", "normalise = \"contry\"")
        .replace("lookup = \"exploitation\"", "lookup = \"exploitaton\"")
        .replace("order = \"auto\"", "order = \"surname-first\"")
        .replace("partial = true", "partial = true, pivot = 1930");
    sandbox.write("p.toml", &broken);
    for command in ["validate", "run"] {
        let output = sandbox.jstac(&[command, "p.toml"]);
        assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
        let errors = stderr(&output);
        for expected in [
            "p.toml:15:40: entities.person.columns.nationality.normalise: unknown normaliser \"contry\"; expected one of country, postcode, phone, nino, passport, vehicle, family-name, given-names, full-name",
            "p.toml:14:56: entities.person.columns.full_name.order: unknown order \"surname-first\"; expected one of given-first, family-first, auto",
            "p.toml:17:88: entities.person.columns.date_of_birth.pivot: no format of this column has a two-digit year (%y)",
            "p.toml:26:38: entities.referral.columns.category.lookup: unknown lookup \"exploitaton\"; the pipeline's lookups are exploitation",
            "p.toml:46:10: lookups.exploitation: not used by any column (lookup = \"exploitation\")",
        ] {
            assert!(errors.contains(expected), "{expected}\nnot in:\n{errors}");
        }
        assert_eq!(errors.lines().count(), 5, "{errors}");
    }
    // Checked before the warehouse is opened: none is even created.
    assert!(!sandbox.warehouse().exists());
}
