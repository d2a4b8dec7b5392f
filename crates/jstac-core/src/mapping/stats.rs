//! The counted columns' totals for a file or a run: a batch's
//! [`FieldCounts`] added up, per [`CountedField`] of the mapping.

use super::batch::{FieldCounts, MappedBatch};
use super::compile::{CountedField, Mapping};

/// A counted column with its counts, for a file or a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldStats {
    pub field: CountedField,
    pub counts: FieldCounts,
}

impl FieldStats {
    /// Zero counts for each counted column of a mapping.
    pub fn for_mapping(mapping: &Mapping) -> Vec<FieldStats> {
        mapping
            .counted_fields()
            .iter()
            .map(|field| FieldStats {
                field: field.clone(),
                counts: FieldCounts::default(),
            })
            .collect()
    }

    /// Adds a batch's counts (of the same mapping) to `stats`.
    pub fn add_batch(stats: &mut [FieldStats], batch: &MappedBatch) {
        for (stats, counts) in stats.iter_mut().zip(&batch.field_counts) {
            stats.counts.add(counts);
        }
    }

    /// Adds `more` to `stats`, column by column (matched by rule).
    pub fn merge(stats: &mut Vec<FieldStats>, more: &[FieldStats]) {
        for other in more {
            match stats.iter_mut().find(|s| s.field == other.field) {
                Some(found) => found.counts.add(&other.counts),
                None => stats.push(other.clone()),
            }
        }
    }
}
