//! The resolution benchmark: `jstac synth` at each scale, `jstac run --all`
//! into SQLite (resolution after runs off), then `jstac resolve` timed
//! (wall time and peak RSS by `/usr/bin/time`), then pairwise precision,
//! recall and F1 over all pairs of person records of different agencies
//! against the ground truth, beside the exact key (`name_key` + date of
//! birth); then the incremental case: one more police file of about a
//! thousand records loaded and resolved again.
//!
//! `cargo build --release && cargo run --release -p jstac-bench --bin resolve -- --scales 1,10`

#![forbid(unsafe_code)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

#[derive(Parser)]
struct Args {
    /// Synth scales to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,10")]
    scales: Vec<u32>,
    /// The jstac binary (default: target/release/jstac).
    #[arg(long)]
    jstac: Option<PathBuf>,
    /// Where to work (default: a temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
}

struct Jstac {
    bin: PathBuf,
    config: PathBuf,
    pipelines: PathBuf,
}

impl Jstac {
    fn cmd(&self, db: &Path, args: &[&str]) -> Command {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f").arg("%e %M").arg(&self.bin);
        c.arg("--config").arg(&self.config);
        c.arg("--warehouse")
            .arg(format!("sqlite://{}", db.display()));
        c.args(args);
        c.env("JSTAC_PIPELINES_DIR", &self.pipelines);
        c.env_remove("JSTAC_SOURCE_ROOT");
        c
    }

    /// Runs; returns stdout, seconds and peak RSS in MiB.
    fn run(&self, db: &Path, args: &[&str]) -> Result<(String, f64, f64)> {
        let out = self
            .cmd(db, args)
            .output()
            .context("running jstac under /usr/bin/time")?;
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        if !out.status.success() {
            bail!("jstac {args:?} failed: {err}");
        }
        let last = err.lines().last().unwrap_or("");
        let mut it = last.split_whitespace();
        let secs: f64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
        let kib: f64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
        Ok((
            String::from_utf8_lossy(&out.stdout).to_string(),
            secs,
            kib / 1024.0,
        ))
    }

    fn query(&self, db: &Path, sql: &str) -> Result<Vec<Json>> {
        let (out, _, _) = self.run(db, &["query", "--format", "json", sql])?;
        Ok(serde_json::from_str(&out)?)
    }
}

fn person_key(agency: &str, dataset: &str, values: &str) -> String {
    let mut h = Sha256::new();
    for part in [agency, dataset, "persons"] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    for (i, v) in values.split('|').enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(v.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

type Pairs = HashSet<(String, String)>;

/// Pairs of records of different agencies in one group.
fn pairs(rows: &[(String, String, Option<String>)]) -> Pairs {
    let mut groups: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for (key, agency, group) in rows {
        if let Some(g) = group {
            groups.entry(g).or_default().push((key, agency));
        }
    }
    let mut out = Pairs::new();
    for members in groups.values() {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                if a.1 != b.1 {
                    let (x, y) = if a.0 < b.0 { (a.0, b.0) } else { (b.0, a.0) };
                    out.insert((x.to_owned(), y.to_owned()));
                }
            }
        }
    }
    out
}

