//! Routes that need no signature: who the relay is, anchored batches
//! (public on chain anyway), liveness and readiness.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub use inkpost_sdk::relay::api::{Readiness, RelayInfo};

use super::envelopes::BatchView;
use super::error::ApiError;
use super::state::AppState;
use crate::metrics::Gauges;

/// Query of `GET /v1/batches`.
#[derive(Debug, Deserialize)]
pub struct BatchQuery {
    /// Batches with a sequence number above this (default 0).
    #[serde(default)]
    pub after: u64,
    /// Most batches to return.
    pub limit: Option<u32>,
}

/// `GET /v1/batches?after=&limit=`.
pub async fn batches(
    State(state): State<AppState>,
    query: Result<Query<BatchQuery>, QueryRejection>,
) -> Result<Json<Vec<BatchView>>, ApiError> {
    let Query(query) = query.map_err(|error| ApiError::BadRequest(error.body_text()))?;
    let limit = state.limits.page(query.limit);
    let batches = state.store.batches(query.after, limit).await?;
    Ok(Json(batches.into_iter().map(BatchView::from).collect()))
}

/// `GET /v1/info`: who this relay is and on which chain.
pub async fn info(State(state): State<AppState>) -> Json<RelayInfo> {
    let audience = state.audience();
    Json(RelayInfo {
        account: audience.relay,
        address: state.relay.address(),
        anchorer: state.anchorer,
        genesis: format!("0x{}", hex::encode(audience.genesis)),
        envelope_version: inkpost_sdk::envelope::ENVELOPE_VERSION,
        max_envelope_bytes: state.limits.max_envelope_bytes,
    })
}

/// `GET /health`: the process answers.
pub async fn health() -> &'static str {
    "ok"
}

/// `GET /ready`: 200 when the database answers and the chain is followed,
/// else 503 with which part is missing.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let readiness = Readiness {
        database: state.store.ping().await.is_ok(),
        chain: state.view.is_following(),
    };
    let status = if readiness.database && readiness.chain {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness))
}

/// The API's OpenAPI document.
pub const OPENAPI: &str = include_str!("../../openapi.yaml");

/// `GET /openapi.yaml`.
pub async fn openapi() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    (
        [(axum::http::header::CONTENT_TYPE, "application/yaml")],
        OPENAPI,
    )
}

/// `GET /metrics`: Prometheus text exposition.
///
/// Metrics count and scan tables: they are served to this machine only, or
/// to whoever presents `Authorization: Bearer <--metrics-token>` when the
/// relay has one.
pub async fn metrics(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<([(axum::http::HeaderName, &'static str); 1], String), ApiError> {
    let peer = super::peer_of(&request);
    let allowed = match state.metrics_token.as_deref() {
        Some(token) => request
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|given| given.as_bytes().ct_eq(token.as_bytes()).into()),
        // In process (no socket), the caller is this process.
        None => peer.is_none_or(|address| address.ip().is_loopback()),
    };
    if !allowed {
        return Err(ApiError::Forbidden(
            "metrics are served to this machine, or with the relay's --metrics-token as \
             `Authorization: Bearer …`"
                .into(),
        ));
    }
    let gauges = Gauges {
        store: state.store.stats().await.ok(),
        following: state.view.is_following(),
        applied_through: state.view.applied_through(),
    };
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(&gauges),
    ))
}
