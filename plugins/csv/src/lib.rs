//! The jstac CSV plugin, on the `csv` crate.
//!
//! Reads a header row (or takes field names from the options), any one-byte
//! delimiter and quote, and UTF-8 (a leading byte-order mark is dropped) or
//! Windows-1252 text. A ragged row or a row with bytes that are not valid in
//! the declared encoding is not fatal: it is handed to the runner as a
//! rejected record with its line and the reason, and goes to quarantine. A
//! quoted field opened and never closed (it would swallow every line after
//! it into one field) rejects the file, naming the line it opened on and
//! the lines it covers. A field larger than `max_field_bytes` (1 MiB by
//! default) rejects its record, and is measured without being held (see
//! [`oversize`]).

#![forbid(unsafe_code)]

mod oversize;

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

use oversize::Budget;

use jstac_sdk::{BatchBuilder, Plugin, PluginError, RecordReader};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct CsvPlugin;

/// `[source.options]` of a pipeline that reads CSV.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// Field delimiter: one ASCII character (`","`, `";"`, `"\t"`, `"|"`).
    #[serde(default = "default_delimiter")]
    pub delimiter: char,
    /// Quote character: one ASCII character.
    #[serde(default = "default_quote")]
    pub quote: char,
    /// Whether the first row names the fields.
    #[serde(default = "default_true")]
    pub has_header: bool,
    /// Field names, when the file has no header row.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Lines to skip before the header (title lines above a table).
    #[serde(default)]
    pub skip_lines: u32,
    /// Text encoding of the file.
    #[serde(default)]
    pub encoding: Encoding,
    /// The largest field, in bytes as the file holds it: a record with a
    /// larger field goes to quarantine, and is never held whole.
    #[serde(default = "default_max_field_bytes")]
    #[schemars(range(min = 1))]
    pub max_field_bytes: u64,
}

fn default_max_field_bytes() -> u64 {
    oversize::DEFAULT_MAX_FIELD_BYTES
}

/// Encodings the plugin reads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// Windows-1252 (what most UK desktop tools call "ANSI" or Latin-1).
    #[serde(
        rename = "windows-1252",
        alias = "cp1252",
        alias = "latin-1",
        alias = "iso-8859-1"
    )]
    Windows1252,
}

fn default_delimiter() -> char {
    ','
}
fn default_quote() -> char {
    '"'
}
fn default_true() -> bool {
    true
}

impl Plugin for CsvPlugin {
    const NAME: &'static str = "csv";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const FORMATS: &'static [&'static str] = &["csv", "tsv", "txt"];
    type Options = CsvOptions;
    type Reader = CsvReader;

    fn open(path: &Path, options: CsvOptions) -> Result<CsvReader, PluginError> {
        CsvReader::open(path, options)
    }
}

jstac_sdk::export_plugin!(CsvPlugin);

pub struct CsvReader {
    reader: csv::Reader<LineEndTracker<BufReader<File>>>,
    /// Line ends seen, to locate records by their first line.
    line_ends: LineEnds,
    fields: Vec<String>,
    encoding: Encoding,
    delimiter: u8,
    quote: u8,
    record: csv::ByteRecord,
    /// Lines before the first line the csv reader sees (skipped title lines).
    line_offset: u64,
    /// The file, and where in it the csv reader starts (after a byte-order
    /// mark and skipped lines), to check a record that runs to the end.
    path: std::path::PathBuf,
    start: u64,
    /// Bytes the csv reader sees: the file's length less `start`.
    csv_len: u64,
    /// Where the current csv reader starts (from `start`), and the line
    /// ends before it: past an oversize record reading starts afresh.
    base: u64,
    base_lines: u64,
    max_field_bytes: u64,
    /// Bytes one record may pull (see [`oversize::record_budget`]).
    record_budget: u64,
    budget: Budget,
}

fn ascii_byte(option: &str, c: char) -> Result<u8, PluginError> {
    if c.is_ascii() {
        Ok(c as u8)
    } else {
        Err(PluginError::Open(format!(
            "option {option}: {c:?} is not a single ASCII character"
        )))
    }
}

impl CsvReader {
    fn open(path: &Path, options: CsvOptions) -> Result<Self, PluginError> {
        let delimiter = ascii_byte("delimiter", options.delimiter)?;
        let quote = ascii_byte("quote", options.quote)?;
        let mut input = BufReader::with_capacity(256 * 1024, File::open(path)?);
        let file_len = input.get_ref().metadata()?.len();
        let mut start = skip_bom(&mut input)?;
        let mut line_offset = 0;
        for _ in 0..options.skip_lines {
            let mut line = Vec::new();
            let n = input.read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            start += n as u64;
            line_offset += 1;
        }
        let line_ends = LineEnds::default();
        let budget = Budget::default();
        // The header row, of fields not yet counted.
        budget.set(oversize::record_budget(options.max_field_bytes, usize::MAX));
        let mut reader =
            csv_reader(delimiter, quote, options.has_header).from_reader(LineEndTracker {
                inner: input,
                ends: line_ends.clone(),
                consumed: 0,
                budget: budget.clone(),
            });

        let fields = match (options.has_header, options.columns) {
            (_, Some(columns)) if !options.has_header => columns,
            (true, columns) => {
                if columns.is_some() {
                    return Err(PluginError::Open(
                        "option columns: only for files without a header row (has_header = false)"
                            .into(),
                    ));
                }
                let header = reader
                    .byte_headers()
                    .map_err(|e| read_error(line_offset + 1, e))?
                    .clone();
                header_names(&header, options.encoding, line_offset + 1)?
            }
            (false, _) => {
                return Err(PluginError::Open(
                    "option columns: required when has_header = false".into(),
                ));
            }
        };
        check_unique(&fields)?;
        let record_budget = oversize::record_budget(options.max_field_bytes, fields.len());
        Ok(CsvReader {
            reader,
            line_ends,
            fields,
            encoding: options.encoding,
            delimiter,
            quote,
            record: csv::ByteRecord::new(),
            line_offset,
            path: path.to_owned(),
            start,
            csv_len: file_len.saturating_sub(start),
            base: 0,
            base_lines: 0,
            max_field_bytes: options.max_field_bytes,
            record_budget,
            budget,
        })
    }

