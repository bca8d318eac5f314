//! The message envelope: versioned, canonical, encrypted and signed.
//!
//! # Wire format (version 2)
//!
//! ```text
//! envelope     = version:u8(=2) ‖ SCALE(Header) ‖ SCALE(Payload) ‖ signature:[u8; 64]
//! signed bytes = everything before the signature
//! message id   = BLAKE2b-256(envelope)
//! ```
//!
//! The body is encrypted once with a random 256-bit content key
//! (XChaCha20-Poly1305, associated data = `version ‖ SCALE(Header)`); the
//! header commits to that key (`key_commitment = BLAKE2b-256(
//! "inkpost/content-key/v2" ‖ key)`), and a reader refuses a key that does
//! not match it — XChaCha20-Poly1305 alone is not key-committing, so
//! without it a sender could wrap different keys for different recipients
//! of one ciphertext and show each a different text under one signed id.
//! The header also places the message in its **sender's chain** in the
//! conversation (`seq` from 1, and the id of the sender's previous
//! message), so a reader notices a message withheld or reordered.
//!
//! Version 1 (no commitment, no chain) is no longer read: its envelopes
//! fail with [`EnvelopeError::UnsupportedVersion`] and are shown as invalid.
//!
//! content key is wrapped for each recipient with HPKE base mode (RFC 9180:
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305), with
//! `info = "inkpost/wrap/v1" ‖ BLAKE2b-256(version ‖ SCALE(Header))` and
//! `aad = recipient account id ‖ key version (u32 LE)`. The sender signs the
//! signed bytes with sr25519 under [`ENVELOPE_CONTEXT`].
//!
//! Decoding accepts only the canonical form: one version byte, no trailing
//! bytes, at most [`MAX_ENVELOPE_BYTES`], between one and [`MAX_RECIPIENTS`]
//! wrapped keys in strictly ascending recipient order. So every envelope has
//! exactly one encoding and exactly one id.

use chacha20poly1305::aead::{Aead, KeyInit, Payload as AeadPayload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use parity_scale_codec::{Decode, Encode};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use crate::hash::blake2_256;
use crate::hpke;
use crate::ids::{
    AccountId, ClientMsgId, ConversationId, EncryptionKey, Epoch, KeyVersion, MessageId,
};
use crate::keys::Identity;
use crate::signature::{ENVELOPE_CONTEXT, Signature, SignatureError};

/// The envelope version this library writes and reads.
pub const ENVELOPE_VERSION: u8 = 2;

/// The largest envelope this library decodes (relays set lower limits).
pub const MAX_ENVELOPE_BYTES: usize = 4 * 1024 * 1024;

/// The most recipients one envelope may wrap its content key for.
pub const MAX_RECIPIENTS: usize = 4096;

/// Prefix of the HPKE `info` string of key wrapping.
const WRAP_INFO: &[u8] = b"inkpost/wrap/v2";

/// Prefix of the content key's commitment.
const KEY_COMMITMENT_TAG: &[u8] = b"inkpost/content-key/v2";

/// Bytes of a wrapped content key: 32-byte key plus a 16-byte AEAD tag.
const SEALED_KEY_LEN: usize = 48;

/// Returned when an envelope cannot be built, decoded, verified or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The encoding is longer than the limit.
    #[error("envelope of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Bytes of the envelope.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The first byte names a version this library does not read.
    #[error(
        "unsupported envelope version {0}: this client reads version {ENVELOPE_VERSION} (version 1 \
         did not commit to its content key; ask the sender to send it again)"
    )]
    UnsupportedVersion(u8),
    /// The bytes are not a SCALE-encoded envelope.
    #[error("malformed envelope: {0}")]
    Malformed(String),
    /// Bytes follow a complete envelope.
    #[error("trailing bytes after the envelope")]
    TrailingBytes,
    /// The envelope names no recipient.
    #[error("an envelope needs at least one recipient")]
    NoRecipients,
    /// The envelope names more recipients than allowed.
    #[error("{count} recipients exceed the limit of {max}")]
    TooManyRecipients {
        /// Recipients named.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Wrapped keys are not in strictly ascending recipient order (a
    /// duplicate or a non-canonical order).
    #[error("wrapped keys are not in strictly ascending recipient order")]
    RecipientsNotCanonical,
    /// The same recipient was given twice when sealing.
    #[error("recipient {0} is listed twice")]
    DuplicateRecipient(AccountId),
    /// A recipient's encryption key is not a usable X25519 public key.
    #[error("recipient {0} has an unusable encryption key")]
    InvalidRecipientKey(AccountId),
    /// The sender's signature does not verify.
    #[error("sender signature invalid: {0}")]
    BadSignature(#[from] SignatureError),
    /// The envelope holds no wrapped key for this account.
    #[error("{0} is not a recipient of this message")]
    NotARecipient(AccountId),
    /// Unwrapping or decryption failed: wrong key, or altered ciphertext.
    #[error("decryption failed: wrong key or altered ciphertext")]
    DecryptFailed,
    /// The content key wrapped for this reader is not the one the header
    /// commits to: the sender gave recipients different keys (and could
    /// show each a different text).
    #[error(
        "the content key does not match the sender's commitment: recipients may see different texts"
    )]
    KeyCommitmentMismatch,
}

