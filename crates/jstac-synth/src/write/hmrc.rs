//! HMRC National Minimum Wage cases (XLSX): a hidden sheet of outcome
//! codes, then one row per underpaid worker.

use rust_xlsxwriter::Format;

use super::ids::agency_number;
use super::noise::Noise;
use super::out::{Out, Written};
use super::xlsx::{date_cell, title_rows, workbook, xlsx_err};
use crate::error::Result;
use crate::world::World;

pub(super) fn write(out: &mut Out, world: &World, w: &mut Noise) -> Result<()> {
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
    w.at("hmrc");
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
            let (family, given) = w.names(p, false);
            sheet.write(row, 10, &family).map_err(&e)?;
            sheet.write(row, 11, &given).map_err(&e)?;
            let dob = (!w.chance(50)).then(|| w.dob(p));
            if let Some(dob) = dob {
                date_cell(sheet, row, 12, dob, &date).map_err(&e)?;
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
            let written = Written {
                family,
                given,
                dob,
                ..Written::default()
            };
            let position = format!("row {}", row + 1);
            out.truth("hmrc", relative, position, worker, p, written);
            row += 1;
        }
    }
    workbook.save(&path).map_err(&e)?;
    out.done(relative, (row - 5) as usize);
    Ok(())
}
