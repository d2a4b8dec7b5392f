//! Table-driven tests for the country normaliser.

use jstac_normalise::country::{CountryError, all, by_alpha3, country, table_problems};

/// (input, expected alpha-3) — accepted without a note.
const RESOLVED: &[(&str, &str)] = &[
    // DOMAIN.md examples and the 2016 NRM nationalities.
    ("Albanian", "ALB"),
    ("Albania", "ALB"),
    ("ALB", "ALB"),
    ("AL", "ALB"),
    ("Republic of Albania", "ALB"),
    ("008", "ALB"),
    ("8", "ALB"),
    ("albanian ", "ALB"),
    ("ALBANIA", "ALB"),
    ("  albania  ", "ALB"),
    ("alb", "ALB"),
    ("Albanian national", "ALB"),
    ("Viet Nam", "VNM"),
    ("Vietnam", "VNM"),
    ("Vietnamese", "VNM"),
    ("VNM", "VNM"),
    ("VN", "VNM"),
    ("viet nam", "VNM"),
    ("VIETNAMESE", "VNM"),
    ("704", "VNM"),
    ("Socialist Republic of Viet Nam", "VNM"),
    ("UK", "GBR"),
    ("U.K.", "GBR"),
    ("GB", "GBR"),
    ("GBR", "GBR"),
    ("British", "GBR"),
    ("BRITISH", "GBR"),
    ("United Kingdom", "GBR"),
    ("united kingdom", "GBR"),
    ("Great Britain", "GBR"),
    ("Britain", "GBR"),
    ("British citizen", "GBR"),
    ("826", "GBR"),
    (
        "United Kingdom of Great Britain and Northern Ireland",
        "GBR",
    ),
    ("The United Kingdom", "GBR"),
    ("Eritrean", "ERI"),
    ("Eritrea", "ERI"),
    ("ERI", "ERI"),
    ("ER", "ERI"),
    ("Sudanese", "SDN"),
    ("Sudan", "SDN"),
    ("SDN", "SDN"),
    ("the Sudan", "SDN"),
    ("South Sudanese", "SSD"),
    ("South Sudan", "SSD"),
    ("Nigerian", "NGA"),
    ("Nigeria", "NGA"),
    ("NGA", "NGA"),
    ("NG", "NGA"),
    ("Nigerien", "NER"),
    ("Niger", "NER"),
    ("Romanian", "ROU"),
    ("Romania", "ROU"),
    ("ROU", "ROU"),
    ("RO", "ROU"),
    ("Roumanian", "ROU"),
    ("Polish", "POL"),
    ("Poland", "POL"),
    ("POL", "POL"),
    ("PL", "POL"),
    ("Republic of Poland", "POL"),
    ("Chinese", "CHN"),
    ("China", "CHN"),
    ("CHN", "CHN"),
    ("CN", "CHN"),
    ("PRC", "CHN"),
    ("People's Republic of China", "CHN"),
    ("Peoples Republic of China", "CHN"),
    ("Filipino", "PHL"),
    ("Philippine", "PHL"),
    ("Philippines", "PHL"),
    ("the Philippines", "PHL"),
    ("PHL", "PHL"),
    // Côte d'Ivoire variants.
    ("Côte d'Ivoire", "CIV"),
    ("Cote d'Ivoire", "CIV"),
    ("COTE D'IVOIRE", "CIV"),
    ("Cote dIvoire", "CIV"),
    ("Côte d’Ivoire", "CIV"),
    ("Ivory Coast", "CIV"),
    ("Ivorian", "CIV"),
    ("CIV", "CIV"),
    ("CI", "CIV"),
    // Other frequent NRM and immigration nationalities.
    ("Indian", "IND"),
    ("India", "IND"),
    ("Pakistani", "PAK"),
    ("Pakistan", "PAK"),
    ("Bangladeshi", "BGD"),
    ("Afghan", "AFG"),
    ("Afghanistan", "AFG"),
    ("Iraqi", "IRQ"),
    ("Iraq", "IRQ"),
    ("Iranian", "IRN"),
    ("Iran", "IRN"),
    ("Iran (Islamic Republic of)", "IRN"),
    ("Islamic Republic of Iran", "IRN"),
    ("Syrian", "SYR"),
    ("Syria", "SYR"),
    ("Syrian Arab Republic", "SYR"),
    ("Ethiopian", "ETH"),
    ("Somali", "SOM"),
    ("Somalian", "SOM"),
    ("Ghanaian", "GHA"),
    ("Gambian", "GMB"),
    ("The Gambia", "GMB"),
    ("Gambia", "GMB"),
    ("Kenyan", "KEN"),
    ("Ugandan", "UGA"),
    ("Sierra Leonean", "SLE"),
    ("Cameroonian", "CMR"),
    ("Zimbabwean", "ZWE"),
    ("South African", "ZAF"),
    ("Egyptian", "EGY"),
    ("Moroccan", "MAR"),
    ("Libyan", "LBY"),
    ("Algerian", "DZA"),
    ("Tunisian", "TUN"),
    ("Lithuanian", "LTU"),
    ("Latvian", "LVA"),
    ("Estonian", "EST"),
    ("Slovak", "SVK"),
    ("Slovakian", "SVK"),
    ("Czech", "CZE"),
    ("Czech Republic", "CZE"),
    ("Czechia", "CZE"),
    ("Hungarian", "HUN"),
    ("Bulgarian", "BGR"),
    ("Ukrainian", "UKR"),
    ("Ukraine", "UKR"),
    ("Russian", "RUS"),
    ("Russia", "RUS"),
    ("Russian Federation", "RUS"),
    ("Moldovan", "MDA"),
    ("Moldova", "MDA"),
    ("Moldova, Republic of", "MDA"),
    ("Georgian", "GEO"),
    ("Turkish", "TUR"),
    ("Turkey", "TUR"),
    ("Türkiye", "TUR"),
    ("Turkiye", "TUR"),
    ("Kosovan", "XKX"),
    ("Kosovo", "XKX"),
    ("Serbian", "SRB"),
    ("Montenegrin", "MNE"),
    ("Macedonian", "MKD"),
    ("North Macedonia", "MKD"),
    ("Greek", "GRC"),
    ("Italian", "ITA"),
    ("Spanish", "ESP"),
    ("Portuguese", "PRT"),
    ("French", "FRA"),
    ("German", "DEU"),
    ("Germany", "DEU"),
    ("Dutch", "NLD"),
    ("Netherlands", "NLD"),
    ("The Netherlands", "NLD"),
    ("Holland", "NLD"),
    ("Belgian", "BEL"),
    ("Irish", "IRL"),
    ("Ireland", "IRL"),
    ("Republic of Ireland", "IRL"),
    ("Éire", "IRL"),
    ("Thai", "THA"),
    ("Malaysian", "MYS"),
    ("Indonesian", "IDN"),
    ("Sri Lankan", "LKA"),
    ("Nepalese", "NPL"),
    ("Nepali", "NPL"),
    ("Brazilian", "BRA"),
    ("Jamaican", "JAM"),
    ("American", "USA"),
    ("USA", "USA"),
    ("United States of America", "USA"),
    ("U.S.A.", "USA"),
    ("Canadian", "CAN"),
    ("Australian", "AUS"),
    ("Emirati", "ARE"),
    ("UAE", "ARE"),
    ("Saudi", "SAU"),
    ("Kuwaiti", "KWT"),
    ("Yemeni", "YEM"),
    ("Palestinian", "PSE"),
    ("Lebanese", "LBN"),
    ("Jordanian", "JOR"),
    ("Kurdistan Region", "UNKNOWN-SENTINEL"),
    ("Guinean", "GIN"),
    ("Guinea", "GIN"),
    ("Equatorial Guinea", "GNQ"),
    ("Guinea-Bissau", "GNB"),
    ("Guinea Bissau", "GNB"),
    ("Papua New Guinea", "PNG"),
    ("Republic of the Congo", "COG"),
    ("Congo-Brazzaville", "COG"),
    ("Congo (Brazzaville)", "COG"),
    ("Democratic Republic of the Congo", "COD"),
    ("DRC", "COD"),
    ("DR Congo", "COD"),
    ("Congo, Democratic Republic of the", "COD"),
    ("Congo (Democratic Republic of the)", "COD"),
    ("South Korea", "KOR"),
    ("South Korean", "KOR"),
    ("Korea, Republic of", "KOR"),
    ("Republic of Korea", "KOR"),
    ("North Korea", "PRK"),
    ("DPRK", "PRK"),
    ("Korea (Democratic People's Republic of)", "PRK"),
    ("Bolivia (Plurinational State of)", "BOL"),
    ("Venezuela", "VEN"),
    ("Tanzania, United Republic of", "TZA"),
    ("Tanzanian", "TZA"),
    ("Lao People's Democratic Republic", "LAO"),
    ("Laos", "LAO"),
    ("Taiwan", "TWN"),
    ("Hong Kong", "HKG"),
    ("Cabo Verde", "CPV"),
    ("Cape Verde", "CPV"),
    ("Eswatini", "SWZ"),
    ("Myanmar", "MMR"),
    ("Burmese", "MMR"),
    ("Samoa", "WSM"),
    ("Samoan", "WSM"),
    ("American Samoa", "ASM"),
    ("Dominica", "DMA"),
    ("Dominican Republic", "DOM"),
    ("Jersey", "JEY"),
    ("Guernsey", "GGY"),
    ("Isle of Man", "IMN"),
    ("Manx", "IMN"),
    ("Gibraltar", "GIB"),
    ("Åland Islands", "ALA"),
    ("Aland Islands", "ALA"),
    ("Curaçao", "CUW"),
    ("Réunion", "REU"),
    ("Sao Tome and Principe", "STP"),
    ("São Tomé and Príncipe", "STP"),
    ("Bosnia and Herzegovina", "BIH"),
    ("Bosnia & Herzegovina", "BIH"),
    ("Bosnia Herzegovina", "BIH"),
    ("Trinidad and Tobago", "TTO"),
    ("St Lucia", "LCA"),
    ("Saint Lucia", "LCA"),
    ("St. Kitts and Nevis", "KNA"),
    ("Timor-Leste", "TLS"),
    ("East Timor", "TLS"),
    ("Vatican City", "VAT"),
    ("Holy See", "VAT"),
    ("Micronesia (Federated States of)", "FSM"),
    ("Bahamas (the)", "BHS"),
    ("Bahamian", "BHS"),
];

