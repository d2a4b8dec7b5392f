//! Countries and nationalities to ISO 3166-1 alpha-3.
//!
//! # Where the country list comes from
//!
//! The list of countries (alpha-2, alpha-3 and numeric codes, official names
//! and a few aliases) is taken from the [`celes`] crate: it is small (one
//! generated source file over `phf`, no build script, no data files loaded at
//! run time), `no_std`-compatible, dual MIT/Apache licensed and kept current
//! (it has North Macedonia, Eswatini, Türkiye and Kosovo). The alternatives
//! were heavier (`keshvar` ships every country's geography, currencies and
//! translations), unmaintained (`isocountry`) or lack aliases
//! (`rust_iso3166`, `iso_country`). `celes` 2.x is used because 3.x needs a
//! newer compiler than this workspace supports.
//!
//! What `celes` lacks — demonyms ("Albanian", "Vietnamese"), UK-government
//! spellings ("Viet Nam", "UK", "Great Britain"), constituent countries of the
//! United Kingdom, former names and historic states — is added by the small
//! tables in this crate's `country_data` module.
//!
//! # Matching
//!
//! Input is folded before look-up: accents are removed and other scripts'
//! letters transliterated (`Côte d'Ivoire` = `Cote d'Ivoire`), case is
//! ignored and spaces and punctuation are dropped (`U.K.` = `UK`). Values
//! written `Korea, Republic of` or `Iran (Islamic Republic of)` are also
//! tried in natural order, a leading "the" is ignored, and a trailing
//! "national" or "citizen" is dropped (`Albanian national`).
//!
//! # Outcomes
//!
//! [`country`] returns a [`Country`] (perhaps with a note, for example for
//! `England` or `Zaire`), or a [`CountryError`] whose [`kind`](CountryError::kind)
//! lets the caller choose between quarantine and warning:
//! [`Unknown`](CountryError::Unknown) for nonsense,
//! [`Ambiguous`](CountryError::Ambiguous) for values such as `Congo` or
//! `Korea`, [`Historic`](CountryError::Historic) for former states with several
//! successors (`Yugoslavia`, `USSR`, `Czechoslovakia`),
//! [`Multiple`](CountryError::Multiple) for dual nationalities written
//! together (`Albanian Greek`), [`Stateless`](CountryError::Stateless) and
//! [`Empty`](CountryError::Empty) for blanks and "not known" markers. Reasons
//! never repeat the input.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::country_data::{AMBIGUOUS, DISPLAY_NAMES, EXTRA_SPELLINGS, HISTORIC, NOTED_SPELLINGS};
use crate::fold::{KeyBuf, fold_key};
use celes::LookupTable as _;

/// A country resolved to ISO 3166-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    /// ISO 3166-1 alpha-3 code, e.g. `"ALB"` (the value to store).
    pub alpha3: &'static str,
    /// ISO 3166-1 alpha-2 code, e.g. `"AL"`.
    pub alpha2: &'static str,
    /// ISO 3166-1 numeric code as three digits, e.g. `"008"`.
    pub numeric: &'static str,
    /// Short English display name, e.g. `"Albania"`, `"United Kingdom"`.
    pub name: &'static str,
    /// Set when the value was accepted but deserves a warning, e.g. a
    /// constituent country of the United Kingdom (`England` → GBR), a former
    /// name (`Zaire` → COD) or a withdrawn code (`ROM` → ROU).
    pub note: Option<&'static str>,
}

/// Why a value could not be resolved to one country. The messages never
/// include the input value (it may be personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum CountryError {
    /// Blank, or a marker such as `N/A`, `Not known`, `Unknown`.
    #[error("no country given (blank or a not-known marker)")]
    Empty,
    /// Not a known country, nationality or code.
    #[error("not a known country or nationality")]
    Unknown,
    /// Names more than one present-day country; the reason lists candidates.
    #[error("ambiguous country or nationality: {0}")]
    Ambiguous(&'static str),
    /// A former state with several successors; the reason names it.
    #[error("historic country or nationality: {0}")]
    Historic(&'static str),
    /// Names two or more countries at once (a dual nationality such as
    /// `Albanian Greek` in published tables).
    #[error("names more than one country or nationality")]
    Multiple,
    /// A stateless person (ICAO code `XXA`), which has no country code.
    #[error("stateless: no country code applies")]
    Stateless,
}

impl CountryError {
    /// A stable, short label for counting outcomes: `"empty"`, `"unknown"`,
    /// `"ambiguous"`, `"historic"`, `"multiple"` or `"stateless"`.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Unknown => "unknown",
            Self::Ambiguous(_) => "ambiguous",
            Self::Historic(_) => "historic",
            Self::Multiple => "multiple",
            Self::Stateless => "stateless",
        }
    }
}