    /// The name of field `index`, also past the header's end.
    fn field_name(&self, index: usize) -> Cow<'_, str> {
        self.fields
            .get(index)
            .map_or_else(|| format!("column_{}", index + 1).into(), Cow::from)
    }

    /// Rejects the record at `record_start` that pulled more than its
    /// budget, measuring it without holding it, and reads on after it
    /// with a new csv reader.
    fn skip_oversize(
        &mut self,
        record_start: u64,
        batch: &mut BatchBuilder,
    ) -> Result<(), PluginError> {
        let measured = oversize::scan(
            &self.path,
            self.start,
            record_start,
            self.delimiter,
            self.quote,
            self.max_field_bytes,
        )?;
        let before = self.line_ends.newlines_before(record_start);
        let line = before + measured.leading_newlines + 1 + self.line_offset;
        let reason = match measured.over {
            Some((index, len)) => {
                oversize::reason(index, &self.field_name(index), len, self.max_field_bytes)
            }
            None => format!(
                "the record is larger than the limit of {} for a record ({} bytes)",
                oversize::size_text(self.record_budget),
                measured.len
            ),
        };
        let raw = oversize::raw_head(&measured.head, measured.len);
        batch.push_reject(format_args!("line {line}"), &reason, &raw);
        let after = before + measured.newlines;
        self.line_ends.restart(after);
        self.base = measured.end;
        self.base_lines = after;
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.start + measured.end))?;
        self.reader = csv_reader(self.delimiter, self.quote, false).from_reader(LineEndTracker {
            inner: BufReader::with_capacity(256 * 1024, file),
            ends: self.line_ends.clone(),
            consumed: measured.end,
            budget: self.budget.clone(),
        });
        Ok(())
    }

    /// Fails when the record just read, which runs to the end of the file
    /// and began at byte `record_start`, ends inside a quoted field: a
    /// quote opened and never closed swallows every line after it into one
    /// field, which the csv crate returns as a record without complaint.
    /// The record's bytes are read again with a line end and one more field
    /// after them: a closed record gives two records, an open quote one.
    fn check_closed(&self, record_start: u64) -> Result<(), PluginError> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.start + record_start))?;
        let mut reparse = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .quote(self.quote)
            .has_headers(false)
            .flexible(true)
            .from_reader(BufReader::new(file).chain(&b"\nend"[..]));
        let mut record = csv::ByteRecord::new();
        let mut records = 0;
        while reparse
            .read_byte_record(&mut record)
            .map_err(|e| read_error(self.line_offset + 1, e))?
        {
            records += 1;
        }
        if records > 1 {
            return Ok(());
        }
        // The open field is the record's last; it runs to the end of the file.
        let open_field = self.record.iter().next_back().unwrap_or_default();
        let file_newlines = self.line_ends.newlines_seen();
        let opened = file_newlines + 1 - memchr_count(open_field) + self.line_offset;
        let first = file_newlines + 1 - memchr_count(self.record.as_slice()) + self.line_offset;
        let last = if open_field.ends_with(b"\n") {
            file_newlines + self.line_offset
        } else {
            file_newlines + 1 + self.line_offset
        };
        Err(PluginError::Read {
            locator: format!("line {opened}"),
            message: format!(
                "a quoted field opened on line {opened} is never closed: lines {first}-{last} ({} lines) are not read as records",
                last + 1 - first
            ),
        })
    }

    /// The record as CSV text, for the quarantine (its first
    /// [`oversize::RAW_BYTES`], marked when cut).
    fn raw_text(&self) -> String {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .quote(self.quote)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let _ = writer.write_byte_record(&self.record);
        let mut bytes = writer.into_inner().unwrap_or_default();
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        oversize::raw_head(&bytes, bytes.len() as u64)
    }
}

