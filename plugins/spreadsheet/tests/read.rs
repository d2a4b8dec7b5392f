//! The reading core on real workbooks: XLSX built here with
//! rust_xlsxwriter; XLS, XLSB and ODS from `tests/fixtures/spreadsheet`
//! (made by its `make_fixtures.py`); hostile files made by damaging those.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jstac_plugin_spreadsheet::{Record, SheetReader, SpreadsheetOptions, Value};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/spreadsheet")
        .join(name)
}

fn options(json: serde_json::Value) -> SpreadsheetOptions {
    serde_json::from_value(json).expect("options deserialize")
}

/// Fields and records, or the error's text.
fn read(path: &Path, opts: serde_json::Value) -> Result<(Vec<String>, Vec<Record>), String> {
    let reader = SheetReader::open(path, options(opts)).map_err(|e| e.to_string())?;
    let fields = reader.fields().to_vec();
    let records = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok((fields, records))
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn good(locator: String, values: Vec<Value>) -> Record {
    Record::Good { locator, values }
}

/// What every `cases.*` workbook holds (see make_fixtures.py).
fn expected_cases(file: &str) -> (Vec<String>, Vec<Record>) {
    let fields = ["Ref", "Name", "Opened", "Amount", "Flag", "Status"]
        .map(String::from)
        .to_vec();
    let records = vec![
        good(
            format!("{file}: Cases!A5"),
            vec![
                text("C1"),
                text("HOXHA, Ana"),
                Value::Date("2016-03-01".into()),
                Value::Number(1250.5),
                Value::Boolean(true),
                text("Open"),
            ],
        ),
        good(
            format!("{file}: Cases!A6"),
            vec![
                text("C2"),
                text("NGUYEN Thi Lan"),
                Value::Date("2016-02-29".into()),
                Value::Number(42.0),
                Value::Boolean(false),
                Value::Error("#N/A at Cases!F6".into()),
            ],
        ),
        good(
            format!("{file}: Cases!A8"),
            vec![
                text("C3"),
                text("TRAN Van Minh"),
                Value::DateTime("2016-12-31T14:30:00".into()),
                Value::Number(0.0),
                Value::Boolean(true),
                text("Closed"),
            ],
        ),
    ];
    (fields, records)
}

/// The cases table as XLSX: a hidden lookup sheet first, a merged title, a
/// marking, the header on row 4, a formula with its cached value, an error
/// formula, an empty row in the middle and formatted empty rows at the end.
fn cases_xlsx(dir: &Path, name: &str) -> PathBuf {
    let mut workbook = Workbook::new();
    let lookup = workbook.add_worksheet();
    lookup.set_name("Lookup").unwrap();
    lookup.write(0, 0, "Code").unwrap();
    lookup.write(1, 0, "lookup rows must not be read").unwrap();
    lookup.set_hidden(true);
    let sheet = workbook.add_worksheet();
    sheet.set_name("Cases").unwrap();
    sheet.set_active(true);
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let date_time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let bold = Format::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 5, "Synthetic test cases", &bold)
        .unwrap();
    sheet.write(1, 0, "OFFICIAL-SENSITIVE").unwrap();
    for (col, name) in ["Ref", "Name", "Opened", "Amount", "Flag", "Status"]
        .iter()
        .enumerate()
    {
        sheet.write(3, col as u16, *name).unwrap();
    }
    sheet.write(4, 0, "C1").unwrap();
    sheet.write(4, 1, "HOXHA, Ana").unwrap();
    sheet
        .write_datetime_with_format(4, 2, ExcelDateTime::from_ymd(2016, 3, 1).unwrap(), &date)
        .unwrap();
    sheet.write(4, 3, 1250.5).unwrap();
    sheet.write(4, 4, true).unwrap();
    sheet.write(4, 5, "Open").unwrap();
    sheet.write(5, 0, "C2").unwrap();
    sheet.write(5, 1, "NGUYEN Thi Lan").unwrap();
    sheet
        .write_datetime_with_format(5, 2, ExcelDateTime::from_ymd(2016, 2, 29).unwrap(), &date)
        .unwrap();
    sheet
        .write_formula(5, 3, Formula::new("=6*7").set_result("42"))
        .unwrap();
    sheet.write(5, 4, false).unwrap();
    sheet
        .write_formula(5, 5, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();
    sheet.write(7, 0, "C3").unwrap();
    sheet.write(7, 1, "TRAN Van Minh").unwrap();
    sheet
        .write_datetime_with_format(
            7,
            2,
            ExcelDateTime::from_ymd(2016, 12, 31)
                .unwrap()
                .and_hms(14, 30, 0)
                .unwrap(),
            &date_time,
        )
        .unwrap();
    sheet.write(7, 3, 0).unwrap();
    sheet.write(7, 4, true).unwrap();
    sheet.write(7, 5, "Closed").unwrap();
    // Formatted but empty cells below the table: trailing empty rows.
    for row in 8..40 {
        sheet.write_blank(row, 1, &bold).unwrap();
    }
    let path = dir.join(name);
    workbook.save(&path).unwrap();
    path
}

/// Rewrites one part of a zip file (an XLSX or ODS) with `edit`.
fn edit_part(path: &Path, part: &str, edit: impl FnOnce(String) -> String) {
    let bytes = std::fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut edit = Some(edit);
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        if name == part {
            let edit = edit.take().unwrap();
            data = edit(String::from_utf8(data).unwrap()).into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    assert!(edit.is_none(), "no part {part}");
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn xlsx_title_rows_hidden_sheet_dates_formulas_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = cases_xlsx(dir.path(), "cases.xlsx");
    assert_eq!(
        read(&path, json!({})).unwrap(),
        expected_cases("cases.xlsx")
    );
}

#[test]
fn xlsm_a_macro_enabled_workbook_reads_like_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let path = cases_xlsx(dir.path(), "cases.xlsm");
    // What makes a workbook an XLSM: its main part's content type (and a VBA
    // project part, which the reader never runs or reads).
    edit_part(&path, "[Content_Types].xml", |xml| {
        let main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
        assert!(xml.contains(main), "{xml}");
        xml.replace(main, "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    });
    assert_eq!(
        read(&path, json!({})).unwrap(),
        expected_cases("cases.xlsm")
    );
}

#[test]
fn xlsx_in_the_1904_date_system() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mac.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write(0, 0, "Ref").unwrap();
    sheet.write(0, 1, "Seen").unwrap();
    sheet.write(1, 0, "M1").unwrap();
    // Serial 40968 is 2016-03-01 in the 1904 system (2012-02-29 in 1900).
    sheet.write_with_format(1, 1, 40_968, &date).unwrap();
    workbook.save(&path).unwrap();
    let (_, before) = read(&path, json!({})).unwrap();
    assert_eq!(
        before,
        [good(
            "mac.xlsx: Sheet1!A2".into(),
            vec![text("M1"), Value::Date("2012-02-29".into())]
        )]
    );
    edit_part(&path, "xl/workbook.xml", |xml| {
        assert!(xml.contains("<workbookPr"), "{xml}");
        xml.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
    });
    let (_, after) = read(&path, json!({})).unwrap();
    assert_eq!(
        after,
        [good(
            "mac.xlsx: Sheet1!A2".into(),
            vec![text("M1"), Value::Date("2016-03-01".into())]
        )]
    );
}

#[test]
fn xls_xlsb_and_ods_read_the_same_table() {
    for name in [
        "cases.xls",
        "cases_1904.xls",
        "cases.xlsb",
        "cases_1904.xlsb",
        "cases.ods",
    ] {
        let got = read(&fixture(name), json!({})).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, expected_cases(name), "{name}");
    }
}

#[test]
fn the_format_comes_from_the_content_not_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = cases_xlsx(dir.path(), "cases.xlsx");
    let misnamed = dir.path().join("cases.xls");
    std::fs::copy(&xlsx, &misnamed).unwrap();
    let (_, records) = read(&misnamed, json!({})).unwrap();
    assert_eq!(records, expected_cases("cases.xls").1);
    let xls_as_ods = dir.path().join("cases.ods");
    std::fs::copy(fixture("cases.xls"), &xls_as_ods).unwrap();
    assert_eq!(read(&xls_as_ods, json!({})).unwrap().1.len(), 3);
}

#[test]
fn sheets_by_name_or_index_and_a_missing_sheet_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = cases_xlsx(dir.path(), "cases.xlsx");
    let (fields, records) = read(&path, json!({ "sheet": 0, "header_row": 1 })).unwrap();
    assert_eq!(fields, ["Code"]);
    assert_eq!(records.len(), 1);
    let (_, records) = read(&path, json!({ "sheet": "cases" })).unwrap();
    assert_eq!(records.len(), 3);
    let err = read(&path, json!({ "sheet": "Encounters" })).unwrap_err();
    assert_eq!(
        err,
        "cases.xlsx: sheet \"Encounters\": no such sheet (sheets: \"Lookup\" (hidden), \"Cases\")"
    );
    let err = read(&path, json!({ "sheet": 7 })).unwrap_err();
    assert!(err.contains("the workbook has 2 sheets"), "{err}");
}

