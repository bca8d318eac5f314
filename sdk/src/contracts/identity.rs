//! The identity contract (`contracts/identity`): call data of its messages,
//! its record type and its errors.

use parity_scale_codec::{Decode, Encode};

use super::{ink_input, u256};
use crate::ids::{AccountId, Address, EncryptionKey, KeyVersion};

/// A registered identity (`inkpost_identity::Record`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct IdentityRecord {
    /// The handle.
    pub handle: String,
    /// The sr25519 account id.
    pub account_id: [u8; 32],
    /// The current X25519 key.
    pub encryption_key: [u8; 32],
    /// Its version.
    pub key_version: u32,
    /// Block of registration.
    pub registered_at: u32,
}

impl IdentityRecord {
    /// The encryption key as the envelope API takes it.
    pub fn key(&self) -> (EncryptionKey, KeyVersion) {
        (
            EncryptionKey(self.encryption_key),
            KeyVersion(self.key_version),
        )
    }
}

/// `deposit() -> U256`: the registration deposit in contract value
/// units (decode as `[u8; 32]`, little-endian; see [`from_u256`]).
pub fn deposit() -> Vec<u8> {
    ink_input("deposit", ())
}

/// `is_registered(address) -> bool`
pub fn is_registered(who: &Address) -> Vec<u8> {
    ink_input("is_registered", who.0)
}

/// `by_address(address) -> Option<IdentityRecord>`
pub fn by_address(who: &Address) -> Vec<u8> {
    ink_input("by_address", who.0)
}

/// `by_handle(handle) -> Option<(Address, IdentityRecord)>`
pub fn by_handle(handle: &str) -> Vec<u8> {
    ink_input("by_handle", handle)
}

/// `new(deposit: U256)`, the constructor; `deposit` in contract value
/// units (native units × the runtime's `NativeToEthRatio`: 10^6 on the dev
/// node, whose native token has 12 decimals and contract values 18).
pub fn new(deposit: u128) -> Vec<u8> {
    ink_input("new", u256(deposit))
}

/// `register(handle, account_id, encryption_key) -> Result<(), Error>`,
/// payable with exactly the deposit.
pub fn register(handle: &str, account: &AccountId, key: &EncryptionKey) -> Vec<u8> {
    ink_input("register", (handle, account.0, key.0))
}

/// `rotate_key(encryption_key) -> Result<u32, Error>` (the new version).
pub fn rotate_key(key: &EncryptionKey) -> Vec<u8> {
    ink_input("rotate_key", key.0)
}

/// `release() -> Result<(), Error>` (refunds the deposit).
pub fn release() -> Vec<u8> {
    ink_input("release", ())
}

super::contract_error! {
    /// The identity contract's `Error`, variant for variant.
    pub enum IdentityError {
        /// The value sent is not exactly the deposit (`required`, in
        /// contract value units).
        WrongDeposit {
            /// The deposit, a `U256` (see [`super::from_u256`]).
            required: [u8; 32],
        },
        /// The handle is not 3–32 characters of `a-z`, `0-9`, `_`
        /// starting with a letter.
        InvalidHandle,
        /// Someone else holds the handle.
        HandleTaken,
        /// The caller already has a handle.
        AlreadyRegistered,
        /// The caller has no handle.
        NotRegistered,
        /// The account id given does not map to the caller's address.
        AccountMismatch,
        /// The encryption key is unusable.
        InvalidEncryptionKey,
        /// The new key equals the current one.
        SameKey,
        /// A counter would overflow.
        Overflow,
        /// Refunding the deposit failed.
        TransferFailed,
    }
}
