//! The generator's fixed tables: the calibrated NRM series, nationalities
//! with the spellings agencies use, and common given and family names per
//! naming tradition. Every name combination is invented; the lists hold
//! common names only.

/// NRM referrals in 2016 at scale 1 (DOMAIN.md: the revised series).
pub const NRM_2016_TOTAL: u32 = 3_805;
/// NRM referrals in 2015 at scale 1: 3,805 / 3,250 is a 17.1% rise.
pub const NRM_2015_TOTAL: u32 = 3_250;
/// Nationalities of the 2016 referrals.
pub const NRM_2016_NATIONALITIES: usize = 108;
/// Nationalities of the 2015 referrals (the first 100 of the list).
pub const NRM_2015_NATIONALITIES: usize = 100;

/// 2016 referrals by nationality, most common first: Albania, Viet Nam, the
/// UK (326) lead; the 88 countries after the first 20 get
/// `(87 - i) * 14 / 87 + 1` each; Nigeria takes what makes 3,805.
pub const NRM_2016_TOP: &[(&str, u32)] = &[
    ("ALB", 702),
    ("VNM", 519),
    ("GBR", 326),
    ("NGA", 0), // the balance: 232
    ("ROU", 181),
    ("CHN", 163),
    ("ERI", 142),
    ("SDN", 121),
    ("POL", 110),
    ("IND", 92),
    ("PAK", 80),
    ("AFG", 76),
    ("ETH", 70),
    ("IRN", 63),
    ("IRQ", 60),
    ("EGY", 48),
    ("BGD", 45),
    ("SVK", 41),
    ("LTU", 38),
    ("PHL", 35),
];

/// The other 88 nationalities of 2016, in decreasing count.
pub const NRM_2016_TAIL: &[&str] = &[
    "SYR", "SOM", "KWT", "GHA", "HUN", "CZE", "BGR", "LVA", "MYS", "THA", "NPL", "LKA", "UGA",
    "KEN", "ZWE", "GMB", "SLE", "GIN", "CMR", "COD", "CIV", "SEN", "TGO", "BEN", "MAR", "DZA",
    "LBY", "TUN", "SAU", "YEM", "JOR", "LBN", "TUR", "UKR", "RUS", "MDA", "BLR", "GEO", "ARM",
    "AZE", "KAZ", "UZB", "KGZ", "BRA", "COL", "VEN", "ECU", "PER", "BOL", "DOM", "JAM", "TTO",
    "MEX", "ESP", "PRT", "ITA", "FRA", "DEU", "NLD", "BEL", "IRL", "GRC", "HRV", "SRB", "BIH",
    "MKD", "MNE", "SVN", "EST", "IDN", "KHM", "LAO", "MMR", "MNG", "KOR", "JPN", "BTN", "MDV",
    "TZA", "RWA", "BDI", "MWI", "ZMB", "AGO", "NAM", "BWA", "USA", "CAN",
];

/// Age at exploitation, 2016: adults, minors.
pub const AGE_2016: &[(&str, u32)] = &[("Adult", 2_524), ("Minor", 1_281)];

/// Exploitation types as the referral form words them, 2016: labour
/// including criminal 1,575, sexual 1,313, the rest domestic servitude,
/// organ harvesting and not known.
pub const EXPLOITATION_2016: &[(&str, u32)] = &[
    ("Labour exploitation", 1_105),
    ("Labour exploitation (criminal)", 470),
    ("Sexual exploitation", 1_313),
    ("Domestic servitude", 628),
    ("Organ harvesting", 2),
    ("Unknown exploitation", 287),
];

/// Where the exploitation happened, 2016 (DOMAIN.md: 1,714 / 1,066 / 280 / 745).
pub const LOCATION_2016: &[(&str, u32)] = &[
    ("UK", 1_714),
    ("Overseas", 1_066),
    ("UK and overseas", 280),
    ("Not known", 745),
];

/// Gender as the referral form words it (plausible: slightly more women).
pub const GENDER_2016: &[(&str, u32)] = &[("Female", 1_990), ("Male", 1_811), ("Transgender", 4)];

pub const FIRST_RESPONDERS: &[&str] = &[
    "Police",
    "Local authority",
    "Border Force",
    "Immigration Enforcement",
    "UK Visas and Immigration",
    "Salvation Army",
    "Barnardo's",
    "NSPCC",
    "Migrant Help",
    "Gangmasters and Labour Abuse Authority",
    "National Crime Agency",
];

