//! A client of the relay's HTTP API v1 (`relay/openapi.yaml`): every request
//! that touches a conversation is signed with the caller's key.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use inkpost_sdk::auth::RequestAuth;
use inkpost_sdk::clock::now_ms;
use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{AccountId, ChannelId, ConversationId, MessageId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::relay_api::{
    EnvelopePage, EnvelopeView, ErrorBody, POSTAGE_HEADER, PostageAccount, PostageTerms, ProofView,
    Readiness, SubmitResponse, postage_header,
};
use inkpost_sdk::voucher::SignedVoucher;
use serde::de::DeserializeOwned;

/// How long one request may take before the relay counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

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

/// A relay's base URL and an HTTP client.
#[derive(Debug, Clone)]
pub struct RelayClient {
    url: String,
    http: Client<HttpConnector, Full<Bytes>>,
}

impl RelayClient {
    /// A client of the relay at `url` (for example `http://127.0.0.1:8080`).
    pub fn new(url: &str) -> Self {
        Self {
            url: url.trim_end_matches('/').to_owned(),
            http: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// The relay's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `GET /ready`.
    pub async fn ready(&self) -> Result<Readiness, RelayError> {
        let (status, body) = self.send(None, Method::GET, "/ready", Vec::new()).await?;
        if status != StatusCode::OK && status != StatusCode::SERVICE_UNAVAILABLE {
            return Err(self.refusal(status, &body));
        }
        self.json(&body)
    }

    /// `POST /v1/envelopes` as the envelope's sender, paying with
    /// `postage` on a relay that charges it.
    pub async fn submit(
        &self,
        sender: &Identity,
        envelope: &Envelope,
        postage: Option<&SignedVoucher>,
    ) -> Result<SubmitResponse, RelayError> {
        let mut request = self.request(
            Some(sender),
            Method::POST,
            "/v1/envelopes",
            envelope.to_bytes(),
        )?;
        if let Some(voucher) = postage {
            let value = HeaderValue::from_str(&postage_header(voucher)).map_err(|error| {
                RelayError::Malformed {
                    url: self.url.clone(),
                    reason: format!("cannot build the postage header: {error}"),
                }
            })?;
            request.headers_mut().insert(POSTAGE_HEADER, value);
        }
        let (status, body) = self.exchange(request).await?;
        self.success(status, &body)
    }

    /// `GET /v1/postage`: the relay's price, or `None` if it charges none.
    pub async fn postage_terms(&self) -> Result<Option<PostageTerms>, RelayError> {
        let (status, body) = self
            .send(None, Method::GET, "/v1/postage", Vec::new())
            .await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.success(status, &body).map(Some)
    }

    /// `GET /v1/postage/channels/{channel}` as the channel's payer.
    pub async fn postage_account(
        &self,
        payer: &Identity,
        channel: ChannelId,
    ) -> Result<PostageAccount, RelayError> {
        let path = format!("/v1/postage/channels/{}", channel.0);
        self.call(payer, Method::GET, &path, Vec::new()).await
    }

    /// `GET /v1/conversations/{conversation}/envelopes?after=&peer=`: one page.
    pub async fn list(
        &self,
        reader: &Identity,
        conversation: &ConversationId,
        after: u64,
        peer: Option<&AccountId>,
    ) -> Result<EnvelopePage, RelayError> {
        let path = conversation_path(conversation, "envelopes", after, peer);
        self.call(reader, Method::GET, &path, Vec::new()).await
    }

    /// `GET /v1/envelopes/{id}`.
    pub async fn envelope(
        &self,
        reader: &Identity,
        id: &MessageId,
    ) -> Result<EnvelopeView, RelayError> {
        let path = format!("/v1/envelopes/{id}");
        self.call(reader, Method::GET, &path, Vec::new()).await
    }

    /// `GET /v1/envelopes/{id}/proof`.
    pub async fn proof(&self, reader: &Identity, id: &MessageId) -> Result<ProofView, RelayError> {
        let path = format!("/v1/envelopes/{id}/proof");
        self.call(reader, Method::GET, &path, Vec::new()).await
    }

    /// `GET /v1/conversations/{conversation}/stream`: calls `on_envelope`
    /// for each envelope as it arrives until it returns `false`, the relay
    /// says the reader was `revoked` (returns `Ok(false)`) or the stream
    /// ends (`Ok(true)`).
    pub async fn follow(
        &self,
        reader: &Identity,
        conversation: &ConversationId,
        after: u64,
        peer: Option<&AccountId>,
        mut on_envelope: impl FnMut(EnvelopeView) -> bool,
    ) -> Result<bool, RelayError> {
        let path = conversation_path(conversation, "stream", after, peer);
        let request = self.request(Some(reader), Method::GET, &path, Vec::new())?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|error| self.unreachable(error))?;
        let status = response.status();
        let mut body = response.into_body();
        if status != StatusCode::OK {
            let bytes = body
                .collect()
                .await
                .map_err(|error| self.unreachable(error))?
                .to_bytes();
            return Err(self.refusal(status, &bytes));
        }
        let mut events = SseParser::default();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| self.unreachable(error))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            for (event, data) in events.push(&data) {
                match event.as_str() {
                    "envelope" if !on_envelope(self.json(data.as_bytes())?) => return Ok(true),
                    "revoked" => return Ok(false),
                    _ => {}
                }
            }
        }
        Ok(true)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        who: &Identity,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<T, RelayError> {
        let (status, body) = self.send(Some(who), method, path, body).await?;
        self.success(status, &body)
    }

    /// The JSON of a successful answer, or the relay's refusal.
    fn success<T: DeserializeOwned>(
        &self,
        status: StatusCode,
        body: &[u8],
    ) -> Result<T, RelayError> {
        if !status.is_success() {
            return Err(self.refusal(status, body));
        }
        self.json(body)
    }

    fn request(
        &self,
        who: Option<&Identity>,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Request<Full<Bytes>>, RelayError> {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.url));
        if let Some(who) = who {
            let auth = RequestAuth::sign(who, method.as_str(), path, &body, now_ms());
            request = request.header(header::AUTHORIZATION, auth.to_header());
        }
        request
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| RelayError::Malformed {
                url: self.url.clone(),
                reason: format!("cannot build the request: {error}"),
            })
    }

    async fn send(
        &self,
        who: Option<&Identity>,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Bytes), RelayError> {
        self.exchange(self.request(who, method, path, body)?).await
    }

    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, Bytes), RelayError> {
        let exchange = async {
            let response = self.http.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, body))
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => Err(self.unreachable(error)),
            Err(_) => Err(self.unreachable("no answer within 30 s")),
        }
    }

    fn json<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, RelayError> {
        serde_json::from_slice(body).map_err(|error| RelayError::Malformed {
            url: self.url.clone(),
            reason: error.to_string(),
        })
    }

    fn refusal(&self, status: StatusCode, body: &[u8]) -> RelayError {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(error) => RelayError::Answer {
                status,
                code: error.error,
                message: error.message,
            },
            Err(_) => RelayError::Malformed {
                url: self.url.clone(),
                reason: format!("{status} without an error body"),
            },
        }
    }

    fn unreachable(&self, reason: impl std::fmt::Display) -> RelayError {
        RelayError::Unreachable {
            url: self.url.clone(),
            reason: reason.to_string(),
        }
    }
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

