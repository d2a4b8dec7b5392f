//! A plugin's record stream for one file: its schema checked against the
//! contract, then batches, with whose fault a failed batch is.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatchReader;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_schema::ArrowError;
use jstac_abi::{LOCATOR_COLUMN, RAW_COLUMN, REJECT_COLUMN, STATUS_OK, Status};
use jstac_core::FieldShape;

use crate::batch::{Layout, SourceBatch};
use crate::error::{ContractViolation, ReadError, classify_reported};

/// The records of one file, a batch at a time.
pub struct RecordStream {
    path: PathBuf,
    reader: RecordBatchStreamReader,
    fields: Vec<String>,
    layouts: Vec<Layout>,
    /// The plugin's `last_stream_status` (ABI 1.3).
    last_stream_status: Option<unsafe extern "C" fn() -> Status>,
    failed: bool,
}

impl RecordStream {
    pub(crate) fn new(
        path: &Path,
        reader: RecordBatchStreamReader,
        last_stream_status: Option<unsafe extern "C" fn() -> Status>,
    ) -> Result<Self, ReadError> {
        let schema = reader.schema();
        let broken = |violation: ContractViolation| ReadError::Contract {
            path: path.to_owned(),
            violation,
        };
        let expected_tail = [LOCATOR_COLUMN, REJECT_COLUMN, RAW_COLUMN];
        let n = schema.fields().len();
        if n < expected_tail.len()
            || schema.fields()[n - 3..]
                .iter()
                .map(|f| f.name().as_str())
                .ne(expected_tail)
        {
            return Err(broken(ContractViolation::MissingReservedColumns));
        }
        let mut fields = Vec::with_capacity(n - 3);
        let mut layouts = Vec::with_capacity(n - 3);
        for field in &schema.fields()[..n - 3] {
            let layout = Layout::of(field.data_type()).ok_or_else(|| {
                broken(ContractViolation::FieldType {
                    name: field.name().clone(),
                    data_type: field.data_type().clone(),
                })
            })?;
            fields.push(field.name().clone());
            layouts.push(layout);
        }
        Ok(RecordStream {
            path: path.to_owned(),
            reader,
            fields,
            layouts,
            last_stream_status,
            failed: false,
        })
    }

    /// The file's source field names.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Whether each field holds one value or a repeated group's list.
    pub fn shapes(&self) -> Vec<FieldShape> {
        self.layouts
            .iter()
            .map(|layout| match layout {
                Layout::List => FieldShape::List,
                Layout::Text | Layout::Typed => FieldShape::Single,
            })
            .collect()
    }

    /// The next batch, an error if the plugin failed, or `None` at the end.
    pub fn next_batch(&mut self) -> Option<Result<SourceBatch, ReadError>> {
        if self.failed {
            return None;
        }
        let outcome = self.reader.next()?;
        Some(match outcome {
            Ok(batch) => SourceBatch::new(batch, &self.layouts).map_err(|violation| {
                self.failed = true;
                ReadError::Contract {
                    path: self.path.clone(),
                    violation,
                }
            }),
            Err(error) => {
                self.failed = true;
                Err(self.stream_failure(&error))
            }
        })
    }

    /// Whose fault a failed batch is. A 1.3 plugin says how its `get_next`
    /// ended; asked on this thread, right after the call, as the ABI says.
    fn stream_failure(&self, error: &ArrowError) -> ReadError {
        let message = strip_arrow_prefix(&error.to_string());
        let Some(last_stream_status) = self.last_stream_status else {
            return classify_reported(&self.path, None, message);
        };
        // SAFETY: a 1.3 entry point read from the descriptor at load; it
        // takes nothing and reads a thread-local of the plugin (the SDK's
        // cannot panic).
        let status = unsafe { last_stream_status() };
        if status == STATUS_OK {
            // The plugin handed over a batch; Arrow could not import it.
            return ReadError::Contract {
                path: self.path.clone(),
                violation: ContractViolation::Unimportable(message),
            };
        }
        classify_reported(&self.path, Some(status), message)
    }
}

/// Arrow wraps a plugin's message in its own words (`C Data interface
/// error: Cannot get next batch from input stream. Error code: 22. Producer
/// error: External error: …`); users want the plugin's.
fn strip_arrow_prefix(message: &str) -> String {
    let mut text = message;
    if let Some((_, producer)) = text.split_once("Producer error: ") {
        text = producer;
    }
    for prefix in ["C Data interface error: ", "External error: "] {
        while let Some(rest) = text.strip_prefix(prefix) {
            text = rest;
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plugins_own_words_are_kept_without_arrows() {
        let arrow = "C Data interface error: Cannot get next batch from input stream. \
                     Error code: 22. Producer error: External error: plugin panicked at \
                     src/lib.rs:81: deliberate panic";
        assert_eq!(
            strip_arrow_prefix(arrow),
            "plugin panicked at src/lib.rs:81: deliberate panic"
        );
        assert_eq!(
            strip_arrow_prefix("External error: line 3: bad"),
            "line 3: bad"
        );
    }
}
