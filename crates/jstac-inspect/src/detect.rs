//! What a file is, from its first bytes and (for zips) its parts: never
//! from its extension, since agency files arrive misnamed.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use jstac_workbook::{Container, Format};
use serde::Serialize;

use crate::error::InspectError;

/// How much of a file is read to tell its format and sniff a delimiter.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Lines looked at to choose a CSV delimiter.
const SNIFF_LINES: usize = 50;

/// The format of a file, as detected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "format", rename_all = "lowercase")]
pub enum Detected {
    /// Delimited text.
    Csv {
        /// The delimiter, sniffed from the first lines.
        delimiter: char,
        encoding: TextEncoding,
        /// The file starts with a UTF-8 byte-order mark (the plugin drops it).
        bom: bool,
    },
    /// A workbook; `kind` is `xlsx`, `xlsm`, `xlsb`, `xls` or `ods`.
    Spreadsheet { kind: String },
    /// XML; `encoding` as the file declares it or its byte-order mark says.
    Xml { encoding: String },
}

impl Detected {
    /// The format name plugins list in their `formats` (`csv`, `xlsx`, `xml`).
    pub fn format_name(&self) -> &str {
        match self {
            Detected::Csv { .. } => "csv",
            Detected::Spreadsheet { kind } => kind,
            Detected::Xml { .. } => "xml",
        }
    }

    /// One line for people: `CSV, delimiter ";", windows-1252`.
    pub fn describe(&self) -> String {
        match self {
            Detected::Csv {
                delimiter,
                encoding,
                bom,
            } => format!(
                "CSV text, delimiter {:?}, {}{}",
                delimiter.to_string(),
                encoding.label(),
                if *bom { " with byte-order mark" } else { "" }
            ),
            Detected::Spreadsheet { kind } => format!("{} workbook", kind.to_uppercase()),
            Detected::Xml { encoding } => format!("XML, {encoding}"),
        }
    }
}

/// Text encodings the CSV plugin reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// The CSV plugin's name for it.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

/// Detects the format of the file at `path` from its content.
pub fn detect(path: &Path) -> Result<Detected, InspectError> {
    let fail = |message: String| InspectError::new(path, message);
    let mut head = Vec::with_capacity(HEAD_BYTES);
    File::open(path)
        .and_then(|file| file.take(HEAD_BYTES as u64).read_to_end(&mut head))
        .map_err(|e| fail(e.to_string()))?;
    if head.is_empty() {
        return Err(fail("is empty (0 bytes)".into()));
    }
    // The spreadsheet plugin's own identification (jstac-workbook), so the
    // kind named here is the one the plugin will read.
    match jstac_workbook::container(&head) {
        Some(Container::Zip) => {
            let workbook =
                jstac_workbook::zip_workbook_at(path).map_err(|e| fail(e.to_string()))?;
            return Ok(Detected::Spreadsheet {
                kind: workbook.kind().into(),
            });
        }
        Some(Container::Compound) => return Ok(Detected::Spreadsheet { kind: "xls".into() }),
        None => {}
    }
    if head.starts_with(b"%PDF") {
        return Err(fail(
            "is a PDF document; ask the agency for the data as CSV, XLSX or XML".into(),
        ));
    }
    if let Some(encoding) = xml_encoding(&head) {
        return Ok(Detected::Xml { encoding });
    }
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(fail(
            "is UTF-16 text, which the csv plugin does not read; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)"
                .into(),
        ));
    }
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let text = if bom { &head[3..] } else { &head[..] };
    if text.iter().take(4096).filter(|&&b| b == 0).count() > 0 {
        return Err(fail(
            "is binary, not text, a workbook or XML; jstac inspect cannot tell what it is".into(),
        ));
    }
    let encoding = if utf8_prefix(text, head.len() == HEAD_BYTES) {
        TextEncoding::Utf8
    } else {
        TextEncoding::Windows1252
    };
    Ok(Detected::Csv {
        delimiter: sniff_delimiter(text),
        encoding,
        bom,
    })
}

/// Whether `bytes` is UTF-8, allowing a character cut at the end of a
/// truncated read.
fn utf8_prefix(bytes: &[u8], truncated: bool) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => truncated && e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    }
}

/// The encoding of an XML file, if the bytes start like XML: a UTF-16
/// byte-order mark or pattern before `<`, else `<` after an optional UTF-8
/// byte-order mark and whitespace.
fn xml_encoding(head: &[u8]) -> Option<String> {
    match head {
        [0xFF, 0xFE, b'<', 0, ..] | [b'<', 0, b'?', 0, ..] => return Some("UTF-16LE".into()),
        [0xFE, 0xFF, 0, b'<', ..] | [0, b'<', 0, b'?', ..] => return Some("UTF-16BE".into()),
        _ => {}
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &text[start..];
    if !text.starts_with(b"<") {
        return None;
    }
    // `<` then a name, `?` or `!`: not a CSV line that happens to start with `<`.
    match text.get(1) {
        Some(b'?' | b'!') => {}
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return None,
    }
    let declared = text
        .starts_with(b"<?xml")
        .then(|| {
            let end = text.iter().position(|&b| b == b'>')?;
            let declaration = std::str::from_utf8(&text[..end]).ok()?;
            let at = declaration.find("encoding")?;
            let rest = &declaration[at + "encoding".len()..];
            let rest = rest.trim_start().strip_prefix('=')?.trim_start();
            let quote = rest.chars().next()?;
            let value = rest[1..].split(quote).next()?;
            Some(value.to_owned())
        })
        .flatten();
    Some(declared.unwrap_or_else(|| "UTF-8".into()))
}

/// The delimiter among `,`, `;`, tab and `|` that splits the first lines
/// most consistently (the same count on most lines, outside quotes); `,`
/// when none does.
pub fn sniff_delimiter(text: &[u8]) -> char {
    let lines = split_lines(text);
    let mut best = (',', 0usize);
    for candidate in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, candidate))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        // Lines agreeing with the header's count, weighted by that count.
        let agreeing = counts.iter().filter(|&&c| c == first).count();
        let score = agreeing * 1000 + first;
        if score > best.1 {
            best = (candidate as char, score);
        }
    }
    best.0
}

