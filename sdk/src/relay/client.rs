//! One client of every route of the relay's API v1 (`relay/openapi.yaml`).
//! Requests that touch a conversation are signed with the caller's key
//! ([`crate::auth`]); answers are decoded into the wire types of
//! [`super::api`], refusals into [`RelayError::Answer`] with the relay's
//! stable error code.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, Method, StatusCode, header};
use serde::de::DeserializeOwned;

use super::api::{
    BatchView, EnvelopePage, EnvelopeView, POSTAGE_HEADER, PostageAccount, PostageTerms, ProofView,
    Readiness, RelayInfo, SubmitResponse, postage_header,
};
use super::error::{At, RelayError};
use super::subscription::Subscription;
use super::transport::Transport;
use crate::auth::{Audience, RequestAuth};
use crate::clock::now_ms;
use crate::envelope::Envelope;
use crate::ids::{AccountId, ChannelId, ConversationId, MessageId};
use crate::keys::Identity;
use crate::voucher::SignedVoucher;

/// A client of one relay.
#[derive(Clone)]
pub struct RelayClient {
    /// The relay's URL, named in every error.
    at: At,
    transport: Arc<dyn Transport>,
    /// Who signed requests are for: given, or learned from `/v1/info`.
    audience: Arc<OnceLock<Audience>>,
}

impl std::fmt::Debug for RelayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayClient")
            .field("url", &self.at.url())
            .finish()
    }
}

#[cfg(feature = "http-client")]
impl RelayClient {
    /// A client of the relay at `url` (for example `http://127.0.0.1:8080`)
    /// over HTTP/1.1.
    pub fn http(url: &str) -> Self {
        Self::new(url, super::HyperTransport::new())
    }
}

impl RelayClient {
    /// A client of the relay at `url` over `transport`.
    pub fn new(url: &str, transport: impl Transport) -> Self {
        Self {
            at: At::new(url.trim_end_matches('/')),
            transport: Arc::new(transport),
            audience: Arc::default(),
        }
    }

    /// This client, signing its requests for `audience` (a relay the
    /// caller pinned) instead of what the relay says of itself.
    pub fn with_audience(mut self, audience: Audience) -> Self {
        self.audience = Arc::new(OnceLock::from(audience));
        self
    }

    /// `GET /v1/info`: the relay's account and chain.
    pub async fn info(&self) -> Result<RelayInfo, RelayError> {
        self.call(self.request(Method::GET, "/v1/info")).await
    }

    /// Who this client's signed requests are for: as given by
    /// [`RelayClient::with_audience`], else as `GET /v1/info` says (once).
    pub async fn audience(&self) -> Result<Audience, RelayError> {
        if let Some(audience) = self.audience.get() {
            return Ok(*audience);
        }
        let info = self.info().await?;
        let audience = info.audience().ok_or_else(|| {
            self.at
                .malformed("/v1/info: genesis is not 0x and 64 hex digits")
        })?;
        Ok(*self.audience.get_or_init(|| audience))
    }

    /// The relay's base URL.
    pub fn url(&self) -> &str {
        self.at.url()
    }

    /// `GET /health`: whether the relay process answers.
    pub async fn health(&self) -> Result<(), RelayError> {
        let response = self.exchange(self.request(Method::GET, "/health")).await?;
        self.expect_success(&response).map(|_| ())
    }

    /// `GET /ready`: whether its database answers and it follows the chain.
    pub async fn ready(&self) -> Result<Readiness, RelayError> {
        let response = self.exchange(self.request(Method::GET, "/ready")).await?;
        let status = response.status();
        if status != StatusCode::OK && status != StatusCode::SERVICE_UNAVAILABLE {
            return Err(self.at.refusal(status, response.body()));
        }
        self.at.json(response.body())
    }