/// Where a message stands in its sender's messages in one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct SenderChain {
    /// 1 for the sender's first message in the conversation, then +1.
    pub seq: u64,
    /// The id of the sender's message `seq - 1` (zeros for the first).
    pub previous: MessageId,
}

impl SenderChain {
    /// The chain position of a sender's first message.
    pub const FIRST: Self = Self {
        seq: 1,
        previous: MessageId([0; 32]),
    };

    /// The position after the message `id` at this position.
    pub fn next(&self, id: MessageId) -> Self {
        Self {
            seq: self.seq.saturating_add(1),
            previous: id,
        }
    }
}

/// The cleartext routing header; authenticated, not encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Header {
    /// The sender's account id (sr25519 public key): the signer.
    pub sender: AccountId,
    /// Where the message is posted.
    pub conversation: ConversationId,
    /// The group epoch the sender encrypted for (0 for direct messages).
    pub epoch: Epoch,
    /// Sender's clock, milliseconds since the Unix epoch.
    pub sent_at_ms: u64,
    /// Sender-chosen id that makes retries idempotent.
    pub client_msg_id: ClientMsgId,
    /// The message's place in its sender's chain in the conversation.
    pub chain: SenderChain,
    /// BLAKE2b-256 of the content key (tagged): what every recipient's
    /// unwrapped key must match.
    pub key_commitment: [u8; 32],
}

/// The content key wrapped for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct WrappedKey {
    /// Who can unwrap it.
    pub recipient: AccountId,
    /// Which of the recipient's encryption keys it was wrapped for.
    pub key_version: KeyVersion,
    /// HPKE encapsulated key (ephemeral X25519 public key).
    pub encapsulated: [u8; 32],
    /// HPKE ciphertext of the content key (key ‖ tag).
    pub sealed: [u8; SEALED_KEY_LEN],
}

/// The encrypted part of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Payload {
    /// XChaCha20-Poly1305 nonce of the body.
    pub nonce: [u8; 24],
    /// One wrapped content key per recipient, ascending by recipient.
    pub recipients: Vec<WrappedKey>,
    /// The encrypted body (ciphertext ‖ tag).
    pub ciphertext: Vec<u8>,
}

/// What a sender chooses for a new message, besides recipients and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Where the message is posted.
    pub conversation: ConversationId,
    /// The group epoch (0 for direct messages).
    pub epoch: Epoch,
    /// Milliseconds since the Unix epoch.
    pub sent_at_ms: u64,
    /// Idempotency id of this message.
    pub client_msg_id: ClientMsgId,
    /// Its place in the sender's chain in the conversation.
    pub chain: SenderChain,
}

/// A recipient's current encryption key, as read from the identity contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The recipient's account.
    pub account: AccountId,
    /// Its X25519 public key.
    pub key: EncryptionKey,
    /// The key's version.
    pub key_version: KeyVersion,
}

/// A signed, encrypted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Routing header (authenticated cleartext).
    pub header: Header,
    /// Encrypted body and wrapped keys.
    pub payload: Payload,
    /// The sender's sr25519 signature over the signed bytes.
    pub signature: Signature,
}

