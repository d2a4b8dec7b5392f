//! A perfectly good dynamic library that is not a jstac plugin.

#[unsafe(no_mangle)]
pub extern "C" fn something_else() -> i32 {
    42
}
