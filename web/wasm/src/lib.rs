//! # inkpost-web
//!
//! The Inkpost SDK for web pages, through wasm-bindgen: the same Rust that
//! the CLI and the relay run (with the SDK's pure-Rust cryptography), so a
//! page and the CLI write and read the same bytes. What it holds:
//!
//! - [`Account`]: one secret (mnemonic, hex seed or dev URI such as
//!   `//Alice`) → the sr25519 account and the X25519 encryption keys;
//!   request signatures for relays; signatures for the chain's signer;
//! - [`seal`] / [`open`]: envelopes, sealed to recipients and opened;
//! - [`verify_proof`]: a message's inclusion in an anchored Merkle root;
//! - [`sign_voucher`]: postage and payment-channel vouchers;
//! - `Relay` (in the browser): the SDK's relay client over `fetch`, with
//!   the same checks of relays' answers as the CLI.
//!
//! Bytes cross as `Uint8Array`, ids as `0x` hex strings, records as plain
//! objects (`serde-wasm-bindgen`); every failure is a JavaScript `Error`
//! whose message says what was wrong.

#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(target_arch = "wasm32")]
mod relay;

#[cfg(target_arch = "wasm32")]
pub use fetch::FetchTransport;
#[cfg(target_arch = "wasm32")]
pub use relay::{Relay, Subscription};

use inkpost_sdk::auth::{Audience, RequestAuth};
use inkpost_sdk::continuity::SenderChains;
use inkpost_sdk::envelope::{Draft, Envelope, Recipient, SenderChain};
use inkpost_sdk::ids::{
    AccountId, Address, ChannelId, ClientMsgId, ConversationId, DirectId, EncryptionKey, Epoch,
    KeyVersion, MessageId,
};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::merkle::Proof;
use inkpost_sdk::signature::SUBSTRATE_CONTEXT;
use inkpost_sdk::voucher::Voucher;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// One person's keys, from one secret.
#[wasm_bindgen]
#[derive(Clone)]
pub struct Account {
    identity: Identity,
}

/// A new account and the mnemonic that restores it.
#[wasm_bindgen(getter_with_clone)]
pub struct Generated {
    /// The account.
    pub account: Account,
    /// Its 12-word BIP-39 mnemonic.
    pub phrase: String,
}

#[wasm_bindgen]
impl Account {
    /// The account of a secret URI: a BIP-39 mnemonic, a `0x` hex seed, or
    /// either with hard junctions (`//Alice` uses the development phrase).
    #[wasm_bindgen(js_name = fromSuri)]
    pub fn from_suri(suri: &str) -> Result<Account, JsError> {
        Ok(Self {
            identity: Identity::from_suri(suri)?,
        })
    }

    /// A fresh account from the browser's randomness.
    pub fn generate() -> Generated {
        let (identity, phrase) = Identity::generate();
        Generated {
            account: Self { identity },
            phrase,
        }
    }

    /// The 32-byte seed (to keep, encrypted, and restore with
    /// [`Account::from_suri`] as `0x…`).
    #[wasm_bindgen(getter)]
    pub fn seed(&self) -> String {
        format!("0x{}", hex::encode(self.identity.seed()))
    }

    /// The account id (sr25519 public key), `0x` hex.
    #[wasm_bindgen(getter, js_name = accountId)]
    pub fn account_id(&self) -> String {
        self.identity.account_id().to_string()
    }

    /// The contract address (H160) pallet-revive maps this account to.
    #[wasm_bindgen(getter)]
    pub fn address(&self) -> String {
        self.identity.address().to_string()
    }

    /// The X25519 public key of encryption-key version `version`, `0x` hex
    /// (what the identity contract publishes).
    #[wasm_bindgen(js_name = encryptionKey)]
    pub fn encryption_key(&self, version: u32) -> String {
        self.identity
            .encryption_key(KeyVersion(version))
            .to_string()
    }

