//! # Inkpost anchors
//!
//! ## Overview
//!
//! Proof that a message existed, unaltered, at a point in time. A submitter
//! (normally a relay) anchors the Merkle root of a batch of message ids with
//! the batch's leaf count and a sequence number that must be exactly one more
//! than the submitter's previous one, so a relay can neither rewrite nor skip a
//! batch unnoticed. Anyone may also anchor a single hash directly (a client
//! without a relay). Roots are as `inkpost_sdk::merkle` computes them; the
//! contract stores them and does not recompute anything.
//!
//! ## Errors
//!
//! Every message returns [`Error`] and changes nothing on error:
//! an out-of-order sequence ([`Error::UnexpectedSequence`]), an empty batch,
//! a single hash that is already anchored.
//!
//! ## Interface
//!
//! - `anchor(seq, root, leaf_count)`: anchor a batch as the caller.
//! - `anchor_hash(hash)`: anchor one hash as the caller.
//! - `batch(submitter, seq)`, `latest_seq(submitter)`, `lookup(root)`: queries.
//!
//! Events: [`Anchored`] (topics: submitter, root) and [`HashAnchored`]
//! (topics: submitter, hash).

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::anchors::{Anchor, Anchors, Batch, Error};

#[ink::contract]
mod anchors {
    use ink::storage::Mapping;

    /// A 32-byte hash (a Merkle root or a message id).
    pub type Hash32 = [u8; 32];