/// Spellings agencies write for some nationalities, beyond the country's
/// name and codes (DOMAIN.md). Every spelling the generator writes is
/// checked against the `country` normaliser: one that does not resolve to
/// its code is never written.
pub const SPELLINGS: &[(&str, &str)] = &[
    ("ALB", "Albanian|Albania|ALB|AL|Republic of Albania"),
    ("VNM", "Vietnamese|Viet Nam|Vietnam|VNM|VIETNAMESE"),
    (
        "GBR",
        "British|UK|GB|GBR|United Kingdom|England|Scotland|Wales",
    ),
    ("NGA", "Nigerian|Nigeria|NGA"),
    ("ROU", "Romanian|Romania|ROU"),
    ("CHN", "Chinese|China|CHN"),
    ("ERI", "Eritrean|Eritrea|ERI"),
    ("SDN", "Sudanese|Sudan|SDN"),
    ("POL", "Polish|Poland|POL"),
    ("IND", "Indian|India|IND"),
    ("PAK", "Pakistani|Pakistan|PAK"),
    ("AFG", "Afghan|Afghanistan|AFG"),
    ("ETH", "Ethiopian|Ethiopia|ETH"),
    ("IRN", "Iranian|Iran|IRN"),
    ("IRQ", "Iraqi|Iraq|IRQ"),
    ("EGY", "Egyptian|Egypt|EGY"),
    ("BGD", "Bangladeshi|Bangladesh|BGD"),
    ("SVK", "Slovak|Slovakia|SVK"),
    ("LTU", "Lithuanian|Lithuania|LTU"),
    ("PHL", "Filipino|Philippine|Philippines|PHL"),
];

/// A naming tradition: given names (female, male) and family names.
pub struct Names {
    pub codes: &'static [&'static str],
    pub female: &'static [&'static str],
    pub male: &'static [&'static str],
    pub family: &'static [&'static str],
    /// Family name written first even without a comma (Vietnamese, Chinese).
    pub family_first: bool,
}

pub const NAMES: &[Names] = &[
    Names {
        codes: &["ALB", "MKD", "MNE"],
        female: &[
            "Ana", "Elira", "Blerta", "Drita", "Mimoza", "Arta", "Jonida", "Klea",
        ],
        male: &[
            "Arben", "Dritan", "Gentian", "Ilir", "Besnik", "Erion", "Klodian", "Artan", "Perparim",
        ],
        family: &[
            "HOXHA", "BEGA", "KOLA", "DOKAJ", "SHEHU", "LEKA", "GJONI", "PRIFTI", "MARKU",
            "BERISHA", "ÇELA", "MUÇA",
        ],
        family_first: false,
    },
    Names {
        codes: &["VNM"],
        female: &[
            "Thi Lan",
            "Thi Huong",
            "Thi Thu",
            "Thi Mai",
            "Ngoc Anh",
            "Thi Hoa",
        ],
        male: &[
            "Van Minh",
            "Van Hung",
            "Duc Anh",
            "Quang Huy",
            "Van Long",
            "Minh Tuan",
        ],
        family: &[
            "NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "PHAN", "VU", "ĐẶNG", "BUI", "DO",
        ],
        family_first: true,
    },
    Names {
        codes: &["CHN"],
        female: &["Li", "Mei", "Xiu Ying", "Fang", "Jing"],
        male: &["Wei", "Jun", "Hao", "Lei", "Qiang"],
        family: &["WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "ZHAO"],
        family_first: true,
    },
    Names {
        codes: &["GBR", "IRL", "USA", "CAN", "JAM", "TTO"],
        female: &[
            "Sarah", "Emma", "Laura", "Rebecca", "Jade", "Chloe", "Amy", "Kelly",
        ],
        male: &[
            "John", "James", "Daniel", "Callum", "Liam", "Ryan", "Jordan", "Kyle",
        ],
        family: &[
            "SMITH", "JONES", "TAYLOR", "BROWN", "WILSON", "EVANS", "WALKER", "HUGHES", "HALL",
            "WRIGHT",
        ],
        family_first: false,
    },
    Names {
        codes: &["NGA", "GHA", "CMR", "SLE", "GMB", "BEN", "TGO"],
        female: &[
            "Ngozi",
            "Chioma",
            "Blessing",
            "Aisha",
            "Funmilayo",
            "Adaeze",
        ],
        male: &["Chidi", "Emeka", "Tunde", "Oluwaseun", "Ibrahim", "Kwame"],
        family: &[
            "OKAFOR", "OKONKWO", "ADEYEMI", "BELLO", "EZE", "MENSAH", "OWUSU", "BALOGUN",
        ],
        family_first: false,
    },
    Names {
        codes: &["ROU", "MDA"],
        female: &["Elena", "Maria", "Ioana", "Andreea", "Mihaela"],
        male: &["Constantin", "Vasile", "Ion", "Florin", "Marius"],
        family: &[
            "POPA",
            "POPESCU",
            "IONESCU",
            "STAN",
            "DUMITRU",
            "CONSTANTIN",
        ],
        family_first: false,
    },
    Names {
        codes: &["POL", "SVK", "CZE"],
        female: &["Agnieszka", "Katarzyna", "Magdalena", "Zuzana", "Anna"],
        male: &["Piotr", "Marek", "Kamil", "Tomasz", "Jakub"],
        family: &[
            "NOWAK",
            "KOWALSKI",
            "WOJCIK",
            "WIŚNIEWSKI",
            "LEWANDOWSKI",
            "HORVATH",
        ],
        family_first: false,
    },
    Names {
        codes: &["LTU", "LVA", "EST"],
        female: &["Rasa", "Ieva", "Jurgita", "Inga"],
        male: &["Tomas", "Jonas", "Mindaugas", "Andris"],
        family: &["PETRAUSKAS", "KAZLAUSKAS", "JANKAUSKAS", "BERZINS"],
        family_first: false,
    },
    Names {
        codes: &[
            "ERI", "ETH", "SDN", "SOM", "EGY", "SYR", "IRQ", "AFG", "YEM", "LBY", "SAU", "KWT",
            "JOR", "LBN", "MAR", "DZA", "TUN",
        ],
        female: &[
            "Helen", "Selam", "Fatima", "Amina", "Mariam", "Hawa", "Nour",
        ],
        male: &[
            "Mohammed", "Ahmed", "Yonas", "Omar", "Ali", "Hassan", "Tesfay", "Abdullah",
        ],
        family: &[
            "HABTE",
            "TESFAYE",
            "HASSAN",
            "ABDI",
            "ALI",
            "IBRAHIM",
            "OSMAN",
            "AHMADI",
            "MOHAMED",
            "AL-SAYED",
            "AL-AMIN",
            "YOHANNES",
            "GEBREMEDHIN",
        ],
        family_first: false,
    },
    Names {
        codes: &["IND", "PAK", "BGD", "NPL", "LKA"],
        female: &["Priya", "Salma", "Rokeya", "Harpreet", "Anjali"],
        male: &["Rahul", "Imran", "Shafiqul", "Arjun", "Bilal"],
        family: &[
            "PATEL", "SINGH", "KHAN", "BEGUM", "RAHMAN", "KHATUN", "SHARMA",
        ],
        family_first: false,
    },
    Names {
        codes: &["PHL", "IDN", "MYS", "THA"],
        female: &["Rowena", "Maricel", "Jennifer", "Siti"],
        male: &["Jose", "Ramon", "Arnel", "Budi"],
        family: &["SANTOS", "REYES", "CRUZ", "GARCIA", "BAUTISTA"],
        family_first: false,
    },
    Names {
        codes: &["BGR", "HUN", "UKR", "RUS", "SRB", "HRV"],
        female: &["Maria", "Eszter", "Olena", "Natalia", "Ivana"],
        male: &["Georgi", "Ivan", "Andras", "Dmytro", "Petar"],
        family: &[
            "DIMITROV",
            "GEORGIEV",
            "KOVACS",
            "SHEVCHENKO",
            "IVANOV",
            "PETROVIC",
            "KOVALENKO",
        ],
        family_first: false,
    },
];

/// The naming tradition of a nationality.
pub fn names_of(nationality: &str) -> &'static Names {
    NAMES
        .iter()
        .find(|n| n.codes.contains(&nationality))
        .unwrap_or(&GENERIC)
}

