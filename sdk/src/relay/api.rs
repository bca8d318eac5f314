//! The relay's HTTP API v1 wire types (JSON), shared by the relay that
//! answers with them and the clients that read them. `relay/openapi.yaml`
//! documents the routes; bytes are base64, hashes 0x hex.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::auth::Audience;
use crate::envelope::{Envelope, EnvelopeError};
use crate::ids::{AccountId, Address, BatchSeq, ChannelId, ConversationId, MessageId};
use crate::merkle::{MerkleError, Proof};
use crate::receipt::Receipt;
use crate::voucher::{SignedVoucher, decimal_u128};

/// The answer to a submit: the relay's signed receipt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmitResponse {
    /// The receipt (the original one for a retried submit).
    pub receipt: Receipt,
    /// Whether the envelope had been stored before.
    pub duplicate: bool,
}

/// A stored envelope as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeView {
    /// The message id.
    pub id: MessageId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Its sequence number in the conversation.
    pub seq: u64,
    /// The sender.
    pub sender: AccountId,
    /// When the relay received it (ms since the Unix epoch).
    pub received_at_ms: u64,
    /// The canonical envelope bytes, base64.
    pub envelope: String,
}

/// Why a view from a relay cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// A base64 or hex field is malformed.
    #[error("malformed {0} from the relay")]
    Malformed(&'static str),
    /// The envelope bytes are not a valid envelope.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The stored bytes do not hash to the id the relay gave for them.
    #[error("the relay's envelope {claimed} hashes to {actual}: altered")]
    IdMismatch {
        /// The id the relay named.
        claimed: MessageId,
        /// The id of the bytes it sent.
        actual: MessageId,
    },
    /// The proof does not decode.
    #[error(transparent)]
    Proof(#[from] MerkleError),
}

impl EnvelopeView {
    /// The envelope, decoded, checked to carry the id the relay named and
    /// its sender's signature verified: a relay that altered the stored body
    /// is caught here.
    pub fn envelope(&self) -> Result<Envelope, ViewError> {
        let bytes = BASE64
            .decode(&self.envelope)
            .map_err(|_| ViewError::Malformed("envelope"))?;
        let envelope = Envelope::from_bytes(&bytes)?;
        let actual = envelope.id();
        if actual != self.id {
            return Err(ViewError::IdMismatch {
                claimed: self.id,
                actual,
            });
        }
        envelope.verify()?;
        Ok(envelope)
    }
}

/// The most envelope bytes a relay puts in one page (always at least one
/// envelope): base64 and JSON included, a page stays well below what a
/// client reads ([`super::transport::MAX_ANSWER_BYTES`]).
pub const MAX_PAGE_ENVELOPE_BYTES: usize = crate::envelope::MAX_ENVELOPE_BYTES;

/// A page of a conversation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvelopePage {
    /// Envelopes in sequence order.
    pub envelopes: Vec<EnvelopeView>,
    /// Pass as `after` for the next page (absent when this page is empty).
    pub next_after: Option<u64>,
}

/// A message's inclusion proof, or `pending`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProofView {
    /// Not yet in a finalized anchored batch.
    Pending,
    /// Anchored.
    Anchored {
        /// The batch's root, hex.
        root: String,
        /// The leaf's index.
        leaf_index: u64,
        /// The encoded proof (`inkpost_sdk::merkle::Proof`), base64.
        proof: String,
        /// The batch.
        batch: BatchView,
    },
}

impl ProofView {
    /// The decoded proof and the root it claims, if anchored.
    pub fn decode(&self) -> Result<Option<(Proof, [u8; 32])>, ViewError> {
        let Self::Anchored { root, proof, .. } = self else {
            return Ok(None);
        };
        let root = parse_hash32(root).ok_or(ViewError::Malformed("root"))?;
        let proof = BASE64
            .decode(proof)
            .map_err(|_| ViewError::Malformed("proof"))?;
        Ok(Some((Proof::from_bytes(&proof)?, root)))
    }
}

