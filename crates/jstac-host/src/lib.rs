//! Loads jstac ingest plugins and reads their record streams.
//!
//! [`Plugin::load`] opens a dynamic library with `RTLD_NOW` (a missing symbol
//! fails at load time, not mid-run), checks the descriptor's handshake before
//! calling any plugin code, and never unloads the library. [`Plugin::open`]
//! turns a file into a [`RecordStream`] of Arrow batches.

use std::ffi::CStr;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::{Array, ListArray, RecordBatch, RecordBatchReader, StringArray, UInt8Array};
use arrow_schema::DataType;
use jstac_abi::{
    ABI_MAJOR, ABI_MINOR, ByteSlice, ENTRY_SYMBOL, FFI_ArrowArrayStream, Handshake, KIND_CHILD,
    LOCATOR_COLUMN, MAGIC, OpenRequest, OwnedString, PluginDescriptor, RAW_COLUMN, REJECT_COLUMN,
    STATUS_OK, TEXT_CHILD, ValueKind,
};
use jstac_core::{FieldShape, Kind};
use serde::Deserialize;
use serde_json::Value;

/// Why a library could not be used as a plugin. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot load library: {message}")]
    Library { path: PathBuf, message: String },
    #[error("{path}: not a jstac plugin (no JSTAC_PLUGIN_V1 symbol)")]
    NotAPlugin { path: PathBuf },
    #[error("{path}: not a jstac plugin (bad magic in its descriptor)")]
    BadMagic { path: PathBuf },
    #[error(
        "{path}: plugin built for jstac plugin ABI {major}.{minor}; this runner speaks ABI {ABI_MAJOR}.x (rebuild the plugin against jstac-sdk)"
    )]
    AbiVersion {
        path: PathBuf,
        major: u32,
        minor: u32,
    },
    #[error(
        "{path}: plugin descriptor is {size} bytes, smaller than ABI {ABI_MAJOR}.{ABI_MINOR} requires"
    )]
    Truncated { path: PathBuf, size: u64 },
    #[error("{path}: plugin did not describe itself: {message}")]
    Describe { path: PathBuf, message: String },
}

/// Why a plugin could not open or read a file. One line, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Stream { path: PathBuf, message: String },
}

/// What a plugin says about itself.
#[derive(Debug, Clone, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub formats: Vec<String>,
    pub options_schema: Value,
}

/// A loaded plugin. The library stays loaded for the life of the process.
pub struct Plugin {
    path: PathBuf,
    info: PluginInfo,
    entries: Entries,
    options_validator: jsonschema::Validator,
}

