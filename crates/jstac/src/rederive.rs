//! Mapping records already in the warehouse again: a retraction re-derives
//! the rows the retracted records shared with others, and `jstac verify`
//! re-derives every row, from each record's raw values (the JSON object
//! `source_records.raw` keeps) through the pipeline that loaded it.
//!
//! A spreadsheet's typed cells are kept as their canonical text, so they
//! are mapped again as text (a date cell as its ISO text): a pipeline whose
//! date columns take typed cells without a format reads them differently
//! (see ARCHITECTURE.md, "A record's life").

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use jstac_core::{FieldShape, Mapping, SourceRecords};
use jstac_warehouse::{
    Rebuild, ReplayFile, ReplayRecord, RetractSummary, RetractTarget, Warehouse,
};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::exit::Failure;
use crate::pipelines::{self, Pipeline};
use crate::run::actor;
use crate::settings::Settings;

/// Records mapped again a page at a time: memory does not grow with a file.
const PAGE: i64 = 4096;

/// Records whose fields were read back from their raw JSON.
struct JsonRecords {
    fields: Vec<String>,
    shapes: Vec<FieldShape>,
    /// Per record, per field: the value, or the list's elements.
    values: Vec<Vec<Cell>>,
    locators: Vec<String>,
}

enum Cell {
    Missing,
    Text(String),
    List(Vec<Option<String>>),
}

