//! The XLS check: a compound file's workbook stream, its declared and
//! actual sheet extents and its shared-string text, before calamine loads
//! every sheet at open.

use std::fs::File;
use std::io::Read;

use crate::error::Error;
use crate::options::Limits;

/// BIFF record types the check reads.
mod biff {
    pub const BOF: u16 = 0x0809;
    pub const EOF: u16 = 0x000A;
    pub const FILEPASS: u16 = 0x002F;
    pub const DIMENSIONS: u16 = 0x0200;
    pub const MULRK: u16 = 0x00BD;
    pub const SST: u16 = 0x00FC;
    pub const CONTINUE: u16 = 0x003C;
    pub const LABELSST: u16 = 0x00FD;
    /// Records that start with a row and a column, as calamine reads them.
    pub const CELLS: [u16; 6] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x0006];
}

/// Checks an Excel 97-2003 workbook before calamine opens it. calamine reads
/// every sheet at open, reserving memory for the extent a sheet's
/// DIMENSIONS record declares and allocating the bounding box of its cells,
/// so a small hostile file can ask for terabytes: each sheet's declared and
/// actual extent must stay within `max_cells`. It also copies a shared
/// string into every cell that refers to it: the text of all those cells
/// must stay within `max_inflated_bytes`.
pub(super) fn check(input: File, file: &str, limits: &Limits) -> Result<(), Error> {
    let open = |message: String| Error::Open {
        file: file.to_owned(),
        message,
    };
    let mut cfb = cfb::CompoundFile::open(input).map_err(|e| {
        open(format!(
            "is a damaged or truncated Excel 97-2003 (compound) file: {e}"
        ))
    })?;
    if cfb.is_stream("/EncryptedPackage") {
        return Err(open(
            "is encrypted (password-protected); save it again without a password".into(),
        ));
    }
    let stream = ["/Workbook", "/Book", "/WORKBOOK", "/BOOK"]
        .into_iter()
        .find(|name| cfb.is_stream(name));
    let Some(stream) = stream else {
        let what = if cfb.is_stream("/WordDocument") {
            "is a Word 97-2003 document, not a spreadsheet"
        } else if cfb.is_stream("/PowerPoint Document") {
            "is a PowerPoint 97-2003 presentation, not a spreadsheet"
        } else {
            "is an OLE compound file with no Excel workbook in it"
        };
        return Err(open(what.into()));
    };
    let len = cfb
        .entry(stream)
        .map_err(|e| open(format!("damaged workbook stream: {e}")))?
        .len();
    if len > limits.max_inflated_bytes {
        return Err(Error::Limit {
            file: file.to_owned(),
            message: format!(
                "its workbook stream is {len} bytes, more than max_inflated_bytes ({}); XLS files are loaded whole",
                limits.max_inflated_bytes
            ),
        });
    }
    let mut bytes = Vec::new();
    cfb.open_stream(stream)
        .and_then(|mut s| s.read_to_end(&mut bytes))
        .map_err(|e| open(format!("is a damaged Excel 97-2003 file: {e}")))?;
    check_biff(&bytes, file, limits)
}