/// The descriptor's entry points this host uses, read once at load.
#[derive(Clone, Copy)]
struct Entries {
    open: unsafe extern "C" fn(
        *const OpenRequest,
        *mut FFI_ArrowArrayStream,
        *mut OwnedString,
    ) -> jstac_abi::Status,
    /// ABI 1.2 and later.
    check_options: Option<unsafe extern "C" fn(ByteSlice, *mut OwnedString) -> jstac_abi::Status>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// The platform's file name for a plugin called `name`: `libjstac_plugin_NAME.so`.
pub fn library_file_name(name: &str) -> String {
    format!(
        "{}jstac_plugin_{}{}",
        std::env::consts::DLL_PREFIX,
        name,
        std::env::consts::DLL_SUFFIX
    )
}

/// Every file in `dirs` that is named like a plugin library, in name order.
pub fn candidate_libraries(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let prefix = format!("{}jstac_plugin_", std::env::consts::DLL_PREFIX);
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(std::env::consts::DLL_SUFFIX) {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

impl Plugin {
    /// Loads the library at `path` and checks that it is a compatible plugin.
    pub fn load(path: &Path) -> Result<Plugin, LoadError> {
        let library = open_library(path)?;
        // Never unloaded: thread-local destructors and statics in the plugin
        // may outlive any handle we hold.
        let library: &'static libloading::Library = Box::leak(Box::new(library));
        // SAFETY: we only take the address of the symbol here.
        let symbol =
            unsafe { library.get::<*const PluginDescriptor>(ENTRY_SYMBOL) }.map_err(|_| {
                LoadError::NotAPlugin {
                    path: path.to_owned(),
                }
            })?;
        let address: *const PluginDescriptor = *symbol;
        if address.is_null() {
            return Err(LoadError::NotAPlugin {
                path: path.to_owned(),
            });
        }
        // SAFETY: every ABI version starts the descriptor with a Handshake;
        // we read only that before trusting anything else.
        let handshake: Handshake = unsafe { std::ptr::read(address.cast::<Handshake>()) };
        check_handshake(path, &handshake)?;
        // SAFETY: the handshake says this is a descriptor of our major
        // version holding at least the 1.0 fields; a field appended since is
        // read only when `struct_size` says the plugin has it. Entry points
        // are read as `Option` (same layout), so a null one is refused here
        // rather than called.
        let (describe, open, check_options) = unsafe {
            /// Reads the entry point at `field` as `Option<F>`.
            unsafe fn entry<F>(field: *const F) -> Option<F> {
                // SAFETY: the caller points at a function-pointer field; a
                // function pointer and `Option` of it share one layout.
                unsafe { field.cast::<Option<F>>().read() }
            }
            let has_check = handshake.struct_size
                >= (std::mem::offset_of!(PluginDescriptor, check_options)
                    + std::mem::size_of::<usize>()) as u64;
            (
                entry(std::ptr::addr_of!((*address).describe)),
                entry(std::ptr::addr_of!((*address).open)),
                if has_check {
                    entry(std::ptr::addr_of!((*address).check_options))
                } else {
                    None
                },
            )
        };
        let (Some(describe), Some(open)) = (describe, open) else {
            return Err(LoadError::Describe {
                path: path.to_owned(),
                message: "its descriptor has a null entry point".into(),
            });
        };
        let entries = Entries {
            open,
            check_options,
        };

        // SAFETY: `describe` takes no arguments; the SDK guards it against panics.
        let text = unsafe { describe() };
        if text.is_null() {
            return Err(LoadError::Describe {
                path: path.to_owned(),
                message: "describe() returned nothing".into(),
            });
        }
        // SAFETY: the plugin returns a NUL-terminated string it owns for the
        // life of the process.
        let text = unsafe { CStr::from_ptr(text) }.to_string_lossy();
        let info: PluginInfo = serde_json::from_str(&text).map_err(|e| LoadError::Describe {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let options_validator =
            jsonschema::validator_for(&info.options_schema).map_err(|e| LoadError::Describe {
                path: path.to_owned(),
                message: format!("options schema is not valid JSON Schema: {e}"),
            })?;
        Ok(Plugin {
            path: path.to_owned(),
            info,
            entries,
            options_validator,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// Checks options against the plugin's schema, then (ABI 1.2) asks the
    /// plugin for what a schema cannot say. Each problem is one line: the
    /// option's path (`/delimiter`, empty for the whole table) and what is wrong.
    pub fn check_options(&self, options: &Value) -> Vec<(String, String)> {
        let problems: Vec<(String, String)> = self
            .options_validator
            .iter_errors(options)
            .map(|error| (error.instance_path().to_string(), error.to_string()))
            .collect();
        let Some(check) = self.entries.check_options else {
            return problems;
        };
        if !problems.is_empty() {
            return problems;
        }
        let json = options.to_string();
        let mut error = OwnedString::EMPTY;
        // SAFETY: the slice and the error slot are valid for the call; the
        // SDK guards the plugin's check against panics.
        let status = unsafe { check(ByteSlice::new(json.as_bytes()), &mut error) };
        if status == STATUS_OK {
            return Vec::new();
        }
        let text = take_owned_string(&mut error);
        match serde_json::from_str::<Vec<(String, String)>>(&text) {
            Ok(problems) if !problems.is_empty() => problems,
            _ => vec![(String::new(), text)],
        }
    }

    /// Opens `file` and reads as far as its field names.
    pub fn open(
        &self,
        file: &Path,
        options: &Value,
        batch_size: u32,
    ) -> Result<RecordStream, ReadError> {
        let path_bytes = path_bytes(file);
        let options_json = options.to_string();
        let request = OpenRequest {
            path: ByteSlice::new(&path_bytes),
            options_json: ByteSlice::new(options_json.as_bytes()),
            batch_size,
        };
        let mut stream = FFI_ArrowArrayStream::empty();
        let mut error = OwnedString::EMPTY;
        // SAFETY: all three pointers are valid for the call; the plugin
        // writes either the stream or the error.
        let status = unsafe { (self.entries.open)(&request, &mut stream, &mut error) };
        if status != STATUS_OK {
            return Err(ReadError::Open {
                path: file.to_owned(),
                message: take_owned_string(&mut error),
            });
        }
        let reader = RecordBatchStreamReader::try_new(stream).map_err(|e| ReadError::Open {
            path: file.to_owned(),
            message: format!("plugin returned an unusable stream: {e}"),
        })?;
        RecordStream::new(file, reader)
    }
}

fn check_handshake(path: &Path, handshake: &Handshake) -> Result<(), LoadError> {
    if handshake.magic != MAGIC {
        return Err(LoadError::BadMagic {
            path: path.to_owned(),
        });
    }
    if handshake.abi_major != ABI_MAJOR {
        return Err(LoadError::AbiVersion {
            path: path.to_owned(),
            major: handshake.abi_major,
            minor: handshake.abi_minor,
        });
    }
    if handshake.struct_size < jstac_abi::DESCRIPTOR_SIZE_1_0 as u64 {
        return Err(LoadError::Truncated {
            path: path.to_owned(),
            size: handshake.struct_size,
        });
    }
    Ok(())
}

#[cfg(unix)]
fn open_library(path: &Path) -> Result<libloading::Library, LoadError> {
    use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
    // SAFETY: loading runs the library's initialisers; plugins are trusted
    // code the operator installed.
    unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }
        .map(Into::into)
        .map_err(|e| LoadError::Library {
            path: path.to_owned(),
            message: e.to_string(),
        })
}

#[cfg(not(unix))]
fn open_library(path: &Path) -> Result<libloading::Library, LoadError> {
    // SAFETY: as above.
    unsafe { libloading::Library::new(path) }.map_err(|e| LoadError::Library {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

fn take_owned_string(string: &mut OwnedString) -> String {
    let text = if string.ptr.is_null() {
        "plugin reported an error without a message".to_owned()
    } else {
        // SAFETY: the plugin wrote `len` bytes at `ptr`.
        let bytes = unsafe { std::slice::from_raw_parts(string.ptr, string.len) };
        String::from_utf8_lossy(bytes).into_owned()
    };
    if let Some(release) = string.release {
        // SAFETY: released once, by the side that allocated it.
        unsafe { release(string) };
    }
    text
}

/// The records of one file, a batch at a time.
pub struct RecordStream {
    path: PathBuf,
    reader: RecordBatchStreamReader,
    fields: Vec<String>,
    layouts: Vec<Layout>,
    failed: bool,
}

/// How a field column is laid out (ABI 1.1; see `jstac_abi`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `Utf8`.
    Text,
    /// `Struct<kind: UInt8, text: Utf8>`.
    Typed,
    /// `List<Utf8>`.
    List,
}

impl Layout {
    fn of(data_type: &DataType) -> Option<Layout> {
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

impl RecordStream {
    fn new(path: &Path, reader: RecordBatchStreamReader) -> Result<Self, ReadError> {
        let schema = reader.schema();
        let bad = |message: String| ReadError::Open {
            path: path.to_owned(),
            message,
        };
        let expected_tail = [LOCATOR_COLUMN, REJECT_COLUMN, RAW_COLUMN];
        let n = schema.fields().len();
        if n < expected_tail.len()
            || schema.fields()[n - 3..]
                .iter()
                .map(|f| f.name().as_str())
                .ne(expected_tail)
        {
            return Err(bad(format!(
                "plugin stream lacks the reserved columns {expected_tail:?}"
            )));
        }
        let mut fields = Vec::with_capacity(n - 3);
        let mut layouts = Vec::with_capacity(n - 3);
        for field in &schema.fields()[..n - 3] {
            let layout = Layout::of(field.data_type()).ok_or_else(|| {
                bad(format!(
                    "plugin field {:?} has type {}; this runner reads Utf8, Struct<kind: UInt8, text: Utf8> and List<Utf8> columns",
                    field.name(),
                    field.data_type()
                ))
            })?;
            fields.push(field.name().clone());
            layouts.push(layout);
        }
        Ok(RecordStream {
            path: path.to_owned(),
            reader,
            fields,
            layouts,
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
            Ok(batch) => SourceBatch::new(batch, &self.layouts).map_err(|message| {
                self.failed = true;
                ReadError::Stream {
                    path: self.path.clone(),
                    message,
                }
            }),
            Err(error) => {
                self.failed = true;
                Err(ReadError::Stream {
                    path: self.path.clone(),
                    message: strip_arrow_prefix(&error.to_string()),
                })
            }
        })
    }
}

/// Arrow wraps a plugin's message in its own words; users want the plugin's.
fn strip_arrow_prefix(message: &str) -> String {
    let mut text = message;
    for prefix in ["C Data interface error: ", "External error: "] {
        while let Some(rest) = text.strip_prefix(prefix) {
            text = rest;
        }
    }
    text.to_owned()
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
    fn new(batch: RecordBatch, layouts: &[Layout]) -> Result<Self, String> {
        let n_fields = layouts.len();
        if batch.num_columns() != n_fields + 3 {
            return Err(format!(
                "plugin sent a batch of {} columns; its schema has {}",
                batch.num_columns(),
                n_fields + 3
            ));
        }
        // Arrow imports a C stream without validating it; a plugin not built
        // with the SDK could send bad offsets or invalid UTF-8. Check every
        // column fully before any value is read (a linear pass).
        for (index, column) in batch.columns().iter().enumerate() {
            column
                .to_data()
                .validate_full()
                .map_err(|e| format!("plugin sent a malformed column {index}: {e}"))?;
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
                            .map_err(|e| format!("plugin sent a malformed typed column: {e}"))?
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
