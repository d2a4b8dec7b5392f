//! One batch of a plugin's records, with typed access to its columns by
//! their layout.

use arrow_array::cast::AsArray;
use arrow_array::{Array, ListArray, RecordBatch, StringArray, UInt8Array};
use arrow_schema::DataType;
use jstac_abi::{KIND_CHILD, TEXT_CHILD, ValueKind};
use jstac_core::Kind;

use crate::error::ContractViolation;

/// How a field column is laid out (ABI 1.1; see `jstac_abi`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `Utf8`.
    Text,
    /// `Struct<kind: UInt8, text: Utf8>`.
    Typed,
    /// `List<Utf8>`.
    List,
}

impl Layout {
    pub(crate) fn of(data_type: &DataType) -> Option<Layout> {
        match data_type {
            DataType::Utf8 => Some(Layout::Text),
            DataType::Struct(children)
                if children.len() == 2
                    && children[0].name() == KIND_CHILD
                    && children[0].data_type() == &DataType::UInt8
                    && children[1].name() == TEXT_CHILD
                    && children[1].data_type() == &DataType::Utf8 =>
            {
                Some(Layout::Typed)
            }
            DataType::List(item) if item.data_type() == &DataType::Utf8 => Some(Layout::List),
            _ => None,
        }
    }
}

/// One batch of records from a plugin, with typed access to its columns.
pub struct SourceBatch {
    values: Vec<Column>,
    locator: StringArray,
    reject: StringArray,
    raw: StringArray,
}

enum Column {
    Text(StringArray),
    Typed {
        kinds: UInt8Array,
        text: StringArray,
    },
    List {
        lists: ListArray,
        items: StringArray,
    },
}

impl SourceBatch {
    pub(crate) fn new(batch: RecordBatch, layouts: &[Layout]) -> Result<Self, ContractViolation> {
        let n_fields = layouts.len();
        if batch.num_columns() != n_fields + 3 {
            return Err(ContractViolation::ColumnCount {
                got: batch.num_columns(),
                expected: n_fields + 3,
            });
        }
        // Arrow imports a C stream without validating it; a plugin not built
        // with the SDK could send bad offsets or invalid UTF-8. Check every
        // column fully before any value is read (a linear pass).
        for (index, column) in batch.columns().iter().enumerate() {
            column
                .to_data()
                .validate_full()
                .map_err(|error| ContractViolation::MalformedColumn { index, error })?;
        }
        let text = |index: usize| batch.column(index).as_string::<i32>().clone();
        let mut values = Vec::with_capacity(n_fields);
        for (index, layout) in layouts.iter().enumerate() {
            values.push(match layout {
                Layout::Text => Column::Text(text(index)),
                Layout::Typed => {
                    let typed = batch.column(index).as_struct();
                    let kinds = typed.column(0).as_primitive().clone();
                    // The struct's own nulls mark missing values.
                    let text = match typed.nulls() {
                        Some(nulls) => {
                            let own = typed.column(1).as_string::<i32>();
                            let merged = arrow_buffer::NullBuffer::union(Some(nulls), own.nulls());
                            StringArray::try_new(
                                own.offsets().clone(),
                                own.values().clone(),
                                merged,
                            )
                            .map_err(ContractViolation::MalformedTypedColumn)?
                        }
                        None => typed.column(1).as_string::<i32>().clone(),
                    };
                    Column::Typed { kinds, text }
                }
                Layout::List => {
                    let lists = batch.column(index).as_list::<i32>().clone();
                    let items = lists.values().as_string::<i32>().clone();
                    Column::List { lists, items }
                }
            });
        }
        Ok(SourceBatch {
            values,
            locator: text(n_fields),
            reject: text(n_fields + 1),
            raw: text(n_fields + 2),
        })
    }

    pub fn len(&self) -> usize {
        self.locator.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of source field `field` in record `row` (`None` if missing
    /// or a list field).
    #[inline]
    pub fn value(&self, field: usize, row: usize) -> Option<&str> {
        let column = match &self.values[field] {
            Column::Text(column) | Column::Typed { text: column, .. } => column,
            Column::List { .. } => return None,
        };
        (!column.is_null(row)).then(|| column.value(row))
    }

    /// What a typed field's value is; text for text fields. A kind this
    /// runner does not know is treated as an error value.
    #[inline]
    pub fn kind(&self, field: usize, row: usize) -> Kind {
        match &self.values[field] {
            // A missing value has no kind (Arrow leaves null slots undefined).
            Column::Typed { kinds, text } if kinds.is_null(row) || text.is_null(row) => Kind::Text,
            Column::Typed { kinds, .. } => match ValueKind::from_u8(kinds.value(row)) {
                Some(ValueKind::Text) => Kind::Text,
                Some(ValueKind::Number) => Kind::Number,
                Some(ValueKind::Boolean) => Kind::Boolean,
                Some(ValueKind::Date) => Kind::Date,
                Some(ValueKind::DateTime) => Kind::DateTime,
                Some(ValueKind::Duration) => Kind::Duration,
                Some(ValueKind::Error) | None => Kind::Error,
            },
            Column::Text(_) | Column::List { .. } => Kind::Text,
        }
    }

    /// The number of elements of list field `field` in record `row`.
    #[inline]
    pub fn list_len(&self, field: usize, row: usize) -> usize {
        match &self.values[field] {
            Column::List { lists, .. } if !lists.is_null(row) => lists.value_length(row) as usize,
            _ => 0,
        }
    }

    /// Element `index` of list field `field` in record `row`.
    #[inline]
    pub fn list_value(&self, field: usize, row: usize, index: usize) -> Option<&str> {
        match &self.values[field] {
            Column::List { lists, items } if index < self.list_len(field, row) => {
                let at = lists.value_offsets()[row] as usize + index;
                (!items.is_null(at)).then(|| items.value(at))
            }
            _ => None,
        }
    }

    /// Where record `row` is in its file.
    #[inline]
    pub fn locator(&self, row: usize) -> &str {
        self.locator.value(row)
    }

    /// Why the plugin rejected record `row`, if it did.
    #[inline]
    pub fn reject(&self, row: usize) -> Option<&str> {
        (!self.reject.is_null(row)).then(|| self.reject.value(row))
    }

    /// The raw text of a rejected record.
    pub fn raw(&self, row: usize) -> Option<&str> {
        (!self.raw.is_null(row)).then(|| self.raw.value(row))
    }
}

impl jstac_core::SourceRecords for SourceBatch {
    fn len(&self) -> usize {
        SourceBatch::len(self)
    }
    fn value(&self, field: usize, row: usize) -> Option<&str> {
        SourceBatch::value(self, field, row)
    }
    fn kind(&self, field: usize, row: usize) -> Kind {
        SourceBatch::kind(self, field, row)
    }
    fn list_len(&self, field: usize, row: usize) -> usize {
        SourceBatch::list_len(self, field, row)
    }
    fn list_value(&self, field: usize, row: usize, index: usize) -> Option<&str> {
        SourceBatch::list_value(self, field, row, index)
    }
    fn locator(&self, row: usize) -> &str {
        SourceBatch::locator(self, row)
    }
    fn reject(&self, row: usize) -> Option<&str> {
        SourceBatch::reject(self, row)
    }
    fn raw(&self, row: usize) -> Option<&str> {
        SourceBatch::raw(self, row)
    }
}
