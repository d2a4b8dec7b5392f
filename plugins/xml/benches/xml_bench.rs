//! `cargo bench -p jstac-plugin-xml`: how fast and how lean is the XML plugin?
//!
//! Generates a synthetic NCA-style intelligence feed (namespaced, one to
//! four subjects per report, a CDATA narrative) of each size (default 50,000
//! and 500,000 records; `XML_BENCH_RECORDS=10000,100000` to change), then,
//! per size, each in a child process whose wall time and peak RSS come from
//! `wait4`:
//!
//! 1. **parse**: the raw baseline, quick-xml alone reading every event to
//!    the end of the file (no namespaces, no values kept);
//! 2. **core**: the plugin's reading core (`XmlRecords`) extracting every
//!    record's fields and subject lists, as the plugin does;
//! 3. **run** (when `jstac` and the plugin library are built in release
//!    beside the bench, e.g. `cargo build --release -p jstac -p
//!    jstac-plugin-xml`): `jstac run` of an NCA-style pipeline over the file
//!    into a fresh SQLite warehouse (Arrow boundary, mapping, keys, upserts).
//!
//! It prints records/s, the core/parse ratio and peak RSS, which should be
//! flat from the small file to the large one.
//!
//! To profile one pass: `xml_bench --generate 50000 feed.xml`, then
//! `perf record -g xml_bench --child core feed.xml` (or `parse`, `ns-parse`).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jstac_plugin_xml::{FieldShape, Next, XmlOptions, XmlRecords};
use quick_xml::events::Event;

const NAMESPACE: &str = "urn:jstac:synthetic:nca:intelligence:1";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--generate") {
        // `--generate N FILE`: writes the feed only, for profiling a child pass.
        let (Some(Ok(n)), Some(path)) = (args.get(at + 1).map(|n| n.parse()), args.get(at + 2))
        else {
            eprintln!("usage: --generate RECORDS FILE");
            std::process::exit(2);
        };
        if let Err(error) = generate(&PathBuf::from(path), n) {
            eprintln!("xml_bench: {error}");
            std::process::exit(1);
        }
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--child") {
        let (Some(mode), Some(path)) = (args.get(at + 1), args.get(at + 2)) else {
            eprintln!("usage: --child parse|core FILE");
            std::process::exit(2);
        };
        let records = match mode.as_str() {
            "parse" => parse_only(Path::new(path)),
            "ns-parse" => ns_parse_only(Path::new(path)),
            "core" => core(Path::new(path)),
            other => {
                eprintln!("unknown mode {other}");
                std::process::exit(2);
            }
        };
        println!("{records}");
        return;
    }
    if let Err(error) = parent() {
        eprintln!("xml_bench: {error}");
        std::process::exit(1);
    }
}

type Error = Box<dyn std::error::Error>;

