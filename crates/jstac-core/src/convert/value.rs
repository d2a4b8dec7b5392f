//! What a conversion gives ([`Value`]) and what kind of value a source
//! held ([`Kind`]). A leaf.

use chrono::{DateTime, NaiveDate, Utc};

/// A converted value, ready for the warehouse.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Integer(i64),
    /// A decimal number in canonical text form (`-1234.50`): exact, unlike a float.
    Decimal(String),
    Boolean(bool),
    Date(NaiveDate),
    /// An instant, in UTC to the second: a date-time with an offset is
    /// converted, one without is London local time. UTC rather than the
    /// offset as written because that is what both warehouses keep (a
    /// PostgreSQL `timestamptz` holds no offset; SQLite's text sorts only
    /// in one zone), so the value compares and reads back the same on
    /// both; the source's own text stays in `source_records`.
    Timestamp(DateTime<Utc>),
}

/// What a source value is. Text sources (CSV, XML) give only `Text`; typed
/// sources (spreadsheets) say what each cell held, in canonical text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Text,
    /// Shortest round-trip decimal text (`12`, `0.5`).
    Number,
    /// `true` or `false`.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDTHH:MM:SS[.fff]`, local to the source.
    DateTime,
    /// ISO 8601 duration.
    Duration,
    /// An error value (`#N/A`): never loaded.
    Error,
}
