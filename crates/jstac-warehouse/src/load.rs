//! Transactional loads: one file, one transaction.
//!
//! What both backends share lives here: the file's ledger row, chunking,
//! key order and last-wins, record numbers, assertions. How a chunk's rows
//! reach the database differs: SQLite steps prepared statements on the raw
//! handle (`bulk.rs`); PostgreSQL streams them with `COPY` (`postgres.rs`).

use jstac_core::mapping::{EntityRow, Key, LinkRow};
use jstac_core::{FieldStats, MappedBatch, Value};
use sqlx::Transaction;
use sqlx::sqlite::Sqlite;

use crate::bulk::{Handle, Param, Row};
use crate::postgres::PgLoad;
use crate::{Db, Result, Warehouse, now_utc};

/// Counts for one file; always `read = loaded + quarantined`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileSummary {
    pub read: u64,
    pub loaded: u64,
    pub quarantined: u64,
}

impl FileSummary {
    pub fn add(&mut self, batch: &MappedBatch) {
        self.read += batch.read;
        self.loaded += batch.loaded;
        self.quarantined += batch.quarantine.len() as u64;
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
}

enum Tx {
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
                    return Ok::<_, crate::WarehouseError>(None);
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
        }))
    }
}

/// The advisory lock key of one dataset's loads: 64 bits of SHA-256.
fn dataset_lock(agency: &str, dataset: &str) -> i64 {
    let key = jstac_core::mapping::entity_key("jstac-load", agency, dataset, []);
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&key.as_bytes()[..8]);
    i64::from_be_bytes(bytes)
}

/// What every row of a file's load carries: for SQL text and COPY rows.
pub(crate) struct LoadContext<'a> {
    pub agency: &'a str,
    pub dataset: &'a str,
    pub run_id: i64,
    pub file_id: i64,
}

/// One chunk's rows, sorted and deduplicated, ready for either backend.
///
/// Rows are written in rounds (`0..rounds`), each round rule by rule. A
/// row's round is its rank, by record number, among the rows that several
/// rules of one table wrote for its key: so of two rules asserting one
/// entity, the later record's upsert runs last (and wins) whatever the
/// rules' order and wherever chunks end. A table written by one rule has
/// every row in round 0, and most chunks have one round.
pub(crate) struct Chunk<'a> {
    /// Per entity rule (in mapping order): its rows in key order, of rows
    /// sharing a key only the last.
    pub entities: Vec<EntityChunk<'a>>,
    /// Link rows in (key, rule) order, last wins per (key, rule).
    pub links: Vec<Placed<'a, LinkRow>>,
    /// How many rounds the rows take (at least 1).
    pub rounds: usize,
    /// Mapped link columns per link rule.
    pub link_columns: &'a [Vec<&'static str>],
    /// What each record said of each entity and link, in key order.
    pub assertions: Vec<Assertion>,
    pub batches: &'a [(i64, MappedBatch)],
}

pub(crate) struct EntityChunk<'a> {
    pub table: &'static jstac_core::TableDef,
    pub columns: &'a [&'static str],
    pub rows: Vec<Placed<'a, EntityRow>>,
}

/// A row with its batch (for the locator), its record's number in the file
/// and its round (see [`Chunk`]).
pub(crate) struct Placed<'a, T> {
    pub row: &'a T,
    pub batch: &'a MappedBatch,
    pub record_no: i64,
    pub round: usize,
}

impl<'a, T> Placed<'a, T> {
    fn new(row: &'a T, batch: &'a MappedBatch, record_no: i64) -> Self {
        Placed {
            row,
            batch,
            record_no,
            round: 0,
        }
    }
}

/// The rows of `rows` in round `round`.
pub(crate) fn in_round<'r, 'a, T>(
    rows: &'r [Placed<'a, T>],
    round: usize,
) -> impl Iterator<Item = &'r Placed<'a, T>> {
    rows.iter().filter(move |placed| placed.round == round)
}