fn score(name: &str, predicted: &Pairs, truth: &Pairs) {
    let tp = predicted.intersection(truth).count() as f64;
    let p = if predicted.is_empty() {
        0.0
    } else {
        tp / predicted.len() as f64
    };
    let r = if truth.is_empty() {
        0.0
    } else {
        tp / truth.len() as f64
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    println!(
        "  {name:<10} pairs {:>7}  precision {p:.3}  recall {r:.3}  F1 {f:.3}",
        predicted.len()
    );
}

fn text(v: &Json) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// Moves the last `n` records of a CSV file (header kept in both) to
/// `late`; returns how many moved.
fn hold_back(file: &Path, late: &Path, n: usize) -> Result<usize> {
    let mut reader = csv::Reader::from_path(file)?;
    let header = reader.byte_headers()?.clone();
    let records: Vec<csv::ByteRecord> = reader.byte_records().collect::<Result<_, _>>()?;
    let keep = records.len().saturating_sub(n);
    for (path, part) in [(file, &records[..keep]), (late, &records[keep..])] {
        let mut w = csv::Writer::from_path(path)?;
        w.write_byte_record(&header)?;
        for r in part {
            w.write_byte_record(r)?;
        }
        w.flush()?;
    }
    Ok(records.len() - keep)
}

/// Pairwise precision, recall and F1 of the exact key and of resolution.
fn evaluate(j: &Jstac, db: &Path, data: &Path) -> Result<()> {
    let rows = j.query(
        db,
        "SELECT p.person_key, p.agency, p.dataset, p.name_key, \
         CAST(p.date_of_birth AS TEXT) AS dob, m.resolved_id \
         FROM persons p LEFT JOIN resolved_members m ON m.person_key = p.person_key",
    )?;
    let datasets: HashMap<String, String> = rows
        .iter()
        .filter_map(|r| Some((text(&r["agency"])?, text(&r["dataset"])?)))
        .collect();
    let mut truth_of: HashMap<String, String> = HashMap::new();
    let mut reader = csv::Reader::from_path(data.join("ground_truth.csv"))?;
    for rec in reader.records() {
        let rec = rec?;
        let Some(dataset) = datasets.get(&rec[0]) else {
            continue;
        };
        truth_of
            .entry(person_key(&rec[0], dataset, &rec[3]))
            .or_insert_with(|| rec[4].to_owned());
    }
    let key = |r: &Json| text(&r["person_key"]).unwrap_or_default();
    let agency = |r: &Json| text(&r["agency"]).unwrap_or_default();
    let with = |g: &dyn Fn(&Json) -> Option<String>| -> Vec<(String, String, Option<String>)> {
        rows.iter().map(|r| (key(r), agency(r), g(r))).collect()
    };
    let truth = pairs(&with(&|r| truth_of.get(&key(r)).cloned()));
    let exact = pairs(&with(&|r| match (text(&r["name_key"]), text(&r["dob"])) {
        (Some(n), Some(d)) => Some(format!("{n}|{d}")),
        _ => None,
    }));
    let resolved = pairs(&with(&|r| text(&r["resolved_id"])));
    let unmatched = rows
        .iter()
        .filter(|r| !truth_of.contains_key(&key(r)))
        .count();
    println!(
        "  {} person records ({unmatched} without truth), {} true cross-agency pairs",
        rows.len(),
        truth.len()
    );
    score("exact key", &exact, &truth);
    score("resolved", &resolved, &truth);
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = args
        .jstac
        .unwrap_or_else(|| root.join("target/release/jstac"));
    let temp = tempfile::tempdir()?;
    let dir = args.dir.unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    let config = dir.join("jstac.toml");
    std::fs::write(&config, "[resolve]\nafter_run = false\n")?;
    let j = Jstac {
        bin,
        config,
        pipelines: root.join("pipelines"),
    };
    for scale in args.scales {
        let data = dir.join(format!("synth{scale}"));
        let db = dir.join(format!("scale{scale}.db"));
        let _ = std::fs::remove_file(&db);
        let s = scale.to_string();
        let data_s = data.display().to_string();
        j.run(&db, &["synth", "--out", &data_s, "--scale", &s])?;
        let late = dir.join(format!("late{scale}.csv"));
        let held = hold_back(
            &data.join("police_msa_crimes/wyp_msa_synth.csv"),
            &late,
            1000,
        )?;
        j.run(&db, &["run", "--all", "--source-root", &data_s])?;
        let (summary, secs, mib) = j.run(&db, &["resolve"])?;
        println!("scale {scale}:");
        evaluate(&j, &db, &data)?;
        println!("  resolve: {secs:.2} s wall, {mib:.0} MiB peak RSS");
        println!("  {}", summary.trim());
        // Incremental: the police records held back, as one more file
        // into the resolved warehouse, then resolve again.
        std::fs::copy(&late, data.join("police_msa_crimes/wyp_msa_synth_late.csv"))?;
        let pipeline = root.join("pipelines/police_msa_crimes.toml");
        let pipeline_s = pipeline.display().to_string();
        j.run(&db, &["run", &pipeline_s, "--source-root", &data_s])?;
        let (summary, secs, mib) = j.run(&db, &["resolve"])?;
        println!("  incremental (+{held} police records in one file):");
        evaluate(&j, &db, &data)?;
        println!("  resolve: {secs:.2} s wall, {mib:.0} MiB peak RSS");
        println!("  {}", summary.trim());
    }
    Ok(())
}
