//! No_std helpers shared by the Inkpost contracts, and the rules the
//! contracts and the SDK must agree on (the SDK uses this crate without its
//! `ink` feature).

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "ink")]
use ink::env::hash::{HashOutput, Keccak256};
#[cfg(feature = "ink")]
use ink::Address;

/// The shortest dispute window (blocks) an escrow accepts: time enough for
/// a payee that learns of a close to get its claim into a block and see it
/// final (a minute at 6 s blocks). The escrow constructor refuses less.
pub const MIN_DISPUTE_WINDOW: u32 = 10;

/// The canonical X25519 public keys of small order (RFC 7748 §7; the list
/// libsodium refuses): a shared secret with one of them does not depend on
/// the private key.
pub const SMALL_ORDER_X25519_KEYS: [[u8; 32]; 5] = [
    [0; 32],
    {
        let mut one = [0; 32];
        one[0] = 1;
        one
    },
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
];

/// Whether a message can be encrypted to `key`: a canonical X25519 public
/// key (below 2^255 − 19, top bit clear) not of small order. The identity
/// contract registers only such keys; the SDK skips any other (keys
/// registered before the contract checked).
pub fn is_usable_x25519_key(key: &[u8; 32]) -> bool {
    let non_canonical = key[31] & 0x80 != 0
        || (key[31] == 0x7f && key[1..31].iter().all(|b| *b == 0xff) && key[0] >= 0xed);
    !non_canonical && !SMALL_ORDER_X25519_KEYS.contains(key)
}

/// The address pallet-revive maps a 32-byte account id to: the last 20 bytes
/// of its keccak-256, or the first 20 bytes of an account that was itself
/// derived from an Ethereum address (whose last 12 bytes are `0xEE`).
///
/// Contracts use it to check that an sr25519 public key a caller presents is
/// the caller's own.
#[cfg(feature = "ink")]
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
    fn x25519_keys_of_small_order_or_out_of_range_are_not_usable() {
        use x25519_dalek::{PublicKey, StaticSecret};
        // Real keys are usable; their shared secrets depend on the secret.
        for seed in 1..=20u8 {
            let key = PublicKey::from(&StaticSecret::from([seed; 32]));
            assert!(is_usable_x25519_key(key.as_bytes()), "seed {seed}");
        }
        // With a small-order key the shared secret is the same whatever the
        // secret: this is what the list stands for.
        for bad in SMALL_ORDER_X25519_KEYS {
            assert!(!is_usable_x25519_key(&bad));
            let shared = |seed: u8| {
                *StaticSecret::from([seed; 32])
                    .diffie_hellman(&PublicKey::from(bad))
                    .as_bytes()
            };
            assert_eq!(shared(1), shared(2), "{bad:?} is of small order");
        }
        // Encodings at or above p = 2^255 - 19, and any with the top bit set.
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!is_usable_x25519_key(&p));
        let mut high = *PublicKey::from(&StaticSecret::from([3; 32])).as_bytes();
        high[31] |= 0x80;
        assert!(!is_usable_x25519_key(&high));
    }

    #[cfg(feature = "ink")]
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

    #[cfg(feature = "ink")]
    #[test]
    fn eth_derived_accounts_keep_their_address() {
        let mut account = [0xEE; 32];
        account[..20].copy_from_slice(&[7; 20]);
        assert_eq!(address_of(&account), Address::from([7; 20]));
    }
}
