//! The one HTTP error boundary: every failure of every route becomes an
//! [`ApiError`], answered as `{"error": "<code>", "message": "<text>"}` with
//! the status the API documents. Internal failures are logged and answered
//! without their details.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use inkpost_sdk::relay::api::ErrorBody;

use crate::access::AccessError;
use crate::directory::ViewError;
use crate::postage::Refusal;
use crate::store::StoreError;
use crate::submit::SubmitError;

/// Everything a route can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body, a path segment or a query parameter is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The envelope is larger than the relay accepts.
    #[error("the envelope is {size} bytes; this relay accepts at most {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The request carries no valid `Authorization: Inkpost …` signature.
    #[error("{0}")]
    Unauthenticated(String),
    /// The request's timestamp is outside the accepted window.
    #[error("request timestamp is {skew_ms} ms away from the relay's clock; sign it again")]
    StaleRequest {
        /// How far off it is.
        skew_ms: u64,
    },
    /// The request's nonce was used before by this account.
    #[error("request nonce already used; sign the request again with a fresh nonce")]
    ReplayedNonce,
    /// The caller is authenticated but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The envelope was written for another epoch than the group's current.
    #[error("the group is at epoch {current}; re-encrypt for its current members")]
    StaleEpoch {
        /// The group's current epoch.
        current: u64,
    },
    /// The relay charges postage and the submit does not pay it (no
    /// voucher, a voucher that does not hold, or not enough).
    #[error("{0}")]
    PostageRequired(String),
    /// No such message or conversation.
    #[error("{0}")]
    NotFound(String),
    /// Too many requests; retry after the given number of seconds.
    #[error("rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited {
        /// When to retry.
        retry_after_secs: u64,
    },
    /// The chain or the database cannot answer now; retrying later may work.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; details are in the relay's log.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// The HTTP status and the stable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Self::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::StaleRequest { .. } => (StatusCode::UNAUTHORIZED, "stale_request"),
            Self::ReplayedNonce => (StatusCode::UNAUTHORIZED, "replayed_nonce"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::StaleEpoch { .. } => (StatusCode::CONFLICT, "stale_epoch"),
            Self::PostageRequired(_) => (StatusCode::PAYMENT_REQUIRED, "postage_required"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl ApiError {
    /// A refusal by a rate limit that frees up after `wait`.
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        Self::RateLimited {
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = ErrorBody {
            error: code.to_owned(),
            message: self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) => {
                tracing::warn!(%error, "database unavailable");
                Self::Unavailable("the relay's database is unavailable; retry later".into())
            }
            error => {
                tracing::error!(%error, "storage failure");
                Self::Internal
            }
        }
    }
}

impl From<ViewError> for ApiError {
    fn from(error: ViewError) -> Self {
        tracing::warn!(%error, "chain view unavailable");
        Self::Unavailable(format!("{error}; retry later"))
    }
}

impl From<AccessError> for ApiError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Unavailable(error) => error.into(),
            AccessError::NoSuchGroup(_) => Self::NotFound(error.to_string()),
            AccessError::StaleEpoch { current } => Self::StaleEpoch { current },
            AccessError::NoPeer => Self::BadRequest(error.to_string()),
            AccessError::NotRegistered(_)
            | AccessError::WrongAccountId(_)
            | AccessError::ReadOnly(_)
            | AccessError::NotAMember(_)
            | AccessError::NotAParty => Self::Forbidden(error.to_string()),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::Access(error) => error.into(),
            SubmitError::Postage(refusal) => refusal.into(),
            SubmitError::Replayed => Self::ReplayedNonce,
            SubmitError::Store(error) => error.into(),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Unavailable(error) => error.into(),
            Refusal::Unpaid(_) => Self::PostageRequired(refusal.to_string()),
            refusal => Self::PostageRequired(format!(
                "{refusal}; this relay charges postage through escrow (`GET /v1/postage` \
                 names the price, escrow and payee; `inkpost send --postage CHANNEL`)"
            )),
        }
    }
}