/// Used for a nationality no tradition above lists.
pub const GENERIC: Names = Names {
    codes: &[],
    female: &["Maria", "Ana", "Sofia", "Grace", "Amina", "Laura"],
    male: &["David", "Daniel", "Jose", "Samuel", "Joseph", "Adam"],
    family: &[
        "SILVA", "MARTIN", "GARCIA", "MENDES", "DUBOIS", "MULLER", "ROSSI", "MOREAU",
    ],
    family_first: false,
};

/// Transliteration variants of given names (one word each): any of a
/// group may be written for another.
pub const TRANSLITERATIONS: &[&[&str]] = &[
    &["Mohammed", "Muhammad", "Mohamed", "Mohammad"],
    &["Ahmed", "Ahmad"],
    &["Omar", "Umar", "Omer"],
    &["Hassan", "Hasan"],
    &["Yonas", "Yohannes"],
    &["Abdullah", "Abdallah"],
    &["Tesfay", "Tesfaye", "Tesfai"],
    &["Mariam", "Maryam", "Meryem"],
    &["Amina", "Aminah"],
    &["Nour", "Noor", "Nur"],
    &["Aisha", "Ayesha", "Aysha"],
    &["Thi", "Thị"],
    &["Huong", "Hương"],
    &["Duc", "Đức"],
    &["Perparim", "Përparim"],
    &["Dmytro", "Dmitri", "Dmitriy"],
    &["Olena", "Alena"],
    &["Natalia", "Nataliya", "Natalya"],
    &["Jose", "José"],
];

