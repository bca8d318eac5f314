//! How a [`RelayClient`](super::RelayClient) reaches a relay: anything that
//! can send an HTTP request and hand back the answer, whole or as a stream
//! of body chunks. The client builds requests with absolute URLs
//! (`http://host:port/v1/...`); a transport that serves one router in
//! process may look at the path only.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use futures::Stream;

/// A boxed future, as transports return them (`Send` off WebAssembly,
/// where a browser's `fetch` is bound to its one thread).
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future, as transports return them (`Send` off WebAssembly,
/// where a browser's `fetch` is bound to its one thread).
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// An answer's body arriving in chunks.
#[cfg(not(target_arch = "wasm32"))]
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, TransportError>> + Send>>;
/// An answer's body arriving in chunks.
#[cfg(target_arch = "wasm32")]
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, TransportError>>>>;

/// `Send + Sync` off WebAssembly; anything on it (one thread).
#[cfg(not(target_arch = "wasm32"))]
pub trait ThreadSafe: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync> ThreadSafe for T {}
/// `Send + Sync` off WebAssembly; anything on it (one thread).
#[cfg(target_arch = "wasm32")]
pub trait ThreadSafe {}
#[cfg(target_arch = "wasm32")]
impl<T> ThreadSafe for T {}

/// The most a whole answer may hold: the relay's pages stay well below
/// (`relay/src/api/envelopes.rs`), and a client must not buffer without end.
pub const MAX_ANSWER_BYTES: usize = 8 << 20;

/// The relay could not be reached, the exchange broke off, or the answer
/// was larger than a client accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer, or a broken one.
    #[error("{0}")]
    Failed(String),
    /// The answer's body grew past `limit` bytes.
    #[error("the answer is larger than {limit} bytes")]
    TooLarge {
        /// The limit it passed.
        limit: usize,
    },
}

impl TransportError {
    /// An error carrying `reason`'s text.
    pub fn new(reason: impl std::fmt::Display) -> Self {
        Self::Failed(reason.to_string())
    }
}

/// Sends HTTP requests to a relay.
pub trait Transport: ThreadSafe + 'static {
    /// Sends `request` and reads the whole answer, failing with
    /// [`TransportError::TooLarge`] past [`MAX_ANSWER_BYTES`].
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;

    /// Sends `request` and returns the answer's status and headers at once,
    /// its body as it arrives (for the live stream).
    fn open(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<ByteStream>, TransportError>>;
}
