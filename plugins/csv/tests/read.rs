//! The CSV reader through its `RecordReader`, as the Arrow stream drives it
//! (no FFI): each test writes a file, reads it in small batches and checks
//! the records, their locators and the rejects the runner will quarantine.

use std::path::PathBuf;

use jstac_plugin_csv::{CsvOptions, CsvPlugin, Encoding};
use jstac_sdk::testing::{ReadRecord, read_all};
use jstac_sdk::{Plugin as _, PluginError, RecordReader as _};

fn options() -> CsvOptions {
    CsvOptions {
        delimiter: ',',
        quote: '"',
        has_header: true,
        columns: None,
        skip_lines: 0,
        encoding: Encoding::Utf8,
        max_field_bytes: 1024 * 1024,
    }
}

/// A file holding `bytes`, kept until the returned directory is dropped.
fn file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("input.csv");
    std::fs::write(&path, bytes).expect("write");
    (dir, path)
}

/// The field names and every record, read two records a batch (so the
/// reader resumes between batches); the same as read in one batch.
fn read(bytes: &[u8], options: CsvOptions) -> Result<(Vec<String>, Vec<ReadRecord>), PluginError> {
    let (_dir, path) = file(bytes);
    let mut reader = CsvPlugin::open(&path, clone(&options))?;
    let fields = reader.fields().to_vec();
    let records = read_all(&mut reader, 2)?;
    let mut whole = CsvPlugin::open(&path, options)?;
    assert_eq!(
        read_all(&mut whole, 4096)?,
        records,
        "batch size changes nothing"
    );
    Ok((fields, records))
}

fn clone(options: &CsvOptions) -> CsvOptions {
    CsvOptions {
        columns: options.columns.clone(),
        ..*options
    }
}

fn good(line: u64, values: &[&str]) -> ReadRecord {
    ReadRecord {
        locator: format!("line {line}"),
        values: values.iter().map(|v| Some((*v).to_owned())).collect(),
        reject: None,
        raw: None,
    }
}

fn reject(line: u64, fields: usize, reason: &str, raw: &str) -> ReadRecord {
    ReadRecord {
        locator: format!("line {line}"),
        values: vec![None; fields],
        reject: Some(reason.to_owned()),
        raw: Some(raw.to_owned()),
    }
}

