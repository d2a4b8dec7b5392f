//! The reading core: a pull loop over quick-xml events that keeps one
//! record's values at a time. No tree is built and nothing recurses: the
//! state is a depth counter outside records and, inside one, a stack of the
//! path-trie nodes each open element matched.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::reader::Reader;
use rustc_hash::FxHashMap;

use crate::error::XmlError;
use crate::input::{Fault, Tap, TapState, utf8_source};
use crate::options::{Compiled, FieldDef, FieldShape, NameTest, Node, Slot, XmlOptions};

/// How much of an oversize record's text goes to the quarantine.
const OVERSIZE_RAW_BYTES: usize = 64 * 1024;

/// Streams the records of one XML document.
///
/// Use [`XmlRecords::advance`] and the accessors of the current record (what
/// the plugin does, without copying values), or iterate for owned
/// [`Record`]s.
///
/// A fault that makes the document not well-formed (a truncated file, a
/// mismatched or unclosed tag, a forbidden character, bytes invalid in the
/// encoding, nesting deeper than `max_depth`, a token longer than
/// `max_record_bytes`) ends reading with an [`XmlError::Malformed`] naming
/// the line: every record before it has been returned whole, the record it
/// falls in never is. A record that is well-formed but cannot be read (an
/// entity reference other than the five predefined ones, a character
/// reference to a character XML forbids, more than `max_record_bytes`) is
/// returned as rejected, with the reason and its text, and reading goes on.
pub struct XmlRecords {
    reader: Reader<Tap>,
    names: Names,
    buf: Vec<u8>,
    machine: Machine,
    utf8_input: bool,
    done: bool,
}

/// What [`XmlRecords::advance`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// A record was read: see the accessors.
    Record,
    /// A record could not be read: see [`XmlRecords::reject_reason`] and
    /// [`XmlRecords::raw`].
    Rejected,
    /// The end of the document.
    End,
}

/// An owned record, as the iterator yields it.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Read {
        locator: String,
        /// Field name and value, in the order of [`XmlRecords::fields`].
        values: Vec<(String, Value)>,
    },
    Rejected {
        locator: String,
        reason: String,
        raw: String,
    },
}

/// One field's value in an owned [`Record`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(Option<String>),
    List(Vec<Option<String>>),
}

impl Record {
    pub fn locator(&self) -> &str {
        match self {
            Record::Read { locator, .. } | Record::Rejected { locator, .. } => locator,
        }
    }

    /// The value of field `name`, if the record was read and has that field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Record::Read { values, .. } => values.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            Record::Rejected { .. } => None,
        }
    }

    /// The text of single field `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(text)) => text.as_deref(),
            _ => None,
        }
    }

    /// The values of list field `name`.
    pub fn list(&self, name: &str) -> Option<Vec<Option<&str>>> {
        match self.get(name) {
            Some(Value::List(items)) => Some(items.iter().map(Option::as_deref).collect()),
            _ => None,
        }
    }
}

impl XmlRecords {
    /// Opens a file: detects its encoding and checks the options.
    pub fn open(path: &Path, options: &XmlOptions) -> Result<XmlRecords, XmlError> {
        XmlRecords::from_reader(File::open(path)?, options)
    }

