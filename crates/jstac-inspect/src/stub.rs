//! The starting pipeline file: agency and dataset placeholders, the plugin
//! and the options inspect read the file with, and a mapping stub. Columns
//! are guessed from field names (only where the inferred type fits the
//! column), keys from fields that look like identifiers and were present
//! and unique in the sample. Every field is listed, commented with its
//! inferred type, date format and empty share, so the engineer edits
//! rather than writes.

use std::fmt::Write as _;

use jstac_core::catalog::{self, ColumnType, TableDef};
use serde_json::Value as Json;

mod encode;

pub use encode::toml_string;
use encode::{comment, write_options};

use crate::profile::FieldReport;

/// What the stub is written from.
#[derive(Debug, Clone)]
pub struct StubInput<'a> {
    /// The inspected file's name (for the header comment).
    pub file_name: &'a str,
    pub plugin: &'a str,
    /// `source.path`: a glob relative to where the pipeline file will be.
    pub source_path: &'a str,
    /// The plugin options inspect used (a JSON object).
    pub options: &'a Json,
    pub fields: &'a [FieldReport],
    pub sampled: u64,
}

/// The placeholder the engineer must replace with the agency.
pub const AGENCY_PLACEHOLDER: &str = "AGENCY";
/// The placeholder the engineer must replace with the dataset name.
pub const DATASET_PLACEHOLDER: &str = "DATASET";

const PERSON_COLUMNS: &[(&str, &[&str])] = &[
    (
        "date_of_birth",
        &["dob", "dateofbirth", "birthdate", "birthday"],
    ),
    ("family_name", &["surname", "familyname", "lastname"]),
    (
        "given_names",
        &[
            "forenames",
            "forename",
            "givennames",
            "givenname",
            "firstname",
            "firstnames",
        ],
    ),
    ("full_name", &["fullname", "name"]),
    ("gender", &["gender", "sex"]),
    ("nationality", &["nationality", "citizenship"]),
    ("postcode", &["homepostcode", "personpostcode"]),
];

const EVENT_COLUMNS: &[(&str, &[&str])] = &[
    (
        "occurred_to",
        &[
            "dateto",
            "occurredto",
            "enddate",
            "dateclosed",
            "caseclosed",
            "statusdate",
        ],
    ),
    (
        "reported_on",
        &[
            "reporteddate",
            "reportedon",
            "datereported",
            "created",
            "datecreated",
            "reportdate",
            "received",
            "datereceived",
            "receiveddate",
            "referraldate",
        ],
    ),
    (
        "occurred_from",
        &[
            "datefrom",
            "occurredfrom",
            "startdate",
            "eventdate",
            "incidentdate",
            "encounterdate",
            "date",
            "caseopened",
            "dateissued",
            "inspectiondate",
        ],
    ),
    (
        "category",
        &[
            "offence",
            "category",
            "crimetype",
            "offencetype",
            "type",
            "encountertype",
            "sector",
        ],
    ),
    ("status", &["status", "outcome"]),
    ("postcode", &["postcode", "locationpostcode", "postalcode"]),
    (
        "location",
        &["location", "town", "premises", "port", "place", "address"],
    ),
    (
        "organised_crime",
        &["ocgflag", "ocg", "organisedcrime", "organisedcrimegroup"],
    ),
    (
        "amount_gbp",
        &[
            "amountgbp",
            "amount",
            "estproceedsgbp",
            "proceeds",
            "totalarrears",
        ],
    ),
];

/// `Person.Date of Birth` → `dateofbirth`: the group prefix dropped, lower-case letters and digits.
fn normalise(field: &str) -> String {
    let name = field.rsplit_once('.').map_or(field, |(_, name)| name);
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn synonyms(table: &TableDef) -> &'static [(&'static str, &'static [&'static str])] {
    if table.name == "persons" {
        PERSON_COLUMNS
    } else {
        EVENT_COLUMNS
    }
}

