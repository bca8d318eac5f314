//! Bindings for the Inkpost contracts, one module per contract: the call
//! data of its messages, the SCALE types of its results, and its `Error`
//! enum, mirrored from `contracts/` (argument order and variant order
//! matter). A test ties every error enum to the contract's shipped
//! metadata (`contracts/artifacts/*.json`): names and indices must match,
//! so reordering a contract's `Error` breaks a test, not a user's hint.
//! Selectors are BLAKE2b-256 of the message name, as the metadata lists them.

use parity_scale_codec::{Decode, Encode};

use crate::hash::blake2_256;

pub mod anchors;
pub mod escrow;
pub mod groups;
pub mod identity;

pub use anchors::{Anchor, AnchoredBatch, AnchorsError};
pub use escrow::{Channel, EscrowError};
pub use groups::{GroupState, GroupsError, Role};
pub use identity::{IdentityError, IdentityRecord};

/// Declares a contract's error enum and [`name`](IdentityError::name) of
/// its variants (SCALE-compatible with the contract's own enum).
macro_rules! contract_error {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident $({ $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? })?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant $({ $($(#[$fmeta])* $field: $ty),* })?
            ),*
        }

        impl $name {
            /// The variant's name, as the contract's metadata spells it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => stringify!($variant)),*
                }
            }
        }
    };
}
pub(crate) use contract_error;

/// An event a contract emits, decoded from a `ContractEmitted` whose first
/// topic is its signature topic (as the contract's metadata lists it; a
/// test ties each to the metadata).
pub trait Event: Decode {
    /// The contract that emits it.
    const CONTRACT: Contract;
    /// Its name in the metadata.
    const NAME: &'static str;
    /// Its signature topic.
    const SIGNATURE_TOPIC: [u8; 32];

    /// The event, if `topics` and `data` are one of this kind.
    fn decode_event(topics: &[[u8; 32]], data: &[u8]) -> Option<Self> {
        if topics.first() != Some(&Self::SIGNATURE_TOPIC) {
            return None;
        }
        Self::decode(&mut &data[..]).ok()
    }
}

/// `0x` + 64 hex digits at compile time (signature topics).
pub(crate) const fn topic(hex: &str) -> [u8; 32] {
    let bytes = hex.as_bytes();
    assert!(bytes.len() == 66 && bytes[0] == b'0' && bytes[1] == b'x');
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(bytes[2 + 2 * i]) << 4 | nibble(bytes[3 + 2 * i]);
        i += 1;
    }
    out
}

const fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => panic!("not a lower-case hex digit"),
    }
}

/// One of the four Inkpost contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contract {
    /// The identity contract.
    Identity,
    /// The groups contract.
    Groups,
    /// The anchors contract.
    Anchors,
    /// The escrow contract.
    Escrow,
}

impl Contract {
    /// Every contract.
    pub const ALL: [Contract; 4] = [Self::Identity, Self::Groups, Self::Anchors, Self::Escrow];

    /// Its crate name (`identity`, …): artifacts are `inkpost_<name>.*`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Groups => "groups",
            Self::Anchors => "anchors",
            Self::Escrow => "escrow",
        }
    }

    /// The error a reverted message of this contract returned: its output
    /// is `Ok(Err(error))` of the message's `Result<_, LangError>`. `None`
    /// for any other output (then the deployment and the client disagree).
    pub fn decode_revert(self, data: &[u8]) -> Option<ContractError> {
        let [0, 1, rest @ ..] = data else {
            return None;
        };
        let mut rest = rest;
        Some(match self {
            Self::Identity => ContractError::Identity(Decode::decode(&mut rest).ok()?),
            Self::Groups => ContractError::Groups(Decode::decode(&mut rest).ok()?),
            Self::Anchors => ContractError::Anchors(Decode::decode(&mut rest).ok()?),
            Self::Escrow => ContractError::Escrow(Decode::decode(&mut rest).ok()?),
        })
    }
}

impl std::fmt::Display for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An error a contract returned, typed by contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractError {
    /// From the identity contract.
    Identity(IdentityError),
    /// From the groups contract.
    Groups(GroupsError),
    /// From the anchors contract.
    Anchors(AnchorsError),
    /// From the escrow contract.
    Escrow(EscrowError),
}

impl ContractError {
    /// The variant's name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Identity(error) => error.name(),
            Self::Groups(error) => error.name(),
            Self::Anchors(error) => error.name(),
            Self::Escrow(error) => error.name(),
        }
    }

    /// The contract that returned it.
    pub fn contract(&self) -> Contract {
        match self {
            Self::Identity(_) => Contract::Identity,
            Self::Groups(_) => Contract::Groups,
            Self::Anchors(_) => Contract::Anchors,
            Self::Escrow(_) => Contract::Escrow,
        }
    }
}

