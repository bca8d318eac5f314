//! Merkle trees over message ids, and their inclusion proofs.
//!
//! ```text
//! leaf  = BLAKE2b-256(0x00 ‖ message id)
//! node  = BLAKE2b-256(0x01 ‖ left ‖ right)
//! root  = BLAKE2b-256(0x02 ‖ leaf count (u64 LE) ‖ top node)
//! ```
//!
//! A level with an odd number of nodes promotes its last node unchanged to
//! the next level (no duplication, so no two leaf lists share a root). The
//! anchored root commits to the leaf count, so a proof's count cannot be
//! altered either. A proof is `leaf index (u64 LE) ‖ leaf count (u64 LE) ‖
//! SCALE(Vec<sibling>)`: 17 + 32·⌈log2 N⌉ bytes at most. Its decoder rejects
//! more than [`MAX_DEPTH`] siblings before allocating anything.

use parity_scale_codec::{Compact, Decode, Encode, Input};

use crate::hash::{Blake2b256, Hash};
use crate::ids::MessageId;
use blake2::Digest;

/// The deepest tree (and longest proof) supported.
pub const MAX_DEPTH: usize = 32;

/// The most leaves a tree may have: 2^[`MAX_DEPTH`].
pub const MAX_LEAVES: u64 = 1 << MAX_DEPTH;

/// The largest encoded proof: two u64, a compact length and the siblings.
pub const MAX_PROOF_BYTES: usize = 8 + 8 + 1 + 32 * MAX_DEPTH;

const LEAF_TAG: u8 = 0x00;
const NODE_TAG: u8 = 0x01;
const ROOT_TAG: u8 = 0x02;

/// Returned when a tree cannot be built or a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// A tree needs at least one leaf.
    #[error("a Merkle tree needs at least one leaf")]
    Empty,
    /// More leaves than [`MAX_LEAVES`].
    #[error("{0} leaves exceed the limit of {MAX_LEAVES}")]
    TooManyLeaves(u64),
    /// The leaf index is not below the leaf count.
    #[error("leaf index {index} is out of range for {count} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The number of leaves.
        count: u64,
    },
    /// The proof has a different number of siblings than its position needs.
    #[error("proof has {got} siblings, its position needs {expected}")]
    PathLengthMismatch {
        /// Siblings the position needs.
        expected: usize,
        /// Siblings in the proof.
        got: usize,
    },
    /// The proof claims more siblings than [`MAX_DEPTH`].
    #[error("proof claims {0} siblings, more than the maximum depth {MAX_DEPTH}")]
    TooDeep(u64),
    /// The proof bytes are malformed or longer than [`MAX_PROOF_BYTES`].
    #[error("malformed Merkle proof: {0}")]
    Malformed(String),
    /// The proof leads to another root: the leaf is not in the anchored batch.
    #[error("the proof does not lead to the anchored root")]
    RootMismatch,
}

/// The leaf hash of a message id.
pub fn leaf_hash(id: &MessageId) -> Hash {
    tagged_hash(LEAF_TAG, &[&id.0])
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    tagged_hash(NODE_TAG, &[left, right])
}

fn root_hash(leaf_count: u64, top: &Hash) -> Hash {
    tagged_hash(ROOT_TAG, &[&leaf_count.to_le_bytes(), top])
}

fn tagged_hash(tag: u8, parts: &[&[u8]]) -> Hash {
    let mut hasher = Blake2b256::new();
    hasher.update([tag]);
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Calls `step(position, has_sibling)` for each level from the leaves up;
/// returns the number of siblings the path has.
fn walk_path(mut index: u64, mut count: u64, mut step: impl FnMut(u64, bool)) -> usize {
    let mut siblings = 0;
    while count > 1 {
        let promoted = index == count - 1 && count % 2 == 1;
        step(index, !promoted);
        if !promoted {
            siblings += 1;
        }
        index /= 2;
        count = count.div_ceil(2);
    }
    siblings
}

/// A Merkle tree with every level kept, so proofs cost O(log n).
#[derive(Debug, Clone)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// Builds the tree over `ids` in order.
    pub fn build(ids: &[MessageId]) -> Result<Self, MerkleError> {
        let count = ids.len() as u64;
        if count == 0 {
            return Err(MerkleError::Empty);
        }
        if count > MAX_LEAVES {
            return Err(MerkleError::TooManyLeaves(count));
        }
        let mut levels = vec![ids.iter().map(leaf_hash).collect::<Vec<_>>()];
        while let Some(level) = levels.last().filter(|level| level.len() > 1) {
            let next = level
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => node_hash(left, right),
                    [single] => *single,
                    _ => unreachable!("chunks(2) yields one or two items"),
                })
                .collect();
            levels.push(next);
        }
        Ok(Self { levels })
    }

    /// The number of leaves.
    pub fn leaf_count(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// The root to anchor: commits to the top node and the leaf count.
    pub fn root(&self) -> Hash {
        let top = self.levels.last().and_then(|level| level.first());
        root_hash(
            self.leaf_count(),
            top.unwrap_or_else(|| unreachable!("a built tree has a top node")),
        )
    }

    /// The inclusion proof of the leaf at `index`.
    pub fn proof(&self, index: u64) -> Result<Proof, MerkleError> {
        let count = self.leaf_count();
        if index >= count {
            return Err(MerkleError::IndexOutOfRange { index, count });
        }
        let mut siblings = Vec::new();
        let mut level = 0;
        walk_path(index, count, |position, has_sibling| {
            if has_sibling {
                siblings.push(self.levels[level][(position ^ 1) as usize]);
            }
            level += 1;
        });
        Ok(Proof {
            leaf_index: index,
            leaf_count: count,
            siblings,
        })
    }
}

