//! Transactional loads: one file, one transaction.
//!
//! The dispatch: the file's transaction on either backend, its ledger row,
//! batches gathered into chunks, each chunk planned once (`chunk.rs`: key
//! order and last-wins, record numbers, assertions) and handed to the
//! backend's writer. How a chunk's rows reach the database differs: SQLite
//! steps prepared statements on the raw handle (`sqlite.rs` over
//! `bulk.rs`); PostgreSQL streams them with `COPY` (`postgres.rs`).

use jstac_core::{FieldStats, MappedBatch};
use sqlx::Transaction;
use sqlx::sqlite::Sqlite;

use crate::chain::{FileDigest, LEDGER_LOCK, LedgerRow, append_link};
use crate::chunk::{Chunk, LoadContext};
use crate::db::{Db, Warehouse, now_utc};
use crate::error::Result;
use crate::postgres::PgLoad;
use crate::sqlite;

/// Counts for one file; always `read = loaded + quarantined + skipped`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileSummary {
    pub read: u64,
    pub loaded: u64,
    pub quarantined: u64,
    /// Records no rule of the pipeline applies to: neither loaded nor
    /// quarantined.
    pub skipped: u64,
}

impl FileSummary {
    pub fn add(&mut self, batch: &MappedBatch) {
        self.read += batch.read;
        self.loaded += batch.loaded;
        self.quarantined += batch.quarantine.len() as u64;
        self.skipped += batch.skipped;
    }
}

/// One file being loaded. Nothing it writes is visible until [`FileLoad::commit`];
/// dropping it (or an error, or the process dying) rolls everything back.
pub struct FileLoad {
    tx: Tx,
    run_id: i64,
    file_id: i64,
    agency: String,
    dataset: String,
    /// Mapped batches not yet written, each with the number of records
    /// loaded from the file before it (its first record's `record_no`).
    pending: Vec<(i64, MappedBatch)>,
    pending_records: usize,
    pending_bytes: usize,
    /// Records loaded so far, written or pending.
    loaded: i64,
    /// The file's ledger row, appended at commit.
    link: LedgerRow,
    /// The digest of what it loaded so far.
    digest: FileDigest,
}

pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(PgLoad),
}

/// Records gathered before rows are sorted by key and written. Writing in
/// key order turns random B-tree inserts into a sweep (measured: see
/// ARCHITECTURE.md); the bound keeps memory flat whatever the file size.
pub const CHUNK_RECORDS: usize = 65_536;
/// A chunk is also written once its rows hold about this much memory
/// ([`MappedBatch::approx_bytes`]): records with long narratives fill it
/// before [`CHUNK_RECORDS`].
pub const CHUNK_BYTES: usize = 64 << 20;

impl std::fmt::Debug for FileLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileLoad")
            .field("run_id", &self.run_id)
            .field("file_id", &self.file_id)
            .finish_non_exhaustive()
    }
}

/// A file about to be loaded.
#[derive(Debug, Clone)]
pub struct FileStart<'a> {
    pub run_id: i64,
    pub pipeline: &'a str,
    pub agency: &'a str,
    pub dataset: &'a str,
    pub path: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    /// Load it even if this pipeline already loaded the same content.
    pub force: bool,
    /// SHA-256 of the pipeline file's bytes, for the ledger.
    pub pipeline_sha256: &'a str,
    pub plugin: &'a str,
    pub plugin_version: &'a str,
    /// Who loads it (the operating-system user), for the ledger.
    pub actor: &'a str,
}