#[derive(Clone, Copy)]
enum Resolution {
    Found {
        index: u16,
        note: Option<&'static str>,
    },
    Ambiguous(&'static str),
    Historic(&'static str),
    Stateless,
    Empty,
}

struct Entry {
    alpha3: &'static str,
    alpha2: &'static str,
    numeric: &'static str,
    name: String,
}

struct Table {
    entries: Vec<Entry>,
    by_key: HashMap<String, Resolution>,
    by_numeric: HashMap<u16, u16>,
}

/// Values that mean "no country recorded"; compared after folding.
const EMPTY_MARKERS: &str = "nk|n/k|none|null|nil|unknown|not known|notknown|not stated|\
    not recorded|not specified|unspecified|not given|not provided|refused|xxx|tbc|tbd";
const STATELESS_MARKERS: &str = "stateless|stateless person|xxa|without nationality|no nationality";

fn pretty_name(long_name: &str) -> String {
    let trimmed = long_name.strip_prefix("The ").unwrap_or(long_name);
    let mut out = String::with_capacity(trimmed.len());
    for (i, word) in trimmed.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match word {
            "And" | "Of" | "The" | "Da" if i > 0 => out.push_str(&word.to_ascii_lowercase()),
            _ => out.push_str(word),
        }
    }
    out
}

static TABLE: LazyLock<Table> = LazyLock::new(build_table);

fn build_table() -> Table {
    let countries = celes::Country::get_countries();
    let mut entries = Vec::with_capacity(countries.len());
    let mut by_numeric = HashMap::with_capacity(countries.len());
    for c in &countries {
        let name = DISPLAY_NAMES
            .iter()
            .find(|(a3, _)| *a3 == c.alpha3)
            .map_or_else(|| pretty_name(c.long_name), |(_, n)| (*n).to_owned());
        let index = u16::try_from(entries.len()).unwrap_or(u16::MAX);
        by_numeric.insert(u16::try_from(c.value).unwrap_or(0), index);
        entries.push(Entry {
            alpha3: c.alpha3,
            alpha2: c.alpha2,
            numeric: c.code,
            name,
        });
    }
    let index_of = |alpha3: &str| -> u16 {
        let i = entries.iter().position(|e| e.alpha3 == alpha3);
        // The data tables only name codes that `celes` has (checked by a test).
        u16::try_from(i.unwrap_or(usize::MAX)).unwrap_or(u16::MAX)
    };

    // Highest priority first; later inserts never overwrite earlier ones.
    let mut by_key: HashMap<String, Resolution> = HashMap::with_capacity(2048);
    let mut put = |spellings: &str, r: Resolution| {
        for s in spellings.split('|') {
            let k = fold_key(s);
            if !k.is_empty() {
                by_key.entry(k).or_insert(r);
            }
        }
    };
    for s in EMPTY_MARKERS.split('|') {
        put(s, Resolution::Empty);
    }
    put(STATELESS_MARKERS, Resolution::Stateless);
    for (spellings, reason) in AMBIGUOUS {
        put(spellings, Resolution::Ambiguous(reason));
    }
    for (spellings, reason) in HISTORIC {
        put(spellings, Resolution::Historic(reason));
    }
    for (alpha3, note, spellings) in NOTED_SPELLINGS {
        put(
            spellings,
            Resolution::Found {
                index: index_of(alpha3),
                note: Some(note),
            },
        );
    }
    for e in &entries {
        let found = Resolution::Found {
            index: index_of(e.alpha3),
            note: None,
        };
        put(e.alpha3, found);
        put(e.alpha2, found);
    }
    for (alpha3, spellings) in EXTRA_SPELLINGS {
        put(
            spellings,
            Resolution::Found {
                index: index_of(alpha3),
                note: None,
            },
        );
    }
    for (alpha3, name) in DISPLAY_NAMES {
        put(
            name,
            Resolution::Found {
                index: index_of(alpha3),
                note: None,
            },
        );
    }
    for c in &countries {
        let found = Resolution::Found {
            index: index_of(c.alpha3),
            note: None,
        };
        put(c.long_name, found);
        if let Some(rest) = c.long_name.strip_prefix("The ") {
            put(rest, found);
        }
    }
    for c in &countries {
        let found = Resolution::Found {
            index: index_of(c.alpha3),
            note: None,
        };
        for alias in c.aliases.iter() {
            put(alias, found);
        }
    }
    Table {
        entries,
        by_key,
        by_numeric,
    }
}

impl Table {
    fn country(&'static self, index: u16, note: Option<&'static str>) -> Option<Country> {
        let e = self.entries.get(usize::from(index))?;
        Some(Country {
            alpha3: e.alpha3,
            alpha2: e.alpha2,
            numeric: e.numeric,
            name: e.name.as_str(),
            note,
        })
    }

