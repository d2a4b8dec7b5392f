//! Typed conversions from source text to warehouse values.
//!
//! Every conversion trims surrounding whitespace first, and an empty value
//! is `Null`. A failure says what was wrong without echoing the value: these
//! messages reach logs, and values are personal data.

use chrono::NaiveDate;
use chrono::format::{Item, Numeric, StrftimeItems};
use jstac_normalise::date::{
    DateError, DateSpec, DateSpecError, ExcelDateSystem, PartialDate, date as read_date,
    excel_serial_date,
};

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

/// Why a source value did not convert. The message says what was wrong
/// and never repeats the value: it becomes a quarantine reason and reaches
/// logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// A typed source's error value (`#N/A`); holds the spreadsheet's code
    /// and cell as the plugin wrote them, never data.
    #[error("error value {0} in the source")]
    ErrorValue(String),
    /// Text with a NUL character, which no warehouse stores.
    #[error("contains a NUL character")]
    Nul,
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
    /// A column with no format, and text that is not ISO 8601.
    #[error("not an ISO 8601 date (YYYY-MM-DD){}; give the column a format", or_serial(*.excel))]
    NotIsoDate { excel: bool },
    /// Text that matches none of the column's formats.
    #[error("does not match date format {formats}{}", or_serial(*.excel))]
    NoFormatMatches { formats: String, excel: bool },
    /// Text in a format's shape naming no calendar day (31 February);
    /// `formats` are the column's, if it has any.
    #[error("impossible date (no such day){}", for_formats(.formats.as_deref()))]
    Impossible { formats: Option<String> },
    /// A year or a month, where the column takes only full dates.
    #[error("not a full date")]
    NotAFullDate,
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

/// Why a date column's format cannot be used (see [`check_date_format`]).
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
    #[error(transparent)]
    Spec(#[from] DateSpecError),
}

/// How to convert one source value.
#[derive(Debug, Clone)]
pub enum Conversion {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date(DateRule),
}

/// What a date column accepts besides its formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateOptions {
    /// Keep a date known only to the year or month (`1995`, `1995-03`) as
    /// that ISO text, instead of refusing it.
    pub partial: bool,
    /// Read numbers (numeric cells, or digits in text that no format
    /// matches) as Excel serial dates of this date system.
    pub excel: Option<ExcelDateSystem>,
    /// The first year of the hundred that two-digit years (`%y`) fall in:
    /// with 1930, `30`–`99` are 1930–1999 and `00`–`29` are 2000–2029.
    pub pivot: Option<i32>,
}

/// How a date column reads its values: formats tried in order, the first
/// that parses wins. With no formats, only ISO 8601 `YYYY-MM-DD` text (and
/// typed date cells) are accepted.
#[derive(Debug, Clone)]
pub struct DateRule {
    /// As the pipeline wrote them, for reasons.
    formats: Vec<String>,
    options: DateOptions,
    spec: DateSpec,
}

impl DateRule {
    /// A rule from formats already checked by [`check_date_format`].
    pub fn new(formats: Vec<String>, options: DateOptions) -> Result<DateRule, DateSpecError> {
        let iso = ["%Y-%m-%d".to_owned()];
        let used = if formats.is_empty() {
            &iso[..]
        } else {
            &formats
        };
        let mut spec = DateSpec::new(used)?;
        if let Some(system) = options.excel {
            spec = spec.with_excel(system);
        }
        if let Some(first_year) = options.pivot {
            spec = spec.with_century_window(first_year);
        }
        Ok(DateRule {
            formats,
            options,
            spec,
        })
    }

    pub fn options(&self) -> DateOptions {
        self.options
    }

    fn read_text(&self, text: &str) -> Result<Value, ConvertError> {
        match read_date(text, &self.spec) {
            Ok(PartialDate::Date(date)) => Ok(Value::Date(date)),
            Ok(partial) if self.options.partial => Ok(Value::Text(partial.iso())),
            Ok(_) => Err(ConvertError::NotAFullDate),
            Err(error) => Err(self.reason(error)),
        }
    }

    fn read_serial(&self, number: &str) -> Result<Value, ConvertError> {
        let Some(system) = self.options.excel else {
            return Err(ConvertError::NumberForDate);
        };
        let whole = number.split_once('.').map_or(number, |(whole, _)| whole);
        let serial: i64 = whole.parse().map_err(|_| ConvertError::NotAnExcelSerial)?;
        Ok(Value::Date(excel_serial_date(serial, system)?))
    }

