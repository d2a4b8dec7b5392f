//! The C ABI between the jstac runner and its ingest plugins.
//!
//! A plugin is a dynamic library that exports one data symbol,
//! [`ENTRY_SYMBOL`], holding a [`PluginDescriptor`]. The descriptor starts
//! with a [`Handshake`] the host checks *before* it calls any plugin code.
//! Records then cross the boundary as Arrow record batches through the
//! [Arrow C Stream interface](https://arrow.apache.org/docs/format/CStreamInterface.html),
//! whose release callbacks make the side that allocated a buffer the side
//! that frees it.
//!
//! Everything here is `#[repr(C)]`; nothing with a Rust-only layout crosses.
//! Fields are only ever appended (a minor version bump); removing or
//! reordering one is a major version bump and a new entry symbol.

use std::ffi::c_char;

pub use arrow_array::ffi_stream::FFI_ArrowArrayStream;

/// Name of the exported static holding the [`PluginDescriptor`] (NUL-terminated).
pub const ENTRY_SYMBOL: &[u8] = b"JSTAC_PLUGIN_V1\0";
/// First eight bytes of every descriptor.
pub const MAGIC: [u8; 8] = *b"JSTACPLG";
/// Bumped on any incompatible change; the host refuses other majors.
pub const ABI_MAJOR: u32 = 1;
/// Bumped when fields are appended; the host accepts any minor >= the one it needs.
pub const ABI_MINOR: u32 = 3;

/// Reserved column: where the record came from in its file (`line 12`,
/// `Encounters!C7`, `/Feed/Report[3]`). Never null.
pub const LOCATOR_COLUMN: &str = "_jstac_locator";
/// Reserved column: why the plugin could not read this record (a ragged row,
/// invalid bytes). Null for good records; non-null records go to quarantine.
pub const REJECT_COLUMN: &str = "_jstac_reject";
/// Reserved column: the raw text of a rejected record, for the quarantine.
pub const RAW_COLUMN: &str = "_jstac_raw";

/// Source field columns are one of (ABI 1.1):
/// - `Utf8`: text as the source wrote it;
/// - `Struct<kind: UInt8, text: Utf8>`: typed values, `kind` a [`ValueKind`]
///   and `text` the value in its canonical form (see [`ValueKind`]);
/// - `List<Utf8>`: a repeated group's values, aligned by index with the
///   other list fields of the group.
///
/// Name of the `kind` child of a typed field column.
pub const KIND_CHILD: &str = "kind";
/// Name of the `text` child of a typed field column.
pub const TEXT_CHILD: &str = "text";

/// What a typed value is. Its text is canonical for the kind.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Text as written.
    Text = 0,
    /// A number, as Rust displays an `f64`: shortest round-trip decimal,
    /// never an exponent (`12`, `0.5`, `1250.25`).
    Number = 1,
    /// `true` or `false`.
    Boolean = 2,
    /// ISO 8601 `YYYY-MM-DD`.
    Date = 3,
    /// ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fff]`, local to the source (no zone).
    DateTime = 4,
    /// ISO 8601 duration (`PT1H30M`).
    Duration = 5,
    /// A spreadsheet error value (`#N/A`).
    Error = 6,
}

impl ValueKind {
    pub fn from_u8(value: u8) -> Option<ValueKind> {
        Some(match value {
            0 => ValueKind::Text,
            1 => ValueKind::Number,
            2 => ValueKind::Boolean,
            3 => ValueKind::Date,
            4 => ValueKind::DateTime,
            5 => ValueKind::Duration,
            6 => ValueKind::Error,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ValueKind::Text => "text",
            ValueKind::Number => "number",
            ValueKind::Boolean => "boolean",
            ValueKind::Date => "date",
            ValueKind::DateTime => "datetime",
            ValueKind::Duration => "duration",
            ValueKind::Error => "error",
        }
    }
}

/// Checked by the host before any other plugin code runs.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    pub magic: [u8; 8],
    pub abi_major: u32,
    pub abi_minor: u32,
    /// `size_of::<PluginDescriptor>()` as the plugin was built; lets a newer
    /// host know which appended fields an older plugin has.
    pub struct_size: u64,
}

impl Handshake {
    /// The handshake of a descriptor built against this version of the crate.
    pub const CURRENT: Handshake = Handshake {
        magic: MAGIC,
        abi_major: ABI_MAJOR,
        abi_minor: ABI_MINOR,
        struct_size: std::mem::size_of::<PluginDescriptor>() as u64,
    };
}

/// A borrowed byte string: valid only for the duration of the call it is passed to.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ByteSlice {
    pub ptr: *const u8,
    pub len: usize,
}

