//! Table-driven tests for UK postcodes.

use jstac_normalise::postcode::{
    PostcodeError, PostcodeKind, PostcodeOptions, outward_code, postcode, postcode_with,
};

/// (input, formatted, outward)
const VALID: &[(&str, &str, &str)] = &[
    ("LS1 4AP", "LS1 4AP", "LS1"),
    ("ls14ap", "LS1 4AP", "LS1"),
    ("LS1  4ap", "LS1 4AP", "LS1"),
    (" ls1 4ap ", "LS1 4AP", "LS1"),
    ("l s 1 4 a p", "LS1 4AP", "LS1"),
    // Every outward shape.
    ("M1 1AE", "M1 1AE", "M1"),       // A9
    ("B33 8TH", "B33 8TH", "B33"),    // A99
    ("CR2 6XH", "CR2 6XH", "CR2"),    // AA9
    ("DN55 1PT", "DN55 1PT", "DN55"), // AA99
    ("W1A 0AX", "W1A 0AX", "W1A"),    // A9A
    ("EC1A 1BB", "EC1A 1BB", "EC1A"), // AA9A
    ("SW1A 2AA", "SW1A 2AA", "SW1A"),
    ("sw1a2aa", "SW1A 2AA", "SW1A"),
    ("N1C 4AG", "N1C 4AG", "N1C"),
    ("E1W 1YW", "E1W 1YW", "E1W"),
    ("NW1W 7AA", "NW1W 7AA", "NW1W"),
    ("BT1 5GS", "BT1 5GS", "BT1"),
    ("EH1 1YZ", "EH1 1YZ", "EH1"),
    ("CF10 1EP", "CF10 1EP", "CF10"),
    ("G2 1DU", "G2 1DU", "G2"),
    ("AB10 1XG", "AB10 1XG", "AB10"),
    ("ZE1 0AA", "ZE1 0AA", "ZE1"),
    ("YO1 7HH", "YO1 7HH", "YO1"),
    ("GIR 0AA", "GIR 0AA", "GIR"),
    ("gir0aa", "GIR 0AA", "GIR"),
];

/// (input, error kind)
const INVALID: &[(&str, &str)] = &[
    ("", "empty"),
    ("   ", "empty"),
    ("LS1", "invalid"), // outward only
    ("LS1 4A", "invalid"),
    ("LS1 4APX", "invalid"),
    ("LS14 4APP", "invalid"),
    ("QS1 4AP", "invalid"),  // Q never first
    ("VS1 4AP", "invalid"),  // V never first
    ("XS1 4AP", "invalid"),  // X never first
    ("LI1 4AP", "invalid"),  // I never second
    ("LJ1 4AP", "invalid"),  // J never second
    ("LZ1 4AP", "invalid"),  // Z never second
    ("W1I 0AX", "invalid"),  // I not allowed third in A9A
    ("EC1I 1BB", "invalid"), // I not allowed fourth in AA9A
    ("EC1C 1BB", "invalid"), // C not allowed fourth in AA9A
    ("LS1 4CP", "invalid"),  // C never in inward
    ("LS1 4AI", "invalid"),
    ("LS1 4KM", "invalid"),
    ("LS1 4OV", "invalid"),
    ("LS1 AAP", "invalid"), // inward starts with a digit
    ("1S1 4AP", "invalid"),
    ("LS1-4AP", "invalid"),
    ("LS1 4AP!", "invalid"),
    ("L1L 4AP", "invalid"), // L not allowed third in A9A
    ("GIR 0AB", "invalid"),
    ("BFPO 123", "bfpo"),
    ("bfpo123", "bfpo"),
    ("BFPO", "invalid"),
    ("BFPO 01", "invalid"),
    ("BFPO 12345", "invalid"),
];

#[test]
fn valid_postcodes() {
    for (input, formatted, outward) in VALID {
        let p = postcode(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(p.as_str(), *formatted, "{input:?}");
        assert_eq!(p.outward(), *outward, "{input:?}");
        assert_eq!(p.inward().len(), 3);
        assert_eq!(p.to_string(), *formatted);
        assert_eq!(outward_code(input).unwrap().as_str(), *outward, "{input:?}");
    }
    assert_eq!(postcode("GIR 0AA").unwrap().kind(), PostcodeKind::Girobank);
    assert_eq!(postcode("LS1 4AP").unwrap().kind(), PostcodeKind::Standard);
}

#[test]
fn invalid_postcodes() {
    let mut failures = Vec::new();
    for (input, want) in INVALID {
        match postcode(input) {
            Err(e) if e.kind() == *want => {}
            other => failures.push(format!("{input:?}: want {want}, got {other:?}")),
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
fn bfpo_when_allowed() {
    let opts = PostcodeOptions { allow_bfpo: true };
    let p = postcode_with("bfpo  123", opts).unwrap();
    assert_eq!(p.as_str(), "BFPO 123");
    assert_eq!(p.kind(), PostcodeKind::Bfpo);
    assert_eq!(p.outward(), "BFPO");
    assert_eq!(p.inward(), "123");
    assert_eq!(
        postcode_with("BFPO 9999", opts).unwrap().as_str(),
        "BFPO 9999"
    );
    assert_eq!(postcode_with("BFPO 0", opts), Err(PostcodeError::Invalid));
    assert_eq!(postcode_with("LS14AP", opts).unwrap().as_str(), "LS1 4AP");
}

#[test]
fn outward_codes() {
    for (input, want) in [
        ("LS1", "LS1"),
        ("ls1", "LS1"),
        ("EC1A", "EC1A"),
        ("sw1a 2aa", "SW1A"),
        ("M1", "M1"),
    ] {
        assert_eq!(outward_code(input).unwrap().as_str(), want, "{input:?}");
    }
    for input in ["Q1", "LS", "", "LS1 4A", "BFPO 1"] {
        assert!(outward_code(input).is_err(), "{input:?}");
    }
}

#[test]
fn reasons_never_echo_the_input() {
    assert_eq!(
        postcode("LS1 4CP").unwrap_err().to_string(),
        "not a valid UK postcode"
    );
}
