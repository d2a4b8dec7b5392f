//! Texts longer than `max_field_bytes` in an XLSX, found before calamine
//! reads it: calamine loads the shared strings whole and holds an inline
//! string whole, so a 500 MiB cell would be held (three times over).
//! [`scan`] streams the sheets and the shared strings through a fixed
//! buffer; when some text is over the limit, [`filtered_copy`] writes the
//! workbook again to a temporary file with each such text replaced by
//! [`MARKER`] and its length, which the reader turns into
//! `Value::TooLarge` (the row is quarantined naming the cell).

use std::io::{self, Read, Seek, Write};

/// What an over-long text is replaced by, then its length in bytes: a
/// private-use character no agency text starts a cell with.
pub const MARKER: &str = "\u{E000}jstac-text-over-limit:";

/// The length a marked text stood for, if `text` is one.
pub fn marked_len(text: &str) -> Option<u64> {
    text.strip_prefix(MARKER)?.parse().ok()
}

/// Whether zip part `name` holds cell text: a worksheet or the shared strings.
fn holds_text(name: &str) -> bool {
    name == "xl/sharedStrings.xml" || (name.starts_with("xl/worksheets/") && name.ends_with(".xml"))
}

/// Copies XML `input` to `output`, each text run (between `>` and `<`)
/// whose text is surely over `limit` bytes replaced by the marker and its
/// length; returns how many were. Holds at most `limit` bytes of a run.
fn filter<R: Read, W: Write>(mut input: R, mut output: W, limit: u64) -> io::Result<u64> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut in_text = false;
    // The current run: kept until it is known to be short, then written.
    let mut run: Vec<u8> = Vec::new();
    let mut run_raw = 0u64;
    // Its text length at least: an entity (`&…;`) is one byte or more.
    let mut run_text = 0u64;
    let mut in_entity = false;
    let mut dropping = false;
    let mut replaced = 0;
    loop {
        let n = input.read(&mut buffer)?;
        if n == 0 {
            output.write_all(&run)?;
            return Ok(replaced);
        }
        let mut start = 0;
        for (i, &byte) in buffer[..n].iter().enumerate() {
            if !in_text {
                if byte == b'>' {
                    output.write_all(&buffer[start..=i])?;
                    start = i + 1;
                    in_text = true;
                    run.clear();
                    (run_raw, run_text, in_entity, dropping) = (0, 0, false, false);
                }
                continue;
            }
            if byte == b'<' {
                if dropping {
                    write!(output, "{MARKER}{run_raw}")?;
                    replaced += 1;
                } else {
                    output.write_all(&run)?;
                    output.write_all(&buffer[start..i])?;
                }
                run.clear();
                start = i;
                in_text = false;
                continue;
            }
            run_raw += 1;
            match byte {
                b'&' => {
                    in_entity = true;
                    run_text += 1;
                }
                b';' if in_entity => in_entity = false,
                _ if in_entity => {}
                _ => run_text += 1,
            }
            if !dropping && run_text > limit {
                dropping = true;
                run.clear();
            }
        }
        if in_text {
            if !dropping {
                run.extend_from_slice(&buffer[start..n]);
            }
        } else {
            output.write_all(&buffer[start..n])?;
        }
    }
}

/// Whether a worksheet or the shared strings hold a text over `limit`.
pub fn scan<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    limit: u64,
) -> zip::result::ZipResult<bool> {
    for index in 0..zip.len() {
        let part = zip.by_index(index)?;
        let name = part.name()?.into_owned();
        if holds_text(&name) && filter(part, io::sink(), limit)? > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The workbook again, in a temporary file (removed when the path is
/// dropped), each text over `limit` in its sheets and shared strings
/// replaced by [`MARKER`] and its length; every other part copied as it is.
pub fn filtered_copy<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    limit: u64,
) -> zip::result::ZipResult<tempfile::TempPath> {
    let (file, path) = tempfile::NamedTempFile::new()?.into_parts();
    let mut writer = zip::ZipWriter::new(io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for index in 0..zip.len() {
        let name = zip.by_index_raw(index)?.name()?.into_owned();
        if holds_text(&name) {
            writer.start_file(name, options)?;
            filter(zip.by_index(index)?, &mut writer, limit)?;
        } else {
            writer.raw_copy_file(zip.by_index_raw(index)?)?;
        }
    }
    writer.finish()?.flush()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filtered(xml: &str, limit: u64) -> (String, u64) {
        let mut out = Vec::new();
        let replaced = filter(xml.as_bytes(), &mut out, limit).unwrap();
        (String::from_utf8(out).unwrap(), replaced)
    }

    #[test]
    fn only_texts_over_the_limit_are_replaced() {
        let xml = "<si><t>abcd</t></si><si><t>abcde</t></si><si><t>a&amp;&amp;b</t></si>";
        assert_eq!(
            filtered(xml, 4),
            (
                format!(
                    "<si><t>abcd</t></si><si><t>{MARKER}5</t></si><si><t>a&amp;&amp;b</t></si>"
                ),
                1
            )
        );
        assert_eq!(marked_len(&format!("{MARKER}5")), Some(5));
        assert_eq!(marked_len("abc"), None);
        // Across reads of any size the copy is the same.
        let long = format!("<a>{}</a><b>ok</b>", "x".repeat(200_000));
        let (out, replaced) = filtered(&long, 100_000);
        assert_eq!(
            (out.as_str(), replaced),
            (format!("<a>{MARKER}200000</a><b>ok</b>").as_str(), 1)
        );
    }
}
