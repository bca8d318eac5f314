//! [`Relay`]: the SDK's relay client for pages, over `fetch`. What a relay
//! answers is checked as the CLI checks it: pages in order and of the
//! conversation asked for, each envelope's bytes hashing to its id and
//! signed by its sender; anything else rejects with the relay named as
//! dishonest.

use std::cell::RefCell;
use std::rc::Rc;

use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{AccountId, Address, ChannelId, ConversationId, MessageId};
use inkpost_sdk::relay::api::{EnvelopeView, ProofView};
use inkpost_sdk::relay::{RelayClient, RelayError, StreamEvent};
use inkpost_sdk::voucher::{PostageRefusal, SignedVoucher, Voucher, next_postage};
use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::fetch::FetchTransport;
use crate::{Account, amount, fixed, parse};

/// A relay at one URL.
#[wasm_bindgen]
pub struct Relay {
    client: RelayClient,
}

fn relay_error(error: RelayError) -> JsValue {
    JsError::new(&error.to_string()).into()
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(value).map_err(|error| JsError::new(&error.to_string()).into())
}

fn set(object: &Object, key: &str, value: JsValue) {
    // Setting a property of a plain object cannot fail.
    let _ = Reflect::set(object, &key.into(), &value);
}

/// A checked message as a page sees it: `{seq, id, sender, conversation,
/// receivedAtMs, bytes}` (open `bytes` with `open`).
fn message(client: &RelayClient, view: &EnvelopeView) -> Result<JsValue, JsValue> {
    let envelope: Envelope = view.envelope().map_err(|error| {
        relay_error(client.dishonest(format!("message #{}: {error}", view.seq)))
    })?;
    let object = Object::new();
    set(&object, "seq", JsValue::from_f64(view.seq as f64));
    set(&object, "id", view.id.to_string().into());
    set(&object, "sender", envelope.header.sender.to_string().into());
    set(
        &object,
        "conversation",
        view.conversation.to_string().into(),
    );
    set(
        &object,
        "receivedAtMs",
        JsValue::from_f64(view.received_at_ms as f64),
    );
    set(
        &object,
        "bytes",
        Uint8Array::from(envelope.to_bytes().as_slice()).into(),
    );
    Ok(object.into())
}

/// A place in a conversation as a page names it: the conversation
/// (`dm:0x…` or `group:N`), a sequence number, and for a direct
/// conversation the other account.
fn where_in(
    conversation: &str,
    after: f64,
    peer: Option<String>,
) -> Result<(ConversationId, u64, Option<AccountId>), JsError> {
    let conversation = parse::<ConversationId>("conversation", conversation)?;
    if !(after.is_finite() && after >= 0.0 && after.fract() == 0.0 && after <= 2f64.powi(53)) {
        return Err(JsError::new("after must be a whole number ≥ 0"));
    }
    let peer = peer
        .map(|peer| parse::<AccountId>("peer", &peer))
        .transpose()?;
    Ok((conversation, after as u64, peer))
}