fn text(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl JsonRecords {
    /// The records of one page; `None` if a raw value is not a JSON object.
    fn parse(records: &[ReplayRecord]) -> Option<JsonRecords> {
        let mut fields: Vec<String> = Vec::new();
        let mut shapes: Vec<FieldShape> = Vec::new();
        let mut objects = Vec::with_capacity(records.len());
        for record in records {
            let Json::Object(object) = serde_json::from_str::<Json>(&record.raw).ok()? else {
                return None;
            };
            for (name, value) in &object {
                if !fields.contains(name) {
                    fields.push(name.clone());
                    shapes.push(if value.is_array() {
                        FieldShape::List
                    } else {
                        FieldShape::Single
                    });
                }
            }
            objects.push(object);
        }
        let values = objects
            .iter()
            .map(|object| {
                fields
                    .iter()
                    .map(|name| match object.get(name) {
                        None | Some(Json::Null) => Cell::Missing,
                        Some(Json::Array(items)) => Cell::List(items.iter().map(text).collect()),
                        Some(value) => text(value).map_or(Cell::Missing, Cell::Text),
                    })
                    .collect()
            })
            .collect();
        Some(JsonRecords {
            fields,
            shapes,
            values,
            locators: records.iter().map(|r| r.locator.clone()).collect(),
        })
    }
}

impl SourceRecords for JsonRecords {
    fn len(&self) -> usize {
        self.values.len()
    }
    fn value(&self, field: usize, row: usize) -> Option<&str> {
        match &self.values[row][field] {
            Cell::Text(text) => Some(text),
            _ => None,
        }
    }
    fn list_len(&self, field: usize, row: usize) -> usize {
        match &self.values[row][field] {
            Cell::List(items) => items.len(),
            _ => 0,
        }
    }
    fn list_value(&self, field: usize, row: usize, index: usize) -> Option<&str> {
        match &self.values[row][field] {
            Cell::List(items) => items.get(index).and_then(|i| i.as_deref()),
            _ => None,
        }
    }
    fn locator(&self, row: usize) -> &str {
        &self.locators[row]
    }
    fn reject(&self, _row: usize) -> Option<&str> {
        None
    }
    fn raw(&self, _row: usize) -> Option<&str> {
        None
    }
}

/// What re-deriving did.
#[derive(Debug, Default)]
pub struct Rederived {
    pub files: u64,
    pub records: u64,
}

/// SHA-256 of a pipeline file's bytes, as the ledger records it.
pub fn pipeline_sha256(path: &Path) -> std::io::Result<String> {
    Ok(hex::encode(Sha256::digest(std::fs::read(path)?)))
}

/// Maps a run's quarantined records (`rebuild` from
/// `Warehouse::begin_replay`) through the pipeline file at the path their
/// run recorded, as it is now: those that pass load into their file, and
/// the rows they assert are re-derived ([`rederive`]). Returns each
/// pipeline file's hash now, for the ledger.
pub async fn replay(
    settings: &Settings,
    rebuild: &mut Rebuild,
) -> Result<HashMap<String, String>, (Failure, String)> {
    let infra = |e: jstac_warehouse::WarehouseError| (Failure::Infrastructure, e.to_string());
    let mut hashes = HashMap::new();
    let files: Vec<ReplayFile> = rebuild
        .replayed()
        .iter()
        .map(|f| f.as_replay_file())
        .collect();
    for (index, file) in files.iter().enumerate() {
        let path = Path::new(&file.pipeline_path);
        let pipeline = pipelines::load(path, &settings.registry).map_err(|e| {
            (
                Failure::Config,
                format!("{}: its pipeline cannot be read: {e}", file.path),
            )
        })?;
        let hash = pipeline_sha256(path).map_err(|e| (Failure::Config, e.to_string()))?;
        hashes.insert(file.pipeline_path.clone(), hash);
        let mut after = -1;
        let mut mapping: Option<(Vec<String>, Mapping)> = None;
        loop {
            let quarantined = rebuild
                .quarantined(index, after, PAGE)
                .await
                .map_err(infra)?;
            let Some(last) = quarantined.last() else {
                break;
            };
            after = last.id;
            // A record the plugin rejected (a malformed line) kept its raw
            // text, not its fields: it stays, for the file to be loaded again.
            let quarantined: Vec<_> = quarantined
                .into_iter()
                .filter(|q| serde_json::from_str::<Json>(&q.raw).is_ok_and(|v| v.is_object()))
                .collect();
            if quarantined.is_empty() {
                continue;
            }
            let records: Vec<ReplayRecord> = quarantined
                .iter()
                .map(|q| ReplayRecord {
                    record_no: q.id,
                    locator: q.locator.clone(),
                    raw: q.raw.clone(),
                })
                .collect();
            let batch = map_page(&pipeline, file, &records, &mut mapping, false)?;
            rebuild
                .load_replayed(index, &quarantined, batch)
                .await
                .map_err(infra)?;
        }
    }
    rebuild.empty_replayed_rows().await.map_err(infra)?;
    rederive(settings, rebuild).await?;
    Ok(hashes)
}

/// Maps again the records `rebuild` hands out, file by file in load
/// order, each through the pipeline file its run recorded, and writes the
/// rows. A record that no longer maps (quarantined now) fails the whole
/// rebuild, which the caller rolls back.
pub async fn rederive(
    settings: &Settings,
    rebuild: &mut Rebuild,
) -> Result<Rederived, (Failure, String)> {
    let infra = |e: jstac_warehouse::WarehouseError| (Failure::Infrastructure, e.to_string());
    let mut done = Rederived::default();
    let mut pipelines: HashMap<String, Pipeline> = HashMap::new();
    for file in rebuild.files().await.map_err(infra)? {
        if !pipelines.contains_key(&file.pipeline_path) {
            let pipeline = pipelines::load(Path::new(&file.pipeline_path), &settings.registry)
                .map_err(|e| {
                    (
                        Failure::Config,
                        format!(
                            "{}: the pipeline that loaded it cannot be read again: {e}",
                            file.path
                        ),
                    )
                })?;
            pipelines.insert(file.pipeline_path.clone(), pipeline);
        }
        let pipeline = &pipelines[&file.pipeline_path];
        done.files += 1;
        let mut after = -1;
        let mut mapping: Option<(Vec<String>, Mapping)> = None;
        loop {
            let records = rebuild.records(&file, after, PAGE).await.map_err(infra)?;
            let Some(last) = records.last() else {
                break;
            };
            after = last.record_no;
            done.records += records.len() as u64;
            let batch = map_page(pipeline, &file, &records, &mut mapping, true)?;
            rebuild.write(&file, batch).await.map_err(infra)?;
        }
    }
    Ok(done)
}

fn map_page(
    pipeline: &Pipeline,
    file: &ReplayFile,
    records: &[ReplayRecord],
    mapping: &mut Option<(Vec<String>, Mapping)>,
    strict: bool,
) -> Result<jstac_core::MappedBatch, (Failure, String)> {
    let data = |message: String| (Failure::Data, format!("{}: {message}", file.path));
    let input = JsonRecords::parse(records)
        .ok_or_else(|| data("a loaded record's raw values are not a JSON object".to_owned()))?;
    if mapping
        .as_ref()
        .is_none_or(|(fields, _)| *fields != input.fields)
    {
        let bound =
            Mapping::bind(&pipeline.checked, &input.fields, &input.shapes).map_err(|e| {
                data(format!(
                    "its records no longer bind to the pipeline (fields it lacks: {})",
                    e.missing.join(", ")
                ))
            })?;
        *mapping = Some((input.fields.clone(), bound));
    }
    let (_, bound) = mapping.as_ref().expect("bound above");
    let mut batch = bound.new_batch();
    bound.map_into(&input, &mut batch);
    if let Some(entry) = batch.quarantine.first().filter(|_| strict) {
        return Err(data(format!(
            "record {} no longer maps through pipeline {} ({}): has the pipeline changed?",
            entry.locator, pipeline.name, entry.reason
        )));
    }
    Ok(batch)
}

/// What [`retract`] did.
pub enum Retracted {
    /// The files' paths, the summary, what was derived again.
    Done(Vec<String>, RetractSummary, Rederived),
    NotFound,
    /// Refused, said on stderr, nothing changed: exit with this.
    Refused(ExitCode),
}

/// Retracts `target` in one transaction (`jstac retract`, `jstac retain`).
pub async fn retract(
    settings: &Settings,
    warehouse: &Warehouse,
    target: &RetractTarget,
    reason: &str,
) -> anyhow::Result<Retracted> {
    let Some(mut rebuild) = warehouse.begin_retract(target).await? else {
        return Ok(Retracted::NotFound);
    };
    let files: Vec<String> = rebuild.retracted().iter().map(|f| f.path.clone()).collect();
    let rederived = match rederive(settings, &mut rebuild).await {
        Ok(done) => done,
        Err((failure, message)) => {
            rebuild.rollback().await?;
            eprintln!("error: {message}; nothing was retracted");
            return Ok(Retracted::Refused(ExitCode::from(failure.exit_code())));
        }
    };
    match rebuild.commit_retract(&actor(), Some(reason)).await {
        Ok(summary) => Ok(Retracted::Done(files, summary, rederived)),
        Err(e @ jstac_warehouse::WarehouseError::Rebuild(_)) => {
            eprintln!("error: {e}");
            Ok(Retracted::Refused(ExitCode::from(
                Failure::Config.exit_code(),
            )))
        }
        Err(e) => Err(e.into()),
    }
}
