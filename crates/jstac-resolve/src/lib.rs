//! Entity resolution of person records: which records of different
//! agencies and datasets are one person. No SQL and no I/O: the warehouse
//! reads the [`Evidence`] and writes the [`Resolution`].
//!
//! Flow: `prepare.rs` (evidence to folded names, phonetic codes, date
//! ranges, classed identifiers, value frequencies) → `block.rs` (candidate
//! pairs from several blocking keys) → `compare.rs` (each feature's level)
//! → `model.rs` (Fellegi–Sunter: `u` from random pairs, `m` by EM, weights
//! with term-frequency adjustment) → `cluster.rs` (constrained clustering,
//! judgements first) → `ids.rs` (stable IDs, merges and splits). Files
//! import only downwards; `evidence.rs` is the leaf.

#![forbid(unsafe_code)]

mod block;
mod cluster;
mod compare;
mod evidence;
mod ids;
mod model;
mod prepare;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::json;

pub use compare::FEATURES;
pub use evidence::{
    AgeEvidence, BirthDateEvidence, Evidence, IdentifierEvidence, Judgement, NameEvidence, Verdict,
};
pub use ids::{Change, Previous};
pub use model::Model;

use cluster::{Scored, Why};
use compare::F;
use prepare::{Frequencies, Prepared};

/// How resolution decides.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A pair is a match when its match probability is at least this.
    pub threshold: f64,
    /// A blocking key held by more records than this is skipped.
    pub max_block: usize,
    /// Seed of the random pairs `u` is counted on.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            threshold: 0.98,
            max_block: 400,
            seed: 2016,
        }
    }
}

/// What an edge of the result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// A scored pair that joined the cluster.
    Link,
    /// A judgement "same" that joined it.
    Judged,
    /// The strongest candidate kept out of the cluster.
    KeptApart,
}

impl EdgeKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Link => "link",
            EdgeKind::Judged => "judged same",
            EdgeKind::KeptApart => "kept apart",
        }
    }
}

/// One edge, for `jstac explain`.
#[derive(Debug, Clone)]
pub struct Edge {
    pub resolved_id: String,
    pub a: String,
    pub b: String,
    pub kind: EdgeKind,
    /// Total match weight (log2 odds, prior included); absent for a
    /// judgement.
    pub weight: Option<f64>,
    pub probability: Option<f64>,
    /// JSON: `[{"feature", "level", "weight"}, …]`, the prior first.
    pub features: String,
    pub reason: Option<String>,
}

/// A resolved person: its ID and its records' keys, anchor first.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub id: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub records: usize,
    pub candidate_pairs: usize,
    pub matched_pairs: usize,
    pub clusters: usize,
    /// Clusters holding records of two or more agencies.
    pub multi_agency: usize,
    pub model_trained: bool,
}

#[derive(Debug, Clone)]
pub struct Resolution {
    pub model: Model,
    pub clusters: Vec<Cluster>,
    pub edges: Vec<Edge>,
    pub changes: Vec<Change>,
    pub stats: Stats,
    /// Incremental: the IDs whose clusters were resolved again (old and
    /// new); `clusters` and `edges` cover only those. `None`: everything.
    pub scope: Option<Vec<String>>,
}

/// Log2 odds of a probability.
fn logit2(p: f64) -> f64 {
    (p / (1.0 - p)).log2()
}

fn probability(w: f64) -> f64 {
    1.0 / (1.0 + (-w).exp2())
}

/// Whether a pair may match at all: their names agree (similar, or one's
/// words all in the other's), or they share a document or phone. Names
/// sharing only some words (a family name, common given names) say too
/// little, whatever a date of birth adds: that is how namesakes and
/// siblings meet (measured: allowing two shared words gained 0.006 recall
/// and cost 0.007 precision at scale 10).
fn may_match(levels: &[u8; F]) -> bool {
    levels[compare::NAME] >= 4
        || levels[compare::DOCUMENT] == compare::SAME
        || levels[compare::PHONE] == 1
}

/// Per feature: its level and weight for one pair.
fn features(model: &Model, a: &Prepared, b: &Prepared, freq: &Frequencies) -> ([u8; F], [f64; F]) {
    let levels = compare::compare(a, b);
    let shares = compare::value_shares(a, b, &levels, freq);
    let mut w = [0.0; F];
    for f in 0..F {
        w[f] = match shares[f] {
            Some(s) => model.weight_tf(f, levels[f], s),
            None => model.weight(f, levels[f]),
        };
    }
    (levels, w)
}

