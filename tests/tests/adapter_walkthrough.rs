//! docs/adding-an-adapter.md, followed step by step for three new agency
//! files (a semicolon-separated Windows-1252 CSV, an XLSX built here with a
//! hidden sheet and title rows, and a namespaced XML feed with a repeated
//! group): `jstac inspect` → save the stub → a small scripted edit (agency,
//! dataset, the key) → fixtures → `jstac pipeline test --update`, then
//! `jstac pipeline test` → `jstac run` loads the rows.

use std::path::Path;

use jstac_tests::{Sandbox, stderr, stdout};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value as Json;

/// The guide's steps for one file; returns the sandbox for the caller's checks.
fn walk(sandbox: &Sandbox, file: &str, name: &str, agency: &str, key: Option<(&str, &[&str])>) {
    // 1. Inspect: the format, the fields, masked samples.
    let inspected = sandbox.jstac(&["inspect", file]);
    assert_eq!(
        inspected.status.code(),
        Some(0),
        "inspect {file}: {}",
        stderr(&inspected)
    );
    assert!(
        stdout(&inspected).contains("(samples are masked"),
        "{}",
        stdout(&inspected)
    );

    // 2. The stub, saved in the pipelines directory.
    let stub = sandbox.jstac(&["inspect", "--stub", file]);
    assert_eq!(stub.status.code(), Some(0), "{}", stderr(&stub));
    let stub = stdout(&stub);
    assert!(stub.contains("agency = \"AGENCY\""), "{stub}");

    // As written, the placeholders make it invalid: it must be edited.
    let pipeline = format!("pipelines/{name}.toml");
    sandbox.write(&pipeline, &stub);
    let unedited = sandbox.jstac(&["validate", &pipeline]);
    assert_eq!(unedited.status.code(), Some(78), "{}", stderr(&unedited));
    assert!(
        stderr(&unedited).contains("agency: an agency code"),
        "{}",
        stderr(&unedited)
    );

    // 3. The scripted edit: agency, dataset, and (where asked) the key.
    let mut edited = stub
        .replace("agency = \"AGENCY\"", &format!("agency = \"{agency}\""))
        .replace("dataset = \"DATASET\"", &format!("dataset = \"{name}\""));
    if let Some((entity, fields)) = key {
        edited = set_key(&edited, entity, fields);
    }
    sandbox.write(&pipeline, &edited);
    let validated = sandbox.jstac(&["validate", &pipeline]);
    assert_eq!(
        validated.status.code(),
        Some(0),
        "{}{}\n{edited}",
        stdout(&validated),
        stderr(&validated)
    );

    // 4. A fixture beside the pipeline; expected rows written, then checked.
    let input = sandbox.path().join(format!("pipelines/tests/{name}/input"));
    std::fs::create_dir_all(&input).unwrap();
    let file_name = Path::new(file).file_name().unwrap();
    std::fs::copy(sandbox.path().join(file), input.join(file_name)).unwrap();
    let updated = sandbox.jstac(&["pipeline", "test", "--update", &pipeline]);
    assert_eq!(updated.status.code(), Some(0), "{}", stderr(&updated));
    let expected = sandbox
        .path()
        .join(format!("pipelines/tests/{name}/expected"));
    for table in ["persons", "events", "links", "quarantine"] {
        assert!(expected.join(format!("{table}.jsonl")).is_file(), "{table}");
    }
    let tested = sandbox.jstac(&["pipeline", "test", &pipeline]);
    assert_eq!(
        tested.status.code(),
        Some(0),
        "{}{}",
        stdout(&tested),
        stderr(&tested)
    );
    assert!(
        stdout(&tested).contains(&format!("ok: {name}: 1 fixture file(s)")),
        "{}",
        stdout(&tested)
    );

    // 5. The run the schedule will make: exit 0, rows loaded.
    let run = sandbox.jstac(&["run", &pipeline]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stdout(&run).contains("files: 1 loaded"), "{}", stdout(&run));
}

