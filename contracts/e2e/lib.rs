//! Helpers for the contracts' end-to-end tests (`tests/node.rs` on a real
//! ink-node, `tests/sandbox.rs` on the in-process pallet-revive runtime).

use ink::{Address, U256};
use inkpost_sdk::ids::ChannelId;
use inkpost_sdk::keys::Identity;
use inkpost_sdk::voucher::Voucher;

/// Native units per whole token on ink-node (12 decimals).
pub const TOKEN: u128 = 1_000_000_000_000;

/// Contract value units per native unit on ink-node.
pub const UNIT: u128 = 1_000_000;

/// The registration deposit the tests instantiate identity with (native).
pub const DEPOSIT: u128 = TOKEN;

/// The voucher domain the tests instantiate escrow with.
pub const DOMAIN: [u8; 32] = [0x11; 32];

/// A native amount in contract value units.
pub fn value(native: u128) -> U256 {
    U256::from(native) * U256::from(UNIT)
}

/// The SDK identity of a dev account such as `"//Alice"`.
pub fn identity(uri: &str) -> Identity {
    Identity::from_suri(uri).expect("dev URI")
}

/// The contract address of an SDK identity.
pub fn address(identity: &Identity) -> Address {
    Address::from(identity.address().0)
}

/// The account id pallet-revive gives a contract address (the address
/// padded with 0xEE), for balance queries.
pub fn contract_account(address: Address) -> ink::primitives::AccountId {
    let mut account = [0xEE; 32];
    account[..20].copy_from_slice(address.as_bytes());
    ink::primitives::AccountId::from(account)
}

/// A voucher signed by `payer` with the protocol library.
pub fn voucher(
    payer: &Identity,
    escrow: Address,
    domain: [u8; 32],
    channel: u64,
    cumulative: u128,
) -> [u8; 64] {
    Voucher {
        domain,
        contract: inkpost_sdk::ids::Address(escrow.0),
        channel: ChannelId(channel),
        cumulative,
    }
    .sign(payer)
    .signature
    .0
}
