//! The PostgreSQL bulk path: a chunk's rows stream to the server with
//! `COPY … FROM STDIN` (text format), inside the file's transaction.
//!
//! Entity and link rows go to a temporary staging table per mapping rule
//! (created on the file's first chunk, dropped at commit or rollback), then
//! one `INSERT … SELECT … ON CONFLICT (key) DO UPDATE` per rule upserts them
//! by stable key. Assertions and quarantine entries are only ever added, so
//! they are copied straight into their tables.

use std::collections::HashMap;
use std::fmt::Write as _;

use jstac_core::Value;
use sqlx::{AssertSqlSafe, Postgres, Transaction};

use crate::chunk::{Chunk, LoadContext, Placed, format_dates, in_round};
use crate::error::{Result, WarehouseError};

/// Bytes of COPY data sent to the server at a time.
const COPY_BUFFER: usize = 1 << 20;

/// A file's transaction on PostgreSQL, and the staging tables it has made.
pub(crate) struct PgLoad {
    tx: Transaction<'static, Postgres>,
    /// Staging tables made, each with the table and columns it stages.
    staged: HashMap<String, String>,
}

impl PgLoad {
    pub(crate) fn new(tx: Transaction<'static, Postgres>) -> Self {
        PgLoad {
            tx,
            staged: HashMap::new(),
        }
    }

