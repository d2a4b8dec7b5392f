//! What kind of workbook a file is, from its content (never its name, since
//! agency files arrive misnamed), and which sheets it has.
//!
//! One owner for two users: the spreadsheet plugin, which identifies a file
//! before it checks its limits and reads it, and `jstac inspect`, which
//! reports the format and the sheets. Identifying reads the first bytes
//! and, for a zip, its `mimetype` or `[Content_Types].xml` part; it checks
//! no limits (the plugin does, before calamine loads anything).
//!
//! This crate is plain Rust over `zip` and `calamine`: no plugin ABI, no
//! exported symbol.

#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

/// A workbook format calamine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML (`.xlsx`, `.xlsm`, templates): streamed.
    Xlsx,
    /// Excel binary workbook (`.xlsb`): streamed.
    Xlsb,
    /// Excel 97-2003 (`.xls`, BIFF8/BIFF5): loaded whole.
    Xls,
    /// OpenDocument spreadsheet (`.ods`): loaded whole.
    Ods,
}

impl Format {
    /// `XLSX`, `XLSB`, `XLS` or `ODS`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "XLSX",
            Format::Xlsb => "XLSB",
            Format::Xls => "XLS",
            Format::Ods => "ODS",
        }
    }
}

/// An identified workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workbook {
    pub format: Format,
    /// An Office Open XML workbook declared macro-enabled (`.xlsm`); read
    /// as XLSX, macros ignored.
    pub macro_enabled: bool,
}