    /// Reads a document from any byte stream.
    pub fn from_reader<R: Read + Send + 'static>(
        input: R,
        options: &XmlOptions,
    ) -> Result<XmlRecords, XmlError> {
        let compiled = Compiled::new(options)?;
        let (source, detected) = utf8_source(input)?;
        let tap = Tap::new(source, compiled.max_record_bytes);
        let mut reader = Reader::from_reader(tap);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        Ok(XmlRecords {
            reader,
            buf: Vec::with_capacity(4096),
            names: Names::new(compiled.element_tests.len()),
            machine: Machine::new(compiled),
            utf8_input: detected.encoding == encoding_rs::UTF_8,
            done: false,
        })
    }

    /// The source fields, in the order of the accessors' `field` index.
    pub fn fields(&self) -> &[FieldDef] {
        &self.machine.compiled.fields
    }

    /// Reads up to the end of the next record.
    pub fn advance(&mut self) -> Result<Next, XmlError> {
        if self.done {
            return Ok(Next::End);
        }
        match self.read_to_record_end() {
            Ok(next) => {
                if next == Next::End {
                    self.done = true;
                }
                Ok(next)
            }
            Err(error) => {
                self.done = true;
                Err(error)
            }
        }
    }

    fn read_to_record_end(&mut self) -> Result<Next, XmlError> {
        loop {
            let tap = &mut self.reader.get_mut().state;
            if !self.machine.in_record {
                tap.clear_capture();
            }
            tap.start_token();
            let token_offset = tap.offset;
            self.buf.clear();
            let event = self.reader.read_event_into(&mut self.buf);
            let tap = &self.reader.get_ref().state;
            let limit = self.machine.compiled.max_record_bytes;
            // The event is looked at where the parser left it, by reference:
            // moving it out of the `Result` costs a copy per event.
            let event = match &event {
                // The tap refuses to feed a long token further, but the
                // parser may take one whole buffer at a time: check again.
                Ok(_) if tap.offset - token_offset > limit => {
                    return Err(self.fail(token_offset, token_too_long(limit)));
                }
                Ok(event) => event,
                Err(error) => {
                    let message = describe_parse_error(tap, limit, error);
                    return Err(self.fail(token_offset, message));
                }
            };
            // Outside a record every token is looked at as it comes (a
            // fault there is reported before any record after it); inside
            // one, at its end and before any error.
            let mut line = 0;
            if !self.machine.in_record {
                let tap = self.reader.get_mut();
                tap.sync();
                if let Some(fault) = tap.state.fault {
                    return Err(self.fault_error(fault));
                }
                line = self.reader.get_mut().token_line();
            }
            let step = match event {
                Event::Start(start) => match self.names.open(start) {
                    Ok(()) => self.machine.start(start, &mut self.names, line),
                    Err(error) => Err(self.describe_parse_error(&error)),
                },
                Event::Empty(start) => match self.names.open(start) {
                    Ok(()) => {
                        let step = self
                            .machine
                            .start(start, &mut self.names, line)
                            .map(|_| self.machine.end());
                        self.names.close();
                        step
                    }
                    Err(error) => Err(self.describe_parse_error(&error)),
                },
                Event::End(_) => {
                    let step = self.machine.end();
                    self.names.close();
                    Ok(step)
                }
                Event::Text(text) => {
                    if self.machine.wants_text() {
                        self.machine.text(&text.xml10_content());
                    }
                    Ok(Step::Continue)
                }
                Event::CData(cdata) => {
                    if self.machine.wants_text() {
                        self.machine.text(&cdata.xml10_content());
                    }
                    Ok(Step::Continue)
                }
                Event::GeneralRef(reference) => {
                    self.machine.reference(reference);
                    Ok(Step::Continue)
                }
                // The DTD is never processed: its entity declarations are
                // not read, so no entity is ever expanded or fetched.
                Event::DocType(_) | Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {
                    Ok(Step::Continue)
                }
                Event::Eof => {
                    let tap = self.reader.get_mut();
                    tap.sync();
                    if let Some(fault) = tap.state.fault {
                        return Err(self.fault_error(fault));
                    }
                    if self.machine.depth > 0 {
                        let tap = &self.reader.get_ref().state;
                        let message = format!(
                            "the file ends inside {} open element(s) (truncated?)",
                            self.machine.depth
                        );
                        return Err(self.malformed(tap.line, tap.offset, message));
                    }
                    return Ok(Next::End);
                }
            };
            match step {
                Ok(Step::Continue) => {}
                Ok(Step::RecordEnd) => {
                    let tap = self.reader.get_mut();
                    tap.sync();
                    if let Some(fault) = tap.state.fault {
                        // Reported as from inside the record it is in.
                        self.machine.in_record = true;
                        return Err(self.fault_error(fault));
                    }
                    return Ok(if self.machine.problem.is_some() {
                        Next::Rejected
                    } else {
                        Next::Record
                    });
                }
                Err(message) => return Err(self.fail(token_offset, message)),
            }
            if self.machine.in_record {
                let tap = &self.reader.get_ref().state;
                self.machine.check_size(tap);
            }
        }
    }

    /// The error of a token that cannot be read, unless a forbidden
    /// character came before it: that is the error then, as it was first.
    fn fail(&mut self, token_offset: u64, message: String) -> XmlError {
        let tap = self.reader.get_mut();
        tap.sync();
        if let Some(fault) = tap.state.fault {
            return self.fault_error(fault);
        }
        let line = tap.token_line();
        self.malformed(line, token_offset, message)
    }

    fn fault_error(&self, fault: Fault) -> XmlError {
        let hint = if fault.code == 0 {
            " (a UTF-16 file needs a byte-order mark or an XML declaration)"
        } else {
            ""
        };
        let message = format!("character U+{:04X} is not allowed in XML{hint}", fault.code);
        self.malformed(fault.line, fault.offset, message)
    }

    fn malformed(&self, line: u64, offset: u64, message: String) -> XmlError {
        let message = if self.machine.in_record {
            format!("{message} (in record {})", self.machine.locator())
        } else {
            message
        };
        XmlError::Malformed {
            line,
            byte: self.utf8_input.then_some(offset),
            message,
        }
    }

    fn describe_parse_error(&self, error: &quick_xml::Error) -> String {
        describe_parse_error(
            &self.reader.get_ref().state,
            self.machine.compiled.max_record_bytes,
            error,
        )
    }

    /// Where the current record is: `/Feed/Report[3], line 12`.
    pub fn locator(&self) -> impl fmt::Display + '_ {
        self.machine.locator()
    }

    /// Why the current record was rejected (after [`Next::Rejected`]).
    pub fn reject_reason(&self) -> &str {
        self.machine.problem.as_deref().unwrap_or_default()
    }

    /// The current record's XML text (for the quarantine), cut at
    /// 64 KiB when the record was too large.
    pub fn raw(&self) -> Cow<'_, str> {
        let captured = self.reader.get_ref().state.captured();
        let total = self.reader.get_ref().state.captured_len();
        if total > captured.len() as u64 || captured.len() > OVERSIZE_RAW_BYTES {
            let cut = captured.len().min(OVERSIZE_RAW_BYTES);
            let mut text = String::from_utf8_lossy(&captured[..cut]).into_owned();
            text.push_str(&format!("\n[... cut at {cut} of {total} bytes]"));
            Cow::Owned(text)
        } else {
            String::from_utf8_lossy(captured)
        }
    }

    /// The value of single field `field` of the current record.
    pub fn text(&self, field: usize) -> Option<&str> {
        match self.machine.compiled.fields.get(field)?.slot {
            Slot::Single(index) => self
                .machine
                .singles
                .get(index)?
                .get(self.machine.compiled.trim),
            Slot::Group { .. } => None,
        }
    }

    /// The values of list field `field` of the current record: one per
    /// element of its group.
    pub fn list(&self, field: usize) -> impl Iterator<Item = Option<&str>> + '_ {
        let trim = self.machine.compiled.trim;
        let values: &[ValueBuf] = match self.machine.compiled.fields.get(field).map(|f| f.slot) {
            Some(Slot::Group { group, field }) => {
                let group = &self.machine.groups[group];
                &group.fields[field][..group.count]
            }
            _ => &[],
        };
        values.iter().map(move |value| value.get(trim))
    }

    /// The current record, owned.
    fn owned(&self, next: Next) -> Record {
        let locator = self.locator().to_string();
        match next {
            Next::Rejected => Record::Rejected {
                locator,
                reason: self.reject_reason().to_owned(),
                raw: self.raw().into_owned(),
            },
            _ => Record::Read {
                locator,
                values: self
                    .fields()
                    .iter()
                    .enumerate()
                    .map(|(index, field)| {
                        let value = match field.shape {
                            FieldShape::Single => Value::Text(self.text(index).map(str::to_owned)),
                            FieldShape::List => Value::List(
                                self.list(index).map(|v| v.map(str::to_owned)).collect(),
                            ),
                        };
                        (field.name.clone(), value)
                    })
                    .collect(),
            },
        }
    }
}