    /// The reason a text did not read, naming the formats, never the value.
    fn reason(&self, error: DateError) -> ConvertError {
        let excel = self.options.excel.is_some();
        let formats = || self.formats.join(" or ");
        match (error, self.formats.is_empty()) {
            (DateError::NoMatch, true) => ConvertError::NotIsoDate { excel },
            (DateError::Impossible, true) => ConvertError::Impossible { formats: None },
            (DateError::NoMatch, false) => ConvertError::NoFormatMatches {
                formats: formats(),
                excel,
            },
            (DateError::Impossible, false) => ConvertError::Impossible {
                formats: Some(formats()),
            },
            (other, _) => ConvertError::Date(other),
        }
    }
}

impl Conversion {
    pub fn column_type(&self) -> ColumnType {
        match self {
            Conversion::Text => ColumnType::Text,
            Conversion::Integer => ColumnType::Integer,
            Conversion::Decimal => ColumnType::Decimal,
            Conversion::Boolean => ColumnType::Boolean,
            Conversion::Date(_) => ColumnType::Date,
        }
    }

    /// Converts one source text value. `Err` carries the reason, without the value.
    pub fn apply(&self, raw: Option<&str>) -> Result<Value, ConvertError> {
        self.apply_typed(raw, Kind::Text)
    }

    /// Converts one source value of a known kind. A typed date needs no
    /// format; an error value is always refused.
    pub fn apply_typed(&self, raw: Option<&str>, kind: Kind) -> Result<Value, ConvertError> {
        // What every warehouse stores: no NUL in text (PostgreSQL refuses
        // it), dates in years 1 to 9999 (ISO 8601 text, PostgreSQL `date`).
        let value = self.convert_typed(raw, kind)?;
        match &value {
            Value::Text(text) | Value::Decimal(text) if text.contains('\0') => {
                Err(ConvertError::Nul)
            }
            Value::Date(date) if !(1..=9999).contains(&chrono::Datelike::year(date)) => {
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
                let date = text.get(..10).unwrap_or(text);
                return NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .map(Value::Date)
                    .map_err(|_| ConvertError::MalformedTypedDate);
            }
            (Kind::Number, Conversion::Date(rule)) => return rule.read_serial(text),
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
        }
    }
}

fn parse_integer(text: &str) -> Result<Value, ConvertError> {
    let digits = text.replace(',', "");
    digits
        .parse::<i64>()
        .map(Value::Integer)
        .map_err(|_| ConvertError::NotAWholeNumber)
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

/// Checks a strftime-style date format: it names a full date (day, month
/// and year), or with `options.partial` at least a year; a two-digit year
/// (`%y`) needs `options.pivot`.
pub fn check_date_format(format: &str, options: DateOptions) -> Result<(), DateFormatError> {
    let format_owned = || format.to_owned();
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|item| matches!(item, Item::Error)) {
        return Err(DateFormatError::Invalid {
            format: format_owned(),
        });
    }
    if has_two_digit_year(format) && options.pivot.is_none() {
        return Err(DateFormatError::TwoDigitYear {
            format: format_owned(),
        });
    }
    // Probe with a known date: does the format give it back? (The probe's
    // window only has to put "16" in 2016.)
    let probe = NaiveDate::from_ymd_opt(2016, 11, 23).expect("valid date");
    let text = probe.format(format).to_string();
    let rule = DateRule::new(
        vec![format.to_owned()],
        DateOptions {
            partial: true,
            excel: None,
            pivot: Some(1930),
        },
    )?;
    match rule.read_text(&text) {
        Ok(Value::Date(date)) if date == probe => Ok(()),
        Ok(Value::Text(partial)) if options.partial && partial.starts_with("2016") => Ok(()),
        _ if options.partial => Err(DateFormatError::NoYear {
            format: format_owned(),
        }),
        _ => Err(DateFormatError::NotAFullDate {
            format: format_owned(),
        }),
    }
}

