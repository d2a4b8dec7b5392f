//! What mapping a batch yields: entity rows, links, quarantined records,
//! and the counted columns' counts.

use super::key::Key;
use crate::catalog::TableDef;
use crate::convert::Value;
use crate::grading::Grading;

/// What one counted column did with the values (not empty) of the records
/// it saw: values of loaded records normalised (or matched), or unmatched
/// (kept as written or nulled by `on_invalid`), and records quarantined
/// because of its value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FieldCounts {
    pub normalised: u64,
    pub unmatched: u64,
    pub quarantined: u64,
    /// Values the source marks as not known (`n/a`, `unknown`,
    /// `stateless`): stored as null, never as a value.
    pub not_known: u64,
}

impl FieldCounts {
    pub fn add(&mut self, other: &FieldCounts) {
        self.normalised += other.normalised;
        self.unmatched += other.unmatched;
        self.quarantined += other.quarantined;
        self.not_known += other.not_known;
    }

    pub fn is_zero(&self) -> bool {
        *self == FieldCounts::default()
    }
}

/// Rows for one entity of the pipeline.
#[derive(Debug)]
pub struct EntityRows {
    pub table: &'static TableDef,
    /// Mapped column names, in the order of each row's `values`.
    pub columns: Vec<&'static str>,
    pub rows: Vec<EntityRow>,
    /// (key, record) of rows dropped for a later adjacent row with the same
    /// key (a crime named on each of its rows): their values are superseded,
    /// but their records asserted the entity all the same (provenance).
    pub superseded: Vec<(Key, usize)>,
}

#[derive(Debug)]
pub struct EntityRow {
    pub key: Key,
    /// Index into [`MappedBatch::locators`].
    pub record: usize,
    pub values: Vec<Value>,
}

/// A link between two entities of the same record.
#[derive(Debug)]
pub struct LinkRow {
    /// Index of the link rule (and of [`MappedBatch::link_columns`]).
    pub rule: usize,
    pub key: Key,
    pub from_table: &'static str,
    pub from_key: Key,
    pub to_table: &'static str,
    pub to_key: Key,
    pub record: usize,
    pub values: Vec<Value>,
}

/// A record that did not load, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarantineEntry {
    pub locator: String,
    /// The source field at fault, when there is one.
    pub field: Option<String>,
    pub reason: String,
    /// The record as read: a JSON object of its fields, or the plugin's raw text.
    pub raw: String,
}

/// The result of mapping one batch.
#[derive(Debug)]
pub struct MappedBatch {
    /// Locators of loaded records, indexed by the rows' `record`.
    pub locators: Vec<String>,
    /// The 3x5x2 grading of each loaded record (as `locators`); all `None`
    /// where the pipeline has no `[grading]`.
    pub gradings: Vec<Grading>,
    /// Each loaded record's fields as read (as `locators`): a JSON object
    /// text, field name to value, list fields as arrays, typed cells as
    /// their text, in the file's field order.
    pub raws: Vec<String>,
    pub entities: Vec<EntityRows>,
    /// Mapped link column names, per link rule (in pipeline order).
    pub link_columns: Vec<Vec<&'static str>>,
    pub links: Vec<LinkRow>,
    pub quarantine: Vec<QuarantineEntry>,
    pub read: u64,
    pub loaded: u64,
    /// Records no rule of the pipeline applies to (every entity's `when`
    /// said no): counted, neither loaded nor quarantined.
    pub skipped: u64,
    /// Per counted column (in the order of [`super::Mapping::counted_fields`]).
    pub field_counts: Vec<FieldCounts>,
}

impl MappedBatch {
    /// Roughly how much memory the batch holds (strings, values, rows):
    /// what the writer bounds its chunks by.
    pub fn approx_bytes(&self) -> usize {
        const STRING: usize = std::mem::size_of::<String>() + 16;
        let text = |s: &str| s.len() + STRING;
        let values = |values: &[Value]| -> usize {
            values
                .iter()
                .map(|v| {
                    std::mem::size_of::<Value>()
                        + match v {
                            Value::Text(s) | Value::Decimal(s) => s.len() + 16,
                            _ => 0,
                        }
                })
                .sum()
        };
        let entities: usize = self
            .entities
            .iter()
            .flat_map(|e| &e.rows)
            .map(|row| std::mem::size_of::<EntityRow>() + 16 + values(&row.values))
            .sum::<usize>()
            + self
                .entities
                .iter()
                .map(|e| e.superseded.len() * std::mem::size_of::<(Key, usize)>())
                .sum::<usize>();
        let links: usize = self
            .links
            .iter()
            .map(|link| std::mem::size_of::<LinkRow>() + 16 + values(&link.values))
            .sum();
        let locators: usize = self.locators.iter().map(|l| text(l)).sum();
        let raws: usize = self.raws.iter().map(|r| text(r)).sum();
        let gradings = self.gradings.len() * std::mem::size_of::<Grading>();
        let quarantine: usize = self
            .quarantine
            .iter()
            .map(|q| text(&q.locator) + text(&q.reason) + text(&q.raw))
            .sum();
        entities + links + locators + raws + gradings + quarantine
    }
}

impl EntityRows {
    /// Drops every row whose key is the same as the next row's, noting it
    /// in `superseded`.
    pub(super) fn keep_last_of_runs(&mut self) {
        let rows = &mut self.rows;
        if rows.windows(2).all(|pair| pair[0].key != pair[1].key) {
            return;
        }
        let keep: Vec<bool> = (0..rows.len())
            .map(|i| rows.get(i + 1).is_none_or(|next| next.key != rows[i].key))
            .collect();
        self.superseded.extend(
            rows.iter()
                .zip(&keep)
                .filter(|(_, keep)| !**keep)
                .map(|(row, _)| (row.key, row.record)),
        );
        let mut keep = keep.into_iter();
        rows.retain(|_| keep.next().unwrap_or(true));
    }
}