/// Replaces the `key = [...]` line of `[entities.ENTITY]`.
fn set_key(pipeline: &str, entity: &str, fields: &[&str]) -> String {
    let header = format!("[entities.{entity}]");
    let mut in_entity = false;
    let mut out = Vec::new();
    for line in pipeline.lines() {
        if line.starts_with('[') {
            in_entity = line == header;
        }
        if in_entity && line.starts_with("key = ") {
            let quoted: Vec<String> = fields.iter().map(|f| format!("{f:?}")).collect();
            out.push(format!("key = [{}]", quoted.join(", ")));
        } else {
            out.push(line.to_owned());
        }
    }
    assert!(
        pipeline.contains(&header),
        "no {header} in the stub:\n{pipeline}"
    );
    out.join("\n") + "\n"
}

fn inspect_json(sandbox: &Sandbox, file: &str) -> Json {
    let output = sandbox.jstac(&["inspect", "--format", "json", file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("inspect JSON")
}

fn field<'a>(inspection: &'a Json, name: &str) -> &'a Json {
    inspection["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {inspection}"))
}

#[test]
fn a_new_csv_extract_from_file_to_loaded_rows() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path().join("pipelines")).unwrap();
    // Windows-1252 (S\xe9an), semicolons, a date in day-first order.
    let mut csv = b"CaseNo;Offence;Date Reported;PersonRef;Surname;Forenames;DOB;Role\r\n".to_vec();
    csv.extend_from_slice(
        b"C-001;Forced labour;03/04/2016;P-01;O'NEILL;S\xe9an;14/02/1990;Victim\r\n",
    );
    csv.extend_from_slice(b"C-001;Forced labour;03/04/2016;P-02;BEGA;Arben;;Suspect\r\n");
    csv.extend_from_slice(
        b"C-002;Sexual exploitation;21/05/2016;P-03;TRAN;Thi;30/11/1999;Victim\r\n",
    );
    csv.extend_from_slice(
        b"C-002;Sexual exploitation;21/05/2016;P-04;POPESCU;Ion;01/07/1975;Suspect\r\n",
    );
    csv.extend_from_slice(
        b"C-002;Sexual exploitation;21/05/2016;P-05;SMITH;Jo;25/12/1980;Witness\r\n",
    );
    sandbox.write("incoming/acme/acme_cases_2016.csv", &csv);
    let file = "incoming/acme/acme_cases_2016.csv";

    let inspection = inspect_json(&sandbox, file);
    assert_eq!(inspection["detected"]["format"], "csv");
    assert_eq!(inspection["detected"]["delimiter"], ";");
    assert_eq!(inspection["detected"]["encoding"], "windows-1252");
    assert_eq!(inspection["sampled"], 5);
    assert_eq!(field(&inspection, "DOB")["type"], "date");
    assert_eq!(field(&inspection, "DOB")["format"], "%d/%m/%Y");
    assert!((field(&inspection, "DOB")["null_rate"].as_f64().unwrap() - 0.2).abs() < 1e-9);
    // Samples are masked unless asked; the personal values never show.
    assert_eq!(field(&inspection, "Surname")["samples"][0], "O'*****");
    assert!(!String::from_utf8_lossy(&sandbox.jstac(&["inspect", file]).stdout).contains("NEILL"));
    // The sample is bounded: never the whole file.
    let bounded = sandbox.jstac(&["inspect", "--format", "json", "--sample", "2", file]);
    let bounded: Json = serde_json::from_slice(&bounded.stdout).expect("inspect JSON");
    assert_eq!(
        (bounded["sampled"].as_u64(), bounded["complete"].as_bool()),
        (Some(2), Some(false))
    );
    let unmasked = sandbox.jstac(&["inspect", "--unmask", file]);
    assert!(stdout(&unmasked).contains("O'NEILL"));
    assert!(
        stderr(&unmasked).contains("personal data"),
        "{}",
        stderr(&unmasked)
    );

    walk(
        &sandbox,
        file,
        "acme_cases",
        "police",
        Some(("event", &["CaseNo"])),
    );
    assert_eq!(sandbox.count("persons WHERE dataset = 'acme_cases'"), 5);
    assert_eq!(sandbox.count("events WHERE dataset = 'acme_cases'"), 2);
    assert_eq!(sandbox.count("links WHERE dataset = 'acme_cases'"), 5);
    assert_eq!(
        sandbox
            .query("SELECT given_names, date_of_birth FROM persons WHERE family_name = 'O''NEILL'"),
        [serde_json::json!({"given_names": "Séan", "date_of_birth": "1990-02-14"})]
    );
}

