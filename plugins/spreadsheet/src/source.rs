//! Opens a workbook with calamine, picks the sheet, and yields its non-empty
//! rows in order.
//!
//! XLSX and XLSB sheets are streamed: a thread owns the workbook and
//! calamine's cell reader (which borrows it) and hands rows over a bounded
//! channel, so memory does not grow with the number of rows. XLS and ODS
//! sheets are loaded whole by calamine (it has no streaming reader for
//! them); [`crate::detect`] bounds their extent before they are opened.
//!
//! Every call into calamine runs under `catch_unwind`: a panic on a
//! malformed file becomes an error naming the file, never a crash.

use std::any::Any;
use std::fs::File;
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{
    Data, DataRef, Dimensions, Ods, Range, Reader, Sheet, SheetType, SheetVisible, Xls, Xlsb, Xlsx,
};

use crate::error::Error;
use crate::options::{Limits, SheetChoice};
use crate::value::{Value, cell_ref, convert_within, data_as_ref, sheet_ref};
use jstac_workbook::Format;

/// Excel's last row and column (0-based): XFD1048576.
const LAST_ROW: u32 = 1_048_575;
const LAST_COL: u32 = 16_383;
/// Rows per message from the streaming thread.
const CHUNK_ROWS: usize = 256;
/// Merged areas kept for `fill_merged`.
const MAX_MERGES: usize = 100_000;

/// One non-empty row: its 0-based index and its non-empty cells by 0-based
/// column, in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub row: u32,
    pub cells: Vec<(u32, Value)>,
}

/// The rows of one sheet, in order.
pub trait RowStream: Send {
    fn next_row(&mut self) -> Result<Option<RawRow>, Error>;
}

/// The sheet picked from a workbook.
pub struct SheetSource {
    /// The sheet's name as the workbook has it.
    pub sheet_name: String,
    /// The name as a cell reference writes it (`'Q1 data'`).
    pub sheet_ref: String,
    /// Merged areas, when asked for.
    pub merges: Vec<Dimensions>,
    pub rows: Box<dyn RowStream>,
}

/// Counts rows and cells against the limits, and places them.
struct Counter {
    file: String,
    sheet_ref: String,
    limits: Limits,
    rows: u64,
    cells: u64,
    text_bytes: u64,
}

impl Counter {
    /// Counts a non-empty cell. Its text counts against
    /// `max_inflated_bytes`: shared strings let a small file repeat one long
    /// text in every cell.
    fn cell(&mut self, row: u32, col: u32, value: &Value) -> Result<(), Error> {
        if row > LAST_ROW || col > LAST_COL {
            return Err(Error::Read {
                file: self.file.clone(),
                locator: self.sheet_ref.clone(),
                message: format!(
                    "a cell at row {} column {} lies beyond Excel's last cell XFD1048576: a damaged file",
                    u64::from(row) + 1,
                    u64::from(col) + 1
                ),
            });
        }
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            return Err(Error::Limit {
                file: self.file.clone(),
                message: format!(
                    "sheet {} has more than max_cells ({}) non-empty cells",
                    self.sheet_ref, self.limits.max_cells
                ),
            });
        }
        if let Value::Text(text) = value {
            self.text_bytes = self.text_bytes.saturating_add(text.len() as u64);
            if self.text_bytes > self.limits.max_inflated_bytes {
                return Err(Error::Limit {
                    file: self.file.clone(),
                    message: format!(
                        "sheet {} holds more than max_inflated_bytes ({}) of text (one text repeated in many cells?)",
                        self.sheet_ref, self.limits.max_inflated_bytes
                    ),
                });
            }
        }
        Ok(())
    }

    fn row(&mut self) -> Result<(), Error> {
        self.rows += 1;
        if self.rows > self.limits.max_rows {
            return Err(Error::Limit {
                file: self.file.clone(),
                message: format!(
                    "sheet {} has more than max_rows ({}) non-empty rows",
                    self.sheet_ref, self.limits.max_rows
                ),
            });
        }
        Ok(())
    }
}

