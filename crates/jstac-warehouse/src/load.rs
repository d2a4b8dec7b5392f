//! Transactional loads: one file, one transaction.

use std::collections::HashMap;
use std::sync::Arc;

use jstac_core::{MappedBatch, Value};
use sqlx::sqlite::{Sqlite, SqliteArguments};
use sqlx::{AssertSqlSafe, Transaction};

use crate::{Result, Warehouse};

/// Most rows one multi-row INSERT carries (SQLite allows 32,766 parameters).
const MAX_ROWS_PER_STATEMENT: usize = 256;

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
    agency: Arc<str>,
    dataset: Arc<str>,
    statements: HashMap<(&'static str, Vec<&'static str>, usize), String>,
}

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
}

impl Warehouse {
    /// Starts the transaction for one file and writes its ledger row.
    pub async fn begin_file(&self, file: &FileStart<'_>) -> Result<FileLoad> {
        // IMMEDIATE: take the write lock now, so a concurrent writer waits
        // (busy_timeout) instead of failing when this transaction first writes.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        Ok(FileLoad {
            tx,
            run_id: file.run_id,
            file_id,
            agency: Arc::from(file.agency),
            dataset: Arc::from(file.dataset),
            statements: HashMap::new(),
        })
    }
}

impl FileLoad {
    pub fn file_id(&self) -> i64 {
        self.file_id
    }