impl ByteSlice {
    pub fn new(bytes: &[u8]) -> Self {
        ByteSlice {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }

    /// # Safety
    /// `ptr` must point to `len` readable bytes that outlive `'a`.
    pub unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// A string allocated by one side and handed to the other, which must call
/// `release` (if set) exactly once when done with it.
#[repr(C)]
#[derive(Debug)]
pub struct OwnedString {
    pub ptr: *mut u8,
    pub len: usize,
    pub release: Option<unsafe extern "C" fn(*mut OwnedString)>,
}

impl OwnedString {
    pub const EMPTY: OwnedString = OwnedString {
        ptr: std::ptr::null_mut(),
        len: 0,
        release: None,
    };
}

/// What the host asks a plugin to open.
#[repr(C)]
#[derive(Debug)]
pub struct OpenRequest {
    /// The file path as bytes (UTF-8 on Windows, OS bytes elsewhere).
    pub path: ByteSlice,
    /// The plugin's options as a JSON object, already checked by the host
    /// against the plugin's options schema.
    pub options_json: ByteSlice,
    /// Preferred number of records per batch.
    pub batch_size: u32,
}

/// Return codes of the plugin's functions.
pub type Status = i32;
/// The call succeeded.
pub const STATUS_OK: Status = 0;
/// The plugin could not do what was asked (a file it cannot read, options
/// it refuses) and said why.
pub const STATUS_ERROR: Status = 1;
/// (ABI 1.3) The plugin's own code panicked; the SDK caught the panic and
/// wrote its message where an error's goes. A host built before 1.3 sees
/// any status but [`STATUS_OK`] as an error, so it still reads the message.
pub const STATUS_PANICKED: Status = 2;

/// The exported entry: a `static` of this type named by [`ENTRY_SYMBOL`].
#[repr(C)]
pub struct PluginDescriptor {
    pub handshake: Handshake,
    /// Returns a NUL-terminated JSON document owned by the plugin for the
    /// life of the process: `{"name", "version", "formats": [...],
    /// "options_schema": {...}}`. Null if the plugin failed to describe itself.
    pub describe: unsafe extern "C" fn() -> *const c_char,
    /// Opens `request.path` and writes a record stream to `out_stream`.
    /// On error returns [`STATUS_ERROR`] (or, 1.3, [`STATUS_PANICKED`]) and
    /// writes a message to `out_error` (to be released by the host through
    /// its `release` callback).
    pub open: unsafe extern "C" fn(
        request: *const OpenRequest,
        out_stream: *mut FFI_ArrowArrayStream,
        out_error: *mut OwnedString,
    ) -> Status,
    /// (ABI 1.2) Checks options beyond what their JSON Schema can say (a
    /// path that does not parse, a prefix not declared), before any file is
    /// read. Returns [`STATUS_OK`], or [`STATUS_ERROR`] with `out_error`
    /// holding a JSON array of `[pointer, message]` pairs, `pointer` a JSON
    /// pointer into the options (`""` for the whole table).
    pub check_options:
        unsafe extern "C" fn(options_json: ByteSlice, out_error: *mut OwnedString) -> Status,
    /// (ABI 1.3) Why the last `get_next` of one of this plugin's record
    /// streams, called on the calling thread, ended as it did:
    /// [`STATUS_OK`] if it succeeded (a batch or the end of the stream),
    /// [`STATUS_ERROR`] if the plugin reported an error, or
    /// [`STATUS_PANICKED`] if its code panicked. The Arrow C Stream's
    /// `get_next` returns only an `errno` code and `get_last_error` only
    /// text, so the host asks here, on the same thread, right after a
    /// `get_next` whose batch it could not use. Like `errno`, the value is
    /// per thread; it is never an error itself.
    pub last_stream_status: unsafe extern "C" fn() -> Status,
}

/// Size of a 1.0/1.1 descriptor, which ends after `open`: the host accepts
/// those and does not read the fields appended since.
pub const DESCRIPTOR_SIZE_1_0: usize = std::mem::offset_of!(PluginDescriptor, check_options);
/// Size of a 1.2 descriptor, which ends after `check_options`.
pub const DESCRIPTOR_SIZE_1_2: usize = std::mem::offset_of!(PluginDescriptor, last_stream_status);

impl std::fmt::Debug for PluginDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginDescriptor")
            .field("handshake", &self.handshake)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// Minor versions only append: each version's fields sit where they did,
    /// and each older descriptor size ends where the next field begins, so
    /// `struct_size` tells the host exactly which fields a plugin has.
    #[test]
    fn fields_are_only_appended() {
        let pointer = size_of::<usize>();
        assert_eq!(offset_of!(PluginDescriptor, handshake), 0);
        assert_eq!(
            offset_of!(PluginDescriptor, describe),
            size_of::<Handshake>()
        );
        assert_eq!(
            offset_of!(PluginDescriptor, open),
            size_of::<Handshake>() + pointer
        );
        assert_eq!(DESCRIPTOR_SIZE_1_0, size_of::<Handshake>() + 2 * pointer);
        assert_eq!(DESCRIPTOR_SIZE_1_2, DESCRIPTOR_SIZE_1_0 + pointer);
        assert_eq!(size_of::<PluginDescriptor>(), DESCRIPTOR_SIZE_1_2 + pointer);
        assert_eq!(
            Handshake::CURRENT.struct_size,
            size_of::<PluginDescriptor>() as u64
        );
        assert_eq!((ABI_MAJOR, ABI_MINOR), (1, 3));
    }

    #[test]
    fn statuses_are_distinct_and_ok_is_zero() {
        assert_eq!(STATUS_OK, 0);
        assert_ne!(STATUS_ERROR, STATUS_OK);
        assert_ne!(STATUS_PANICKED, STATUS_OK);
        assert_ne!(STATUS_PANICKED, STATUS_ERROR);
    }
}
