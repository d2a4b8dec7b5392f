//! The rows one dataset produced, without what varies from run to run (run
//! and file ids, times): what `jstac pipeline test` compares with its
//! expected files.

use serde_json::Value as Json;
use sqlx::AssertSqlSafe;

use crate::db::{Warehouse, with_pool};
use crate::error::Result;
use crate::read::{JsonRow, rows_to_result};

/// Columns that differ between two runs of the same pipeline on the same files.
pub const VARYING_COLUMNS: &[&str] = &["first_run_id", "last_run_id", "source_file_id"];

/// The rows of one table, in key order. The first column is the row's key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableRows {
    pub table: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Json>>,
}

/// Entity and link tables, by name and key column, in the order a snapshot
/// lists them; the catalogue's value tables follow (see [`keyed_tables`]).
const KEYED_TABLES: &[(&str, &str)] = &[
    ("persons", "person_key"),
    ("events", "event_key"),
    ("locations", "location_key"),
    ("organisations", "organisation_key"),
    ("nrm_referrals", "referral_key"),
    ("links", "link_key"),
];

/// The tables a snapshot lists, by name and key column: [`KEYED_TABLES`],
/// then every value table of the catalogue (`names`, `birth_dates`, …),
/// in its order.
fn keyed_tables() -> impl Iterator<Item = (&'static str, &'static str)> {
    let values = jstac_core::catalog::TABLES
        .iter()
        .filter(|table| table.is_value_table())
        .map(|table| (table.name, table.key_column));
    KEYED_TABLES.iter().copied().chain(values)
}

impl Warehouse {
    /// Every persons, events, locations, organisations, NRM referrals,
    /// links and value-table row (names, birth dates, …) of `agency`'s
    /// `dataset`, sorted by key, then the quarantine of the runs that
    /// loaded it (file name, locator, field, reason), in file and record
    /// order.
    pub async fn dataset_snapshot(&self, agency: &str, dataset: &str) -> Result<Vec<TableRows>> {
        let mut tables = Vec::new();
        for (table, key) in keyed_tables() {
            let sql =
                format!("SELECT * FROM {table} WHERE agency = $1 AND dataset = $2 ORDER BY {key}");
            let rows = with_pool!(&*self.db, |pool| {
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(agency)
                    .bind(dataset)
                    .fetch_all(pool)
                    .await?;
                table_rows(table, &rows, VARYING_COLUMNS)?
            });
            tables.push(rows);
        }
        let mut quarantine = with_pool!(&*self.db, |pool| {
            let rows = sqlx::query(
                "SELECT f.path AS file, q.locator, q.field, q.reason
                 FROM quarantine q
                 JOIN source_files f ON f.file_id = q.file_id
                 JOIN ingest_runs r ON r.run_id = q.run_id
                 WHERE r.agency = $1 AND r.dataset = $2
                 ORDER BY f.path, q.quarantine_id",
            )
            .bind(agency)
            .bind(dataset)
            .fetch_all(pool)
            .await?;
            table_rows("quarantine", &rows, &[])?
        });
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

fn table_rows<R: JsonRow>(table: &str, rows: &[R], skip: &[&str]) -> Result<TableRows> {
    let result = rows_to_result(rows, skip)?;
    Ok(TableRows {
        table: table.to_owned(),
        columns: result.columns,
        rows: result.rows,
    })
}