fn parent() -> Result<(), Error> {
    let sizes: Vec<usize> = std::env::var("XML_BENCH_RECORDS")
        .unwrap_or_else(|_| "50000,500000".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let exe = std::env::current_exe()?;
    // target/release/deps/xml_bench-…: jstac and the plugin are in target/release.
    let release = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("bench binary has no target directory")?
        .to_owned();
    let jstac = release.join("jstac");
    let plugin = release.join(format!(
        "{}jstac_plugin_xml{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let with_runner = jstac.exists() && plugin.exists();
    let dir = tempfile::tempdir()?;

    println!(
        "{:>9} {:>8} {:<34} {:>9} {:>12} {:>11}",
        "records", "MiB", "pass", "seconds", "records/s", "peak RSS"
    );
    for &size in &sizes {
        let file = dir.path().join(format!("feed_{size}.xml"));
        let bytes = generate(&file, size)?;
        let mib = bytes as f64 / (1024.0 * 1024.0);

        let parse = measure(Command::new(&exe).args(["--child", "parse"]).arg(&file))?;
        let ns_parse = measure(Command::new(&exe).args(["--child", "ns-parse"]).arg(&file))?;
        let core = measure(Command::new(&exe).args(["--child", "core"]).arg(&file))?;
        for (name, m) in [
            ("quick-xml parse only (baseline)", &parse),
            ("quick-xml NsReader parse only", &ns_parse),
            ("plugin reading core", &core),
        ] {
            check_count(name, m, size)?;
            row(size, mib, name, m);
        }
        println!(
            "{:>9} {:>8} {:<34} core/parse throughput = {:.2}",
            "",
            "",
            "",
            rate(size, &core) / rate(size, &parse)
        );
        if with_runner {
            let work = dir.path().join(format!("run_{size}"));
            std::fs::create_dir_all(&work)?;
            std::fs::write(work.join("p.toml"), pipeline(&file))?;
            let run = measure(
                Command::new(&jstac)
                    .current_dir(&work)
                    .arg("--warehouse")
                    .arg(format!("sqlite://{}", work.join("w.db").display()))
                    .arg("--plugin-dir")
                    .arg(&release)
                    .args(["run", "p.toml"]),
            )?;
            if !run.stdout.contains(&format!("{size} read, {size} loaded")) {
                return Err(format!("jstac run: {}", run.stdout).into());
            }
            row(size, mib, "jstac run into SQLite", &run);
        }
        std::fs::remove_file(&file)?;
    }
    if !with_runner {
        println!(
            "(no `jstac run` row: build `cargo build --release -p jstac -p jstac-plugin-xml` \
             with the same target directory to include it)"
        );
    }
    Ok(())
}

struct Measured {
    elapsed: Duration,
    peak_rss_kib: i64,
    stdout: String,
}

fn rate(records: usize, m: &Measured) -> f64 {
    records as f64 / m.elapsed.as_secs_f64()
}

fn row(size: usize, mib: f64, name: &str, m: &Measured) {
    println!(
        "{:>9} {:>8.1} {:<34} {:>9.2} {:>12.0} {:>7.1} MiB",
        size,
        mib,
        name,
        m.elapsed.as_secs_f64(),
        rate(size, m),
        m.peak_rss_kib as f64 / 1024.0
    );
}

fn check_count(name: &str, m: &Measured, size: usize) -> Result<(), Error> {
    let counted: usize = m.stdout.trim().parse()?;
    if counted != size {
        return Err(format!("{name}: counted {counted} records, generated {size}").into());
    }
    Ok(())
}

/// Runs a child to completion: its wall time and peak RSS (from `wait4`).
fn measure(command: &mut Command) -> Result<Measured, Error> {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)?;
    }
    let pid = libc::pid_t::try_from(child.id())?;
    let mut status = 0;
    // SAFETY: `rusage` is plain data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; both pointers are valid for
    // writes. Reaping it here means `child` must not be waited on again.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    drop(child);
    if reaped != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()).into());
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!("child failed ({status}): {stdout}").into());
    }
    Ok(Measured {
        elapsed,
        peak_rss_kib: usage.ru_maxrss,
        stdout,
    })
}

/// The options the core pass and the runner's pipeline use.
fn options_json() -> String {
    format!(
        r#"{{
  "record": "/ir:IntelligenceFeed/ir:Report",
  "namespaces": {{ "ir": "{NAMESPACE}" }},
  "fields": {{
    "ReportId": "@id", "Created": "ir:Created", "Source": "ir:Grading/ir:Source",
    "Intelligence": "ir:Grading/ir:Intelligence", "Handling": "ir:Grading/ir:Handling",
    "Category": "ir:Category", "OCGFlag": "ir:OrganisedCrimeGroup/@flag",
    "Town": "ir:Location/ir:Town", "Postcode": "ir:Location/ir:Postcode",
    "Narrative": "ir:Narrative"
  }},
  "groups": {{
    "Subject": {{
      "path": "ir:Subjects/ir:Subject",
      "fields": {{
        "Id": "@id", "Role": "@role", "FamilyName": "ir:FamilyName",
        "GivenNames": "ir:GivenNames", "DateOfBirth": "ir:DateOfBirth",
        "Gender": "ir:Gender", "Nationality": "ir:Nationality"
      }}
    }}
  }}
}}"#
    )
}

