//! Loads jstac ingest plugins and reads their record streams.
//!
//! [`Plugin::load`] opens a dynamic library with `RTLD_NOW` (a missing symbol
//! fails at load time, not mid-run), checks the descriptor's handshake before
//! calling any plugin code, and never unloads the library. [`Plugin::open`]
//! turns a file into a [`RecordStream`] of Arrow batches. A file that
//! cannot be read fails with a [`ReadError`] that says whose fault it is:
//! the plugin panicked, the plugin broke the contract, or the data is bad.

use std::ffi::CStr;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::{Array, ListArray, RecordBatch, RecordBatchReader, StringArray, UInt8Array};
use arrow_schema::{ArrowError, DataType};
use jstac_abi::{
    ABI_MAJOR, ABI_MINOR, ByteSlice, ENTRY_SYMBOL, FFI_ArrowArrayStream, Handshake, KIND_CHILD,
    LOCATOR_COLUMN, MAGIC, OpenRequest, OwnedString, PluginDescriptor, RAW_COLUMN, REJECT_COLUMN,
    STATUS_OK, STATUS_PANICKED, Status, TEXT_CHILD, ValueKind,
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

/// Why a plugin could not open or read a file: whose fault it is, in one
/// line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The plugin's code panicked (the SDK caught it): a bug in the plugin.
    /// A 1.3 plugin says so by its status; for an older one, whose status
    /// cannot say it, the SDK's own words are the evidence (its message
    /// starts `plugin panicked`, as every SDK since 1.0 writes it).
    #[error("{path}: {message}")]
    Panicked { path: PathBuf, message: String },
    /// The plugin broke the plugin contract: a stream or a batch this
    /// runner cannot read as the ABI describes it. A bug in the plugin.
    #[error("{path}: {violation}")]
    Contract {
        path: PathBuf,
        violation: ContractViolation,
    },
    /// The plugin could not read the file and said why: missing,
    /// unreadable, not its format, or a part it cannot parse.
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },
}

/// How a plugin's stream broke the plugin contract.
#[derive(Debug, thiserror::Error)]
pub enum ContractViolation {
    #[error("plugin returned an unusable stream: {0}")]
    UnusableStream(ArrowError),
    #[error(
        "plugin stream lacks the reserved columns {:?}",
        [LOCATOR_COLUMN, REJECT_COLUMN, RAW_COLUMN]
    )]
    MissingReservedColumns,
    #[error(
        "plugin field {name:?} has type {data_type}; this runner reads Utf8, Struct<kind: UInt8, text: Utf8> and List<Utf8> columns"
    )]
    FieldType { name: String, data_type: DataType },
    #[error("plugin sent a batch of {got} columns; its schema has {expected}")]
    ColumnCount { got: usize, expected: usize },
    #[error("plugin sent a malformed column {index}: {error}")]
    MalformedColumn { index: usize, error: ArrowError },
    #[error("plugin sent a malformed typed column: {0}")]
    MalformedTypedColumn(ArrowError),
    /// (ABI 1.3) The plugin says its `get_next` succeeded, yet its batch
    /// could not be imported.
    #[error("plugin sent a batch that cannot be imported: {0}")]
    Unimportable(String),
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
    /// ABI 1.3 and later.
    last_stream_status: Option<unsafe extern "C" fn() -> jstac_abi::Status>,
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
        let (describe, open, check_options, last_stream_status) = unsafe {
            /// Reads the entry point at `field` as `Option<F>`.
            unsafe fn entry<F>(field: *const F) -> Option<F> {
                // SAFETY: the caller points at a function-pointer field; a
                // function pointer and `Option` of it share one layout.
                unsafe { field.cast::<Option<F>>().read() }
            }
            // Whether the plugin's descriptor reaches past the field at `offset`.
            let has = |offset: usize| {
                handshake.struct_size >= (offset + std::mem::size_of::<usize>()) as u64
            };
            (
                entry(std::ptr::addr_of!((*address).describe)),
                entry(std::ptr::addr_of!((*address).open)),
                if has(std::mem::offset_of!(PluginDescriptor, check_options)) {
                    entry(std::ptr::addr_of!((*address).check_options))
                } else {
                    None
                },
                if has(std::mem::offset_of!(PluginDescriptor, last_stream_status)) {
                    entry(std::ptr::addr_of!((*address).last_stream_status))
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
            last_stream_status,
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
            let message = take_owned_string(&mut error);
            // Only a 1.3 plugin's status can say it panicked.
            let status = self.entries.last_stream_status.map(|_| status);
            return Err(classify_reported(file, status, message));
        }
        let reader = RecordBatchStreamReader::try_new(stream).map_err(|e| ReadError::Contract {
            path: file.to_owned(),
            violation: ContractViolation::UnusableStream(e),
        })?;
        RecordStream::new(file, reader, self.entries.last_stream_status)
    }
}

/// Classifies a failure the plugin reported itself by its 1.3 `status`. A
/// plugin older than 1.3 (`None`) cannot say it panicked, so the words its
/// SDK wrote are the best evidence left.
fn classify_reported(file: &Path, status: Option<Status>, message: String) -> ReadError {
    let path = file.to_owned();
    let panicked = match status {
        Some(status) => status == STATUS_PANICKED,
        None => message.starts_with(LEGACY_PANIC_PREFIX),
    };
    if panicked {
        ReadError::Panicked { path, message }
    } else {
        ReadError::Data { path, message }
    }
}

/// How the SDK has always begun a caught panic's message; evidence of a
/// panic only for plugins older than ABI 1.3.
const LEGACY_PANIC_PREFIX: &str = "plugin panicked";

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
    /// The plugin's `last_stream_status` (ABI 1.3).
    last_stream_status: Option<unsafe extern "C" fn() -> Status>,
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
    fn new(
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
    fn new(batch: RecordBatch, layouts: &[Layout]) -> Result<Self, ContractViolation> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use jstac_abi::STATUS_ERROR;

    fn kind(error: &ReadError) -> &'static str {
        match error {
            ReadError::Panicked { .. } => "panicked",
            ReadError::Contract { .. } => "contract",
            ReadError::Data { .. } => "data",
        }
    }

    #[test]
    fn a_1_3_plugin_is_classified_by_its_status_never_by_its_words() {
        let file = Path::new("refs.txt");
        let panicked = classify_reported(file, Some(STATUS_PANICKED), "oops".into());
        assert_eq!(kind(&panicked), "panicked");
        assert_eq!(panicked.to_string(), "refs.txt: oops");
        let said = "plugin panicked at nothing: only words".to_owned();
        assert_eq!(
            kind(&classify_reported(file, Some(STATUS_ERROR), said)),
            "data"
        );
    }

    #[test]
    fn an_older_plugin_is_classified_by_what_its_sdk_wrote() {
        let file = Path::new("refs.txt");
        let panic = "plugin panicked at src/lib.rs:40: boom".to_owned();
        assert_eq!(kind(&classify_reported(file, None, panic)), "panicked");
        let error = "line 3: a ragged row".to_owned();
        assert_eq!(kind(&classify_reported(file, None, error)), "data");
    }

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

    #[test]
    fn a_contract_violation_names_the_file_and_the_fault() {
        let error = ReadError::Contract {
            path: PathBuf::from("refs.txt"),
            violation: ContractViolation::MissingReservedColumns,
        };
        assert_eq!(
            error.to_string(),
            "refs.txt: plugin stream lacks the reserved columns [\"_jstac_locator\", \"_jstac_reject\", \"_jstac_raw\"]"
        );
    }
}
