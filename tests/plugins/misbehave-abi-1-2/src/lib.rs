//! The misbehaving test plugin as a plugin built for ABI 1.2 would be: its
//! descriptor's `struct_size` ends after `check_options`, and `open` reports
//! a panic as a plain error (`STATUS_ERROR`), as 1.2's SDK did. The host
//! must load it, tell its panics by what the SDK wrote, and never touch the
//! 1.3 field it does not have: here that field aborts the process.

#[path = "../../misbehave/src/plugin.rs"]
mod plugin;

use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use jstac_sdk::abi::{
    ByteSlice, DESCRIPTOR_SIZE_1_2, FFI_ArrowArrayStream, Handshake, OpenRequest, OwnedString,
    PluginDescriptor, STATUS_ERROR, STATUS_OK, Status,
};
use plugin::Misbehave;

unsafe extern "C" fn describe() -> *const c_char {
    static TEXT: OnceLock<Option<CString>> = OnceLock::new();
    jstac_sdk::describe::<Misbehave>(&TEXT)
}

unsafe extern "C" fn open(
    request: *const OpenRequest,
    out_stream: *mut FFI_ArrowArrayStream,
    out_error: *mut OwnedString,
) -> Status {
    // SAFETY: the host passes valid pointers, as the ABI requires.
    match unsafe { jstac_sdk::open::<Misbehave>(request, out_stream, out_error) } {
        STATUS_OK => STATUS_OK,
        // 1.2 had no other status: a panic was an error like any other.
        _ => STATUS_ERROR,
    }
}

unsafe extern "C" fn check_options(options_json: ByteSlice, out_error: *mut OwnedString) -> Status {
    // SAFETY: the host passes a valid slice and error slot.
    unsafe { jstac_sdk::check_options::<Misbehave>(options_json, out_error) }
}

/// Beyond this plugin's `struct_size`: a host that calls it is wrong.
unsafe extern "C" fn last_stream_status() -> Status {
    std::process::abort()
}

/// The jstac plugin entry point, as a 1.2 plugin has it.
#[unsafe(no_mangle)]
pub static JSTAC_PLUGIN_V1: PluginDescriptor = PluginDescriptor {
    handshake: Handshake {
        abi_minor: 2,
        struct_size: DESCRIPTOR_SIZE_1_2 as u64,
        ..Handshake::CURRENT
    },
    describe,
    open,
    check_options,
    last_stream_status,
};