/// (input, alpha-3) accepted with a note.
const NOTED: &[(&str, &str)] = &[
    ("England", "GBR"),
    ("ENGLAND", "GBR"),
    ("English", "GBR"),
    ("Scotland", "GBR"),
    ("Scottish", "GBR"),
    ("Wales", "GBR"),
    ("Welsh", "GBR"),
    ("Northern Ireland", "GBR"),
    ("Northern Irish", "GBR"),
    ("Zaire", "COD"),
    ("Burma", "MMR"),
    ("Swaziland", "SWZ"),
    ("Ceylon", "LKA"),
    ("Rhodesia", "ZWE"),
    ("East Germany", "DEU"),
    ("West Germany", "DEU"),
    ("ROM", "ROU"),
];

/// (input, error kind).
const REJECTED: &[(&str, &str)] = &[
    ("Congo", "ambiguous"),
    ("Congolese", "ambiguous"),
    ("CONGO", "ambiguous"),
    ("the Congo", "ambiguous"),
    ("Korea", "ambiguous"),
    ("Korean", "ambiguous"),
    ("Dominican", "ambiguous"),
    ("Virgin Islands", "ambiguous"),
    ("African", "ambiguous"),
    ("Kurdish", "ambiguous"),
    ("Yugoslavia", "historic"),
    ("Yugoslav", "historic"),
    ("YUG", "historic"),
    ("USSR", "historic"),
    ("U.S.S.R.", "historic"),
    ("Soviet Union", "historic"),
    ("Czechoslovakia", "historic"),
    ("Czechoslovakian", "historic"),
    ("Serbia and Montenegro", "historic"),
    ("Netherlands Antilles", "historic"),
    ("Albanian Greek", "multiple"),
    ("British/Irish", "multiple"),
    ("Nigerian & British", "multiple"),
    ("Stateless", "stateless"),
    ("XXA", "stateless"),
    ("", "empty"),
    ("   ", "empty"),
    ("-", "empty"),
    ("N/A", "empty"),
    ("Not known", "empty"),
    ("UNKNOWN", "empty"),
    ("nk", "empty"),
    ("Albnia", "unknown"),
    ("Vietnamm", "unknown"),
    ("Atlantis", "unknown"),
    ("Narnian", "unknown"),
    ("XYZ", "unknown"),
    ("QQ", "unknown"),
    ("999", "unknown"),
    ("1234", "unknown"),
    ("Britsh", "unknown"),
    ("asdfghjkl", "unknown"),
    ("🙂", "unknown"),
    ("?", "empty"),
];

