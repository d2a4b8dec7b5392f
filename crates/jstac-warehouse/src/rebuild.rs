//! Re-deriving entity, link and value rows from the source records already
//! in the warehouse, in one transaction: a retraction (`jstac retract`)
//! takes files out and re-derives the rows their records shared with
//! others; `jstac verify` re-derives every row and compares, then rolls
//! back.
//!
//! The warehouse keeps each record's raw values, not its mapped ones (see
//! ARCHITECTURE.md, "A record's life"), so the binary maps them again
//! through the pipeline: this file hands it the records ([`Rebuild::files`],
//! [`Rebuild::records`]) and writes what it maps ([`Rebuild::write`]) with
//! the load path's writers, in the original files' provenance (run, file,
//! locator), in file and record order: so a row ends as a load of the
//! remaining files alone would have left it.

use std::collections::HashSet;

use jstac_core::MappedBatch;
use jstac_core::catalog::{LINKS, TABLES, TableDef};
use sqlx::AssertSqlSafe;

use crate::chain::{LEDGER_LOCK, LedgerRow, append_link};
use crate::chunk::{Chunk, LoadContext};
use crate::db::{Db, Warehouse, now_utc};
use crate::error::{Result, WarehouseError};
use crate::load::{Tx, dataset_lock};
use crate::postgres::PgLoad;

/// Runs `$body` with `$tx` bound to the rebuild's transaction.
macro_rules! on_tx {
    ($rebuild:expr, |$tx:ident| $body:expr) => {
        match &mut $rebuild.tx {
            Tx::Sqlite($tx) => $body,
            Tx::Postgres(load) => {
                let $tx = load.transaction();
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// What to retract: a loaded file (by path or SHA-256) or a whole run.
#[derive(Debug, Clone)]
pub enum RetractTarget {
    File(String),
    Run(i64),
    /// These loaded files, by id (`jstac retain`).
    FileIds(Vec<i64>),
}

/// A file a retraction takes out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RetractedFile {
    pub file_id: i64,
    pub run_id: i64,
    pub pipeline: String,
    pub path: String,
    pub sha256: String,
    pub records_loaded: i64,
    pub agency: String,
    pub dataset: String,
    pub plugin: String,
    pub plugin_version: String,
}

/// A loaded file whose records are mapped again.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReplayFile {
    pub file_id: i64,
    pub run_id: i64,
    pub pipeline: String,
    pub pipeline_path: String,
    pub agency: String,
    pub dataset: String,
    pub path: String,
}

/// A loaded record: its number in its file, locator and raw values (JSON).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReplayRecord {
    pub record_no: i64,
    pub locator: String,
    pub raw: String,
}

/// A row `verify` found different from what its records give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDifference {
    pub table: &'static str,
    pub key: String,
    /// The file the row names as its source, if it names one that exists.
    pub file: Option<String>,
    /// `changed or added` (the row as stored is not what the records give)
    /// or `missing` (the records give a row the warehouse lacks).
    pub what: &'static str,
}

/// A retraction's outcome.
#[derive(Debug, Clone, Default)]
pub struct RetractSummary {
    pub files: usize,
    pub records: i64,
    /// Rows no remaining record asserts, deleted.
    pub rows_deleted: i64,
    /// Rows other records still assert, re-derived.
    pub rows_rederived: i64,
}

pub(crate) enum Mode {
    /// Only rows of these keys (hex) are re-derived.
    Retract {
        files: Vec<RetractedFile>,
        keys: HashSet<[u8; 32]>,
        deleted: i64,
    },
    /// Every row is re-derived, then compared with the copy made first.
    Verify,
    /// Quarantined records loaded again (`replay.rs`): only rows of the
    /// keys they assert are re-derived, once `keys` is set.
    Replay {
        files: Vec<crate::replay::ReplayedFile>,
        keys: HashSet<[u8; 32]>,
    },
}

/// A retraction or a verification in progress: one transaction.
pub struct Rebuild {
    pub(crate) tx: Tx,
    pub(crate) mode: Mode,
}

impl std::fmt::Debug for Rebuild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rebuild").finish_non_exhaustive()
    }
}

/// Every table whose rows are derived from records: entities, values, links.
pub(crate) fn derived_tables() -> impl Iterator<Item = &'static TableDef> {
    TABLES.iter().copied().chain(std::iter::once(&LINKS))
}

const FILE_COLUMNS: &str = "f.file_id, f.run_id, f.pipeline, f.path, f.sha256, f.records_loaded, \
     r.agency, r.dataset, r.plugin, r.plugin_version";

impl Warehouse {
    pub(crate) async fn begin_rebuild(&self) -> Result<Tx> {
        Ok(match &*self.db {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(PgLoad::new(
                pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
                    .await?,
            )),
        })
    }

