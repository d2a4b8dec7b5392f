//! What a file really is, from its content, and the checks that run before
//! calamine sees it: declared uncompressed sizes of zip parts, and the
//! extent of whole-sheet formats (XLS, ODS) whose sheets calamine loads
//! into memory at once.

mod ods;
pub mod oversize;
mod xls;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use jstac_workbook::{Container, Format};

use crate::error::Error;
use crate::options::Limits;

/// Detects the format from the first bytes (and, for zip and compound files,
/// the parts inside), and checks the limits that must hold before calamine
/// opens the file. For an XLSX holding a text over `max_field_bytes`, also
/// the workbook to read instead (see [`oversize`]).
pub fn detect(
    path: &Path,
    file: &str,
    limits: &Limits,
) -> Result<(Format, Option<tempfile::TempPath>), Error> {
    let io = |source| Error::Io {
        file: file.to_owned(),
        source,
    };
    let open = |message: String| Error::Open {
        file: file.to_owned(),
        message,
    };
    let mut input = File::open(path).map_err(io)?;
    let mut head = Vec::with_capacity(8192);
    (&mut input).take(8192).read_to_end(&mut head).map_err(io)?;
    if head.is_empty() {
        return Err(open("is empty (0 bytes), not a spreadsheet".into()));
    }
    input.seek(SeekFrom::Start(0)).map_err(io)?;
    match jstac_workbook::container(&head) {
        Some(Container::Zip) => zip_format(BufReader::new(input), file, limits),
        Some(Container::Compound) => {
            xls::check(input, file, limits)?;
            Ok((Format::Xls, None))
        }
        None => Err(open(not_a_spreadsheet(&head))),
    }
}

/// Says what a file that is neither a zip nor a compound file looks like.
fn not_a_spreadsheet(head: &[u8]) -> String {
    if head.starts_with(b"%PDF") {
        return "is a PDF document, not a spreadsheet".into();
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    // Cut at most three bytes of a character split by the 8 KiB window.
    let valid = match std::str::from_utf8(text) {
        Ok(text) => Some(text),
        Err(e) if text.len() - e.valid_up_to() < 4 && e.error_len().is_none() => {
            std::str::from_utf8(&text[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    let looks_textual = |t: &str| !t.contains('\0');
    match valid.filter(|t| looks_textual(t)) {
        None if head.contains(&0) => {
            "is not a spreadsheet: its content is not a zip (XLSX, XLSB, ODS) or an Excel 97-2003 compound file".into()
        }
        None => "looks like text in a legacy encoding, not a spreadsheet; if it is CSV, read it with the csv plugin".into(),
        Some(text) => {
            let start = text.trim_start().to_ascii_lowercase();
            if start.starts_with("<?xml") && start.contains("urn:schemas-microsoft-com:office:spreadsheet") {
                "is an Excel 2003 XML spreadsheet, which this plugin does not read; save it as .xlsx".into()
            } else if start.starts_with("<!doctype html")
                || start.starts_with("<html")
                || start.starts_with("<table")
                || (start.starts_with('<') && start.contains("<table"))
            {
                "looks like an HTML page saved with a spreadsheet name, not a spreadsheet; save it as .xlsx or .csv".into()
            } else if start.starts_with('<') {
                "looks like XML text, not a spreadsheet".into()
            } else if text.lines().take(5).any(|l| l.contains([',', ';', '\t', '|'])) {
                "looks like CSV text, not a spreadsheet; read it with the csv plugin".into()
            } else {
                "looks like plain text, not a spreadsheet".into()
            }
        }
    }
}

fn zip_format<R: Read + Seek>(
    input: R,
    file: &str,
    limits: &Limits,
) -> Result<(Format, Option<tempfile::TempPath>), Error> {
    let open = |e: jstac_workbook::Error| Error::Open {
        file: file.to_owned(),
        message: e.to_string(),
    };
    let mut zip = jstac_workbook::open_zip(input).map_err(open)?;
    // Every part's declared uncompressed size; the zip reader refuses to
    // inflate a part past its declared size, so these sums bound memory.
    let mut total: u64 = 0;
    for index in 0..zip.len() {
        let part = zip.by_index_raw(index).map_err(|e| Error::Open {
            file: file.to_owned(),
            message: format!("damaged zip entry {index}: {e}"),
        })?;
        total = total.saturating_add(part.size());
    }
    if total > limits.max_inflated_bytes {
        return Err(Error::Limit {
            file: file.to_owned(),
            message: format!(
                "its parts inflate to {total} bytes, more than max_inflated_bytes ({}): a zip bomb, or raise the option",
                limits.max_inflated_bytes
            ),
        });
    }
    let workbook = jstac_workbook::zip_workbook(&mut zip).map_err(open)?;
    if workbook.format == Format::Ods {
        ods::check(&mut zip, file, limits)?;
    }
    let damaged = |e: zip::result::ZipError| Error::Open {
        file: file.to_owned(),
        message: format!("cannot be read as XLSX: {e}"),
    };
    if workbook.format == Format::Xlsx
        && oversize::scan(&mut zip, limits.max_field_bytes).map_err(damaged)?
    {
        let copy = oversize::filtered_copy(&mut zip, limits.max_field_bytes).map_err(damaged)?;
        return Ok((workbook.format, Some(copy)));
    }
    Ok((workbook.format, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_files_are_named_for_what_they_are() {
        assert!(not_a_spreadsheet(b"Ref,Surname,DOB\nN1,HOXHA,02/03/1995\n").contains("CSV"));
        assert!(not_a_spreadsheet(b"<html><table><tr><td>1</td></tr></table>").contains("HTML"));
        assert!(not_a_spreadsheet(b"%PDF-1.4 ...").contains("PDF"));
        assert!(not_a_spreadsheet(b"\x00\x01\x02binary").contains("not a spreadsheet"));
        assert!(
            not_a_spreadsheet(
                b"<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">"
            )
            .contains("2003 XML")
        );
    }
}