/// Ranks, by record number, the rows that share a group (a table) and a
/// key; returns the number of rounds. Only called where several rules
/// write one table.
fn rank(mut rows: Vec<(&'static str, Key, i64, &mut usize)>) -> usize {
    // Stable: a record naming the entity through two rules keeps rule order.
    rows.sort_by_key(|(group, key, record_no, _)| (*group, *key, *record_no));
    let mut rounds = 1;
    let mut previous = None;
    let mut rank = 0;
    for (group, key, _, round) in rows {
        rank = if previous == Some((group, key)) {
            rank + 1
        } else {
            0
        };
        previous = Some((group, key));
        *round = rank;
        rounds = rounds.max(rank + 1);
    }
    rounds
}

/// One record's assertion of one entity or link.
pub(crate) struct Assertion {
    pub key: Key,
    pub record_no: i64,
    pub table: &'static str,
}

impl<'a> Chunk<'a> {
    fn new(batches: &'a [(i64, MappedBatch)]) -> Option<Chunk<'a>> {
        let (_, first) = batches.first()?;
        // Every batch of a file comes from one mapping: same tables, columns.
        let mut entities: Vec<EntityChunk<'a>> = first
            .entities
            .iter()
            .enumerate()
            .map(|(index, e)| EntityChunk {
                table: e.table,
                columns: &e.columns,
                rows: in_key_order(batches.iter().flat_map(|(base, batch)| {
                    batch.entities[index].rows.iter().map(move |row| {
                        let record_no = base + row.record as i64;
                        (row.key, Placed::new(row, batch, record_no))
                    })
                })),
            })
            .collect();
        let mut links = in_key_order(batches.iter().flat_map(|(base, batch)| {
            batch.links.iter().map(move |link| {
                let record_no = base + link.record as i64;
                ((link.key, link.rule), Placed::new(link, batch, record_no))
            })
        }));
        // Only tables several rules write are ranked (most have one rule).
        let shared = |table: &str| {
            first
                .entities
                .iter()
                .filter(|e| e.table.name == table)
                .count()
                > 1
        };
        let mut rounds = rank(
            entities
                .iter_mut()
                .filter(|e| shared(e.table.name))
                .flat_map(|e| {
                    let table = e.table.name;
                    e.rows
                        .iter_mut()
                        .map(move |p| (table, p.row.key, p.record_no, &mut p.round))
                })
                .collect(),
        );
        if first.link_columns.len() > 1 {
            rounds = rounds.max(rank(
                links
                    .iter_mut()
                    .map(|p| ("links", p.row.key, p.record_no, &mut p.round))
                    .collect(),
            ));
        }
        let mut assertions: Vec<Assertion> = Vec::new();
        for (base, batch) in batches {
            for e in &batch.entities {
                // Rows the mapper merged into a later one asserted it too.
                let rows = e.rows.iter().map(|row| (row.key, row.record));
                assertions.extend(
                    rows.chain(e.superseded.iter().copied())
                        .map(|(key, record)| Assertion {
                            key,
                            record_no: base + record as i64,
                            table: e.table.name,
                        }),
                );
            }
            assertions.extend(batch.links.iter().map(|link| Assertion {
                key: link.key,
                record_no: base + link.record as i64,
                table: "links",
            }));
        }
        // One assertion per entity and record: a record naming the same
        // entity twice (two rules onto one table) asserts it once, last wins.
        let assertions = in_key_order(assertions.into_iter().map(|a| ((a.key, a.record_no), a)));
        Some(Chunk {
            entities,
            links,
            rounds,
            link_columns: &first.link_columns,
            assertions,
            batches,
        })
    }

    pub fn quarantine(&self) -> impl Iterator<Item = &'a jstac_core::QuarantineEntry> + use<'a> {
        self.batches.iter().flat_map(|(_, batch)| &batch.quarantine)
    }

    /// The chunk's loaded source records, in file order.
    pub fn records(&self) -> impl Iterator<Item = SourceRecord<'a>> + use<'a> {
        self.batches.iter().flat_map(|(base, batch)| {
            batch
                .locators
                .iter()
                .zip(&batch.raws)
                .zip(&batch.gradings)
                .enumerate()
                .map(move |(index, ((locator, raw), grading))| SourceRecord {
                    record_no: base + index as i64,
                    locator,
                    raw,
                    grading: *grading,
                })
        })
    }
}

/// One loaded source record: where it is, its grading, its fields as read.
pub(crate) struct SourceRecord<'a> {
    pub record_no: i64,
    pub locator: &'a str,
    pub raw: &'a str,
    pub grading: jstac_core::Grading,
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
        };
        let written = match Chunk::new(&batches) {
            None => Ok(()),
            Some(chunk) => match &mut self.tx {
                Tx::Sqlite(tx) => {
                    let mut locked = tx.lock_handle().await?;
                    let handle = Handle::new(&mut locked);
                    write_chunk(&handle, &chunk, &context)
                }
                Tx::Postgres(load) => load.write_chunk(&chunk, &context).await,
            },
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
        macro_rules! finish {
            ($tx:expr) => {{
                sqlx::query(
                    "UPDATE source_files SET records_read = $1, records_loaded = $2,
                            records_quarantined = $3
                     WHERE file_id = $4",
                )
                .bind(summary.read as i64)
                .bind(summary.loaded as i64)
                .bind(summary.quarantined as i64)
                .bind(file_id)
                .execute(&mut *$tx)
                .await?;
                for stats in fields.iter().filter(|s| !s.counts.is_zero()) {
                    sqlx::query(
                        "INSERT INTO field_stats (run_id, file_id, rule, field, normaliser,
                                                  normalised, unmatched, quarantined)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(run_id)
                    .bind(file_id)
                    .bind(&stats.field.rule)
                    .bind(&stats.field.field)
                    .bind(&stats.field.normaliser)
                    .bind(stats.counts.normalised as i64)
                    .bind(stats.counts.unmatched as i64)
                    .bind(stats.counts.quarantined as i64)
                    .execute(&mut *$tx)
                    .await?;
                }
                $tx.commit().await?;
            }};
        }
        match self.tx {
            Tx::Sqlite(mut tx) => finish!(tx),
            Tx::Postgres(load) => {
                let mut tx = load.into_transaction();
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

/// Writes a chunk's rows through prepared single-row statements, each
/// table's rows in key order; of rows sharing a key (a crime named on
/// several rows of an extract) only the last is written, as the upsert
/// would have overwritten the others with it anyway.
fn write_chunk(handle: &Handle<'_>, chunk: &Chunk<'_>, context: &LoadContext<'_>) -> Result<()> {
    // `'agency', 'dataset', run, run, file`: the SQL literals every entity
    // and link row starts with.
    let constants = format!(
        "{}, {}, {run}, {run}, {file}",
        sql_text(context.agency),
        sql_text(context.dataset),
        run = context.run_id,
        file = context.file_id,
    );
    let mut dates = Vec::new();
    let mut entity_statements = chunk
        .entities
        .iter()
        .map(|entity| {
            let fixed = [entity.table.key_column, "source_locator"];
            handle.prepare(&upsert_sql(
                entity.table.name,
                entity.table.key_column,
                &constants,
                &fixed,
                entity.columns,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut link_statements = chunk
        .link_columns
        .iter()
        .map(|columns| {
            let fixed = [
                "link_key",
                "source_locator",
                "from_table",
                "from_key",
                "to_table",
                "to_key",
            ];
            handle.prepare(&upsert_sql(
                "links", "link_key", &constants, &fixed, columns,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    for round in 0..chunk.rounds {
        for (entity, statement) in chunk.entities.iter().zip(&mut entity_statements) {
            for &Placed { row, batch, .. } in in_round(&entity.rows, round) {
                format_dates(&row.values, &mut dates);
                let key = row.key.hex();
                let mut bound = statement.row();
                bound
                    .bind(Param::Ascii(&key))?
                    .bind(Param::Text(&batch.locators[row.record]))?;
                bind_values(&mut bound, &row.values, &dates)?;
                bound.run()?;
            }
        }
        for &Placed {
            row: link, batch, ..
        } in in_round(&chunk.links, round)
        {
            format_dates(&link.values, &mut dates);
            let keys = [link.key.hex(), link.from_key.hex(), link.to_key.hex()];
            let mut bound = link_statements[link.rule].row();
            bound
                .bind(Param::Ascii(&keys[0]))?
                .bind(Param::Text(&batch.locators[link.record]))?
                .bind(Param::Text(link.from_table))?
                .bind(Param::Ascii(&keys[1]))?
                .bind(Param::Text(link.to_table))?
                .bind(Param::Ascii(&keys[2]))?;
            bind_values(&mut bound, &link.values, &dates)?;
            bound.run()?;
        }
    }
    let mut records = chunk.records().peekable();
    if records.peek().is_some() {
        let mut statement = handle.prepare(&format!(
            "INSERT INTO source_records (file_id, record_no, run_id, locator, source_evaluation, \
             intelligence_assessment, handling_code, raw) VALUES ({file}, ?, {run}, ?, ?, ?, ?, ?)",
            file = context.file_id,
            run = context.run_id,
        ))?;
        for record in records {
            let grade = |part: Option<&'static str>| part.map_or(Param::Null, Param::Text);
            let mut bound = statement.row();
            bound
                .bind(Param::Integer(record.record_no))?
                .bind(Param::Text(record.locator))?
                .bind(grade(record.grading.source_evaluation))?
                .bind(grade(record.grading.intelligence_assessment))?
                .bind(grade(record.grading.handling_code))?
                .bind(Param::Text(record.raw))?;
            bound.run()?;
        }
    }
    if !chunk.assertions.is_empty() {
        let mut statement = handle.prepare(&format!(
            "INSERT INTO assertions (entity_key, file_id, record_no, entity_table, run_id) \
             VALUES (?, {file}, ?, ?, {run})",
            file = context.file_id,
            run = context.run_id,
        ))?;
        for assertion in &chunk.assertions {
            let key = assertion.key.hex();
            let mut bound = statement.row();
            bound
                .bind(Param::Ascii(&key))?
                .bind(Param::Integer(assertion.record_no))?
                .bind(Param::Text(assertion.table))?;
            bound.run()?;
        }
    }
    let mut statement = None;
    for entry in chunk.quarantine() {
        let statement = match &mut statement {
            Some(statement) => statement,
            None => statement.insert(handle.prepare(&format!(
                "INSERT INTO quarantine (run_id, file_id, locator, field, reason, raw_record) \
                 VALUES ({}, {}, ?, ?, ?, ?)",
                context.run_id, context.file_id
            ))?),
        };
        let mut bound = statement.row();
        bound
            .bind(Param::Text(&entry.locator))?
            .bind(entry.field.as_deref().map_or(Param::Null, Param::Text))?
            .bind(Param::Text(&entry.reason))?
            .bind(Param::Text(&entry.raw))?;
        bound.run()?;
    }
    Ok(())
}

/// Items sorted by key, keeping of each key only the last in arrival order.
/// (Links are keyed by key and rule: two rules may map different columns
/// onto one link, and each rule's upsert must run.)
pub(crate) fn in_key_order<K: Ord + Copy, T>(items: impl Iterator<Item = (K, T)>) -> Vec<T> {
    let mut items: Vec<(K, T)> = items.collect();
    // Stable: among equal keys, arrival order is kept, so the last one wins.
    items.sort_by_key(|item| item.0);
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    let mut previous: Option<K> = None;
    for (key, item) in items {
        if previous == Some(key) {
            out.pop();
        }
        out.push(item);
        previous = Some(key);
    }
    out
}

/// Dates as ISO 8601 text, in the order they appear in `values`.
pub(crate) fn format_dates(values: &[Value], dates: &mut Vec<String>) {
    dates.clear();
    for value in values {
        if let Value::Date(date) = value {
            dates.push(iso_date(*date));
        }
    }
}

/// A date as ISO 8601 text (`2016-03-01`).
pub(crate) fn iso_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike as _;
    let (year, month, day) = (date.year(), date.month(), date.day());
    if (0..=9999).contains(&year) {
        // ISO 8601 by hand: chrono's formatter parses its pattern
        // for every value (5% of a load when profiled).
        let digits = |n: u32, width: usize| {
            (0..width)
                .rev()
                .map(move |i| char::from(b'0' + ((n / 10u32.pow(i as u32)) % 10) as u8))
        };
        let mut text = String::with_capacity(10);
        text.extend(digits(year as u32, 4));
        text.push('-');
        text.extend(digits(month, 2));
        text.push('-');
        text.extend(digits(day, 2));
        text
    } else {
        date.to_string()
    }
}

fn bind_values<'a>(
    row: &mut Row<'_, '_, 'a>,
    values: &'a [Value],
    dates: &'a [String],
) -> Result<()> {
    let mut dates = dates.iter();
    for value in values {
        row.bind(match value {
            Value::Null => Param::Null,
            Value::Text(text) | Value::Decimal(text) => Param::Text(text),
            Value::Integer(n) => Param::Integer(*n),
            Value::Boolean(b) => Param::Integer(i64::from(*b)),
            Value::Date(_) => dates.next().map_or(Param::Null, |d| Param::Text(d)),
        })?;
    }
    Ok(())
}

/// One row's `INSERT … VALUES (…) ON CONFLICT (key) DO UPDATE SET …`: the
/// row is `constants` (agency, dataset, run as first and last seen, file),
/// then one `?` per fixed column, then per mapped column. The update keeps
/// `first_run_id`.
fn upsert_sql(
    table: &str,
    key_column: &str,
    constants: &str,
    fixed: &[&str],
    columns: &[&str],
) -> String {
    let mut sql =
        format!("INSERT INTO {table} (agency, dataset, first_run_id, last_run_id, source_file_id");
    for column in fixed.iter().chain(columns) {
        sql.push_str(", ");
        sql.push_str(column);
    }
    sql.push_str(") VALUES (");
    sql.push_str(constants);
    for _ in 0..fixed.len() + columns.len() {
        sql.push_str(", ?");
    }
    sql.push_str(&format!(
        ") ON CONFLICT ({key_column}) DO UPDATE SET last_run_id = excluded.last_run_id, source_file_id = excluded.source_file_id"
    ));
    for column in fixed.iter().chain(columns).filter(|c| **c != key_column) {
        sql.push_str(&format!(", {column} = excluded.{column}"));
    }
    sql
}

/// A SQL string literal: the one escape SQLite has is a doubled quote.
fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
