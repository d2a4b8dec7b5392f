//! Table-driven tests for the person-name normaliser.

use jstac_normalise::name::{
    NameError, NameOrder, check_name_part, match_key, match_key_of_parts, person_name,
};

use NameOrder::{Auto, FamilyFirst, GivenFirst};

/// (input, order, title, given, family, display, match key)
type Row = (
    &'static str,
    NameOrder,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const ROWS: &[Row] = &[
    // DOMAIN.md examples.
    (
        "HOXHA, Ana",
        Auto,
        None,
        "Ana",
        "Hoxha",
        "Ana Hoxha",
        "ana hoxha",
    ),
    (
        "Ana HOXHA",
        Auto,
        None,
        "Ana",
        "Hoxha",
        "Ana Hoxha",
        "ana hoxha",
    ),
    (
        "NGUYEN Thi Lan",
        Auto,
        None,
        "Thi Lan",
        "Nguyen",
        "Nguyen Thi Lan",
        "lan nguyen thi",
    ),
    (
        "Nguyen Thi Lan",
        FamilyFirst,
        None,
        "Thi Lan",
        "Nguyen",
        "Nguyen Thi Lan",
        "lan nguyen thi",
    ),
    (
        "NGUYEN THI LAN",
        FamilyFirst,
        None,
        "Thi Lan",
        "Nguyen",
        "Nguyen Thi Lan",
        "lan nguyen thi",
    ),
    (
        "Đặng Văn Minh",
        FamilyFirst,
        None,
        "Văn Minh",
        "Đặng",
        "Đặng Văn Minh",
        "dang minh van",
    ),
    (
        "Dang Van Minh",
        FamilyFirst,
        None,
        "Van Minh",
        "Dang",
        "Dang Van Minh",
        "dang minh van",
    ),
    (
        "ĐẶNG, Văn Minh",
        Auto,
        None,
        "Văn Minh",
        "Đặng",
        "Văn Minh Đặng",
        "dang minh van",
    ),
    (
        "Mohammed Ali",
        Auto,
        None,
        "Mohammed",
        "Ali",
        "Mohammed Ali",
        "ali muhammad",
    ),
    (
        "Muhammad ALI",
        Auto,
        None,
        "Muhammad",
        "Ali",
        "Muhammad Ali",
        "ali muhammad",
    ),
    (
        "ALI, Mohamed",
        Auto,
        None,
        "Mohamed",
        "Ali",
        "Mohamed Ali",
        "ali muhammad",
    ),
    // Whitespace and case.
    (
        "  ana   hoxha  ",
        Auto,
        None,
        "Ana",
        "Hoxha",
        "Ana Hoxha",
        "ana hoxha",
    ),
    (
        "ANA HOXHA",
        Auto,
        None,
        "Ana",
        "Hoxha",
        "Ana Hoxha",
        "ana hoxha",
    ),
    (
        "ana hoxha",
        GivenFirst,
        None,
        "Ana",
        "Hoxha",
        "Ana Hoxha",
        "ana hoxha",
    ),
    (
        "John Paul SMITH",
        Auto,
        None,
        "John Paul",
        "Smith",
        "John Paul Smith",
        "john paul smith",
    ),
    (
        "SMITH, John Paul",
        Auto,
        None,
        "John Paul",
        "Smith",
        "John Paul Smith",
        "john paul smith",
    ),
    (
        "Smith,John",
        Auto,
        None,
        "John",
        "Smith",
        "John Smith",
        "john smith",
    ),
    (
        "SMITH ,  JOHN",
        Auto,
        None,
        "John",
        "Smith",
        "John Smith",
        "john smith",
    ),
    // Mc, O', hyphens kept right.
    (
        "Mary McDonald",
        Auto,
        None,
        "Mary",
        "McDonald",
        "Mary McDonald",
        "mary mcdonald",
    ),
    (
        "MCDONALD, Mary",
        Auto,
        None,
        "Mary",
        "McDonald",
        "Mary McDonald",
        "mary mcdonald",
    ),
    (
        "mary mcdonald",
        GivenFirst,
        None,
        "Mary",
        "McDonald",
        "Mary McDonald",
        "mary mcdonald",
    ),
    (
        "Sean O'BRIEN",
        Auto,
        None,
        "Sean",
        "O'Brien",
        "Sean O'Brien",
        "obrien sean",
    ),
    (
        "O'BRIEN, Seán",
        Auto,
        None,
        "Seán",
        "O'Brien",
        "Seán O'Brien",
        "obrien sean",
    ),
    (
        "sean o'brien",
        GivenFirst,
        None,
        "Sean",
        "O'Brien",
        "Sean O'Brien",
        "obrien sean",
    ),
    (
        "Anna SMITH-JONES",
        Auto,
        None,
        "Anna",
        "Smith-Jones",
        "Anna Smith-Jones",
        "anna jones smith",
    ),
    (
        "smith-jones, anna-maria",
        Auto,
        None,
        "Anna-Maria",
        "Smith-Jones",
        "Anna-Maria Smith-Jones",
        "anna jones maria smith",
    ),
    (
        "Anna Smith Jones",
        Auto,
        None,
        "Anna Smith",
        "Jones",
        "Anna Smith Jones",
        "anna jones smith",
    ),
    (
        "Leonardo DiCaprio",
        Auto,
        None,
        "Leonardo",
        "DiCaprio",
        "Leonardo DiCaprio",
        "dicaprio leonardo",
    ),
    (
        "Ludwig van Beethoven",
        GivenFirst,
        None,
        "Ludwig van",
        "Beethoven",
        "Ludwig van Beethoven",
        "beethoven ludwig van",
    ),
    // Titles removed and kept separately.
    (
        "Mr John SMITH",
        Auto,
        Some("Mr"),
        "John",
        "Smith",
        "John Smith",
        "john smith",
    ),
    (
        "Mrs. Ana Hoxha",
        Auto,
        Some("Mrs"),
        "Ana",
        "Hoxha",
        "Ana Hoxha",
        "ana hoxha",
    ),
    (
        "MS ANA HOXHA",
        Auto,
        Some("Ms"),
        "Ana",
        "Hoxha",
        "Ana Hoxha",
        "ana hoxha",
    ),
    (
        "Miss Lan NGUYEN",
        Auto,
        Some("Miss"),
        "Lan",
        "Nguyen",
        "Lan Nguyen",
        "lan nguyen",
    ),
    (
        "Dr. Ahmed KHAN",
        Auto,
        Some("Dr"),
        "Ahmed",
        "Khan",
        "Ahmed Khan",
        "ahmad khan",
    ),
    (
        "HOXHA, Mrs Ana",
        Auto,
        Some("Mrs"),
        "Ana",
        "Hoxha",
        "Ana Hoxha",
        "ana hoxha",
    ),
    (
        "Prof Jane Doe",
        Auto,
        Some("Prof"),
        "Jane",
        "Doe",
        "Jane Doe",
        "doe jane",
    ),
    (
        "Sir Elton John",
        GivenFirst,
        Some("Sir"),
        "Elton",
        "John",
        "Elton John",
        "elton john",
    ),
    (
        "Rev. Paul Jones",
        Auto,
        Some("Rev"),
        "Paul",
        "Jones",
        "Paul Jones",
        "jones paul",
    ),
    (
        "Mx Sam Taylor",
        Auto,
        Some("Mx"),
        "Sam",
        "Taylor",
        "Sam Taylor",
        "sam taylor",
    ),
    ("Mr Hoxha", Auto, Some("Mr"), "", "Hoxha", "Hoxha", "hoxha"),
    // Orders.
    (
        "Wei ZHANG",
        Auto,
        None,
        "Wei",
        "Zhang",
        "Wei Zhang",
        "wei zhang",
    ),
    (
        "ZHANG Wei",
        Auto,
        None,
        "Wei",
        "Zhang",
        "Zhang Wei",
        "wei zhang",
    ),
    (
        "Zhang Wei",
        FamilyFirst,
        None,
        "Wei",
        "Zhang",
        "Zhang Wei",
        "wei zhang",
    ),
    (
        "Zhang Wei",
        GivenFirst,
        None,
        "Zhang",
        "Wei",
        "Zhang Wei",
        "wei zhang",
    ),
    (
        "Zhang Wei",
        Auto,
        None,
        "Zhang",
        "Wei",
        "Zhang Wei",
        "wei zhang",
    ),
    ("HOXHA", Auto, None, "", "Hoxha", "Hoxha", "hoxha"),
    ("hoxha", FamilyFirst, None, "", "Hoxha", "Hoxha", "hoxha"),
    (
        "NGUYEN, Thi Lan",
        FamilyFirst,
        None,
        "Thi Lan",
        "Nguyen",
        "Nguyen Thi Lan",
        "lan nguyen thi",
    ),
    // Transliteration in the match key.
    (
        "Jürgen STRAUß",
        Auto,
        None,
        "Jürgen",
        "Strauß",
        "Jürgen Strauß",
        "jurgen strauss",
    ),
    (
        "Søren Kierkegaard",
        GivenFirst,
        None,
        "Søren",
        "Kierkegaard",
        "Søren Kierkegaard",
        "kierkegaard soren",
    ),
    (
        "Æsa LÆRKE",
        Auto,
        None,
        "Æsa",
        "Lærke",
        "Æsa Lærke",
        "aesa laerke",
    ),
    (
        "Zoë Brontë",
        GivenFirst,
        None,
        "Zoë",
        "Brontë",
        "Zoë Brontë",
        "bronte zoe",
    ),
    (
        "José ÁLVAREZ",
        Auto,
        None,
        "José",
        "Álvarez",
        "José Álvarez",
        "alvarez jose",
    ),
    (
        "ŁUKASZ Wiśniewski",
        Auto,
        None,
        "Wiśniewski",
        "Łukasz",
        "Łukasz Wiśniewski",
        "lukasz wisniewski",
    ),
];

#[test]
fn names_table() {
    let mut failures = Vec::new();
    for &(input, order, title, given, family, display, key) in ROWS {
        match person_name(input, order) {
            Ok(n)
                if n.title == title
                    && n.given == given
                    && n.family == family
                    && n.display == display
                    && n.match_key == key => {}
            other => failures.push(format!("{input:?} ({order:?}): got {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(ROWS.len() >= 50);
}

#[test]
fn same_person_same_key() {
    let spellings = [
        "HOXHA, Ana",
        "Ana Hoxha",
        "Ana HOXHA",
        "ana hoxha",
        "Mrs Ana Hoxha",
        "HOXHA Ana",
    ];
    let keys: Vec<String> = spellings
        .iter()
        .map(|s| person_name(s, Auto).unwrap().match_key)
        .collect();
    assert!(keys.iter().all(|k| k == "ana hoxha"), "{keys:?}");
    assert_eq!(match_key("HOXHA, Ana"), match_key("Ana Hoxha"));
    assert_eq!(match_key("Mrs Đặng Thị Lan"), "dang lan thi");
    assert_eq!(match_key("Mohammed Khan"), match_key("Muhammad KHAN"));
    assert_ne!(match_key("Ana Hoxha"), match_key("Ana Hoxhaj"));
}

#[test]
fn name_errors() {
    let cases: &[(&str, NameError, &str)] = &[
        ("", NameError::Empty, "empty"),
        ("   ", NameError::Empty, "empty"),
        ("Mr", NameError::Empty, "empty"),
        ("12345", NameError::NoLetters, "no_letters"),
        ("--", NameError::NoLetters, "no_letters"),
    ];
    for (input, want, kind) in cases {
        let e = person_name(input, Auto).unwrap_err();
        assert_eq!(&e, want, "{input:?}");
        assert_eq!(e.kind(), *kind);
    }
    let long = "A".repeat(400);
    assert_eq!(person_name(&long, Auto).unwrap_err(), NameError::TooLong);
    assert_eq!(NameError::NoLetters.to_string(), "name contains no letters");
}

#[test]
fn names_in_parts() {
    // Family name and given names from their own fields key like the whole name.
    assert_eq!(match_key_of_parts(["HOXHA", "Ana"]), "ana hoxha");
    assert_eq!(
        match_key_of_parts(["HOXHA", "Ana"]),
        person_name("Ana HOXHA", Auto).unwrap().match_key
    );
    assert_eq!(match_key_of_parts(["Nguyễn", "Thị Lan"]), "lan nguyen thi");
    assert_eq!(match_key_of_parts(["", "Mohamed"]), "muhammad");
    assert_eq!(match_key_of_parts(["HOXHA"]), match_key("Hoxha"));
    let cases: &[(&str, Result<(), NameError>)] = &[
        ("HOXHA", Ok(())),
        ("van der Berg", Ok(())),
        ("Thi Lan", Ok(())),
        ("  ", Err(NameError::Empty)),
        ("Mr", Err(NameError::Empty)),
        ("12345", Err(NameError::NoLetters)),
        ("?", Err(NameError::NoLetters)),
    ];
    for (input, want) in cases {
        assert_eq!(check_name_part(input), *want, "{input:?}");
    }
    assert_eq!(check_name_part(&"a".repeat(400)), Err(NameError::TooLong));
}