    /// The `Authorization` header value of a request to the relay `relay`
    /// (its account) on the chain `genesis` (both from `GET /v1/info`).
    #[wasm_bindgen(js_name = authorization)]
    pub fn authorization(
        &self,
        relay: &str,
        genesis: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<String, JsError> {
        Ok(self
            .request(relay, genesis, method, path, body)?
            .to_header())
    }

    /// `path` with a `GET`'s signature appended as its last query parameter:
    /// what an `EventSource` (which sends no headers) opens.
    #[wasm_bindgen(js_name = signedPath)]
    pub fn signed_path(&self, relay: &str, genesis: &str, path: &str) -> Result<String, JsError> {
        Ok(self
            .request(relay, genesis, "GET", path, &[])?
            .append_to(path))
    }

    /// An sr25519 signature under Substrate's signing context: what a chain
    /// client's signer returns for an extrinsic payload (and what the
    /// escrow checks on a voucher). `0x` hex, 64 bytes.
    #[wasm_bindgen(js_name = signForChain)]
    pub fn sign_for_chain(&self, payload: &[u8]) -> String {
        format!(
            "0x{}",
            hex::encode(self.identity.sign(SUBSTRATE_CONTEXT, payload).0)
        )
    }

    fn request(
        &self,
        relay: &str,
        genesis: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<RequestAuth, JsError> {
        let audience = Audience {
            relay: parse::<AccountId>("relay", relay)?,
            genesis: fixed::<32>("genesis", genesis)?,
        };
        Ok(RequestAuth::sign(
            &self.identity,
            &audience,
            method,
            path,
            body,
            inkpost_sdk::clock::now_ms(),
        ))
    }
}

/// What a page chooses for a new message.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DraftInput {
    /// `dm:0x…` or `group:N`.
    conversation: String,
    /// The group epoch (0 for a direct message).
    epoch: u64,
    /// 16 random bytes, `0x` hex: retries with the same id are one message.
    client_msg_id: String,
    /// The sender's place in the conversation: 1 for the first message.
    seq: u64,
    /// The id of the sender's previous message (absent for the first).
    previous: Option<String>,
}

/// A recipient as the identity contract lists it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecipientInput {
    account: String,
    key: String,
    key_version: u32,
}

/// Seals `text` from `sender` to `recipients` (the sender reads her own
/// messages only if she is among them): the envelope's canonical bytes.
#[wasm_bindgen]
pub fn seal(
    sender: &Account,
    draft: JsValue,
    recipients: JsValue,
    text: &[u8],
) -> Result<Vec<u8>, JsError> {
    let draft: DraftInput = serde_wasm_bindgen::from_value(draft)?;
    let recipients: Vec<RecipientInput> = serde_wasm_bindgen::from_value(recipients)?;
    let previous = match &draft.previous {
        Some(id) => parse::<MessageId>("previous", id)?,
        None => SenderChain::FIRST.previous,
    };
    let draft = Draft {
        conversation: parse::<ConversationId>("conversation", &draft.conversation)?,
        epoch: Epoch(draft.epoch),
        sent_at_ms: inkpost_sdk::clock::now_ms(),
        client_msg_id: ClientMsgId(fixed::<16>("clientMsgId", &draft.client_msg_id)?),
        chain: SenderChain {
            seq: draft.seq,
            previous,
        },
    };
    let recipients = recipients
        .iter()
        .map(|recipient| {
            Ok(Recipient {
                account: parse::<AccountId>("account", &recipient.account)?,
                key: parse::<EncryptionKey>("key", &recipient.key)?,
                key_version: KeyVersion(recipient.key_version),
            })
        })
        .collect::<Result<Vec<_>, JsError>>()?;
    Ok(Envelope::seal(&sender.identity, draft, &recipients, text)?.to_bytes())
}

/// The id of the direct conversation between two accounts (`dm:0x…`), the
/// same whichever of them asks.
#[wasm_bindgen(js_name = directConversation)]
pub fn direct_conversation(a: &str, b: &str) -> Result<String, JsError> {
    let id = DirectId::between(&parse::<AccountId>("a", a)?, &parse::<AccountId>("b", b)?);
    Ok(ConversationId::Direct(id).to_string())
}

/// The contract (H160) address of an sr25519 account id, as pallet-revive
/// maps it: where a tip to that account goes, whose anchored batches a
/// relay's anchorer writes.
#[wasm_bindgen(js_name = addressOf)]
pub fn address_of(account: &str) -> Result<String, JsError> {
    Ok(parse::<AccountId>("account", account)?
        .to_address()
        .to_string())
}

/// A reader's view of each sender's chain in one conversation: whether the
/// relay served every message, in order (the SDK's `SenderChains`).
#[wasm_bindgen]
pub struct Continuity {
    chains: SenderChains,
}

