//! The multi-valued model through the real binary, on SQLite and
//! PostgreSQL: a sanctions-list-like CSV (one row per name variant sharing
//! a group id, individuals, entities and ships in one file) loads every
//! name, date of birth, nationality and document of each person, routes
//! organisations by a condition, skips what no rule maps, and stores each
//! person under its primary name.

use jstac_tests::{Sandbox, stderr, stdout};

const PIPELINE: &str = r#"
agency = "police"
dataset = "list-test"
plugin = "csv"

[source]
path = "data/*.csv"

[entities.person]
table = "persons"
key = ["Group ID"]
when = { field = "Group Type", equals = "Individual" }

[entities.person.columns]
gender = "Gender"

[entities.name]
table = "names"
of = "person"

[entities.name.columns]
kind = { field = "Alias Type", lookup = "name_kinds" }
given_names = ["Name 1", "Name 2"]
family_name = "Name 6"
full_name = { template = "{Name 1} {Name 2} {Name 6}" }

[entities.dob]
table = "birth_dates"
of = "person"

[entities.dob.columns]
date_of_birth = { field = "DOB", format = ["%d/%m/%Y", "%Y"], partial = true }

[entities.passport]
table = "identifiers"
of = "person"

[entities.passport.columns]
identifier_type = { value = "passport" }
identifier = "Passport Number"
country = { field = "Passport Country", normalise = "country" }

[entities.organisation]
table = "organisations"
key = ["Group ID"]
when = { field = "Group Type", equals = "Entity" }

[entities.organisation.columns]
organisation_type = { value = "sanctioned entity" }

[entities.organisation_name]
table = "names"
of = "organisation"

[entities.organisation_name.columns]
kind = { field = "Alias Type", lookup = "name_kinds" }
full_name = "Name 6"

[lookups.name_kinds]
"Primary name" = "primary"
AKA = "alias"
"Primary name variation" = "transliteration"
"#;

// Synthetic rows: person 101 on three rows (an alias row last), entity 202
// on two, a ship that no rule maps.
const CSV: &str = "\
Group ID,Group Type,Gender,Name 1,Name 2,Name 6,Alias Type,DOB,Passport Number,Passport Country
101,Individual,Male,Ahmad,Karim,HADDAD,Primary name,01/02/1961,X 123 456,Syria
101,Individual,Male,Ahmed,,HADAD,Primary name variation,1962,,
101,Individual,Male,Abu,,Karim,AKA,01/02/1961,x123456,SY
202,Entity,,,,NORTHWIND TRADING LLC,Primary name,,,
202,Entity,,,,NORTH WIND TRADERS,AKA,,,
303,Ship,,,,MV EXAMPLE,Primary name,,,
";

fn load(sandbox: &Sandbox) {
    sandbox.write("list.toml", PIPELINE);
    sandbox.write("data/list.csv", CSV);
    let output = sandbox.jstac(&["run", "list.toml", "--strict"]);
    assert!(
        output.status.success(),
        "run failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
}

fn check(sandbox: &Sandbox) {
    load(sandbox);
    let run = sandbox.query(
        "SELECT records_read, records_loaded, records_quarantined, records_skipped FROM ingest_runs",
    );
    assert_eq!(
        run,
        [
            serde_json::json!({"records_read": 6, "records_loaded": 5, "records_quarantined": 0, "records_skipped": 1})
        ]
    );
    assert_eq!(sandbox.count("persons"), 1);
    assert_eq!(sandbox.count("organisations"), 1);
    let names = sandbox.query(
        "SELECT kind, full_name, given_names, family_name FROM analyst_person_names ORDER BY full_name",
    );
    assert_eq!(
        names,
        [
            serde_json::json!({"kind": "alias", "full_name": "Abu Karim", "given_names": "Abu", "family_name": "Karim"}),
            serde_json::json!({"kind": "primary", "full_name": "Ahmad Karim HADDAD", "given_names": "Ahmad Karim", "family_name": "HADDAD"}),
            serde_json::json!({"kind": "transliteration", "full_name": "Ahmed HADAD", "given_names": "Ahmed", "family_name": "HADAD"}),
        ]
    );
    let dates = sandbox.query(
        "SELECT date_of_birth, precision, earliest, latest FROM analyst_person_birth_dates ORDER BY earliest",
    );
    assert_eq!(
        dates,
        [
            serde_json::json!({"date_of_birth": "1961-02-01", "precision": "day", "earliest": "1961-02-01", "latest": "1961-02-01"}),
            serde_json::json!({"date_of_birth": "1962", "precision": "year", "earliest": "1962-01-01", "latest": "1962-12-31"}),
        ]
    );
    // One passport written two ways is two values of one identifier.
    let ids = sandbox
        .query("SELECT DISTINCT identifier_normalised, country FROM analyst_person_identifiers");
    assert_eq!(
        ids,
        [serde_json::json!({"identifier_normalised": "X123456", "country": "SYR"})]
    );
    let person = sandbox.query("SELECT primary_name, all_dates_of_birth FROM analyst_persons");
    assert_eq!(
        person,
        [
            serde_json::json!({"primary_name": "Ahmad Karim HADDAD", "all_dates_of_birth": "1961-02-01; 1962"})
        ]
    );
    // Each value says which record said it.
    let sources = sandbox.query(
        "SELECT COUNT(*) AS n FROM analyst_provenance WHERE entity_table = 'names' AND locator LIKE 'line %'",
    );
    assert_eq!(sources, [serde_json::json!({"n": 5})]);
}

#[test]
fn a_list_loads_every_value_of_each_person_on_sqlite() {
    check(&Sandbox::new());
}

#[test]
fn a_list_loads_every_value_of_each_person_on_postgres() {
    check(&Sandbox::postgres());
}

/// A deployment adds its own agency in its settings; a pipeline naming an
/// agency nobody registered is a pipeline mistake (exit 78, one line).
#[test]
fn agencies_are_data() {
    let sandbox = Sandbox::new();
    let pipeline = PIPELINE.replace("agency = \"police\"", "agency = \"leeds-cc\"");
    sandbox.write("list.toml", &pipeline);
    sandbox.write("data/list.csv", CSV);
    let refused = sandbox.jstac(&["validate", "list.toml"]);
    assert_eq!(refused.status.code(), Some(78), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(
        message.contains("list.toml:2:1: agency: unknown agency \"leeds-cc\""),
        "{message}"
    );
    sandbox.write(
        "jstac.toml",
        "[agencies.leeds-cc]\nname = \"Leeds City Council\"\nkind = \"local-authority\"\n",
    );
    let accepted = sandbox.jstac(&["validate", "list.toml"]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    let listed = sandbox.jstac(&["agencies", "--format", "json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&listed)).expect("agencies as JSON");
    assert!(
        listed.contains(&serde_json::json!({
            "code": "leeds-cc", "name": "Leeds City Council", "kind": "local-authority", "source": "settings"
        })),
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .any(|a| a["code"] == "un-sc" && a["kind"] == "public-list"),
        "{listed:?}"
    );
    sandbox.write(
        "jstac.toml",
        "[agencies.leeds-cc]\nname = \"Leeds\"\nkind = \"council\"\n",
    );
    let bad = sandbox.jstac(&["agencies"]);
    assert_eq!(bad.status.code(), Some(78), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("unknown kind \"council\""),
        "{}",
        stderr(&bad)
    );
}
