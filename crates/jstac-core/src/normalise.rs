//! Normalisers and lookups as column rules apply them: a source value in,
//! a warehouse value (or a reason it is invalid) out. The normalisers
//! themselves are `jstac-normalise`'s; this module chooses, for each, what
//! the column stores. Reasons never repeat the value.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use jstac_normalise::country::{CountryError, countries};
use jstac_normalise::ident::{IdentError, ni_number, passport_number, phone, vehicle_registration};
use jstac_normalise::name::{NameError, NameOrder, PersonName, check_name_part, person_name};
use jstac_normalise::postcode::{PostcodeError, postcode};

use crate::convert::Value;

/// A normaliser a column rule names (`normalise = "country"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normaliser {
    /// Country or nationality (`Albanian`, `Viet Nam`, `ALB`) to ISO 3166-1
    /// alpha-3. Not-known markers (`N/K`, `Unknown`) and `stateless` give
    /// no value.
    Country,
    /// UK postcode, formatted `LS1 4AP`.
    Postcode,
    /// Phone number to E.164 (`+447700900123`), the UK by default.
    Phone,
    /// National Insurance number, `AB123456C`.
    Nino,
    /// Passport number: upper case, no spaces.
    Passport,
    /// UK vehicle registration, upper case without spaces (`AB12CDE`).
    Vehicle,
    /// A family name in its own field: checked, kept as written, keyed.
    FamilyName,
    /// Given names in their own field: checked, kept as written, keyed.
    GivenNames,
    /// A whole name in one field: checked, kept as written, keyed, and
    /// split (by its order) into family and given names.
    FullName(NameOrder),
}

/// Which part of a person's name a name normaliser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamePart {
    Family,
    Given,
    Full,
}

impl Normaliser {
    /// The names a pipeline may give, in the order messages list them.
    pub const NAMES: [&'static str; 9] = [
        "country",
        "postcode",
        "phone",
        "nino",
        "passport",
        "vehicle",
        "family-name",
        "given-names",
        "full-name",
    ];