/// The extent checks on the BIFF record stream (see [`check`]).
fn check_biff(bytes: &[u8], file: &str, limits: &Limits) -> Result<(), Error> {
    let limit = |message: String| Error::Limit {
        file: file.to_owned(),
        message,
    };
    let u16_at = |data: &[u8], at: usize| -> u16 {
        data.get(at..at + 2)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |data: &[u8], at: usize| -> u32 {
        data.get(at..at + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut pos = 0usize;
    let mut depth = 0usize;
    let mut substream = 0usize;
    let mut extent = SheetExtent::default();
    let mut shared: Vec<u64> = Vec::new();
    let mut shared_text: u64 = 0;
    while pos + 4 <= bytes.len() {
        let typ = u16_at(bytes, pos);
        let len = usize::from(u16_at(bytes, pos + 2));
        let Some(data) = bytes.get(pos + 4..pos + 4 + len) else {
            // calamine stops at a cut record too; nothing more to allocate.
            break;
        };
        pos += 4 + len;
        match typ {
            biff::BOF => {
                depth += 1;
                if depth == 1 {
                    substream += 1;
                    extent = SheetExtent::default();
                }
            }
            biff::EOF => {
                if depth == 1 {
                    extent.check(substream - 1, limits.max_cells, &limit)?;
                }
                depth = depth.saturating_sub(1);
            }
            _ if depth != 1 => {}
            biff::SST => {
                let mut segments = vec![data];
                let mut next = pos;
                while next + 4 <= bytes.len() && u16_at(bytes, next) == biff::CONTINUE {
                    let len = usize::from(u16_at(bytes, next + 2));
                    let Some(more) = bytes.get(next + 4..next + 4 + len) else {
                        break;
                    };
                    segments.push(more);
                    next += 4 + len;
                }
                shared = shared_string_sizes(&segments);
            }
            biff::LABELSST if data.len() >= 10 => {
                extent.add(u16_at(data, 0), u16_at(data, 2), 1);
                let index = u32_at(data, 6) as usize;
                shared_text = shared_text.saturating_add(shared.get(index).copied().unwrap_or(0));
                if shared_text > limits.max_inflated_bytes {
                    return Err(limit(format!(
                        "its cells repeat shared strings to more than max_inflated_bytes ({}) of text; XLS files are loaded whole",
                        limits.max_inflated_bytes
                    )));
                }
            }
            biff::FILEPASS => {
                return Err(Error::Open {
                    file: file.to_owned(),
                    message: "is password-protected; save it again without a password".into(),
                });
            }
            biff::DIMENSIONS => {
                // As calamine reads it: BIFF8 has 32-bit rows.
                let (first_row, last_row, mut first_col, last_col) = match data.len() {
                    10 => (
                        u32::from(u16_at(data, 0)),
                        u32::from(u16_at(data, 2)),
                        u32::from(u16_at(data, 4)),
                        u32::from(u16_at(data, 6)),
                    ),
                    14 | 16 => (
                        u32_at(data, 0),
                        u32_at(data, 4),
                        u32::from(u16_at(data, 8)),
                        u32::from(u16_at(data, 10)),
                    ),
                    _ => continue,
                };
                if first_col > 0xFF || last_col < first_col {
                    first_col = 0;
                }
                if last_row >= 1 && last_col >= 1 {
                    if last_row - 1 < first_row {
                        return Err(Error::Open {
                            file: file.to_owned(),
                            message: format!(
                                "is a damaged Excel 97-2003 file: sheet {} declares its last row before its first",
                                substream - 1
                            ),
                        });
                    }
                    let rows = u64::from(last_row - first_row);
                    let cols = u64::from(last_col - first_col);
                    let cells = rows.saturating_mul(cols);
                    if cells > limits.max_cells {
                        return Err(limit(format!(
                            "sheet {} declares {rows} rows x {cols} columns ({cells} cells), more than max_cells ({}); XLS sheets are loaded whole",
                            substream - 1,
                            limits.max_cells
                        )));
                    }
                }
            }
            biff::MULRK if data.len() >= 6 => {
                let row = u16_at(data, 0);
                let first = u16_at(data, 2);
                let last = u16_at(data, data.len() - 2);
                extent.add(row, first, 1);
                extent.add(row, last.max(first), u64::from(last.saturating_sub(first)));
            }
            typ if biff::CELLS.contains(&typ) && data.len() >= 4 => {
                extent.add(u16_at(data, 0), u16_at(data, 2), 1);
            }
            _ => {}
        }
    }
    if depth >= 1 && substream > 0 {
        extent.check(substream - 1, limits.max_cells, &limit)?;
    }
    Ok(())
}

/// The UTF-8 size (at most) of each string of an SST record and its
/// CONTINUE records ([MS-XLS] 2.4.265, XLUnicodeRichExtendedString). Stops
/// at the first malformed string: calamine refuses the file then anyway.
fn shared_string_sizes(segments: &[&[u8]]) -> Vec<u64> {
    let mut input = Segments {
        segments,
        index: 0,
        offset: 8, // cstTotal, cstUnique
    };
    let mut sizes = Vec::new();
    while let Some(size) = input.string() {
        sizes.push(size);
    }
    sizes
}

/// Bytes split over a record and its CONTINUE records.
struct Segments<'a> {
    segments: &'a [&'a [u8]],
    index: usize,
    offset: usize,
}

impl Segments<'_> {
    /// Moves to the next segment when this one is used up; false at the end.
    fn ensure(&mut self) -> bool {
        while self.index < self.segments.len() && self.offset >= self.segments[self.index].len() {
            self.index += 1;
            self.offset = 0;
        }
        self.index < self.segments.len()
    }

    fn byte(&mut self) -> Option<u8> {
        if !self.ensure() {
            return None;
        }
        let byte = self.segments[self.index][self.offset];
        self.offset += 1;
        Some(byte)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
        ]))
    }

    fn skip(&mut self, mut n: u64) -> Option<()> {
        while n > 0 {
            if !self.ensure() {
                return None;
            }
            let left = (self.segments[self.index].len() - self.offset) as u64;
            let step = left.min(n);
            self.offset += step as usize;
            n -= step;
        }
        Some(())
    }

    /// One string; returns its UTF-8 size at most.
    fn string(&mut self) -> Option<u64> {
        let chars = self.u16()?;
        let flags = self.byte()?;
        let mut wide = flags & 0x01 != 0;
        let runs = if flags & 0x08 != 0 { self.u16()? } else { 0 };
        let extra = if flags & 0x04 != 0 { self.u32()? } else { 0 };
        let mut left = u64::from(chars);
        let mut any_wide = wide;
        // As calamine reads it: the characters left in this record, then
        // each CONTINUE record starts with its own flags byte.
        loop {
            let width = if wide { 2 } else { 1 };
            let available = self
                .segments
                .get(self.index)
                .map_or(0, |segment| segment.len().saturating_sub(self.offset))
                as u64;
            let take = (available / width).min(left);
            self.offset += (take * width) as usize;
            left -= take;
            if left == 0 {
                break;
            }
            self.index += 1;
            self.offset = 0;
            if self.index >= self.segments.len() {
                return None;
            }
            wide = self.byte()? & 0x01 != 0;
            any_wide |= wide;
        }
        self.skip(4 * u64::from(runs) + u64::from(extra))?;
        Some(u64::from(chars) * if any_wide { 3 } else { 1 })
    }
}

