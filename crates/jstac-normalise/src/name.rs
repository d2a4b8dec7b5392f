//! Person names: tidying, name order, titles, display form and match key.
//!
//! ```
//! use jstac_normalise::name::{person_name, NameOrder};
//! let a = person_name("HOXHA, Ana", NameOrder::Auto).unwrap();
//! let b = person_name("Ana Hoxha", NameOrder::Auto).unwrap();
//! assert_eq!((a.family.as_str(), a.given.as_str()), ("Hoxha", "Ana"));
//! assert_eq!(a.match_key, b.match_key);
//! ```
//!
//! Rules:
//! - whitespace is trimmed and collapsed;
//! - a leading title (`Mr`, `Mrs`, `Ms`, `Miss`, `Mx`, `Dr`, `Prof`, `Sir`,
//!   `Dame`, `Rev`, …, with or without a full stop) is removed and returned
//!   separately in its canonical form;
//! - a token written all in capitals or all in lower case is put in title
//!   case, respecting hyphens and apostrophes (`O'BRIEN` → `O'Brien`,
//!   `SMITH-JONES` → `Smith-Jones`) and the `Mc` prefix (`MCDONALD` →
//!   `McDonald`); a token in mixed case is kept as written (`McDonald`,
//!   `DeVito`), and so is a lower-case particle (`van`, `de`, `bin`, …) in an
//!   otherwise mixed-case name;
//! - a comma always means `family, given` (`HOXHA, Ana`), whatever the
//!   [`NameOrder`]; without a comma the order decides (see [`NameOrder`]).
//!
//! The [`match_key`](PersonName::match_key) is for finding the same person
//! across sources: words are transliterated to ASCII and lower-cased
//! (`Đặng` → `dang`, `ß` → `ss`, `ø` → `o`, `æ` → `ae`), hyphens split words,
//! apostrophes are dropped, a few very common transliteration variants are
//! unified (`Mohammed`/`Muhammad`/`Mohamed`… → `muhammad`, `Ahmed`/`Ahmad` →
//! `ahmad`) and the words are sorted, so order and case do not matter.

/// How to read a name written without a comma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NameOrder {
    /// `Forenames Surname`: the last word is the family name.
    GivenFirst,
    /// `Surname Forenames` (for example Vietnamese or Chinese names from a
    /// source that writes them so): the first word is the family name.
    FamilyFirst,
    /// Decide from the text: words written all in capitals among words that
    /// are not (`Ana HOXHA`, `NGUYEN Thi Lan`) are the family name; with no
    /// such hint, as [`GivenFirst`](Self::GivenFirst). A single word is taken
    /// as the family name.
    #[default]
    Auto,
}

/// A normalised person name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName {
    /// Title removed from the name, canonical (`"Mr"`, `"Dr"`, …).
    pub title: Option<&'static str>,
    /// Given names (forenames), space-separated; may be empty.
    pub given: String,
    /// Family name (surname); may be empty when only given names are known.
    pub family: String,
    /// Full name for display, in the order the source uses (family first
    /// for a family-first name, otherwise given names first), no title.
    pub display: String,
    /// Order-, case- and accent-insensitive key for matching people.
    pub match_key: String,
}

/// Why a name could not be normalised. Never includes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum NameError {
    /// Blank, or only a title.
    #[error("no name given")]
    Empty,
    /// Contains no letter at all.
    #[error("name contains no letters")]
    NoLetters,
    /// Longer than [`MAX_NAME_CHARS`] characters.
    #[error("name is implausibly long")]
    TooLong,
}

impl NameError {
    /// A stable, short label for counting outcomes: `"empty"`,
    /// `"no_letters"` or `"too_long"`.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NoLetters => "no_letters",
            Self::TooLong => "too_long",
        }
    }
}

/// Longest accepted name, in characters.
pub const MAX_NAME_CHARS: usize = 300;

const TITLES: &[(&str, &str)] = &[
    ("mr", "Mr"),
    ("mister", "Mr"),
    ("mrs", "Mrs"),
    ("ms", "Ms"),
    ("miss", "Miss"),
    ("mx", "Mx"),
    ("dr", "Dr"),
    ("doctor", "Dr"),
    ("prof", "Prof"),
    ("professor", "Prof"),
    ("sir", "Sir"),
    ("dame", "Dame"),
    ("lord", "Lord"),
    ("lady", "Lady"),
    ("rev", "Rev"),
    ("revd", "Rev"),
    ("reverend", "Rev"),
    ("fr", "Fr"),
    ("father", "Fr"),
    ("sr", "Sr"),
    ("sister", "Sr"),
    ("master", "Master"),
];

const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le", "bin", "binti",
    "bint", "ibn", "al", "el", "ter", "ten", "dos", "das", "do", "y",
];