/// The file's ledger row, written in its transaction `$tx` (either
/// backend: the SQL is the same): `Some(file_id)`, or `None` if the pipeline
/// already loaded this content (and `force` is off).
macro_rules! ledger_row {
    ($tx:expr, $file:expr) => {
        async {
            let file: &FileStart<'_> = $file;
            if !file.force {
                let loaded: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM source_files WHERE pipeline = $1 AND sha256 = $2)",
                )
                .bind(file.pipeline)
                .bind(file.sha256)
                .fetch_one(&mut *$tx)
                .await?;
                if loaded {
                    return Ok::<_, crate::error::WarehouseError>(None);
                }
            }
            let file_id: i64 = sqlx::query_scalar(
                "INSERT INTO source_files (run_id, pipeline, path, size_bytes, sha256, loaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 RETURNING file_id",
            )
            .bind(file.run_id)
            .bind(file.pipeline)
            .bind(file.path)
            .bind(file.size_bytes)
            .bind(file.sha256)
            .bind(now_utc())
            .fetch_one(&mut *$tx)
            .await?;
            Ok(Some(file_id))
        }
    };
}

impl Warehouse {
    /// Starts the transaction for one file and writes its ledger row; `None`
    /// if the pipeline already loaded this content (unless `force`).
    pub async fn begin_file(&self, file: &FileStart<'_>) -> Result<Option<FileLoad>> {
        let (tx, file_id) = match &*self.db {
            Db::Sqlite(pool) => {
                // IMMEDIATE: take the write lock now, so a concurrent writer
                // waits (busy_timeout) instead of failing when this
                // transaction first writes.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                // The ledger is checked again under the write lock: two
                // runners that both found the file new before either loaded
                // it cannot both load it.
                match ledger_row!(tx, file).await? {
                    Some(file_id) => (Tx::Sqlite(tx), file_id),
                    None => {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                }
            }
            Db::Postgres(pool) => {
                // READ COMMITTED whatever the server's default: the ledger
                // check must see a file committed by the runner that held
                // the lock before (a snapshot taken at BEGIN would not).
                let mut tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
                    .await?;
                // One load of a dataset at a time, whichever the runner or
                // machine: the same check under the lock as on SQLite, and
                // loads of one dataset (whose rows share keys) never wait on
                // each other's row locks in opposite orders (no deadlock).
                // Other datasets load in parallel.
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(dataset_lock(file.agency, file.dataset))
                    .execute(&mut *tx)
                    .await?;
                match ledger_row!(tx, file).await? {
                    Some(file_id) => (Tx::Postgres(PgLoad::new(tx)), file_id),
                    None => {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                }
            }
        };
        Ok(Some(FileLoad {
            tx,
            run_id: file.run_id,
            file_id,
            agency: file.agency.to_owned(),
            dataset: file.dataset.to_owned(),
            pending: Vec::new(),
            pending_records: 0,
            pending_bytes: 0,
            loaded: 0,
            link: LedgerRow {
                seq: 0,
                kind: "load".to_owned(),
                at: String::new(),
                actor: file.actor.to_owned(),
                file_id,
                run_id: file.run_id,
                pipeline: file.pipeline.to_owned(),
                path: file.path.to_owned(),
                sha256: file.sha256.to_owned(),
                pipeline_sha256: file.pipeline_sha256.to_owned(),
                plugin: file.plugin.to_owned(),
                plugin_version: file.plugin_version.to_owned(),
                reason: None,
                records: 0,
                rows_digest: String::new(),
                prev_hash: String::new(),
                hash: String::new(),
            },
            digest: FileDigest::default(),
        }))
    }
}

impl Tx {
    /// Writes one planned chunk with the backend's writer.
    pub(crate) async fn write_chunk(
        &mut self,
        chunk: &Chunk<'_>,
        context: &LoadContext<'_>,
    ) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => sqlite::write_chunk(tx, chunk, context).await,
            Tx::Postgres(load) => load.write_chunk(chunk, context).await,
        }
    }
}

/// The advisory lock key of one dataset's loads: 64 bits of SHA-256.
pub(crate) fn dataset_lock(agency: &str, dataset: &str) -> i64 {
    let key = jstac_core::mapping::entity_key("jstac-load", agency, dataset, []);
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&key.as_bytes()[..8]);
    i64::from_be_bytes(bytes)
}