fn error_text(bytes: &[u8], options: CsvOptions) -> String {
    match read(bytes, options) {
        Ok(read) => panic!("expected an error, read {read:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_header_names_the_fields_and_each_row_is_a_record_on_its_line() {
    let (fields, records) =
        read(b"Ref,Surname\nR1,HOXHA\nR2,TRAN\nR3,NGUYEN\n", options()).unwrap();
    assert_eq!(fields, ["Ref", "Surname"]);
    assert_eq!(
        records,
        [
            good(2, &["R1", "HOXHA"]),
            good(3, &["R2", "TRAN"]),
            good(4, &["R3", "NGUYEN"]),
        ]
    );
}

#[test]
fn quoted_fields_keep_delimiters_and_doubled_quotes() {
    let (_, records) = read(
        b"Ref,Note\nR1,\"SMITH, John\"\nR2,\"said \"\"no\"\"\"\nR3,\"\"\n",
        options(),
    )
    .unwrap();
    assert_eq!(
        records,
        [
            good(2, &["R1", "SMITH, John"]),
            good(3, &["R2", "said \"no\""]),
            good(4, &["R3", ""]),
        ]
    );
}

#[test]
fn a_quoted_line_break_stays_in_its_field_and_later_lines_still_count() {
    let (_, records) = read(
        b"Ref,Note\nR1,\"first\nsecond\nthird\"\nR2,after\n",
        options(),
    )
    .unwrap();
    assert_eq!(
        records,
        [
            good(2, &["R1", "first\nsecond\nthird"]),
            good(5, &["R2", "after"])
        ]
    );
}

#[test]
fn crlf_line_ends_and_blank_lines_do_not_shift_locators() {
    let (_, records) = read(b"Ref,Note\r\nR1,a\r\n\r\nR2,\"b\r\nc\"\r\nR3,d", options()).unwrap();
    assert_eq!(
        records,
        [
            good(2, &["R1", "a"]),
            good(4, &["R2", "b\r\nc"]),
            good(6, &["R3", "d"]),
        ]
    );
}

#[test]
fn a_ragged_row_is_rejected_with_its_line_and_text_and_reading_goes_on() {
    let (_, records) = read(
        b"Ref,Surname\nR1,HOXHA\nR2\nR3,TRAN,extra\nR4,SMITH\n",
        options(),
    )
    .unwrap();
    assert_eq!(
        records,
        [
            good(2, &["R1", "HOXHA"]),
            reject(3, 2, "row has 1 fields; the header has 2", "R2"),
            reject(4, 2, "row has 3 fields; the header has 2", "R3,TRAN,extra"),
            good(5, &["R4", "SMITH"]),
        ]
    );
}

#[test]
fn a_utf8_byte_order_mark_is_not_part_of_the_first_field_name() {
    let (fields, records) = read(b"\xEF\xBB\xBFRef,Surname\nR1,HOXHA\n", options()).unwrap();
    assert_eq!(fields, ["Ref", "Surname"]);
    assert_eq!(records, [good(2, &["R1", "HOXHA"])]);
}

#[test]
fn windows_1252_text_is_decoded() {
    let options = CsvOptions {
        encoding: Encoding::Windows1252,
        ..options()
    };
    let (fields, records) = read(b"Ref,Pr\xE9nom\nR1,Jos\xE9 \x80\n", options).unwrap();
    assert_eq!(fields, ["Ref", "Prénom"]);
    assert_eq!(records, [good(2, &["R1", "José €"])]);
}

#[test]
fn invalid_utf8_rejects_the_record_naming_the_field_and_suggesting_the_encoding() {
    let (_, records) = read(b"Ref,Surname\nR1,Jos\xE9\nR2,TRAN\n", options()).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].locator, "line 2");
    assert_eq!(
        records[0].reject.as_deref(),
        Some(
            "field 2 (Surname): invalid UTF-8 at byte 3; if the file is not UTF-8, set encoding = \"windows-1252\""
        )
    );
    assert!(records[0].raw.as_deref().unwrap().starts_with("R1,Jos"));
    assert_eq!(records[1], good(3, &["R2", "TRAN"]));
}

#[test]
fn an_invalid_utf8_header_stops_the_file_at_line_one() {
    assert_eq!(
        error_text(b"Ref,Sur\xFFname\nR1,HOXHA\n", options()),
        "line 1: header field 2 is not valid UTF-8"
    );
}

#[test]
fn the_delimiter_and_quote_options_are_used() {
    let semicolons = CsvOptions {
        delimiter: ';',
        quote: '\'',
        ..options()
    };
    let (fields, records) = read(b"Ref;Note\nR1;'a;b'\nR2;1,5\n", semicolons).unwrap();
    assert_eq!(fields, ["Ref", "Note"]);
    assert_eq!(records, [good(2, &["R1", "a;b"]), good(3, &["R2", "1,5"])]);

    let tabs = CsvOptions {
        delimiter: '\t',
        ..options()
    };
    let (_, records) = read(b"Ref\tNote\nR1\ta,b\n", tabs).unwrap();
    assert_eq!(records, [good(2, &["R1", "a,b"])]);
}

#[test]
fn a_delimiter_that_is_not_one_ascii_character_is_refused() {
    let options = CsvOptions {
        delimiter: '§',
        ..options()
    };
    assert_eq!(
        error_text(b"Ref\n", options),
        "option delimiter: '§' is not a single ASCII character"
    );
}

#[test]
fn skipped_title_lines_still_count_in_locators() {
    let options = CsvOptions {
        skip_lines: 2,
        ..options()
    };
    let (fields, records) = read(
        b"Report of 2016\nprinted today\nRef,Surname\nR1,HOXHA\nR2\n",
        options,
    )
    .unwrap();
    assert_eq!(fields, ["Ref", "Surname"]);
    assert_eq!(
        records,
        [
            good(4, &["R1", "HOXHA"]),
            reject(5, 2, "row has 1 fields; the header has 2", "R2"),
        ]
    );
}