    /// Writes one mapped batch: entity rows upserted by stable key, links,
    /// and quarantine entries.
    pub async fn write(&mut self, batch: MappedBatch) -> Result<()> {
        let MappedBatch {
            locators,
            entities,
            link_columns,
            links,
            quarantine,
            ..
        } = batch;
        let mut locators: Vec<Option<String>> = locators.into_iter().map(Some).collect();
        // A locator is shared by every row of its record; the last user takes it.
        let mut uses = vec![0u32; locators.len()];
        for entity in &entities {
            for row in &entity.rows {
                uses[row.record] += 1;
            }
        }
        for link in &links {
            uses[link.record] += 1;
        }
        let mut take_locator = |record: usize| -> String {
            uses[record] -= 1;
            if uses[record] == 0 {
                locators[record].take().unwrap_or_default()
            } else {
                locators[record].clone().unwrap_or_default()
            }
        };

        for entity in entities {
            let table = entity.table;
            for chunk in chunks(entity.rows, MAX_ROWS_PER_STATEMENT) {
                let sql =
                    self.entity_sql(table.name, table.key_column, &entity.columns, chunk.len());
                let mut args = SqliteArguments::default();
                for row in chunk {
                    self.add_constants(&mut args);
                    add(&mut args, row.key);
                    add(&mut args, take_locator(row.record));
                    for value in row.values {
                        bind_value(&mut args, value);
                    }
                }
                sqlx::query_with(AssertSqlSafe(sql), args)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }

        // Links are grouped by rule: each rule maps its own columns.
        let mut by_rule: Vec<Vec<jstac_core::LinkRow>> =
            link_columns.iter().map(|_| Vec::new()).collect();
        for link in links {
            by_rule[link.rule].push(link);
        }
        for (columns, group) in link_columns.iter().zip(by_rule) {
            for chunk in chunks(group, MAX_ROWS_PER_STATEMENT) {
                let sql = self.link_sql(columns, chunk.len());
                let mut args = SqliteArguments::default();
                for link in chunk {
                    self.add_constants(&mut args);
                    add(&mut args, link.key);
                    add(&mut args, take_locator(link.record));
                    add(&mut args, link.from_table);
                    add(&mut args, link.from_key);
                    add(&mut args, link.to_table);
                    add(&mut args, link.to_key);
                    for value in link.values {
                        bind_value(&mut args, value);
                    }
                }
                sqlx::query_with(AssertSqlSafe(sql), args)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }

        for chunk in chunks(quarantine, MAX_ROWS_PER_STATEMENT) {
            let sql = self.quarantine_sql(chunk.len());
            let mut args = SqliteArguments::default();
            for entry in chunk {
                add(&mut args, self.run_id);
                add(&mut args, self.file_id);
                add(&mut args, entry.locator);
                add(&mut args, entry.field);
                add(&mut args, entry.reason);
                add(&mut args, entry.raw);
            }
            sqlx::query_with(AssertSqlSafe(sql), args)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Records the file's counts and commits everything it wrote.
    pub async fn commit(mut self, summary: FileSummary) -> Result<()> {
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
        self.tx.commit().await?;
        Ok(())
    }

    /// Abandons the file: nothing it wrote remains.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Agency, dataset, run (first and last seen) and file: the columns every
    /// entity and link row starts with.
    fn add_constants(&self, args: &mut SqliteArguments) {
        add(args, self.agency.clone());
        add(args, self.dataset.clone());
        add(args, self.run_id);
        add(args, self.run_id);
        add(args, self.file_id);
    }

    fn entity_sql(
        &mut self,
        table: &'static str,
        key_column: &'static str,
        columns: &[&'static str],
        rows: usize,
    ) -> String {
        self.statements
            .entry((table, columns.to_vec(), rows))
            .or_insert_with(|| {
                let fixed = [key_column, "source_locator"];
                upsert_sql(table, key_column, &fixed, columns, rows)
            })
            .clone()
    }

    fn link_sql(&mut self, columns: &[&'static str], rows: usize) -> String {
        self.statements
            .entry(("links", columns.to_vec(), rows))
            .or_insert_with(|| {
                let fixed = [
                    "link_key",
                    "source_locator",
                    "from_table",
                    "from_key",
                    "to_table",
                    "to_key",
                ];
                upsert_sql("links", "link_key", &fixed, columns, rows)
            })
            .clone()
    }

    fn quarantine_sql(&mut self, rows: usize) -> String {
        self.statements
            .entry(("quarantine", Vec::new(), rows))
            .or_insert_with(|| {
                let mut sql = String::from(
                    "INSERT INTO quarantine (run_id, file_id, locator, field, reason, raw_record) VALUES ",
                );
                push_rows(&mut sql, 6, rows);
                sql
            })
            .clone()
    }
}

/// `INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE SET …`, where each
/// row is: agency, dataset, run (first and last), file, then the fixed
/// columns, then the mapped columns. The update keeps `first_run_id`.
fn upsert_sql(
    table: &str,
    key_column: &str,
    fixed: &[&str],
    columns: &[&str],
    rows: usize,
) -> String {
    let mut sql =
        format!("INSERT INTO {table} (agency, dataset, first_run_id, last_run_id, source_file_id");
    for column in fixed.iter().chain(columns) {
        sql.push_str(", ");
        sql.push_str(column);
    }
    sql.push_str(") VALUES ");
    push_rows(&mut sql, 5 + fixed.len() + columns.len(), rows);
    sql.push_str(&format!(
        " ON CONFLICT ({key_column}) DO UPDATE SET last_run_id = excluded.last_run_id, source_file_id = excluded.source_file_id"
    ));
    for column in fixed.iter().chain(columns).filter(|c| **c != key_column) {
        sql.push_str(&format!(", {column} = excluded.{column}"));
    }
    sql
}

/// Appends `rows` row constructors of `width` anonymous parameters each.
///
/// Anonymous `?`, never `?NNN`: sqlx binds a numbered parameter by asking
/// SQLite for its name, a linear search, which makes binding a statement of
/// N numbered parameters cost O(N²). Profiling showed that search taking 74%
/// of a run.
fn push_rows(sql: &mut String, width: usize, rows: usize) {
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('?');
        }
        sql.push(')');
    }
}

fn add<'q, T>(args: &mut SqliteArguments, value: T)
where
    T: sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + 'q,
{
    use sqlx::Arguments as _;
    // Encoding these plain types into SQLite values cannot fail.
    args.add(value).expect("encoding a plain value for SQLite");
}

fn bind_value(args: &mut SqliteArguments, value: Value) {
    match value {
        Value::Null => add(args, None::<String>),
        Value::Text(text) | Value::Decimal(text) => add(args, text),
        Value::Integer(n) => add(args, n),
        Value::Boolean(b) => add(args, b),
        Value::Date(date) => add(args, date.format("%Y-%m-%d").to_string()),
    }
}

/// Splits `items` into owned chunks of at most `size`.
fn chunks<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        out.push(items.by_ref().take(size).collect());
    }
    out
}
