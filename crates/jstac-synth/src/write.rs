//! Each agency's files, in the format its bundled pipeline reads, with the
//! noise of real extracts; and the ground truth.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::data::TRANSLITERATIONS;
use crate::{Person, Result, Summary, SynthError, World, dmy, iso, ymd_from_days};

/// One row of the ground truth: a source record naming a person.
struct Truth {
    agency: &'static str,
    file: String,
    position: String,
    record_ref: String,
    person: String,
}

struct Out<'a> {
    dir: &'a Path,
    summary: Summary,
    truth: Vec<Truth>,
}

impl Out<'_> {
    fn path(&self, relative: &str) -> Result<PathBuf> {
        let path = self.dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SynthError::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        Ok(path)
    }

    fn done(&mut self, relative: &str, records: usize) {
        self.summary.files.push((PathBuf::from(relative), records));
    }

    fn truth(
        &mut self,
        agency: &'static str,
        file: &str,
        position: String,
        record_ref: String,
        person: &Person,
    ) {
        self.truth.push(Truth {
            agency,
            file: file.to_owned(),
            position,
            record_ref,
            person: person.truth_id(),
        });
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.to_owned(),
        source,
    }
}

fn csv_err(path: &Path) -> impl FnOnce(csv::Error) -> SynthError + '_ {
    move |e| SynthError::Format {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn xlsx_err(path: &Path) -> impl Fn(XlsxError) -> SynthError + '_ {
    move |e| SynthError::Format {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

pub(crate) fn all(dir: &Path, world: &World) -> Result<Summary> {
    // The writers draw their noise from a stream of their own, so adding
    // noise to one file never changes the people of another.
    let mut w = Noise {
        rng: crate::Rng(world.rng.clone().0 ^ 0x5EED),
        spellings: World::new(&crate::Options { seed: 0, scale: 1 }),
    };
    let mut out = Out {
        dir,
        summary: Summary::default(),
        truth: Vec::new(),
    };
    nrm(&mut out, world, &mut w)?;
    police(&mut out, world, &mut w)?;
    border_force(&mut out, world, &mut w)?;
    hmrc(&mut out, world, &mut w)?;
    glaa(&mut out, world, &mut w)?;
    nca(&mut out, world, &mut w)?;
    ie(&mut out, world, &mut w)?;
    let path = out.path("ground_truth.csv")?;
    let mut writer = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    writer
        .write_record(["agency", "file", "position", "record_ref", "true_person_id"])
        .map_err(csv_err(&path))?;
    for t in &out.truth {
        writer
            .write_record([t.agency, &t.file, &t.position, &t.record_ref, &t.person])
            .map_err(csv_err(&path))?;
    }
    writer.flush().map_err(io_err(&path))?;
    out.summary.truth_rows = out.truth.len();
    out.summary.persons = world.people.len();
    Ok(out.summary)
}

// ---------------------------------------------------------------------------
// Noise.

struct Noise {
    rng: crate::Rng,
    /// Only its spelling cache is used.
    spellings: World,
}

fn strip_diacritics(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'Đ' => 'D',
            'đ' => 'd',
            'Ặ' | 'Á' | 'À' | 'Ä' => 'A',
            'ặ' | 'á' | 'à' | 'ä' => 'a',
            'Ś' | 'Š' => 'S',
            'ś' | 'š' => 's',
            'É' | 'È' => 'E',
            'é' | 'è' => 'e',
            other => other,
        })
        .collect()
}

fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphabetic();
    }
    out
}

