//! `jstac-bench`: how fast and how lean is a real run?
//!
//! Generates police crime extracts (the bundled pipeline's layout, wholly
//! synthetic) of each requested size, then in the same run, per size:
//!
//! 1. the raw baseline, `sqlite3 DB ".import --csv FILE raw"`: the file into
//!    one unindexed table, no parsing beyond CSV, no keys, no provenance;
//! 2. a reference for the warehouse model's own cost: the same `.import`,
//!    then SQL upserts into the warehouse's persons, events and links tables
//!    keyed as jstac keys them ([`KEYED_SQL`]), SQLite alone;
//! 3. `jstac run` of the bundled police pipeline (release build, real CSV
//!    plugin, mapping, stable keys, upserts, provenance, ledger) into a fresh
//!    SQLite warehouse;
//! 4. the model floor: SQLite alone (jstac's own SQLite build) copying the
//!    rows that run wrote (source records, persons, events, links,
//!    assertions), each table in key order, into empty tables of the same
//!    schema with the same settings, in one transaction ([`FLOOR_TABLES`]). No parsing, mapping, hashing, conflict
//!    or sorting in Rust: what any loader that writes this model must at
//!    least pay, whatever its code.
//!
//! And on PostgreSQL (unless `--postgres none`), per size, each in a fresh
//! database:
//!
//! 5. the raw baseline, `psql -c "\copy raw FROM FILE (FORMAT csv, HEADER)"`
//!    into one unindexed table of text columns;
//! 6. `jstac run` of the same pipeline into a PostgreSQL warehouse (COPY
//!    into staging tables, keyed upserts, assertions, source records);
//! 7. the model floor on PostgreSQL: the server copying that run's rows, in
//!    key order, into empty tables `LIKE` them (indexes and constraints
//!    included) in one transaction.
//!
//! Each is a child process; its wall time and peak resident memory come from
//! `wait4` (for psql that is the client's: the server's work is in the
//! time, not the memory). Then, in-process, the cost per record of the plugin boundary:
//! the same file parsed with the `csv` crate directly versus pulled through
//! the CSV plugin's Arrow C stream.
//!
//! `--repeat N` runs every step N times and reports its median time (and
//! its highest peak memory): one run can catch the machine busy.
//!
//! Build first: `cargo build --release --workspace`, then run
//! `./target/release/jstac-bench` (it finds `jstac` and the plugin beside
//! itself).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;

#[derive(Parser)]
#[command(about = "Benchmark jstac run against sqlite3 .import on generated police CSV")]
struct Args {
    /// Row counts to measure, smallest first.
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
    rows: Vec<usize>,
    /// Where to write the generated files and warehouses (default: a
    /// temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The sqlite3 shell used for the baseline.
    #[arg(long, default_value = "sqlite3")]
    sqlite3: String,
    /// The PostgreSQL server for the PostgreSQL rows, as a URL of a database
    /// to connect to first (the bench creates and drops its own databases
    /// there); `none` skips them.
    #[arg(long, default_value = jstac_test_support::POSTGRES_URL)]
    postgres: String,
    /// The psql client used for the PostgreSQL baseline.
    #[arg(long, default_value = "psql")]
    psql: String,
    /// Runs of each step; the median time is reported (and the highest
    /// peak memory). The machines here are noisy: 3 or 5 steadies figures.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// Internal: run SCRIPT on DB with the SQLite jstac links (the model
    /// floor's engine), as a child process the bench measures.
    #[arg(long, hide = true, num_args = 2, value_names = ["DB", "SCRIPT"])]
    exec_sqlite: Option<Vec<PathBuf>>,
}