impl RecordReader for CsvReader {
    fn fields(&self) -> &[String] {
        &self.fields
    }

    fn read_batch(&mut self, batch: &mut BatchBuilder) -> Result<bool, PluginError> {
        while !batch.is_full() {
            let line_hint = self.reader.position().line() + self.base_lines + self.line_offset;
            let record_start = self.base + self.reader.position().byte();
            self.budget
                .set(record_start.saturating_add(self.record_budget));
            let more = match self.reader.read_byte_record(&mut self.record) {
                Ok(more) => more,
                Err(_) if self.budget.tripped() => {
                    self.skip_oversize(record_start, batch)?;
                    continue;
                }
                Err(e) => return Err(read_error(line_hint, e)),
            };
            if !more {
                return Ok(false);
            }
            let record_end = self.base + self.reader.position().byte();
            if record_end >= self.csv_len {
                self.check_closed(record_start)?;
            }
            let inner_newlines = memchr_count(self.record.as_slice());
            let line = self
                .line_ends
                .record_line(record_end, inner_newlines)
                .map_or(line_hint, |line| line + self.line_offset);
            if self.record.len() != self.fields.len() {
                let reason = format!(
                    "row has {} fields; the header has {}",
                    self.record.len(),
                    self.fields.len()
                );
                batch.push_reject(format_args!("line {line}"), &reason, &self.raw_text());
                continue;
            }
            let limit = self.max_field_bytes;
            if let Some((index, field)) =
                (self.record.iter().enumerate()).find(|(_, field)| field.len() as u64 > limit)
            {
                let reason =
                    oversize::reason(index, &self.field_name(index), field.len() as u64, limit);
                batch.push_reject(format_args!("line {line}"), &reason, &self.raw_text());
                continue;
            }
            match self.encoding {
                Encoding::Utf8 => match utf8_fields(&self.record) {
                    Ok(()) => batch.push_record(
                        format_args!("line {line}"),
                        self.record.iter().map(|field| {
                            // Checked just above.
                            Some(std::str::from_utf8(field).unwrap_or_default())
                        }),
                    ),
                    Err((index, at)) => {
                        let reason = format!(
                            "field {} ({}): invalid UTF-8 at byte {at}; if the file is not UTF-8, set encoding = \"windows-1252\"",
                            index + 1,
                            self.fields[index]
                        );
                        batch.push_reject(format_args!("line {line}"), &reason, &self.raw_text());
                    }
                },
                Encoding::Windows1252 => batch.push_record(
                    format_args!("line {line}"),
                    self.record.iter().map(|field| Some(decode_1252(field))),
                ),
            }
        }
        Ok(true)
    }
}

/// Where line ends are in the bytes the csv reader has pulled, to locate
/// records by the line their first character is on. The csv crate notes a
/// record's position before it skips the `\n` of a previous `\r\n` and
/// any blank lines, so its own line would be early in CRLF files and after
/// blank lines. Offsets are counted from where the csv reader starts and
/// dropped as records pass them: this holds only what is buffered.
#[derive(Debug, Clone, Default)]
struct LineEnds(std::sync::Arc<std::sync::Mutex<LineEndsInner>>);

#[derive(Debug, Default)]
struct LineEndsInner {
    /// `\n` bytes before the oldest offset still held.
    passed_newlines: u64,
    newlines: std::collections::VecDeque<u64>,
    carriage_returns: std::collections::VecDeque<u64>,
}

impl LineEnds {
    /// The 1-based line (from where the csv reader starts) of the first
    /// character of the record that ended at byte `end` (just after its
    /// terminator, if it has one) and holds `inner_newlines` line ends.
    fn record_line(&self, end: u64, inner_newlines: u64) -> Option<u64> {
        let mut ends = self.0.lock().ok()?;
        let last = end.checked_sub(1);
        let terminated = last.is_some_and(|last| {
            ends.newlines.binary_search(&last).is_ok()
                || ends.carriage_returns.binary_search(&last).is_ok()
        });
        let content_end = if terminated { end - 1 } else { end };
        while ends.newlines.front().is_some_and(|&at| at < content_end) {
            ends.newlines.pop_front();
            ends.passed_newlines += 1;
        }
        while ends
            .carriage_returns
            .front()
            .is_some_and(|&at| at < content_end)
        {
            ends.carriage_returns.pop_front();
        }
        Some((ends.passed_newlines + 1).saturating_sub(inner_newlines))
    }
}

