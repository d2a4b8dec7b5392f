//! The Fellegi–Sunter model: per feature and level, `m` (how often true
//! matches agree at that level) and `u` (how often two random records do).
//! `u` is counted on random pairs of records of different datasets (almost
//! all non-matches); `m` and the share of matches among candidate pairs
//! (`lambda`) are found by expectation-maximisation over the candidates'
//! level patterns, with no labels. A level's weight is `log2(m / u)`; for
//! an exact name, date of birth, phone or document, `u` is that value's own
//! share of records (term frequency), so a common name weighs less.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::compare::{F, FEATURES, Pattern, compare, level};
use crate::prepare::Prepared;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Model {
    /// Share of all pairs of records of different datasets that match.
    pub lambda: f64,
    /// `m[feature][level]`, `u[feature][level]`.
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// Records and candidate pairs the model was trained on.
    pub records: usize,
    pub pairs: usize,
    pub iterations: usize,
}

/// Smallest probability any level keeps, so no weight is infinite.
const FLOOR: f64 = 1e-5;

impl Model {
    /// The weight of a level; level 0 of a feature that may be missing
    /// weighs nothing.
    #[must_use]
    pub fn weight(&self, feature: usize, lvl: u8) -> f64 {
        if lvl == 0 && FEATURES[feature].null {
            return 0.0;
        }
        let (m, u) = (self.m[feature][lvl as usize], self.u[feature][lvl as usize]);
        (m.max(FLOOR) / u.max(FLOOR)).log2()
    }

    /// The weight of an exact agreement on a value held by `share` of the
    /// records.
    #[must_use]
    pub fn weight_tf(&self, feature: usize, lvl: u8, share: f64) -> f64 {
        let m = self.m[feature][lvl as usize];
        (m.max(FLOOR) / share.max(FLOOR)).log2()
    }

