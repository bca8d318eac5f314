//! Routes that need no signature: who the relay is, anchored batches
//! (public on chain anyway), liveness and readiness.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

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
pub async fn metrics(
    State(state): State<AppState>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let gauges = Gauges {
        store: state.store.stats().await.ok(),
        following: state.view.is_following(),
        applied_through: state.view.applied_through(),
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(&gauges),
    )
}
