//! Dates and date-times: explicit formats per field, Excel serials, partial
//! dates, two-digit years only with a century window, and local date-times
//! converted to UTC.
//!
//! ```
//! use jstac_normalise::date::{date, DateSpec, ExcelDateSystem};
//! let spec = DateSpec::new(["%d/%m/%Y", "%Y-%m-%d", "%m/%Y", "%Y"])
//!     .unwrap()
//!     .with_excel(ExcelDateSystem::Excel1900);
//! assert_eq!(date("02/03/1995", &spec).unwrap().to_string(), "1995-03-02");
//! assert_eq!(date("03/1995", &spec).unwrap().to_string(), "1995-03");
//! assert_eq!(date("1995", &spec).unwrap().to_string(), "1995");
//! assert_eq!(date("34760", &spec).unwrap().to_string(), "1995-03-02");
//! assert!(date("31/02/2016", &spec).is_err());
//! ```
//!
//! # Rules
//!
//! - The caller lists chrono `strftime` formats per field; they are tried in
//!   order and the first that matches wins. UK data is never read in US
//!   order unless a format says so.
//! - A format's fields decide the precision: `%Y` alone gives a
//!   [`PartialDate::Year`], `%m/%Y` a [`PartialDate::YearMonth`], a full date
//!   a [`PartialDate::Date`]. Partial dates stay partial (no invented day).
//! - A value that fits a format's shape but is not a real date
//!   (`31/02/2016`, `29/02/2015`) is [`DateError::Impossible`], unless a
//!   later format matches it.
//! - `%y` (two-digit year) is read only when the caller gives a century
//!   window with [`DateSpec::with_century_window`]; otherwise the value is
//!   [`DateError::TwoDigitYear`]. chrono's own silent pivot is never used.
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
//!   carries [`NOTE_DST_OVERLAP`]. Formats with an offset (`%z`) use it.

use std::fmt::{self, Write as _};

use chrono::format::{Item, ParseErrorKind, Parsed, StrftimeItems};
use chrono::{
    DateTime, Datelike as _, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone as _, Utc,
};
use chrono_tz::Tz;

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
    formats: Vec<Vec<Item<'static>>>,
    /// Shape of each format (see [`skeleton`]), to tell an impossible date
    /// from a value of another shape.
    shapes: Vec<Vec<(u8, usize)>>,
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
                    .map_err(|_| DateSpecError::BadFormat(i))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A sample instant with an offset, so every specifier can format.
        let sample = NaiveDate::from_ymd_opt(2016, 12, 25)
            .and_then(|d| d.and_hms_opt(22, 33, 44))
            .unwrap_or_default()
            .and_utc()
            .fixed_offset();
        let shapes = formats
            .iter()
            .map(|items| {
                let mut text = String::new();
                // A specifier that cannot format leaves a shorter sample;
                // it only weakens the impossible/no-match distinction.
                let _ = write!(text, "{}", sample.format_with_items(items.iter()));
                skeleton(&text)
            })
            .collect();
        Ok(Self {
            formats,
            shapes,
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
            shapes: Vec::new(),
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

    /// Tries the formats in order; the first whose fields `accept` takes
    /// wins. Otherwise returns the most telling error.
    fn first_match<T>(
        &self,
        text: &str,
        accept: impl Fn(&Parsed) -> Result<T, DateError>,
    ) -> Result<T, DateError> {
        let mut err = DateError::NoMatch;
        let mut text_shape = None;
        for (items, shape) in self.formats.iter().zip(&self.shapes) {
            let mut parsed = Parsed::new();
            let outcome = match chrono::format::parse(&mut parsed, text, items.iter()) {
                // The shape matched but a field was out of range
                // ("32/01/2016", "13/1995"): an impossible date.
                Err(e) if e.kind() == ParseErrorKind::OutOfRange => {
                    let t = text_shape.get_or_insert_with(|| skeleton(text));
                    if same_shape(t, shape) {
                        Err(DateError::Impossible)
                    } else {
                        Err(DateError::NoMatch)
                    }
                }
                Err(_) => Err(DateError::NoMatch),
                Ok(()) => self
                    .apply_century(&mut parsed)
                    .and_then(|()| match parsed.year() {
                        Some(y) if !plausible_year(y) => Err(DateError::NoMatch),
                        _ => accept(&parsed),
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

    fn apply_century(&self, parsed: &mut Parsed) -> Result<(), DateError> {
        if parsed.year().is_none()
            && parsed.year_div_100().is_none()
            && let Some(yy) = parsed.year_mod_100()
        {
            let start = self.century_start.ok_or(DateError::TwoDigitYear)?;
            let mut year = start - start.rem_euclid(100) + yy;
            if year < start {
                year += 100;
            }
            parsed
                .set_year(i64::from(year))
                .map_err(|_| DateError::Impossible)?;
        }
        Ok(())
    }
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

fn partial_from(parsed: &Parsed) -> Result<PartialDate, DateError> {
    let year = parsed.year().ok_or(DateError::Incomplete)?;
    match (parsed.month(), parsed.day()) {
        (Some(_), Some(_)) => parsed
            .to_naive_date()
            .map(PartialDate::Date)
            .map_err(|_| DateError::Impossible),
        (Some(m), None) => Ok(PartialDate::YearMonth(year, m)),
        (None, None) if parsed.ordinal().is_none() => Ok(PartialDate::Year(year)),
        _ => parsed
            .to_naive_date()
            .map(PartialDate::Date)
            .map_err(|_| DateError::Incomplete),
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
    let first_err = match spec.first_match(text, partial_from) {
        Ok(d) => return Ok(d),
        Err(e) => e,
    };
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
    let first_err = match spec.first_match(text, |parsed| {
        if parsed.year().is_none()
            || (parsed.hour_div_12().is_none() && parsed.timestamp().is_none())
        {
            return Err(DateError::Incomplete);
        }
        if parsed.offset().is_some() {
            let t = parsed.to_datetime().map_err(|_| DateError::Impossible)?;
            return Ok(UtcDateTime {
                utc: t.with_timezone(&Utc),
                note: None,
            });
        }
        let naive = parsed
            .to_naive_datetime_with_offset(0)
            .map_err(|_| DateError::Impossible)?;
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