    fn resolve_key(&'static self, key: &str) -> Option<Result<Country, CountryError>> {
        if let Some(r) = self.by_key.get(key) {
            return Some(match *r {
                Resolution::Found { index, note } => {
                    self.country(index, note).ok_or(CountryError::Unknown)
                }
                Resolution::Ambiguous(why) => Err(CountryError::Ambiguous(why)),
                Resolution::Historic(why) => Err(CountryError::Historic(why)),
                Resolution::Stateless => Err(CountryError::Stateless),
                Resolution::Empty => Err(CountryError::Empty),
            });
        }
        if !key.is_empty() && key.len() <= 3 && key.bytes().all(|b| b.is_ascii_digit()) {
            let n: u16 = key.parse().ok()?;
            let index = *self.by_numeric.get(&n)?;
            return Some(self.country(index, None).ok_or(CountryError::Unknown));
        }
        None
    }

    /// Looks up a folded key, also without a leading "the" and without a
    /// trailing "national"/"citizen"/"nationality".
    fn resolve_folded(&'static self, key: &str) -> Option<Result<Country, CountryError>> {
        if let Some(r) = self.resolve_key(key) {
            return Some(r);
        }
        let mut k = key;
        if let Some(rest) = k.strip_prefix("the").filter(|r| !r.is_empty()) {
            if let Some(r) = self.resolve_key(rest) {
                return Some(r);
            }
            k = rest;
        }
        for suffix in ["nationality", "national", "citizen", "passport"] {
            if let Some(rest) = k.strip_suffix(suffix).filter(|r| !r.is_empty()) {
                return self.resolve_key(rest);
            }
        }
        None
    }
}

fn fold_text(text: &str, key: &mut KeyBuf) -> Option<()> {
    key.clear();
    key.push_folded(text);
    (!key.overflowed()).then_some(())
}

/// Resolves a country name, nationality, demonym or code to ISO 3166-1.
///
/// Accepts short names (`Albania`), official names (`Republic of Albania`),
/// demonyms and nationalities (`Albanian`, `Vietnamese`, `British`),
/// alpha-2 (`AL`), alpha-3 (`ALB`) and numeric codes (`008`, `8`),
/// UK-government spellings (`Viet Nam`, `UK`, `Great Britain`, `Britain`)
/// and the constituent countries of the United Kingdom (`England`,
/// `Scotland`, `Wales`, `Northern Ireland`, which give GBR with a note).
/// Case, spacing, punctuation and accents are ignored.
///
/// # Errors
///
/// A [`CountryError`] whose kind tells blanks, unknown values, ambiguous
/// values, historic states, dual nationalities and stateless persons apart.
pub fn country(text: &str) -> Result<Country, CountryError> {
    let table: &'static Table = &TABLE;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(CountryError::Empty);
    }
    let mut key = KeyBuf::new();
    if fold_text(trimmed, &mut key).is_none() {
        return Err(CountryError::Unknown);
    }
    if key.as_str().is_empty() {
        // Only punctuation, such as "-" or "?".
        return Err(CountryError::Empty);
    }
    // "na" is "not available" far more often than Namibia's alpha-2 code
    // in a nationality field: Namibia is "Namibia", "Namibian" or "NAM".
    if ["n/a", "n.a.", "n.a", "na", "-", "?"]
        .iter()
        .any(|marker| trimmed.eq_ignore_ascii_case(marker))
    {
        return Err(CountryError::Empty);
    }
    if let Some(r) = table.resolve_folded(key.as_str()) {
        return r;
    }
    // "Korea, Republic of" / "Iran (Islamic Republic of)" in natural order.
    if let Some(r) = reordered(trimmed, &mut key).and_then(|()| table.resolve_folded(key.as_str()))
    {
        return r;
    }
    if is_multiple(table, trimmed) {
        return Err(CountryError::Multiple);
    }
    Err(CountryError::Unknown)
}