/// The column of `table` a field's name suggests.
fn guess_column(table: &TableDef, field: &str) -> Option<&'static str> {
    let name = normalise(field);
    synonyms(table)
        .iter()
        .find(|(_, words)| {
            words
                .iter()
                .any(|w| name == *w || (w.len() >= 5 && name.ends_with(w)))
        })
        .map(|(column, _)| *column)
}

/// Whether a field of this inferred type can fill a column of that type.
fn fits(column: ColumnType, field: &FieldReport) -> bool {
    let inferred = field.inferred.column_type();
    match column {
        ColumnType::Text => true,
        ColumnType::Decimal => matches!(inferred, ColumnType::Decimal | ColumnType::Integer),
        other => inferred == other,
    }
}

fn looks_like_identifier(field: &str) -> bool {
    let name = normalise(field);
    ["ref", "reference", "id", "number", "no", "key", "code"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
        && !name.ends_with("postcode")
}

fn person_like_identifier(field: &str) -> bool {
    let name = normalise(field);
    [
        "nominal",
        "person",
        "worker",
        "subject",
        "individual",
        "hore",
        "pnc",
    ]
    .iter()
    .any(|w| name.contains(w))
}

/// One entity of the stub.
#[derive(Debug)]
struct Entity<'f> {
    name: String,
    table: &'static TableDef,
    key: Vec<String>,
    key_note: &'static str,
    fields: Vec<&'f FieldReport>,
    columns: Vec<(&'static str, &'f FieldReport)>,
}

impl<'f> Entity<'f> {
    fn new(name: &str, table: &'static TableDef, fields: Vec<&'f FieldReport>) -> Self {
        let mut columns: Vec<(&'static str, &'f FieldReport)> = Vec::new();
        for field in &fields {
            let Some(column) = guess_column(table, &field.name) else {
                continue;
            };
            let Some(def) = table.column(column) else {
                continue;
            };
            if fits(def.ty, field) && !columns.iter().any(|(c, _)| *c == column) {
                columns.push((column, field));
            }
        }
        Entity {
            name: name.to_owned(),
            table,
            key: Vec::new(),
            key_note: "",
            fields,
            columns,
        }
    }

    fn score(&self) -> usize {
        self.columns.len()
    }
}

fn score(table: &'static TableDef, fields: &[&FieldReport]) -> usize {
    Entity::new("probe", table, fields.to_vec()).score()
}

/// Chooses keys: identifier-like fields present in every sampled record,
/// unique ones first; a person entity takes person-like identifiers.
/// With `beside_event`, a person entity shares its record with an event
/// entity: it takes only identifiers that name people (`NominalRef`,
/// `Person ID`), or else the person's names, never the event's reference.
fn choose_key(entity: &mut Entity<'_>, avoid: &[String], prefix: &[String], beside_event: bool) {
    let present: Vec<&FieldReport> = entity
        .fields
        .iter()
        .copied()
        .filter(|f| f.nulls == 0 && f.observed > 0 && !avoid.contains(&f.name))
        .collect();
    let persons = entity.table.name == "persons";
    let rank = |f: &&FieldReport| {
        let id = looks_like_identifier(&f.name);
        let person = person_like_identifier(&f.name);
        let fit = if persons { person } else { !person };
        (!id, !fit, !f.unique)
    };
    let mut candidates: Vec<&FieldReport> = present
        .iter()
        .copied()
        .filter(|f| looks_like_identifier(&f.name) || f.unique)
        .filter(|f| {
            !(persons && beside_event)
                || (looks_like_identifier(&f.name) && person_like_identifier(&f.name))
        })
        .collect();
    candidates.sort_by_key(rank);
    match candidates.first() {
        Some(best)
            if best.unique
                || (persons
                    && looks_like_identifier(&best.name)
                    && person_like_identifier(&best.name)) =>
        {
            entity.key = vec![best.name.clone()];
            entity.key_note = if best.unique {
                "guessed: present and unique in the sample"
            } else {
                "guessed: the person's identifier (repeated: the same person met again)"
            };
        }
        Some(best) if !prefix.is_empty() || !persons => {
            entity.key = prefix.iter().cloned().chain([best.name.clone()]).collect();
            entity.key_note = "guessed: an identifier, repeated in the sample (one row per value)";
        }
        _ => {
            // People without an identifier: who they are, as named.
            let named: Vec<String> = entity
                .columns
                .iter()
                .filter(|(c, _)| {
                    matches!(
                        *c,
                        "family_name" | "given_names" | "full_name" | "date_of_birth"
                    )
                })
                .map(|(_, f)| f.name.clone())
                .collect();
            if !named.is_empty() {
                entity.key = prefix.iter().cloned().chain(named).collect();
                entity.key_note = "guessed: no identifier; the person's names and date of birth";
            } else {
                let first = entity
                    .fields
                    .first()
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                entity.key = prefix.iter().cloned().chain([first]).collect();
                entity.key_note = "CHECK: no field looks like an identifier";
            }
        }
    }
}

