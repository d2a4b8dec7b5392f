//! `jstac pipeline test`: a pipeline run on the fixture files kept beside
//! it, into a temporary warehouse, and the rows it produced compared with
//! expected files.
//!
//! Convention, for `pipelines/NAME.toml`:
//!
//! ```text
//! pipelines/tests/NAME/input/      fixture files (the source.path file pattern picks them)
//! pipelines/tests/NAME/expected/   persons, events, locations, organisations, nrm_referrals,
//!                                  links and quarantine .jsonl; and names, birth_dates,
//!                                  nationalities, identifiers, addresses .jsonl where the
//!                                  pipeline writes values
//! ```
//!
//! An expected file holds one JSON object per row, entity, link and value
//! rows in key order, without the run and file ids that vary between runs;
//! quarantine rows are the file's name, locator, field and reason. A
//! missing file expects no rows. `--update` writes them from the actual
//! rows: every entity, link and quarantine file, and a value table's file
//! only when the pipeline wrote values to it (one left from an earlier
//! update is removed when it has none), so a pipeline that declares no
//! values gets no empty value files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jstac_warehouse::{TableRows, Warehouse};
use serde_json::{Map, Value as Json};

use crate::exit::Failure;
use crate::pipelines;
use crate::run::{self, Context};
use crate::settings::Settings;

/// Most differences listed for one pipeline; the rest are counted.
const MAX_DIFFERENCES: usize = 40;

/// How one pipeline's test ended.
#[derive(Debug)]
pub enum TestOutcome {
    /// The rows match: a one-line summary.
    Passed(String),
    /// The expected files were (re)written: a one-line summary.
    Updated(String),
    /// The rows differ: one line per difference.
    Failed(Vec<String>),
}

/// Where a pipeline's fixtures and expected files are.
#[derive(Debug, Clone)]
pub struct TestDir {
    pub root: PathBuf,
}

impl TestDir {
    /// `tests/NAME/` beside the pipeline file `NAME.toml`.
    pub fn of(pipeline_path: &Path) -> TestDir {
        let base = pipeline_path.parent().unwrap_or(Path::new("."));
        let stem = pipeline_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        TestDir {
            root: base.join("tests").join(stem),
        }
    }

    pub fn input(&self) -> PathBuf {
        self.root.join("input")
    }

    pub fn expected(&self) -> PathBuf {
        self.root.join("expected")
    }
}