/// Opens `path` (already detected as `format`) and picks the sheet.
pub fn open_sheet(
    path: &Path,
    file: &str,
    format: Format,
    choice: Option<&SheetChoice>,
    want_merges: bool,
    limits: Limits,
) -> Result<SheetSource, Error> {
    let input = || {
        File::open(path)
            .map(BufReader::new)
            .map_err(|source| Error::Io {
                file: file.to_owned(),
                source,
            })
    };
    let open_err = |e: &dyn std::fmt::Display| Error::Open {
        file: file.to_owned(),
        message: format!("cannot be read as {}: {e}", format.name()),
    };
    let no_merges = || Error::Options {
        file: file.to_owned(),
        message: format!(
            "fill_merged: merged areas cannot be read from {} files; remove the option",
            format.name()
        ),
    };
    let counter = |sheet_ref: &str| Counter {
        file: file.to_owned(),
        sheet_ref: sheet_ref.to_owned(),
        limits,
        rows: 0,
        cells: 0,
        text_bytes: 0,
    };
    match format {
        Format::Xlsx => {
            let reader = input()?;
            let mut workbook: Xlsx<_> =
                guarded(file, || Xlsx::new(reader).map_err(|e| open_err(&e)))?;
            let sheet_name = choose_sheet(workbook.sheets_metadata(), choice, file)?;
            let sheet = sheet_ref(&sheet_name);
            let merges = if want_merges {
                guarded(file, || {
                    workbook
                        .merge_cells_by_sheet_name(&sheet_name)
                        .map_err(|e| open_err(&e))
                })?
            } else {
                Vec::new()
            };
            let name = sheet_name.clone();
            let rows = Streamed::spawn(counter(&sheet), move |emit| {
                let mut cells = workbook
                    .worksheet_cells_reader(&name)
                    .map_err(|e| emit.error(&e))?;
                while let Some(cell) = cells.next_cell().map_err(|e| emit.error(&e))? {
                    if !emit.cell(cell.get_position(), cell.get_value())? {
                        break;
                    }
                }
                Ok(())
            })?;
            Ok(SheetSource {
                sheet_name,
                sheet_ref: sheet,
                merges: check_merges(merges, file)?,
                rows: Box::new(rows),
            })
        }
        Format::Xlsb => {
            if want_merges {
                return Err(no_merges());
            }
            let reader = input()?;
            let mut workbook: Xlsb<_> =
                guarded(file, || Xlsb::new(reader).map_err(|e| open_err(&e)))?;
            let sheet_name = choose_sheet(workbook.sheets_metadata(), choice, file)?;
            let sheet = sheet_ref(&sheet_name);
            let name = sheet_name.clone();
            let rows = Streamed::spawn(counter(&sheet), move |emit| {
                let mut cells = workbook
                    .worksheet_cells_reader(&name)
                    .map_err(|e| emit.error(&e))?;
                while let Some(cell) = cells.next_cell().map_err(|e| emit.error(&e))? {
                    if !emit.cell(cell.get_position(), cell.get_value())? {
                        break;
                    }
                }
                Ok(())
            })?;
            Ok(SheetSource {
                sheet_name,
                sheet_ref: sheet,
                merges: Vec::new(),
                rows: Box::new(rows),
            })
        }
        Format::Xls => {
            let reader = input()?;
            let mut workbook: Xls<_> =
                guarded(file, || Xls::new(reader).map_err(|e| open_err(&e)))?;
            let sheet_name = choose_sheet(workbook.sheets_metadata(), choice, file)?;
            let sheet = sheet_ref(&sheet_name);
            let merges = if want_merges {
                workbook
                    .merge_cells_by_sheet_name(&sheet_name)
                    .map_err(|e| open_err(&e))?
            } else {
                Vec::new()
            };
            let range = guarded(file, || {
                workbook
                    .worksheet_range(&sheet_name)
                    .map_err(|e| open_err(&e))
            })?;
            Ok(SheetSource {
                sheet_name,
                merges: check_merges(merges, file)?,
                rows: Box::new(RangeRows::new(range, counter(&sheet), false)),
                sheet_ref: sheet,
            })
        }
        Format::Ods => {
            if want_merges {
                return Err(no_merges());
            }
            let reader = input()?;
            let mut workbook: Ods<_> =
                guarded(file, || Ods::new(reader).map_err(|e| open_err(&e)))?;
            let sheet_name = choose_sheet(workbook.sheets_metadata(), choice, file)?;
            let sheet = sheet_ref(&sheet_name);
            let range = guarded(file, || {
                workbook
                    .worksheet_range(&sheet_name)
                    .map_err(|e| open_err(&e))
            })?;
            Ok(SheetSource {
                sheet_name,
                merges: Vec::new(),
                rows: Box::new(RangeRows::new(range, counter(&sheet), true)),
                sheet_ref: sheet,
            })
        }
    }
}

fn check_merges(merges: Vec<Dimensions>, file: &str) -> Result<Vec<Dimensions>, Error> {
    if merges.len() > MAX_MERGES {
        return Err(Error::Limit {
            file: file.to_owned(),
            message: format!(
                "the sheet has {} merged areas, more than fill_merged handles ({MAX_MERGES})",
                merges.len()
            ),
        });
    }
    Ok(merges)
}

