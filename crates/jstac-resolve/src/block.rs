//! Candidate generation: records sharing any blocking key are compared.
//! Keys: the whole name key; each pair of a name's phonetic codes; each
//! name word's code with a year of birth; the exact date of birth and its
//! day-month swap; each identifier; each postcode and each shared context
//! with a name word's code. A key held by more than `max_block` records is
//! too common to say anything and is skipped (the other keys still meet).

use std::hash::{Hash, Hasher};

use chrono::Datelike;
use rustc_hash::{FxHashMap, FxHasher};

use crate::prepare::Prepared;

/// Hashes its arguments into one blocking key.
macro_rules! key_of {
    ($($part:expr),+) => {{
        let mut h = FxHasher::default();
        $($part.hash(&mut h);)+
        h.finish()
    }};
}

/// The blocking keys of one record (hashed).
pub(crate) fn keys(r: &Prepared) -> Vec<u64> {
    let mut out = Vec::new();
    let mut years: Vec<i32> = Vec::new();
    for d in &r.dobs {
        if let Some(x) = d.exact() {
            out.push(key_of!("d", d.earliest));
            if x.day() <= 12
                && x.day() != x.month()
                && let Some(s) = chrono::NaiveDate::from_ymd_opt(x.year(), x.day(), x.month())
            {
                out.push(key_of!("d", s.num_days_from_ce()));
            }
        }
        if d.latest - d.earliest <= 366
            && let Some(e) = chrono::NaiveDate::from_num_days_from_ce_opt(d.earliest)
        {
            years.push(e.year());
        }
    }
    years.sort_unstable();
    years.dedup();
    for n in &r.names {
        out.push(key_of!("n", n.key.as_str()));
        for (i, a) in n.codes.iter().enumerate() {
            if a.is_empty() {
                continue;
            }
            for b in &n.codes[i + 1..] {
                let (x, y) = if a <= b { (a, b) } else { (b, a) };
                out.push(key_of!("c", x.as_str(), y.as_str()));
            }
            let k = &n.skeletons[i];
            for b in &n.skeletons[i + 1..] {
                let (x, y) = if k <= b { (k, b) } else { (b, k) };
                out.push(key_of!("s", x.as_str(), y.as_str()));
            }
            for y in &years {
                out.push(key_of!("y", a.as_str(), y));
            }
            for p in &r.postcodes {
                out.push(key_of!("p", p.as_str(), a.as_str()));
            }
            for c in &r.context {
                out.push(key_of!("o", c.as_str(), a.as_str()));
            }
        }
    }
    for p in &r.phones {
        out.push(key_of!("t", p.as_str()));
    }
    for d in &r.documents {
        out.push(key_of!("i", d.value.as_str()));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Every pair `(a, b)`, `a < b`, of records of different datasets sharing
/// a key; with `only`, pairs with at least one record it marks.
pub(crate) fn candidates(
    records: &[Prepared],
    max_block: usize,
    only: Option<&[bool]>,
) -> Vec<(u32, u32)> {
    let mut blocks: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    for (i, r) in records.iter().enumerate() {
        for k in keys(r) {
            blocks.entry(k).or_default().push(i as u32);
        }
    }
    let mut pairs = Vec::new();
    for members in blocks.values() {
        if members.len() < 2 || members.len() > max_block {
            continue;
        }
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if records[a as usize].group == records[b as usize].group
                    || only.is_some_and(|o| !o[a as usize] && !o[b as usize])
                {
                    continue;
                }
                pairs.push((a.min(b), a.max(b)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}
