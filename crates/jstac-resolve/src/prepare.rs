//! Evidence made ready for comparison: names folded into match tokens with
//! their Double Metaphone codes, dates of birth as day ranges, identifiers
//! normalised and classed, and the frequency of each value (for the
//! term-frequency adjustment of common names, dates and shared phones).

use chrono::{Datelike, NaiveDate};
use rphonetic::{DoubleMetaphone, Encoder};
use rustc_hash::FxHashMap;

use crate::evidence::Evidence;

/// A name: its folded, sorted tokens (as `name_key` builds them), joined as
/// its key, and each token's phonetic code.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub key: String,
    pub tokens: Vec<String>,
    pub codes: Vec<String>,
    /// Each token's consonant skeleton (see [`skeleton`]).
    pub skeletons: Vec<String>,
}

/// A word's consonant skeleton, for transliterations phonetic codes miss
/// (`yohannes`/`yonas`, `hasan`/`hassan`, `omar`/`umar`,
/// `abdullah`/`abdallah`): a leading vowel or `y` as `a`, then the
/// consonants but `h`, `w` and `y`, doubled ones once.
pub(crate) fn skeleton(word: &str) -> String {
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        let vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
        if i == 0 {
            out.push(if vowel { 'a' } else { c });
            continue;
        }
        if vowel || matches!(c, 'h' | 'w') || out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// A date of birth: the first and last day it can mean, as days from the
/// common era; exact when they are one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dob {
    pub earliest: i32,
    pub latest: i32,
}

impl Dob {
    pub fn exact(self) -> Option<NaiveDate> {
        (self.earliest == self.latest)
            .then(|| NaiveDate::from_num_days_from_ce_opt(self.earliest))
            .flatten()
    }
}

/// An identifier, normalised: `class` is `phone` (contact details several
/// people may share) or `document` (anything else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ident {
    pub kind: String,
    pub issuer: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The record's dataset, as an index: records of one dataset are never
    /// compared (a dataset's own keys say which of its rows are one person).
    pub group: u32,
    pub first_run: i64,
    pub names: Vec<Name>,
    pub dobs: Vec<Dob>,
    pub nationalities: Vec<String>,
    pub gender: Option<String>,
    pub documents: Vec<Ident>,
    pub phones: Vec<String>,
    pub postcodes: Vec<String>,
    pub context: Vec<String>,
}

impl Prepared {
    pub fn exact_dobs(&self) -> impl Iterator<Item = i32> + '_ {
        self.dobs
            .iter()
            .filter(|d| d.earliest == d.latest)
            .map(|d| d.earliest)
    }
}

/// How many records hold each value: the `u` of a value-specific match.
#[derive(Debug, Default)]
pub(crate) struct Frequencies {
    pub records: usize,
    pub names: FxHashMap<String, u32>,
    pub dobs: FxHashMap<i32, u32>,
    pub phones: FxHashMap<String, u32>,
    pub documents: FxHashMap<String, u32>,
}

impl Frequencies {
    pub fn of(records: &[Prepared]) -> Frequencies {
        let mut f = Frequencies {
            records: records.len(),
            ..Frequencies::default()
        };
        for r in records {
            let mut seen: Vec<&str> = r.names.iter().map(|n| n.key.as_str()).collect();
            seen.sort_unstable();
            seen.dedup();
            for k in seen {
                *f.names.entry(k.to_owned()).or_default() += 1;
            }
            let mut days: Vec<i32> = r.exact_dobs().collect();
            days.sort_unstable();
            days.dedup();
            for d in days {
                *f.dobs.entry(d).or_default() += 1;
            }
            for p in &r.phones {
                *f.phones.entry(p.clone()).or_default() += 1;
            }
            for d in &r.documents {
                *f.documents.entry(d.value.clone()).or_default() += 1;
            }
        }
        f
    }

    /// The share of records holding a value seen `count` times, at least
    /// one record's share.
    pub fn share(&self, count: u32) -> f64 {
        f64::from(count.max(1)) / self.records.max(1) as f64
    }
}