impl LineEnds {
    /// `\n` bytes before offset `at`, of those pulled and not yet passed.
    fn newlines_before(&self, at: u64) -> u64 {
        self.0.lock().map_or(0, |ends| {
            ends.passed_newlines + ends.newlines.iter().filter(|&&n| n < at).count() as u64
        })
    }

    /// Forgets every offset held, with `passed` line ends before the next
    /// byte pulled: reading starts afresh there.
    fn restart(&self, passed: u64) {
        if let Ok(mut ends) = self.0.lock() {
            ends.passed_newlines = passed;
            ends.newlines.clear();
            ends.carriage_returns.clear();
        }
    }

    /// Every `\n` the csv reader has pulled so far.
    fn newlines_seen(&self) -> u64 {
        self.0
            .lock()
            .map_or(0, |ends| ends.passed_newlines + ends.newlines.len() as u64)
    }
}

/// Passes bytes through to the csv reader, noting its line ends (see [`LineEnds`]).
struct LineEndTracker<R> {
    inner: R,
    ends: LineEnds,
    consumed: u64,
    /// Fails a pull past the current record's budget.
    budget: Budget,
}

impl<R: std::io::Read> std::io::Read for LineEndTracker<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        self.budget.check(self.consumed)?;
        let n = self.inner.read(buffer)?;
        if let Ok(mut ends) = self.ends.0.lock() {
            for (index, &byte) in buffer[..n].iter().enumerate() {
                let at = self.consumed + index as u64;
                match byte {
                    b'\n' => ends.newlines.push_back(at),
                    b'\r' => ends.carriage_returns.push_back(at),
                    _ => {}
                }
            }
        }
        self.consumed += n as u64;
        Ok(n)
    }
}

/// The number of `\n` bytes in `bytes`.
fn memchr_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Drops a UTF-8 byte-order mark at the very start of the file; returns
/// the bytes dropped.
fn skip_bom(input: &mut BufReader<File>) -> std::io::Result<u64> {
    let start = input.fill_buf()?;
    if start.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
        return Ok(3);
    }
    Ok(0)
}

/// Which field (and byte within it) is not valid UTF-8, if any.
fn utf8_fields(record: &csv::ByteRecord) -> Result<(), (usize, usize)> {
    // Fast path: the whole record's bytes at once.
    if std::str::from_utf8(record.as_slice()).is_ok() {
        return Ok(());
    }
    for (index, field) in record.iter().enumerate() {
        if let Err(e) = std::str::from_utf8(field) {
            return Err((index, e.valid_up_to()));
        }
    }
    Ok(())
}

fn decode_1252(bytes: &[u8]) -> Cow<'_, str> {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
}

fn header_names(
    header: &csv::ByteRecord,
    encoding: Encoding,
    line: u64,
) -> Result<Vec<String>, PluginError> {
    header
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            let name = match encoding {
                Encoding::Utf8 => std::str::from_utf8(bytes)
                    .map_err(|_| PluginError::Read {
                        locator: format!("line {line}"),
                        message: format!("header field {} is not valid UTF-8", index + 1),
                    })?
                    .trim()
                    .to_owned(),
                Encoding::Windows1252 => decode_1252(bytes).trim().to_owned(),
            };
            Ok(if name.is_empty() {
                format!("column_{}", index + 1)
            } else {
                name
            })
        })
        .collect()
}

fn check_unique(fields: &[String]) -> Result<(), PluginError> {
    for (index, name) in fields.iter().enumerate() {
        if let Some(first) = fields[..index].iter().position(|other| other == name) {
            return Err(PluginError::Open(format!(
                "field name {name:?} appears twice (columns {} and {})",
                first + 1,
                index + 1
            )));
        }
    }
    Ok(())
}

/// A csv reader of the options' delimiter and quote; a ragged row is
/// returned as it is (the plugin rejects it).
fn csv_reader(delimiter: u8, quote: u8, has_headers: bool) -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder
        .delimiter(delimiter)
        .quote(quote)
        .has_headers(has_headers)
        .flexible(true);
    builder
}

fn read_error(line: u64, error: csv::Error) -> PluginError {
    PluginError::Read {
        locator: format!("line {line}"),
        message: error.to_string(),
    }
}