/// Renders the starting pipeline file.
pub fn render(input: &StubInput<'_>) -> String {
    let persons = catalog::table("persons").expect("persons table");
    let events = catalog::table("events").expect("events table");
    let singles: Vec<&FieldReport> = input.fields.iter().filter(|f| !f.list).collect();
    let mut groups: Vec<(String, Vec<&FieldReport>)> = Vec::new();
    for field in input.fields.iter().filter(|f| f.list) {
        let group = field
            .name
            .split_once('.')
            .map_or(field.name.as_str(), |(g, _)| g);
        match groups.iter_mut().find(|(g, _)| g == group) {
            Some((_, fields)) => fields.push(field),
            None => groups.push((group.to_owned(), vec![field])),
        }
    }

    // The record's own fields: one entity, or an event and a person when
    // the names suggest both (a crime row naming a person).
    let mut entities: Vec<Entity<'_>> = Vec::new();
    let (person_score, event_score) = (score(persons, &singles), score(events, &singles));
    if person_score >= 2 && event_score >= 2 {
        entities.push(Entity::new("event", events, singles.clone()));
        entities.push(Entity::new("person", persons, singles.clone()));
    } else if person_score > event_score {
        entities.push(Entity::new("person", persons, singles.clone()));
    } else {
        entities.push(Entity::new("record", events, singles.clone()));
    }
    for (group, fields) in &groups {
        let table = if score(events, fields) > score(persons, fields) {
            events
        } else {
            persons
        };
        entities.push(Entity::new(&snake(group), table, fields.clone()));
    }

    // Keys, each entity avoiding the fields a sibling took.
    let mut taken: Vec<String> = Vec::new();
    let record_count = entities.len() - groups.len();
    let mut order: Vec<usize> = (0..record_count).collect();
    // Events first: a person beside an event avoids the event's reference.
    order.sort_by_key(|&i| entities[i].table.name == "persons");
    for &index in &order {
        let avoid = taken.clone();
        choose_key(&mut entities[index], &avoid, &[], record_count == 2);
        taken.extend(entities[index].key.clone());
    }
    let record_key = entities[0].key.clone();
    for entity in entities.iter_mut().skip(record_count) {
        let fields_unique = entity
            .fields
            .iter()
            .any(|f| f.unique && looks_like_identifier(&f.name));
        let prefix = if fields_unique {
            Vec::new()
        } else {
            record_key.clone()
        };
        choose_key(entity, &[], &prefix, false);
    }
    // An event's reference is its identifier when nothing else fills it.
    for entity in &mut entities {
        if entity.table.name == "events"
            && !entity.columns.iter().any(|(c, _)| *c == "reference")
            && entity.key.len() == 1
            && looks_like_identifier(&entity.key[0])
            && let Some(field) = entity.fields.iter().find(|f| f.name == entity.key[0])
        {
            entity.columns.insert(0, ("reference", field));
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Starting pipeline for {}, written by `jstac inspect` from {} sampled record(s).",
        comment(input.file_name),
        input.sampled
    );
    out.push_str(
        "# 1. Set agency and dataset. 2. Check each entity's table, key and columns: they are\n\
         #    guessed from field names and sampled values; every field is listed below with\n\
         #    its inferred type. 3. Put sample files in tests/NAME/input/ beside this file and\n\
         #    run `jstac pipeline test --update` on it, review expected/, then `jstac pipeline test`.\n\
         # See docs/adding-an-adapter.md. Save it in the pipelines directory: source.path is\n\
         # relative to this file.\n",
    );
    let _ = writeln!(
        out,
        "description = {}",
        toml_string(&format!(
            "TODO: what this extract is (from {})",
            input.file_name
        ))
    );
    let _ = writeln!(
        out,
        "agency = \"{AGENCY_PLACEHOLDER}\"  # police, nca, border-force, immigration-enforcement, hmrc, glaa or nrm"
    );
    let _ = writeln!(
        out,
        "dataset = \"{DATASET_PLACEHOLDER}\"  # a short name for this extract, part of every row's key"
    );
    let _ = writeln!(out, "plugin = {}", toml_string(input.plugin));
    out.push_str("\n[source]\n");
    let _ = writeln!(out, "path = {}", toml_string(input.source_path));
    write_options(&mut out, input.options);

    // Fields no entity maps, listed once, under the first entity that reads them.
    let mapped: Vec<&str> = entities
        .iter()
        .flat_map(|e| {
            e.columns
                .iter()
                .map(|(_, f)| f.name.as_str())
                .chain(e.key.iter().map(String::as_str))
        })
        .chain(
            input
                .fields
                .iter()
                .filter(|f| link_field(f))
                .map(|f| f.name.as_str()),
        )
        .collect();
    let mut listed: Vec<String> = Vec::new();
    for entity in &entities {
        let _ = writeln!(out, "\n[entities.{}]", entity.name);
        let _ = writeln!(out, "table = \"{}\"", entity.table.name);
        let key: Vec<String> = entity.key.iter().map(|k| toml_string(k)).collect();
        let _ = writeln!(out, "key = [{}]  # {}", key.join(", "), entity.key_note);
        let _ = writeln!(out, "\n[entities.{}.columns]", entity.name);
        if entity.table.name == "events" {
            out.push_str("# event_type = { value = \"...\" }  # what kind of event a row is\n");
        }
        for (column, field) in &entity.columns {
            let required = *column == "reference";
            let _ = writeln!(
                out,
                "{column} = {}  # {}",
                column_rule(field, required),
                describe(field)
            );
        }
        let unmapped: Vec<&&FieldReport> = entity
            .fields
            .iter()
            .filter(|f| !mapped.contains(&f.name.as_str()) && !listed.contains(&f.name))
            .collect();
        if !unmapped.is_empty() {
            let columns: Vec<&str> = entity.table.columns.iter().map(|c| c.name).collect();
            let _ = writeln!(
                out,
                "# Not mapped (columns of {}: {}):",
                entity.table.name,
                columns.join(", ")
            );
            for field in unmapped {
                let _ = writeln!(
                    out,
                    "#   {} : {}",
                    toml_string(&field.name),
                    describe(field)
                );
                listed.push(field.name.clone());
            }
        }
    }

    // Links: a person to the record's event, a group's entity to the record.
    let first = &entities[0];
    let mut links: Vec<(&Entity<'_>, &Entity<'_>, Vec<&FieldReport>)> = Vec::new();
    if record_count == 2 {
        links.push((&entities[1], &entities[0], singles.clone()));
    }
    for entity in &entities[record_count..] {
        links.push((entity, first, entity.fields.clone()));
    }
    for (from, to, fields) in links {
        let _ = writeln!(
            out,
            "\n[[links]]\nfrom = \"{}\"\nto = \"{}\"",
            from.name, to.name
        );
        let role = fields.iter().find(|f| normalise(&f.name) == "role");
        let age = fields.iter().find(|f| {
            let name = normalise(&f.name);
            name.starts_with("age") && f.inferred.column_type() == ColumnType::Integer
        });
        out.push_str("\n[links.columns]\n");
        match role {
            Some(field) => {
                let _ = writeln!(
                    out,
                    "role = {{ field = {}, required = true }}  # {}",
                    toml_string(&field.name),
                    describe(field)
                );
            }
            None => out
                .push_str("role = { value = \"linked\" }  # CHECK: the role of one in the other\n"),
        }
        if let Some(field) = age {
            let _ = writeln!(
                out,
                "age_at_event = {}  # {}",
                toml_string(&field.name),
                describe(field)
            );
        }
    }
    out
}

/// A field the links read: a role, or an age at the event.
fn link_field(field: &FieldReport) -> bool {
    let name = normalise(&field.name);
    name == "role"
        || (name.starts_with("age") && field.inferred.column_type() == ColumnType::Integer)
}

/// `Subject` → `subject`, `PersonDetails` → `person_details`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    if out.is_empty() { "group".into() } else { out }
}