#[test]
fn explicit_header_row_first_data_row_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = cases_xlsx(dir.path(), "cases.xlsx");
    let (fields, records) = read(&path, json!({ "header_row": 4, "first_data_row": 8 })).unwrap();
    assert_eq!(fields.len(), 6);
    assert_eq!(records.len(), 1);

    let columns = json!(["ref", "name", "opened", "amount", "flag", "status"]);
    let (fields, records) = read(&path, json!({ "columns": columns, "header_row": 4 })).unwrap();
    assert_eq!(fields[0], "ref");
    assert_eq!(records, expected_cases("cases.xlsx").1);

    // Without header_row every non-empty row is data: the title rows too.
    let (_, records) = read(&path, json!({ "columns": columns })).unwrap();
    assert_eq!(records.len(), 6);

    let err = read(&path, json!({ "header_row": 3 })).unwrap_err();
    assert!(
        err.contains("header_row 3 of sheet Cases is empty"),
        "{err}"
    );
    let err = read(&path, json!({ "header_row": 0 })).unwrap_err();
    assert!(err.contains("1-based"), "{err}");
}

#[test]
fn header_rule_names_gaps_and_refuses_duplicates_and_headerless_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 1, "Report").unwrap();
    sheet.write(1, 1, "Ref").unwrap();
    sheet.write(1, 3, "Port").unwrap();
    sheet.write(1, 4, "Notes").unwrap();
    sheet.write(2, 1, "E1").unwrap();
    sheet.write(2, 2, 5).unwrap();
    sheet.write(2, 3, "Dover").unwrap();
    workbook.save(&path).unwrap();
    let (fields, records) = read(&path, json!({})).unwrap();
    assert_eq!(fields, ["Ref", "column_C", "Port", "Notes"]);
    assert_eq!(
        records,
        [good(
            "h.xlsx: Sheet1!A3".into(),
            vec![text("E1"), Value::Number(5.0), text("Dover"), Value::Empty]
        )]
    );

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, name) in ["Ref", "Port", "Ref"].iter().enumerate() {
        sheet.write(0, col as u16, *name).unwrap();
    }
    sheet.write(1, 0, "E1").unwrap();
    workbook.save(&path).unwrap();
    let err = read(&path, json!({})).unwrap_err();
    assert!(
        err.contains(
            "field name \"Ref\" appears twice in the header row of sheet Sheet1 (A1 and C1)"
        ),
        "{err}"
    );

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for row in 0..5 {
        sheet.write(row, 0, row).unwrap();
        sheet.write(row, 1, 2.5).unwrap();
    }
    workbook.save(&path).unwrap();
    let err = read(&path, json!({})).unwrap_err();
    assert!(err.contains("no header row found"), "{err}");
    let (fields, records) = read(&path, json!({ "columns": ["n", "x"] })).unwrap();
    assert_eq!((fields.len(), records.len()), (2, 5));
}