fn pipeline(file: &Path) -> String {
    let options: serde_json::Value =
        serde_json::from_str(&options_json()).expect("bench options are JSON");
    format!(
        r#"agency = "nca"
dataset = "bench"
plugin = "xml"

[source]
path = {path:?}
options = {options}

[entities.report]
table = "events"
key = ["ReportId"]
columns.event_type = {{ value = "intelligence report" }}
columns.reference = "ReportId"
columns.category = "Category"
columns.reported_on = {{ field = "Created", format = "%Y-%m-%d" }}
columns.postcode = "Postcode"
columns.location = "Town"
columns.organised_crime = {{ field = "OCGFlag", type = "boolean" }}

[entities.subject]
table = "persons"
key = ["ReportId", "Subject.Id"]
columns.family_name = "Subject.FamilyName"
columns.given_names = "Subject.GivenNames"
columns.date_of_birth = {{ field = "Subject.DateOfBirth", format = "%Y-%m-%d" }}
columns.gender = "Subject.Gender"
columns.nationality = "Subject.Nationality"

[[links]]
from = "subject"
to = "report"
columns.role = "Subject.Role"
"#,
        path = file.display().to_string(),
        options = toml_inline(&options),
    )
}

/// A JSON value as a TOML inline value (objects, strings only).
fn toml_inline(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{k:?} = {}", toml_inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// quick-xml alone: every event read to the end; records counted by name.
fn parse_only(path: &Path) -> usize {
    let file = File::open(path).expect("open feed");
    let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(256 * 1024, file));
    let mut buf = Vec::with_capacity(4096);
    let mut records = 0;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).expect("well-formed feed") {
            Event::Start(start) if start.local_name().as_ref() == "Report" => records += 1,
            Event::Eof => break,
            _ => {}
        }
    }
    records
}

/// quick-xml's namespace-resolving reader alone: the same, with every
/// element's namespace scope kept and resolved (what namespace-aware
/// matching costs before any value is read).
fn ns_parse_only(path: &Path) -> usize {
    let file = File::open(path).expect("open feed");
    let mut reader =
        quick_xml::reader::NsReader::from_reader(BufReader::with_capacity(256 * 1024, file));
    let mut buf = Vec::with_capacity(4096);
    let mut records = 0;
    loop {
        buf.clear();
        match reader
            .read_resolved_event_into(&mut buf)
            .expect("well-formed feed")
        {
            (quick_xml::name::ResolveResult::Bound(ns), Event::Start(start))
                if ns.0 == NAMESPACE && start.local_name().as_ref() == "Report" =>
            {
                records += 1
            }
            (_, Event::Eof) => break,
            _ => {}
        }
    }
    records
}

/// The plugin's reading core, every value of every record touched.
fn core(path: &Path) -> usize {
    let options: XmlOptions = serde_json::from_str(&options_json()).expect("bench options");
    let mut records = XmlRecords::open(path, &options).expect("open feed");
    let shapes: Vec<FieldShape> = records.fields().iter().map(|f| f.shape).collect();
    let (mut count, mut bytes) = (0usize, 0usize);
    loop {
        match records.advance().expect("well-formed feed") {
            Next::End => break,
            Next::Rejected => panic!("rejected: {}", records.reject_reason()),
            Next::Record => {
                count += 1;
                for (index, shape) in shapes.iter().enumerate() {
                    bytes += match shape {
                        FieldShape::Single => records.text(index).map_or(0, str::len),
                        FieldShape::List => records.list(index).flatten().map(str::len).sum(),
                    };
                }
            }
        }
    }
    std::hint::black_box(bytes);
    count
}