#[test]
fn a_new_xlsx_workbook_from_file_to_loaded_rows() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path().join("pipelines")).unwrap();
    std::fs::create_dir_all(sandbox.path().join("incoming/glaa")).unwrap();
    let path = sandbox
        .path()
        .join("incoming/glaa/glaa_referrals_2016.xlsx");
    let mut workbook = Workbook::new();
    let codes = workbook.add_worksheet();
    codes.set_name("Codes").unwrap();
    codes.write(0, 0, "Code").unwrap();
    codes.write(1, 0, "AGR").unwrap();
    codes.set_hidden(true);
    let sheet = workbook.add_worksheet();
    sheet.set_name("Referrals").unwrap();
    sheet.set_active(true);
    sheet
        .write(0, 0, "GLAA referrals, 2016 (synthetic)")
        .unwrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let header = [
        "Referral Ref",
        "Date Received",
        "Sector",
        "Surname",
        "Forenames",
        "Date of Birth",
        "Workers",
    ];
    for (col, name) in header.iter().enumerate() {
        sheet.write(2, col as u16, *name).unwrap();
    }
    let rows = [
        (
            "GR-16-001",
            (2016, 3, 14),
            "Agriculture",
            "KOWALSKA",
            "Anna",
            (1988, 6, 2),
            12,
        ),
        (
            "GR-16-002",
            (2016, 4, 2),
            "Food processing",
            "IONESCU",
            "Mihai",
            (1979, 11, 23),
            4,
        ),
        (
            "GR-16-003",
            (2016, 4, 29),
            "Car washes",
            "HOXHA",
            "Dritan",
            (1991, 1, 30),
            7,
        ),
    ];
    for (index, (reference, received, sector, surname, forenames, born, workers)) in
        rows.iter().enumerate()
    {
        let row = 3 + index as u32;
        sheet.write(row, 0, *reference).unwrap();
        let (y, m, d) = *received;
        sheet
            .write_datetime_with_format(row, 1, ExcelDateTime::from_ymd(y, m, d).unwrap(), &date)
            .unwrap();
        sheet.write(row, 2, *sector).unwrap();
        sheet.write(row, 3, *surname).unwrap();
        sheet.write(row, 4, *forenames).unwrap();
        let (y, m, d) = *born;
        sheet
            .write_datetime_with_format(row, 5, ExcelDateTime::from_ymd(y, m, d).unwrap(), &date)
            .unwrap();
        sheet.write(row, 6, *workers).unwrap();
    }
    workbook.save(&path).unwrap();
    let file = "incoming/glaa/glaa_referrals_2016.xlsx";

    let inspection = inspect_json(&sandbox, file);
    assert_eq!(inspection["detected"]["kind"], "xlsx");
    let sheets: Vec<(String, String)> = inspection["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["visibility"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        sheets,
        [
            ("Codes".into(), "hidden".into()),
            ("Referrals".into(), "visible".into())
        ]
    );
    assert_eq!(inspection["options"]["sheet"], "Referrals");
    assert_eq!(field(&inspection, "Date Received")["type"], "date");
    assert_eq!(field(&inspection, "Date Received")["format"], Json::Null);
    assert_eq!(field(&inspection, "Workers")["type"], "integer");

    walk(
        &sandbox,
        file,
        "glaa_referrals",
        "glaa",
        Some(("person", &["Surname", "Forenames", "Date of Birth"])),
    );
    assert_eq!(sandbox.count("persons WHERE dataset = 'glaa_referrals'"), 3);
    assert_eq!(sandbox.count("events WHERE dataset = 'glaa_referrals'"), 3);
    assert_eq!(
        sandbox.query("SELECT reported_on FROM events WHERE reference = 'GR-16-002'"),
        [serde_json::json!({"reported_on": "2016-04-02"})],
        "{}",
        std::fs::read_to_string(sandbox.path().join("pipelines/glaa_referrals.toml")).unwrap()
    );
}

