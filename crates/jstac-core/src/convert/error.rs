//! Why a value did not convert ([`ConvertError`]) and why a date or
//! timestamp column's format cannot be used ([`DateFormatError`]). A leaf.

use jstac_normalise::date::{DateError, DateSpecError};

/// Why a source value did not convert. The message says what was wrong
/// and never repeats the value: it becomes a quarantine reason and reaches
/// logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// A typed source's error value (`#N/A`); holds the spreadsheet's code
    /// and cell as the plugin wrote them, never data.
    #[error("error value {0} in the source")]
    ErrorValue(String),
    /// Text with a C0 control character other than tab, CR and LF: NUL,
    /// which no warehouse stores (PostgreSQL refuses it), or another that
    /// no agency means as data (a damaged or binary file). Names the
    /// character as `U+0000`, never the value.
    #[error("contains the control character U+{:04X}", u32::from(*.0))]
    ControlCharacter(char),
    /// A date outside the years 1 to 9999, which no warehouse stores.
    #[error("a date outside the years 1 to 9999")]
    YearOutOfRange,
    #[error("not a whole number")]
    NotAWholeNumber,
    #[error("not a decimal number")]
    NotADecimal,
    #[error("not a boolean (expected yes/no, true/false, y/n, 1/0)")]
    NotABoolean,
    /// A typed date or date-time cell whose text is not `YYYY-MM-DD...`.
    #[error("malformed typed date from the plugin")]
    MalformedTypedDate,
    /// A date column with no format, and text that is not ISO 8601.
    #[error("not an ISO 8601 date (YYYY-MM-DD){}; give the column a format", or_serial(*.excel))]
    NotIsoDate { excel: bool },
    /// A timestamp column with no format, and text that is not an ISO
    /// 8601 date-time.
    #[error(
        "not an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS, with or without an offset){}; give the column a format",
        or_serial(*.excel)
    )]
    NotIsoDateTime { excel: bool },
    /// Text that matches none of the column's formats.
    #[error("does not match date format {formats}{}", or_serial(*.excel))]
    NoFormatMatches { formats: String, excel: bool },
    /// Text in a format's shape naming no calendar day (31 February);
    /// `formats` are the column's, if it has any.
    #[error("impossible date (no such day){}", for_formats(.formats.as_deref()))]
    Impossible { formats: Option<String> },
    /// A year or a month (written alone, or with `00` for the unknown
    /// day or month), where the column takes only full dates.
    #[error("not a full date: a partial date (year or month only) needs partial = true")]
    NotAFullDate,
    /// An approximate date (`circa 1968`), where the column takes only
    /// exact dates.
    #[error("an approximate date (approx., circa, c., ?) needs partial = true")]
    Approximate,
    /// A numeric cell in a date column that reads no Excel serials.
    #[error("a number where a date was expected (is the cell formatted as a date?)")]
    NumberForDate,
    #[error("not an Excel serial number")]
    NotAnExcelSerial,
    /// The date reader's own reason (an Excel serial out of range, ...).
    #[error(transparent)]
    Date(#[from] DateError),
}

fn or_serial(excel: bool) -> &'static str {
    if excel {
        " or an Excel serial number"
    } else {
        ""
    }
}

fn for_formats(formats: Option<&str>) -> String {
    formats
        .map(|f| format!(" for format {f}"))
        .unwrap_or_default()
}

/// Why a date or timestamp column's format cannot be used (see
/// [`check_date_format`](super::check_date_format) and
/// [`check_timestamp_format`](super::check_timestamp_format)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateFormatError {
    #[error("invalid date format {format:?}")]
    Invalid { format: String },
    #[error(
        "date format {format:?} has a two-digit year (%y); give pivot = YEAR, the first year its two digits can mean (e.g. 1930)"
    )]
    TwoDigitYear { format: String },
    /// A partial date's format with no year.
    #[error("date format {format:?} does not name a year")]
    NoYear { format: String },
    #[error(
        "date format {format:?} does not name a full date (day, month and year); with partial = true it may name a year or a month"
    )]
    NotAFullDate { format: String },
    /// `%::z` or `%:::z`: chrono writes them but cannot read them back.
    #[error(
        "date format {format:?} has an offset as %::z or %:::z, which cannot be read; use %z or %:z"
    )]
    Unreadable { format: String },
    /// `%s` in a date column: an instant, not a date as written.
    #[error(
        "date format {format:?} reads seconds since 1970 (%s), an instant rather than a date as written; map it to a timestamp column"
    )]
    Instant { format: String },
    /// `%Z` without an offset in a timestamp column: the zone name is
    /// skipped, so the time would be taken as London time.
    #[error(
        "date-time format {format:?} has a time zone name (%Z), which is not read; give the offset with %z or %:z"
    )]
    ZoneName { format: String },
    /// A timestamp column's format without a full date and a time of day.
    #[error(
        "date-time format {format:?} does not name a date and a time of day (day, month, year, hour and minute)"
    )]
    NotADateTime { format: String },
    #[error(transparent)]
    Spec(#[from] DateSpecError),
}
