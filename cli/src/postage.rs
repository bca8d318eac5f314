//! Paying a relay's postage: a voucher of an escrow channel, signed for
//! the next message — for no more than this machine's own ledger of what
//! it promised plus the relay's price, under the payer's price cap. The
//! relay's figures are checked, never just signed.

use std::path::{Path, PathBuf};

use inkpost_sdk::contracts::{Channel, Contract, escrow};
use inkpost_sdk::ids::{Address, ChannelId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::voucher::{PostageRefusal, SignedVoucher, Voucher, next_postage};
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::CliError;
use crate::state_file;

/// The postage a message paid.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PostagePaid {
    /// The channel.
    pub channel: ChannelId,
    /// The voucher's cumulative total (native units).
    #[serde(serialize_with = "crate::commands::decimal")]
    pub cumulative: u128,
}

/// How a message pays postage.
#[derive(Debug, Clone, Copy)]
pub struct Postage {
    /// From this escrow channel (to the relay's payee).
    pub channel: ChannelId,
    /// At most this price per message (native units).
    pub cap: u128,
}

/// A voucher of the channel that pays the relay for one more message, for
/// at most what the ledger says was promised plus the relay's price, and
/// only if that price is at most the cap. The domain
/// and the escrow contract come from the chain and the deployment, not
/// from the relay. The amount is written to the ledger before the voucher
/// leaves this machine.
pub async fn postage_voucher(
    ctx: &Context,
    me: &Identity,
    Postage { channel, cap }: Postage,
) -> Result<SignedVoucher, CliError> {
    let relay = ctx.relay().await?;
    let terms = relay.postage_terms().await?.ok_or_else(|| {
        CliError::BadInput(format!(
            "the relay at {} charges no postage; send without --postage",
            relay.url()
        ))
    })?;
    let deployment = ctx.deployment()?;
    if terms.escrow != deployment.escrow {
        return Err(CliError::Refused(format!(
            "the relay takes postage through escrow {}, not this deployment's {}",
            terms.escrow, deployment.escrow
        )));
    }
    let account = relay.postage_account(me, channel).await?;
    let domain = ctx.chain().await?.genesis_hash();
    let ledger = Ledger::new(ctx.home(), &domain, &deployment.escrow, channel);
    let signed = match ledger.signed()? {
        Some(signed) => signed,
        // Nothing signed on this machine yet: what the channel paid so far.
        None => channel_state(ctx, channel).await?.paid,
    };
    let cumulative =
        next_postage(signed, terms.price, cap, account.next_cumulative).map_err(|refusal| {
            match refusal {
                PostageRefusal::PriceAboveCap { .. } => CliError::Refused(refusal.to_string()),
                PostageRefusal::AsksTooMuch { .. } => CliError::Untrusted(format!(
                    "relay {}: {refusal}; nothing was signed",
                    relay.url()
                )),
            }
        })?;
    ledger.record(cumulative)?;
    Ok(Voucher {
        domain,
        contract: deployment.escrow,
        channel,
        cumulative,
    }
    .sign(me))
}

/// A channel's state on chain.
pub async fn channel_state(ctx: &Context, channel: ChannelId) -> Result<Channel, CliError> {
    let deployment = ctx.deployment()?;
    let state: Option<Channel> = ctx
        .query(
            Contract::Escrow,
            deployment.escrow,
            &escrow::channel(channel),
        )
        .await?;
    state.ok_or_else(|| CliError::NotFound(format!("there is no open channel {channel}")))
}

/// What this machine signed on one channel of one escrow deployment on one
/// chain: `<home>/postage/<domain>-<escrow>-<channel>.json`. It only grows.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    #[serde(with = "inkpost_sdk::voucher::decimal_u128")]
    signed: u128,
}

impl Ledger {
    /// The ledger of `channel` of `escrow` on the chain `domain` names.
    pub fn new(home: &Path, domain: &[u8; 32], escrow: &Address, channel: ChannelId) -> Self {
        let name = format!("{}-{escrow}-{}.json", hex::encode(&domain[..8]), channel.0);
        Self {
            path: home.join("postage").join(name),
        }
    }

    /// The most this machine has signed on the channel, if anything.
    pub fn signed(&self) -> Result<Option<u128>, CliError> {
        let entry: Option<Entry> = state_file::read(&self.path).map_err(|e| self.failed(e))?;
        Ok(entry.map(|entry| entry.signed))
    }

    /// Records that `cumulative` was signed (keeps the larger figure),
    /// durably, before the voucher is sent.
    pub fn record(&self, cumulative: u128) -> Result<(), CliError> {
        let signed = self.signed()?.map_or(cumulative, |old| old.max(cumulative));
        state_file::write(&self.path, &Entry { signed }).map_err(|error| self.failed(error))
    }

    fn failed(&self, error: impl std::fmt::Display) -> CliError {
        CliError::Failed(format!(
            "postage ledger {}: {error}; it records what you promised relays, fix or move it",
            self.path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_keeps_the_highest_figure_signed() {
        let home = std::env::temp_dir().join(format!("inkpost-ledger-{}", std::process::id()));
        let ledger = Ledger::new(&home, &[7; 32], &Address([1; 20]), ChannelId(3));
        assert_eq!(ledger.signed().unwrap(), None);
        ledger.record(5).unwrap();
        ledger.record(3).unwrap();
        assert_eq!(ledger.signed().unwrap(), Some(5));
        let other = Ledger::new(&home, &[7; 32], &Address([1; 20]), ChannelId(4));
        assert_eq!(other.signed().unwrap(), None);
        let _ = std::fs::remove_dir_all(&home);
    }
}
