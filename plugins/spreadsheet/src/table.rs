//! The reading core: finds the table in a sheet (its header row and
//! columns) and turns the rows below it into records. A plain iterator, so
//! it is tested without the plugin ABI.

use std::collections::VecDeque;
use std::path::Path;

use calamine::Dimensions;
use jstac_workbook::Format;

use crate::detect;
use crate::error::Error;
use crate::options::{OutsideCells, SpreadsheetOptions};
use crate::source::{self, RawRow, RowStream};
use crate::value::{Value, cell_ref, column_letters, size_text};

/// Non-empty rows looked at to find the header row.
pub const HEADER_SEARCH_ROWS: usize = 50;

/// One record of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A data row: one value per field.
    Good {
        /// `encounters.xlsx: Encounters!A7`.
        locator: String,
        values: Vec<Value>,
    },
    /// A row the plugin cannot hand on as a record, with why, and its cells
    /// as text (`C7=...; H7=...`) for the quarantine.
    Reject {
        locator: String,
        reason: String,
        raw: String,
    },
}

/// Reads one sheet of one workbook as records.
pub struct SheetReader {
    fields: Vec<String>,
    format: Format,
    file: String,
    sheet_name: String,
    sheet_ref: String,
    /// Absolute 0-based column of the first field.
    first_col: u32,
    /// Rows with a smaller 0-based index are not data.
    data_start: u32,
    outside: OutsideCells,
    max_field_bytes: u64,
    rows: Box<dyn RowStream>,
    pending: VecDeque<RawRow>,
    merges: MergeFill,
    failed: bool,
}

