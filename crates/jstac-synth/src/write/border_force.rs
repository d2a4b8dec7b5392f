//! Border Force encounters at ports (XLSX): a hidden sheet of port codes,
//! then one row per person encountered.

use rust_xlsxwriter::Format;

use super::ids::{agency_number, document_number};
use super::noise::Noise;
use super::out::{Out, Written};
use super::xlsx::{date_cell, title_rows, workbook, xlsx_err};
use crate::date::age_on;
use crate::error::Result;
use crate::world::World;

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

pub(super) fn write(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
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
    w.at("border-force");
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
            let (family, given) = w.names(p, false);
            sheet.write(row, 9, &family).map_err(&e)?;
            sheet.write(row, 10, &given).map_err(&e)?;
            let dob = (!w.chance(100)).then(|| w.dob(p));
            if let Some(dob) = dob {
                date_cell(sheet, row, 11, dob, &date).map_err(&e)?;
                sheet
                    .write(row, 17, age_on(dob, case.on) as f64)
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
                sheet.write(row, 15, &number).map_err(&e)?;
            }
            sheet.write(row, 16, named.role).map_err(&e)?;
            let written = Written {
                family,
                given,
                dob,
                phone: None,
                document: (!number.is_empty()).then_some(number),
            };
            let position = format!("row {}", row + 1);
            out.truth("border-force", relative, position, id, p, written);
            row += 1;
        }
    }
    workbook.save(&path).map_err(&e)?;
    out.done(relative, (row - 5) as usize);
    Ok(())
}
