//! Reading a pipeline file's TOML text: parsed once with spans, shapes
//! checked part by part, every mistake located by line and column.
//!
//! The whole document is deserialized into a [`PipelineSpec`]; when a part
//! is refused (an unknown key, a value of the wrong type), the mistake is
//! kept, that part is set aside, and the rest is deserialized again, so
//! one bad column does not hide another or the checks of the rest. The
//! spans of every key are kept, so the static checks' mistakes, which name
//! keys, are located too.

use std::ops::Range;

use serde::Deserialize;
use toml::de::{DeTable, DeValue, Deserializer};

use super::check::CheckedPipeline;
use super::column::toml_key;
use super::error::{Located, Location, SpecError};
use super::spec::PipelineSpec;

/// A pipeline file read and checked: what it says, what it means, and
/// where each key is.
#[derive(Debug, Clone)]
pub struct PipelineFile {
    pub spec: PipelineSpec,
    pub checked: CheckedPipeline,
    pub spans: KeySpans,
}

impl PipelineFile {
    /// Reads a pipeline file's text and checks it. Returns every mistake,
    /// each naming its key and, where it is written, its line and column,
    /// in the order they appear in the file.
    pub fn read(text: &str) -> Result<PipelineFile, Vec<Located>> {
        let (mut root, syntax) = DeTable::parse_recoverable(text);
        let lines = LineIndex::new(text);
        if !syntax.is_empty() {
            return Err(syntax
                .iter()
                .map(|error| Located {
                    location: error.span().map(|span| lines.locate(span.start)),
                    error: SpecError::new("", first_line(error.message())),
                })
                .collect());
        }
        let mut spans = KeySpans::default();
        walk_table(
            root.get_ref(),
            &mut Vec::new(),
            "",
            &lines,
            &mut spans.entries,
        );

        let mut mistakes = Vec::new();
        let spec = loop {
            match PipelineSpec::deserialize(Deserializer::from(root.clone())) {
                Ok(spec) => break Some(spec),
                Err(error) => {
                    // A mistake of the whole document (a key missing at
                    // the top) has the root's span, or none: no place.
                    let span = error.span().filter(|span| *span != root.span());
                    let entry = span
                        .as_ref()
                        .and_then(|span| spans.deepest_containing(span));
                    mistakes.push(Located {
                        location: span.map(|span| lines.locate(span.start)),
                        error: SpecError::new(
                            entry.map_or("", |e| e.name.as_str()),
                            first_line(error.message()),
                        ),
                    });
                    // Set the refused part aside and read the rest; a
                    // mistake no part holds ends the reading. (A part set
                    // aside may cause mistakes of its own in the checks:
                    // a link to an entity that was refused names it.)
                    match entry {
                        Some(entry) if remove(root.get_mut(), &entry.path) => {}
                        _ => break None,
                    }
                }
            }
        };
        let checked = spec.as_ref().map(PipelineSpec::check);
        if let (Some(spec), Some(Ok(checked))) = (&spec, &checked)
            && mistakes.is_empty()
        {
            return Ok(PipelineFile {
                spec: spec.clone(),
                checked: checked.clone(),
                spans,
            });
        }
        if let Some(Err(errors)) = checked {
            mistakes.extend(errors.into_iter().map(|error| spans.locate(error)));
        }
        // In the file's order; a mistake with no place (a missing key) last.
        mistakes.sort_by_key(|m| (m.location.is_none(), m.location));
        Err(mistakes)
    }
}

/// A toml error's message without the source excerpt some carry.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}

/// One step of a key's path: a table's key or an array's index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Where one key (or array element) of the file is written.
#[derive(Debug, Clone)]
struct Entry {
    path: Vec<Segment>,
    /// As errors name it: `entities.person.columns.gender`, `links[0]`.
    name: String,
    /// Where the key is written; an array element has none.
    key: Option<Range<usize>>,
    value: Range<usize>,
    location: Location,
}

