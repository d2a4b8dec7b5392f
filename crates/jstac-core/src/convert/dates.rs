//! Date and timestamp columns: how they read values ([`DateRule`],
//! [`TimestampRule`]) and the static checks of their formats
//! ([`check_date_format`], [`check_timestamp_format`]). The reading rules
//! are `jstac_normalise::date`'s.

use chrono::format::{Fixed, Item, Numeric, Parsed, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use jstac_normalise::date::{
    DateError, DateSpec, DateSpecError, ExcelDateSystem, ISO_DATETIME_FORMATS, ISO_FORMATS,
    PartialDate, approximate_marker, date as read_date, datetime_utc, excel_serial_date,
    format_example, local_to_utc,
};

use super::error::{ConvertError, DateFormatError};
use super::value::{Kind, Value};

/// What a date or timestamp column accepts besides its formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateOptions {
    /// Keep a date known only to the year or month (`1995`, `1995-03`,
    /// `00/03/1995`) as that ISO text, and read approximate dates
    /// (`circa 1995`), instead of refusing them. Dates only.
    pub partial: bool,
    /// Read numbers (numeric cells, or digits in text that no format
    /// matches) as Excel serial dates of this date system.
    pub excel: Option<ExcelDateSystem>,
    /// The first year of the hundred that two-digit years (`%y`) fall in:
    /// with 1930, `30`–`99` are 1930–1999 and `00`–`29` are 2000–2029.
    pub pivot: Option<i32>,
}

fn spec_for(
    formats: &[String],
    iso: &[&str],
    options: DateOptions,
) -> Result<DateSpec, DateSpecError> {
    let mut spec = if formats.is_empty() {
        DateSpec::new(iso)?
    } else {
        DateSpec::new(formats)?
    };
    if let Some(system) = options.excel {
        spec = spec.with_excel(system);
    }
    if let Some(first_year) = options.pivot {
        spec = spec.with_century_window(first_year);
    }
    Ok(spec)
}

/// How a date column reads its values: formats tried in order, the first
/// that parses wins. With no formats, ISO 8601 dates (`YYYY-MM-DD`) and
/// date-times (`2016-06-11T09:30:00+01:00`, `2016-06-11 09:30`) are
/// accepted (a date-time as its local date), and typed date cells.
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
        let spec = spec_for(&formats, ISO_FORMATS, options)?;
        Ok(DateRule {
            formats,
            options,
            spec,
        })
    }

    pub fn options(&self) -> DateOptions {
        self.options
    }

    pub(super) fn read_text(&self, text: &str) -> Result<Value, ConvertError> {
        match read_date(text, &self.spec) {
            Ok(date) => self.accept(date),
            Err(error) => match approximate_marker(text).map(|rest| read_date(rest, &self.spec)) {
                Some(Ok(date)) if self.options.partial => self.accept(date),
                Some(Ok(_)) => Err(ConvertError::Approximate),
                _ => Err(self.reason(error)),
            },
        }
    }

    fn accept(&self, date: PartialDate) -> Result<Value, ConvertError> {
        match date {
            PartialDate::Date(date) => Ok(Value::Date(date)),
            partial if self.options.partial => Ok(Value::Text(partial.iso())),
            _ => Err(ConvertError::NotAFullDate),
        }
    }

    /// A typed date or date-time cell: its date.
    pub(super) fn read_typed(text: &str) -> Result<Value, ConvertError> {
        let date = text.get(..10).unwrap_or(text);
        NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| ConvertError::MalformedTypedDate)
    }

    pub(super) fn read_serial(&self, number: &str) -> Result<Value, ConvertError> {
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

/// How a timestamp column reads its values: an instant, kept in UTC to the
/// second. Formats are tried in order as for dates; with none, ISO 8601 /
/// RFC 3339 date-times with or without an offset. A date-time without an
/// offset (and a typed date-time cell) is London local time; a typed date
/// cell is local midnight.
#[derive(Debug, Clone)]
pub struct TimestampRule {
    formats: Vec<String>,
    options: DateOptions,
    spec: DateSpec,
}

impl TimestampRule {
    /// A rule from formats already checked by [`check_timestamp_format`].
    pub fn new(formats: Vec<String>, options: DateOptions) -> Result<TimestampRule, DateSpecError> {
        let spec = spec_for(&formats, ISO_DATETIME_FORMATS, options)?;
        Ok(TimestampRule {
            formats,
            options,
            spec,
        })
    }

    pub fn options(&self) -> DateOptions {
        self.options
    }

    pub(super) fn read_text(&self, text: &str) -> Result<Value, ConvertError> {
        datetime_utc(text, &self.spec)
            .map(|t| to_the_second(t.utc))
            .map_err(|error| self.reason(error))
    }

    /// A typed date-time cell (local time) or date cell (local midnight).
    pub(super) fn read_typed(&self, text: &str, kind: Kind) -> Result<Value, ConvertError> {
        let local = if kind == Kind::Date {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN))
        } else {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        }
        .map_err(|_| ConvertError::MalformedTypedDate)?;
        let utc = local_to_utc(local, self.spec.time_zone())?;
        Ok(to_the_second(utc.utc))
    }

    pub(super) fn read_serial(&self, number: &str) -> Result<Value, ConvertError> {
        if self.options.excel.is_none() {
            return Err(ConvertError::NumberForDate);
        }
        self.read_text(number)
    }

    fn reason(&self, error: DateError) -> ConvertError {
        let excel = self.options.excel.is_some();
        let formats = || self.formats.join(" or ");
        match (error, self.formats.is_empty()) {
            (DateError::NoMatch | DateError::Incomplete, true) => {
                ConvertError::NotIsoDateTime { excel }
            }
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

/// An instant to the whole second (a leap second is its 59th): what both
/// warehouses store alike.
fn to_the_second(utc: DateTime<Utc>) -> Value {
    let whole = DateTime::from_timestamp(utc.timestamp(), 0).unwrap_or(utc);
    Value::Timestamp(whole)
}

/// The instant formats are probed with: its local date (23 November) is
/// not its UTC date (24 November), every field differs from the others,
/// and it has a fraction of a second.
fn probe() -> DateTime<FixedOffset> {
    NaiveDate::from_ymd_opt(2016, 11, 23)
        .and_then(|d| d.and_hms_nano_opt(22, 5, 9, 123_456_789))
        .zip(FixedOffset::west_opt(4 * 3600 + 30 * 60))
        .and_then(|(local, offset)| local.and_local_timezone(offset).single())
        .unwrap_or_default()
}

/// The checks every date and timestamp format gets: chrono can parse it,
/// read what it writes, and a two-digit year has its pivot.
fn check_items(format: &str, options: DateOptions) -> Result<Vec<Item<'_>>, DateFormatError> {
    let format_owned = || format.to_owned();
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|item| matches!(item, Item::Error)) {
        return Err(DateFormatError::Invalid {
            format: format_owned(),
        });
    }
    if items.iter().any(|item| {
        matches!(
            item,
            Item::Fixed(Fixed::TimezoneOffsetDoubleColon | Fixed::TimezoneOffsetTripleColon)
        )
    }) {
        return Err(DateFormatError::Unreadable {
            format: format_owned(),
        });
    }
    if has_two_digit_year(format) && options.pivot.is_none() {
        return Err(DateFormatError::TwoDigitYear {
            format: format_owned(),
        });
    }
    Ok(items)
}

