//! Dates and date-times: explicit formats per field, ISO 8601 when none is
//! given, Excel serials, partial and approximate dates, two-digit years only
//! with a century window, and local date-times converted to UTC.
//!
//! ```
//! use jstac_normalise::date::{date, DateSpec, ExcelDateSystem};
//! let spec = DateSpec::new(["%d/%m/%Y", "%Y-%m-%d", "%m/%Y", "%Y"])
//!     .unwrap()
//!     .with_excel(ExcelDateSystem::Excel1900);
//! assert_eq!(date("02/03/1995", &spec).unwrap().to_string(), "1995-03-02");
//! assert_eq!(date("03/1995", &spec).unwrap().to_string(), "1995-03");
//! assert_eq!(date("1995", &spec).unwrap().to_string(), "1995");
//! assert_eq!(date("00/00/1995", &spec).unwrap().to_string(), "1995");
//! assert_eq!(date("34760", &spec).unwrap().to_string(), "1995-03-02");
//! assert!(date("31/02/2016", &spec).is_err());
//! ```
//!
//! # Rules
//!
//! - The caller lists chrono `strftime` formats per field; they are tried in
//!   order and the first that matches wins. UK data is never read in US
//!   order unless a format says so. With no formats of its own a caller
//!   uses [`ISO_FORMATS`] (dates) or [`ISO_DATETIME_FORMATS`] (date-times):
//!   `2016-06-11`, `2016-06-11T09:30:00Z`, `2016-06-11 09:30`,
//!   `2016-06-11T09:30:00.5+01:00`, `2015-04-14-04:00`, `2015-04-14Z`.
//! - A format's fields decide the precision: `%Y` alone gives a
//!   [`PartialDate::Year`], `%m/%Y` a [`PartialDate::YearMonth`], a full date
//!   a [`PartialDate::Date`]. Partial dates stay partial (no invented day).
//! - A day or month written as `0` or `00` is unknown, as sources write
//!   partial dates: under `%d/%m/%Y`, `00/00/1980` and `0/0/1980` are the
//!   year 1980 and `00/05/1980` is May 1980 (`1980-00-00` and `1980-05-00`
//!   under `%Y-%m-%d`). A month is unknown only with its day (`15/00/1980`
//!   is impossible).
//! - A date read from a date-time is its **local date**, the date as
//!   written in its own offset: `2015-04-14-04:00` and
//!   `2016-06-11T23:30:00-02:00` are 2015-04-14 and 2016-06-11, whatever
//!   day it was in UTC. Time fields must still be real (`25:00` is
//!   impossible).
//! - A value that fits a format's shape but is not a real date
//!   (`31/02/2016`, `29/02/2015`) is [`DateError::Impossible`], unless a
//!   later format matches it.
//! - `%y` and `%g` (two-digit years) are read only when the caller gives a
//!   century window with [`DateSpec::with_century_window`]; otherwise the
//!   value is [`DateError::TwoDigitYear`]. chrono's own silent pivot is
//!   never used. `%C%y` is a four-digit year.
//! - Approximate dates (`approx. 1968`, `circa 1968`, `c. 1968`, `1968?`,
//!   `1968 (approx.)`) are not read by [`date`]: [`approximate_marker`]
//!   gives the date text without its marker, for a caller that accepts
//!   approximate dates and records that they are.
//! - Excel serial numbers are read, when enabled, after the formats: in the
//!   1900 system serial 1 is 1900-01-01 and serial 60 is Excel's
//!   non-existent 29 February 1900 (the Lotus 1-2-3 leap-year bug: an error
//!   here); in the 1904 system serial 0 is 1904-01-01. A four-digit number
//!   matched by a `%Y` format is a year, not a serial.
//! - Date-times without an offset are local wall-clock times in the spec's
//!   time zone (Europe/London unless set) and are converted to UTC. A local
//!   time skipped when clocks go forward (the DST gap) is
//!   [`DateError::NonexistentLocalTime`]; a local time repeated when clocks go
//!   back (the overlap) resolves to the **earlier** instant (summer time) and
//!   carries [`NOTE_DST_OVERLAP`]. Formats with an offset (`%z`, `%:z`,
//!   `%#z`, `%+`) use it; `%s` (seconds since 1970) is an instant in UTC.
//!   A zone name (`%Z`) is skipped, not understood.
//! - Formats chrono can write but not read back (`%::z`, `%:::z`) never
//!   match; `%#z` is read (an offset, `Z`, or hours alone) and written as
//!   `%:z` ([`format_example`]).

