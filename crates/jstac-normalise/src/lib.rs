//! Pure normalisers for source values, used by the mapping engine
//! (`jstac-core`): no I/O, no global state beyond look-up tables built once.
//!
//! | module | normalises |
//! |---|---|
//! | [`country`](mod@country) | countries and nationalities to ISO 3166-1 alpha-3 |
//! | [`name`] | person names: title, family and given names, display form, match key |
//! | [`date`] | dates (explicit formats or ISO 8601, Excel serials, partial and approximate dates; a date-time's local date) and local date-times to UTC |
//! | [`postcode`] | UK postcodes |
//! | [`ident`] | passport numbers, National Insurance numbers, phone numbers, vehicle registrations |
//!
//! Every normaliser returns a `Result`: `Ok` with the normalised value (some
//! carry a `note` worth a warning), or `Err` with an error whose `kind()` is a
//! short stable label for counting outcomes and whose message is a reason
//! that never repeats the input value (it may be personal data).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod country;
mod country_data;
pub mod date;
mod fold;
pub mod ident;
pub mod name;
pub mod postcode;

pub use country::{Country, CountryError, country};
