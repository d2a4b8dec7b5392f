//! The hash-chained ledger (schema v9): a row per file loaded or retracted,
//! each holding the previous row's hash, and the digest of the rows a file
//! loaded. The same code computes them when a file commits and when
//! `jstac verify` checks them.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The advisory lock (PostgreSQL) under which a row is appended: two
/// datasets loading in parallel take turns at the chain's end, so it never
/// forks. Held from the append to the commit, which follows at once.
pub(crate) const LEDGER_LOCK: i64 = 0x6a73_7461_635f_6c67; // "jstac_lg"

/// Tables whose rows a file's digest covers, in digest order, with the
/// query reading one file's rows in key order (every column as the load
/// wrote it; the same text on both backends).
pub(crate) const DIGESTED: [(&str, &str); 3] = [
    (
        "source_records",
        "SELECT CAST(record_no AS TEXT), CAST(run_id AS TEXT), locator,
                source_evaluation, intelligence_assessment, handling_code, raw
         FROM source_records WHERE file_id = $1 ORDER BY record_no",
    ),
    (
        "assertions",
        "SELECT entity_key, CAST(record_no AS TEXT), entity_table, CAST(run_id AS TEXT),
                NULL, NULL, NULL
         FROM assertions WHERE file_id = $1 ORDER BY record_no, entity_key",
    ),
    (
        "quarantine",
        "SELECT locator, CAST(run_id AS TEXT), field, reason, raw_record, NULL, NULL
         FROM quarantine WHERE file_id = $1 ORDER BY quarantine_id",
    ),
];

/// One digested row: seven text columns (unused ones null).
pub(crate) type DigestRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A running SHA-256 over rows, each column length-prefixed (so no two
/// different rows hash alike) and null distinct from empty.
#[derive(Default)]
pub(crate) struct RowHasher(Sha256);

impl RowHasher {
    /// One row read back (`verify`).
    pub(crate) fn row(&mut self, row: &DigestRow) {
        let (a, b, c, d, e, f, g) = row;
        self.columns([a, b, c, d, e, f, g].map(Option::as_deref));
    }

    pub(crate) fn columns(&mut self, columns: [Option<&str>; 7]) {
        for column in columns {
            match column {
                None => self.0.update(b"N"),
                Some(text) => {
                    self.0.update((text.len() as u64).to_be_bytes());
                    self.0.update(text.as_bytes());
                }
            }
        }
        self.0.update(b"\n");
    }

    pub(crate) fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// The digest of the rows one file loaded, in transaction `$tx` (either
/// backend): each [`DIGESTED`] table's SHA-256, joined by `.`, streamed
/// (memory does not grow with the file).
macro_rules! file_digest {
    ($tx:expr, $file_id:expr) => {
        async {
            use futures_util::TryStreamExt as _;
            let mut parts: Vec<String> = Vec::new();
            for (_, sql) in $crate::chain::DIGESTED {
                let mut hasher = $crate::chain::RowHasher::default();
                let mut rows = sqlx::query_as::<_, $crate::chain::DigestRow>(sql)
                    .bind($file_id)
                    .fetch(&mut *$tx);
                while let Some(row) = rows.try_next().await? {
                    hasher.row(&row);
                }
                parts.push(hasher.finish());
            }
            Ok::<String, $crate::error::WarehouseError>(parts.join("."))
        }
    };
}
pub(crate) use file_digest;

/// The digest of the rows a file loads, computed by the load as it writes
/// each chunk (no read-back: reading a file's rows back through sqlx at
/// commit doubled a SQLite load), in the order [`DIGESTED`] reads them
/// back: records in record order, assertions by record then key,
/// quarantine in file order.
#[derive(Default)]
pub(crate) struct FileDigest([RowHasher; 3]);

impl FileDigest {
    pub(crate) fn add_chunk(&mut self, chunk: &crate::chunk::Chunk<'_>, run_id: i64) {
        let run = run_id.to_string();
        let mut number = String::new();
        for record in chunk.records() {
            number.clear();
            number.push_str(&record.record_no.to_string());
            self.0[0].columns([
                Some(&number),
                Some(&run),
                Some(record.locator),
                record.grading.source_evaluation,
                record.grading.intelligence_assessment,
                record.grading.handling_code,
                Some(record.raw),
            ]);
        }
        let mut assertions: Vec<(i64, [u8; 32], &str)> = chunk
            .assertions
            .iter()
            .map(|a| (a.record_no, a.key.hex(), a.table))
            .collect();
        assertions.sort_unstable();
        for (record_no, key, table) in &assertions {
            let number = record_no.to_string();
            self.0[1].columns([
                std::str::from_utf8(key).ok(),
                Some(&number),
                Some(table),
                Some(&run),
                None,
                None,
                None,
            ]);
        }
        for entry in chunk.quarantine() {
            self.0[2].columns([
                Some(&entry.locator),
                Some(&run),
                entry.field.as_deref(),
                Some(&entry.reason),
                Some(&entry.raw),
                None,
                None,
            ]);
        }
    }

    /// The digest as [`file_digest!`] gives it.
    pub(crate) fn finish(self) -> String {
        let [a, b, c] = self.0;
        [a.finish(), b.finish(), c.finish()].join(".")
    }
}

/// The tables of a digest whose part differs between `stored` and `found`.
pub(crate) fn differing_tables(stored: &str, found: &str) -> Vec<&'static str> {
    let stored: Vec<&str> = stored.split('.').collect();
    let found: Vec<&str> = found.split('.').collect();
    DIGESTED
        .iter()
        .enumerate()
        .filter(|(i, _)| stored.get(*i) != found.get(*i))
        .map(|(_, (table, _))| *table)
        .collect()
}

/// One ledger row, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerRow {
    pub seq: i64,
    /// `load` or `retract`.
    pub kind: String,
    pub at: String,
    pub actor: String,
    pub file_id: i64,
    pub run_id: i64,
    pub pipeline: String,
    pub path: String,
    pub sha256: String,
    pub pipeline_sha256: String,
    pub plugin: String,
    pub plugin_version: String,
    pub reason: Option<String>,
    pub records: i64,
    pub rows_digest: String,
    pub prev_hash: String,
    pub hash: String,
}