/// Groups of transliteration variants unified in the match key.
const VARIANTS: &[(&str, &str)] = &[
    ("mohammed", "muhammad"),
    ("mohammad", "muhammad"),
    ("mohamed", "muhammad"),
    ("mohamad", "muhammad"),
    ("muhammed", "muhammad"),
    ("muhamed", "muhammad"),
    ("muhamad", "muhammad"),
    ("mohammod", "muhammad"),
    ("mohamud", "muhammad"),
    ("mohd", "muhammad"),
    ("mhd", "muhammad"),
    ("ahmed", "ahmad"),
    ("ahmet", "ahmad"),
];

fn title_of(token: &str) -> Option<&'static str> {
    let t = token.strip_suffix('.').unwrap_or(token);
    if t.len() > 9 {
        return None;
    }
    TITLES
        .iter()
        .find(|(k, _)| t.eq_ignore_ascii_case(k))
        .map(|(_, v)| *v)
}

/// True for a word of two or more letters written all in capitals.
fn is_caps(token: &str) -> bool {
    let mut letters = 0;
    for c in token.chars() {
        if is_lower_letter(c) {
            return false;
        }
        if c.is_uppercase() {
            letters += 1;
        }
    }
    letters >= 2
}

/// A lower-case letter that has an everyday capital ("ß" has none in
/// practice, so "STRAUß" counts as written in capitals).
fn is_lower_letter(c: char) -> bool {
    c.is_lowercase() && c != 'ß'
}

fn has_lower(token: &str) -> bool {
    token.chars().any(is_lower_letter)
}

/// Puts one word in the right case, appending it to `out`.
fn push_cased(token: &str, keep_lower_particle: bool, out: &mut String) {
    let upper = token.chars().any(char::is_uppercase);
    let lower = has_lower(token);
    if upper && lower {
        out.push_str(token);
        return;
    }
    if lower && keep_lower_particle && PARTICLES.contains(&token) {
        out.push_str(token);
        return;
    }
    let is_sep = |c: char| matches!(c, '-' | '\'' | '\u{2019}' | '\u{2018}');
    for piece in token.split_inclusive(is_sep) {
        let (word, sep) = match piece.char_indices().last() {
            Some((i, c)) if is_sep(c) => (&piece[..i], &piece[i..]),
            _ => (piece, ""),
        };
        push_title_word(word, out);
        out.push_str(sep);
    }
}

/// Appends `word` in title case; "MCDONALD" gives "McDonald".
fn push_title_word(word: &str, out: &mut String) {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return };
    out.extend(first.to_uppercase());
    let rest: String = chars.flat_map(char::to_lowercase).collect();
    match rest.strip_prefix('c') {
        Some(after) if (first == 'M' || first == 'm') && after.chars().count() >= 2 => {
            out.push('c');
            let mut after = after.chars();
            if let Some(c) = after.next() {
                out.extend(c.to_uppercase());
            }
            out.extend(after);
        }
        _ => out.push_str(&rest),
    }
}

/// Removes leading titles from `words` into `title`. Keeps at least one
/// word unless `may_empty`.
fn take_title(words: &mut Vec<&str>, title: &mut Option<&'static str>, may_empty: bool) {
    while words.len() > usize::from(!may_empty) {
        match title_of(words[0]) {
            Some(t) => {
                title.get_or_insert(t);
                words.remove(0);
            }
            None => break,
        }
    }
}

fn folded_tokens_into(part: &str, keys: &mut Vec<String>) {
    for word in part.split(|c: char| c.is_whitespace() || c == '-' || c == '‐') {
        let mut k = String::with_capacity(word.len());
        crate::fold::fold_word_into(word, &mut k);
        if k.is_empty() {
            continue;
        }
        if let Some((_, canon)) = VARIANTS.iter().find(|(v, _)| *v == k) {
            k.clear();
            k.push_str(canon);
        }
        keys.push(k);
    }
}

/// Builds the match key of any name text: transliterated, lower-cased,
/// words sorted; titles and punctuation ignored. `"HOXHA, Ana"`,
/// `"Ana Hoxha"` and `"Mrs ana HOXHA"` give the same key, `"ana hoxha"`.
#[must_use]
pub fn match_key(text: &str) -> String {
    match_key_of_parts([text])
}

/// The match key of a name written in several fields (a family name and
/// given names, each in its own column): every part's words, folded as in
/// [`match_key`] and sorted together. `["HOXHA", "Ana"]` gives the key of
/// `"Ana Hoxha"`, `"ana hoxha"`.
#[must_use]
pub fn match_key_of_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut keys = Vec::new();
    for part in parts.into_iter().flat_map(|text| text.split(',')) {
        let mut words = part.split_whitespace().peekable();
        // Drop titles at the start of each part.
        while let Some(w) = words.peek() {
            if title_of(w).is_some() {
                words.next();
            } else {
                break;
            }
        }
        for w in words {
            folded_tokens_into(w, &mut keys);
        }
    }
    keys.sort_unstable();
    keys.join(" ")
}