/// Runs the test of the pipeline file at `path`.
pub async fn test_pipeline(
    settings: &Settings,
    path: &Path,
    update: bool,
) -> Result<TestOutcome, (Failure, String)> {
    let config = |message: String| (Failure::Config, format!("{}: {message}", path.display()));
    let pipeline =
        pipelines::load(path, &settings.registry).map_err(|e| (Failure::Config, e.to_string()))?;
    let dir = TestDir::of(path);
    let files = fixture_files(&dir, &pipeline.spec.source.path).map_err(config)?;

    let scratch = tempfile::tempdir().map_err(|e| {
        (
            Failure::Infrastructure,
            format!("creating a temporary warehouse: {e}"),
        )
    })?;
    let mut settings = settings.clone();
    settings.warehouse_url = format!("sqlite://{}", scratch.path().join("test.db").display());
    let warehouse = Warehouse::open(&settings.warehouse_url)
        .await
        .map_err(|e| (Failure::Infrastructure, e.to_string()))?;
    let (pipeline, plugin) = run::prepare(&settings, &mut run::Plugins::default(), path)?;
    let mut ctx = Context::new(settings, warehouse);
    let report = run::run_files(&mut ctx, &pipeline, &plugin, &files, true).await;
    if let Some(worst) = report.worst(false) {
        let messages: Vec<&str> = report.failures.iter().map(|(_, m)| m.as_str()).collect();
        ctx.warehouse.close().await;
        return Err((worst, messages.join("\n")));
    }
    let actual = ctx
        .warehouse
        .dataset_snapshot(&pipeline.spec.agency, &pipeline.spec.dataset)
        .await
        .map_err(|e| (Failure::Infrastructure, e.to_string()));
    ctx.warehouse.close().await;
    let actual = actual?;

    let summary = format!(
        "{}: {} fixture file(s), {} record(s) read; {}",
        pipeline.name,
        files.len(),
        report.records.read,
        actual
            .iter()
            .map(|t| format!("{} {}", t.table, t.rows.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let expected_dir = dir.expected();
    if update {
        write_expected(&expected_dir, &actual).map_err(|e| {
            (
                Failure::Infrastructure,
                format!("{}: {e}", expected_dir.display()),
            )
        })?;
        return Ok(TestOutcome::Updated(format!(
            "{summary}; wrote {}",
            expected_dir.display()
        )));
    }
    if !expected_dir.is_dir() {
        return Ok(TestOutcome::Failed(vec![format!(
            "no expected files in {}: write them with `jstac pipeline test --update {}` and review them",
            expected_dir.display(),
            path.display()
        )]));
    }
    let mut differences = Vec::new();
    for table in &actual {
        let file = expected_dir.join(format!("{}.jsonl", table.table));
        let expected = read_expected(&file).map_err(config)?;
        if table.table == "quarantine" {
            compare_unkeyed(table, &expected, &mut differences);
        } else {
            compare_keyed(table, &expected, &mut differences);
        }
    }
    if differences.is_empty() {
        Ok(TestOutcome::Passed(summary))
    } else {
        Ok(TestOutcome::Failed(differences))
    }
}

/// The fixture files: the file-name pattern of `source.path` (`*.csv`)
/// applied to the test's `input/` directory.
fn fixture_files(dir: &TestDir, source_path: &str) -> Result<Vec<PathBuf>, String> {
    let input = dir.input();
    if !input.is_dir() {
        return Err(format!(
            "no test fixtures: put a few sample files in {} (see docs/adding-an-adapter.md)",
            input.display()
        ));
    }
    let pattern = Path::new(source_path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "*".to_owned());
    let glob_text = input.join(&pattern).to_string_lossy().into_owned();
    let mut files: Vec<PathBuf> = glob::glob(&glob_text)
        .map_err(|e| format!("source.path: bad file pattern {pattern:?}: {e}"))?
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "no fixture file in {} matches {pattern:?} (the file pattern of source.path)",
            input.display()
        ));
    }
    Ok(files)
}

/// One object per line, keys in column order.
fn to_jsonl(table: &TableRows) -> String {
    let mut out = String::new();
    for row in &table.rows {
        out.push('{');
        for (index, (column, value)) in table.columns.iter().zip(row).enumerate() {
            if index > 0 {
                out.push(',');
            }
            let _ = write!(out, "{}:{}", Json::from(column.as_str()), value);
        }
        out.push_str("}\n");
    }
    out
}

fn write_expected(dir: &Path, tables: &[TableRows]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for table in tables {
        let file = dir.join(format!("{}.jsonl", table.table));
        if table.rows.is_empty() && is_value_table(&table.table) {
            match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => continue,
            }
        }
        std::fs::write(file, to_jsonl(table))?;
    }
    Ok(())
}

/// A value table of the catalogue (`names`, `birth_dates`, …): many
/// values of an entity's attribute, written only by pipelines that declare
/// them.
fn is_value_table(name: &str) -> bool {
    jstac_core::catalog::table(name).is_some_and(|t| t.is_value_table())
}

/// The rows of an expected file; a missing file has none.
fn read_expected(file: &Path) -> Result<Vec<Map<String, Json>>, String> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", file.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| match serde_json::from_str::<Json>(line) {
            Ok(Json::Object(object)) => Ok(object),
            Ok(_) => Err(format!(
                "{} line {}: not a JSON object",
                file.display(),
                index + 1
            )),
            Err(e) => Err(format!("{} line {}: {e}", file.display(), index + 1)),
        })
        .collect()
}

