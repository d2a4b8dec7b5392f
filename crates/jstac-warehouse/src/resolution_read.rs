//! Reading resolution back for analysts: what a reference (a person key,
//! a resolved ID, or a retired ID) leads to, a resolved person's records
//! and the edges that explain it.

use crate::db::{Warehouse, with_pool};
use crate::error::Result;

type ReferenceRows = (
    Option<(String, Option<String>)>,
    Option<(String,)>,
    Vec<(String, String)>,
);

/// One record of a resolved person, as `jstac explain` prints it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResolvedRecord {
    pub person_key: String,
    pub agency: String,
    pub dataset: String,
    pub name: Option<String>,
    pub date_of_birth: Option<String>,
    pub nationality: Option<String>,
}

/// One stored edge (a link, a judgement, or a candidate kept apart).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEdge {
    pub a: String,
    pub b: String,
    pub kind: String,
    pub weight: Option<f64>,
    pub probability: Option<f64>,
    pub features: String,
    pub reason: Option<String>,
}

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A person record, and its current resolved ID (if resolved).
    Record {
        key: String,
        resolved: Option<String>,
    },
    /// A current resolved ID.
    Resolved(String),
    /// A retired ID and the IDs its records went to (merge or split).
    Retired {
        id: String,
        now: Vec<(String, String)>,
    },
    Unknown,
}

impl Warehouse {
    /// What `reference` names: a person key, a current resolved ID, or an
    /// ID retired by a merge or split (with where its records went).
    pub async fn resolve_reference(&self, reference: &str) -> Result<Reference> {
        let (record, member, history): ReferenceRows = with_pool!(&*self.db, |pool| {
            (
                sqlx::query_as(
                    "SELECT p.person_key, m.resolved_id FROM persons p \
                     LEFT JOIN resolved_members m ON m.person_key = p.person_key \
                     WHERE p.person_key = $1",
                )
                .bind(reference)
                .fetch_optional(pool)
                .await?,
                sqlx::query_as(
                    "SELECT resolved_id FROM resolved_members WHERE resolved_id = $1 LIMIT 1",
                )
                .bind(reference)
                .fetch_optional(pool)
                .await?,
                sqlx::query_as(
                    "SELECT new_id, kind FROM resolved_history WHERE old_id = $1 \
                     ORDER BY resolution_id, new_id",
                )
                .bind(reference)
                .fetch_all(pool)
                .await?,
            )
        });
        Ok(match (record, member) {
            (Some((key, resolved)), _) => Reference::Record { key, resolved },
            (None, Some((id,))) => Reference::Resolved(id),
            (None, None) if !history.is_empty() => Reference::Retired {
                id: reference.to_owned(),
                now: history,
            },
            _ => Reference::Unknown,
        })
    }

    /// The records of a resolved person, anchor (first seen) first.
    pub async fn resolved_records(&self, id: &str) -> Result<Vec<ResolvedRecord>> {
        Ok(with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT p.person_key, p.agency, p.dataset, \
                 COALESCE(p.full_name, TRIM(COALESCE(p.given_names, '') || ' ' || \
                 COALESCE(p.family_name, ''))) AS name, \
                 CAST(p.date_of_birth AS TEXT) AS date_of_birth, p.nationality \
                 FROM resolved_members m JOIN persons p ON p.person_key = m.person_key \
                 WHERE m.resolved_id = $1 ORDER BY p.first_run_id, p.person_key",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The stored edges of a resolved person: links strongest first, then
    /// the candidate kept apart.
    pub async fn resolution_edges(&self, id: &str) -> Result<Vec<StoredEdge>> {
        Ok(with_pool!(&*self.db, |pool| {
            sqlx::query_as(
                "SELECT a, b, kind, CAST(weight AS DOUBLE PRECISION) AS weight, \
                 CAST(probability AS DOUBLE PRECISION) AS probability, features, reason \
                 FROM resolution_edges WHERE resolved_id = $1 \
                 ORDER BY CASE WHEN kind = 'kept apart' THEN 1 ELSE 0 END, \
                 CASE WHEN weight IS NULL THEN 0 ELSE 1 END, weight DESC, a, b",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }
}
