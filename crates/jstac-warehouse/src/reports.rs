//! The analysts' reports (`jstac report NAME`): every figure is counted by
//! SQL in the warehouse; Rust only arranges the counts and works out
//! shares and changes from them.
//!
//! The SQL is portable to PostgreSQL 15: a year is a range of ISO dates
//! (`referred_on >= '2016-01-01' AND referred_on < '2017-01-01'`: text
//! order on SQLite, `date` comparison on PostgreSQL, whatever its
//! DateStyle), counts are cast to `BIGINT`, and nothing SQLite-only is used
//! (no `strftime`, `printf`, `group_concat`, `IIF`).

use serde_json::{Value as Json, json};

use crate::db::Warehouse;
use crate::error::Result;
use crate::read::QueryResult;

/// Referrals whose referral date falls in the year `{year}` (up to `{next}`).
const NRM_YEAR: &str =
    "FROM nrm_referrals WHERE referred_on >= '{year}-01-01' AND referred_on < '{next}-01-01'";

/// `nrm-summary`: the counts of one year's referrals.
const NRM_TOTAL: &str = "SELECT CAST(COUNT(*) AS BIGINT) AS n, \
     CAST(COUNT(DISTINCT nationality) AS BIGINT) AS nationalities {from}";
const NRM_BY_NATIONALITY: &str = "SELECT nationality AS item, CAST(COUNT(*) AS BIGINT) AS n {from} \
     AND nationality IS NOT NULL GROUP BY nationality ORDER BY n DESC, nationality LIMIT 10";
const NRM_BY_EXPLOITATION: &str = "SELECT COALESCE(exploitation_type, 'not recorded') AS item, \
     CAST(COUNT(*) AS BIGINT) AS n {from} GROUP BY exploitation_type ORDER BY n DESC, item";
const NRM_BY_AGE: &str = "SELECT COALESCE(age_group, 'not recorded') AS item, \
     CAST(COUNT(*) AS BIGINT) AS n {from} GROUP BY age_group ORDER BY n DESC, item";

/// `agency-coverage`. A person's **exact key** is `persons.name_key` (the
/// name normalisers' match key: `HOXHA, Ana` and `Ana Hoxha` both give
/// `ana hoxha`) with `persons.date_of_birth`, both present; a person is
/// known to two or more agencies when persons rows of two or more agencies
/// share that key exactly.
/// Records per agency, each file's content counted once: a file loaded
/// again with `--force` counts by its latest load.
const COVERAGE_RECORDS: &str = "SELECT r.agency AS agency, \
     CAST(SUM(f.records_loaded) AS BIGINT) AS records \
     FROM source_files f JOIN ingest_runs r ON r.run_id = f.run_id \
     WHERE f.file_id IN (SELECT MAX(file_id) FROM source_files GROUP BY pipeline, sha256) \
     GROUP BY r.agency";
const COVERAGE_PERSONS: &str = "SELECT agency, CAST(COUNT(*) AS BIGINT) AS persons, \
     CAST(COUNT(name_key) AS BIGINT) AS named, \
     CAST(SUM(CASE WHEN name_key IS NOT NULL AND date_of_birth IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS keyed \
     FROM persons GROUP BY agency";
const COVERAGE_SHARED_KEYS: &str = "WITH keyed AS ( \
       SELECT DISTINCT agency, name_key, CAST(date_of_birth AS TEXT) AS dob FROM persons \
       WHERE name_key IS NOT NULL AND date_of_birth IS NOT NULL), \
     shared AS (SELECT name_key, dob FROM keyed GROUP BY name_key, dob HAVING COUNT(*) > 1)";
const COVERAGE_SHARED_BY_AGENCY: &str = "{shared} \
     SELECT p.agency AS agency, CAST(COUNT(*) AS BIGINT) AS n FROM persons p \
     JOIN shared s ON s.name_key = p.name_key AND s.dob = CAST(p.date_of_birth AS TEXT) \
     GROUP BY p.agency";
const COVERAGE_SHARED_TOTAL: &str = "{shared} SELECT CAST(COUNT(*) AS BIGINT) AS n FROM shared";

/// `agency-coverage` through resolution: per resolved person, how many
/// agencies hold a record of it.
const RESOLVED_AGENCIES: &str = "SELECT m.resolved_id, COUNT(DISTINCT p.agency) AS n \
     FROM resolved_members m JOIN persons p ON p.person_key = m.person_key \
     GROUP BY m.resolved_id";
/// Per agency: resolved persons with a record there, and those of them
/// also known to another agency.
const COVERAGE_RESOLVED: &str = "SELECT p.agency AS agency, \
     CAST(COUNT(DISTINCT m.resolved_id) AS BIGINT) AS resolved, \
     CAST(COUNT(DISTINCT CASE WHEN x.n > 1 THEN m.resolved_id END) AS BIGINT) AS elsewhere \
     FROM persons p JOIN resolved_members m ON m.person_key = p.person_key \
     JOIN ({per_person}) x ON x.resolved_id = m.resolved_id GROUP BY p.agency";
