//! The checks, from JSON specs (as the mapping's tests build them) and
//! from TOML text (as files are read), each mistake named and located.

use serde_json::Value as Json;

use super::*;
use crate::grading::{GradePart, GradeSource};

fn spec(toml_like: Json) -> PipelineSpec {
    serde_json::from_value(toml_like).expect("spec deserializes")
}

fn errors(spec: &PipelineSpec) -> Vec<String> {
    spec.check()
        .err()
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn base() -> Json {
    serde_json::json!({
        "agency": "police",
        "dataset": "test",
        "plugin": "csv",
        "source": { "path": "x.csv" },
        "entities": {
            "person": {
                "table": "persons",
                "key": ["Ref"],
                "columns": {
                    "family_name": "Surname",
                    "date_of_birth": { "field": "DOB", "format": "%d/%m/%Y" }
                }
            }
        }
    })
}

#[test]
fn a_good_pipeline_checks() {
    let checked = spec(base()).check().expect("valid");
    assert_eq!(checked.entities.len(), 1);
    let fields: Vec<_> = checked.source_fields().map(|(_, f)| f.to_owned()).collect();
    assert_eq!(fields, ["Ref", "DOB", "Surname"]);
}

#[test]
fn each_mistake_names_its_key() {
    let mut json = base();
    json["agency"] = "Interpol".into();
    let columns = &mut json["entities"]["person"]["columns"];
    columns["shoe_size"] = "Shoes".into();
    columns["date_of_birth"] = serde_json::json!({ "field": "DOB", "type": "dat" });
    columns["gender"] = serde_json::json!({ "field": "G", "value": "F" });
    json["links"] = serde_json::json!([{ "from": "person", "to": "crime" }]);
    let found = errors(&spec(json));
    let expected = [
        "agency: an agency code: lower-case letters, digits and '-' (see `jstac agencies`)",
        "entities.person.columns.date_of_birth.type: unknown type \"dat\"; expected one of text, integer, decimal, boolean, date, timestamp",
        "entities.person.columns.gender: give one of field, value, coalesce or template",
        "entities.person.columns.shoe_size: table persons has no column \"shoe_size\"; it has family_name, given_names, full_name, date_of_birth, gender, nationality, postcode",
        "links[0].to: no entity \"crime\" in this pipeline",
    ];
    assert_eq!(found, expected);
}

#[test]
fn date_formats_must_name_a_full_date() {
    let mut json = base();
    // No format: ISO 8601 text and typed date cells only.
    json["entities"]["person"]["columns"]["date_of_birth"] = "DOB".into();
    assert_eq!(errors(&spec(json.clone())), Vec::<String>::new());
    json["entities"]["person"]["columns"]["date_of_birth"] =
        serde_json::json!({ "field": "DOB", "format": "%m/%Y" });
    assert_eq!(
        errors(&spec(json)),
        [
            "entities.person.columns.date_of_birth.format: date format \"%m/%Y\" does not name a full date (day, month and year); with partial = true it may name a year or a month"
        ]
    );
}

#[test]
fn constants_are_converted_when_checked() {
    let mut json = base();
    json["entities"]["person"]["columns"]["date_of_birth"] =
        serde_json::json!({ "value": "yesterday", "format": "%Y-%m-%d" });
    assert_eq!(
        errors(&spec(json)),
        ["entities.person.columns.date_of_birth.value: does not match date format %Y-%m-%d"]
    );
}

/// A pipeline whose person maps `columns` (merged over the base's), with
/// `lookups`, and the mistakes its check reports.
fn mistakes(columns: Json, lookups: Json) -> Vec<String> {
    let mut json = base();
    if let Json::Object(columns) = columns {
        for (name, rule) in columns {
            json["entities"]["person"]["columns"][name] = rule;
        }
    }
    json["lookups"] = lookups;
    errors(&spec(json))
}

#[test]
fn good_normalisers_lookups_and_date_options_check() {
    let found = mistakes(
        serde_json::json!({
            "nationality": { "field": "Nat", "normalise": "country", "on_invalid": "keep" },
            "postcode": { "field": "PC", "normalise": "postcode", "on_invalid": "null" },
            "full_name": { "field": "Name", "normalise": "full-name", "order": "family-first" },
            "gender": { "field": "Sex", "lookup": "sexes" },
            "date_of_birth": { "field": "DOB", "format": ["%d/%m/%Y", "%m/%Y", "%Y", "%d-%b-%y"],
                               "partial": true, "excel": "1900", "pivot": 1920 }
        }),
        serde_json::json!({ "sexes": { "F": "female", "M": "male", "N/K": "" } }),
    );
    assert_eq!(found, Vec::<String>::new());
    let mut json = base();
    json["entities"]["person"]["columns"]["nationality"] =
        serde_json::json!({ "field": "Nat", "normalise": "country" });
    json["entities"]["person"]["columns"]["family_name"] =
        serde_json::json!({ "field": "Surname", "normalise": "family-name" });
    let checked = spec(json).check().expect("valid");
    let counted: Vec<_> = checked.entities[0]
        .columns
        .iter()
        .filter_map(|c| c.counted_as().map(|n| (c.column, n)))
        .collect();
    assert_eq!(
        counted,
        [
            ("family_name", "family-name".to_owned()),
            ("nationality", "country".to_owned())
        ]
    );
}

#[test]
fn each_normaliser_lookup_and_date_mistake_names_its_key() {
    let none = serde_json::json!({});
    let cases: Vec<(Json, Json, Vec<&str>)> = vec![
        (
            serde_json::json!({ "nationality": { "field": "Nat", "normalise": "contry" } }),
            none.clone(),
            vec![
                "entities.person.columns.nationality.normalise: unknown normaliser \"contry\"; expected one of country, postcode, phone, nino, passport, vehicle, family-name, given-names, full-name",
            ],
        ),
        (
            serde_json::json!({ "date_of_birth": { "field": "DOB", "normalise": "country" } }),
            none.clone(),
            vec![
                "entities.person.columns.date_of_birth.normalise: normaliser \"country\" gives text; this column is date",
            ],
        ),
        (
            serde_json::json!({ "nationality": { "value": "British", "normalise": "country" } }),
            none.clone(),
            vec![
                "entities.person.columns.nationality.normalise: applies to a source field; a constant is stored as written",
            ],
        ),
        (
            serde_json::json!({ "nationality": { "field": "Nat", "normalise": "country", "lookup": "nats" } }),
            serde_json::json!({ "nats": { "AL": "ALB" } }),
            vec!["entities.person.columns.nationality: give either normalise or lookup, not both"],
        ),
        (
            serde_json::json!({ "full_name": { "field": "Name", "normalise": "full-name", "order": "surname-first" },
                                "given_names": { "field": "F", "normalise": "given-names", "order": "auto" } }),
            none.clone(),
            vec![
                "entities.person.columns.full_name.order: unknown order \"surname-first\"; expected one of given-first, family-first, auto",
                "entities.person.columns.given_names.order: only a full name (normalise = \"full-name\") is read in an order",
            ],
        ),
        (
            serde_json::json!({ "family_name": { "field": "Surname", "normalise": "family-name" },
                                "full_name": { "field": "Name", "normalise": "family-name" } }),
            none.clone(),
            vec![
                "entities.person.columns.full_name.normalise: the entity already reads a family name (entities.person.columns.family_name)",
            ],
        ),
        (
            serde_json::json!({ "nationality_text": "Nat", "name_key": "Key" }),
            none.clone(),
            vec![
                "entities.person.columns.name_key: filled by the mapping with the name's match key; give the name columns normalise = \"family-name\", \"given-names\" or \"full-name\"",
                "entities.person.columns.nationality_text: filled by the mapping with the source text of nationality; map nationality instead",
            ],
        ),
        (
            serde_json::json!({ "gender": { "field": "Sex", "lookup": "sex" } }),
            serde_json::json!({ "sexes": { "F": "female" } }),
            vec![
                "entities.person.columns.gender.lookup: unknown lookup \"sex\"; the pipeline's lookups are sexes",
                "lookups.sexes: not used by any column (lookup = \"sexes\")",
            ],
        ),
        (
            serde_json::json!({ "gender": { "field": "Sex", "lookup": "sexes" } }),
            none.clone(),
            vec![
                "entities.person.columns.gender.lookup: unknown lookup \"sexes\"; the pipeline has no [lookups] tables",
            ],
        ),
        (
            serde_json::json!({ "gender": { "field": "Sex", "lookup": "sexes" },
                                "date_of_birth": { "field": "DOB", "lookup": "dobs" } }),
            serde_json::json!({
                "sexes": { "F": "female", "f": "female", "": "none" },
                "dobs": { "N/K": "not known" },
                "empty": {}
            }),
            vec![
                "lookups.dobs.\"N/K\": not an ISO 8601 date (YYYY-MM-DD); give the column a format (as entities.person.columns.date_of_birth needs)",
                "lookups.empty: is empty",
                "lookups.sexes.\"\": an empty source value never reaches a lookup (it is null)",
                "lookups.sexes: source values \"F\" and \"f\" differ only in case or surrounding space (lookups ignore both)",
            ],
        ),
        (
            serde_json::json!({
                "nationality": { "field": "Nat", "normalise": "country", "on_invalid": "drop" },
                "postcode": { "field": "PC", "on_invalid": "null" },
                "date_of_birth": { "field": "DOB", "on_invalid": "keep" },
                "gender": { "field": "Sex", "lookup": "sexes", "on_invalid": "null", "required": true }
            }),
            serde_json::json!({ "sexes": { "F": "female" } }),
            vec![
                "entities.person.columns.date_of_birth.on_invalid: \"keep\" would store unconverted text in a date column; use \"null\" or \"quarantine\"",
                "entities.person.columns.gender.on_invalid: \"null\" contradicts required = true (the record would be quarantined as empty); use \"quarantine\"",
                "entities.person.columns.nationality.on_invalid: unknown \"drop\"; expected one of quarantine, keep, null",
                "entities.person.columns.postcode.on_invalid: only a normaliser, a lookup or a date finds values invalid",
            ],
        ),
        (
            serde_json::json!({
                "date_of_birth": { "field": "DOB", "format": "%d/%m/%y" },
                "gender": { "field": "Sex", "pivot": 1930 }
            }),
            none.clone(),
            vec![
                "entities.person.columns.gender.pivot: only dates take pivot; this column is text",
                "entities.person.columns.date_of_birth.format: date format \"%d/%m/%y\" has a two-digit year (%y); give pivot = YEAR, the first year its two digits can mean (e.g. 1930)",
            ],
        ),
        (
            serde_json::json!({
                "date_of_birth": { "field": "DOB", "format": "%d/%m/%Y", "pivot": 30 }
            }),
            none.clone(),
            vec![
                "entities.person.columns.date_of_birth.pivot: must be a year such as 1930 (two-digit years then mean 1930 to 2029)",
            ],
        ),
        (
            serde_json::json!({
                "date_of_birth": { "field": "DOB", "format": ["%d/%m/%Y", "%d/%m"], "pivot": 1930, "partial": true }
            }),
            none.clone(),
            vec![
                "entities.person.columns.date_of_birth.pivot: no format of this column has a two-digit year (%y)",
                "entities.person.columns.date_of_birth.format: date format \"%d/%m\" does not name a year",
            ],
        ),
    ];
    for (columns, lookups, expected) in cases {
        let described = columns.to_string();
        let mut found = mistakes(columns, lookups);
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        found.sort();
        expected.sort();
        assert_eq!(found, expected, "{described}");
    }
}

#[test]
fn name_normalisers_need_a_table_with_a_name_key() {
    let mut json = base();
    json["entities"]["crime"] = serde_json::json!({
        "table": "events", "key": ["Ref"],
        "columns": { "location": { "field": "Officer", "normalise": "full-name" } }
    });
    assert_eq!(
        errors(&spec(json)),
        [
            "entities.crime.columns.location.normalise: normaliser \"full-name\" keys a person's name; table events has no name key"
        ]
    );
}

#[test]
fn grading_is_checked_with_the_pipeline() {
    let mut json = base();
    json["grading"] = serde_json::json!({ "source": "Src", "handling": { "value": "P" } });
    let checked = spec(json.clone()).check().expect("valid");
    let fields: Vec<_> = checked.source_fields().collect();
    assert!(fields.contains(&("grading.source.field".to_owned(), "Src")));
    assert_eq!(checked.grading.parts.len(), 2);
    json["grading"] = serde_json::json!({ "handling": { "value": "Lawful sharing permitted" } });
    assert_eq!(
        errors(&spec(json)),
        [
            "grading.handling.value: not a handling code; expected P (lawful sharing permitted) or C (disseminate with conditions)"
        ]
    );
}

#[test]
fn grading_parts_are_fields_or_constants() {
    let mut json = base();
    json["grading"] = serde_json::json!({
        "source": "GradingSource",
        "intelligence": { "field": "GradingIntel" },
        "handling": { "value": "p" }
    });
    let checked = spec(json).check().expect("valid");
    assert_eq!(
        checked.grading.parts,
        [
            (
                GradePart::Source,
                GradeSource::Field("GradingSource".into())
            ),
            (
                GradePart::Intelligence,
                GradeSource::Field("GradingIntel".into())
            ),
            (GradePart::Handling, GradeSource::Constant("P")),
        ]
    );
    let fields: Vec<_> = checked.grading.fields().collect();
    assert_eq!(
        fields,
        [
            ("grading.source.field".to_owned(), "GradingSource"),
            ("grading.intelligence.field".to_owned(), "GradingIntel"),
        ]
    );
}

#[test]
fn each_grading_mistake_names_its_key() {
    let mut json = base();
    json["grading"] = serde_json::json!({
        "source": { "value": "4" },
        "intelligence": { "field": "I", "value": "A" },
        "handling": { "field": " " }
    });
    let mut found = errors(&spec(json.clone()));
    found.sort();
    assert_eq!(
        found,
        [
            "grading.handling: needs a source field (a field name, or field = \"...\") or a constant (value = \"...\")",
            "grading.intelligence: give either field or value, not both",
            "grading.source.value: not a source evaluation; expected 1 (reliable), 2 (untested) or 3 (not reliable)",
        ]
    );
    json["grading"] = serde_json::json!({});
    assert_eq!(
        errors(&spec(json)),
        ["grading: is empty; give source, intelligence and/or handling"]
    );
}

/// The located mistakes of a pipeline file's text, as `jstac validate`
/// prints them after the file's name.
fn read(text: &str) -> Vec<String> {
    match PipelineFile::read(text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

const FILE: &str = r#"agency = "police"
dataset = "test"
plugin = "csv"

[source]
path = "x.csv"

[entities.person]
table = "persons"
key = ["Ref"]
columns.family_name = "Surname"
columns.date_of_birth = { field = "DOB", format = "%d/%m/%Y" }
"#;

#[test]
fn a_good_file_reads_as_its_json_twin_checks() {
    let file = PipelineFile::read(FILE).expect("valid");
    let twin = spec(base()).check().expect("valid");
    let fields = |checked: &CheckedPipeline| -> Vec<(String, String)> {
        checked
            .source_fields()
            .map(|(key, field)| (key, field.to_owned()))
            .collect()
    };
    assert_eq!(fields(&file.checked), fields(&twin));
    assert_eq!(file.spec.agency, "police");
    assert_eq!(
        file.spans
            .locate(SpecError::new(
                "entities.person.columns.family_name.field",
                "x"
            ))
            .to_string(),
        "11:9: entities.person.columns.family_name.field: x"
    );
}

#[test]
fn three_mistakes_in_three_places_give_three_located_errors() {
    let text = FILE
        .replace("plugin = \"csv\"", "plugin = \"csv\"\ncolour = \"blue\"")
        .replace(
            "columns.family_name = \"Surname\"",
            "columns.family_name = { field = \"Surname\", normalise = \"nmae\" }",
        )
        .replace("%d/%m/%Y", "%m/%Y");
    assert_eq!(
        read(&text),
        [
            "4:1: colour: unknown field `colour`, expected one of `name`, `description`, `agency`, `dataset`, `plugin`, `source`, `entities`, `links`, `lookups`, `grading`",
            "12:44: entities.person.columns.family_name.normalise: unknown normaliser \"nmae\"; expected one of country, postcode, phone, nino, passport, vehicle, family-name, given-names, full-name",
            "13:42: entities.person.columns.date_of_birth.format: date format \"%m/%Y\" does not name a full date (day, month and year); with partial = true it may name a year or a month",
        ]
    );
}

#[test]
fn each_mistake_of_shape_is_reported_and_hides_no_other() {
    let text = format!(
        "{FILE}{}",
        r#"columns.given_names = { field = "F", formt = "x", partial = "yes" }
columns.gender = 5
columns.nationality = { field = "Nat", lookup = "nats", excel = 1901 }
columns.postcode = { field = "PC", format = [] }

[[links]]
from = "person"

[lookups.nats]
AL = "ALB"
M = 1
[lookups]
flat = "F=female"

[grading]
classification = "Class"
source = { feild = "H" }
handling = { value = "X" }
"#
    );
    assert_eq!(
        read(&text),
        [
            "13:38: entities.person.columns.given_names.formt: unknown field `formt`, expected one of `field`, `coalesce`, `template`, `value`, `type`, `format`, `required`, `normalise`, `order`, `lookup`, `on_invalid`, `partial`, `excel`, `pivot`, `join`, `split`",
            "13:61: entities.person.columns.given_names.partial: invalid type: string \"yes\", expected a boolean",
            "14:18: entities.person.columns.gender: invalid type: integer `5`, expected a source field name or a table such as { field = \"...\" } or { value = \"...\" }",
            "15:65: entities.person.columns.nationality.excel: invalid value: integer `1901`, expected \"1900\" or \"1904\" (the workbook's date system)",
            "16:45: entities.person.columns.postcode.format: invalid length 0, expected a date format string or a list of them",
            "18:1: links[0]: missing field `to`",
            "23:5: lookups.nats.M: invalid type: integer `1`, expected a string",
            "25:8: lookups.flat: invalid type: string \"F=female\", expected a map",
            "28:1: grading.classification: unknown field `classification`, expected one of `source`, `intelligence`, `handling`",
            "29:1: grading.source: needs a source field (a field name, or field = \"...\") or a constant (value = \"...\")",
            "29:12: grading.source.feild: unknown field `feild`, expected `field` or `value`",
            "30:14: grading.handling.value: not a handling code; expected P (lawful sharing permitted) or C (disseminate with conditions)",
        ]
    );
}

#[test]
fn a_syntax_error_is_located() {
    let text = FILE.replace("table = \"persons\"", "table = \"persons");
    let found = read(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("9:"), "{found:?}");
}

#[test]
fn every_bundled_pipeline_reads_and_checks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines");
    let mut read = 0;
    for entry in std::fs::read_dir(&dir).expect("pipelines/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let text = std::fs::read_to_string(&path).expect("readable");
            if let Err(errors) = PipelineFile::read(&text) {
                panic!("{}: {errors:?}", path.display());
            }
            read += 1;
        }
    }
    assert!(read >= 8, "{read} pipelines read");
}

#[test]
fn a_missing_key_is_reported_with_the_mistakes_before_it() {
    let text = FILE
        .replace("agency = \"police\"\n", "")
        .replace("key = [\"Ref\"]", "key = [\"Ref\"]\nshape = \"round\"");
    assert_eq!(
        read(&text),
        [
            "10:1: entities.person.shape: unknown field `shape`, expected one of `table`, `key`, `of`, `when`, `optional`, `may_be_empty`, `columns`",
            "missing field `agency`",
        ]
    );
}
