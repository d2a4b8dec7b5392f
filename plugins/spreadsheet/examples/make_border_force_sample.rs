//! Writes the Border Force pipeline's synthetic sample workbook:
//! `pipelines/samples/border_force_encounters/bf_safeguarding_encounters_2016q2.xlsx`.
//!
//! ```sh
//! cargo run -p jstac-plugin-spreadsheet --example make_border_force_sample
//! ```
//!
//! Every name, date and document number is invented. The workbook has the
//! quirks of a real extract: a hidden lookup sheet first, title and marking
//! rows above the header (the title merged across the table), dates as date
//! cells, encounter times as time cells, formulas with their cached values
//! (the port name is a VLOOKUP on the hidden sheet; the age a DATEDIF), one
//! VLOOKUP that failed (`#N/A`: an unknown port code), an empty row between
//! months and formatted empty rows below the table. The file is the same
//! byte for byte on every run.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Formula, Workbook};

const PORTS: &[(&str, &str)] = &[
    ("BHX", "Birmingham Airport"),
    ("CQF", "Coquelles (juxtaposed control)"),
    ("CRN", "Cairnryan"),
    ("DVR", "Dover Eastern Docks"),
    ("HHD", "Holyhead"),
    ("HUL", "Hull King George Dock"),
    ("HWC", "Harwich International"),
    ("LGW", "Gatwick North Terminal"),
    ("LHR2", "Heathrow Terminal 2"),
    ("LHR4", "Heathrow Terminal 4"),
    ("LHR5", "Heathrow Terminal 5"),
    ("MAN", "Manchester Airport Terminal 1"),
    ("STN", "Stansted"),
];

/// An encounter: reference, date (y, m, d), time (h, m), port code,
/// direction, type, outcome.
struct Encounter {
    reference: &'static str,
    date: (u16, u8, u8),
    time: (u16, u8),
    port: &'static str,
    direction: &'static str,
    kind: &'static str,
    outcome: &'static str,
    people: &'static [Person],
}

/// A person met: id, surname, forenames, date of birth, gender,
/// nationality as written, document, document number, role.
struct Person {
    id: &'static str,
    surname: &'static str,
    forenames: &'static str,
    dob: Option<(u16, u8, u8)>,
    gender: &'static str,
    nationality: &'static str,
    document: &'static str,
    number: &'static str,
    role: &'static str,
}

/// A person: id, (surname, forenames), date of birth, gender, nationality,
/// (travel document, its number), role.
const fn p(
    id: &'static str,
    (surname, forenames): (&'static str, &'static str),
    dob: Option<(u16, u8, u8)>,
    gender: &'static str,
    nationality: &'static str,
    (document, number): (&'static str, &'static str),
    role: &'static str,
) -> Person {
    Person {
        id,
        surname,
        forenames,
        dob,
        gender,
        nationality,
        document,
        number,
        role,
    }
}

const VICTIM: &str = "Potential victim";
const COMPANION: &str = "Travelling companion";
const FACILITATOR: &str = "Suspected facilitator";

