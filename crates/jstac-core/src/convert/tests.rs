//! Conversions, date and timestamp rules and format checks.

use chrono::NaiveDate;
use jstac_normalise::date::{DateError, DateSpecError, ExcelDateSystem};

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
            ("Ana\0Hoxha", Err("contains the control character U+0000")),
            (
                "Ana\u{1b}Hoxha",
                Err("contains the control character U+001B"),
            ),
            ("Ana\tHoxha", Ok(Value::Text("Ana\tHoxha".into()))),
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
            ("-1,234,567", Ok(Value::Integer(-1234567))),
            // Commas group digits in threes, or the value is not a number
            // as written (a list, a misplaced separator).
            ("1,2,3", Err("not a whole number")),
            ("12,34", Err("not a whole number")),
            ("1234,567", Err("not a whole number")),
            (",123", Err("not a whole number")),
            ("123,", Err("not a whole number")),
            ("1,,234", Err("not a whole number")),
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
    let err = |format: &str, options| check_date_format(format, options).unwrap_err().to_string();
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

fn partial() -> DateOptions {
    DateOptions {
        partial: true,
        ..DateOptions::default()
    }
}

fn timestamps(formats: &[&str], options: DateOptions) -> Conversion {
    let formats: Vec<String> = formats.iter().map(|f| (*f).to_owned()).collect();
    for format in &formats {
        check_timestamp_format(format, options).expect("valid format");
    }
    Conversion::Timestamp(TimestampRule::new(formats, options).expect("valid rule"))
}

fn instant(text: &str) -> Value {
    Value::Timestamp(
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&chrono::Utc),
    )
}

/// A date-time in a date column gives its local date: the date as
/// written, in its own offset.
#[test]
fn date_times_in_date_columns_give_their_local_date() {
    check(
        dates(&["%d/%m/%Y %H:%M"], DateOptions::default()),
        &[
            ("14/04/2015 23:30", Ok(date(2015, 4, 14))),
            (
                "14/04/2015",
                Err("does not match date format %d/%m/%Y %H:%M"),
            ),
        ],
    );
    check(
        dates(&["%Y-%m-%dT%H:%M:%S%:z"], DateOptions::default()),
        &[("2016-06-11T23:30:00-02:00", Ok(date(2016, 6, 11)))],
    );
    check(
        dates(&["%Y-%m-%d%:z"], DateOptions::default()),
        &[("2015-04-14-04:00", Ok(date(2015, 4, 14)))],
    );
    // No format: ISO 8601 and RFC 3339.
    check(
        dates(&[], DateOptions::default()),
        &[
            ("2016-06-11", Ok(date(2016, 6, 11))),
            ("2016-06-11T09:30:00Z", Ok(date(2016, 6, 11))),
            ("2016-06-11T09:30:00+01:00", Ok(date(2016, 6, 11))),
            ("2016-06-11T23:30:00-02:00", Ok(date(2016, 6, 11))),
            ("2016-06-11 09:30", Ok(date(2016, 6, 11))),
            ("2015-04-14-04:00", Ok(date(2015, 4, 14))),
            ("2015-04-14Z", Ok(date(2015, 4, 14))),
            (
                "11/06/2016 09:30",
                Err("not an ISO 8601 date (YYYY-MM-DD); give the column a format"),
            ),
        ],
    );
}

/// Sources write an unknown day or month as zero: a partial date, which
/// only a partial column keeps.
#[test]
fn zero_days_and_months_are_partial_dates() {
    let text = |s: &str| Ok(Value::Text(s.to_owned()));
    let needs = "not a full date: a partial date (year or month only) needs partial = true";
    for (formats, input, kept) in [
        (["%d/%m/%Y"], "00/00/1980", "1980"),
        (["%d/%m/%Y"], "0/0/1980", "1980"),
        (["%d/%m/%Y"], "00/05/1980", "1980-05"),
        (["%Y-%m-%d"], "1980-00-00", "1980"),
        (["%Y-%m-%d"], "1980-05-00", "1980-05"),
    ] {
        check(dates(&formats, partial()), &[(input, text(kept))]);
        check(
            dates(&formats, DateOptions::default()),
            &[(input, Err(needs))],
        );
    }
    check(
        dates(&["%d/%m/%Y"], partial()),
        &[(
            "12/00/1980",
            Err("impossible date (no such day) for format %d/%m/%Y"),
        )],
    );
}

