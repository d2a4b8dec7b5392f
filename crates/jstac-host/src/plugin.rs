//! Loading a plugin library: the handshake, the descriptor's entry points,
//! option checks, and opening a file as a [`RecordStream`].

use std::ffi::CStr;
use std::path::{Path, PathBuf};

use arrow_array::ffi_stream::RecordBatchStreamReader;
use jstac_abi::{
    ABI_MAJOR, ByteSlice, ENTRY_SYMBOL, FFI_ArrowArrayStream, Handshake, MAGIC, OpenRequest,
    OwnedString, PluginDescriptor, STATUS_OK,
};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ContractViolation, LoadError, ReadError, classify_reported};
use crate::stream::RecordStream;

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
