//! The rows one dataset produced, without what varies from run to run (run
//! and file ids, times): what `jstac pipeline test` compares with its
//! expected files.

use serde_json::Value as Json;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Column, Row as _};

use crate::read::json_value;
use crate::{Result, Warehouse};

/// Columns that differ between two runs of the same pipeline on the same files.
pub const VARYING_COLUMNS: &[&str] = &["first_run_id", "last_run_id", "source_file_id"];

/// The rows of one table, in key order. The first column is the row's key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableRows {
    pub table: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Json>>,
}

/// Entity and link tables, by name and key column, in the order a snapshot lists them.
const KEYED_TABLES: &[(&str, &str)] = &[
    ("persons", "person_key"),
    ("events", "event_key"),
    ("nrm_referrals", "referral_key"),
    ("links", "link_key"),
];

impl Warehouse {
    /// Every persons, events and links row of `agency`'s `dataset`, sorted
    /// by key, then the quarantine of the runs that loaded it (file name,
    /// locator, field, reason), in file and record order.
    pub async fn dataset_snapshot(&self, agency: &str, dataset: &str) -> Result<Vec<TableRows>> {
        let mut tables = Vec::new();
        for (table, key) in KEYED_TABLES {
            let sql =
                format!("SELECT * FROM {table} WHERE agency = ?1 AND dataset = ?2 ORDER BY {key}");
            let rows: Vec<SqliteRow> = sqlx::query(AssertSqlSafe(sql))
                .bind(agency)
                .bind(dataset)
                .fetch_all(&self.pool)
                .await?;
            tables.push(table_rows(table, &rows, VARYING_COLUMNS)?);
        }
        let rows: Vec<SqliteRow> = sqlx::query(
            "SELECT f.path AS file, q.locator, q.field, q.reason
             FROM quarantine q
             JOIN source_files f ON f.file_id = q.file_id
             JOIN ingest_runs r ON r.run_id = q.run_id
             WHERE r.agency = ?1 AND r.dataset = ?2
             ORDER BY f.path, q.quarantine_id",
        )
        .bind(agency)
        .bind(dataset)
        .fetch_all(&self.pool)
        .await?;
        let mut quarantine = table_rows("quarantine", &rows, &[])?;
        if quarantine.columns.is_empty() {
            quarantine.columns = ["file", "locator", "field", "reason"]
                .map(String::from)
                .to_vec();
        }
        // The file's name only: where the fixtures sit varies.
        for row in &mut quarantine.rows {
            if let Some(Json::String(path)) = row.first_mut() {
                let name = std::path::Path::new(path.as_str())
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned());
                if let Some(name) = name {
                    *path = name;
                }
            }
        }
        tables.push(quarantine);
        Ok(tables)
    }
}

fn table_rows(table: &str, rows: &[SqliteRow], skip: &[&str]) -> Result<TableRows> {
    let mut out = TableRows {
        table: table.to_owned(),
        ..TableRows::default()
    };
    let Some(first) = rows.first() else {
        return Ok(out);
    };
    let kept: Vec<usize> = first
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| !skip.contains(&c.name()))
        .map(|(index, _)| index)
        .collect();
    out.columns = kept
        .iter()
        .map(|&index| first.columns()[index].name().to_owned())
        .collect();
    for row in rows {
        let mut values = Vec::with_capacity(kept.len());
        for &index in &kept {
            values.push(json_value(row, index)?);
        }
        out.rows.push(values);
    }
    debug_assert!(out.rows.iter().all(|r| r.len() == out.columns.len()));
    Ok(out)
}