    /// `POST /v1/envelopes` as the envelope's sender, paying with `postage`
    /// on a relay that charges it.
    pub async fn submit(
        &self,
        sender: &Identity,
        envelope: &Envelope,
        postage: Option<&SignedVoucher>,
    ) -> Result<SubmitResponse, RelayError> {
        let mut request = self
            .signed(sender, Method::POST, "/v1/envelopes", envelope.to_bytes())
            .await?;
        if let Some(voucher) = postage {
            let value = HeaderValue::from_str(&postage_header(voucher))
                .map_err(|error| self.at.malformed(format!("a postage header: {error}")))?;
            request.headers_mut().insert(POSTAGE_HEADER, value);
        }
        self.call(request).await
    }

    /// `GET /v1/envelopes/{id}`: the envelope with that id, its bytes
    /// checked to hash to it and its signature verified. Any other
    /// envelope, however valid, is the relay lying.
    pub async fn envelope(
        &self,
        reader: &Identity,
        id: &MessageId,
    ) -> Result<(EnvelopeView, Envelope), RelayError> {
        let path = format!("/v1/envelopes/{id}");
        let view: EnvelopeView = self
            .call(self.signed(reader, Method::GET, &path, Vec::new()).await?)
            .await?;
        if view.id != *id {
            return Err(self.dishonest(format!("asked for message {id}, got {}", view.id)));
        }
        let envelope = view
            .envelope()
            .map_err(|error| self.dishonest(format!("message {id}: {error}")))?;
        Ok((view, envelope))
    }

    /// `GET /v1/envelopes/{id}/proof`.
    pub async fn proof(&self, reader: &Identity, id: &MessageId) -> Result<ProofView, RelayError> {
        let path = format!("/v1/envelopes/{id}/proof");
        self.call(self.signed(reader, Method::GET, &path, Vec::new()).await?)
            .await
    }

    /// `GET /v1/conversations/{conversation}/envelopes?after=&peer=`: one
    /// page (the relay's page size), checked to be what was asked for —
    /// envelopes of this conversation, in rising sequence numbers after
    /// `after`, and a `next_after` that moves on — so a paging loop always
    /// ends. (The envelopes themselves are checked by
    /// [`EnvelopeView::envelope`].)
    pub async fn list(
        &self,
        reader: &Identity,
        conversation: &ConversationId,
        after: u64,
        peer: Option<&AccountId>,
    ) -> Result<EnvelopePage, RelayError> {
        let path = conversation_path(conversation, "envelopes", after, peer);
        let page: EnvelopePage = self
            .call(self.signed(reader, Method::GET, &path, Vec::new()).await?)
            .await?;
        let mut last = after;
        for view in &page.envelopes {
            if view.conversation != *conversation {
                return Err(self.dishonest(format!(
                    "asked for {conversation}, got a message of {}",
                    view.conversation
                )));
            }
            if view.seq <= last {
                return Err(self.dishonest(format!(
                    "message #{} of {conversation} came after #{last}: out of order or repeated",
                    view.seq
                )));
            }
            last = view.seq;
        }
        match (page.envelopes.last(), page.next_after) {
            (Some(view), Some(next)) if next == view.seq => Ok(page),
            (None, _) => Ok(page),
            (Some(view), next) => Err(self.dishonest(format!(
                "a page ending at #{} says to continue after {next:?}",
                view.seq
            ))),
        }
    }

    /// `GET /v1/batches?after=`: one page of the relay's batches.
    pub async fn batches(&self, after: u64) -> Result<Vec<BatchView>, RelayError> {
        let path = format!("/v1/batches?after={after}");
        self.call(self.request(Method::GET, &path)).await
    }

    /// `GET /v1/postage`: the relay's price, or `None` if it charges none.
    pub async fn postage_terms(&self) -> Result<Option<PostageTerms>, RelayError> {
        let response = self
            .exchange(self.request(Method::GET, "/v1/postage"))
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.expect_success(&response)
            .and_then(|body| self.at.json(body))
            .map(Some)
    }