/// Every country a text names: one (`Albanian`), or several, as sources
/// write dual and multiple nationalities: separated (`British/Irish`,
/// `UK; Ireland`, `Albanian & Greek`, `Iraqi and Syrian`), numbered
/// (`(1) Afghan (2) Pakistani`, `1. Afghan 2. Pakistani`) or side by side
/// (`Albanian Greek`: the longest run of words that names a country is
/// taken first, so `South African`, `Sierra Leonean`, `Bosnia and
/// Herzegovina` stay whole). Duplicates are dropped; order is kept.
///
/// # Errors
///
/// As [`country`] for a single value; for several, the first part that
/// does not resolve gives the error (`Empty` and `Stateless` only when the
/// whole text is such a marker).
pub fn countries(text: &str) -> Result<Vec<Country>, CountryError> {
    match country(text) {
        Ok(found) => return Ok(vec![found]),
        Err(CountryError::Multiple | CountryError::Unknown) => {}
        Err(other) => return Err(other),
    }
    let mut found: Vec<Country> = Vec::new();
    let mut push = |c: Country| {
        if !found.iter().any(|f| f.alpha3 == c.alpha3) {
            found.push(c);
        }
    };
    let parts = split_parts(text);
    if parts.len() < 2 && words_of(text).len() < 2 {
        return Err(CountryError::Unknown);
    }
    for part in parts {
        match country(part) {
            Ok(c) => push(c),
            Err(CountryError::Empty) => {}
            Err(_) => {
                for c in by_longest_words(part)? {
                    push(c);
                }
            }
        }
    }
    if found.is_empty() {
        return Err(CountryError::Empty);
    }
    Ok(found)
}

/// A text split at separators and list numbers (`(1)`, `2.`, `;`, `/`).
fn split_parts(text: &str) -> Vec<&str> {
    let is_sep = |c: char| matches!(c, '/' | '&' | ';' | '+' | '|' | ',');
    let mut parts = Vec::new();
    for piece in text.split(is_sep) {
        // " and " between two names, unless it is inside one ("Bosnia and
        // Herzegovina"): split only where both sides resolve.
        let mut rest = piece;
        while let Some(at) = rest.to_ascii_lowercase().find(" and ") {
            let (left, right) = (&rest[..at], &rest[at + 5..]);
            if country(left).is_ok() && country(right).is_ok() && country(rest).is_err() {
                parts.push(left);
                rest = right;
            } else {
                break;
            }
        }
        parts.push(rest);
    }
    parts
        .into_iter()
        .flat_map(|part| part.split(is_list_number))
        .map(|part| part.trim().trim_start_matches(['.', ')']).trim())
        .filter(|part| !part.is_empty())
        .collect()
}

/// `(1)`, `(2)`: a list number's characters (digits and brackets).
fn is_list_number(c: char) -> bool {
    c == '(' || c == ')' || c.is_ascii_digit()
}

fn words_of(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// A part whose words name several countries side by side, read by the
/// longest run of words that names one.
fn by_longest_words(part: &str) -> Result<Vec<Country>, CountryError> {
    let words = words_of(part);
    let mut found = Vec::new();
    let mut start = 0;
    while start < words.len() {
        let mut matched = None;
        for end in (start + 1..=words.len()).rev() {
            let phrase = words[start..end].join(" ");
            if let Ok(c) = country(&phrase) {
                matched = Some((c, end));
                break;
            }
        }
        match matched {
            Some((c, end)) => {
                found.push(c);
                start = end;
            }
            None => return Err(CountryError::Unknown),
        }
    }
    Ok(found)
}

/// Writes "B A" for "A, B" or "A (B)" into `key`, folded.
fn reordered(text: &str, key: &mut KeyBuf) -> Option<()> {
    let (a, b) = if let Some((a, b)) = text.split_once(',') {
        (a, b)
    } else if let Some((a, rest)) = text.split_once('(') {
        (a, rest.trim_end().strip_suffix(')').unwrap_or(rest))
    } else {
        return None;
    };
    key.clear();
    key.push_folded(b);
    key.push_folded(a);
    (!key.overflowed()).then_some(())
}

/// True when the text splits into two parts that are both countries, and
/// they differ (`Albanian Greek`, `British/Irish`).
fn is_multiple(table: &'static Table, text: &str) -> bool {
    let is_sep = |c: char| c.is_whitespace() || matches!(c, '/' | '&' | ',' | ';' | '+');
    let mut key = KeyBuf::new();
    for (i, c) in text.char_indices() {
        if !is_sep(c) {
            continue;
        }
        let (left, right) = (&text[..i], &text[i + c.len_utf8()..]);
        let right = right.trim_start_matches(is_sep);
        let right = right
            .strip_prefix("and ")
            .or_else(|| right.strip_prefix("AND "))
            .unwrap_or(right);
        if left.trim().is_empty() || right.trim().is_empty() {
            continue;
        }
        let one = |part: &str, key: &mut KeyBuf| -> Option<&'static str> {
            fold_text(part, key)?;
            match table.resolve_folded(key.as_str())? {
                Ok(c) => Some(c.alpha3),
                Err(_) => None,
            }
        };
        if let (Some(a), Some(b)) = (one(left, &mut key), one(right, &mut key))
            && a != b
        {
            return true;
        }
    }
    false
}

