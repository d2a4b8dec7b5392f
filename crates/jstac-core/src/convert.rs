//! Typed conversions from source text to warehouse values.
//!
//! Every conversion trims surrounding whitespace first, and an empty value
//! is `Null`. A failure says what was wrong without echoing the value: these
//! messages reach logs, and values are personal data.

use chrono::NaiveDate;
use chrono::format::{Item, ParseErrorKind, StrftimeItems};

use crate::catalog::ColumnType;

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

/// How to convert one source value.
#[derive(Debug, Clone)]
pub enum Conversion {
    Text,
    Integer,
    Decimal,
    Boolean,
    /// Tried in order; the first that parses wins. With no formats, only
    /// ISO 8601 `YYYY-MM-DD` text (and typed date cells) are accepted.
    Date {
        formats: Vec<String>,
    },
}

impl Conversion {
    pub fn column_type(&self) -> ColumnType {
        match self {
            Conversion::Text => ColumnType::Text,
            Conversion::Integer => ColumnType::Integer,
            Conversion::Decimal => ColumnType::Decimal,
            Conversion::Boolean => ColumnType::Boolean,
            Conversion::Date { .. } => ColumnType::Date,
        }
    }

    /// Converts one source text value. `Err` carries the reason, without the value.
    pub fn apply(&self, raw: Option<&str>) -> Result<Value, String> {
        self.apply_typed(raw, Kind::Text)
    }

    /// Converts one source value of a known kind. A typed date needs no
    /// format; an error value is always refused.
    pub fn apply_typed(&self, raw: Option<&str>, kind: Kind) -> Result<Value, String> {
        let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Value::Null);
        };
        match (kind, self) {
            // The error text is the spreadsheet's code and cell, never data.
            (Kind::Error, _) => return Err(format!("error value {text} in the source")),
            (Kind::Date | Kind::DateTime, Conversion::Date { .. }) => {
                let date = text.get(..10).unwrap_or(text);
                return NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .map(Value::Date)
                    .map_err(|_| "malformed typed date from the plugin".to_owned());
            }
            (Kind::Number, Conversion::Date { .. }) => {
                return Err(
                    "a number where a date was expected (is the cell formatted as a date?)"
                        .to_owned(),
                );
            }
            (Kind::Number, Conversion::Integer) => {
                return match text.parse::<f64>() {
                    Ok(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(Value::Integer(n as i64)),
                    _ => Err("not a whole number".to_owned()),
                };
            }
            _ => {}
        }
        match self {
            Conversion::Text => Ok(Value::Text(text.to_owned())),
            Conversion::Integer => parse_integer(text),
            Conversion::Decimal => parse_decimal(text).map(Value::Decimal),
            Conversion::Boolean => parse_boolean(text).map(Value::Boolean),
            Conversion::Date { formats } => parse_date(text, formats).map(Value::Date),
        }
    }
}

fn parse_integer(text: &str) -> Result<Value, String> {
    let digits = text.replace(',', "");
    digits
        .parse::<i64>()
        .map(Value::Integer)
        .map_err(|_| "not a whole number".to_owned())
}

/// Accepts `1234`, `-1234.5`, `1,234.50`, `£1,234.50`; returns canonical text.
fn parse_decimal(text: &str) -> Result<String, String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let rest = rest.strip_prefix('£').unwrap_or(rest);
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, ""));
    let whole_digits: String = whole.chars().filter(|&c| c != ',').collect();
    let valid_grouping = !whole.contains(',')
        || whole
            .split(',')
            .enumerate()
            .all(|(i, group)| (i == 0 && (1..=3).contains(&group.len())) || group.len() == 3);
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole_digits.is_empty()
        || !all_digits(&whole_digits)
        || !all_digits(fraction)
        || !valid_grouping
        || (rest.contains('.') && fraction.is_empty())
    {
        return Err("not a decimal number".to_owned());
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

fn parse_boolean(text: &str) -> Result<bool, String> {
    const TRUE: [&str; 5] = ["true", "yes", "y", "t", "1"];
    const FALSE: [&str; 5] = ["false", "no", "n", "f", "0"];
    if TRUE.iter().any(|t| text.eq_ignore_ascii_case(t)) {
        Ok(true)
    } else if FALSE.iter().any(|f| text.eq_ignore_ascii_case(f)) {
        Ok(false)
    } else {
        Err("not a boolean (expected yes/no, true/false, y/n, 1/0)".to_owned())
    }
}

fn parse_date(text: &str, formats: &[String]) -> Result<NaiveDate, String> {
    if formats.is_empty() {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| {
            if e.kind() == ParseErrorKind::OutOfRange {
                "impossible date (no such day)".to_owned()
            } else {
                "not an ISO 8601 date (YYYY-MM-DD); give the column a format".to_owned()
            }
        });
    }
    let mut impossible = false;
    for format in formats {
        match NaiveDate::parse_from_str(text, format) {
            Ok(date) => return Ok(date),
            Err(e) if e.kind() == ParseErrorKind::OutOfRange => impossible = true,
            Err(_) => {}
        }
    }
    let formats = formats.join(" or ");
    Err(if impossible {
        format!("impossible date (no such day) for format {formats}")
    } else {
        format!("does not match date format {formats}")
    })
}