#[test]
fn without_a_header_the_columns_option_names_the_fields() {
    let options = CsvOptions {
        has_header: false,
        columns: Some(vec!["Ref".into(), "Surname".into()]),
        ..options()
    };
    let (fields, records) = read(b"R1,HOXHA\nR2,TRAN\n", options).unwrap();
    assert_eq!(fields, ["Ref", "Surname"]);
    assert_eq!(
        records,
        [good(1, &["R1", "HOXHA"]), good(2, &["R2", "TRAN"])]
    );
}

#[test]
fn field_names_are_trimmed_blank_ones_numbered_and_duplicates_refused() {
    let (fields, _) = read(b" Ref ,,Surname\n", options()).unwrap();
    assert_eq!(fields, ["Ref", "column_2", "Surname"]);
    assert_eq!(
        error_text(b"Ref,Surname,Ref\n", options()),
        "field name \"Ref\" appears twice (columns 1 and 3)"
    );
    let columns_and_header = CsvOptions {
        columns: Some(vec!["Ref".into()]),
        ..options()
    };
    assert_eq!(
        error_text(b"Ref\n", columns_and_header),
        "option columns: only for files without a header row (has_header = false)"
    );
    let neither = CsvOptions {
        has_header: false,
        ..options()
    };
    assert_eq!(
        error_text(b"R1\n", neither),
        "option columns: required when has_header = false"
    );
}

#[test]
fn a_field_over_the_limit_rejects_its_record_and_reading_goes_on_after_it() {
    // A 20 MiB quoted field (with line breaks and doubled quotes in it) on
    // line 3, then more rows: the record is measured, not held.
    let mut big = String::with_capacity(21 * 1024 * 1024);
    big.push('"');
    for i in 0..(20 * 1024) {
        big.push_str(&"x".repeat(1000));
        big.push_str(if i % 2 == 0 { "\n" } else { "\"\"" });
        big.push_str("ab");
    }
    big.push('"');
    let field_len = big.len() - 2 - 20 * 1024 / 2; // less quotes and halved doubled quotes
    let text = format!("a,b\n1,2\n3,{big}\n4,5\n\n6,7\n");
    let big_lines = 20 * 1024 / 2;
    let (_, records) = read(text.as_bytes(), options()).expect("read");
    assert_eq!(
        records.len(),
        4,
        "{:?}",
        records.iter().map(|r| &r.locator).collect::<Vec<_>>()
    );
    assert_eq!(records[0], good(2, &["1", "2"]));
    let rejected = &records[1];
    assert_eq!(rejected.locator, "line 3");
    assert_eq!(
        rejected.reject.as_deref(),
        Some(
            format!(
                "field 2 (b) is larger than the limit of 1 MiB ({field_len} bytes); raise max_field_bytes if it is real"
            )
            .as_str()
        )
    );
    let raw = rejected.raw.as_deref().expect("raw");
    assert!(raw.starts_with("3,\"xxx"), "{}", &raw[..20]);
    assert!(raw.len() < 70 * 1024, "raw is cut: {} bytes", raw.len());
    assert!(
        raw.ends_with(&format!("… [truncated: {} bytes in all]", big.len() + 2)),
        "{}",
        &raw[raw.len() - 60..]
    );
    // Line numbers after the skipped record still count its line breaks.
    assert_eq!(records[2], good(4 + big_lines as u64, &["4", "5"]));
    assert_eq!(records[3], good(6 + big_lines as u64, &["6", "7"]));
}

#[test]
fn a_field_just_over_a_small_limit_is_rejected_and_one_at_it_is_read() {
    let options = CsvOptions {
        max_field_bytes: 4,
        ..options()
    };
    let (_, records) = read(b"a,b\n1234,x\n12345,y\nz,\"ab\"\"c\"\n", options).expect("read");
    assert_eq!(records[0], good(2, &["1234", "x"]));
    assert_eq!(
        records[1],
        reject(
            3,
            2,
            "field 1 (a) is larger than the limit of 4 bytes (5 bytes); raise max_field_bytes if it is real",
            "12345,y"
        )
    );
    // Doubled quotes count once: `ab"c` is 4 bytes.
    assert_eq!(records[2], good(4, &["z", "ab\"c"]));
}
