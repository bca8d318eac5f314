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
//! Status: storage, chain view, anchoring and configuration are here; the
//! HTTP API and the binary are the next step (see the relay issue).
#![warn(missing_docs)]

pub mod anchor;
pub mod chain_view;
pub mod clock;
pub mod config;
pub mod store;
