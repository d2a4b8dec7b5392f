//! The unsafe half of the SDK: what [`crate::export_plugin!`] expands to calls
//! into here. Every entry point runs the plugin's code under
//! `catch_unwind`, so a panic becomes an error of the run.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Once, OnceLock};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use jstac_abi::{
    ByteSlice, FFI_ArrowArrayStream, OpenRequest, OwnedString, STATUS_ERROR, STATUS_OK, Status,
};

use crate::{BatchBuilder, FieldKind, Plugin, PluginError, RecordReader};

/// Expands to the exported descriptor for a [`Plugin`] type. Call it once per
/// plugin crate (built as a `cdylib`).
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[doc(hidden)]
        unsafe extern "C" fn __jstac_describe() -> *const ::std::ffi::c_char {
            static TEXT: ::std::sync::OnceLock<::std::option::Option<::std::ffi::CString>> =
                ::std::sync::OnceLock::new();
            $crate::describe::<$plugin>(&TEXT)
        }

        #[doc(hidden)]
        unsafe extern "C" fn __jstac_open(
            request: *const $crate::abi::OpenRequest,
            out_stream: *mut $crate::abi::FFI_ArrowArrayStream,
            out_error: *mut $crate::abi::OwnedString,
        ) -> $crate::abi::Status {
            // SAFETY: the host passes valid pointers, as the ABI requires.
            unsafe { $crate::open::<$plugin>(request, out_stream, out_error) }
        }

        #[doc(hidden)]
        unsafe extern "C" fn __jstac_check_options(
            options_json: $crate::abi::ByteSlice,
            out_error: *mut $crate::abi::OwnedString,
        ) -> $crate::abi::Status {
            // SAFETY: the host passes a valid slice and error slot.
            unsafe { $crate::check_options::<$plugin>(options_json, out_error) }
        }

        /// The jstac plugin entry point.
        #[unsafe(no_mangle)]
        pub static JSTAC_PLUGIN_V1: $crate::abi::PluginDescriptor = $crate::abi::PluginDescriptor {
            handshake: $crate::abi::Handshake::CURRENT,
            describe: __jstac_describe,
            open: __jstac_open,
            check_options: __jstac_check_options,
        };
    };
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
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

/// Runs plugin code, turning a panic into an error message.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_panic_hook();
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        LAST_PANIC
            .with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| format!("plugin panicked: {}", payload_text(&*payload)))
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
    let outcome = guarded(|| -> Result<FFI_ArrowArrayStream, String> {
        // SAFETY: the host keeps the request and its slices alive for this call.
        let request = unsafe { &*request };
        let path = path_from_bytes(unsafe { request.path.as_bytes() });
        let options: P::Options =
            serde_json::from_slice(unsafe { request.options_json.as_bytes() })
                .map_err(|e| format!("invalid options: {e}"))?;
        let reader = P::open(&path, options).map_err(|e| e.to_string())?;
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
    match outcome.and_then(|opened| opened) {
        Ok(stream) => {
            // SAFETY: the host passes a writable stream slot; the empty value
            // there owns nothing, so overwriting it leaks nothing.
            unsafe { std::ptr::write(out_stream, stream) };
            STATUS_OK
        }
        Err(message) => {
            // SAFETY: as above, for the error slot.
            unsafe { std::ptr::write(out_error, owned_string(message)) };
            STATUS_ERROR
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
    .unwrap_or_else(|message| vec![(String::new(), message)]);
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
            return None;
        }
        let outcome = match guarded(|| self.next_batch()) {
            Ok(Ok(batch)) => Ok(batch),
            Ok(Err(error)) => Err(error.to_string()),
            Err(panic) => Err(panic),
        };
        match outcome {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(message) => {
                self.done = true;
                Some(Err(ArrowError::ExternalError(message.into())))
            }
        }
    }
}

impl<R: RecordReader> RecordBatchReader for GuardedStream<R> {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}