#[wasm_bindgen]
impl Continuity {
    /// For reading a conversation from its start (`fromStart`: a sender's
    /// first message read must be their first sent) or from the middle.
    #[wasm_bindgen(constructor)]
    pub fn new(from_start: bool) -> Continuity {
        Continuity {
            chains: SenderChains::new(from_start),
        }
    }

    /// Takes in the next message read (its envelope's bytes):
    /// `{status: "in_order" | "unchecked" | "missing" | "out_of_order",
    /// missing?}`.
    pub fn observe(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let envelope = Envelope::from_bytes(bytes)?;
        envelope.verify()?;
        let continuity =
            self.chains
                .observe(envelope.header.sender, envelope.header.chain, envelope.id());
        Ok(serde_wasm_bindgen::to_value(&continuity)?)
    }
}

/// An envelope's cleartext header and id (no key needed; the signature is
/// checked).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvelopeInfo {
    id: String,
    sender: String,
    conversation: String,
    epoch: u64,
    sent_at_ms: u64,
    seq: u64,
    previous: String,
    recipients: Vec<String>,
}

/// Decodes and verifies an envelope: its id, sender, conversation, epoch,
/// time, chain position and recipients.
#[wasm_bindgen(js_name = inspect)]
pub fn inspect(bytes: &[u8]) -> Result<JsValue, JsError> {
    let envelope = Envelope::from_bytes(bytes)?;
    envelope.verify()?;
    let header = &envelope.header;
    let info = EnvelopeInfo {
        id: envelope.id().to_string(),
        sender: header.sender.to_string(),
        conversation: header.conversation.to_string(),
        epoch: header.epoch.0,
        sent_at_ms: header.sent_at_ms,
        seq: header.chain.seq,
        previous: header.chain.previous.to_string(),
        recipients: envelope.recipients().map(ToString::to_string).collect(),
    };
    Ok(serde_wasm_bindgen::to_value(&info)?)
}

/// Verifies an envelope and opens it with `me`'s keys: the text's bytes.
#[wasm_bindgen]
pub fn open(me: &Account, bytes: &[u8]) -> Result<Vec<u8>, JsError> {
    Ok(Envelope::from_bytes(bytes)?.open(&me.identity)?)
}

/// Checks that the message `id` is in the Merkle tree of `root` by a proof
/// as the relay serves it (`0x` hex of its SCALE bytes).
#[wasm_bindgen(js_name = verifyProof)]
pub fn verify_proof(proof: &str, root: &str, id: &str) -> Result<(), JsError> {
    let proof = Proof::from_bytes(&hex_bytes("proof", proof)?)?;
    let root = fixed::<32>("root", root)?;
    proof.verify(&root, &parse::<MessageId>("id", id)?)?;
    Ok(())
}

/// A voucher signed by `payer`: the escrow at `contract` (H160) on chain
/// `domain` owes the channel's payee `cumulative` (a decimal string: u128)
/// in all. Answers the signed voucher as the relay's postage header and
/// the contract take it (`{voucher, signature}`).
#[wasm_bindgen(js_name = signVoucher)]
pub fn sign_voucher(
    payer: &Account,
    domain: &str,
    contract: &str,
    channel: &str,
    cumulative: &str,
) -> Result<JsValue, JsError> {
    let voucher = Voucher {
        domain: fixed::<32>("domain", domain)?,
        contract: parse::<Address>("contract", contract)?,
        channel: parse::<ChannelId>("channel", channel)?,
        cumulative: amount("cumulative", cumulative)?,
    };
    let signed = voucher.sign(&payer.identity);
    Ok(serde_wasm_bindgen::to_value(&signed)?)
}

fn parse<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, JsError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|error| JsError::new(&format!("{what}: {error}")))
}

/// An amount in native units as a page writes it: a decimal string (u128
/// does not fit a JavaScript number).
fn amount(what: &str, text: &str) -> Result<u128, JsError> {
    text.parse()
        .map_err(|_| JsError::new(&format!("{what} must be a decimal integer below 2^128")))
}

fn hex_bytes(what: &str, text: &str) -> Result<Vec<u8>, JsError> {
    text.strip_prefix("0x")
        .and_then(|digits| hex::decode(digits).ok())
        .ok_or_else(|| JsError::new(&format!("{what} must be 0x followed by hex digits")))
}

fn fixed<const N: usize>(what: &str, text: &str) -> Result<[u8; N], JsError> {
    hex_bytes(what, text)?
        .try_into()
        .map_err(|_| JsError::new(&format!("{what} must be {N} bytes")))
}