/// Transliteration variants of family names, written upper case as the
/// tables above are: Arabic (al-/el-, Hasan/Hassan), Eritrean and
/// Ethiopian, Vietnamese with and without its diacritics (and the common
/// misspelling NGYUEN), Chinese pinyin beside Cantonese and Wade-Giles,
/// Albanian ë/ç, Polish, Ukrainian and other Eastern European spellings.
pub const FAMILY_TRANSLITERATIONS: &[&[&str]] = &[
    &["HASSAN", "HASAN", "HASSEN"],
    &["MOHAMED", "MOHAMMED", "MUHAMMAD", "MOHAMMAD"],
    &["IBRAHIM", "EBRAHIM", "IBRAHEEM"],
    &["OSMAN", "OTHMAN", "USMAN"],
    &["AL-SAYED", "EL-SAYED", "AL SAYED", "ELSAYED"],
    &["AL-AMIN", "EL-AMIN", "ALAMIN"],
    &["TESFAYE", "TESFAY", "TESFAI"],
    &["YOHANNES", "YOHANES", "YOHANNIS"],
    &["GEBREMEDHIN", "GEBREMEDIN", "GEBREMEDHN"],
    &["NGUYEN", "NGUYỄN", "NGYUEN"],
    &["TRAN", "TRẦN"],
    &["LE", "LÊ"],
    &["PHAM", "PHẠM"],
    &["HOANG", "HOÀNG"],
    &["VU", "VŨ"],
    &["ĐẶNG", "DANG"],
    &["DO", "ĐỖ"],
    &["WANG", "WONG"],
    &["CHEN", "CHAN"],
    &["ZHANG", "CHEUNG", "CHANG"],
    &["LIU", "LAU"],
    &["ZHAO", "CHIU", "CHAO"],
    &["YANG", "YEUNG"],
    &["ÇELA", "CELA"],
    &["MUÇA", "MUCA"],
    &["KOWALSKI", "KOVALSKI"],
    &["WOJCIK", "WÓJCIK", "VOYCHIK"],
    &["WIŚNIEWSKI", "WISNIEWSKI", "VISNEVSKI"],
    &["SHEVCHENKO", "ŠEVČENKO", "SHEVCHENKA"],
    &["KOVALENKO", "KOWALENKO"],
    &["IVANOV", "IVANOFF"],
    &["DIMITROV", "DIMITROFF"],
    &["PETROVIC", "PETROVIĆ"],
    &["KOVACS", "KOVÁCS"],
];

/// Outward codes of the towns in the data (real postcode shapes; the
/// inward parts are drawn at random).
pub const OUTWARD: &[&str] = &[
    "LS1", "LS9", "BD1", "BD7", "WF1", "HU1", "M1", "M8", "M14", "B9", "NE1", "LE1", "PE12",
    "PE13", "PE21", "WR11", "DN18", "NR20", "SO14", "BS5", "SE1", "E1", "CF10", "G1", "L1", "S1",
    "NG1",
];

pub const TOWNS: &[&str] = &[
    "Leeds",
    "Bradford",
    "Wakefield",
    "Hull",
    "Manchester",
    "Birmingham",
    "Newcastle",
    "Leicester",
    "Spalding",
    "Wisbech",
    "Boston",
    "Evesham",
    "Norwich",
    "Southampton",
    "Bristol",
    "London",
];

pub const BUSINESS_WORDS: &[&str] = &[
    "Fenland",
    "Vale",
    "Humber",
    "Solent",
    "Riverside",
    "Station Road",
    "Golden",
    "Sunrise",
    "Northgate",
    "Meadow",
    "Harbour",
    "Westfield",
    "Oak",
    "Kingsway",
    "Marsh",
    "Orchard",
];

pub const BUSINESS_KINDS: &[(&str, &str)] = &[
    ("Harvest Labour Ltd", "AGR"),
    ("Packhouse Staffing Ltd", "FPP"),
    ("Shellfish Gatherers Ltd", "SHF"),
    ("Glasshouse Staff Ltd", "HRT"),
    ("Hand Car Wash", ""),
    ("Nails Studio", ""),
    ("Care at Home Ltd", ""),
    ("Garment Works Ltd", ""),
    ("Takeaway", ""),
    ("Cleaning Contractors Ltd", ""),
];

/// HMRC sector of a business kind without a GLAA sector.
pub fn hmrc_sector(kind: &str) -> &'static str {
    match kind {
        "Hand Car Wash" => "Car washes",
        "Nails Studio" => "Nail bars",
        "Care at Home Ltd" => "Social care",
        "Garment Works Ltd" => "Textiles",
        "Takeaway" => "Hospitality",
        "Cleaning Contractors Ltd" => "Cleaning",
        "Harvest Labour Ltd" | "Glasshouse Staff Ltd" => "Agriculture",
        "Shellfish Gatherers Ltd" => "Fishing",
        _ => "Food processing",
    }
}