/// Checks one part of a name written in its own field (a family name, or
/// given names) without reordering or splitting it: the errors of
/// [`person_name`]. A part that is only a title (`"Mr"`) is
/// [`NameError::Empty`].
///
/// # Errors
///
/// [`NameError::Empty`], [`NameError::NoLetters`] or [`NameError::TooLong`].
pub fn check_name_part(text: &str) -> Result<(), NameError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NameError::Empty);
    }
    if text.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    if !text.chars().any(char::is_alphabetic) {
        return Err(NameError::NoLetters);
    }
    if text.split_whitespace().all(|w| title_of(w).is_some()) {
        return Err(NameError::Empty);
    }
    Ok(())
}

fn clean_token(token: &str) -> &str {
    token.trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '(' | ')' | '[' | ']' | '*'))
}

/// Normalises a person name written in one field.
///
/// # Errors
///
/// [`NameError::Empty`] for a blank value (or a title alone),
/// [`NameError::NoLetters`] when there is no letter, [`NameError::TooLong`]
/// past [`MAX_NAME_CHARS`].
pub fn person_name(text: &str, order: NameOrder) -> Result<PersonName, NameError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NameError::Empty);
    }
    if text.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    if !text.chars().any(char::is_alphabetic) {
        return Err(NameError::NoLetters);
    }
    let mut title = None;
    let (family_words, given_words, family_first) = if let Some((f, g)) = text.split_once(',') {
        let mut f: Vec<&str> = f
            .split_whitespace()
            .map(clean_token)
            .filter(|w| !w.is_empty())
            .collect();
        let mut g: Vec<&str> = g
            .split_whitespace()
            .map(clean_token)
            .filter(|w| !w.is_empty())
            .collect();
        take_title(&mut f, &mut title, false);
        take_title(&mut g, &mut title, true);
        // "HOXHA, Ana" is displayed "Ana Hoxha" unless the caller says the
        // source writes names family first.
        (f, g, order == NameOrder::FamilyFirst)
    } else {
        let mut words: Vec<&str> = text
            .split_whitespace()
            .map(clean_token)
            .filter(|w| !w.is_empty())
            .collect();
        take_title(&mut words, &mut title, false);
        if let [only] = words.as_slice()
            && title_of(only).is_some()
        {
            return Err(NameError::Empty);
        }
        split_order(&words, order)
    };
    if family_words.is_empty() && given_words.is_empty() {
        return Err(NameError::Empty);
    }

    let mixed = text.chars().any(is_lower_letter) && text.chars().any(char::is_uppercase);
    let join = |words: &[&str], first_of_display: bool| -> String {
        let mut s = String::new();
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            push_cased(w, mixed && !(first_of_display && i == 0), &mut s);
        }
        s
    };
    let family = join(&family_words, family_first);
    let given = join(&given_words, !family_first);
    let display = match (family.is_empty(), given.is_empty()) {
        (true, _) => given.clone(),
        (_, true) => family.clone(),
        _ if family_first => format!("{family} {given}"),
        _ => format!("{given} {family}"),
    };
    let mut keys = Vec::with_capacity(family_words.len() + given_words.len());
    folded_tokens_into(&family, &mut keys);
    folded_tokens_into(&given, &mut keys);
    keys.sort_unstable();
    let match_key = keys.join(" ");
    if match_key.is_empty() {
        return Err(NameError::NoLetters);
    }
    Ok(PersonName {
        title,
        given,
        family,
        display,
        match_key,
    })
}

/// Splits comma-less words into (family, given, family-first display).
fn split_order<'a>(words: &[&'a str], order: NameOrder) -> (Vec<&'a str>, Vec<&'a str>, bool) {
    match words {
        [] => (Vec::new(), Vec::new(), false),
        [one] => (vec![*one], Vec::new(), order == NameOrder::FamilyFirst),
        _ => match order {
            NameOrder::GivenFirst => {
                let (g, f) = words.split_at(words.len() - 1);
                (f.to_vec(), g.to_vec(), false)
            }
            NameOrder::FamilyFirst => {
                let (f, g) = words.split_at(1);
                (f.to_vec(), g.to_vec(), true)
            }
            NameOrder::Auto => {
                let caps: Vec<bool> = words.iter().map(|w| is_caps(w)).collect();
                let any_caps = caps.iter().any(|c| *c);
                let any_other = words.iter().zip(&caps).any(|(w, c)| !c && has_lower(w));
                if any_caps && any_other {
                    let family = words
                        .iter()
                        .zip(&caps)
                        .filter(|(_, c)| **c)
                        .map(|(w, _)| *w)
                        .collect();
                    let given = words
                        .iter()
                        .zip(&caps)
                        .filter(|(_, c)| !**c)
                        .map(|(w, _)| *w)
                        .collect();
                    (family, given, caps[0])
                } else {
                    let (g, f) = words.split_at(words.len() - 1);
                    (f.to_vec(), g.to_vec(), false)
                }
            }
        },
    }
}
