//! Payment-channel vouchers: the payer's signed promise of a cumulative
//! amount to the payee of one channel of one escrow deployment.
//!
//! ```text
//! payload   = "inkpost/voucher/v1" (18 bytes)
//!           ‖ domain (32 bytes, e.g. the chain's genesis hash)
//!           ‖ escrow contract address (20 bytes)
//!           ‖ channel id (u64 LE)
//!           ‖ cumulative amount (u128 LE)
//! signature = sr25519 by the payer over `payload`, signing context "substrate"
//! ```
//!
//! The escrow contract checks the signature with the `sr25519_verify` host
//! function, whose signing context is fixed to `"substrate"`; the leading tag
//! keeps voucher payloads apart from anything else signed in that context.
//! Amounts are in the escrow contract's value unit. `fixtures/vouchers.json`
//! holds test vectors that the contracts' tests check byte for byte.

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Address, ChannelId};
use crate::keys::Identity;
use crate::signature::{SUBSTRATE_CONTEXT, Signature, SignatureError};

/// Domain tag at the start of every voucher payload.
pub const VOUCHER_TAG: [u8; 18] = *b"inkpost/voucher/v1";

/// Length of a voucher payload.
pub const VOUCHER_PAYLOAD_LEN: usize = 18 + 32 + 20 + 8 + 16;

/// Returned when a voucher does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    /// The signature is not the payer's over this voucher.
    #[error("voucher signature invalid: {0}")]
    BadSignature(#[from] SignatureError),
}

/// What a voucher promises.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, Serialize, Deserialize,
)]
pub struct Voucher {
    /// Per-deployment domain value (the chain's genesis hash).
    #[serde(with = "hex_32")]
    pub domain: [u8; 32],
    /// The escrow contract.
    pub contract: Address,
    /// The channel.
    pub channel: ChannelId,
    /// Total owed to the payee so far (never decreases); a decimal string in
    /// JSON, since JavaScript numbers cannot hold every u128.
    #[serde(with = "decimal_u128")]
    pub cumulative: u128,
}

/// A voucher with the payer's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct SignedVoucher {
    /// The promise.
    pub voucher: Voucher,
    /// The payer's sr25519 signature over [`Voucher::payload`].
    pub signature: Signature,
}

impl Voucher {
    /// The exact bytes the payer signs and the contract verifies.
    pub fn payload(&self) -> [u8; VOUCHER_PAYLOAD_LEN] {
        let mut payload = [0u8; VOUCHER_PAYLOAD_LEN];
        let mut bytes = VOUCHER_TAG.to_vec();
        self.encode_to(&mut bytes);
        payload.copy_from_slice(&bytes);
        payload
    }

    /// Signs the voucher as the payer.
    pub fn sign(self, payer: &Identity) -> SignedVoucher {
        SignedVoucher {
            voucher: self,
            signature: payer.sign(SUBSTRATE_CONTEXT, &self.payload()),
        }
    }
}

impl SignedVoucher {
    /// Checks that `payer` signed this voucher.
    pub fn verify(&self, payer: &AccountId) -> Result<(), VoucherError> {
        self.signature
            .verify(SUBSTRATE_CONTEXT, &self.voucher.payload(), payer)?;
        Ok(())
    }
}

/// Serde of a u128 as a decimal string (JavaScript numbers cannot hold
/// every u128): `#[serde(with = "inkpost_sdk::voucher::decimal_u128")]`.
pub mod decimal_u128 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `value` as a decimal string.
    pub fn serialize<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom("expected a decimal u128 string"))
    }
}

mod hex_32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("0x{}", hex::encode(bytes)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let digits = text
            .strip_prefix("0x")
            .ok_or_else(|| serde::de::Error::custom("expected 0x-prefixed hex"))?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(digits, &mut bytes)
            .map_err(|_| serde::de::Error::custom("expected 32 bytes of hex"))?;
        Ok(bytes)
    }
}

/// Why a payer will not sign the voucher a relay asks for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostageRefusal {
    /// The relay's price per message is above what the payer accepts.
    #[error(
        "the relay asks {price} per message, above your cap of {cap}; raise --max-postage if you \
         accept that price"
    )]
    PriceAboveCap {
        /// The advertised price (native units).
        price: u128,
        /// The payer's cap per message.
        cap: u128,
    },
    /// The relay asks for a cumulative amount above what the payer signed
    /// so far plus one message's price: a relay inflating what it is owed.
    #[error(
        "the relay asks for a voucher of {asked} in total, but this channel has promised \
         {signed} and one message costs {price}; refusing to pay more than {signed} + {price}"
    )]
    AsksTooMuch {
        /// The cumulative amount the relay asked for.
        asked: u128,
        /// What the payer's own ledger says it signed.
        signed: u128,
        /// The price of one message.
        price: u128,
    },
}

