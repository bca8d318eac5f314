//! Request authentication: the `Verified` extractor checks the caller's
//! `Authorization: Inkpost …` signature over this relay's audience (its
//! account and the chain's genesis hash), method, path, body hash,
//! timestamp and nonce (see `inkpost_sdk::auth`), refuses stale timestamps
//! and callers over their rate, and hands the verified body on with the
//! nonce still to record; `Signed` also records the nonce, refusing one the
//! account used before. A submit records its nonce with its envelope, in
//! one commit. A `GET` may carry its authorization as its last query
//! parameter instead of the header (`inkpost_sdk::auth::QUERY_PARAM`: a
//! browser's `EventSource` sends no headers).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{Method, header};

use inkpost_sdk::auth::{RequestAuth, split_query_auth};
use inkpost_sdk::ids::AccountId;

use super::error::ApiError;
use super::state::AppState;
use crate::clock::now_ms;
use crate::store::RequestNonce;

/// A request whose signature, freshness and nonce were checked.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The account that signed it.
    pub account: AccountId,
    /// The request body, as signed.
    pub body: Bytes,
}

/// A request whose signature and freshness were checked, and whose nonce is
/// still to be recorded (with the write it authorizes).
#[derive(Debug, Clone)]
pub struct Verified {
    /// The account that signed it.
    pub account: AccountId,
    /// The request body, as signed.
    pub body: Bytes,
    /// Its nonce, to record once.
    pub nonce: RequestNonce,
}

impl FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let verified = Verified::from_request(request, state).await?;
        if !state.store.use_nonce(verified.nonce).await? {
            return Err(ApiError::ReplayedNonce);
        }
        Ok(Self {
            account: verified.account,
            body: verified.body,
        })
    }
}

impl FromRequest<AppState> for Verified {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let full_path = parts
            .uri
            .path_and_query()
            .map_or(parts.uri.path(), |path| path.as_str());
        let (auth, path) = authorization(&parts, full_path)?;

        let limit = state.limits.max_envelope_bytes;
        let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
            let size = parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok()?.parse().ok())
                .unwrap_or(limit + 1);
            ApiError::TooLarge { size, limit }
        })?;

        auth.verify(&state.audience(), parts.method.as_str(), path, &body)
            .map_err(|error| {
                ApiError::Unauthenticated(format!(
                    "{error}; requests must be signed for this relay ({}) on this chain (GET \
                     /v1/info)",
                    state.relay.account_id()
                ))
            })?;

        let now = now_ms();
        let skew_ms = now.abs_diff(auth.timestamp_ms);
        let window_ms = state.limits.max_clock_skew_ms();
        if skew_ms > window_ms {
            return Err(ApiError::StaleRequest { skew_ms });
        }
        // Before any write: a caller over its rate costs no database work.
        state
            .rate_limits
            .per_identity
            .check(&auth.account, Instant::now())
            .map_err(ApiError::rate_limited)?;
        Ok(Self {
            account: auth.account,
            body,
            nonce: RequestNonce {
                account: auth.account,
                nonce: auth.nonce,
                // Remembered until a request with this timestamp would be stale.
                expires_at_ms: auth.timestamp_ms.saturating_add(window_ms),
            },
        })
    }
}

/// The request's authorization and the path and query it signs: the
/// `Authorization` header over the whole path and query, or, for a `GET`
/// without one (a browser's `EventSource`), the last query parameter
/// `auth` over the path and query before it.
fn authorization<'a>(
    parts: &axum::http::request::Parts,
    full_path: &'a str,
) -> Result<(RequestAuth, &'a str), ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::Unauthenticated("authorization is not ASCII".into()))?;
        let auth = RequestAuth::parse_header(value)
            .map_err(|error| ApiError::Unauthenticated(error.to_string()))?;
        return Ok((auth, full_path));
    }
    match split_query_auth(full_path) {
        Some((signed, value)) if parts.method == Method::GET => {
            let auth = RequestAuth::parse_query_value(value)
                .map_err(|error| ApiError::Unauthenticated(error.to_string()))?;
            Ok((auth, signed))
        }
        Some(_) => Err(ApiError::Unauthenticated(
            "only a GET may carry its authorization in the query; send an `Authorization: \
             Inkpost …` header"
                .into(),
        )),
        None => Err(ApiError::Unauthenticated(
            "missing `Authorization: Inkpost …` header (or, for a GET, a last `auth=` query \
             parameter); sign the request with your account key"
                .into(),
        )),
    }
}
