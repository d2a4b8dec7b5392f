//! The bundled public lists, checked against their own source files read
//! independently of jstac (quick-xml and the csv crate here, not the
//! plugins): for entries picked at random, every name and alias, date of
//! birth (with its precision or range), nationality and document the
//! source gives is in the warehouse's analyst views, with a source locator
//! inside that entry.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use jstac_tests::{Sandbox, stderr, workspace_root};
use quick_xml::events::Event;
use serde_json::Value;

/// Entries picked per list: seeded, so a failure repeats.
const PICKED: usize = 10;

/// What a source says of one person.
#[derive(Debug, Default, Clone)]
struct Entry {
    /// The locators of the entry's records (an XML element path, or the
    /// CSV lines of its rows).
    locators: BTreeSet<String>,
    names: BTreeSet<String>,
    /// Dates as the warehouse writes them: `1968`, `1968-03`, `1968-03-05`.
    birth_dates: BTreeSet<String>,
    /// Year ranges (from, to).
    ranges: BTreeSet<(String, String)>,
    /// Nationality texts, each with the number of countries it names (a
    /// text no country is known for, `former Soviet Union`, is a value
    /// with its text and no code).
    nationalities: BTreeMap<String, usize>,
    documents: BTreeSet<String>,
}

fn input(list: &str) -> PathBuf {
    let dir = workspace_root()
        .join("pipelines/tests")
        .join(list)
        .join("input");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "one fixture in {}", dir.display());
    files.remove(0)
}

/// A small deterministic pick of `n` of `items` (SplitMix64).
fn pick<T: Clone>(items: &[T], n: usize, mut seed: u64) -> Vec<T> {
    let mut items = items.to_vec();
    let mut picked = Vec::new();
    while picked.len() < n && !items.is_empty() {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let i = usize::try_from(z % items.len() as u64).expect("index");
        picked.push(items.remove(i));
    }
    picked
}

/// `(1) A (2) B` into its parts (the list's own numbering).
fn numbered(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let marker = word.trim_start_matches('(');
        if marker.ends_with(')')
            && marker.len() > 1
            && marker[..marker.len() - 1]
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| {
            p.trim_matches(|c: char| c == '.' || c == ',' || c == ';')
                .trim()
                .to_owned()
        })
        .filter(|p| p.chars().any(char::is_alphanumeric))
        .collect()
}

