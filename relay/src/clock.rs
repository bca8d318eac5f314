//! Wall-clock time in the units the protocol uses (the SDK's clock).

pub use inkpost_sdk::clock::now_ms;