    /// `GET /v1/postage/channels/{channel}` as the channel's payer.
    pub async fn postage_account(
        &self,
        payer: &Identity,
        channel: ChannelId,
    ) -> Result<PostageAccount, RelayError> {
        let path = format!("/v1/postage/channels/{}", channel.0);
        self.call(self.signed(payer, Method::GET, &path, Vec::new()).await?)
            .await
    }

    /// `GET /v1/conversations/{conversation}/stream?after=&peer=`: the live
    /// stream of envelopes after sequence number `after`.
    pub async fn subscribe(
        &self,
        reader: &Identity,
        conversation: &ConversationId,
        after: u64,
        peer: Option<&AccountId>,
    ) -> Result<Subscription, RelayError> {
        let path = conversation_path(conversation, "stream", after, peer);
        let request = self.signed(reader, Method::GET, &path, Vec::new()).await?;
        let response = self
            .transport
            .open(request)
            .await
            .map_err(|error| self.at.unreachable(error))?;
        let status = response.status();
        let mut body = response.into_body();
        if status != StatusCode::OK {
            let mut bytes = Vec::new();
            while let Some(chunk) = body.next().await {
                bytes.extend_from_slice(&chunk.map_err(|error| self.at.unreachable(error))?);
            }
            return Err(self.at.refusal(status, &bytes));
        }
        Ok(Subscription::new(
            self.at.clone(),
            *conversation,
            after,
            body,
        ))
    }

    /// A request to `path` signed by `who` for this relay (its audience,
    /// the method, path and body are what the signature covers).
    pub async fn signed(
        &self,
        who: &Identity,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<http::Request<Vec<u8>>, RelayError> {
        let audience = self.audience().await?;
        Ok(self.signed_for(&audience, who, method, path, body))
    }

    /// A request to `path` signed by `who` for `audience`, now.
    pub fn signed_for(
        &self,
        audience: &Audience,
        who: &Identity,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> http::Request<Vec<u8>> {
        let auth = RequestAuth::sign(who, audience, method.as_str(), path, &body, now_ms());
        let mut request = self.request(method, path);
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, header_value(&auth.to_header()));
        *request.body_mut() = body;
        request
    }

    /// An unsigned request to `path` with an empty body.
    pub fn request(&self, method: Method, path: &str) -> http::Request<Vec<u8>> {
        let mut request = http::Request::new(Vec::new());
        *request.method_mut() = method;
        // Paths come from this client or a test; one that is not a URI is
        // sent to the root, where the relay answers 404.
        *request.uri_mut() = format!("{}{path}", self.at.url())
            .parse()
            .unwrap_or_else(|_| http::Uri::from_static("/"));
        request
    }

    /// Sends any request and returns the answer as it is (for routes this
    /// client does not wrap, and for tests of the boundary).
    pub async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Bytes>, RelayError> {
        self.transport
            .send(request)
            .await
            .map_err(|error| self.at.unreachable(error))
    }

    /// Sends `request` and decodes a successful answer's JSON.
    async fn call<T: DeserializeOwned>(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<T, RelayError> {
        let response = self.exchange(request).await?;
        let body = self.expect_success(&response)?;
        self.at.json(body)
    }

    /// The body of a 2xx answer, or the relay's refusal.
    fn expect_success<'a>(
        &self,
        response: &'a http::Response<Bytes>,
    ) -> Result<&'a [u8], RelayError> {
        if response.status().is_success() {
            Ok(response.body())
        } else {
            Err(self.at.refusal(response.status(), response.body()))
        }
    }

    /// A [`RelayError::Dishonest`] about this relay.
    pub fn dishonest(&self, reason: impl std::fmt::Display) -> RelayError {
        self.at.dishonest(reason)
    }
}

fn header_value(text: &str) -> HeaderValue {
    // The authorization header is ASCII by construction.
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn conversation_path(
    conversation: &ConversationId,
    route: &str,
    after: u64,
    peer: Option<&AccountId>,
) -> String {
    let mut path = format!("/v1/conversations/{conversation}/{route}?after={after}");
    if let Some(peer) = peer {
        path.push_str(&format!("&peer={peer}"));
    }
    path
}