#[test]
fn a_new_xml_feed_from_file_to_loaded_rows() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path().join("pipelines")).unwrap();
    let feed = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- SYNTHETIC DATA for jstac tests. -->
<Referrals xmlns="urn:jstac:synthetic:nrm:referrals:1" period="2016-Q2">
  <Referral id="NRM-16-0101">
    <Received>2016-04-11</Received>
    <ExploitationType>Labour</ExploitationType>
    <People>
      <Person ref="NP-1" role="potential victim"><Surname>NGUYEN</Surname><DateOfBirth>2001-03-09</DateOfBirth></Person>
      <Person ref="NP-2" role="potential victim"><Surname>TRAN</Surname><DateOfBirth>2000-12-30</DateOfBirth></Person>
    </People>
  </Referral>
  <Referral id="NRM-16-0102">
    <Received>2016-05-02</Received>
    <ExploitationType>Sexual</ExploitationType>
    <People>
      <Person ref="NP-3" role="potential victim"><Surname>POPESCU</Surname><DateOfBirth>1996-07-21</DateOfBirth></Person>
    </People>
  </Referral>
</Referrals>
"#;
    sandbox.write("incoming/nrm/nrm_referrals_2016q2.xml", feed);
    let file = "incoming/nrm/nrm_referrals_2016q2.xml";

    let inspection = inspect_json(&sandbox, file);
    assert_eq!(inspection["record"], "/ns:Referrals/ns:Referral");
    assert_eq!(
        inspection["options"]["groups"]["Person"]["path"],
        "ns:People/ns:Person"
    );
    assert_eq!(
        field(&inspection, "Person.DateOfBirth")["format"],
        "%Y-%m-%d"
    );
    assert_eq!(field(&inspection, "Person.DateOfBirth")["list"], true);

    walk(
        &sandbox,
        file,
        "nrm_referrals",
        "nrm",
        Some(("person", &["Person.ref"])),
    );
    assert_eq!(sandbox.count("events WHERE dataset = 'nrm_referrals'"), 2);
    assert_eq!(sandbox.count("persons WHERE dataset = 'nrm_referrals'"), 3);
    assert_eq!(sandbox.count("links WHERE dataset = 'nrm_referrals'"), 3);
}

#[test]
fn inspect_refuses_what_it_cannot_read_in_one_line() {
    let sandbox = Sandbox::new();
    sandbox.write("in/report.csv", b"%PDF-1.4 not really a table");
    sandbox.write("in/blob.csv", b"\x00\x01\x02\x03binary");
    sandbox.write("in/empty.csv", b"");
    for (file, code, message) in [
        ("in/missing.csv", 69, "in/missing.csv: no such file"),
        ("in/report.csv", 65, "in/report.csv: is a PDF document"),
        ("in/blob.csv", 65, "in/blob.csv: is binary"),
        ("in/empty.csv", 65, "in/empty.csv: is empty"),
    ] {
        let output = sandbox.jstac(&["inspect", file]);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{file}: {}",
            stderr(&output)
        );
        assert_eq!(
            stderr(&output).lines().count(),
            1,
            "{file}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{file}: {}",
            stderr(&output)
        );
    }
}
