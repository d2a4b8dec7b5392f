//! Transactional loads: one file, one transaction.

use jstac_core::{FieldStats, MappedBatch, Value};
use sqlx::Transaction;
use sqlx::sqlite::Sqlite;

use crate::bulk::{Handle, Param, Row};
use crate::{Result, Warehouse};

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
    tx: Transaction<'static, Sqlite>,
    run_id: i64,
    file_id: i64,
    /// `'agency', 'dataset', run, run, file`: the SQL literals every entity
    /// and link row starts with.
    constants: String,
    /// Mapped batches not yet written, and the records they hold.
    pending: Vec<MappedBatch>,
    pending_records: usize,
    pending_bytes: usize,
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

impl Warehouse {
    /// Starts the transaction for one file and writes its ledger row; `None`
    /// if the pipeline already loaded this content (unless `force`).
    pub async fn begin_file(&self, file: &FileStart<'_>) -> Result<Option<FileLoad>> {
        // IMMEDIATE: take the write lock now, so a concurrent writer waits
        // (busy_timeout) instead of failing when this transaction first writes.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // The ledger is checked again under the write lock: two runners that
        // both found the file new before either loaded it cannot both load it.
        if !file.force {
            let loaded: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM source_files WHERE pipeline = ? AND sha256 = ?)",
            )
            .bind(file.pipeline)
            .bind(file.sha256)
            .fetch_one(&mut *tx)
            .await?;
            if loaded {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        let file_id: i64 = sqlx::query_scalar(
            "INSERT INTO source_files (run_id, pipeline, path, size_bytes, sha256, loaded_at)
             VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             RETURNING file_id",
        )
        .bind(file.run_id)
        .bind(file.pipeline)
        .bind(file.path)
        .bind(file.size_bytes)
        .bind(file.sha256)
        .fetch_one(&mut *tx)
        .await?;
        Ok(Some(FileLoad {
            tx,
            run_id: file.run_id,
            file_id,
            constants: format!(
                "{}, {}, {run}, {run}, {file_id}",
                sql_text(file.agency),
                sql_text(file.dataset),
                run = file.run_id,
            ),
            pending: Vec::new(),
            pending_records: 0,
            pending_bytes: 0,
        }))
    }
}

impl FileLoad {
    pub fn file_id(&self) -> i64 {
        self.file_id
    }

    /// Takes one mapped batch: entity rows upserted by stable key, links,
    /// and quarantine entries. Rows are written in key order a chunk at a
    /// time, through the bulk path (see `bulk.rs`).
    pub async fn write(&mut self, batch: MappedBatch) -> Result<()> {
        self.pending_records += batch.read as usize;
        self.pending_bytes += batch.approx_bytes();
        self.pending.push(batch);
        if self.pending_records >= CHUNK_RECORDS || self.pending_bytes >= CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        let batches = std::mem::take(&mut self.pending);
        self.pending_records = 0;
        self.pending_bytes = 0;
        let Some(first) = batches.first() else {
            return Ok(());
        };
        // Every batch of a file comes from one mapping: same tables, columns.
        let entity_sql: Vec<String> = first
            .entities
            .iter()
            .map(|e| {
                let fixed = [e.table.key_column, "source_locator"];
                upsert_sql(
                    e.table.name,
                    e.table.key_column,
                    &self.constants,
                    &fixed,
                    &e.columns,
                )
            })
            .collect();
        let link_sql: Vec<String> = first
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
                upsert_sql("links", "link_key", &self.constants, &fixed, columns)
            })
            .collect();
        let quarantine_sql = format!(
            "INSERT INTO quarantine (run_id, file_id, locator, field, reason, raw_record) \
             VALUES ({}, {}, ?, ?, ?, ?)",
            self.run_id, self.file_id
        );

        let mut locked = self.tx.lock_handle().await?;
        let handle = Handle::new(&mut locked);
        let written = write_chunk(&handle, &batches, &entity_sql, &link_sql, &quarantine_sql);
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
        sqlx::query(
            "UPDATE source_files SET records_read = ?, records_loaded = ?, records_quarantined = ?
             WHERE file_id = ?",
        )
        .bind(summary.read as i64)
        .bind(summary.loaded as i64)
        .bind(summary.quarantined as i64)
        .bind(self.file_id)
        .execute(&mut *self.tx)
        .await?;
        for stats in fields.iter().filter(|s| !s.counts.is_zero()) {
            sqlx::query(
                "INSERT INTO field_stats (run_id, file_id, rule, field, normaliser,
                                          normalised, unmatched, quarantined)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(self.run_id)
            .bind(self.file_id)
            .bind(&stats.field.rule)
            .bind(&stats.field.field)
            .bind(&stats.field.normaliser)
            .bind(stats.counts.normalised as i64)
            .bind(stats.counts.unmatched as i64)
            .bind(stats.counts.quarantined as i64)
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// Abandons the file: nothing it wrote remains.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Writes a chunk's rows through prepared single-row statements, each
/// table's rows in key order; of rows sharing a key (a crime named on
/// several rows of an extract) only the last is written, as the upsert
/// would have overwritten the others with it anyway.
fn write_chunk(
    handle: &Handle<'_>,
    batches: &[MappedBatch],
    entity_sql: &[String],
    link_sql: &[String],
    quarantine_sql: &str,
) -> Result<()> {
    let mut dates = Vec::new();
    for (index, sql) in entity_sql.iter().enumerate() {
        let rows = in_key_order(batches.iter().flat_map(|batch| {
            batch.entities[index]
                .rows
                .iter()
                .map(move |row| (row.key, (row, batch)))
        }));
        let mut statement = handle.prepare(sql)?;
        for (row, batch) in rows {
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
    let links = in_key_order(batches.iter().flat_map(|batch| {
        batch
            .links
            .iter()
            .map(move |link| ((link.key, link.rule), (link, batch)))
    }));
    let mut statements = link_sql
        .iter()
        .map(|sql| handle.prepare(sql))
        .collect::<Result<Vec<_>>>()?;
    for (link, batch) in links {
        format_dates(&link.values, &mut dates);
        let keys = [link.key.hex(), link.from_key.hex(), link.to_key.hex()];
        let mut bound = statements[link.rule].row();
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
    let mut statement = None;
    for entry in batches.iter().flat_map(|batch| &batch.quarantine) {
        let statement = match &mut statement {
            Some(statement) => statement,
            None => statement.insert(handle.prepare(quarantine_sql)?),
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
fn in_key_order<K: Ord + Copy, T>(items: impl Iterator<Item = (K, T)>) -> Vec<T> {
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
fn format_dates(values: &[Value], dates: &mut Vec<String>) {
    use chrono::Datelike as _;
    dates.clear();
    for value in values {
        if let Value::Date(date) = value {
            let (year, month, day) = (date.year(), date.month(), date.day());
            dates.push(if (0..=9999).contains(&year) {
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
            });
        }
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
