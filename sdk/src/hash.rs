//! BLAKE2b-256, the one hash of the protocol (message ids, Merkle trees,
//! direct-conversation ids, key derivation).

use blake2::digest::consts::U32;
use blake2::digest::{Digest, Mac};
use blake2::{Blake2b, Blake2bMac};

/// A 32-byte BLAKE2b digest.
pub type Hash = [u8; 32];

/// BLAKE2b with a 256-bit output (the same function as Substrate's `blake2_256`).
pub type Blake2b256 = Blake2b<U32>;

/// BLAKE2b-256 of the concatenation of `parts`.
pub fn blake2_256(parts: &[&[u8]]) -> Hash {
    let mut hasher = Blake2b256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Keyed BLAKE2b-256 (a PRF) with a 16-byte personalisation string; used to
/// derive independent secrets from one seed.
pub(crate) fn blake2_256_keyed(key: &[u8; 32], persona: &[u8; 16], data: &[u8]) -> Hash {
    // A 32-byte key and a 16-byte persona are always within BLAKE2b's limits
    // (64 and 16 bytes), so construction cannot fail.
    let mut mac = <Blake2bMac<U32>>::new_with_salt_and_personal(key, &[], persona)
        .unwrap_or_else(|_| unreachable!("key and persona lengths are fixed and valid"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake2_256_matches_known_vector() {
        // blake2b-256("") from the BLAKE2 reference implementation.
        assert_eq!(
            hex::encode(blake2_256(&[])),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
        );
        // Concatenation of parts equals hashing the joined bytes.
        assert_eq!(blake2_256(&[b"ab", b"c"]), blake2_256(&[b"abc"]));
    }

    #[test]
    fn keyed_hash_depends_on_key_persona_and_data() {
        let a = blake2_256_keyed(&[1; 32], b"inkpost-test-v01", b"x");
        assert_ne!(a, blake2_256_keyed(&[2; 32], b"inkpost-test-v01", b"x"));
        assert_ne!(a, blake2_256_keyed(&[1; 32], b"inkpost-test-v02", b"x"));
        assert_ne!(a, blake2_256_keyed(&[1; 32], b"inkpost-test-v01", b"y"));
        assert_eq!(a, blake2_256_keyed(&[1; 32], b"inkpost-test-v01", b"x"));
    }
}