/// Whole lines of the head, skipping blank ones; a quoted line break stays
/// inside its line. The last, possibly cut line is dropped when there are others.
fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (index, &byte) in text.iter().enumerate() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                let line = &text[start..index];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if !line.iter().all(u8::is_ascii_whitespace) {
                    lines.push(line);
                }
                start = index + 1;
                if lines.len() == SNIFF_LINES {
                    return lines;
                }
            }
            _ => {}
        }
    }
    let rest = &text[start..];
    if (lines.is_empty() || text.len() < HEAD_BYTES) && !rest.iter().all(u8::is_ascii_whitespace) {
        lines.push(rest);
    }
    lines
}

fn count_outside_quotes(line: &[u8], delimiter: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &byte in line {
        if byte == b'"' {
            quoted = !quoted;
        } else if byte == delimiter && !quoted {
            n += 1;
        }
    }
    n
}

/// A sheet of a workbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetInfo {
    pub index: usize,
    pub name: String,
    /// `visible`, `hidden` or `very hidden`.
    pub visibility: String,
    /// Worksheet, chart sheet, ...
    pub kind: String,
}

/// The sheets of a workbook of `kind` (as [`Detected::Spreadsheet`] names
/// it), hidden ones included, in workbook order. Call after the
/// spreadsheet plugin has accepted the file: XLS and ODS workbooks are read
/// whole here, and the plugin checks their size first.
pub fn sheets(path: &Path, kind: &str) -> Result<Vec<SheetInfo>, InspectError> {
    let format = match kind {
        "xls" => Format::Xls,
        "xlsb" => Format::Xlsb,
        "ods" => Format::Ods,
        _ => Format::Xlsx,
    };
    let sheets = jstac_workbook::sheets(path, format)
        .map_err(|e| InspectError::new(path, format!("listing sheets: {e}")))?;
    Ok(sheets
        .into_iter()
        .enumerate()
        .map(|(index, sheet)| SheetInfo {
            index,
            name: sheet.name,
            visibility: sheet.visibility.into(),
            kind: sheet.kind.into(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_the_one_that_splits_lines_consistently() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n4,5,6\n"), ',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3\n4;5,0;6\n"), ';');
        assert_eq!(sniff_delimiter(b"a\tb\n\"x,y\"\t2\n"), '\t');
        assert_eq!(sniff_delimiter(b"Ref|Name\nN1|\"A|B\"\n"), '|');
        assert_eq!(sniff_delimiter(b"just one column\nvalue\n"), ',');
        // A quoted line break does not end the line.
        assert_eq!(sniff_delimiter(b"a;b\n\"x\ny, z\";2\n"), ';');
    }

    #[test]
    fn xml_is_told_from_text_by_its_first_tag() {
        assert_eq!(
            xml_encoding(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"),
            Some("ISO-8859-1".into())
        );
        assert_eq!(xml_encoding(b"\xEF\xBB\xBF  <Feed>"), Some("UTF-8".into()));
        assert_eq!(xml_encoding(b"\xFF\xFE<\0?\0"), Some("UTF-16LE".into()));
        assert_eq!(xml_encoding(b"<5 years,ok\n"), None);
        assert_eq!(xml_encoding(b"Ref,Name\n"), None);
    }

    fn detect_bytes(bytes: &[u8]) -> Result<Detected, InspectError> {
        let dir = std::env::temp_dir().join(format!("jstac-inspect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("f{}", bytes.len()));
        std::fs::write(&path, bytes).unwrap();
        let detected = detect(&path);
        let _ = std::fs::remove_file(&path);
        detected
    }

    #[test]
    fn text_encodings_and_byte_order_marks() {
        assert_eq!(
            detect_bytes(b"\xEF\xBB\xBFRef;Name\nN1;Se\xC3\xA1n\n").unwrap(),
            Detected::Csv {
                delimiter: ';',
                encoding: TextEncoding::Utf8,
                bom: true
            }
        );
        assert_eq!(
            detect_bytes(b"Ref,Name\nN1,Se\xE1n\n").unwrap(),
            Detected::Csv {
                delimiter: ',',
                encoding: TextEncoding::Windows1252,
                bom: false
            }
        );
        assert_eq!(
            detect_bytes(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest").unwrap(),
            Detected::Spreadsheet { kind: "xls".into() }
        );
        let error = detect_bytes(b"\xFF\xFER\0e\0f\0").unwrap_err().to_string();
        assert!(error.contains("UTF-16"), "{error}");
        let error = detect_bytes(b"").unwrap_err().to_string();
        assert!(error.contains("empty"), "{error}");
    }

    #[test]
    fn a_zip_is_judged_as_the_spreadsheet_plugin_judges_it() {
        // An empty zip archive: the plugin's identification says what it is.
        let mut empty_zip = b"PK\x05\x06".to_vec();
        empty_zip.resize(22, 0);
        let error = detect_bytes(&empty_zip).unwrap_err().to_string();
        assert!(error.contains("zip archive with no workbook"), "{error}");
    }
}