/// Splits a Server-Sent Events byte stream into `(event, data)` pairs.
#[derive(Debug, Default)]
struct SseParser {
    buffer: String,
}

impl SseParser {
    fn push(&mut self, bytes: &[u8]) -> Vec<(String, String)> {
        self.buffer
            .push_str(&String::from_utf8_lossy(bytes).replace("\r\n", "\n"));
        let mut events = Vec::new();
        while let Some(end) = self.buffer.find("\n\n") {
            let block: String = self.buffer.drain(..end + 2).collect();
            let (mut event, mut data) = (String::from("message"), Vec::new());
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    event = value.trim_start().to_owned();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
                }
            }
            if !data.is_empty() || event != "message" {
                events.push((event, data.join("\n")));
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_are_split_across_arbitrary_chunks() {
        let mut parser = SseParser::default();
        let stream = b"event: envelope\nid: 1\ndata: {\"a\":1}\n\n: keep-alive\n\nevent: revoked\ndata: \n\n";
        let mut events = Vec::new();
        for chunk in stream.chunks(7) {
            events.extend(parser.push(chunk));
        }
        assert_eq!(
            events,
            vec![
                ("envelope".to_owned(), "{\"a\":1}".to_owned()),
                ("revoked".to_owned(), String::new()),
            ]
        );
    }

    #[tokio::test]
    async fn a_relay_that_is_not_there_is_unreachable() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap_or(9);
        let relay = RelayClient::new(&format!("http://127.0.0.1:{port}"));
        let error = relay.ready().await.err();
        assert!(
            matches!(error, Some(RelayError::Unreachable { .. })),
            "{error:?}"
        );
    }
}
