//! The unsafe half of the SDK: what [`crate::export_plugin!`] expands to calls
//! into here. Every entry point runs the plugin's code under
//! `catch_unwind`, so a panic becomes an error of the run, and reports it
//! as a panic (ABI 1.3): [`STATUS_PANICKED`] from `open`, and
//! [`last_stream_status`] after a stream's failed batch.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Once, OnceLock};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use jstac_abi::{
    ByteSlice, FFI_ArrowArrayStream, OpenRequest, OwnedString, STATUS_ERROR, STATUS_OK,
    STATUS_PANICKED, Status,
};

use crate::batch::{BatchBuilder, FieldKind};
use crate::plugin::{Plugin, PluginError, RecordReader};

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// How the last `get_next` of a stream on this thread ended (ABI 1.3).
    static LAST_STREAM_STATUS: Cell<Status> = const { Cell::new(STATUS_OK) };
}

/// A panic of plugin code, caught: `plugin panicked at FILE:LINE: MESSAGE`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Panic(String);

/// Why an entry point failed; its text is what the host shows, its
/// [`status`](EntryError::status) what the host classifies by.
#[derive(Debug, thiserror::Error)]
enum EntryError {
    #[error(transparent)]
    Panicked(#[from] Panic),
    #[error("invalid options: {0}")]
    Options(serde_json::Error),
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

impl EntryError {
    fn status(&self) -> Status {
        match self {
            EntryError::Panicked(_) => STATUS_PANICKED,
            EntryError::Options(_) | EntryError::Plugin(_) => STATUS_ERROR,
        }
    }
}

/// The descriptor's `last_stream_status` (ABI 1.3): how the last `get_next`
/// of a stream on the calling thread ended.
#[doc(hidden)]
pub extern "C" fn last_stream_status() -> Status {
    // `try_with` fails only while the thread is being torn down, when no
    // stream can be read on it any more.
    LAST_STREAM_STATUS
        .try_with(Cell::get)
        .unwrap_or(STATUS_ERROR)
}

fn set_last_stream_status(status: Status) {
    let _ = LAST_STREAM_STATUS.try_with(|last| last.set(status));
}

/// Replaces the default panic hook of this plugin's copy of `std` with one
/// that records where the panic happened instead of printing it: the runner
/// reports it as one line, as an error of the run.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let message = payload_text(info.payload());
            LAST_PANIC.with(|last| {
                *last.borrow_mut() = Some(format!("plugin panicked{location}: {message}"));
            });
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(no message)"
    }
}

/// Runs plugin code, turning a panic into a [`Panic`].
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, Panic> {
    install_panic_hook();
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        Panic(
            LAST_PANIC
                .with(|last| last.borrow_mut().take())
                .unwrap_or_else(|| format!("plugin panicked: {}", payload_text(&*payload))),
        )
    })
}

#[doc(hidden)]
pub fn describe<P: Plugin>(cell: &'static OnceLock<Option<CString>>) -> *const c_char {
    let text = cell.get_or_init(|| {
        guarded(|| {
            let schema = schemars::schema_for!(P::Options);
            let doc = serde_json::json!({
                "name": P::NAME,
                "version": P::VERSION,
                "formats": P::FORMATS,
                "options_schema": schema,
            });
            CString::new(doc.to_string()).ok()
        })
        .ok()
        .flatten()
    });
    text.as_ref().map_or(std::ptr::null(), |text| text.as_ptr())
}

