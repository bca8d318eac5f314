//! The relay's HTTP API v1 wire types (JSON), shared by the relay that
//! answers with them and the clients that read them. `relay/openapi.yaml`
//! documents the routes; bytes are base64, hashes 0x hex.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::envelope::{Envelope, EnvelopeError};
use crate::ids::{AccountId, BatchSeq, ConversationId, MessageId};
use crate::merkle::{MerkleError, Proof};
use crate::receipt::Receipt;

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

/// What `GET /ready` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// The database answers.
    pub database: bool,
    /// The relay follows finalized blocks (writes can be authorized).
    pub chain: bool,
}

/// `0x` + 64 hex digits as 32 bytes.
pub fn parse_hash32(text: &str) -> Option<[u8; 32]> {
    let digits = text.strip_prefix("0x")?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits, &mut bytes).ok()?;
    Some(bytes)
}