/// The proof that a message id is leaf `leaf_index` of a tree of
/// `leaf_count` leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// Position of the leaf, from 0.
    pub leaf_index: u64,
    /// Number of leaves in the tree.
    pub leaf_count: u64,
    /// Sibling hashes from the leaf level up.
    pub siblings: Vec<Hash>,
}

impl Proof {
    /// The root this proof leads to from `id`.
    pub fn root_for(&self, id: &MessageId) -> Result<Hash, MerkleError> {
        let (index, count) = (self.leaf_index, self.leaf_count);
        if count > MAX_LEAVES {
            return Err(MerkleError::TooManyLeaves(count));
        }
        if index >= count {
            return Err(MerkleError::IndexOutOfRange { index, count });
        }
        let expected = walk_path(index, count, |_, _| {});
        if expected != self.siblings.len() {
            return Err(MerkleError::PathLengthMismatch {
                expected,
                got: self.siblings.len(),
            });
        }
        let mut node = leaf_hash(id);
        let mut siblings = self.siblings.iter();
        walk_path(index, count, |position, has_sibling| {
            // The length check above guarantees a sibling for every step
            // that has one.
            if !has_sibling {
                return;
            }
            let Some(sibling) = siblings.next() else {
                return;
            };
            node = if position % 2 == 0 {
                node_hash(&node, sibling)
            } else {
                node_hash(sibling, &node)
            };
        });
        Ok(root_hash(count, &node))
    }