    /// The orders a full name may be read in.
    pub const ORDERS: [&'static str; 3] = ["given-first", "family-first", "auto"];

    pub fn from_name(name: &str) -> Option<Normaliser> {
        Some(match name {
            "country" => Normaliser::Country,
            "postcode" => Normaliser::Postcode,
            "phone" => Normaliser::Phone,
            "nino" => Normaliser::Nino,
            "passport" => Normaliser::Passport,
            "vehicle" => Normaliser::Vehicle,
            "family-name" => Normaliser::FamilyName,
            "given-names" => Normaliser::GivenNames,
            "full-name" => Normaliser::FullName(NameOrder::Auto),
            _ => return None,
        })
    }

    pub fn order_from_name(name: &str) -> Option<NameOrder> {
        Some(match name {
            "given-first" => NameOrder::GivenFirst,
            "family-first" => NameOrder::FamilyFirst,
            "auto" => NameOrder::Auto,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Normaliser::Country => "country",
            Normaliser::Postcode => "postcode",
            Normaliser::Phone => "phone",
            Normaliser::Nino => "nino",
            Normaliser::Passport => "passport",
            Normaliser::Vehicle => "vehicle",
            Normaliser::FamilyName => "family-name",
            Normaliser::GivenNames => "given-names",
            Normaliser::FullName(_) => "full-name",
        }
    }

    pub fn name_part(self) -> Option<NamePart> {
        match self {
            Normaliser::FamilyName => Some(NamePart::Family),
            Normaliser::GivenNames => Some(NamePart::Given),
            Normaliser::FullName(_) => Some(NamePart::Full),
            _ => None,
        }
    }

    /// Normalises one value (trimmed, not empty). `Err` is the reason it is
    /// invalid, without the value.
    pub fn apply(self, text: &str) -> Result<Normalised, NormaliseError> {
        let text_of = |s: &str| Normalised::Value(Value::Text(s.to_owned()));
        match self {
            Normaliser::Country => match countries(text) {
                Ok(found) if found.len() == 1 => Ok(text_of(found[0].alpha3)),
                Ok(found) => Ok(Normalised::Many(
                    found
                        .iter()
                        .map(|c| Value::Text(c.alpha3.to_owned()))
                        .collect(),
                )),
                // "Not known" and stateless: no country code applies.
                Err(CountryError::Empty) => Ok(Normalised::NotKnown("not known")),
                Err(CountryError::Stateless) => Ok(Normalised::NotKnown("stateless")),
                Err(e) => Err(NormaliseError::of_country(e)),
            },
            Normaliser::Postcode => Ok(text_of(postcode(text)?.as_str())),
            Normaliser::Phone => phone(text)
                .map(|p| text_of(p.as_str()))
                .map_err(NormaliseError::Phone),
            Normaliser::Nino => ni_number(text)
                .map(|n| text_of(n.as_str()))
                .map_err(NormaliseError::Nino),
            Normaliser::Passport => passport_number(text)
                .map(|n| text_of(n.as_str()))
                .map_err(NormaliseError::Passport),
            Normaliser::Vehicle => vehicle_registration(text)
                .map(|r| text_of(r.as_str()))
                .map_err(NormaliseError::Vehicle),
            Normaliser::FamilyName | Normaliser::GivenNames => {
                check_name_part(text)?;
                Ok(text_of(text))
            }
            Normaliser::FullName(order) => Ok(Normalised::FullName(person_name(text, order)?)),
        }
    }
}

/// Why a normaliser found a value invalid. The message never repeats the
/// value, nor (for countries) the names it resembles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormaliseError {
    /// Names one of several present-day countries: their alpha-3 codes.
    #[error("ambiguous country (could be {})", .codes.join(" or "))]
    AmbiguousCountry { codes: Vec<&'static str> },
    /// Names a region or a people, not one country.
    #[error("not one country (a region or a people)")]
    NotOneCountry,
    #[error("a former state with several successor countries")]
    HistoricCountry,
    /// Any other reason a country did not resolve (unknown, several named).
    #[error(transparent)]
    Country(CountryError),
    #[error(transparent)]
    Postcode(#[from] PostcodeError),
    #[error("phone number {0}")]
    Phone(IdentError),
    #[error("National Insurance number {0}")]
    Nino(IdentError),
    #[error("passport number {0}")]
    Passport(IdentError),
    #[error("vehicle registration {0}")]
    Vehicle(IdentError),
    /// A family, given or full name that is no name.
    #[error(transparent)]
    Name(#[from] NameError),
}

impl NormaliseError {
    /// Why a country did not resolve, naming neither the value nor the
    /// countries it resembles: only the candidates' alpha-3 codes.
    fn of_country(error: CountryError) -> NormaliseError {
        match error {
            CountryError::Ambiguous(why) => {
                // The crate's reasons name each candidate with its code: "(COG)".
                let codes: Vec<&'static str> = why
                    .split('(')
                    .skip(1)
                    .filter_map(|rest| rest.split_once(')').map(|(code, _)| code))
                    .filter(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()))
                    .collect();
                if codes.is_empty() {
                    NormaliseError::NotOneCountry
                } else {
                    NormaliseError::AmbiguousCountry { codes }
                }
            }
            CountryError::Historic(_) => NormaliseError::HistoricCountry,
            other => NormaliseError::Country(other),
        }
    }
}

/// What a normaliser made of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Normalised {
    /// The value to store.
    Value(Value),
    /// A whole name, read: the column keeps the text as written.
    FullName(PersonName),
    /// Several values in one text (`British/Irish`), in order: a value
    /// table gets a row each; an entity's column the first.
    Many(Vec<Value>),
    /// The source says the value is not known (`n/a`, `unknown`) or that
    /// none applies (`stateless`): no value, counted as not known.
    NotKnown(&'static str),
}

/// A `[lookups.NAME]` table, its values converted for one column.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub name: String,
    /// Keys trimmed and lower-cased.
    entries: Arc<HashMap<String, Value>>,
}

impl Lookup {
    /// `entries` are (key as written, converted value); keys are matched
    /// ignoring case and surrounding space.
    pub fn new(name: &str, entries: impl IntoIterator<Item = (String, Value)>) -> Lookup {
        Lookup {
            name: name.to_owned(),
            entries: Arc::new(
                entries
                    .into_iter()
                    .map(|(key, value)| (lookup_key(&key), value))
                    .collect(),
            ),
        }
    }

    /// The value for a source value (trimmed), ignoring case.
    pub fn get(&self, text: &str) -> Option<&Value> {
        // Codes are short and ASCII: fold them on the stack.
        let mut buf = [0u8; 64];
        if text.len() <= buf.len() && text.is_ascii() {
            let folded = &mut buf[..text.len()];
            folded.copy_from_slice(text.as_bytes());
            folded.make_ascii_lowercase();
            return std::str::from_utf8(folded)
                .ok()
                .and_then(|key| self.entries.get(key));
        }
        self.entries.get(&text.to_lowercase())
    }
}

/// How lookup keys are compared: trimmed, lower case.
pub fn lookup_key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// What a column does with a value it finds invalid (a normaliser's
/// reject, a lookup's miss, a date that does not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnInvalid {
    /// The record goes to quarantine with the reason (the default).
    #[default]
    Quarantine,
    /// The value is stored as the source wrote it (text columns only).
    Keep,
    /// The column is left empty.
    Null,
}

impl OnInvalid {
    pub const NAMES: [&'static str; 3] = ["quarantine", "keep", "null"];

    pub fn from_name(name: &str) -> Option<OnInvalid> {
        Some(match name {
            "quarantine" => OnInvalid::Quarantine,
            "keep" => OnInvalid::Keep,
            "null" => OnInvalid::Null,
            _ => return None,
        })
    }
}

/// A column's transformation of its source value, before its type's conversion.
#[derive(Debug, Clone)]
pub enum Transform {
    Normalise(Normaliser),
    Lookup(Lookup),
}

impl fmt::Display for Transform {
    /// The label counted values are filed under: `country`, `lookup offences`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transform::Normalise(n) => f.write_str(n.name()),
            Transform::Lookup(lookup) => write!(f, "lookup {}", lookup.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (normaliser, input, stored value or the reason it is invalid)
    type Case = (
        Normaliser,
        &'static str,
        Result<Option<&'static str>, &'static str>,
    );

    #[test]
    fn each_normaliser_stores_its_canonical_form_or_says_why_not() {
        use Normaliser::*;
        let cases: &[Case] = &[
            (Country, "ALB", Ok(Some("ALB"))),
            (Country, "Albanian", Ok(Some("ALB"))),
            (Country, "Republic of Albania", Ok(Some("ALB"))),
            (Country, "Viet Nam", Ok(Some("VNM"))),
            (Country, "England", Ok(Some("GBR"))),
            (Country, "N/K", Ok(None)),
            (Country, "Stateless", Ok(None)),
            (Country, " na", Ok(None)),
            (Country, "Albanian Greek", Ok(Some("ALB GRC"))),
            (Country, "(1) Afghan (2) Pakistani", Ok(Some("AFG PAK"))),
            (
                Country,
                "Congo",
                Err("ambiguous country (could be COG or COD)"),
            ),
            (
                Country,
                "Korean",
                Err("ambiguous country (could be KOR or PRK)"),
            ),
            (
                Country,
                "Kurdish",
                Err("not one country (a region or a people)"),
            ),
            (
                Country,
                "Yugoslavia",
                Err("a former state with several successor countries"),
            ),
            (
                Country,
                "Atlantis",
                Err("not a known country or nationality"),
            ),
            (Postcode, "ls14ap", Ok(Some("LS1 4AP"))),
            (Postcode, "LS1 4CP", Err("not a valid UK postcode")),
            (Phone, "07700 900123", Ok(Some("+447700900123"))),
            (
                Phone,
                "call me",
                Err(
                    "phone number malformed: a phone number is digits with an optional leading + and separators",
                ),
            ),
            (Nino, "qq 12 34 56 c", Ok(Some("QQ123456C"))),
            (
                Nino,
                "BG123456C",
                Err(
                    "National Insurance number never issued: prefix is never allocated to National Insurance numbers",
                ),
            ),
            (Passport, "al 000 0231", Ok(Some("AL0000231"))),
            (
                Passport,
                "12",
                Err("passport number malformed: a passport number is 5 to 20 letters and digits"),
            ),
            (Vehicle, "ab12 cde", Ok(Some("AB12CDE"))),
            (FamilyName, "HOXHA", Ok(Some("HOXHA"))),
            (GivenNames, "Thi Lan", Ok(Some("Thi Lan"))),
            (FamilyName, "12345", Err("name contains no letters")),
            (GivenNames, "Mr", Err("no name given")),
        ];
        for (normaliser, input, expected) in cases {
            let got = match normaliser.apply(input) {
                Ok(Normalised::Value(Value::Text(text))) => Ok(Some(text)),
                Ok(Normalised::Value(Value::Null) | Normalised::NotKnown(_)) => Ok(None),
                Ok(Normalised::Many(values)) => Ok(Some(
                    values
                        .iter()
                        .map(|v| match v {
                            Value::Text(text) => text.as_str(),
                            _ => "?",
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                )),
                Ok(other) => panic!("{input:?}: {other:?}"),
                Err(reason) => Err(reason.to_string()),
            };
            let expected = expected
                .map(|v| v.map(str::to_owned))
                .map_err(str::to_owned);
            assert_eq!(got, expected, "{} {input:?}", normaliser.name());
            if let Err(reason) = &got {
                assert!(!reason.contains(input), "{reason} echoes {input:?}");
            }
        }
    }

    #[test]
    fn a_full_name_is_read_in_its_order() {
        let read = |text: &str, order| match Normaliser::FullName(order).apply(text) {
            Ok(Normalised::FullName(name)) => (name.family, name.given, name.match_key),
            other => panic!("{other:?}"),
        };
        let hoxha = ("Hoxha".to_owned(), "Ana".to_owned(), "ana hoxha".to_owned());
        assert_eq!(read("HOXHA, Ana", NameOrder::Auto), hoxha);
        assert_eq!(read("Ana HOXHA", NameOrder::Auto), hoxha);
        assert_eq!(read("Hoxha Ana", NameOrder::FamilyFirst), hoxha);
        assert_eq!(read("Ana Hoxha", NameOrder::GivenFirst), hoxha);
        assert_eq!(read("NGUYEN Thi Lan", NameOrder::Auto).0, "Nguyen");
    }

    #[test]
    fn lookups_ignore_case_and_space() {
        let lookup = Lookup::new(
            "ports",
            [
                ("DVR".to_owned(), Value::Text("Dover".into())),
                (" Lhr4 ".to_owned(), Value::Text("Heathrow T4".into())),
                ("Straße".to_owned(), Value::Null),
            ],
        );
        assert_eq!(lookup.get("dvr"), Some(&Value::Text("Dover".into())));
        assert_eq!(lookup.get("LHR4"), Some(&Value::Text("Heathrow T4".into())));
        assert_eq!(lookup.get("STRASSE"), None);
        assert_eq!(lookup.get("STRAßE"), Some(&Value::Null));
        assert_eq!(lookup.get("LHR"), None);
        let long = "X".repeat(100);
        assert_eq!(lookup.get(&long), None);
    }
}