    /// Starts retracting `target`: its files' records, assertions,
    /// quarantine and ledger rows are deleted, and every row they asserted
    /// (no remaining record asserting it: gone; else emptied, to be
    /// re-derived through [`Rebuild::files`] and [`Rebuild::write`]).
    /// `None` if no loaded file matches.
    pub async fn begin_retract(&self, target: &RetractTarget) -> Result<Option<Rebuild>> {
        let mut rebuild = Rebuild {
            tx: self.begin_rebuild().await?,
            mode: Mode::Verify,
        };
        let files: Vec<RetractedFile> = on_tx!(rebuild, |tx| {
            let sql = format!(
                "SELECT {FILE_COLUMNS} FROM source_files f JOIN ingest_runs r ON r.run_id = f.run_id
                 WHERE {} ORDER BY f.file_id",
                match target {
                    RetractTarget::File(_) => "f.path = $1 OR f.sha256 = $1".to_owned(),
                    RetractTarget::Run(_) => "f.run_id = $2".to_owned(),
                    // Integers only: nothing to quote.
                    RetractTarget::FileIds(ids) => format!(
                        "$1 = '' AND f.file_id IN ({})",
                        ids.iter()
                            .map(i64::to_string)
                            .chain(std::iter::once("-1".to_owned()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            );
            let (text, run) = match target {
                RetractTarget::File(file) => (file.as_str(), -1),
                RetractTarget::Run(run) => ("", *run),
                RetractTarget::FileIds(_) => ("", -1),
            };
            let query = sqlx::query_as(AssertSqlSafe(sql));
            let query = match target {
                RetractTarget::File(_) | RetractTarget::FileIds(_) => query.bind(text),
                RetractTarget::Run(_) => query.bind(text).bind(run),
            };
            query.fetch_all(&mut **tx).await?
        });
        if files.is_empty() {
            rebuild.rollback().await?;
            return Ok(None);
        }
        if let Tx::Postgres(load) = &mut rebuild.tx {
            // As a load of each dataset would: one writer per dataset.
            let mut locks: Vec<i64> = files
                .iter()
                .map(|f| dataset_lock(&f.agency, &f.dataset))
                .collect();
            locks.sort_unstable();
            locks.dedup();
            for lock in locks {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(lock)
                    .execute(&mut **load.transaction())
                    .await?;
            }
        }
        let mut deleted = 0;
        on_tx!(rebuild, |tx| {
            sqlx::query(
                "CREATE TEMPORARY TABLE jstac_rebuild_keys (
                     entity_table TEXT NOT NULL, entity_key TEXT NOT NULL,
                     PRIMARY KEY (entity_key, entity_table))",
            )
            .execute(&mut **tx)
            .await?;
            for file in &files {
                sqlx::query(
                    "INSERT INTO jstac_rebuild_keys (entity_table, entity_key)
                     SELECT DISTINCT entity_table, entity_key FROM assertions WHERE file_id = $1
                     ON CONFLICT DO NOTHING",
                )
                .bind(file.file_id)
                .execute(&mut **tx)
                .await?;
            }
            for file in &files {
                for table in ["assertions", "source_records", "quarantine", "field_stats"] {
                    sqlx::query(AssertSqlSafe(format!(
                        "DELETE FROM {table} WHERE file_id = $1"
                    )))
                    .bind(file.file_id)
                    .execute(&mut **tx)
                    .await?;
                }
                sqlx::query("DELETE FROM source_files WHERE file_id = $1")
                    .bind(file.file_id)
                    .execute(&mut **tx)
                    .await?;
            }
            for table in derived_tables() {
                let done = sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM {name} WHERE {key} IN
                         (SELECT entity_key FROM jstac_rebuild_keys WHERE entity_table = '{name}')",
                    name = table.name,
                    key = table.key_column
                )))
                .execute(&mut **tx)
                .await?;
                deleted += done.rows_affected() as i64;
            }
        });
        let keys: Vec<String> = on_tx!(rebuild, |tx| {
            sqlx::query_scalar(
                "SELECT k.entity_key FROM jstac_rebuild_keys k
                 WHERE EXISTS (SELECT 1 FROM assertions a WHERE a.entity_key = k.entity_key)",
            )
            .fetch_all(&mut **tx)
            .await?
        });
        let keys: HashSet<[u8; 32]> = keys
            .iter()
            .filter_map(|k| <[u8; 32]>::try_from(k.as_bytes()).ok())
            .collect();
        rebuild.mode = Mode::Retract {
            files,
            keys,
            deleted,
        };
        Ok(Some(rebuild))
    }