impl Envelope {
    /// Encrypts `plaintext` for `recipients` and signs it as `sender`.
    pub fn seal(
        sender: &Identity,
        draft: Draft,
        recipients: &[Recipient],
        plaintext: &[u8],
    ) -> Result<Self, EnvelopeError> {
        let mut recipients: Vec<&Recipient> = recipients.iter().collect();
        recipients.sort_by_key(|recipient| recipient.account);
        if let Some(pair) = recipients
            .windows(2)
            .find(|pair| pair[0].account == pair[1].account)
        {
            return Err(EnvelopeError::DuplicateRecipient(pair[0].account));
        }
        check_recipient_count(recipients.len())?;
        check_size(plaintext.len())?;

        let mut content_key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(content_key.as_mut());
        let header = Header {
            sender: sender.account_id(),
            conversation: draft.conversation,
            epoch: draft.epoch,
            sent_at_ms: draft.sent_at_ms,
            client_msg_id: draft.client_msg_id,
            chain: draft.chain,
            key_commitment: key_commitment(content_key.as_slice()),
        };
        let header_bytes = header_bytes(&header);

        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = XChaCha20Poly1305::new(content_key.as_ref().into())
            .encrypt(
                XNonce::from_slice(&nonce),
                AeadPayload {
                    msg: plaintext,
                    aad: &header_bytes,
                },
            )
            .map_err(|_| EnvelopeError::TooLarge {
                len: plaintext.len(),
                max: MAX_ENVELOPE_BYTES,
            })?;

        let info = wrap_info(&header_bytes);
        let wrapped = recipients
            .iter()
            .map(|recipient| wrap_key(&content_key, &info, recipient))
            .collect::<Result<Vec<_>, _>>()?;

        let payload = Payload {
            nonce,
            recipients: wrapped,
            ciphertext,
        };
        let signed = signed_bytes(&header_bytes, &payload);
        check_size(signed.len() + 64)?;
        let signature = sender.sign(ENVELOPE_CONTEXT, &signed);
        Ok(Self {
            header,
            payload,
            signature,
        })
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = signed_bytes(&header_bytes(&self.header), &self.payload);
        bytes.extend_from_slice(&self.signature.0);
        bytes
    }

    /// Decodes the canonical encoding; any other input is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        check_size(bytes.len())?;
        let (&version, mut rest) = bytes
            .split_first()
            .ok_or_else(|| EnvelopeError::Malformed("empty input".into()))?;
        if version != ENVELOPE_VERSION {
            return Err(EnvelopeError::UnsupportedVersion(version));
        }
        let decode_error =
            |error: parity_scale_codec::Error| EnvelopeError::Malformed(error.to_string());
        let header = Header::decode(&mut rest).map_err(decode_error)?;
        let payload = Payload::decode(&mut rest).map_err(decode_error)?;
        let signature = Signature::decode(&mut rest).map_err(decode_error)?;
        if !rest.is_empty() {
            return Err(EnvelopeError::TrailingBytes);
        }
        check_recipient_count(payload.recipients.len())?;
        if payload
            .recipients
            .windows(2)
            .any(|pair| pair[0].recipient >= pair[1].recipient)
        {
            return Err(EnvelopeError::RecipientsNotCanonical);
        }
        Ok(Self {
            header,
            payload,
            signature,
        })
    }

    /// The message id: BLAKE2b-256 of the canonical encoding.
    pub fn id(&self) -> MessageId {
        MessageId::of_bytes(&self.to_bytes())
    }

    /// Checks the sender's signature over the header and payload.
    pub fn verify(&self) -> Result<(), EnvelopeError> {
        let signed = signed_bytes(&header_bytes(&self.header), &self.payload);
        self.signature
            .verify(ENVELOPE_CONTEXT, &signed, &self.header.sender)?;
        Ok(())
    }

    /// The recipients the content key is wrapped for.
    pub fn recipients(&self) -> impl Iterator<Item = &AccountId> {
        self.payload
            .recipients
            .iter()
            .map(|wrapped| &wrapped.recipient)
    }

    /// Verifies the signature, then unwraps the content key with `me`'s
    /// encryption key of the version the sender used and decrypts the body.
    pub fn open(&self, me: &Identity) -> Result<Vec<u8>, EnvelopeError> {
        self.verify()?;
        let account = me.account_id();
        let wrapped = self
            .payload
            .recipients
            .binary_search_by(|wrapped| wrapped.recipient.cmp(&account))
            .map(|index| &self.payload.recipients[index])
            .map_err(|_| EnvelopeError::NotARecipient(account))?;

        let header_bytes = header_bytes(&self.header);
        let secret = me.encryption_secret(wrapped.key_version);
        let content_key = Zeroizing::new(
            hpke::open(
                &wrapped.encapsulated,
                &secret,
                &wrap_info(&header_bytes),
                &wrap_aad(&wrapped.recipient, wrapped.key_version),
                &wrapped.sealed,
            )
            .map_err(|_| EnvelopeError::DecryptFailed)?,
        );
        if content_key.len() != 32 || key_commitment(&content_key[..]) != self.header.key_commitment
        {
            return Err(EnvelopeError::KeyCommitmentMismatch);
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&content_key)
            .map_err(|_| EnvelopeError::DecryptFailed)?;
        cipher
            .decrypt(
                XNonce::from_slice(&self.payload.nonce),
                AeadPayload {
                    msg: &self.payload.ciphertext,
                    aad: &header_bytes,
                },
            )
            .map_err(|_| EnvelopeError::DecryptFailed)
    }
}

