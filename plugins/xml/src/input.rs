//! The bytes under the parser: encoding detection, decoding to UTF-8, and
//! the [`Tap`] that counts lines, checks characters, bounds tokens and
//! keeps the current record's text.

use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::Encoding;
use quick_xml::encoding::DecodingReader;

use crate::error::XmlError;

/// How far into the file the XML declaration is looked for.
const DECLARATION_WINDOW: usize = 1024;

/// The encoding a file is read in, as found from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Detected {
    pub encoding: &'static Encoding,
}

/// Finds the encoding from the first bytes of a file: a UTF-16 byte-order
/// mark or `<?` pattern, else the XML declaration's `encoding`, else UTF-8.
pub(crate) fn detect_bytes(start: &[u8]) -> Result<Detected, XmlError> {
    let utf16 = match start {
        [0xFF, 0xFE, ..] | [b'<', 0, b'?', 0, ..] => Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF, ..] | [0, b'<', 0, b'?', ..] => Some(encoding_rs::UTF_16BE),
        _ => None,
    };
    if let Some(encoding) = utf16 {
        return Ok(Detected { encoding });
    }
    let text = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    let had_bom = text.len() != start.len();
    let Some(label) = declared_encoding(text) else {
        return Ok(Detected {
            encoding: encoding_rs::UTF_8,
        });
    };
    // Named in errors: the label only, and not much of it.
    let label_text: String = String::from_utf8_lossy(label).chars().take(40).collect();
    let Some(encoding) = Encoding::for_label(label) else {
        return Err(XmlError::Encoding(format!(
            "the XML declaration names encoding {label_text:?}, which this plugin does not read"
        )));
    };
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        return Err(XmlError::Encoding(format!(
            "the XML declaration says {label_text:?} but the file is not UTF-16 (no byte-order mark, single-byte characters)"
        )));
    }
    if !encoding.is_ascii_compatible() {
        return Err(XmlError::Encoding(format!(
            "encoding {label_text:?} is not supported"
        )));
    }
    if had_bom && encoding != encoding_rs::UTF_8 {
        return Err(XmlError::Encoding(format!(
            "the file starts with a UTF-8 byte-order mark but its XML declaration says {label_text:?}"
        )));
    }
    Ok(Detected { encoding })
}

/// The `encoding` pseudo-attribute of an XML declaration at the start of `text`.
fn declared_encoding(text: &[u8]) -> Option<&[u8]> {
    let rest = text.strip_prefix(b"<?xml")?;
    if !rest.first().is_some_and(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let end = rest.windows(2).position(|w| w == b"?>")?;
    let declaration = &rest[..end];
    let at = declaration.windows(8).position(|w| w == b"encoding")?;
    let mut rest = &declaration[at + 8..];
    let skip_ws = |s: &mut &[u8]| {
        while s.first().is_some_and(|b| b.is_ascii_whitespace()) {
            *s = &s[1..];
        }
    };
    skip_ws(&mut rest);
    rest = rest.strip_prefix(b"=")?;
    skip_ws(&mut rest);
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value = &rest[1..];
    let close = value.iter().position(|&b| b == quote)?;
    Some(&value[..close])
}

/// Opens a reader of UTF-8 text: the file itself when it is UTF-8, else a
/// decoder from its encoding.
pub(crate) fn utf8_source<R: Read + Send + 'static>(
    input: R,
) -> Result<(Source, Detected), XmlError> {
    let input: Box<dyn Read + Send> = Box::new(input);
    let mut input = BufReader::with_capacity(256 * 1024, input);
    // The declaration is at the very start: what the first fill returns (a
    // whole buffer for a file) is enough to look at, and nothing is consumed.
    let window = input.fill_buf()?;
    let window = &window[..window.len().min(DECLARATION_WINDOW)];
    let detected = detect_bytes(window)?;
    let source = if detected.encoding == encoding_rs::UTF_8 {
        Source::Utf8(input)
    } else {
        let mut decoder = DecodingReader::new(input);
        // UTF-16 is found again by the decoder from the same bytes (and its
        // byte-order mark dropped); an ASCII-compatible encoding is set here,
        // before anything is read.
        if detected.encoding.is_ascii_compatible() {
            decoder.set_encoding(detected.encoding);
        }
        Source::Decoded(decoder)
    };
    Ok((source, detected))
}

/// UTF-8 text: the file's own bytes, or decoded from its encoding. (An
/// enum, not a trait object: the tap calls `fill_buf` once per token.)
pub(crate) enum Source {
    Utf8(BufReader<Box<dyn Read + Send>>),
    Decoded(DecodingReader<BufReader<Box<dyn Read + Send>>>),
}

