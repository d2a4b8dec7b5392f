//! The ODS check: the extent of each table of `content.xml` after repeated
//! rows and cells are expanded, before calamine loads them all.

use std::io::{BufReader, Read, Seek};

use quick_xml::events::{BytesStart, Event};

use crate::error::Error;
use crate::options::Limits;

/// Checks an ODS's `content.xml` before calamine loads it. calamine reads
/// every table of the file at once and expands repeated rows and cells
/// (`table:number-rows-repeated`), so a few bytes of XML can ask for
/// billions of cells: each table's extent after expansion must stay within
/// `max_cells`, and its text within `max_inflated_bytes`.
pub(super) fn check<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    file: &str,
    limits: &Limits,
) -> Result<(), Error> {
    let open = |message: String| Error::Open {
        file: file.to_owned(),
        message,
    };
    let part = zip
        .by_name("content.xml")
        .map_err(|e| open(format!("is an ODS file without readable content.xml: {e}")))?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut table = OdsExtent::default();
    let mut depth_in_cell = 0usize;
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(|e| {
            open(format!(
                "damaged content.xml at byte {}: {e}",
                xml.buffer_position()
            ))
        })?;
        match event {
            Event::Start(e) => {
                if depth_in_cell > 0 {
                    depth_in_cell += 1;
                    table.cell_has_content();
                    continue;
                }
                match e.name().as_ref() {
                    "table:table" => table = OdsExtent::new(attr(&e, "table:name")),
                    "table:table-row" => table.start_row(repeat(&e, "table:number-rows-repeated")),
                    "table:table-cell" | "table:covered-table-cell" => {
                        depth_in_cell = 1;
                        table.start_cell(&e);
                    }
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if depth_in_cell > 0 {
                    table.cell_has_content();
                    continue;
                }
                match e.name().as_ref() {
                    "table:table-row" => {
                        table.start_row(repeat(&e, "table:number-rows-repeated"));
                        table.end_row();
                    }
                    "table:table-cell" | "table:covered-table-cell" => {
                        table.start_cell(&e);
                        table.end_cell();
                    }
                    _ => {}
                }
            }
            Event::Text(t) if depth_in_cell > 0 => table.cell_text(t.len()),
            Event::End(e) => {
                if depth_in_cell > 0 {
                    depth_in_cell -= 1;
                    if depth_in_cell == 0 {
                        table.end_cell();
                    }
                    continue;
                }
                match e.name().as_ref() {
                    "table:table-row" => table.end_row(),
                    "table:table" => table.check(file, limits)?,
                    _ => {}
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> String {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .map(|a| a.value.into_owned())
        .unwrap_or_default()
}

fn repeat(e: &BytesStart<'_>, name: &str) -> u64 {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.value.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

/// What calamine will materialise for one ODS table.
#[derive(Debug, Default)]
struct OdsExtent {
    name: String,
    rows_seen: u64,
    row_repeat: u64,
    col: u64,
    row_nonempty: bool,
    row_text: u64,
    row_cells_end: u64,
    first_row: Option<u64>,
    rows_end: u64,
    col_min: u64,
    col_max: u64,
    /// Cells calamine allocates before expanding repeated rows.
    stored_cells: u64,
    text_bytes: u64,
    cell_repeat: u64,
    cell_nonempty: bool,
    cell_text: u64,
}

impl OdsExtent {
    fn new(name: String) -> Self {
        OdsExtent {
            name,
            col_min: u64::MAX,
            ..Default::default()
        }
    }

    fn start_row(&mut self, repeat: u64) {
        // calamine stops counting rows at Excel's last row.
        self.row_repeat = repeat.min(1_048_576);
        self.col = 0;
        self.row_nonempty = false;
        self.row_text = 0;
        self.row_cells_end = 0;
    }

    fn start_cell(&mut self, e: &BytesStart<'_>) {
        // calamine stops at Excel's last column.
        self.cell_repeat = repeat(e, "table:number-columns-repeated").min(16_384);
        self.cell_nonempty = e
            .attributes()
            .flatten()
            .any(|a| a.key.as_ref().starts_with("office:") || a.key.as_ref() == "table:formula");
        self.cell_text = 0;
    }

    fn cell_has_content(&mut self) {
        self.cell_nonempty = true;
    }

    fn cell_text(&mut self, len: usize) {
        self.cell_nonempty = true;
        self.cell_text = self.cell_text.saturating_add(len as u64);
    }

    fn end_cell(&mut self) {
        let end = self.col.saturating_add(self.cell_repeat);
        if self.cell_nonempty {
            self.row_nonempty = true;
            self.col_min = self.col_min.min(self.col);
            self.col_max = self.col_max.max(end - 1);
            self.row_cells_end = end;
            self.row_text = self
                .row_text
                .saturating_add(self.cell_text.saturating_mul(self.cell_repeat));
        }
        self.col = end;
    }

    fn end_row(&mut self) {
        self.stored_cells = self.stored_cells.saturating_add(self.row_cells_end);
        if self.row_nonempty {
            if self.first_row.is_none() {
                self.first_row = Some(self.rows_seen);
            }
            self.rows_end = self.rows_seen.saturating_add(self.row_repeat);
            self.text_bytes = self
                .text_bytes
                .saturating_add(self.row_text.saturating_mul(self.row_repeat));
        }
        self.rows_seen = self.rows_seen.saturating_add(self.row_repeat);
    }

    fn check(&self, file: &str, limits: &Limits) -> Result<(), Error> {
        let Some(first_row) = self.first_row else {
            return Ok(());
        };
        let rows = self.rows_end - first_row;
        let cols = self.col_max.saturating_sub(self.col_min) + 1;
        let cells = rows.saturating_mul(cols).max(self.stored_cells);
        let limit = |message: String| Error::Limit {
            file: file.to_owned(),
            message,
        };
        if cells > limits.max_cells {
            return Err(limit(format!(
                "sheet {:?} expands to {rows} rows x {cols} columns ({cells} cells), more than max_cells ({}); ODS sheets are loaded whole",
                self.name, limits.max_cells
            )));
        }
        if self.text_bytes > limits.max_inflated_bytes {
            return Err(limit(format!(
                "sheet {:?} expands to {} bytes of text (repeated cells), more than max_inflated_bytes ({})",
                self.name, self.text_bytes, limits.max_inflated_bytes
            )));
        }
        Ok(())
    }
}
