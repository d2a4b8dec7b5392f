//! Reading the warehouse back: run history, quarantine, ad-hoc queries.

use serde_json::Value as Json;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Column, Row, TypeInfo, ValueRef};

use crate::{Result, Warehouse};

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
}

/// The result of an ad-hoc query: column names and rows of JSON values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Json>>,
}

impl Warehouse {
    /// The most recent runs first.
    pub async fn runs(&self, filter: &RunFilter, limit: i64) -> Result<Vec<RunRow>> {
        Ok(sqlx::query_as(
            "SELECT run_id, pipeline, plugin, plugin_version, started_at, finished_at, status, error,
                    files_loaded, files_skipped, files_failed, records_read, records_loaded, records_quarantined
             FROM ingest_runs
             WHERE (?1 IS NULL OR pipeline = ?1) AND (?2 IS NULL OR status = ?2)
               AND (?3 IS NULL OR started_at >= ?3)
             ORDER BY run_id DESC LIMIT ?4",
        )
        .bind(filter.pipeline.as_deref())
        .bind(filter.status.as_deref())
        .bind(filter.since.as_deref())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One run, if it exists.
    pub async fn run(&self, run_id: i64) -> Result<Option<RunRow>> {
        Ok(sqlx::query_as(
            "SELECT run_id, pipeline, plugin, plugin_version, started_at, finished_at, status, error,
                    files_loaded, files_skipped, files_failed, records_read, records_loaded, records_quarantined
             FROM ingest_runs WHERE run_id = ?",
        )
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The files a run landed (skipped and failed files have no ledger row).
    pub async fn run_files(&self, run_id: i64) -> Result<Vec<FileRow>> {
        Ok(sqlx::query_as(
            "SELECT file_id, path, size_bytes, sha256, records_read, records_loaded,
                    records_quarantined, loaded_at
             FROM source_files WHERE run_id = ? ORDER BY file_id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Quarantined records of one run (or of the latest run that has any).
    pub async fn quarantine(&self, run_id: Option<i64>, limit: i64) -> Result<Vec<QuarantineRow>> {
        Ok(sqlx::query_as(
            "SELECT q.run_id, f.path, q.locator, q.field, q.reason, q.raw_record
             FROM quarantine q JOIN source_files f ON f.file_id = q.file_id
             WHERE q.run_id = COALESCE(?1, (SELECT MAX(run_id) FROM quarantine))
             ORDER BY q.quarantine_id LIMIT ?2",
        )
        .bind(run_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Per-field counts of one run (or of the latest run that has any).
    pub async fn field_stats(&self, run_id: Option<i64>) -> Result<Vec<FieldStatsRow>> {
        Ok(sqlx::query_as(
            "SELECT run_id, rule, field, normaliser, normalised, unmatched, quarantined
             FROM run_field_stats
             WHERE run_id = COALESCE(?1, (SELECT MAX(run_id) FROM field_stats))
             ORDER BY rule",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Runs one SQL statement and returns its rows. Open the warehouse with
    /// [`Warehouse::open_read_only`] to make writes impossible.
    pub async fn query(&self, sql: &str) -> Result<QueryResult> {
        let rows: Vec<SqliteRow> = sqlx::query(AssertSqlSafe(sql.to_owned()))
            .fetch_all(&self.pool)
            .await?;
        let mut result = QueryResult::default();
        if let Some(first) = rows.first() {
            result.columns = first
                .columns()
                .iter()
                .map(|c| c.name().to_owned())
                .collect();
        }
        for row in &rows {
            let mut values = Vec::with_capacity(row.len());
            for index in 0..row.len() {
                values.push(json_value(row, index)?);
            }
            result.rows.push(values);
        }
        Ok(result)
    }
}

pub(crate) fn json_value(row: &SqliteRow, index: usize) -> Result<Json> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Json::Null);
    }
    let type_name = raw.type_info().name().to_owned();
    Ok(match type_name.as_str() {
        "INTEGER" => Json::from(row.try_get::<i64, _>(index)?),
        "REAL" => Json::from(row.try_get::<f64, _>(index)?),
        "BLOB" => {
            let bytes: Vec<u8> = row.try_get(index)?;
            Json::from(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        }
        _ => Json::from(row.try_get::<String, _>(index)?),
    })
}
