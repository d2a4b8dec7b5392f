//! What the normalisers and lookups cost the mapping, per record: the
//! police pipeline's columns mapped as plain text, then with the bundled
//! pipeline's normalisers and lookups, over the same synthetic records.
//!
//! Plain `std::time::Instant` loop (no criterion): run with
//! `cargo bench -p jstac-core`. The mapping runs on the reader's thread,
//! beside the writer; compare its records/s with a run's (see
//! ARCHITECTURE.md).

use std::hint::black_box;
use std::time::Instant;

use jstac_core::{Mapping, PipelineSpec, SourceRecords};

const ROWS: usize = 200_000;
const FIELDS: [&str; 9] = [
    "CrimeRef",
    "Offence",
    "LocationPostcode",
    "NominalRef",
    "Role",
    "Surname",
    "Forenames",
    "Nationality",
    "HomePostcode",
];

struct Records(Vec<[String; 9]>);

impl SourceRecords for Records {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn value(&self, field: usize, row: usize) -> Option<&str> {
        self.0.get(row).map(|r| r[field].as_str())
    }
    fn locator(&self, _row: usize) -> &str {
        "line 2"
    }
    fn reject(&self, _row: usize) -> Option<&str> {
        None
    }
    fn raw(&self, _row: usize) -> Option<&str> {
        None
    }
}

fn records() -> Records {
    let offences = [
        "MSA 2015 s1 Slavery, servitude, forced or compulsory labour",
        "MSA 2015 s2 Human trafficking",
        "MSA 2015 s4 Committing an offence with intent to commit s2",
    ];
    let surnames = ["NGUYEN", "HOXHA", "KOWALSKI", "BEGA", "SMITH", "POPESCU"];
    let forenames = ["Thi Lan", "Ana", "Piotr", "Arben", "John", "Ioana"];
    let nationalities = [
        "Vietnamese",
        "Albanian",
        "ALB",
        "Viet Nam",
        "British",
        "Polish",
    ];
    let postcodes = ["BD7 1AY", "wf12qw", "BD1 1HY", "LS1 4AP", "HX1 1UJ"];
    Records(
        (0..ROWS)
            .map(|i| {
                [
                    format!("13/{:07}/16", i / 4),
                    offences[i / 4 % 3].to_owned(),
                    postcodes[i / 4 % 5].to_owned(),
                    format!("N{i}"),
                    if i % 4 == 3 { "Suspect" } else { "Victim" }.to_owned(),
                    surnames[i % 6].to_owned(),
                    forenames[i / 3 % 6].to_owned(),
                    nationalities[i / 7 % 6].to_owned(),
                    postcodes[i % 5].to_owned(),
                ]
            })
            .collect(),
    )
}

fn mapping(normalised: bool) -> Mapping {
    let rule = |field: &str, extra: serde_json::Value| {
        let mut rule = serde_json::json!({ "field": field });
        if normalised && let (Some(rule), Some(extra)) = (rule.as_object_mut(), extra.as_object()) {
            rule.extend(extra.clone());
        }
        rule
    };
    let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
        "agency": "police", "dataset": "bench", "plugin": "csv", "source": { "path": "x" },
        "lookups": if normalised { serde_json::json!({
            "offences": {
                "MSA 2015 s1 Slavery, servitude, forced or compulsory labour": "msa2015-s1",
                "MSA 2015 s2 Human trafficking": "msa2015-s2",
                "MSA 2015 s4 Committing an offence with intent to commit s2": "msa2015-s4"
            },
            "roles": { "Victim": "victim", "Suspect": "suspect" }
        }) } else { serde_json::json!({}) },
        "entities": {
            "crime": { "table": "events", "key": ["CrimeRef"], "columns": {
                "reference": "CrimeRef",
                "category": rule("Offence", serde_json::json!({ "lookup": "offences" })),
                "postcode": rule("LocationPostcode", serde_json::json!({ "normalise": "postcode" }))
            }},
            "person": { "table": "persons", "key": ["NominalRef"], "columns": {
                "family_name": rule("Surname", serde_json::json!({ "normalise": "family-name" })),
                "given_names": rule("Forenames", serde_json::json!({ "normalise": "given-names" })),
                "nationality": rule("Nationality", serde_json::json!({ "normalise": "country" })),
                "postcode": rule("HomePostcode", serde_json::json!({ "normalise": "postcode" }))
            }}
        },
        "links": [{ "from": "person", "to": "crime", "columns": {
            "role": rule("Role", serde_json::json!({ "lookup": "roles" }))
        }}]
    }))
    .expect("bench pipeline");
    let fields: Vec<String> = FIELDS.iter().map(|f| (*f).to_owned()).collect();
    Mapping::compile(&spec.check().expect("checks"), &fields, &[]).expect("compiles")
}

fn main() {
    // Batches of 4,096 records, as the plugins send them.
    let batches: Vec<Records> = records()
        .0
        .chunks(4096)
        .map(|chunk| Records(chunk.to_vec()))
        .collect();
    for (label, normalised) in [("plain text", false), ("normalised", true)] {
        let mapping = mapping(normalised);
        // Warm up (look-up tables are built once).
        let mut out = mapping.new_batch();
        mapping.map_into(&batches[0], &mut out);
        let start = Instant::now();
        let mut loaded = 0;
        for batch in &batches {
            let mut out = mapping.new_batch();
            mapping.map_into(batch, &mut out);
            loaded += black_box(out).loaded;
        }
        let secs = start.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let rate = ROWS as f64 / secs;
        println!(
            "mapping, {label:<10} {ROWS} records in {secs:>6.3} s = {rate:>10.0} records/s, {:>5.2} us/record ({loaded} loaded)",
            1e6 / rate
        );
    }
}