mod approximate;

pub use approximate::approximate_marker;

use std::fmt::{self, Write as _};

use chrono::format::{Fixed, Item, Numeric, ParseErrorKind, Parsed, StrftimeItems};
use chrono::{
    DateTime, Datelike as _, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeDelta,
    TimeZone as _, Utc,
};
use chrono_tz::Tz;

/// What a field with no formats of its own reads: an ISO 8601 date, or an
/// ISO 8601 / RFC 3339 date-time (`T` or a space between date and time,
/// seconds and their fraction optional), each with or without an offset
/// (`Z`, `+01:00`, `+0100`, `+01`). The first two are dates alone.
pub const ISO_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%Y-%m-%d%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M%#z",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M%#z",
];

/// The date-times of [`ISO_FORMATS`]: what a date-time field with no
/// formats of its own reads.
pub const ISO_DATETIME_FORMATS: &[&str] = ISO_FORMATS.split_at(2).1;

/// A date, possibly known only to the year or the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartialDate {
    /// Year only, e.g. an estimated date of birth: ISO text `1995`.
    Year(i32),
    /// Year and month (1–12): ISO text `1995-03`.
    YearMonth(i32, u32),
    /// A full calendar date: ISO text `1995-03-02`.
    Date(NaiveDate),
}

impl PartialDate {
    /// The year, whatever the precision.
    #[must_use]
    pub fn year(&self) -> i32 {
        match self {
            Self::Year(y) | Self::YearMonth(y, _) => *y,
            Self::Date(d) => d.year(),
        }
    }

    /// The full date, when known to the day.
    #[must_use]
    pub const fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Self::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// The ISO 8601 text form: `1995`, `1995-03` or `1995-03-02`.
    #[must_use]
    pub fn iso(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Year(y) => write!(f, "{y:04}"),
            Self::YearMonth(y, m) => write!(f, "{y:04}-{m:02}"),
            Self::Date(d) => write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        }
    }
}

/// Which of Excel's two date systems a workbook uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExcelDateSystem {
    /// The default (Windows) system: serial 1 is 1900-01-01 and serial 60
    /// is the non-existent 1900-02-29 kept for Lotus 1-2-3 compatibility.
    Excel1900,
    /// The old Mac system (`date1904` in the workbook): serial 0 is
    /// 1904-01-01. A 1904 serial is 1,462 less than the 1900 serial of the
    /// same date.
    Excel1904,
}

/// Note given with a local time that occurs twice when clocks go back.
pub const NOTE_DST_OVERLAP: &str =
    "local time repeated when clocks went back: the earlier instant (summer time) was used";

/// Why a date could not be read. Never includes the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum DateError {
    /// Blank value.
    #[error("no date given")]
    Empty,
    /// Matches none of the configured formats (nor an Excel serial, when
    /// enabled).
    #[error("does not match any configured date format")]
    NoMatch,
    /// Has the shape of a configured format but is not a real calendar date
    /// or time (e.g. 31 February, 29 February in a common year).
    #[error("not a real calendar date or time")]
    Impossible,
    /// A two-digit year was read but no century window was configured.
    #[error("two-digit year and no century window configured")]
    TwoDigitYear,
    /// The matching format does not give enough (no year, or no time of day
    /// where a date-time is needed).
    #[error("the matching format gives an incomplete date or time")]
    Incomplete,
    /// An Excel serial outside the range of real dates (below the first
    /// day, past 9999-12-31).
    #[error("Excel serial number out of range")]
    ExcelOutOfRange,
    /// Serial 60 in the 1900 system: Excel's non-existent 29 February 1900.
    #[error("Excel serial for the non-existent 29 February 1900")]
    ExcelPhantomLeapDay,
    /// A local time skipped when clocks went forward (DST gap).
    #[error("local time does not exist: skipped when clocks went forward")]
    NonexistentLocalTime,
}

impl DateError {
    /// A stable, short label for counting outcomes.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NoMatch => "no_match",
            Self::Impossible => "impossible",
            Self::TwoDigitYear => "two_digit_year",
            Self::Incomplete => "incomplete",
            Self::ExcelOutOfRange => "excel_out_of_range",
            Self::ExcelPhantomLeapDay => "excel_phantom_leap_day",
            Self::NonexistentLocalTime => "nonexistent_local_time",
        }
    }
}