impl Noise {
    fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.chance(per_mille)
    }

    /// Two adjacent lower-case letters swapped, sometimes.
    fn typo(&mut self, text: &str) -> String {
        if !self.chance(20) {
            return text.to_owned();
        }
        let mut chars: Vec<char> = text.chars().collect();
        let candidates: Vec<usize> = (1..chars.len().saturating_sub(1))
            .filter(|&i| chars[i].is_ascii_lowercase() && chars[i + 1].is_ascii_lowercase())
            .collect();
        if candidates.is_empty() {
            return text.to_owned();
        }
        let i = *self.rng.pick(&candidates);
        chars.swap(i, i + 1);
        chars.into_iter().collect()
    }

    fn family(&mut self, p: &Person, upper: bool) -> String {
        let mut family = p.family.clone();
        if !family.is_ascii() && self.chance(500) {
            family = strip_diacritics(&family);
        }
        if !upper && self.chance(200) {
            family = title_case(&family);
        }
        family
    }

    fn given(&mut self, p: &Person) -> String {
        let mut words: Vec<String> = Vec::new();
        for word in p.given.split(' ') {
            let group = TRANSLITERATIONS.iter().find(|g| g.contains(&word));
            match group {
                Some(group) if self.chance(300) => words.push((*self.rng.pick(group)).to_owned()),
                _ => words.push(word.to_owned()),
            }
        }
        let given = words.join(" ");
        self.typo(&given)
    }

    /// A name in one field: `HOXHA, Ana`, `Ana HOXHA` or `NGUYEN Thi Lan`.
    fn full_name(&mut self, p: &Person) -> String {
        let family = self.family(p, true);
        let given = self.given(p);
        let roll = self.rng.below(100);
        if p.family_first {
            if roll < 70 {
                format!("{family} {given}")
            } else {
                format!("{family}, {given}")
            }
        } else if roll < 45 {
            format!("{family}, {given}")
        } else if roll < 90 {
            format!("{given} {family}")
        } else {
            format!("{}, {given}", title_case(&family))
        }
    }

    fn nationality(&mut self, code: &'static str) -> String {
        let first = self.chance(500);
        let pick = self.rng.below(64);
        let list = self.spellings.spellings(code);
        if first {
            list[0].clone()
        } else {
            list[pick % list.len()].clone()
        }
    }

    /// A nationality as a case-handling agency writes it: now and then
    /// not known, or two nationalities in one field (which the pipelines
    /// quarantine, as they should).
    fn nationality_field(&mut self, code: &'static str) -> String {
        match self.rng.below(1000) {
            0..=2 => "Not known".to_owned(),
            3 => format!("{} Greek", self.nationality(code)),
            _ => self.nationality(code),
        }
    }

    fn postcode(&mut self, postcode: &str) -> String {
        if self.chance(100) {
            postcode.replace(' ', "").to_lowercase()
        } else {
            postcode.to_owned()
        }
    }

    fn phone(&mut self, p: &Person) -> String {
        if self.chance(500) {
            format!("0{}", p.phone)
        } else {
            format!("+44 {}", p.phone)
        }
    }
}

fn age_at(p: &Person, on: i64) -> i64 {
    let (by, bm, bd) = ymd_from_days(p.dob);
    let (y, m, d) = ymd_from_days(on);
    y - by - i64::from((m, d) < (bm, bd))
}

/// A travel document number per person: the same at every agency.
fn document_number(p: &Person) -> String {
    let letter = (b'A' + (p.id % 26) as u8) as char;
    format!("{letter}{:08}", (p.id as u64 * 7_919 + 13) % 100_000_000)
}

// ---------------------------------------------------------------------------
// NRM (Home Office, CSV).

