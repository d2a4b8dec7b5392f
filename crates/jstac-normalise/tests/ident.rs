//! Table-driven tests for identifiers.

use jstac_normalise::country::CountryError;
use jstac_normalise::ident::{
    IdentError, NOTE_NI_SPECIMEN, NOTE_PHONE_DRAMA, NOTE_PHONE_RESTORED_PREFIX,
    NOTE_PHONE_TRUNK_ZERO, RegistrationFormat, ni_number, passport, passport_number, phone,
    vehicle_registration,
};

#[test]
fn passports() {
    let ok: &[(&str, &str, &str, &str)] = &[
        ("123456789", "GBR", "123456789", "GBR"),
        ("123 456 789", "United Kingdom", "123456789", "GBR"),
        ("12345678 9", "British", "123456789", "GBR"),
        ("ab1234567", "Albania", "AB1234567", "ALB"),
        ("BA 1234567", "Albanian", "BA1234567", "ALB"),
        ("C1234567", "Viet Nam", "C1234567", "VNM"),
        ("A12345678", "Nigerian", "A12345678", "NGA"),
        ("E12345678", "CHN", "E12345678", "CHN"),
        ("ER1234567", "ERI", "ER1234567", "ERI"),
        ("12345", "RO", "12345", "ROU"),
        ("ABCDEFGHIJ1234567890", "POL", "ABCDEFGHIJ1234567890", "POL"),
        ("P1234567", "Filipino", "P1234567", "PHL"),
    ];
    for (number, issuer, want_number, want_country) in ok {
        let p = passport(number, issuer).unwrap_or_else(|e| panic!("{number:?}/{issuer:?}: {e}"));
        assert_eq!(p.number.as_str(), *want_number);
        assert_eq!(p.country.alpha3, *want_country);
    }
    let eng = passport("123456789", "England").unwrap();
    assert_eq!(eng.country.alpha3, "GBR");
    assert!(eng.country.note.is_some());

    let bad: &[(&str, &str, &str)] = &[
        ("", "GBR", "empty"),
        ("1234", "GBR", "malformed"),
        ("ABCDEFGHIJ12345678901", "GBR", "malformed"),
        ("123-456-789", "GBR", "malformed"),
        ("12345678é", "GBR", "malformed"),
        ("123456789", "Congo", "country_ambiguous"),
        ("123456789", "Yugoslavia", "country_historic"),
        ("123456789", "Wakanda", "country_unknown"),
        ("123456789", "", "country_empty"),
    ];
    for (number, issuer, kind) in bad {
        let e = passport(number, issuer).unwrap_err();
        assert_eq!(e.kind(), *kind, "{number:?}/{issuer:?}");
    }
    assert_eq!(
        passport("1", "GBR").unwrap_err().to_string(),
        "malformed: a passport number is 5 to 20 letters and digits"
    );
    assert_eq!(
        passport("123456789", "Wakanda").unwrap_err(),
        IdentError::Country(CountryError::Unknown)
    );
    assert_eq!(passport_number(" 99 88 77 ").unwrap().as_str(), "998877");
}