/// With partial = true an approximate date reads as the date it names,
/// in any of the column's formats.
#[test]
fn approximate_dates_need_partial() {
    let column = dates(&["%d/%m/%Y", "%Y"], partial());
    for input in [
        "approximately 1968",
        "approx. 1968",
        "approx 1968",
        "circa 1968",
        "ca. 1968",
        "c. 1968",
        "about 1968",
        "1968 (approx.)",
        "1968?",
    ] {
        assert_eq!(
            column.apply(Some(input)),
            Ok(Value::Text("1968".to_owned())),
            "{input}"
        );
    }
    check(
        column,
        &[
            ("circa 12/03/1968", Ok(date(1968, 3, 12))),
            (
                "circa 12/1968",
                Err("does not match date format %d/%m/%Y or %Y"),
            ),
        ],
    );
    check(
        dates(&["%d/%m/%Y"], DateOptions::default()),
        &[(
            "circa 12/03/1968",
            Err("an approximate date (approx., circa, c., ?) needs partial = true"),
        )],
    );
}

/// Two-digit years need an explicit pivot on every path: a format with a
/// time, a zero day, an approximate date.
#[test]
fn two_digit_years_still_need_a_pivot() {
    let needs = "has a two-digit year (%y)";
    for format in [
        "%d/%m/%y",
        "%d/%m/%y %H:%M",
        "%y-%m-%d%:z",
        "%D",
        "%x",
        "%g-W%V-%u",
    ] {
        for error in [
            check_date_format(format, partial()),
            check_timestamp_format(format, DateOptions::default()),
        ] {
            let error = error.unwrap_err();
            assert!(error.to_string().contains(needs), "{format}: {error}");
        }
    }
    let pivot = DateOptions {
        pivot: Some(1930),
        partial: true,
        ..DateOptions::default()
    };
    check(
        dates(&["%d/%m/%y", "%d/%m/%y %H:%M"], pivot),
        &[
            ("00/00/80", Ok(Value::Text("1980".to_owned()))),
            ("circa 01/02/29", Ok(date(2029, 2, 1))),
            ("01/02/30 10:00", Ok(date(1930, 2, 1))),
        ],
    );
    // A century with its two digits is a four-digit year.
    assert_eq!(
        check_date_format("%C%y-%m-%d", DateOptions::default()),
        Ok(())
    );
}

/// Timestamps: instants in UTC to the second; no offset is London time.
#[test]
fn timestamps_are_instants_in_utc() {
    check(
        timestamps(&[], DateOptions::default()),
        &[
            ("2016-06-11T09:30:00Z", Ok(instant("2016-06-11T09:30:00Z"))),
            (
                "2016-06-11T09:30:00+01:00",
                Ok(instant("2016-06-11T08:30:00Z")),
            ),
            (
                "2016-06-11T23:30:00.75-02:00",
                Ok(instant("2016-06-12T01:30:00Z")),
            ),
            // London summer time.
            ("2016-06-11 09:30", Ok(instant("2016-06-11T08:30:00Z"))),
            ("2016-01-11T09:30:15", Ok(instant("2016-01-11T09:30:15Z"))),
            (
                "2016-06-11",
                Err(
                    "not an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS, with or without an offset); give the column a format",
                ),
            ),
            (
                "2016-03-27T01:30:00",
                Err("local time does not exist: skipped when clocks went forward"),
            ),
        ],
    );
    check(
        timestamps(&["%d/%m/%Y %H:%M", "%s"], DateOptions::default()),
        &[
            ("15/07/2016 10:30", Ok(instant("2016-07-15T09:30:00Z"))),
            ("1465637400", Ok(instant("2016-06-11T09:30:00Z"))),
            (
                "31/02/2016 10:30",
                Err("impossible date (no such day) for format %d/%m/%Y %H:%M or %s"),
            ),
        ],
    );
    let typed = timestamps(&[], DateOptions::default());
    assert_eq!(
        typed.apply_typed(Some("2016-07-15T10:30:00.500"), Kind::DateTime),
        Ok(instant("2016-07-15T09:30:00Z"))
    );
    assert_eq!(
        typed.apply_typed(Some("2016-07-15"), Kind::Date),
        Ok(instant("2016-07-14T23:00:00Z"))
    );
    assert_eq!(
        typed.apply_typed(Some("42522.5"), Kind::Number),
        Err(ConvertError::NumberForDate)
    );
    let excel = timestamps(
        &[],
        DateOptions {
            excel: Some(ExcelDateSystem::Excel1900),
            ..DateOptions::default()
        },
    );
    assert_eq!(
        excel.apply_typed(Some("42522.5"), Kind::Number),
        Ok(instant("2016-06-01T11:00:00Z"))
    );
    assert_eq!(typed.column_type(), ColumnType::Timestamp);
}