/// The bounding box and count of one XLS sheet's cells.
#[derive(Debug, Default)]
struct SheetExtent {
    cells: u64,
    bounds: Option<(u16, u16, u16, u16)>,
}

impl SheetExtent {
    fn add(&mut self, row: u16, col: u16, count: u64) {
        self.cells = self.cells.saturating_add(count);
        self.bounds = Some(match self.bounds {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn check(
        &self,
        substream: usize,
        max_cells: u64,
        limit: &dyn Fn(String) -> Error,
    ) -> Result<(), Error> {
        let Some((r0, r1, c0, c1)) = self.bounds else {
            return Ok(());
        };
        let rows = u64::from(r1 - r0) + 1;
        let cols = u64::from(c1 - c0) + 1;
        let area = rows * cols;
        if area > max_cells || self.cells > max_cells {
            return Err(limit(format!(
                "sheet {substream} spans {rows} rows x {cols} columns ({} cells), more than max_cells ({max_cells}); XLS sheets are loaded whole",
                area.max(self.cells)
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    fn limits() -> Limits {
        Limits {
            max_inflated_bytes: 1 << 20,
            max_cells: 1000,
            max_rows: 1000,
            max_field_bytes: 1 << 20,
        }
    }

    fn sheet(records: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = record(biff::BOF, &[0; 16]);
        bytes.extend(record(biff::EOF, &[]));
        bytes.extend(record(biff::BOF, &[0, 6, 0x10, 0, 0, 0, 0, 0]));
        for r in records {
            bytes.extend_from_slice(r);
        }
        bytes.extend(record(biff::EOF, &[]));
        bytes
    }

    #[test]
    fn an_enormous_declared_dimension_is_refused() {
        let mut dims = Vec::new();
        dims.extend_from_slice(&0u32.to_le_bytes());
        dims.extend_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        dims.extend_from_slice(&200u16.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        let bytes = sheet(&[record(biff::DIMENSIONS, &dims)]);
        let err = check_biff(&bytes, "x.xls", &limits()).unwrap_err();
        assert!(err.to_string().contains("max_cells"), "{err}");
    }

    #[test]
    fn an_inverted_dimension_is_refused() {
        let mut dims = Vec::new();
        dims.extend_from_slice(&50u32.to_le_bytes());
        dims.extend_from_slice(&10u32.to_le_bytes());
        dims.extend_from_slice(&[0, 0, 5, 0, 0, 0]);
        let bytes = sheet(&[record(biff::DIMENSIONS, &dims)]);
        let err = check_biff(&bytes, "x.xls", &limits()).unwrap_err();
        assert!(
            err.to_string().contains("last row before its first"),
            "{err}"
        );
    }

    #[test]
    fn shared_string_sizes_follow_continue_records() {
        // "abc" compressed; then a UTF-16 string of 4 characters split after
        // one character, its CONTINUE record restarting compressed.
        let sst: Vec<u8> = [
            &[3u8, 0, 0, 0, 3, 0, 0, 0][..],
            &[3, 0, 0, b'a', b'b', b'c'],
            &[4, 0, 1, b'x', 0],
        ]
        .concat();
        let more = [0u8, b'y', b'z', b'w'];
        assert_eq!(shared_string_sizes(&[&sst, &more]), [3, 12]);
        // A rich string with two runs and 2 bytes of extension data.
        let rich: Vec<u8> = [
            &[0u8; 8][..],
            &[2, 0, 0x0C, 2, 0, 2, 0, 0, 0, b'o', b'k'],
            &[0; 10],
            &[1, 0, 0, b'!'],
        ]
        .concat();
        assert_eq!(shared_string_sizes(&[&rich]), [2, 1]);
    }

    #[test]
    fn far_apart_cells_are_refused_and_near_ones_pass() {
        let number = |row: u16, col: u16| {
            let mut data = row.to_le_bytes().to_vec();
            data.extend_from_slice(&col.to_le_bytes());
            data.extend_from_slice(&[0; 10]);
            record(0x0203, &data)
        };
        let far = sheet(&[number(0, 0), number(65_535, 255)]);
        assert!(check_biff(&far, "x.xls", &limits()).is_err());
        let near = sheet(&[number(0, 0), number(9, 9)]);
        assert!(check_biff(&near, "x.xls", &limits()).is_ok());
    }
}
