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
            serde_json::to_writer_pretty(&mut out, &objects(columns, rows))?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Rows as JSON objects keyed by column name.
pub fn objects(columns: &[String], rows: &[Vec<Json>]) -> Vec<Json> {
    rows.iter()
        .map(|row| Json::Object(columns.iter().cloned().zip(row.iter().cloned()).collect()))
        .collect()
}

/// One compact line per counted column that saw any value, for the run
/// summary: `person.nationality (country): 53 normalised, 1 unmatched, 1 quarantined`
/// (zero unmatched, quarantined or not known left out).
pub fn field_lines(fields: &[jstac_core::FieldStats]) -> Vec<String> {
    fields
        .iter()
        .filter(|stats| !stats.counts.is_zero())
        .map(|stats| {
            let rule = &stats.field.rule;
            let rule = rule.strip_prefix("entities.").unwrap_or(rule);
            let short = rule.replacen(".columns.", ".", 1);
            let counts = stats.counts;
            let mut line = format!(
                "{short} ({}): {} normalised",
                stats.field.normaliser, counts.normalised
            );
            if counts.unmatched > 0 {
                line.push_str(&format!(", {} unmatched", counts.unmatched));
            }
            if counts.quarantined > 0 {
                line.push_str(&format!(", {} quarantined", counts.quarantined));
            }
            if counts.not_known > 0 {
                line.push_str(&format!(", {} not known", counts.not_known));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jstac_core::{CountedField, FieldCounts, FieldStats};

    use super::field_lines;

    #[test]
    fn field_lines_are_compact_and_skip_columns_that_saw_nothing() {
        let stats = |rule: &str, normaliser: &str, counts: (u64, u64, u64, u64)| FieldStats {
            field: CountedField {
                rule: rule.to_owned(),
                field: "F".to_owned(),
                normaliser: normaliser.to_owned(),
            },
            counts: FieldCounts {
                normalised: counts.0,
                unmatched: counts.1,
                quarantined: counts.2,
                not_known: counts.3,
            },
        };
        let lines = field_lines(&[
            stats(
                "entities.person.columns.nationality",
                "country",
                (53, 1, 1, 2),
            ),
            stats("entities.person.columns.postcode", "postcode", (0, 0, 0, 0)),
            stats("links[0].columns.role", "lookup roles", (55, 0, 0, 0)),
            stats(
                "entities.crime.columns.category",
                "lookup offences",
                (0, 2, 0, 0),
            ),
        ]);
        assert_eq!(
            lines,
            [
                "person.nationality (country): 53 normalised, 1 unmatched, 1 quarantined, 2 not known",
                "links[0].role (lookup roles): 55 normalised",
                "crime.category (lookup offences): 0 normalised, 2 unmatched",
            ]
        );
    }
}
