//! A lying relay: an HTTP proxy in front of a real relay that answers as
//! the real one does, except where the scenario's [`Lie`] rewrites an
//! answer — swaps, injects, drops, reorders, replays, inflates, forges, or
//! answers without end. Clients are pointed at [`LyingRelay::url`] and
//! cannot tell the difference from the outside: that is the point.
//!
//! A lie is an async function of what was asked ([`Asked`]) and the honest
//! relay behind it ([`Upstream`]); it may ask the honest relay (the answer
//! as a whole, or streamed through) and return anything.
// A broken proxy is a failed test: the kit unwraps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// What a client asked the lying relay.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The method.
    pub method: Method,
    /// The path and query (`/v1/envelopes/0x…`).
    pub path: String,
    /// The request's headers.
    pub headers: HeaderMap,
    /// The request's body.
    pub body: Bytes,
}

impl Asked {
    /// The path without its query.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }
}

/// The honest relay behind the liar, ready to answer one request.
#[derive(Clone)]
pub struct Upstream {
    http: Client<HttpConnector, Full<Bytes>>,
    relay_url: String,
}

impl Upstream {
    /// Sends `asked` to the honest relay and reads its whole answer.
    pub async fn answer(&self, asked: &Asked) -> http::Response<Bytes> {
        let (head, body) = self.send(asked).await.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        http::Response::from_parts(head, body)
    }

    /// Sends `asked` to the honest relay and passes its answer through as
    /// it arrives (a live stream stays live).
    pub async fn stream(&self, asked: &Asked) -> http::Response<Body> {
        self.send(asked).await
    }

    /// The honest answer's JSON (panics on another kind of answer).
    pub async fn json(&self, asked: &Asked) -> (StatusCode, Value) {
        let answer = self.answer(asked).await;
        let value = serde_json::from_slice(answer.body())
            .unwrap_or_else(|error| panic!("{} is not JSON: {error}", asked.path));
        (answer.status(), value)
    }

    async fn send(&self, asked: &Asked) -> http::Response<Body> {
        let mut request = http::Request::new(Full::new(asked.body.clone()));
        *request.method_mut() = asked.method.clone();
        *request.uri_mut() = format!("{}{}", self.relay_url, asked.path).parse().unwrap();
        for (name, value) in &asked.headers {
            if name != header::HOST && name != header::CONTENT_LENGTH {
                request.headers_mut().insert(name.clone(), value.clone());
            }
        }
        self.http.request(request).await.unwrap().map(Body::new)
    }
}

/// A boxed answer, as lies return them.
pub type Answer = Pin<Box<dyn Future<Output = http::Response<Body>> + Send>>;

/// A scenario: how the liar answers each request.
pub trait Lie: Send + Sync + 'static {
    /// The answer to `asked`, with the honest relay at hand.
    fn answer(&self, asked: Asked, upstream: Upstream) -> Answer;
}

impl<F, A> Lie for F
where
    F: Fn(Asked, Upstream) -> A + Send + Sync + 'static,
    A: Future<Output = http::Response<Body>> + Send + 'static,
{
    fn answer(&self, asked: Asked, upstream: Upstream) -> Answer {
        Box::pin(self(asked, upstream))
    }
}

/// An answer with `status` and `value` as its JSON body.
pub fn json_answer(status: StatusCode, value: &Value) -> http::Response<Body> {
    http::Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(value.to_string()))
        .unwrap()
}

/// A lie that answers `route` (a path without query) with the honest JSON
/// answer after `rewrite` changed it, and everything else honestly.
pub fn rewriting(
    route: impl Fn(&str) -> bool + Send + Sync + 'static,
    rewrite: impl Fn(&Asked, &mut Value) + Send + Sync + 'static,
) -> impl Lie {
    let route = Arc::new(route);
    let rewrite = Arc::new(rewrite);
    move |asked: Asked, upstream: Upstream| {
        let (route, rewrite) = (route.clone(), rewrite.clone());
        async move {
            if !route(asked.route()) {
                return upstream.stream(&asked).await;
            }
            let (status, mut value) = upstream.json(&asked).await;
            rewrite(&asked, &mut value);
            json_answer(status, &value)
        }
    }
}

/// A proxy that lies, in front of one real relay.
pub struct LyingRelay {
    /// The URL clients are given.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Liar {
    lie: Arc<dyn Lie>,
    upstream: Upstream,
}

impl LyingRelay {
    /// Starts a liar in front of the relay at `relay_url`.
    pub async fn start(relay_url: &str, lie: impl Lie) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let liar = Liar {
            lie: Arc::new(lie),
            upstream: Upstream {
                http: Client::builder(TokioExecutor::new()).build_http(),
                relay_url: relay_url.trim_end_matches('/').to_owned(),
            },
        };
        // A liar serves browsers of any origin (put it in front of a relay
        // without --cors-origin, or the CORS headers come twice).
        let router = Router::new()
            .fallback(answer)
            .with_state(liar)
            .layer(tower_http::cors::CorsLayer::permissive());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self { url, task }
    }
}

impl Drop for LyingRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(liar): State<Liar>, request: Request) -> http::Response<Body> {
    let (head, body) = request.into_parts();
    let asked = Asked {
        method: head.method,
        path: head
            .uri
            .path_and_query()
            .map(|path| path.as_str().to_owned())
            .unwrap_or_default(),
        headers: head.headers,
        body: body.collect().await.unwrap().to_bytes(),
    };
    liar.lie.answer(asked, liar.upstream.clone()).await
}
