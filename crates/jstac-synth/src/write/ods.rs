//! The ODS encoder: an OpenDocument spreadsheet written directly, as a zip
//! of XML with fixed timestamps (so the bytes are the same every run).

use std::io::Write as _;
use std::path::Path;

use super::out::io_err;
use super::xml;
use crate::date::{Date, dmy, iso};
use crate::error::{Result, SynthError};

/// A text cell.
pub(super) fn text(value: &str) -> String {
    format!(
        "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
        xml::escape(value)
    )
}

/// A date cell shown `dd/mm/yyyy`, or an empty cell.
pub(super) fn date(day: Option<Date>) -> String {
    match day {
        None => "<table:table-cell/>".to_owned(),
        Some(day) => format!(
            "<table:table-cell table:style-name=\"ce_date\" office:value-type=\"date\" office:date-value=\"{}\"><text:p>{}</text:p></table:table-cell>",
            iso(day),
            dmy(day)
        ),
    }
}

/// A number cell.
pub(super) fn float(value: u32) -> String {
    format!(
        "<table:table-cell office:value-type=\"float\" office:value=\"{value}\"><text:p>{value}</text:p></table:table-cell>"
    )
}

pub(super) fn row(cells: &[String]) -> String {
    format!("<table:table-row>{}</table:table-row>", cells.concat())
}

/// A sheet of `rows`, hidden or not.
pub(super) fn table(name: &str, rows: &[String], hidden: bool) -> String {
    format!(
        "<table:table table:name=\"{}\" table:style-name=\"{}\">{}</table:table>",
        xml::escape(name),
        if hidden { "ta2" } else { "ta1" },
        rows.concat()
    )
}

/// Writes the spreadsheet of `tables`, in order, to `path`.
pub(super) fn save(path: &Path, tables: &[String]) -> Result<()> {
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ODS_NS}><office:automatic-styles>\
<style:style style:name=\"ta1\" style:family=\"table\"><style:table-properties table:display=\"true\"/></style:style>\
<style:style style:name=\"ta2\" style:family=\"table\"><style:table-properties table:display=\"false\"/></style:style>\
<number:date-style style:name=\"N37\"><number:day number:style=\"long\"/><number:text>/</number:text><number:month number:style=\"long\"/><number:text>/</number:text><number:year number:style=\"long\"/></number:date-style>\
<style:style style:name=\"ce_date\" style:family=\"table-cell\" style:data-style-name=\"N37\"/>\
</office:automatic-styles><office:body><office:spreadsheet>{}</office:spreadsheet></office:body></office:document-content>",
        tables.concat(),
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
    let zip_err = |e: zip::result::ZipError| SynthError::Format {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let file = std::fs::File::create(path).map_err(io_err(path))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let when = zip::DateTime::from_date_and_time(2017, 1, 9, 9, 0, 0).expect("a valid date");
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(when);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(when);
    zip.start_file("mimetype", stored).map_err(zip_err)?;
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .map_err(io_err(path))?;
    zip.start_file("content.xml", deflated).map_err(zip_err)?;
    zip.write_all(content.as_bytes()).map_err(io_err(path))?;
    zip.start_file("META-INF/manifest.xml", deflated)
        .map_err(zip_err)?;
    zip.write_all(manifest.as_bytes()).map_err(io_err(path))?;
    zip.finish().map_err(zip_err)?;
    Ok(())
}

const ODS_NS: &str = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\" office:version=\"1.2\"";
