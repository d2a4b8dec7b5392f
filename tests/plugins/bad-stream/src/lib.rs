//! A plugin not built with the SDK, as anyone may write one, that breaks
//! the stream contract where its `mode` option says: `invalid_utf8` sends a
//! batch whose `Ref` column holds bytes that are not UTF-8 (the host checks
//! every column of every batch before reading a value), and
//! `no_reserved_columns` opens a stream without `_jstac_locator`,
//! `_jstac_reject` and `_jstac_raw`. It speaks ABI 1.3 and, truthfully,
//! reports every `get_next` as a success: the batch it hands over is the
//! one it built, so the fault the host finds is the batch's.

use std::ffi::{CStr, c_char};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchIterator, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema};
use jstac_abi::{
    ByteSlice, FFI_ArrowArrayStream, Handshake, LOCATOR_COLUMN, OpenRequest, OwnedString,
    PluginDescriptor, RAW_COLUMN, REJECT_COLUMN, STATUS_ERROR, STATUS_OK, Status,
};

const DESCRIPTION: &CStr = c"{\"name\":\"badstream\",\"version\":\"0.0.1\",\"formats\":[\"txt\"],\"options_schema\":{\"type\":\"object\",\"properties\":{\"mode\":{\"enum\":[\"invalid_utf8\",\"no_reserved_columns\"]}},\"required\":[\"mode\"],\"additionalProperties\":false}}";

unsafe extern "C" fn describe() -> *const c_char {
    DESCRIPTION.as_ptr()
}

unsafe extern "C" fn open(
    request: *const OpenRequest,
    out_stream: *mut FFI_ArrowArrayStream,
    _out_error: *mut OwnedString,
) -> Status {
    // SAFETY: the host passes a valid request and keeps its slices alive
    // for this call; the options are parsed before it ends.
    let options = unsafe { (*request).options_json.as_bytes() };
    let mode = serde_json::from_slice::<serde_json::Value>(options)
        .ok()
        .and_then(|options| options["mode"].as_str().map(str::to_owned));
    let batch = match mode.as_deref() {
        Some("invalid_utf8") => invalid_utf8(),
        Some("no_reserved_columns") => no_reserved_columns(),
        // The host checked the options against the schema above.
        _ => return STATUS_ERROR,
    };
    let schema = batch.schema();
    let stream = FFI_ArrowArrayStream::new(Box::new(RecordBatchIterator::new([Ok(batch)], schema)));
    // SAFETY: the host passes a writable stream slot holding an empty
    // stream, which owns nothing.
    unsafe { std::ptr::write(out_stream, stream) };
    STATUS_OK
}

unsafe extern "C" fn check_options(_: ByteSlice, _: *mut OwnedString) -> Status {
    STATUS_OK
}

/// Every `get_next` of this plugin hands over the batch it built.
unsafe extern "C" fn last_stream_status() -> Status {
    STATUS_OK
}

/// The jstac plugin entry point.
#[unsafe(no_mangle)]
pub static JSTAC_PLUGIN_V1: PluginDescriptor = PluginDescriptor {
    handshake: Handshake::CURRENT,
    describe,
    open,
    check_options,
    last_stream_status,
};

fn text(value: Option<&str>) -> ArrayRef {
    Arc::new(StringArray::from(vec![value]))
}

/// One record whose `Ref` is the byte 0xFF, with good reserved columns.
fn invalid_utf8() -> RecordBatch {
    // SAFETY: not safe, deliberately: the array breaks `StringArray`'s UTF-8
    // invariant to stand for a plugin that sends invalid text. This plugin
    // never reads it as text; exporting it copies only pointers.
    let not_utf8 = unsafe {
        StringArray::new_unchecked(
            OffsetBuffer::new(ScalarBuffer::from(vec![0i32, 1])),
            Buffer::from(vec![0xffu8]),
            None,
        )
    };
    let schema = Schema::new(vec![
        Field::new("Ref", DataType::Utf8, true),
        Field::new(LOCATOR_COLUMN, DataType::Utf8, false),
        Field::new(REJECT_COLUMN, DataType::Utf8, true),
        Field::new(RAW_COLUMN, DataType::Utf8, true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(not_utf8),
            text(Some("line 1")),
            text(None),
            text(None),
        ],
    )
    .expect("columns match the schema")
}

/// One record of one field, and no reserved columns.
fn no_reserved_columns() -> RecordBatch {
    let schema = Schema::new(vec![Field::new("Ref", DataType::Utf8, true)]);
    RecordBatch::try_new(Arc::new(schema), vec![text(Some("R1"))]).expect("one column")
}
