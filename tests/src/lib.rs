//! The test kit of Inkpost, one of each: a real node on free ports
//! ([`node`]) and finality a test can hold ([`finality`]), fresh real databases ([`db`]), a world on chain with the
//! contracts deployed ([`world`]), relays in process or as a process
//! ([`relay`]), a lying proxy in front of a relay ([`liar`]), and the SDK's
//! relay client over an in-process router ([`client`]), pages of the web
//! client in headless Chromium ([`browser`]). Plus a timeout for every step that waits.
#![warn(missing_docs)]

pub mod browser;
pub mod client;
pub mod db;
pub mod finality;
pub mod liar;
pub mod node;
pub mod relay;
pub mod world;

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Runs `future`, panicking with `what` if it takes longer than `seconds`.
pub async fn within<T>(seconds: u64, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(seconds), future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {seconds} s: {what}"),
    }
}

/// The repository's root, found at run time: `cargo test` sets
/// `CARGO_MANIFEST_DIR` to the tested package's folder, one level below the
/// root (all packages are). The compile-time value is the fallback only: a
/// build shared by two clones through one target directory keeps the path
/// of the clone that built it, and would read the other clone's files.
pub fn repo_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("..")
}

/// A new, empty directory under the system's temporary directory, named
/// after `tag` and unique to this process.
pub fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "inkpost-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    dir
}
