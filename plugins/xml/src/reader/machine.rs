//! The state between events: where the open elements are in the record
//! path and the path trie, and the current record's values as they fill.

use std::fmt;

use quick_xml::XmlVersion;
use quick_xml::events::BytesStart;
use quick_xml::name::ResolveResult;

use super::names::Names;
use crate::input::TapState;
use crate::options::{Compiled, Node, Slot};

/// What one event did.
pub(super) enum Step {
    Continue,
    RecordEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fill {
    Unset,
    Open,
    Set,
}

/// One value of the current record, as it is read ([`Slot`] says where it goes).
#[derive(Debug)]
pub(super) struct ValueBuf {
    text: String,
    fill: Fill,
}

impl ValueBuf {
    fn new() -> Self {
        ValueBuf {
            text: String::new(),
            fill: Fill::Unset,
        }
    }

    fn reset(&mut self) {
        self.text.clear();
        self.fill = Fill::Unset;
    }

    pub(super) fn get(&self, trim: bool) -> Option<&str> {
        match self.fill {
            Fill::Unset => None,
            Fill::Open | Fill::Set if trim => Some(trim_xml(&self.text)),
            Fill::Open | Fill::Set => Some(&self.text),
        }
    }
}

fn trim_xml(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

#[derive(Debug)]
pub(super) struct GroupValues {
    /// Elements of the group in the current record.
    pub(super) count: usize,
    /// `fields[f][i]`: field `f` of element `i`.
    pub(super) fields: Vec<Vec<ValueBuf>>,
}

/// The state between events.
pub(super) struct Machine {
    pub(super) compiled: Compiled,
    /// Open elements.
    pub(super) depth: u32,
    /// Outside a record, per record path: how many of its leading steps the
    /// open elements match.
    matched: Vec<u32>,
    pub(super) in_record: bool,
    record_depth: u32,
    /// Which record path the current record matched.
    record_path: usize,
    /// Per record path, its records so far (the current one included).
    record_counts: Vec<u64>,
    record_line: u64,
    /// The current record element's local name (for `record_field`).
    pub(super) record_name: String,
    /// Per open element inside the record, where its matched nodes start in `active`.
    frames: Vec<u32>,
    active: Vec<u32>,
    /// Open text captures: the slot and the depth of its element.
    captures: Vec<(Slot, u32)>,
    pub(super) singles: Vec<ValueBuf>,
    pub(super) groups: Vec<GroupValues>,
    /// Why the current record cannot be read.
    pub(super) problem: Option<String>,
}

impl Machine {
    pub(super) fn new(compiled: Compiled) -> Self {
        Machine {
            singles: (0..compiled.n_single).map(|_| ValueBuf::new()).collect(),
            groups: compiled
                .group_sizes
                .iter()
                .map(|&n| GroupValues {
                    count: 0,
                    fields: (0..n).map(|_| Vec::new()).collect(),
                })
                .collect(),
            matched: vec![0; compiled.record_paths.len()],
            record_counts: vec![0; compiled.record_paths.len()],
            compiled,
            depth: 0,
            in_record: false,
            record_depth: 0,
            record_path: 0,
            record_line: 0,
            record_name: String::new(),
            frames: Vec::new(),
            active: Vec::new(),
            captures: Vec::new(),
            problem: None,
        }
    }

    pub(super) fn locator(&self) -> Locator<'_> {
        Locator {
            path: self
                .compiled
                .record_paths
                .get(self.record_path)
                .map_or("", |p| p.display.as_str()),
            index: self
                .record_counts
                .get(self.record_path)
                .copied()
                .unwrap_or(0),
            line: self.record_line,
        }
    }

    pub(super) fn start(
        &mut self,
        start: &BytesStart<'_>,
        names: &mut Names,
        line: u64,
    ) -> Result<Step, String> {
        self.depth += 1;
        if self.depth > self.compiled.max_depth && self.in_record {
            // Confined to this record: it is rejected, and the elements
            // below the limit are counted, not tracked, to its end.
            if self.problem.is_none() {
                self.problem = Some(too_deep(&self.compiled));
            }
            return Ok(Step::Continue);
        }
        if self.depth > self.compiled.max_depth {
            return Err(too_deep(&self.compiled));
        }
        if self.in_record {
            self.enter(start, names, false)?;
            return Ok(Step::Continue);
        }
        // Which record paths this element may extend: those whose leading
        // steps match every open element so far.
        let depth = self.depth;
        let mut name = None;
        for path in 0..self.compiled.record_paths.len() {
            let record = &self.compiled.record_paths[path];
            let (len, first_test) = (record.len, record.first_test);
            if self.matched[path] + 1 != depth || depth > len {
                continue;
            }
            let entry = match name {
                Some(entry) => entry,
                None => {
                    let entry = names.element(start.name(), &self.compiled.element_tests)?;
                    name = Some(entry);
                    entry
                }
            };
            if names.hit(entry, first_test + depth - 1) {
                self.matched[path] = depth;
                if depth == len {
                    self.begin_record(path, start, line);
                    self.enter(start, names, true)?;
                    break;
                }
            }
        }
        Ok(Step::Continue)
    }

    fn begin_record(&mut self, path: usize, start: &BytesStart<'_>, line: u64) {
        self.in_record = true;
        self.record_depth = self.depth;
        self.record_path = path;
        if let Some(count) = self.record_counts.get_mut(path) {
            *count += 1;
        }
        self.record_line = line;
        self.record_name.clear();
        self.record_name.push_str(start.local_name().into_inner());
        self.problem = None;
        self.frames.clear();
        self.active.clear();
        self.captures.clear();
        for single in &mut self.singles {
            single.reset();
        }
        for group in &mut self.groups {
            group.count = 0;
        }
    }

    /// An element opens inside the record (or is the record element).
    fn enter(
        &mut self,
        start: &BytesStart<'_>,
        names: &mut Names,
        is_record: bool,
    ) -> Result<(), String> {
        let frame_start = self.active.len();
        let nodes = &self.compiled.nodes;
        if is_record {
            self.active.push(0);
        } else {
            let parent_start = self.frames.last().map_or(0, |&s| s as usize);
            if parent_start < frame_start {
                let name = names.element(start.name(), &self.compiled.element_tests)?;
                let hits = names.hits(name);
                for index in parent_start..frame_start {
                    let node = &nodes[self.active[index] as usize];
                    for &(test, child) in &node.child_tests {
                        if hits.get(test as usize).copied().unwrap_or(false) {
                            self.active.push(child);
                        }
                    }
                }
            }
        }
        self.frames.push(frame_start as u32);
        if frame_start == self.active.len() || self.problem.is_some() {
            return Ok(());
        }
        let mut any_attributes = false;
        for &id in &self.active[frame_start..] {
            let node: &Node = &nodes[id as usize];
            for &group in &node.groups {
                let values = &mut self.groups[group];
                values.count += 1;
                for field in &mut values.fields {
                    if field.len() < values.count {
                        field.push(ValueBuf::new());
                    } else {
                        field[values.count - 1].reset();
                    }
                }
            }
            any_attributes |= !node.attributes.is_empty();
        }
        for &id in &self.active[frame_start..] {
            for &slot in &nodes[id as usize].texts {
                let Some(value) = slot_mut(&mut self.singles, &mut self.groups, slot) else {
                    continue;
                };
                if value.fill != Fill::Unset {
                    // A second element for one value: say so, drop nothing.
                    self.problem = Some(repeated(&self.compiled, slot));
                    return Ok(());
                }
                value.fill = Fill::Open;
                self.captures.push((slot, self.depth));
            }
        }
        if any_attributes {
            for attribute in start.attributes() {
                let attribute = attribute.map_err(|e| format!("malformed attribute: {e}"))?;
                if attribute.key.as_namespace_binding().is_some() {
                    continue;
                }
                let (namespace, local) = names.resolver.resolve_attribute(attribute.key);
                let namespace = match namespace {
                    ResolveResult::Bound(ns) => Some(ns.0),
                    ResolveResult::Unbound => None,
                    ResolveResult::Unknown(prefix) => {
                        return Err(format!("namespace prefix {prefix:?} is not declared"));
                    }
                };
                for &id in &self.active[frame_start..] {
                    for (test, slot) in &nodes[id as usize].attributes {
                        if !test.matches(namespace, local.as_ref()) {
                            continue;
                        }
                        let Some(value) = slot_mut(&mut self.singles, &mut self.groups, *slot)
                        else {
                            continue;
                        };
                        if value.fill != Fill::Unset {
                            self.problem = Some(repeated(&self.compiled, *slot));
                            return Ok(());
                        }
                        match attribute.normalized_value(XmlVersion::Implicit1_0) {
                            Ok(text) => {
                                if let Some(bad) = text.chars().find(|&c| !is_xml_char(c)) {
                                    self.problem = Some(format!(
                                        "attribute {}: a character reference to U+{:04X}, which XML does not allow",
                                        attribute.key.0,
                                        u32::from(bad)
                                    ));
                                    return Ok(());
                                }
                                if text.len() as u64 > self.compiled.max_field_bytes {
                                    self.problem =
                                        Some(too_large(&self.compiled, *slot, text.len()));
                                    return Ok(());
                                }
                                value.text.push_str(&text);
                                value.fill = Fill::Set;
                            }
                            Err(error) => {
                                self.problem = Some(format!(
                                    "attribute {}: {}",
                                    attribute.key.0,
                                    describe_escape_error(&error)
                                ));
                                return Ok(());
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn end(&mut self) -> Step {
        if self.in_record {
            while let Some(&(slot, depth)) = self.captures.last() {
                if depth != self.depth {
                    break;
                }
                self.captures.pop();
                if let Some(value) = slot_mut(&mut self.singles, &mut self.groups, slot) {
                    value.fill = Fill::Set;
                }
            }
            // Elements deeper than `max_depth` have no frame (see `start`).
            if self.depth <= self.compiled.max_depth
                && let Some(start) = self.frames.pop()
            {
                self.active.truncate(start as usize);
            }
            if self.depth == self.record_depth {
                self.in_record = false;
                self.depth -= 1;
                // Nothing matched inside the record: every path's count is
                // at most the record element's depth.
                for matched in &mut self.matched {
                    *matched = (*matched).min(self.depth);
                }
                return Step::RecordEnd;
            }
        } else {
            for matched in &mut self.matched {
                if *matched == self.depth {
                    *matched -= 1;
                }
            }
        }
        self.depth = self.depth.saturating_sub(1);
        Step::Continue
    }

    /// Whether text now goes anywhere.
    pub(super) fn wants_text(&self) -> bool {
        self.in_record && !self.captures.is_empty() && self.problem.is_none()
    }

    pub(super) fn text(&mut self, text: &str) {
        if !self.wants_text() {
            return;
        }
        let limit = self.compiled.max_field_bytes;
        for &(slot, _) in &self.captures {
            if let Some(value) = slot_mut(&mut self.singles, &mut self.groups, slot) {
                if (value.text.len() + text.len()) as u64 > limit {
                    let len = value.text.len() + text.len();
                    // Not held further: the record is quarantined.
                    value.text = String::new();
                    self.problem = Some(too_large(&self.compiled, slot, len));
                    return;
                }
                value.text.push_str(text);
            }
        }
    }

    pub(super) fn reference(&mut self, reference: &quick_xml::events::BytesRef<'_>) {
        if !self.in_record || self.problem.is_some() {
            return;
        }
        let name: &str = reference;
        let decoded = match reference.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => c,
            Ok(Some(c)) => {
                self.problem = Some(format!(
                    "character reference &{name}; is U+{:04X}, which XML does not allow",
                    u32::from(c)
                ));
                return;
            }
            Err(_) => {
                self.problem = Some(format!("malformed character reference &{name};"));
                return;
            }
            Ok(None) => match name {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "apos" => '\'',
                "quot" => '"',
                _ => {
                    self.problem = Some(format!(
                        "entity reference &{name}; is not allowed: only the five predefined entities and character references are read (DTD entities are never expanded)"
                    ));
                    return;
                }
            },
        };
        let mut utf8 = [0; 4];
        self.text(decoded.encode_utf8(&mut utf8));
    }

    pub(super) fn check_size(&mut self, tap: &TapState) {
        if self.problem.is_none() && tap.captured_len() > self.compiled.max_record_bytes {
            self.problem = Some(format!(
                "the record is longer than max_record_bytes ({} bytes)",
                self.compiled.max_record_bytes
            ));
            for single in &mut self.singles {
                single.reset();
            }
            for group in &mut self.groups {
                group.count = 0;
            }
            self.captures.clear();
        }
    }
}

/// The value a slot addresses in the current record; `None` for a group
/// field while the group has no element (never reached by the trie), and
/// for the record name (not read from the record's content).
fn slot_mut<'a>(
    singles: &'a mut [ValueBuf],
    groups: &'a mut [GroupValues],
    slot: Slot,
) -> Option<&'a mut ValueBuf> {
    match slot {
        Slot::Single(index) => singles.get_mut(index),
        Slot::Group { group, field } => {
            let values = groups.get_mut(group)?;
            let element = values.count.checked_sub(1)?;
            values.fields.get_mut(field)?.get_mut(element)
        }
        Slot::RecordName => None,
    }
}

/// Why a record is rejected when a second element matches one field's
/// path: names the field (never a value) and what to do.
fn too_deep(compiled: &Compiled) -> String {
    format!(
        "elements nested deeper than max_depth ({})",
        compiled.max_depth
    )
}

fn field_name(compiled: &Compiled, slot: Slot) -> &str {
    compiled
        .fields
        .iter()
        .find(|field| field.slot == slot)
        .map_or("?", |field| field.name.as_str())
}

/// The reason for a value past `max_field_bytes`, `len` bytes when it was
/// stopped (it may hold more).
fn too_large(compiled: &Compiled, slot: Slot, len: usize) -> String {
    format!(
        "field {} is larger than the limit of {} (at least {len} bytes); raise max_field_bytes if it is real",
        field_name(compiled, slot),
        size_text(compiled.max_field_bytes)
    )
}

/// A size as people write it: `1 MiB`, `64 KiB`, or bytes.
fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn repeated(compiled: &Compiled, slot: Slot) -> String {
    let name = field_name(compiled, slot);
    match slot {
        Slot::Group { .. } => {
            let group = name.split_once('.').map_or(name, |(group, _)| group);
            format!(
                "field {name:?}: more than one element matches its path in one {group} element, and a field holds one value per group element (read the repeated element as a group of its own)"
            )
        }
        Slot::Single(_) | Slot::RecordName => format!(
            "field {name:?}: more than one element matches its path in this record, and a field holds one value (read the repeated element as a group, e.g. path = \"PARENT/ELEMENT\", fields = {{ Value = \".\" }})"
        ),
    }
}

fn describe_escape_error(error: &quick_xml::Error) -> String {
    match error {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            format!(
                "entity reference &{name}; is not allowed: only the five predefined entities and character references are read (DTD entities are never expanded)"
            )
        }
        other => other.to_string(),
    }
}

/// XML 1.0 `Char`, less what a Rust `char` cannot be (surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `/Feed/Report[3], line 12`.
pub struct Locator<'a> {
    path: &'a str,
    index: u64,
    line: u64,
}

impl fmt::Display for Locator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}], line {}", self.path, self.index, self.line)
    }
}
