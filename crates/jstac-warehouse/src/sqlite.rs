//! The SQLite writer: a chunk's rows through prepared single-row upserts
//! stepped on the raw handle of the file's transaction (`bulk.rs`), each
//! table's rows in key order.

use jstac_core::Value;
use sqlx::Transaction;
use sqlx::sqlite::Sqlite;

use crate::bulk::{Handle, Param, Row};
use crate::chunk::{Chunk, LoadContext, Placed, format_dates, in_round};
use crate::error::Result;

/// Writes one chunk inside the file's transaction `tx`: sqlx makes no call
/// on the connection while its handle is locked here.
pub(crate) async fn write_chunk(
    tx: &mut Transaction<'static, Sqlite>,
    chunk: &Chunk<'_>,
    context: &LoadContext<'_>,
) -> Result<()> {
    let mut locked = tx.lock_handle().await?;
    let handle = Handle::new(&mut locked);
    write_rows(&handle, chunk, context)
}

/// Writes a chunk's rows through prepared single-row statements, each
/// table's rows in key order; of rows sharing a key (a crime named on
/// several rows of an extract) only the last is written, as the upsert
/// would have overwritten the others with it anyway.
fn write_rows(handle: &Handle<'_>, chunk: &Chunk<'_>, context: &LoadContext<'_>) -> Result<()> {
    // `'agency', 'dataset', run, run, file`: the SQL literals every entity
    // and link row starts with.
    let constants = format!(
        "{}, {}, {run}, {run}, {file}",
        sql_text(context.agency),
        sql_text(context.dataset),
        run = context.run_id,
        file = context.file_id,
    );
    let mut dates = Vec::new();
    let mut entity_statements = chunk
        .entities
        .iter()
        .map(|entity| {
            let fixed = [entity.table.key_column, "source_locator"];
            handle.prepare(&upsert_sql(
                entity.table.name,
                entity.table.key_column,
                &constants,
                &fixed,
                entity.columns,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut link_statements = chunk
        .link_columns
        .iter()
        .map(|columns| {
            let fixed = [
                "link_key",
                "source_locator",
                "from_table",
                "from_key",
                "to_table",
                "to_key",
            ];
            handle.prepare(&upsert_sql(
                "links", "link_key", &constants, &fixed, columns,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    for round in 0..chunk.rounds {
        for (entity, statement) in chunk.entities.iter().zip(&mut entity_statements) {
            for &Placed { row, batch, .. } in in_round(&entity.rows, round) {
                format_dates(&row.values, &mut dates);
                let key = row.key.hex();
                let mut bound = statement.row();
                bound
                    .bind(Param::Ascii(&key))?
                    .bind(Param::Text(&batch.locators[row.record]))?;
                bind_values(&mut bound, &row.values, &dates)?;
                bound.run()?;
            }
        }
        for &Placed {
            row: link, batch, ..
        } in in_round(&chunk.links, round)
        {
            format_dates(&link.values, &mut dates);
            let keys = [link.key.hex(), link.from_key.hex(), link.to_key.hex()];
            let mut bound = link_statements[link.rule].row();
            bound
                .bind(Param::Ascii(&keys[0]))?
                .bind(Param::Text(&batch.locators[link.record]))?
                .bind(Param::Text(link.from_table))?
                .bind(Param::Ascii(&keys[1]))?
                .bind(Param::Text(link.to_table))?
                .bind(Param::Ascii(&keys[2]))?;
            bind_values(&mut bound, &link.values, &dates)?;
            bound.run()?;
        }
    }
    if context.rows_only {
        return Ok(());
    }
    let mut records = chunk.records().peekable();
    if records.peek().is_some() {
        let mut statement = handle.prepare(&format!(
            "INSERT INTO source_records (file_id, record_no, run_id, locator, source_evaluation, \
             intelligence_assessment, handling_code, raw) VALUES ({file}, ?, {run}, ?, ?, ?, ?, ?)",
            file = context.file_id,
            run = context.run_id,
        ))?;
        for record in records {
            let grade = |part: Option<&'static str>| part.map_or(Param::Null, Param::Text);
            let mut bound = statement.row();
            bound
                .bind(Param::Integer(record.record_no))?
                .bind(Param::Text(record.locator))?
                .bind(grade(record.grading.source_evaluation))?
                .bind(grade(record.grading.intelligence_assessment))?
                .bind(grade(record.grading.handling_code))?
                .bind(Param::Text(record.raw))?;
            bound.run()?;
        }
    }
    if !chunk.assertions.is_empty() {
        let mut statement = handle.prepare(&format!(
            "INSERT INTO assertions (entity_key, file_id, record_no, entity_table, run_id) \
             VALUES (?, {file}, ?, ?, {run})",
            file = context.file_id,
            run = context.run_id,
        ))?;
        for assertion in &chunk.assertions {
            let key = assertion.key.hex();
            let mut bound = statement.row();
            bound
                .bind(Param::Ascii(&key))?
                .bind(Param::Integer(assertion.record_no))?
                .bind(Param::Text(assertion.table))?;
            bound.run()?;
        }
    }
    let mut statement = None;
    for entry in chunk.quarantine() {
        let statement = match &mut statement {
            Some(statement) => statement,
            None => statement.insert(handle.prepare(&format!(
                "INSERT INTO quarantine (run_id, file_id, locator, field, reason, raw_record) \
                 VALUES ({}, {}, ?, ?, ?, ?)",
                context.run_id, context.file_id
            ))?),
        };
        let mut bound = statement.row();
        bound
            .bind(Param::Text(&entry.locator))?
            .bind(entry.field.as_deref().map_or(Param::Null, Param::Text))?
            .bind(Param::Text(&entry.reason))?
            .bind(Param::Text(&entry.raw))?;
        bound.run()?;
    }
    Ok(())
}

fn bind_values<'a>(
    row: &mut Row<'_, '_, 'a>,
    values: &'a [Value],
    dates: &'a [String],
) -> Result<()> {
    let mut dates = dates.iter();
    for value in values {
        row.bind(match value {
            Value::Null => Param::Null,
            Value::Text(text) | Value::Decimal(text) => Param::Text(text),
            Value::Integer(n) => Param::Integer(*n),
            Value::Boolean(b) => Param::Integer(i64::from(*b)),
            Value::Date(_) | Value::Timestamp(_) => {
                dates.next().map_or(Param::Null, |d| Param::Text(d))
            }
        })?;
    }
    Ok(())
}

/// One row's `INSERT … VALUES (…) ON CONFLICT (key) DO UPDATE SET …`: the
/// row is `constants` (agency, dataset, run as first and last seen, file),
/// then one `?` per fixed column, then per mapped column. The update keeps
/// `first_run_id`.
fn upsert_sql(
    table: &str,
    key_column: &str,
    constants: &str,
    fixed: &[&str],
    columns: &[&str],
) -> String {
    let mut sql =
        format!("INSERT INTO {table} (agency, dataset, first_run_id, last_run_id, source_file_id");
    for column in fixed.iter().chain(columns) {
        sql.push_str(", ");
        sql.push_str(column);
    }
    sql.push_str(") VALUES (");
    sql.push_str(constants);
    for _ in 0..fixed.len() + columns.len() {
        sql.push_str(", ?");
    }
    sql.push_str(&format!(
        ") ON CONFLICT ({key_column}) DO UPDATE SET last_run_id = excluded.last_run_id, source_file_id = excluded.source_file_id"
    ));
    for column in fixed.iter().chain(columns).filter(|c| **c != key_column) {
        sql.push_str(&format!(", {column} = excluded.{column}"));
    }
    sql
}

/// A SQL string literal: the one escape SQLite has is a doubled quote.
fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
