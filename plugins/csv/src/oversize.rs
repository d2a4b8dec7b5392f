//! Records larger than the csv reader may hold: the field size limit.
//!
//! The `csv` crate reads a whole record into one buffer, so a 200 MiB field
//! would be held whole. The bytes it pulls pass a [`Budget`]: past a
//! record's budget the pull fails, the record is measured again field by
//! field with `csv-core` through a fixed buffer ([`scan`]), and reading
//! starts afresh after it. Nothing of the record is held but its first
//! [`RAW_BYTES`], for the quarantine.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The most of a record's text handed to the quarantine.
pub const RAW_BYTES: usize = 64 * 1024;

/// The default `max_field_bytes`: 1 MiB.
pub const DEFAULT_MAX_FIELD_BYTES: u64 = 1024 * 1024;

/// Bytes a record may take in the file before it is measured rather than
/// read: room for every field at the limit with each byte a doubled
/// quote, up to 64 MiB (never less than one such field).
pub fn record_budget(limit: u64, fields: usize) -> u64 {
    let slack = 64 * 1024;
    let every_field = limit
        .saturating_mul(2)
        .saturating_mul(fields.max(1) as u64)
        .saturating_add(slack);
    every_field
        .min(64 * 1024 * 1024)
        .max(limit.saturating_mul(2).saturating_add(slack))
}

/// Where the bytes pulled for the current record must stop (an offset from
/// where the csv reader starts), shared by the reader and its input.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    end: Arc<AtomicU64>,
    tripped: Arc<AtomicBool>,
}

impl Budget {
    pub fn set(&self, end: u64) {
        self.end.store(end, Ordering::Relaxed);
        self.tripped.store(false, Ordering::Relaxed);
    }

    /// Whether the last pull failed for the budget (and so the csv reader
    /// can read no more: it must be made afresh).
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }

    /// Fails a pull that would start at `consumed` past the budget.
    pub fn check(&self, consumed: u64) -> std::io::Result<()> {
        if consumed >= self.end.load(Ordering::Relaxed) {
            self.tripped.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("record larger than its budget"));
        }
        Ok(())
    }
}

/// One oversize record, measured.
#[derive(Debug)]
pub struct Measured {
    /// Offset just after the record (from where the csv reader starts).
    pub end: u64,
    /// `\n` bytes from the record's start offset to `end`.
    pub newlines: u64,
    /// `\n` bytes before the record's first character (line ends of the
    /// previous record, blank lines).
    pub leading_newlines: u64,
    /// The first field over the limit: its index and length.
    pub over: Option<(usize, u64)>,
    /// Bytes of the record from its first character to its end.
    pub len: u64,
    /// Its first [`RAW_BYTES`].
    pub head: Vec<u8>,
}

/// Measures the record at `offset` (from `base`, where the csv reader
/// starts in the file) field by field, holding none of it but its head.
pub fn scan(
    path: &Path,
    base: u64,
    offset: u64,
    delimiter: u8,
    quote: u8,
    limit: u64,
) -> std::io::Result<Measured> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(base + offset))?;
    let mut input = BufReader::with_capacity(64 * 1024, file);
    let mut core = csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote)
        .build();
    let mut output = vec![0u8; 64 * 1024];
    let mut measured = Measured {
        end: offset,
        newlines: 0,
        leading_newlines: 0,
        over: None,
        len: 0,
        head: Vec::new(),
    };
    let mut started = false;
    let mut field = 0usize;
    let mut field_len = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    let (mut pos, mut filled) = (0usize, 0usize);
    loop {
        if pos == filled {
            filled = input.read(&mut buffer)?;
            pos = 0;
        }
        let at_eof = filled == 0;
        // Line ends and blank lines before the record are not part of it.
        if !started {
            let skip = buffer[pos..filled]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            let skipped = count_newlines(&buffer[pos..pos + skip]);
            measured.leading_newlines += skipped;
            measured.newlines += skipped;
            measured.end += skip as u64;
            pos += skip;
            if pos == filled && !at_eof {
                continue;
            }
            started = true;
        }
        let pending = &buffer[pos..filled];
        let (result, nin, nout) = core.read_field(pending, &mut output);
        let taken = &pending[..nin];
        measured.newlines += count_newlines(taken);
        measured.end += nin as u64;
        measured.len += nin as u64;
        let room = RAW_BYTES.saturating_sub(measured.head.len());
        measured
            .head
            .extend_from_slice(&taken[..taken.len().min(room)]);
        pos += nin;
        field_len += nout as u64;
        match result {
            csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => {
                if at_eof && nin == 0 && nout == 0 {
                    return Ok(measured);
                }
            }
            csv_core::ReadFieldResult::Field { record_end } => {
                if field_len > limit && measured.over.is_none() {
                    measured.over = Some((field, field_len));
                }
                field += 1;
                field_len = 0;
                if record_end {
                    // The line end is not the record's.
                    let terminator = taken
                        .iter()
                        .rev()
                        .take(2)
                        .take_while(|&&b| b == b'\n' || b == b'\r')
                        .count();
                    measured.len -= terminator as u64;
                    return Ok(measured);
                }
            }
            csv_core::ReadFieldResult::End => return Ok(measured),
        }
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// `bytes` as text for the quarantine, marked as cut when the record held
/// `total` bytes and more than [`RAW_BYTES`] of them.
pub fn raw_head(bytes: &[u8], total: u64) -> String {
    let cut = &bytes[..bytes.len().min(RAW_BYTES)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if total > cut.len() as u64 {
        // A character cut in two reads as U+FFFD: drop it.
        if text.ends_with('\u{FFFD}') && std::str::from_utf8(cut).is_err() {
            text.pop();
        }
        text.push_str(&format!("… [truncated: {total} bytes in all]"));
    }
    text
}

/// A size as people write it: `1 MiB`, `64 KiB`, or bytes.
pub fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The quarantine reason for field `index` (named `name`) of `len` bytes.
pub fn reason(index: usize, name: &str, len: u64, limit: u64) -> String {
    format!(
        "field {} ({name}) is larger than the limit of {} ({len} bytes); raise max_field_bytes if it is real",
        index + 1,
        size_text(limit)
    )
}