/// An anchored (or formed) batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    /// Its sequence number in the anchors contract.
    pub seq: BatchSeq,
    /// The root, hex.
    pub root: String,
    /// Number of leaves.
    pub leaf_count: u64,
    /// The finalized block that holds it, once anchored.
    pub block_number: Option<u64>,
    /// That block's hash, hex.
    pub block_hash: Option<String>,
}

/// The JSON body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable machine-readable code.
    pub error: String,
    /// What happened and what to do, for people.
    pub message: String,
}

/// What `GET /v1/info` answers: who the relay is and on which chain, so a
/// client can pin it and sign its requests for it alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayInfo {
    /// The relay's account: it signs receipts and anchors batches with it.
    pub account: AccountId,
    /// Its H160 address on chain (the postage payee).
    pub address: Address,
    /// The account whose batches in the anchors contract hold this relay's
    /// messages: the relay's own, or that of the relay sharing its database
    /// that anchors.
    pub anchorer: AccountId,
    /// The chain's genesis hash, 0x hex.
    pub genesis: String,
    /// The envelope version it stores.
    pub envelope_version: u8,
    /// The largest envelope it takes, in bytes.
    pub max_envelope_bytes: usize,
}

impl RelayInfo {
    /// The audience requests to this relay are signed for.
    pub fn audience(&self) -> Option<Audience> {
        Some(Audience {
            relay: self.account,
            genesis: parse_hash32(&self.genesis)?,
        })
    }
}

/// What `GET /ready` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// The database answers.
    pub database: bool,
    /// The relay follows finalized blocks (writes can be authorized).
    pub chain: bool,
}

/// The header that carries postage on a submit to a relay that charges it:
/// base64 of the SCALE-encoded [`SignedVoucher`]. (Not covered by the
/// request signature, and need not be: the voucher is the payer's own
/// signed promise, and the relay counts what it pays for.)
pub const POSTAGE_HEADER: &str = "inkpost-postage";

/// A voucher as the value of [`POSTAGE_HEADER`].
pub fn postage_header(voucher: &SignedVoucher) -> String {
    use parity_scale_codec::Encode;
    BASE64.encode(voucher.encode())
}

/// The voucher in a [`POSTAGE_HEADER`] value, if it is one.
pub fn parse_postage_header(value: &str) -> Option<SignedVoucher> {
    use parity_scale_codec::DecodeAll;
    let bytes = BASE64.decode(value.trim()).ok()?;
    SignedVoucher::decode_all(&mut &bytes[..]).ok()
}

/// What `GET /v1/postage` answers: a relay's price per stored message and
/// where to pay it (a channel of `escrow` to `payee`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostageTerms {
    /// Native units per stored message (a decimal string).
    #[serde(with = "decimal_u128")]
    pub price: u128,
    /// The escrow contract whose channels pay it.
    pub escrow: Address,
    /// The relay's account, the payee of those channels.
    pub payee: Address,
    /// The voucher domain (the chain's genesis hash), 0x hex.
    pub domain: String,
}

/// What `GET /v1/postage/channels/{channel}` answers to the channel's
/// payer: what the channel has paid for at this relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostageAccount {
    /// The channel.
    pub channel: ChannelId,
    /// Messages stored with postage from this channel.
    pub messages: u64,
    /// The highest voucher received (cumulative, native units).
    #[serde(with = "decimal_u128")]
    pub cumulative: u128,
    /// How much of it the relay has claimed on chain.
    #[serde(with = "decimal_u128")]
    pub claimed: u128,
    /// The least cumulative amount a voucher for the next message needs.
    #[serde(with = "decimal_u128")]
    pub next_cumulative: u128,
}

/// `0x` + 64 hex digits as 32 bytes.
pub fn parse_hash32(text: &str) -> Option<[u8; 32]> {
    let digits = text.strip_prefix("0x")?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits, &mut bytes).ok()?;
    Some(bytes)
}