/// The sheet named by the options, or the first visible worksheet.
fn choose_sheet(
    sheets: &[Sheet],
    choice: Option<&SheetChoice>,
    file: &str,
) -> Result<String, Error> {
    let names = || {
        sheets
            .iter()
            .map(|s| {
                let hidden = match s.visible {
                    SheetVisible::Visible => "",
                    SheetVisible::Hidden => " (hidden)",
                    SheetVisible::VeryHidden => " (very hidden)",
                };
                format!("{:?}{hidden}", s.name)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let options_error = |message: String| Error::Options {
        file: file.to_owned(),
        message,
    };
    let sheet = match choice {
        None => sheets
            .iter()
            .find(|s| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet)
            .ok_or_else(|| {
                options_error(format!(
                    "has no visible worksheet (sheets: {}); choose one with the sheet option",
                    names()
                ))
            })?,
        Some(SheetChoice::Index(index)) => sheets.get(*index as usize).ok_or_else(|| {
            options_error(format!(
                "sheet {index}: the workbook has {} sheets (counted from 0: {})",
                sheets.len(),
                names()
            ))
        })?,
        Some(SheetChoice::Name(name)) => sheets
            .iter()
            .find(|s| s.name == *name)
            .or_else(|| {
                sheets
                    .iter()
                    .find(|s| s.name.trim().eq_ignore_ascii_case(name.trim()))
            })
            .ok_or_else(|| {
                options_error(format!(
                    "sheet {name:?}: no such sheet (sheets: {})",
                    names()
                ))
            })?,
    };
    if sheet.typ != SheetType::WorkSheet {
        return Err(options_error(format!(
            "sheet {:?} is a {:?}, not a worksheet",
            sheet.name, sheet.typ
        )));
    }
    Ok(sheet.name.clone())
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "no message"
    }
}

/// Runs calamine code; a panic becomes an error naming the file.
fn guarded<T>(file: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(Error::Open {
            file: file.to_owned(),
            message: format!(
                "calamine failed on malformed data ({}); the file is damaged or not what its format says",
                panic_text(&*payload)
            ),
        })
    })
}

/// A whole sheet already in memory (XLS, ODS).
struct RangeRows {
    range: Range<Data>,
    next: usize,
    counter: Counter,
    /// ODS: error values arrive as their text.
    text_errors: bool,
}

impl RangeRows {
    fn new(range: Range<Data>, counter: Counter, text_errors: bool) -> Self {
        RangeRows {
            range,
            next: 0,
            counter,
            text_errors,
        }
    }
}

