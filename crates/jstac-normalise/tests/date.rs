//! Table-driven tests for dates, Excel serials and UTC conversion.

use chrono::{NaiveDate, TimeZone as _, Utc};
use jstac_normalise::date::{
    DateError, DateSpec, DateSpecError, ExcelDateSystem, ISO_DATETIME_FORMATS, ISO_FORMATS,
    NOTE_DST_OVERLAP, PartialDate, date, datetime_utc, excel_serial_date, format_example,
    local_to_utc,
};

fn uk_spec() -> DateSpec {
    DateSpec::new([
        "%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y", "%d %B %Y", "%d.%m.%Y", "%m/%Y", "%Y-%m", "%Y",
    ])
    .unwrap()
    .with_excel(ExcelDateSystem::Excel1900)
}

/// (input, expected ISO text or error kind prefixed with "!").
const UK_ROWS: &[(&str, &str)] = &[
    ("02/03/1995", "1995-03-02"),
    ("2/3/1995", "1995-03-02"),
    ("1995-03-02", "1995-03-02"),
    ("  02/03/1995 ", "1995-03-02"),
    ("31/12/1999", "1999-12-31"),
    ("01/01/2000", "2000-01-01"),
    ("29/02/2016", "2016-02-29"),
    ("29/02/2000", "2000-02-29"),
    ("01-Jun-2016", "2016-06-01"),
    ("01-JUN-2016", "2016-06-01"),
    ("1 June 2016", "2016-06-01"),
    ("02.03.1995", "1995-03-02"),
    ("03/1995", "1995-03"),
    ("3/1995", "1995-03"),
    ("1995-03", "1995-03"),
    ("1995", "1995"),
    ("2016", "2016"),
    // Excel serials, 1900 system.
    ("35126", "1996-03-02"),
    ("34760", "1995-03-02"),
    ("42429", "2016-02-29"),
    ("42522", "2016-06-01"),
    ("42522.5", "2016-06-01"),
    ("1", "1900-01-01"),
    ("59", "1900-02-28"),
    ("61", "1900-03-01"),
    ("2958465", "9999-12-31"),
    // Errors.
    ("31/02/2016", "!impossible"),
    ("29/02/2015", "!impossible"),
    ("29/02/1900", "!impossible"),
    ("30/02/2016", "!impossible"),
    ("32/01/2016", "!impossible"),
    ("13/1995", "!impossible"),
    ("00/01/2016", "2016-01"),
    ("15/00/2016", "!impossible"),
    ("00/13/2016", "!impossible"),
    ("60", "!excel_phantom_leap_day"),
    ("0", "!excel_out_of_range"),
    ("2958466", "!excel_out_of_range"),
    ("", "!empty"),
    ("   ", "!empty"),
    ("yesterday", "!no_match"),
    ("02/03/95", "!no_match"),
    ("1995/03/02", "!no_match"),
    ("-5", "!no_match"),
    ("12.5.3", "!no_match"),
];