impl Workbook {
    /// The format name plugins list in their `formats`: `xlsx`, `xlsm`,
    /// `xlsb`, `xls` or `ods`.
    pub fn kind(self) -> &'static str {
        match self.format {
            Format::Xlsx if self.macro_enabled => "xlsm",
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

/// Why a file is not a workbook, or cannot be identified as one: says what
/// the file is instead, without naming it (the caller does).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

/// The container a workbook's first bytes announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A zip archive (XLSX, XLSM, XLSB, ODS), possibly empty.
    Zip,
    /// An OLE2 compound file (XLS).
    Compound,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Largest `[Content_Types].xml` or `mimetype` part read to tell formats apart.
const SMALL_PART: u64 = 1 << 20;

/// The container of a file whose content starts with `head`, if it is one
/// a workbook comes in.
pub fn container(head: &[u8]) -> Option<Container> {
    if head.starts_with(ZIP_MAGIC) || head.starts_with(EMPTY_ZIP_MAGIC) {
        Some(Container::Zip)
    } else if head.starts_with(CFB_MAGIC) {
        Some(Container::Compound)
    } else {
        None
    }
}

/// Opens a zip archive, or says why it is not a readable workbook.
pub fn open_zip<R: Read + Seek>(input: R) -> Result<zip::ZipArchive<R>, Error> {
    zip::ZipArchive::new(input).map_err(|e| {
        Error(format!(
            "is not a complete zip archive, so not a readable XLSX, XLSB or ODS file (truncated or damaged?): {e}"
        ))
    })
}

/// The workbook in a zip archive, from its `mimetype` (ODS) or its
/// `[Content_Types].xml` (XLSX, XLSM, XLSB), else from its workbook part.
pub fn zip_workbook<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<Workbook, Error> {
    let mut small_part = |name: &str| -> Result<Option<String>, Error> {
        let Some(index) = zip.index_for_name(name) else {
            return Ok(None);
        };
        let mut part = zip
            .by_index(index)
            .map_err(|e| Error(format!("cannot read part {name}: {e}")))?;
        let mut bytes = Vec::new();
        (&mut part)
            .take(SMALL_PART)
            .read_to_end(&mut bytes)
            .map_err(|e| Error(format!("cannot read part {name}: {e}")))?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    };
    let workbook = |format| Workbook {
        format,
        macro_enabled: false,
    };

    if let Some(mimetype) = small_part("mimetype")? {
        let mimetype = mimetype.trim();
        return match mimetype {
            "application/vnd.oasis.opendocument.spreadsheet"
            | "application/vnd.oasis.opendocument.spreadsheet-template" => {
                Ok(workbook(Format::Ods))
            }
            other if other.starts_with("application/vnd.oasis.opendocument.") => {
                Err(Error(format!(
                    "is an OpenDocument {} file, not a spreadsheet",
                    other.trim_start_matches("application/vnd.oasis.opendocument.")
                )))
            }
            _ => Err(Error(
                "is a zip archive with an unknown mimetype, not a spreadsheet".into(),
            )),
        };
    }
    let types = small_part("[Content_Types].xml")?.unwrap_or_default();
    // An XLSX whose content types mention macros is an XLSM.
    let xlsx = Workbook {
        format: Format::Xlsx,
        macro_enabled: types.contains("macroEnabled"),
    };
    if types.contains("application/vnd.ms-excel.sheet.binary.macroEnabled.main") {
        return Ok(workbook(Format::Xlsb));
    }
    if types.contains("spreadsheetml.sheet.main+xml")
        || types.contains("spreadsheetml.template.main+xml")
        || types.contains("application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        || types.contains("application/vnd.ms-excel.template.macroEnabled.main+xml")
    {
        return Ok(xlsx);
    }
    if types.contains("wordprocessingml") {
        return Err(Error("is a Word document (DOCX), not a spreadsheet".into()));
    }
    if types.contains("presentationml") {
        return Err(Error(
            "is a PowerPoint presentation (PPTX), not a spreadsheet".into(),
        ));
    }
    if zip.index_for_name("xl/workbook.bin").is_some() {
        Ok(workbook(Format::Xlsb))
    } else if zip.index_for_name("xl/workbook.xml").is_some() {
        Ok(xlsx)
    } else {
        Err(Error(
            "is a zip archive with no workbook in it, not a spreadsheet".into(),
        ))
    }
}

/// The workbook in the zip archive at `path`.
pub fn zip_workbook_at(path: &Path) -> Result<Workbook, Error> {
    let file = File::open(path).map_err(|e| Error(e.to_string()))?;
    zip_workbook(&mut open_zip(BufReader::new(file))?)
}

/// A sheet of a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    /// `visible`, `hidden` or `very hidden`.
    pub visibility: &'static str,
    /// `worksheet`, `chart sheet`, `dialog sheet`, `macro sheet` or `vba`.
    pub kind: &'static str,
}

/// The sheets of a workbook, hidden ones included, in workbook order. XLS
/// and ODS workbooks are read whole: call this after the plugin has
/// accepted the file (it checks their size first).
pub fn sheets(path: &Path, format: Format) -> Result<Vec<Sheet>, Error> {
    use calamine::{Reader, SheetType, SheetVisible};
    let fail = |e: &dyn std::fmt::Display| Error(e.to_string());
    let open = || File::open(path).map(BufReader::new).map_err(|e| fail(&e));
    let metadata: Vec<calamine::Sheet> = match format {
        Format::Xls => calamine::Xls::new(open()?)
            .map_err(|e| fail(&e))?
            .sheets_metadata()
            .to_vec(),
        Format::Xlsb => calamine::Xlsb::new(open()?)
            .map_err(|e| fail(&e))?
            .sheets_metadata()
            .to_vec(),
        Format::Ods => calamine::Ods::new(open()?)
            .map_err(|e| fail(&e))?
            .sheets_metadata()
            .to_vec(),
        Format::Xlsx => calamine::Xlsx::new(open()?)
            .map_err(|e| fail(&e))?
            .sheets_metadata()
            .to_vec(),
    };
    Ok(metadata
        .into_iter()
        .map(|sheet| Sheet {
            name: sheet.name,
            visibility: match sheet.visible {
                SheetVisible::Visible => "visible",
                SheetVisible::Hidden => "hidden",
                SheetVisible::VeryHidden => "very hidden",
            },
            kind: match sheet.typ {
                SheetType::WorkSheet => "worksheet",
                SheetType::DialogSheet => "dialog sheet",
                SheetType::MacroSheet => "macro sheet",
                SheetType::ChartSheet => "chart sheet",
                SheetType::Vba => "vba",
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xlsx(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("book.bin");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook
            .add_worksheet()
            .set_name("Codes")
            .unwrap()
            .set_hidden(true);
        workbook
            .add_worksheet()
            .set_name("Cases")
            .unwrap()
            .set_active(true);
        workbook.save(&path).unwrap();
        path
    }

    /// The same zip with `[Content_Types].xml` rewritten by `edit`.
    fn rewrite_types(path: &Path, to: &Path, edit: impl Fn(String) -> String) {
        let mut from = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
        let mut out = zip::ZipWriter::new(File::create(to).unwrap());
        for i in 0..from.len() {
            let mut part = from.by_index(i).unwrap();
            let name = part.name().unwrap().into_owned();
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            if name == "[Content_Types].xml" {
                bytes = edit(String::from_utf8(bytes).unwrap()).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut out, &bytes).unwrap();
        }
        out.finish().unwrap();
    }

    #[test]
    fn a_workbook_is_told_by_its_parts_and_macros_by_its_content_types() {
        let dir = tempfile::tempdir().unwrap();
        let path = xlsx(dir.path());
        let head = std::fs::read(&path).unwrap();
        assert_eq!(container(&head), Some(Container::Zip));
        let workbook = zip_workbook_at(&path).unwrap();
        assert_eq!((workbook.format, workbook.kind()), (Format::Xlsx, "xlsx"));

        let xlsm = dir.path().join("book.xlsm");
        rewrite_types(&path, &xlsm, |types| {
            types.replace(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        });
        let workbook = zip_workbook_at(&xlsm).unwrap();
        assert_eq!((workbook.format, workbook.kind()), (Format::Xlsx, "xlsm"));

        let docx = dir.path().join("letter.docx");
        rewrite_types(&path, &docx, |types| {
            types.replace(
                "spreadsheetml.sheet.main+xml",
                "wordprocessingml.document.main+xml",
            )
        });
        let error = zip_workbook_at(&docx).unwrap_err().to_string();
        assert!(error.contains("Word document"), "{error}");
    }

    #[test]
    fn sheets_are_listed_in_order_with_their_visibility() {
        let dir = tempfile::tempdir().unwrap();
        let sheets = sheets(&xlsx(dir.path()), Format::Xlsx).unwrap();
        let listed: Vec<(&str, &str, &str)> = sheets
            .iter()
            .map(|s| (s.name.as_str(), s.visibility, s.kind))
            .collect();
        assert_eq!(
            listed,
            [
                ("Codes", "hidden", "worksheet"),
                ("Cases", "visible", "worksheet")
            ]
        );
    }

    #[test]
    fn only_zip_and_compound_files_can_be_workbooks() {
        assert_eq!(container(b"PK\x05\x06\0\0"), Some(Container::Zip));
        assert_eq!(
            container(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
            Some(Container::Compound)
        );
        assert_eq!(container(b"Ref,Name\n"), None);
        assert_eq!(container(b"%PDF-1.4"), None);
    }
}