#[test]
fn cells_outside_the_table_quarantine_the_row_or_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Ref").unwrap();
    sheet.write(0, 1, "Port").unwrap();
    sheet.write(1, 0, "E1").unwrap();
    sheet.write(1, 1, "Dover").unwrap();
    sheet.write(1, 5, "stray note").unwrap();
    sheet.write(2, 0, "E2").unwrap();
    sheet.write(3, 6, "a note on its own").unwrap();
    workbook.save(&path).unwrap();
    let (_, records) = read(&path, json!({})).unwrap();
    assert_eq!(records.len(), 3);
    assert!(
        matches!(&records[2], Record::Reject { locator, .. } if locator == "o.xlsx: Sheet1!A4")
    );
    assert_eq!(
        records[0],
        Record::Reject {
            locator: "o.xlsx: Sheet1!A2".into(),
            reason: "cell F2 is outside the table's columns A:B (set outside_cells = \"ignore\" to drop such cells)".into(),
            raw: "A2=E1; B2=Dover; F2=stray note".into(),
        }
    );
    assert!(matches!(records[1], Record::Good { .. }));
    // Ignored, the stray cells go; the row holding nothing else goes too.
    let (_, records) = read(&path, json!({ "outside_cells": "ignore" })).unwrap();
    assert_eq!(
        records,
        [
            good("o.xlsx: Sheet1!A2".into(), vec![text("E1"), text("Dover")]),
            good("o.xlsx: Sheet1!A3".into(), vec![text("E2"), Value::Empty]),
        ]
    );
}