/// True when a format reads two-digit years (`%y`).
pub fn has_two_digit_year(format: &str) -> bool {
    StrftimeItems::new(format).any(|item| matches!(item, Item::Numeric(Numeric::YearMod100, _)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(conversion: Conversion, cases: &[(&str, Result<Value, &str>)]) {
        for (input, expected) in cases {
            let got = conversion.apply(Some(input)).map_err(|e| e.to_string());
            let expected = expected.clone().map_err(str::to_owned);
            assert_eq!(got, expected, "input {input:?}");
        }
    }

    fn date(y: i32, m: u32, d: u32) -> Value {
        Value::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    /// Values no warehouse can hold are refused on every backend alike.
    #[test]
    fn nul_characters_and_dates_outside_years_1_to_9999_are_refused() {
        check(
            Conversion::Text,
            &[
                ("Ana\0Hoxha", Err("contains a NUL character")),
                ("Ana Hoxha", Ok(Value::Text("Ana Hoxha".into()))),
            ],
        );
        let typed = dates(&["%Y-%m-%d"], DateOptions::default());
        let error = typed.apply_typed(Some("0000-01-01"), Kind::Date);
        assert_eq!(error, Err(ConvertError::YearOutOfRange));
        assert_eq!(
            error.unwrap_err().to_string(),
            "a date outside the years 1 to 9999"
        );
        assert_eq!(
            typed.apply_typed(Some("2016-03-01"), Kind::Date),
            Ok(date(2016, 3, 1))
        );
    }

    fn dates(formats: &[&str], options: DateOptions) -> Conversion {
        let formats: Vec<String> = formats.iter().map(|f| (*f).to_owned()).collect();
        for format in &formats {
            check_date_format(format, options).expect("valid format");
        }
        Conversion::Date(DateRule::new(formats, options).expect("valid rule"))
    }

    #[test]
    fn empty_is_null_for_every_type() {
        for conversion in [
            Conversion::Text,
            Conversion::Integer,
            Conversion::Decimal,
            Conversion::Boolean,
            dates(&["%d/%m/%Y"], DateOptions::default()),
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
        let uk = dates(&["%d/%m/%Y"], DateOptions::default());
        check(
            uk,
            &[
                ("02/03/1995", Ok(date(1995, 3, 2))),
                (
                    "31/02/2016",
                    Err("impossible date (no such day) for format %d/%m/%Y"),
                ),
                ("1995-03-02", Err("does not match date format %d/%m/%Y")),
                ("1995", Err("does not match date format %d/%m/%Y")),
            ],
        );
        let either = dates(
            &["%d/%m/%Y", "%Y-%m-%d", "%d-%b-%y"],
            DateOptions {
                pivot: Some(1930),
                ..DateOptions::default()
            },
        );
        check(
            either,
            &[
                ("1995-03-02", Ok(date(1995, 3, 2))),
                ("01-Jun-16", Ok(date(2016, 6, 1))),
                ("01-Jun-45", Ok(date(1945, 6, 1))),
            ],
        );
        let iso = dates(&[], DateOptions::default());
        check(
            iso,
            &[
                ("1995-03-02", Ok(date(1995, 3, 2))),
                ("2015-02-29", Err("impossible date (no such day)")),
                (
                    "02/03/1995",
                    Err("not an ISO 8601 date (YYYY-MM-DD); give the column a format"),
                ),
            ],
        );
    }

    /// (options, formats, input, kind, expected)
    type DateCase = (
        DateOptions,
        &'static [&'static str],
        &'static str,
        Kind,
        Result<Value, &'static str>,
    );

    #[test]
    fn partial_dates_excel_serials_and_pivots() {
        let partial = DateOptions {
            partial: true,
            ..DateOptions::default()
        };
        let excel_1900 = DateOptions {
            excel: Some(ExcelDateSystem::Excel1900),
            ..DateOptions::default()
        };
        let excel_1904 = DateOptions {
            excel: Some(ExcelDateSystem::Excel1904),
            ..DateOptions::default()
        };
        let pivot_1920 = DateOptions {
            pivot: Some(1920),
            ..DateOptions::default()
        };
        let text = |s: &str| Ok(Value::Text(s.to_owned()));
        let uk: &[&str] = &["%d/%m/%Y"];
        let estimated: &[&str] = &["%d/%m/%Y", "%m/%Y", "%Y"];
        let cases: &[DateCase] = &[
            (
                partial,
                estimated,
                "02/03/1995",
                Kind::Text,
                Ok(date(1995, 3, 2)),
            ),
            (partial, estimated, "03/1995", Kind::Text, text("1995-03")),
            (partial, estimated, "1995", Kind::Text, text("1995")),
            (
                partial,
                estimated,
                "13/1995",
                Kind::Text,
                Err("impossible date (no such day) for format %d/%m/%Y or %m/%Y or %Y"),
            ),
            (excel_1900, uk, "34760", Kind::Number, Ok(date(1995, 3, 2))),
            (
                excel_1900,
                uk,
                "34760.75",
                Kind::Number,
                Ok(date(1995, 3, 2)),
            ),
            (excel_1900, uk, "34760", Kind::Text, Ok(date(1995, 3, 2))),
            (
                excel_1900,
                uk,
                "02/03/1995",
                Kind::Text,
                Ok(date(1995, 3, 2)),
            ),
            (excel_1904, uk, "33298", Kind::Number, Ok(date(1995, 3, 2))),
            (
                excel_1900,
                uk,
                "60",
                Kind::Number,
                Err("Excel serial for the non-existent 29 February 1900"),
            ),
            (
                excel_1900,
                uk,
                "yesterday",
                Kind::Text,
                Err("does not match date format %d/%m/%Y or an Excel serial number"),
            ),
            (
                DateOptions::default(),
                uk,
                "34760",
                Kind::Number,
                Err("a number where a date was expected (is the cell formatted as a date?)"),
            ),
            (
                pivot_1920,
                &["%d/%m/%y"],
                "02/03/19",
                Kind::Text,
                Ok(date(2019, 3, 2)),
            ),
            (
                pivot_1920,
                &["%d/%m/%y"],
                "02/03/20",
                Kind::Text,
                Ok(date(1920, 3, 2)),
            ),
            (
                DateOptions::default(),
                uk,
                "1995-03-02T00:00:00",
                Kind::DateTime,
                Ok(date(1995, 3, 2)),
            ),
        ];
        for (options, formats, input, kind, expected) in cases {
            let got = dates(formats, *options)
                .apply_typed(Some(input), *kind)
                .map_err(|e| e.to_string());
            assert_eq!(
                got,
                expected.clone().map_err(str::to_owned),
                "{input:?} {kind:?} {options:?}"
            );
        }
    }

    /// Callers can tell reasons apart without reading their text.
    #[test]
    fn each_reason_is_its_own_kind() {
        let uk = dates(&["%d/%m/%Y"], DateOptions::default());
        let excel = dates(
            &["%d/%m/%Y"],
            DateOptions {
                excel: Some(ExcelDateSystem::Excel1900),
                ..DateOptions::default()
            },
        );
        let cases: [(Result<Value, ConvertError>, ConvertError); 6] = [
            (
                Conversion::Integer.apply(Some("forty")),
                ConvertError::NotAWholeNumber,
            ),
            (
                Conversion::Decimal.apply_typed(Some("#N/A (B7)"), Kind::Error),
                ConvertError::ErrorValue("#N/A (B7)".to_owned()),
            ),
            (
                uk.apply(Some("31/02/2016")),
                ConvertError::Impossible {
                    formats: Some("%d/%m/%Y".to_owned()),
                },
            ),
            (
                excel.apply(Some("yesterday")),
                ConvertError::NoFormatMatches {
                    formats: "%d/%m/%Y".to_owned(),
                    excel: true,
                },
            ),
            (
                excel.apply_typed(Some("60"), Kind::Number),
                ConvertError::Date(DateError::ExcelPhantomLeapDay),
            ),
            (
                uk.apply_typed(Some("34760"), Kind::Number),
                ConvertError::NumberForDate,
            ),
        ];
        for (got, expected) in cases {
            assert_eq!(got, Err(expected));
        }
        assert_eq!(
            check_date_format("%Q", DateOptions::default()),
            Err(DateFormatError::Invalid {
                format: "%Q".to_owned()
            })
        );
        assert_eq!(
            DateRule::new(vec!["%Q".to_owned()], DateOptions::default()).unwrap_err(),
            DateSpecError::BadFormat(0)
        );
    }

    #[test]
    fn date_formats_are_checked() {
        let none = DateOptions::default();
        let partial = DateOptions {
            partial: true,
            ..none
        };
        let pivot = DateOptions {
            pivot: Some(1930),
            ..none
        };
        assert_eq!(check_date_format("%d/%m/%Y", none), Ok(()));
        assert_eq!(check_date_format("%d-%b-%y", pivot), Ok(()));
        assert_eq!(check_date_format("%Y", partial), Ok(()));
        assert_eq!(check_date_format("%m/%Y", partial), Ok(()));
        let err =
            |format: &str, options| check_date_format(format, options).unwrap_err().to_string();
        assert_eq!(
            err("%m/%Y", none),
            "date format \"%m/%Y\" does not name a full date (day, month and year); with partial = true it may name a year or a month"
        );
        assert_eq!(
            err("%d-%b-%y", none),
            "date format \"%d-%b-%y\" has a two-digit year (%y); give pivot = YEAR, the first year its two digits can mean (e.g. 1930)"
        );
        assert_eq!(
            err("%d/%m", partial),
            "date format \"%d/%m\" does not name a year"
        );
        assert_eq!(err("%Q", none), "invalid date format \"%Q\"");
    }
}
