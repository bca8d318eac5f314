//! The anchors contract (`contracts/anchors`): call data of its messages,
//! batch and anchor records and its errors.

use parity_scale_codec::{Decode, Encode};

use super::ink_input;
use crate::ids::Address;

/// A batch as the anchors contract stores it (`inkpost_anchors::Batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct AnchoredBatch {
    /// The Merkle root.
    pub root: [u8; 32],
    /// Number of leaves.
    pub leaf_count: u64,
    /// Block in which it was anchored.
    pub block: u32,
    /// Block timestamp (seconds).
    pub timestamp: u64,
}

/// Where a root was first anchored (`inkpost_anchors::Anchor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Anchor {
    /// Who anchored it.
    pub submitter: Address,
    /// The batch sequence number, or `None` for a single hash.
    pub seq: Option<u64>,
    /// Leaves under the root.
    pub leaf_count: u64,
    /// Block in which it was anchored.
    pub block: u32,
    /// Block timestamp (seconds).
    pub timestamp: u64,
}

/// `new()`, the constructor.
pub fn new() -> Vec<u8> {
    ink_input("new", ())
}

/// `anchor(seq, root, leaf_count) -> Result<(), Error>`
pub fn anchor(seq: u64, root: &[u8; 32], leaf_count: u64) -> Vec<u8> {
    ink_input("anchor", (seq, root, leaf_count))
}

/// `latest_seq(submitter) -> u64`
pub fn latest_seq(submitter: &Address) -> Vec<u8> {
    ink_input("latest_seq", submitter.0)
}

/// `batch(submitter, seq) -> Option<AnchoredBatch>`
pub fn batch(submitter: &Address, seq: u64) -> Vec<u8> {
    ink_input("batch", (submitter.0, seq))
}

/// `lookup(root) -> Option<Anchor>`
pub fn lookup(root: &[u8; 32]) -> Vec<u8> {
    ink_input("lookup", root)
}

super::contract_error! {
    /// The anchors contract's `Error`, variant for variant.
    pub enum AnchorsError {
        /// The batch's sequence number is not the submitter's next one.
        UnexpectedSequence {
            /// The next sequence number.
            expected: u64,
        },
        /// A batch needs at least one leaf.
        EmptyBatch,
        /// The hash is anchored already.
        AlreadyAnchored,
        /// The sequence number cannot grow further.
        Overflow,
    }
}