#[test]
fn merged_cells_fill_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let plain = Format::new();
    sheet.write(0, 0, "Port").unwrap();
    sheet.write(0, 1, "Ref").unwrap();
    sheet.merge_range(1, 0, 3, 0, "Dover", &plain).unwrap();
    for row in 1..4 {
        sheet.write(row, 1, format!("E{row}")).unwrap();
    }
    workbook.save(&path).unwrap();
    let ports = |records: Vec<Record>| -> Vec<Value> {
        records
            .into_iter()
            .map(|r| match r {
                Record::Good { values, .. } => values[0].clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let (_, records) = read(&path, json!({})).unwrap();
    assert_eq!(ports(records), [text("Dover"), Value::Empty, Value::Empty]);
    let (_, records) = read(&path, json!({ "fill_merged": true })).unwrap();
    assert_eq!(
        ports(records),
        [text("Dover"), text("Dover"), text("Dover")]
    );

    let (_, records) = read(&fixture("cases.xls"), json!({ "fill_merged": true })).unwrap();
    assert_eq!(records.len(), 3);
    let err = read(&fixture("cases.ods"), json!({ "fill_merged": true })).unwrap_err();
    assert!(
        err.contains("merged areas cannot be read from ODS files"),
        "{err}"
    );
}

#[test]
fn many_rows_stream_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Ref").unwrap();
    sheet.write(0, 1, "N").unwrap();
    for row in 1..=20_000u32 {
        sheet.write(row, 0, format!("R{row}")).unwrap();
        sheet.write(row, 1, row).unwrap();
    }
    workbook.save(&path).unwrap();
    let reader = SheetReader::open(&path, SpreadsheetOptions::default()).unwrap();
    let mut n = 0u32;
    for record in reader {
        n += 1;
        match record.unwrap() {
            Record::Good { locator, values } => {
                assert_eq!(locator, format!("big.xlsx: Sheet1!A{}", n + 1));
                assert_eq!(values[1], Value::Number(f64::from(n)));
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(n, 20_000);

    let err = read(&path, json!({ "max_rows": 1000 })).unwrap_err();
    assert!(err.contains("more than max_rows (1000)"), "{err}");
    let err = read(&path, json!({ "max_cells": 1000 })).unwrap_err();
    assert!(err.contains("more than max_cells (1000)"), "{err}");
}

// ------------------------------------------------------------ hostile files

#[test]
fn one_shared_string_repeated_in_many_cells_counts_against_the_text_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("repeat.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Notes").unwrap();
    let long = "x".repeat(1000);
    for row in 1..=300 {
        sheet.write(row, 0, &long).unwrap();
    }
    workbook.save(&path).unwrap();
    assert_eq!(read(&path, json!({})).unwrap().1.len(), 300);
    let err = read(&path, json!({ "max_inflated_bytes": 100_000 })).unwrap_err();
    assert!(
        err.contains("holds more than max_inflated_bytes (100000) of text"),
        "{err}"
    );
}

fn assert_quick(start: Instant) {
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn an_enormous_declared_dimension_with_few_cells_reads_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = cases_xlsx(dir.path(), "cases.xlsx");
    edit_part(&path, "xl/worksheets/sheet2.xml", |xml| {
        let start = xml.find("<dimension ref=\"").unwrap() + 16;
        let end = start + xml[start..].find('"').unwrap();
        format!("{}A1:XFD1048576{}", &xml[..start], &xml[end..])
    });
    let start = Instant::now();
    assert_eq!(
        read(&path, json!({})).unwrap(),
        expected_cases("cases.xlsx")
    );
    assert_quick(start);
}

#[test]
fn a_cell_beyond_excels_last_cell_or_rows_out_of_order_end_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = cases_xlsx(dir.path(), "cases.xlsx");
    edit_part(&path, "xl/worksheets/sheet2.xml", |xml| {
        xml.replacen("r=\"A8\"", "r=\"A99999999\"", 1)
    });
    let err = read(&path, json!({})).unwrap_err();
    assert!(err.contains("beyond Excel's last cell"), "{err}");

    let path = cases_xlsx(dir.path(), "cases2.xlsx");
    edit_part(&path, "xl/worksheets/sheet2.xml", |xml| {
        xml.replacen("<row r=\"8\"", "<row r=\"2\"", 1)
            .replace("r=\"A8\"", "r=\"A2\"")
            .replace("r=\"B8\"", "r=\"B2\"")
    });
    let err = read(&path, json!({})).unwrap_err();
    assert!(
        err.contains("rows out of order (row 2 after row 6)"),
        "{err}"
    );
}

/// A zip with one part of `size` zero bytes, deflated.
fn zip_with_zeros(path: &Path, part: &str, size: usize) {
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(size > u32::MAX as usize);
    out.start_file("[Content_Types].xml", options).unwrap();
    out.write_all(b"<Types><Override ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>").unwrap();
    out.start_file(part, options).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        out.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    out.finish().unwrap();
}

#[test]
fn a_deflate_bomb_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.xlsx");
    // 600 MiB of zeros deflate to well under 1 MiB.
    zip_with_zeros(&path, "xl/sharedStrings.xml", 600 << 20);
    assert!(std::fs::metadata(&path).unwrap().len() < 2 << 20);
    let start = Instant::now();
    let err = read(&path, json!({})).unwrap_err();
    assert!(
        err.contains("inflate to 629145")
            && err.contains("more than max_inflated_bytes (536870912)"),
        "{err}"
    );
    assert_quick(start);
}

#[test]
fn a_part_that_inflates_past_its_declared_size_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let path = cases_xlsx(dir.path(), "cases.xlsx");
    // Make the shared strings part lie: declare 10 bytes in both headers.
    let mut bytes = std::fs::read(&path).unwrap();
    let name = b"xl/sharedStrings.xml";
    let mut patched = 0;
    let mut at = 0;
    while let Some(pos) = bytes[at..].windows(name.len()).position(|w| w == name) {
        let pos = at + pos;
        // Local header: signature 30 bytes before the name; central: 46.
        for (sig, offset, header) in [(b"PK\x03\x04", 22usize, 30usize), (b"PK\x01\x02", 24, 46)] {
            if pos >= header && &bytes[pos - header..pos - header + 4] == sig {
                bytes[pos - header + offset..pos - header + offset + 4]
                    .copy_from_slice(&10u32.to_le_bytes());
                patched += 1;
            }
        }
        at = pos + 1;
    }
    assert_eq!(patched, 2);
    std::fs::write(&path, bytes).unwrap();
    let err = read(&path, json!({})).unwrap_err();
    assert!(err.contains("cases.xlsx: cannot be read as XLSX"), "{err}");
}