pub(crate) const LEDGER_COLUMNS: &str = "seq, kind, at, actor, file_id, run_id, pipeline, path, sha256, \
     pipeline_sha256, plugin, plugin_version, reason, records, rows_digest, prev_hash, hash";

impl LedgerRow {
    /// The row's hash: SHA-256 over every field but `seq` and `hash`
    /// (length-prefixed), `prev_hash` included, so a row changed, or one
    /// removed or added before another, breaks the chain from there.
    pub fn compute_hash(&self) -> String {
        let mut hasher = RowHasher::default();
        let text = |n: i64| Some(n.to_string());
        hasher.row(&(
            Some("jstac-ledger-1".to_owned()),
            Some(self.kind.clone()),
            Some(self.at.clone()),
            Some(self.actor.clone()),
            text(self.file_id),
            text(self.run_id),
            Some(self.pipeline.clone()),
        ));
        hasher.row(&(
            Some(self.path.clone()),
            Some(self.sha256.clone()),
            Some(self.pipeline_sha256.clone()),
            Some(self.plugin.clone()),
            Some(self.plugin_version.clone()),
            self.reason.clone(),
            text(self.records),
        ));
        hasher.row(&(
            Some(self.rows_digest.clone()),
            Some(self.prev_hash.clone()),
            None,
            None,
            None,
            None,
            None,
        ));
        hasher.finish()
    }
}

/// Appends `$row` (its `prev_hash` and `hash` filled here) to the ledger in
/// transaction `$tx`; the caller holds the write lock (SQLite) or
/// [`LEDGER_LOCK`] (PostgreSQL).
macro_rules! append_link {
    ($tx:expr, $row:expr) => {
        async {
            let row: &mut $crate::chain::LedgerRow = $row;
            let prev: Option<String> =
                sqlx::query_scalar("SELECT hash FROM ledger ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *$tx)
                    .await?;
            row.prev_hash = prev.unwrap_or_else(|| $crate::chain::GENESIS.to_owned());
            row.hash = row.compute_hash();
            sqlx::query(
                "INSERT INTO ledger (kind, at, actor, file_id, run_id, pipeline, path, sha256,
                                     pipeline_sha256, plugin, plugin_version, reason, records,
                                     rows_digest, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(&row.kind)
            .bind(&row.at)
            .bind(&row.actor)
            .bind(row.file_id)
            .bind(row.run_id)
            .bind(&row.pipeline)
            .bind(&row.path)
            .bind(&row.sha256)
            .bind(&row.pipeline_sha256)
            .bind(&row.plugin)
            .bind(&row.plugin_version)
            .bind(&row.reason)
            .bind(row.records)
            .bind(&row.rows_digest)
            .bind(&row.prev_hash)
            .bind(&row.hash)
            .execute(&mut *$tx)
            .await?;
            Ok::<(), $crate::error::WarehouseError>(())
        }
    };
}
pub(crate) use append_link;