/// A configuration mistake in a [`DateSpec`] (reported once, at set-up).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateSpecError {
    /// A format string chrono cannot use; holds its position in the list.
    #[error("date format number {0} is not a valid strftime format")]
    BadFormat(usize),
    /// No formats and no Excel system: nothing could ever match.
    #[error("no date formats configured")]
    NoFormats,
}

/// How to read one date or date-time field: formats tried in order, an
/// optional Excel date system, an optional century window for two-digit
/// years and the source time zone for date-times (Europe/London by default).
#[derive(Debug, Clone)]
pub struct DateSpec {
    formats: Vec<Compiled>,
    /// The formats again with a zero for an unknown day (and month):
    /// tried when none of `formats` reads a value.
    zeros: Vec<Compiled>,
    excel: Option<ExcelDateSystem>,
    century_start: Option<i32>,
    tz: Tz,
}

impl DateSpec {
    /// Compiles the given chrono `strftime` formats, tried in this order.
    ///
    /// # Errors
    ///
    /// [`DateSpecError::BadFormat`] for a format chrono rejects.
    pub fn new<I, S>(formats: I) -> Result<Self, DateSpecError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let formats = formats
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                StrftimeItems::new(f.as_ref())
                    .parse_to_owned()
                    .map(Compiled::new)
                    .map_err(|_| DateSpecError::BadFormat(i))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let zeros = formats
            .iter()
            .flat_map(|format| zero_variants(&format.items))
            .map(Compiled::new)
            .collect();
        Ok(Self {
            formats,
            zeros,
            excel: None,
            century_start: None,
            tz: chrono_tz::Europe::London,
        })
    }

    /// A spec that reads only Excel serial numbers.
    #[must_use]
    pub const fn excel_only(system: ExcelDateSystem) -> Self {
        Self {
            formats: Vec::new(),
            zeros: Vec::new(),
            excel: Some(system),
            century_start: None,
            tz: chrono_tz::Europe::London,
        }
    }

    /// Also reads Excel serial numbers in the given date system (after the
    /// formats).
    #[must_use]
    pub const fn with_excel(mut self, system: ExcelDateSystem) -> Self {
        self.excel = Some(system);
        self
    }

    /// Allows `%y` two-digit years, mapping them into the hundred years
    /// starting at `first_year`: with `1930`, `30`–`99` are 1930–1999 and
    /// `00`–`29` are 2000–2029.
    #[must_use]
    pub const fn with_century_window(mut self, first_year: i32) -> Self {
        self.century_start = Some(first_year);
        self
    }

    /// Sets the time zone of local date-times (default Europe/London).
    #[must_use]
    pub const fn with_time_zone(mut self, tz: Tz) -> Self {
        self.tz = tz;
        self
    }

    /// The configured source time zone.
    #[must_use]
    pub const fn time_zone(&self) -> Tz {
        self.tz
    }

    /// Tries `formats` in order; the first whose fields `accept` takes
    /// wins. Otherwise returns the most telling error.
    fn first_match<T>(
        &self,
        formats: &[Compiled],
        text: &str,
        accept: impl Fn(&Parsed) -> Result<T, DateError>,
    ) -> Result<T, DateError> {
        let mut err = DateError::NoMatch;
        let mut text_shape = None;
        for format in formats {
            let mut parsed = Parsed::new();
            let outcome = match chrono::format::parse(&mut parsed, text, format.items.iter()) {
                // The shape matched but a field was out of range
                // ("32/01/2016", "13/1995"): an impossible date.
                Err(e) if e.kind() == ParseErrorKind::OutOfRange => {
                    let t = text_shape.get_or_insert_with(|| skeleton(text));
                    if same_shape(t, &format.shape) {
                        Err(DateError::Impossible)
                    } else {
                        Err(DateError::NoMatch)
                    }
                }
                Err(_) => Err(DateError::NoMatch),
                Ok(()) => self.apply_century(&mut parsed).and_then(|()| {
                    match year_of(&parsed).or(parsed.isoyear()) {
                        Some(y) if !plausible_year(y) => Err(DateError::NoMatch),
                        _ => accept(&parsed),
                    }
                }),
            };
            match outcome {
                Ok(v) => return Ok(v),
                Err(e) => {
                    if rank(e) > rank(err) {
                        err = e;
                    }
                }
            }
        }
        Err(err)
    }

    /// Puts a two-digit year (`%y`, or `%g` for ISO weeks) in the century
    /// window, so chrono never applies its own.
    fn apply_century(&self, parsed: &mut Parsed) -> Result<(), DateError> {
        let window = |yy: i32| {
            let start = self.century_start.ok_or(DateError::TwoDigitYear)?;
            let year = start - start.rem_euclid(100) + yy;
            Ok(i64::from(if year < start { year + 100 } else { year }))
        };
        if parsed.year().is_none()
            && parsed.year_div_100().is_none()
            && let Some(yy) = parsed.year_mod_100()
        {
            parsed
                .set_year(window(yy)?)
                .map_err(|_| DateError::Impossible)?;
        }
        if parsed.isoyear().is_none()
            && parsed.isoyear_div_100().is_none()
            && let Some(yy) = parsed.isoyear_mod_100()
        {
            parsed
                .set_isoyear(window(yy)?)
                .map_err(|_| DateError::Impossible)?;
        }
        Ok(())
    }
}