/// # Safety
/// `request` must point to a valid [`OpenRequest`]; `out_stream` and
/// `out_error` must be valid for writes.
#[doc(hidden)]
pub unsafe fn open<P: Plugin>(
    request: *const OpenRequest,
    out_stream: *mut FFI_ArrowArrayStream,
    out_error: *mut OwnedString,
) -> Status {
    let outcome = guarded(|| -> Result<FFI_ArrowArrayStream, EntryError> {
        // SAFETY: the host passes a valid request and keeps it alive for this call.
        let request = unsafe { &*request };
        // SAFETY: the host keeps the path bytes alive for this call, and
        // `path_from_bytes` copies them.
        let path = path_from_bytes(unsafe { request.path.as_bytes() });
        // SAFETY: as for the path; the options are parsed before the call ends.
        let options_json = unsafe { request.options_json.as_bytes() };
        let options: P::Options =
            serde_json::from_slice(options_json).map_err(EntryError::Options)?;
        let reader = P::open(&path, options)?;
        let kinds: Vec<FieldKind> = (0..reader.fields().len())
            .map(|i| reader.field_kind(i))
            .collect();
        let schema = BatchBuilder::schema(reader.fields(), &kinds);
        let builder = BatchBuilder::new(&kinds, request.batch_size.max(1) as usize);
        let stream = GuardedStream {
            reader: std::mem::ManuallyDrop::new(reader),
            schema,
            builder,
            done: false,
        };
        Ok(FFI_ArrowArrayStream::new(Box::new(stream)))
    });
    match outcome.unwrap_or_else(|panic| Err(panic.into())) {
        Ok(stream) => {
            // SAFETY: the host passes a writable stream slot; the empty value
            // there owns nothing, so overwriting it leaks nothing.
            unsafe { std::ptr::write(out_stream, stream) };
            STATUS_OK
        }
        Err(error) => {
            // SAFETY: as above, for the error slot.
            unsafe { std::ptr::write(out_error, owned_string(error.to_string())) };
            error.status()
        }
    }
}

/// # Safety
/// `options_json` must be valid for this call; `out_error` valid for writes.
#[doc(hidden)]
pub unsafe fn check_options<P: Plugin>(
    options_json: ByteSlice,
    out_error: *mut OwnedString,
) -> Status {
    let problems = guarded(|| -> Vec<(String, String)> {
        // SAFETY: the host keeps the slice alive for this call.
        let bytes = unsafe { options_json.as_bytes() };
        match serde_json::from_slice::<P::Options>(bytes) {
            Ok(options) => P::check(&options),
            Err(e) => vec![(String::new(), format!("invalid options: {e}"))],
        }
    })
    .unwrap_or_else(|panic| vec![(String::new(), panic.to_string())]);
    if problems.is_empty() {
        return STATUS_OK;
    }
    let json = serde_json::Value::Array(
        problems
            .into_iter()
            .map(|(at, message)| serde_json::json!([at, message]))
            .collect(),
    );
    // SAFETY: the host passes a writable error slot holding nothing.
    unsafe { std::ptr::write(out_error, owned_string(json.to_string())) };
    STATUS_ERROR
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

fn owned_string(text: String) -> OwnedString {
    let bytes: Box<[u8]> = text.into_bytes().into_boxed_slice();
    let len = bytes.len();
    OwnedString {
        ptr: Box::into_raw(bytes).cast::<u8>(),
        len,
        release: Some(release_owned_string),
    }
}

unsafe extern "C" fn release_owned_string(string: *mut OwnedString) {
    // SAFETY: `string` was made by `owned_string` and is released once.
    unsafe {
        let string = &mut *string;
        if !string.ptr.is_null() {
            let slice = std::ptr::slice_from_raw_parts_mut(string.ptr, string.len);
            drop(Box::from_raw(slice));
        }
        string.ptr = std::ptr::null_mut();
        string.len = 0;
        string.release = None;
    }
}

/// The plugin's reader seen as an Arrow record batch stream, with every call
/// into plugin code guarded. After an error or panic the stream ends.
struct GuardedStream<R> {
    /// Dropped under the panic guard (see `Drop`): the host's release
    /// callback drops the stream, and a panic there must not cross `extern "C"`.
    reader: std::mem::ManuallyDrop<R>,
    schema: SchemaRef,
    builder: BatchBuilder,
    done: bool,
}

impl<R: RecordReader> GuardedStream<R> {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, PluginError> {
        loop {
            let more = self.reader.read_batch(&mut self.builder)?;
            if !self.builder.is_empty() && (self.builder.is_full() || !more) {
                let batch = self
                    .builder
                    .finish_batch(&self.schema)
                    .map_err(|e| PluginError::Open(format!("building a batch: {e}")))?;
                return Ok(Some(batch));
            }
            if !more {
                return Ok(None);
            }
        }
    }
}

impl<R> Drop for GuardedStream<R> {
    fn drop(&mut self) {
        // SAFETY: `reader` is taken exactly once, here, and never used after.
        let reader = unsafe { std::mem::ManuallyDrop::take(&mut self.reader) };
        // A reader whose Drop panics leaks what it held; nothing unwinds out.
        let _ = guarded(move || drop(reader));
    }
}

impl<R: RecordReader> Iterator for GuardedStream<R> {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            set_last_stream_status(STATUS_OK);
            return None;
        }
        let outcome = match guarded(|| self.next_batch()) {
            Ok(Ok(batch)) => Ok(batch),
            Ok(Err(error)) => Err(EntryError::from(error)),
            Err(panic) => Err(EntryError::from(panic)),
        };
        set_last_stream_status(
            outcome
                .as_ref()
                .map_or_else(EntryError::status, |_| STATUS_OK),
        );
        match outcome {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(ArrowError::ExternalError(Box::new(error))))
            }
        }
    }
}

