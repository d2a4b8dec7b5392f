//! Cell values as the plugin hands them on, and their conversion from
//! calamine's cells. Dates never leave as serial numbers.

use std::fmt::Write as _;

use calamine::{Data, DataRef, ExcelDateTime};
use jstac_sdk::Cell;

/// One cell's value, owned: what the reading core yields for each field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Boolean(bool),
    /// `YYYY-MM-DD`.
    Date(String),
    /// `YYYY-MM-DDTHH:MM:SS[.fff]`, no zone.
    DateTime(String),
    /// ISO 8601 duration (`PT1H30M`).
    Duration(String),
    /// The error value and where it is: `#N/A at Encounters!C7`.
    Error(String),
    /// A text larger than `max_field_bytes`, of this many bytes: not kept,
    /// its row is quarantined.
    TooLarge(u64),
}

impl Value {
    /// The value as the SDK's borrowed cell.
    pub fn as_cell(&self) -> Cell<'_> {
        match self {
            Value::Empty => Cell::Null,
            Value::Text(text) => Cell::Text(text),
            Value::Number(n) => Cell::Number(*n),
            Value::Boolean(b) => Cell::Boolean(*b),
            Value::Date(d) => Cell::Date(d),
            Value::DateTime(d) => Cell::DateTime(d),
            Value::Duration(d) => Cell::Duration(d),
            Value::Error(e) => Cell::Error(e),
            Value::TooLarge(_) => Cell::Null,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// Text of the value for a quarantined record's raw text.
    pub fn raw_text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s)
            | Value::Date(s)
            | Value::DateTime(s)
            | Value::Duration(s)
            | Value::Error(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::TooLarge(bytes) => format!("[a text of {bytes} bytes, not kept]"),
        }
    }
}

/// The length of a text over `max_text` bytes, or of one cut before
/// calamine read it (see `detect::oversize`).
fn too_large(text: &str, max_text: u64) -> Option<u64> {
    let len = text.len() as u64;
    if len > max_text {
        return Some(len);
    }
    crate::detect::oversize::marked_len(text)
}

/// A size as people write it: `1 MiB`, `64 KiB`, or bytes.
pub fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// A sheet name as a cell reference writes it: quoted when it is not a
/// plain word (`'Q1 encounters'!C7`), apostrophes doubled.
pub fn sheet_ref(name: &str) -> String {
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// Column letters of a 0-based column index: 0 → `A`, 27 → `AB`.
pub fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// `C7` for 0-based (row 6, column 2).
pub fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), u64::from(row) + 1)
}