/// Checks a strftime-style date format names a full date.
pub fn check_date_format(format: &str) -> Result<(), String> {
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|item| matches!(item, Item::Error)) {
        return Err(format!("invalid date format {format:?}"));
    }
    // A date needs a year and a day: probe with a known date.
    let probe = NaiveDate::from_ymd_opt(2016, 11, 23).expect("valid date");
    let text = probe.format(format).to_string();
    match NaiveDate::parse_from_str(&text, format) {
        Ok(date) if date == probe => Ok(()),
        _ => Err(format!(
            "date format {format:?} does not name a full date (day, month and year)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(conversion: Conversion, cases: &[(&str, Result<Value, &str>)]) {
        for (input, expected) in cases {
            let got = conversion.apply(Some(input));
            let expected = expected.clone().map_err(str::to_owned);
            assert_eq!(got, expected, "input {input:?}");
        }
    }

    fn date(y: i32, m: u32, d: u32) -> Value {
        Value::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn empty_is_null_for_every_type() {
        for conversion in [
            Conversion::Text,
            Conversion::Integer,
            Conversion::Decimal,
            Conversion::Boolean,
            Conversion::Date {
                formats: vec!["%d/%m/%Y".into()],
            },
        ] {
            assert_eq!(conversion.apply(None), Ok(Value::Null));
            assert_eq!(conversion.apply(Some("  ")), Ok(Value::Null));
        }
    }

    #[test]
    fn text_is_trimmed() {
        check(
            Conversion::Text,
            &[(" Ana ", Ok(Value::Text("Ana".into())))],
        );
    }

    #[test]
    fn integers() {
        check(
            Conversion::Integer,
            &[
                ("42", Ok(Value::Integer(42))),
                ("-7", Ok(Value::Integer(-7))),
                ("1,200", Ok(Value::Integer(1200))),
                ("4.5", Err("not a whole number")),
                ("forty", Err("not a whole number")),
            ],
        );
    }

    #[test]
    fn decimals() {
        let ok = |s: &str| Ok(Value::Decimal(s.to_owned()));
        check(
            Conversion::Decimal,
            &[
                ("1234.50", ok("1234.50")),
                ("£1,234.50", ok("1234.50")),
                ("-0.5", ok("-0.5")),
                ("007", ok("7")),
                ("-0", ok("0")),
                ("1,23", Err("not a decimal number")),
                ("12.", Err("not a decimal number")),
                ("1e5", Err("not a decimal number")),
                ("£", Err("not a decimal number")),
            ],
        );
    }

    #[test]
    fn booleans() {
        check(
            Conversion::Boolean,
            &[
                ("Yes", Ok(Value::Boolean(true))),
                ("N", Ok(Value::Boolean(false))),
                ("1", Ok(Value::Boolean(true))),
                ("FALSE", Ok(Value::Boolean(false))),
                (
                    "maybe",
                    Err("not a boolean (expected yes/no, true/false, y/n, 1/0)"),
                ),
            ],
        );
    }

    #[test]
    fn dates_with_explicit_formats() {
        let uk = Conversion::Date {
            formats: vec!["%d/%m/%Y".into()],
        };
        check(
            uk,
            &[
                ("02/03/1995", Ok(date(1995, 3, 2))),
                (
                    "31/02/2016",
                    Err("impossible date (no such day) for format %d/%m/%Y"),
                ),
                ("1995-03-02", Err("does not match date format %d/%m/%Y")),
            ],
        );
        let either = Conversion::Date {
            formats: vec!["%d/%m/%Y".into(), "%Y-%m-%d".into(), "%d-%b-%y".into()],
        };
        check(
            either,
            &[
                ("1995-03-02", Ok(date(1995, 3, 2))),
                ("01-Jun-16", Ok(date(2016, 6, 1))),
            ],
        );
    }

    #[test]
    fn date_formats_are_checked() {
        assert!(check_date_format("%d/%m/%Y").is_ok());
        assert!(check_date_format("%d-%b-%y").is_ok());
        assert!(check_date_format("%m/%Y").is_err());
        assert!(check_date_format("%Q").is_err());
    }
}
