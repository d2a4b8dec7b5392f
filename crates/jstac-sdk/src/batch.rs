use std::fmt::{self, Write as _};
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use jstac_abi::{LOCATOR_COLUMN, RAW_COLUMN, REJECT_COLUMN};

/// Collects records into one Arrow batch: a text column per source field,
/// then the reserved locator, reject and raw columns.
pub struct BatchBuilder {
    fields: Vec<StringBuilder>,
    locator: StringBuilder,
    reject: StringBuilder,
    raw: StringBuilder,
    len: usize,
    capacity: usize,
}

impl BatchBuilder {
    pub(crate) fn new(n_fields: usize, capacity: usize) -> Self {
        BatchBuilder {
            fields: (0..n_fields)
                .map(|_| StringBuilder::with_capacity(capacity, capacity * 16))
                .collect(),
            locator: StringBuilder::with_capacity(capacity, capacity * 10),
            reject: StringBuilder::new(),
            raw: StringBuilder::new(),
            len: 0,
            capacity,
        }
    }

    /// The Arrow schema of batches for these source fields.
    pub(crate) fn schema(field_names: &[String]) -> SchemaRef {
        let mut fields: Vec<Field> = field_names
            .iter()
            .map(|name| Field::new(name, DataType::Utf8, true))
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
            column.append_option(value);
            n += 1;
        }
        assert_eq!(
            n,
            self.fields.len(),
            "record has fewer values than the plugin declared fields"
        );
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
            columns.push(Arc::new(column.finish()));
        }
        columns.push(Arc::new(self.locator.finish()));
        columns.push(Arc::new(self.reject.finish()));
        columns.push(Arc::new(self.raw.finish()));
        self.len = 0;
        RecordBatch::try_new(schema.clone(), columns)
    }
}
