//! Entity resolution's reads and writes: the evidence of every person
//! record (from the analyst value views, which already hold each record's
//! own columns, its value rows and its linked objects), what the last
//! resolution left (IDs, model, watermark), judgements, and one
//! resolution's result written in one transaction. The resolving itself is
//! `jstac-resolve`'s.

use jstac_resolve::{
    AgeEvidence, BirthDateEvidence, Evidence, IdentifierEvidence, Judgement, Model, NameEvidence,
    Previous, Resolution, Verdict,
};
use rustc_hash::FxHashMap;
use sqlx::QueryBuilder;

use crate::db::{Warehouse, now_utc, with_pool};
use crate::error::{Result, WarehouseError};

const PERSONS: &str = "SELECT person_key, agency, dataset, CAST(first_run_id AS BIGINT), \
     CAST(last_run_id AS BIGINT), gender FROM persons ORDER BY person_key";
const NAMES: &str =
    "SELECT person_key, given_names, family_name, full_name FROM analyst_person_names";
const BIRTH_DATES: &str = "SELECT person_key, CAST(date_of_birth AS TEXT), \
     CAST(earliest AS TEXT), CAST(latest AS TEXT) FROM analyst_person_birth_dates";
const NATIONALITIES: &str =
    "SELECT person_key, country FROM analyst_person_nationalities WHERE country IS NOT NULL";
const IDENTIFIERS: &str = "SELECT person_key, COALESCE(identifier_type, ''), \
     COALESCE(identifier_normalised, identifier), country FROM analyst_person_identifiers \
     WHERE COALESCE(identifier_normalised, identifier) IS NOT NULL";
const POSTCODES: &str =
    "SELECT person_key, postcode FROM analyst_person_addresses WHERE postcode IS NOT NULL";
/// Ages given at dated events: a range of birth dates.
const AGES: &str = "SELECT l.from_key, CAST(l.age_at_event AS BIGINT), \
     CAST(COALESCE(e.occurred_from, e.reported_on) AS TEXT) FROM links l \
     JOIN events e ON e.event_key = l.to_key \
     WHERE l.from_table = 'persons' AND l.to_table = 'events' AND l.age_at_event IS NOT NULL \
     AND COALESCE(e.occurred_from, e.reported_on) IS NOT NULL";
/// Organisations a person is linked to, either way round: shared context.
const CONTEXT: &str = "SELECT l.from_key, o.name FROM links l \
     JOIN organisations o ON o.organisation_key = l.to_key \
     WHERE l.from_table = 'persons' AND l.to_table = 'organisations' AND o.name IS NOT NULL \
     UNION ALL SELECT l.to_key, o.name FROM links l \
     JOIN organisations o ON o.organisation_key = l.from_key \
     WHERE l.to_table = 'persons' AND l.from_table = 'organisations' AND o.name IS NOT NULL";

/// What the previous resolutions left.
#[derive(Debug, Default)]
pub struct ResolutionState {
    pub previous: Previous,
    /// The latest resolution's model, if any.
    pub model: Option<Model>,
    /// The highest ingest run the latest resolution had seen.
    pub last_run_id: Option<i64>,
}

type Pair = (String, Option<String>);
type Quad = (String, Option<String>, Option<String>, Option<String>);
type PersonRow = (String, String, String, i64, i64, Option<String>);
type IdRow = (String, String, Option<String>, Option<String>);
type EvidenceRows = (
    Vec<PersonRow>,
    Vec<Quad>,
    Vec<Quad>,
    Vec<Pair>,
    Vec<IdRow>,
    Vec<Pair>,
    Vec<Pair>,
    Vec<AgeRow>,
);
type AgeRow = (String, i64, String);
type StateRows = (Vec<(String, String)>, Vec<(String,)>, Option<(String, i64)>);