/// The reference for the warehouse model's own cost: after `.import`, one
/// transaction of SQL upserts into the warehouse's persons, events and links
/// tables (schema v1 as migrated), keyed by 128-bit hashes of the source keys
/// as jstac keys them (SHA3 here: the sqlite3 shell has no SHA-256). No
/// conversions, sorting or provenance ledger: a lower bound for `jstac run`.
const KEYED_SQL: &str = concat!(
    include_str!("../../jstac-warehouse/migrations/sqlite/0001_foundation.sql"),
    "
BEGIN;
INSERT INTO persons (person_key, agency, dataset, family_name, given_names, date_of_birth,
                     gender, nationality, postcode, first_run_id, last_run_id, source_file_id,
                     source_locator)
SELECT lower(hex(substr(sha3('police' || char(31) || 'wyp' || char(31) || 'persons' || char(31) || trim(NominalRef), 256), 1, 16))),
       'police', 'wyp', Surname, Forenames, DOB, Gender, Nationality, HomePostcode, 1, 1, 1,
       'line ' || (rowid + 1)
FROM raw WHERE true
ON CONFLICT (person_key) DO UPDATE SET last_run_id = excluded.last_run_id,
    family_name = excluded.family_name, given_names = excluded.given_names,
    date_of_birth = excluded.date_of_birth, gender = excluded.gender,
    nationality = excluded.nationality, postcode = excluded.postcode,
    source_file_id = excluded.source_file_id, source_locator = excluded.source_locator;
INSERT INTO events (event_key, agency, dataset, event_type, reference, category, occurred_from,
                    occurred_to, reported_on, postcode, organised_crime, amount_gbp,
                    first_run_id, last_run_id, source_file_id, source_locator)
SELECT lower(hex(substr(sha3('police' || char(31) || 'wyp' || char(31) || 'events' || char(31) || trim(CrimeRef), 256), 1, 16))),
       'police', 'wyp', 'crime', CrimeRef, Offence, DateFrom, DateTo, ReportedDate,
       LocationPostcode, OCGFlag = 'Y', EstProceedsGBP, 1, 1, 1, 'line ' || (rowid + 1)
FROM raw WHERE true
ON CONFLICT (event_key) DO UPDATE SET last_run_id = excluded.last_run_id,
    category = excluded.category, occurred_from = excluded.occurred_from,
    occurred_to = excluded.occurred_to, reported_on = excluded.reported_on,
    postcode = excluded.postcode, organised_crime = excluded.organised_crime,
    amount_gbp = excluded.amount_gbp, source_file_id = excluded.source_file_id,
    source_locator = excluded.source_locator;
INSERT INTO links (link_key, agency, dataset, from_table, from_key, to_table, to_key, role,
                   age_at_event, first_run_id, last_run_id, source_file_id, source_locator)
SELECT lower(hex(substr(sha3('link' || char(31) || p || char(31) || e || char(31) || Role, 256), 1, 16))),
       'police', 'wyp', 'persons', p, 'events', e, Role, AgeAtOffence, 1, 1, 1, line
FROM (SELECT lower(hex(substr(sha3('police' || char(31) || 'wyp' || char(31) || 'persons' || char(31) || trim(NominalRef), 256), 1, 16))) AS p,
             lower(hex(substr(sha3('police' || char(31) || 'wyp' || char(31) || 'events' || char(31) || trim(CrimeRef), 256), 1, 16))) AS e,
             Role, AgeAtOffence, 'line ' || (rowid + 1) AS line
      FROM raw) WHERE true
ON CONFLICT (link_key) DO UPDATE SET last_run_id = excluded.last_run_id,
    age_at_event = excluded.age_at_event, source_file_id = excluded.source_file_id,
    source_locator = excluded.source_locator;
COMMIT;
"
);

/// The tables a police load writes, each with the order its rows are copied
/// in for the model floor: its primary key, so every B-tree is built by
/// appending (the cheapest order there is).
const FLOOR_TABLES: [(&str, &str); 5] = [
    ("source_records", "file_id, record_no"),
    ("persons", "person_key"),
    ("events", "event_key"),
    ("links", "link_key"),
    ("assertions", "entity_key, file_id, record_no"),
];

/// The SQLite model floor's script, run by jstac's own SQLite build
/// ([`exec_sqlite`]): jstac's schema (its migrations) and settings (page
/// size, WAL, `synchronous=NORMAL`, a 64 MiB cache, memory temp store), then one
/// transaction copying [`FLOOR_TABLES`] from the warehouse at `from`.
fn sqlite_floor_sql(from: &Path) -> String {
    let mut sql = format!(
        "PRAGMA page_size={};\nPRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n\
         PRAGMA cache_size=-65536;\nPRAGMA temp_store=memory;\n",
        jstac_warehouse::SQLITE_PAGE_SIZE
    );
    for migration in [
        include_str!("../../jstac-warehouse/migrations/sqlite/0001_foundation.sql"),
        include_str!("../../jstac-warehouse/migrations/sqlite/0002_normalisers.sql"),
        include_str!("../../jstac-warehouse/migrations/sqlite/0003_pole.sql"),
        include_str!("../../jstac-warehouse/migrations/sqlite/0004_analyst_views.sql"),
        include_str!("../../jstac-warehouse/migrations/sqlite/0005_grading_checks.sql"),
        include_str!("../../jstac-warehouse/migrations/sqlite/0006_values.sql"),
        include_str!("../../jstac-warehouse/migrations/sqlite/0007_timestamps.sql"),
    ] {
        sql.push_str(migration);
        sql.push('\n');
    }
    sql.push_str(&format!(
        "ATTACH '{}' AS w;\nBEGIN;\n",
        from.display().to_string().replace('\'', "''")
    ));
    for (name, order) in FLOOR_TABLES {
        sql.push_str(&format!(
            "INSERT INTO main.{name} SELECT * FROM w.{name} ORDER BY {order};\n"
        ));
    }
    sql.push_str("COMMIT;\n");
    sql
}

