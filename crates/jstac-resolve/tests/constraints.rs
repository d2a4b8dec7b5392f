//! The clustering's promises, on a fixed model: a record without a date
//! of birth never chains two namesakes born on different days; a direct
//! strong match still joins despite a day-month swap; judgements override
//! the model; and resolving twice gives the same IDs.

use jstac_resolve::{
    BirthDateEvidence, Evidence, FEATURES, Judgement, Model, NameEvidence, Previous, Settings,
    Verdict, resolve,
};

fn person(key: &str, agency: &str, dob: Option<&str>) -> Evidence {
    Evidence {
        key: key.to_owned(),
        agency: agency.to_owned(),
        dataset: agency.to_owned(),
        first_run: 1,
        last_run: 1,
        names: vec![NameEvidence {
            given: Some("Ana".to_owned()),
            family: Some("HOXHA".to_owned()),
            full: None,
        }],
        birth_dates: dob
            .map(|d| BirthDateEvidence {
                date: Some(d.to_owned()),
                ..BirthDateEvidence::default()
            })
            .into_iter()
            .collect(),
        nationalities: vec!["ALB".to_owned()],
        ..Evidence::default()
    }
}

/// A model where an equal name alone is a match (so only the constraints
/// can keep records apart): matches agree at the top level, random pairs
/// hardly ever do.
fn model() -> Model {
    // Per level (m, u): the top level is strong evidence of a match, level
    // 1 ("different") strong evidence against when it is not the top;
    // every other level says nothing (m = u).
    let levels = |top: bool| -> Vec<Vec<f64>> {
        FEATURES
            .iter()
            .map(|f| {
                let n = f.levels.len();
                (0..n)
                    .map(|l| match (l + 1 == n, l, top) {
                        (true, _, true) => 0.9,
                        (true, _, false) => 1e-4,
                        (false, 1, true) => 1e-4,
                        (false, 1, false) => 0.5,
                        _ => 0.1,
                    })
                    .collect()
            })
            .collect()
    };
    Model {
        lambda: 0.01,
        m: levels(true),
        u: levels(false),
        records: 3,
        pairs: 3,
        iterations: 0,
    }
}

/// Records of other people, so that a name three records share is rare.
fn with_others(mut records: Vec<Evidence>) -> Vec<Evidence> {
    for i in 0..40 {
        let mut other = person(&format!("z{i:02}"), "other", None);
        other.names[0].given = Some(format!("Given{i}"));
        other.names[0].family = Some(format!("Family{i}"));
        other.nationalities = vec!["GBR".to_owned()];
        records.push(other);
    }
    records
}

fn cluster_of(r: &jstac_resolve::Resolution, key: &str) -> String {
    r.clusters
        .iter()
        .find(|c| c.members.iter().any(|m| m == key))
        .map(|c| c.id.clone())
        .expect("every record is in a cluster")
}

#[test]
fn a_record_without_a_date_never_chains_namesakes_born_apart() {
    let records = with_others(vec![
        person("a1", "police", Some("1980-01-01")),
        person("b2", "nrm", None),
        person("c3", "nca", Some("1990-05-05")),
    ]);
    let r = resolve(
        &records,
        &[],
        &Previous::default(),
        Some(&model()),
        &Settings::default(),
        None,
    );
    assert_ne!(cluster_of(&r, "a1"), cluster_of(&r, "c3"));
    // The record without a date joins one of them, and the other's nearest
    // candidate is shown kept apart with the reason.
    let b = cluster_of(&r, "b2");
    assert!(b == cluster_of(&r, "a1") || b == cluster_of(&r, "c3"));
    assert!(r.edges.iter().any(|e| {
        e.reason
            .as_deref()
            .is_some_and(|w| w.contains("different exact dates of birth"))
    }));
}

#[test]
fn judgements_override_the_model_and_ids_are_stable() {
    let records = with_others(vec![
        person("a1", "police", Some("1980-01-01")),
        person("b2", "nrm", Some("1980-01-01")),
    ]);
    let settings = Settings::default();
    let first = resolve(
        &records,
        &[],
        &Previous::default(),
        Some(&model()),
        &settings,
        None,
    );
    assert_eq!(cluster_of(&first, "a1"), cluster_of(&first, "b2"));
    let mut previous = Previous::default();
    for c in &first.clusters {
        previous.used.insert(c.id.clone());
        for m in &c.members {
            previous.members.insert(m.clone(), c.id.clone());
        }
    }
    let again = resolve(&records, &[], &previous, Some(&model()), &settings, None);
    assert_eq!(cluster_of(&again, "a1"), cluster_of(&first, "a1"));
    assert!(again.changes.is_empty());
    let different = [Judgement {
        a: "a1".to_owned(),
        b: "b2".to_owned(),
        verdict: Verdict::Different,
    }];
    let split = resolve(
        &records,
        &different,
        &previous,
        Some(&model()),
        &settings,
        Some(&vec![false; records.len()]),
    );
    assert_ne!(cluster_of(&split, "a1"), cluster_of(&split, "b2"));
    assert_eq!(split.changes.len(), 1);
    assert_eq!(split.changes[0].kind, "split");
}