fn check_size(len: usize) -> Result<(), EnvelopeError> {
    if len > MAX_ENVELOPE_BYTES {
        return Err(EnvelopeError::TooLarge {
            len,
            max: MAX_ENVELOPE_BYTES,
        });
    }
    Ok(())
}

fn check_recipient_count(count: usize) -> Result<(), EnvelopeError> {
    match count {
        0 => Err(EnvelopeError::NoRecipients),
        count if count > MAX_RECIPIENTS => Err(EnvelopeError::TooManyRecipients {
            count,
            max: MAX_RECIPIENTS,
        }),
        _ => Ok(()),
    }
}

/// `version ‖ SCALE(header)`: the body's associated data.
fn header_bytes(header: &Header) -> Vec<u8> {
    let mut bytes = vec![ENVELOPE_VERSION];
    header.encode_to(&mut bytes);
    bytes
}

fn signed_bytes(header_bytes: &[u8], payload: &Payload) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(header_bytes.len() + payload.size_hint() + 64);
    bytes.extend_from_slice(header_bytes);
    payload.encode_to(&mut bytes);
    bytes
}

fn key_commitment(content_key: &[u8]) -> [u8; 32] {
    blake2_256(&[KEY_COMMITMENT_TAG, content_key])
}

fn wrap_info(header_bytes: &[u8]) -> Vec<u8> {
    [WRAP_INFO, &blake2_256(&[header_bytes])].concat()
}

fn wrap_aad(recipient: &AccountId, version: KeyVersion) -> [u8; 36] {
    let mut aad = [0u8; 36];
    aad[..32].copy_from_slice(&recipient.0);
    aad[32..].copy_from_slice(&version.0.to_le_bytes());
    aad
}