/// Runs a SQL script on a database with the SQLite jstac itself links (the
/// bundled build, not the `sqlite3` shell's, which may be another version):
/// the engine of the SQLite model floor.
fn exec_sqlite(db: &Path, script: &Path) -> Result<()> {
    use libsqlite3_sys as ffi;
    use std::ffi::{CStr, CString};
    let sql = CString::new(std::fs::read_to_string(script)?)?;
    let path = CString::new(db.to_str().context("the database path is not UTF-8")?)?;
    let mut handle = std::ptr::null_mut();
    // SAFETY: both strings are NUL-terminated and outlive the calls; the
    // handle is closed exactly once, and SQLite's error text is copied
    // before it is freed.
    unsafe {
        if ffi::sqlite3_open(path.as_ptr(), &mut handle) != ffi::SQLITE_OK {
            let message = CStr::from_ptr(ffi::sqlite3_errmsg(handle))
                .to_string_lossy()
                .into_owned();
            ffi::sqlite3_close(handle);
            bail!("opening {}: {message}", db.display());
        }
        let mut error = std::ptr::null_mut();
        let rc = ffi::sqlite3_exec(handle, sql.as_ptr(), None, std::ptr::null_mut(), &mut error);
        let message =
            (!error.is_null()).then(|| CStr::from_ptr(error).to_string_lossy().into_owned());
        ffi::sqlite3_free(error.cast());
        ffi::sqlite3_close(handle);
        if rc != ffi::SQLITE_OK {
            bail!("{}: {}", script.display(), message.unwrap_or_default());
        }
    }
    Ok(())
}

/// One child process's cost.
struct Measured {
    elapsed: Duration,
    peak_rss_kib: i64,
}