fn nrm(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    for (year, referrals) in &world.nrm {
        let relative = format!("nrm_referrals/nrm_referrals_{year}.csv");
        let path = out.path(&relative)?;
        let mut writer = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
        writer
            .write_record([
                "NRM Reference",
                "Referral Date",
                "First Responder",
                "Exploitation Type",
                "Age at Exploitation",
                "Gender",
                "Nationality",
                "Location of Exploitation",
                "Police Force Area",
                "Name",
                "Date of Birth",
                "Contact Phone",
                "RG Decision",
                "RG Decision Date",
                "CG Decision",
                "CG Decision Date",
            ])
            .map_err(csv_err(&path))?;
        for (i, r) in referrals.iter().enumerate() {
            let p = &world.people[r.person];
            let age = if r.age_group == "Minor" && w.chance(150) {
                "Child (under 18)"
            } else {
                r.age_group
            };
            let dob = if w.chance(80) {
                String::new()
            } else {
                dmy(p.dob)
            };
            let phone = if w.chance(400) {
                String::new()
            } else {
                w.phone(p)
            };
            let decision = |d: Option<(&str, Option<i64>)>| match d {
                Some((what, on)) => (what.to_owned(), on.map(dmy).unwrap_or_default()),
                None => (String::new(), String::new()),
            };
            let (rg, rg_on) = decision(r.rg);
            let (cg, cg_on) = decision(r.cg);
            let force = if r.location == "Overseas" && w.chance(500) {
                String::new()
            } else {
                r.force.to_owned()
            };
            let record = [
                r.reference.clone(),
                dmy(r.referred_on),
                r.first_responder.to_owned(),
                r.exploitation.to_owned(),
                age.to_owned(),
                r.gender.to_owned(),
                w.nationality(p.nationality),
                r.location.to_owned(),
                force,
                w.full_name(p),
                dob,
                phone,
                rg,
                rg_on,
                cg,
                cg_on,
            ];
            writer.write_record(&record).map_err(csv_err(&path))?;
            out.truth(
                "nrm",
                &relative,
                format!("line {}", i + 2),
                r.reference.clone(),
                p,
            );
        }
        writer.flush().map_err(io_err(&path))?;
        out.done(&relative, referrals.len());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Police (CSV).

fn police(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    let relative = "police_msa_crimes/wyp_msa_synth.csv";
    let path = out.path(relative)?;
    let mut writer = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    writer
        .write_record([
            "CrimeRef",
            "Offence",
            "DateFrom",
            "DateTo",
            "ReportedDate",
            "LocationPostcode",
            "OCGFlag",
            "EstProceedsGBP",
            "NominalRef",
            "Role",
            "Surname",
            "Forenames",
            "DOB",
            "Gender",
            "Nationality",
            "HomePostcode",
            "AgeAtOffence",
        ])
        .map_err(csv_err(&path))?;
    let mut line = 1;
    for case in &world.police {
        let reported = if case.reference.len() % 7 == 0 {
            String::new()
        } else {
            dmy(case.on + 3)
        };
        for named in &case.people {
            let p = &world.people[named.person];
            let known_dob = !w.chance(120);
            let nominal = format!("N{:07}", agency_number(p.id, 1));
            let record = [
                case.reference.clone(),
                case.kind.to_owned(),
                dmy(case.on),
                case.to.map(dmy).unwrap_or_default(),
                reported.clone(),
                world.businesses[case.business].postcode.clone(),
                if case.ocg { "Y" } else { "N" }.to_owned(),
                case.amount.map(|a| format!("{a}.00")).unwrap_or_default(),
                nominal.clone(),
                named.role.to_owned(),
                w.family(p, false),
                w.given(p),
                if known_dob { dmy(p.dob) } else { String::new() },
                p.sex().to_owned(),
                w.nationality_field(p.nationality),
                w.postcode(&p.postcode),
                if known_dob {
                    age_at(p, case.on).to_string()
                } else {
                    String::new()
                },
            ];
            writer.write_record(&record).map_err(csv_err(&path))?;
            line += 1;
            out.truth("police", relative, format!("line {line}"), nominal, p);
        }
    }
    writer.flush().map_err(io_err(&path))?;
    out.done(relative, line - 1);
    Ok(())
}

// ---------------------------------------------------------------------------
// Spreadsheets (XLSX).

fn workbook(title: &str, author: &str) -> std::result::Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2017, 1, 9)?.and_hms(9, 0, 0)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author(author)
            .set_creation_datetime(&created),
    );
    Ok(workbook)
}

fn date_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    days: i64,
    format: &Format,
) -> std::result::Result<(), XlsxError> {
    let (y, m, d) = ymd_from_days(days);
    sheet.write_datetime_with_format(
        row,
        col,
        ExcelDateTime::from_ymd(y as u16, m as u8, d as u8)?,
        format,
    )?;
    Ok(())
}

fn title_rows(
    sheet: &mut Worksheet,
    title: &str,
    period: &str,
    columns: &[&str],
) -> std::result::Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    sheet.write_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))?;
    sheet.write(1, 0, "OFFICIAL-SENSITIVE")?;
    sheet.write(2, 0, period)?;
    for (col, name) in columns.iter().enumerate() {
        sheet.write_with_format(4, col as u16, *name, &bold)?;
    }
    Ok(())
}

const PORTS: &[(&str, &str)] = &[
    ("DVR", "Dover Eastern Docks"),
    ("LHR4", "Heathrow Terminal 4"),
    ("LGW", "Gatwick North Terminal"),
    ("MAN", "Manchester Airport Terminal 1"),
    ("HUL", "Hull King George Dock"),
    ("HWC", "Harwich International"),
    ("CQF", "Coquelles (juxtaposed control)"),
    ("BHX", "Birmingham Airport"),
];