#[wasm_bindgen]
impl Relay {
    /// The relay at `url` (`http://host:port` or `https://…`).
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str) -> Relay {
        Relay {
            client: RelayClient::new(url, FetchTransport),
        }
    }

    /// `GET /v1/info`: the relay's account, chain, limits.
    pub fn info(&self) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move { to_js(&client.info().await.map_err(relay_error)?) })
    }

    /// Submits an envelope (from `seal`) as its sender, with the postage
    /// voucher from `postageVoucher` if the relay charges postage: the
    /// relay's signed receipt, checked.
    pub fn submit(
        &self,
        sender: &Account,
        envelope: &[u8],
        postage: Option<JsValue>,
    ) -> Result<Promise, JsError> {
        let envelope = Envelope::from_bytes(envelope)?;
        let postage: Option<SignedVoucher> = postage
            .filter(|value| !value.is_undefined() && !value.is_null())
            .map(serde_wasm_bindgen::from_value)
            .transpose()?;
        let client = self.client.clone();
        let sender = sender.identity.clone();
        Ok(future_to_promise(async move {
            let response = client
                .submit(&sender, &envelope, postage.as_ref())
                .await
                .map_err(relay_error)?;
            let relay = client.audience().await.map_err(relay_error)?.relay;
            let receipt = &response.receipt;
            if receipt.message_id != envelope.id()
                || receipt.conversation != envelope.header.conversation
                || receipt.relay != relay
                || receipt.verify().is_err()
            {
                return Err(relay_error(client.dishonest(
                    "its receipt is not this relay's signed receipt of this message",
                )));
            }
            to_js(&response)
        }))
    }

    /// One page of a conversation after sequence number `after`:
    /// `{messages, nextAfter}`. `peer`: the other account of a direct
    /// conversation.
    pub fn list(
        &self,
        reader: &Account,
        conversation: &str,
        after: f64,
        peer: Option<String>,
    ) -> Result<Promise, JsError> {
        let (conversation, after, peer) = where_in(conversation, after, peer)?;
        let client = self.client.clone();
        let reader = reader.identity.clone();
        Ok(future_to_promise(async move {
            let page = client
                .list(&reader, &conversation, after, peer.as_ref())
                .await
                .map_err(relay_error)?;
            let messages = js_sys::Array::new();
            for view in &page.envelopes {
                messages.push(&message(&client, view)?);
            }
            let object = Object::new();
            set(&object, "messages", messages.into());
            set(
                &object,
                "nextAfter",
                page.next_after
                    .map_or(JsValue::NULL, |next| JsValue::from_f64(next as f64)),
            );
            Ok(object.into())
        }))
    }

    /// What the relay charges per message, if anything: `null`, or
    /// `{price, escrow, payee, domain}` (price: native units, a decimal
    /// string).
    #[wasm_bindgen(js_name = postageTerms)]
    pub fn postage_terms(&self) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            match client.postage_terms().await.map_err(relay_error)? {
                Some(terms) => to_js(&terms),
                None => Ok(JsValue::NULL),
            }
        })
    }

    /// The voucher that pays this relay for one more message from
    /// `channel` of the escrow at `escrow` on the chain `domain` (genesis):
    /// for what the relay says the next message needs, but never more than
    /// `signed` (the most the payer has signed on the channel, by their own
    /// records) plus the relay's price, and only if that price is at most
    /// `cap`. The relay's escrow and domain must be the caller's. Answers
    /// `{voucher, cumulative}`; record `cumulative` as signed before the
    /// voucher leaves (pass `voucher` to `submit`).
    #[wasm_bindgen(js_name = postageVoucher)]
    pub fn postage_voucher(
        &self,
        payer: &Account,
        escrow: &str,
        domain: &str,
        channel: &str,
        signed: &str,
        cap: &str,
    ) -> Result<Promise, JsError> {
        let escrow = parse::<Address>("escrow", escrow)?;
        let domain = fixed::<32>("domain", domain)?;
        let channel = parse::<ChannelId>("channel", channel)?;
        let (signed, cap) = (amount("signed", signed)?, amount("cap", cap)?);
        let client = self.client.clone();
        let payer = payer.identity.clone();
        Ok(future_to_promise(async move {
            let terms = client
                .postage_terms()
                .await
                .map_err(relay_error)?
                .ok_or_else(|| {
                    JsError::new("this relay charges no postage: send without a channel")
                })?;
            let same_domain = fixed::<32>("domain", &terms.domain).ok() == Some(domain);
            if terms.escrow != escrow || !same_domain {
                return Err(relay_error(client.dishonest(format!(
                    "it takes postage through escrow {} on chain {}, not this deployment's",
                    terms.escrow, terms.domain
                ))));
            }
            let account = client
                .postage_account(&payer, channel)
                .await
                .map_err(relay_error)?;
            let cumulative = next_postage(signed, terms.price, cap, account.next_cumulative)
                .map_err(|refusal| match refusal {
                    PostageRefusal::PriceAboveCap { .. } => {
                        JsError::new(&refusal.to_string()).into()
                    }
                    PostageRefusal::AsksTooMuch { .. } => {
                        relay_error(client.dishonest(format!("{refusal}; nothing was signed")))
                    }
                })?;
            let voucher = Voucher {
                domain,
                contract: escrow,
                channel,
                cumulative,
            }
            .sign(&payer);
            let object = Object::new();
            set(&object, "voucher", to_js(&voucher)?);
            set(&object, "cumulative", cumulative.to_string().into());
            Ok(object.into())
        }))
    }

    /// Message `id`'s inclusion proof as the relay serves it, checked to
    /// lead from `id` to the root it names: `null` while the message is not
    /// in an anchored batch, else `{root, leafIndex, batchSeq, leafCount,
    /// blockNumber}`. The root still has to be compared with the one the
    /// anchors contract holds for the relay's anchorer at `batchSeq`.
    pub fn proof(&self, reader: &Account, id: &str) -> Result<Promise, JsError> {
        let id = parse::<MessageId>("id", id)?;
        let client = self.client.clone();
        let reader = reader.identity.clone();
        Ok(future_to_promise(async move {
            let view = client.proof(&reader, &id).await.map_err(relay_error)?;
            let ProofView::Anchored {
                leaf_index, batch, ..
            } = &view
            else {
                return Ok(JsValue::NULL);
            };
            let (proof, root) = view
                .decode()
                .map_err(|error| relay_error(client.dishonest(format!("its proof: {error}"))))?
                .ok_or_else(|| relay_error(client.dishonest("its proof is malformed")))?;
            proof.verify(&root, &id).map_err(|error| {
                relay_error(client.dishonest(format!(
                    "its proof does not lead from {id} to its root: {error}"
                )))
            })?;
            let object = Object::new();
            set(&object, "root", format!("0x{}", hex::encode(root)).into());
            set(&object, "leafIndex", JsValue::from_f64(*leaf_index as f64));
            set(&object, "batchSeq", JsValue::from_f64(batch.seq.0 as f64));
            set(
                &object,
                "leafCount",
                JsValue::from_f64(batch.leaf_count as f64),
            );
            set(
                &object,
                "blockNumber",
                batch
                    .block_number
                    .map_or(JsValue::NULL, |block| JsValue::from_f64(block as f64)),
            );
            Ok(object.into())
        }))
    }

    /// The live stream of a conversation after `after`.
    pub fn subscribe(
        &self,
        reader: &Account,
        conversation: &str,
        after: f64,
        peer: Option<String>,
    ) -> Result<Promise, JsError> {
        let (conversation, after, peer) = where_in(conversation, after, peer)?;
        let client = self.client.clone();
        let reader = reader.identity.clone();
        Ok(future_to_promise(async move {
            let inner = client
                .subscribe(&reader, &conversation, after, peer.as_ref())
                .await
                .map_err(relay_error)?;
            Ok(Subscription {
                client,
                inner: Rc::new(RefCell::new(Some(inner))),
            }
            .into())
        }))
    }
}

