//! `jstac quarantine replay`: a run's quarantined records mapped again
//! through the pipeline file as it is now, in one transaction. Those that
//! now pass are loaded into their original file (its run, file id and
//! their locators, numbered after the file's records) and leave the
//! quarantine; those no rule applies to now leave it as skipped; the rest
//! stay. The rows the loaded records assert are then re-derived from every
//! record asserting them, in load order (as a retraction re-derives,
//! `rebuild.rs`), so each ends as a load of the files in order would have
//! left it and `jstac verify` holds. The file's counts move from
//! quarantined to loaded or skipped (read unchanged), its run's too, and a
//! `load` ledger row with the digest of the file's rows as they are now
//! chains the change.

use std::collections::{HashMap, HashSet};

use jstac_core::MappedBatch;
use sqlx::AssertSqlSafe;

use crate::chain::{LEDGER_LOCK, LedgerRow, append_link, file_digest};
use crate::chunk::{Chunk, LoadContext};
use crate::db::{Warehouse, now_utc};
use crate::error::{Result, WarehouseError};
use crate::load::{Tx, dataset_lock};
use crate::rebuild::{Mode, Rebuild, ReplayFile, on_tx};

/// A file of the run with quarantined records.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReplayedFile {
    pub file_id: i64,
    pub run_id: i64,
    pub pipeline: String,
    pub pipeline_path: String,
    pub agency: String,
    pub dataset: String,
    pub path: String,
    pub sha256: String,
    pub plugin: String,
    pub plugin_version: String,
    /// The record number the first record loaded now takes.
    #[sqlx(skip)]
    pub next_record: i64,
    #[sqlx(skip)]
    pub loaded: i64,
    #[sqlx(skip)]
    pub skipped: i64,
}

impl ReplayedFile {
    /// The file as [`crate::Rebuild::write`] and the mapping see it.
    pub fn as_replay_file(&self) -> ReplayFile {
        ReplayFile {
            file_id: self.file_id,
            run_id: self.run_id,
            pipeline: self.pipeline.clone(),
            pipeline_path: self.pipeline_path.clone(),
            agency: self.agency.clone(),
            dataset: self.dataset.clone(),
            path: self.path.clone(),
        }
    }
}

/// One quarantined record (a record quarantined for several reasons is
/// one): the first entry's id, its locator and raw values (JSON).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuarantinedRecord {
    pub id: i64,
    pub locator: String,
    pub raw: String,
}

/// A replay's outcome, per file: (path, loaded, skipped, still quarantined).
#[derive(Debug, Clone, Default)]
pub struct ReplaySummary {
    pub files: Vec<(String, i64, i64, i64)>,
}

impl Warehouse {
    /// Starts replaying the quarantine of run `run_id` (the dataset's
    /// loads wait, as for a load); `None` if no such run.
    pub async fn begin_replay(&self, run_id: i64) -> Result<Option<Rebuild>> {
        let mut rebuild = Rebuild {
            tx: self.begin_rebuild().await?,
            mode: Mode::Verify,
        };
        let run: Option<(String, String)> = on_tx!(rebuild, |tx| {
            sqlx::query_as("SELECT agency, dataset FROM ingest_runs WHERE run_id = $1")
                .bind(run_id)
                .fetch_optional(&mut **tx)
                .await?
        });
        let Some((agency, dataset)) = run else {
            rebuild.rollback().await?;
            return Ok(None);
        };
        if let Tx::Postgres(load) = &mut rebuild.tx {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(dataset_lock(&agency, &dataset))
                .execute(&mut **load.transaction())
                .await?;
        }
        let mut files: Vec<ReplayedFile> = on_tx!(rebuild, |tx| {
            sqlx::query_as(
                "SELECT f.file_id, f.run_id, f.pipeline, r.pipeline_path, r.agency, r.dataset,
                        f.path, f.sha256, r.plugin, r.plugin_version
                 FROM source_files f JOIN ingest_runs r ON r.run_id = f.run_id
                 WHERE f.run_id = $1
                   AND EXISTS (SELECT 1 FROM quarantine q WHERE q.file_id = f.file_id)
                 ORDER BY f.file_id",
            )
            .bind(run_id)
            .fetch_all(&mut **tx)
            .await?
        });
        for file in &mut files {
            file.next_record = on_tx!(rebuild, |tx| {
                sqlx::query_scalar(
                    "SELECT COALESCE(MAX(record_no) + 1, 0) FROM source_records WHERE file_id = $1",
                )
                .bind(file.file_id)
                .fetch_one(&mut **tx)
                .await?
            });
        }
        rebuild.mode = Mode::Replay {
            files,
            keys: HashSet::new(),
        };
        Ok(Some(rebuild))
    }
}

