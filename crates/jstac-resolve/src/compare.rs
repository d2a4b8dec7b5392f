//! Pairwise comparison: each feature of two records at one of its levels.
//! A level is a small integer; level 0 of a feature with `null` set means
//! "nothing to compare" and weighs nothing. Several names or dates of birth
//! on either side: the best-agreeing pair counts.

use chrono::Datelike;

use crate::prepare::{Dob, Frequencies, Name, Prepared};

/// A feature and the names of its levels, lowest agreement first.
#[derive(Debug)]
pub struct Feature {
    pub name: &'static str,
    pub levels: &'static [&'static str],
    /// Level 0 means the feature cannot be compared (a value missing).
    pub null: bool,
}

pub const NAME: usize = 0;
pub const DOB: usize = 1;
pub const NATIONALITY: usize = 2;
pub const GENDER: usize = 3;
pub const DOCUMENT: usize = 4;
pub const PHONE: usize = 5;
pub const POSTCODE: usize = 6;
pub const CONTEXT: usize = 7;

pub const NAME_EXACT: u8 = 6;
pub const DOB_EXACT: u8 = 6;
pub const SAME: u8 = 2;

pub const FEATURES: [Feature; 8] = [
    Feature {
        name: "name",
        levels: &[
            "missing",
            "different",
            "one word shared",
            "two or more words shared",
            "words missing",
            "similar",
            "exact",
        ],
        null: true,
    },
    Feature {
        name: "date_of_birth",
        levels: &[
            "missing",
            "different",
            "same year",
            "compatible",
            "one day or one year apart",
            "day and month swapped",
            "exact",
        ],
        null: true,
    },
    Feature {
        name: "nationality",
        levels: &["missing", "different", "same"],
        null: true,
    },
    Feature {
        name: "gender",
        levels: &["missing", "different", "same"],
        null: true,
    },
    Feature {
        name: "document",
        levels: &["missing", "different of one issuer", "same"],
        null: true,
    },
    Feature {
        name: "phone",
        levels: &["none shared", "shared"],
        null: false,
    },
    Feature {
        name: "postcode",
        levels: &["none shared", "shared"],
        null: false,
    },
    Feature {
        name: "context",
        levels: &["none shared", "shared"],
        null: false,
    },
];

pub const F: usize = FEATURES.len();

/// The levels of one pair, packed three bits a feature.
pub type Pattern = u32;

pub fn pack(levels: &[u8; F]) -> Pattern {
    levels
        .iter()
        .enumerate()
        .fold(0, |acc, (i, l)| acc | (u32::from(*l) << (3 * i)))
}

pub fn level(pattern: Pattern, feature: usize) -> u8 {
    ((pattern >> (3 * feature)) & 7) as u8
}

/// Two tokens alike: equal, the same Double Metaphone code (words of three
/// letters or more) or consonant skeleton (`al`/`el`), or Jaro-Winkler at least
/// 0.88 (one typo in a word of five letters or more).
fn tokens_alike(a: (&str, &str, &str), b: (&str, &str, &str)) -> bool {
    let long = a.0.len().min(b.0.len()) >= 3;
    a.0 == b.0
        || (long && !a.1.is_empty() && a.1 == b.1)
        || (a.2.len() >= 2 && a.2 == b.2)
        || strsim::jaro_winkler(a.0, b.0) >= 0.88
}

fn name_level(a: &Name, b: &Name) -> u8 {
    if a.key == b.key {
        return NAME_EXACT;
    }
    let (s, l) = if a.tokens.len() <= b.tokens.len() {
        (a, b)
    } else {
        (b, a)
    };
    let mut used = vec![false; l.tokens.len()];
    let mut matched = 0;
    for i in 0..s.tokens.len() {
        let t = (
            s.tokens[i].as_str(),
            s.codes[i].as_str(),
            s.skeletons[i].as_str(),
        );
        let hit = (0..l.tokens.len()).position(|j| {
            !used[j]
                && tokens_alike(
                    t,
                    (
                        l.tokens[j].as_str(),
                        l.codes[j].as_str(),
                        l.skeletons[j].as_str(),
                    ),
                )
        });
        if let Some(j) = hit {
            used[j] = true;
            matched += 1;
        }
    }
    let n = s.tokens.len();
    if matched == n && n == l.tokens.len() {
        5
    } else if matched == n && n >= 2 {
        4
    } else if matched >= 2 {
        3
    } else if matched == 1 {
        2
    } else {
        1
    }
}

