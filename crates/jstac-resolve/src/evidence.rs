//! What resolution reads about each person record: every name, date of
//! birth, nationality, identifier, postcode and shared context the
//! warehouse holds for it. A leaf: the warehouse fills these, the rest of
//! the crate reads them.

/// One person record (a `persons` row) and all its evidence.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The record's `person_key`.
    pub key: String,
    pub agency: String,
    pub dataset: String,
    /// The run that first and last asserted it.
    pub first_run: i64,
    pub last_run: i64,
    pub names: Vec<NameEvidence>,
    pub birth_dates: Vec<BirthDateEvidence>,
    /// Ages given at dated events (a victim aged 34 on 2016-03-01): each
    /// a year-long range of birth dates.
    pub ages: Vec<AgeEvidence>,
    /// ISO 3166-1 alpha-3 codes (or whatever the source gave).
    pub nationalities: Vec<String>,
    pub gender: Option<String>,
    pub identifiers: Vec<IdentifierEvidence>,
    pub postcodes: Vec<String>,
    /// Shared context: names of linked organisations, and the like; any
    /// text two records of the same person may share.
    pub context: Vec<String>,
}

/// A name as written, in parts or whole.
#[derive(Debug, Clone, Default)]
pub struct NameEvidence {
    pub given: Option<String>,
    pub family: Option<String>,
    pub full: Option<String>,
}

/// A date of birth: the first and last day it can mean (`YYYY-MM-DD`),
/// or failing those the partial ISO date as written (`1968`, `1968-03`,
/// `1968-03-05`).
#[derive(Debug, Clone, Default)]
pub struct BirthDateEvidence {
    pub date: Option<String>,
    pub earliest: Option<String>,
    pub latest: Option<String>,
}

/// An age in whole years on a date (`YYYY-MM-DD`).
#[derive(Debug, Clone, Default)]
pub struct AgeEvidence {
    pub age: i64,
    pub on: String,
}

/// An identifier: its type (`passport`, `phone`, `national id`, …), value
/// and issuing country.
#[derive(Debug, Clone, Default)]
pub struct IdentifierEvidence {
    pub kind: String,
    pub value: String,
    pub issuer: Option<String>,
}

/// An analyst's verdict on two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Same,
    Different,
    Unsure,
}

impl Verdict {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Different => "different",
            Verdict::Unsure => "unsure",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Verdict> {
        match text {
            "same" => Some(Verdict::Same),
            "different" => Some(Verdict::Different),
            "unsure" => Some(Verdict::Unsure),
            _ => None,
        }
    }
}

/// A judgement between two person records (keys).
#[derive(Debug, Clone)]
pub struct Judgement {
    pub a: String,
    pub b: String,
    pub verdict: Verdict,
}