    /// Checks that `id` is in the tree whose anchored root is `root`.
    pub fn verify(&self, root: &Hash, id: &MessageId) -> Result<(), MerkleError> {
        if self.root_for(id)? == *root {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch)
        }
    }

    /// The encoding: `index ‖ count ‖ SCALE(Vec<[u8; 32]>)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        (self.leaf_index, self.leaf_count, &self.siblings).encode()
    }

    /// Decodes a proof, rejecting oversized or trailing input before
    /// allocating for it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MerkleError> {
        if bytes.len() > MAX_PROOF_BYTES {
            return Err(MerkleError::Malformed(format!(
                "{} bytes exceed the {MAX_PROOF_BYTES}-byte limit",
                bytes.len()
            )));
        }
        let malformed =
            |error: parity_scale_codec::Error| MerkleError::Malformed(error.to_string());
        let mut input = bytes;
        let leaf_index = u64::decode(&mut input).map_err(malformed)?;
        let leaf_count = u64::decode(&mut input).map_err(malformed)?;
        let Compact(len) = Compact::<u64>::decode(&mut input).map_err(malformed)?;
        if len > MAX_DEPTH as u64 {
            return Err(MerkleError::TooDeep(len));
        }
        let mut siblings = Vec::with_capacity(len as usize);
        for _ in 0..len {
            let mut hash = [0u8; 32];
            input.read(&mut hash).map_err(malformed)?;
            siblings.push(hash);
        }
        if !input.is_empty() {
            return Err(MerkleError::Malformed("trailing bytes".into()));
        }
        Ok(Self {
            leaf_index,
            leaf_count,
            siblings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u64) -> Vec<MessageId> {
        (0..n)
            .map(|i| MessageId(crate::hash::blake2_256(&[&i.to_le_bytes()])))
            .collect()
    }

    #[test]
    fn every_leaf_of_small_trees_proves() {
        for n in 1..=33 {
            let ids = ids(n);
            let tree = MerkleTree::build(&ids).unwrap();
            for (index, id) in ids.iter().enumerate() {
                let proof = tree.proof(index as u64).unwrap();
                proof.verify(&tree.root(), id).unwrap();
                let decoded = Proof::from_bytes(&proof.to_bytes()).unwrap();
                assert_eq!(decoded, proof);
                // Another id at the same position does not prove.
                let other = ids[(index + 1) % ids.len()];
                if other != *id {
                    assert_eq!(
                        proof.verify(&tree.root(), &other),
                        Err(MerkleError::RootMismatch)
                    );
                }
            }
        }
    }

    #[test]
    fn proof_size_stays_within_the_budget() {
        for n in [1u64, 2, 3, 1000, 100_000] {
            let tree = MerkleTree::build(&ids(n)).unwrap();
            let depth = u64::BITS - (n - 1).leading_zeros(); // ⌈log2 n⌉
            for index in [0, n / 2, n - 1] {
                let bytes = tree.proof(index).unwrap().to_bytes().len();
                assert!(
                    bytes <= 17 + 32 * depth as usize,
                    "n={n} index={index}: {bytes} bytes"
                );
                assert!(bytes <= 33 * depth as usize + 48);
            }
        }
    }

    #[test]
    fn root_commits_to_order_and_count() {
        let mut list = ids(4);
        let root = MerkleTree::build(&list).unwrap().root();
        list.swap(0, 1);
        assert_ne!(MerkleTree::build(&list).unwrap().root(), root);
        // Promotion instead of duplication: [a, b, c] and [a, b, c, c] differ.
        let three = ids(3);
        let mut four = three.clone();
        four.push(three[2]);
        assert_ne!(
            MerkleTree::build(&three).unwrap().root(),
            MerkleTree::build(&four).unwrap().root()
        );
    }

    #[test]
    fn a_changed_leaf_count_is_rejected() {
        // In trees of 6 and 7 leaves, leaf 0 has the same siblings; only the
        // count committed in the root tells them apart.
        let tree = MerkleTree::build(&ids(6)).unwrap();
        let mut proof = tree.proof(0).unwrap();
        proof.leaf_count = 7;
        assert_eq!(
            proof.verify(&tree.root(), &ids(6)[0]),
            Err(MerkleError::RootMismatch)
        );
    }

    #[test]
    fn bad_trees_and_proofs_are_rejected() {
        assert_eq!(MerkleTree::build(&[]).unwrap_err(), MerkleError::Empty);
        let tree = MerkleTree::build(&ids(5)).unwrap();
        assert_eq!(
            tree.proof(5).unwrap_err(),
            MerkleError::IndexOutOfRange { index: 5, count: 5 }
        );
        let mut proof = tree.proof(1).unwrap();
        proof.siblings.push([0; 32]);
        assert_eq!(
            proof.verify(&tree.root(), &ids(5)[1]),
            Err(MerkleError::PathLengthMismatch {
                expected: 3,
                got: 4
            })
        );
        proof.siblings.truncate(3);
        proof.leaf_index = 9;
        assert_eq!(
            proof.verify(&tree.root(), &ids(5)[1]),
            Err(MerkleError::IndexOutOfRange { index: 9, count: 5 })
        );
        proof.leaf_count = MAX_LEAVES + 1;
        assert_eq!(
            proof.root_for(&ids(5)[1]),
            Err(MerkleError::TooManyLeaves(MAX_LEAVES + 1))
        );
    }

    #[test]
    fn hostile_proof_bytes_are_rejected_without_allocation() {
        // Claims 2^60 siblings in a tiny input.
        let mut bytes = (0u64, 1u64).encode();
        Compact(1u64 << 60).encode_to(&mut bytes);
        assert_eq!(
            Proof::from_bytes(&bytes),
            Err(MerkleError::TooDeep(1 << 60))
        );
        // Claims 33 siblings: one more than the depth cap.
        let mut bytes = (0u64, 1u64).encode();
        Compact(33u64).encode_to(&mut bytes);
        assert_eq!(Proof::from_bytes(&bytes), Err(MerkleError::TooDeep(33)));
        // Truncated and oversized inputs.
        assert!(matches!(
            Proof::from_bytes(&[1, 2, 3]),
            Err(MerkleError::Malformed(_))
        ));
        let mut short = (0u64, 4u64).encode();
        Compact(2u64).encode_to(&mut short);
        short.extend_from_slice(&[0; 40]);
        assert!(matches!(
            Proof::from_bytes(&short),
            Err(MerkleError::Malformed(_))
        ));
        assert!(matches!(
            Proof::from_bytes(&vec![0; MAX_PROOF_BYTES + 1]),
            Err(MerkleError::Malformed(_))
        ));
        let mut trailing = MerkleTree::build(&ids(2))
            .unwrap()
            .proof(0)
            .unwrap()
            .to_bytes();
        trailing.push(0);
        assert!(matches!(
            Proof::from_bytes(&trailing),
            Err(MerkleError::Malformed(_))
        ));
    }
}