impl Source {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Source::Utf8(reader) => reader.fill_buf(),
            Source::Decoded(reader) => reader.fill_buf(),
        }
    }

    /// What `fill_buf` last returned, without reading (and, for the file's
    /// own bytes, without the cost of a call that could read).
    #[inline]
    fn buffered(&mut self) -> io::Result<&[u8]> {
        match self {
            Source::Utf8(reader) => Ok(reader.buffer()),
            Source::Decoded(reader) => reader.fill_buf(),
        }
    }

    #[inline]
    fn consume(&mut self, amount: usize) {
        match self {
            Source::Utf8(reader) => reader.consume(amount),
            Source::Decoded(reader) => reader.consume(amount),
        }
    }
}

/// An illegal character found in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    pub line: u64,
    /// Byte offset in the UTF-8 text.
    pub offset: u64,
    pub code: u32,
}

/// Sits between the UTF-8 source and quick-xml, seeing every byte the
/// parser consumes, once:
/// - counts lines, so records and errors are located by line;
/// - finds characters XML forbids (C0 controls other than tab, CR and LF;
///   U+FFFE, U+FFFF), which quick-xml does not check;
/// - refuses a token (tag, text, comment, DOCTYPE…) longer than the limit,
///   before quick-xml has buffered more than that of it;
/// - keeps the bytes of the current record, up to the limit, for the
///   quarantine.
///
/// The parser consumes a few bytes at a time (one token, or part of one);
/// looking at each such piece on its own cost more than the parse. So the
/// tap only moves its position in the source's buffer when the parser
/// consumes, and looks at the consumed bytes in bulk: when the buffer is
/// refilled (before its bytes are gone) and when the reader asks
/// ([`Tap::sync`]: at a record's start and end, and before any error).
pub(crate) struct Tap {
    inner: Source,
    /// Bytes of the source's current buffer the parser has consumed (the
    /// source itself is told only on refill).
    pos: usize,
    /// Bytes of the source's current buffer already looked at.
    seen: usize,
    /// Length of the source's current buffer.
    available: usize,
    pub state: TapState,
}

/// What the [`Tap`] has seen.
#[derive(Debug)]
pub(crate) struct TapState {
    /// Bytes consumed.
    pub offset: u64,
    /// Bytes looked at (lines counted, characters checked, captured); at
    /// most `offset`.
    observed: u64,
    /// Line of the byte at `observed` (1-based).
    pub line: u64,
    token_start: u64,
    /// The line `token_start` is on, once the bytes before it are looked at.
    token_line: Option<u64>,
    limit: u64,
    /// Set when a token went past the limit (the parser then sees an I/O error).
    pub token_overflow: bool,
    capture: Vec<u8>,
    capture_limit: usize,
    /// Where the capture starts: bytes consumed from here on are the
    /// current record's text.
    capture_start: u64,
    /// The first forbidden character seen.
    pub fault: Option<Fault>,
    /// 1 after a 0xEF byte, 2 after 0xEF 0xBF: looking for U+FFFE / U+FFFF.
    ef_state: u8,
}

impl Tap {
    pub fn new(inner: Source, limit: u64) -> Self {
        Tap {
            inner,
            pos: 0,
            seen: 0,
            available: 0,
            state: TapState {
                offset: 0,
                observed: 0,
                line: 1,
                token_start: 0,
                token_line: Some(1),
                limit,
                token_overflow: false,
                capture: Vec::new(),
                capture_limit: usize::try_from(limit).unwrap_or(usize::MAX),
                capture_start: 0,
                fault: None,
                ef_state: 0,
            },
        }
    }

    /// Looks at every byte consumed so far: after it, `state.line`,
    /// `state.fault` and the capture are up to date.
    pub fn sync(&mut self) {
        let Tap {
            inner,
            pos,
            seen,
            state,
            ..
        } = self;
        if *seen >= *pos {
            return;
        }
        // The source is told of consumed bytes only on refill, so this is
        // the same buffer again, without reading.
        match inner.buffered() {
            Ok(buffer) => {
                let end = (*pos).min(buffer.len());
                if *seen < end {
                    state.observe(&buffer[*seen..end]);
                }
                *seen = *pos;
            }
            Err(_) => *seen = *pos,
        }
        state.observed = state.offset;
    }

    /// The line the current token starts on.
    pub fn token_line(&mut self) -> u64 {
        if self.state.token_line.is_none() {
            self.sync();
        }
        self.state.token_line.unwrap_or(self.state.line)
    }

    /// Tells the source of every consumed byte, after looking at them.
    fn release(&mut self) {
        self.sync();
        self.inner.consume(self.pos);
        self.pos = 0;
        self.seen = 0;
        self.available = 0;
    }
}

impl TapState {
    /// A new token starts at the next byte.
    pub fn start_token(&mut self) {
        self.token_start = self.offset;
        self.token_line = (self.observed == self.offset).then_some(self.line);
    }

    /// Forgets the captured text: the next byte consumed starts it anew.
    pub fn clear_capture(&mut self) {
        self.capture.clear();
        self.capture_start = self.offset;
    }

