//! # inkpost-sdk
//!
//! The client library of Inkpost, shared by the relay and the CLI:
//!
//! - [`ids`]: identifier newtypes (accounts, addresses, messages, groups,
//!   conversations, batches, channels);
//! - [`keys`]: one seed → the sr25519 account key and versioned X25519
//!   encryption keys;
//! - [`signature`]: sr25519 signatures and their signing contexts;
//! - [`envelope`]: the versioned, canonical, encrypted and signed message;
//! - [`hpke`]: HPKE key wrapping and X25519 keys, from aws-lc-rs (feature
//!   `native`) or pure Rust (feature `pure`, for WebAssembly);
//! - [`continuity`]: each sender's chain, followed to notice withheld or
//!   reordered messages;
//! - [`merkle`]: Merkle trees over message ids and bounded inclusion proofs;
//! - [`voucher`]: payment-channel vouchers as the escrow contract checks them;
//! - [`auth`]: signed, replay-protected relay requests;
//! - [`receipt`]: relays' signed acknowledgements of stored messages;
//! - [`relay`]: the relay's HTTP API: wire types and the client (its
//!   HTTP/1.1 transport with feature `http-client`);
//! - [`contracts`]: call data, result types and errors of the Inkpost
//!   contracts;
//! - [`units`]: native units and tokens;
//! - `chain` (feature `chain`): deploying and calling them through subxt.
//!
//! ```
//! use inkpost_sdk::envelope::{Draft, Envelope, Recipient, SenderChain};
//! use inkpost_sdk::ids::{ClientMsgId, ConversationId, DirectId, Epoch, KeyVersion};
//! use inkpost_sdk::keys::Identity;
//! use inkpost_sdk::merkle::MerkleTree;
//!
//! let alice = Identity::from_suri("//Alice")?;
//! let bob = Identity::from_suri("//Bob")?;
//! let draft = Draft {
//!     conversation: ConversationId::Direct(DirectId::between(
//!         &alice.account_id(),
//!         &bob.account_id(),
//!     )),
//!     epoch: Epoch(0),
//!     sent_at_ms: 1_700_000_000_000,
//!     client_msg_id: ClientMsgId([1; 16]),
//!     chain: SenderChain::FIRST,
//! };
//! let to_bob = Recipient {
//!     account: bob.account_id(),
//!     key: bob.encryption_key(KeyVersion(1)),
//!     key_version: KeyVersion(1),
//! };
//! let envelope = Envelope::seal(&alice, draft, &[to_bob], b"hi Bob")?;
//!
//! // The relay stores the bytes and anchors the id in a Merkle root ...
//! let bytes = envelope.to_bytes();
//! let tree = MerkleTree::build(&[envelope.id()])?;
//! let proof = tree.proof(0)?;
//!
//! // ... and Bob verifies everything without trusting the relay.
//! let received = Envelope::from_bytes(&bytes)?;
//! proof.verify(&tree.root(), &received.id())?;
//! assert_eq!(received.open(&bob)?, b"hi Bob");
//! # Ok::<(), inkpost_sdk::Error>(())
//! ```
#![warn(missing_docs)]

pub mod auth;
#[cfg(feature = "chain")]
pub mod chain;
pub mod clock;
pub mod continuity;
pub mod contracts;
pub mod deployment;
pub mod envelope;
pub mod hash;
pub mod hpke;
pub mod ids;
pub mod keys;
pub mod merkle;
pub mod receipt;
pub mod relay;
pub mod signature;
pub mod units;
pub mod voucher;

/// Any error of this library.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An identifier did not parse.
    #[error(transparent)]
    Id(#[from] ids::IdError),
    /// A secret did not yield an identity.
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    /// A signature did not verify.
    #[error(transparent)]
    Signature(#[from] signature::SignatureError),
    /// An envelope could not be built, decoded, verified or opened.
    #[error(transparent)]
    Envelope(#[from] envelope::EnvelopeError),
    /// A Merkle tree or proof failed.
    #[error(transparent)]
    Merkle(#[from] merkle::MerkleError),
    /// A voucher did not verify.
    #[error(transparent)]
    Voucher(#[from] voucher::VoucherError),
    /// A request's authorization failed.
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
}