/// A compiled format and its shape (see [`skeleton`]), to tell an
/// impossible date from a value of another shape.
#[derive(Debug, Clone)]
struct Compiled {
    items: Vec<Item<'static>>,
    shape: Vec<(u8, usize)>,
}

impl Compiled {
    fn new(items: Vec<Item<'static>>) -> Self {
        // A sample instant with an offset, so every readable specifier can
        // be written; one that cannot leaves a shorter sample, which only
        // weakens the impossible/no-match distinction.
        let sample = NaiveDate::from_ymd_opt(2016, 12, 25)
            .and_then(|d| d.and_hms_opt(22, 33, 44))
            .unwrap_or_default()
            .and_utc()
            .fixed_offset();
        let shape = skeleton(&example_text(&items, &sample).unwrap_or_default());
        Self { items, shape }
    }
}

/// The text `format` writes for the instant `at`, as [`date`] and
/// [`datetime_utc`] would read it back: what a checker can probe a format
/// with. `%#z`, which chrono only reads, is written as `%:z`. `None` for a
/// format chrono cannot parse or write (`%Q`); never panics.
#[must_use]
pub fn format_example(format: &str, at: &DateTime<FixedOffset>) -> Option<String> {
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|item| matches!(item, Item::Error)) {
        return None;
    }
    example_text(&items, at)
}