impl Iterator for XmlRecords {
    type Item = Result<Record, XmlError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.advance() {
            Ok(Next::End) => None,
            Ok(next) => Some(Ok(self.owned(next))),
            Err(error) => Some(Err(error)),
        }
    }
}

/// What one event did.
enum Step {
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
struct ValueBuf {
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

    fn get(&self, trim: bool) -> Option<&str> {
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
struct GroupValues {
    /// Elements of the group in the current record.
    count: usize,
    /// `fields[f][i]`: field `f` of element `i`.
    fields: Vec<Vec<ValueBuf>>,
}

/// The state between events.
struct Machine {
    compiled: Compiled,
    /// Open elements.
    depth: u32,
    /// Outside a record: how many leading steps of the record path the open
    /// elements match.
    matched: u32,
    in_record: bool,
    record_depth: u32,
    record_index: u64,
    record_line: u64,
    /// Per open element inside the record, where its matched nodes start in `active`.
    frames: Vec<u32>,
    active: Vec<u32>,
    /// Open text captures: the slot and the depth of its element.
    captures: Vec<(Slot, u32)>,
    singles: Vec<ValueBuf>,
    groups: Vec<GroupValues>,
    /// Why the current record cannot be read.
    problem: Option<String>,
}

impl Machine {
    fn new(compiled: Compiled) -> Self {
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
            compiled,
            depth: 0,
            matched: 0,
            in_record: false,
            record_depth: 0,
            record_index: 0,
            record_line: 0,
            frames: Vec::new(),
            active: Vec::new(),
            captures: Vec::new(),
            problem: None,
        }
    }

    fn locator(&self) -> Locator<'_> {
        Locator {
            path: &self.compiled.record_path,
            index: self.record_index,
            line: self.record_line,
        }
    }

