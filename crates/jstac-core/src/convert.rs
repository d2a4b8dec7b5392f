//! Typed conversions from source text to warehouse values.
//!
//! Every conversion trims surrounding whitespace first, and an empty value
//! is `Null`. Text with a C0 control character other than tab, CR and LF
//! is refused ([`check_text`]), before any conversion, normaliser or
//! lookup: the mapping checks every source text it reads, from every
//! plugin, so no backend stores one. A failure says what was wrong without echoing the value: these
//! messages reach logs, and values are personal data.
//!
//! Files: this one ([`Conversion`], numbers and booleans) → `dates.rs`
//! (date and timestamp rules and their format checks) → `error.rs`,
//! `value.rs` (leaves).

mod dates;
mod error;
mod value;

pub use dates::{
    DateOptions, DateRule, TimestampRule, check_date_format, check_timestamp_format,
    has_two_digit_year,
};
pub use error::{ConvertError, DateFormatError};
pub use value::{Kind, Value};

use crate::catalog::ColumnType;

/// How to convert one source value.
#[derive(Debug, Clone)]
pub enum Conversion {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date(DateRule),
    Timestamp(TimestampRule),
}

impl Conversion {
    pub fn column_type(&self) -> ColumnType {
        match self {
            Conversion::Text => ColumnType::Text,
            Conversion::Integer => ColumnType::Integer,
            Conversion::Decimal => ColumnType::Decimal,
            Conversion::Boolean => ColumnType::Boolean,
            Conversion::Date(_) => ColumnType::Date,
            Conversion::Timestamp(_) => ColumnType::Timestamp,
        }
    }

    /// Converts one source text value. `Err` carries the reason, without the value.
    pub fn apply(&self, raw: Option<&str>) -> Result<Value, ConvertError> {
        self.apply_typed(raw, Kind::Text)
    }

    /// Converts one source value of a known kind. A typed date needs no
    /// format; an error value is always refused.
    pub fn apply_typed(&self, raw: Option<&str>, kind: Kind) -> Result<Value, ConvertError> {
        // What every warehouse stores: no control characters in text (NUL:
        // PostgreSQL refuses it), dates and instants in years 1 to 9999
        // (ISO 8601 text, PostgreSQL `date` and `timestamptz`).
        use chrono::Datelike as _;
        if let Some(text) = raw {
            check_text(text)?;
        }
        let value = self.convert_typed(raw, kind)?;
        match &value {
            Value::Date(date) if !(1..=9999).contains(&date.year()) => {
                Err(ConvertError::YearOutOfRange)
            }
            Value::Timestamp(instant) if !(1..=9999).contains(&instant.year()) => {
                Err(ConvertError::YearOutOfRange)
            }
            _ => Ok(value),
        }
    }

    fn convert_typed(&self, raw: Option<&str>, kind: Kind) -> Result<Value, ConvertError> {
        if kind == Kind::Error {
            // The error text is the spreadsheet's code and cell, never data.
            let text = raw.map(str::trim).unwrap_or_default();
            return Err(ConvertError::ErrorValue(text.to_owned()));
        }
        let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Value::Null);
        };
        match (kind, self) {
            (Kind::Date | Kind::DateTime, Conversion::Date(_)) => {
                return DateRule::read_typed(text);
            }
            (Kind::Date | Kind::DateTime, Conversion::Timestamp(rule)) => {
                return rule.read_typed(text, kind);
            }
            (Kind::Number, Conversion::Date(rule)) => return rule.read_serial(text),
            (Kind::Number, Conversion::Timestamp(rule)) => return rule.read_serial(text),
            (Kind::Number, Conversion::Integer) => {
                return match text.parse::<f64>() {
                    Ok(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(Value::Integer(n as i64)),
                    _ => Err(ConvertError::NotAWholeNumber),
                };
            }
            _ => {}
        }
        match self {
            Conversion::Text => Ok(Value::Text(text.to_owned())),
            Conversion::Integer => parse_integer(text),
            Conversion::Decimal => parse_decimal(text).map(Value::Decimal),
            Conversion::Boolean => parse_boolean(text).map(Value::Boolean),
            Conversion::Date(rule) => rule.read_text(text),
            Conversion::Timestamp(rule) => rule.read_text(text),
        }
    }
}

/// Refuses text holding a C0 control character (U+0000 to U+001F) other
/// than tab, CR and LF: the first one found, named by its code point.
pub fn check_text(text: &str) -> Result<(), ConvertError> {
    match text
        .bytes()
        .find(|&b| b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n'))
    {
        Some(byte) => Err(ConvertError::ControlCharacter(char::from(byte))),
        None => Ok(()),
    }
}

/// Accepts `1234`, `-1234`, `1,234`: commas only between groups of three
/// digits, as [`parse_decimal`] checks them.
fn parse_integer(text: &str) -> Result<Value, ConvertError> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !valid_grouping(unsigned) {
        return Err(ConvertError::NotAWholeNumber);
    }
    let digits = text.replace(',', "");
    digits
        .parse::<i64>()
        .map(Value::Integer)
        .map_err(|_| ConvertError::NotAWholeNumber)
}

/// Whether the commas of a whole part, if any, group its digits in
/// threes: `1,234` and `12,345,678`, not `1,2,3`, `12,34` or `1234,567`.
fn valid_grouping(whole: &str) -> bool {
    !whole.contains(',')
        || whole
            .split(',')
            .enumerate()
            .all(|(i, group)| (i == 0 && (1..=3).contains(&group.len())) || group.len() == 3)
}

/// Accepts `1234`, `-1234.5`, `1,234.50`, `£1,234.50`; returns canonical text.
fn parse_decimal(text: &str) -> Result<String, ConvertError> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let rest = rest.strip_prefix('£').unwrap_or(rest);
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, ""));
    let whole_digits: String = whole.chars().filter(|&c| c != ',').collect();
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole_digits.is_empty()
        || !all_digits(&whole_digits)
        || !all_digits(fraction)
        || !valid_grouping(whole)
        || (rest.contains('.') && fraction.is_empty())
    {
        return Err(ConvertError::NotADecimal);
    }
    let whole_digits = whole_digits.trim_start_matches('0');
    let whole_digits = if whole_digits.is_empty() {
        "0"
    } else {
        whole_digits
    };
    let mut canonical = String::with_capacity(whole_digits.len() + fraction.len() + 2);
    if negative && (whole_digits != "0" || fraction.bytes().any(|b| b != b'0')) {
        canonical.push('-');
    }
    canonical.push_str(whole_digits);
    if !fraction.is_empty() {
        canonical.push('.');
        canonical.push_str(fraction);
    }
    Ok(canonical)
}

fn parse_boolean(text: &str) -> Result<bool, ConvertError> {
    const TRUE: [&str; 5] = ["true", "yes", "y", "t", "1"];
    const FALSE: [&str; 5] = ["false", "no", "n", "f", "0"];
    if TRUE.iter().any(|t| text.eq_ignore_ascii_case(t)) {
        Ok(true)
    } else if FALSE.iter().any(|f| text.eq_ignore_ascii_case(f)) {
        Ok(false)
    } else {
        Err(ConvertError::NotABoolean)
    }
}

#[cfg(test)]
mod tests;
