//! Postage, on a relay whose operator sets a price per message: a new
//! message pays with a voucher of an escrow channel that its sender pays
//! and the relay's account is the payee of, and the best voucher the relay
//! holds for that channel must cover the price of every message stored
//! with it (the store counts, under the channel row's lock: see
//! `store::postage`). Vouchers are checked off-chain against the channel as
//! of the last finalized block; the [`Claimer`] redeems them on chain.
//!
//! [`Postage::charge`] takes a parsed voucher and answers a
//! [`PostageCharge`] for the store or a [`Refusal`] that says why; the HTTP
//! layer only reads the header and maps refusals to 402.

mod claimer;

pub use claimer::{ClaimError, ClaimPass, Claimer};

use inkpost_sdk::ids::{AccountId, Address, ChannelId};
use inkpost_sdk::voucher::SignedVoucher;

use crate::directory::{Directory, ViewError};
use crate::store::{PostageCharge, Unpaid};

/// Postage (the relay's `Postage` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct PostageSettings {
    /// Charge this much (native units) for every stored message: submits
    /// must then carry a voucher of an escrow channel paying the relay's
    /// account. Unset: messages are free.
    #[arg(long, env = "INKPOST_RELAY_POSTAGE_PRICE")]
    pub postage_price: Option<u128>,
    /// How often to claim the postage vouchers received, in seconds.
    #[arg(
        long,
        env = "INKPOST_RELAY_POSTAGE_CLAIM_INTERVAL_SECS",
        default_value_t = 60
    )]
    pub postage_claim_interval_secs: u64,
}

impl PostageSettings {
    /// The claimer's interval.
    pub fn claim_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.postage_claim_interval_secs)
    }
}

/// Blocks a claim needs besides the finality lag: its own block and one
/// more of margin.
pub const CLAIM_MARGIN_BLOCKS: u64 = 2;

/// The escrow's dispute window is too short for this relay to claim in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to charge postage: the escrow's dispute window is {window} blocks, but once a payer \
     starts closing a channel this relay needs up to {needed} blocks to claim (finality lag \
     {lag} + {margin}); use an escrow deployed with a longer dispute window",
    margin = CLAIM_MARGIN_BLOCKS
)]
pub struct WindowTooShort {
    /// The escrow's dispute window, in blocks.
    pub window: u32,
    /// The finality lag measured, in blocks.
    pub lag: u64,
    /// What the relay needs.
    pub needed: u64,
}

/// Whether a claim fits the dispute window: the relay learns of a close
/// when its block is finalized (`lag` blocks after it) and its claim must
/// land before the window ends.
pub fn claim_fits(window: u32, lag: u64) -> Result<(), WindowTooShort> {
    let needed = lag.saturating_add(CLAIM_MARGIN_BLOCKS);
    if u64::from(window) >= needed {
        Ok(())
    } else {
        Err(WindowTooShort {
            window,
            lag,
            needed,
        })
    }
}

/// A relay's postage terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Postage {
    /// Native units per stored message.
    pub price: u128,
    /// The escrow contract whose channels pay.
    pub escrow: Address,
    /// The relay's account: the payee of those channels.
    pub payee: Address,
    /// The voucher domain: the chain's genesis hash.
    pub domain: [u8; 32],
}

/// A channel must stay claimable for at least this many blocks after the
/// last finalized one for its vouchers to be accepted, so that the claimer
/// redeems them in time.
pub const MIN_BLOCKS_LEFT: u64 = 100;