/// Every strftime specifier chrono documents, alone and after a full
/// date, is accepted or refused with a reason by both checks: none
/// panics, and every accepted format reads its own output.
#[test]
fn every_specifier_is_accepted_or_refused() {
    const SPECIFIERS: &[&str] = &[
        "%Y", "%C", "%y", "%m", "%b", "%B", "%h", "%d", "%e", "%a", "%A", "%w", "%u", "%U", "%W",
        "%G", "%g", "%V", "%j", "%D", "%x", "%F", "%v", "%H", "%k", "%I", "%l", "%P", "%p", "%M",
        "%S", "%f", "%.f", "%.3f", "%.6f", "%.9f", "%3f", "%6f", "%9f", "%R", "%T", "%X", "%r",
        "%Z", "%z", "%:z", "%::z", "%:::z", "%#z", "%c", "%+", "%s", "%t", "%n", "%%", "%-d",
        "%_d", "%0d", "%", "%Q", "%:", "%-", "%E",
    ];
    let options = [
        DateOptions::default(),
        partial(),
        DateOptions {
            pivot: Some(1930),
            ..DateOptions::default()
        },
    ];
    for specifier in SPECIFIERS {
        for format in [(*specifier).to_owned(), format!("%d/%m/%Y {specifier}")] {
            for options in options {
                if check_date_format(&format, options).is_ok() {
                    assert!(DateRule::new(vec![format.clone()], options).is_ok());
                }
                if check_timestamp_format(&format, options).is_ok() {
                    assert!(TimestampRule::new(vec![format.clone()], options).is_ok());
                }
            }
        }
    }
    let none = DateOptions::default();
    let accepted_dates = [
        "%d/%m/%Y %H:%M",
        "%Y-%m-%d%:z",
        "%Y-%m-%d%#z",
        "%Y-%m-%dT%H:%M:%S%:z",
        "%+",
        "%c",
        "%F",
        "%v",
        "%G-W%V-%u",
        "%Y-%j",
        "%d/%m/%Y %Z",
        "%d/%m/%Y %I:%M",
    ];
    for format in accepted_dates {
        assert_eq!(check_date_format(format, none), Ok(()), "{format}");
    }
    let accepted_timestamps = [
        "%d/%m/%Y %H:%M",
        "%Y-%m-%dT%H:%M:%S%:z",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%+",
        "%c",
        "%s",
        "%d/%m/%Y %I:%M %p",
        "%d/%m/%Y %H:%M %Z %z",
    ];
    for format in accepted_timestamps {
        assert_eq!(check_timestamp_format(format, none), Ok(()), "{format}");
    }
    let err = |result: Result<(), DateFormatError>| result.unwrap_err().to_string();
    assert_eq!(
        err(check_date_format("%s", none)),
        "date format \"%s\" reads seconds since 1970 (%s), an instant rather than a date as written; map it to a timestamp column"
    );
    assert_eq!(
        err(check_date_format("%Y-%m-%d%::z", none)),
        "date format \"%Y-%m-%d%::z\" has an offset as %::z or %:::z, which cannot be read; use %z or %:z"
    );
    assert_eq!(
        err(check_timestamp_format("%d/%m/%Y %H:%M %Z", none)),
        "date-time format \"%d/%m/%Y %H:%M %Z\" has a time zone name (%Z), which is not read; give the offset with %z or %:z"
    );
    for format in ["%d/%m/%Y", "%d/%m/%Y %I:%M", "%H:%M", "%Y %H:%M"] {
        assert_eq!(
            err(check_timestamp_format(format, none)),
            format!(
                "date-time format {format:?} does not name a date and a time of day (day, month, year, hour and minute)"
            )
        );
    }
    for format in ["%H:%M", "%U", "%j", "%C"] {
        assert!(
            err(check_date_format(format, none)).contains("does not name a full date"),
            "{format}"
        );
    }
    for format in ["%", "%:", "%Q", "%d/%m/%Y %Q"] {
        assert_eq!(
            err(check_date_format(format, none)),
            format!("invalid date format {format:?}")
        );
    }
}
