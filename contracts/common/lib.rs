//! No_std helpers shared by the Inkpost contracts.

#![cfg_attr(not(feature = "std"), no_std)]

use ink::env::hash::{HashOutput, Keccak256};
use ink::Address;

/// The address pallet-revive maps a 32-byte account id to: the last 20 bytes
/// of its keccak-256, or the first 20 bytes of an account that was itself
/// derived from an Ethereum address (whose last 12 bytes are `0xEE`).
///
/// Contracts use it to check that an sr25519 public key a caller presents is
/// the caller's own.
pub fn address_of(account_id: &[u8; 32]) -> Address {
    let mut address = [0u8; 20];
    if account_id[20..].iter().all(|b| *b == 0xEE) {
        address.copy_from_slice(&account_id[..20]);
    } else {
        let mut hash = <Keccak256 as HashOutput>::Type::default();
        ink::env::hash_bytes::<Keccak256>(account_id, &mut hash);
        address.copy_from_slice(&hash[12..]);
    }
    Address::from(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_addresses_pallet_revive_gives_dev_accounts() {
        // //Alice's account id and H160, as in sdk/fixtures/vouchers.json.
        let mut alice = [0u8; 32];
        let hex = b"d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
        for (i, pair) in hex.chunks(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16).unwrap() as u8;
            alice[i] = digit(pair[0]) << 4 | digit(pair[1]);
        }
        let expected: [u8; 20] = [
            0x96, 0x21, 0xdd, 0xe6, 0x36, 0xde, 0x09, 0x8b, 0x43, 0xef, 0xb0, 0xfa, 0x9b, 0x61,
            0xfa, 0xcf, 0xe3, 0x28, 0xf9, 0x9d,
        ];
        assert_eq!(address_of(&alice), Address::from(expected));
    }

    #[test]
    fn eth_derived_accounts_keep_their_address() {
        let mut account = [0xEE; 32];
        account[..20].copy_from_slice(&[7; 20]);
        assert_eq!(address_of(&account), Address::from([7; 20]));
    }
}
