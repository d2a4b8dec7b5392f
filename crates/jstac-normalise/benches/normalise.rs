//! Throughput of each normaliser over a realistic mix of values.
//!
//! Plain `std::time::Instant` loop (no criterion): run with
//! `cargo bench -p jstac-normalise`. Prints values per second.

use std::hint::black_box;
use std::time::Instant;

use jstac_normalise::country::country;
use jstac_normalise::date::{DateSpec, ExcelDateSystem, date, datetime_utc};
use jstac_normalise::ident::{ni_number, passport, phone, vehicle_registration};
use jstac_normalise::name::{NameOrder, person_name};
use jstac_normalise::postcode::postcode;

const N: usize = 1_000_000;

fn run<F: FnMut(&str) -> bool>(label: &str, values: &[&str], mut f: F) {
    // Warm up (builds look-up tables once).
    for v in values {
        black_box(f(black_box(v)));
    }
    let start = Instant::now();
    let mut ok = 0usize;
    for i in 0..N {
        if f(black_box(values[i % values.len()])) {
            ok += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rate = N as f64 / secs;
    println!("{label:<22} {N} values in {secs:>6.3} s = {rate:>12.0} values/s ({ok} ok)");
}

fn main() {
    let countries = [
        "Albanian",
        "ALBANIA",
        "ALB",
        "Viet Nam",
        "Vietnamese",
        "VNM",
        "British",
        "UK",
        "GBR",
        "England",
        "Nigerian",
        "Romanian",
        "Polish",
        "Chinese",
        "Eritrean",
        "Sudanese",
        "Côte d'Ivoire",
        "Congo",
        "Yugoslavia",
        "Albnia",
        "Republic of Albania",
        "008",
        "Korea, Republic of",
        "Albanian Greek",
    ];
    run("country", &countries, |v| country(v).is_ok());

    let names = [
        "HOXHA, Ana",
        "Ana HOXHA",
        "NGUYEN Thi Lan",
        "Mr John SMITH",
        "mary mcdonald",
        "Sean O'BRIEN",
        "Đặng Văn Minh",
        "Mohammed ALI",
        "Anna SMITH-JONES",
        "Jürgen STRAUß",
    ];
    run("person_name", &names, |v| {
        person_name(v, NameOrder::Auto).is_ok()
    });

    let spec = DateSpec::new(["%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y", "%m/%Y", "%Y"])
        .unwrap()
        .with_excel(ExcelDateSystem::Excel1900);
    let dates = [
        "02/03/1995",
        "1995-03-02",
        "01-Jun-2016",
        "03/1995",
        "1995",
        "35126",
        "31/02/2016",
        "2/3/1995",
    ];
    run("date", &dates, |v| date(v, &spec).is_ok());

    let dt_spec = DateSpec::new(["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S%z"]).unwrap();
    let datetimes = [
        "15/01/2016 10:30",
        "15/07/2016 10:30",
        "27/03/2016 01:30",
        "30/10/2016 01:30",
        "2016-07-15T10:30:00+0200",
    ];
    run("datetime_utc", &datetimes, |v| {
        datetime_utc(v, &dt_spec).is_ok()
    });

    let postcodes = [
        "LS1 4AP", "ls14ap", "SW1A 2AA", "EC1A 1BB", "M1 1AE", "B33 8TH", "LS1 4CP", "GIR 0AA",
    ];
    run("postcode", &postcodes, |v| postcode(v).is_ok());

    let ninos = [
        "AB123456C",
        "AB 12 34 56 C",
        "QQ123456C",
        "BG123456C",
        "ab123456d",
        "AB123456E",
    ];
    run("ni_number", &ninos, |v| ni_number(v).is_ok());

    let phones = [
        "07700 900123",
        "+44 7700 900123",
        "+44 (0)20 7946 0958",
        "0044 7911 123456",
        "+355 69 123 4567",
        "7911123456",
        "0611 123456",
    ];
    run("phone", &phones, |v| phone(v).is_ok());

    let regs = [
        "AB12 CDE", "ab12cde", "A123 BCD", "ABC 123D", "AIZ 1234", "1234 AB", "AB00 CDE",
    ];
    run("vehicle_registration", &regs, |v| {
        vehicle_registration(v).is_ok()
    });

    let passports = ["123456789", "AB1234567", "C 1234 567", "1234"];
    let issuers = ["GBR", "Albanian", "Viet Nam", "British"];
    let mut i = 0usize;
    run("passport", &passports, |v| {
        i = i.wrapping_add(1);
        passport(v, issuers[i % issuers.len()]).is_ok()
    });
}