/// The cumulative amount a payer signs for one more message, judged on its
/// own records, never on the relay's word alone: `signed` is the most the
/// payer has promised on this channel (its ledger, or what the channel has
/// paid on chain), `price` the relay's advertised price, `cap` the most the
/// payer accepts per message and `asked` what the relay says the next
/// voucher needs. The answer is `asked`, once it is at most `signed +
/// price` (a relay that counts less than the payer signed gets no more
/// than it asks).
pub fn next_postage(
    signed: u128,
    price: u128,
    cap: u128,
    asked: u128,
) -> Result<u128, PostageRefusal> {
    if price > cap {
        return Err(PostageRefusal::PriceAboveCap { price, cap });
    }
    match signed.checked_add(price) {
        Some(most) if asked <= most => Ok(asked),
        _ => Err(PostageRefusal::AsksTooMuch {
            asked,
            signed,
            price,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voucher() -> Voucher {
        Voucher {
            domain: [0x42; 32],
            contract: Address([0x11; 20]),
            channel: ChannelId(7),
            cumulative: 1_000_000,
        }
    }

    #[test]
    fn payload_layout_is_tag_domain_contract_channel_amount() {
        let payload = voucher().payload();
        assert_eq!(&payload[..18], b"inkpost/voucher/v1");
        assert_eq!(&payload[18..50], &[0x42; 32]);
        assert_eq!(&payload[50..70], &[0x11; 20]);
        assert_eq!(&payload[70..78], &7u64.to_le_bytes());
        assert_eq!(&payload[78..], &1_000_000u128.to_le_bytes());
    }

    #[test]
    fn only_the_payer_and_the_exact_voucher_verify() {
        let payer = Identity::from_suri("//Alice").unwrap();
        let payee = Identity::from_suri("//Bob").unwrap();
        let signed = voucher().sign(&payer);
        signed.verify(&payer.account_id()).unwrap();
        assert_eq!(
            signed.verify(&payee.account_id()),
            Err(VoucherError::BadSignature(SignatureError::Mismatch))
        );
        // Signed by the payee, presented as the payer's.
        assert!(voucher().sign(&payee).verify(&payer.account_id()).is_err());

        let altered = [
            Voucher {
                domain: [0x43; 32],
                ..voucher()
            },
            Voucher {
                contract: Address([0x12; 20]),
                ..voucher()
            },
            Voucher {
                channel: ChannelId(8),
                ..voucher()
            },
            Voucher {
                cumulative: 1_000_001,
                ..voucher()
            },
        ];
        for voucher in altered {
            let forged = SignedVoucher { voucher, ..signed };
            assert!(forged.verify(&payer.account_id()).is_err(), "{voucher:?}");
        }
    }

    #[test]
    fn a_signature_under_another_context_does_not_verify() {
        let payer = Identity::from_suri("//Alice").unwrap();
        let signature = payer.sign(crate::signature::ENVELOPE_CONTEXT, &voucher().payload());
        let signed = SignedVoucher {
            voucher: voucher(),
            signature,
        };
        assert!(signed.verify(&payer.account_id()).is_err());
    }

    #[test]
    fn json_round_trips() {
        let signed = voucher().sign(&Identity::from_suri("//Alice").unwrap());
        let json = serde_json::to_string(&signed).unwrap();
        assert_eq!(
            serde_json::from_str::<SignedVoucher>(&json).unwrap(),
            signed
        );
    }
    #[test]
    fn postage_is_the_ledger_plus_one_price_at_most() {
        // The honest case: the relay asks exactly one price more.
        assert_eq!(next_postage(3_000, 1_000, 10_000, 4_000), Ok(4_000));
        // It counted less than was signed (a voucher it never received).
        assert_eq!(next_postage(3_000, 1_000, 10_000, 2_000), Ok(2_000));
        // Inflated: the whole deposit for one message.
        assert_eq!(
            next_postage(3_000, 1_000, 10_000, 1_000_000),
            Err(PostageRefusal::AsksTooMuch {
                asked: 1_000_000,
                signed: 3_000,
                price: 1_000
            })
        );
        // A price above the cap is refused whatever is asked.
        assert_eq!(
            next_postage(0, 20_000, 10_000, 20_000),
            Err(PostageRefusal::PriceAboveCap {
                price: 20_000,
                cap: 10_000
            })
        );
        // No overflow into a small number.
        assert!(next_postage(u128::MAX, 1, 10, u128::MAX).is_err());
    }
}
