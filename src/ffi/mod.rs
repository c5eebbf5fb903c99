//! The C ABI (`bsor_*`): opaque handles, status codes, one panic
//! boundary. Converts and validates only; all logic lives in the core.
