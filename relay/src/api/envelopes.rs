//! Envelope routes: submit, fetch one, list a conversation, fetch a proof.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;

use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{AccountId, ConversationId, MessageId};
use inkpost_sdk::merkle::Proof;
use inkpost_sdk::receipt::Receipt;
pub use inkpost_sdk::relay::api::{
    BatchView, EnvelopePage, EnvelopeView, MAX_PAGE_ENVELOPE_BYTES, ProofView, SubmitResponse,
};

use super::auth::{Signed, Verified};
use super::error::ApiError;
use super::state::AppState;
use crate::access::{AccessError, authorize_read};
use crate::clock::now_ms;
use crate::store::{Batch, ProofState, StoredEnvelope};
use crate::submit::Submitted;

impl From<StoredEnvelope> for EnvelopeView {
    fn from(stored: StoredEnvelope) -> Self {
        Self {
            id: stored.id,
            conversation: stored.conversation,
            seq: stored.seq,
            sender: stored.sender,
            received_at_ms: stored.received_at_ms,
            envelope: BASE64.encode(&stored.body),
        }
    }
}

impl From<Batch> for BatchView {
    fn from(batch: Batch) -> Self {
        Self {
            seq: batch.seq,
            root: format!("0x{}", hex::encode(batch.root)),
            leaf_count: batch.leaf_count,
            block_number: batch.anchored.map(|at| at.block_number),
            block_hash: batch
                .anchored
                .map(|at| format!("0x{}", hex::encode(at.block_hash))),
        }
    }
}

/// `POST /v1/envelopes`: the body is the envelope's canonical SCALE bytes;
/// on a relay that charges postage, header `inkpost-postage` pays for it.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Verified,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let envelope = Envelope::from_bytes(&signed.body)
        .map_err(|error| ApiError::BadRequest(format!("not an envelope: {error}")))?;
    envelope
        .verify()
        .map_err(|error| ApiError::BadRequest(format!("envelope signature: {error}")))?;
    if envelope.header.sender != signed.account {
        return Err(ApiError::Forbidden(
            "the request must be signed by the envelope's sender".into(),
        ));
    }
    let voucher = super::postage::voucher(&headers)?;
    let submitted = state
        .submit()
        .envelope(
            &envelope,
            signed.body.to_vec(),
            voucher,
            signed.nonce,
            now_ms(),
        )
        .await?;
    Ok(match submitted {
        Submitted::Stored(stored) => {
            // No live stream listening is fine.
            let _ = state.stored.send(stored.conversation);
            answer(&state, stored, true)
        }
        Submitted::Retry(stored) => answer(&state, stored, false),
    })
}

/// The signed receipt for `stored`: 201 when it was stored now, 200 for
/// a retry.
fn answer(
    state: &AppState,
    stored: StoredEnvelope,
    new: bool,
) -> (StatusCode, Json<SubmitResponse>) {
    if new {
        state.metrics.stored();
    } else {
        state.metrics.duplicate();
    }
    let receipt = Receipt::issue(
        &state.relay,
        stored.id,
        stored.conversation,
        stored.seq,
        stored.received_at_ms,
    );
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(SubmitResponse {
            receipt,
            duplicate: !new,
        }),
    )
}

fn message_id(path: Result<Path<String>, PathRejection>) -> Result<MessageId, ApiError> {
    let Path(text) = path.map_err(|error| ApiError::BadRequest(error.body_text()))?;
    text.parse()
        .map_err(|_| ApiError::BadRequest("the message id must be 32 bytes of 0x hex".into()))
}