    fn start(
        &mut self,
        start: &BytesStart<'_>,
        names: &mut Names,
        line: u64,
    ) -> Result<Step, String> {
        self.depth += 1;
        if self.depth > self.compiled.max_depth {
            return Err(format!(
                "elements nested deeper than max_depth ({})",
                self.compiled.max_depth
            ));
        }
        if self.in_record {
            self.enter(start, names, false)?;
            return Ok(Step::Continue);
        }
        let steps = &self.compiled.record_steps;
        if self.matched + 1 == self.depth && (self.depth as usize) <= steps.len() {
            let name = names.element(start.name(), &self.compiled.element_tests)?;
            // Test `i` is step `i` of the record path.
            if names.hit(name, self.depth - 1) {
                self.matched = self.depth;
                if self.depth as usize == steps.len() {
                    self.begin_record(line);
                    self.enter(start, names, true)?;
                }
            }
        }
        Ok(Step::Continue)
    }

    fn begin_record(&mut self, line: u64) {
        self.in_record = true;
        self.record_depth = self.depth;
        self.record_index += 1;
        self.record_line = line;
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
                if value.fill == Fill::Unset {
                    value.fill = Fill::Open;
                    self.captures.push((slot, self.depth));
                }
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
                            continue;
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

    fn end(&mut self) -> Step {
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
            if let Some(start) = self.frames.pop() {
                self.active.truncate(start as usize);
            }
            if self.depth == self.record_depth {
                self.in_record = false;
                self.depth -= 1;
                self.matched = self.depth;
                return Step::RecordEnd;
            }
        } else if self.matched == self.depth {
            self.matched -= 1;
        }
        self.depth = self.depth.saturating_sub(1);
        Step::Continue
    }

    /// Whether text now goes anywhere.
    fn wants_text(&self) -> bool {
        self.in_record && !self.captures.is_empty() && self.problem.is_none()
    }

    fn text(&mut self, text: &str) {
        if !self.wants_text() {
            return;
        }
        for &(slot, _) in &self.captures {
            if let Some(value) = slot_mut(&mut self.singles, &mut self.groups, slot) {
                value.text.push_str(text);
            }
        }
    }

    fn reference(&mut self, reference: &quick_xml::events::BytesRef<'_>) {
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

    fn check_size(&mut self, tap: &TapState) {
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
/// field while the group has no element (never reached by the trie).
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
    }
}

fn resolve_element<'n>(
    resolver: &'n NamespaceResolver,
    name: QName<'n>,
) -> Result<(Option<&'n str>, &'n str), String> {
    let (namespace, local) = resolver.resolve_element(name);
    let namespace = match namespace {
        ResolveResult::Bound(ns) => Some(ns.0),
        ResolveResult::Unbound => None,
        ResolveResult::Unknown(prefix) => {
            return Err(format!("namespace prefix {prefix:?} is not declared"));
        }
    };
    Ok((namespace, local.into_inner()))
}

/// Namespace scopes, and element names resolved once.
///
/// quick-xml's `NsReader` opens a scope at every element and resolves
/// every name anew. Here a scope is opened only by an element whose tag
/// declares a namespace (`xmlns` in its attributes: rare, usually the root),
/// and an element name is resolved and tested against every name test of
/// the options once, the answers kept until a scope opens or closes (which
/// can change what a prefix means).
struct Names {
    resolver: NamespaceResolver,
    /// Open elements.
    depth: u32,
    /// Depths of the open elements that opened a scope.
    scopes: Vec<u32>,
    /// Qualified name → its entry. rustc's FxHash: names are short, and a
    /// keyed hash is not needed for a cache that is bounded and cleared.
    index: FxHashMap<Box<str>, u32>,
    /// Per entry, whether it passes each element test (`tests` per entry).
    hits: Vec<bool>,
    /// Per entry, why it cannot be resolved (an undeclared prefix).
    errors: Vec<Option<String>>,
    /// Per entry, its qualified name.
    names: Vec<Box<str>>,
    /// Per entry, the entry looked up after it last time: feeds repeat the
    /// same elements in the same order, so this guess, checked by comparing
    /// the names, mostly saves hashing.
    next: Vec<u32>,
    /// The entry looked up last.
    last: u32,
    tests: usize,
}

const NO_ENTRY: u32 = u32::MAX;

/// Beyond this many distinct names, the cache starts again (a document
/// with endless distinct names must not grow memory).
const MAX_CACHED_NAMES: usize = 4096;

impl Names {
    fn new(tests: usize) -> Self {
        Names {
            resolver: NamespaceResolver::default(),
            depth: 0,
            scopes: Vec::new(),
            index: Default::default(),
            hits: Vec::new(),
            errors: Vec::new(),
            names: Vec::new(),
            next: Vec::new(),
            last: NO_ENTRY,
            tests,
        }
    }