/// Runs `step` (which prepares its own start state, then [`measure`]s)
/// `times` times: the median time, and the highest peak memory.
fn median_of(times: usize, mut step: impl FnMut() -> Result<Measured>) -> Result<Measured> {
    let mut runs = (0..times.max(1))
        .map(|_| step())
        .collect::<Result<Vec<_>>>()?;
    let peak_rss_kib = runs.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0);
    runs.sort_by_key(|m| m.elapsed);
    let middle = runs.len() / 2;
    let elapsed = if runs.len() % 2 == 0 {
        (runs[middle - 1].elapsed + runs[middle].elapsed) / 2
    } else {
        runs[middle].elapsed
    };
    Ok(Measured {
        elapsed,
        peak_rss_kib,
    })
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some([db, script]) = args.exec_sqlite.as_deref() {
        return exec_sqlite(db, script);
    }
    let exe_dir = std::env::current_exe()?
        .parent()
        .context("the bench binary has no directory")?
        .to_owned();
    let jstac = exe_dir.join("jstac");
    let plugin = exe_dir.join(jstac_host::library_file_name("csv"));
    for needed in [&jstac, &plugin] {
        ensure!(
            needed.exists(),
            "{} is missing: run `cargo build --release --workspace` first",
            needed.display()
        );
    }
    let pipeline_src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../pipelines/police_msa_crimes.toml")
        .canonicalize()
        .context("finding the bundled police pipeline")?;

    let temp;
    let dir = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_owned()
        }
    };

    println!(
        "jstac-bench: {} | {} | {} cores | median of {} run(s) per step",
        describe_command(&args.sqlite3, "--version"),
        describe_command(jstac.to_str().unwrap_or("jstac"), "--version"),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.repeat.max(1)
    );
    let mut table = String::new();
    writeln!(
        table,
        "{:>9}  {:<20} {:>9} {:>12} {:>7} {:>12}",
        "rows", "tool", "seconds", "records/s", "ratio", "peak RSS MiB"
    )?;

    let mut largest = None;
    for &rows in &args.rows {
        let csv = dir.join(format!("police_{rows}.csv"));
        let bytes = generate(&csv, rows)?;
        eprintln!("generated {} ({:.1} MiB)", csv.display(), mib(bytes));

        let baseline_db = dir.join(format!("import_{rows}.db"));
        let baseline = median_of(args.repeat, || {
            remove_db(&baseline_db);
            measure(
                Command::new(&args.sqlite3)
                    .arg(&baseline_db)
                    .arg(format!(".import --csv {} raw", csv.display())),
            )
        })
        .context("running the sqlite3 baseline")?;
        let imported = sqlite_count(&args.sqlite3, &baseline_db, "raw")?;
        ensure!(
            imported == rows,
            "sqlite3 imported {imported} rows, not {rows}"
        );

        // The same three keyed tables, written by SQLite alone: what the
        // warehouse model costs before any Rust runs.
        let keyed_db = dir.join(format!("keyed_{rows}.db"));
        let keyed_sql = dir.join("keyed.sql");
        std::fs::write(&keyed_sql, KEYED_SQL)?;
        let keyed = median_of(args.repeat, || {
            remove_db(&keyed_db);
            measure(
                Command::new(&args.sqlite3)
                    .arg(&keyed_db)
                    .arg(format!(".import --csv {} raw", csv.display()))
                    .arg(format!(".read {}", keyed_sql.display())),
            )
        })
        .context("running the sqlite3 keyed reference")?;
        let keyed_persons = sqlite_count(&args.sqlite3, &keyed_db, "persons")?;
        ensure!(
            keyed_persons == rows,
            "the keyed reference wrote {keyed_persons} persons, not {rows}"
        );

        let run_dir = dir.join(format!("run_{rows}"));
        std::fs::create_dir_all(&run_dir)?;
        let pipeline = std::fs::read_to_string(&pipeline_src)?.replace(
            "path = \"samples/police_msa_crimes/*.csv\"",
            &format!("path = {:?}", csv.display().to_string()),
        );
        ensure!(
            pipeline.contains(&csv.display().to_string()),
            "the bundled pipeline's source path changed; update the bench"
        );
        std::fs::write(run_dir.join("police.toml"), pipeline)?;
        let warehouse = run_dir.join("warehouse.db");
        let jstac_run = median_of(args.repeat, || {
            remove_db(&warehouse);
            let log = File::create(run_dir.join("run.log"))?;
            measure(
                Command::new(&jstac)
                    .current_dir(&run_dir)
                    .env_remove("JSTAC_LOG")
                    .arg("--warehouse")
                    .arg(format!("sqlite://{}", warehouse.display()))
                    .arg("--plugin-dir")
                    .arg(&exe_dir)
                    .args(["run", "police.toml"])
                    .stdout(log),
            )
        })
        .context("running jstac")?;
        let persons = sqlite_count(&args.sqlite3, &warehouse, "persons")?;
        let links = sqlite_count(&args.sqlite3, &warehouse, "links")?;
        ensure!(
            persons == rows && links == rows,
            "jstac loaded {persons} persons and {links} links from {rows} rows"
        );

        let floor_db = run_dir.join("floor.db");
        let floor_sql = run_dir.join("floor.sql");
        std::fs::write(&floor_sql, sqlite_floor_sql(&warehouse))?;
        let floor = median_of(args.repeat, || {
            remove_db(&floor_db);
            measure(
                Command::new(std::env::current_exe()?)
                    .arg("--exec-sqlite")
                    .arg(&floor_db)
                    .arg(&floor_sql),
            )
        })
        .context("running the sqlite3 model floor")?;
        for (name, _) in FLOOR_TABLES {
            let (copied, written) = (
                sqlite_count(&args.sqlite3, &floor_db, name)?,
                sqlite_count(&args.sqlite3, &warehouse, name)?,
            );
            ensure!(
                copied == written,
                "the model floor copied {copied} of jstac's {written} {name} rows"
            );
        }

        let base_rate = rate(rows, baseline.elapsed);
        for (tool, m) in [
            ("sqlite3 .import", &baseline),
            ("sqlite3 keyed SQL", &keyed),
            ("jstac run", &jstac_run),
            ("sqlite3 model floor", &floor),
        ] {
            let r = rate(rows, m.elapsed);
            writeln!(
                table,
                "{:>9}  {:<20} {:>9.2} {:>12.0} {:>6.2}x {:>12.1}",
                rows,
                tool,
                m.elapsed.as_secs_f64(),
                r,
                r / base_rate,
                m.peak_rss_kib as f64 / 1024.0
            )?;
        }
        if args.postgres != "none" {
            postgres_rows(&args, &jstac, &exe_dir, &run_dir, &csv, rows, &mut table)?;
        }
        largest = Some(csv);
    }
    println!("{table}");

    if let Some(csv) = largest {
        boundary_cost(&plugin, &csv)?;
    }
    Ok(())
}

