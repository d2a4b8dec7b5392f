//! The jstac spreadsheet plugin, on calamine: XLSX, XLSM, XLSB, XLS and ODS.
//!
//! One pipeline reads one sheet of each workbook as a table: a header row
//! names the fields and every non-empty row below it is a record. Values
//! keep their spreadsheet types ([`FieldKind::Typed`]): text, numbers,
//! booleans, dates (`2016-03-01`, in the workbook's 1900 or 1904 date
//! system, never a serial number), date-times, durations, and error values
//! (`#N/A at Encounters!C7`, so a quarantined record names its cell).
//! Formulas give the value Excel or LibreOffice last calculated and saved.
//!
//! # Finding the table
//! - `sheet`: a name or a 0-based index; by default the first *visible*
//!   worksheet (hidden lookup sheets are passed over).
//! - `header_row` (1-based) names the header row; rows above it are skipped.
//! - Without it the header is found: among the first 50 non-empty rows, the
//!   first row whose non-empty cells are all text, in at least half as many
//!   cells as the widest of those rows (and at least two when that row has
//!   two or more), with a value under it in the next non-empty row (or no
//!   next row). Title rows (a report title, a marking, a period) have one or
//!   two cells, or a date, and are skipped. Empty header cells inside the
//!   table are named `column_D` after their column; a repeated name is an
//!   error.
//! - `columns` names the fields of a sheet without a header row, for
//!   columns A, B, C… in order.
//! - The table spans the header's first to last non-empty cell. A value in
//!   a cell outside it sends the row to quarantine, or is dropped with
//!   `outside_cells = "ignore"`.
//!
//! # Rows
//! Empty rows are skipped wherever they are (so trailing empty rows end
//! nothing and add nothing); cells holding only spaces are empty. Hidden
//! rows and columns are read like any other. A row is located as
//! `encounters.xlsx: Encounters!A7` (file, sheet, 1-based row). Merged
//! cells hold their value in the top-left cell only; `fill_merged = true`
//! copies it into the rest of the merged area in data rows (XLSX and XLS).
//! A time of day with no date (a serial below 1) arrives as text `HH:MM:SS`.
//! ODS has no error cell type that calamine passes on: in ODS files, a text
//! cell holding exactly an error value (`#N/A`, `#DIV/0!`, `#VALUE!`,
//! `#REF!`, `#NAME?`, `#NUM!`, `#NULL!`, or LibreOffice's `Err:502`) is
//! taken as that error.
//!
//! # Format, memory and hostile files
//! The format comes from the content, not the extension: a zip is XLSX or
//! XLSB by its content types, ODS by its `mimetype`; an OLE compound file is
//! XLS. Anything else is refused with what it looks like ("looks like CSV
//! text, not a spreadsheet"), as are encrypted workbooks and truncated or
//! damaged files. XLSX and XLSB rows are streamed (memory does not grow with
//! rows; the shared strings and styles are held). XLS and ODS sheets are
//! loaded whole by calamine, which also reads every sheet of the file at
//! open: their extent is checked first. Limits, each an option:
//! - `max_inflated_bytes` (512 MiB): the zip parts' declared uncompressed
//!   sizes added up (the zip reader refuses to inflate a part past its
//!   declared size, so a deflate bomb is stopped before it is read); for
//!   XLS, the workbook stream. Also the text of the sheet's cells added up,
//!   since one shared string can fill a million cells: counted as cells
//!   stream (XLSX, XLSB), and before loading for XLS (shared-string cells)
//!   and ODS (repeated cells).
//! - `max_cells` (10,000,000): non-empty cells read from the sheet; for XLS
//!   and ODS, also each sheet's extent (declared or actual, repeats
//!   expanded) before calamine allocates it.
//! - `max_rows` (1,048,576): non-empty rows read from the sheet.
//!
//! A cell beyond Excel's last cell XFD1048576, rows out of order, and a
//! panic inside calamine on malformed data end the file with an error
//! naming it, never a crash.

#![forbid(unsafe_code)]

mod detect;
mod error;
mod options;
mod source;
mod table;
mod value;

use std::path::Path;

use jstac_sdk::{BatchBuilder, Cell, FieldKind, Plugin, PluginError, RecordReader};

pub use error::Error;
pub use jstac_workbook::Format;
pub use options::{Limits, OutsideCells, SheetChoice, SpreadsheetOptions};
pub use table::{HEADER_SEARCH_ROWS, Record, SheetReader};
pub use value::Value;

pub struct SpreadsheetPlugin;

impl Plugin for SpreadsheetPlugin {
    const NAME: &'static str = "spreadsheet";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const FORMATS: &'static [&'static str] = &["xlsx", "xlsm", "xlsb", "xls", "ods"];
    type Options = SpreadsheetOptions;
    type Reader = SpreadsheetReader;

    fn open(path: &Path, options: SpreadsheetOptions) -> Result<SpreadsheetReader, PluginError> {
        Ok(SpreadsheetReader {
            sheet: SheetReader::open(path, options)?,
        })
    }
}

jstac_sdk::export_plugin!(SpreadsheetPlugin);

/// The plugin's reader: [`SheetReader`]'s records pushed into batches.
#[derive(Debug)]
pub struct SpreadsheetReader {
    sheet: SheetReader,
}

impl RecordReader for SpreadsheetReader {
    fn fields(&self) -> &[String] {
        self.sheet.fields()
    }

    fn field_kind(&self, _index: usize) -> FieldKind {
        FieldKind::Typed
    }

    fn read_batch(&mut self, batch: &mut BatchBuilder) -> Result<bool, PluginError> {
        while !batch.is_full() {
            match self.sheet.next() {
                None => return Ok(false),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Record::Good { locator, values })) => {
                    let cells: Vec<Cell<'_>> = values.iter().map(Value::as_cell).collect();
                    batch.push_cells(format_args!("{locator}"), &cells);
                }
                Some(Ok(Record::Reject {
                    locator,
                    reason,
                    raw,
                })) => batch.push_reject(format_args!("{locator}"), &reason, &raw),
            }
        }
        Ok(true)
    }
}
