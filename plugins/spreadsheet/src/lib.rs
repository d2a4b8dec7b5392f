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
mod source;
mod table;
mod value;

use std::path::Path;

use jstac_sdk::{BatchBuilder, Cell, FieldKind, Plugin, PluginError, RecordReader};
use schemars::JsonSchema;
use serde::Deserialize;

pub use error::Error;
pub use jstac_workbook::Format;
pub use table::{HEADER_SEARCH_ROWS, Record, SheetReader};
pub use value::Value;

pub struct SpreadsheetPlugin;

/// `[source.options]` of a pipeline that reads spreadsheets.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpreadsheetOptions {
    /// The sheet to read: its name (`"Encounters"`), or its 0-based position
    /// among all the workbook's sheets, hidden ones included (`0`). Default:
    /// the first visible worksheet.
    #[serde(default)]
    pub sheet: Option<SheetChoice>,
    /// The 1-based row holding the field names; rows above it are skipped.
    /// Default: found by the header rule (the first all-text row that fills
    /// at least half the table's width).
    #[serde(default)]
    pub header_row: Option<u32>,
    /// Field names for a sheet without a header row, for columns A, B, C…
    /// in order. With `header_row` too, that row is skipped and these names
    /// replace it.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// The 1-based first row of data. Default: the row after the header row
    /// (row 1 with `columns` and no `header_row`).
    #[serde(default)]
    pub first_data_row: Option<u32>,
    /// Copy a merged cell's value into every cell of its merged area, in
    /// data rows (XLSX and XLS only). Default: the value is in the top-left
    /// cell only and the others are empty.
    #[serde(default)]
    pub fill_merged: bool,
    /// What to do with a value in a cell outside the table's columns:
    /// `"reject"` the row to quarantine (default), or `"ignore"` the cell.
    #[serde(default)]
    pub outside_cells: OutsideCells,
    /// Refuse a file whose zip parts declare more than this many bytes
    /// uncompressed in all (XLS: workbook stream size), or whose sheet's
    /// cells hold more text than this in all. Default 512 MiB.
    #[serde(default = "default_max_inflated_bytes")]
    pub max_inflated_bytes: u64,
    /// Stop at more than this many non-empty cells in the sheet; for XLS
    /// and ODS, also refuse a sheet whose extent is larger, before loading
    /// it. Default 10,000,000.
    #[serde(default = "default_max_cells")]
    pub max_cells: u64,
    /// Stop at more than this many non-empty rows in the sheet. Default
    /// 1,048,576 (Excel's row limit).
    #[serde(default = "default_max_rows")]
    pub max_rows: u64,
}

/// A sheet by name or by 0-based position.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SheetChoice {
    /// 0-based position among all sheets, hidden ones included.
    Index(u32),
    /// The sheet's name (exact, or else ignoring case and surrounding spaces).
    Name(String),
}

/// What to do with values outside the table's columns.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutsideCells {
    /// Send the row to quarantine, naming the cell.
    #[default]
    Reject,
    /// Drop the cell and load the row.
    Ignore,
}

fn default_max_inflated_bytes() -> u64 {
    512 * 1024 * 1024
}
fn default_max_cells() -> u64 {
    10_000_000
}
fn default_max_rows() -> u64 {
    1_048_576
}

/// The safety limits, from the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_inflated_bytes: u64,
    pub max_cells: u64,
    pub max_rows: u64,
}

/// Options as a pipeline with no `[source.options]` gets them.
impl Default for SpreadsheetOptions {
    fn default() -> Self {
        SpreadsheetOptions {
            sheet: None,
            header_row: None,
            columns: None,
            first_data_row: None,
            fill_merged: false,
            outside_cells: OutsideCells::Reject,
            max_inflated_bytes: default_max_inflated_bytes(),
            max_cells: default_max_cells(),
            max_rows: default_max_rows(),
        }
    }
}

impl SpreadsheetOptions {
    pub fn limits(&self) -> Limits {
        Limits {
            max_inflated_bytes: self.max_inflated_bytes,
            max_cells: self.max_cells,
            max_rows: self.max_rows,
        }
    }
}

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