/// A live stream: `await next()` gives `{message}`, `{revoked: reason}`,
/// `{expired: reason}`, or `null` once it has ended.
#[wasm_bindgen]
pub struct Subscription {
    client: RelayClient,
    inner: Rc<RefCell<Option<inkpost_sdk::relay::Subscription>>>,
}

#[wasm_bindgen]
impl Subscription {
    /// The next event.
    pub fn next(&self) -> Promise {
        let inner = self.inner.clone();
        let client = self.client.clone();
        future_to_promise(async move {
            // One `next` at a time: the stream is taken out while awaited.
            let Some(mut stream) = inner.borrow_mut().take() else {
                return Err(JsError::new("next() is already waiting, or the stream ended").into());
            };
            let event = stream.next().await;
            let object = Object::new();
            match event {
                None => return Ok(JsValue::NULL),
                Some(Err(error)) => return Err(relay_error(error)),
                Some(Ok(StreamEvent::Envelope(view))) => {
                    set(&object, "message", message(&client, &view)?)
                }
                Some(Ok(StreamEvent::Revoked(reason))) => set(&object, "revoked", reason.into()),
                Some(Ok(StreamEvent::Expired(reason))) => set(&object, "expired", reason.into()),
            }
            *inner.borrow_mut() = Some(stream);
            Ok(object.into())
        })
    }

    /// Ends the stream.
    pub fn close(&self) {
        self.inner.borrow_mut().take();
    }
}