fn check(rows: &[(&str, &str)], spec: &DateSpec) {
    let mut failures = Vec::new();
    for (input, want) in rows {
        let got = match date(input, spec) {
            Ok(d) => d.to_string(),
            Err(e) => format!("!{}", e.kind()),
        };
        if got != *want {
            failures.push(format!("{input:?}: want {want}, got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn uk_dates() {
    check(UK_ROWS, &uk_spec());
}

#[test]
fn excel_1904_system() {
    let spec = DateSpec::excel_only(ExcelDateSystem::Excel1904);
    check(
        &[
            ("33664", "1996-03-02"),
            ("33298", "1995-03-02"),
            ("0", "1904-01-01"),
            ("60", "1904-03-01"),
            ("2957003", "9999-12-31"),
            ("2957004", "!excel_out_of_range"),
            ("02/03/1995", "!no_match"),
        ],
        &spec,
    );
    // Same date, two systems: the 1904 serial is 1,462 less.
    let d1900 = excel_serial_date(35126, ExcelDateSystem::Excel1900).unwrap();
    let d1904 = excel_serial_date(35126 - 1462, ExcelDateSystem::Excel1904).unwrap();
    assert_eq!(d1900, d1904);
    assert_eq!(d1900, NaiveDate::from_ymd_opt(1996, 3, 2).unwrap());
    assert_eq!(
        excel_serial_date(60, ExcelDateSystem::Excel1900),
        Err(DateError::ExcelPhantomLeapDay)
    );
    assert_eq!(
        excel_serial_date(-1, ExcelDateSystem::Excel1904),
        Err(DateError::ExcelOutOfRange)
    );
}

#[test]
fn two_digit_years_need_a_window() {
    let without = DateSpec::new(["%d-%b-%y", "%d/%m/%y"]).unwrap();
    check(
        &[
            ("01-Jun-16", "!two_digit_year"),
            ("02/03/95", "!two_digit_year"),
            ("02/03/1995", "!no_match"),
        ],
        &without,
    );
    let with = DateSpec::new(["%d-%b-%y", "%d/%m/%y"])
        .unwrap()
        .with_century_window(1930);
    check(
        &[
            ("01-Jun-16", "2016-06-01"),
            ("02/03/95", "1995-03-02"),
            ("02/03/30", "1930-03-02"),
            ("02/03/29", "2029-03-02"),
            ("31/12/00", "2000-12-31"),
            ("29/02/15", "!impossible"),
            ("02/03/1995", "!no_match"),
        ],
        &with,
    );
    let dob = DateSpec::new(["%d/%m/%y"])
        .unwrap()
        .with_century_window(1926);
    check(
        &[("02/03/25", "2025-03-02"), ("02/03/26", "1926-03-02")],
        &dob,
    );
}

#[test]
fn first_matching_format_wins() {
    // US order only if the caller says so: 03/02/1995 is 3 February in UK
    // order and 2 March in US order.
    let uk = DateSpec::new(["%d/%m/%Y", "%m/%d/%Y"]).unwrap();
    assert_eq!(date("03/02/1995", &uk).unwrap().to_string(), "1995-02-03");
    let us = DateSpec::new(["%m/%d/%Y", "%d/%m/%Y"]).unwrap();
    assert_eq!(date("03/02/1995", &us).unwrap().to_string(), "1995-03-02");
    // Impossible in the first format, fine in the second: the second wins.
    assert_eq!(date("13/02/1995", &us).unwrap().to_string(), "1995-02-13");
}

#[test]
fn partial_date_forms() {
    assert_eq!(PartialDate::Year(1995).iso(), "1995");
    assert_eq!(PartialDate::YearMonth(1995, 3).iso(), "1995-03");
    let d = PartialDate::Date(NaiveDate::from_ymd_opt(1995, 3, 2).unwrap());
    assert_eq!(d.iso(), "1995-03-02");
    assert_eq!(d.year(), 1995);
    assert_eq!(PartialDate::YearMonth(1995, 3).as_date(), None);
    assert_eq!(date("1995", &uk_spec()), Ok(PartialDate::Year(1995)));
    assert_eq!(
        date("03/1995", &uk_spec()),
        Ok(PartialDate::YearMonth(1995, 3))
    );
    assert_eq!(PartialDate::Year(7).iso(), "0007");
}

#[test]
fn bad_specs_are_reported() {
    assert_eq!(
        DateSpec::new(["%d/%m/%Y", "%Q"]).unwrap_err(),
        DateSpecError::BadFormat(1)
    );
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
}

#[test]
fn local_times_to_utc() {
    let spec = DateSpec::new([
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M",
    ])
    .unwrap()
    .with_excel(ExcelDateSystem::Excel1900);
    let rows: &[(&str, Result<chrono::DateTime<Utc>, &str>)] = &[
        // GMT in winter: UTC = local.
        ("15/01/2016 10:30", Ok(utc(2016, 1, 15, 10, 30, 0))),
        // BST in summer: UTC = local - 1h.
        ("15/07/2016 10:30", Ok(utc(2016, 7, 15, 9, 30, 0))),
        ("01/06/2016 00:30:15", Ok(utc(2016, 5, 31, 23, 30, 15))),
        // Around the spring change (27 March 2016, 01:00 GMT → 02:00 BST).
        ("27/03/2016 00:59", Ok(utc(2016, 3, 27, 0, 59, 0))),
        ("27/03/2016 01:30", Err("nonexistent_local_time")),
        ("27/03/2016 02:00", Ok(utc(2016, 3, 27, 1, 0, 0))),
        // Around the autumn change (30 October 2016, 02:00 BST → 01:00 GMT).
        ("30/10/2016 00:30", Ok(utc(2016, 10, 29, 23, 30, 0))),
        ("30/10/2016 02:00", Ok(utc(2016, 10, 30, 2, 0, 0))),
        // Explicit offsets win over the zone.
        ("2016-07-15T10:30:00+0000", Ok(utc(2016, 7, 15, 10, 30, 0))),
        ("2016-07-15T10:30:00+0200", Ok(utc(2016, 7, 15, 8, 30, 0))),
        // Excel serial with a time of day (local).
        ("42522.5", Ok(utc(2016, 6, 1, 11, 0, 0))),
        ("42384.25", Ok(utc(2016, 1, 15, 6, 0, 0))),
        // Errors.
        ("15/01/2016", Err("no_match")),
        ("31/02/2016 10:00", Err("impossible")),
        ("15/01/2016 25:00", Err("impossible")),
        ("", Err("empty")),
    ];
    let mut failures = Vec::new();
    for (input, want) in rows {
        let got = datetime_utc(input, &spec)
            .map(|t| t.utc)
            .map_err(|e| e.kind());
        if got != *want {
            failures.push(format!("{input:?}: want {want:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn dst_overlap_takes_the_earlier_instant() {
    let spec = DateSpec::new(["%d/%m/%Y %H:%M"]).unwrap();
    // 01:30 on 30 October 2016 happened twice: 00:30 UTC (BST) and 01:30 UTC (GMT).
    let t = datetime_utc("30/10/2016 01:30", &spec).unwrap();
    assert_eq!(t.utc, utc(2016, 10, 30, 0, 30, 0));
    assert_eq!(t.note, Some(NOTE_DST_OVERLAP));
    assert_eq!(datetime_utc("30/10/2016 03:30", &spec).unwrap().note, None);
    let naive = NaiveDate::from_ymd_opt(2016, 3, 27)
        .unwrap()
        .and_hms_opt(1, 15, 0)
        .unwrap();
    assert_eq!(
        local_to_utc(naive, chrono_tz::Europe::London),
        Err(DateError::NonexistentLocalTime)
    );
    // Another zone: Europe/Tirane is UTC+2 in summer.
    let tirane = DateSpec::new(["%d/%m/%Y %H:%M"])
        .unwrap()
        .with_time_zone(chrono_tz::Europe::Tirane);
    assert_eq!(
        datetime_utc("15/07/2016 10:30", &tirane).unwrap().utc,
        utc(2016, 7, 15, 8, 30, 0)
    );
    assert_eq!(tirane.time_zone(), chrono_tz::Europe::Tirane);
}

#[test]
fn reasons_never_echo_the_input() {
    for input in ["31/02/2016", "rubbish", "60"] {
        let e = date(input, &uk_spec()).unwrap_err();
        assert!(!e.to_string().contains(input), "{e}");
    }
    assert_eq!(
        DateError::Impossible.to_string(),
        "not a real calendar date or time"
    );
}

/// Sources write an unknown day or month as zero.
#[test]
fn zero_days_and_months_are_unknown() {
    let uk = DateSpec::new(["%d/%m/%Y"]).unwrap();
    check(
        &[
            ("00/00/1980", "1980"),
            ("0/0/1980", "1980"),
            ("00/05/1980", "1980-05"),
            ("0/5/1980", "1980-05"),
            ("00/5/1980", "1980-05"),
            ("12/05/1980", "1980-05-12"),
            ("12/00/1980", "!impossible"),
            ("00/13/1980", "!impossible"),
            ("00/00/80", "!impossible"),
        ],
        &uk,
    );
    let iso = DateSpec::new(["%Y-%m-%d"]).unwrap();
    check(
        &[
            ("1980-00-00", "1980"),
            ("1980-05-00", "1980-05"),
            ("1980-00-12", "!impossible"),
        ],
        &iso,
    );
    let months = DateSpec::new(["%m/%Y"]).unwrap();
    check(&[("00/1980", "1980"), ("05/1980", "1980-05")], &months);
    let named = DateSpec::new(["%d %B %Y"]).unwrap();
    check(&[("00 May 1980", "1980-05")], &named);
    // Two-digit years still need their window.
    let short = DateSpec::new(["%d/%m/%y"]).unwrap();
    check(&[("00/00/80", "!two_digit_year")], &short);
    let short = short.with_century_window(1930);
    check(&[("00/00/80", "1980"), ("00/05/29", "2029-05")], &short);
}

/// A date-time read as a date is its local date, in its own offset.
#[test]
fn date_times_give_their_local_date() {
    let spec = DateSpec::new(["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S%:z", "%Y-%m-%d%:z"]).unwrap();
    check(
        &[
            ("14/04/2015 23:30", "2015-04-14"),
            ("2016-06-11T23:30:00-02:00", "2016-06-11"),
            ("2016-06-11T00:30:00+05:00", "2016-06-11"),
            ("2015-04-14-04:00", "2015-04-14"),
            ("14/04/2015 25:30", "!impossible"),
            ("2016-06-11T23:30:00", "!no_match"),
            ("14/04/2015", "!no_match"),
        ],
        &spec,
    );
}

/// With no formats of its own, a field reads ISO 8601 and RFC 3339.
#[test]
fn iso_dates_and_date_times() {
    let dates = DateSpec::new(ISO_FORMATS).unwrap();
    check(
        &[
            ("2016-06-11", "2016-06-11"),
            ("2016-06-11T09:30:00Z", "2016-06-11"),
            ("2016-06-11T09:30:00+01:00", "2016-06-11"),
            ("2016-06-11T23:30:00-02:00", "2016-06-11"),
            ("2016-06-11T09:30:00.250+0100", "2016-06-11"),
            ("2016-06-11T09:30", "2016-06-11"),
            ("2016-06-11 09:30", "2016-06-11"),
            ("2016-06-11 09:30:15", "2016-06-11"),
            ("2015-04-14-04:00", "2015-04-14"),
            ("2015-04-14Z", "2015-04-14"),
            ("2015-04-14+01", "2015-04-14"),
            ("2015-02-29", "!impossible"),
            ("2016-06-11T24:30:00+01:00", "!impossible"),
            ("11/06/2016", "!no_match"),
            ("2016-06-11T09", "!no_match"),
            ("2016", "!no_match"),
        ],
        &dates,
    );
    let times = DateSpec::new(ISO_DATETIME_FORMATS).unwrap();
    let rows: &[(&str, Result<chrono::DateTime<Utc>, &str>)] = &[
        ("2016-06-11T09:30:00Z", Ok(utc(2016, 6, 11, 9, 30, 0))),
        ("2016-06-11T09:30:00+01:00", Ok(utc(2016, 6, 11, 8, 30, 0))),
        ("2016-06-11T23:30:00-02:00", Ok(utc(2016, 6, 12, 1, 30, 0))),
        // No offset: London time (BST in June).
        ("2016-06-11 09:30", Ok(utc(2016, 6, 11, 8, 30, 0))),
        ("2016-01-11T09:30:15", Ok(utc(2016, 1, 11, 9, 30, 15))),
        ("2016-06-11", Err("no_match")),
        ("2016-06-11Z", Err("no_match")),
    ];
    for (input, want) in rows {
        let got = datetime_utc(input, &times)
            .map(|t| t.utc)
            .map_err(|e| e.kind());
        assert_eq!(got, *want, "{input:?}");
    }
}

/// Seconds since 1970 are an instant, not a London wall-clock time.
#[test]
fn unix_seconds_are_utc() {
    let spec = DateSpec::new(["%s"]).unwrap();
    // 2016-06-11T09:30:00Z, in British Summer Time.
    let got = datetime_utc("1465637400", &spec).unwrap();
    assert_eq!(got.utc, utc(2016, 6, 11, 9, 30, 0));
}

/// ISO week dates and day-of-year dates are full dates; `%C%y` is a full
/// year; `%g` is a two-digit year needing its window like `%y`.
#[test]
fn week_and_ordinal_dates() {
    let spec = DateSpec::new(["%G-W%V-%u", "%Y/%j", "%C%y-%m-%d"]).unwrap();
    check(
        &[
            ("2016-W47-3", "2016-11-23"),
            ("2016/328", "2016-11-23"),
            ("2015/366", "!impossible"),
            ("2016-11-23", "2016-11-23"),
        ],
        &spec,
    );
    let short = DateSpec::new(["%g-W%V-%u"]).unwrap();
    check(&[("16-W47-3", "!two_digit_year")], &short);
    check(
        &[("16-W47-3", "2016-11-23")],
        &short.with_century_window(1930),
    );
    // A week without its day is not a date.
    let week = DateSpec::new(["%Y-W%W"]).unwrap();
    check(&[("2016-W47", "!incomplete")], &week);
}

/// Every specifier chrono documents can be written as an example without
/// a panic; the ones it cannot write or parse give `None`.
#[test]
fn format_examples_never_panic() {
    let at = chrono::DateTime::parse_from_rfc3339("2016-11-23T22:05:09.5-04:30").unwrap();
    assert_eq!(
        format_example("%d/%m/%Y %H:%M%#z", &at).as_deref(),
        Some("23/11/2016 22:05-04:30")
    );
    assert_eq!(
        format_example("%Y-%m-%d", &at).as_deref(),
        Some("2016-11-23")
    );
    for bad in ["%", "%Q", "%:", "%-"] {
        assert_eq!(format_example(bad, &at), None, "{bad}");
    }
    for spec in [
        "%Y", "%C", "%y", "%m", "%b", "%B", "%h", "%d", "%e", "%a", "%A", "%w", "%u", "%U", "%W",
        "%G", "%g", "%V", "%j", "%D", "%x", "%F", "%v", "%H", "%k", "%I", "%l", "%P", "%p", "%M",
        "%S", "%f", "%.f", "%.3f", "%.6f", "%.9f", "%3f", "%6f", "%9f", "%R", "%T", "%X", "%r",
        "%Z", "%z", "%:z", "%::z", "%:::z", "%#z", "%c", "%+", "%s", "%t", "%n", "%%", "%-d",
        "%_d", "%0d",
    ] {
        assert!(format_example(spec, &at).is_some(), "{spec}");
        // Reading a value with any format never panics either.
        let spec = DateSpec::new([spec]).unwrap();
        for text in ["", "0", "00/00/0000", "2016-11-23T22:05:09-04:30", "Wed"] {
            let _ = date(text, &spec);
            let _ = datetime_utc(text, &spec);
        }
    }
}
