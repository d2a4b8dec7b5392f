//! Stable resolved IDs. A new cluster takes the ID of the previous cluster
//! it shares most records with (each old ID goes to one cluster at most);
//! a cluster with none takes an ID made from its anchor record, the one
//! first seen (ties by key), never one used before. What happened to old
//! IDs is recorded: an old ID whose records now lie in clusters of other
//! IDs was merged into them, or split off into them.

use rustc_hash::{FxHashMap, FxHashSet};

/// What resolution knew before this run.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// Record key to resolved ID.
    pub members: FxHashMap<String, String>,
    /// Every resolved ID ever given (current and retired).
    pub used: FxHashSet<String>,
}

/// A recorded change of identity: `old` now leads to `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub old: String,
    pub new: String,
    /// `merge` (the old ID is gone, its records are in `new`) or `split`
    /// (some of the old ID's records left for `new`).
    pub kind: &'static str,
    pub why: String,
}

/// IDs for `clusters` (each a list of record keys, anchor first), and the
/// changes from `previous`.
pub(crate) fn assign(clusters: &[Vec<&str>], previous: &Previous) -> (Vec<String>, Vec<Change>) {
    let mut overlap: FxHashMap<(usize, &str), usize> = FxHashMap::default();
    for (c, members) in clusters.iter().enumerate() {
        for k in members {
            if let Some(old) = previous.members.get(*k) {
                *overlap.entry((c, old.as_str())).or_default() += 1;
            }
        }
    }
    let mut offers: Vec<(usize, &str, usize)> =
        overlap.iter().map(|(&(c, o), &n)| (c, o, n)).collect();
    offers.sort_unstable_by(|x, y| y.2.cmp(&x.2).then(x.1.cmp(y.1)).then(x.0.cmp(&y.0)));
    let mut ids: Vec<Option<String>> = vec![None; clusters.len()];
    let mut taken: FxHashSet<&str> = FxHashSet::default();
    for (c, old, _) in &offers {
        if ids[*c].is_none() && taken.insert(old) {
            ids[*c] = Some((*old).to_owned());
        }
    }
    let mut used = previous.used.clone();
    let ids: Vec<String> = ids
        .into_iter()
        .enumerate()
        .map(|(c, id)| {
            id.unwrap_or_else(|| {
                let anchor = clusters[c][0];
                let base = format!("R{}", anchor.get(..16).unwrap_or(anchor));
                let mut id = base.clone();
                let mut n = 1;
                while used.contains(&id) {
                    n += 1;
                    id = format!("{base}-{n}");
                }
                used.insert(id.clone());
                id
            })
        })
        .collect();
    let mut changes = Vec::new();
    let mut seen: FxHashSet<(&str, usize)> = FxHashSet::default();
    for (c, old, n) in &offers {
        if ids[*c] == *old || !seen.insert((old, *c)) {
            continue;
        }
        let kept = taken.contains(old) && ids.iter().any(|i| i == old);
        changes.push(Change {
            old: (*old).to_owned(),
            new: ids[*c].clone(),
            kind: if kept { "split" } else { "merge" },
            why: if kept {
                format!("{n} record(s) left {old} for {}", ids[*c])
            } else {
                format!("{old}'s {n} record(s) joined {}", ids[*c])
            },
        });
    }
    changes.sort_by(|a, b| a.old.cmp(&b.old).then(a.new.cmp(&b.new)));
    (ids, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_survive_and_changes_are_recorded() {
        let (ids, changes) = assign(&[vec!["aaaa"], vec!["bbbb", "cccc"]], &Previous::default());
        assert_eq!(ids, ["Raaaa", "Rbbbb"]);
        assert!(changes.is_empty());
        let mut prev = Previous::default();
        for (k, id) in [("aaaa", "Raaaa"), ("bbbb", "Rbbbb"), ("cccc", "Rbbbb")] {
            prev.members.insert(k.into(), id.into());
            prev.used.insert(id.into());
        }
        // Same clusters, same IDs.
        let (again, none) = assign(&[vec!["aaaa"], vec!["bbbb", "cccc"]], &prev);
        assert_eq!(again, ids);
        assert!(none.is_empty());
        // Merge all: one ID kept, the other merged into it.
        let (merged, ch) = assign(&[vec!["aaaa", "bbbb", "cccc"]], &prev);
        assert_eq!(merged, ["Rbbbb"]);
        assert_eq!(ch[0].kind, "merge");
        assert_eq!(ch[0].old, "Raaaa");
        // Split: cccc leaves Rbbbb for a new ID.
        let (split, ch) = assign(&[vec!["aaaa"], vec!["bbbb"], vec!["cccc"]], &prev);
        assert_eq!(split, ["Raaaa", "Rbbbb", "Rcccc"]);
        assert_eq!((ch[0].kind, ch[0].new.as_str()), ("split", "Rcccc"));
    }
}
