//! The relay's HTTP API v1 from a client's side: the wire types ([`api`]),
//! one client of every route ([`RelayClient`]) over a pluggable
//! [`Transport`], and the Server-Sent Events parser its live stream uses
//! ([`sse`]). The CLI, the tests, the load benchmark and (later) the web
//! client all talk to relays through this one client.
//!
//! The client itself needs no async runtime: the transport brings one. With
//! feature `http-client`, [`HyperTransport`] speaks HTTP/1.1 over tokio; tests drive
//! an axum `Router` in process through a transport of their own.

pub mod api;
pub mod client;
pub mod error;
#[cfg(feature = "http-client")]
mod hyper;
pub mod sse;
pub mod subscription;
pub mod transport;

pub use client::RelayClient;
pub use error::{RelayError, StreamEvent};
#[cfg(feature = "http-client")]
pub use hyper::HyperTransport;
pub use subscription::{MAX_EVENT_BYTES, Subscription};
pub use transport::{ByteStream, Transport, TransportError};
