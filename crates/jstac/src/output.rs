//! Printing tables for people (a table), scripts (CSV) and programs (JSON).

use std::io::Write;

use serde_json::Value as Json;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

fn text(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn print(columns: &[String], rows: &[Vec<Json>], format: Format) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            table.set_header(columns);
            for row in rows {
                table.add_row(row.iter().map(text));
            }
            writeln!(out, "{table}")?;
            writeln!(
                out,
                "({} row{})",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            )?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(columns)?;
            for row in rows {
                writer.write_record(row.iter().map(text))?;
            }
            writer.flush()?;
        }
        Format::Json => {
            let objects: Vec<Json> = rows
                .iter()
                .map(|row| Json::Object(columns.iter().cloned().zip(row.iter().cloned()).collect()))
                .collect();
            serde_json::to_writer_pretty(&mut out, &objects)?;
            writeln!(out)?;
        }
    }
    Ok(())
}