fn as_objects(table: &TableRows) -> Vec<Map<String, Json>> {
    table
        .rows
        .iter()
        .map(|row| {
            table
                .columns
                .iter()
                .cloned()
                .zip(row.iter().cloned())
                .collect()
        })
        .collect()
}

/// A row as one line of JSON, its keys in the table's column order (then
/// any the table does not have), as the expected files write them.
fn row_text(columns: &[String], row: &Map<String, Json>) -> String {
    let mut keys: Vec<&String> = columns.iter().filter(|c| row.contains_key(*c)).collect();
    keys.extend(row.keys().filter(|k| !columns.contains(k)));
    let fields: Vec<String> = keys
        .into_iter()
        .map(|key| format!("{}:{}", Json::from(key.as_str()), row[key]))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// A row named for people: its short key and where it came from.
fn row_name(key: &str, row: &Map<String, Json>) -> String {
    let short: String = key.chars().take(12).collect();
    match row.get("source_locator").and_then(Json::as_str) {
        Some(locator) => format!("{short}… ({locator})"),
        None => format!("{short}…"),
    }
}

fn push(differences: &mut Vec<String>, line: String) {
    if differences.len() < MAX_DIFFERENCES {
        differences.push(line);
    } else if differences.len() == MAX_DIFFERENCES {
        differences.push("… more differences not shown".to_owned());
    }
}

/// Entity and link rows, matched by key (the first column), compared column by column.
fn compare_keyed(table: &TableRows, expected: &[Map<String, Json>], differences: &mut Vec<String>) {
    let name = &table.table;
    let key_column = table
        .columns
        .first()
        .cloned()
        .or_else(|| {
            expected
                .first()
                .and_then(|row| row.keys().find(|k| k.ends_with("_key")).cloned())
        })
        .unwrap_or_default();
    let keyed = |rows: Vec<Map<String, Json>>| -> BTreeMap<String, Map<String, Json>> {
        rows.into_iter()
            .map(|row| {
                let key = match row.get(&key_column) {
                    Some(Json::String(key)) => key.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                (key, row)
            })
            .collect()
    };
    let expected = keyed(expected.to_vec());
    let actual = keyed(as_objects(table));
    for (key, want) in &expected {
        let Some(got) = actual.get(key) else {
            push(
                differences,
                format!(
                    "{name}: missing row {} {}",
                    row_name(key, want),
                    row_text(&table.columns, want)
                ),
            );
            continue;
        };
        let mut columns: Vec<&String> = want.keys().collect();
        columns.extend(got.keys().filter(|k| !want.contains_key(*k)));
        for column in columns {
            let want_value = want.get(column).unwrap_or(&Json::Null);
            let got_value = got.get(column).unwrap_or(&Json::Null);
            if want_value != got_value {
                push(
                    differences,
                    format!(
                        "{name} {}: {column}: expected {want_value}, actual {got_value}",
                        row_name(key, got)
                    ),
                );
            }
        }
    }
    for (key, got) in &actual {
        if !expected.contains_key(key) {
            push(
                differences,
                format!(
                    "{name}: unexpected row {} {}",
                    row_name(key, got),
                    row_text(&table.columns, got)
                ),
            );
        }
    }
}

/// Quarantine rows, compared as a list: each expected row must be there
/// once, and nothing else.
fn compare_unkeyed(
    table: &TableRows,
    expected: &[Map<String, Json>],
    differences: &mut Vec<String>,
) {
    let name = &table.table;
    let mut actual = as_objects(table);
    for want in expected {
        match actual.iter().position(|got| got == want) {
            Some(index) => {
                actual.remove(index);
            }
            None => push(
                differences,
                format!("{name}: missing row {}", row_text(&table.columns, want)),
            ),
        }
    }
    for got in actual {
        push(
            differences,
            format!("{name}: unexpected row {}", row_text(&table.columns, &got)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(name: &str, columns: &[&str], rows: Vec<Vec<Json>>) -> TableRows {
        TableRows {
            table: name.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows,
        }
    }

    fn objects(text: &str) -> Vec<Map<String, Json>> {
        text.lines()
            .map(|l| {
                serde_json::from_str::<Json>(l)
                    .unwrap()
                    .as_object()
                    .unwrap()
                    .clone()
            })
            .collect()
    }

    #[test]
    fn jsonl_keeps_column_order_and_reads_back() {
        let persons = table(
            "persons",
            &["person_key", "family_name", "age"],
            vec![vec![json!("ab"), json!("HOXHA"), json!(3)]],
        );
        let text = to_jsonl(&persons);
        assert_eq!(
            text,
            "{\"person_key\":\"ab\",\"family_name\":\"HOXHA\",\"age\":3}\n"
        );
        let mut differences = Vec::new();
        compare_keyed(&persons, &objects(&text), &mut differences);
        assert!(differences.is_empty(), "{differences:?}");
    }

    #[test]
    fn differences_name_the_table_the_key_and_the_column() {
        let actual = table(
            "persons",
            &["person_key", "family_name", "source_locator"],
            vec![
                vec![json!("aaaa"), json!("HOXA"), json!("line 2")],
                vec![json!("cccc"), json!("NEW"), json!("line 4")],
            ],
        );
        let expected = objects(
            "{\"person_key\":\"aaaa\",\"family_name\":\"HOXHA\",\"source_locator\":\"line 2\"}\n\
             {\"person_key\":\"bbbb\",\"family_name\":\"BEGA\",\"source_locator\":\"line 3\"}",
        );
        let mut differences = Vec::new();
        compare_keyed(&actual, &expected, &mut differences);
        assert_eq!(
            differences,
            [
                "persons aaaa… (line 2): family_name: expected \"HOXHA\", actual \"HOXA\"",
                "persons: missing row bbbb… (line 3) {\"person_key\":\"bbbb\",\"family_name\":\"BEGA\",\"source_locator\":\"line 3\"}",
                "persons: unexpected row cccc… (line 4) {\"person_key\":\"cccc\",\"family_name\":\"NEW\",\"source_locator\":\"line 4\"}",
            ]
        );
    }

    /// `--update` writes every entity, link and quarantine file, empty or
    /// not, but a value table's only when it has rows, and removes one an
    /// earlier update left when it has none.
    #[test]
    fn value_tables_get_a_file_only_when_the_pipeline_wrote_values() {
        let dir = tempfile::tempdir().unwrap();
        let expected = dir.path().join("expected");
        let names = |rows| table("names", &["value_key", "full_name"], rows);
        let tables = [
            table("persons", &["person_key"], vec![]),
            names(vec![vec![json!("k1"), json!("Ana HOXHA")]]),
            table("birth_dates", &["value_key"], vec![]),
        ];
        write_expected(&expected, &tables).unwrap();
        let files = || {
            let mut found: Vec<String> = std::fs::read_dir(&expected)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            found.sort();
            found
        };
        assert_eq!(files(), ["names.jsonl", "persons.jsonl"]);
        // A missing file expects no rows: the empty birth dates match.
        let mut differences = Vec::new();
        for table in &tables {
            let rows = read_expected(&expected.join(format!("{}.jsonl", table.table))).unwrap();
            compare_keyed(table, &rows, &mut differences);
        }
        assert!(differences.is_empty(), "{differences:?}");
        write_expected(&expected, &[names(vec![])]).unwrap();
        assert_eq!(files(), ["persons.jsonl"]);
    }

    #[test]
    fn quarantine_rows_compare_as_a_list() {
        let actual = table(
            "quarantine",
            &["file", "locator", "field", "reason"],
            vec![vec![
                json!("a.csv"),
                json!("line 3"),
                Json::Null,
                json!("ragged"),
            ]],
        );
        let mut differences = Vec::new();
        compare_unkeyed(&actual, &objects(&to_jsonl(&actual)), &mut differences);
        assert!(differences.is_empty());
        compare_unkeyed(&actual, &[], &mut differences);
        assert_eq!(differences.len(), 1);
        assert!(
            differences[0].starts_with("quarantine: unexpected row"),
            "{differences:?}"
        );
    }
}
