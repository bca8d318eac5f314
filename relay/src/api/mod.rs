//! The HTTP API (version 1), apart from the binary so tests call the router
//! directly. Bodies: a submit is the envelope's canonical SCALE bytes
//! (`application/octet-stream`); answers are JSON, bytes in base64 and
//! hashes in 0x hex; every error is `{"error": code, "message": text}`.
//!
//! | route | auth | answer |
//! |---|---|---|
//! | `POST /v1/envelopes` | sender | 201 receipt (200 with the original for a retry; 402 without postage where it is charged) |
//! | `GET /v1/envelopes/{id}` | reader | the envelope |
//! | `GET /v1/envelopes/{id}/proof` | reader | inclusion proof or `pending` |
//! | `GET /v1/conversations/{conversation}/envelopes?after=&limit=&peer=` | reader | a page |
//! | `GET /v1/conversations/{conversation}/stream?after=&peer=` | reader | live SSE stream |
//! | `GET /v1/batches?after=&limit=` | – | anchored batches |
//! | `GET /v1/postage` | – | the price per message and where to pay it |
//! | `GET /v1/postage/channels/{channel}` | channel payer | what the channel paid for |
//! | `GET /health`, `GET /ready` | – | liveness, readiness |
//! | `GET /openapi.yaml` | – | the OpenAPI document (`relay/openapi.yaml`) |
//! | `GET /metrics` | – | Prometheus metrics |
//!
//! Browsers: with `--cors-origin` the named origins' pages may call every
//! route ([`cors`]); a `GET` may carry its signature as its last query
//! parameter `auth=` instead of the header (`EventSource` sends none).

pub mod auth;
pub mod cors;
pub mod envelopes;
pub mod error;
pub mod postage;
pub mod service;
pub mod state;
pub mod stream;
pub mod streams;

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

pub use error::{ApiError, ErrorBody};
pub use state::{AppState, Limits, RateLimits};

/// The relay's router.
pub fn app(state: AppState) -> Router {
    let router = Router::new()
        .route("/v1/envelopes", post(envelopes::submit))
        .route("/v1/envelopes/{id}", get(envelopes::get_one))
        .route("/v1/envelopes/{id}/proof", get(envelopes::proof))
        .route(
            "/v1/conversations/{conversation}/envelopes",
            get(envelopes::list),
        )
        .route(
            "/v1/conversations/{conversation}/stream",
            get(stream::stream),
        )
        .route("/v1/info", get(service::info))
        .route("/v1/batches", get(service::batches))
        .route("/v1/postage", get(postage::get_terms))
        .route("/v1/postage/channels/{channel}", get(postage::get_account))
        .route("/health", get(service::health))
        .route("/ready", get(service::ready))
        .route("/openapi.yaml", get(service::openapi))
        .route("/metrics", get(service::metrics))
        .layer(middleware::from_fn_with_state(state.clone(), per_ip_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_response,
        ));
    // Outermost: a browser's preflight is answered before any limit.
    let router = match &state.cors {
        Some(origins) => router.layer(origins.layer()),
        None => router,
    };
    router.with_state(state)
}

/// The client's address: from `into_make_service_with_connect_info` (or a
/// test's `MockConnectInfo`); `None` in process, with no socket.
pub fn peer_of(request: &Request) -> Option<SocketAddr> {
    let extensions = request.extensions();
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer)
        .or_else(|| {
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|MockConnectInfo(peer)| *peer)
        })
}

/// Refuses a client IP address over its rate. The address comes from
/// `into_make_service_with_connect_info` (or a test's `MockConnectInfo`);
/// without one only identities are limited.
async fn per_ip_limit(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if let Some(peer) = peer_of(&request) {
        state
            .rate_limits
            .per_ip
            .check(&peer.ip(), Instant::now())
            .map_err(ApiError::rate_limited)?;
    }
    Ok(next.run(request).await)
}

/// Counts every response by status (rate-limit refusals included).
async fn count_response(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    state.metrics.response(response.status().as_u16());
    response
}