/// Where each key of a pipeline file is written, to locate the mistakes
/// that name it.
#[derive(Debug, Clone, Default)]
pub struct KeySpans {
    entries: Vec<Entry>,
}

impl KeySpans {
    /// `error` with the place of its key: the key itself when it is
    /// written, else the nearest enclosing key that is
    /// (`entities.person.columns.gender.field` for `gender = "Sex"` is at
    /// `gender`).
    pub fn locate(&self, error: SpecError) -> Located {
        let location = self
            .entries
            .iter()
            .filter(|entry| {
                error.key == entry.name
                    || error
                        .key
                        .strip_prefix(&entry.name)
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
            .max_by_key(|entry| entry.name.len())
            .map(|entry| entry.location);
        Located { location, error }
    }

    /// The deepest key whose key or value holds `span`: the part a
    /// deserialization error is about.
    fn deepest_containing(&self, span: &Range<usize>) -> Option<&Entry> {
        let holds = |outer: &Range<usize>| outer.start <= span.start && span.end <= outer.end;
        self.entries
            .iter()
            .filter(|entry| entry.key.as_ref().is_some_and(holds) || holds(&entry.value))
            .max_by_key(|entry| entry.path.len())
    }
}

fn walk_table(
    table: &DeTable<'_>,
    path: &mut Vec<Segment>,
    name: &str,
    lines: &LineIndex,
    out: &mut Vec<Entry>,
) {
    for (key, value) in table.iter() {
        let key_name = toml_key(key.get_ref());
        let name = if name.is_empty() {
            key_name
        } else {
            format!("{name}.{key_name}")
        };
        path.push(Segment::Key(key.get_ref().to_string()));
        out.push(Entry {
            path: path.clone(),
            name: name.clone(),
            key: Some(key.span()),
            value: value.span(),
            location: lines.locate(key.span().start),
        });
        walk_value(value.get_ref(), path, &name, lines, out);
        path.pop();
    }
}

fn walk_value(
    value: &DeValue<'_>,
    path: &mut Vec<Segment>,
    name: &str,
    lines: &LineIndex,
    out: &mut Vec<Entry>,
) {
    match value {
        DeValue::Table(table) => walk_table(table, path, name, lines, out),
        DeValue::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let name = format!("{name}[{index}]");
                path.push(Segment::Index(index));
                out.push(Entry {
                    path: path.clone(),
                    name: name.clone(),
                    key: None,
                    value: item.span(),
                    location: lines.locate(item.span().start),
                });
                walk_value(item.get_ref(), path, &name, lines, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Removes the key at `path` from `root`. An array element is not removed
/// by itself (the elements after it would move, and the spans name them
/// by index): the whole array is.
fn remove(root: &mut DeTable<'_>, mut path: &[Segment]) -> bool {
    while let [parent @ .., Segment::Index(_)] = path {
        path = parent;
    }
    remove_in_table(root, path)
}

fn remove_in_table(table: &mut DeTable<'_>, path: &[Segment]) -> bool {
    match path {
        [Segment::Key(last)] => table.remove(last.as_str()).is_some(),
        [Segment::Key(key), rest @ ..] => table
            .get_mut(key.as_str())
            .is_some_and(|value| remove_in_value(value.get_mut(), rest)),
        _ => false,
    }
}

fn remove_in_value(value: &mut DeValue<'_>, path: &[Segment]) -> bool {
    match (value, path) {
        (DeValue::Table(table), _) => remove_in_table(table, path),
        (DeValue::Array(items), [Segment::Index(index), rest @ ..]) => items
            .get_mut(*index)
            .is_some_and(|item| remove_in_value(item.get_mut(), rest)),
        _ => false,
    }
}

/// Byte offsets to lines and columns, by the start of each line.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    fn locate(&self, offset: usize) -> Location {
        let offset = self.text.floor_char_boundary(offset.min(self.text.len()));
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        Location {
            line,
            column: self.text[start..offset].chars().count() + 1,
        }
    }
}