fn example_text(items: &[Item<'_>], at: &DateTime<FixedOffset>) -> Option<String> {
    let permissive = StrftimeItems::new("%#z").next();
    let items = items.iter().map(|item| {
        if Some(item) == permissive.as_ref() {
            Item::Fixed(Fixed::TimezoneOffsetColon)
        } else {
            item.clone()
        }
    });
    let mut text = String::new();
    // `write!`, not `to_string()`: an item chrono cannot write is an
    // error here, where `Display` would panic.
    write!(text, "{}", at.format_with_items(items)).ok()?;
    Some(text)
}

/// A format again with `0` or `00` in place of its numeric day (and then
/// of its numeric month too), or of its month when it has no day: how
/// sources write a day or month they do not know.
fn zero_variants(items: &[Item<'static>]) -> Vec<Vec<Item<'static>>> {
    let is_day = |item: &Item<'_>| matches!(item, Item::Numeric(Numeric::Day, _));
    let is_month = |item: &Item<'_>| matches!(item, Item::Numeric(Numeric::Month, _));
    let has_day = items.iter().any(is_day);
    let has_month = items.iter().any(is_month);
    let zeros = [Item::Literal("00"), Item::Literal("0")];
    let with = |day: Option<&Item<'static>>, month: Option<&Item<'static>>| {
        items
            .iter()
            .map(|item| match (day, month) {
                (Some(zero), _) if is_day(item) => zero.clone(),
                (_, Some(zero)) if is_month(item) => zero.clone(),
                _ => item.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    if has_day {
        for day in &zeros {
            out.push(with(Some(day), None));
            if has_month {
                for month in &zeros {
                    out.push(with(Some(day), Some(month)));
                }
            }
        }
    } else if has_month {
        for month in &zeros {
            out.push(with(None, Some(month)));
        }
    }
    out
}

/// The calendar year a parse gives: the year, or its century and
/// two digits (`%C%y`).
fn year_of(parsed: &Parsed) -> Option<i32> {
    parsed.year().or_else(|| {
        let (century, yy) = (parsed.year_div_100()?, parsed.year_mod_100()?);
        century.checked_mul(100)?.checked_add(yy)
    })
}

/// Years before 1000 are not read: a short number is more likely a
/// serial, a day or a two-digit year.
fn plausible_year(y: i32) -> bool {
    (1000..=9999).contains(&y)
}

/// How telling an error is, when several formats fail.
const fn rank(e: DateError) -> u8 {
    match e {
        DateError::NoMatch | DateError::Empty => 0,
        DateError::Incomplete => 1,
        // A format read it, but no window was configured: say so.
        DateError::TwoDigitYear => 3,
        _ => 2,
    }
}

/// The shape of a text: runs of digits (`b'9'`, with length), runs of
/// letters (`b'A'`) and each other character.
fn skeleton(text: &str) -> Vec<(u8, usize)> {
    let mut out: Vec<(u8, usize)> = Vec::new();
    for c in text.chars() {
        let class = if c.is_ascii_digit() {
            b'9'
        } else if c.is_alphabetic() {
            b'A'
        } else if c.is_ascii() {
            c as u8
        } else {
            b'?'
        };
        match out.last_mut() {
            Some((k, n)) if *k == class && (class == b'9' || class == b'A') => *n += 1,
            _ => out.push((class, 1)),
        }
    }
    out
}

/// True when the text's shape fits the format's sample shape: same runs
/// and separators, digit runs no longer than the sample's.
fn same_shape(text: &[(u8, usize)], format: &[(u8, usize)]) -> bool {
    text.len() == format.len()
        && text
            .iter()
            .zip(format)
            .all(|((k, n), (fk, fnn))| k == fk && (*k != b'9' || n <= fnn))
}

/// The date a parse names, to the precision its fields give. Time and
/// offset fields are not used: a date-time gives its local date.
fn partial_from(parsed: &Parsed) -> Result<PartialDate, DateError> {
    match parsed.to_naive_date() {
        Ok(date) => return Ok(PartialDate::Date(date)),
        Err(e) if e.kind() != ParseErrorKind::NotEnough => return Err(DateError::Impossible),
        Err(_) => {}
    }
    let year = year_of(parsed).ok_or(DateError::Incomplete)?;
    let weeks = parsed.ordinal().is_some()
        || parsed.week_from_sun().is_some()
        || parsed.week_from_mon().is_some()
        || parsed.isoweek().is_some();
    match (parsed.month(), parsed.day()) {
        (Some(m), None) if !weeks => Ok(PartialDate::YearMonth(year, m)),
        (None, None) if !weeks => Ok(PartialDate::Year(year)),
        _ => Err(DateError::Incomplete),
    }
}

/// Splits an Excel serial ("35126", "35126.75") into whole days and
/// seconds of the day; `None` when the text is not a plain number.
fn excel_parts(text: &str) -> Option<(i64, u32)> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || int.len() > 7 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 12 {
        return None;
    }
    let days: i64 = int.parse().ok()?;
    let secs = if frac.is_empty() {
        0
    } else {
        let f: f64 = format!("0.{frac}").parse().ok()?;
        // Round to the nearest second, as Excel displays times.
        let s = (f * 86_400.0).round();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let s = s as u32;
        s
    };
    Some((days, secs))
}

/// The date of an Excel serial day number in the given date system.
///
/// # Errors
///
/// [`DateError::ExcelPhantomLeapDay`] for serial 60 in the 1900 system,
/// [`DateError::ExcelOutOfRange`] below the first day or past 9999-12-31.
pub fn excel_serial_date(serial: i64, system: ExcelDateSystem) -> Result<NaiveDate, DateError> {
    let (base, offset) = match system {
        ExcelDateSystem::Excel1900 => match serial {
            ..=0 => return Err(DateError::ExcelOutOfRange),
            60 => return Err(DateError::ExcelPhantomLeapDay),
            1..=59 => (NaiveDate::from_ymd_opt(1899, 12, 31), serial),
            _ => (NaiveDate::from_ymd_opt(1899, 12, 30), serial),
        },
        ExcelDateSystem::Excel1904 => {
            if serial < 0 {
                return Err(DateError::ExcelOutOfRange);
            }
            (NaiveDate::from_ymd_opt(1904, 1, 1), serial)
        }
    };
    let date = base
        .and_then(|b| b.checked_add_signed(TimeDelta::try_days(offset)?))
        .ok_or(DateError::ExcelOutOfRange)?;
    if date.year() > 9999 {
        return Err(DateError::ExcelOutOfRange);
    }
    Ok(date)
}

/// Reads a date field.
///
/// # Errors
///
/// A [`DateError`]: `Empty`, `NoMatch`, `Impossible`, `TwoDigitYear`,
/// `Incomplete`, or an Excel range error.
pub fn date(text: &str, spec: &DateSpec) -> Result<PartialDate, DateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    let mut first_err = match spec.first_match(&spec.formats, text, partial_from) {
        Ok(d) => return Ok(d),
        Err(e) => e,
    };
    // A day or month written as zero: unknown. Where one fits, its reason
    // (a two-digit year without a window) is the more telling.
    if !spec.zeros.is_empty() && text.contains('0') {
        match spec.first_match(&spec.zeros, text, partial_from) {
            Ok(d) => return Ok(d),
            Err(DateError::NoMatch) => {}
            Err(e) => first_err = e,
        }
    }
    if let Some(system) = spec.excel
        && let Some((days, _)) = excel_parts(text)
    {
        return excel_serial_date(days, system).map(PartialDate::Date);
    }
    Err(first_err)
}

/// A date-time converted to UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtcDateTime {
    /// The instant in UTC.
    pub utc: DateTime<Utc>,
    /// Set when the local time was ambiguous ([`NOTE_DST_OVERLAP`]).
    pub note: Option<&'static str>,
}

/// Converts a local wall-clock time in `tz` to UTC.
///
/// In a DST overlap (clocks going back) the earlier instant is used and the
/// result carries [`NOTE_DST_OVERLAP`].
///
/// # Errors
///
/// [`DateError::NonexistentLocalTime`] in a DST gap (clocks going forward).
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> Result<UtcDateTime, DateError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(UtcDateTime {
            utc: t.with_timezone(&Utc),
            note: None,
        }),
        LocalResult::Ambiguous(earliest, _) => Ok(UtcDateTime {
            utc: earliest.with_timezone(&Utc),
            note: Some(NOTE_DST_OVERLAP),
        }),
        LocalResult::None => Err(DateError::NonexistentLocalTime),
    }
}

/// Reads a date-time field and converts it to UTC. Formats without an
/// offset are local times in the spec's time zone; Excel serials are local
/// times too (Excel stores wall-clock time).
///
/// # Errors
///
/// As [`date`], plus [`DateError::Incomplete`] when the matching format has
/// no time of day and [`DateError::NonexistentLocalTime`] in a DST gap.
pub fn datetime_utc(text: &str, spec: &DateSpec) -> Result<UtcDateTime, DateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    let tz = spec.tz;
    let first_err = match spec.first_match(&spec.formats, text, |parsed| {
        if parsed.hour_div_12().is_none() && parsed.timestamp().is_none() {
            return Err(DateError::Incomplete);
        }
        let refused = |e: chrono::format::ParseError| match e.kind() {
            ParseErrorKind::NotEnough => DateError::Incomplete,
            _ => DateError::Impossible,
        };
        if parsed.offset().is_some() {
            let t = parsed.to_datetime().map_err(refused)?;
            return Ok(UtcDateTime {
                utc: t.with_timezone(&Utc),
                note: None,
            });
        }
        let naive = parsed.to_naive_datetime_with_offset(0).map_err(refused)?;
        if parsed.timestamp().is_some() {
            // Seconds since 1970 name an instant: UTC, not local time.
            return Ok(UtcDateTime {
                utc: naive.and_utc(),
                note: None,
            });
        }
        local_to_utc(naive, tz)
    }) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    if let Some(system) = spec.excel
        && let Some((days, secs)) = excel_parts(text)
    {
        let day = excel_serial_date(days, system)?;
        let naive = day
            .and_hms_opt(0, 0, 0)
            .and_then(|d| d.checked_add_signed(TimeDelta::try_seconds(i64::from(secs))?))
            .ok_or(DateError::ExcelOutOfRange)?;
        return local_to_utc(naive, spec.tz);
    }
    Err(first_err)
}