impl FileLoad {
    pub fn file_id(&self) -> i64 {
        self.file_id
    }

    /// Takes one mapped batch: entity rows upserted by stable key, links,
    /// assertions and quarantine entries. Rows are written in key order a
    /// chunk at a time.
    pub async fn write(&mut self, batch: MappedBatch) -> Result<()> {
        self.pending_records += batch.read as usize;
        self.pending_bytes += batch.approx_bytes();
        let base = self.loaded;
        self.loaded += batch.locators.len() as i64;
        self.pending.push((base, batch));
        if self.pending_records >= CHUNK_RECORDS || self.pending_bytes >= CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        let batches = std::mem::take(&mut self.pending);
        self.pending_records = 0;
        self.pending_bytes = 0;
        let context = LoadContext {
            agency: &self.agency,
            dataset: &self.dataset,
            run_id: self.run_id,
            file_id: self.file_id,
            rows_only: false,
        };
        let written = match Chunk::new(&batches) {
            None => Ok(()),
            Some(chunk) => {
                self.digest.add_chunk(&chunk, self.run_id);
                self.tx.write_chunk(&chunk, &context).await
            }
        };
        // Freeing a chunk's many small strings is 5% of a load: another
        // thread does it while this one goes on writing.
        let dropper = std::thread::Builder::new().name("jstac-free".into());
        // If no thread can be started, the closure (and the chunk) is
        // dropped right here instead.
        let _ = dropper.spawn(move || drop(batches));
        written
    }

    /// Records the file's counts, and what each counted column (normaliser,
    /// lookup, date with options) did, and commits everything it wrote.
    pub async fn commit(mut self, summary: FileSummary, fields: &[FieldStats]) -> Result<()> {
        self.flush().await?;
        let (run_id, file_id) = (self.run_id, self.file_id);
        let mut link = self.link;
        link.records = summary.loaded as i64;
        link.rows_digest = self.digest.finish();
        macro_rules! finish {
            ($tx:expr) => {{
                sqlx::query(
                    "UPDATE source_files SET records_read = $1, records_loaded = $2,
                            records_quarantined = $3, records_skipped = $4
                     WHERE file_id = $5",
                )
                .bind(summary.read as i64)
                .bind(summary.loaded as i64)
                .bind(summary.quarantined as i64)
                .bind(summary.skipped as i64)
                .bind(file_id)
                .execute(&mut *$tx)
                .await?;
                for stats in fields.iter().filter(|s| !s.counts.is_zero()) {
                    sqlx::query(
                        "INSERT INTO field_stats (run_id, file_id, rule, field, normaliser,
                                                  normalised, unmatched, quarantined, not_known)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(run_id)
                    .bind(file_id)
                    .bind(&stats.field.rule)
                    .bind(&stats.field.field)
                    .bind(&stats.field.normaliser)
                    .bind(stats.counts.normalised as i64)
                    .bind(stats.counts.unmatched as i64)
                    .bind(stats.counts.quarantined as i64)
                    .bind(stats.counts.not_known as i64)
                    .execute(&mut *$tx)
                    .await?;
                }
                // The ledger's link, with the digest of what the file
                // loaded, chained to the row before.
                link.at = now_utc();
                append_link!($tx, &mut link).await?;
                $tx.commit().await?;
            }};
        }
        match self.tx {
            Tx::Sqlite(mut tx) => finish!(tx),
            Tx::Postgres(load) => {
                let mut tx = load.into_transaction();
                // The chain's end, one appender at a time (other datasets
                // load in parallel).
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(LEDGER_LOCK)
                    .execute(&mut *tx)
                    .await?;
                finish!(tx)
            }
        }
        Ok(())
    }

    /// Abandons the file: nothing it wrote remains.
    pub async fn rollback(self) -> Result<()> {
        match self.tx {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(load) => load.into_transaction().rollback().await?,
        }
        Ok(())
    }
}