/// The UN list's individuals, by their element path.
fn un_entries() -> Vec<Entry> {
    let xml = std::fs::read_to_string(input("un_sc_consolidated")).expect("UN fixture");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut path: Vec<String> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut names = [const { String::new() }; 4];
    let mut range = (String::new(), String::new());
    let mut text = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.name().into_inner().to_owned();
                if name == "INDIVIDUAL" && path.last().is_some_and(|p| p == "INDIVIDUALS") {
                    let mut entry = Entry::default();
                    entry.locators.insert(format!(
                        "/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[{}]",
                        entries.len() + 1
                    ));
                    entries.push(entry);
                    names = Default::default();
                }
                path.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => text.push_str(match &*r.into_inner() {
                "amp" => "&",
                "lt" => "<",
                "gt" => ">",
                "quot" => "\"",
                "apos" => "'",
                other => panic!("an entity the test does not know: {other}"),
            }),
            Event::End(_) => {
                let ended = path.pop().expect("balanced");
                let value = std::mem::take(&mut text).trim().to_owned();
                let Some(entry) = entries.last_mut() else {
                    continue;
                };
                if !path.iter().any(|p| p == "INDIVIDUAL") && ended != "INDIVIDUAL" {
                    continue;
                }
                let parent = path.last().map_or("", String::as_str);
                match (parent, ended.as_str()) {
                    ("INDIVIDUALS", "INDIVIDUAL") => {
                        let full: Vec<&str> = names
                            .iter()
                            .map(|n| n.trim())
                            .filter(|n| !n.is_empty())
                            .collect();
                        entry.names.insert(full.join(" "));
                    }
                    (_, "INDIVIDUAL_DATE_OF_BIRTH") => {
                        let (from, to) = std::mem::take(&mut range);
                        if !from.is_empty() {
                            entry.ranges.insert((from, to));
                        }
                    }
                    _ if value.is_empty() => {}
                    ("INDIVIDUAL", "FIRST_NAME") => names[0] = value,
                    ("INDIVIDUAL", "SECOND_NAME") => names[1] = value,
                    ("INDIVIDUAL", "THIRD_NAME") => names[2] = value,
                    ("INDIVIDUAL", "FOURTH_NAME") => names[3] = value,
                    ("INDIVIDUAL_ALIAS", "ALIAS_NAME") => {
                        entry.names.insert(value);
                    }
                    ("INDIVIDUAL_DATE_OF_BIRTH", "DATE" | "YEAR") => {
                        entry.birth_dates.insert(value);
                    }
                    ("INDIVIDUAL_DATE_OF_BIRTH", "FROM_YEAR") => range.0 = value,
                    ("INDIVIDUAL_DATE_OF_BIRTH", "TO_YEAR") => range.1 = value,
                    ("NATIONALITY", "VALUE") => {
                        entry.nationalities.insert(value, 1);
                    }
                    ("INDIVIDUAL_DOCUMENT", "NUMBER") => {
                        entry.documents.insert(value);
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    entries
}

/// The UK list's individuals, by Group ID: the lines of their rows.
fn uk_entries() -> Vec<Entry> {
    let bytes = std::fs::read(input("uk_ofsi_consolidated")).expect("UK fixture");
    // The line a record starts on, counted from its byte offset.
    let line_at = |offset: u64| {
        let mut offset = usize::try_from(offset).expect("offset");
        while matches!(bytes.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count()
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut records = reader.records();
    let title = records.next().expect("title line").expect("record");
    assert!(title[0].starts_with("Last Updated"), "{title:?}");
    let header = records.next().expect("header").expect("record");
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let mut groups: BTreeMap<String, Entry> = BTreeMap::new();
    for record in records {
        let record = record.expect("record");
        if &record[at("Group Type")] != "Individual" {
            continue;
        }
        let line = line_at(record.position().expect("position").byte());
        let entry = groups.entry(record[at("Group ID")].to_owned()).or_default();
        entry.locators.insert(format!("line {line}"));
        let parts: Vec<&str> = ["Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6"]
            .iter()
            .map(|n| record[at(n)].trim())
            .filter(|n| !n.is_empty())
            .collect();
        entry.names.insert(parts.join(" "));
        let script = record[at("Name Non-Latin Script")].trim();
        if !script.is_empty() {
            entry.names.insert(script.to_owned());
        }
        let dob = record[at("DOB")].trim();
        if !dob.is_empty() {
            let pieces: Vec<&str> = dob.split('/').collect();
            let date = match pieces.as_slice() {
                [year] => (*year).to_owned(),
                ["00", "00", year] => (*year).to_owned(),
                ["00", month, year] | [month, year] => format!("{year}-{month}"),
                [day, month, year] => format!("{year}-{month}-{day}"),
                _ => panic!("a date of birth the list does not write: {dob}"),
            };
            entry.birth_dates.insert(date);
        }
        let nationality = record[at("Nationality")].trim();
        if !nationality.is_empty() {
            entry
                .nationalities
                .insert(nationality.to_owned(), numbered(nationality).len());
        }
        for column in ["Passport Number", "National Identification Number"] {
            for document in numbered(&record[at(column)]) {
                entry.documents.insert(document);
            }
        }
    }
    groups.into_values().collect()
}

/// The rows of `view` whose locator is inside the entry.
fn rows_of(sandbox: &Sandbox, view: &str, agency: &str, entry: &Entry) -> Vec<Value> {
    sandbox
        .query(&format!(
            "SELECT * FROM {view} WHERE agency = '{agency}' ORDER BY source_locator"
        ))
        .into_iter()
        .filter(|row| {
            let locator = row["source_locator"].as_str().unwrap_or_default();
            entry.locators.iter().any(|l| {
                locator == l
                    || locator
                        .strip_prefix(l.as_str())
                        .is_some_and(|rest| rest.starts_with(','))
            })
        })
        .collect()
}

fn texts(rows: &[Value], column: &str) -> BTreeSet<String> {
    rows.iter()
        .filter_map(|r| r[column].as_str().map(str::to_owned))
        .collect()
}

fn check_list(pipeline: &str, agency: &str, entries: Vec<Entry>, seed: u64) {
    let sandbox = Sandbox::new();
    let path = workspace_root()
        .join("pipelines")
        .join(format!("{pipeline}.toml"));
    let output = sandbox.jstac(&["run", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(entries.len() >= PICKED, "{} entries", entries.len());
    for entry in pick(&entries, PICKED, seed) {
        let at = entry.locators.iter().next().expect("a locator").clone();
        let names = rows_of(&sandbox, "analyst_person_names", agency, &entry);
        let persons = texts(&names, "person_key");
        assert_eq!(persons.len(), 1, "{at}: one person, not {persons:?}");
        let written = texts(&names, "full_name");
        for name in &entry.names {
            assert!(
                written.contains(name),
                "{at}: name {name:?} not in {written:?}"
            );
        }

        let births = rows_of(&sandbox, "analyst_person_birth_dates", agency, &entry);
        let dates = texts(&births, "date_of_birth");
        for date in &entry.birth_dates {
            assert!(dates.contains(date), "{at}: born {date} not in {dates:?}");
        }
        for (from, to) in &entry.ranges {
            assert!(
                births.iter().any(|b| b["range_from"] == from.as_str()
                    && b["range_to"] == to.as_str()
                    && b["precision"] == "range"),
                "{at}: born {from}-{to} not in {births:?}"
            );
        }
        for row in &births {
            // A text no date format reads (a Hijri date) is kept as text,
            // with no precision.
            let date = row["date_of_birth"].as_str().unwrap_or_default();
            let expected = match date.len() {
                0 if row["range_from"].is_string() => Some("range"),
                0 => None,
                4 => Some("year"),
                7 => Some("month"),
                _ => Some("day"),
            };
            assert_eq!(row["precision"].as_str(), expected, "{at}: {row}");
        }

        let nationalities = rows_of(&sandbox, "analyst_person_nationalities", agency, &entry);
        for (text, countries) in &entry.nationalities {
            // What a list writes for no nationality is none.
            let countries = if ["na", "n/a", "unknown", "not known", "stateless", "none"]
                .contains(&text.to_lowercase().as_str())
            {
                &0
            } else {
                countries
            };
            let found = nationalities
                .iter()
                .filter(|n| n["country_text"] == text.as_str())
                .count();
            assert!(
                found == 0 && *countries == 0 || found >= 1 && found <= *countries,
                "{at}: nationality {text:?} gave {found} of {countries} countries: {nationalities:?}"
            );
        }

        let identifiers = rows_of(&sandbox, "analyst_person_identifiers", agency, &entry);
        let numbers = texts(&identifiers, "identifier");
        for document in &entry.documents {
            assert!(
                numbers.contains(document),
                "{at}: document {document:?} not in {numbers:?}"
            );
        }
        assert!(
            texts(&identifiers, "person_key").len() <= 1,
            "{at}: documents of one person"
        );
    }
}

#[test]
fn the_un_list_keeps_every_value_of_entries_picked_at_random() {
    check_list("un_sc_consolidated", "un-sc", un_entries(), 15);
}

#[test]
fn the_uk_list_keeps_every_value_of_entries_picked_at_random() {
    check_list("uk_ofsi_consolidated", "uk-ofsi", uk_entries(), 16);
}
