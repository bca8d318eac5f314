//! Checking a message's anchor: the relay's inclusion proof against the
//! root the anchors contract holds.

use inkpost_sdk::contracts::{Anchor, Contract, anchors};
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
    /// Who anchored the root.
    pub submitter: Address,
    /// The submitter's batch sequence number.
    pub batch_seq: Option<u64>,
    /// Messages under the root.
    pub leaf_count: u64,
    /// The block that anchored it.
    pub block: u32,
    /// That block's timestamp (seconds since the Unix epoch).
    pub timestamp: u64,
}

/// Checks message `id`'s inclusion proof from the relay against the root
/// the anchors contract holds. `Ok(None)`: not anchored yet.
pub async fn verify(
    ctx: &Context,
    me: &Identity,
    id: &MessageId,
) -> Result<Option<Verified>, CliError> {
    let deployment = ctx.deployment()?;
    let proof = ctx.relay().await?.proof(me, id).await?;
    let ProofView::Anchored { root, .. } = &proof else {
        return Ok(None);
    };
    let (decoded, root_bytes) = proof
        .decode()
        .map_err(|error| CliError::Failed(format!("the relay's proof is malformed: {error}")))?
        .ok_or_else(|| CliError::Failed("the relay's proof is malformed".into()))?;
    decoded.verify(&root_bytes, id).map_err(|error| {
        CliError::Refused(format!(
            "the relay's proof does not lead from {id} to root {root}: {error}; do not trust this relay"
        ))
    })?;
    let anchor: Option<Anchor> = ctx
        .query(
            Contract::Anchors,
            deployment.anchors,
            &anchors::lookup(&root_bytes),
        )
        .await?;
    let anchor = anchor.ok_or_else(|| {
        CliError::Refused(format!(
            "the relay says root {root} is anchored, but the anchors contract does not hold it"
        ))
    })?;
    Ok(Some(Verified {
        id: *id,
        root: root.clone(),
        submitter: anchor.submitter,
        batch_seq: anchor.seq,
        leaf_count: anchor.leaf_count,
        block: anchor.block,
        timestamp: anchor.timestamp,
    }))
}