impl Warehouse {
    /// Every person record with all its evidence, ordered by key.
    pub async fn person_evidence(&self) -> Result<Vec<Evidence>> {
        let (persons, names, dates, nats, ids, posts, context, ages): EvidenceRows =
            with_pool!(&*self.db, |pool| {
                // As many at once as the pool has connections.
                tokio::try_join!(
                    sqlx::query_as(PERSONS).fetch_all(pool),
                    sqlx::query_as(NAMES).fetch_all(pool),
                    sqlx::query_as(BIRTH_DATES).fetch_all(pool),
                    sqlx::query_as(NATIONALITIES).fetch_all(pool),
                    sqlx::query_as(IDENTIFIERS).fetch_all(pool),
                    sqlx::query_as(POSTCODES).fetch_all(pool),
                    sqlx::query_as(CONTEXT).fetch_all(pool),
                    sqlx::query_as(AGES).fetch_all(pool),
                )?
            });
        let mut out: Vec<Evidence> = Vec::with_capacity(persons.len());
        let mut index: FxHashMap<String, usize> = FxHashMap::default();
        for (key, agency, dataset, first_run, last_run, gender) in persons {
            index.insert(key.clone(), out.len());
            out.push(Evidence {
                key,
                agency,
                dataset,
                first_run,
                last_run,
                gender,
                ..Evidence::default()
            });
        }
        let at = |key: &str| index.get(key).copied();
        for (k, given, family, full) in names {
            if let Some(i) = at(&k) {
                out[i].names.push(NameEvidence {
                    given,
                    family,
                    full,
                });
            }
        }
        for (k, date, earliest, latest) in dates {
            if let Some(i) = at(&k) {
                out[i].birth_dates.push(BirthDateEvidence {
                    date,
                    earliest,
                    latest,
                });
            }
        }
        for (k, v) in nats {
            if let (Some(i), Some(v)) = (at(&k), v) {
                out[i].nationalities.push(v);
            }
        }
        for (k, kind, value, issuer) in ids {
            if let (Some(i), Some(value)) = (at(&k), value) {
                out[i].identifiers.push(IdentifierEvidence {
                    kind,
                    value,
                    issuer,
                });
            }
        }
        for (k, v) in posts {
            if let (Some(i), Some(v)) = (at(&k), v) {
                out[i].postcodes.push(v);
            }
        }
        for (k, v) in context {
            if let (Some(i), Some(v)) = (at(&k), v) {
                out[i].context.push(v);
            }
        }
        for (k, age, on) in ages {
            if let Some(i) = at(&k) {
                out[i].ages.push(AgeEvidence { age, on });
            }
        }
        Ok(out)
    }

    /// The IDs, model and watermark the previous resolutions left.
    pub async fn resolution_state(&self) -> Result<ResolutionState> {
        let (members, used, latest): StateRows = with_pool!(&*self.db, |pool| {
            (
                sqlx::query_as("SELECT person_key, resolved_id FROM resolved_members")
                    .fetch_all(pool)
                    .await?,
                sqlx::query_as(
                    "SELECT resolved_id FROM resolved_members \
                         UNION SELECT old_id FROM resolved_history \
                         UNION SELECT new_id FROM resolved_history",
                )
                .fetch_all(pool)
                .await?,
                sqlx::query_as(
                    "SELECT model, CAST(last_run_id AS BIGINT) FROM resolution_runs \
                         ORDER BY resolution_id DESC LIMIT 1",
                )
                .fetch_optional(pool)
                .await?,
            )
        });
        let mut state = ResolutionState::default();
        state.previous.members = members.into_iter().collect();
        state.previous.used = used.into_iter().map(|(id,)| id).collect();
        if let Some((model, last_run)) = latest {
            state.model = serde_json::from_str(&model).ok();
            state.last_run_id = Some(last_run);
        }
        Ok(state)
    }

