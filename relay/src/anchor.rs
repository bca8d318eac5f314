//! The anchoring worker: batches new message ids, commits each batch with its
//! sequence number before anything is sent, anchors its Merkle root in the
//! anchors contract, waits for finality and records every message's
//! inclusion proof.
//!
//! Because a batch is committed (leaves, order, root, sequence number) before
//! submission, a restart or a node outage at any point can only leave batches
//! that are committed but not yet known finalized. Those are settled first,
//! oldest first, by asking the contract: a batch the chain already holds is
//! recorded as anchored, the next one is (re)submitted with the same sequence
//! number and root. So sequence numbers are never skipped or reused and no
//! stored message is left out.

use std::time::Duration;

use inkpost_sdk::chain::{Chain, ChainError, Finality, Sr25519Signer};
use inkpost_sdk::contracts::{AnchoredBatch, anchors};
use inkpost_sdk::ids::{AccountId, Address, BatchSeq, MessageId};
use inkpost_sdk::merkle::{MerkleError, MerkleTree};

use crate::clock::now_ms;
use crate::store::{AnchoredAt, Batch, Store, StoreError};

/// Returned when anchoring cannot proceed.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain is unreachable or refused the anchor.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A batch's leaves do not form a tree.
    #[error(transparent)]
    Merkle(#[from] MerkleError),
    /// The chain holds another root under one of this relay's sequence
    /// numbers: the database and the chain disagree (a restored backup, or
    /// another relay anchoring with the same key). Needs an operator.
    #[error("batch {seq} is anchored on chain with another root; refusing to continue")]
    RootConflict {
        /// The sequence number.
        seq: BatchSeq,
    },
    /// The chain's sequence is ahead of every batch in the database.
    #[error("the chain holds batch {chain} but the database only up to {database}")]
    ChainAhead {
        /// Latest sequence on chain.
        chain: u64,
        /// Latest sequence in the database.
        database: u64,
    },
}

impl AnchorError {
    /// Whether the next tick may succeed (the node or database came back).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Chain(error) => error.is_retryable(),
            Self::Store(_) => true,
            _ => false,
        }
    }
}

/// Batching and anchoring (the relay's `Anchoring` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct AnchorSettings {
    /// Anchor batches from this instance (enable on exactly one instance of
    /// a deployment sharing a PostgreSQL database).
    #[arg(long, env = "INKPOST_RELAY_ANCHORING", default_value_t = true, action = clap::ArgAction::Set)]
    pub anchoring: bool,
    /// The account (0x id) that anchors this relay's batches, when another
    /// relay sharing its PostgreSQL database does (default: this relay's
    /// own). `GET /v1/info` names it; clients pin it and check proofs
    /// against its batches only.
    #[arg(long, env = "INKPOST_RELAY_ANCHORED_BY")]
    pub anchored_by: Option<AccountId>,
    /// How often to form and anchor a batch, in milliseconds.
    #[arg(long, env = "INKPOST_RELAY_BATCH_INTERVAL_MS", default_value_t = 1000)]
    pub batch_interval_ms: u64,
    /// The most message ids in one batch.
    #[arg(
        long,
        env = "INKPOST_RELAY_BATCH_MAX_LEAVES",
        default_value_t = 100_000
    )]
    pub batch_max_leaves: u32,
}

impl AnchorSettings {
    /// The batching interval.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.batch_interval_ms)
    }
}

/// Anchors batches for one relay account.
#[derive(Debug, Clone)]
pub struct Anchorer {
    store: Store,
    chain: Chain,
    signer: Sr25519Signer,
    anchors: Address,
    settings: AnchorSettings,
}

impl Anchorer {
    /// An anchorer submitting as `signer` to the anchors contract.
    pub fn new(
        store: Store,
        chain: Chain,
        signer: Sr25519Signer,
        anchors: Address,
        settings: AnchorSettings,
    ) -> Self {
        Self {
            store,
            chain,
            signer,
            anchors,
            settings,
        }
    }