const COVERAGE_RESOLVED_TOTAL: &str =
    "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ({per_person}) x WHERE x.n > 1";
/// Per pair of agencies: resolved persons known to both.
const COVERAGE_RESOLVED_PAIRS: &str = "SELECT a.agency AS a, b.agency AS b, \
     CAST(COUNT(*) AS BIGINT) AS n FROM \
     (SELECT DISTINCT m.resolved_id, p.agency FROM resolved_members m \
      JOIN persons p ON p.person_key = m.person_key) a \
     JOIN (SELECT DISTINCT m.resolved_id, p.agency FROM resolved_members m \
      JOIN persons p ON p.person_key = m.person_key) b \
     ON a.resolved_id = b.resolved_id AND a.agency < b.agency \
     GROUP BY a.agency, b.agency ORDER BY a.agency, b.agency";

/// `data-quality`: per run and counted field.
const DATA_QUALITY: &str = "SELECT s.run_id AS run_id, r.pipeline AS pipeline, s.rule AS rule, \
     s.field AS field, s.normaliser AS normaliser, \
     CAST(s.normalised AS BIGINT) AS normalised, CAST(s.unmatched AS BIGINT) AS unmatched, \
     CAST(s.quarantined AS BIGINT) AS quarantined \
     FROM run_field_stats s JOIN ingest_runs r ON r.run_id = s.run_id \
     WHERE {run} ORDER BY s.run_id, s.rule";