impl<R: RecordReader> RecordBatchReader for GuardedStream<R> {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader of one field that yields `good` records, then does as `end` says.
    struct Scripted {
        fields: Vec<String>,
        good: usize,
        end: &'static str,
    }

    impl RecordReader for Scripted {
        fn fields(&self) -> &[String] {
            &self.fields
        }

        fn read_batch(&mut self, batch: &mut BatchBuilder) -> Result<bool, PluginError> {
            if self.good > 0 {
                self.good -= 1;
                batch.push_record(format_args!("line {}", self.good), [Some("R")]);
                return Ok(true);
            }
            match self.end {
                "panic" => panic!("scripted panic"),
                "error" => Err(PluginError::Read {
                    locator: "line 9".into(),
                    message: "scripted error".into(),
                }),
                _ => Ok(false),
            }
        }
    }

    fn stream(good: usize, end: &'static str) -> GuardedStream<Scripted> {
        let kinds = [FieldKind::Text];
        let fields = vec!["Ref".to_owned()];
        GuardedStream {
            schema: BatchBuilder::schema(&fields, &kinds),
            builder: BatchBuilder::new(&kinds, 1),
            reader: std::mem::ManuallyDrop::new(Scripted { fields, good, end }),
            done: false,
        }
    }

    /// What each `next` gave (`batch`, `end`, or the error's text), each
    /// with the status `last_stream_status` reported right after it.
    fn drain(mut stream: GuardedStream<Scripted>) -> Vec<(String, Status)> {
        let mut seen = Vec::new();
        for _ in 0..4 {
            let outcome = match stream.next() {
                Some(Ok(_)) => "batch".to_owned(),
                Some(Err(error)) => error.to_string(),
                None => "end".to_owned(),
            };
            seen.push((outcome, last_stream_status()));
        }
        seen
    }

    #[test]
    fn each_batch_reports_how_it_ended() {
        let ok = |s: &str| (s.to_owned(), STATUS_OK);
        assert_eq!(
            drain(stream(1, "end")),
            [ok("batch"), ok("end"), ok("end"), ok("end")]
        );

        let errored = drain(stream(1, "error"));
        assert_eq!(errored[0], ok("batch"));
        assert_eq!(
            errored[1],
            (
                "External error: line 9: scripted error".to_owned(),
                STATUS_ERROR
            )
        );
        // The stream ends after an error, and the end is no failure.
        assert_eq!(errored[2], ok("end"));

        let panicked = drain(stream(0, "panic"));
        assert_eq!(panicked[0].1, STATUS_PANICKED, "{:?}", panicked[0]);
        assert!(
            panicked[0]
                .0
                .starts_with("External error: plugin panicked at crates/jstac-sdk/src/ffi.rs:"),
            "{:?}",
            panicked[0]
        );
        assert!(panicked[0].0.ends_with(": scripted panic"), "{panicked:?}");
        assert_eq!(panicked[1], ok("end"));
    }
}