/// `text`, `date %d/%m/%Y`, `integer`; the empty share; any note: for a
/// comment.
fn describe(field: &FieldReport) -> String {
    let mut text = field.inferred.ty.to_owned();
    if let Some(format) = &field.inferred.format {
        let _ = write!(text, " {format}");
    }
    let _ = write!(text, ", {:.0}% empty", field.null_rate * 100.0);
    if field.unique {
        text.push_str(", unique");
    }
    if field.list {
        text.push_str(", one per group element");
    }
    if let Some(note) = &field.inferred.note {
        let _ = write!(text, "; {note}");
    }
    comment(&text)
}

fn column_rule(field: &FieldReport, required: bool) -> String {
    let name = toml_string(&field.name);
    match (&field.inferred.format, required) {
        (Some(format), _) => format!(
            "{{ field = {name}, format = {}{} }}",
            toml_string(format),
            if required { ", required = true" } else { "" }
        ),
        (None, true) => format!("{{ field = {name}, required = true }}"),
        (None, false) => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Inferred;
    use crate::profile::infer;
    use jstac_core::Kind;
    use serde_json::json;

    fn field(name: &str, values: &[&str], unique: bool) -> FieldReport {
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        let inferred: Inferred = infer(&values, &[Kind::Text]);
        FieldReport {
            name: name.to_owned(),
            list: name.contains('.'),
            inferred,
            observed: 2,
            nulls: 0,
            null_rate: 0.0,
            unique,
            samples: Vec::new(),
        }
    }

    #[test]
    fn a_crime_row_naming_a_person_becomes_an_event_a_person_and_a_link() {
        let fields = vec![
            field("CrimeRef", &["13/1", "13/1"], false),
            field("Offence", &["MSA s1", "MSA s2"], false),
            field("DateFrom", &["28/08/2016", "13/02/2016"], false),
            field("NominalRef", &["N1", "N2"], true),
            field("Role", &["Victim", "Suspect"], false),
            field("Surname", &["A", "B"], false),
            field("DOB", &["01/02/1990", "13/02/1980"], false),
            field("AgeAtOffence", &["26", "36"], false),
        ];
        let stub = render(&StubInput {
            file_name: "x.csv",
            plugin: "csv",
            source_path: "../incoming/*.csv",
            options: &json!({ "delimiter": ",", "encoding": "utf-8" }),
            fields: &fields,
            sampled: 2,
        });
        for expected in [
            "options = { delimiter = \",\", encoding = \"utf-8\" }",
            "[entities.event]\ntable = \"events\"\nkey = [\"CrimeRef\"]",
            "reference = { field = \"CrimeRef\", required = true }",
            "occurred_from = { field = \"DateFrom\", format = \"%d/%m/%Y\" }",
            "category = \"Offence\"",
            "[entities.person]\ntable = \"persons\"\nkey = [\"NominalRef\"]",
            "family_name = \"Surname\"",
            "date_of_birth = { field = \"DOB\", format = \"%d/%m/%Y\" }",
            "[[links]]\nfrom = \"person\"\nto = \"event\"",
            "role = { field = \"Role\", required = true }",
            "age_at_event = \"AgeAtOffence\"",
        ] {
            assert!(stub.contains(expected), "missing {expected:?} in\n{stub}");
        }
    }

    #[test]
    fn a_repeated_group_becomes_its_own_entity_keyed_within_its_record() {
        let fields = vec![
            field("ReportId", &["R1", "R2"], true),
            field("Created", &["2016-01-02", "2016-01-03"], false),
            field("Subject.Id", &["1", "1"], false),
            field("Subject.FamilyName", &["A", "B"], false),
            field("Subject.role", &["victim", "suspect"], false),
        ];
        let options = json!({
            "record": "/ir:Feed/ir:Report",
            "namespaces": { "ir": "urn:x" },
            "fields": { "ReportId": "@id", "Created": "ir:Created" },
            "groups": { "Subject": { "path": "ir:Subjects/ir:Subject", "fields": { "Id": "@id", "FamilyName": "ir:FamilyName", "role": "@role" } } }
        });
        let stub = render(&StubInput {
            file_name: "x.xml",
            plugin: "xml",
            source_path: "x/*.xml",
            options: &options,
            fields: &fields,
            sampled: 2,
        });
        for expected in [
            "[source.options]\nrecord = \"/ir:Feed/ir:Report\"\nnamespaces = { ir = \"urn:x\" }\nfields = { Created = \"ir:Created\", ReportId = \"@id\" }",
            "[source.options.groups.Subject]\npath = \"ir:Subjects/ir:Subject\"\nfields = { FamilyName = \"ir:FamilyName\", Id = \"@id\", role = \"@role\" }",
            "[entities.record]\ntable = \"events\"\nkey = [\"ReportId\"]",
            "reported_on = { field = \"Created\", format = \"%Y-%m-%d\" }",
            "[entities.subject]\ntable = \"persons\"\nkey = [\"ReportId\", \"Subject.Id\"]",
            "family_name = \"Subject.FamilyName\"",
            "from = \"subject\"\nto = \"record\"",
            "role = { field = \"Subject.role\", required = true }",
        ] {
            assert!(stub.contains(expected), "missing {expected:?} in\n{stub}");
        }
    }

    #[test]
    fn a_stub_names_any_field_exactly_and_parses_as_toml() {
        // DEL (U+007F) is a control character TOML strings must escape.
        let name = "Ref\u{7f} \"quoted\" back\\slash Żółć\ttab";
        let fields = vec![
            field(name, &["R1", "R2"], true),
            field("Surname", &["A", "B"], false),
        ];
        let stub = render(&StubInput {
            file_name: "odd\u{7f}\nname.csv",
            plugin: "csv",
            source_path: "x/*.csv",
            options: &json!({ "delimiter": "\u{7f}" }),
            fields: &fields,
            sampled: 2,
        });
        let document: toml_edit::DocumentMut = stub
            .parse()
            .unwrap_or_else(|e| panic!("not TOML: {e}\n{stub}"));
        let entity = document["entities"]
            .as_table()
            .and_then(|entities| entities.iter().next())
            .map(|(_, entity)| entity)
            .expect("an entity");
        let key: Vec<&str> = entity["key"]
            .as_array()
            .expect("key = [...]")
            .iter()
            .filter_map(|field| field.as_str())
            .collect();
        assert_eq!(key, [name], "{stub}");
        assert_eq!(
            document["source"]["options"]["delimiter"].as_str(),
            Some("\u{7f}")
        );
        assert!(
            document["description"]
                .as_str()
                .is_some_and(|d| d.contains("odd\u{7f}\nname.csv")),
            "{stub}"
        );
    }
}