    /// A batch anchored by a submitter.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Batch {
        /// The Merkle root over the batch's message ids.
        pub root: Hash32,
        /// Number of leaves (message ids) in the batch.
        pub leaf_count: u64,
        /// Block in which the batch was anchored.
        pub block: u32,
        /// Block timestamp (seconds on pallet-revive chains).
        pub timestamp: u64,
    }

    /// Where and when a root (or single hash) was first anchored.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Anchor {
        /// Who anchored it.
        pub submitter: Address,
        /// The batch sequence number, or `None` for a single hash.
        pub seq: Option<u64>,
        /// Number of leaves under the root (1 for a single hash).
        pub leaf_count: u64,
        /// Block in which it was anchored.
        pub block: u32,
        /// Block timestamp (seconds on pallet-revive chains).
        pub timestamp: u64,
    }

    /// Errors of the anchors contract.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Returned if the sequence number is not the submitter's last plus one.
        UnexpectedSequence {
            /// The only sequence number accepted next.
            expected: u64,
        },
        /// Returned if a batch claims zero leaves.
        EmptyBatch,
        /// Returned if a single hash is anchored a second time.
        AlreadyAnchored,
        /// Returned if the submitter's sequence number would overflow.
        Overflow,
    }

    /// The anchors contract's result type.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Emitted when a batch root is anchored.
    #[ink(event)]
    pub struct Anchored {
        /// Who anchored it.
        #[ink(topic)]
        pub submitter: Address,
        /// The Merkle root.
        #[ink(topic)]
        pub root: Hash32,
        /// The submitter's sequence number of this batch.
        pub seq: u64,
        /// Number of leaves.
        pub leaf_count: u64,
        /// Block timestamp (seconds).
        pub timestamp: u64,
    }

    /// Emitted when a single hash is anchored.
    #[ink(event)]
    pub struct HashAnchored {
        /// Who anchored it.
        #[ink(topic)]
        pub submitter: Address,
        /// The hash.
        #[ink(topic)]
        pub hash: Hash32,
        /// Block timestamp (seconds).
        pub timestamp: u64,
    }

    /// Anchored roots, per submitter and by root.
    ///
    /// Storage accesses are what an `anchor` costs (on pallet-revive each is
    /// about 10 KB of proof, more than the code itself), so there is no
    /// per-submitter "latest" entry: batches are contiguous from 1, so
    /// `seq - 1` being present is the sequence check, and the insert of `seq`
    /// reports a replay. `latest_seq` finds the end by a bounded search.
    #[ink(storage)]
    #[derive(Default)]
    pub struct Anchors {
        /// Batches by (submitter, sequence number), contiguous from 1.
        batches: Mapping<(Address, u64), Batch>,
        /// The first anchoring of each root or single hash.
        roots: Mapping<Hash32, Anchor>,
    }

    impl Anchors {
        /// A new, empty anchor registry.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self::default()
        }

        /// Anchors the Merkle root of the caller's batch number `seq`, which
        /// must be exactly the caller's last sequence number plus one (the
        /// first batch is 1).
        #[ink(message)]
        pub fn anchor(&mut self, seq: u64, root: Hash32, leaf_count: u64) -> Result<()> {
            let submitter = self.env().caller();
            let follows = match seq {
                0 => false,
                1 => true,
                _ => self.batches.contains((submitter, seq - 1)),
            };
            if !follows {
                return Err(self.unexpected(submitter));
            }
            if leaf_count == 0 {
                return Err(Error::EmptyBatch);
            }
            let (block, timestamp) = (self.env().block_number(), self.env().block_timestamp());
            let batch = Batch {
                root,
                leaf_count,
                block,
                timestamp,
            };
            // The insert reports whether `seq` was taken: a replay. Returning
            // the error reverts the overwrite with everything else.
            if self.batches.insert((submitter, seq), &batch).is_some() {
                return Err(self.unexpected(submitter));
            }
            // The first anchoring of a root is the one that proves existence.
            if !self.roots.contains(root) {
                self.roots.insert(
                    root,
                    &Anchor {
                        submitter,
                        seq: Some(seq),
                        leaf_count,
                        block,
                        timestamp,
                    },
                );
            }
            self.env().emit_event(Anchored {
                submitter,
                root,
                seq,
                leaf_count,
                timestamp,
            });
            Ok(())
        }

        /// Anchors a single hash (for example a message id) as the caller.
        #[ink(message)]
        pub fn anchor_hash(&mut self, hash: Hash32) -> Result<()> {
            if self.roots.contains(hash) {
                return Err(Error::AlreadyAnchored);
            }
            let submitter = self.env().caller();
            let timestamp = self.env().block_timestamp();
            self.roots.insert(
                hash,
                &Anchor {
                    submitter,
                    seq: None,
                    leaf_count: 1,
                    block: self.env().block_number(),
                    timestamp,
                },
            );
            self.env().emit_event(HashAnchored {
                submitter,
                hash,
                timestamp,
            });
            Ok(())
        }

        /// The batch `seq` of `submitter`, if anchored.
        #[ink(message)]
        pub fn batch(&self, submitter: Address, seq: u64) -> Option<Batch> {
            self.batches.get((submitter, seq))
        }

        /// The last sequence number `submitter` anchored (0: none yet).
        #[ink(message)]
        pub fn latest_seq(&self, submitter: Address) -> u64 {
            // Batches are contiguous from 1: find the end by doubling, then
            // bisect. At most 2 × 64 lookups, in a query nobody pays for.
            let present = |seq: u64| self.batches.contains((submitter, seq));
            if !present(1) {
                return 0;
            }
            let (mut low, mut high) = (1u64, 2u64); // present(low), high unknown
            while present(high) {
                low = high;
                match high.checked_mul(2) {
                    Some(next) => high = next,
                    None if present(u64::MAX) => return u64::MAX,
                    None => {
                        high = u64::MAX;
                        break;
                    }
                }
            }
            // present(low) and !present(high)
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                if present(middle) {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            low
        }

        /// The error for a sequence number that is not the caller's next.
        fn unexpected(&self, submitter: Address) -> Error {
            match self.latest_seq(submitter).checked_add(1) {
                Some(expected) => Error::UnexpectedSequence { expected },
                None => Error::Overflow,
            }
        }

        /// Where and when `root` (or a single hash) was first anchored.
        #[ink(message)]
        pub fn lookup(&self, root: Hash32) -> Option<Anchor> {
            self.roots.get(root)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::{test, DefaultEnvironment};

        fn setup() -> (Anchors, test::DefaultAccounts) {
            let accounts = test::default_accounts();
            test::set_caller(accounts.alice);
            (Anchors::new(), accounts)
        }

        fn event_count() -> usize {
            test::recorded_events().len()
        }

        #[ink::test]
        fn batches_anchor_in_sequence_and_are_found() {
            let (mut anchors, accounts) = setup();
            test::set_block_timestamp::<DefaultEnvironment>(1_700_000_000);
            assert_eq!(anchors.latest_seq(accounts.alice), 0);

            anchors.anchor(1, [1; 32], 10).unwrap();
            test::advance_block::<DefaultEnvironment>();
            anchors.anchor(2, [2; 32], 1).unwrap();

            assert_eq!(anchors.latest_seq(accounts.alice), 2);
            let first = anchors.batch(accounts.alice, 1).unwrap();
            assert_eq!((first.root, first.leaf_count), ([1; 32], 10));
            let second = anchors.batch(accounts.alice, 2).unwrap();
            assert!(second.block > first.block);
            let found = anchors.lookup([2; 32]).unwrap();
            assert_eq!(found.submitter, accounts.alice);
            assert_eq!(found.seq, Some(2));
            assert_eq!(found.block, second.block);
            assert_eq!(anchors.batch(accounts.alice, 3), None);
            assert_eq!(anchors.lookup([3; 32]), None);
            assert_eq!(event_count(), 2);
        }

        #[ink::test]
        fn sequences_are_per_submitter() {
            let (mut anchors, accounts) = setup();
            anchors.anchor(1, [1; 32], 1).unwrap();
            test::set_caller(accounts.bob);
            anchors.anchor(1, [9; 32], 1).unwrap();
            assert_eq!(anchors.latest_seq(accounts.alice), 1);
            assert_eq!(anchors.latest_seq(accounts.bob), 1);
        }

        #[ink::test]
        fn a_gap_in_the_sequence_is_rejected_and_changes_nothing() {
            let (mut anchors, accounts) = setup();
            anchors.anchor(1, [1; 32], 1).unwrap();
            let events = event_count();
            assert_eq!(
                anchors.anchor(3, [3; 32], 1),
                Err(Error::UnexpectedSequence { expected: 2 })
            );
            assert_eq!(
                anchors.anchor(0, [3; 32], 1),
                Err(Error::UnexpectedSequence { expected: 2 })
            );
            assert_eq!(anchors.latest_seq(accounts.alice), 1);
            assert_eq!(anchors.batch(accounts.alice, 3), None);
            assert_eq!(anchors.lookup([3; 32]), None);
            assert_eq!(event_count(), events);
        }

        #[ink::test]
        fn a_replayed_sequence_number_is_rejected() {
            let (mut anchors, accounts) = setup();
            anchors.anchor(1, [1; 32], 5).unwrap();
            anchors.anchor(2, [2; 32], 5).unwrap();
            let events = event_count();
            assert_eq!(
                anchors.anchor(1, [7; 32], 5),
                Err(Error::UnexpectedSequence { expected: 3 })
            );
            assert_eq!(
                anchors.anchor(2, [7; 32], 5),
                Err(Error::UnexpectedSequence { expected: 3 })
            );
            // The rejected insert is undone by the chain reverting the call
            // (the off-chain engine does not revert); tests/tests/contracts
            // reads the batch back after a replay on a node. Nothing else was written.
            assert_eq!(anchors.lookup([7; 32]), None);
            assert_eq!(anchors.latest_seq(accounts.alice), 2);
            assert_eq!(event_count(), events);
        }

        #[ink::test]
        fn another_submitter_cannot_write_into_a_sequence() {
            let (mut anchors, accounts) = setup();
            anchors.anchor(1, [1; 32], 5).unwrap();
            test::set_caller(accounts.eve);
            // Eve's own sequence starts at 1; she cannot touch Alice's.
            anchors.anchor(1, [6; 32], 5).unwrap();
            assert_eq!(anchors.batch(accounts.alice, 1).unwrap().root, [1; 32]);
            assert_eq!(anchors.latest_seq(accounts.alice), 1);
        }

        #[ink::test]
        fn an_empty_batch_is_rejected() {
            let (mut anchors, accounts) = setup();
            assert_eq!(anchors.anchor(1, [1; 32], 0), Err(Error::EmptyBatch));
            assert_eq!(anchors.latest_seq(accounts.alice), 0);
            assert_eq!(event_count(), 0);
        }

        #[ink::test]
        fn the_first_anchoring_of_a_root_is_kept() {
            let (mut anchors, accounts) = setup();
            anchors.anchor(1, [1; 32], 2).unwrap();
            test::set_caller(accounts.bob);
            anchors.anchor(1, [1; 32], 2).unwrap();
            assert_eq!(anchors.lookup([1; 32]).unwrap().submitter, accounts.alice);
            assert_eq!(anchors.batch(accounts.bob, 1).unwrap().root, [1; 32]);
        }

        #[ink::test]
        fn single_hashes_anchor_once() {
            let (mut anchors, accounts) = setup();
            anchors.anchor_hash([5; 32]).unwrap();
            let found = anchors.lookup([5; 32]).unwrap();
            assert_eq!(
                (found.submitter, found.seq, found.leaf_count),
                (accounts.alice, None, 1)
            );
            test::set_caller(accounts.bob);
            assert_eq!(anchors.anchor_hash([5; 32]), Err(Error::AlreadyAnchored));
            assert_eq!(anchors.lookup([5; 32]).unwrap().submitter, accounts.alice);
            assert_eq!(event_count(), 1);
            // A single hash does not consume a batch sequence number.
            assert_eq!(anchors.latest_seq(accounts.alice), 0);
        }

        #[ink::test]
        fn latest_seq_finds_the_end_of_any_contiguous_run() {
            let (mut anchors, accounts) = setup();
            for seq in 1..=37u64 {
                assert_eq!(anchors.latest_seq(accounts.alice), seq - 1);
                anchors.anchor(seq, [seq as u8; 32], 1).unwrap();
                assert_eq!(anchors.latest_seq(accounts.alice), seq);
            }
            assert_eq!(anchors.latest_seq(accounts.bob), 0);
        }

        #[ink::test]
        fn the_sequence_cannot_overflow() {
            let (mut anchors, accounts) = setup();
            // A submitter whose run fills the whole u64 range (written
            // directly: 2^64 anchors are not possible, the search only probes
            // powers of two and the bisection path).
            let batch = Batch {
                root: [0; 32],
                leaf_count: 1,
                block: 0,
                timestamp: 0,
            };
            for bit in 0..64 {
                anchors
                    .batches
                    .insert((accounts.alice, 1u64 << bit), &batch);
            }
            anchors.batches.insert((accounts.alice, u64::MAX), &batch);
            assert_eq!(anchors.latest_seq(accounts.alice), u64::MAX);
            assert_eq!(anchors.anchor(u64::MAX, [1; 32], 1), Err(Error::Overflow));
        }
    }
}