fn dob_level(a: Dob, b: Dob) -> u8 {
    match (a.exact(), b.exact()) {
        (Some(x), Some(y)) => {
            if x == y {
                DOB_EXACT
            } else if x.year() == y.year() && x.month() == y.day() && x.day() == y.month() {
                5
            } else if (a.earliest - b.earliest).abs() <= 1
                || (x.month() == y.month()
                    && x.day() == y.day()
                    && (x.year() - y.year()).abs() == 1)
            {
                4
            } else if x.year() == y.year() {
                2
            } else {
                1
            }
        }
        _ => {
            if a.earliest <= b.latest && b.earliest <= a.latest {
                3
            } else {
                1
            }
        }
    }
}

fn best<T>(a: &[T], b: &[T], f: impl Fn(&T, &T) -> u8) -> u8 {
    let mut best = 0;
    for x in a {
        for y in b {
            best = best.max(f(x, y));
        }
    }
    best
}

fn shares(a: &[String], b: &[String]) -> bool {
    // Both sorted.
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    false
}

fn same_or_missing(a: &[String], b: &[String]) -> u8 {
    if a.is_empty() || b.is_empty() {
        0
    } else if shares(a, b) {
        SAME
    } else {
        1
    }
}

/// The levels of a pair of records.
pub fn compare(a: &Prepared, b: &Prepared) -> [u8; F] {
    let mut l = [0u8; F];
    l[NAME] = best(&a.names, &b.names, name_level);
    // Exact dates decide when both sides have one; ranges (a year, an
    // age at an event) count only when a side has no exact date.
    l[DOB] = if a.exact_dobs().next().is_some() && b.exact_dobs().next().is_some() {
        let exact = |r: &Prepared| {
            r.dobs
                .iter()
                .copied()
                .filter(|d| d.exact().is_some())
                .collect::<Vec<_>>()
        };
        best(&exact(a), &exact(b), |x, y| dob_level(*x, *y))
    } else {
        best(&a.dobs, &b.dobs, |x, y| dob_level(*x, *y))
    };
    l[NATIONALITY] = same_or_missing(&a.nationalities, &b.nationalities);
    l[GENDER] = match (&a.gender, &b.gender) {
        (Some(x), Some(y)) => 1 + u8::from(x == y),
        _ => 0,
    };
    l[DOCUMENT] = if a
        .documents
        .iter()
        .any(|d| b.documents.iter().any(|e| e.value == d.value))
    {
        SAME
    } else if document_conflict(a, b) {
        1
    } else {
        0
    };
    l[PHONE] = u8::from(shares(&a.phones, &b.phones));
    l[POSTCODE] = u8::from(shares(&a.postcodes, &b.postcodes));
    l[CONTEXT] = u8::from(shares(&a.context, &b.context));
    l
}

/// Passports of one issuer, none shared: two different people (unless the
/// pair itself is a strong match).
pub fn document_conflict(a: &Prepared, b: &Prepared) -> bool {
    let passports = |r: &'_ Prepared| {
        r.documents
            .iter()
            .filter(|d| d.kind.contains("passport") && !d.issuer.is_empty())
            .map(|d| (d.issuer.clone(), d.value.clone()))
            .collect::<Vec<_>>()
    };
    let (pa, pb) = (passports(a), passports(b));
    pa.iter().any(|(issuer, _)| {
        let mine: Vec<_> = pa.iter().filter(|(i, _)| i == issuer).collect();
        let theirs: Vec<_> = pb.iter().filter(|(i, _)| i == issuer).collect();
        !theirs.is_empty() && !mine.iter().any(|m| theirs.iter().any(|t| t.1 == m.1))
    })
}

