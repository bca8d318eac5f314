//! One client of every route of the relay's API v1 (`relay/openapi.yaml`).
//! Requests that touch a conversation are signed with the caller's key
//! ([`crate::auth`]); answers are decoded into the wire types of
//! [`super::api`], refusals into [`RelayError::Answer`] with the relay's
//! stable error code.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, Method, StatusCode, header};
use serde::de::DeserializeOwned;

use super::api::{
    BatchView, EnvelopePage, EnvelopeView, ErrorBody, POSTAGE_HEADER, PostageAccount, PostageTerms,
    ProofView, Readiness, SubmitResponse, postage_header,
};
use super::sse::SseParser;
use super::transport::{ByteStream, Transport, TransportError};
use crate::auth::RequestAuth;
use crate::clock::now_ms;
use crate::envelope::Envelope;
use crate::ids::{AccountId, ChannelId, ConversationId, MessageId};
use crate::keys::Identity;
use crate::voucher::SignedVoucher;

/// Why a relay request failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// No answer: connection refused, reset or timed out.
    #[error(
        "cannot reach the relay at {url}: {reason}; start it (scripts/demo.sh does) or pass --relay"
    )]
    Unreachable {
        /// The relay's base URL.
        url: String,
        /// What the connection did.
        reason: String,
    },
    /// The relay answered with its documented error body.
    #[error("the relay refused ({status}, {code}): {message}")]
    Answer {
        /// The HTTP status.
        status: StatusCode,
        /// The stable error code (`forbidden`, `not_found`, …).
        code: String,
        /// The relay's explanation.
        message: String,
    },
    /// The answer is not what the API documents.
    #[error("unexpected answer from the relay at {url}: {reason}")]
    Malformed {
        /// The relay's base URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
}

impl RelayError {
    /// The relay's error code, for an [`RelayError::Answer`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Answer { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether trying again later may succeed (the relay was unreachable,
    /// rate-limited or temporarily unable to answer).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Answer { code, .. } => matches!(code.as_str(), "rate_limited" | "unavailable"),
            Self::Malformed { .. } => false,
        }
    }
}

/// An event of a live conversation stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// A stored envelope (not yet checked: see [`EnvelopeView::envelope`]).
    Envelope(Box<EnvelopeView>),
    /// The relay ended the stream: the reader may no longer read.
    Revoked(String),
}

/// A client of one relay.
#[derive(Clone)]
pub struct RelayClient {
    url: String,
    transport: Arc<dyn Transport>,
}