/// Why a message's postage does not pay.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The submit carries no voucher.
    #[error("no voucher")]
    Missing,
    /// The voucher names another chain.
    #[error("the voucher is for another chain")]
    WrongChain,
    /// The voucher names another escrow contract.
    #[error("the voucher is for escrow {0}")]
    WrongEscrow(Address),
    /// The channel does not exist.
    #[error("there is no channel {}", .0.0)]
    NoChannel(ChannelId),
    /// The channel pays someone else.
    #[error("channel {} pays {payee}, not this relay", .channel.0)]
    WrongPayee {
        /// The channel.
        channel: ChannelId,
        /// Whom it pays.
        payee: Address,
    },
    /// The sender does not pay the channel.
    #[error("channel {} is paid by {payer}, not by the sender", .channel.0)]
    WrongPayer {
        /// The channel.
        channel: ChannelId,
        /// Who pays it.
        payer: Address,
    },
    /// The channel is closing.
    #[error("channel {} is closing", .0.0)]
    Closing(ChannelId),
    /// The channel expires before the relay could claim.
    #[error("channel {} expires at block {expiry}, too soon (the chain is at {finalized})", .channel.0)]
    ExpiresSoon {
        /// The channel.
        channel: ChannelId,
        /// Its last claimable block.
        expiry: u32,
        /// The last finalized block.
        finalized: u64,
    },
    /// The voucher promises more than the channel holds.
    #[error("the voucher promises {promised} but channel {} holds {deposit}", .channel.0)]
    ExceedsDeposit {
        /// The channel.
        channel: ChannelId,
        /// The voucher's cumulative amount.
        promised: u128,
        /// The channel's deposit.
        deposit: u128,
    },
    /// The voucher's signature is not the channel's payer key's.
    #[error("the voucher is not signed by the channel's payer key")]
    BadSignature,
    /// The best voucher held does not cover the messages it pays for.
    #[error(
        "channel {} has not paid enough: this message needs a voucher for at least {} in total",
        .0.channel.0, .0.required
    )]
    Unpaid(Unpaid),
    /// The chain cannot answer now.
    #[error(transparent)]
    Unavailable(#[from] ViewError),
}

impl Postage {
    /// The charge for one message by `sender` paid with `voucher`, once it
    /// holds: the right domain, escrow and payee, a channel the sender pays
    /// that is open and not about to expire, an amount within its deposit,
    /// and the payer's signature.
    pub async fn charge(
        &self,
        view: &dyn Directory,
        sender: &AccountId,
        voucher: Option<SignedVoucher>,
    ) -> Result<PostageCharge, Refusal> {
        let SignedVoucher { voucher, signature } = voucher.ok_or(Refusal::Missing)?;
        if voucher.domain != self.domain {
            return Err(Refusal::WrongChain);
        }
        if voucher.contract != self.escrow {
            return Err(Refusal::WrongEscrow(voucher.contract));
        }
        let id = voucher.channel;
        let channel = view.channel(id).await?.ok_or(Refusal::NoChannel(id))?;
        if channel.payee != self.payee {
            return Err(Refusal::WrongPayee {
                channel: id,
                payee: channel.payee,
            });
        }
        if channel.payer != sender.to_address() {
            return Err(Refusal::WrongPayer {
                channel: id,
                payer: channel.payer,
            });
        }
        if channel.closes_at.is_some() {
            return Err(Refusal::Closing(id));
        }
        let finalized = view.applied_through();
        if u64::from(channel.expiry) < finalized.saturating_add(MIN_BLOCKS_LEFT) {
            return Err(Refusal::ExpiresSoon {
                channel: id,
                expiry: channel.expiry,
                finalized,
            });
        }
        if voucher.cumulative > channel.deposit {
            return Err(Refusal::ExceedsDeposit {
                channel: id,
                promised: voucher.cumulative,
                deposit: channel.deposit,
            });
        }
        SignedVoucher { voucher, signature }
            .verify(&AccountId(channel.payer_key))
            .map_err(|_| Refusal::BadSignature)?;
        Ok(PostageCharge {
            channel: id,
            payer: *sender,
            payee: self.payee,
            cumulative: voucher.cumulative,
            signature: signature.0,
            price: self.price,
        })
    }

    /// What the next message of a channel that paid for `messages` so far
    /// must promise in total.
    pub fn next_cumulative(&self, messages: u64) -> u128 {
        self.price
            .saturating_mul(u128::from(messages).saturating_add(1))
    }
}

#[cfg(test)]
mod tests {
    use super::{WindowTooShort, claim_fits};

    #[test]
    fn a_claim_must_fit_the_dispute_window() {
        assert_eq!(claim_fits(2, 0), Ok(()));
        assert_eq!(claim_fits(10, 8), Ok(()));
        assert_eq!(
            claim_fits(10, 9),
            Err(WindowTooShort {
                window: 10,
                lag: 9,
                needed: 11
            })
        );
        assert!(claim_fits(0, 0).is_err());
    }
}