fn border_force(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    let relative = "border_force_encounters/bf_encounters_synth.xlsx";
    let path = out.path(relative)?;
    let e = xlsx_err(&path);
    let mut workbook = workbook(
        "Safeguarding and trafficking encounters at ports, 2016",
        "Border Force (synthetic)",
    )
    .map_err(&e)?;
    let ports = workbook.add_worksheet();
    ports.set_name("Ports").map_err(&e)?;
    ports.write(0, 0, "Code").map_err(&e)?;
    ports.write(0, 1, "Port").map_err(&e)?;
    for (row, (code, name)) in PORTS.iter().enumerate() {
        ports.write(row as u32 + 1, 0, *code).map_err(&e)?;
        ports.write(row as u32 + 1, 1, *name).map_err(&e)?;
    }
    ports.set_hidden(true);
    let sheet = workbook.add_worksheet();
    sheet.set_name("Encounters").map_err(&e)?;
    sheet.set_active(true);
    let header = [
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
    title_rows(
        sheet,
        "Border Force: safeguarding and trafficking encounters at ports",
        "Period: 01/01/2016 to 31/12/2016",
        &header,
    )
    .map_err(&e)?;
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let mut row = 5u32;
    for (i, case) in world.border.iter().enumerate() {
        let (code, port) = PORTS[i % PORTS.len()];
        for named in &case.people {
            let p = &world.people[named.person];
            let id = format!("BF-P-{:07}", agency_number(p.id, 2));
            sheet.write(row, 0, &case.reference).map_err(&e)?;
            date_cell(sheet, row, 1, case.on, &date).map_err(&e)?;
            sheet
                .write(row, 2, format!("{:02}:{:02}", 6 + i % 16, (i * 7) % 60))
                .map_err(&e)?;
            sheet.write(row, 3, code).map_err(&e)?;
            sheet.write(row, 4, port).map_err(&e)?;
            sheet.write(row, 5, "Inbound").map_err(&e)?;
            sheet.write(row, 6, case.kind).map_err(&e)?;
            sheet.write(row, 7, case.outcome).map_err(&e)?;
            sheet.write(row, 8, &id).map_err(&e)?;
            sheet.write(row, 9, w.family(p, false)).map_err(&e)?;
            sheet.write(row, 10, w.given(p)).map_err(&e)?;
            if !w.chance(100) {
                date_cell(sheet, row, 11, p.dob, &date).map_err(&e)?;
                sheet
                    .write(row, 17, age_at(p, case.on) as f64)
                    .map_err(&e)?;
            }
            sheet.write(row, 12, p.sex()).map_err(&e)?;
            sheet
                .write(row, 13, w.nationality_field(p.nationality))
                .map_err(&e)?;
            let roll = w.rng.below(10);
            let (document, number) = match roll {
                0 => ("None", String::new()),
                1 => ("ID card", document_number(p)),
                _ => ("Passport", document_number(p)),
            };
            sheet.write(row, 14, document).map_err(&e)?;
            if !number.is_empty() {
                sheet.write(row, 15, number).map_err(&e)?;
            }
            sheet.write(row, 16, named.role).map_err(&e)?;
            out.truth("border-force", relative, format!("row {}", row + 1), id, p);
            row += 1;
        }
    }
    workbook.save(&path).map_err(&e)?;
    out.done(relative, (row - 5) as usize);
    Ok(())
}

fn hmrc(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    let relative = "hmrc_nmw/hmrc_nmw_cases_synth.xlsx";
    let path = out.path(relative)?;
    let e = xlsx_err(&path);
    let mut workbook = workbook(
        "National Minimum Wage enforcement cases, 2016",
        "HMRC (synthetic)",
    )
    .map_err(&e)?;
    let codes = workbook.add_worksheet();
    codes.set_name("Codes").map_err(&e)?;
    for (row, (code, meaning)) in [
        ("Code", "Outcome"),
        ("AP", "Arrears and penalty"),
        ("AN", "Arrears paid, no penalty"),
        ("IO", "Investigation open"),
        ("RG", "Referred to GLAA"),
    ]
    .iter()
    .enumerate()
    {
        codes.write(row as u32, 0, *code).map_err(&e)?;
        codes.write(row as u32, 1, *meaning).map_err(&e)?;
    }
    codes.set_hidden(true);
    let sheet = workbook.add_worksheet();
    sheet.set_name("NMW cases").map_err(&e)?;
    sheet.set_active(true);
    let header = [
        "Case Ref",
        "Employer",
        "Employer Postcode",
        "Sector",
        "Case Opened",
        "Case Closed",
        "Outcome",
        "Total Arrears (£)",
        "Workers Affected",
        "Worker Ref",
        "Surname",
        "Forenames",
        "Date of Birth",
        "Nationality",
        "Worker Arrears (£)",
        "Hourly Rate Paid (£)",
    ];
    title_rows(
        sheet,
        "HM Revenue & Customs: National Minimum Wage enforcement cases",
        "Extract date",
        &header,
    )
    .map_err(&e)?;
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let money = Format::new().set_num_format("#,##0.00");
    let mut row = 5u32;
    for case in &world.hmrc {
        let business = &world.businesses[case.business];
        let total = f64::from(case.amount.unwrap_or(0));
        let share = total / case.people.len() as f64;
        for named in &case.people {
            let p = &world.people[named.person];
            let worker = format!("HW-{:07}", agency_number(p.id, 3));
            sheet.write(row, 0, &case.reference).map_err(&e)?;
            sheet.write(row, 1, &business.name).map_err(&e)?;
            sheet
                .write(row, 2, w.postcode(&business.postcode))
                .map_err(&e)?;
            sheet.write(row, 3, business.hmrc_sector).map_err(&e)?;
            date_cell(sheet, row, 4, case.on, &date).map_err(&e)?;
            if let Some(to) = case.to {
                date_cell(sheet, row, 5, to, &date).map_err(&e)?;
            }
            sheet.write(row, 6, case.outcome).map_err(&e)?;
            sheet.write_with_format(row, 7, total, &money).map_err(&e)?;
            sheet.write(row, 8, case.people.len() as f64).map_err(&e)?;
            sheet.write(row, 9, &worker).map_err(&e)?;
            sheet.write(row, 10, w.family(p, false)).map_err(&e)?;
            sheet.write(row, 11, w.given(p)).map_err(&e)?;
            if !w.chance(50) {
                date_cell(sheet, row, 12, p.dob, &date).map_err(&e)?;
            }
            sheet
                .write(row, 13, w.nationality_field(p.nationality))
                .map_err(&e)?;
            sheet
                .write_with_format(row, 14, (share * 100.0).round() / 100.0, &money)
                .map_err(&e)?;
            sheet
                .write_with_format(row, 15, 3.0 + (p.id % 30) as f64 / 10.0, &money)
                .map_err(&e)?;
            out.truth("hmrc", relative, format!("row {}", row + 1), worker, p);
            row += 1;
        }
    }
    workbook.save(&path).map_err(&e)?;
    out.done(relative, (row - 5) as usize);
    Ok(())
}

// ---------------------------------------------------------------------------
// GLAA (ODS, written directly: a zip of XML).

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

fn ods_text(value: &str) -> String {
    format!(
        "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
        xml_escape(value)
    )
}

fn ods_date(days: Option<i64>) -> String {
    match days {
        None => "<table:table-cell/>".to_owned(),
        Some(days) => format!(
            "<table:table-cell table:style-name=\"ce_date\" office:value-type=\"date\" office:date-value=\"{}\"><text:p>{}</text:p></table:table-cell>",
            iso(days),
            dmy(days)
        ),
    }
}

fn ods_float(value: u32) -> String {
    format!(
        "<table:table-cell office:value-type=\"float\" office:value=\"{value}\"><text:p>{value}</text:p></table:table-cell>"
    )
}

fn ods_row(cells: &[String]) -> String {
    format!("<table:table-row>{}</table:table-row>", cells.concat())
}

fn ods_table(name: &str, rows: &[String], hidden: bool) -> String {
    format!(
        "<table:table table:name=\"{}\" table:style-name=\"{}\">{}</table:table>",
        xml_escape(name),
        if hidden { "ta2" } else { "ta1" },
        rows.concat()
    )
}

fn glaa(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    let relative = "glaa_licensing/glaa_licensing_synth.ods";
    let path = out.path(relative)?;
    let header = |names: &[&str]| ods_row(&names.iter().map(|n| ods_text(n)).collect::<Vec<_>>());
    let mut register = vec![
        ods_row(&[ods_text("GLAA licence register")]),
        ods_row(&[ods_text("OFFICIAL-SENSITIVE")]),
        ods_row(&[
            ods_text("As at"),
            ods_date(Some(crate::days_from_ymd(2016, 12, 31))),
        ]),
        ods_row(&[]),
        header(&[
            "Licence No",
            "Business Name",
            "Postcode",
            "Sector",
            "Licence Status",
            "Date Issued",
            "Status Date",
            "PA Surname",
            "PA Forenames",
            "PA Date of Birth",
            "PA Nationality",
            "Workers Supplied",
        ]),
    ];
    for licence in &world.glaa_licences {
        let business = &world.businesses[licence.business];
        let p = &world.people[licence.people[0].person];
        let surname = w.family(p, false);
        let forenames = w.given(p);
        register.push(ods_row(&[
            ods_text(&licence.reference),
            ods_text(&business.name),
            ods_text(&w.postcode(&business.postcode)),
            ods_text(business.glaa_sector),
            ods_text(licence.outcome),
            ods_date(Some(licence.on)),
            ods_date(licence.to),
            ods_text(&surname),
            ods_text(&forenames),
            ods_date(Some(p.dob)),
            ods_text(&w.nationality(p.nationality)),
            ods_float(licence.amount.unwrap_or(0)),
        ]));
        let key = format!("{surname}|{forenames}|{}", iso(p.dob));
        out.truth(
            "glaa",
            relative,
            format!("Licence register row {}", register.len()),
            key,
            p,
        );
    }
    let mut inspections = vec![
        ods_row(&[ods_text("GLAA inspections, 2016")]),
        ods_row(&[ods_text("OFFICIAL-SENSITIVE")]),
        ods_row(&[]),
        header(&[
            "Inspection Ref",
            "Licence No",
            "Inspection Date",
            "Inspection Type",
            "Outcome",
            "Critical Standards Failed",
            "Workers Interviewed",
        ]),
    ];
    for inspection in &world.glaa_inspections {
        let licence = &world.glaa_licences[inspection.business];
        inspections.push(ods_row(&[
            ods_text(&inspection.reference),
            ods_text(&licence.reference),
            ods_date(Some(inspection.on)),
            ods_text(inspection.kind),
            ods_text(inspection.outcome),
            ods_float(u32::from(inspection.outcome == "Fail") * (1 + inspection.on as u32 % 4)),
            ods_float(inspection.amount.unwrap_or(0)),
        ]));
    }
    let codes: Vec<String> = [
        ("AGR", "Agriculture"),
        ("FPP", "Food processing and packaging"),
        ("SHF", "Shellfish gathering"),
        ("HRT", "Horticulture"),
    ]
    .iter()
    .map(|(c, n)| ods_row(&[ods_text(c), ods_text(n)]))
    .collect();
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ODS_NS}><office:automatic-styles>\
<style:style style:name=\"ta1\" style:family=\"table\"><style:table-properties table:display=\"true\"/></style:style>\
<style:style style:name=\"ta2\" style:family=\"table\"><style:table-properties table:display=\"false\"/></style:style>\
<number:date-style style:name=\"N37\"><number:day number:style=\"long\"/><number:text>/</number:text><number:month number:style=\"long\"/><number:text>/</number:text><number:year number:style=\"long\"/></number:date-style>\
<style:style style:name=\"ce_date\" style:family=\"table-cell\" style:data-style-name=\"N37\"/>\
</office:automatic-styles><office:body><office:spreadsheet>{}{}{}{}</office:spreadsheet></office:body></office:document-content>",
        ods_table(
            "Read me",
            &[ods_row(&[ods_text(
                "Gangmasters and Labour Abuse Authority: licensing extract (synthetic)"
            )])],
            false
        ),
        ods_table("Licence register", &register, false),
        ods_table("Inspections", &inspections, false),
        ods_table("Sector codes", &codes, true),
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
    let zip_err = |e: zip::result::ZipError| SynthError::Format {
        path: path.clone(),
        message: e.to_string(),
    };
    let file = std::fs::File::create(&path).map_err(io_err(&path))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let when = zip::DateTime::from_date_and_time(2017, 1, 9, 9, 0, 0).expect("a valid date");
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(when);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(when);
    zip.start_file("mimetype", stored).map_err(zip_err)?;
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .map_err(io_err(&path))?;
    zip.start_file("content.xml", deflated).map_err(zip_err)?;
    zip.write_all(content.as_bytes()).map_err(io_err(&path))?;
    zip.start_file("META-INF/manifest.xml", deflated)
        .map_err(zip_err)?;
    zip.write_all(manifest.as_bytes()).map_err(io_err(&path))?;
    zip.finish().map_err(zip_err)?;
    out.done(
        relative,
        world.glaa_licences.len() + world.glaa_inspections.len(),
    );
    Ok(())
}