/// The PostgreSQL rows of one size: `psql \copy` into an unindexed table,
/// then `jstac run` into a fresh PostgreSQL warehouse, both in databases the
/// bench creates and drops.
fn postgres_rows(
    args: &Args,
    jstac: &Path,
    exe_dir: &Path,
    run_dir: &Path,
    csv: &Path,
    rows: usize,
    table: &mut String,
) -> Result<()> {
    let server = args
        .postgres
        .rsplit_once('/')
        .map(|(server, _)| server)
        .context("--postgres names no database")?;
    let psql = |url: &str, sql: &str| -> Result<String> {
        let output = Command::new(&args.psql)
            .args([
                url,
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .with_context(|| format!("running {}", args.psql))?;
        ensure!(
            output.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    // One psql statement as a measured step (the server's work is in its
    // time, the client's in its memory).
    let timed_psql = |url: &str, sql: &str| {
        measure(Command::new(&args.psql).args([
            url,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ]))
    };
    let fresh = |name: &str| -> Result<String> {
        psql(
            &args.postgres,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
        psql(&args.postgres, &format!("CREATE DATABASE {name}"))?;
        Ok(format!("{server}/{name}"))
    };

    let header = std::io::BufRead::lines(std::io::BufReader::new(File::open(csv)?))
        .next()
        .context("the generated CSV is empty")??;
    let columns: Vec<String> = header.split(',').map(|c| format!("\"{c}\" text")).collect();
    let raw_db = format!("jstac_bench_copy_{rows}");
    let raw_url = fresh(&raw_db)?;
    let copy = median_of(args.repeat, || {
        psql(
            &raw_url,
            &format!(
                "DROP TABLE IF EXISTS raw; CREATE TABLE raw ({})",
                columns.join(", ")
            ),
        )?;
        timed_psql(
            &raw_url,
            &format!(
                "\\copy raw FROM '{}' WITH (FORMAT csv, HEADER true)",
                csv.display()
            ),
        )
    })
    .context("running the psql \\copy baseline")?;
    let copied: usize = psql(&raw_url, "SELECT COUNT(*) FROM raw")?.parse()?;
    ensure!(copied == rows, "psql copied {copied} rows, not {rows}");

    let run_db = format!("jstac_bench_run_{rows}");
    let mut run_url = String::new();
    let jstac_run = median_of(args.repeat, || {
        run_url = fresh(&run_db)?;
        let log = File::create(run_dir.join("run_postgres.log"))?;
        measure(
            Command::new(jstac)
                .current_dir(run_dir)
                .env_remove("JSTAC_LOG")
                .arg("--warehouse")
                .arg(&run_url)
                .arg("--plugin-dir")
                .arg(exe_dir)
                .args(["run", "police.toml"])
                .stdout(log),
        )
    })
    .context("running jstac on PostgreSQL")?;
    let persons: usize = psql(&run_url, "SELECT COUNT(*) FROM persons")?.parse()?;
    let links: usize = psql(&run_url, "SELECT COUNT(*) FROM links")?.parse()?;
    ensure!(
        persons == rows && links == rows,
        "jstac loaded {persons} persons and {links} links into PostgreSQL from {rows} rows"
    );
    // The model floor: the server copying the run's rows, in key order, into
    // empty tables like them (indexes, constraints), in one transaction.
    let mut setup = String::from("DROP SCHEMA IF EXISTS floor CASCADE; CREATE SCHEMA floor;");
    let mut copy_rows = String::from("BEGIN;");
    for (name, order) in FLOOR_TABLES {
        setup.push_str(&format!(
            "CREATE TABLE floor.{name} (LIKE public.{name} INCLUDING ALL);"
        ));
        copy_rows.push_str(&format!(
            "INSERT INTO floor.{name} SELECT * FROM public.{name} ORDER BY {order};"
        ));
    }
    copy_rows.push_str("COMMIT;");
    let floor = median_of(args.repeat, || {
        psql(&run_url, &setup)?;
        timed_psql(&run_url, &copy_rows)
    })
    .context("running the PostgreSQL model floor")?;
    for (name, _) in FLOOR_TABLES {
        let counts = psql(
            &run_url,
            &format!(
                "SELECT (SELECT COUNT(*) FROM floor.{name}) || ' ' || (SELECT COUNT(*) FROM public.{name})"
            ),
        )?;
        ensure!(
            counts
                .split(' ')
                .collect::<Vec<_>>()
                .windows(2)
                .all(|w| w[0] == w[1]),
            "the PostgreSQL model floor copied {counts} (floor, jstac) {name} rows"
        );
    }

    let base_rate = rate(rows, copy.elapsed);
    for (tool, m) in [
        ("psql \\copy", &copy),
        ("jstac run (pg)", &jstac_run),
        ("psql model floor", &floor),
    ] {
        let r = rate(rows, m.elapsed);
        writeln!(
            table,
            "{:>9}  {:<20} {:>9.2} {:>12.0} {:>6.2}x {:>12.1}",
            rows,
            tool,
            m.elapsed.as_secs_f64(),
            r,
            r / base_rate,
            m.peak_rss_kib as f64 / 1024.0
        )?;
    }
    for name in [raw_db, run_db] {
        psql(
            &args.postgres,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
    }
    Ok(())
}

/// Per-record cost of the plugin boundary: the CSV crate alone versus the
/// same parse inside the plugin, built into Arrow batches and pulled across
/// the C stream interface, every value touched on the host side.
fn boundary_cost(plugin: &Path, csv: &Path) -> Result<()> {
    let start = Instant::now();
    let mut reader = csv::ReaderBuilder::new().from_path(csv)?;
    let mut record = csv::ByteRecord::new();
    let (mut direct_rows, mut direct_bytes) = (0usize, 0usize);
    while reader.read_byte_record(&mut record)? {
        direct_rows += 1;
        for field in &record {
            direct_bytes += std::str::from_utf8(field)?.len();
        }
    }
    let direct = start.elapsed();

    let start = Instant::now();
    let plugin = jstac_host::Plugin::load(plugin)?;
    let mut stream = plugin.open(csv, &serde_json::json!({}), 4096)?;
    let (mut plugin_rows, mut plugin_bytes) = (0usize, 0usize);
    let columns = stream.fields().len();
    while let Some(batch) = stream.next_batch() {
        let batch = batch?;
        for row in 0..batch.len() {
            plugin_rows += 1;
            for column in 0..columns {
                plugin_bytes += batch.value(column, row).map_or(0, str::len);
            }
        }
    }
    let through = start.elapsed();
    if direct_rows != plugin_rows || direct_bytes != plugin_bytes {
        bail!(
            "the plugin read {plugin_rows} rows / {plugin_bytes} bytes, the csv crate {direct_rows} / {direct_bytes}"
        );
    }
    let per = |d: Duration| d.as_nanos() as f64 / direct_rows as f64;
    println!(
        "plugin boundary on {direct_rows} rows: csv crate in-process {:.0} ns/record ({:.0} records/s); \
         through the plugin's Arrow C stream {:.0} ns/record ({:.0} records/s); boundary + Arrow building {:.0} ns/record",
        per(direct),
        rate(direct_rows, direct),
        per(through),
        rate(plugin_rows, through),
        per(through) - per(direct)
    );
    Ok(())
}

/// Writes `rows` synthetic police rows (four people per crime) in the
/// layout of the bundled sample. Deterministic; no real person's data.
fn generate(path: &Path, rows: usize) -> Result<u64> {
    const OFFENCES: [&str; 4] = [
        "MSA 2015 s1 Slavery, servitude and forced or compulsory labour",
        "MSA 2015 s2 Human trafficking",
        "MSA 2015 s4 Committing an offence with intent to commit s2",
        "MSA 2015 s30 Breach of slavery and trafficking prevention order",
    ];
    const SURNAMES: [&str; 8] = [
        "NGUYEN", "HOXHA", "KOWALSKI", "BEGA", "SMITH", "POPESCU", "TRAN", "OKAFOR",
    ];
    const FORENAMES: [&str; 8] = [
        "Thi Lan", "Ana", "Piotr", "Arben", "John", "Ioana", "Van Minh", "Chidi",
    ];
    const NATIONALITIES: [&str; 6] = [
        "Vietnamese",
        "Albanian",
        "Polish",
        "British",
        "Romanian",
        "Nigerian",
    ];
    const POSTCODES: [&str; 6] = [
        "BD7 1AY", "WF1 2QW", "BD1 1HY", "LS1 4AP", "HX1 1UJ", "HD1 2TA",
    ];
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    writeln!(
        out,
        "CrimeRef,Offence,DateFrom,DateTo,ReportedDate,LocationPostcode,OCGFlag,EstProceedsGBP,NominalRef,Role,Surname,Forenames,DOB,Gender,Nationality,HomePostcode,AgeAtOffence"
    )?;
    for i in 0..rows {
        let crime = i / 4;
        let (day, month) = (1 + crime % 28, 1 + crime / 28 % 12);
        let suspect = i % 4 == 3;
        let proceeds = if crime % 3 == 0 {
            format!("{}.{:02}", 500 + crime % 9000, crime % 100)
        } else {
            String::new()
        };
        let dob_known = i % 5 != 0;
        let (birth_year, dob_day, dob_month) = (1960 + i % 40, 1 + i % 28, 1 + i % 12);
        writeln!(
            out,
            "13/{crime:07}/16,\"{offence}\",{day:02}/{month:02}/2016,{to},{rday:02}/{month:02}/2016,{loc},{ocg},{proceeds},N{n},{role},{surname},{forenames},{dob},{gender},{nationality},{home},{age}",
            offence = OFFENCES[crime % OFFENCES.len()],
            to = if crime % 2 == 0 {
                format!("{day:02}/{month:02}/2016")
            } else {
                String::new()
            },
            rday = (day + 1).min(28),
            loc = POSTCODES[crime % POSTCODES.len()],
            ocg = if crime % 4 == 0 { "Y" } else { "N" },
            n = i + 1,
            role = if suspect { "Suspect" } else { "Victim" },
            surname = SURNAMES[i % SURNAMES.len()],
            forenames = FORENAMES[(i / 3) % FORENAMES.len()],
            dob = if dob_known {
                format!("{dob_day:02}/{dob_month:02}/{birth_year}")
            } else {
                String::new()
            },
            gender = if i % 2 == 0 { "F" } else { "M" },
            nationality = NATIONALITIES[(i / 2) % NATIONALITIES.len()],
            home = POSTCODES[(i / 5) % POSTCODES.len()],
            age = if dob_known {
                (2016 - birth_year).to_string()
            } else {
                String::new()
            },
        )?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Runs a child to completion; its wall time and peak RSS (from `wait4`).
fn measure(command: &mut Command) -> Result<Measured> {
    // The previous step's dirty pages are written back first: otherwise the
    // kernel flushes them during this step (600 MB after the keyed SQL) and
    // one tool's writes land in the next one's time.
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let start = Instant::now();
    let child = command.stdin(Stdio::null()).spawn()?;
    let pid = libc::pid_t::try_from(child.id())?;
    let mut status = 0;
    // SAFETY: `rusage` is plain data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; both pointers are valid for
    // writes. Reaping it here means `child` must not be waited on again.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    drop(child);
    ensure!(reaped == pid, "wait4: {}", std::io::Error::last_os_error());
    ensure!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{command:?} failed (wait status {status})"
    );
    Ok(Measured {
        elapsed,
        // Linux reports ru_maxrss in KiB.
        peak_rss_kib: usage.ru_maxrss,
    })
}

fn sqlite_count(sqlite3: &str, db: &Path, table: &str) -> Result<usize> {
    let output = Command::new(sqlite3)
        .arg(db)
        .arg(format!("SELECT COUNT(*) FROM {table}"))
        .output()?;
    ensure!(
        output.status.success(),
        "counting {table}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?.trim().parse()?)
}

fn describe_command(program: &str, flag: &str) -> String {
    Command::new(program)
        .arg(flag)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| {
            s.split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
                .into()
        })
        .unwrap_or_else(|| format!("{program} (version unknown)"))
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}

fn rate(rows: usize, elapsed: Duration) -> f64 {
    rows as f64 / elapsed.as_secs_f64()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
