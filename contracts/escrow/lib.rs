//! # Inkpost escrow
//!
//! ## Overview
//!
//! Micropayments. **Payment channels** are unidirectional: the payer opens
//! one with a deposit, a payee and an expiry block, may top it up, and signs
//! cumulative vouchers off-chain. The payee claims at any time with the latest
//! voucher and is paid the difference to what it already received; the
//! contract records what was paid, so a voucher pays at most once. The payer
//! may start closing: during the dispute window the payee can still claim,
//! after it the payer takes the rest back. After the expiry block the payer
//! can take the rest back directly. A **tip** pays someone and names the
//! message it is for.
//!
//! A voucher is the payer's sr25519 signature (signing context `substrate`,
//! as the `sr25519_verify` host function fixes it) over
//!
//! ```text
//! "inkpost/voucher/v1" ‖ domain (32 bytes) ‖ this contract's address (20)
//!   ‖ channel id (u64 LE) ‖ cumulative amount (u128 LE)
//! ```
//!
//! exactly as `inkpost_sdk::voucher` encodes it (test vectors:
//! `sdk/fixtures/vouchers.json`). The domain is set at instantiation (the
//! chain's genesis hash), so a voucher is good for one channel of one
//! deployment on one chain. The payer's sr25519 key is given when opening and
//! must map to the payer's address.
//!
//! Amounts in channels, vouchers and events are in the chain's native unit;
//! the contract sees values in its own unit, `unit` times larger (10^6 on
//! ink-node), which is set at instantiation. Every value sent must be a whole
//! number of native units.
//!
//! ## Errors
//!
//! Every message returns [`Error`] and changes nothing on error (no storage
//! written, no value moved).
//!
//! ## Interface
//!
//! - `open(payee, payer_key, expiry)` (payable), `top_up(channel)`
//!   (payable), `claim(channel, cumulative, signature)`,
//!   `start_close(channel)`, `finalize(channel)`, `refund(channel)`.
//! - `tip(to, message)` (payable).
//! - `channel(id)`, `domain()`, `unit()`, `dispute_window()`: queries.
//!
//! Events: [`ChannelOpened`], [`ToppedUp`], [`Claimed`], [`CloseStarted`],
//! [`Settled`] (topics: channel and the party concerned) and [`Tipped`]
//! (topics: from, to, message).

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::escrow::{Channel, ChannelId, Error, Escrow};

#[ink::contract]
mod escrow {
    use ink::storage::Mapping;
    use ink::U256;
    use inkpost_common::{address_of, MIN_DISPUTE_WINDOW};

    /// Domain tag at the start of every voucher payload.
    pub const VOUCHER_TAG: [u8; 18] = *b"inkpost/voucher/v1";

    /// Length of a voucher payload.
    pub const VOUCHER_PAYLOAD_LEN: usize = 18 + 32 + 20 + 8 + 16;

    /// A channel's id, assigned in order from 0.
    pub type ChannelId = u64;