impl std::fmt::Display for ContractError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} contract refused: {}",
            self.contract(),
            self.name()
        )
    }
}

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
    fn revert_data_decodes_into_the_contract_s_error() {
        assert_eq!(
            Contract::Groups.decode_revert(&[0, 1, 1]),
            Some(ContractError::Groups(GroupsError::NotAuthorized))
        );
        let mut expected = vec![0, 1, 0];
        expected.extend(7u64.encode());
        assert_eq!(
            Contract::Anchors.decode_revert(&expected),
            Some(ContractError::Anchors(AnchorsError::UnexpectedSequence {
                expected: 7
            }))
        );
        // Not a revert of Ok(Err(..)), or an index the contract lacks.
        assert_eq!(Contract::Groups.decode_revert(&[1, 0]), None);
        assert_eq!(Contract::Escrow.decode_revert(&[0, 1, 20]), None);
        assert_eq!(Contract::Identity.decode_revert(&[0, 0, 1]), None);
    }

    /// Every error enum against the metadata the contract build shipped:
    /// the same variant names at the same SCALE indices, and no more.
    #[test]
    fn error_enums_match_the_contracts_metadata() {
        let artifacts =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/artifacts");
        for contract in Contract::ALL {
            let path = artifacts.join(format!("inkpost_{}.json", contract.name()));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
                panic!(
                    "{}: {error} (scripts/build-contracts.sh writes it)",
                    path.display()
                )
            });
            let metadata: serde_json::Value = serde_json::from_str(&text).unwrap();
            let variants = metadata_error_variants(&metadata, contract);
            assert!(
                !variants.is_empty(),
                "{contract}: no Error type in the metadata"
            );
            for (name, index) in &variants {
                // Fields (if any) decode from zeros.
                let mut data = vec![0, 1, *index];
                data.extend([0u8; 32]);
                let decoded = contract.decode_revert(&data).unwrap_or_else(|| {
                    panic!("{contract}: index {index} ({name}) does not decode")
                });
                assert_eq!(decoded.name(), name, "{contract}: variant {index}");
            }
            let beyond = variants
                .iter()
                .map(|(_, index)| index + 1)
                .max()
                .unwrap_or(0);
            assert_eq!(
                contract.decode_revert(&[0, 1, beyond]),
                None,
                "{contract}: the SDK knows a variant the contract does not"
            );
        }
    }

    /// Each event the SDK decodes carries the signature topic the
    /// contract's metadata lists under its name.
    #[test]
    fn events_match_the_contracts_metadata() {
        fn check<E: Event>() {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../contracts/artifacts")
                .join(format!("inkpost_{}.json", E::CONTRACT.name()));
            let text = std::fs::read_to_string(&path).unwrap();
            let metadata: serde_json::Value = serde_json::from_str(&text).unwrap();
            let listed = metadata["spec"]["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|event| event["label"] == E::NAME)
                .unwrap_or_else(|| panic!("{}: no event {}", E::CONTRACT, E::NAME));
            let expected = format!("0x{}", hex::encode(E::SIGNATURE_TOPIC));
            assert_eq!(listed["signature_topic"], expected.as_str(), "{}", E::NAME);
        }
        check::<groups::GroupCreated>();
        check::<groups::MembershipChanged>();
        check::<groups::RoleChanged>();
        check::<groups::OwnershipTransferred>();
        check::<groups::MemberRemoved>();
        check::<escrow::ChannelOpened>();
        check::<escrow::Claimed>();
        check::<escrow::CloseStarted>();
        check::<escrow::Settled>();
    }

    /// `(name, index)` of the variants of the contract's `Error` type in
    /// ink! metadata (its type registry, path `[<crate>, "Error"]`).
    fn metadata_error_variants(
        metadata: &serde_json::Value,
        contract: Contract,
    ) -> Vec<(String, u8)> {
        let crate_name = format!("inkpost_{}", contract.name());
        let types = metadata["types"].as_array().expect("a type registry");
        let error = types
            .iter()
            .map(|entry| &entry["type"])
            .find(|ty| {
                let path: Vec<&str> = ty["path"]
                    .as_array()
                    .map(|path| path.iter().filter_map(|part| part.as_str()).collect())
                    .unwrap_or_default();
                path.first() == Some(&crate_name.as_str()) && path.last() == Some(&"Error")
            })
            .unwrap_or_else(|| panic!("{crate_name}: no Error type"));
        error["def"]["variant"]["variants"]
            .as_array()
            .expect("Error is an enum")
            .iter()
            .map(|variant| {
                (
                    variant["name"].as_str().unwrap().to_owned(),
                    variant["index"].as_u64().unwrap() as u8,
                )
            })
            .collect()
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