    fn forget(&mut self) {
        self.index.clear();
        self.hits.clear();
        self.errors.clear();
        self.names.clear();
        self.next.clear();
        self.last = NO_ENTRY;
    }

    /// An element opens: its namespace declarations, if any, take effect.
    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), quick_xml::Error> {
        self.depth += 1;
        if declares_namespace(start.attributes_raw().as_bytes()) {
            self.resolver.push(start)?;
            self.scopes.push(self.depth);
            self.forget();
        }
        Ok(())
    }

    /// The innermost open element closes.
    fn close(&mut self) {
        if self.scopes.last() == Some(&self.depth) {
            self.scopes.pop();
            self.resolver.pop();
            self.forget();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// The entry of an element name, resolved in the current scope.
    fn element(&mut self, name: QName<'_>, tests: &[NameTest]) -> Result<u32, String> {
        let guess = match self.next.get(self.last as usize) {
            Some(&guess) if guess != NO_ENTRY => guess,
            _ => NO_ENTRY,
        };
        let entry = if guess != NO_ENTRY && *self.names[guess as usize] == *name.0 {
            guess
        } else {
            let entry = self.lookup(name, tests);
            if let Some(next) = self.next.get_mut(self.last as usize) {
                *next = entry;
            }
            entry
        };
        self.last = entry;
        match &self.errors[entry as usize] {
            None => Ok(entry),
            Some(message) => Err(message.clone()),
        }
    }

    /// The entry of a name, from the index or made.
    fn lookup(&mut self, name: QName<'_>, tests: &[NameTest]) -> u32 {
        match self.index.get(name.0) {
            Some(&entry) => entry,
            None => {
                if self.index.len() >= MAX_CACHED_NAMES {
                    self.forget();
                }
                let entry = self.errors.len() as u32;
                match resolve_element(&self.resolver, name) {
                    Ok((namespace, local)) => {
                        self.hits
                            .extend(tests.iter().map(|test| test.matches(namespace, local)));
                        self.errors.push(None);
                    }
                    Err(message) => {
                        self.hits.extend(tests.iter().map(|_| false));
                        self.errors.push(Some(message));
                    }
                }
                self.index.insert(name.0.into(), entry);
                self.names.push(name.0.into());
                self.next.push(NO_ENTRY);
                entry
            }
        }
    }

    /// Whether entry `entry` passes element test `test`.
    #[inline]
    fn hit(&self, entry: u32, test: u32) -> bool {
        self.hits(entry)
            .get(test as usize)
            .copied()
            .unwrap_or(false)
    }

    /// Whether entry `entry` passes each element test.
    #[inline]
    fn hits(&self, entry: u32) -> &[bool] {
        let start = entry as usize * self.tests;
        self.hits.get(start..start + self.tests).unwrap_or_default()
    }
}

/// Whether a start tag's attributes may declare a namespace (`xmlns` or
/// `xmlns:p`); a false alarm (the word in a value) only costs a scope.
fn declares_namespace(attributes: &[u8]) -> bool {
    attributes
        .iter()
        .enumerate()
        .any(|(at, &b)| b == b'x' && attributes[at..].starts_with(b"xmlns"))
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

fn describe_parse_error(tap: &TapState, limit: u64, error: &quick_xml::Error) -> String {
    if tap.token_overflow {
        return token_too_long(limit);
    }
    match error {
        quick_xml::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            format!("bytes that are not valid in the file's encoding ({io})")
        }
        other => other.to_string(),
    }
}

fn token_too_long(limit: u64) -> String {
    format!("a tag, text, comment or DOCTYPE longer than max_record_bytes ({limit} bytes)")
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
