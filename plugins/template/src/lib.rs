//! The jstac plugin template: fixed-width text, one record per line.
//!
//! Start a plugin for a format the generic plugins cannot read with
//! `jstac plugin new NAME` (it copies this crate as `plugins/NAME`), then
//! change what is marked `ADAPT`: the options, how a line becomes values,
//! and the fixture and test. Everything unsafe (the ABI, Arrow batches,
//! panics) is the SDK's; a plugin only reads its format.
//!
//! The contract every plugin keeps (`tests/tests/compliance.rs` checks it
//! for every plugin library, with `compliance.json` beside the crate):
//! - options are a `Deserialize + JsonSchema` type with
//!   `deny_unknown_fields`, so a misspelt option is refused before any data
//!   is read;
//! - a file that cannot be read at all is an `Err` from `open` (one line;
//!   the runner adds the file's path);
//! - a record that cannot be read is `push_reject`ed with its locator and
//!   the reason (never its values in the reason: they are personal data),
//!   and reading goes on;
//! - every record has a locator (`line 12`).
//!
//! This format: `columns` name each field and where it is on the line
//! (1-based start, width, in characters). Values are trimmed; an empty
//! value is missing. Lines before `skip_lines`, blank lines and lines
//! starting with `comment` are not records. A line too short to reach the
//! last column's start, or not valid UTF-8, is rejected.

#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use jstac_sdk::{BatchBuilder, Plugin, PluginError, RecordReader};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct TemplatePlugin;

/// ADAPT: `[source.options]` of a pipeline that reads this format.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateOptions {
    /// The fields: name and position on the line, in order.
    #[schemars(length(min = 1))]
    pub columns: Vec<ColumnSpec>,
    /// Lines at the start of the file that are not records (titles, a header).
    #[serde(default)]
    pub skip_lines: u32,
    /// Lines starting with this text are comments, wherever they are.
    #[serde(default)]
    pub comment: Option<String>,
}

/// One field of a fixed-width line.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The field name pipelines map from.
    pub name: String,
    /// 1-based position of the field's first character.
    #[schemars(range(min = 1))]
    pub start: u32,
    /// Width in characters.
    #[schemars(range(min = 1))]
    pub width: u32,
}

impl Plugin for TemplatePlugin {
    /// ADAPT: the name pipelines use (`plugin = "template"`).
    const NAME: &'static str = "template";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    /// ADAPT: the extensions of the files it reads.
    const FORMATS: &'static [&'static str] = &["txt", "dat"];
    type Options = TemplateOptions;
    type Reader = TemplateReader;

    fn open(path: &Path, options: TemplateOptions) -> Result<TemplateReader, PluginError> {
        TemplateReader::open(path, options)
    }
}

jstac_sdk::export_plugin!(TemplatePlugin);

/// One line's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A record: one value per column (`None` when empty).
    Good {
        line: u64,
        values: Vec<Option<String>>,
    },
    /// A line that could not be read: why, and its text for the quarantine.
    Reject {
        line: u64,
        reason: String,
        raw: String,
    },
}

pub struct TemplateReader {
    input: BufReader<File>,
    columns: Vec<ColumnSpec>,
    names: Vec<String>,
    comment: Option<String>,
    /// The line last read (1-based).
    line: u64,
    /// Where the last column starts: a shorter line is rejected.
    min_chars: usize,
    buffer: Vec<u8>,
}

impl TemplateReader {
    fn open(path: &Path, options: TemplateOptions) -> Result<Self, PluginError> {
        let mut names: Vec<String> = Vec::new();
        for column in &options.columns {
            if names.contains(&column.name) {
                return Err(PluginError::Open(format!(
                    "option columns: {:?} is named twice",
                    column.name
                )));
            }
            names.push(column.name.clone());
        }
        let mut file = File::open(path)?;
        // A binary file is not fixed-width text: say so at once, rather
        // than reject every "line" of it.
        let mut head = [0u8; 1024];
        let n = file.read(&mut head)?;
        if head[..n].contains(&0) {
            return Err(PluginError::Open(
                "is binary (it contains NUL bytes), not fixed-width text".into(),
            ));
        }
        let file = File::open(path)?;
        let mut reader = TemplateReader {
            input: BufReader::new(file),
            min_chars: options
                .columns
                .iter()
                .map(|c| c.start as usize)
                .max()
                .unwrap_or(1),
            columns: options.columns,
            names,
            comment: options.comment.filter(|c| !c.is_empty()),
            line: 0,
            buffer: Vec::new(),
        };
        for _ in 0..options.skip_lines {
            if !reader.read_line()? {
                break;
            }
        }
        Ok(reader)
    }

    /// Reads the next physical line into the buffer, without its line end.
    fn read_line(&mut self) -> Result<bool, PluginError> {
        self.buffer.clear();
        if self.input.read_until(b'\n', &mut self.buffer)? == 0 {
            return Ok(false);
        }
        self.line += 1;
        while matches!(self.buffer.last(), Some(b'\n' | b'\r')) {
            self.buffer.pop();
        }
        Ok(true)
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record>, PluginError> {
        loop {
            if !self.read_line()? {
                return Ok(None);
            }
            let line = self.line;
            let Ok(text) = std::str::from_utf8(&self.buffer) else {
                return Ok(Some(Record::Reject {
                    line,
                    reason: "not valid UTF-8".into(),
                    raw: String::from_utf8_lossy(&self.buffer).into_owned(),
                }));
            };
            if text.trim().is_empty()
                || self.comment.as_deref().is_some_and(|c| text.starts_with(c))
            {
                continue;
            }
            // ADAPT: how one line becomes values.
            let chars: Vec<char> = text.chars().collect();
            if chars.len() < self.min_chars {
                return Ok(Some(Record::Reject {
                    line,
                    reason: format!(
                        "line has {} characters; the last column starts at character {}",
                        chars.len(),
                        self.min_chars
                    ),
                    raw: text.to_owned(),
                }));
            }
            let values = self
                .columns
                .iter()
                .map(|column| {
                    let start = (column.start as usize - 1).min(chars.len());
                    let end = (start + column.width as usize).min(chars.len());
                    let value: String = chars[start..end].iter().collect();
                    let value = value.trim();
                    (!value.is_empty()).then(|| value.to_owned())
                })
                .collect();
            return Ok(Some(Record::Good { line, values }));
        }
    }
}

impl RecordReader for TemplateReader {
    fn fields(&self) -> &[String] {
        &self.names
    }

    fn read_batch(&mut self, batch: &mut BatchBuilder) -> Result<bool, PluginError> {
        while !batch.is_full() {
            match self.next_record()? {
                None => return Ok(false),
                Some(Record::Good { line, values }) => {
                    batch.push_record(format_args!("line {line}"), values);
                }
                Some(Record::Reject { line, reason, raw }) => {
                    batch.push_reject(format_args!("line {line}"), &reason, &raw);
                }
            }
        }
        Ok(true)
    }
}
