//! The reading core: a pull loop over quick-xml events that keeps one
//! record's values at a time. No tree is built and nothing recurses: the
//! state is a depth counter outside records and, inside one, a stack of the
//! path-trie nodes each open element matched.

mod machine;
mod names;

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

pub use machine::Locator;
use machine::{Machine, Step, ValueBuf};
use names::Names;

use crate::error::XmlError;
use crate::input::{Fault, Tap, TapState, utf8_source};
use crate::options::{Compiled, FieldDef, FieldShape, Slot, XmlOptions};

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
/// encoding, nesting deeper than `max_depth` outside a record, a token longer than
/// `max_record_bytes`) ends reading with an [`XmlError::Malformed`] naming
/// the line: every record before it has been returned whole, the record it
/// falls in never is. A record that is well-formed but cannot be read (an
/// entity reference other than the five predefined ones, a character
/// reference to a character XML forbids, more than `max_record_bytes`,
/// nesting deeper than `max_depth`) is
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
            Slot::RecordName => Some(self.machine.record_name.as_str()),
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
