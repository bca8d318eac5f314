//! Checking a message's anchor: the relay's inclusion proof against the
//! batch the relay (as pinned) anchored in the anchors contract.

use inkpost_sdk::contracts::{AnchoredBatch, Contract, anchors};
use inkpost_sdk::ids::{Address, MessageId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::relay::api::ProofView;
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;

/// A message's anchor as checked against the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// The message id.
    pub id: MessageId,
    /// The Merkle root that includes it.
    pub root: String,
    /// Who anchored the root: the relay's pinned anchorer.
    pub submitter: Address,
    /// The relay's batch sequence number.
    pub batch_seq: Option<u64>,
    /// Messages under the root.
    pub leaf_count: u64,
    /// The block that anchored it.
    pub block: u32,
    /// That block's timestamp (seconds since the Unix epoch).
    pub timestamp: u64,
}

/// Checks message `id`'s inclusion proof from the relay against the batch
/// the relay's anchorer (as pinned: the relay itself, or the relay sharing
/// its database that anchors) anchored: `batch(anchorer, seq)` in the
/// anchors contract must hold the proof's root and leaf count — a root
/// that someone else anchored (first, or instead) does not count.
/// `Ok(None)`: not anchored yet.
pub async fn verify(
    ctx: &Context,
    me: &Identity,
    id: &MessageId,
) -> Result<Option<Verified>, CliError> {
    let deployment = ctx.deployment()?;
    let relay = ctx.relay().await?;
    let proof = relay.proof(me, id).await?;
    let ProofView::Anchored {
        root,
        leaf_index,
        batch,
        ..
    } = &proof
    else {
        return Ok(None);
    };
    let untrusted = |what: String| CliError::Untrusted(format!("{what}; do not trust this relay"));
    let (decoded, root_bytes) = proof
        .decode()
        .map_err(|error| untrusted(format!("the relay's proof is malformed: {error}")))?
        .ok_or_else(|| untrusted("the relay's proof is malformed".into()))?;
    decoded.verify(&root_bytes, id).map_err(|error| {
        untrusted(format!(
            "the relay's proof does not lead from {id} to root {root}: {error}"
        ))
    })?;
    let submitter = ctx.relay_pin().await?.anchorer.to_address();
    let anchored: Option<AnchoredBatch> = ctx
        .query(
            Contract::Anchors,
            deployment.anchors,
            &anchors::batch(&submitter, batch.seq.0),
        )
        .await?;
    let anchored = anchored.ok_or_else(|| {
        untrusted(format!(
            "the relay says its batch {} holds {id}, but it anchored no such batch",
            batch.seq
        ))
    })?;
    if anchored.root != root_bytes
        || anchored.leaf_count != batch.leaf_count
        || *leaf_index >= anchored.leaf_count
    {
        return Err(untrusted(format!(
            "the relay's batch {} on chain is root 0x{} of {} messages, not the root {root} of \
             {} messages (leaf {leaf_index}) it proves {id} against",
            batch.seq,
            hex::encode(anchored.root),
            anchored.leaf_count,
            batch.leaf_count
        )));
    }
    Ok(Some(Verified {
        id: *id,
        root: root.clone(),
        submitter,
        batch_seq: Some(batch.seq.0),
        leaf_count: anchored.leaf_count,
        block: anchored.block,
        timestamp: anchored.timestamp,
    }))
}