#[test]
fn truncated_and_foreign_files_say_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = cases_xlsx(dir.path(), "cases.xlsx");
    let bytes = std::fs::read(&xlsx).unwrap();
    let cut = dir.path().join("cut.xlsx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = read(&cut, json!({})).unwrap_err();
    assert!(
        err.starts_with("cut.xlsx: is not a complete zip archive"),
        "{err}"
    );

    let xls = std::fs::read(fixture("cases.xls")).unwrap();
    let cut = dir.path().join("cut.xls");
    std::fs::write(&cut, &xls[..xls.len() / 2]).unwrap();
    let err = read(&cut, json!({})).unwrap_err();
    assert!(err.starts_with("cut.xls: "), "{err}");

    let csv = dir.path().join("export.xls");
    std::fs::write(&csv, "Ref,Surname,DOB\nN1,HOXHA,02/03/1995\n").unwrap();
    let err = read(&csv, json!({})).unwrap_err();
    assert_eq!(
        err,
        "export.xls: looks like CSV text, not a spreadsheet; read it with the csv plugin"
    );

    let junk = dir.path().join("junk.xlsx");
    std::fs::write(&junk, [0x13u8, 0x37, 0, 0, 0xFF, 0xFE, 1, 2, 3]).unwrap();
    let err = read(&junk, json!({})).unwrap_err();
    assert!(err.contains("is not a spreadsheet"), "{err}");

    let empty = dir.path().join("empty.ods");
    std::fs::write(&empty, b"").unwrap();
    let err = read(&empty, json!({})).unwrap_err();
    assert_eq!(err, "empty.ods: is empty (0 bytes), not a spreadsheet");

    let other_zip = dir.path().join("photos.xlsx");
    let mut out = zip::ZipWriter::new(std::fs::File::create(&other_zip).unwrap());
    out.start_file("a.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    out.write_all(b"hello").unwrap();
    out.finish().unwrap();
    let err = read(&other_zip, json!({})).unwrap_err();
    assert!(err.contains("zip archive with no workbook in it"), "{err}");
}

#[test]
fn ods_repeats_that_expand_to_billions_of_cells_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("repeat.ods");
    std::fs::copy(fixture("cases.ods"), &path).unwrap();
    edit_part(&path, "content.xml", |xml| {
        let hostile = "<table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell table:number-columns-repeated=\"16000\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>";
        xml.replacen("</table:table>", &format!("{hostile}</table:table>"), 1)
    });
    let start = Instant::now();
    let err = read(&path, json!({})).unwrap_err();
    assert!(
        err.contains("sheet \"Lookup\" expands to") && err.contains("more than max_cells"),
        "{err}"
    );
    assert_quick(start);
}