    /// Starts a verification: every derived row copied aside and deleted,
    /// to be re-derived from every loaded record, then compared
    /// ([`Rebuild::differences`]); nothing is ever committed.
    pub async fn begin_verify(&self) -> Result<Rebuild> {
        let mut rebuild = Rebuild {
            tx: self.begin_rebuild().await?,
            mode: Mode::Verify,
        };
        on_tx!(rebuild, |tx| {
            for table in derived_tables() {
                let name = table.name;
                sqlx::query(AssertSqlSafe(format!(
                    "CREATE TEMPORARY TABLE jstac_before_{name} AS SELECT * FROM {name}"
                )))
                .execute(&mut **tx)
                .await?;
                sqlx::query(AssertSqlSafe(format!("DELETE FROM {name}")))
                    .execute(&mut **tx)
                    .await?;
            }
        });
        Ok(rebuild)
    }
}

impl Rebuild {
    /// The files a retraction takes out (none for a verification).
    pub fn retracted(&self) -> &[RetractedFile] {
        match &self.mode {
            Mode::Retract { files, .. } => files,
            Mode::Verify | Mode::Replay { .. } => &[],
        }
    }

    /// The files whose records are to be mapped again, in load order: for
    /// a retraction, those with a record asserting a row it emptied; for a
    /// verification, every loaded file.
    pub async fn files(&mut self) -> Result<Vec<ReplayFile>> {
        let only = match self.mode {
            Mode::Retract { .. } | Mode::Replay { .. } => {
                "WHERE f.file_id IN (SELECT a.file_id FROM assertions a
                     JOIN jstac_rebuild_keys k ON k.entity_key = a.entity_key)"
            }
            Mode::Verify => "",
        };
        let sql = format!(
            "SELECT f.file_id, f.run_id, f.pipeline, r.pipeline_path, r.agency, r.dataset, f.path
             FROM source_files f JOIN ingest_runs r ON r.run_id = f.run_id {only}
             ORDER BY f.file_id"
        );
        let files = on_tx!(self, |tx| {
            sqlx::query_as(AssertSqlSafe(sql))
                .fetch_all(&mut **tx)
                .await?
        });
        Ok(files)
    }

    /// Up to `limit` records of `file` after record `after`, in record
    /// order: for a retraction only those asserting a row it emptied.
    pub async fn records(
        &mut self,
        file: &ReplayFile,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ReplayRecord>> {
        let only = match self.mode {
            Mode::Retract { .. } | Mode::Replay { .. } => {
                "AND EXISTS (SELECT 1 FROM assertions a JOIN jstac_rebuild_keys k
                     ON k.entity_key = a.entity_key
                     WHERE a.file_id = s.file_id AND a.record_no = s.record_no)"
            }
            Mode::Verify => "",
        };
        let sql = format!(
            "SELECT s.record_no, s.locator, s.raw FROM source_records s
             WHERE s.file_id = $1 AND s.record_no > $2 {only}
             ORDER BY s.record_no LIMIT $3"
        );
        let records = on_tx!(self, |tx| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(file.file_id)
                .bind(after)
                .bind(limit)
                .fetch_all(&mut **tx)
                .await?
        });
        Ok(records)
    }

    /// Writes what `file`'s records mapped to, in its provenance (for a
    /// retraction, only the rows it emptied): rows are upserted as a load
    /// upserts them; records, assertions and quarantine are not written
    /// again.
    pub async fn write(&mut self, file: &ReplayFile, mut batch: MappedBatch) -> Result<()> {
        if let Mode::Retract { keys, .. } | Mode::Replay { keys, .. } = &self.mode {
            for entity in &mut batch.entities {
                entity.rows.retain(|row| keys.contains(&row.key.hex()));
            }
            batch.links.retain(|link| keys.contains(&link.key.hex()));
        }
        let batches = [(0, batch)];
        let Some(chunk) = Chunk::new(&batches) else {
            return Ok(());
        };
        let context = LoadContext {
            agency: &file.agency,
            dataset: &file.dataset,
            run_id: file.run_id,
            file_id: file.file_id,
            rows_only: true,
        };
        self.tx.write_chunk(&chunk, &context).await
    }

    /// Ends a retraction: checks every row a remaining record asserts is
    /// back, appends a ledger row per file retracted (who, when, why, the
    /// digest of what it removed: no data) and commits.
    pub async fn commit_retract(
        mut self,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<RetractSummary> {
        let Mode::Retract {
            files,
            keys,
            deleted,
        } = std::mem::replace(&mut self.mode, Mode::Verify)
        else {
            return Err(WarehouseError::Rebuild("not a retraction".to_owned()));
        };
        let rederived = match self.check_rederived().await {
            Ok(rederived) => rederived,
            Err(e) => {
                self.rollback().await?;
                return Err(e);
            }
        };
        let _ = keys;
        if let Tx::Postgres(load) = &mut self.tx {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(LEDGER_LOCK)
                .execute(&mut **load.transaction())
                .await?;
        }
        let mut summary = RetractSummary {
            files: files.len(),
            records: files.iter().map(|f| f.records_loaded).sum(),
            rows_deleted: deleted - rederived,
            rows_rederived: rederived,
        };
        for file in &files {
            let mut link = LedgerRow {
                seq: 0,
                kind: "retract".to_owned(),
                at: now_utc(),
                actor: actor.to_owned(),
                file_id: file.file_id,
                run_id: file.run_id,
                pipeline: file.pipeline.clone(),
                path: file.path.clone(),
                sha256: file.sha256.clone(),
                pipeline_sha256: String::new(),
                plugin: file.plugin.clone(),
                plugin_version: file.plugin_version.clone(),
                reason: reason.map(str::to_owned),
                records: file.records_loaded,
                rows_digest: String::new(),
                prev_hash: String::new(),
                hash: String::new(),
            };
            on_tx!(self, |tx| {
                // The file's load row says what it loaded; the retraction
                // is chained after it with the file's pipeline hash.
                let loaded: Option<(String, String)> = sqlx::query_as(
                    "SELECT pipeline_sha256, rows_digest FROM ledger
                     WHERE file_id = $1 AND kind = 'load' ORDER BY seq DESC LIMIT 1",
                )
                .bind(file.file_id)
                .fetch_optional(&mut **tx)
                .await?;
                if let Some((pipeline_sha256, digest)) = loaded {
                    link.pipeline_sha256 = pipeline_sha256;
                    link.rows_digest = digest;
                }
                append_link!(*tx, &mut link).await?;
            });
        }
        on_tx!(self, |tx| {
            sqlx::query("DROP TABLE jstac_rebuild_keys")
                .execute(&mut **tx)
                .await?;
        });
        self.commit().await?;
        summary.files = files.len();
        Ok(summary)
    }

    /// Checks every row of `jstac_rebuild_keys` a record still asserts is
    /// back after re-deriving: how many there are, or which tables lack
    /// some.
    pub(crate) async fn check_rederived(&mut self) -> Result<i64> {
        let mut missing = Vec::new();
        let mut rederived = 0;
        on_tx!(self, |tx| {
            for table in derived_tables() {
                let (asserted, lacking): (i64, i64) = sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN NOT EXISTS
                                (SELECT 1 FROM {name} t WHERE t.{key} = k.entity_key)
                            THEN 1 ELSE 0 END), 0)
                     FROM jstac_rebuild_keys k
                     WHERE k.entity_table = '{name}'
                       AND EXISTS (SELECT 1 FROM assertions a WHERE a.entity_key = k.entity_key)",
                    name = table.name,
                    key = table.key_column
                )))
                .fetch_one(&mut **tx)
                .await?;
                rederived += asserted;
                if lacking > 0 {
                    missing.push(format!("{lacking} of {}", table.name));
                }
            }
        });
        if !missing.is_empty() {
            return Err(WarehouseError::Rebuild(format!(
                "rows other records still assert could not be derived again from them ({}): \
                 has their pipeline changed since they loaded? Nothing was changed",
                missing.join(", ")
            )));
        }
        Ok(rederived)
    }

    /// Ends a verification: the rows that differ from what their records
    /// give, table by table; then rolls everything back.
    pub async fn differences(mut self, limit: i64) -> Result<Vec<RowDifference>> {
        let mut found = Vec::new();
        on_tx!(self, |tx| {
            for table in derived_tables() {
                let name = table.name;
                let key = table.key_column;
                for (what, left, right) in [
                    (
                        "changed or added",
                        format!("jstac_before_{name}"),
                        name.to_owned(),
                    ),
                    ("missing", name.to_owned(), format!("jstac_before_{name}")),
                ] {
                    let rows: Vec<(String, Option<String>)> =
                        sqlx::query_as(AssertSqlSafe(format!(
                            "SELECT d.{key}, f.path FROM
                                 (SELECT * FROM {left} EXCEPT SELECT * FROM {right}) d
                             LEFT JOIN source_files f ON f.file_id = d.source_file_id
                             ORDER BY d.{key} LIMIT $1"
                        )))
                        .bind(limit)
                        .fetch_all(&mut **tx)
                        .await?;
                    found.extend(rows.into_iter().map(|(key, file)| RowDifference {
                        table: name,
                        key,
                        file,
                        what,
                    }));
                }
            }
        });
        self.rollback().await?;
        Ok(found)
    }

    async fn commit(self) -> Result<()> {
        match self.tx {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(load) => load.into_transaction().commit().await?,
        }
        Ok(())
    }

    /// Abandons the retraction or verification: nothing it did remains.
    pub async fn rollback(self) -> Result<()> {
        match self.tx {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(load) => load.into_transaction().rollback().await?,
        }
        Ok(())
    }
}