impl std::fmt::Debug for SheetReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SheetReader")
            .field("file", &self.file)
            .field("sheet", &self.sheet_name)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl SheetReader {
    /// Opens `path`, picks the sheet and reads as far as the header row.
    pub fn open(path: &Path, options: SpreadsheetOptions) -> Result<SheetReader, Error> {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        check_options(&options, &file)?;
        let limits = options.limits();
        // An XLSX with a text over max_field_bytes is read from a copy
        // with such texts cut; the copy is open once the sheet is.
        let (format, filtered) = detect::detect(path, &file, &limits)?;
        let sheet = source::open_sheet(
            filtered.as_deref().unwrap_or(path),
            &file,
            format,
            options.sheet.as_ref(),
            options.fill_merged,
            limits,
        )?;
        let mut reader = SheetReader {
            fields: Vec::new(),
            format,
            file,
            sheet_name: sheet.sheet_name,
            sheet_ref: sheet.sheet_ref,
            first_col: 0,
            data_start: 0,
            outside: options.outside_cells,
            max_field_bytes: options.max_field_bytes,
            rows: sheet.rows,
            pending: VecDeque::new(),
            merges: MergeFill::new(sheet.merges),
            failed: false,
        };
        reader.find_table(&options)?;
        Ok(reader)
    }

    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The format the content was detected as.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The sheet read, as the workbook names it.
    pub fn sheet_name(&self) -> &str {
        &self.sheet_name
    }

    fn options_error(&self, message: String) -> Error {
        Error::Options {
            file: self.file.clone(),
            message,
        }
    }

    fn next_raw(&mut self) -> Result<Option<RawRow>, Error> {
        match self.pending.pop_front() {
            Some(row) => Ok(Some(row)),
            None => self.rows.next_row(),
        }
    }

    /// Sets the fields, the table's first column and where data starts.
    fn find_table(&mut self, options: &SpreadsheetOptions) -> Result<(), Error> {
        if let Some(columns) = &options.columns {
            self.fields = columns.iter().map(|c| c.trim().to_owned()).collect();
            self.first_col = 0;
            self.data_start = match (options.first_data_row, options.header_row) {
                (Some(first), _) => first - 1,
                (None, Some(header)) => header,
                (None, None) => 0,
            };
            return Ok(());
        }
        let header = match options.header_row {
            Some(header_row) => {
                let wanted = header_row - 1;
                loop {
                    match self.next_raw()? {
                        Some(row) if row.row < wanted => continue,
                        Some(row) if row.row == wanted => break row,
                        Some(row) => {
                            self.pending.push_front(row);
                            return Err(self.options_error(format!(
                                "header_row {header_row} of sheet {} is empty",
                                self.sheet_ref
                            )));
                        }
                        None => {
                            return Err(self.options_error(format!(
                                "header_row {header_row} of sheet {} is empty (the sheet ends before it)",
                                self.sheet_ref
                            )));
                        }
                    }
                }
            }
            None => self.detect_header()?,
        };
        let first_col = header.cells.first().map_or(0, |c| c.0);
        let last_col = header.cells.last().map_or(0, |c| c.0);
        let mut fields = Vec::with_capacity((last_col - first_col) as usize + 1);
        let mut named = header.cells.iter().peekable();
        for col in first_col..=last_col {
            let name = match named.next_if(|c| c.0 == col) {
                Some((_, value)) => value.raw_text().trim().to_owned(),
                None => String::new(),
            };
            fields.push(if name.is_empty() {
                format!("column_{}", column_letters(col))
            } else {
                name
            });
        }
        for (index, name) in fields.iter().enumerate() {
            if let Some(first) = fields[..index].iter().position(|other| other == name) {
                return Err(self.options_error(format!(
                    "field name {name:?} appears twice in the header row of sheet {} ({} and {}); set columns to name the fields",
                    self.sheet_ref,
                    cell_ref(header.row, first_col + first as u32),
                    cell_ref(header.row, first_col + index as u32)
                )));
            }
        }
        self.fields = fields;
        self.first_col = first_col;
        self.data_start = match options.first_data_row {
            Some(first) if first - 1 <= header.row => {
                return Err(self.options_error(format!(
                    "first_data_row {first} is not below the header row ({})",
                    u64::from(header.row) + 1
                )));
            }
            Some(first) => first - 1,
            None => header.row + 1,
        };
        Ok(())
    }

    /// The header rule: among the first [`HEADER_SEARCH_ROWS`] non-empty
    /// rows, the first row whose non-empty cells are all text, that fills at
    /// least half the cells of the widest of those rows (and at least two
    /// when that row has two or more), and that is followed by a row with a
    /// value under it (or by nothing). Title rows above it are skipped.
    fn detect_header(&mut self) -> Result<RawRow, Error> {
        while self.pending.len() < HEADER_SEARCH_ROWS {
            match self.rows.next_row()? {
                Some(row) => self.pending.push_back(row),
                None => break,
            }
        }
        if self.pending.is_empty() {
            return Err(self.options_error(format!(
                "sheet {} is empty: no header row and no data",
                self.sheet_ref
            )));
        }
        let widest = self
            .pending
            .iter()
            .map(|r| r.cells.len())
            .max()
            .unwrap_or(0);
        let need = if widest <= 1 {
            1
        } else {
            widest.div_ceil(2).max(2)
        };
        let found = (0..self.pending.len()).find(|&i| {
            let row = &self.pending[i];
            let all_text = row.cells.iter().all(|(_, v)| matches!(v, Value::Text(_)));
            if !all_text || row.cells.len() < need {
                return false;
            }
            let (first, last) = (row.cells[0].0, row.cells[row.cells.len() - 1].0);
            match self.pending.get(i + 1) {
                Some(next) => next.cells.iter().any(|(c, _)| (first..=last).contains(c)),
                None => true,
            }
        });
        match found {
            Some(index) => {
                self.pending.drain(..index);
                Ok(self.pending.pop_front().unwrap_or(RawRow {
                    row: 0,
                    cells: Vec::new(),
                }))
            }
            None => Err(self.options_error(format!(
                "no header row found in the first {HEADER_SEARCH_ROWS} non-empty rows of sheet {}: a header row holds only text, in at least half the columns of the widest row; set header_row (1-based) or columns",
                self.sheet_ref
            ))),
        }
    }

    fn locator(&self, row: u32) -> String {
        format!("{}: {}!A{}", self.file, self.sheet_ref, u64::from(row) + 1)
    }

    /// The record of a data row; `None` when nothing is left of it (its
    /// only values were outside the table and are ignored).
    fn record(&mut self, raw: RawRow) -> Option<Record> {
        let width = self.fields.len();
        let index = |col: u32| {
            col.checked_sub(self.first_col)
                .map(|c| c as usize)
                .filter(|&c| c < width)
        };
        let outside = raw.cells.iter().find(|(col, _)| index(*col).is_none());
        let locator = self.locator(raw.row);
        if let Some((col, _)) = outside
            && self.outside == OutsideCells::Reject
        {
            let last = self.first_col + width as u32 - 1;
            let reason = format!(
                "cell {} is outside the table's columns {}:{} (set outside_cells = \"ignore\" to drop such cells)",
                cell_ref(raw.row, *col),
                column_letters(self.first_col),
                column_letters(last)
            );
            let raw_text = raw
                .cells
                .iter()
                .map(|(col, value)| format!("{}={}", cell_ref(raw.row, *col), value.raw_text()))
                .collect::<Vec<_>>()
                .join("; ");
            return Some(Record::Reject {
                locator,
                reason,
                raw: raw_text,
            });
        }
        if let Some((col, Value::TooLarge(bytes))) = raw
            .cells
            .iter()
            .find(|(_, value)| matches!(value, Value::TooLarge(_)))
        {
            let name = index(*col).map_or("(outside the table)", |i| self.fields[i].as_str());
            let reason = format!(
                "field {name} (cell {}) is larger than the limit of {} ({bytes} bytes); raise max_field_bytes if it is real",
                cell_ref(raw.row, *col),
                size_text(self.max_field_bytes),
            );
            let raw_text = raw
                .cells
                .iter()
                .map(|(col, value)| format!("{}={}", cell_ref(raw.row, *col), value.raw_text()))
                .collect::<Vec<_>>()
                .join("; ");
            return Some(Record::Reject {
                locator,
                reason,
                raw: raw_text,
            });
        }
        let mut values = vec![Value::Empty; width];
        let mut any = false;
        for (col, value) in raw.cells {
            if let Some(i) = index(col) {
                values[i] = value;
                any = true;
            }
        }
        if !any {
            return None;
        }
        self.merges.fill(raw.row, self.first_col, &mut values);
        Some(Record::Good { locator, values })
    }
}