#[test]
fn national_insurance_numbers() {
    let ok: &[(&str, &str)] = &[
        ("AB123456C", "AB123456C"),
        ("AB 12 34 56 C", "AB123456C"),
        ("ab123456c", "AB123456C"),
        (" JZ 98 76 54 D ", "JZ987654D"),
        ("CE123456A", "CE123456A"),
        ("NA123456B", "NA123456B"),
        ("OA123456A", "OA123456A"),
        ("ZA123456D", "ZA123456D"),
        ("AB-12-34-56-C", "AB123456C"),
    ];
    for (input, want) in ok {
        let n = ni_number(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(n.as_str(), *want);
        assert_eq!(n.note, None, "{input:?}");
    }
    assert_eq!(ni_number("AB123456C").unwrap().formatted(), "AB 12 34 56 C");
    // The specimen prefix QQ (DOMAIN.md's example) is accepted with a note.
    let qq = ni_number("QQ 12 34 56 C").unwrap();
    assert_eq!(qq.as_str(), "QQ123456C");
    assert_eq!(qq.note, Some(NOTE_NI_SPECIMEN));
    assert_eq!(ni_number("QQ123456A").unwrap().as_str(), "QQ123456A");

    let bad: &[(&str, &str)] = &[
        ("", "empty"),
        ("AB123456", "malformed"),  // no suffix
        ("AB123456E", "malformed"), // suffix past D
        ("AB12345C", "malformed"),
        ("AB1234567C", "malformed"),
        ("A1123456C", "malformed"),
        ("AB12345XC", "malformed"),
        ("AB.123456C", "malformed"),
        ("DA123456C", "never_issued"), // D never used
        ("FA123456C", "never_issued"),
        ("IA123456C", "never_issued"),
        ("QA123456C", "never_issued"),
        ("UA123456C", "never_issued"),
        ("VA123456C", "never_issued"),
        ("AD123456C", "never_issued"),
        ("AQ123456C", "never_issued"),
        ("AO123456C", "never_issued"), // O never second
        ("BG123456C", "never_issued"),
        ("GB123456C", "never_issued"),
        ("NK123456C", "never_issued"),
        ("KN123456C", "never_issued"),
        ("TN123456C", "never_issued"),
        ("NT123456C", "never_issued"),
        ("ZZ123456C", "never_issued"),
    ];
    let mut failures = Vec::new();
    for (input, kind) in bad {
        match ni_number(input) {
            Err(e) if e.kind() == *kind => {
                assert!(input.is_empty() || !e.to_string().contains(input), "{e}");
            }
            other => failures.push(format!("{input:?}: want {kind}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn phone_numbers() {
    let ok: &[(&str, &str, Option<&str>)] = &[
        ("07700 900123", "+447700900123", Some(NOTE_PHONE_DRAMA)),
        ("+44 7700 900123", "+447700900123", Some(NOTE_PHONE_DRAMA)),
        ("07911 123456", "+447911123456", None),
        ("07911-123-456", "+447911123456", None),
        ("(07911) 123456", "+447911123456", None),
        ("+44 (0)7911 123456", "+447911123456", None),
        (
            "+44 (0)20 7946 0958",
            "+442079460958",
            Some(NOTE_PHONE_DRAMA),
        ),
        ("020 7946 0958", "+442079460958", Some(NOTE_PHONE_DRAMA)),
        ("020 7123 4567", "+442071234567", None),
        ("0113 496 0123", "+441134960123", Some(NOTE_PHONE_DRAMA)),
        ("0113 123 4567", "+441131234567", None),
        ("01632 960123", "+441632960123", Some(NOTE_PHONE_DRAMA)),
        ("0044 7911 123456", "+447911123456", None),
        ("00447911123456", "+447911123456", None),
        ("+447911123456", "+447911123456", None),
        (
            "+44 07911 123456",
            "+447911123456",
            Some(NOTE_PHONE_TRUNK_ZERO),
        ),
        (
            "7911123456",
            "+447911123456",
            Some(NOTE_PHONE_RESTORED_PREFIX),
        ),
        (
            "447911123456",
            "+447911123456",
            Some(NOTE_PHONE_RESTORED_PREFIX),
        ),
        ("0800 123456", "+44800123456", None),
        ("0800 123 4567", "+448001234567", None),
        ("0300 123 4567", "+443001234567", None),
        ("0345 600 4567", "+443456004567", None),
        ("016977 3456", "+44169773456", None),
        ("028 9012 3456", "+442890123456", None),
        ("0131 496 0000", "+441314960000", Some(NOTE_PHONE_DRAMA)),
        ("+355 69 123 4567", "+355691234567", None),
        ("00355 69 123 4567", "+355691234567", None),
        ("+84 912 345 678", "+84912345678", None),
        ("+234 803 123 4567", "+2348031234567", None),
        ("+40 721 234 567", "+40721234567", None),
        ("+48 512 345 678", "+48512345678", None),
        ("+86 138 0013 8000", "+8613800138000", None),
        ("+291 7 123 456", "+2917123456", None),
        ("+249 91 234 5678", "+249912345678", None),
        ("+1 (212) 555-0123", "+12125550123", None),
        ("+353 (0)1 234 5678", "+35312345678", None),
        ("+63.917.123.4567", "+639171234567", None),
    ];
    let mut failures = Vec::new();
    for (input, want, note) in ok {
        match phone(input) {
            Ok(p) if p.as_str() == *want && p.note == *note => {}
            other => failures.push(format!("{input:?}: want {want} {note:?}, got {other:?}")),
        }
    }
    let bad: &[(&str, &str)] = &[
        ("", "empty"),
        ("tel", "malformed"),
        ("07911 12345", "malformed"),   // too short
        ("07911 1234567", "malformed"), // too long
        ("0611 123456", "malformed"),   // 06 unused
        ("0411 123 4567", "malformed"), // 04 unused
        ("+44 7911 12345", "malformed"),
        ("+1234567", "malformed"),          // 7 digits
        ("+1234567890123456", "malformed"), // 16 digits
        ("+0123456789", "malformed"),
        ("123456", "malformed"),
        ("07911 123456 ext 2", "malformed"),
        ("+44+7911123456", "malformed"),
        ("07911 123456x", "malformed"),
    ];
    for (input, kind) in bad {
        match phone(input) {
            Err(e) if e.kind() == *kind => {}
            other => failures.push(format!("{input:?}: want {kind}, got {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(phone("07911 123456").unwrap().is_uk());
    assert!(!phone("+355 69 123 4567").unwrap().is_uk());
}

#[test]
fn vehicle_registrations() {
    use RegistrationFormat::{Current, Dateless, NorthernIreland, Prefix, Suffix};
    let ok: &[(&str, &str, &str, RegistrationFormat)] = &[
        ("AB12 CDE", "AB12CDE", "AB12 CDE", Current),
        ("ab12cde", "AB12CDE", "AB12 CDE", Current),
        (" AB12  CDE ", "AB12CDE", "AB12 CDE", Current),
        ("LS16 XYZ", "LS16XYZ", "LS16 XYZ", Current),
        ("YK66 ABC", "YK66ABC", "YK66 ABC", Current),
        ("MA51 ABC", "MA51ABC", "MA51 ABC", Current),
        ("BD02 XYZ", "BD02XYZ", "BD02 XYZ", Current),
        ("A123 BCD", "A123BCD", "A123 BCD", Prefix),
        ("a1bcd", "A1BCD", "A1 BCD", Prefix),
        ("R45 XYZ", "R45XYZ", "R45 XYZ", Prefix),
        ("ABC 123D", "ABC123D", "ABC 123D", Suffix),
        ("XYZ 1A", "XYZ1A", "XYZ 1A", Suffix),
        ("ABC 123", "ABC123", "ABC 123", Dateless),
        ("A 1", "A1", "A 1", Dateless),
        ("1234 AB", "1234AB", "1234 AB", Dateless),
        ("1 A", "1A", "1 A", Dateless),
        ("AIZ 1234", "AIZ1234", "AIZ 1234", NorthernIreland),
        ("BIG 1234", "BIG1234", "BIG 1234", NorthernIreland),
        ("LCZ 123", "LCZ123", "LCZ 123", NorthernIreland),
    ];
    for (input, compact, formatted, format) in ok {
        let r = vehicle_registration(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(r.as_str(), *compact, "{input:?}");
        assert_eq!(r.formatted(), *formatted, "{input:?}");
        assert_eq!(r.format, *format, "{input:?}");
    }
    let bad: &[(&str, &str)] = &[
        ("", "empty"),
        ("AB12 CDEF", "malformed"),
        ("AB123CDE", "malformed"),
        ("ABCD 123", "malformed"),
        ("12345", "malformed"),
        ("ABC", "malformed"),
        ("AB12 CD!", "malformed"),
        ("AI12 CDE", "malformed"), // I never in current format
        ("AB12 CQE", "malformed"), // Q never in current format
        ("AB00 CDE", "never_issued"),
        ("AB01 CDE", "never_issued"),
        ("AB50 CDE", "never_issued"),
        ("I123 BCD", "malformed"), // I never a prefix year letter
        ("Q123 BCD", "malformed"),
        ("ABC 123O", "malformed"), // O never a suffix year letter
        ("ABC 123U", "malformed"),
    ];
    let mut failures = Vec::new();
    for (input, kind) in bad {
        match vehicle_registration(input) {
            Err(e) if e.kind() == *kind => {}
            other => failures.push(format!("{input:?}: want {kind}, got {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