/// Prepares every record, on two threads (folding and phonetic codes are
/// most of a resolution's time when few records changed). Dataset indexes
/// are given in order of first appearance, whatever the threads do.
pub(crate) fn prepare_all(evidence: &[Evidence]) -> Vec<Prepared> {
    let mut groups: FxHashMap<(&str, &str), u32> = FxHashMap::default();
    for e in evidence {
        let next = groups.len() as u32;
        groups.entry((&e.agency, &e.dataset)).or_insert(next);
    }
    let half = evidence.len() / 2;
    let (left, right) = evidence.split_at(half);
    let run = |part: &[Evidence]| -> Vec<Prepared> {
        let mut p = Preparer::new();
        part.iter()
            .map(|e| {
                let mut r = p.prepare(e);
                r.group = groups[&(e.agency.as_str(), e.dataset.as_str())];
                r
            })
            .collect()
    };
    let (mut a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| run(right));
        (run(left), other.join().expect("preparing records"))
    });
    a.extend(b);
    a
}

pub(crate) struct Preparer {
    metaphone: DoubleMetaphone,
    groups: FxHashMap<(String, String), u32>,
}

impl Preparer {
    pub fn new() -> Preparer {
        Preparer {
            metaphone: DoubleMetaphone::default(),
            groups: FxHashMap::default(),
        }
    }

    pub fn prepare(&mut self, e: &Evidence) -> Prepared {
        let next = self.groups.len() as u32;
        let group = *self
            .groups
            .entry((e.agency.clone(), e.dataset.clone()))
            .or_insert(next);
        let mut names: Vec<Name> = Vec::new();
        for n in &e.names {
            let key = match (&n.given, &n.family) {
                (None, None) => n
                    .full
                    .as_deref()
                    .map(jstac_normalise::name::match_key)
                    .unwrap_or_default(),
                (g, f) => jstac_normalise::name::match_key_of_parts(
                    [g.as_deref(), f.as_deref()].into_iter().flatten(),
                ),
            };
            if key.is_empty() || names.iter().any(|m| m.key == key) {
                continue;
            }
            let tokens: Vec<String> = key.split(' ').map(str::to_owned).collect();
            let codes = tokens.iter().map(|t| self.metaphone.encode(t)).collect();
            let skeletons = tokens.iter().map(|t| skeleton(t)).collect();
            names.push(Name {
                key,
                tokens,
                codes,
                skeletons,
            });
        }
        let mut dobs: Vec<Dob> = e.birth_dates.iter().filter_map(dob_of).collect();
        dobs.extend(e.ages.iter().filter_map(|a| born_aged(a.age, &a.on)));
        dobs.sort_unstable_by_key(|d| (d.earliest, d.latest));
        dobs.dedup();
        let mut documents = Vec::new();
        let mut phones = Vec::new();
        for i in &e.identifiers {
            let value: String = i
                .value
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            if value.len() < 4 {
                continue;
            }
            let kind = i.kind.trim().to_lowercase();
            if kind.contains("phone") || kind.contains("mobile") || kind.contains("email") {
                phones.push(value);
            } else {
                let issuer = i.issuer.as_deref().unwrap_or("").trim().to_uppercase();
                documents.push(Ident {
                    kind,
                    issuer,
                    value,
                });
            }
        }
        phones.sort_unstable();
        phones.dedup();
        documents.sort_unstable_by(|a, b| a.value.cmp(&b.value));
        documents.dedup();
        Prepared {
            group,
            first_run: e.first_run,
            names,
            dobs,
            nationalities: tidy_list(&e.nationalities, |s| s.trim().to_uppercase()),
            gender: e
                .gender
                .as_deref()
                .map(|g| g.trim().to_uppercase())
                .filter(|g| matches!(g.as_str(), "M" | "F")),
            documents,
            phones,
            postcodes: tidy_list(&e.postcodes, |s| s.replace(' ', "").to_uppercase()),
            context: tidy_list(&e.context, jstac_normalise::name::match_key),
        }
    }
}

