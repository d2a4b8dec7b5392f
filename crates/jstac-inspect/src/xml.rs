//! The shape of an XML file from a bounded streaming pass: which element
//! paths repeat (candidate records), and options for the XML plugin that
//! read the best candidate: its leaf elements and attributes as fields,
//! and elements repeated within a record as groups.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::reader::NsReader;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use crate::error::InspectError;

/// Most bytes of an XML file read for its shape.
pub const MAX_XML_BYTES: u64 = 8 * 1024 * 1024;

/// An element path and how often it occurs in what was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathCount {
    /// From the root, with prefixes bound in [`XmlShape::namespaces`]: `/ir:Feed/ir:Report`.
    pub path: String,
    pub count: u64,
    /// Most occurrences under one parent element.
    pub max_per_parent: u64,
}

/// What the pass found.
#[derive(Debug, Clone, Serialize)]
pub struct XmlShape {
    /// Paths that repeat under a parent: candidate record paths, shallowest first.
    pub candidates: Vec<PathCount>,
    /// The chosen record path (the shallowest repeated one), if any.
    pub record: Option<String>,
    /// Prefix → namespace name, for the paths above.
    pub namespaces: BTreeMap<String, String>,
    /// XML plugin options that read the chosen record, if any.
    pub options: Option<Json>,
    /// The pass stopped before the end of the file (size or record bound).
    pub partial: bool,
}

