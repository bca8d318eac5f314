//! The escrow contract (`contracts/escrow`): call data of its messages
//! (amounts in native units), channels and its errors.

use parity_scale_codec::{Decode, Encode};

use super::{Contract, Event, ink_input, topic, u256};
use crate::ids::{AccountId, Address, ChannelId, MessageId};

/// The shortest dispute window (blocks) the escrow contract accepts.
pub use inkpost_common::MIN_DISPUTE_WINDOW;

/// A payment channel (`inkpost_escrow::Channel`); amounts in native units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Channel {
    /// Who deposited and signs vouchers.
    pub payer: Address,
    /// The payer's sr25519 key.
    pub payer_key: [u8; 32],
    /// Who claims.
    pub payee: Address,
    /// Total deposited.
    pub deposit: u128,
    /// Total paid to the payee so far.
    pub paid: u128,
    /// The last block in which the payee may claim.
    pub expiry: u32,
    /// The first block in which the payer may finalize, once closing.
    pub closes_at: Option<u32>,
}

/// `new(domain, unit, dispute_window)`, the constructor.
pub fn new(domain: &[u8; 32], unit: u128, dispute_window: u32) -> Vec<u8> {
    ink_input("new", (domain, u256(unit), dispute_window))
}

/// `open(payee, payer_key, expiry) -> Result<ChannelId, Error>`, payable.
pub fn open(payee: &Address, payer_key: &AccountId, expiry: u32) -> Vec<u8> {
    ink_input("open", (payee.0, payer_key.0, expiry))
}

/// `top_up(channel) -> Result<u128, Error>`, payable.
pub fn top_up(channel: ChannelId) -> Vec<u8> {
    ink_input("top_up", channel.0)
}

/// `claim(channel, cumulative, signature) -> Result<u128, Error>`.
pub fn claim(channel: ChannelId, cumulative: u128, signature: &[u8; 64]) -> Vec<u8> {
    ink_input("claim", (channel.0, cumulative, signature))
}

/// `start_close(channel) -> Result<u32, Error>`.
pub fn start_close(channel: ChannelId) -> Vec<u8> {
    ink_input("start_close", channel.0)
}

/// `finalize(channel) -> Result<u128, Error>`.
pub fn finalize(channel: ChannelId) -> Vec<u8> {
    ink_input("finalize", channel.0)
}

/// `refund(channel) -> Result<u128, Error>`.
pub fn refund(channel: ChannelId) -> Vec<u8> {
    ink_input("refund", channel.0)
}

/// `tip(to, message) -> Result<(), Error>`, payable.
pub fn tip(to: &Address, message: &MessageId) -> Vec<u8> {
    ink_input("tip", (to.0, message.0))
}

/// `channel(id) -> Option<Channel>`.
pub fn channel(channel: ChannelId) -> Vec<u8> {
    ink_input("channel", channel.0)
}

/// `dispute_window() -> u32`.
pub fn dispute_window() -> Vec<u8> {
    ink_input("dispute_window", ())
}

super::contract_error! {
    /// The escrow contract's `Error`, variant for variant.
    pub enum EscrowError {
        /// A payment needs a value above zero.
        ZeroValue,
        /// The value is not a whole number of native units.
        FractionalValue,
        /// A channel needs a payee other than the payer.
        SelfChannel,
        /// The expiry block has passed already.
        ExpiryInPast,
        /// The payer key does not map to the caller.
        KeyMismatch,
        /// There is no such channel.
        NoSuchChannel,
        /// Only the channel's payer may do this.
        NotPayer,
        /// Only the channel's payee may claim.
        NotPayee,
        /// The channel expired.
        ChannelExpired,
        /// The channel's dispute window ended.
        ChannelClosed,
        /// The channel is closing already.
        AlreadyClosing,
        /// The channel is not closing.
        NotClosing,
        /// The dispute window is still open.
        DisputeWindowOpen,
        /// The channel has not expired yet.
        NotExpired,
        /// The voucher pays nothing new.
        VoucherNotIncreasing,
        /// The voucher promises more than the deposit.
        VoucherExceedsDeposit,
        /// The voucher is not signed by the channel's payer key.
        InvalidSignature,
        /// An amount would overflow.
        Overflow,
        /// Sending value failed.
        TransferFailed,
        /// The constructor's settings are unusable.
        InvalidConfig,
    }
}

/// `ChannelOpened { channel, payer, payee, deposit, expiry }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct ChannelOpened {
    /// The new channel.
    pub channel: u64,
    /// Its payer.
    pub payer: [u8; 20],
    /// Its payee.
    pub payee: [u8; 20],
    /// The deposit (native units).
    pub deposit: u128,
    /// The last block the payee may claim in.
    pub expiry: u32,
}

impl Event for ChannelOpened {
    const CONTRACT: Contract = Contract::Escrow;
    const NAME: &'static str = "ChannelOpened";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0x9d4fdb37222294327290517df569e8e60d02e69a0c64836fba672b960903ad66");
}

/// `Claimed { channel, payee, amount, cumulative }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct Claimed {
    /// The channel.
    pub channel: u64,
    /// Its payee.
    pub payee: [u8; 20],
    /// What this claim paid (native units).
    pub amount: u128,
    /// What the channel has paid in all.
    pub cumulative: u128,
}

impl Event for Claimed {
    const CONTRACT: Contract = Contract::Escrow;
    const NAME: &'static str = "Claimed";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0x1b5d1ac6d5f662d88a723e5bfbec5c35c7580d6228b1727307ba06c33339db22");
}

/// `CloseStarted { channel, closes_at }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct CloseStarted {
    /// The channel.
    pub channel: u64,
    /// The first block in which the payer may finalize.
    pub closes_at: u32,
}

impl Event for CloseStarted {
    const CONTRACT: Contract = Contract::Escrow;
    const NAME: &'static str = "CloseStarted";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0xc1494df3e041fe753a3a88187d07e4770a0f3496776e254627aaf16d7b631d14");
}

/// `Settled { channel, payer, refund, paid }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct Settled {
    /// The channel.
    pub channel: u64,
    /// Its payer.
    pub payer: [u8; 20],
    /// What went back to the payer (native units).
    pub refund: u128,
    /// What the payee got in all.
    pub paid: u128,
}

impl Event for Settled {
    const CONTRACT: Contract = Contract::Escrow;
    const NAME: &'static str = "Settled";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0xe3c9d3aa27acdbda4574b79c03bec43e3cc3b1694ad9eabf16789c1fdcba6676");
}