impl std::fmt::Debug for RelayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayClient")
            .field("url", &self.url)
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
            url: url.trim_end_matches('/').to_owned(),
            transport: Arc::new(transport),
        }
    }

    /// The relay's base URL.
    pub fn url(&self) -> &str {
        &self.url
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
            return Err(self.refusal(status, response.body()));
        }
        self.json(response.body())
    }

    /// `POST /v1/envelopes` as the envelope's sender, paying with `postage`
    /// on a relay that charges it.
    pub async fn submit(
        &self,
        sender: &Identity,
        envelope: &Envelope,
        postage: Option<&SignedVoucher>,
    ) -> Result<SubmitResponse, RelayError> {
        let mut request = self.signed(sender, Method::POST, "/v1/envelopes", envelope.to_bytes());
        if let Some(voucher) = postage {
            let value = HeaderValue::from_str(&postage_header(voucher))
                .map_err(|error| self.malformed(format!("a postage header: {error}")))?;
            request.headers_mut().insert(POSTAGE_HEADER, value);
        }
        self.call(request).await
    }

    /// `GET /v1/envelopes/{id}`.
    pub async fn envelope(
        &self,
        reader: &Identity,
        id: &MessageId,
    ) -> Result<EnvelopeView, RelayError> {
        let path = format!("/v1/envelopes/{id}");
        self.call(self.signed(reader, Method::GET, &path, Vec::new()))
            .await
    }

    /// `GET /v1/envelopes/{id}/proof`.
    pub async fn proof(&self, reader: &Identity, id: &MessageId) -> Result<ProofView, RelayError> {
        let path = format!("/v1/envelopes/{id}/proof");
        self.call(self.signed(reader, Method::GET, &path, Vec::new()))
            .await
    }

    /// `GET /v1/conversations/{conversation}/envelopes?after=&peer=`: one
    /// page (the relay's page size).
    pub async fn list(
        &self,
        reader: &Identity,
        conversation: &ConversationId,
        after: u64,
        peer: Option<&AccountId>,
    ) -> Result<EnvelopePage, RelayError> {
        let path = conversation_path(conversation, "envelopes", after, peer);
        self.call(self.signed(reader, Method::GET, &path, Vec::new()))
            .await
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
            .and_then(|body| self.json(body))
            .map(Some)
    }

    /// `GET /v1/postage/channels/{channel}` as the channel's payer.
    pub async fn postage_account(
        &self,
        payer: &Identity,
        channel: ChannelId,
    ) -> Result<PostageAccount, RelayError> {
        let path = format!("/v1/postage/channels/{}", channel.0);
        self.call(self.signed(payer, Method::GET, &path, Vec::new()))
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
        let request = self.signed(reader, Method::GET, &path, Vec::new());
        let response = self
            .transport
            .open(request)
            .await
            .map_err(|error| self.unreachable(error))?;
        let status = response.status();
        let mut body = response.into_body();
        if status != StatusCode::OK {
            let mut bytes = Vec::new();
            while let Some(chunk) = body.next().await {
                bytes.extend_from_slice(&chunk.map_err(|error| self.unreachable(error))?);
            }
            return Err(self.refusal(status, &bytes));
        }
        Ok(Subscription {
            client: self.clone(),
            body,
            parser: SseParser::default(),
            ready: Vec::new(),
            ended: false,
        })
    }

    /// A request to `path` signed by `who` (the method, path and body are
    /// what the signature covers).
    pub fn signed(
        &self,
        who: &Identity,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> http::Request<Vec<u8>> {
        let auth = RequestAuth::sign(who, method.as_str(), path, &body, now_ms());
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
        *request.uri_mut() = format!("{}{path}", self.url)
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
            .map_err(|error| self.unreachable(error))
    }

    /// Sends `request` and decodes a successful answer's JSON.
    async fn call<T: DeserializeOwned>(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<T, RelayError> {
        let response = self.exchange(request).await?;
        let body = self.expect_success(&response)?;
        self.json(body)
    }

    /// The body of a 2xx answer, or the relay's refusal.
    fn expect_success<'a>(
        &self,
        response: &'a http::Response<Bytes>,
    ) -> Result<&'a [u8], RelayError> {
        if response.status().is_success() {
            Ok(response.body())
        } else {
            Err(self.refusal(response.status(), response.body()))
        }
    }

    fn json<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, RelayError> {
        serde_json::from_slice(body).map_err(|error| self.malformed(error))
    }

    fn refusal(&self, status: StatusCode, body: &[u8]) -> RelayError {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(error) => RelayError::Answer {
                status,
                code: error.error,
                message: error.message,
            },
            Err(_) => self.malformed(format!("{status} without an error body")),
        }
    }

    fn malformed(&self, reason: impl std::fmt::Display) -> RelayError {
        RelayError::Malformed {
            url: self.url.clone(),
            reason: reason.to_string(),
        }
    }

    fn unreachable(&self, error: TransportError) -> RelayError {
        RelayError::Unreachable {
            url: self.url.clone(),
            reason: error.0,
        }
    }
}

/// A live conversation stream (`GET …/stream`).
pub struct Subscription {
    client: RelayClient,
    body: ByteStream,
    parser: SseParser,
    ready: Vec<StreamEvent>,
    ended: bool,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("relay", &self.client.url)
            .field("ended", &self.ended)
            .finish()
    }
}

impl Subscription {
    /// The next event, or `None` once the stream ended (after `Revoked`, or
    /// when the relay closed it).
    pub async fn next(&mut self) -> Option<Result<StreamEvent, RelayError>> {
        loop {
            if !self.ready.is_empty() {
                return Some(Ok(self.ready.remove(0)));
            }
            if self.ended {
                return None;
            }
            let chunk = match self.body.next().await {
                Some(Ok(chunk)) => chunk,
                Some(Err(error)) => {
                    self.ended = true;
                    return Some(Err(self.client.unreachable(error)));
                }
                None => {
                    self.ended = true;
                    return None;
                }
            };
            for event in self.parser.push(&chunk) {
                match event.event.as_str() {
                    "envelope" => match self.client.json(event.data.as_bytes()) {
                        Ok(view) => self.ready.push(StreamEvent::Envelope(Box::new(view))),
                        Err(error) => {
                            self.ended = true;
                            return Some(Err(error));
                        }
                    },
                    "revoked" => {
                        self.ready.push(StreamEvent::Revoked(event.data));
                        self.ended = true;
                        break;
                    }
                    _ => {} // unknown events are for newer clients
                }
            }
        }
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
