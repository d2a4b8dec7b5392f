//! `jstac verify`'s ledger half: the hash chain recomputed, and each loaded
//! file's rows read back and digested as its load did. (The other half,
//! entity, link and value rows re-derived from the records, is
//! `rebuild.rs`.)

use std::collections::HashMap;

use crate::chain::{DIGESTED, LEDGER_COLUMNS, LedgerRow, differing_tables, file_digest};
use crate::db::{Db, Warehouse, with_pool};
use crate::error::Result;

/// Something the warehouse holds that its ledger does not account for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerProblem {
    /// The table where it is.
    pub table: String,
    /// The file it concerns (its path), when one is known.
    pub file: Option<String>,
    pub message: String,
}

macro_rules! check_ledger {
    ($tx:expr) => {
        async {
            let mut problems: Vec<LedgerProblem> = Vec::new();
            let mut problem = |table: &str, file: Option<&str>, message: String| {
                problems.push(LedgerProblem {
                    table: table.to_owned(),
                    file: file.map(str::to_owned),
                    message,
                })
            };
            let links: Vec<LedgerRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {LEDGER_COLUMNS} FROM ledger ORDER BY seq"
            )))
            .fetch_all(&mut *$tx)
            .await?;
            let mut previous = crate::chain::GENESIS.to_owned();
            // Each file's last link: a load leaves it loaded, a retraction not.
            let mut last: HashMap<i64, &LedgerRow> = HashMap::new();
            for link in &links {
                if link.prev_hash != previous {
                    problem(
                        "ledger",
                        Some(&link.path),
                        format!(
                            "row {} does not follow the row before it: a ledger row was deleted or added outside jstac",
                            link.seq
                        ),
                    );
                }
                if link.compute_hash() != link.hash {
                    problem(
                        "ledger",
                        Some(&link.path),
                        format!("row {} ({} of the file) was changed outside jstac", link.seq, link.kind),
                    );
                }
                previous = link.hash.clone();
                last.insert(link.file_id, link);
            }
            let files: Vec<(i64, String, String)> =
                sqlx::query_as("SELECT file_id, path, sha256 FROM source_files ORDER BY file_id")
                    .fetch_all(&mut *$tx)
                    .await?;
            let mut present = std::collections::HashSet::new();
            for (file_id, path, sha256) in &files {
                present.insert(*file_id);
                let Some(link) = last.get(file_id).filter(|l| l.kind == "load") else {
                    problem(
                        "source_files",
                        Some(path),
                        "the file has no ledger row: added outside jstac (or loaded before schema v9)"
                            .to_owned(),
                    );
                    continue;
                };
                if &link.sha256 != sha256 || &link.path != path {
                    problem(
                        "source_files",
                        Some(path),
                        "the file's row differs from its ledger row: changed outside jstac".to_owned(),
                    );
                }
                let digest = file_digest!($tx, *file_id).await?;
                for table in differing_tables(&link.rows_digest, &digest) {
                    problem(
                        table,
                        Some(path),
                        "rows of this file were changed, added or deleted outside jstac".to_owned(),
                    );
                }
            }
            for (file_id, link) in &last {
                if link.kind == "load" && !present.contains(file_id) {
                    problem(
                        "source_files",
                        Some(&link.path),
                        "the file's row was deleted outside jstac (no retraction in the ledger)"
                            .to_owned(),
                    );
                }
            }
            for (table, _) in DIGESTED {
                let orphans: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT DISTINCT file_id FROM {table}
                     WHERE file_id NOT IN (SELECT file_id FROM source_files) ORDER BY file_id"
                )))
                .fetch_all(&mut *$tx)
                .await?;
                for file_id in orphans {
                    let path = last.get(&file_id).map(|l| l.path.as_str());
                    problem(
                        table,
                        path,
                        format!("rows of file id {file_id}, which is not a loaded file: added outside jstac"),
                    );
                }
            }
            Ok::<_, crate::error::WarehouseError>(problems)
        }
    };
}

impl Warehouse {
    /// Recomputes the ledger's chain and each loaded file's digest: what
    /// differs, by table and file (empty when all agree).
    pub async fn check_ledger(&self) -> Result<Vec<LedgerProblem>> {
        match &*self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let problems = check_ledger!(tx).await?;
                tx.rollback().await?;
                Ok(problems)
            }
            Db::Postgres(pool) => {
                let mut tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ")
                    .await?;
                let problems = check_ledger!(tx).await?;
                tx.rollback().await?;
                Ok(problems)
            }
        }
    }

    /// The ledger's rows of files still loaded (their last row a load).
    pub async fn ledger_loads(&self) -> Result<Vec<LedgerRow>> {
        let rows: Vec<LedgerRow> = with_pool!(&*self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {LEDGER_COLUMNS} FROM ledger l WHERE kind = 'load'
                 AND NOT EXISTS (SELECT 1 FROM ledger r WHERE r.file_id = l.file_id AND r.seq > l.seq)
                 ORDER BY seq"
            )))
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// The pipeline file a run recorded.
    pub async fn run_pipeline_path(&self, run_id: i64) -> Result<Option<String>> {
        let path: Option<String> = with_pool!(&*self.db, |pool| {
            sqlx::query_scalar("SELECT pipeline_path FROM ingest_runs WHERE run_id = $1")
                .bind(run_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(path)
    }
}