    /// Bytes consumed since the capture was last cleared (counted past the limit).
    pub fn captured_len(&self) -> u64 {
        self.offset - self.capture_start
    }

    /// The captured bytes (at most the limit), once synced.
    pub fn captured(&self) -> &[u8] {
        &self.capture
    }

    /// Looks at the next consumed bytes (from `observed` on).
    fn observe(&mut self, chunk: &[u8]) {
        let base = self.observed;
        // The token start's line, if it is inside this chunk.
        if self.token_line.is_none() && self.token_start >= base {
            let before = usize::try_from(self.token_start - base).unwrap_or(usize::MAX);
            if before <= chunk.len() {
                self.observe_part(&chunk[..before]);
                self.token_line = Some(self.line);
                self.observe_part(&chunk[before..]);
                return;
            }
        }
        self.observe_part(chunk);
    }

    fn observe_part(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        // Fast path, one branch-free pass: newlines counted, and whether any
        // byte is a forbidden control or 0xEF (the lead byte of U+FFFE and
        // U+FFFF, rare in text), which the slow path then looks at.
        let mut newlines = 0u64;
        let mut suspect = 0u8;
        let mut blocks = chunk.chunks_exact(SCAN_BLOCK);
        for block in &mut blocks {
            // A fixed length, so the loop is unrolled and vectorised whole.
            let block: &[u8; SCAN_BLOCK] = block.try_into().unwrap_or(&[0; SCAN_BLOCK]);
            let (n, s) = scan(block);
            newlines += n;
            suspect |= s;
        }
        let (n, s) = scan(blocks.remainder());
        newlines += n;
        suspect |= s;
        if suspect == 0 && self.ef_state == 0 {
            self.line += newlines;
        } else {
            self.observe_slowly(chunk);
        }
        let start = self.observed;
        let end = start + chunk.len() as u64;
        if end > self.capture_start {
            let skip = usize::try_from(self.capture_start.saturating_sub(start)).unwrap_or(0);
            let room = self.capture_limit.saturating_sub(self.capture.len());
            let take = &chunk[skip..];
            self.capture
                .extend_from_slice(&take[..room.min(take.len())]);
        }
        self.observed = end;
    }

    fn observe_slowly(&mut self, chunk: &[u8]) {
        let mut ef = self.ef_state;
        let mut line = self.line;
        for (index, &byte) in chunk.iter().enumerate() {
            if ef != 0 {
                ef = match (ef, byte) {
                    (1, 0xBF) => 2,
                    (2, 0xBE) => {
                        self.note_fault(line, index, 0xFFFE);
                        0
                    }
                    (2, 0xBF) => {
                        self.note_fault(line, index, 0xFFFF);
                        0
                    }
                    _ => 0,
                };
            }
            if byte < 0x20 {
                if byte == b'\n' {
                    line += 1;
                } else if byte != b'\t' && byte != b'\r' {
                    self.note_fault(line, index, u32::from(byte));
                }
            } else if byte == 0xEF {
                ef = 1;
            }
        }
        self.ef_state = ef;
        self.line = line;
    }

    fn note_fault(&mut self, line: u64, index: usize, code: u32) {
        if self.fault.is_none() {
            self.fault = Some(Fault {
                line,
                offset: self.observed + index as u64,
                code,
            });
        }
    }
}

/// Bytes scanned per block by [`TapState::observe_part`]'s fast path.
const SCAN_BLOCK: usize = 64;

/// Newlines in `block`, and whether any byte is a forbidden control or 0xEF.
#[inline(always)]
fn scan(block: &[u8]) -> (u64, u8) {
    let mut newlines = 0u8;
    let mut suspect = 0u8;
    for &b in block {
        newlines += u8::from(b == b'\n');
        suspect |=
            u8::from((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | u8::from(b == 0xEF);
    }
    (u64::from(newlines), suspect)
}

impl Tap {
    /// `fill_buf` when the token is too long or the buffer is used up.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> io::Result<()> {
        if self.state.offset - self.state.token_start > self.state.limit {
            self.state.token_overflow = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a token longer than max_record_bytes",
            ));
        }
        if self.pos >= self.available {
            if self.pos > 0 {
                // Everything buffered is consumed: look at it before it goes.
                self.release();
            }
            self.available = self.inner.fill_buf()?.len();
        }
        Ok(())
    }
}

impl BufRead for Tap {
    /// Called by the parser several times per token: the common case (room
    /// in the token, bytes left in the buffer) is two comparisons.
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.state.offset - self.state.token_start > self.state.limit
            || self.pos >= self.available
        {
            self.refill()?;
        }
        // The same buffer again while `pos < available`.
        let pos = self.pos;
        let buffer = self.inner.buffered()?;
        Ok(&buffer[pos.min(buffer.len())..])
    }

    #[inline]
    fn consume(&mut self, amount: usize) {
        self.pos += amount;
        self.state.offset += amount as u64;
    }
}

impl Read for Tap {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}
