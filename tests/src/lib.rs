//! Test harness for Inkpost's end-to-end tests: a real `ink-node` on free
//! ports, killed on drop, and a timeout for every step that waits.
#![warn(missing_docs)]

pub mod db;
pub mod deploy;
pub mod node;
pub mod world;

use std::future::Future;
use std::time::Duration;

/// Runs `future`, panicking with `what` if it takes longer than `seconds`.
pub async fn within<T>(seconds: u64, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(seconds), future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {seconds} s: {what}"),
    }
}
