//! Bindings for the Inkpost contracts: the call data of their messages and
//! the SCALE types of their results and events, mirrored by hand from
//! `contracts/` (argument order and enum order matter: keep them in step).
//! Selectors are BLAKE2b-256 of the message name, as the contracts'
//! metadata lists them.

use parity_scale_codec::{Decode, Encode};

use crate::hash::blake2_256;
use crate::ids::{AccountId, Address, EncryptionKey, GroupId, KeyVersion, MessageId};

/// The input of an ink! message or constructor: the first four bytes of
/// BLAKE2b-256 of its name, then the SCALE-encoded arguments.
pub fn ink_input(name: &str, args: impl Encode) -> Vec<u8> {
    let mut input = blake2_256(&[name.as_bytes()])[..4].to_vec();
    args.encode_to(&mut input);
    input
}

/// Decodes an ink! message's output: `Result<T, LangError>`.
pub fn decode_output<T: Decode>(data: &[u8]) -> Result<T, OutputError> {
    match data.split_first() {
        Some((0, mut rest)) => {
            let value = T::decode(&mut rest).map_err(|e| OutputError::Decode(e.to_string()))?;
            if rest.is_empty() {
                Ok(value)
            } else {
                Err(OutputError::Decode("trailing bytes".into()))
            }
        }
        Some((1, _)) => Err(OutputError::LangError),
        _ => Err(OutputError::Decode("empty or unknown output".into())),
    }
}

/// Returned when a contract's output cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    /// ink! refused to dispatch the call (unknown selector, bad input).
    #[error("the contract could not dispatch the call (ink! LangError)")]
    LangError,
    /// The output is not of the expected type.
    #[error("unexpected contract output: {0}")]
    Decode(String),
}

/// The SCALE encoding of a `U256` holding `value`.
pub fn u256(value: u128) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(&value.to_le_bytes());
    bytes
}

/// A contract `U256` (little-endian bytes) as `u128`, if it fits.
pub fn from_u256(bytes: &[u8; 32]) -> Option<u128> {
    if bytes[16..].iter().any(|byte| *byte != 0) {
        return None;
    }
    let mut low = [0u8; 16];
    low.copy_from_slice(&bytes[..16]);
    Some(u128::from_le_bytes(low))
}

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

/// A group role (`inkpost_groups::Role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Encode, Decode)]
pub enum Role {
    /// Reads only.
    Reader,
    /// Reads and writes.
    Member,
    /// Also manages members and readers.
    Admin,
    /// Also manages admins.
    Owner,
}

impl Role {
    /// Whether the role may post.
    pub fn can_write(self) -> bool {
        self != Role::Reader
    }
}

/// A group's state (`inkpost_groups::Group`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct GroupState {
    /// The owner.
    pub owner: Address,
    /// The membership epoch.
    pub epoch: u64,
    /// Members, owner included.
    pub member_count: u32,
    /// Block of creation.
    pub created_at: u32,
}

/// Call data of the identity contract's messages.
pub mod identity {
    use super::*;

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
    /// units (native units × 10^6 on ink-node, whose native token has 12
    /// decimals and contract values 18).
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
}

/// Call data of the groups contract's messages.
pub mod groups {
    use super::*;

    /// `role_of(group, who) -> Option<Role>`
    pub fn role_of(group: GroupId, who: &Address) -> Vec<u8> {
        ink_input("role_of", (group.0, who.0))
    }

    /// `group(group) -> Option<GroupState>`
    pub fn group(group: GroupId) -> Vec<u8> {
        ink_input("group", group.0)
    }

    /// `members(group, start, limit) -> Vec<(Address, Role)>`
    pub fn members(group: GroupId, start: u32, limit: u32) -> Vec<u8> {
        ink_input("members", (group.0, start, limit))
    }

    /// `new(identity, max_members)`, the constructor.
    pub fn new(identity: &Address, max_members: u32) -> Vec<u8> {
        ink_input("new", (identity.0, max_members))
    }

    /// `create_group() -> Result<u64, Error>` (the new group's id).
    pub fn create_group() -> Vec<u8> {
        ink_input("create_group", ())
    }

