//! The workbook conventions the Border Force and HMRC extracts share: fixed
//! document properties (so the bytes are the same every run), a title
//! block above the header row, and dates as dates.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::date::{self, Date};
use crate::error::SynthError;

pub(super) fn xlsx_err(path: &Path) -> impl Fn(XlsxError) -> SynthError + '_ {
    move |e| SynthError::Format {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

pub(super) fn workbook(title: &str, author: &str) -> std::result::Result<Workbook, XlsxError> {
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

pub(super) fn date_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    day: Date,
    format: &Format,
) -> std::result::Result<(), XlsxError> {
    let (y, m, d) = date::parts(day);
    sheet.write_datetime_with_format(
        row,
        col,
        ExcelDateTime::from_ymd(y as u16, m as u8, d as u8)?,
        format,
    )?;
    Ok(())
}

pub(super) fn title_rows(
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
