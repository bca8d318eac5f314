//! The HTTP API (version 1), apart from the binary so tests call the router
//! directly. Bodies: a submit is the envelope's canonical SCALE bytes
//! (`application/octet-stream`); answers are JSON, bytes in base64 and
//! hashes in 0x hex; every error is `{"error": code, "message": text}`.
//!
//! | route | auth | answer |
//! |---|---|---|
//! | `POST /v1/envelopes` | sender | 201 receipt (200 with the original for a retry) |
//! | `GET /v1/envelopes/{id}` | reader | the envelope |
//! | `GET /v1/envelopes/{id}/proof` | reader | inclusion proof or `pending` |
//! | `GET /v1/conversations/{conversation}/envelopes?after=&limit=&peer=` | reader | a page |
//! | `GET /v1/batches?after=&limit=` | – | anchored batches |
//! | `GET /health`, `GET /ready` | – | liveness, readiness |

pub mod access;
pub mod auth;
pub mod envelopes;
pub mod error;
pub mod service;
pub mod state;

use axum::Router;
use axum::routing::{get, post};

pub use error::{ApiError, ErrorBody};
pub use state::{AppState, Limits};

/// The relay's router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/envelopes", post(envelopes::submit))
        .route("/v1/envelopes/{id}", get(envelopes::get_one))
        .route("/v1/envelopes/{id}/proof", get(envelopes::proof))
        .route(
            "/v1/conversations/{conversation}/envelopes",
            get(envelopes::list),
        )
        .route("/v1/batches", get(service::batches))
        .route("/health", get(service::health))
        .route("/ready", get(service::ready))
        .with_state(state)
}
