//! Resolving the warehouse's person records (`jstac resolve`, `jstac
//! judge`, and after each run that loaded records): read the evidence,
//! the previous IDs and model, and the judgements; resolve on a blocking
//! thread (`jstac-resolve`); write the result in one transaction. Logs
//! carry counts only.

use std::time::Instant;

use anyhow::{Context as _, Result};
use jstac_warehouse::Warehouse;

use crate::settings::Settings;

/// What one resolution did, for the summary line.
#[derive(Debug)]
pub struct Summary {
    pub resolution_id: i64,
    pub stats: jstac_resolve::Stats,
    pub changed: usize,
    pub merges: usize,
    pub splits: usize,
    pub seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.stats;
        write!(
            f,
            "resolve: resolution {} | {} records, {} candidate pairs, {} matched | {} resolved persons, {} known to 2+ agencies | {} records changed ID, {} merges, {} splits | model {} | {:.2} s",
            self.resolution_id,
            s.records,
            s.candidate_pairs,
            s.matched_pairs,
            s.clusters,
            s.multi_agency,
            self.changed,
            self.merges,
            self.splits,
            if s.model_trained { "trained" } else { "reused" },
            self.seconds,
        )
    }
}

/// After a change to the warehouse's records (a retraction, a replay,
/// retention): resolve again when `[resolve] after_run` says so, printing
/// the summary line.
pub async fn after_change(settings: &Settings, warehouse: &Warehouse) -> Result<()> {
    if settings.resolve.after_run {
        println!("{}", resolve(settings, warehouse, false).await?);
    }
    Ok(())
}

/// Resolves every person record of `warehouse`. `retrain` trains a new
/// model even when a stored one fits.
pub async fn resolve(settings: &Settings, warehouse: &Warehouse, retrain: bool) -> Result<Summary> {
    let started = Instant::now();
    let started_at = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let state = warehouse
        .resolution_state()
        .await
        .context("reading the previous resolution")?;
    let evidence = warehouse
        .person_evidence()
        .await
        .context("reading person records")?;
    let judgements = warehouse.judgements().await.context("reading judgements")?;
    let last_run = warehouse.last_ingest_run().await?;
    let read_secs = started.elapsed().as_secs_f64();
    // A stored model is reused unless asked, or the data has more than
    // doubled since it was trained.
    let model = state
        .model
        .filter(|m| !retrain && evidence.len() <= m.records.saturating_mul(2));
    let config = jstac_resolve::Settings {
        threshold: settings.resolve.threshold,
        max_block: settings.resolve.max_block,
        ..jstac_resolve::Settings::default()
    };
    // Records new or changed since the previous resolution: only they
    // and the clusters they touch are resolved again (with a stored model).
    // Records gone since (a retracted file's) count as changes too: every
    // record that shared a cluster with one is resolved again, so no
    // cluster stays held together by a record that is no longer there.
    let changed: Option<Vec<bool>> = {
        let present: std::collections::HashSet<&str> =
            evidence.iter().map(|e| e.key.as_str()).collect();
        let touched: std::collections::HashSet<&str> = state
            .previous
            .members
            .iter()
            .filter(|(key, _)| !present.contains(key.as_str()))
            .map(|(_, id)| id.as_str())
            .collect();
        state.last_run_id.map(|seen| {
            evidence
                .iter()
                .map(|e| {
                    e.last_run > seen
                        // Never resolved before (a replayed record keeps
                        // its original, older run).
                        || !state.previous.members.contains_key(&e.key)
                        || state
                            .previous
                            .members
                            .get(&e.key)
                            .is_some_and(|id| touched.contains(id.as_str()))
                })
                .collect()
        })
    };
    let previous = state.previous;
    let (result, previous) = tokio::task::spawn_blocking(move || {
        let r = jstac_resolve::resolve(
            &evidence,
            &judgements,
            &previous,
            model.as_ref(),
            &config,
            changed.as_deref(),
        );
        (r, previous)
    })
    .await
    .context("the resolver panicked")?;
    let resolve_secs = started.elapsed().as_secs_f64() - read_secs;
    let (resolution_id, changed) = warehouse
        .write_resolution(&result, &previous, last_run, &started_at)
        .await
        .context("writing the resolution")?;
    let summary = Summary {
        resolution_id,
        changed,
        merges: result.changes.iter().filter(|c| c.kind == "merge").count(),
        splits: result.changes.iter().filter(|c| c.kind == "split").count(),
        stats: result.stats,
        seconds: started.elapsed().as_secs_f64(),
    };
    tracing::info!(
        records = summary.stats.records,
        clusters = summary.stats.clusters,
        changed = summary.changed,
        read_secs,
        resolve_secs,
        write_secs = summary.seconds - read_secs - resolve_secs,
        "resolved"
    );
    Ok(summary)
}