const ODS_NS: &str = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\" office:version=\"1.2\"";

// ---------------------------------------------------------------------------
// XML feeds (NCA, Immigration Enforcement).

fn write_text(out: &Out, relative: &str, text: &str) -> Result<()> {
    let path = out.path(relative)?;
    std::fs::write(&path, text).map_err(io_err(&path))
}

fn nca(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    use std::fmt::Write as _;
    let relative = "nca_intelligence/nca_intel_synth.xml";
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- SYNTHETIC DATA generated by jstac synth: no real people, places or intelligence. -->\n\
<ir:IntelligenceFeed xmlns:ir=\"urn:jstac:synthetic:nca:intelligence:1\" xmlns:loc=\"urn:jstac:synthetic:location:1\" period=\"2016\">\n",
    );
    for (i, case) in world.nca.iter().enumerate() {
        let business = &world.businesses[case.business];
        let town = crate::data::TOWNS[i % crate::data::TOWNS.len()];
        let (source, intel, handling) = (
            ["1", "2", "2", "3"][i % 4],
            ["A", "B", "B", "C", "D"][i % 5],
            if i % 6 == 0 { "C" } else { "P" },
        );
        let _ = write!(
            xml,
            "  <ir:Report id=\"{}\">\n    <ir:Created>{}</ir:Created>\n    <ir:Classification>OFFICIAL-SENSITIVE</ir:Classification>\n    \
<ir:Grading><ir:Source>{source}</ir:Source><ir:Intelligence>{intel}</ir:Intelligence><ir:Handling>{handling}</ir:Handling></ir:Grading>\n    \
<ir:Category>{}</ir:Category>\n    <ir:OrganisedCrimeGroup flag=\"{}\">{}</ir:OrganisedCrimeGroup>\n    \
<loc:Location><loc:Town>{town}</loc:Town><loc:Postcode>{}</loc:Postcode></loc:Location>\n    <ir:Subjects>\n",
            case.reference,
            iso(case.on),
            xml_escape(case.kind),
            if case.ocg { "Y" } else { "N" },
            if case.ocg {
                format!("OCG-{:04}", 1 + i % 97)
            } else {
                String::new()
            },
            xml_escape(&business.postcode),
        );
        for (s, named) in case.people.iter().enumerate() {
            let p = &world.people[named.person];
            let dob = if w.chance(150) {
                String::new()
            } else {
                format!("\n        <ir:DateOfBirth>{}</ir:DateOfBirth>", iso(p.dob))
            };
            let _ = write!(
                xml,
                "      <ir:Subject id=\"S{}\" role=\"{}\">\n        <ir:FamilyName>{}</ir:FamilyName>\n        <ir:GivenNames>{}</ir:GivenNames>{dob}\n        \
<ir:Gender>{}</ir:Gender>\n        <ir:Nationality>{}</ir:Nationality>\n      </ir:Subject>\n",
                s + 1,
                named.role,
                xml_escape(&w.family(p, true)),
                xml_escape(&w.given(p)),
                p.sex(),
                xml_escape(&w.nationality_field(p.nationality)),
            );
            out.truth(
                "nca",
                relative,
                format!("record {} subject {}", i + 1, s + 1),
                format!("{}|S{}", case.reference, s + 1),
                p,
            );
        }
        let _ = write!(
            xml,
            "    </ir:Subjects>\n    <ir:Narrative><![CDATA[Source reports that premises in {town} are used to hold workers. <Synthetic text.>]]></ir:Narrative>\n  </ir:Report>\n"
        );
    }
    xml.push_str("</ir:IntelligenceFeed>\n");
    write_text(out, relative, &xml)?;
    out.done(relative, world.nca.len());
    Ok(())
}