fn explain_json(model: &Model, levels: &[u8; F], weights: &[f64; F]) -> String {
    let mut items = vec![
        json!({"feature": "prior", "level": "candidate pair", "weight": round(model.prior())}),
    ];
    for f in 0..F {
        if weights[f] != 0.0 {
            items.push(json!({
                "feature": FEATURES[f].name,
                "level": FEATURES[f].levels[levels[f] as usize],
                "weight": round(weights[f]),
            }));
        }
    }
    serde_json::Value::Array(items).to_string()
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Resolves `evidence` (all person records): reuses `model` when given,
/// else trains one; honours `judgements`; keeps the IDs of `previous`.
/// With a model, previous IDs and `changed` (per record: new or changed
/// since the previous resolution), resolves incrementally.
#[must_use]
pub fn resolve(
    evidence: &[Evidence],
    judgements: &[Judgement],
    previous: &Previous,
    model: Option<&Model>,
    settings: &Settings,
    changed: Option<&[bool]>,
) -> Resolution {
    let records = prepare::prepare_all(evidence);
    let freq = Frequencies::of(&records);
    let trained = model.is_none();
    let (model, full_pairs) = match model {
        Some(m) => (m.clone(), None),
        None => {
            let pairs = block::candidates(&records, settings.max_block, None);
            (Model::train(&records, &pairs, settings.seed), Some(pairs))
        }
    };
    let prior = model.prior();
    let threshold = logit2(settings.threshold);
    // Pairs far below the threshold can neither join nor be worth showing.
    let floor = threshold - 12.0;
    let score = |&(a, b): &(u32, u32)| {
        let (levels, w) = features(&model, &records[a as usize], &records[b as usize], &freq);
        let mut weight = prior + w.iter().sum::<f64>();
        if !may_match(&levels) {
            // Kept as a candidate (it may be the nearest one), never a match.
            weight = weight.min(threshold - 0.01);
        }
        (weight >= floor).then_some(Scored { a, b, weight })
    };
    let judged: FxHashSet<&str> = judgements
        .iter()
        .flat_map(|j| [j.a.as_str(), j.b.as_str()])
        .collect();
    // Incremental: with a stored model and previous IDs, only the records
    // changed since (and judged ones) are compared, then the clusters they
    // touch are clustered again; every other cluster stays as it was.
    let scope: Option<Vec<bool>> = match (&full_pairs, changed) {
        (None, Some(changed)) if !previous.members.is_empty() => {
            let old = |i: usize| previous.members.get(&evidence[i].key);
            let touched: Vec<bool> = (0..records.len())
                .map(|i| {
                    changed[i] || old(i).is_none() || judged.contains(evidence[i].key.as_str())
                })
                .collect();
            let mut ids: FxHashSet<&String> = (0..records.len())
                .filter(|&i| touched[i])
                .filter_map(old)
                .collect();
            for s in block::candidates(&records, settings.max_block, Some(&touched))
                .iter()
                .filter_map(score)
                .filter(|s| s.weight >= threshold)
            {
                ids.extend(old(s.a as usize));
                ids.extend(old(s.b as usize));
            }
            Some(
                (0..records.len())
                    .map(|i| touched[i] || old(i).is_some_and(|id| ids.contains(id)))
                    .collect(),
            )
        }
        _ => None,
    };
    let pairs = match (full_pairs, &scope) {
        (Some(pairs), _) => pairs,
        (None, Some(s)) => block::candidates(&records, settings.max_block, Some(s))
            .into_iter()
            .filter(|&(a, b)| s[a as usize] && s[b as usize])
            .collect(),
        (None, None) => block::candidates(&records, settings.max_block, None),
    };
    let mut scored: Vec<Scored> = pairs.iter().filter_map(score).collect();
    let index: FxHashMap<&str, u32> = evidence
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.as_str(), i as u32))
        .collect();
    let mut same = Vec::new();
    let mut different = FxHashSet::default();
    for j in judgements {
        let (Some(&a), Some(&b)) = (index.get(j.a.as_str()), index.get(j.b.as_str())) else {
            continue;
        };
        match j.verdict {
            Verdict::Same => same.push((a, b)),
            Verdict::Different => {
                different.insert((a.min(b), a.max(b)));
            }
            Verdict::Unsure => {}
        }
    }
    let matched_pairs = scored.iter().filter(|s| s.weight >= threshold).count();
    let c = cluster::cluster(&records, &mut scored, threshold, &same, &different);
    // Members anchor first: first seen, ties by key. Out of scope: as before.
    let kept: Vec<usize> = (0..c.clusters.len())
        .filter(|&k| scope.as_ref().is_none_or(|s| s[c.clusters[k][0] as usize]))
        .collect();
    // Position in `member_lists` (and `ids`) of each of `c`'s clusters.
    let mut pos = vec![usize::MAX; c.clusters.len()];
    for (p, &k) in kept.iter().enumerate() {
        pos[k] = p;
    }
    let mut member_lists: Vec<Vec<u32>> = kept.iter().map(|&k| c.clusters[k].clone()).collect();
    for m in &mut member_lists {
        m.sort_by(|&x, &y| {
            records[x as usize]
                .first_run
                .cmp(&records[y as usize].first_run)
                .then(evidence[x as usize].key.cmp(&evidence[y as usize].key))
        });
    }
    let keyed: Vec<Vec<&str>> = member_lists
        .iter()
        .map(|m| {
            m.iter()
                .map(|&i| evidence[i as usize].key.as_str())
                .collect()
        })
        .collect();
    let (ids, changes) = ids::assign(&keyed, previous);
    let key = |i: u32| evidence[i as usize].key.clone();
    let mut edges = Vec::new();
    for &(a, b, weight, judged) in &c.links {
        let id = ids[pos[c.cluster_of[a as usize] as usize]].clone();
        if judged {
            edges.push(Edge {
                resolved_id: id,
                a: key(a),
                b: key(b),
                kind: EdgeKind::Judged,
                weight: None,
                probability: None,
                features: "[]".to_owned(),
                reason: Some("an analyst judged them the same".to_owned()),
            });
            continue;
        }
        let (levels, w) = features(&model, &records[a as usize], &records[b as usize], &freq);
        edges.push(Edge {
            resolved_id: id,
            a: key(a),
            b: key(b),
            kind: EdgeKind::Link,
            weight: Some(round(weight)),
            probability: Some(probability(weight)),
            features: explain_json(&model, &levels, &w),
            reason: None,
        });
    }
    let mut near: Vec<(&u32, &(Scored, Why))> = c.near.iter().collect();
    near.sort_by_key(|(cl, _)| **cl);
    for (&cl, (s, why)) in near {
        if pos[cl as usize] == usize::MAX {
            continue;
        }
        let (levels, w) = features(
            &model,
            &records[s.a as usize],
            &records[s.b as usize],
            &freq,
        );
        let reason = match why {
            Why::Threshold => format!(
                "match probability {:.3} is below the threshold {}",
                probability(s.weight),
                settings.threshold
            ),
            Why::JudgedDifferent(x, y) => {
                format!("an analyst judged {} and {} different", key(*x), key(*y))
            }
            Why::Dates(x, y) => format!(
                "{} and {} have different exact dates of birth and do not match each other",
                key(*x),
                key(*y)
            ),
            Why::Passports(x, y) => format!(
                "{} and {} hold different passports of one issuer and do not match each other",
                key(*x),
                key(*y)
            ),
        };
        edges.push(Edge {
            resolved_id: ids[pos[cl as usize]].clone(),
            a: key(s.a),
            b: key(s.b),
            kind: EdgeKind::KeptApart,
            weight: Some(round(s.weight)),
            probability: Some(probability(s.weight)),
            features: explain_json(&model, &levels, &w),
            reason: Some(reason),
        });
    }
    // Totals over every record: this resolution's clusters, and the
    // previous IDs of records out of scope.
    let mut id_of: Vec<&str> = vec![""; records.len()];
    for (m, id) in member_lists.iter().zip(&ids) {
        for &i in m {
            id_of[i as usize] = id;
        }
    }
    let mut agencies: FxHashMap<&str, (&str, bool)> = FxHashMap::default();
    for (i, e) in evidence.iter().enumerate() {
        let id = match id_of[i] {
            "" => previous
                .members
                .get(&e.key)
                .map_or(e.key.as_str(), String::as_str),
            id => id,
        };
        let entry = agencies.entry(id).or_insert((e.agency.as_str(), false));
        entry.1 |= entry.0 != e.agency;
    }
    let multi_agency = agencies.values().filter(|(_, multi)| *multi).count();
    let total_clusters = agencies.len();
    let scope_ids = scope.as_ref().map(|s| {
        let mut list: Vec<String> = ids.clone();
        list.extend(
            (0..records.len())
                .filter(|&i| s[i])
                .filter_map(|i| previous.members.get(&evidence[i].key).cloned()),
        );
        list.sort_unstable();
        list.dedup();
        list
    });
    let clusters: Vec<Cluster> = member_lists
        .iter()
        .zip(&ids)
        .map(|(m, id)| Cluster {
            id: id.clone(),
            members: m.iter().map(|&i| key(i)).collect(),
        })
        .collect();
    Resolution {
        stats: Stats {
            records: records.len(),
            candidate_pairs: pairs.len(),
            matched_pairs,
            clusters: total_clusters,
            multi_agency,
            model_trained: trained,
        },
        model,
        clusters,
        edges,
        changes,
        scope: scope_ids,
    }
}