/// Checks a strftime-style date format: it names a full date (day, month
/// and year), or with `options.partial` at least a year; a two-digit year
/// (`%y`) needs `options.pivot`. A format with a time of day and an offset
/// is accepted (its values give their local date); one chrono cannot read
/// back (`%::z`), or that reads an instant (`%s`), is refused.
pub fn check_date_format(format: &str, options: DateOptions) -> Result<(), DateFormatError> {
    let format_owned = || format.to_owned();
    let items = check_items(format, options)?;
    if items
        .iter()
        .any(|item| matches!(item, Item::Numeric(Numeric::Timestamp, _)))
    {
        return Err(DateFormatError::Instant {
            format: format_owned(),
        });
    }
    // Probe with a known instant: does the format give its local date
    // back? (The probe's window only has to put "16" in 2016.)
    let probe = probe();
    let text = format_example(format, &probe).ok_or_else(|| DateFormatError::Invalid {
        format: format_owned(),
    })?;
    let rule = DateRule::new(
        vec![format.to_owned()],
        DateOptions {
            partial: true,
            excel: None,
            pivot: Some(1930),
        },
    )?;
    match rule.read_text(&text) {
        Ok(Value::Date(date)) if date == probe.date_naive() => Ok(()),
        Ok(Value::Text(partial)) if options.partial && partial.starts_with("2016") => Ok(()),
        _ if options.partial => Err(DateFormatError::NoYear {
            format: format_owned(),
        }),
        _ => Err(DateFormatError::NotAFullDate {
            format: format_owned(),
        }),
    }
}

/// Checks a timestamp column's format: it names a date and a time of day
/// (or seconds since 1970, `%s`); a two-digit year needs `options.pivot`;
/// a zone name (`%Z`) needs an offset beside it, as chrono skips names.
pub fn check_timestamp_format(format: &str, options: DateOptions) -> Result<(), DateFormatError> {
    let format_owned = || format.to_owned();
    let items = check_items(format, options)?;
    let probe = probe();
    let text = format_example(format, &probe).ok_or_else(|| DateFormatError::Invalid {
        format: format_owned(),
    })?;
    let zone_name = items
        .iter()
        .any(|item| matches!(item, Item::Fixed(Fixed::TimezoneName)));
    let mut parsed = Parsed::new();
    let read = chrono::format::parse(&mut parsed, &text, items.iter()).is_ok();
    if zone_name && read && parsed.offset().is_none() && parsed.timestamp().is_none() {
        return Err(DateFormatError::ZoneName {
            format: format_owned(),
        });
    }
    let rule = TimestampRule::new(
        vec![format.to_owned()],
        DateOptions {
            partial: false,
            excel: None,
            pivot: Some(1930),
        },
    )?;
    match rule.read_text(&text) {
        Ok(Value::Timestamp(_)) => Ok(()),
        _ => Err(DateFormatError::NotADateTime {
            format: format_owned(),
        }),
    }
}

/// True when a format reads two-digit years (`%y`, or `%g` of ISO weeks)
/// without their century (`%C`).
pub fn has_two_digit_year(format: &str) -> bool {
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    let has = |wanted: Numeric| {
        items
            .iter()
            .any(|item| matches!(item, Item::Numeric(numeric, _) if *numeric == wanted))
    };
    (has(Numeric::YearMod100) && !has(Numeric::YearDiv100))
        || (has(Numeric::IsoYearMod100) && !has(Numeric::IsoYearDiv100))
}