/// The stored envelope `id`, if `reader` may read it.
async fn readable(
    state: &AppState,
    reader: &AccountId,
    id: &MessageId,
) -> Result<StoredEnvelope, ApiError> {
    let not_found = || ApiError::NotFound(format!("no message {id}"));
    let stored = state.store.envelope(id).await?.ok_or_else(not_found)?;
    if *reader != stored.sender {
        // One answer for "no such message" and "not yours to read": the
        // refusal would tell any keypair which conversation an id is in.
        match authorize_read(
            state.view.as_ref(),
            reader,
            &stored.conversation,
            Some(&stored.sender),
        )
        .await
        {
            Ok(()) => {}
            Err(error @ AccessError::Unavailable(_)) => return Err(error.into()),
            Err(_) => return Err(not_found()),
        }
    }
    Ok(stored)
}

/// `GET /v1/envelopes/{id}`.
pub async fn get_one(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    signed: Signed,
) -> Result<Json<EnvelopeView>, ApiError> {
    let id = message_id(path)?;
    Ok(Json(readable(&state, &signed.account, &id).await?.into()))
}

/// Query of `GET /v1/conversations/{conversation}/envelopes`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Return envelopes with a sequence number above this (default 0).
    #[serde(default)]
    pub after: u64,
    /// Most envelopes to return (default and maximum: the relay's page size).
    pub limit: Option<u32>,
    /// For a direct conversation: the other party's account id.
    pub peer: Option<AccountId>,
}

/// The conversation of a `/v1/conversations/{conversation}/…` route and its
/// query, once the signer is known to be allowed to read it.
pub async fn readable_conversation(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ListQuery>, QueryRejection>,
    signed: &Signed,
) -> Result<(ConversationId, ListQuery), ApiError> {
    let Path(conversation) = path.map_err(|error| ApiError::BadRequest(error.body_text()))?;
    let conversation: ConversationId = conversation
        .parse()
        .map_err(|error| ApiError::BadRequest(format!("{error}")))?;
    let Query(query) = query.map_err(|error| ApiError::BadRequest(error.body_text()))?;
    authorize_read(
        state.view.as_ref(),
        &signed.account,
        &conversation,
        query.peer.as_ref(),
    )
    .await?;
    Ok((conversation, query))
}

/// `GET /v1/conversations/{conversation}/envelopes?after=&limit=&peer=`.
pub async fn list(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ListQuery>, QueryRejection>,
    signed: Signed,
) -> Result<Json<EnvelopePage>, ApiError> {
    let (conversation, query) = readable_conversation(&state, path, query, &signed).await?;
    let limit = state.limits.page(query.limit);
    let mut envelopes = state.store.list(&conversation, query.after, limit).await?;
    // Bounded in bytes too, so a client's answer limit always holds a page.
    let mut bytes = 0;
    let fits = envelopes
        .iter()
        .position(|envelope| {
            bytes += envelope.body.len();
            bytes > MAX_PAGE_ENVELOPE_BYTES
        })
        .unwrap_or(envelopes.len());
    envelopes.truncate(fits.max(1));
    let next_after = envelopes.last().map(|last| last.seq);
    Ok(Json(EnvelopePage {
        envelopes: envelopes.into_iter().map(EnvelopeView::from).collect(),
        next_after,
    }))
}

/// `GET /v1/envelopes/{id}/proof`.
pub async fn proof(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    signed: Signed,
) -> Result<Json<ProofView>, ApiError> {
    let id = message_id(path)?;
    readable(&state, &signed.account, &id).await?;
    let view = match state.store.proof(&id).await? {
        None => return Err(ApiError::NotFound(format!("no message {id}"))),
        Some(ProofState::Pending) => ProofView::Pending,
        Some(ProofState::Anchored { batch, proof }) => {
            let decoded = Proof::from_bytes(&proof).map_err(|error| {
                tracing::error!(%error, %id, "stored proof does not decode");
                ApiError::Internal
            })?;
            ProofView::Anchored {
                root: format!("0x{}", hex::encode(batch.root)),
                leaf_index: decoded.leaf_index,
                proof: BASE64.encode(&proof),
                batch: batch.into(),
            }
        }
    };
    Ok(Json(view))
}
