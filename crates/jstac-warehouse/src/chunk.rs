//! The backend-neutral plan of one chunk: a file's pending batches as rows
//! sorted by key, last wins per key, placed in rounds, with their record
//! numbers, assertions and source records. Both writers (`sqlite.rs`,
//! `postgres.rs`) write a [`Chunk`] the same way round by round; they
//! differ only in how its rows reach the database.

use jstac_core::mapping::{EntityRow, Key, LinkRow};
use jstac_core::{MappedBatch, Value};

/// What every row of a file's load carries: for SQL text and COPY rows.
pub(crate) struct LoadContext<'a> {
    pub agency: &'a str,
    pub dataset: &'a str,
    pub run_id: i64,
    pub file_id: i64,
    /// Write only entity, link and value rows (a retraction or `verify`
    /// re-deriving rows from records already in the warehouse), not the
    /// records, assertions or quarantine.
    pub rows_only: bool,
}

/// One chunk's rows, sorted and deduplicated, ready for either backend.
///
/// Rows are written in rounds (`0..rounds`), each round rule by rule. A
/// row's round is its rank, by record number, among the rows that several
/// rules of one table wrote for its key: so of two rules asserting one
/// entity, the later record's upsert runs last (and wins) whatever the
/// rules' order and wherever chunks end. A table written by one rule has
/// every row in round 0, and most chunks have one round.
pub(crate) struct Chunk<'a> {
    /// Per entity rule (in mapping order): its rows in key order, of rows
    /// sharing a key only the last.
    pub entities: Vec<EntityChunk<'a>>,
    /// Link rows in (key, rule) order, last wins per (key, rule).
    pub links: Vec<Placed<'a, LinkRow>>,
    /// How many rounds the rows take (at least 1).
    pub rounds: usize,
    /// Mapped link columns per link rule.
    pub link_columns: &'a [Vec<&'static str>],
    /// What each record said of each entity and link, in key order.
    pub assertions: Vec<Assertion>,
    pub batches: &'a [(i64, MappedBatch)],
}

pub(crate) struct EntityChunk<'a> {
    pub table: &'static jstac_core::TableDef,
    pub columns: &'a [&'static str],
    pub rows: Vec<Placed<'a, EntityRow>>,
}

/// A row with its batch (for the locator), its record's number in the file
/// and its round (see [`Chunk`]).
pub(crate) struct Placed<'a, T> {
    pub row: &'a T,
    pub batch: &'a MappedBatch,
    pub record_no: i64,
    pub round: usize,
}

impl<'a, T> Placed<'a, T> {
    fn new(row: &'a T, batch: &'a MappedBatch, record_no: i64) -> Self {
        Placed {
            row,
            batch,
            record_no,
            round: 0,
        }
    }
}

/// The rows of `rows` in round `round`.
pub(crate) fn in_round<'r, 'a, T>(
    rows: &'r [Placed<'a, T>],
    round: usize,
) -> impl Iterator<Item = &'r Placed<'a, T>> {
    rows.iter().filter(move |placed| placed.round == round)
}