    /// The highest ingest run id (0 when none).
    pub async fn last_ingest_run(&self) -> Result<i64> {
        let (n,): (i64,) = with_pool!(&*self.db, |pool| {
            sqlx::query_as("SELECT CAST(COALESCE(MAX(run_id), 0) AS BIGINT) FROM ingest_runs")
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    /// Every judgement, oldest first (a later one on the same pair wins).
    pub async fn judgements(&self) -> Result<Vec<Judgement>> {
        let rows: Vec<(String, String, String)> = with_pool!(&*self.db, |pool| {
            sqlx::query_as("SELECT a, b, verdict FROM judgements ORDER BY judgement_id")
                .fetch_all(pool)
                .await?
        });
        let mut latest: FxHashMap<(String, String), Verdict> = FxHashMap::default();
        let mut order = Vec::new();
        for (a, b, v) in rows {
            let pair = if a <= b { (a, b) } else { (b, a) };
            let Some(v) = Verdict::parse(&v) else {
                continue;
            };
            if latest.insert(pair.clone(), v).is_none() {
                order.push(pair);
            }
        }
        Ok(order
            .into_iter()
            .map(|pair| {
                let verdict = latest[&pair];
                Judgement {
                    a: pair.0,
                    b: pair.1,
                    verdict,
                }
            })
            .collect())
    }

    /// Stores a judgement on two person records.
    pub async fn add_judgement(
        &self,
        a: &str,
        b: &str,
        verdict: Verdict,
        note: Option<&str>,
        by: &str,
    ) -> Result<()> {
        with_pool!(&*self.db, |pool| {
            sqlx::query(
                "INSERT INTO judgements (a, b, verdict, note, judged_by, judged_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(a)
            .bind(b)
            .bind(verdict.as_str())
            .bind(note)
            .bind(by)
            .bind(now_utc())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Writes a resolution in one transaction: the run, the members whose
    /// ID is new or changed (`previous` says what they had), the edges of
    /// the clusters resolved (all, or those of the resolution's scope),
    /// the history.
    /// Returns the resolution's id and the number of members written.
    pub async fn write_resolution(
        &self,
        result: &Resolution,
        previous: &Previous,
        last_run_id: i64,
        started_at: &str,
    ) -> Result<(i64, usize)> {
        let model = serde_json::to_string(&result.model)
            .map_err(|e| WarehouseError::Sqlite(format!("model JSON: {e}")))?;
        let changed: Vec<(&str, &str)> = result
            .clusters
            .iter()
            .flat_map(|c| c.members.iter().map(move |m| (m.as_str(), c.id.as_str())))
            .filter(|(k, id)| previous.members.get(*k).map(String::as_str) != Some(*id))
            .collect();
        let s = &result.stats;
        let at = now_utc();
        let id = with_pool!(&*self.db, |pool| {
            let mut tx = pool.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO resolution_runs (started_at, finished_at, records, candidate_pairs, \
                 matched_pairs, clusters, changed_records, last_run_id, model_trained, model) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 RETURNING CAST(resolution_id AS BIGINT)",
            )
            .bind(started_at)
            .bind(&at)
            .bind(s.records as i64)
            .bind(s.candidate_pairs as i64)
            .bind(s.matched_pairs as i64)
            .bind(s.clusters as i64)
            .bind(changed.len() as i64)
            .bind(last_run_id)
            .bind(i64::from(s.model_trained))
            .bind(&model)
            .fetch_one(&mut *tx)
            .await?;
            // Records no longer in the warehouse (a retracted file's) are
            // no longer members of anything.
            sqlx::query(
                "DELETE FROM resolved_members \
                 WHERE person_key NOT IN (SELECT person_key FROM persons)",
            )
            .execute(&mut *tx)
            .await?;
            for chunk in changed.chunks(1000) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO resolved_members (person_key, resolved_id, resolution_id) ",
                );
                q.push_values(chunk, |mut row, (k, rid)| {
                    row.push_bind(*k).push_bind(*rid).push_bind(id);
                });
                q.push(
                    " ON CONFLICT (person_key) DO UPDATE SET resolved_id = excluded.resolved_id, \
                     resolution_id = excluded.resolution_id",
                );
                q.build().execute(&mut *tx).await?;
            }
            match &result.scope {
                None => {
                    sqlx::query("DELETE FROM resolution_edges")
                        .execute(&mut *tx)
                        .await?;
                }
                Some(ids) => {
                    for chunk in ids.chunks(1000) {
                        let mut q = QueryBuilder::new(
                            "DELETE FROM resolution_edges WHERE resolved_id IN (",
                        );
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id);
                        }
                        q.push(")");
                        q.build().execute(&mut *tx).await?;
                    }
                }
            }
            for chunk in result.edges.chunks(1000) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO resolution_edges (resolved_id, a, b, kind, weight, probability, \
                     features, reason, resolution_id) ",
                );
                q.push_values(chunk, |mut row, e| {
                    row.push_bind(&e.resolved_id)
                        .push_bind(&e.a)
                        .push_bind(&e.b)
                        .push_bind(e.kind.as_str())
                        .push_bind(e.weight)
                        .push_bind(e.probability)
                        .push_bind(&e.features)
                        .push_bind(&e.reason)
                        .push_bind(id);
                });
                q.build().execute(&mut *tx).await?;
            }
            for c in &result.changes {
                sqlx::query(
                    "INSERT INTO resolved_history (old_id, new_id, kind, why, resolution_id, \
                     changed_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&c.old)
                .bind(&c.new)
                .bind(c.kind)
                .bind(&c.why)
                .bind(id)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            id
        });
        Ok((id, changed.len()))
    }
}
