//! Identifier newtypes shared by the contracts' clients, the relay and the CLI.
//!
//! Byte identifiers print and parse as `0x`-prefixed lower-case hex and
//! serialise to JSON the same way; numeric identifiers are plain numbers.

use core::fmt;
use core::str::FromStr;

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha3::{Digest, Keccak256};

use crate::hash::{Hash, blake2_256};

/// Returned when text does not parse as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The text is not `0x` followed by hex digits.
    #[error("`{0}` is not 0x-prefixed hex")]
    NotHex(String),
    /// The hex has the wrong number of bytes.
    #[error("expected {expected} bytes, got {got}")]
    WrongLength {
        /// Bytes the identifier has.
        expected: usize,
        /// Bytes the text held.
        got: usize,
    },
    /// The text is not a decimal number that fits the identifier.
    #[error("`{0}` is not a valid number")]
    NotANumber(String),
    /// A conversation id is neither `dm:0x…` nor `group:<n>`.
    #[error("`{0}` is not a conversation id (expected `dm:0x…` or `group:<number>`)")]
    NotAConversation(String),
}

fn parse_hex<const N: usize>(text: &str) -> Result<[u8; N], IdError> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| IdError::NotHex(text.to_owned()))?;
    let bytes = hex::decode(digits).map_err(|_| IdError::NotHex(text.to_owned()))?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| IdError::WrongLength {
        expected: N,
        got: bytes.len(),
    })
}

/// Defines a fixed-size byte identifier with hex text and serde forms.
macro_rules! byte_id {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, MaxEncodedLen)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $len;

            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl From<[u8; $len]> for $name {
            fn from(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "0x{}", hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                parse_hex(text).map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Defines a numeric identifier that prints and parses as a decimal number.
macro_rules! number_id {
    ($(#[$doc:meta])* $name:ident($int:ty)) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default,
            Encode, Decode, MaxEncodedLen, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub $int);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                text.parse().map(Self).map_err(|_| IdError::NotANumber(text.to_owned()))
            }
        }
    };
}

byte_id!(
    /// A 32-byte Substrate account id: the account's sr25519 public key.
    AccountId,
    32
);
byte_id!(
    /// A 20-byte contract-world address (H160), as pallet-revive maps accounts.
    Address,
    20
);
byte_id!(
    /// A message id: BLAKE2b-256 of the envelope's canonical signed encoding.
    MessageId,
    32
);
byte_id!(
    /// The id of a direct (two-party) conversation; see [`DirectId::between`].
    DirectId,
    32
);
byte_id!(
    /// A client-chosen id that makes a sender's retries idempotent.
    ClientMsgId,
    16
);
byte_id!(
    /// An X25519 public key for HPKE (RFC 9180) key wrapping.
    EncryptionKey,
    32
);

number_id!(
    /// A group, as numbered by the groups contract.
    GroupId(u64)
);
number_id!(
    /// The sequence number of a relay's anchored batch (grows by exactly one).
    BatchSeq(u64)
);
number_id!(
    /// A payment channel, as numbered by the escrow contract.
    ChannelId(u64)
);
number_id!(
    /// The version of an identity's encryption key (grows on each rotation).
    KeyVersion(u32)
);
number_id!(
    /// A group's membership epoch (grows on every membership change).
    Epoch(u64)
);

impl AccountId {
    /// The H160 address pallet-revive gives this account: the last 20 bytes of
    /// keccak-256 of the account id, or the first 20 bytes for an account that
    /// was itself derived from an Ethereum address (padded with `0xEE`).
    pub fn to_address(&self) -> Address {
        let mut address = [0u8; 20];
        if self.0[20..].iter().all(|byte| *byte == 0xEE) {
            address.copy_from_slice(&self.0[..20]);
        } else {
            let digest = Keccak256::digest(self.0);
            address.copy_from_slice(&digest[12..]);
        }
        Address(address)
    }
}

