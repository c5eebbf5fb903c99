//! The C library of banditsor, as rustls-ffi is for rustls: this crate only
//! packages the C ABI as `libbanditsor.so` and `libbanditsor.a`, so that a
//! Rust program depending on `banditsor` compiles an rlib and no C library.
//!
//! The `bsor_*` functions themselves live in the core's (doc(hidden)) `ffi`
//! module, next to the one panic boundary and conversions the PETSc plugin
//! shares; `include/banditsor.h` is generated from there. Linking the core
//! here is enough: a cdylib and a staticlib export every `#[no_mangle]`
//! function of their dependencies (tests/ffi_symbols.rs checks the
//! exported symbols against the header).

pub use banditsor::ffi::*;