fn ie(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
    use std::fmt::Write as _;
    let relative = "ie_encounters/ie_encounters_synth.xml";
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- SYNTHETIC DATA generated by jstac synth: no real people or encounters. -->\n\
<ie:EncounterReturn xmlns:ie=\"urn:jstac:synthetic:immigration-enforcement:encounters:2\" period=\"2016\">\n",
    );
    let premises = [
        "Farm",
        "Car wash",
        "Nail bar",
        "Restaurant",
        "Residential address",
        "Factory",
    ];
    for (i, case) in world.ie.iter().enumerate() {
        let business = &world.businesses[case.business];
        let _ = write!(
            xml,
            "  <ie:Encounter ref=\"{}\">\n    <ie:EncounterDate>{}</ie:EncounterDate>\n    <ie:EncounterType>{}</ie:EncounterType>\n    \
<ie:Outcome>{}</ie:Outcome>\n    <ie:Location><ie:Premises>{}</ie:Premises><ie:Postcode>{}</ie:Postcode></ie:Location>\n    <ie:People>\n",
            case.reference,
            dmy(case.on),
            case.kind,
            case.outcome,
            premises[i % premises.len()],
            xml_escape(&w.postcode(&business.postcode)),
        );
        for named in &case.people {
            let p = &world.people[named.person];
            let ho_ref = format!("HO-P-{:07}", agency_number(p.id, 4));
            let dob = if w.chance(60) {
                String::new()
            } else {
                format!("<ie:DateOfBirth>{}</ie:DateOfBirth>", dmy(p.dob))
            };
            let document = if w.chance(400) {
                String::new()
            } else {
                format!(
                    "\n        <ie:Document type=\"passport\" country=\"{}\">{}</ie:Document>",
                    p.nationality,
                    document_number(p)
                )
            };
            let _ = write!(
                xml,
                "      <ie:Person hoRef=\"{ho_ref}\" role=\"{}\">\n        <ie:Surname>{}</ie:Surname><ie:Forenames>{}</ie:Forenames>\n        \
{dob}<ie:Sex>{}</ie:Sex><ie:Nationality>{}</ie:Nationality>{document}\n      </ie:Person>\n",
                named.role,
                xml_escape(&w.family(p, true)),
                xml_escape(&w.given(p)),
                p.sex(),
                xml_escape(&w.nationality_field(p.nationality)),
            );
            out.truth(
                "immigration-enforcement",
                relative,
                format!("record {}", i + 1),
                ho_ref,
                p,
            );
        }
        xml.push_str("    </ie:People>\n  </ie:Encounter>\n");
    }
    xml.push_str("</ie:EncounterReturn>\n");
    write_text(out, relative, &xml)?;
    out.done(relative, world.ie.len());
    Ok(())
}

/// An agency's own number for a synthetic person: a bijection of the
/// person's id onto 0..9,999,991 that differs per agency, so agencies'
/// identifiers never reveal the ground truth (N0007464 and BF-P-0007464
/// being the same person would make a linkage test trivial), yet each stays
/// unique and deterministic.
fn agency_number(id: usize, agency: u64) -> u64 {
    // Multiplying by a unit modulo a prime, then adding, is a bijection.
    const PRIME: u64 = 9_999_991;
    let multiplier = [0, 2_654_435, 4_000_037, 6_700_417, 1_234_577][agency as usize % 5];
    ((id as u64 % PRIME) * multiplier + agency * 104_729) % PRIME
}

#[cfg(test)]
mod agency_number_tests {
    use super::agency_number;

    #[test]
    fn agency_numbers_are_unique_per_agency_and_differ_between_agencies() {
        for agency in 1..=4 {
            let numbers: std::collections::HashSet<u64> =
                (0..50_000).map(|id| agency_number(id, agency)).collect();
            assert_eq!(numbers.len(), 50_000);
        }
        let same = (0..50_000)
            .filter(|&id| agency_number(id, 1) == agency_number(id, 2))
            .count();
        assert!(same < 5, "{same}");
    }
}