fn tidy_list(values: &[String], f: impl Fn(&str) -> String) -> Vec<String> {
    let mut out: Vec<String> = values
        .iter()
        .map(|v| f(v))
        .filter(|v| !v.is_empty())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn dob_of(b: &crate::evidence::BirthDateEvidence) -> Option<Dob> {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
    };
    if let (Some(e), Some(l)) = (parse(&b.earliest), parse(&b.latest)) {
        return (e <= l).then(|| Dob {
            earliest: e.num_days_from_ce(),
            latest: l.num_days_from_ce(),
        });
    }
    partial(b.date.as_deref()?)
}

/// The birth dates of someone `age` years old on `on`: from the day after
/// their `age + 1`th birthday's date back, to `age` years before.
pub(crate) fn born_aged(age: i64, on: &str) -> Option<Dob> {
    let on = NaiveDate::parse_from_str(on.get(..10).unwrap_or(on), "%Y-%m-%d").ok()?;
    let age = u32::try_from(age).ok().filter(|a| *a < 130)?;
    let latest = on.checked_sub_months(chrono::Months::new(12 * age))?;
    let earliest = on
        .checked_sub_months(chrono::Months::new(12 * (age + 1)))?
        .succ_opt()?;
    Some(Dob {
        earliest: earliest.num_days_from_ce(),
        latest: latest.num_days_from_ce(),
    })
}

/// `1968`, `1968-03`, `1968-03-05` as the days they can mean.
pub(crate) fn partial(text: &str) -> Option<Dob> {
    let text = text.trim();
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: Option<u32> = parts.next().map(str::parse).transpose().ok()?;
    let day: Option<u32> = parts
        .next()
        .map(|d| d.get(..2).unwrap_or(d).parse())
        .transpose()
        .ok()?;
    let (e, l) = match (month, day) {
        (Some(m), Some(d)) => {
            let x = NaiveDate::from_ymd_opt(year, m, d)?;
            (x, x)
        }
        (Some(m), None) => {
            let e = NaiveDate::from_ymd_opt(year, m, 1)?;
            let l = e.checked_add_months(chrono::Months::new(1))?.pred_opt()?;
            (e, l)
        }
        _ => (
            NaiveDate::from_ymd_opt(year, 1, 1)?,
            NaiveDate::from_ymd_opt(year, 12, 31)?,
        ),
    };
    Some(Dob {
        earliest: e.num_days_from_ce(),
        latest: l.num_days_from_ce(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{BirthDateEvidence, NameEvidence};

    #[test]
    fn names_fold_and_dates_become_ranges() {
        let e = Evidence {
            key: "k".into(),
            agency: "a".into(),
            dataset: "d".into(),
            names: vec![NameEvidence {
                given: Some("Hassan".into()),
                family: Some("ALI".into()),
                full: None,
            }],
            birth_dates: vec![BirthDateEvidence {
                date: Some("1980-02".into()),
                ..BirthDateEvidence::default()
            }],
            ..Evidence::default()
        };
        let p = Preparer::new().prepare(&e);
        assert_eq!(p.names[0].key, "ali hassan");
        assert_eq!(p.names[0].codes.len(), 2);
        let d = p.dobs[0];
        assert_eq!(d.latest - d.earliest, 28);
        assert!(d.exact().is_none());
        for (a, b) in [
            ("yohannes", "yonas"),
            ("hasan", "hassan"),
            ("omar", "umar"),
            ("abdullah", "abdallah"),
        ] {
            assert_eq!(skeleton(a), skeleton(b), "{a} {b}");
        }
        assert_ne!(skeleton("ana"), skeleton("anna maria"));
        assert_eq!(partial("1980-02-03").unwrap().exact().unwrap().day(), 3);
        let aged = born_aged(34, "2016-03-01").unwrap();
        assert_eq!(
            NaiveDate::from_num_days_from_ce_opt(aged.earliest)
                .unwrap()
                .to_string(),
            "1981-03-02"
        );
        assert_eq!(
            NaiveDate::from_num_days_from_ce_opt(aged.latest)
                .unwrap()
                .to_string(),
            "1982-03-01"
        );
    }
}