#[test]
fn resolves_spellings() {
    let mut failures = Vec::new();
    for (input, want) in RESOLVED {
        if *want == "UNKNOWN-SENTINEL" {
            assert!(country(input).is_err(), "{input:?} should not resolve");
            continue;
        }
        match country(input) {
            Ok(c) if c.alpha3 == *want && c.note.is_none() => {}
            other => failures.push(format!("{input:?}: want {want}, got {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(RESOLVED.len() >= 200, "table has {} rows", RESOLVED.len());
}

#[test]
fn resolves_with_notes() {
    for (input, want) in NOTED {
        let c = country(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(c.alpha3, *want, "{input:?}");
        assert!(c.note.is_some(), "{input:?} should carry a note");
    }
    let england = country("England").unwrap();
    assert_eq!(england.name, "United Kingdom");
    assert!(england.note.unwrap().contains("constituent country"));
}

#[test]
fn rejects_with_kinds() {
    let mut failures = Vec::new();
    for (input, want) in REJECTED {
        match country(input) {
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
fn ambiguous_and_historic_reasons_name_candidates() {
    let Err(CountryError::Ambiguous(why)) = country("Congo") else {
        panic!()
    };
    assert!(why.contains("COG") && why.contains("COD"), "{why}");
    let Err(CountryError::Ambiguous(why)) = country("Korea") else {
        panic!()
    };
    assert!(why.contains("KOR") && why.contains("PRK"), "{why}");
    let Err(CountryError::Historic(why)) = country("Yugoslavia") else {
        panic!()
    };
    assert!(why.contains("Yugoslavia"), "{why}");
}

#[test]
fn reasons_never_echo_the_input() {
    for input in [
        "Albnia",
        "Wakanda",
        "Congolese",
        "USSR",
        "Albanian Greek",
        "Stateless",
        "N/A",
    ] {
        let e = country(input).unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains(input), "{msg:?} repeats {input:?}");
        assert_eq!(msg, format!("{e}"));
    }
    assert_eq!(
        country("Albnia").unwrap_err().to_string(),
        "not a known country or nationality"
    );
}

#[test]
fn display_names_and_codes() {
    let alb = country("albanian").unwrap();
    assert_eq!(
        (alb.alpha3, alb.alpha2, alb.numeric, alb.name),
        ("ALB", "AL", "008", "Albania")
    );
    assert_eq!(country("cote divoire").unwrap().name, "Côte d'Ivoire");
    assert_eq!(country("GB").unwrap().name, "United Kingdom");
    assert_eq!(country("VN").unwrap().name, "Vietnam");
    assert_eq!(
        country("COD").unwrap().name,
        "Democratic Republic of the Congo"
    );
    assert_eq!(country("bih").unwrap().name, "Bosnia and Herzegovina");
    assert_eq!(by_alpha3("gbr").map(|c| c.name), Some("United Kingdom"));
    assert_eq!(by_alpha3("XXX"), None);
}

#[test]
fn every_listed_country_resolves_by_each_code_and_name() {
    let mut n = 0;
    for c in all() {
        n += 1;
        assert_eq!(
            country(c.alpha3).map(|x| x.alpha3),
            Ok(c.alpha3),
            "alpha3 {}",
            c.alpha3
        );
        // "NA" in a nationality field means "not available": Namibia is
        // NAM, Namibia or Namibian (see `country`).
        let expected = if c.alpha2 == "NA" {
            Err(jstac_normalise::country::CountryError::Empty)
        } else {
            Ok(c.alpha3)
        };
        assert_eq!(
            country(c.alpha2).map(|x| x.alpha3),
            expected,
            "alpha2 {}",
            c.alpha2
        );
        assert_eq!(
            country(c.numeric).map(|x| x.alpha3),
            Ok(c.alpha3),
            "numeric {}",
            c.numeric
        );
        assert_eq!(
            country(c.name).map(|x| x.alpha3),
            Ok(c.alpha3),
            "name {}",
            c.name
        );
        assert_eq!(c.alpha3.len(), 3);
        assert_eq!(c.alpha2.len(), 2);
        assert_eq!(c.numeric.len(), 3);
    }
    assert!(n >= 249, "only {n} countries");
}

#[test]
fn data_tables_are_consistent() {
    assert_eq!(table_problems(), Vec::<&str>::new());
    // Every error kind label is distinct.
    let kinds = [
        CountryError::Empty.kind(),
        CountryError::Unknown.kind(),
        CountryError::Ambiguous("").kind(),
        CountryError::Historic("").kind(),
        CountryError::Multiple.kind(),
        CountryError::Stateless.kind(),
    ];
    let mut sorted = kinds.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), kinds.len());
    assert_eq!(jstac_normalise::country("UK").unwrap().alpha3, "GBR");
}
