//! Calendar dates (chrono's proleptic Gregorian `NaiveDate`), drawn from the
//! generator and written as the agencies write them.

use chrono::{Datelike as _, NaiveDate, TimeDelta};

use crate::rng::Rng;

pub(crate) type Date = NaiveDate;

/// A calendar date; the generator only asks for dates that exist.
pub(crate) fn ymd(year: i32, month: u32, day: u32) -> Date {
    NaiveDate::from_ymd_opt(year, month, day).expect("a date that exists")
}

/// 1 January and 31 December of `year`.
pub(crate) fn year_bounds(year: i32) -> (Date, Date) {
    (ymd(year, 1, 1), ymd(year, 12, 31))
}

/// `days` days after `date` (before, when negative).
pub(crate) fn plus(date: Date, days: i64) -> Date {
    date + TimeDelta::days(days)
}

/// A day from `first` to `last`, both included, uniformly.
pub(crate) fn between(rng: &mut Rng, first: Date, last: Date) -> Date {
    plus(first, rng.range(0, (last - first).num_days()))
}

/// Days since 1970-01-01: a number that varies with the date.
pub(crate) fn day_number(date: Date) -> i64 {
    (date - ymd(1970, 1, 1)).num_days()
}

/// `31/12/2016`.
pub(crate) fn dmy(date: Date) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// `2016-12-31`.
pub(crate) fn iso(date: Date) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Whole years from `born` to `on` (an age); 0 for a date before birth,
/// which the world never produces (records name people born years before).
pub(crate) fn age_on(born: Date, on: Date) -> i64 {
    i64::from(on.years_since(born).unwrap_or(0))
}

/// Year, month and day, as spreadsheets' date constructors take them.
pub(crate) fn parts(date: Date) -> (i32, u32, u32) {
    (date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_age_turns_on_the_birthday_not_before() {
        let born = ymd(2000, 3, 1);
        assert_eq!(age_on(born, ymd(2016, 2, 29)), 15);
        assert_eq!(age_on(born, ymd(2016, 3, 1)), 16);
        assert_eq!(age_on(ymd(2000, 2, 29), ymd(2017, 2, 28)), 16);
        assert_eq!(age_on(ymd(2000, 2, 29), ymd(2017, 3, 1)), 17);
    }

    #[test]
    fn dates_are_written_as_agencies_write_them() {
        assert_eq!(dmy(ymd(2016, 2, 9)), "09/02/2016");
        assert_eq!(iso(ymd(2016, 2, 29)), "2016-02-29");
    }

    #[test]
    fn a_drawn_date_stays_within_its_bounds_and_reaches_both() {
        let mut rng = Rng::new(3);
        let (first, last) = (ymd(2016, 12, 29), ymd(2017, 1, 2));
        let drawn: Vec<Date> = (0..200).map(|_| between(&mut rng, first, last)).collect();
        assert!(drawn.iter().all(|d| (first..=last).contains(d)));
        assert!(drawn.contains(&first) && drawn.contains(&last));
    }
}
