use std::fmt::{self, Write as _};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder, UInt8Builder};
use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_buffer::NullBufferBuilder;
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef};
use jstac_abi::{KIND_CHILD, LOCATOR_COLUMN, RAW_COLUMN, REJECT_COLUMN, TEXT_CHILD, ValueKind};

/// What a source field holds; declared once per field by
/// [`RecordReader::field_kind`](crate::plugin::RecordReader::field_kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldKind {
    /// Text as the source wrote it (CSV, XML): an Arrow `Utf8` column.
    #[default]
    Text,
    /// Typed values (spreadsheet cells): each value is a [`Cell`] with its
    /// kind. An Arrow `Struct<kind: UInt8, text: Utf8>` column.
    Typed,
    /// A repeated group (XML): a list of texts per record, aligned by index
    /// with the other list fields of the same group. An Arrow `List<Utf8>`.
    List,
}

/// One value of a record, for [`BatchBuilder::push_cells`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Missing or empty.
    Null,
    Text(&'a str),
    Number(f64),
    Boolean(bool),
    /// A calendar date, ISO 8601 `YYYY-MM-DD`.
    Date(&'a str),
    /// A date and time without zone, ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fff]`.
    DateTime(&'a str),
    /// A duration, ISO 8601 (`PT1H30M`).
    Duration(&'a str),
    /// An error value (`#N/A`, `#DIV/0!`): a record that maps this field is
    /// quarantined, naming the cell.
    Error(&'a str),
    /// The values of a [`FieldKind::List`] field.
    List(&'a [Option<&'a str>]),
}

enum Column {
    Text(StringBuilder),
    Typed {
        kind: UInt8Builder,
        text: StringBuilder,
        nulls: NullBufferBuilder,
    },
    List(ListBuilder<StringBuilder>),
}

impl Column {
    fn new(kind: FieldKind, capacity: usize) -> Self {
        match kind {
            FieldKind::Text => Column::Text(StringBuilder::with_capacity(capacity, capacity * 16)),
            FieldKind::Typed => Column::Typed {
                kind: UInt8Builder::with_capacity(capacity),
                text: StringBuilder::with_capacity(capacity, capacity * 16),
                nulls: NullBufferBuilder::new(capacity),
            },
            FieldKind::List => {
                Column::List(ListBuilder::new(StringBuilder::new()).with_field(list_item()))
            }
        }
    }

    fn data_type(kind: FieldKind) -> DataType {
        match kind {
            FieldKind::Text => DataType::Utf8,
            FieldKind::Typed => DataType::Struct(typed_fields()),
            FieldKind::List => DataType::List(list_item()),
        }
    }

    fn append_null(&mut self) {
        match self {
            Column::Text(b) => b.append_null(),
            Column::Typed { kind, text, nulls } => {
                kind.append_value(ValueKind::Text as u8);
                text.append_null();
                nulls.append_null();
            }
            Column::List(b) => b.append_null(),
        }
    }

    fn append_text(&mut self, value: &str) {
        match self {
            Column::Text(b) => b.append_value(value),
            Column::Typed { .. } => self.append_typed(ValueKind::Text, format_args!("{value}")),
            Column::List(b) => {
                b.values().append_value(value);
                b.append(true);
            }
        }
    }

    fn append_typed(&mut self, value_kind: ValueKind, value: fmt::Arguments<'_>) {
        match self {
            Column::Typed { kind, text, nulls } => {
                kind.append_value(value_kind as u8);
                // Writing to a StringBuilder cannot fail.
                let _ = text.write_fmt(value);
                text.append_value("");
                nulls.append_non_null();
            }
            // A plain text column keeps the value's text.
            Column::Text(b) => {
                let _ = b.write_fmt(value);
                b.append_value("");
            }
            Column::List(b) => {
                let _ = b.values().write_fmt(value);
                b.values().append_value("");
                b.append(true);
            }
        }
    }

    fn append_cell(&mut self, cell: &Cell<'_>) {
        match *cell {
            Cell::Null => self.append_null(),
            Cell::Text(text) => self.append_text(text),
            Cell::Number(n) => self.append_typed(ValueKind::Number, format_args!("{n}")),
            Cell::Boolean(b) => self.append_typed(ValueKind::Boolean, format_args!("{b}")),
            Cell::Date(d) => self.append_typed(ValueKind::Date, format_args!("{d}")),
            Cell::DateTime(d) => self.append_typed(ValueKind::DateTime, format_args!("{d}")),
            Cell::Duration(d) => self.append_typed(ValueKind::Duration, format_args!("{d}")),
            Cell::Error(e) => self.append_typed(ValueKind::Error, format_args!("{e}")),
            Cell::List(items) => match self {
                Column::List(b) => {
                    for item in items {
                        b.values().append_option(*item);
                    }
                    b.append(true);
                }
                _ => panic!("a list value pushed to a field not declared FieldKind::List"),
            },
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Text(b) => Arc::new(b.finish()),
            Column::Typed { kind, text, nulls } => Arc::new(StructArray::new(
                typed_fields(),
                vec![Arc::new(kind.finish()), Arc::new(text.finish())],
                nulls.finish(),
            )),
            Column::List(b) => Arc::new(b.finish()),
        }
    }
}

fn typed_fields() -> Fields {
    Fields::from(vec![
        Field::new(KIND_CHILD, DataType::UInt8, false),
        Field::new(TEXT_CHILD, DataType::Utf8, true),
    ])
}

fn list_item() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Utf8, true))
}

