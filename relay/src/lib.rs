//! # inkpost-relay
//!
//! The relay stores encrypted envelopes, enforces the on-chain access rules
//! and anchors Merkle roots of message ids through subxt. Its layers, each
//! depending only on the ones before it:
//!
//! ```text
//! inkpost-sdk
//!   ← store            (sqlx: SQLite, PostgreSQL; group commit)
//!   ← directory        (who is who on chain: ChainView follows finalized
//!                       blocks; Snapshot is a fixed view for tests)
//!   ← access, postage  (the rules: who may write and read; what pays)
//!   ← submit, anchor, postage::Claimer   (storing, anchoring, claiming)
//!   ← api              (HTTP API v1: parsing, auth, error mapping)
//!   ← config, server   (settings in sections; wiring) ← the binary
//! ```
#![warn(missing_docs)]

pub mod access;
pub mod anchor;
pub mod api;
pub mod clock;
pub mod config;
pub mod directory;
pub mod metrics;
pub mod postage;
pub mod rate_limit;
pub mod server;
pub mod store;
pub mod submit;