fn int(value: &Json) -> i64 {
    match value {
        Json::Number(n) => n
            .as_i64()
            .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64),
        Json::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// A share in percent, one decimal.
fn percent(part: i64, whole: i64) -> Json {
    if whole == 0 {
        return Json::Null;
    }
    json!((part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

impl Warehouse {
    async fn pairs(&self, sql: &str) -> Result<Vec<(String, i64)>> {
        let result = self.query(sql).await?;
        Ok(result
            .rows
            .iter()
            .map(|row| (text(&row[0]), int(&row[1])))
            .collect())
    }

    /// `nrm-summary`: one year's NRM referrals (one potential victim each):
    /// the total, the number of nationalities, the change on the previous
    /// year, the top ten nationalities (ISO alpha-3), exploitation types and
    /// age groups. Columns `section`, `item`, `count`, `percent` (of the
    /// year's total; for the change, on the previous year).
    pub async fn nrm_summary(&self, year: i32) -> Result<QueryResult> {
        let from = |y: i32| {
            NRM_YEAR
                .replace("{year}", &format!("{y:04}"))
                .replace("{next}", &format!("{:04}", y + 1))
        };
        let this = from(year);
        let totals = self.query(&NRM_TOTAL.replace("{from}", &this)).await?;
        let (total, nationalities) = totals
            .rows
            .first()
            .map_or((0, 0), |r| (int(&r[0]), int(&r[1])));
        let previous = self
            .query(&NRM_TOTAL.replace("{from}", &from(year - 1)))
            .await?;
        let previous = previous.rows.first().map_or(0, |r| int(&r[0]));
        let mut rows = vec![
            vec![
                json!("total"),
                json!("potential victims"),
                json!(total),
                Json::Null,
            ],
            vec![
                json!("nationalities"),
                json!("distinct nationalities"),
                json!(nationalities),
                Json::Null,
            ],
            vec![
                json!("change"),
                json!(format!("on {} ({previous})", year - 1)),
                json!(total - previous),
                percent(total - previous, previous),
            ],
        ];
        for (section, sql) in [
            ("nationality", NRM_BY_NATIONALITY),
            ("exploitation type", NRM_BY_EXPLOITATION),
            ("age group", NRM_BY_AGE),
        ] {
            for (item, n) in self.pairs(&sql.replace("{from}", &this)).await? {
                rows.push(vec![
                    json!(section),
                    json!(item),
                    json!(n),
                    percent(n, total),
                ]);
            }
        }
        Ok(QueryResult {
            columns: ["section", "item", "count", "percent"]
                .map(String::from)
                .to_vec(),
            rows,
        })
    }

    /// `agency-coverage`: per agency, source records loaded, persons, persons
    /// with an exact key (name key and date of birth), and persons whose
    /// exact key another agency's persons share; then, through resolution
    /// (`jstac resolve`), the resolved persons with a record there and how
    /// many of them another agency also knows. A row `all agencies`: the
    /// number of distinct exact keys, and of resolved persons, known to two
    /// or more agencies. Then one row per pair of agencies (`A + B`): the
    /// resolved persons known to both.
    pub async fn agency_coverage(&self) -> Result<QueryResult> {
        let records = self.pairs(COVERAGE_RECORDS).await?;
        let persons = self.query(COVERAGE_PERSONS).await?;
        let shared_sql = COVERAGE_SHARED_BY_AGENCY.replace("{shared}", COVERAGE_SHARED_KEYS);
        let shared = self.pairs(&shared_sql).await?;
        let total_sql = COVERAGE_SHARED_TOTAL.replace("{shared}", COVERAGE_SHARED_KEYS);
        let shared_total = self
            .query(&total_sql)
            .await?
            .rows
            .first()
            .map_or(0, |r| int(&r[0]));
        let mut agencies: Vec<String> = records.iter().map(|(a, _)| a.clone()).collect();
        for row in &persons.rows {
            agencies.push(text(&row[0]));
        }
        agencies.sort();
        agencies.dedup();
        let find = |list: &[(String, i64)], agency: &str| {
            list.iter()
                .find(|(a, _)| a == agency)
                .map_or(0, |(_, n)| *n)
        };
        let per_person = |sql: &str| sql.replace("{per_person}", RESOLVED_AGENCIES);
        let resolved = self.query(&per_person(COVERAGE_RESOLVED)).await?;
        let resolved_total = self
            .query(&per_person(COVERAGE_RESOLVED_TOTAL))
            .await?
            .rows
            .first()
            .map_or(0, |r| int(&r[0]));
        let pairs = self.query(COVERAGE_RESOLVED_PAIRS).await?;
        let mut rows = Vec::new();
        let (mut all_records, mut all_persons, mut all_keyed, mut all_resolved) = (0, 0, 0, 0);
        for agency in &agencies {
            let person_row = persons.rows.iter().find(|r| text(&r[0]) == *agency);
            let (n, keyed) = person_row.map_or((0, 0), |r| (int(&r[1]), int(&r[3])));
            let shared_here = find(&shared, agency);
            let recs = find(&records, agency);
            all_records += recs;
            all_persons += n;
            all_keyed += keyed;
            let resolved_row = resolved.rows.iter().find(|r| text(&r[0]) == *agency);
            let (people, elsewhere) = resolved_row.map_or((0, 0), |r| (int(&r[1]), int(&r[2])));
            all_resolved += people;
            rows.push(vec![
                json!(agency),
                json!(recs),
                json!(n),
                json!(keyed),
                json!(shared_here),
                percent(shared_here, n),
                json!(people),
                json!(elsewhere),
                percent(elsewhere, people),
            ]);
        }
        rows.push(vec![
            json!("all agencies"),
            json!(all_records),
            json!(all_persons),
            json!(all_keyed),
            json!(shared_total),
            Json::Null,
            json!(all_resolved),
            json!(resolved_total),
            Json::Null,
        ]);
        for pair in &pairs.rows {
            let mut row = vec![json!(format!("{} + {}", text(&pair[0]), text(&pair[1])))];
            row.extend([
                Json::Null,
                Json::Null,
                Json::Null,
                Json::Null,
                Json::Null,
                Json::Null,
            ]);
            row.extend([json!(int(&pair[2])), Json::Null]);
            rows.push(row);
        }
        Ok(QueryResult {
            columns: [
                "agency",
                "records",
                "persons",
                "persons_with_exact_key",
                "known_to_other_agencies",
                "percent_known_elsewhere",
                "resolved_persons",
                "resolved_known_elsewhere",
                "percent_resolved_known_elsewhere",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        })
    }

    /// `data-quality`: per run (all, or one) and counted field (normaliser,
    /// lookup, date with options): values normalised, unmatched, records
    /// quarantined, and the share of the field's values normalised.
    pub async fn data_quality(&self, run_id: Option<i64>) -> Result<QueryResult> {
        let filter = run_id.map_or("1 = 1".to_owned(), |id| format!("s.run_id = {id}"));
        let mut result = self.query(&DATA_QUALITY.replace("{run}", &filter)).await?;
        if result.columns.is_empty() {
            result.columns = [
                "run_id",
                "pipeline",
                "rule",
                "field",
                "normaliser",
                "normalised",
                "unmatched",
                "quarantined",
            ]
            .map(String::from)
            .to_vec();
        }
        result.columns.push("percent_normalised".to_owned());
        for row in &mut result.rows {
            let (normalised, unmatched) = (int(&row[5]), int(&row[6]));
            row.push(percent(normalised, normalised + unmatched));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_avoids_what_postgresql_lacks() {
        for sql in [
            NRM_YEAR,
            NRM_TOTAL,
            NRM_BY_NATIONALITY,
            NRM_BY_EXPLOITATION,
            NRM_BY_AGE,
            COVERAGE_RECORDS,
            COVERAGE_PERSONS,
            COVERAGE_SHARED_KEYS,
            COVERAGE_SHARED_BY_AGENCY,
            COVERAGE_SHARED_TOTAL,
            RESOLVED_AGENCIES,
            COVERAGE_RESOLVED,
            COVERAGE_RESOLVED_TOTAL,
            COVERAGE_RESOLVED_PAIRS,
            DATA_QUALITY,
        ] {
            let lower = sql.to_lowercase();
            for word in [
                "strftime",
                "printf",
                "group_concat",
                "iif(",
                "ifnull",
                "julianday",
            ] {
                assert!(!lower.contains(word), "{word} in {sql}");
            }
        }
        assert_eq!(percent(555, 3_250), json!(17.1));
        assert_eq!(percent(1, 0), Json::Null);
    }
}