/// Collects records into one Arrow batch: a column per source field (see
/// [`FieldKind`]), then the reserved locator, reject and raw columns.
pub struct BatchBuilder {
    fields: Vec<Column>,
    locator: StringBuilder,
    reject: StringBuilder,
    raw: StringBuilder,
    len: usize,
    capacity: usize,
}

impl BatchBuilder {
    pub(crate) fn new(kinds: &[FieldKind], capacity: usize) -> Self {
        BatchBuilder {
            fields: kinds
                .iter()
                .map(|&kind| Column::new(kind, capacity))
                .collect(),
            locator: StringBuilder::with_capacity(capacity, capacity * 10),
            reject: StringBuilder::new(),
            raw: StringBuilder::new(),
            len: 0,
            capacity,
        }
    }

    /// The Arrow schema of batches for these source fields.
    pub(crate) fn schema(field_names: &[String], kinds: &[FieldKind]) -> SchemaRef {
        let mut fields: Vec<Field> = field_names
            .iter()
            .zip(kinds)
            .map(|(name, &kind)| Field::new(name, Column::data_type(kind), true))
            .collect();
        fields.push(Field::new(LOCATOR_COLUMN, DataType::Utf8, false));
        fields.push(Field::new(REJECT_COLUMN, DataType::Utf8, true));
        fields.push(Field::new(RAW_COLUMN, DataType::Utf8, true));
        Arc::new(Schema::new(fields))
    }

    /// True when the batch should be handed over.
    pub fn is_full(&self) -> bool {
        self.len >= self.capacity
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a good record: one value per source field (`None` for a
    /// missing value), and where it is in the file (`format_args!("line {n}")`).
    ///
    /// # Panics
    /// If the number of values differs from the number of fields: that is a
    /// bug in the plugin, and the SDK turns the panic into an error of the run.
    pub fn push_record<I, S>(&mut self, locator: fmt::Arguments<'_>, values: I)
    where
        I: IntoIterator<Item = Option<S>>,
        S: AsRef<str>,
    {
        let mut n = 0;
        for value in values {
            let column = self
                .fields
                .get_mut(n)
                .expect("record has more values than the plugin declared fields");
            match value {
                Some(value) => column.append_text(value.as_ref()),
                None => column.append_null(),
            }
            n += 1;
        }
        assert_eq!(
            n,
            self.fields.len(),
            "record has fewer values than the plugin declared fields"
        );
        self.finish(locator, None, None);
    }

    /// Appends a good record of typed values or lists: one [`Cell`] per
    /// source field. A text field given a typed cell keeps the cell's text.
    ///
    /// # Panics
    /// If the number of cells differs from the number of fields, or a
    /// [`Cell::List`] is given for a field not declared [`FieldKind::List`].
    pub fn push_cells(&mut self, locator: fmt::Arguments<'_>, cells: &[Cell<'_>]) {
        assert_eq!(
            cells.len(),
            self.fields.len(),
            "record has a different number of cells than the plugin declared fields"
        );
        for (column, cell) in self.fields.iter_mut().zip(cells) {
            column.append_cell(cell);
        }
        self.finish(locator, None, None);
    }

    /// Appends a record the plugin could not read: it goes to quarantine with
    /// `reason` and its raw text.
    pub fn push_reject(&mut self, locator: fmt::Arguments<'_>, reason: &str, raw: &str) {
        for column in &mut self.fields {
            column.append_null();
        }
        self.finish(locator, Some(reason), Some(raw));
    }

    fn finish(&mut self, locator: fmt::Arguments<'_>, reject: Option<&str>, raw: Option<&str>) {
        // Writing to a StringBuilder cannot fail.
        let _ = self.locator.write_fmt(locator);
        self.locator.append_value("");
        self.reject.append_option(reject);
        self.raw.append_option(raw);
        self.len += 1;
    }

    pub(crate) fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.fields.len() + 3);
        for column in &mut self.fields {
            columns.push(column.finish());
        }
        columns.push(Arc::new(self.locator.finish()));
        columns.push(Arc::new(self.reject.finish()));
        columns.push(Arc::new(self.raw.finish()));
        self.len = 0;
        RecordBatch::try_new(schema.clone(), columns)
    }
}