fn wrap_key(
    content_key: &[u8; 32],
    info: &[u8],
    recipient: &Recipient,
) -> Result<WrappedKey, EnvelopeError> {
    let invalid = || EnvelopeError::InvalidRecipientKey(recipient.account);
    let sealed = hpke::seal(
        &recipient.key.0,
        info,
        &wrap_aad(&recipient.account, recipient.key_version),
        content_key,
    )
    .map_err(|_| invalid())?;
    Ok(WrappedKey {
        recipient: recipient.account,
        key_version: recipient.key_version,
        encapsulated: sealed.encapsulated,
        sealed: sealed
            .ciphertext
            .as_slice()
            .try_into()
            .map_err(|_| invalid())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GroupId;

    fn identity(uri: &str) -> Identity {
        Identity::from_suri(uri).unwrap()
    }

    fn recipient(identity: &Identity, version: u32) -> Recipient {
        Recipient {
            account: identity.account_id(),
            key: identity.encryption_key(KeyVersion(version)),
            key_version: KeyVersion(version),
        }
    }

    fn draft() -> Draft {
        Draft {
            conversation: ConversationId::Group(GroupId(7)),
            epoch: Epoch(3),
            sent_at_ms: 1_700_000_000_000,
            client_msg_id: ClientMsgId([9; 16]),
            chain: SenderChain::FIRST,
        }
    }

    #[test]
    fn every_recipient_opens_and_others_cannot() {
        let (alice, bob, charlie, eve) = (
            identity("//Alice"),
            identity("//Bob"),
            identity("//Charlie"),
            identity("//Eve"),
        );
        let envelope = Envelope::seal(
            &alice,
            draft(),
            &[
                recipient(&bob, 1),
                recipient(&charlie, 4),
                recipient(&alice, 1),
            ],
            b"hello group",
        )
        .unwrap();
        for reader in [&alice, &bob, &charlie] {
            assert_eq!(envelope.open(reader).unwrap(), b"hello group");
        }
        assert_eq!(
            envelope.open(&eve),
            Err(EnvelopeError::NotARecipient(eve.account_id()))
        );
    }

    #[test]
    fn old_key_versions_still_open_after_rotation() {
        let (alice, bob) = (identity("//Alice"), identity("//Bob"));
        let before = Envelope::seal(&alice, draft(), &[recipient(&bob, 1)], b"old").unwrap();
        let after = Envelope::seal(&alice, draft(), &[recipient(&bob, 2)], b"new").unwrap();
        assert_eq!(before.open(&bob).unwrap(), b"old");
        assert_eq!(after.open(&bob).unwrap(), b"new");
    }

    #[test]
    fn a_key_wrapped_for_someone_elses_key_does_not_open() {
        let (alice, bob, eve) = (identity("//Alice"), identity("//Bob"), identity("//Eve"));
        // Alice is tricked into using Eve's key under Bob's account entry.
        let wrong = Recipient {
            account: bob.account_id(),
            key: eve.encryption_key(KeyVersion(1)),
            key_version: KeyVersion(1),
        };
        let envelope = Envelope::seal(&alice, draft(), &[wrong], b"secret").unwrap();
        assert_eq!(envelope.open(&bob), Err(EnvelopeError::DecryptFailed));
    }

    #[test]
    fn encoding_round_trips_and_id_is_hash_of_bytes() {
        let (alice, bob) = (identity("//Alice"), identity("//Bob"));
        let envelope = Envelope::seal(&alice, draft(), &[recipient(&bob, 1)], b"x").unwrap();
        let bytes = envelope.to_bytes();
        assert_eq!(bytes[0], ENVELOPE_VERSION);
        let decoded = Envelope::from_bytes(&bytes).unwrap();
        assert_eq!(decoded, envelope);
        assert_eq!(envelope.id(), MessageId(blake2_256(&[&bytes])));
        decoded.verify().unwrap();
    }

    #[test]
    fn sealing_rejects_bad_recipient_lists() {
        let (alice, bob) = (identity("//Alice"), identity("//Bob"));
        assert_eq!(
            Envelope::seal(&alice, draft(), &[], b"x"),
            Err(EnvelopeError::NoRecipients)
        );
        assert_eq!(
            Envelope::seal(
                &alice,
                draft(),
                &[recipient(&bob, 1), recipient(&bob, 2)],
                b"x"
            ),
            Err(EnvelopeError::DuplicateRecipient(bob.account_id()))
        );
        // The all-zero X25519 point is of small order: HPKE refuses it.
        let zero = Recipient {
            key: EncryptionKey([0; 32]),
            ..recipient(&bob, 1)
        };
        assert_eq!(
            Envelope::seal(&alice, draft(), &[zero], b"x"),
            Err(EnvelopeError::InvalidRecipientKey(bob.account_id()))
        );
        let too_big = vec![0u8; MAX_ENVELOPE_BYTES];
        assert!(matches!(
            Envelope::seal(&alice, draft(), &[recipient(&bob, 1)], &too_big),
            Err(EnvelopeError::TooLarge { .. })
        ));
    }

    #[test]
    fn decoding_rejects_non_canonical_input() {
        let (alice, bob, charlie) = (
            identity("//Alice"),
            identity("//Bob"),
            identity("//Charlie"),
        );
        let envelope = Envelope::seal(
            &alice,
            draft(),
            &[recipient(&bob, 1), recipient(&charlie, 1)],
            b"x",
        )
        .unwrap();
        let bytes = envelope.to_bytes();

        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(
            Envelope::from_bytes(&trailing),
            Err(EnvelopeError::TrailingBytes)
        );

        for old_or_new in [1, 3] {
            let mut version = bytes.clone();
            version[0] = old_or_new;
            assert_eq!(
                Envelope::from_bytes(&version),
                Err(EnvelopeError::UnsupportedVersion(old_or_new))
            );
        }

        assert!(matches!(
            Envelope::from_bytes(&bytes[..bytes.len() - 1]),
            Err(EnvelopeError::Malformed(_))
        ));
        assert!(matches!(
            Envelope::from_bytes(&[]),
            Err(EnvelopeError::Malformed(_))
        ));

        let mut swapped = envelope.clone();
        swapped.payload.recipients.swap(0, 1);
        assert_eq!(
            Envelope::from_bytes(&swapped.to_bytes()),
            Err(EnvelopeError::RecipientsNotCanonical)
        );

        let oversized = vec![ENVELOPE_VERSION; MAX_ENVELOPE_BYTES + 1];
        assert_eq!(
            Envelope::from_bytes(&oversized),
            Err(EnvelopeError::TooLarge {
                len: MAX_ENVELOPE_BYTES + 1,
                max: MAX_ENVELOPE_BYTES
            })
        );
    }

    #[test]
    fn a_forged_sender_is_rejected() {
        let (alice, bob, mallory) = (identity("//Alice"), identity("//Bob"), identity("//Ferdie"));
        let mut envelope = Envelope::seal(&mallory, draft(), &[recipient(&bob, 1)], b"x").unwrap();
        envelope.header.sender = alice.account_id();
        assert_eq!(
            envelope.open(&bob),
            Err(EnvelopeError::BadSignature(SignatureError::Mismatch))
        );
    }
    #[test]
    fn a_key_other_than_the_committed_one_is_refused() {
        let (alice, bob, charlie) = (
            identity("//Alice"),
            identity("//Bob"),
            identity("//Charlie"),
        );
        let mut envelope = Envelope::seal(
            &alice,
            draft(),
            &[recipient(&bob, 1), recipient(&charlie, 1)],
            b"the same for everyone",
        )
        .unwrap();
        // The sender wraps another key for Charlie and signs again.
        let info = wrap_info(&header_bytes(&envelope.header));
        let other = wrap_key(&[7; 32], &info, &recipient(&charlie, 1)).unwrap();
        let index = envelope
            .payload
            .recipients
            .iter()
            .position(|wrapped| wrapped.recipient == charlie.account_id())
            .unwrap();
        envelope.payload.recipients[index] = other;
        let signed = signed_bytes(&header_bytes(&envelope.header), &envelope.payload);
        envelope.signature = alice.sign(ENVELOPE_CONTEXT, &signed);
        assert_eq!(envelope.verify(), Ok(()));
        assert_eq!(envelope.open(&bob).unwrap(), b"the same for everyone");
        assert_eq!(
            envelope.open(&charlie),
            Err(EnvelopeError::KeyCommitmentMismatch)
        );
    }

    /// An XChaCha20-Poly1305 ciphertext (with `aad`) that authenticates
    /// under both `keys` with one nonce (a Poly1305 tag collision: the AEAD
    /// does not commit to its key). Two of its blocks are solved for,
    /// modulo 2^130 - 5, so that both tags agree; the rest is `blocks`
    /// (16 bytes each, at least three).
    fn collide(keys: [&[u8; 32]; 2], nonce: &[u8; 24], aad: &[u8], blocks: &[[u8; 16]]) -> Vec<u8> {
        use chacha20::cipher::{KeyIvInit, StreamCipher};
        use num_bigint::BigUint;

        let p = (BigUint::from(1u8) << 130u32) - 5u32;
        let two_128 = BigUint::from(1u8) << 128u32;
        let number = |bytes: &[u8]| BigUint::from_bytes_le(bytes);
        // Each key's Poly1305 key: the first 32 bytes of its keystream.
        let poly = keys.map(|key| {
            let mut block = [0u8; 32];
            chacha20::XChaCha20::new(key.into(), nonce.into()).apply_keystream(&mut block);
            let clamp = number(&0x0ffffffc0ffffffc0ffffffc0fffffffu128.to_le_bytes());
            (number(&block[..16]) & clamp, number(&block[16..]))
        });
        // The MAC input: aad, zero padding, ciphertext (block-aligned), the
        // two lengths; each 16-byte block m counts as m + 2^128.
        let mut ciphertext: Vec<u8> = blocks.concat();
        let aad_blocks = aad.len().div_ceil(16);
        let (free_a, free_b) = (aad_blocks, aad_blocks + 1);
        let mac_blocks = |ciphertext: &[u8]| {
            let mut input = aad.to_vec();
            input.resize(aad_blocks * 16, 0);
            input.extend_from_slice(ciphertext);
            input.extend_from_slice(&(aad.len() as u64).to_le_bytes());
            input.extend_from_slice(&(ciphertext.len() as u64).to_le_bytes());
            input
                .chunks(16)
                .map(|chunk| number(chunk) + &two_128)
                .collect::<Vec<_>>()
        };
        let count = mac_blocks(&ciphertext).len();
        // Block i is multiplied by r^(count - i).
        let power = |r: &BigUint, i: usize| r.modpow(&BigUint::from(count - i), &p);
        let inverse = |x: &BigUint| x.modpow(&(&p - 2u32), &p);
        let sub = |x: &BigUint, y: &BigUint| (x + &p - (y % &p)) % &p;
        for attempt in 0u32..1_000 {
            // Aim both tags at one value: poly_1 = t, poly_2 = t + s1 - s2
            // (mod 2^128), each below p.
            let t = number(&crate::hash::blake2_256(&[b"target", &attempt.to_le_bytes()])[..16]);
            let u = (&t + &poly[0].1 + &two_128 - &poly[1].1) % &two_128;
            let targets = [t, u];
            // The known blocks' sums, the two free blocks left out.
            let known = mac_blocks(&ciphertext);
            let rest = poly.clone().map(|(r, _)| {
                known
                    .iter()
                    .enumerate()
                    .fold(BigUint::from(0u8), |sum, (i, m)| {
                        if i == free_a || i == free_b {
                            sum
                        } else {
                            (sum + m * power(&r, i)) % &p
                        }
                    })
            });
            // x r1^a + y r1^b = t1 - rest1 and x r2^a + y r2^b = t2 - rest2.
            let (a1, b1) = (power(&poly[0].0, free_a), power(&poly[0].0, free_b));
            let (a2, b2) = (power(&poly[1].0, free_a), power(&poly[1].0, free_b));
            let (e1, e2) = (sub(&targets[0], &rest[0]), sub(&targets[1], &rest[1]));
            let det = sub(&(&a1 * &b2), &(&a2 * &b1));
            let x = sub(&(&e1 * &b2), &(&e2 * &b1)) * inverse(&det) % &p;
            let y = sub(&(&a1 * &e2), &(&a2 * &e1)) * inverse(&det) % &p;
            // Usable only as full blocks: m + 2^128 with m below 2^128.
            let block = |v: &BigUint| {
                (v >= &two_128 && v < &(&two_128 << 1u32)).then(|| {
                    let mut bytes = (v - &two_128).to_bytes_le();
                    bytes.resize(16, 0);
                    bytes
                })
            };
            if let (Some(x), Some(y)) = (block(&x), block(&y)) {
                let start = (free_a - aad_blocks) * 16;
                ciphertext[start..start + 16].copy_from_slice(&x);
                ciphertext[start + 16..start + 32].copy_from_slice(&y);
                let mac: BigUint = mac_blocks(&ciphertext)
                    .iter()
                    .enumerate()
                    .fold(BigUint::from(0u8), |sum, (i, m)| {
                        (sum + m * power(&poly[0].0, i)) % &p
                    });
                let mut tag = ((mac + &poly[0].1) % &two_128).to_bytes_le();
                tag.resize(16, 0);
                ciphertext.extend_from_slice(&tag);
                return ciphertext;
            }
        }
        panic!("no collision found");
    }

    /// The invisible-salamanders attack: one signed envelope whose body
    /// opens under two keys to two texts, one key wrapped for each reader.
    /// The second reader is refused because the envelope commits to the
    /// first key; without that commitment it would read another message.
    #[test]
    fn a_body_that_opens_under_two_keys_shows_one_text_and_refuses_the_other() {
        let (mallory, alice, bob) = (identity("//Ferdie"), identity("//Alice"), identity("//Bob"));
        let (for_alice, for_bob) = ([0xA1u8; 32], [0xB0u8; 32]);
        let header = Header {
            sender: mallory.account_id(),
            conversation: draft().conversation,
            epoch: draft().epoch,
            sent_at_ms: draft().sent_at_ms,
            client_msg_id: draft().client_msg_id,
            chain: draft().chain,
            key_commitment: key_commitment(&for_alice),
        };
        let aad = header_bytes(&header);
        let nonce = [0x24; 24];
        let blocks = [*b"pay bob 1 DOT ok", [0; 16], [0; 16]];
        let body = collide([&for_alice, &for_bob], &nonce, &aad, &blocks);
        let open_with = |key: &[u8; 32]| {
            XChaCha20Poly1305::new(key.into())
                .decrypt(
                    XNonce::from_slice(&nonce),
                    AeadPayload {
                        msg: &body,
                        aad: &aad,
                    },
                )
                .unwrap()
        };
        // Both keys open the body, to different texts
        let (text_a, text_b) = (open_with(&for_alice), open_with(&for_bob));
        assert_ne!(text_a, text_b);
        // Given the envelope with each reader's key wrapped, signed
        let info = wrap_info(&aad);
        let mut recipients = vec![
            wrap_key(&for_alice, &info, &recipient(&alice, 1)).unwrap(),
            wrap_key(&for_bob, &info, &recipient(&bob, 1)).unwrap(),
        ];
        recipients.sort_by_key(|wrapped| wrapped.recipient);
        let payload = Payload {
            nonce,
            recipients,
            ciphertext: body.clone(),
        };
        let signature = mallory.sign(ENVELOPE_CONTEXT, &signed_bytes(&aad, &payload));
        let envelope = Envelope {
            header,
            payload,
            signature,
        };
        let envelope = Envelope::from_bytes(&envelope.to_bytes()).unwrap();
        assert_eq!(envelope.verify(), Ok(()));
        // Then Alice reads her text, and Bob is refused his
        assert_eq!(envelope.open(&alice).unwrap(), text_a);
        assert_eq!(
            envelope.open(&bob),
            Err(EnvelopeError::KeyCommitmentMismatch)
        );
    }

    #[test]
    fn the_sender_chain_is_signed() {
        let (alice, bob) = (identity("//Alice"), identity("//Bob"));
        let first = Envelope::seal(&alice, draft(), &[recipient(&bob, 1)], b"1").unwrap();
        let mut second_draft = draft();
        second_draft.chain = first.header.chain.next(first.id());
        let second = Envelope::seal(&alice, second_draft, &[recipient(&bob, 1)], b"2").unwrap();
        assert_eq!(second.header.chain.seq, 2);
        assert_eq!(second.header.chain.previous, first.id());
        let mut moved = second.clone();
        moved.header.chain.seq = 3;
        assert!(moved.verify().is_err());
    }
}

/// The envelope in `sdk/tests/vectors/envelope-v2.json`, sealed once by the
/// native build: every build (native, pure, WebAssembly) opens it the same.
#[cfg(test)]
mod shared_vector {
    use super::*;
    use crate::ids::GroupId;

    #[derive(serde::Deserialize)]
    struct Vector {
        sender: String,
        recipients: Vec<String>,
        key_version: u32,
        group: u64,
        epoch: u64,
        text: String,
        id: String,
        bytes: String,
    }

    fn vector() -> Vector {
        serde_json::from_str(include_str!("../tests/vectors/envelope-v2.json")).unwrap()
    }

    #[test]
    fn the_shared_envelope_decodes_verifies_and_opens_for_each_recipient() {
        let vector = vector();
        let bytes = hex::decode(vector.bytes.trim_start_matches("0x")).unwrap();
        let envelope = Envelope::from_bytes(&bytes).unwrap();
        assert_eq!(format!("0x{}", hex::encode(envelope.id().0)), vector.id);
        assert_eq!(envelope.to_bytes(), bytes);
        let sender = Identity::from_suri(&vector.sender).unwrap();
        assert_eq!(envelope.header.sender, sender.account_id());
        assert_eq!(
            envelope.header.conversation,
            ConversationId::Group(GroupId(vector.group))
        );
        assert_eq!(envelope.header.epoch, Epoch(vector.epoch));
        for uri in &vector.recipients {
            let recipient = Identity::from_suri(uri).unwrap();
            let text = envelope.open(&recipient).unwrap();
            assert_eq!(String::from_utf8(text).unwrap(), vector.text, "{uri}");
            let wrapped = envelope
                .payload
                .recipients
                .iter()
                .find(|wrapped| wrapped.recipient == recipient.account_id())
                .unwrap();
            assert_eq!(wrapped.key_version, KeyVersion(vector.key_version));
        }
        let eve = Identity::from_suri("//Eve").unwrap();
        assert!(matches!(
            envelope.open(&eve),
            Err(EnvelopeError::NotARecipient(_))
        ));
        let mut tampered = bytes.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let tampered = Envelope::from_bytes(&tampered).unwrap();
        assert!(tampered.open(&sender).is_err());
    }
}