/// An error value as spreadsheet applications write it.
fn is_error_text(text: &str) -> bool {
    const ERRORS: [&str; 8] = [
        "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#DATA!",
    ];
    ERRORS.contains(&text)
        || text
            .strip_prefix("Err:")
            .is_some_and(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
}

impl RowStream for RangeRows {
    fn next_row(&mut self) -> Result<Option<RawRow>, Error> {
        let Some((row0, col0)) = self.range.start() else {
            return Ok(None);
        };
        let width = self.range.width();
        while self.next < self.range.height() {
            let r = self.next;
            self.next += 1;
            let row = row0.saturating_add(u32::try_from(r).unwrap_or(u32::MAX));
            let mut cells = Vec::new();
            for c in 0..width {
                let Some(data) = self.range.get((r, c)) else {
                    continue;
                };
                let col = col0.saturating_add(u32::try_from(c).unwrap_or(u32::MAX));
                let mut value = convert_within(
                    &data_as_ref(data),
                    &self.counter.sheet_ref,
                    row,
                    col,
                    self.counter.limits.max_field_bytes,
                );
                if let Value::Text(text) = &value
                    && self.text_errors
                    && is_error_text(text)
                {
                    value = Value::Error(format!(
                        "{text} at {}!{}",
                        self.counter.sheet_ref,
                        cell_ref(row, col)
                    ));
                }
                if !value.is_empty() {
                    self.counter.cell(row, col, &value)?;
                    cells.push((col, value));
                }
            }
            if !cells.is_empty() {
                self.counter.row()?;
                return Ok(Some(RawRow { row, cells }));
            }
        }
        Ok(None)
    }
}

type Chunk = Result<Vec<RawRow>, Error>;

/// A streamed sheet (XLSX, XLSB): rows come from a thread that owns the
/// workbook. Dropping it hangs up the channel, and the thread stops at its
/// next send.
struct Streamed {
    rx: Receiver<Chunk>,
    rows: std::vec::IntoIter<RawRow>,
    done: bool,
}

/// What the streaming thread feeds cells into: groups them into rows,
/// checks limits, and sends chunks of rows.
pub(crate) struct Emitter {
    counter: Counter,
    tx: SyncSender<Chunk>,
    current: Option<RawRow>,
    chunk: Vec<RawRow>,
    last: (u32, u32),
}

impl Emitter {
    /// A calamine error while streaming, located after the last cell read.
    fn error(&self, e: &dyn std::fmt::Display) -> Error {
        Error::Read {
            file: self.counter.file.clone(),
            locator: format!(
                "{}!{}",
                self.counter.sheet_ref,
                cell_ref(self.last.0, self.last.1)
            ),
            message: format!("damaged sheet data after this cell: {e}"),
        }
    }

    /// Takes one cell; `Ok(false)` when the reader has gone away.
    fn cell(&mut self, (row, col): (u32, u32), data: &DataRef<'_>) -> Result<bool, Error> {
        let value = convert_within(
            data,
            &self.counter.sheet_ref,
            row,
            col,
            self.counter.limits.max_field_bytes,
        );
        if value.is_empty() {
            return Ok(true);
        }
        self.counter.cell(row, col, &value)?;
        self.last = (row, col);
        match &mut self.current {
            Some(current) if current.row == row => {
                current.cells.push((col, value));
                return Ok(true);
            }
            Some(current) if row < current.row => {
                return Err(Error::Read {
                    file: self.counter.file.clone(),
                    locator: format!("{}!{}", self.counter.sheet_ref, cell_ref(row, col)),
                    message: format!(
                        "rows out of order (row {} after row {}): a damaged sheet",
                        u64::from(row) + 1,
                        u64::from(current.row) + 1
                    ),
                });
            }
            _ => {}
        }
        let finished = self.current.replace(RawRow {
            row,
            cells: vec![(col, value)],
        });
        match finished {
            Some(done) => self.finish_row(done),
            None => Ok(true),
        }
    }

    fn finish_row(&mut self, mut row: RawRow) -> Result<bool, Error> {
        self.counter.row()?;
        // Cells of a row are in column order in well-formed files; a later
        // duplicate of a position wins.
        if row.cells.windows(2).any(|w| w[0].0 >= w[1].0) {
            row.cells.sort_by_key(|&(col, _)| col);
            row.cells.dedup_by(|later, earlier| {
                if later.0 == earlier.0 {
                    std::mem::swap(later, earlier);
                    true
                } else {
                    false
                }
            });
        }
        self.chunk.push(row);
        if self.chunk.len() >= CHUNK_ROWS {
            let chunk = std::mem::take(&mut self.chunk);
            return Ok(self.tx.send(Ok(chunk)).is_ok());
        }
        Ok(true)
    }

    fn finish(mut self) {
        let result = match self.current.take() {
            Some(row) => self.finish_row(row),
            None => Ok(true),
        };
        match result {
            Ok(true) if !self.chunk.is_empty() => {
                let chunk = std::mem::take(&mut self.chunk);
                let _ = self.tx.send(Ok(chunk));
            }
            Ok(_) => {}
            Err(e) => {
                let _ = self.tx.send(Err(e));
            }
        }
    }
}

impl Streamed {
    fn spawn<F>(counter: Counter, produce: F) -> Result<Streamed, Error>
    where
        F: FnOnce(&mut Emitter) -> Result<(), Error> + Send + 'static,
    {
        let (tx, rx) = sync_channel::<Chunk>(2);
        let file = counter.file.clone();
        let mut emitter = Emitter {
            counter,
            tx: tx.clone(),
            current: None,
            chunk: Vec::with_capacity(CHUNK_ROWS),
            last: (0, 0),
        };
        std::thread::Builder::new()
            .name("jstac-spreadsheet".into())
            .spawn(move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| produce(&mut emitter)));
                match outcome {
                    Ok(Ok(())) => emitter.finish(),
                    Ok(Err(e)) => {
                        let _ = tx.send(Err(e));
                    }
                    Err(payload) => {
                        let _ = tx.send(Err(Error::Read {
                            file: emitter.counter.file.clone(),
                            locator: format!(
                                "{}!{}",
                                emitter.counter.sheet_ref,
                                cell_ref(emitter.last.0, emitter.last.1)
                            ),
                            message: format!(
                                "calamine failed on malformed sheet data after this cell ({})",
                                panic_text(&*payload)
                            ),
                        }));
                    }
                }
            })
            .map_err(|source| Error::Io { file, source })?;
        Ok(Streamed {
            rx,
            rows: Vec::new().into_iter(),
            done: false,
        })
    }
}

impl RowStream for Streamed {
    fn next_row(&mut self) -> Result<Option<RawRow>, Error> {
        loop {
            if let Some(row) = self.rows.next() {
                return Ok(Some(row));
            }
            if self.done {
                return Ok(None);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) => self.rows = chunk.into_iter(),
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The thread finished and hung up.
                Err(_) => self.done = true,
            }
        }
    }
}
