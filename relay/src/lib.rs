//! # inkpost-relay
//!
//! The relay stores encrypted envelopes, enforces the on-chain access rules
//! and anchors Merkle roots of message ids through subxt. Its layers, each
//! depending only on the ones before it:
//!
//! `inkpost-sdk` ← [`store`] (sqlx: SQLite, PostgreSQL) ← [`chain_view`]
//! (identities, groups and escrow channels, cached, invalidated by
//! finalized events), [`anchor`] (batching and anchoring) and [`claim`]
//! (redeeming postage vouchers) ← [`api`] (HTTP API v1) ← [`server`] and
//! the binary.
#![warn(missing_docs)]

pub mod anchor;
pub mod api;
pub mod chain_view;
pub mod claim;
pub mod clock;
pub mod config;
pub mod metrics;
pub mod rate_limit;
pub mod server;
pub mod store;
