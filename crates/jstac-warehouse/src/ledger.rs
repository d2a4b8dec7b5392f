//! The run ledger: a run's row in `ingest_runs` from start to end, runs
//! left `running` by a killed process, and the files already landed.

use crate::db::{Warehouse, now_utc, with_pool};
use crate::error::Result;

/// What a run is, as recorded when it starts.
#[derive(Debug, Clone)]
pub struct RunStart<'a> {
    pub pipeline: &'a str,
    pub pipeline_path: &'a str,
    pub agency: &'a str,
    pub dataset: &'a str,
    pub plugin: &'a str,
    pub plugin_version: &'a str,
    pub host: &'a str,
    pub process_id: i64,
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub failed: bool,
    pub error: Option<String>,
    pub files_loaded: i64,
    pub files_skipped: i64,
    pub files_failed: i64,
    pub records_read: i64,
    pub records_loaded: i64,
    pub records_quarantined: i64,
    /// Records no rule of the pipeline applies to.
    pub records_skipped: i64,
}

impl Warehouse {
    /// Records the start of a run; returns its id.
    pub async fn begin_run(&self, run: &RunStart<'_>) -> Result<i64> {
        let id = with_pool!(&*self.db, |pool| {
            sqlx::query_scalar(
                "INSERT INTO ingest_runs (pipeline, pipeline_path, agency, dataset, plugin, plugin_version,
                                          started_at, status, host, process_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9)
                 RETURNING run_id",
            )
            .bind(run.pipeline)
            .bind(run.pipeline_path)
            .bind(run.agency)
            .bind(run.dataset)
            .bind(run.plugin)
            .bind(run.plugin_version)
            .bind(now_utc())
            .bind(run.host)
            .bind(run.process_id)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Records how a run ended.
    pub async fn finish_run(&self, run_id: i64, outcome: &RunOutcome) -> Result<()> {
        with_pool!(&*self.db, |pool| {
            sqlx::query(
                "UPDATE ingest_runs SET finished_at = $1,
                        status = $2, error = $3, files_loaded = $4, files_skipped = $5, files_failed = $6,
                        records_read = $7, records_loaded = $8, records_quarantined = $9,
                        records_skipped = $10
                 WHERE run_id = $11",
            )
            .bind(now_utc())
            .bind(if outcome.failed {
                "failed"
            } else {
                "succeeded"
            })
            .bind(outcome.error.as_deref())
            .bind(outcome.files_loaded)
            .bind(outcome.files_skipped)
            .bind(outcome.files_failed)
            .bind(outcome.records_read)
            .bind(outcome.records_loaded)
            .bind(outcome.records_quarantined)
            .bind(outcome.records_skipped)
            .bind(run_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Marks as failed every run still `running` on `host` whose process is
    /// gone (it was killed): their files' transactions were never committed.
    pub async fn fail_interrupted_runs(
        &self,
        host: &str,
        is_alive: impl Fn(i64) -> bool,
    ) -> Result<u64> {
        let running: Vec<(i64, i64)> = with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT run_id, process_id FROM ingest_runs WHERE status = 'running' AND host = $1",
            )
            .bind(host)
            .fetch_all(pool)
            .await?
        });
        let mut n = 0;
        for (run_id, pid) in running {
            if is_alive(pid) {
                continue;
            }
            let error = format!(
                "interrupted: process {pid} ended before the run finished; its uncommitted file was rolled back"
            );
            with_pool!(&*self.db, |pool| {
                sqlx::query(
                    "UPDATE ingest_runs SET status = 'failed', finished_at = $1, error = $2
                     WHERE run_id = $3 AND status = 'running'",
                )
                .bind(now_utc())
                .bind(&error)
                .bind(run_id)
                .execute(pool)
                .await?;
            });
            n += 1;
        }
        Ok(n)
    }

    /// The file already landed for this pipeline with this content, if any:
    /// `(file_id, run_id)`.
    pub async fn find_loaded_file(
        &self,
        pipeline: &str,
        sha256: &str,
    ) -> Result<Option<(i64, i64)>> {
        let row: Option<(i64, i64)> = with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT file_id, run_id FROM source_files WHERE pipeline = $1 AND sha256 = $2 LIMIT 1",
            )
            .bind(pipeline)
            .bind(sha256)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }
}