    /// The prior weight: log2 of the odds that a candidate pair matches.
    #[must_use]
    pub fn prior(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Trains a model on `records` and their candidate `pairs`, as Splink
    /// does: `u` from random pairs; `m` of every feature but the date of
    /// birth by EM over the candidates sharing an exact date of birth, and
    /// `m` of the date of birth by EM over those sharing an exact name
    /// (a feature that blocked a pair cannot be learned from it); then
    /// `lambda` by EM over all candidates with `m` and `u` fixed.
    pub(crate) fn train(records: &[Prepared], pairs: &[(u32, u32)], seed: u64) -> Model {
        let u = random_u(records, seed);
        let mut all: FxHashMap<Pattern, f64> = FxHashMap::default();
        let mut by_dob: FxHashMap<Pattern, f64> = FxHashMap::default();
        let mut by_name: FxHashMap<Pattern, f64> = FxHashMap::default();
        // Pairs sharing a document: almost surely one person; how their
        // dates of birth agree is the date's `m`.
        let mut silver: Vec<f64> = vec![0.0; FEATURES[crate::compare::DOB].levels.len()];
        let mut patterns = Vec::with_capacity(pairs.len());
        for &(a, b) in pairs {
            let l = compare(&records[a as usize], &records[b as usize]);
            let p = crate::compare::pack(&l);
            patterns.push(p);
            *all.entry(p).or_default() += 1.0;
            if l[crate::compare::DOB] == crate::compare::DOB_EXACT {
                *by_dob.entry(p).or_default() += 1.0;
            }
            if l[crate::compare::NAME] == crate::compare::NAME_EXACT {
                *by_name.entry(p).or_default() += 1.0;
            }
            if l[crate::compare::DOCUMENT] == crate::compare::SAME {
                silver[l[crate::compare::DOB] as usize] += 1.0;
            }
        }
        let start: Vec<Vec<f64>> = FEATURES
            .iter()
            .map(|f| {
                let n = f.levels.len();
                // Start: matches mostly agree at the top level.
                let raw: Vec<f64> = (0..n).map(|l| 4f64.powi(l as i32)).collect();
                let total: f64 = raw.iter().sum();
                raw.iter().map(|x| x / total).collect()
            })
            .collect();
        let (m_dob, _, i1) = em(
            &by_dob,
            &u,
            start.clone(),
            Some(crate::compare::DOB),
            true,
            0.0,
        );
        let (m_name, _, i2) = em(&by_name, &u, start, Some(crate::compare::NAME), true, 0.0);
        let mut m = m_dob;
        let known: f64 = silver[1..].iter().sum();
        m[crate::compare::DOB] = if known >= 20.0 {
            // Half a pair's worth of each level, so none is impossible.
            let total = known + 0.5 * (silver.len() - 1) as f64;
            let mut row: Vec<f64> = silver.iter().map(|c| (c + 0.5) / total).collect();
            row[0] = 0.0;
            row
        } else {
            // Too few to count: EM over pairs of one name learns namesakes
            // (common names) as much as matches, so a cautious prior:
            // records of one person mostly give one date.
            let _ = &m_name;
            vec![0.0, 0.02, 0.01, 0.05, 0.03, 0.02, 0.87]
        };
        for f in 0..F {
            if f != crate::compare::DOB && f != crate::compare::NAME {
                for l in 0..m[f].len() {
                    m[f][l] = (m[f][l] + m_name[f][l]) / 2.0;
                }
            }
        }
        // The prior is over all pairs of records of different datasets (as
        // `u` is): pairs never blocked together count as non-matches.
        let mut per_group: FxHashMap<u32, f64> = FxHashMap::default();
        for r in records {
            *per_group.entry(r.group).or_default() += 1.0;
        }
        let n = records.len() as f64;
        let cross = (n * n - per_group.values().map(|g| g * g).sum::<f64>()) / 2.0;
        let (lambda, i3) = one_to_one_lambda(records, pairs, &patterns, &m, &u, cross.max(1.0));
        Model {
            lambda,
            m,
            u,
            records: records.len(),
            pairs: pairs.len(),
            iterations: i1 + i2 + i3,
        }
    }
}

/// The share of all cross-dataset pairs that match, by EM with `m` and
/// `u` fixed, counting each record's matches in another dataset once (its
/// likeliest candidate there): a record with five namesakes in a dataset
/// is at most one person there, so namesakes do not inflate the prior.
fn one_to_one_lambda(
    records: &[Prepared],
    pairs: &[(u32, u32)],
    patterns: &[Pattern],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    cross: f64,
) -> (f64, usize) {
    let mut llr: FxHashMap<Pattern, f64> = FxHashMap::default();
    for &p in patterns {
        llr.entry(p).or_insert_with(|| {
            (0..F)
                .filter(|&f| !(level(p, f) == 0 && FEATURES[f].null))
                .map(|f| {
                    let l = level(p, f) as usize;
                    m[f][l].max(FLOOR).ln() - u[f][l].max(FLOOR).ln()
                })
                .sum()
        });
    }
    let mut lambda: f64 = 1e-4;
    let mut iterations = 0;
    for _ in 0..100 {
        iterations += 1;
        let prior = (lambda / (1.0 - lambda)).ln();
        let mut best: FxHashMap<(u32, u32), f64> = FxHashMap::default();
        for (&(a, b), p) in pairs.iter().zip(patterns) {
            let post = 1.0 / (1.0 + (-(prior + llr[p])).exp());
            for key in [
                (a, records[b as usize].group),
                (b, records[a as usize].group),
            ] {
                let e = best.entry(key).or_insert(0.0);
                *e = e.max(post);
            }
        }
        let expected: f64 = best.values().sum::<f64>() / 2.0;
        let new = (expected / cross).clamp(1e-12, 0.5);
        let change = (new.ln() - lambda.ln()).abs();
        lambda = new;
        if change < 1e-4 {
            break;
        }
    }
    (lambda, iterations)
}

/// Expectation-maximisation over pattern counts with `u` fixed: returns
/// `m` (updated unless `learn_m` is false), `lambda` and the iterations.
/// The `skip` feature (the one the pairs were blocked on) is left out.
fn em(
    counts: &FxHashMap<Pattern, f64>,
    u: &[Vec<f64>],
    mut m: Vec<Vec<f64>>,
    skip: Option<usize>,
    learn_m: bool,
    all_pairs: f64,
) -> (Vec<Vec<f64>>, f64, usize) {
    let mut lambda: f64 = if all_pairs > 0.0 { 1e-4 } else { 0.1 };
    let mut iterations = 0;
    for _ in 0..100 {
        iterations += 1;
        let mut mm: Vec<Vec<f64>> = FEATURES.iter().map(|f| vec![0.0; f.levels.len()]).collect();
        let (mut matched, mut total) = (0.0, 0.0);
        for (&p, &c) in counts {
            let (mut lm, mut lu) = (lambda.ln(), (1.0 - lambda).ln());
            for f in 0..F {
                let l = level(p, f) as usize;
                if Some(f) == skip || (l == 0 && FEATURES[f].null) {
                    continue;
                }
                lm += m[f][l].max(FLOOR).ln();
                lu += u[f][l].max(FLOOR).ln();
            }
            let post = 1.0 / (1.0 + (lu - lm).exp());
            matched += c * post;
            total += c;
            for (f, row) in mm.iter_mut().enumerate() {
                row[level(p, f) as usize] += c * post;
            }
        }
        let new_lambda = (matched / total.max(all_pairs).max(1.0)).clamp(1e-12, 1.0 - 1e-6);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        if learn_m {
            for (f, row) in mm.iter().enumerate() {
                if Some(f) == skip {
                    continue;
                }
                let start = usize::from(FEATURES[f].null);
                let sum: f64 = row[start..].iter().sum();
                if sum <= 0.0 {
                    continue;
                }
                for l in start..row.len() {
                    let v = row[l] / sum;
                    change = change.max((v - m[f][l]).abs());
                    m[f][l] = v;
                }
            }
        }
        if change < 1e-6 {
            break;
        }
    }
    (m, lambda, iterations)
}

/// Level frequencies of random pairs of records of different datasets.
fn random_u(records: &[Prepared], seed: u64) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = FEATURES.iter().map(|f| vec![1.0; f.levels.len()]).collect();
    let n = records.len() as u64;
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        // SplitMix64.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    if n >= 2 {
        let mut drawn = 0;
        let mut tries = 0;
        while drawn < 200_000 && tries < 2_000_000 {
            tries += 1;
            let (a, b) = ((next() % n) as usize, (next() % n) as usize);
            if records[a].group == records[b].group {
                continue;
            }
            drawn += 1;
            let l = compare(&records[a], &records[b]);
            for f in 0..F {
                counts[f][l[f] as usize] += 1.0;
            }
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(f, row)| {
            let start = usize::from(FEATURES[f].null);
            let sum: f64 = row[start..].iter().sum();
            row.iter()
                .enumerate()
                .map(|(l, x)| if l < start { 0.0 } else { x / sum })
                .collect()
        })
        .collect()
}