impl Rebuild {
    fn replayed_mut(&mut self) -> Result<&mut Vec<ReplayedFile>> {
        match &mut self.mode {
            Mode::Replay { files, .. } => Ok(files),
            _ => Err(WarehouseError::Rebuild("not a replay".to_owned())),
        }
    }

    /// The files of the run with quarantined records, in load order.
    pub fn replayed(&self) -> &[ReplayedFile] {
        match &self.mode {
            Mode::Replay { files, .. } => files,
            _ => &[],
        }
    }

    /// Up to `limit` quarantined records of file `index` of
    /// [`Rebuild::replayed`] after entry `after`, in file order.
    pub async fn quarantined(
        &mut self,
        index: usize,
        after: i64,
        limit: i64,
    ) -> Result<Vec<QuarantinedRecord>> {
        let file_id = self.replayed_mut()?[index].file_id;
        let records = on_tx!(self, |tx| {
            sqlx::query_as(
                "SELECT MIN(quarantine_id) AS id, locator, MIN(raw_record) AS raw
                 FROM quarantine WHERE file_id = $1
                 GROUP BY locator HAVING MIN(quarantine_id) > $2
                 ORDER BY 1 LIMIT $3",
            )
            .bind(file_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut **tx)
            .await?
        });
        Ok(records)
    }

    /// Writes what `records` of file `index` mapped to now: records that
    /// pass load into the file (records, assertions, rows), those no rule
    /// applies to are counted skipped, and both leave the quarantine; the
    /// rest stay as they were.
    pub async fn load_replayed(
        &mut self,
        index: usize,
        records: &[QuarantinedRecord],
        mut batch: MappedBatch,
    ) -> Result<()> {
        let still: HashSet<String> = batch.quarantine.drain(..).map(|q| q.locator).collect();
        let file = self.replayed_mut()?[index].clone();
        let loaded = batch.locators.len() as i64;
        let skipped = batch.skipped as i64;
        let batches = [(file.next_record, batch)];
        if let Some(chunk) = Chunk::new(&batches) {
            let context = LoadContext {
                agency: &file.agency,
                dataset: &file.dataset,
                run_id: file.run_id,
                file_id: file.file_id,
                rows_only: false,
            };
            self.tx.write_chunk(&chunk, &context).await?;
        }
        on_tx!(self, |tx| {
            for record in records.iter().filter(|r| !still.contains(&r.locator)) {
                sqlx::query("DELETE FROM quarantine WHERE file_id = $1 AND locator = $2")
                    .bind(file.file_id)
                    .bind(&record.locator)
                    .execute(&mut **tx)
                    .await?;
            }
        });
        let entry = &mut self.replayed_mut()?[index];
        entry.next_record += loaded;
        entry.loaded += loaded;
        entry.skipped += skipped;
        Ok(())
    }