/// Two records whose exact dates of birth all differ.
pub fn dob_conflict(a: &Prepared, b: &Prepared) -> bool {
    let mut x = a.exact_dobs().peekable();
    let mut y: Vec<i32> = b.exact_dobs().collect();
    if x.peek().is_none() || y.is_empty() {
        return false;
    }
    y.sort_unstable();
    !x.any(|d| y.binary_search(&d).is_ok())
}

/// The value-specific share (term frequency) of what a pair agrees on
/// exactly, per feature: the rarest shared name, date, phone or document.
pub fn value_shares(
    a: &Prepared,
    b: &Prepared,
    levels: &[u8; F],
    f: &Frequencies,
) -> [Option<f64>; F] {
    let mut out = [None; F];
    if levels[NAME] == NAME_EXACT {
        out[NAME] = a
            .names
            .iter()
            .filter(|n| b.names.iter().any(|m| m.key == n.key))
            .map(|n| f.names.get(&n.key).copied().unwrap_or(1))
            .min()
            .map(|c| f.share(c));
    }
    if levels[DOB] == DOB_EXACT {
        out[DOB] = a
            .exact_dobs()
            .filter(|d| b.exact_dobs().any(|e| e == *d))
            .map(|d| f.dobs.get(&d).copied().unwrap_or(1))
            .min()
            .map(|c| f.share(c));
    }
    if levels[PHONE] == 1 {
        out[PHONE] = a
            .phones
            .iter()
            .filter(|p| b.phones.contains(p))
            .map(|p| f.phones.get(p).copied().unwrap_or(1))
            .min()
            .map(|c| f.share(c));
    }
    if levels[DOCUMENT] == SAME {
        out[DOCUMENT] = a
            .documents
            .iter()
            .filter(|d| b.documents.iter().any(|e| e.value == d.value))
            .map(|d| f.documents.get(&d.value).copied().unwrap_or(1))
            .min()
            .map(|c| f.share(c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::partial;

    fn name(key: &str) -> Name {
        let tokens: Vec<String> = key.split(' ').map(str::to_owned).collect();
        let m = rphonetic::DoubleMetaphone::default();
        let codes = tokens
            .iter()
            .map(|t| rphonetic::Encoder::encode(&m, t))
            .collect();
        let skeletons = tokens.iter().map(|t| crate::prepare::skeleton(t)).collect();
        Name {
            key: key.to_owned(),
            tokens,
            codes,
            skeletons,
        }
    }

    #[test]
    fn levels_of_names_and_dates() {
        assert_eq!(name_level(&name("ali hassan"), &name("ali hassan")), 6);
        assert_eq!(name_level(&name("ali hasan"), &name("ali hassan")), 5);
        assert_eq!(name_level(&name("jhon smith"), &name("john smith")), 5);
        assert_eq!(name_level(&name("al sayed"), &name("el sayed")), 5);
        assert_eq!(name_level(&name("ali hassan"), &name("ali hassan musa")), 4);
        assert_eq!(
            name_level(&name("mohamed yohannes"), &name("mohamed yonas")),
            5
        );
        assert_eq!(
            name_level(&name("amy bega laura"), &name("amy kola laura")),
            3
        );
        assert_eq!(name_level(&name("ali omar"), &name("ali zaid")), 2);
        assert_eq!(name_level(&name("ana hoxha"), &name("bui lan")), 1);
        let d = |s| partial(s).unwrap();
        assert_eq!(dob_level(d("1980-03-04"), d("1980-03-04")), 6);
        assert_eq!(dob_level(d("1980-03-04"), d("1980-04-03")), 5);
        assert_eq!(dob_level(d("1980-03-04"), d("1980-03-05")), 4);
        assert_eq!(dob_level(d("1980-03-04"), d("1980")), 3);
        assert_eq!(dob_level(d("1980-03-04"), d("1980-09-20")), 2);
        assert_eq!(dob_level(d("1980-03-04"), d("1975-09-20")), 1);
        let mut levels = [0; F];
        levels[DOB] = 6;
        levels[CONTEXT] = 1;
        let p = pack(&levels);
        assert_eq!(
            (level(p, DOB), level(p, CONTEXT), level(p, NAME)),
            (6, 1, 0)
        );
    }
}