const ENCOUNTERS: &[Encounter] = &[
    Encounter {
        reference: "BF-SE-16-0401",
        date: (2016, 4, 3),
        time: (6, 40),
        port: "DVR",
        direction: "Inbound",
        kind: "Trafficking indicators",
        outcome: "Referred to NRM",
        people: &[
            p(
                "BFP-100231",
                ("HOXHA", "Ana"),
                Some((1997, 2, 14)),
                "F",
                "Albanian",
                ("Passport", "AL0000231"),
                VICTIM,
            ),
            p(
                "BFP-100232",
                ("BEGA", "Arben"),
                Some((1985, 9, 30)),
                "M",
                "Albanian",
                ("Passport", "AL0000232"),
                FACILITATOR,
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0402",
        date: (2016, 4, 7),
        time: (11, 15),
        port: "LHR4",
        direction: "Inbound",
        kind: "Unaccompanied minor",
        outcome: "Referred to local authority",
        people: &[p(
            "BFP-100240",
            ("NGUYEN", "Van Duc"),
            Some((2000, 11, 2)),
            "M",
            "VNM",
            ("None", ""),
            VICTIM,
        )],
    },
    Encounter {
        reference: "BF-SE-16-0403",
        date: (2016, 4, 12),
        time: (19, 5),
        port: "LGW",
        direction: "Inbound",
        kind: "Trafficking indicators",
        outcome: "Referred to NRM",
        people: &[
            p(
                "BFP-100251",
                ("TESFAYE", "Hiwet"),
                Some((1995, 6, 21)),
                "F",
                "Eritrean",
                ("Travel document", "ER0000251"),
                VICTIM,
            ),
            p(
                "BFP-100252",
                ("TESFAYE", "Senait"),
                Some((1998, 1, 8)),
                "F",
                "Eritrean",
                ("Travel document", "ER0000252"),
                COMPANION,
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0404",
        date: (2016, 4, 20),
        time: (8, 30),
        port: "STN",
        direction: "Outbound",
        kind: "Safeguarding concern",
        outcome: "Safeguarding advice given",
        people: &[
            p(
                "BFP-100263",
                ("POPESCU", "Ioana"),
                Some((1993, 3, 3)),
                "F",
                "Romanian",
                ("ID card", "RO0000263"),
                VICTIM,
            ),
            p(
                "BFP-100264",
                ("IONESCU", "Marius"),
                Some((1979, 12, 12)),
                "M",
                "Romania",
                ("ID card", "RO0000264"),
                FACILITATOR,
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0405",
        date: (2016, 4, 28),
        time: (22, 10),
        port: "CQF",
        direction: "Inbound",
        kind: "Clandestine entry",
        outcome: "Referred to NRM",
        people: &[
            p(
                "BFP-100275",
                ("TRAN", "Thi Mai"),
                Some((2001, 7, 19)),
                "F",
                "Viet Nam",
                ("None", ""),
                VICTIM,
            ),
            p(
                "BFP-100276",
                ("PHAM", "Van Long"),
                Some((1999, 4, 1)),
                "M",
                "Vietnamese",
                ("None", ""),
                VICTIM,
            ),
            p(
                "BFP-100277",
                ("LE", "Quoc Bao"),
                None,
                "M",
                "VNM",
                ("None", ""),
                VICTIM,
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0501",
        date: (2016, 5, 4),
        time: (14, 0),
        port: "MAN",
        direction: "Inbound",
        kind: "Trafficking indicators",
        outcome: "Refused entry",
        people: &[p(
            "BFP-100288",
            ("OKAFOR", "Blessing"),
            Some((1994, 10, 25)),
            "F",
            "Nigerian",
            ("Passport", "NG0000288"),
            VICTIM,
        )],
    },
    Encounter {
        reference: "BF-SE-16-0502",
        date: (2016, 5, 9),
        time: (5, 55),
        port: "HWC",
        direction: "Inbound",
        kind: "Labour exploitation indicators",
        outcome: "Referred to GLAA",
        people: &[
            p(
                "BFP-100291",
                ("KOWALSKI", "Piotr"),
                Some((1988, 5, 17)),
                "M",
                "Polish",
                ("ID card", "PL0000291"),
                VICTIM,
            ),
            p(
                "BFP-100292",
                ("NOWAK", "Tomasz"),
                Some((1990, 8, 9)),
                "M",
                "POL",
                ("ID card", "PL0000292"),
                VICTIM,
            ),
            p(
                "BFP-100293",
                ("WISNIEWSKI", "Jan"),
                Some((1967, 2, 28)),
                "M",
                "Polish",
                ("Passport", "PL0000293"),
                FACILITATOR,
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0503",
        date: (2016, 5, 15),
        time: (17, 20),
        port: "LHR5",
        direction: "Inbound",
        kind: "Domestic servitude indicators",
        outcome: "Referred to NRM",
        people: &[
            p(
                "BFP-100304",
                ("SANTOS", "Maria Luz"),
                Some((1982, 12, 1)),
                "F",
                "Filipino",
                ("Passport", "PH0000304"),
                VICTIM,
            ),
            p(
                "BFP-100305",
                ("AL-MANSOURI", "Khalid"),
                Some((1971, 6, 6)),
                "M",
                "Qatari",
                ("Passport", "QA0000305"),
                "Employer",
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0504",
        date: (2016, 5, 21),
        time: (10, 45),
        // Not in the hidden lookup sheet: the VLOOKUP gives #N/A.
        port: "DVW",
        direction: "Inbound",
        kind: "Trafficking indicators",
        outcome: "Referred to NRM",
        people: &[p(
            "BFP-100316",
            ("KOLA", "Elira"),
            Some((1999, 9, 9)),
            "F",
            "Albania",
            ("Passport", "AL0000316"),
            VICTIM,
        )],
    },
    Encounter {
        reference: "BF-SE-16-0505",
        date: (2016, 5, 30),
        time: (13, 30),
        port: "BHX",
        direction: "Inbound",
        kind: "Safeguarding concern",
        outcome: "Safeguarding advice given",
        people: &[p(
            "BFP-100327",
            ("WANG", "Li"),
            Some((1991, 4, 30)),
            "F",
            "Chinese",
            ("Passport", "CN0000327"),
            VICTIM,
        )],
    },
    Encounter {
        reference: "BF-SE-16-0601",
        date: (2016, 6, 2),
        time: (3, 15),
        port: "DVR",
        direction: "Inbound",
        kind: "Clandestine entry",
        outcome: "Referred to NRM",
        people: &[
            p(
                "BFP-100338",
                ("ADAM", "Mohamed"),
                Some((2000, 1, 1)),
                "M",
                "Sudanese",
                ("None", ""),
                VICTIM,
            ),
            p(
                "BFP-100339",
                ("ADAM", "Ibrahim"),
                Some((2003, 1, 1)),
                "M",
                "Sudan",
                ("None", ""),
                COMPANION,
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0602",
        date: (2016, 6, 8),
        time: (16, 40),
        port: "CRN",
        direction: "Inbound",
        kind: "Trafficking indicators",
        outcome: "Referred to Police Scotland",
        people: &[
            p(
                "BFP-100341",
                ("BALOGH", "Zsofia"),
                Some((1996, 3, 12)),
                "F",
                "Hungarian",
                ("ID card", "HU0000341"),
                VICTIM,
            ),
            p(
                "BFP-100342",
                ("HORVATH", "Laszlo"),
                Some((1984, 11, 23)),
                "M",
                "Hungarian",
                ("ID card", "HU0000342"),
                FACILITATOR,
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0603",
        date: (2016, 6, 14),
        time: (9, 10),
        port: "HHD",
        direction: "Inbound",
        kind: "Labour exploitation indicators",
        outcome: "Referred to NRM",
        people: &[p(
            "BFP-100353",
            ("SMITH", "John Paul"),
            Some((1975, 7, 4)),
            "M",
            "British",
            ("Passport", "GB0000353"),
            VICTIM,
        )],
    },
    Encounter {
        reference: "BF-SE-16-0604",
        date: (2016, 6, 19),
        time: (20, 25),
        port: "HUL",
        direction: "Inbound",
        kind: "Unaccompanied minor",
        outcome: "Referred to local authority",
        people: &[p(
            "BFP-100364",
            ("MUSTAFA", "Ali"),
            Some((2001, 10, 10)),
            "M",
            "Iraqi",
            ("None", ""),
            VICTIM,
        )],
    },
    Encounter {
        reference: "BF-SE-16-0605",
        date: (2016, 6, 24),
        time: (12, 0),
        port: "LHR2",
        direction: "Outbound",
        kind: "Safeguarding concern",
        outcome: "No further action",
        people: &[
            // Met before, in BF-SE-16-0401: the same person id.
            p(
                "BFP-100232",
                ("BEGA", "Arben"),
                Some((1985, 9, 30)),
                "M",
                "Albanian",
                ("Passport", "AL0000232"),
                FACILITATOR,
            ),
            p(
                "BFP-100375",
                ("HOXHA", "Drita"),
                Some((2000, 5, 5)),
                "F",
                "Albanian",
                ("Passport", "AL0000375"),
                VICTIM,
            ),
        ],
    },
    Encounter {
        reference: "BF-SE-16-0606",
        date: (2016, 6, 29),
        time: (7, 35),
        port: "STN",
        direction: "Inbound",
        kind: "Trafficking indicators",
        outcome: "Referred to NRM",
        people: &[
            p(
                "BFP-100386",
                ("ĐẶNG", "Thị Hoa"),
                Some((1996, 2, 29)),
                "F",
                "Vietnam",
                ("Passport", "VN0000386"),
                VICTIM,
            ),
            p(
                "BFP-100387",
                ("PHAM", "Minh Tuan"),
                Some((1980, 8, 15)),
                "M",
                "VNM",
                ("Passport", "VN0000387"),
                FACILITATOR,
            ),
        ],
    },
];

const HEADER: &[&str] = &[
    "Encounter Ref",
    "Encounter Date",
    "Encounter Time",
    "Port Code",
    "Port",
    "Direction",
    "Encounter Type",
    "Outcome",
    "Person ID",
    "Surname",
    "Forenames",
    "Date of Birth",
    "Gender",
    "Nationality",
    "Travel Document",
    "Document No",
    "Role",
    "Age at Encounter",
];

fn age(dob: (u16, u8, u8), on: (u16, u8, u8)) -> u16 {
    let mut years = on.0 - dob.0;
    if (on.1, on.2) < (dob.1, dob.2) {
        years -= 1;
    }
    years
}

fn main() -> Result<(), rust_xlsxwriter::XlsxError> {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../pipelines/samples/border_force_encounters/bf_safeguarding_encounters_2016q2.xlsx",
    );
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2016, 7, 4)?.and_hms(9, 0, 0)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("Safeguarding and trafficking encounters at ports, 2016 Q2")
            .set_author("Border Force (synthetic sample)")
            .set_creation_datetime(&created),
    );

    let ports = workbook.add_worksheet();
    ports.set_name("Ports")?;
    ports.write(0, 0, "Code")?;
    ports.write(0, 1, "Port")?;
    for (row, (code, name)) in PORTS.iter().enumerate() {
        ports.write(row as u32 + 1, 0, *code)?;
        ports.write(row as u32 + 1, 1, *name)?;
    }
    ports.set_hidden(true);

    let sheet = workbook.add_worksheet();
    sheet.set_name("Encounters")?;
    sheet.set_active(true);
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Left);
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let time = Format::new().set_num_format("hh:mm");
    let last_col = HEADER.len() as u16 - 1;
    sheet.merge_range(
        0,
        0,
        0,
        last_col,
        "Border Force: safeguarding and trafficking encounters at ports",
        &title,
    )?;
    sheet.write(1, 0, "OFFICIAL-SENSITIVE")?;
    sheet.write(2, 0, "Period: 01/04/2016 to 30/06/2016")?;
    for (col, name) in HEADER.iter().enumerate() {
        sheet.write_with_format(4, col as u16, *name, &bold)?;
    }

    let mut row = 5u32;
    let mut month = 4;
    for encounter in ENCOUNTERS {
        if encounter.date.1 == 6 && month == 5 {
            row += 1; // an empty row between May and June
        }
        month = encounter.date.1;
        let (y, m, d) = encounter.date;
        let port_name = PORTS
            .iter()
            .find(|(code, _)| *code == encounter.port)
            .map(|(_, name)| *name);
        for person in encounter.people {
            let r = row + 1; // 1-based, for formulas
            sheet.write(row, 0, encounter.reference)?;
            sheet.write_datetime_with_format(row, 1, ExcelDateTime::from_ymd(y, m, d)?, &date)?;
            sheet.write_datetime_with_format(
                row,
                2,
                ExcelDateTime::from_hms(encounter.time.0, encounter.time.1, 0)?,
                &time,
            )?;
            sheet.write(row, 3, encounter.port)?;
            sheet.write_formula(
                row,
                4,
                Formula::new(format!("=VLOOKUP(D{r},Ports!$A$2:$B$20,2,FALSE)"))
                    .set_result(port_name.unwrap_or("#N/A")),
            )?;
            sheet.write(row, 5, encounter.direction)?;
            sheet.write(row, 6, encounter.kind)?;
            sheet.write(row, 7, encounter.outcome)?;
            sheet.write(row, 8, person.id)?;
            sheet.write(row, 9, person.surname)?;
            sheet.write(row, 10, person.forenames)?;
            if let Some((by, bm, bd)) = person.dob {
                sheet.write_datetime_with_format(
                    row,
                    11,
                    ExcelDateTime::from_ymd(by, bm, bd)?,
                    &date,
                )?;
                sheet.write_formula(
                    row,
                    17,
                    Formula::new(format!("=DATEDIF(L{r},B{r},\"Y\")"))
                        .set_result(age((by, bm, bd), encounter.date).to_string()),
                )?;
            }
            sheet.write(row, 12, person.gender)?;
            sheet.write(row, 13, person.nationality)?;
            sheet.write(row, 14, person.document)?;
            if !person.number.is_empty() {
                sheet.write(row, 15, person.number)?;
            }
            sheet.write(row, 16, person.role)?;
            row += 1;
        }
    }
    // Formatted but empty rows below the table, as extracts often leave.
    for empty in row..row + 20 {
        sheet.write_blank(empty, 0, &date)?;
    }
    sheet.set_freeze_panes(5, 0)?;
    sheet.autofit();

    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    workbook.save(&out)?;
    println!("wrote {}", out.display());
    Ok(())
}