    /// A payment channel.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Channel {
        /// Who deposited and signs vouchers.
        pub payer: Address,
        /// The payer's sr25519 public key, which vouchers must verify under.
        pub payer_key: [u8; 32],
        /// Who claims.
        pub payee: Address,
        /// Total deposited (native units).
        pub deposit: u128,
        /// Total paid to the payee so far (native units).
        pub paid: u128,
        /// The last block in which the payee may claim.
        pub expiry: u32,
        /// Set by `start_close`: the first block in which the payer may
        /// finalize (the payee may claim until the block before).
        pub closes_at: Option<u32>,
    }

    /// Errors of the escrow contract.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Returned if a payable message that moves value was sent none.
        ZeroValue,
        /// Returned if the value sent is not a whole number of native units.
        FractionalValue,
        /// Returned if the payee is the payer.
        SelfChannel,
        /// Returned if the expiry block is not in the future.
        ExpiryInPast,
        /// Returned if the payer's sr25519 key does not map to the caller.
        KeyMismatch,
        /// Returned if the channel does not exist (never opened, or settled).
        NoSuchChannel,
        /// Returned if the caller is not the channel's payer.
        NotPayer,
        /// Returned if the caller is not the channel's payee.
        NotPayee,
        /// Returned if the channel's expiry block has passed.
        ChannelExpired,
        /// Returned if the channel's dispute window has ended.
        ChannelClosed,
        /// Returned if the payer already started closing the channel.
        AlreadyClosing,
        /// Returned if `finalize` is called on a channel that is not closing.
        NotClosing,
        /// Returned if `finalize` is called before the dispute window ends.
        DisputeWindowOpen,
        /// Returned if `refund` is called before the expiry block has passed.
        NotExpired,
        /// Returned if the voucher's amount is not above what was paid
        /// (a replayed or older voucher).
        VoucherNotIncreasing,
        /// Returned if the voucher's amount exceeds the deposit.
        VoucherExceedsDeposit,
        /// Returned if the voucher's signature is not the payer's over this
        /// channel of this contract on this domain.
        InvalidSignature,
        /// Returned if an amount, id or block number would overflow.
        Overflow,
        /// Returned if sending value out failed.
        TransferFailed,
        /// Returned if a constructor argument is unusable (`unit` of zero, a
        /// dispute window below [`MIN_DISPUTE_WINDOW`]).
        InvalidConfig,
    }

    /// The escrow contract's result type.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Emitted when a channel is opened.
    #[ink(event)]
    pub struct ChannelOpened {
        /// The channel.
        #[ink(topic)]
        pub channel: ChannelId,
        /// The payer.
        #[ink(topic)]
        pub payer: Address,
        /// The payee.
        #[ink(topic)]
        pub payee: Address,
        /// The deposit (native units).
        pub deposit: u128,
        /// The last block for claims.
        pub expiry: u32,
    }

    /// Emitted when the payer adds to a channel's deposit.
    #[ink(event)]
    pub struct ToppedUp {
        /// The channel.
        #[ink(topic)]
        pub channel: ChannelId,
        /// The amount added (native units).
        pub amount: u128,
        /// The new deposit (native units).
        pub deposit: u128,
    }

    /// Emitted when the payee claims with a voucher.
    #[ink(event)]
    pub struct Claimed {
        /// The channel.
        #[ink(topic)]
        pub channel: ChannelId,
        /// The payee.
        #[ink(topic)]
        pub payee: Address,
        /// Paid now (native units).
        pub amount: u128,
        /// Paid in total (the voucher's cumulative amount).
        pub cumulative: u128,
    }

    /// Emitted when the payer starts closing a channel.
    #[ink(event)]
    pub struct CloseStarted {
        /// The channel.
        #[ink(topic)]
        pub channel: ChannelId,
        /// The first block in which the payer may finalize.
        pub closes_at: u32,
    }

    /// Emitted when a channel ends and the payer gets the rest back.
    #[ink(event)]
    pub struct Settled {
        /// The channel.
        #[ink(topic)]
        pub channel: ChannelId,
        /// The payer.
        #[ink(topic)]
        pub payer: Address,
        /// Returned to the payer (native units).
        pub refund: u128,
        /// Paid to the payee over the channel's life (native units).
        pub paid: u128,
    }

    /// Emitted for a tip.
    #[ink(event)]
    pub struct Tipped {
        /// Who tipped.
        #[ink(topic)]
        pub from: Address,
        /// Who received it.
        #[ink(topic)]
        pub to: Address,
        /// The message (id) the tip is for.
        #[ink(topic)]
        pub message: [u8; 32],
        /// The amount (native units).
        pub amount: u128,
    }

    /// Channels and the deployment's voucher domain.
    #[ink(storage)]
    pub struct Escrow {
        domain: [u8; 32],
        unit: U256,
        dispute_window: u32,
        next_id: ChannelId,
        channels: Mapping<ChannelId, Channel>,
    }

    impl Escrow {
        /// An escrow whose vouchers are bound to `domain` (the chain's
        /// genesis hash), that sees `unit` contract value units per native
        /// unit (10^6 on ink-node), and whose payers wait `dispute_window`
        /// blocks (at least [`MIN_DISPUTE_WINDOW`]) between starting and
        /// finalizing a close.
        #[ink(constructor)]
        pub fn new(domain: [u8; 32], unit: U256, dispute_window: u32) -> Result<Self> {
            if unit.is_zero() || dispute_window < MIN_DISPUTE_WINDOW {
                return Err(Error::InvalidConfig);
            }
            Ok(Self {
                domain,
                unit,
                dispute_window,
                next_id: 0,
                channels: Mapping::default(),
            })
        }

        /// Opens a channel to `payee` with the value sent as deposit. Vouchers
        /// must be signed by `payer_key`, the caller's sr25519 key; the payee
        /// may claim up to and including block `expiry`.
        #[ink(message, payable)]
        pub fn open(
            &mut self,
            payee: Address,
            payer_key: [u8; 32],
            expiry: u32,
        ) -> Result<ChannelId> {
            let payer = self.env().caller();
            let deposit = self.received()?;
            if payee == payer {
                return Err(Error::SelfChannel);
            }
            if expiry <= self.env().block_number() {
                return Err(Error::ExpiryInPast);
            }
            if address_of(&payer_key) != payer {
                return Err(Error::KeyMismatch);
            }
            let id = self.next_id;
            self.next_id = id.checked_add(1).ok_or(Error::Overflow)?;
            self.channels.insert(
                id,
                &Channel {
                    payer,
                    payer_key,
                    payee,
                    deposit,
                    paid: 0,
                    expiry,
                    closes_at: None,
                },
            );
            self.env().emit_event(ChannelOpened {
                channel: id,
                payer,
                payee,
                deposit,
                expiry,
            });
            Ok(id)
        }

        /// Adds the value sent to an open channel's deposit (payer only).
        #[ink(message, payable)]
        pub fn top_up(&mut self, channel: ChannelId) -> Result<u128> {
            let amount = self.received()?;
            let mut state = self.load(channel)?;
            if state.payer != self.env().caller() {
                return Err(Error::NotPayer);
            }
            if state.closes_at.is_some() {
                return Err(Error::AlreadyClosing);
            }
            if self.env().block_number() > state.expiry {
                return Err(Error::ChannelExpired);
            }
            state.deposit = state.deposit.checked_add(amount).ok_or(Error::Overflow)?;
            self.channels.insert(channel, &state);
            self.env().emit_event(ToppedUp {
                channel,
                amount,
                deposit: state.deposit,
            });
            Ok(state.deposit)
        }

        /// Pays the payee what the payer's voucher for `cumulative` adds to
        /// what was already paid. Returns the amount paid now.
        #[ink(message)]
        pub fn claim(
            &mut self,
            channel: ChannelId,
            cumulative: u128,
            signature: [u8; 64],
        ) -> Result<u128> {
            let mut state = self.load(channel)?;
            if state.payee != self.env().caller() {
                return Err(Error::NotPayee);
            }
            let now = self.env().block_number();
            if now > state.expiry {
                return Err(Error::ChannelExpired);
            }
            if state.closes_at.is_some_and(|closes_at| now >= closes_at) {
                return Err(Error::ChannelClosed);
            }
            if cumulative <= state.paid {
                return Err(Error::VoucherNotIncreasing);
            }
            if cumulative > state.deposit {
                return Err(Error::VoucherExceedsDeposit);
            }
            let payload = self.voucher_payload(channel, cumulative);
            ink::env::sr25519_verify(&signature, &payload, &state.payer_key)
                .map_err(|_| Error::InvalidSignature)?;

            let amount = cumulative.checked_sub(state.paid).ok_or(Error::Overflow)?;
            state.paid = cumulative;
            self.channels.insert(channel, &state);
            self.pay(state.payee, amount)?;
            self.env().emit_event(Claimed {
                channel,
                payee: state.payee,
                amount,
                cumulative,
            });
            Ok(amount)
        }

        /// Starts closing a channel (payer only): after `dispute_window`
        /// blocks the payer may `finalize`; until then the payee may claim.
        #[ink(message)]
        pub fn start_close(&mut self, channel: ChannelId) -> Result<u32> {
            let mut state = self.load(channel)?;
            if state.payer != self.env().caller() {
                return Err(Error::NotPayer);
            }
            if state.closes_at.is_some() {
                return Err(Error::AlreadyClosing);
            }
            let closes_at = self
                .env()
                .block_number()
                .checked_add(self.dispute_window)
                .ok_or(Error::Overflow)?;
            state.closes_at = Some(closes_at);
            self.channels.insert(channel, &state);
            self.env().emit_event(CloseStarted { channel, closes_at });
            Ok(closes_at)
        }

        /// Ends a closing channel after its dispute window and returns the
        /// rest of the deposit to the payer. Returns the refund.
        #[ink(message)]
        pub fn finalize(&mut self, channel: ChannelId) -> Result<u128> {
            let state = self.load(channel)?;
            if state.payer != self.env().caller() {
                return Err(Error::NotPayer);
            }
            let closes_at = state.closes_at.ok_or(Error::NotClosing)?;
            if self.env().block_number() < closes_at {
                return Err(Error::DisputeWindowOpen);
            }
            self.settle(channel, state)
        }

        /// Returns the rest of an expired channel's deposit to the payer.
        #[ink(message)]
        pub fn refund(&mut self, channel: ChannelId) -> Result<u128> {
            let state = self.load(channel)?;
            if state.payer != self.env().caller() {
                return Err(Error::NotPayer);
            }
            if self.env().block_number() <= state.expiry {
                return Err(Error::NotExpired);
            }
            self.settle(channel, state)
        }

        /// Sends the value to `to` as a tip for `message` (a message id).
        #[ink(message, payable)]
        pub fn tip(&mut self, to: Address, message: [u8; 32]) -> Result<()> {
            let amount = self.received()?;
            let from = self.env().caller();
            self.pay(to, amount)?;
            self.env().emit_event(Tipped {
                from,
                to,
                message,
                amount,
            });
            Ok(())
        }

        /// A channel, if open.
        #[ink(message)]
        pub fn channel(&self, id: ChannelId) -> Option<Channel> {
            self.channels.get(id)
        }

        /// The voucher domain of this deployment.
        #[ink(message)]
        pub fn domain(&self) -> [u8; 32] {
            self.domain
        }

        /// Contract value units per native unit.
        #[ink(message)]
        pub fn unit(&self) -> U256 {
            self.unit
        }

        /// Blocks between `start_close` and `finalize`.
        #[ink(message)]
        pub fn dispute_window(&self) -> u32 {
            self.dispute_window
        }

        /// The bytes a payer signs for `cumulative` on `channel`.
        pub fn voucher_payload(
            &self,
            channel: ChannelId,
            cumulative: u128,
        ) -> [u8; VOUCHER_PAYLOAD_LEN] {
            let mut payload = [0u8; VOUCHER_PAYLOAD_LEN];
            let address: [u8; 20] = self.env().address().into();
            payload[..18].copy_from_slice(&VOUCHER_TAG);
            payload[18..50].copy_from_slice(&self.domain);
            payload[50..70].copy_from_slice(&address);
            payload[70..78].copy_from_slice(&channel.to_le_bytes());
            payload[78..].copy_from_slice(&cumulative.to_le_bytes());
            payload
        }

        fn load(&self, channel: ChannelId) -> Result<Channel> {
            self.channels.get(channel).ok_or(Error::NoSuchChannel)
        }

        /// The value sent with this call, in native units; never zero.
        fn received(&self) -> Result<u128> {
            let value = self.env().transferred_value();
            if value.is_zero() {
                return Err(Error::ZeroValue);
            }
            let (native, remainder) = value.div_mod(self.unit);
            if !remainder.is_zero() {
                return Err(Error::FractionalValue);
            }
            u128::try_from(native).map_err(|_| Error::Overflow)
        }

        /// Sends `amount` native units to `to`.
        fn pay(&self, to: Address, amount: u128) -> Result<()> {
            if amount == 0 {
                return Ok(());
            }
            let value = U256::from(amount)
                .checked_mul(self.unit)
                .ok_or(Error::Overflow)?;
            self.env()
                .transfer(to, value)
                .map_err(|_| Error::TransferFailed)
        }

        /// Removes the channel and refunds the unpaid deposit to the payer.
        fn settle(&mut self, channel: ChannelId, state: Channel) -> Result<u128> {
            let refund = state
                .deposit
                .checked_sub(state.paid)
                .ok_or(Error::Overflow)?;
            self.channels.remove(channel);
            self.pay(state.payer, refund)?;
            self.env().emit_event(Settled {
                channel,
                payer: state.payer,
                refund,
                paid: state.paid,
            });
            Ok(refund)
        }
    }
}

#[cfg(test)]
mod tests;
