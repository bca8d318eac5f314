//! # inkpost-relay
//!
//! The relay stores encrypted envelopes, enforces the on-chain access rules
//! and anchors Merkle roots of message ids through subxt. Its layers, each
//! depending only on the ones before it:
//!
//! `inkpost-sdk` ← [`store`] (sqlx: SQLite, PostgreSQL) ← [`chain_view`]
//! (identities and groups, cached, invalidated by finalized events) and
//! [`anchor`] (batching and anchoring) ← HTTP API ← the binary.
//!
//! Status: storage, chain view, anchoring, configuration and the HTTP API
//! (submit, read, proofs, batches, health) and the binary ([`server`]) are
//! here; the live stream, rate limits, metrics and postage are next.
#![warn(missing_docs)]

pub mod anchor;
pub mod api;
pub mod chain_view;
pub mod clock;
pub mod config;
pub mod metrics;
pub mod rate_limit;
pub mod server;
pub mod store;