/// Ranks, by record number, the rows that share a group (a table) and a
/// key; returns the number of rounds. Only called where several rules
/// write one table.
fn rank(mut rows: Vec<(&'static str, Key, i64, &mut usize)>) -> usize {
    // Stable: a record naming the entity through two rules keeps rule order.
    rows.sort_by_key(|(group, key, record_no, _)| (*group, *key, *record_no));
    let mut rounds = 1;
    let mut previous = None;
    let mut rank = 0;
    for (group, key, _, round) in rows {
        rank = if previous == Some((group, key)) {
            rank + 1
        } else {
            0
        };
        previous = Some((group, key));
        *round = rank;
        rounds = rounds.max(rank + 1);
    }
    rounds
}

/// One record's assertion of one entity or link.
pub(crate) struct Assertion {
    pub key: Key,
    pub record_no: i64,
    pub table: &'static str,
}

impl<'a> Chunk<'a> {
    /// The plan of a file's pending `batches`; `None` if there are none.
    pub(crate) fn new(batches: &'a [(i64, MappedBatch)]) -> Option<Chunk<'a>> {
        let (_, first) = batches.first()?;
        // Every batch of a file comes from one mapping: same tables, columns.
        let mut entities: Vec<EntityChunk<'a>> = first
            .entities
            .iter()
            .enumerate()
            .map(|(index, e)| EntityChunk {
                table: e.table,
                columns: &e.columns,
                rows: in_key_order(batches.iter().flat_map(|(base, batch)| {
                    batch.entities[index].rows.iter().map(move |row| {
                        let record_no = base + row.record as i64;
                        (row.key, Placed::new(row, batch, record_no))
                    })
                })),
            })
            .collect();
        let mut links = in_key_order(batches.iter().flat_map(|(base, batch)| {
            batch.links.iter().map(move |link| {
                let record_no = base + link.record as i64;
                ((link.key, link.rule), Placed::new(link, batch, record_no))
            })
        }));
        // Only tables several rules write are ranked (most have one rule).
        let shared = |table: &str| {
            first
                .entities
                .iter()
                .filter(|e| e.table.name == table)
                .count()
                > 1
        };
        let mut rounds = rank(
            entities
                .iter_mut()
                .filter(|e| shared(e.table.name))
                .flat_map(|e| {
                    let table = e.table.name;
                    e.rows
                        .iter_mut()
                        .map(move |p| (table, p.row.key, p.record_no, &mut p.round))
                })
                .collect(),
        );
        if first.link_columns.len() > 1 {
            rounds = rounds.max(rank(
                links
                    .iter_mut()
                    .map(|p| ("links", p.row.key, p.record_no, &mut p.round))
                    .collect(),
            ));
        }
        let mut assertions: Vec<Assertion> = Vec::new();
        for (base, batch) in batches {
            for e in &batch.entities {
                // Rows the mapper merged into a later one asserted it too.
                let rows = e.rows.iter().map(|row| (row.key, row.record));
                assertions.extend(
                    rows.chain(e.superseded.iter().copied())
                        .map(|(key, record)| Assertion {
                            key,
                            record_no: base + record as i64,
                            table: e.table.name,
                        }),
                );
            }
            assertions.extend(batch.links.iter().map(|link| Assertion {
                key: link.key,
                record_no: base + link.record as i64,
                table: "links",
            }));
        }
        // One assertion per entity and record: a record naming the same
        // entity twice (two rules onto one table) asserts it once, last wins.
        let assertions = in_key_order(assertions.into_iter().map(|a| ((a.key, a.record_no), a)));
        Some(Chunk {
            entities,
            links,
            rounds,
            link_columns: &first.link_columns,
            assertions,
            batches,
        })
    }

    pub fn quarantine(&self) -> impl Iterator<Item = &'a jstac_core::QuarantineEntry> + use<'a> {
        self.batches.iter().flat_map(|(_, batch)| &batch.quarantine)
    }

    /// The chunk's loaded source records, in file order.
    pub fn records(&self) -> impl Iterator<Item = SourceRecord<'a>> + use<'a> {
        self.batches.iter().flat_map(|(base, batch)| {
            batch
                .locators
                .iter()
                .zip(&batch.raws)
                .zip(&batch.gradings)
                .enumerate()
                .map(move |(index, ((locator, raw), grading))| SourceRecord {
                    record_no: base + index as i64,
                    locator,
                    raw,
                    grading: *grading,
                })
        })
    }
}

/// One loaded source record: where it is, its grading, its fields as read.
pub(crate) struct SourceRecord<'a> {
    pub record_no: i64,
    pub locator: &'a str,
    pub raw: &'a str,
    pub grading: jstac_core::Grading,
}

/// Items sorted by key, keeping of each key only the last in arrival order.
/// (Links are keyed by key and rule: two rules may map different columns
/// onto one link, and each rule's upsert must run.)
pub(crate) fn in_key_order<K: Ord + Copy, T>(items: impl Iterator<Item = (K, T)>) -> Vec<T> {
    let mut items: Vec<(K, T)> = items.collect();
    // Stable: among equal keys, arrival order is kept, so the last one wins.
    items.sort_by_key(|item| item.0);
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    let mut previous: Option<K> = None;
    for (key, item) in items {
        if previous == Some(key) {
            out.pop();
        }
        out.push(item);
        previous = Some(key);
    }
    out
}

/// Dates and timestamps as ISO 8601 text, in the order they appear in
/// `values`: dates `2016-03-01`, timestamps in UTC to the second,
/// `2016-03-01T09:30:00Z` (SQLite keeps that text, which sorts as the
/// instants do; PostgreSQL's `timestamptz` reads it).
pub(crate) fn format_dates(values: &[Value], dates: &mut Vec<String>) {
    dates.clear();
    for value in values {
        match value {
            Value::Date(date) => dates.push(iso_date(*date)),
            Value::Timestamp(instant) => dates.push(iso_timestamp(instant)),
            _ => {}
        }
    }
}

/// An instant as ISO 8601 UTC text to the second (`2016-03-01T09:30:00Z`).
pub(crate) fn iso_timestamp(instant: &chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike as _;
    use std::fmt::Write as _;
    let mut text = iso_date(instant.date_naive());
    let _ = write!(
        text,
        "T{:02}:{:02}:{:02}Z",
        instant.hour(),
        instant.minute(),
        instant.second()
    );
    text
}

/// A date as ISO 8601 text (`2016-03-01`).
pub(crate) fn iso_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike as _;
    let (year, month, day) = (date.year(), date.month(), date.day());
    if (0..=9999).contains(&year) {
        // ISO 8601 by hand: chrono's formatter parses its pattern
        // for every value (5% of a load when profiled).
        let digits = |n: u32, width: usize| {
            (0..width)
                .rev()
                .map(move |i| char::from(b'0' + ((n / 10u32.pow(i as u32)) % 10) as u8))
        };
        let mut text = String::with_capacity(10);
        text.extend(digits(year as u32, 4));
        text.push('-');
        text.extend(digits(month, 2));
        text.push('-');
        text.extend(digits(day, 2));
        text
    } else {
        date.to_string()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone as _, Utc};
    use jstac_core::Value;

    use super::format_dates;

    /// Dates and timestamps as both backends are given them, in order.
    #[test]
    fn dates_and_timestamps_are_iso_text() {
        let values = [
            Value::Timestamp(Utc.with_ymd_and_hms(2016, 6, 11, 8, 30, 5).unwrap()),
            Value::Text("x".to_owned()),
            Value::Date(NaiveDate::from_ymd_opt(7, 3, 1).unwrap()),
            Value::Timestamp(Utc.with_ymd_and_hms(999, 12, 31, 23, 59, 59).unwrap()),
        ];
        let mut dates = vec!["stale".to_owned()];
        format_dates(&values, &mut dates);
        assert_eq!(
            dates,
            ["2016-06-11T08:30:05Z", "0007-03-01", "0999-12-31T23:59:59Z"]
        );
    }
}
