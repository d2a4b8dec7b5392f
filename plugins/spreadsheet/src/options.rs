//! `[source.options]` of a spreadsheet pipeline and the safety limits
//! drawn from them; a leaf the reading modules share.

use schemars::JsonSchema;
use serde::Deserialize;

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
    /// Largest text of one cell, in bytes (UTF-8): a row with a larger
    /// cell goes to quarantine naming the cell. An XLSX is scanned first
    /// and such texts are cut before calamine reads them; in other formats
    /// the text is dropped as soon as it is read. Default 1 MiB.
    #[serde(default = "default_max_field_bytes")]
    #[schemars(range(min = 1))]
    pub max_field_bytes: u64,
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
fn default_max_field_bytes() -> u64 {
    1024 * 1024
}

/// The safety limits, from the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_inflated_bytes: u64,
    pub max_cells: u64,
    pub max_rows: u64,
    pub max_field_bytes: u64,
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
            max_field_bytes: default_max_field_bytes(),
        }
    }
}

impl SpreadsheetOptions {
    pub fn limits(&self) -> Limits {
        Limits {
            max_inflated_bytes: self.max_inflated_bytes,
            max_cells: self.max_cells,
            max_rows: self.max_rows,
            max_field_bytes: self.max_field_bytes,
        }
    }
}
