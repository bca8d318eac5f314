//! Postage over HTTP: the `inkpost-postage` header of a submit, and the
//! routes that tell a sender the price and what a channel has paid for.
//! The policy is [`crate::postage`].

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use inkpost_sdk::ids::ChannelId;
use inkpost_sdk::relay::api::{POSTAGE_HEADER, PostageAccount, PostageTerms, parse_postage_header};
use inkpost_sdk::voucher::SignedVoucher;

use super::auth::Signed;
use super::error::ApiError;
use super::state::AppState;
use crate::postage::Postage;

/// The voucher a submit carries, if any; a header that is not one is a
/// bad request.
pub fn voucher(headers: &HeaderMap) -> Result<Option<SignedVoucher>, ApiError> {
    let Some(value) = headers.get(POSTAGE_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(parse_postage_header)
        .map(Some)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`{POSTAGE_HEADER}` must be base64 of a SCALE-encoded signed voucher"
            ))
        })
}

fn terms(state: &AppState) -> Result<&Postage, ApiError> {
    state
        .postage
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("this relay charges no postage".into()))
}

/// `GET /v1/postage`: the price and where to pay it.
pub async fn get_terms(State(state): State<AppState>) -> Result<Json<PostageTerms>, ApiError> {
    let postage = terms(&state)?;
    Ok(Json(PostageTerms {
        price: postage.price,
        escrow: postage.escrow,
        payee: postage.payee,
        domain: format!("0x{}", hex::encode(postage.domain)),
    }))
}

/// `GET /v1/postage/channels/{channel}`: what one of the caller's channels
/// has paid for here, and what the next message needs.
pub async fn get_account(
    State(state): State<AppState>,
    path: Result<Path<u64>, PathRejection>,
    signed: Signed,
) -> Result<Json<PostageAccount>, ApiError> {
    let postage = terms(&state)?;
    let Path(channel) = path.map_err(|error| ApiError::BadRequest(error.body_text()))?;
    let channel = ChannelId(channel);
    let (messages, cumulative, claimed) = match state.store.postage(channel).await? {
        Some(record) if record.payer != signed.account => {
            return Err(ApiError::Forbidden(format!(
                "channel {} is not yours",
                channel.0
            )));
        }
        Some(record) => (record.messages, record.cumulative, record.claimed),
        None => (0, 0, 0),
    };
    Ok(Json(PostageAccount {
        channel,
        messages,
        cumulative,
        claimed,
        next_cumulative: postage.next_cumulative(messages),
    }))
}