    pub(crate) fn into_transaction(self) -> Transaction<'static, Postgres> {
        self.tx
    }

    pub(crate) fn transaction(&mut self) -> &mut Transaction<'static, Postgres> {
        &mut self.tx
    }

    pub(crate) async fn write_chunk(
        &mut self,
        chunk: &Chunk<'_>,
        context: &LoadContext<'_>,
    ) -> Result<()> {
        let mut dates = Vec::new();
        let mut data = Vec::with_capacity(COPY_BUFFER + 4096);
        // Round by round (see `Chunk`), each rule's rows of the round
        // copied into its staging table and upserted from there.
        for round in 0..chunk.rounds {
            for (index, entity) in chunk.entities.iter().enumerate() {
                let mut rows = in_round(&entity.rows, round).peekable();
                if rows.peek().is_none() {
                    continue;
                }
                let fixed = [entity.table.key_column, "source_locator"];
                let stage = format!("jstac_stage_entity_{index}");
                let columns = column_list(fixed.iter().chain(entity.columns));
                self.stage(&stage, entity.table.name, &columns).await?;
                let mut copy = Copy::begin(&mut self.tx, &stage, &columns).await?;
                for &Placed { row, batch, .. } in rows {
                    format_dates(&row.values, &mut dates);
                    data.extend_from_slice(&row.key.hex());
                    field(&mut data, &batch.locators[row.record]);
                    values(&mut data, &row.values, &dates);
                    data.push(b'\n');
                    copy.flush_if_full(&mut data).await?;
                }
                copy.finish(&mut data).await?;
                self.upsert(
                    &stage,
                    entity.table.name,
                    entity.table.key_column,
                    &columns,
                    context,
                )
                .await?;
            }
            for (rule, link_columns) in chunk.link_columns.iter().enumerate() {
                let mut rows = in_round(&chunk.links, round)
                    .filter(|placed| placed.row.rule == rule)
                    .peekable();
                if rows.peek().is_none() {
                    continue;
                }
                let fixed = [
                    "link_key",
                    "source_locator",
                    "from_table",
                    "from_key",
                    "to_table",
                    "to_key",
                ];
                let stage = format!("jstac_stage_link_{rule}");
                let columns = column_list(fixed.iter().chain(link_columns));
                self.stage(&stage, "links", &columns).await?;
                let mut copy = Copy::begin(&mut self.tx, &stage, &columns).await?;
                for &Placed {
                    row: link, batch, ..
                } in rows
                {
                    format_dates(&link.values, &mut dates);
                    data.extend_from_slice(&link.key.hex());
                    field(&mut data, &batch.locators[link.record]);
                    field(&mut data, link.from_table);
                    data.push(b'\t');
                    data.extend_from_slice(&link.from_key.hex());
                    field(&mut data, link.to_table);
                    data.push(b'\t');
                    data.extend_from_slice(&link.to_key.hex());
                    values(&mut data, &link.values, &dates);
                    data.push(b'\n');
                    copy.flush_if_full(&mut data).await?;
                }
                copy.finish(&mut data).await?;
                self.upsert(&stage, "links", "link_key", &columns, context)
                    .await?;
            }
        }
        if context.rows_only {
            return Ok(());
        }
        let mut records = chunk.records().peekable();
        if records.peek().is_some() {
            let columns = "file_id, record_no, run_id, locator, source_evaluation, \
                           intelligence_assessment, handling_code, raw";
            let mut copy = Copy::begin(&mut self.tx, "source_records", columns).await?;
            for record in records {
                let _ = write!(
                    Bytes(&mut data),
                    "{}\t{}\t{}",
                    context.file_id,
                    record.record_no,
                    context.run_id
                );
                field(&mut data, record.locator);
                for part in [
                    record.grading.source_evaluation,
                    record.grading.intelligence_assessment,
                    record.grading.handling_code,
                ] {
                    match part {
                        Some(grade) => field(&mut data, grade),
                        None => data.extend_from_slice(b"\t\\N"),
                    }
                }
                field(&mut data, record.raw);
                data.push(b'\n');
                copy.flush_if_full(&mut data).await?;
            }
            copy.finish(&mut data).await?;
        }
        if !chunk.assertions.is_empty() {
            let columns = "entity_key, file_id, record_no, entity_table, run_id";
            let mut copy = Copy::begin(&mut self.tx, "assertions", columns).await?;
            for assertion in &chunk.assertions {
                data.extend_from_slice(&assertion.key.hex());
                let _ = write!(
                    Bytes(&mut data),
                    "\t{}\t{}",
                    context.file_id,
                    assertion.record_no
                );
                field(&mut data, assertion.table);
                let _ = writeln!(Bytes(&mut data), "\t{}", context.run_id);
                copy.flush_if_full(&mut data).await?;
            }
            copy.finish(&mut data).await?;
        }
        let mut quarantine = chunk.quarantine().peekable();
        if quarantine.peek().is_some() {
            let columns = "run_id, file_id, locator, field, reason, raw_record";
            let mut copy = Copy::begin(&mut self.tx, "quarantine", columns).await?;
            for entry in quarantine {
                let _ = write!(Bytes(&mut data), "{}\t{}", context.run_id, context.file_id);
                field(&mut data, &entry.locator);
                match &entry.field {
                    Some(name) => field(&mut data, name),
                    None => data.extend_from_slice(b"\t\\N"),
                }
                field(&mut data, &entry.reason);
                field(&mut data, &entry.raw);
                data.push(b'\n');
                copy.flush_if_full(&mut data).await?;
            }
            copy.finish(&mut data).await?;
        }
        Ok(())
    }

    /// Makes (on the file's first chunk) or empties the staging table
    /// `stage`: `columns` of `table`, with their types and no constraint.
    async fn stage(&mut self, stage: &str, table: &str, columns: &str) -> Result<()> {
        // A retraction re-derives rows of several pipelines in one
        // transaction: a stage of another shape is made again.
        let shape = format!("{table}({columns})");
        let sql = match self.staged.insert(stage.to_owned(), shape.clone()) {
            Some(previous) if previous == shape => format!("TRUNCATE {stage}"),
            previous => {
                if previous.is_some() {
                    sqlx::query(AssertSqlSafe(format!("DROP TABLE {stage}")))
                        .execute(&mut *self.tx)
                        .await?;
                }
                format!(
                    "CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
                )
            }
        };
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Upserts the staged rows into `table` by its key: new keys inserted,
    /// known ones updated (the update keeps `first_run_id`).
    async fn upsert(
        &mut self,
        stage: &str,
        table: &str,
        key_column: &str,
        columns: &str,
        context: &LoadContext<'_>,
    ) -> Result<()> {
        let mut sql = format!(
            "INSERT INTO {table} (agency, dataset, first_run_id, last_run_id, source_file_id, {columns}) \
             SELECT $1, $2, $3, $3, $4, {columns} FROM {stage} \
             ON CONFLICT ({key_column}) DO UPDATE SET last_run_id = excluded.last_run_id, \
             source_file_id = excluded.source_file_id"
        );
        for column in columns.split(", ").filter(|c| *c != key_column) {
            let _ = write!(sql, ", {column} = excluded.{column}");
        }
        sqlx::query(AssertSqlSafe(sql))
            .bind(context.agency)
            .bind(context.dataset)
            .bind(context.run_id)
            .bind(context.file_id)
            .execute(&mut *self.tx)
            .await
            .map_err(|error| row_error(&format!("upserting {table}"), error))?;
        Ok(())
    }
}

