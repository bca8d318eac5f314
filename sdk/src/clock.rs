//! Wall-clock time in the units the protocol uses (envelope and request
//! timestamps, receipts).

/// Milliseconds since the Unix epoch.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub fn now_ms() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Milliseconds since the Unix epoch (`Date.now()`: a browser has no
/// system clock for `std`).
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
