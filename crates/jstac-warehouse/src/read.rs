//! Reading the warehouse back: run history, quarantine, ad-hoc queries.

use serde_json::Value as Json;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Column, Row, TypeInfo, ValueRef};

use crate::db::{Db, Warehouse, with_pool};
use crate::error::{Result, WarehouseError};

/// One run, as `jstac runs` shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub run_id: i64,
    pub pipeline: String,
    pub plugin: String,
    pub plugin_version: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub files_loaded: i64,
    pub files_skipped: i64,
    pub files_failed: i64,
    pub records_read: i64,
    pub records_loaded: i64,
    pub records_quarantined: i64,
    pub records_skipped: i64,
}

/// Which runs `jstac runs` lists: every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub pipeline: Option<String>,
    /// `running`, `succeeded` or `failed`.
    pub status: Option<String>,
    /// Runs started at or after this UTC time, as the warehouse writes
    /// times (`YYYY-MM-DDTHH:MM:SS.fffZ`), so text order is time order.
    pub since: Option<String>,
}

/// One file a run landed, from the ledger.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub file_id: i64,
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub records_read: i64,
    pub records_loaded: i64,
    pub records_quarantined: i64,
    pub records_skipped: i64,
    pub loaded_at: String,
}

/// A loaded file with its agency and dataset, for retention.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoadedFile {
    pub file_id: i64,
    pub run_id: i64,
    pub agency: String,
    pub dataset: String,
    pub path: String,
    pub records_loaded: i64,
    /// When it loaded (`YYYY-MM-DDTHH:MM:SS.sssZ`).
    pub loaded_at: String,
}

/// One rejected record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuarantineRow {
    pub run_id: i64,
    pub path: String,
    pub locator: String,
    pub field: Option<String>,
    pub reason: String,
    pub raw_record: String,
}

/// What one counted column (normaliser, lookup, date with options) did in a run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FieldStatsRow {
    pub run_id: i64,
    pub rule: String,
    pub field: String,
    pub normaliser: String,
    pub normalised: i64,
    pub unmatched: i64,
    pub quarantined: i64,
    /// Values the source marked as not known (`n/a`, `unknown`).
    pub not_known: i64,
}

/// The result of an ad-hoc query: column names and rows of JSON values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Json>>,
}

/// The runs of the latest `jstac run` invocation, derived from the run
/// ledger: the latest run's host and process, and that process's runs back
/// to the last run another process of the host started (so a process id
/// the system used again later is another invocation). SQL text for
/// `concat!`, the same on both backends.
macro_rules! latest_invocation {
    () => {
        "SELECT r.run_id FROM ingest_runs r,
             (SELECT run_id, host, process_id FROM ingest_runs ORDER BY run_id DESC LIMIT 1) l
         WHERE r.host = l.host AND r.process_id = l.process_id AND r.run_id <= l.run_id
           AND NOT EXISTS (SELECT 1 FROM ingest_runs o
               WHERE o.host = l.host AND o.process_id <> l.process_id
                 AND o.run_id > r.run_id AND o.run_id < l.run_id)"
    };
}