/// An error PostgreSQL gave for rows being loaded, without its message when
/// the message may quote a value (data exceptions, class 22, and integrity
/// violations, class 23: `value out of range: "…"`, `Key (…)=(…)`): the
/// SQLSTATE, table, column and constraint say what went wrong; the values
/// are personal data and never reach errors or logs.
fn row_error(doing: &str, error: sqlx::Error) -> WarehouseError {
    let Some(database) = error.as_database_error() else {
        return WarehouseError::Postgres(format!("{doing}: {error}"));
    };
    let code = database.code().map(|c| c.into_owned()).unwrap_or_default();
    if !(code.starts_with("22") || code.starts_with("23")) {
        return WarehouseError::Postgres(format!("{doing}: {error}"));
    }
    let mut message = format!("{doing}: PostgreSQL refused a value (SQLSTATE {code}");
    if let Some(pg) = database.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        if let Some(table) = pg.table() {
            let _ = write!(message, ", table {table}");
        }
        if let Some(column) = pg.column() {
            let _ = write!(message, ", column {column}");
        }
        if let Some(constraint) = pg.constraint() {
            let _ = write!(message, ", constraint {constraint}");
        }
    }
    message.push(')');
    WarehouseError::Postgres(message)
}

fn column_list<'a>(columns: impl Iterator<Item = &'a &'static str>) -> String {
    columns.copied().collect::<Vec<_>>().join(", ")
}

/// One `COPY … FROM STDIN` in progress on the file's transaction.
struct Copy<'t> {
    copy: sqlx::postgres::PgCopyIn<&'t mut sqlx::PgConnection>,
}

impl<'t> Copy<'t> {
    async fn begin(
        tx: &'t mut Transaction<'static, Postgres>,
        table: &str,
        columns: &str,
    ) -> Result<Copy<'t>> {
        let copy = tx
            .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN"))
            .await?;
        Ok(Copy { copy })
    }

    async fn flush_if_full(&mut self, data: &mut Vec<u8>) -> Result<()> {
        if data.len() >= COPY_BUFFER {
            self.copy.send(data.as_slice()).await?;
            data.clear();
        }
        Ok(())
    }

    async fn finish(mut self, data: &mut Vec<u8>) -> Result<()> {
        if !data.is_empty() {
            self.copy.send(data.as_slice()).await?;
            data.clear();
        }
        self.copy
            .finish()
            .await
            .map_err(|error| row_error("loading rows with COPY", error))?;
        Ok(())
    }
}

/// A `fmt::Write` onto COPY bytes.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// A tab, then `text` escaped for COPY's text format.
fn field(data: &mut Vec<u8>, text: &str) {
    data.push(b'\t');
    for &byte in text.as_bytes() {
        match byte {
            b'\\' => data.extend_from_slice(b"\\\\"),
            b'\t' => data.extend_from_slice(b"\\t"),
            b'\n' => data.extend_from_slice(b"\\n"),
            b'\r' => data.extend_from_slice(b"\\r"),
            _ => data.push(byte),
        }
    }
}

/// Each value as a COPY field: `\N` for NULL, `t`/`f` for booleans, dates
/// and timestamps as `format_dates` wrote them.
fn values(data: &mut Vec<u8>, values: &[Value], dates: &[String]) {
    let mut dates = dates.iter();
    for value in values {
        match value {
            Value::Null => data.extend_from_slice(b"\t\\N"),
            Value::Text(text) | Value::Decimal(text) => field(data, text),
            Value::Integer(n) => {
                let _ = write!(Bytes(data), "\t{n}");
            }
            Value::Boolean(b) => data.extend_from_slice(if *b { b"\tt" } else { b"\tf" }),
            Value::Date(_) | Value::Timestamp(_) => match dates.next() {
                Some(date) => field(data, date),
                None => data.extend_from_slice(b"\t\\N"),
            },
        }
    }
}