/// Borrows a whole-sheet cell as calamine's streaming cell type, so both
/// kinds of sheet convert the same way.
pub fn data_as_ref(data: &Data) -> DataRef<'_> {
    match data {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// Converts one calamine cell. `sheet` is the sheet as a reference writes
/// it ([`sheet_ref`]); with the position it makes error values
/// self-describing.
#[cfg(test)]
pub fn convert(data: &DataRef<'_>, sheet: &str, row: u32, col: u32) -> Value {
    convert_within(data, sheet, row, col, u64::MAX)
}

/// [`convert`], a text larger than `max_text` bytes becoming
/// [`Value::TooLarge`] without being copied.
pub fn convert_within(data: &DataRef<'_>, sheet: &str, row: u32, col: u32, max_text: u64) -> Value {
    match data {
        DataRef::String(s) if too_large(s, max_text).is_some() => {
            Value::TooLarge(too_large(s, max_text).unwrap_or_default())
        }
        DataRef::SharedString(s) if too_large(s, max_text).is_some() => {
            Value::TooLarge(too_large(s, max_text).unwrap_or_default())
        }
        DataRef::Empty => Value::Empty,
        DataRef::String(s) => text(s),
        DataRef::SharedString(s) => text(s),
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Bool(b) => Value::Boolean(*b),
        DataRef::Error(e) => Value::Error(format!("{e} at {sheet}!{}", cell_ref(row, col))),
        DataRef::DateTime(dt) => excel_date_time(dt).unwrap_or_else(|problem| {
            Value::Error(format!("{problem} at {sheet}!{}", cell_ref(row, col)))
        }),
        DataRef::DateTimeIso(s) => iso_date_time(s),
        DataRef::DurationIso(s) => Value::Duration(s.clone()),
    }
}

/// Text, or empty when it is only whitespace.
fn text(s: &str) -> Value {
    if s.trim().is_empty() {
        Value::Empty
    } else {
        Value::Text(s.to_owned())
    }
}

/// The largest serial Excel can show: 9999-12-31 23:59:59.999.
const MAX_SERIAL: f64 = 2_958_466.0;

/// A date, date-time, time of day or duration from a number in a cell
/// formatted as one. The epoch (1900 or 1904) travels with the value.
///
/// - A duration format (`[h]:mm`) gives a [`Value::Duration`].
/// - A serial below 1 is a time of day with no date: [`Value::Text`] `HH:MM:SS`.
/// - A whole serial (time 00:00:00) is a [`Value::Date`]; otherwise a
///   [`Value::DateTime`], with milliseconds when there are any.
/// - Negative, too large or not-a-number serials, and 1900-02-29 (a day that
///   exists only in Excel's 1900 system), are errors.
fn excel_date_time(dt: &ExcelDateTime) -> Result<Value, &'static str> {
    let serial = dt.as_f64();
    if !serial.is_finite() {
        return Err("#NUM! (not a number in a date cell)");
    }
    if dt.is_duration() {
        return Ok(Value::Duration(iso_duration(serial)));
    }
    if !(0.0..MAX_SERIAL).contains(&serial) {
        return Err("#NUM! (date serial outside 0001-9999)");
    }
    let (year, month, day, hour, minute, second, milli) = dt.to_ymd_hms_milli();
    let time = if milli > 0 {
        format!("{hour:02}:{minute:02}:{second:02}.{milli:03}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}")
    };
    if serial < 1.0 {
        return Ok(Value::Text(time));
    }
    if (year, month, day) == (1900, 2, 29) {
        return Err("#NUM! (1900-02-29 exists only in Excel's 1900 date system)");
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if (hour, minute, second, milli) == (0, 0, 0, 0) {
        Ok(Value::Date(date))
    } else {
        Ok(Value::DateTime(format!("{date}T{time}")))
    }
}

/// `PT36H30M`, `-PT0.5S`, `PT0S` from a number of days.
fn iso_duration(days: f64) -> String {
    let total_ms = (days * 86_400_000.0).round();
    let negative = total_ms < 0.0;
    // Saturates for absurd values; a duration of millions of years is still text.
    let total_ms = total_ms.abs() as u64;
    let (hours, rest) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    let mut out = String::from(if negative { "-PT" } else { "PT" });
    if hours > 0 {
        let _ = write!(out, "{hours}H");
    }
    if minutes > 0 {
        let _ = write!(out, "{minutes}M");
    }
    if millis > 0 {
        let _ = write!(out, "{seconds}.{millis:03}S");
    } else if seconds > 0 || (hours == 0 && minutes == 0) {
        let _ = write!(out, "{seconds}S");
    }
    out
}

/// A date or date-time written as ISO 8601 text in the file (ODS, and XLSX
/// `t="d"` cells). A midnight date-time is a date; a zone suffix is dropped
/// (sources are local time); anything else that is not ISO stays text.
fn iso_date_time(s: &str) -> Value {
    let s = s.trim();
    let is_date = |d: &str| {
        let b = d.as_bytes();
        b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    };
    match s.split_once('T') {
        None if is_date(s) => Value::Date(s.to_owned()),
        Some((date, time)) if is_date(date) => {
            let time = time.trim_end_matches('Z');
            let time = match time.find(['+', '-']) {
                Some(at) => &time[..at],
                None => time,
            };
            let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
            let hb = hms.as_bytes();
            let valid = hb.len() == 8
                && hb[2] == b':'
                && hb[5] == b':'
                && hb
                    .iter()
                    .enumerate()
                    .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit())
                && fraction.bytes().all(|c| c.is_ascii_digit());
            if !valid {
                return Value::Text(s.to_owned());
            }
            let millis = &fraction[..fraction.len().min(3)];
            if hms == "00:00:00" && millis.bytes().all(|c| c == b'0') {
                Value::Date(date.to_owned())
            } else if millis.is_empty() || millis.bytes().all(|c| c == b'0') {
                Value::DateTime(format!("{date}T{hms}"))
            } else {
                Value::DateTime(format!("{date}T{hms}.{millis:0<3}"))
            }
        }
        _ => Value::Text(s.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTimeType};

    fn date(serial: f64, is_1904: bool) -> Value {
        let dt = ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, is_1904);
        convert(&DataRef::DateTime(dt), "S", 0, 0)
    }

    #[test]
    fn serials_become_iso_dates_in_both_epochs() {
        assert_eq!(date(42_430.0, false), Value::Date("2016-03-01".into()));
        assert_eq!(date(40_968.0, true), Value::Date("2016-03-01".into()));
        assert_eq!(
            date(42_430.75, false),
            Value::DateTime("2016-03-01T18:00:00".into())
        );
        assert_eq!(date(0.5, false), Value::Text("12:00:00".into()));
        assert!(matches!(date(60.0, false), Value::Error(e) if e.contains("1900-02-29")));
        assert!(matches!(date(-1.0, false), Value::Error(_)));
    }

    #[test]
    fn durations_are_iso() {
        let d = |days| {
            let dt = ExcelDateTime::new(days, ExcelDateTimeType::TimeDelta, false);
            convert(&DataRef::DateTime(dt), "S", 0, 0)
        };
        assert_eq!(d(1.5), Value::Duration("PT36H".into()));
        assert_eq!(d(1.0 / 24.0 * 1.5), Value::Duration("PT1H30M".into()));
        assert_eq!(d(0.0), Value::Duration("PT0S".into()));
        assert_eq!(d(-1.0 / 86_400.0), Value::Duration("-PT1S".into()));
    }

    #[test]
    fn iso_text_dates() {
        assert_eq!(
            iso_date_time("2016-05-01"),
            Value::Date("2016-05-01".into())
        );
        assert_eq!(
            iso_date_time("2016-05-01T00:00:00"),
            Value::Date("2016-05-01".into())
        );
        assert_eq!(
            iso_date_time("2016-05-01T10:30:00.5Z"),
            Value::DateTime("2016-05-01T10:30:00.500".into())
        );
        assert_eq!(iso_date_time("May 2016"), Value::Text("May 2016".into()));
    }

    #[test]
    fn errors_name_their_cell() {
        let v = convert(&DataRef::Error(CellErrorType::NA), "'Q1 data'", 6, 2);
        assert_eq!(v, Value::Error("#N/A at 'Q1 data'!C7".into()));
        assert_eq!(sheet_ref("Encounters"), "Encounters");
        assert_eq!(sheet_ref("It's"), "'It''s'");
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }
}
