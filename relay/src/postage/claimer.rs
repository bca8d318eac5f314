//! The postage claimer: redeems on chain, through the escrow contract, the
//! best voucher the relay holds for each channel that pays it, whenever
//! that voucher promises more than was claimed. The chain's own record of
//! what a channel paid is what the store keeps, so a claim that reverted
//! because another instance (with the same account) claimed first, or one
//! whose result was lost to a node outage, is settled on the next pass.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::Notify;

use inkpost_sdk::chain::{Chain, ChainError, Finality, Sr25519Signer};
use inkpost_sdk::contracts::{Channel, escrow};
use inkpost_sdk::ids::Address;

use crate::clock::now_ms;
use crate::store::{PostageRecord, Store, StoreError};

/// Claims in flight at once (each waits for its block's finality).
pub const CONCURRENT_CLAIMS: usize = 8;

/// Returned when a claim pass cannot proceed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain is unreachable.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimPass {
    /// Channels claimed from.
    pub claims: u32,
    /// Native units newly paid to the relay's account as the chain records
    /// it (by these claims, or by another instance's with the same account).
    pub received: u128,
}

/// Claims postage for one relay account.
#[derive(Debug, Clone)]
pub struct Claimer {
    store: Store,
    chain: Chain,
    signer: Sr25519Signer,
    escrow: Address,
}

impl Claimer {
    /// A claimer for the channels that pay `signer`'s account.
    pub fn new(store: Store, chain: Chain, signer: Sr25519Signer, escrow: Address) -> Self {
        Self {
            store,
            chain,
            signer,
            escrow,
        }
    }

    /// Claims every `interval`, and at once when `closes` is notified (a
    /// payer started closing a channel: the dispute window is running),
    /// until `shutdown` changes, then once more.
    pub async fn run(
        self,
        interval: Duration,
        closes: Arc<Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = closes.notified() => tracing::info!("a channel started closing: claiming now"),
                _ = shutdown.changed() => break,
            }
            if let Err(error) = self.tick().await {
                tracing::warn!(%error, "claiming postage stalled; the next pass retries");
            }
        }
        if let Err(error) = self.tick().await {
            tracing::warn!(%error, "final postage claim failed; the next start retries");
        }
    }

    /// One pass over the channels with unclaimed vouchers, claiming up to
    /// [`CONCURRENT_CLAIMS`] at a time (each waits for finality).
    pub async fn tick(&self) -> Result<ClaimPass, ClaimError> {
        let payee = self.signer.identity().address();
        let records = self.store.unclaimed_postage(&payee).await?;
        let claimed: Vec<Result<u128, ClaimError>> = futures::stream::iter(records)
            .map(|record| async move { self.claim(&record).await })
            .buffer_unordered(CONCURRENT_CLAIMS)
            .collect()
            .await;
        let mut pass = ClaimPass::default();
        for received in claimed {
            let received = received?;
            if received > 0 {
                pass.claims += 1;
                pass.received += received;
            }
        }
        Ok(pass)
    }

    /// Claims `record`'s voucher, then records what the chain says the
    /// channel paid. Returns what this claim received.
    async fn claim(&self, record: &PostageRecord) -> Result<u128, ClaimError> {
        let input = escrow::claim(record.channel, record.cumulative, &record.signature);
        let reverted = match self
            .chain
            .call(&self.signer, self.escrow, 0, &input, Finality::Finalized)
            .await
        {
            Ok(_) => false,
            Err(ChainError::Reverted { .. }) => true,
            Err(error) => return Err(error.into()),
        };
        let me = self.signer.identity().account_id();
        let channel: Option<Channel> = self
            .chain
            .query(&me, self.escrow, &escrow::channel(record.channel))
            .await?;
        let now = self.chain.finalized_number().await?;
        // No more claims once the channel is gone, expired or closed.
        let settled = match &channel {
            None => true,
            Some(channel) => {
                reverted
                    && (now > u64::from(channel.expiry)
                        || channel
                            .closes_at
                            .is_some_and(|closes_at| now >= u64::from(closes_at)))
            }
        };
        let paid = channel.map_or(record.claimed, |channel| channel.paid);
        if settled && paid < record.cumulative {
            tracing::warn!(
                channel = record.channel.0,
                lost = record.cumulative - paid,
                "the channel was settled before its postage was claimed"
            );
        } else if reverted && paid < record.cumulative {
            tracing::warn!(
                channel = record.channel.0,
                "claiming postage reverted; retrying later"
            );
        }
        self.store
            .set_postage_claimed(record.channel, paid, settled.then(now_ms))
            .await?;
        Ok(paid.saturating_sub(record.claimed))
    }
}
