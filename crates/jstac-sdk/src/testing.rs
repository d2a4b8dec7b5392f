//! Drives a [`RecordReader`] the way the Arrow stream does, without FFI, so
//! a plugin's own tests read files through the same API a run uses
//! (feature `testing`; a plugin takes it as a dev-dependency).
//!
//! ```ignore
//! let mut reader = MyFormat::open(&path, options)?;
//! let records = jstac_sdk::testing::read_all(&mut reader, 2)?;
//! assert_eq!(records[0].locator, "line 2");
//! ```

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};

use crate::batch::{BatchBuilder, FieldKind};
use crate::plugin::{PluginError, RecordReader};

/// One record as the runner receives it: the values of a good record, or
/// the reason and raw text of a rejected one, with its locator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRecord {
    pub locator: String,
    /// One per field: the text of a text field, the canonical text of a
    /// typed cell; `None` when missing, and for every field of a reject.
    pub values: Vec<Option<String>>,
    /// Why the plugin could not read the record.
    pub reject: Option<String>,
    /// The record's text, for quarantine (rejects only).
    pub raw: Option<String>,
}

/// Reads every record of `reader` in batches of `batch_size` (a small size
/// exercises the reader's resumption between batches), exactly as the
/// stream calls [`RecordReader::read_batch`].
///
/// # Panics
/// On a [`FieldKind::List`] field: a repeated group has no one text; test
/// such a plugin's reading core directly.
pub fn read_all<R: RecordReader>(
    reader: &mut R,
    batch_size: usize,
) -> Result<Vec<ReadRecord>, PluginError> {
    let kinds: Vec<FieldKind> = (0..reader.fields().len())
        .map(|index| reader.field_kind(index))
        .collect();
    assert!(
        !kinds.contains(&FieldKind::List),
        "testing::read_all renders text and typed fields only"
    );
    let schema = BatchBuilder::schema(reader.fields(), &kinds);
    let mut builder = BatchBuilder::new(&kinds, batch_size.max(1));
    let mut records = Vec::new();
    loop {
        let more = reader.read_batch(&mut builder)?;
        if !builder.is_empty() && (builder.is_full() || !more) {
            let batch = builder
                .finish_batch(&schema)
                .map_err(|e| PluginError::Open(format!("building a batch: {e}")))?;
            records.extend(rows(&batch, &kinds));
        }
        if !more {
            return Ok(records);
        }
    }
}

fn rows(batch: &RecordBatch, kinds: &[FieldKind]) -> Vec<ReadRecord> {
    let text = |column: usize, row: usize| {
        let array = batch.column(column).as_string::<i32>();
        array.is_valid(row).then(|| array.value(row).to_owned())
    };
    let n_fields = kinds.len();
    (0..batch.num_rows())
        .map(|row| ReadRecord {
            locator: text(n_fields, row).unwrap_or_default(),
            values: kinds
                .iter()
                .enumerate()
                .map(|(column, kind)| match kind {
                    FieldKind::Typed => {
                        let cell = batch.column(column).as_struct();
                        let texts = cell.column(1).as_string::<i32>();
                        (cell.is_valid(row) && texts.is_valid(row))
                            .then(|| texts.value(row).to_owned())
                    }
                    _ => text(column, row),
                })
                .collect(),
            reject: text(n_fields + 1, row),
            raw: text(n_fields + 2, row),
        })
        .collect()
}