    /// Runs until `shutdown` resolves, then settles what was formed.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut ticker = tokio::time::interval(self.settings.interval());
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shutdown.changed() => break,
            }
            if let Err(error) = self.tick().await {
                tracing::warn!(%error, retryable = error.is_retryable(), "anchoring stalled");
            }
        }
        // Flush: anchor whatever was accepted before shutdown.
        if let Err(error) = self.tick().await {
            tracing::warn!(%error, "final anchoring pass failed; the next start resumes it");
        }
    }

    /// One pass: settle committed batches, then batch and anchor new ids.
    pub async fn tick(&self) -> Result<(), AnchorError> {
        self.settle_committed().await?;
        while let Some((batch, leaves)) = self
            .store
            .form_batch(self.settings.batch_max_leaves, now_ms())
            .await?
        {
            tracing::info!(seq = batch.seq.0, leaves = batch.leaf_count, "formed batch");
            self.anchor(&batch, &leaves).await?;
        }
        Ok(())
    }

    /// Settles every committed but not finalized batch, oldest first.
    async fn settle_committed(&self) -> Result<(), AnchorError> {
        let pending = self.store.unanchored_batches().await?;
        if pending.is_empty() {
            return Ok(());
        }
        let on_chain = self.latest_on_chain().await?;
        let newest_in_db = pending.last().map_or(0, |batch| batch.seq.0);
        if on_chain > newest_in_db {
            return Err(AnchorError::ChainAhead {
                chain: on_chain,
                database: newest_in_db,
            });
        }
        for batch in pending {
            let leaves = self.store.batch_leaves(batch.seq).await?;
            self.anchor(&batch, &leaves).await?;
        }
        Ok(())
    }

    /// Makes sure `batch` is anchored and finalized, and records its proofs.
    async fn anchor(&self, batch: &Batch, leaves: &[MessageId]) -> Result<(), AnchorError> {
        let tree = MerkleTree::build(leaves)?;
        if tree.root() != batch.root {
            return Err(AnchorError::RootConflict { seq: batch.seq });
        }
        let recorded = match self.batch_on_chain(batch.seq).await? {
            Some(recorded) => recorded,
            None => {
                let input = anchors::anchor(batch.seq.0, &batch.root, batch.leaf_count);
                self.chain
                    .call(&self.signer, self.anchors, 0, &input, Finality::Finalized)
                    .await?;
                self.batch_on_chain(batch.seq)
                    .await?
                    .ok_or_else(|| ChainError::Dispatch("anchored batch not found".into()))?
            }
        };
        if recorded.root != batch.root || recorded.leaf_count != batch.leaf_count {
            return Err(AnchorError::RootConflict { seq: batch.seq });
        }
        let block_number = u64::from(recorded.block);
        if block_number > self.chain.finalized_number().await? {
            // In a block, not yet final: settled on a later tick.
            return Ok(());
        }
        let block_hash = self
            .chain
            .block_hash(block_number)
            .await?
            .ok_or_else(|| ChainError::Dispatch(format!("no block {block_number}")))?;
        let proofs = leaves
            .iter()
            .enumerate()
            .map(|(index, id)| Ok((*id, tree.proof(index as u64)?.to_bytes())))
            .collect::<Result<Vec<_>, MerkleError>>()?;
        let at = AnchoredAt {
            block_number,
            block_hash,
            anchored_at_ms: now_ms(),
        };
        self.store.mark_anchored(batch.seq, at, &proofs).await?;
        tracing::info!(
            seq = batch.seq.0,
            block = block_number,
            "batch anchored and finalized"
        );
        Ok(())
    }

    async fn latest_on_chain(&self) -> Result<u64, AnchorError> {
        let me = self.signer.identity().account_id();
        let input = anchors::latest_seq(&self.signer.identity().address());
        Ok(self.chain.query(&me, self.anchors, &input).await?)
    }

    async fn batch_on_chain(&self, seq: BatchSeq) -> Result<Option<AnchoredBatch>, AnchorError> {
        let me = self.signer.identity().account_id();
        let input = anchors::batch(&self.signer.identity().address(), seq.0);
        Ok(self.chain.query(&me, self.anchors, &input).await?)
    }
}