impl Warehouse {
    /// Every loaded file with its run's agency and dataset, in load order.
    pub async fn loaded_files(&self) -> Result<Vec<LoadedFile>> {
        Ok(with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT f.file_id, f.run_id, r.agency, r.dataset, f.path, f.records_loaded,
                        f.loaded_at
                 FROM source_files f JOIN ingest_runs r ON r.run_id = f.run_id
                 ORDER BY f.file_id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// The most recent runs first.
    pub async fn runs(&self, filter: &RunFilter, limit: i64) -> Result<Vec<RunRow>> {
        Ok(with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT run_id, pipeline, plugin, plugin_version, started_at, finished_at, status, error,
                        files_loaded, files_skipped, files_failed, records_read, records_loaded, records_quarantined,
                        records_skipped
                 FROM ingest_runs
                 WHERE ($1 IS NULL OR pipeline = $1) AND ($2 IS NULL OR status = $2)
                   AND ($3 IS NULL OR started_at >= $3)
                 ORDER BY run_id DESC LIMIT $4",
            )
            .bind(filter.pipeline.as_deref())
            .bind(filter.status.as_deref())
            .bind(filter.since.as_deref())
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// One run, if it exists.
    pub async fn run(&self, run_id: i64) -> Result<Option<RunRow>> {
        Ok(with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT run_id, pipeline, plugin, plugin_version, started_at, finished_at, status, error,
                        files_loaded, files_skipped, files_failed, records_read, records_loaded, records_quarantined,
                        records_skipped
                 FROM ingest_runs WHERE run_id = $1",
            )
            .bind(run_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The files a run landed (skipped and failed files have no ledger row).
    pub async fn run_files(&self, run_id: i64) -> Result<Vec<FileRow>> {
        Ok(with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT file_id, path, size_bytes, sha256, records_read, records_loaded,
                        records_quarantined, records_skipped, loaded_at
                 FROM source_files WHERE run_id = $1 ORDER BY file_id",
            )
            .bind(run_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Quarantined records of one run, or of every run of the latest `jstac
    /// run` invocation (`latest_invocation!`), at most `limit`.
    pub async fn quarantine(&self, run_id: Option<i64>, limit: i64) -> Result<Vec<QuarantineRow>> {
        Ok(with_pool!(&*self.db, |pool| {
            sqlx::query_as(concat!(
                "SELECT q.run_id, f.path, q.locator, q.field, q.reason, q.raw_record
                     FROM quarantine q JOIN source_files f ON f.file_id = q.file_id
                     WHERE q.run_id = $1 OR ($1 IS NULL AND q.run_id IN (",
                latest_invocation!(),
                ")) ORDER BY q.quarantine_id LIMIT $2"
            ))
            .bind(run_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Per-field counts of one run, or of every run of the latest `jstac
    /// run` invocation (as `quarantine`).
    pub async fn field_stats(&self, run_id: Option<i64>) -> Result<Vec<FieldStatsRow>> {
        Ok(with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                concat!(
                    "SELECT run_id, rule, field, normaliser, normalised, unmatched, quarantined, not_known
                 FROM run_field_stats
                 WHERE run_id = $1 OR ($1 IS NULL AND run_id IN (",
                    latest_invocation!(),
                    ")) ORDER BY run_id, rule"
                ),
            )
            .bind(run_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Runs one SQL statement and returns its rows. Open the warehouse with
    /// [`Warehouse::open_read_only`] to make writes impossible: on SQLite
    /// the connection is read-only; on PostgreSQL every session transaction
    /// is, and the statement (one only: the extended protocol takes one)
    /// runs inside a `READ ONLY` transaction that is rolled back.
    pub async fn query(&self, sql: &str) -> Result<QueryResult> {
        match &*self.db {
            Db::Sqlite(pool) => {
                let rows: Vec<SqliteRow> = sqlx::query(AssertSqlSafe(sql.to_owned()))
                    .fetch_all(pool)
                    .await?;
                rows_to_result(&rows, &[])
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin_with("BEGIN READ ONLY").await?;
                let rows: Vec<PgRow> = sqlx::query(AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&mut *tx)
                    .await?;
                tx.rollback().await?;
                rows_to_result(&rows, &[])
            }
        }
    }
}

/// A row whose values can be shown as JSON, whichever the backend.
pub(crate) trait JsonRow: Row {
    fn json(&self, index: usize) -> Result<Json>;
}

/// Rows as column names and JSON values, leaving out the columns in `skip`.
pub(crate) fn rows_to_result<R: JsonRow>(rows: &[R], skip: &[&str]) -> Result<QueryResult> {
    let mut result = QueryResult::default();
    let Some(first) = rows.first() else {
        return Ok(result);
    };
    let kept: Vec<usize> = first
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| !skip.contains(&c.name()))
        .map(|(index, _)| index)
        .collect();
    result.columns = kept
        .iter()
        .map(|&index| first.columns()[index].name().to_owned())
        .collect();
    for row in rows {
        let mut values = Vec::with_capacity(kept.len());
        for &index in &kept {
            values.push(row.json(index)?);
        }
        result.rows.push(values);
    }
    Ok(result)
}

impl JsonRow for SqliteRow {
    fn json(&self, index: usize) -> Result<Json> {
        let raw = self.try_get_raw(index)?;
        if raw.is_null() {
            return Ok(Json::Null);
        }
        let type_name = raw.type_info().name().to_owned();
        Ok(match type_name.as_str() {
            "INTEGER" => Json::from(self.try_get::<i64, _>(index)?),
            "REAL" => Json::from(self.try_get::<f64, _>(index)?),
            "BLOB" => Json::from(hex::encode(self.try_get::<Vec<u8>, _>(index)?)),
            _ => Json::from(self.try_get::<String, _>(index)?),
        })
    }
}

impl JsonRow for PgRow {
    /// PostgreSQL values shown as SQLite would show the same data: dates as
    /// ISO text, instants (`timestamptz`) as ISO 8601 UTC text with `Z`
    /// (`2016-06-11T08:30:00Z`, a fraction of a second only when there is
    /// one), whole numerics as integers, others as numbers.
    fn json(&self, index: usize) -> Result<Json> {
        use chrono::SecondsFormat;
        use sqlx::types::Decimal;
        use sqlx::types::chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
        let raw = self.try_get_raw(index)?;
        if raw.is_null() {
            return Ok(Json::Null);
        }
        let type_name = raw.type_info().name().to_owned();
        Ok(match type_name.as_str() {
            "BOOL" => Json::from(self.try_get::<bool, _>(index)?),
            "INT2" => Json::from(self.try_get::<i16, _>(index)?),
            "INT4" => Json::from(self.try_get::<i32, _>(index)?),
            "INT8" => Json::from(self.try_get::<i64, _>(index)?),
            "FLOAT4" => Json::from(self.try_get::<f32, _>(index)?),
            "FLOAT8" => Json::from(self.try_get::<f64, _>(index)?),
            "NUMERIC" => {
                let text = self.try_get::<Decimal, _>(index)?.normalize().to_string();
                match text.parse::<i64>() {
                    Ok(n) => Json::from(n),
                    Err(_) => text
                        .parse::<f64>()
                        .map(Json::from)
                        .unwrap_or(Json::String(text)),
                }
            }
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" | "UNKNOWN" => {
                Json::from(self.try_get::<String, _>(index)?)
            }
            "DATE" => Json::from(self.try_get::<NaiveDate, _>(index)?.to_string()),
            "TIMESTAMP" => Json::from(self.try_get::<NaiveDateTime, _>(index)?.to_string()),
            "TIMESTAMPTZ" => Json::from(
                self.try_get::<DateTime<Utc>, _>(index)?
                    .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            ),
            "JSON" | "JSONB" => self.try_get::<Json, _>(index)?,
            "BYTEA" => Json::from(hex::encode(self.try_get::<Vec<u8>, _>(index)?)),
            other => {
                return Err(WarehouseError::Postgres(format!(
                    "column {:?} has type {other}, which jstac cannot show; cast it to text",
                    self.columns()[index].name()
                )));
            }
        })
    }
}