const FAMILY: &[&str] = &[
    "HOXHA", "BEGA", "KRASNIQI", "NGUYEN", "TRAN", "PHAM", "POPESCU", "IONESCU", "KOWALSKI",
    "NOWAK", "OKAFOR", "ADEYEMI", "TESFAYE", "HABTE", "SMITH", "ĐẶNG",
];
const GIVEN: &[&str] = &[
    "Ana", "Arben", "Thi Lan", "Van Duc", "Ioana", "Piotr", "Chioma", "Yonas", "Emma", "Liam",
];
const NATIONALITY: &[&str] = &[
    "Albanian", "ALB", "Viet Nam", "VNM", "Romanian", "Polish", "GBR",
];
const CATEGORY: &[&str] = &[
    "Sexual exploitation",
    "Labour exploitation",
    "Criminal exploitation (cannabis cultivation)",
    "Domestic servitude",
];
const PLACE: &[(&str, &str)] = &[
    ("Leeds", "LS1 4AP"),
    ("Bradford", "BD1 1HY"),
    ("Hull", "HU1 2AA"),
    ("Luton", "LU1 2LJ"),
    ("Slough", "SL1 1DQ"),
];

/// Writes a synthetic feed of `records` reports; returns its size in bytes.
fn generate(path: &PathBuf, records: usize) -> Result<u64, Error> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, "<!-- SYNTHETIC benchmark data -->")?;
    writeln!(out, r#"<ir:IntelligenceFeed xmlns:ir="{NAMESPACE}">"#)?;
    let mut seed: u64 = 0x5EED;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    for r in 0..records {
        let (town, postcode) = PLACE[next(PLACE.len())];
        writeln!(out, r#"  <ir:Report id="NCA-IR-{r:09}">"#)?;
        writeln!(
            out,
            "    <ir:Created>2016-{:02}-{:02}</ir:Created>",
            next(12) + 1,
            next(28) + 1
        )?;
        writeln!(
            out,
            "    <ir:Grading><ir:Source>{}</ir:Source><ir:Intelligence>{}</ir:Intelligence><ir:Handling>P</ir:Handling></ir:Grading>",
            next(3) + 1,
            ["A", "B", "C", "D", "E"][next(5)]
        )?;
        writeln!(
            out,
            "    <ir:Category>{}</ir:Category>",
            CATEGORY[next(CATEGORY.len())]
        )?;
        writeln!(
            out,
            r#"    <ir:OrganisedCrimeGroup flag="{}"/>"#,
            ["Y", "N"][next(2)]
        )?;
        writeln!(
            out,
            "    <ir:Location><ir:Town>{town}</ir:Town><ir:Postcode>{postcode}</ir:Postcode></ir:Location>"
        )?;
        writeln!(out, "    <ir:Subjects>")?;
        for s in 1..=next(4) + 1 {
            writeln!(
                out,
                r#"      <ir:Subject id="S{s}" role="{}"><ir:FamilyName>{}</ir:FamilyName><ir:GivenNames>{}</ir:GivenNames><ir:DateOfBirth>19{:02}-{:02}-{:02}</ir:DateOfBirth><ir:Gender>{}</ir:Gender><ir:Nationality>{}</ir:Nationality></ir:Subject>"#,
                ["suspect", "victim", "associate"][next(3)],
                FAMILY[next(FAMILY.len())],
                GIVEN[next(GIVEN.len())],
                next(40) + 60,
                next(12) + 1,
                next(28) + 1,
                ["F", "M"][next(2)],
                NATIONALITY[next(NATIONALITY.len())],
            )?;
        }
        writeln!(out, "    </ir:Subjects>")?;
        writeln!(
            out,
            "    <ir:Narrative><![CDATA[Source reports that premises in {town} are used to hold workers & that passports are kept. <Synthetic.>]]></ir:Narrative>"
        )?;
        writeln!(out, "  </ir:Report>")?;
    }
    writeln!(out, "</ir:IntelligenceFeed>")?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}