    /// `add_member(group, who, role) -> Result<u64, Error>` (the new epoch).
    pub fn add_member(group: GroupId, who: &Address, role: Role) -> Vec<u8> {
        ink_input("add_member", (group.0, who.0, role))
    }

    /// `remove_member(group, who) -> Result<u64, Error>` (the new epoch).
    pub fn remove_member(group: GroupId, who: &Address) -> Vec<u8> {
        ink_input("remove_member", (group.0, who.0))
    }

    /// `set_role(group, who, role) -> Result<u64, Error>` (the new epoch).
    pub fn set_role(group: GroupId, who: &Address, role: Role) -> Vec<u8> {
        ink_input("set_role", (group.0, who.0, role))
    }

    /// `leave(group) -> Result<u64, Error>` (the new epoch).
    pub fn leave(group: GroupId) -> Vec<u8> {
        ink_input("leave", group.0)
    }

    /// `transfer_ownership(group, new_owner) -> Result<u64, Error>`.
    pub fn transfer_ownership(group: GroupId, new_owner: &Address) -> Vec<u8> {
        ink_input("transfer_ownership", (group.0, new_owner.0))
    }
}

/// Call data of the anchors contract's messages.
pub mod anchors {
    use super::*;

    /// `new()`, the constructor.
    pub fn new() -> Vec<u8> {
        ink_input("new", ())
    }

    /// `anchor(seq, root, leaf_count) -> Result<(), Error>`
    pub fn anchor(seq: u64, root: &[u8; 32], leaf_count: u64) -> Vec<u8> {
        ink_input("anchor", (seq, root, leaf_count))
    }

    /// `latest_seq(submitter) -> u64`
    pub fn latest_seq(submitter: &Address) -> Vec<u8> {
        ink_input("latest_seq", submitter.0)
    }

    /// `batch(submitter, seq) -> Option<AnchoredBatch>`
    pub fn batch(submitter: &Address, seq: u64) -> Vec<u8> {
        ink_input("batch", (submitter.0, seq))
    }

    /// `lookup(root) -> Option<Anchor>`
    pub fn lookup(root: &[u8; 32]) -> Vec<u8> {
        ink_input("lookup", root)
    }
}

/// Call data of the escrow contract's messages (amounts in native units).
pub mod escrow {
    use super::*;
    use crate::ids::ChannelId;

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
}

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

/// A batch as the anchors contract stores it (`inkpost_anchors::Batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct AnchoredBatch {
    /// The Merkle root.
    pub root: [u8; 32],
    /// Number of leaves.
    pub leaf_count: u64,
    /// Block in which it was anchored.
    pub block: u32,
    /// Block timestamp (seconds).
    pub timestamp: u64,
}

/// Where a root was first anchored (`inkpost_anchors::Anchor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Anchor {
    /// Who anchored it.
    pub submitter: Address,
    /// The batch sequence number, or `None` for a single hash.
    pub seq: Option<u64>,
    /// Leaves under the root.
    pub leaf_count: u64,
    /// Block in which it was anchored.
    pub block: u32,
    /// Block timestamp (seconds).
    pub timestamp: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_blake2_of_the_name() {
        // Values from the contracts' metadata (contracts/artifacts/*.json).
        assert_eq!(&ink_input("anchor", ())[..], &[0xc0, 0x56, 0x4c, 0x5e]);
        assert_eq!(&ink_input("lookup", ())[..], &[0x16, 0x84, 0x90, 0xe0]);
        assert_eq!(&ink_input("new", ())[..], &[0x9b, 0xae, 0x9d, 0x5e]);
    }

    #[test]
    fn outputs_decode_and_reject_garbage() {
        assert_eq!(decode_output::<bool>(&[0, 1]), Ok(true));
        assert_eq!(decode_output::<Option<u64>>(&[0, 0]), Ok(None));
        assert_eq!(decode_output::<bool>(&[1, 0]), Err(OutputError::LangError));
        assert!(decode_output::<bool>(&[]).is_err());
        assert!(decode_output::<bool>(&[0, 1, 0]).is_err());
        assert!(decode_output::<bool>(&[0, 7]).is_err());
    }
}
