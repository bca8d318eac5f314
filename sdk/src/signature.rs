//! sr25519 signatures (schnorrkel) and the signing contexts that keep one
//! account key's signatures for different purposes apart.

use core::fmt;

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::AccountId;

/// Signing context of message envelopes.
pub const ENVELOPE_CONTEXT: &[u8] = b"inkpost/envelope/v1";

/// Signing context of relay API requests.
pub const REQUEST_CONTEXT: &[u8] = b"inkpost/request/v2";

/// Signing context that Substrate's `sr25519_verify` host function (and so
/// the escrow contract) uses; payloads signed under it carry their own domain
/// tag (see [`crate::voucher`]).
pub const SUBSTRATE_CONTEXT: &[u8] = b"substrate";

/// Returned when a signature does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The 32 bytes are not a valid sr25519 public key.
    #[error("the signer is not a valid sr25519 public key")]
    InvalidPublicKey,
    /// The 64 bytes are not a well-formed sr25519 signature.
    #[error("malformed sr25519 signature")]
    Malformed,
    /// The signature is well-formed but not by this signer over this message.
    #[error("signature does not match the signer and message")]
    Mismatch,
}

/// A 64-byte sr25519 signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Encode, Decode, MaxEncodedLen)]
pub struct Signature(pub [u8; 64]);

impl Signature {
    /// Checks that `signer` signed `message` under `context`.
    pub fn verify(
        &self,
        context: &[u8],
        message: &[u8],
        signer: &AccountId,
    ) -> Result<(), SignatureError> {
        let public = schnorrkel::PublicKey::from_bytes(&signer.0)
            .map_err(|_| SignatureError::InvalidPublicKey)?;
        let signature =
            schnorrkel::Signature::from_bytes(&self.0).map_err(|_| SignatureError::Malformed)?;
        public
            .verify_simple(context, message, &signature)
            .map_err(|_| SignatureError::Mismatch)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(0x{})", hex::encode(self.0))
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("0x{}", hex::encode(self.0)))
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let digits = text
            .strip_prefix("0x")
            .ok_or_else(|| serde::de::Error::custom("signature must be 0x-prefixed hex"))?;
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(digits, &mut bytes)
            .map_err(|_| serde::de::Error::custom("signature must be 64 bytes of hex"))?;
        Ok(Self(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Identity;

    #[test]
    fn signature_binds_signer_context_and_message() {
        let alice = Identity::from_suri("//Alice").unwrap();
        let bob = Identity::from_suri("//Bob").unwrap();
        let signature = alice.sign(ENVELOPE_CONTEXT, b"hello");
        assert_eq!(
            signature.verify(ENVELOPE_CONTEXT, b"hello", &alice.account_id()),
            Ok(())
        );
        assert_eq!(
            signature.verify(ENVELOPE_CONTEXT, b"hello", &bob.account_id()),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            signature.verify(REQUEST_CONTEXT, b"hello", &alice.account_id()),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            signature.verify(ENVELOPE_CONTEXT, b"hellO", &alice.account_id()),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_signatures_and_keys_are_reported() {
        let alice = Identity::from_suri("//Alice").unwrap();
        let mut signature = alice.sign(ENVELOPE_CONTEXT, b"m");
        // schnorrkel marks its signatures with the top bit of the last byte.
        signature.0[63] &= 0x7f;
        assert_eq!(
            signature.verify(ENVELOPE_CONTEXT, b"m", &alice.account_id()),
            Err(SignatureError::Malformed)
        );
        let signature = alice.sign(ENVELOPE_CONTEXT, b"m");
        // 0xff… is not the encoding of a Ristretto point.
        assert_eq!(
            signature.verify(ENVELOPE_CONTEXT, b"m", &AccountId([0xff; 32])),
            Err(SignatureError::InvalidPublicKey)
        );
    }

    #[test]
    fn signature_json_round_trips() {
        let signature = Identity::from_suri("//Alice").unwrap().sign(b"c", b"m");
        let json = serde_json::to_string(&signature).unwrap();
        assert_eq!(serde_json::from_str::<Signature>(&json).unwrap(), signature);
        assert!(serde_json::from_str::<Signature>("\"0x00\"").is_err());
    }
}