/// Looks up a country by its ISO 3166-1 alpha-3 code only (exact, upper- or
/// lower-case), for callers that already hold a code.
#[must_use]
pub fn by_alpha3(code: &str) -> Option<Country> {
    let table: &'static Table = &TABLE;
    table
        .entries
        .iter()
        .position(|e| e.alpha3.eq_ignore_ascii_case(code))
        .and_then(|i| table.country(u16::try_from(i).ok()?, None))
}

/// All countries of the list, in `celes` order (for tests and reports).
pub fn all() -> impl Iterator<Item = Country> {
    let table: &'static Table = &TABLE;
    table.entries.iter().map(|e| Country {
        alpha3: e.alpha3,
        alpha2: e.alpha2,
        numeric: e.numeric,
        name: e.name.as_str(),
        note: None,
    })
}

/// Checks that the crate's own tables only name codes that exist in the
/// country list; returns the offending codes (empty when consistent).
#[must_use]
pub fn table_problems() -> Vec<&'static str> {
    let table: &'static Table = &TABLE;
    let known = |a3: &str| table.entries.iter().any(|e| e.alpha3 == a3);
    let mut bad = Vec::new();
    for (a3, _) in DISPLAY_NAMES.iter().chain(EXTRA_SPELLINGS.iter()) {
        if !known(a3) {
            bad.push(*a3);
        }
    }
    for (a3, _, _) in NOTED_SPELLINGS {
        if !known(a3) {
            bad.push(*a3);
        }
    }
    bad
}

#[cfg(test)]
mod several {
    use super::{CountryError, countries, country};

    fn codes(text: &str) -> Result<Vec<&'static str>, CountryError> {
        countries(text).map(|found| found.iter().map(|c| c.alpha3).collect())
    }

    #[test]
    fn several_nationalities_in_one_text_are_each_found() {
        for (text, expected) in [
            ("Albanian", vec!["ALB"]),
            ("Albanian Greek", vec!["ALB", "GRC"]),
            ("British/Irish", vec!["GBR", "IRL"]),
            ("UK; Ireland", vec!["GBR", "IRL"]),
            ("(1) Afghan (2) Pakistani", vec!["AFG", "PAK"]),
            ("1. Iraqi 2. Syrian", vec!["IRQ", "SYR"]),
            ("Iraqi and Syrian", vec!["IRQ", "SYR"]),
            ("Bosnia and Herzegovina", vec!["BIH"]),
            ("South African", vec!["ZAF"]),
            ("Sierra Leonean Nigerian", vec!["SLE", "NGA"]),
            ("Korea, Republic of", vec!["KOR"]),
            ("British, British", vec!["GBR"]),
            ("Eritrean & Ethiopian", vec!["ERI", "ETH"]),
        ] {
            assert_eq!(codes(text), Ok(expected), "{text:?}");
        }
    }

    #[test]
    fn not_known_is_never_a_country() {
        for text in [
            "n/a",
            " na",
            "NA",
            "N/A",
            "not known",
            "unknown",
            "not stated",
            "none",
            "nil",
            "-",
            "?",
            "unspecified",
        ] {
            assert_eq!(codes(text), Err(CountryError::Empty), "{text:?}");
        }
        assert_eq!(codes("stateless"), Err(CountryError::Stateless));
        assert_eq!(country("Namibian").map(|c| c.alpha3), Ok("NAM"));
        assert_eq!(codes("Albanian Atlantean"), Err(CountryError::Unknown));
    }
}
