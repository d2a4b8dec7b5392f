//! [`export_plugin!`](crate::export_plugin): the one macro a plugin crate
//! calls. Its expansion runs in the plugin crate, so it names only the
//! SDK's public root (`$crate::describe`, `$crate::abi`, ...).

/// Expands to the exported descriptor for a [`Plugin`](crate::Plugin) type.
/// Call it once per plugin crate (built as a `cdylib`).
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
            last_stream_status: $crate::last_stream_status,
        };
    };
}
