//! A plugin built for ABI major 999: the host must refuse it before calling
//! anything, so its functions abort if they are ever called.

use jstac_abi::{
    ByteSlice, FFI_ArrowArrayStream, Handshake, OpenRequest, OwnedString, PluginDescriptor, Status,
};

unsafe extern "C" fn describe() -> *const std::ffi::c_char {
    std::process::abort()
}

unsafe extern "C" fn open(
    _: *const OpenRequest,
    _: *mut FFI_ArrowArrayStream,
    _: *mut OwnedString,
) -> Status {
    std::process::abort()
}

unsafe extern "C" fn check_options(_: ByteSlice, _: *mut OwnedString) -> Status {
    std::process::abort()
}

unsafe extern "C" fn last_stream_status() -> Status {
    std::process::abort()
}

#[unsafe(no_mangle)]
pub static JSTAC_PLUGIN_V1: PluginDescriptor = PluginDescriptor {
    handshake: Handshake {
        abi_major: 999,
        abi_minor: 0,
        ..Handshake::CURRENT
    },
    describe,
    open,
    check_options,
    last_stream_status,
};
