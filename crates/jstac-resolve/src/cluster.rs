//! Clustering under constraints. Edges are taken strongest first and join
//! two clusters unless the join would put together two records that must
//! stay apart: an analyst judged them different, or their exact dates of
//! birth all differ, or they hold different passports of one issuer, and
//! the pair is not itself a match. So a record with no date of birth
//! never chains two namesakes born on different days. Judgements "same"
//! join first, whatever the model says.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::compare::{dob_conflict, document_conflict};
use crate::prepare::Prepared;

/// A scored candidate pair: total match weight (prior included).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
}

#[derive(Debug, Clone)]
pub(crate) enum Why {
    Threshold,
    JudgedDifferent(u32, u32),
    Dates(u32, u32),
    Passports(u32, u32),
}

#[derive(Debug, Default)]
pub(crate) struct Clustering {
    /// Each record's cluster (index into `clusters`).
    pub cluster_of: Vec<u32>,
    pub clusters: Vec<Vec<u32>>,
    /// Edges that joined clusters: (a, b, weight, judged).
    pub links: Vec<(u32, u32, f64, bool)>,
    /// Per cluster, the strongest candidate kept out of it, and why.
    pub near: FxHashMap<u32, (Scored, Why)>,
}

struct Sets {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Sets {
    fn find(&mut self, x: u32) -> u32 {
        let mut r = x;
        while self.parent[r as usize] != r {
            r = self.parent[r as usize];
        }
        let mut x = x;
        while self.parent[x as usize] != r {
            let next = self.parent[x as usize];
            self.parent[x as usize] = r;
            x = next;
        }
        r
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (big, small) = if self.members[ra as usize].len() >= self.members[rb as usize].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        let moved = std::mem::take(&mut self.members[small as usize]);
        self.members[big as usize].extend(moved);
    }
}

fn ordered(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

/// `scored` holds every candidate worth keeping, any order; those of
/// weight `threshold` or more may join.
pub(crate) fn cluster(
    records: &[Prepared],
    scored: &mut [Scored],
    threshold: f64,
    same: &[(u32, u32)],
    different: &FxHashSet<(u32, u32)>,
) -> Clustering {
    let n = records.len();
    let mut sets = Sets {
        parent: (0..n as u32).collect(),
        members: (0..n as u32).map(|i| vec![i]).collect(),
    };
    let mut links = Vec::new();
    for &(a, b) in same {
        if sets.find(a) != sets.find(b) {
            sets.union(a, b);
            links.push((a, b, f64::INFINITY, true));
        }
    }
    scored.sort_unstable_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    let strong: FxHashSet<(u32, u32)> = scored
        .iter()
        .take_while(|s| s.weight >= threshold)
        .map(|s| ordered(s.a, s.b))
        .chain(same.iter().map(|&(a, b)| ordered(a, b)))
        .collect();
    let mut refused: Vec<(Scored, Why)> = Vec::new();
    for s in scored.iter() {
        let (ra, rb) = (sets.find(s.a), sets.find(s.b));
        if ra == rb {
            continue;
        }
        if s.weight < threshold {
            refused.push((*s, Why::Threshold));
            continue;
        }
        let mut why = None;
        'check: for &x in &sets.members[ra as usize] {
            for &y in &sets.members[rb as usize] {
                let pair = ordered(x, y);
                if different.contains(&pair) {
                    why = Some(Why::JudgedDifferent(x, y));
                    break 'check;
                }
                if strong.contains(&pair) {
                    continue;
                }
                let (rx, ry) = (&records[x as usize], &records[y as usize]);
                if dob_conflict(rx, ry) {
                    why = Some(Why::Dates(x, y));
                    break 'check;
                }
                if document_conflict(rx, ry) {
                    why = Some(Why::Passports(x, y));
                    break 'check;
                }
            }
        }
        match why {
            None => {
                sets.union(s.a, s.b);
                links.push((s.a, s.b, s.weight, false));
            }
            Some(w) => refused.push((*s, w)),
        }
    }
    let mut index: FxHashMap<u32, u32> = FxHashMap::default();
    let mut clusters: Vec<Vec<u32>> = Vec::new();
    let mut cluster_of = vec![0u32; n];
    for i in 0..n as u32 {
        let r = sets.find(i);
        let c = *index.entry(r).or_insert_with(|| {
            clusters.push(Vec::new());
            (clusters.len() - 1) as u32
        });
        clusters[c as usize].push(i);
        cluster_of[i as usize] = c;
    }
    let mut near: FxHashMap<u32, (Scored, Why)> = FxHashMap::default();
    for (s, why) in refused {
        let (ca, cb) = (cluster_of[s.a as usize], cluster_of[s.b as usize]);
        if ca == cb {
            continue;
        }
        for c in [ca, cb] {
            let better = near.get(&c).is_none_or(|(t, _)| s.weight > t.weight);
            if better {
                near.insert(c, (s, why.clone()));
            }
        }
    }
    Clustering {
        cluster_of,
        clusters,
        links,
        near,
    }
}