    /// After every file's quarantine was replayed: empties the rows the
    /// records loaded now assert, to be re-derived ([`Rebuild::files`],
    /// [`Rebuild::records`], [`Rebuild::write`]) from every record
    /// asserting them, in load order.
    pub async fn empty_replayed_rows(&mut self) -> Result<()> {
        let files: Vec<(i64, i64)> = self
            .replayed()
            .iter()
            .map(|f| (f.file_id, f.next_record - f.loaded))
            .collect();
        on_tx!(self, |tx| {
            sqlx::query(
                "CREATE TEMPORARY TABLE jstac_rebuild_keys (
                     entity_table TEXT NOT NULL, entity_key TEXT NOT NULL,
                     PRIMARY KEY (entity_key, entity_table))",
            )
            .execute(&mut **tx)
            .await?;
            for (file_id, first) in &files {
                sqlx::query(
                    "INSERT INTO jstac_rebuild_keys (entity_table, entity_key)
                     SELECT DISTINCT entity_table, entity_key FROM assertions
                     WHERE file_id = $1 AND record_no >= $2
                     ON CONFLICT DO NOTHING",
                )
                .bind(file_id)
                .bind(first)
                .execute(&mut **tx)
                .await?;
            }
            for table in crate::rebuild::derived_tables() {
                sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM {name} WHERE {key} IN
                         (SELECT entity_key FROM jstac_rebuild_keys WHERE entity_table = '{name}')",
                    name = table.name,
                    key = table.key_column
                )))
                .execute(&mut **tx)
                .await?;
            }
        });
        let keys: Vec<String> = on_tx!(self, |tx| {
            sqlx::query_scalar("SELECT entity_key FROM jstac_rebuild_keys")
                .fetch_all(&mut **tx)
                .await?
        });
        if let Mode::Replay { keys: set, .. } = &mut self.mode {
            set.extend(
                keys.iter()
                    .filter_map(|k| <[u8; 32]>::try_from(k.as_bytes()).ok()),
            );
        }
        Ok(())
    }

    /// Ends a replay: checks every emptied row is back, moves the files'
    /// and runs' counts, chains a ledger row per file that changed (the
    /// pipeline file's hash as it is now, the digest of the file's rows as
    /// they are now) and commits.
    pub async fn commit_replay(
        mut self,
        actor: &str,
        pipeline_sha256: &HashMap<String, String>,
    ) -> Result<ReplaySummary> {
        if let Err(e) = self.check_rederived().await {
            self.rollback().await?;
            return Err(e);
        }
        let files = self.replayed().to_vec();
        if let Tx::Postgres(load) = &mut self.tx {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(LEDGER_LOCK)
                .execute(&mut **load.transaction())
                .await?;
        }
        let mut summary = ReplaySummary::default();
        for file in &files {
            let moved = file.loaded + file.skipped;
            let still: i64 = on_tx!(self, |tx| {
                sqlx::query_scalar(
                    "SELECT COUNT(DISTINCT locator) FROM quarantine WHERE file_id = $1",
                )
                .bind(file.file_id)
                .fetch_one(&mut **tx)
                .await?
            });
            summary
                .files
                .push((file.path.clone(), file.loaded, file.skipped, still));
            if moved == 0 {
                continue;
            }
            let mut link = LedgerRow {
                seq: 0,
                kind: "load".to_owned(),
                at: now_utc(),
                actor: actor.to_owned(),
                file_id: file.file_id,
                run_id: file.run_id,
                pipeline: file.pipeline.clone(),
                path: file.path.clone(),
                sha256: file.sha256.clone(),
                pipeline_sha256: pipeline_sha256
                    .get(&file.pipeline_path)
                    .cloned()
                    .unwrap_or_default(),
                plugin: file.plugin.clone(),
                plugin_version: file.plugin_version.clone(),
                reason: Some(format!(
                    "quarantine replay: {} loaded, {} skipped, {still} still quarantined",
                    file.loaded, file.skipped
                )),
                records: 0,
                rows_digest: String::new(),
                prev_hash: String::new(),
                hash: String::new(),
            };
            on_tx!(self, |tx| {
                for table in ["source_files", "ingest_runs"] {
                    sqlx::query(AssertSqlSafe(format!(
                        "UPDATE {table} SET records_loaded = records_loaded + $1,
                                records_skipped = records_skipped + $2,
                                records_quarantined = records_quarantined - $3
                         WHERE {column} = $4",
                        column = if table == "source_files" {
                            "file_id"
                        } else {
                            "run_id"
                        }
                    )))
                    .bind(file.loaded)
                    .bind(file.skipped)
                    .bind(moved)
                    .bind(if table == "source_files" {
                        file.file_id
                    } else {
                        file.run_id
                    })
                    .execute(&mut **tx)
                    .await?;
                }
                link.records = sqlx::query_scalar(
                    "SELECT records_loaded FROM source_files WHERE file_id = $1",
                )
                .bind(file.file_id)
                .fetch_one(&mut **tx)
                .await?;
                link.rows_digest = file_digest!(*tx, file.file_id).await?;
                append_link!(*tx, &mut link).await?;
            });
        }
        on_tx!(self, |tx| {
            sqlx::query("DROP TABLE IF EXISTS jstac_rebuild_keys")
                .execute(&mut **tx)
                .await?;
        });
        match self.tx {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(load) => load.into_transaction().commit().await?,
        }
        Ok(summary)
    }
}

impl Warehouse {
    /// The runs with quarantined records, oldest first.
    pub async fn runs_with_quarantine(&self) -> Result<Vec<i64>> {
        let runs: Vec<i64> = crate::db::with_pool!(&*self.db, |pool| {
            sqlx::query_scalar("SELECT DISTINCT run_id FROM quarantine ORDER BY run_id")
                .fetch_all(pool)
                .await?
        });
        Ok(runs)
    }
}
