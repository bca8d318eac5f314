//! [`Relay`]: the SDK's relay client for pages, over `fetch`. What a relay
//! answers is checked as the CLI checks it: pages in order and of the
//! conversation asked for, each envelope's bytes hashing to its id and
//! signed by its sender; anything else rejects with the relay named as
//! dishonest.

use std::cell::RefCell;
use std::rc::Rc;

use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{AccountId, ConversationId};
use inkpost_sdk::relay::api::EnvelopeView;
use inkpost_sdk::relay::{RelayClient, RelayError, StreamEvent};
use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::fetch::FetchTransport;
use crate::{Account, parse};

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

    /// Submits an envelope (from `seal`) as its sender: the relay's signed
    /// receipt, checked.
    pub fn submit(&self, sender: &Account, envelope: &[u8]) -> Result<Promise, JsError> {
        let envelope = Envelope::from_bytes(envelope)?;
        let client = self.client.clone();
        let sender = sender.identity.clone();
        Ok(future_to_promise(async move {
            let response = client
                .submit(&sender, &envelope, None)
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