impl Iterator for SheetReader {
    type Item = Result<Record, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            match self.next_raw() {
                Ok(Some(raw)) if raw.row < self.data_start => continue,
                Ok(Some(raw)) => match self.record(raw) {
                    Some(record) => return Some(Ok(record)),
                    None => continue,
                },
                Ok(None) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// `fill_merged`: copies the top-left value of a merged area into the
/// area's empty cells, in data rows. Areas are taken in row order, so each
/// row looks only at the areas that cover it.
struct MergeFill {
    /// By first row.
    areas: Vec<Dimensions>,
    next: usize,
    /// Areas covering the current row, with their top-left value.
    active: Vec<(Dimensions, Value)>,
}

impl MergeFill {
    fn new(mut areas: Vec<Dimensions>) -> Self {
        areas.sort_by_key(|d| d.start);
        MergeFill {
            areas,
            next: 0,
            active: Vec::new(),
        }
    }

    fn fill(&mut self, row: u32, first_col: u32, values: &mut [Value]) {
        if self.areas.is_empty() {
            return;
        }
        self.active.retain(|(d, _)| d.end.0 >= row);
        while let Some(area) = self.areas.get(self.next) {
            if area.start.0 > row {
                break;
            }
            self.next += 1;
            // Only areas that start in this row: an area whose top row was
            // a title or header row, or was empty, fills nothing.
            if area.start.0 == row && area.end.0 >= row {
                let top_left = area
                    .start
                    .1
                    .checked_sub(first_col)
                    .and_then(|i| values.get(i as usize))
                    .cloned()
                    .unwrap_or(Value::Empty);
                if !top_left.is_empty() {
                    self.active.push((*area, top_left));
                }
            }
        }
        for (area, value) in &self.active {
            for col in area.start.1..=area.end.1 {
                if let Some(cell) = col
                    .checked_sub(first_col)
                    .and_then(|i| values.get_mut(i as usize))
                    && cell.is_empty()
                {
                    *cell = value.clone();
                }
            }
        }
    }
}

fn check_options(options: &SpreadsheetOptions, file: &str) -> Result<(), Error> {
    let error = |message: &str| {
        Err(Error::Options {
            file: file.to_owned(),
            message: message.to_owned(),
        })
    };
    if options.header_row == Some(0) {
        return error("header_row is 1-based: the first row is 1");
    }
    if options.first_data_row == Some(0) {
        return error("first_data_row is 1-based: the first row is 1");
    }
    if let (Some(header), Some(first)) = (options.header_row, options.first_data_row)
        && first <= header
    {
        return error("first_data_row must be below header_row");
    }
    if let Some(columns) = &options.columns {
        if columns.is_empty() {
            return error("columns: name at least one field");
        }
        if columns.iter().any(|c| c.trim().is_empty()) {
            return error("columns: a field name is empty");
        }
        for (index, name) in columns.iter().enumerate() {
            if columns[..index]
                .iter()
                .any(|other| other.trim() == name.trim())
            {
                return Err(Error::Options {
                    file: file.to_owned(),
                    message: format!("columns: field name {name:?} appears twice"),
                });
            }
        }
    }
    if options.max_cells == 0 || options.max_rows == 0 || options.max_inflated_bytes == 0 {
        return error("max_cells, max_rows and max_inflated_bytes must be above 0");
    }
    Ok(())
}