/// Rewrites an XLS fixture's workbook stream with `edit`.
fn edit_xls(from: &Path, to: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut source = cfb::open(from).unwrap();
    let mut stream = Vec::new();
    source
        .open_stream("/Workbook")
        .unwrap()
        .read_to_end(&mut stream)
        .unwrap();
    edit(&mut stream);
    let file = std::fs::File::create(to).unwrap();
    let mut target = cfb::CompoundFile::create_with_version(cfb::Version::V3, file).unwrap();
    target
        .create_stream("/Workbook")
        .unwrap()
        .write_all(&stream)
        .unwrap();
    target.flush().unwrap();
}

/// Offsets of the BIFF records of one type.
fn records_of(stream: &[u8], typ: u16) -> Vec<usize> {
    let mut found = Vec::new();
    let mut pos = 0;
    while pos + 4 <= stream.len() {
        let t = u16::from_le_bytes([stream[pos], stream[pos + 1]]);
        let len = u16::from_le_bytes([stream[pos + 2], stream[pos + 3]]) as usize;
        if t == typ {
            found.push(pos);
        }
        pos += 4 + len;
    }
    found
}

#[test]
fn xls_sheets_declaring_or_spanning_huge_extents_are_refused_before_loading() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("same.xls");
    edit_xls(&fixture("cases.xls"), &copy, |_| {});
    assert_eq!(read(&copy, json!({})).unwrap().1.len(), 3);

    let declared = dir.path().join("declared.xls");
    edit_xls(&fixture("cases.xls"), &declared, |stream| {
        let dims = records_of(stream, 0x0200);
        assert!(!dims.is_empty());
        for pos in dims {
            // rwMac = 0xFFFFFFFF: four billion rows.
            stream[pos + 8..pos + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        }
    });
    let start = Instant::now();
    let err = read(&declared, json!({})).unwrap_err();
    assert!(err.contains("declares 4294967295 rows"), "{err}");
    assert_quick(start);

    let spanning = dir.path().join("spanning.xls");
    edit_xls(&fixture("cases.xls"), &spanning, |stream| {
        // Move the last LABELSST cell to row 65535, column 255.
        let pos = *records_of(stream, 0x00FD).last().unwrap();
        stream[pos + 4..pos + 6].copy_from_slice(&65_535u16.to_le_bytes());
        stream[pos + 6..pos + 8].copy_from_slice(&255u16.to_le_bytes());
    });
    let err = read(&spanning, json!({ "max_cells": 1_000_000 })).unwrap_err();
    assert!(err.contains("spans 65536 rows x 256 columns"), "{err}");
}