impl Address {
    /// The account pallet-revive keeps this address's value in when no
    /// account is mapped to it, as for a contract: the address followed by
    /// twelve `0xEE` bytes ([`AccountId::to_address`] gives the address back).
    pub fn fallback_account(&self) -> AccountId {
        let mut account = [0xEE; 32];
        account[..20].copy_from_slice(&self.0);
        AccountId(account)
    }
}

impl MessageId {
    /// The id of the given canonical envelope bytes.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(blake2_256(&[bytes]))
    }
}

impl DirectId {
    /// The conversation between two accounts; the same whichever side asks.
    pub fn between(a: &AccountId, b: &AccountId) -> Self {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        Self(blake2_256(&[b"inkpost/direct/v1", &low.0, &high.0]))
    }
}

/// Where a message is posted: a direct conversation or a group.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Encode, Decode, MaxEncodedLen,
)]
pub enum ConversationId {
    /// Between two registered identities.
    #[codec(index = 0)]
    Direct(DirectId),
    /// A group of the groups contract.
    #[codec(index = 1)]
    Group(GroupId),
}

impl ConversationId {
    /// A hash of the conversation id, for storage keys of fixed size.
    pub fn digest(&self) -> Hash {
        blake2_256(&[&self.encode()])
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Direct(id) => write!(f, "dm:{id}"),
            Self::Group(id) => write!(f, "group:{id}"),
        }
    }
}

impl FromStr for ConversationId {
    type Err = IdError;
    fn from_str(text: &str) -> Result<Self, IdError> {
        if let Some(rest) = text.strip_prefix("dm:") {
            rest.parse().map(Self::Direct)
        } else if let Some(rest) = text.strip_prefix("group:") {
            rest.parse().map(Self::Group)
        } else {
            Err(IdError::NotAConversation(text.to_owned()))
        }
    }
}

impl Serialize for ConversationId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ConversationId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ids_round_trip_through_text_and_json() {
        let id = MessageId([0xab; 32]);
        let text = id.to_string();
        assert_eq!(text, format!("0x{}", "ab".repeat(32)));
        assert_eq!(text.parse::<MessageId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<MessageId>(&json).unwrap(), id);
    }

    #[test]
    fn byte_ids_reject_bad_text() {
        assert_eq!(
            "ab".parse::<Address>(),
            Err(IdError::NotHex("ab".to_owned()))
        );
        assert_eq!(
            "0xzz".parse::<Address>(),
            Err(IdError::NotHex("0xzz".to_owned()))
        );
        assert_eq!(
            "0xabcd".parse::<Address>(),
            Err(IdError::WrongLength {
                expected: 20,
                got: 2
            })
        );
        assert!(serde_json::from_str::<Address>("\"0x12\"").is_err());
    }

    #[test]
    fn conversation_ids_round_trip_and_reject_garbage() {
        let direct = ConversationId::Direct(DirectId([7; 32]));
        let group = ConversationId::Group(GroupId(42));
        for id in [direct, group] {
            assert_eq!(id.to_string().parse::<ConversationId>().unwrap(), id);
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(serde_json::from_str::<ConversationId>(&json).unwrap(), id);
        }
        assert_eq!(group.to_string(), "group:42");
        assert!(matches!(
            "room:1".parse::<ConversationId>(),
            Err(IdError::NotAConversation(_))
        ));
        assert!(matches!(
            "group:-1".parse::<ConversationId>(),
            Err(IdError::NotANumber(_))
        ));
        assert_ne!(direct.digest(), group.digest());
    }

    #[test]
    fn direct_id_is_symmetric_and_pair_specific() {
        let (a, b, c) = (AccountId([1; 32]), AccountId([2; 32]), AccountId([3; 32]));
        assert_eq!(DirectId::between(&a, &b), DirectId::between(&b, &a));
        assert_ne!(DirectId::between(&a, &b), DirectId::between(&a, &c));
    }

    #[test]
    fn eth_derived_accounts_map_back_to_their_address() {
        let mut account = [0xEE; 32];
        account[..20].copy_from_slice(&[0x11; 20]);
        assert_eq!(AccountId(account).to_address(), Address([0x11; 20]));
        assert_eq!(Address([0x11; 20]).fallback_account(), AccountId(account));
    }
}