/// Reads at most [`MAX_XML_BYTES`] of `path` (decoded by its byte-order
/// mark or declaration) and at most `max_records` records of the chosen
/// path. `record` overrides the choice.
pub fn scan(
    path: &Path,
    max_records: usize,
    record: Option<&str>,
) -> Result<XmlShape, InspectError> {
    let mut bytes = Vec::new();
    let file = File::open(path).map_err(|e| InspectError::new(path, e.to_string()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    file.take(MAX_XML_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| InspectError::new(path, e.to_string()))?;
    let text = decode(&bytes);
    let mut shape = shape_of(&text, max_records, record).map_err(|m| InspectError::new(path, m))?;
    shape.partial |= size > MAX_XML_BYTES;
    Ok(shape)
}

/// The text of an XML file's bytes: UTF-16 by byte-order mark, else the
/// declared encoding, else UTF-8 (invalid bytes replaced: only names matter here).
fn decode(bytes: &[u8]) -> String {
    let encoding = match bytes {
        [0xFF, 0xFE, ..] | [b'<', 0, ..] => encoding_rs::UTF_16LE,
        [0xFE, 0xFF, ..] | [0, b'<', ..] => encoding_rs::UTF_16BE,
        _ => {
            let head = &bytes[..bytes.len().min(1024)];
            let head = String::from_utf8_lossy(head);
            head.find("encoding")
                .and_then(|at| {
                    let rest = head[at + 8..].trim_start().strip_prefix('=')?.trim_start();
                    let quote = rest.chars().next()?;
                    let label = rest[1..].split(quote).next()?;
                    encoding_rs::Encoding::for_label(label.as_bytes())
                })
                .filter(|e| e.is_ascii_compatible())
                .unwrap_or(encoding_rs::UTF_8)
        }
    };
    let (text, _, _) = encoding.decode(bytes);
    text.trim_start_matches('\u{FEFF}').to_owned()
}

/// Names elements by prefix and local name, choosing a prefix for each namespace.
#[derive(Debug, Default)]
struct Names {
    prefixes: HashMap<String, String>,
    namespaces: BTreeMap<String, String>,
}

impl Names {
    fn qualified(
        &mut self,
        namespace: Option<&str>,
        document_prefix: Option<&str>,
        local: &str,
    ) -> String {
        let Some(uri) = namespace else {
            return local.to_owned();
        };
        if let Some(prefix) = self.prefixes.get(uri) {
            return format!("{prefix}:{local}");
        }
        let mut prefix = document_prefix.unwrap_or("ns").to_owned();
        let mut n = 1;
        while self.namespaces.contains_key(&prefix) {
            n += 1;
            prefix = format!("{}{n}", document_prefix.unwrap_or("ns"));
        }
        self.prefixes.insert(uri.to_owned(), prefix.clone());
        self.namespaces.insert(prefix.clone(), uri.to_owned());
        format!("{prefix}:{local}")
    }

    fn element(&mut self, resolver: &NamespaceResolver, name: QName<'_>) -> String {
        let (resolved, local) = resolver.resolve_element(name);
        let prefix = name.prefix().map(|p| p.into_inner());
        match resolved {
            ResolveResult::Bound(ns) => self.qualified(Some(ns.0), prefix, local.into_inner()),
            _ => local.into_inner().to_owned(),
        }
    }

    fn attributes(&mut self, resolver: &NamespaceResolver, start: &BytesStart<'_>) -> Vec<String> {
        let mut names = Vec::new();
        for attribute in start.attributes().flatten() {
            if attribute.key.as_namespace_binding().is_some() {
                continue;
            }
            let (resolved, local) = resolver.resolve_attribute(attribute.key);
            let prefix = attribute.key.prefix().map(|p| p.into_inner());
            names.push(match resolved {
                ResolveResult::Bound(ns) => self.qualified(Some(ns.0), prefix, local.into_inner()),
                _ => local.into_inner().to_owned(),
            });
        }
        names
    }
}

/// What one element path relative to the record held, over the records read.
#[derive(Debug, Default, Clone)]
struct Relative {
    max_per_record: u64,
    text: bool,
    children: bool,
    attributes: Vec<String>,
}

fn shape_of(text: &str, max_records: usize, record: Option<&str>) -> Result<XmlShape, String> {
    let mut names = Names::default();
    // Pass 1: every element path's count and most occurrences under one parent.
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut stack: Vec<(String, HashMap<String, u64>)> = Vec::new();
    let mut reader = NsReader::from_str(text);
    let mut partial = false;
    let mut elements = 0u64;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) if elements == 0 => return Err(format!("is not well-formed XML: {e}")),
            Err(_) => {
                partial = true;
                break;
            }
        };
        let (start, empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                close(&mut stack, &mut counts);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        elements += 1;
        let name = names.element(reader.resolver(), start.name());
        let path = match stack.last_mut() {
            Some((parent, children)) => {
                *children.entry(name.clone()).or_default() += 1;
                format!("{parent}/{name}")
            }
            None => format!("/{name}"),
        };
        counts.entry(path.clone()).or_default().0 += 1;
        stack.push((path, HashMap::new()));
        if empty {
            close(&mut stack, &mut counts);
        }
    }
    while !stack.is_empty() {
        close(&mut stack, &mut counts);
    }
    let mut candidates: Vec<PathCount> = counts
        .iter()
        .filter(|(_, (count, max))| *count >= 2 && *max >= 2)
        .map(|(path, (count, max))| PathCount {
            path: path.clone(),
            count: *count,
            max_per_parent: *max,
        })
        .collect();
    candidates.sort_by(|a, b| {
        let depth = |p: &PathCount| p.path.matches('/').count();
        depth(a)
            .cmp(&depth(b))
            .then(b.count.cmp(&a.count))
            .then(a.path.cmp(&b.path))
    });
    let chosen = record
        .map(|r| {
            if r.starts_with('/') {
                r.to_owned()
            } else {
                format!("/{r}")
            }
        })
        .or_else(|| candidates.first().map(|c| c.path.clone()));
    let Some(chosen) = chosen else {
        return Ok(XmlShape {
            candidates,
            record: None,
            namespaces: names.namespaces,
            options: None,
            partial,
        });
    };

    // Pass 2: inside each record, what every relative path holds.
    let mut relatives: BTreeMap<String, Relative> = BTreeMap::new();
    let mut per_record: HashMap<String, u64> = HashMap::new();
    let mut path_stack: Vec<String> = Vec::new();
    let mut record_depth: Option<usize> = None;
    let mut records = 0usize;
    let mut reader = NsReader::from_str(text);
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let name = names.element(reader.resolver(), start.name());
                let path = format!("{}/{name}", path_stack.last().map_or("", String::as_str));
                let attributes = names.attributes(reader.resolver(), start);
                if record_depth.is_none() && path == chosen {
                    if records == max_records {
                        partial = true;
                        break;
                    }
                    records += 1;
                    record_depth = Some(path_stack.len());
                    per_record.clear();
                }
                if let Some(depth) = record_depth {
                    let relative = relative_path(&path_stack, depth, &name);
                    if !relative.is_empty() {
                        let parent = parent_of(&relative);
                        relatives.entry(parent.to_owned()).or_default().children = true;
                        let n = per_record.entry(relative.clone()).or_default();
                        *n += 1;
                        let n = *n;
                        let entry = relatives.entry(relative.clone()).or_default();
                        entry.max_per_record = entry.max_per_record.max(n);
                    }
                    let entry = relatives.entry(relative).or_default();
                    for attribute in attributes {
                        if !entry.attributes.contains(&attribute) {
                            entry.attributes.push(attribute);
                        }
                    }
                }
                path_stack.push(path);
                if empty {
                    path_stack.pop();
                    if record_depth == Some(path_stack.len()) {
                        record_depth = None;
                    }
                }
            }
            Event::Text(t) if record_depth.is_some() => {
                let has_text = !AsRef::<str>::as_ref(&t).trim().is_empty();
                if has_text {
                    mark_text(&mut relatives, &path_stack, record_depth);
                }
            }
            Event::CData(_) | Event::GeneralRef(_) if record_depth.is_some() => {
                mark_text(&mut relatives, &path_stack, record_depth);
            }
            Event::End(_) => {
                path_stack.pop();
                if record_depth == Some(path_stack.len()) {
                    record_depth = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let options = options_for(&chosen, &names.namespaces, &relatives);
    Ok(XmlShape {
        candidates,
        record: Some(chosen),
        namespaces: names.namespaces,
        options: Some(options),
        partial,
    })
}

fn close(
    stack: &mut Vec<(String, HashMap<String, u64>)>,
    counts: &mut BTreeMap<String, (u64, u64)>,
) {
    if let Some((path, children)) = stack.pop() {
        for (child, n) in children {
            let entry = counts.entry(format!("{path}/{child}")).or_default();
            entry.1 = entry.1.max(n);
        }
    }
}

/// `a/b/name` relative to the record element at `depth` of `stack`.
fn relative_path(stack: &[String], depth: usize, name: &str) -> String {
    if stack.len() == depth {
        return String::new();
    }
    let record_path = &stack[depth];
    let parent = stack.last().map_or("", String::as_str);
    let inside = parent.strip_prefix(record_path.as_str()).unwrap_or("");
    let inside = inside.trim_start_matches('/');
    if inside.is_empty() {
        name.to_owned()
    } else {
        format!("{inside}/{name}")
    }
}

fn parent_of(relative: &str) -> &str {
    relative.rsplit_once('/').map_or("", |(parent, _)| parent)
}

fn mark_text(
    relatives: &mut BTreeMap<String, Relative>,
    stack: &[String],
    record_depth: Option<usize>,
) {
    let Some(depth) = record_depth else {
        return;
    };
    let Some(current) = stack.last() else {
        return;
    };
    let record_path = &stack[depth];
    let relative = current
        .strip_prefix(record_path.as_str())
        .unwrap_or("")
        .trim_start_matches('/')
        .to_owned();
    relatives.entry(relative).or_default().text = true;
}

fn local(step: &str) -> &str {
    step.rsplit_once(':').map_or(step, |(_, l)| l)
}

/// A field name from a path: the last step's local name, or the whole
/// path's local names joined by `_` when that name is taken.
fn field_name(taken: &mut Vec<String>, relative: &str, attribute: Option<&str>) -> String {
    let steps: Vec<&str> = relative
        .split('/')
        .filter(|s| !s.is_empty())
        .map(local)
        .collect();
    let short = match (attribute, steps.last()) {
        // An attribute of a child element is named for both: `OrganisedCrimeGroup_flag`.
        (Some(attribute), Some(last)) => format!("{last}_{}", local(attribute)),
        (Some(attribute), None) => local(attribute).to_owned(),
        (None, Some(last)) => (*last).to_owned(),
        (None, None) => "value".to_owned(),
    };
    let name = if taken.contains(&short) {
        let mut long: Vec<String> = steps.iter().map(|s| (*s).to_owned()).collect();
        if let Some(attribute) = attribute {
            long.push(local(attribute).to_owned());
        }
        let mut name = long.join("_");
        let mut n = 1;
        while taken.contains(&name) {
            n += 1;
            name = format!("{}_{n}", long.join("_"));
        }
        name
    } else {
        short
    };
    taken.push(name.clone());
    name
}

fn options_for(
    record: &str,
    namespaces: &BTreeMap<String, String>,
    relatives: &BTreeMap<String, Relative>,
) -> Json {
    // Groups: the shallowest paths that repeat within one record.
    let mut groups: Vec<String> = Vec::new();
    for (path, relative) in relatives {
        if path.is_empty() || relative.max_per_record < 2 {
            continue;
        }
        if groups.iter().any(|g| path.starts_with(&format!("{g}/"))) {
            continue;
        }
        groups.push(path.clone());
    }
    let group_of = |path: &str| {
        groups
            .iter()
            .find(|g| path == g.as_str() || path.starts_with(&format!("{g}/")))
            .cloned()
    };
    let mut fields = Map::new();
    let mut taken = Vec::new();
    let mut group_fields: BTreeMap<String, (Map<String, Json>, Vec<String>)> = BTreeMap::new();
    for (path, relative) in relatives {
        let leaf = relative.text && !relative.children;
        match group_of(path) {
            None => {
                for attribute in &relative.attributes {
                    let name = field_name(&mut taken, path, Some(attribute));
                    let value = if path.is_empty() {
                        format!("@{attribute}")
                    } else {
                        format!("{path}/@{attribute}")
                    };
                    fields.insert(name, json!(value));
                }
                if leaf && !path.is_empty() {
                    let name = field_name(&mut taken, path, None);
                    fields.insert(name, json!(path));
                }
            }
            Some(group) => {
                let inner = path
                    .strip_prefix(group.as_str())
                    .unwrap_or("")
                    .trim_start_matches('/');
                let (group_map, group_taken) = group_fields.entry(group.clone()).or_default();
                for attribute in &relative.attributes {
                    let name = field_name(group_taken, inner, Some(attribute));
                    let value = if inner.is_empty() {
                        format!("@{attribute}")
                    } else {
                        format!("{inner}/@{attribute}")
                    };
                    group_map.insert(name, json!(value));
                }
                if leaf {
                    let name = field_name(group_taken, inner, None);
                    group_map.insert(name, json!(if inner.is_empty() { "." } else { inner }));
                }
            }
        }
    }
    let mut options = Map::new();
    options.insert("record".into(), json!(record));
    if !namespaces.is_empty() {
        options.insert("namespaces".into(), json!(namespaces));
    }
    options.insert("fields".into(), Json::Object(fields));
    let mut group_options = Map::new();
    let mut group_names = Vec::new();
    for (path, (fields, _)) in group_fields {
        if fields.is_empty() {
            continue;
        }
        let name = field_name(&mut group_names, &path, None);
        group_options.insert(name, json!({ "path": path, "fields": fields }));
    }
    if !group_options.is_empty() {
        options.insert("groups".into(), Json::Object(group_options));
    }
    Json::Object(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"<?xml version="1.0"?>
<ir:Feed xmlns:ir="urn:x:intel" xmlns:loc="urn:x:loc" generated="2016-01-01">
  <ir:Header><ir:Source>NCA</ir:Source></ir:Header>
  <ir:Report id="R1">
    <ir:Created>2016-01-02</ir:Created>
    <ir:Grading><ir:Source>B</ir:Source></ir:Grading>
    <loc:Location><loc:Town>Leeds</loc:Town></loc:Location>
    <ir:Subjects>
      <ir:Subject id="1" role="victim"><ir:Name>A</ir:Name></ir:Subject>
      <ir:Subject id="2" role="suspect"><ir:Name>B</ir:Name></ir:Subject>
    </ir:Subjects>
  </ir:Report>
  <ir:Report id="R2"><ir:Created>2016-01-03</ir:Created><ir:Subjects/></ir:Report>
</ir:Feed>"#;

    #[test]
    fn the_shallowest_repeated_path_is_the_record_and_repeats_inside_it_are_groups() {
        let shape = shape_of(FEED, 1000, None).unwrap();
        assert_eq!(shape.record.as_deref(), Some("/ir:Feed/ir:Report"));
        assert_eq!(shape.candidates[0].count, 2);
        assert!(
            shape
                .candidates
                .iter()
                .any(|c| c.path == "/ir:Feed/ir:Report/ir:Subjects/ir:Subject")
        );
        let options = shape.options.unwrap();
        assert_eq!(
            options,
            json!({
                "record": "/ir:Feed/ir:Report",
                "namespaces": { "ir": "urn:x:intel", "loc": "urn:x:loc" },
                "fields": {
                    "id": "@id",
                    "Created": "ir:Created",
                    "Source": "ir:Grading/ir:Source",
                    "Town": "loc:Location/loc:Town",
                },
                "groups": {
                    "Subject": {
                        "path": "ir:Subjects/ir:Subject",
                        "fields": { "id": "@id", "role": "@role", "Name": "ir:Name" }
                    }
                }
            })
        );
    }

    #[test]
    fn a_default_namespace_gets_a_prefix_and_records_are_bounded() {
        let feed = r#"<Feed xmlns="urn:x:e"><E ref="1"><D>a</D></E><E ref="2"><D>b</D></E><E ref="3"/></Feed>"#;
        let shape = shape_of(feed, 2, None).unwrap();
        assert_eq!(shape.record.as_deref(), Some("/ns:Feed/ns:E"));
        assert!(shape.partial);
        assert_eq!(shape.namespaces["ns"], "urn:x:e");
        assert_eq!(
            shape.options.unwrap()["fields"],
            json!({ "ref": "@ref", "D": "ns:D" })
        );
    }

    #[test]
    fn a_file_without_repeated_elements_has_no_record() {
        let shape = shape_of("<a><b>x</b></a>", 10, None).unwrap();
        assert_eq!(shape.record, None);
        assert!(shape.candidates.is_empty());
    }

    #[test]
    fn utf16_and_latin1_files_decode() {
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "<a><b>x</b><b>y</b></a>".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let text = decode(&utf16);
        assert_eq!(
            shape_of(&text, 10, None).unwrap().record.as_deref(),
            Some("/a/b")
        );
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a><b>\xe9</b></a>";
        assert!(decode(latin1).contains('\u{e9}'));
    }
}