#[test]
fn xls_shared_strings_repeated_past_the_text_limit_are_refused_before_loading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("repeated.xls");
    edit_xls(&fixture("cases.xls"), &path, |stream| {
        // The 4th LABELSST is the hidden sheet's 28-character text.
        let text = records_of(stream, 0x00FD)[3];
        let isst = stream[text + 10..text + 14].to_vec();
        let end = *records_of(stream, 0x000A).last().unwrap();
        let mut cells = Vec::new();
        for row in 100u16..5100 {
            cells.extend_from_slice(&0x00FDu16.to_le_bytes());
            cells.extend_from_slice(&10u16.to_le_bytes());
            cells.extend_from_slice(&row.to_le_bytes());
            cells.extend_from_slice(&[0, 0, 15, 0]);
            cells.extend_from_slice(&isst);
        }
        stream.splice(end..end, cells);
    });
    // 5,000 cells of 28 bytes: 140,000 bytes of text from a 76 kB stream.
    let (_, records) = read(&path, json!({})).unwrap();
    assert_eq!(records.len(), 5003);
    let err = read(&path, json!({ "max_inflated_bytes": 100_000 })).unwrap_err();
    assert!(err.contains("repeat shared strings"), "{err}");
}

#[test]
fn a_hostile_xlsb_cell_ends_the_file_without_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.xlsb");
    std::fs::copy(fixture("cases.xlsb"), &path).unwrap();
    // Point a shared-string cell far past the shared strings table: calamine
    // indexes the table without a check and panics.
    let bytes = std::fs::read(&path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        if name == "xl/worksheets/sheet2.bin" {
            // The first BrtCellIsst (type 0x07, size 12): its string index.
            let pos = data.windows(2).position(|w| w == [0x07, 12]).unwrap();
            data[pos + 10..pos + 14].copy_from_slice(&999_999u32.to_le_bytes());
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    std::fs::write(&path, out.finish().unwrap().into_inner()).unwrap();
    let err = read(&path, json!({})).unwrap_err();
    assert!(err.contains("calamine failed on malformed"), "{err}");
}

#[test]
fn a_cell_over_max_field_bytes_quarantines_its_row_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Ref").unwrap();
    sheet.write(0, 1, "Narrative").unwrap();
    sheet.write(1, 0, "E1").unwrap();
    sheet.write(1, 1, "short").unwrap();
    sheet.write(2, 0, "E2").unwrap();
    sheet.write(2, 1, "y".repeat(2001)).unwrap();
    sheet.write(3, 0, "E3").unwrap();
    sheet.write(3, 1, "z".repeat(2000)).unwrap();
    workbook.save(&path).unwrap();
    let (_, records) = read(&path, json!({ "max_field_bytes": 2000 })).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[0],
        good(
            "big.xlsx: Sheet1!A2".into(),
            vec![text("E1"), text("short")]
        )
    );
    assert_eq!(
        records[1],
        Record::Reject {
            locator: "big.xlsx: Sheet1!A3".into(),
            reason: "field Narrative (cell B3) is larger than the limit of 2000 bytes (2001 bytes); raise max_field_bytes if it is real".into(),
            raw: "A3=E2; B3=[a text of 2001 bytes, not kept]".into(),
        }
    );
    // At the limit, the text is read.
    assert!(
        matches!(&records[2], Record::Good { values, .. } if values[1] == text(&"z".repeat(2000)))
    );
}
